/**
 * The time budget of one Slack request the edge answers (a click, a form submission, a typed
 * command): on Lambda Bolt answers Slack only when the listener returns, so everything the listener
 * waits for counts against Slack's 3 seconds (src/slack/click-budget.ts has the arithmetic).
 * Steps skipped or cut short are logged, and so is a cut-short call that fails later.
 */
import { createClickBudget, type ClickBudget } from '../slack/click-budget';
import type { Runtime } from '../runtime';

export function listenerBudget(rt: Runtime, what: string, userId: string): ClickBudget {
  return createClickBudget(rt.now, {
    onShort: (step) => rt.log.warn('click budget: step cut short', { what, user: userId, ...step }),
    onLateFailure: (step, err) => rt.log.warn('click budget: a call cut short failed later', { what, step, err }),
  });
}
