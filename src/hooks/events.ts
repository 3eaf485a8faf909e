/**
 * Extension points for the functions that are not Slack-facing:
 * - ECS events from EventBridge (src/handlers/events.ts) are given to every consumer
 *   (deploy progress tracking, alerts);
 * - the scheduled tick (src/handlers/scheduled.ts, and a timer when running locally) runs
 *   every periodic task (approval expiry, start deadlines, deploy deadlines, services-down checks);
 * - changes of what people look at (a request created or decided, a lock, a freeze, an incident,
 *   a rollout's progress) are announced to every change listener (the Home tab refresh).
 * Each consumer is isolated: one failing does not stop the others, and a retry of an event runs
 * only the consumers that did not finish it (dispatchEvent). Event consumers and ticks have
 * a budget for their AWS calls (src/aws/budget.ts), and a tick never overlaps itself: it runs
 * under a Redis lock that expires when the invocation could no longer be running, and a tick that
 * finds its lock taken is skipped.
 */
import { withBudget } from '../aws/budget';
import type { EcsEvent } from '../aws/ecs-events';
import { isBotError, type ErrorCode } from '../errors';
import { permanentSlackFailure } from '../slack/failures';
import { keys } from '../redis/keys';
import { releaseLock, tryLock, type HeldLock } from '../redis/locks';
import type { Runtime } from '../runtime';

type EventConsumer = (event: EcsEvent, rt: Runtime) => Promise<void>;
type Tick = (rt: Runtime) => Promise<void>;

/** Something people see changed: a request ('request'), a lock or freeze ('guard'), an incident, a rollout's progress. */
export interface Change {
  what: 'request' | 'guard' | 'incident' | 'rollout';
  environment?: string;
  service?: string;
}
type ChangeListener = (change: Change, rt: Runtime) => Promise<void>;

const consumers = new Map<string, EventConsumer>();
const ticks = new Map<string, Tick>();
const changeListeners = new Map<string, ChangeListener>();

/** An event consumer's AWS calls get this long. */
export const EVENT_BUDGET_MS = 30_000;
/** A tick's AWS calls get at most this long. */
export const TICK_BUDGET_MS = 50_000;
/** Without a known end of the invocation (locally), a tick's lock lasts this long. */
const DEFAULT_TICK_LOCK_MS = 120_000;

export function registerEventConsumer(name: string, fn: EventConsumer): void {
  consumers.set(name, fn);
}

export function registerTick(name: string, fn: Tick): void {
  ticks.set(name, fn);
}

async function runAll<T extends unknown[]>(
  entries: Map<string, (...args: T) => Promise<void>>,
  args: T,
  around: (name: string, run: () => Promise<void>) => Promise<void> = (_name, run) => run(),
): Promise<Array<{ name: string; err: unknown }>> {
  const failed: Array<{ name: string; err: unknown }> = [];
  await Promise.all(
    [...entries].map(async ([name, fn]) => {
      try {
        await around(name, () => fn(...args));
      } catch (err) {
        failed.push({ name, err });
      }
    }),
  );
  return failed;
}

/** A consumer that did not finish: whether running it again on the same event can succeed, and if not, what to fix. */
export interface ConsumerFailure {
  name: string;
  retryable: boolean;
  /** Why it cannot succeed on a retry (permanent failures). */
  why?: string;
  /** What a person must change (permanent failures). */
  fix?: string;
}

/** Failures of ours that the same event meets again however often it is retried. */
const PERMANENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_INPUT',
  'UNKNOWN_VERB',
  'UNKNOWN_SERVICE',
  'UNKNOWN_ENVIRONMENT',
  'FORBIDDEN',
  'AWS_ACCESS_DENIED',
  'AWS_UNSUPPORTED',
  'NOT_FOUND',
  'REFUSED',
]);

/**
 * Whether a consumer's failure can pass on a retry of the same event. Permanent: Slack refused for
 * a reason a retry repeats (src/slack/failures.ts: the channel, the token, the scope, the message),
 * a refusal of ours or of AWS that does not change (access denied, not found, bad input), an event
 * the consumer could not read (a schema or JSON error). Everything else (Redis unreachable, Slack
 * 5xx / `ratelimited` / `fatal_error` / no answer, AWS throttling or timeouts, anything unknown) is
 * retried, as before.
 */
