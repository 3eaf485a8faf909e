/**
 * Keyed posts of a change request (its card, its thread's milestones and ending, its status card,
 * a traffic-shift pause): a post that got no answer from Slack may have landed, so the next attempt
 * looks for it before saying it again (issue: a message Slack took but answered late was said twice).
 */
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { postOnce } from '../slack/keyed-post';
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
  return postOnce(rt, msg, {
    channel: req.channel,
    key: `${req.id}:${name}`,
    ...(req.messageTs ? { threadTs: req.messageTs, broadcast: opts.broadcast } : {}),
    // The mark lives in the request's track (its own slot), as long as the track.
    mark: {
      read: () => rt.redis.hget(track, unsure),
      set: (at) => rt.redis.pipeline().hset(track, unsure, at).expire(track, TRACK_TTL_SECONDS).exec(),
      clear: () => rt.redis.hdel(track, unsure),
    },
    ctx: { requestId: req.id, post: name },
  });
}
