/**
 * The audit trail. Each transition script XADDs one entry to the service's stream
 * (`audit:{svc:<env>:<alias>}`, atomic with the change) and the caller then
 *  - copies it to the environment's stream (`audit:{env:<env>}`, for environment-wide views), and
 *  - writes one structured JSON log line (`msg: "audit"`): Redis replication is asynchronous and
 *    a failover may lose the last writes, so the log (CloudWatch Logs) is the record of last resort.
 * Freezes are environment-wide: their scripts write the environment stream directly.
 */
import type { RedisClient } from '../redis/client';
import type { Logger } from '../log';
import { keys } from '../redis/keys';
import { AUDIT_MAXLEN, AUDIT_TTL_SECONDS } from '../redis/bounds';
import { fromHash } from './model';
import type { ChangeRequest } from './types';
import { pipelineBySlot } from '../redis/slots';
import { toRawAuditEntry, type RawAuditEntry } from './scripts';

export type AuditEvent =
  | 'created'
  | 'auto-approved'
  | 'approval'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'aborted'
  | 'lapsed'
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'locked'
  | 'unlocked'
  | 'frozen'
  | 'unfrozen'
  | (string & {});

export interface AuditEntry {
  /** Redis stream id (time-ordered). */
  streamId: string;
  at: number;
  event: AuditEvent;
  /** Request id ('' for lock / freeze entries). */
  requestId: string;
  verb: string;
  environment: string;
  service: string;
  /** Slack user id, or 'bot' for the bot's own steps. */
  actor: string;
  /** The request's (or lock's) state after the step. */
  state: string;
  /** Reason, approvals count, outcome detail, recorded facts… */
  detail: string;
  /** On 'created': a short summary of the change. */
  summary?: string;
  /** On 'created': the release gates' lines (JSON of GateNote[]). */
  gates?: string;
}

function toAuditEntry(raw: RawAuditEntry): AuditEntry {
  const f = raw.fields;
  return {
    streamId: raw.streamId,
    at: Number(f.at) || 0,
    event: f.event ?? '',
    requestId: f.id ?? '',
    verb: f.verb ?? '',
    environment: f.env ?? '',
    service: f.service ?? '',
    actor: f.actor ?? '',
    state: f.state ?? '',
    detail: f.detail ?? '',
    ...(f.summary ? { summary: f.summary } : {}),
    ...(f.gates ? { gates: f.gates } : {}),
  };
}

/**
 * Recent audit entries, newest first: the service's stream when `service` is given, else the
 * environment's stream. `limit` is capped at AUDIT_MAXLEN.
 */
export async function readAudit(redis: RedisClient, environment: string, opts: { service?: string; limit: number }): Promise<AuditEntry[]> {
  const key = opts.service ? keys.serviceAudit(environment, opts.service) : keys.audit(environment);
  const count = Math.max(1, Math.min(AUDIT_MAXLEN, Math.floor(opts.limit)));
  const raw = await redis.xrevrange(key, '+', '-', 'COUNT', count);
  return raw
    .map((r) => toRawAuditEntry(r))
    .filter((e): e is RawAuditEntry => e !== undefined)
    .map(toAuditEntry);
}

/**
 * After a script: the JSON log line for each entry it wrote and the copy in the environment
 * stream. Never throws: the transition already happened; a failure here is logged.
 */
export async function publishAudit(redis: RedisClient, log: Logger, entries: readonly RawAuditEntry[]): Promise<void> {
  if (!entries.length) return;
  for (const raw of entries) {
    const e = toAuditEntry(raw);
    log.info('audit', {
      audit: true,
      event: e.event,
      requestId: e.requestId || undefined,
      verb: e.verb || undefined,
      environment: e.environment,
      service: e.service || undefined,
      actor: e.actor,
      state: e.state,
      detail: e.detail || undefined,
      at: new Date(e.at).toISOString(),
      streamId: e.streamId,
    });
  }
  // Entries already in the environment stream (freezes) are not copied again.
  const copies = entries.filter((e) => e.fields.service);
  if (!copies.length) return;
  try {
    // The environment stream is in another slot than the service stream the script wrote: a
    // separate round trip (one pipeline per environment stream, in practice one).
    // Each stream's expiry is renewed in the same pipeline as its entries (src/redis/bounds.ts).
    const streams = [...new Set(copies.map((e) => keys.audit(e.fields.env ?? '')))];
    type Copy = { entry: RawAuditEntry } | { stream: string };
    const commands: Copy[] = [...copies.map((entry) => ({ entry })), ...streams.map((stream) => ({ stream }))];
    const res = await pipelineBySlot(
      redis,
      commands,
      (c) => ('stream' in c ? c.stream : keys.audit(c.entry.fields.env ?? '')),
      (pipe, c) => {
        if ('stream' in c) pipe.pexpire(c.stream, AUDIT_TTL_SECONDS * 1000);
        else
          pipe.xadd(
            keys.audit(c.entry.fields.env ?? ''),
            'MAXLEN',
            '~',
            AUDIT_MAXLEN,
            '*',
            ...Object.entries({ ...c.entry.fields, src: c.entry.streamId }).flat(),
          );
      },
    );
    const failed = res.find(([err]) => err);
    if (failed) throw failed[0];
  } catch (err) {
    log.warn('could not copy audit entries to the environment stream', { err });
  }
}

/**
 * The bot's own record of its recent changes to one service, newest first: the requests named
 * by the service's audit stream that are still on record (30 days). What each one planned (the
 * task definition it replaced) and did (execution facts) lets rollback work without ECS's
 * deployment history.
 */
export async function recentChanges(redis: RedisClient, environment: string, service: string, limit = 300): Promise<ChangeRequest[]> {
  const entries = await readAudit(redis, environment, { service, limit });
  const ids = [...new Set(entries.map((e) => e.requestId).filter(Boolean))];
  if (!ids.length) return [];
  // One service's requests: one hash slot, one pipeline.
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hgetall(keys.request(environment, service, id));
  const res = (await pipe.exec()) ?? [];
  const out: ChangeRequest[] = [];
  res.forEach(([err, val]) => {
    const req = err ? undefined : fromHash((val ?? {}) as Record<string, string>);
    if (req) out.push(req);
  });
  return out.sort((a, b) => (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt));
}