export function classifyConsumerFailure(name: string, err: unknown): ConsumerFailure {
  const slack = permanentSlackFailure(err);
  if (slack) return { name, retryable: false, why: `Slack answered ${slack.code}`, fix: slack.fix };
  if (isBotError(err) && PERMANENT_CODES.has(err.code))
    return { name, retryable: false, why: err.message, fix: err.hint ?? err.userMessage };
  const errName = (err as { name?: unknown } | null)?.name;
  if (errName === 'ZodError' || err instanceof SyntaxError)
    return {
      name,
      retryable: false,
      why: 'the event is not in the shape this consumer reads',
      fix: 'report the event (its id is in this line) as a bug',
    };
  return { name, retryable: true };
}

/**
 * How long a consumer that finished an event is remembered (keys.eventConsumerDone). The events
 * function (serverless.yml) sets neither maximumRetryAttempts nor maximumEventAge, so Lambda's
 * defaults hold: 2 retries of an asynchronous invocation, for an event up to 6 h old. An hour more
 * (test/unit/function-timeouts.test.ts checks it against serverless.yml, as the budgets below).
 */
export const CONSUMER_DONE_TTL_MS = 7 * 3_600_000;
/** Event ids are UUIDs; a longer one is not remembered (its key would exceed its bound), so its retry runs every consumer. */
const EVENT_ID_MAX = 128;

/**
 * Redis is not connected now (connecting, or reconnecting after a failure): the marks are neither
 * read nor written, rather than queueing commands behind the connection and waiting for a timeout.
 */
const redisDown = (rt: Runtime): boolean => rt.redis.status !== 'ready';

/** The consumers that finished `eventId` on an earlier attempt; none when Redis does not answer (then every consumer runs, as before). */
async function finishedEarlier(rt: Runtime, eventId: string, names: string[]): Promise<Set<string>> {
  if (!names.length || eventId.length > EVENT_ID_MAX || redisDown(rt)) return new Set();
  try {
    const marks = await rt.redis.mget(...names.map((n) => keys.eventConsumerDone(eventId, n)));
    return new Set(names.filter((_, i) => marks[i] !== null));
  } catch (err) {
    rt.log.warn('could not read which consumers finished this event; running them all', { eventId, err });
    return new Set();
  }
}

/**
 * Remember that `names` finished `eventId` (done, or failed for good), so the retry Lambda makes of
 * the event runs only the consumers that may still pass. One SET … PX per consumer (several in one MULTI), in one slot.
 */
export async function markFinished(rt: Runtime, eventId: string, names: string[]): Promise<void> {
  if (!names.length || eventId.length > EVENT_ID_MAX || redisDown(rt)) return;
  if (names.length === 1) {
    await rt.redis.set(keys.eventConsumerDone(eventId, names[0]!), '1', 'PX', CONSUMER_DONE_TTL_MS);
    return;
  }
  const m = rt.redis.multi();
  for (const n of names) m.set(keys.eventConsumerDone(eventId, n), '1', 'PX', CONSUMER_DONE_TTL_MS);
  await m.exec();
}

/**
 * The finished marks of one event, written as consumers finish: each consumer that finishes (done,
 * or failed for good) is marked at once, not when the event ends, so a retry after the invocation
 * died midway (a crash, Lambda's timeout, a consumer that never returned) skips it too. The write is
 * fired without waiting (the consumer's work is over; the others go on), and the consumers that
 * finish in the same turn of the event loop share one write (one MULTI of SET … PX, one slot): an
 * event most consumers ignore costs the read (MGET) and one write. While Redis is not connected
 * (a cold start still connecting, an outage) nothing is written or waited for: the names wait for
 * the next consumer to finish or the event's end (`settled`, which dispatchEvent awaits), and are
 * dropped if Redis is still not connected then (the retry runs them again, as before). A failed
 * write is logged, with the same consequence.
 */
function finishMarks(rt: Runtime, eventId: string): { add(name: string): void; settled(): Promise<void> } {
  const pending: string[] = [];
  const writes: Array<Promise<void>> = [];
  let scheduled = false;
  const write = (): void => {
    if (!pending.length || redisDown(rt)) return;
    const names = pending.splice(0);
    writes.push(
      markFinished(rt, eventId, names).catch((err: unknown) =>
        rt.log.warn('could not mark consumers that finished this event; a retry runs them again', { eventId, consumers: names, err }),
      ),
    );
  };
  return {
    add(name) {
      if (eventId.length > EVENT_ID_MAX) return;
      pending.push(name);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        write();
      });
    },
    async settled() {
      write();
      await Promise.all(writes);
    },
  };
}

