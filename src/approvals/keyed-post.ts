/**
 * Keyed posts of a change request (its card, its thread's milestones and ending, its status card,
 * a traffic-shift pause): a post that got no answer from Slack may have landed, so the next attempt
 * looks for it before saying it again (issue: a message Slack took but answered late was said twice).
 */
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { LATE_POST_GRACE_MS, mayHaveLanded } from '../slack/failures';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import type { ChangeRequest } from './types';

/**
 * Post `msg` in the request's thread as the post `name` of the request, keyed (PostOptions.key:
 * `<request id>:<name>` in the message's metadata). A post that got no answer (mayHaveLanded: sent,
 * then the client's timeout or a cut connection; Slack may have taken it) is marked `u:<name>` in the
 * request's track (when, in real time); the next attempt first looks for it in the thread
 * (findPosted; at least LATE_POST_GRACE_MS after the mark, so that a late post has landed) and, when
 * it is there, takes it as posted instead of saying it again. When that look fails (Slack cannot be read,
 * the scopes are missing, the thread is too long), it posts: the reply may then show twice, which is
 * better than a rollout's ending (or its status) never said, and a Slack that cannot answer a read
 * is unlikely to have taken the post. Returns the post's ts, and whether it was found (then it
 * shows what the earlier attempt said).
 */
export async function postKeyed(
  rt: Runtime,
  req: ChangeRequest,
  name: string,
  msg: SlackMessage,
  opts: { broadcast?: boolean } = {},
): Promise<{ ts: string; found: boolean }> {
  const track = keys.changeTrack(req.id);
  const unsure = `u:${name}`;
  const key = `${req.id}:${name}`;
  const where = req.messageTs ? { threadTs: req.messageTs, ...(opts.broadcast ? { broadcast: true } : {}) } : {};
  // Redis failing here: no mark known, so it posts (twice rather than never).
  const markedAt = await rt.redis.hget(track, unsure).catch((err: unknown) => {
    rt.log.warn('could not read whether an earlier post got no answer; posting', { requestId: req.id, post: name, err });
    return null;
  });
  const wasUnsure = markedAt !== null;
  if (wasUnsure) {
    // Right after the post that got no answer (the same work trying again), give a late one time to land.
    const wait = Number(markedAt) + LATE_POST_GRACE_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, LATE_POST_GRACE_MS)));
    try {
      const ts = await rt.slack.findPosted(req.channel, key, req.messageTs);
      if (ts) {
        rt.log.info('an earlier post that got no answer had landed; not posting it again', { requestId: req.id, post: name, ts });
        await rt.redis.hdel(track, unsure).catch(() => undefined);
        return { ts, found: true };
      }
    } catch (err) {
      rt.log.warn('could not tell whether an earlier post landed; posting it (twice rather than never)', {
        requestId: req.id,
        post: name,
        err,
      });
    }
  }
  try {
    // A broadcast reply also shows in the channel (a failure: people who do not follow the thread see it).
    const { ts } = await rt.slack.post(req.channel, msg, { ...where, key });
    if (wasUnsure) await rt.redis.hdel(track, unsure).catch(() => undefined);
    return { ts, found: false };
  } catch (err) {
    if (mayHaveLanded(err)) {
      // Real time (not rt.now()): it measures LATE_POST_GRACE_MS, a real wait.
      await rt.redis
        .pipeline()
        .hset(track, unsure, Date.now())
        .expire(track, TRACK_TTL_SECONDS)
        .exec()
        .catch((e: unknown) =>
          rt.log.warn('a post that got no answer could not be marked; a later attempt will not look for it first', {
            requestId: req.id,
            post: name,
            err: e,
          }),
        );
    }
    throw err;
  }
}
