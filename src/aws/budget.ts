/**
 * Time budgets for AWS work: a job, a tick or an event consumer runs inside `withBudget(ms, fn)`,
 * and every AWS call made inside it (through any client of ./clients.ts) is aborted when the
 * budget runs out, retries and backoff included. The budget travels with the async context
 * (AsyncLocalStorage), so adapters need no extra parameter; a nested budget never outlives the
 * one around it. The aborted call fails with an AbortError that ./errors.ts turns into "AWS did
 * not answer within N s while I tried to …".
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Budget {
  /** When the budget started (epoch ms). */
  startedAt: number;
  /** When it runs out (epoch ms). */
  deadline: number;
  /** Aborts when the budget runs out. */
  signal: AbortSignal;
}

const storage = new AsyncLocalStorage<Budget>();

/** The budget of the current async context, if any. */
export function currentBudget(): Budget | undefined {
  return storage.getStore();
}

/** Run `fn` with at most `ms` for its AWS calls (less when an enclosing budget ends sooner). */
export function withBudget<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const outer = storage.getStore();
  const now = Date.now();
  const own = AbortSignal.timeout(Math.max(1, ms));
  const budget: Budget =
    outer && outer.deadline <= now + ms
      ? outer
      : { startedAt: now, deadline: now + ms, signal: outer ? AbortSignal.any([outer.signal, own]) : own };
  return storage.run(budget, fn);
}

/** Run `fn` outside any budget (work handed on in-process gets its own budget where it runs). */
export function withoutBudget<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** The signal an HTTP request should honour: the caller's own, the budget's, or both. */
export function budgetSignal(own?: AbortSignal): AbortSignal | undefined {
  const b = storage.getStore();
  if (!b) return own;
  return own ? AbortSignal.any([own, b.signal]) : b.signal;
}