/**
 * Run every consumer on `event`; the failures, each classified (and logged: a retryable one as
 * retried, a permanent one with what to fix, since retrying the event would only repeat it).
 *
 * Each consumer that finishes (done, or failed for good) is marked in Redis as it finishes
 * (finishMarks), and a retry of the event (Lambda retries it after a retryable failure, a crash or
 * a timeout) skips the marked ones: a consumer that acted does not act again on a world that moved
 * on meanwhile (the auto-lock re-locking a service someone unlocked in between, with a second
 * notice), and one that failed for good is not run and logged again. An event costs one read (MGET)
 * and the marks' writes, fired without waiting as consumers finish (those finishing together share
 * one write); without Redis every consumer runs and nothing waits for Redis.
 */
export async function dispatchEvent(event: EcsEvent, rt: Runtime): Promise<ConsumerFailure[]> {
  const done = await finishedEarlier(rt, event.id, [...consumers.keys()]);
  if (done.size)
    rt.log.info('event retried: consumers that finished it on an earlier attempt are skipped', {
      eventId: event.id,
      skipped: [...done],
    });
  const todo = new Map([...consumers].filter(([name]) => !done.has(name)));
  const marks = finishMarks(rt, event.id);
  const failed = await runAll(todo, [event, rt], async (name, run) => {
    try {
      await withBudget(EVENT_BUDGET_MS, run);
    } catch (err) {
      if (!classifyConsumerFailure(name, err).retryable) marks.add(name);
      throw err;
    }
    marks.add(name);
  });
  const failures = failed.map(({ name, err }) => {
    const f = classifyConsumerFailure(name, err);
    const where = { name, eventId: event.id, detailType: event['detail-type'], err };
    if (f.retryable) rt.log.error('event consumer failed; the event is retried', where);
    else
      rt.log.error('event consumer failed for good; the event is not retried (a retry would fail the same way)', {
        ...where,
        why: f.why,
        fix: f.fix,
      });
    return f;
  });
  await marks.settled();
  return failures;
}

export interface TickOptions {
  /** When the invocation ends (epoch ms; Lambda's deadline): the ticks' locks expire then, and their budgets end before. */
  deadline?: number;
  /** Names of ticks skipped because the previous run still holds the lock (filled in). */
  skipped?: string[];
}

export function runTicks(rt: Runtime, opts: TickOptions = {}): Promise<string[]> {
  const now = Date.now();
  const lockMs = opts.deadline !== undefined ? Math.max(1_000, opts.deadline - now) : DEFAULT_TICK_LOCK_MS;
  const budgetMs = Math.min(TICK_BUDGET_MS, Math.max(1_000, lockMs - 5_000));
  return logged(
    rt,
    'scheduled task',
    runAll(ticks, [rt], async (name, run) => {
      let lock: HeldLock | undefined;
      try {
        lock = await tryLock(rt.redis, keys.tickLock(name), lockMs);
        if (!lock) {
          rt.log.info('scheduled task skipped: its previous run is still going', { name });
          opts.skipped?.push(name);
          return;
        }
      } catch (err) {
        // Without Redis most ticks fail anyway; let them say why.
        rt.log.warn('scheduled task lock unavailable; running without it', { name, err });
      }
      try {
        await withBudget(budgetMs, run);
      } finally {
        if (lock) await releaseLock(rt.redis, lock).catch((err) => rt.log.warn('could not release a scheduled task lock', { name, err }));
      }
    }),
  );
}

/** The names of the failed, each logged with its error. */
async function logged(rt: Runtime, what: string, failures: Promise<Array<{ name: string; err: unknown }>>): Promise<string[]> {
  return (await failures).map(({ name, err }) => {
    rt.log.error(`${what} failed`, { name, err });
    return name;
  });
}

export function registerChangeListener(name: string, fn: ChangeListener): void {
  changeListeners.set(name, fn);
}

/**
 * Tell every change listener that something people see changed. Never throws (the change already
 * happened); listeners must be quick (one Redis round trip, at most a hand-off to the worker).
 */
export async function announceChange(rt: Runtime, change: Change): Promise<void> {
  if (!changeListeners.size) return;
  await logged(rt, 'change listener', runAll(changeListeners, [change, rt]));
}
