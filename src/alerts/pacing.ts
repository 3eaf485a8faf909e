/**
 * Per-channel pacing of what alerts post with chat.postMessage (first posts of incidents, thread
 * replies). Slack allows about one message a second per channel; the channel's pace in Redis
 * (store.ts reserveChannelTurn, the same script as the workspace's update budget) spaces the posts
 * of every events Lambda out, so a storm into one channel is paced here instead of meeting 429s
 * (whose Retry-After waits pause the whole Slack client of the process).
 *
 * Turns are reserved (reserve-turn-1.lua, GCRA): each message is told when its turn comes, in the
 * order the messages asked, and sleeps once until then; a later message cannot take its turn.
 * A turn further off than PACE_WAIT_MAX_MS (a thread reply: REPLY_WAIT_MAX_MS, so first posts keep
 * the rest of the queue) is refused at once, so no event is held long past its budget: then a first
 * post is left to the scheduled check (sync.ts hands the lease back; claim-2.lua finds it unposted),
 * which posts it in its turn, and a thread reply waits in the service's backlog for the scheduled
 * check (./backlog.ts). Neither goes unpaced into a channel Slack is already limiting.
 */
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import { reserveChannelTurn } from './store';

/** The longest a first post waits for its turn in the channel. */
export const PACE_WAIT_MAX_MS = 10_000;
/**
 * The longest a thread reply waits: half of a first post's, so replies never fill the channel's
 * queue past it and a new incident's alert arriving in a storm of replies still finds a turn (in
 * order, behind the replies already waiting) instead of going unpaced; the replies after it are
 * left out sooner (the alert message counts their reasons).
 */
export const REPLY_WAIT_MAX_MS = 5_000;

/**
 * Reserve a turn with `reserve` (the ms until it, reserved; negative when it is further than
 * `maxWaitMs`: refused) and sleep once until it: `now` (at once), `waited` (after sleeping),
 * `none` (refused; nothing reserved). The paces are one Redis script shared by every events Lambda
 * (./store.ts); a failure of `reserve` is thrown.
 */
export async function waitForTurn(
  rt: Runtime,
  reserve: (now: number, maxWaitMs: number) => Promise<number>,
  maxWaitMs: number,
): Promise<'now' | 'waited' | 'none'> {
  const wait = await reserve(rt.now(), maxWaitMs);
  if (wait < 0) return 'none';
  if (wait === 0) return 'now';
  await rt.sleep(wait);
  return 'waited';
}

/**
 * Wait for a turn to post into `channel`. True: post now (its turn came, or Redis did not answer).
 * False: its turn is further off than PACE_WAIT_MAX_MS (a first post) or REPLY_WAIT_MAX_MS (a thread
 * reply); the caller leaves it to the scheduled check.
 */
export async function channelTurn(rt: Runtime, channel: string, what: 'post' | 'reply', log: Logger): Promise<boolean> {
  const { alertPostsPerMinutePerChannel: perMinute, alertPostsBurstPerChannel: burst } = rt.config.limits;
  try {
    const maxWait = what === 'post' ? PACE_WAIT_MAX_MS : REPLY_WAIT_MAX_MS;
    if ((await waitForTurn(rt, (now, max) => reserveChannelTurn(rt.redis, channel, now, max, perMinute, burst), maxWait)) !== 'none')
      return true;
  } catch (err) {
    log.warn('alert: the channel’s pace could not be read; posting anyway', { channel, err });
    return true;
  }
  log.info('alert: the channel is busy; left to the scheduled check', { channel, what });
  return false;
}
