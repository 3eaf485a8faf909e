/**
 * The worker: runs each job once. Jobs arrive at least once (Lambda async invocations may be
 * delivered twice, and are retried after a crash), so every job id is claimed in Redis first.
 */
import type { ZodType } from 'zod';
import { answerInvocation, errorReply } from '../slack/reply';
import { route } from '../edge/slash';
import { keys } from '../redis/keys';
import { storeUnavailable } from '../redis/client';
import type { Runtime } from '../runtime';
import { commandJobSchema, jobEnvelope, type Job } from '../slack/invocation';

export type JobHandler = (job: unknown, rt: Runtime) => Promise<void>;

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

/** Register a job kind (called at module load by the modules that define them). */
export function registerJobKind<T>(kind: string, def: JobKind<T>): void {
  kinds.set(kind, def as unknown as JobKind<never>);
}

registerJobKind('command', {
  schema: commandJobSchema,
  // Claimed inside: a read-only command still answers when Redis is down (a duplicate answer is harmless).
  once: false,
  async handle(job, rt) {
    const inv = job.invocation;
    const log = rt.log.child({ invocation: inv.id, user: inv.userId });
    try {
      const { spec, parsed } = route(rt, inv);
      const claim = await claimJob(rt, job.id);
      if (claim === 'duplicate') {
        log.info('job already ran; duplicate delivery ignored', { kind: job.kind, id: job.id });
        return;
      }
      if (claim instanceof Error) {
        if (spec.kind !== 'read') throw storeUnavailable(claim);
        log.warn('redis unavailable; read-only job runs without the duplicate check', { err: claim });
      }
      if (!spec.run) throw new Error(`verb ${spec.verb} has no worker part`);
      await spec.run(parsed, rt, inv);
    } catch (err) {
      await answerInvocation(rt, inv, errorReply(err, log), { inChannel: false }).catch((e) =>
        log.error('could not report error', { err: e }),
      );
    }
  },
});

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
