/**
 * The job kinds table and the worker's job runner. Jobs are the hand-off from the Slack edge (and
 * from the events/scheduled functions) to the worker: on Lambda the payload of an asynchronous
 * invocation of the worker function, locally run in-process after the ack. Each kind has a zod
 * schema and a handler, registered by its feature. The runner runs each job once: jobs arrive at
 * least once (Lambda async invocations may be delivered twice, and are retried after a crash), so
 * every job id is claimed in Redis first.
 *
 * The worker runs only jobs the bot's own functions handed it: every job is signed when it is
 * dispatched (an HMAC-SHA256 over the canonical job and the time it was issued, with a key only the
 * bot's functions read: src/handlers/compose.ts) and verified before anything else here. An unsigned,
 * changed or stale job is refused and logged, never retried. Each kind then re-checks who may run it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { withBudget, withoutBudget } from '../aws/budget';
import { storeUnavailable } from '../redis/client';
import { keys } from '../redis/keys';
import type { Logger } from '../log';
import { defineMessages, type Localized } from '../i18n/catalog';

const M = defineMessages('hooks.jobs', {
  tooOld: {
    en: 'Lambda could not hand the work to the worker before it grew too old',
    ko: 'Lambda가 작업이 너무 오래되기 전에 워커에 넘기지 못했습니다',
  },
  gaveUp: {
    en: 'the worker {how} on {attempts}, so Lambda gave up on the work',
    ko: '워커가 {attempts} {how} Lambda가 작업을 포기했습니다',
  },
  timedOut: { en: 'timed out', ko: '시간 초과되어' },
  crashed: { en: 'crashed', ko: '비정상 종료되어' },
  failed: { en: 'failed', ko: '실패하여' },
  allAttempts: { en: 'all {n} attempts', ko: '{n}번의 시도 모두' },
  everyAttempt: { en: 'every attempt', ko: '모든 시도에서' },
});
import type { Dispatcher, Job, Runtime } from '../runtime';

/** Every job has a kind and an id (the idempotency key); the rest is the kind's own. */
const jobEnvelope = lazySchema(() => z.object({ kind: z.string().min(1), id: z.string().min(1) }).passthrough());

interface JobKind<T> {
  schema: z.ZodType<T>;
  handle(job: T, rt: Runtime): Promise<void>;
  /** Claim the job id before running (default true). Kinds with their own state machine may opt out. */
  once?: boolean;
  /**
   * Whether the job may run when the claim cannot be written (Redis unreachable): only jobs
   * whose duplicate run is harmless (read-only answers). Default: no, the failure propagates.
   */
  runsWithoutStore?(job: T, rt: Runtime): boolean;
  /** How long the job's AWS calls may take in all (src/aws/budget.ts); default DEFAULT_JOB_BUDGET_MS. */
  budgetMs?: number;
  /**
   * The job will never run: Lambda gave up on its invocation (every attempt failed, or it aged
   * out) and sent it to the on-failure destination. End what waits for it; `why` says what
   * happened, in words for a person.
   */
  lost?(job: T, rt: Runtime, why: Localized): Promise<void>;
}

/** A job's AWS calls get this long in all unless its kind says otherwise. */
export const DEFAULT_JOB_BUDGET_MS = 30_000;

const kinds = new Map<string, JobKind<never>>();

/** Register a job kind (each feature's register(), called by registerAll() in src/handlers/compose.ts). */
export function registerJobKind<T>(kind: string, def: JobKind<T>): void {
  kinds.set(kind, def as unknown as JobKind<never>);
}

export const CLAIM_TTL_SECONDS = 24 * 3600;

