/**
 * Per-channel pacing of what alerts post with chat.postMessage (first posts of incidents, thread
 * replies). Slack allows about one message a second per channel; the channel's bucket in Redis
 * (store.ts takeChannelPostSlot, the same token-bucket script as the workspace's update budget)
 * spaces the posts of every events Lambda out, so a storm into one channel is paced here instead of
 * meeting 429s (whose Retry-After waits pause the whole Slack client of the process).
 *
 * A message waits for its turn at most PACE_WAIT_MAX_MS, so no event is held long past its budget.
 * Then a first post goes anyway (a delayed alert beats a lost one; the Slack client still waits out
 * a 429), and a thread reply is left out: the alert message itself counts its reason.
 */
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import { takeChannelPostSlot } from './store';

/** The longest a message waits for its turn in the channel. */
export const PACE_WAIT_MAX_MS = 10_000;

/**
 * Take a token with `take` (0 when taken, else the ms until one is free), waiting for it up to
 * `maxWaitMs` in all: `now` (taken at once), `waited` (taken after waiting), `none` (not within
 * `maxWaitMs`). The token buckets are Redis scripts shared by every events Lambda (./store.ts);
 * a failure of `take` is thrown.
 */
export async function waitForToken(
  rt: Runtime,
  take: (now: number) => Promise<number>,
  maxWaitMs: number,
): Promise<'now' | 'waited' | 'none'> {
  // Bounded by the time slept, not by the clock: the waits add up to at most `maxWaitMs`.
  for (let left = maxWaitMs; ;) {
    const wait = await take(rt.now());
    if (wait <= 0) return left < maxWaitMs ? 'waited' : 'now';
    if (wait > left) return 'none';
    await rt.sleep(wait);
    left -= wait;
  }
}

/**
 * Wait for a turn to post into `channel`. True: post now (a turn was taken, or it is a first post
 * whose wait ran out, or Redis did not answer). False: a thread reply whose turn is further off than
 * PACE_WAIT_MAX_MS; leave it out.
 */
export async function channelTurn(rt: Runtime, channel: string, what: 'post' | 'reply', log: Logger): Promise<boolean> {
  try {
    if ((await waitForToken(rt, (now) => takeChannelPostSlot(rt.redis, channel, now), PACE_WAIT_MAX_MS)) !== 'none') return true;
  } catch (err) {
    log.warn('alert: the channel’s pace could not be read; posting anyway', { channel, err });
    return true;
  }
  if (what === 'post') {
    log.info('alert: the channel is busy; posting the new alert anyway', { channel });
    return true;
  }
  log.info('alert: thread reply left out: the channel is busy (the alert message counts it)', { channel });
  return false;
}
