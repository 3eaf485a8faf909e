/**
 * Alert state in Redis: the incident of each service (one hash, changed only by the Lua scripts in
 * ./lua, one script per transition, run by src/redis/scripts.ts), the de-duplication markers, mutes and "down since" markers.
 * Every key of a service carries the hash tag `{svc:<env>:<alias>}` (src/redis/keys.ts), so
 * each script works on Redis Cluster and ElastiCache Serverless.
 */
import type { RedisClient } from '../redis/client';
import { keys } from '../redis/keys';
import { luaScript, runScript } from '../redis/scripts';
import { ALERT_LIMIT_DEFAULTS, type ResolvedService } from '../config/schema';
import { parseIncident, type IncidentView } from './incident';
import ackLua from './lua/ack-1.lua';
import finishLua from './lua/finish-1.lua';
import muteLua from './lua/mute-1.lua';
import unmuteLua from './lua/unmute-1.lua';
import reserveTurnLua from './lua/reserve-turn-1.lua';

/** How long a worker may hold an incident's message before someone else may take over. */
export const LEASE_MS = 120_000;
type Svc = Pick<ResolvedService, 'alias' | 'environment'>;

/** A script's reply item as a string ('' for nil). */
export const str = (v: unknown): string => (v === null || v === undefined || v === false ? '' : String(v));

const FINISH = luaScript('alert_finish', 1, finishLua);
const ACK = luaScript('alert_ack', 1, ackLua);
const MUTE = luaScript('alert_mute', 1, muteLua);
const UNMUTE = luaScript('alert_unmute', 1, unmuteLua);
const RESERVE_TURN = luaScript('alert_reserve_turn', 1, reserveTurnLua);

/**
 * Alert updates (chat.update) the whole workspace may send per minute, and at once, by default
 * (chatops.yml's `limits.alertUpdatesPerMinute`, `limits.alertUpdatesBurst`, which callers hand in).
 * Slack allows chat.update about 50 a minute per workspace (Tier 3), shared with the request
 * messages and the deploy cards: alerts keep within 30, so a storm across many services (each
 * incident is updated at most every 3 s, 20 a minute) leaves the rest their share instead of 429s.
 */
export const ALERT_UPDATES_PER_MINUTE = ALERT_LIMIT_DEFAULTS.alertUpdatesPerMinute;
export const ALERT_UPDATES_BURST = ALERT_LIMIT_DEFAULTS.alertUpdatesBurst;

/**
 * Reserve a turn in the workspace's budget of alert updates (reserve-turn-1.lua): the ms until the
 * turn (0: now), reserved for the caller; negative when the turn is further off than `maxWaitMs`
 * (nothing reserved).
 */
export function reserveUpdateTurn(
  redis: RedisClient,
  now: number,
  maxWaitMs: number,
  perMinute = ALERT_UPDATES_PER_MINUTE,
  burst = ALERT_UPDATES_BURST,
): Promise<number> {
  return reserveTurn(redis, keys.alertUpdateBudget(), now, perMinute, burst, maxWaitMs);
}

/**
 * A turn in the pace at `key` (reserve-turn-1.lua): the ms until it (reserved), or negative (refused:
 * further than `maxWaitMs`). The pace's hash lives until it is idle again, at most `maxWaitMs` plus
 * `burst` turns (a turn is reserved at most that far ahead), and a second for the callers' clocks.
 */
async function reserveTurn(
  redis: RedisClient,
  key: string,
  now: number,
  perMinute: number,
  burst: number,
  maxWaitMs: number,
): Promise<number> {
  const ttlMs = Math.ceil(maxWaitMs + (burst * 60_000) / perMinute) + 1_000;
  return Number(await runScript(redis, RESERVE_TURN, [key], [now, perMinute, burst, maxWaitMs, ttlMs]));
}

/**
 * Messages (chat.postMessage: first posts and thread replies) alerts send per minute into one
 * channel, and at once, by default (chatops.yml: `limits.alertPostsPerMinutePerChannel`,
 * `limits.alertPostsBurstPerChannel`). Slack allows about 1 a second per channel with short bursts;
 * a storm across many services alerting into one channel otherwise meets 429s.
 */
export const ALERT_POSTS_PER_MINUTE_PER_CHANNEL = ALERT_LIMIT_DEFAULTS.alertPostsPerMinutePerChannel;
export const ALERT_POSTS_BURST_PER_CHANNEL = ALERT_LIMIT_DEFAULTS.alertPostsBurstPerChannel;

