/**
 * The per-click time budget. On Lambda the Slack function answers Slack's HTTP request only when the
 * whole listener has finished (Bolt's AwsLambdaReceiver awaits app.processEvent), so an early
 * `ack()` does not help: everything a click does counts against Slack's 3 seconds, and past them the
 * clicker sees a timeout notice although the work went through (and clicks again).
 *
 * A budget is created when a click's listener starts. Each call on the click's path asks it for a
 * bound: min(the call's own timeout, what is left minus what the essential steps after it need),
 * so a slow optional step (a card refresh, a group lookup) eats into its own share and never into
 * the hand-off that must follow. The arithmetic is `boundWithin` (pure); `createClickBudget` adds
 * the clock and records every bound it gave (the tests read them, the log keeps cut-short steps).
 */

/**
 * The whole budget of a click, from its listener's start. Slack allows 3,000 ms from sending the
 * request to receiving the answer; outside the listener that window also pays for API Gateway and
 * Lambda's invoke path both ways, the signature check and Bolt's parsing (together usually 100–300
 * ms on a warm function) and timer lateness on a busy event loop. 2,500 ms keeps 500 ms of that
 * margin. (A cold start's init happens before the listener and is not covered: it is kept small
 * by the bundle-size guard, and the first click after a deploy may still be late.)
 */
export const CLICK_BUDGET_MS = 2_500;

/**
 * What the essential steps after an optional one need, in the normal case (not their worst case:
 * reserving every worst case would leave nothing for anything else). Each is what the step
 * costs on a healthy dependency plus room for one slow answer.
 */
export const RESERVE = {
  /** A Redis transition: its Lua script, and the Home tab's mark after it (a few ms each when healthy). */
  transition: 200,
  /**
   * The hand-off to the worker: one Invoke attempt, including a new TLS connection when the
   * keep-alive one is gone (~100–300 ms), and Lambda's 202.
   */
  handOff: 700,
  /** Failing the request when its hand-off failed (one transition): never left approved with nobody to start it. */
  abort: 200,
  /** The short answer to the clicker when a step was cut short (one response_url POST). */
  answer: 300,
  /** views.open of a modal (its trigger_id is valid for 3 seconds from the click). */
  openView: 600,
} as const;

/** What an approved request's hand-off needs after a step: the Invoke, a failed hand-off's abort, the answer. */
export const HAND_OFF_NEEDS = RESERVE.handOff + RESERVE.abort + RESERVE.answer;

/** What a command run from a click needs after its group lookup: the admit script, the hand-off, the answer. */
export const COMMAND_NEEDS = RESERVE.transition + RESERVE.handOff + RESERVE.answer;

/** What a form needs after the steps before it (its locale, the group lookups): views.open, and the answer when it did not open. */
export const FORM_NEEDS = RESERVE.openView + RESERVE.answer;

/** A bound under this is not worth starting an optional call for: it is skipped instead. */
export const MIN_STEP_MS = 100;

/**
 * The bound for one step: its own timeout, cut to what is left of the budget after `reserveMs` for
 * the essential steps after it; never negative. Pure.
 */
export function boundWithin(now: number, endsAt: number, ownMs: number, reserveMs = 0): number {
  return Math.max(0, Math.min(ownMs, endsAt - now - reserveMs));
}

/** What a bounded step came to: done (its value), skipped (no time for it) or cut short (stopped waiting). */
export type StepOutcome<T> = { done: true; value: T } | { done: false; why: 'skipped' | 'cutShort' };

/** One bound the budget gave, in order (what the tests check). */
export interface StepRecord {
  step: string;
  boundMs: number;
  outcome: 'done' | 'failed' | 'skipped' | 'cutShort' | 'given';
}

export interface ClickBudget {
  /** When the budget ends (the clock's ms), Infinity for no budget. */
  readonly endsAt: number;
  /** False for no budget (noBudget): every step then runs as it would without one, unraced. */
  readonly bounded: boolean;
  /** Ms left (Infinity for no budget). */
  left(): number;
  /**
   * The bound for a call made elsewhere (a hand-off, a group lookup): min(ownMs, left − reserveMs),
   * recorded under `step`.
   */
  boundFor(step: string, ownMs: number, reserveMs?: number): number;
  /**
   * Run an optional step within its bound; `skipped` when the bound is under MIN_STEP_MS (never
   * started), `cutShort` when it did not finish within it. A cut-short call is not cancelled: it
   * goes on in the background until its own timeout and its outcome is only logged (on Lambda it
   * may also be frozen with the function and finish, or fail, at the next invocation).
   * A step that fails within its bound rejects as it would without a budget. `floorMs`: the least
   * bound the step gets even past the budget (the clicker's answer: a late answer beats none).
   */
  optional<T>(step: string, ownMs: number, reserveMs: number, op: () => Promise<T>, floorMs?: number): Promise<StepOutcome<T>>;
  /** Every bound given so far. */
  readonly steps: readonly StepRecord[];
}