/** Claim a job id: 'claimed' the first time, 'duplicate' after, or the Redis error when the store is unreachable. */
export async function claimJob(rt: Runtime, id: string): Promise<'claimed' | 'duplicate' | Error> {
  try {
    const res = await rt.redis.set(keys.job(id), String(rt.now()), 'EX', CLAIM_TTL_SECONDS, 'NX');
    return res === 'OK' ? 'claimed' : 'duplicate';
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * How long a signed job stays valid: longer than Lambda's async retries (up to 6 h when throttled),
 * not longer than the run-once claim (CLAIM_TTL_SECONDS), so a replay finds the claim or is refused
 * (test/unit/function-timeouts.test.ts checks both against serverless.yml).
 */
export const JOB_MAX_AGE_MS = 20 * 3_600_000;
/** A job issued this far in the future (clock skew between functions) is still accepted. */
const JOB_MAX_SKEW_MS = 5 * 60_000;

/** The job as signed: keys sorted at every level, the `auth` field left out. */
function canonical(value: unknown): string {
  // Runs for every hand-off inside the ack: plain loops, no intermediate arrays of entries.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonical(value[i]);
    return out + ']';
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, as `<` does.
    const names = Object.keys(obj).sort();
    let out = '{';
    let first = true;
    for (const k of names) {
      const v = obj[k];
      if (v === undefined || k === 'auth') continue;
      out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonical(v);
      first = false;
    }
    return out + '}';
  }
  return JSON.stringify(value) ?? 'null';
}

function mac(key: string, iat: number, job: unknown): Buffer {
  return createHmac('sha256', key)
    .update(`job:v1:${iat}:${canonical(job)}`)
    .digest();
}

/** The job with its signature (`auth: { iat, sig }`), as the dispatcher hands it to the worker. */
export function signJob<T extends Job>(job: T, key: string, now: number): T & { auth: { iat: number; sig: string } } {
  return { ...job, auth: { iat: now, sig: mac(key, now, job).toString('hex') } };
}

type Verdict = { ok: true } | { ok: false; reason: 'unsigned' | 'signature' | 'expired' };

/** Whether `raw` carries a valid signature by `key`, issued within the allowed age at `now`. */
export function verifyJob(raw: Record<string, unknown>, key: string, now: number): Verdict {
  const auth = raw.auth as { iat?: unknown; sig?: unknown } | undefined;
  if (!auth || typeof auth !== 'object' || typeof auth.sig !== 'string' || typeof auth.iat !== 'number')
    return { ok: false, reason: 'unsigned' };
  if (!/^[0-9a-f]{64}$/.test(auth.sig)) return { ok: false, reason: 'signature' };
  if (!timingSafeEqual(mac(key, auth.iat, raw), Buffer.from(auth.sig, 'hex'))) return { ok: false, reason: 'signature' };
  if (now - auth.iat > JOB_MAX_AGE_MS || auth.iat - now > JOB_MAX_SKEW_MS) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/** A dispatcher that signs every job before `inner` hands it over (installed by src/handlers/compose.ts). */
export function signingDispatcher(inner: Dispatcher, key: string, now: () => number): Dispatcher {
  return {
    // The options (a click's hand-off time) pass through unchanged.
    dispatch: (job, opts) => (opts ? inner.dispatch(signJob(job, key, now()), opts) : inner.dispatch(signJob(job, key, now()))),
    ...(inner.idle ? { idle: () => inner.idle!() } : {}),
  };
}

/** The invocation a job runs in: when it ends at the latest (Lambda's deadline; unknown locally). */
const invocation = new AsyncLocalStorage<{ deadline?: number }>();

/** When the invocation running the current job ends at the latest (epoch ms), if known. */
export function invocationDeadline(): number | undefined {
  return invocation.getStore()?.deadline;
}

/**
 * Run `fn` as (part of) an invocation that ends at `deadline` (epoch ms; Lambda's end): the Slack
 * client's 429 waits (workDeadline, src/handlers/compose.ts) and the jobs it dispatches in-process
 * stay within it. The events function runs each event in it.
 */
export function withInvocationDeadline<T>(deadline: number | undefined, fn: () => Promise<T>): Promise<T> {
  return deadline === undefined ? fn() : invocation.run({ deadline }, fn);
}

export interface RunJobOptions {
  /** When the invocation ends at the latest (epoch ms): `Date.now() + context.getRemainingTimeInMillis()` on Lambda. */
  deadline?: number;
}

/** Run one job. Unsigned, unknown or malformed jobs are logged and dropped (never retried into a storm). */
export async function runJob(raw: unknown, rt: Runtime, opts: RunJobOptions = {}): Promise<void> {
  if (opts.deadline !== undefined) return invocation.run({ deadline: opts.deadline }, () => runJob(raw, rt));
  const env = jobEnvelope.safeParse(raw);
  if (!env.success) {
    rt.log.error('malformed job dropped', { issues: env.error.issues.slice(0, 3) });
    return;
  }
  const job: Job = env.data;
  const verdict = verifyJob(env.data, rt.jobKey, rt.now());
  if (!verdict.ok) {
    rt.log.error('job refused', { reason: verdict.reason, kind: job.kind, id: job.id });
    return;
  }
  const def = kinds.get(job.kind);
  if (!def) {
    rt.log.error('unknown job kind dropped', { kind: job.kind, id: job.id });
    return;
  }
  const parsed = def.schema.safeParse(raw);
  if (!parsed.success) {
    rt.log.error('invalid job dropped', { kind: job.kind, id: job.id, issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  if (def.once !== false) {
    const claim = await claimJob(rt, job.id);
    if (claim === 'duplicate') {
      rt.log.info('job already ran; duplicate delivery ignored', { kind: job.kind, id: job.id });
      return;
    }
    if (claim instanceof Error) {
      if (!def.runsWithoutStore?.(parsed.data, rt)) throw storeUnavailable(claim);
      rt.log.warn('redis unavailable; read-only job runs without the duplicate check', { kind: job.kind, id: job.id, err: claim });
    }
  }
  await withBudget(def.budgetMs ?? DEFAULT_JOB_BUDGET_MS, () => def.handle(parsed.data, rt));
}

/**
 * Runs jobs in this process after the current request or job; idle() waits for them (and for the
 * jobs they dispatch). The worker, events and scheduled functions use it (their handlers await
 * idle() before returning, so no function invokes itself or the worker), and so does `npm start`.
 * A failed job is logged, not rethrown: it is not retried.
 */
export function inProcessDispatcher(run: (job: Job) => Promise<void>, log: Logger): Dispatcher & { idle(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    async dispatch(job) {
      // The job runs with its own budget, not the one of the work that dispatched it, in the same invocation.
      const deadline = invocationDeadline();
      const p = withoutBudget(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => withoutBudget(() => invocation.run({ deadline }, () => run(job))))
        .catch((err) => log.error('in-process job failed', { kind: job.kind, id: job.id, err }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

/* ------------------------------------------------------------------ jobs Lambda gave up on */

/** One SQS record of the worker's on-failure destination (an asynchronous invocation record). */
interface LostRecord {
  messageId: string;
  body: string;
}

const invocationRecord = lazySchema(() =>
  z
    .object({
      requestContext: z
        .object({ condition: z.string().optional(), approximateInvokeCount: z.number().optional() })
        .passthrough()
        .optional(),
      requestPayload: z.unknown(),
      responsePayload: z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).passthrough().nullish(),
    })
    .passthrough(),
);

/** In words for a person: why Lambda gave up on the invocation. */
function lostBecause(rec: z.infer<typeof invocationRecord>): Localized {
  const c = rec.requestContext;
  if (c?.condition === 'EventAgeExceeded') return M.lazy('tooOld');
  const n = c?.approximateInvokeCount;
  const type = rec.responsePayload?.errorType;
  const how = type === 'Sandbox.Timedout' ? M.lazy('timedOut') : type?.startsWith('Runtime.') ? M.lazy('crashed') : M.lazy('failed');
  return M.lazy('gaveUp', { how, attempts: n ? M.lazy('allAttempts', { n }) : M.lazy('everyAttempt') });
}

/** Is this an SQS batch (Lambda's event source event)? */
export function isSqsBatch(event: unknown): event is { Records: LostRecord[] } {
  const r = (event as { Records?: Array<{ eventSource?: string }> } | null)?.Records;
  return Array.isArray(r) && r.length > 0 && r.every((x) => x?.eventSource === 'aws:sqs');
}

/**
 * The worker's failed invocations (its on-failure destination, an SQS queue): each record names
 * the job Lambda gave up on; its kind's `lost` ends what waits for it. A record that cannot be
 * handled now (Redis down) is reported back so SQS delivers it again; one that is not a job is
 * logged and dropped.
 */
export async function handleLostJobs(
  records: readonly LostRecord[],
  rt: Runtime,
): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const r of records) {
    let rec: z.infer<typeof invocationRecord>;
    try {
      const parsed = invocationRecord.safeParse(JSON.parse(r.body));
      if (!parsed.success) throw new Error('not an invocation record');
      rec = parsed.data;
    } catch (err) {
      rt.log.error('lost job dropped: the message is not an invocation record', { messageId: r.messageId, err });
      continue;
    }
    const env = jobEnvelope.safeParse(rec.requestPayload);
    const def = env.success ? kinds.get(env.data.kind) : undefined;
    const job = env.success ? def?.schema.safeParse(rec.requestPayload) : undefined;
    if (!env.success || !def || !job?.success) {
      rt.log.error('lost job dropped: unknown or malformed job', { messageId: r.messageId, kind: env.success ? env.data.kind : undefined });
      continue;
    }
    const why = lostBecause(rec);
    rt.log.warn('job lost: Lambda gave up on it', { kind: env.data.kind, id: env.data.id, why: why('en'), error: rec.responsePayload });
    if (!def.lost) continue;
    try {
      await withBudget(DEFAULT_JOB_BUDGET_MS, () => def.lost!(job.data as never, rt, why));
    } catch (err) {
      rt.log.error('could not settle a lost job; SQS will deliver it again', { kind: env.data.kind, id: env.data.id, err });
      failures.push({ itemIdentifier: r.messageId });
    }
  }
  return { batchItemFailures: failures };
}
