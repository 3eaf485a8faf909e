/**
 * The constants whose comments tie them to a Lambda function's timeout (or its asynchronous
 * retries) in serverless.yml, checked against serverless.yml itself: a timeout changed there (or a
 * constant changed here) that breaks one of these fails the suite instead of silently turning a
 * claim, a lease or a mark into one that ends while its holder still runs, or a budget into one
 * that outlives its invocation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BACKLOG_CLAIM_MS } from '../../src/alerts/backlog';
import { COMMAND_BUDGET_MS } from '../../src/commands/job';
import { EXECUTE_BUDGET_MS } from '../../src/deploy/constants';
import { EVENT_CLAIM_MS } from '../../src/edge/event-claim';
import { CONSUMER_DONE_TTL_MS, EVENT_BUDGET_MS, TICK_BUDGET_MS } from '../../src/hooks/events';
import { CLAIM_TTL_SECONDS, DEFAULT_JOB_BUDGET_MS, JOB_MAX_AGE_MS } from '../../src/hooks/jobs';
import { SWEEP_SLICE_MS } from '../../src/approvals/indexes.run';
import { RECHECK_WITHIN_MS } from '../../src/commands/recheck.run';
import { keyBounds } from '../../src/redis/bounds';

interface Fn {
  timeout?: number;
  maximumEventAge?: number;
  maximumRetryAttempts?: number;
}
/* eslint-disable @typescript-eslint/no-explicit-any -- serverless.yml is untyped YAML */
const sls = parse(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8')) as any;
/** A function of serverless.yml, with its timeout in ms (it must state one: Lambda's default of 3 s is not what any of these assume). */
function fn(name: 'slack' | 'worker' | 'events' | 'scheduled'): Fn & { timeoutMs: number; eventAgeMs: number } {
  const f = sls.functions[name] as Fn | undefined;
  if (!f || typeof f.timeout !== 'number') throw new Error(`serverless.yml: functions.${name}.timeout is not a number`);
  // Lambda's default for an asynchronous invocation's age: 6 h (21 600 s), when maximumEventAge is not set.
  return { ...f, timeoutMs: f.timeout * 1000, eventAgeMs: (f.maximumEventAge ?? 21_600) * 1000 };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

describe('claims, leases and marks outlive what they guard (serverless.yml)', () => {
  it("the alert backlog's claim (BACKLOG_CLAIM_MS) is longer than the scheduled function may run", () => {
    expect(BACKLOG_CLAIM_MS).toBeGreaterThan(fn('scheduled').timeoutMs);
  });

  it("a Slack event's claim (EVENT_CLAIM_MS) lasts at least as long as the Slack function may run", () => {
    expect(EVENT_CLAIM_MS).toBeGreaterThanOrEqual(fn('slack').timeoutMs);
  });

  it("an event consumer's done mark (CONSUMER_DONE_TTL_MS) outlives Lambda's retries of the events function (maximumEventAge, default 6 h)", () => {
    expect(CONSUMER_DONE_TTL_MS).toBeGreaterThan(fn('events').eventAgeMs);
  });

  it("a signed job (JOB_MAX_AGE_MS) outlives Lambda's retries of the worker, and its run-once claim outlives it", () => {
    expect(JOB_MAX_AGE_MS).toBeGreaterThan(fn('worker').eventAgeMs);
    expect(JOB_MAX_AGE_MS).toBeLessThanOrEqual(CLAIM_TTL_SECONDS * 1000);
  });

  it("a tick's lock (until the invocation's end) stays within its key's bound: the scheduled function's timeout fits tickLock's TTL bound", () => {
    const bound = keyBounds.tickLock.lifetime;
    expect('ttl' in bound && bound.ttl * 1000).toBeGreaterThanOrEqual(fn('scheduled').timeoutMs);
  });

  it("the worker's failures queue hides a message at least six times the scheduled function's timeout (Lambda's advice for SQS sources)", () => {
    const visibility = sls.resources.Resources.WorkerFailuresQueue.Properties.VisibilityTimeout as number;
    expect(visibility * 1000).toBeGreaterThanOrEqual(6 * fn('scheduled').timeoutMs);
  });
});

describe('budgets end before their invocation may be cut off (serverless.yml)', () => {
  it("a tick's budget (TICK_BUDGET_MS) and a sweep's slice within it fit the scheduled function's timeout", () => {
    expect(TICK_BUDGET_MS).toBeLessThan(fn('scheduled').timeoutMs);
    expect(SWEEP_SLICE_MS).toBeLessThan(TICK_BUDGET_MS);
  });

  it("an event consumer's budget (EVENT_BUDGET_MS) fits the events function's timeout", () => {
    expect(EVENT_BUDGET_MS).toBeLessThan(fn('events').timeoutMs);
  });

  it("a command's, a job's and an execution attempt's budgets fit the worker's timeout (and a job run by the scheduled function fits its)", () => {
    for (const budget of [COMMAND_BUDGET_MS, DEFAULT_JOB_BUDGET_MS, EXECUTE_BUDGET_MS]) expect(budget).toBeLessThan(fn('worker').timeoutMs);
    expect(DEFAULT_JOB_BUDGET_MS).toBeLessThan(fn('scheduled').timeoutMs);
  });

  it("the follow-up of a change whose answer was lost (RECHECK_WITHIN_MS) asks Redis and answers within the worker's timeout", () => {
    // Counted from the click; the worker also stops its tries before its own invocation ends (recheck.run.ts).
    expect(RECHECK_WITHIN_MS).toBeLessThan(fn('worker').timeoutMs);
  });
});