export interface BudgetOptions {
  totalMs?: number;
  /** Told about each step that was skipped or cut short (a log line). */
  onShort?: (record: StepRecord) => void;
  /** Told when a cut-short call finally fails in the background. */
  onLateFailure?: (step: string, err: unknown) => void;
}

/**
 * An answer to the person (a refusal, an error, a note) within what is left, never under the
 * answer's own reserve: a late answer beats none. `ownMs`: the call's own timeout.
 */
export function answerWithin<T>(budget: ClickBudget, ownMs: number, send: () => Promise<T>): Promise<StepOutcome<T>> {
  return budget.optional('answer', ownMs, 0, send, RESERVE.answer);
}

/**
 * A response_url answer's options inside a click: all its attempts within what the click has left,
 * never under the answer's own reserve (a late answer beats none); none without a budget.
 */
export function respondWithin(budget: ClickBudget): { withinMs?: number } {
  return budget.bounded ? { withinMs: Math.max(RESERVE.answer, budget.boundFor('answer', Infinity)) } : {};
}

/** A budget on `now` (the runtime's clock, so the tests can move it) starting now. */
export function createClickBudget(now: () => number, opts: BudgetOptions = {}): ClickBudget {
  const endsAt = now() + (opts.totalMs ?? CLICK_BUDGET_MS);
  const steps: StepRecord[] = [];
  const record = (r: StepRecord): StepRecord => {
    steps.push(r);
    if (r.outcome === 'skipped' || r.outcome === 'cutShort') opts.onShort?.(r);
    return r;
  };
  const bounded = Number.isFinite(endsAt);
  return {
    endsAt,
    bounded,
    steps,
    left: () => Math.max(0, endsAt - now()),
    boundFor(step, ownMs, reserveMs = 0) {
      return record({ step, boundMs: boundWithin(now(), endsAt, ownMs, reserveMs), outcome: 'given' }).boundMs;
    },
    async optional(step, ownMs, reserveMs, op, floorMs = 0) {
      // No budget (the worker, a tick): the call's own timeout and retries decide, as before.
      if (!bounded) return { done: true, value: await op() };
      const boundMs = Math.max(Math.min(floorMs, ownMs), boundWithin(now(), endsAt, ownMs, reserveMs));
      if (boundMs < MIN_STEP_MS) {
        record({ step, boundMs, outcome: 'skipped' });
        return { done: false, why: 'skipped' };
      }
      const running = op();
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<'cut'>((resolve) => (timer = setTimeout(() => resolve('cut'), boundMs)));
      try {
        const first = await Promise.race([running.then((value) => ({ value })), cut]);
        if (first === 'cut') {
          record({ step, boundMs, outcome: 'cutShort' });
          running.catch((err) => opts.onLateFailure?.(step, err));
          return { done: false, why: 'cutShort' };
        }
        record({ step, boundMs, outcome: 'done' });
        return { done: true, value: first.value };
      } catch (err) {
        record({ step, boundMs, outcome: 'failed' });
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** No budget (a scheduled tick, the worker): every step gets its own timeout and runs to the end. */
export function noBudget(): ClickBudget {
  return createClickBudget(() => 0, { totalMs: Infinity });
}

/**
 * The least time a hand-off gets inside a click, even past the budget: when an earlier essential
 * step (a slow Redis) ate the hand-off's reserve, answering a little late beats failing work that
 * was accepted. One attempt on a warm connection takes tens of ms.
 */
export const HAND_OFF_FLOOR_MS = 300;

/**
 * A hand-off's option inside a click: all that is left but `reserveMs` (what must follow it: a
 * failed hand-off's clean-up, the answer), never under HAND_OFF_FLOOR_MS; none without a budget.
 */
export function handOffWithin(budget: ClickBudget, reserveMs: number = RESERVE.answer): { withinMs: number } | undefined {
  if (!budget.bounded) return undefined;
  return { withinMs: Math.max(HAND_OFF_FLOOR_MS, budget.boundFor('handOff', Infinity, reserveMs)) };
}

/**
 * A user-group lookup's option inside a click: Slack's own timeout (`ownMs`), cut so that what must
 * follow it (`reserveMs`) still fits; none without a budget.
 */
export function lookupWithin(budget: ClickBudget, ownMs: number, reserveMs: number): { withinMs: number } | undefined {
  if (!budget.bounded) return undefined;
  return { withinMs: budget.boundFor('groupLookup', ownMs, reserveMs) };
}

/**
 * Hand `job` off within what the click has left (handOffWithin); with no budget the dispatcher is
 * called exactly as without one.
 */
export function dispatchWithin<J>(
  dispatcher: { dispatch(job: J, opts?: { withinMs?: number }): Promise<void> },
  job: J,
  budget: ClickBudget,
  reserveMs?: number,
): Promise<void> {
  const within = handOffWithin(budget, reserveMs);
  return within ? dispatcher.dispatch(job, within) : dispatcher.dispatch(job);
}
