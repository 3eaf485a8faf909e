/**
 * The job kinds table and the worker's job runner. Jobs are the hand-off from the Slack edge (and
 * from the events/scheduled functions) to the worker: on Lambda the payload of an asynchronous
 * invocation of the worker function, locally run in-process after the ack. Each kind has a zod
 * schema and a handler, registered by its feature. The runner runs each job once: jobs arrive at
 * least once (Lambda async invocations may be delivered twice, and are retried after a crash), so
 * every job id is claimed in Redis first.
 */
import { z, type ZodType } from 'zod';
import { storeUnavailable } from '../redis/client';
import { keys } from '../redis/keys';
import type { Logger } from '../log';
import type { Dispatcher, Job, Runtime } from '../runtime';

/** Every job has a kind and an id (the idempotency key); the rest is the kind's own. */
const jobEnvelope = z.object({ kind: z.string().min(1), id: z.string().min(1) }).passthrough();

interface JobKind<T> {
  schema: ZodType<T>;
  handle(job: T, rt: Runtime): Promise<void>;
  /** Claim the job id before running (default true). Kinds with their own state machine may opt out. */
  once?: boolean;
  /**
   * Whether the job may run when the claim cannot be written (Redis unreachable): only jobs
   * whose duplicate run is harmless (read-only answers). Default: no, the failure propagates.
   */
  runsWithoutStore?(job: T, rt: Runtime): boolean;
}

const kinds = new Map<string, JobKind<never>>();

/** Register a job kind (each feature's register(), called by registerAll() in src/handlers/compose.ts). */
export function registerJobKind<T>(kind: string, def: JobKind<T>): void {
  kinds.set(kind, def as unknown as JobKind<never>);
}

const CLAIM_TTL_SECONDS = 24 * 3600;

/** Claim a job id: 'claimed' the first time, 'duplicate' after, or the Redis error when the store is unreachable. */
export async function claimJob(rt: Runtime, id: string): Promise<'claimed' | 'duplicate' | Error> {
  try {
    const res = await rt.redis.set(keys.job(id), String(rt.now()), 'EX', CLAIM_TTL_SECONDS, 'NX');
    return res === 'OK' ? 'claimed' : 'duplicate';
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Run one job. Unknown or malformed jobs are logged and dropped (never retried into a storm). */
export async function runJob(raw: unknown, rt: Runtime): Promise<void> {
  const env = jobEnvelope.safeParse(raw);
  if (!env.success) {
    rt.log.error('malformed job dropped', { issues: env.error.issues.slice(0, 3) });
    return;
  }
  const job: Job = env.data;
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
  await def.handle(parsed.data, rt);
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
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => run(job))
        .catch((err) => log.error('in-process job failed', { kind: job.kind, id: job.id, err }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
