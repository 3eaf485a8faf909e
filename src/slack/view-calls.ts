/**
 * A views.* call (open, update, push, publish) inside a request's time budget
 * (src/slack/click-budget.ts), with its outcome spelled out instead of thrown: the caller tells the
 * person what happened in its own words (one message per outcome), never with the SDK's error text.
 *
 * - `done`: Slack took it.
 * - `expired`: Slack refused the trigger_id (older than 3 seconds, used already, or not ours).
 * - `notConfirmed`: no answer within the bound (skipped when no time was left, cut short, or the
 *   client's own timeout or a network failure): the call may still have gone through (a cut-short
 *   call goes on in the background), so the person is told "if it does not appear, try again".
 * - `refused`: Slack answered with an error (`code`, e.g. `internal_error`, `hash_conflict`).
 */
import { isBotError } from '../errors';
import type { ClickBudget } from './click-budget';
import { slackErrorCodeOf, WITHIN_ACK_TIMEOUT_MS } from './gateway';

export type ViewCallOutcome<T> =
  { done: true; value: T } | { done: false; why: 'expired' | 'notConfirmed' } | { done: false; why: 'refused'; code: string };

const TRIGGER_ERRORS = new Set(['expired_trigger_id', 'exchanged_trigger_id', 'invalid_trigger_id']);

/** What a failed views.* call comes to (pure). */
export function viewCallFailure(err: unknown): { why: 'expired' | 'notConfirmed' } | { why: 'refused'; code: string } {
  const code = slackErrorCodeOf(err);
  if (!code) return { why: 'notConfirmed' };
  if (TRIGGER_ERRORS.has(code)) return { why: 'expired' };
  return { why: 'refused', code };
}

/**
 * Run `op` (one views.* call of the gateway) within min(Slack's own timeout, what `budget` has left
 * minus `reserveMs`) as step `step`; never throws for Slack's sake (an error that is not Slack's,
 * a bug, still throws).
 */
export async function viewCallWithin<T>(
  budget: ClickBudget,
  step: string,
  reserveMs: number,
  op: () => Promise<T>,
): Promise<ViewCallOutcome<T>> {
  try {
    const res = await budget.optional(step, WITHIN_ACK_TIMEOUT_MS, reserveMs, op);
    return res.done ? { done: true, value: res.value } : { done: false, why: 'notConfirmed' };
  } catch (err) {
    if (!isBotError(err) || err.code !== 'SLACK') throw err;
    return { done: false, ...viewCallFailure(err) };
  }
}
