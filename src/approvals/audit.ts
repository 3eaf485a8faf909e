/**
 * The audit trail. Each transition script XADDs one entry to the service's stream
 * (`audit:{svc:<env>:<alias>}`, atomic with the change) and the caller then
 *  - copies it to the environment's copy stream (`audit:{index}:env:<env>`, for environment-wide
 *    views; in the indexes' slot, so the copy goes in the one pipelined write after the script), and
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
import { toRawAuditEntry, type RawAuditEntry } from './scripts';
import type { ChainableCommander } from 'ioredis';

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
 * environment's: its copies of the service entries (`keys.envRequestAudit`) merged with its own
 * stream (freezes, and copies written before the copies moved). `limit` is capped at AUDIT_MAXLEN.
 */
export async function readAudit(redis: RedisClient, environment: string, opts: { service?: string; limit: number }): Promise<AuditEntry[]> {
  const count = Math.max(1, Math.min(AUDIT_MAXLEN, Math.floor(opts.limit)));
  const read = async (key: string) =>
    (await redis.xrevrange(key, '+', '-', 'COUNT', count))
      .map((r) => toRawAuditEntry(r))
      .filter((e): e is RawAuditEntry => e !== undefined)
      .map(toAuditEntry);
  if (opts.service) return read(keys.serviceAudit(environment, opts.service));
  const [copies, own] = await Promise.all([read(keys.envRequestAudit(environment)), read(keys.audit(environment))]);
  // Two streams (two slots, possibly two nodes): merged by the entries' own time, newest first.
  return [...copies, ...own].sort((a, b) => b.at - a.at || (a.streamId < b.streamId ? 1 : -1)).slice(0, count);
}

/** After a script: the JSON log line for each audit entry it wrote. */
export function logAudit(log: Logger, entries: readonly RawAuditEntry[]): void {
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
}

/**
 * Queue the environment copies of a script's service entries (`keys.envRequestAudit`, in the
 * indexes' slot) on `pipe`, a pipeline of that slot: the caller sends them with its index updates
 * in one write. Entries already in an environment stream (freezes) are not copied. Returns how many
 * commands were queued.
 */
export function queueAuditCopies(pipe: ChainableCommander, entries: readonly RawAuditEntry[]): number {
  const copies = entries.filter((e) => e.fields.service);
  const streams = new Set<string>();
  for (const e of copies) {
    const stream = keys.envRequestAudit(e.fields.env ?? '');
    streams.add(stream);
    pipe.xadd(stream, 'MAXLEN', '~', AUDIT_MAXLEN, '*', ...Object.entries({ ...e.fields, src: e.streamId }).flat());
  }
  // Each stream's expiry is renewed in the same write as its entries (src/redis/bounds.ts).
  for (const stream of streams) pipe.pexpire(stream, AUDIT_TTL_SECONDS * 1000);
  return copies.length + streams.size;
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
