/**
 * The incident's transitions only the worker side makes (the events and scheduled functions,
 * loaded lazily: pipeline.ts, tick.ts), apart from store.ts so that their scripts stay out of
 * dist/slack.js: record a signal (signal-4.lua), recover (recover-3.lua), the scheduled catch-up's
 * claim (claim-2.lua), facts fetched after opening (attach-1.lua), and the "down since" markers.
 * Same keys and hash tag as store.ts (`{svc:<env>:<alias>}`).
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/client';
import { keys } from '../redis/keys';
import { cutUtf8 } from '../redis/bounds';
import { luaScript, runScript } from '../redis/scripts';
import type { ResolvedService } from '../config/schema';
import type { SignalKind } from './incident';
import { LEASE_MS, str } from './store';
import attachLua from './lua/attach-1.lua';
import claimLua from './lua/claim-2.lua';
import recoverLua from './lua/recover-3.lua';
import signalLua from './lua/signal-4.lua';

type Svc = Pick<ResolvedService, 'alias' | 'environment'>;

/** How long an event id / task is remembered for de-duplication (EventBridge retries for up to 24 h). */
const SEEN_TTL_MS = 26 * 3_600_000;

/** An incident hash lives this long after its last change. */
const INCIDENT_TTL_MS = 7 * 24 * 3_600_000;
/** An incident that never reached Slack and is over is still posted (once, as it ended) this long after its last signal (claim-2.lua). */
export const LATE_POST_MAX_MS = 24 * 3_600_000;
/** "Down since" markers expire if the scheduled check stops running. */
const DOWN_TTL_MS = 24 * 3_600_000;

/** Bounds of what an incident keeps (src/redis/bounds.ts), in UTF-8 bytes: a reason's key and label, each text of its facts, a log line. */
const REASON_KEY_MAX_BYTES = 100;
const REASON_LABEL_MAX_BYTES = 300;
const FACT_TEXT_MAX_BYTES = 300;
/** The message shows at most 400 characters of a log line. */
const LOG_LINE_MAX_BYTES = 400;
const LIST_MAX_ITEMS = 10;

/** `v` with every string in it cut to `max` bytes and every list to its last LIST_MAX_ITEMS items (the JSON stays valid; ECS reasons and log lines are free text). */
function capStrings(v: unknown, max = FACT_TEXT_MAX_BYTES, depth = 0): unknown {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8') > max ? `${cutUtf8(v, max - 3)}…` : v;
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(-LIST_MAX_ITEMS).map((x) => capStrings(x, max, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, capStrings(x, max, depth + 1)]));
}

const SIGNAL = luaScript('alert_signal', 4, signalLua);
const RECOVER = luaScript('alert_recover', 3, recoverLua);

const CLAIM = luaScript('alert_claim', 2, claimLua);
const ATTACH = luaScript('alert_attach', 1, attachLua);

type SlackAction = 'post' | 'update' | 'busy' | 'muted';

export interface SignalInput {
  kind: SignalKind;
  /** De-duplication id, unique per counted thing: `task:<taskId>`, `deploy:<id>:FAILED`, `evt:<eventId>`, `down:<since>`. */
  seenId: string;
  reasonKey: string;
  reasonLabel: string;
  facts?: unknown;
  now: number;
  /** When it happened (event time); defaults to now. */
  at?: number;
  windowMs: number;
}

type SignalResult =
  | { status: 'dup' }
  | { status: 'stale' }
  | {
      status: 'ok';
      gen: number;
      count: number;
      isNew: boolean;
      newReason: boolean;
      ts?: string;
      channel?: string;
      action: SlackAction;
      rev: number;
    };

