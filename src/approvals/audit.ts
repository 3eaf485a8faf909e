/**
 * The audit trail. Each transition script XADDs one entry to the service's stream
 * (`audit:{svc:<env>:<alias>}`, atomic with the change), and the caller writes one structured JSON
 * log line (`msg: "audit"`): Redis replication is asynchronous and a failover may lose the last
 * writes, so the log (CloudWatch Logs) is the record of last resort. Freezes are environment-wide:
 * their scripts write the environment stream (`audit:{env:<env>}`). The environment-wide history
 * merges the environment stream with its services' streams (and the legacy copy stream
 * `audit:{index}:env:<env>`, written by the old scheme, until it expires).
 */
import type { RedisClient } from '../redis/client';
import type { Logger } from '../log';
import { keys } from '../redis/keys';
import { AUDIT_MAXLEN } from '../redis/bounds';
import { fromHash } from './model';
import type { ChangeRequest } from './types';
import { toRawAuditEntry, type RawAuditEntry } from './scripts';
import { pipelineBySlot } from '../redis/slots';

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

/** Which entries to read: one service's stream, or the environment's history over its services. */
export type AuditScope = { service: string; limit: number } | { services: readonly string[]; limit: number };

/**
 * Recent audit entries, newest first: the service's stream when `service` is given; else the
 * environment's history: its own stream (freezes), the stream of each of `services` (its configured
 * src/config/load.ts servicesIn), and the legacy copy stream (`keys.legacyEnvRequestAudit`,
 * copies of service entries written before this change; a copy whose original (`src`) is in a
 * service stream read here is dropped), merged by time, newest first. One read per stream (each its
 * own slot), all sent at once. `limit` is capped at AUDIT_MAXLEN.
 */
export async function readAudit(redis: RedisClient, environment: string, scope: AuditScope): Promise<AuditEntry[]> {
  const count = Math.max(1, Math.min(AUDIT_MAXLEN, Math.floor(scope.limit)));
  const parse = (rows: unknown): RawAuditEntry[] =>
    (Array.isArray(rows) ? rows : []).map((r) => toRawAuditEntry(r)).filter((e): e is RawAuditEntry => e !== undefined);
  if ('service' in scope)
    return parse(await redis.xrevrange(keys.serviceAudit(environment, scope.service), '+', '-', 'COUNT', count)).map(toAuditEntry);
  const streams = [
    keys.audit(environment),
    ...[...new Set(scope.services)].map((alias) => keys.serviceAudit(environment, alias)),
    keys.legacyEnvRequestAudit(environment),
  ];
  const legacy = keys.legacyEnvRequestAudit(environment);
  const res = await pipelineBySlot(
    redis,
    streams,
    (k) => k,
    (pipe, k) => pipe.xrevrange(k, '+', '-', 'COUNT', count),
  );
  const read: RawAuditEntry[] = [];
  const copies: RawAuditEntry[] = [];
  streams.forEach((stream, i) => {
    const [err, rows] = res[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    for (const e of parse(rows)) {
      // A copy names its original (`src`): the legacy copy stream's entries, and the copies the scheme
      // before it wrote into the environment's own stream (freezes there have no `src`).
      (stream === legacy || e.fields.src ? copies : read).push(e);
    }
  });
  // A legacy copy names its original's stream id (`src`); ids are unique per stream, and the copy's
  // service tells which stream: drop the copies whose original was read.
  const seen = new Set(read.map((e) => `${e.fields.service ?? ''} ${e.streamId}`));
  const kept = copies.filter((c) => !(c.fields.src && seen.has(`${c.fields.service ?? ''} ${c.fields.src}`)));
  return [...read, ...kept]
    .map(toAuditEntry)
    .sort((a, b) => b.at - a.at || (a.streamId < b.streamId ? 1 : -1))
    .slice(0, count);
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
