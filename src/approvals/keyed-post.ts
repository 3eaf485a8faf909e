/**
 * Keyed posts: a post that got no answer from Slack may have landed, so the next attempt looks for
 * it before saying it again (issue: a message Slack took but answered late was said twice). A change
 * request's posts (its card, its thread's milestones, notes and ending, its status card, a
 * traffic-shift pause) through `postKeyed`; any other post that must be said once and not lost (an
 * automatic lock's notice) through `postKeyedAt`.
 */
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { LATE_POST_GRACE_MS, mayHaveLanded } from '../slack/failures';
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
export async function postKeyedAt(
  rt: Runtime,
  at: KeyedPlace,
  msg: SlackMessage,
  opts: KeyedPostOptions = {},
): Promise<{ ts: string; found: boolean }> {
  const { mark, about } = at;
  const where = at.threadTs ? { threadTs: at.threadTs, ...(opts.broadcast ? { broadcast: true } : {}) } : {};
  const unmark = async () => {
    if (mark) await rt.redis.hdel(mark.hash, mark.field).catch(() => undefined);
  };
  // When an earlier attempt got no answer (real ms), null when none did; read from the mark until this call knows.
  let markedAt: number | null | undefined;
  for (let attempt = 1; ; attempt++) {
    // Redis failing here: no mark known, so it posts (twice rather than never).
    markedAt ??= mark
      ? await rt.redis.hget(mark.hash, mark.field).then(
          (v) => (v === null ? null : Number(v)),
          (err: unknown) => {
            rt.log.warn('could not read whether an earlier post got no answer; posting', { ...about, err });
            return null;
          },
        )
      : null;
    const wasUnsure = markedAt !== null;
    if (markedAt !== null) {
      // Right after the post that got no answer (the same work trying again), give a late one time to land.
      const wait = markedAt + LATE_POST_GRACE_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, LATE_POST_GRACE_MS)));
      try {
        const ts = await rt.slack.findPosted(at.channel, at.key, at.threadTs);
        if (ts) {
          rt.log.info('an earlier post that got no answer had landed; not posting it again', { ...about, ts });
          await unmark();
          return { ts, found: true };
        }
      } catch (err) {
        rt.log.warn('could not tell whether an earlier post landed; posting it (twice rather than never)', { ...about, err });
      }
    }
    try {
      // A broadcast reply also shows in the channel (a failure: people who do not follow the thread see it).
      const { ts } = await rt.slack.post(at.channel, msg, { ...where, key: at.key });
      if (wasUnsure) await unmark();
      return { ts, found: false };
    } catch (err) {
      if (!mayHaveLanded(err)) throw err;
      // Real time (not rt.now()): it measures LATE_POST_GRACE_MS, a real wait.
      markedAt = Date.now();
      if (mark)
        await rt.redis
          .pipeline()
          .hset(mark.hash, mark.field, markedAt)
          .expire(mark.hash, mark.ttlSeconds)
          .exec()
          .catch((e: unknown) =>
            rt.log.warn('a post that got no answer could not be marked; a later attempt will not look for it first', { ...about, err: e }),
          );
      if (!opts.again || attempt >= 2) throw err;
      rt.log.warn('a post got no answer; looking for it before trying it once more', about);
    }
  }
}