export async function recordSignal(redis: RedisClient, svc: Svc, s: SignalInput): Promise<SignalResult> {
  const res = (await runScript(
    redis,
    SIGNAL,
    [
      keys.incident(svc.environment, svc.alias),
      keys.alertSeen(svc.environment, svc.alias, s.seenId),
      keys.alertMute(svc.environment, svc.alias),
      keys.alertBehind(svc.environment, svc.alias),
    ],
    [
      s.now,
      s.windowMs,
      SEEN_TTL_MS,
      LEASE_MS,
      s.kind,
      cutUtf8(s.reasonKey, REASON_KEY_MAX_BYTES),
      cutUtf8(s.reasonLabel, REASON_LABEL_MAX_BYTES),
      s.facts === undefined ? '' : JSON.stringify(capStrings(s.facts)),
      INCIDENT_TTL_MS,
      s.at ?? s.now,
      LATE_POST_MAX_MS,
      // The call's id: sent again by ioredis after a lost answer, it gets its own outcome back, not 'dup' (signal-4.lua).
      randomUUID(),
    ],
  )) as unknown[];
  if (str(res[0]) === 'dup') return { status: 'dup' };
  if (str(res[0]) === 'stale') return { status: 'stale' };
  return {
    status: 'ok',
    gen: Number(res[1]),
    count: Number(res[2]),
    isNew: Number(res[3]) === 1,
    newReason: Number(res[4]) === 1,
    ts: str(res[5]) || undefined,
    channel: str(res[6]) || undefined,
    action: str(res[7]) as SlackAction,
    rev: Number(res[8]),
  };
}

export interface RecoverInput {
  now: number;
  /** Event time; a failure recorded after it means the event is out of date. */
  at?: number;
  /** Only when no failure for this long (0: at once). */
  quietMs: number;
  by: string;
  /** De-duplication id of the event that recovers (deployment completed…), if any. */
  seenId?: string;
}

type RecoverResult =
  | { status: 'dup' | 'none' | 'stale' | 'not-quiet' }
  | { status: 'ok'; gen: number; ts?: string; channel?: string; action: 'update' | 'busy' | 'muted' | 'unposted' };

export async function recoverIncident(redis: RedisClient, svc: Svc, r: RecoverInput): Promise<RecoverResult> {
  const keyList = [
    keys.incident(svc.environment, svc.alias),
    keys.alertMute(svc.environment, svc.alias),
    keys.alertSeen(svc.environment, svc.alias, r.seenId ?? ''),
  ];
  const res = (await runScript(redis, RECOVER, keyList, [
    r.now,
    r.at ?? r.now,
    r.quietMs,
    r.by,
    LEASE_MS,
    SEEN_TTL_MS,
    INCIDENT_TTL_MS,
    r.seenId ? '1' : '0',
  ])) as unknown[];
  const status = str(res[0]);
  if (status !== 'ok') return { status: status as 'dup' | 'none' | 'stale' | 'not-quiet' };
  return {
    status: 'ok',
    gen: Number(res[1]),
    ts: str(res[2]) || undefined,
    channel: str(res[3]) || undefined,
    action: str(res[4]) as 'update' | 'busy' | 'muted' | 'unposted',
  };
}

type ClaimResult = { status: 'none' | 'muted' | 'busy' | 'stale' } | { status: 'post' | 'update'; gen: number };

export async function claimForFlush(redis: RedisClient, svc: Svc, now: number, windowMs: number): Promise<ClaimResult> {
  const res = (await runScript(
    redis,
    CLAIM,
    [keys.incident(svc.environment, svc.alias), keys.alertMute(svc.environment, svc.alias)],
    [now, LEASE_MS, windowMs, LATE_POST_MAX_MS],
  )) as unknown[];
  const status = str(res[0]);
  if (status === 'post' || status === 'update') return { status, gen: Number(res[1]) };
  return { status: status as 'none' | 'muted' | 'busy' | 'stale' };
}

/** Add fields to the incident of generation `gen`; false when a newer incident replaced it. */
export async function attachToIncident(redis: RedisClient, svc: Svc, gen: number, fields: Record<string, unknown>): Promise<boolean> {
  const args: Array<string | number> = [gen];
  for (const [k, v] of Object.entries(fields)) {
    const capped = capStrings(v, LOG_LINE_MAX_BYTES);
    args.push(k, typeof capped === 'string' ? capped : JSON.stringify(capped));
  }
  const rev = Number(await runScript(redis, ATTACH, [keys.incident(svc.environment, svc.alias)], args));
  return rev > 0;
}

/** Remember when the service was first seen down; returns that time. */
export async function markDown(redis: RedisClient, svc: Svc, now: number): Promise<number> {
  const key = keys.serviceDown(svc.environment, svc.alias);
  const res = await redis.multi().set(key, String(now), 'PX', DOWN_TTL_MS, 'NX').get(key).exec();
  const since = Number(res?.[1]?.[1]);
  return Number.isFinite(since) && since > 0 ? since : now;
}

export async function clearDown(redis: RedisClient, svc: Svc): Promise<void> {
  await redis.del(keys.serviceDown(svc.environment, svc.alias));
}