/** Reserve a turn to post into `channel` (reserve-turn-1.lua): as reserveUpdateTurn. */
export function reserveChannelTurn(
  redis: RedisClient,
  channel: string,
  now: number,
  maxWaitMs: number,
  perMinute = ALERT_POSTS_PER_MINUTE_PER_CHANNEL,
  burst = ALERT_POSTS_BURST_PER_CHANNEL,
): Promise<number> {
  return reserveTurn(redis, keys.alertChannelPace(channel), now, perMinute, burst, maxWaitMs);
}

type FinishResult = { status: 'gone' | 'released' | 'done' | 'again' } | { status: 'duplicate'; ts: string };

export async function finishRender(
  redis: RedisClient,
  svc: Svc,
  f: { gen: number; rev: number; mode: 'ok' | 'failed'; ts?: string; channel?: string; now: number },
): Promise<FinishResult> {
  const res = (await runScript(
    redis,
    FINISH,
    [keys.incident(svc.environment, svc.alias)],
    [f.gen, f.rev, f.mode, f.ts ?? '', f.channel ?? '', f.now],
  )) as unknown[];
  const status = str(res[0]);
  if (status === 'duplicate') return { status, ts: str(res[1]) };
  return { status: status as 'gone' | 'released' | 'done' | 'again' };
}

type AckResult =
  | { status: 'gone' | 'over' }
  | { status: 'already'; by: string; at?: number }
  | { status: 'ok'; action: 'update' | 'busy' | 'unposted'; rev: number };

/** "I'm on it" by `userId` on the incident of generation `gen`: recorded once, atomically (lua/ack-1.lua). */
export async function acknowledgeIncident(redis: RedisClient, svc: Svc, gen: number, userId: string, now: number): Promise<AckResult> {
  const res = (await runScript(redis, ACK, [keys.incident(svc.environment, svc.alias)], [gen, userId, now, LEASE_MS])) as unknown[];
  const status = str(res[0]);
  if (status === 'already') return { status, by: str(res[1]), ...(str(res[2]) ? { at: Number(res[2]) } : {}) };
  if (status === 'ok') return { status, action: str(res[1]) as 'update' | 'busy' | 'unposted', rev: Number(res[2]) };
  return { status: status as 'gone' | 'over' };
}

export async function readIncident(redis: RedisClient, svc: Svc): Promise<IncidentView | undefined> {
  return parseIncident(await redis.hgetall(keys.incident(svc.environment, svc.alias)));
}

interface MuteRecord {
  by: string;
  reason?: string;
  since: number;
  until: number;
}

export type MuteOutcome =
  | { status: 'ok'; since: number; beyond: boolean }
  /** Past the maximum and the user is no approver: nothing recorded. `current` is the mute in force, `allowed` the latest end a requester may set. */
  | { status: 'beyond'; current?: { by: string; since: number; until: number }; allowed: number };

/**
 * Record a mute until `until`, checking it against `maxMs` in the same script (./lua/mute-1.lua):
 * the maximum counts from when the mute in force began (`since` is kept), and only an `approver`
 * may go beyond it. The key lives until `until`.
 */
export async function applyMute(
  redis: RedisClient,
  svc: Svc,
  m: { by: string; reason?: string; now: number; until: number; maxMs: number; approver: boolean },
): Promise<MuteOutcome> {
  const res = (await runScript(
    redis,
    MUTE,
    [keys.alertMute(svc.environment, svc.alias)],
    [m.by, m.reason ?? '', m.now, m.until, m.maxMs, m.approver ? '1' : '0'],
  )) as unknown[];
  if (str(res[0]) === 'ok') return { status: 'ok', since: Number(res[1]), beyond: str(res[2]) === '1' };
  const by = str(res[1]);
  return {
    status: 'beyond',
    ...(by ? { current: { by, since: Number(res[2]), until: Number(res[3]) } } : {}),
    allowed: Number(res[4]),
  };
}

/** The mute in force at `now`, if any. */
export async function readMute(redis: RedisClient, svc: Svc, now: number): Promise<MuteRecord | undefined> {
  const h = await redis.hgetall(keys.alertMute(svc.environment, svc.alias));
  const until = Number(h.until);
  if (!h.by || !Number.isFinite(until) || until <= now) return undefined;
  return { by: h.by, reason: h.reason || undefined, since: Number(h.since) || 0, until };
}

/** Remove the mute; the mute that was in force at `now`, undefined when there was none (one script, ./lua/unmute-1.lua). */
export async function liftMute(redis: RedisClient, svc: Svc, now: number): Promise<MuteRecord | undefined> {
  const res = (await runScript(redis, UNMUTE, [keys.alertMute(svc.environment, svc.alias)], [now])) as unknown[];
  if (!res.length) return undefined;
  return { by: str(res[0]), reason: str(res[1]) || undefined, since: Number(res[2]) || 0, until: Number(res[3]) };
}
