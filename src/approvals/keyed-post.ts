/**
 * Keyed posts: a post that got no answer from Slack may have landed, so the next attempt looks for
 * it before saying it again (issue: a message Slack took but answered late was said twice). A change
 * request's posts (its card, its thread's milestones, notes and ending, its status card, a
 * traffic-shift pause) through `postKeyed`; any other post that must be said once and not lost (an
 * automatic lock's notice) through `postKeyedAt`.
 */
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { mayHaveLanded } from '../slack/failures';
import { postOnce, type PostMark } from '../slack/keyed-post';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import type { ChangeRequest } from './types';

/** Where a keyed post goes, its key, and where a post of it that got no answer is marked. */
export interface KeyedPlace {
  channel: string;
  /** The thread it is a reply in; none: a channel message (looked for among the channel's newest). */
  threadTs?: string;
  /** The post's key (PostOptions.key, its message metadata): the same on every attempt at it. */
  key: string;
  /**
   * A Redis hash and field where a post that got no answer is marked (when, in real time), so that
   * an attempt in a later invocation (a job retried, the next tick) looks first; none: only the
   * call's own second attempt (`again`) knows.
   */
  mark?: { hash: string; field: string; ttlSeconds: number };
  /**
   * An attempt made elsewhere (the Slack function's first try at a notice) got no answer at this
   * real time, or 0 when it may exist for another reason: the first attempt here looks for it first.
   */
  triedAt?: number;
  /** What the log says it is about. */
  about: Record<string, unknown>;
}

export interface KeyedPostOptions {
  broadcast?: boolean;
  /**
   * Try once more in this call when the post got no answer (mayHaveLanded): after LATE_POST_GRACE_MS,
   * look for it and post it only when it is not there. For posts nothing else tries again (a note said
   * once, by one job): without it such a post that Slack answered late, or never took, is lost.
   */
  again?: boolean;
  /**
   * No earlier attempt at this post can exist (its request was created by this call): the mark is
   * not read (one Redis round trip less on the create path); it is still written after a post that
   * got no answer, and `again` still looks.
   */
  first?: boolean;
  /** When the look for an earlier attempt fails, throw instead of posting (src/slack/keyed-post.ts lookOrFail). */
  strict?: boolean;
}

/**
 * Post `msg` as the post `name` of the request, in its thread (postKeyedAt with the key
 * `<request id>:<name>`, marked `u:<name>` in the request's track).
 */
export function postKeyed(
  rt: Runtime,
  req: ChangeRequest,
  name: string,
  msg: SlackMessage,
  opts: KeyedPostOptions = {},
): Promise<{ ts: string; found: boolean }> {
  return postKeyedAt(
    rt,
    {
      channel: req.channel,
      ...(req.messageTs ? { threadTs: req.messageTs } : {}),
      key: `${req.id}:${name}`,
      mark: { hash: keys.changeTrack(req.id), field: `u:${name}`, ttlSeconds: TRACK_TTL_SECONDS },
      about: { requestId: req.id, post: name },
    },
    msg,
    opts,
  );
}

/**
 * Post `msg` keyed (PostOptions.key in the message's metadata). A post that got no answer
 * (mayHaveLanded: sent, then the client's timeout or a cut connection; Slack may have taken it) is
 * marked; the next attempt (this call's own with `again`, or a later one that reads the mark) first
 * looks for it (findPosted; at least LATE_POST_GRACE_MS after the mark, so that a late post has
 * landed) and, when it is there, takes it as posted instead of saying it again. When that look fails
 * (Slack cannot be read, the scopes are missing, the thread is too long), it posts: the reply may
 * then show twice, which is better than a rollout's ending (or its status) never said, and a Slack
 * that cannot answer a read is unlikely to have taken the post. Returns the post's ts, and whether
 * it was found (then it shows what the earlier attempt said).
 */
/**
 * Post `msg` keyed (PostOptions.key in the message's metadata), through the one look-then-post of
 * src/slack/keyed-post.ts `postOnce`: a post that got no answer (mayHaveLanded: sent, then the
 * client's timeout or a cut connection; Slack may have taken it) is marked; the next attempt (this
 * call's own with `again`, or a later one that reads the mark) first looks for it and, when it is
 * there, takes it as posted instead of saying it again. Returns the post's ts, and whether it was
 * found (then it shows what the earlier attempt said).
 */
export async function postKeyedAt(
  rt: Runtime,
  at: KeyedPlace,
  msg: SlackMessage,
  opts: KeyedPostOptions = {},
): Promise<{ ts: string; found: boolean }> {
  const { mark, about } = at;
  // This call's own record of an attempt that got no answer comes first: its second attempt looks
  // even when the Redis mark could not be written (or there is none).
  let noAnswerAt: number | undefined = at.triedAt;
  const postMark: PostMark = {
    read: async () => noAnswerAt ?? (mark && !opts.first ? rt.redis.hget(mark.hash, mark.field) : null),
    set: async (when) => {
      noAnswerAt = when;
      if (mark) await rt.redis.pipeline().hset(mark.hash, mark.field, when).expire(mark.hash, mark.ttlSeconds).exec();
    },
    clear: async () => {
      noAnswerAt = undefined;
      if (mark) await rt.redis.hdel(mark.hash, mark.field);
    },
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const { ts, found } = await postOnce(rt, msg, {
        channel: at.channel,
        key: at.key,
        // A broadcast reply also shows in the channel (a failure: people who do not follow the thread see it).
        ...(at.threadTs ? { threadTs: at.threadTs, broadcast: opts.broadcast } : {}),
        mark: postMark,
        ctx: about,
        ...(opts.strict ? { lookOrFail: true } : {}),
      });
      return { ts, found };
    } catch (err) {
      if (!opts.again || attempt >= 2 || !mayHaveLanded(err)) throw err;
      rt.log.warn('a post got no answer; looking for it before trying it once more', about);
    }
  }
}
