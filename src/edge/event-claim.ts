/**
 * Slack events delivered again after a late answer (x-slack-retry-reason http_timeout). Slack sends
 * the redelivery whether or not the first delivery is still running, and on Lambda the first one
 * may have died (a timeout, a crash, a throttle). So each delivery claims its event (`event_id`)
 * for a short lease and the claimer marks it done once its handlers have run: a redelivery after a
 * late answer runs only when it can claim the event itself, i.e. when the first delivery's claim
 * lapsed without being marked done (or was never taken). Every Redis call is bounded by the
 * delivery's budget; a store that does not answer in time leaves the decision to the caller.
 */
import { keys } from '../redis/keys';
import type { ClickBudget } from '../slack/click-budget';
import type { Runtime } from '../runtime';

/**
 * How long a delivery's claim holds: its listener's budget (2.5 s) and a margin up to the Slack
 * function's own timeout (serverless.yml: 10 s), past which that delivery is surely over. Slack's
 * first redelivery comes about 3 s after the delivery, the next ones after 1 and 5 minutes.
 * test/unit/function-timeouts.test.ts checks it against serverless.yml.
 */
export const EVENT_CLAIM_MS = 10_000;
/** How long a handled event is remembered: past Slack's last redelivery. */
export const EVENT_DONE_MS = 3_600_000;
/** Each claim or mark waits at most Redis's own timeout on the Slack-facing side (src/redis/client.ts), within the budget. */
export const EVENT_STORE_MS = 1_000;

/**
 * Claim `eventId` for this delivery (`done` unset) or mark it handled (`done`: by the delivery that
 * claimed it), within the budget. True when claimed (or marked), false when another delivery holds
 * or handled it, undefined when the store failed or did not answer within the bound (logged).
 */
export async function markEvent(rt: Runtime, eventId: string, budget: ClickBudget, done?: true): Promise<boolean | undefined> {
  const key = keys.slackEvent(eventId);
  try {
    const res = await budget.optional(done ? 'eventDone' : 'eventClaim', EVENT_STORE_MS, 0, () =>
      done ? rt.redis.set(key, 'done', 'PX', EVENT_DONE_MS) : rt.redis.set(key, 'run', 'PX', EVENT_CLAIM_MS, 'NX'),
    );
    return res.done ? res.value === 'OK' : undefined;
  } catch (err) {
    rt.log.warn('slack event: the store failed', { eventId, done, err });
    return undefined;
  }
}
