/**
 * What `/ecs cost` may spend. Every Cost Explorer call costs $0.01, so each exact request goes
 * through `spendOnce`:
 *
 * - a cached answer (6 hours, keyed by the SHA-256 of the request) costs nothing;
 * - identical requests in flight share one call (single-flight through Redis): the first takes
 *   `cost:{hash}:flight` and asks Cost Explorer, the others wait for its cache entry, or for its
 *   failure, which it leaves there for a few seconds (as a reason and its parameters, read by each
 *   in their own language) so that they answer the same without asking;
 * - each call is counted against this clock hour's budget of the person who asked and of the
 *   workspace (`limits` in chatops.yml, one Lua script), and refused with a clear answer when
 *   either is spent.
 *
 * A Redis outage only costs money: the request goes straight to Cost Explorer, unshared and uncounted.
 */
import { randomBytes } from 'node:crypto';
import { BotError } from '../errors';
import { costFailureError, costFailureOf, readCostFailure, type CostFailure } from '../aws/cost-explorer';
import { defineMessages } from '../i18n';
import { keys } from '../redis/keys';
import { COST_CACHE_MAX_BYTES } from '../redis/bounds';
import { luaScript, runScript } from '../redis/scripts';
import { slackDate } from '../slack/time';
import type { Runtime } from '../runtime';
import budgetLua from './lua/cost-budget-1.lua';
import claimLua from './lua/cost-claim-2.lua';
import storeLua from './lua/cost-store-2.lua';

const BUDGET = luaScript('cost_budget', 1, budgetLua);
const CLAIM = luaScript('cost_claim', 2, claimLua);
const STORE = luaScript('cost_store', 2, storeLua);

/** Cost Explorer refreshes up to three times a day: six hours keeps at most one refresh behind. */
export const COST_CACHE_TTL_SECONDS = 6 * 3600;
/** How long one caller may hold a request in flight: longer than the worker's Cost Explorer call. */
export const FLIGHT_LEASE_MS = 30_000;
/** How often a waiting caller looks for the answer. */
const FLIGHT_POLL_MS = 150;
/** How long a failure answers the callers that waited for it (the next question asks again). */
const FAILURE_TTL_MS = 10_000;
const FAILED = 'failed:';

const text = defineMessages('cost-spend', {
  personSpent: {
    en: '*You have used this hour’s Cost Explorer budget:* {used} of {limit} calls (each costs $0.01). Answers already cached still come at no cost; ask again after {until}.',
    ko: '*이번 시간의 Cost Explorer 예산을 모두 썼습니다:* {limit}회 중 {used}회 호출 (호출당 $0.01). 이미 캐시된 답은 비용 없이 볼 수 있습니다. {until} 이후에 다시 요청하세요.',
  },
  personHint: {
    en: 'The limit is `limits.costCallsPerUserPerHour` in chatops.yml.',
    ko: '한도는 chatops.yml의 `limits.costCallsPerUserPerHour`입니다.',
  },
  workspaceSpent: {
    en: '*This workspace has used this hour’s Cost Explorer budget:* {used} of {limit} calls (each costs $0.01). Answers already cached still come at no cost; ask again after {until}.',
    ko: '*이 워크스페이스의 이번 시간 Cost Explorer 예산을 모두 썼습니다:* {limit}회 중 {used}회 호출 (호출당 $0.01). 이미 캐시된 답은 비용 없이 볼 수 있습니다. {until} 이후에 다시 요청하세요.',
  },
  workspaceHint: {
    en: 'The limit is `limits.costCallsPerHour` in chatops.yml.',
    ko: '한도는 chatops.yml의 `limits.costCallsPerHour`입니다.',
  },
  busy: {
    en: 'Cost Explorer is still answering the same question for someone else. Try again in a minute.',
    ko: 'Cost Explorer가 같은 질문에 아직 답하는 중입니다. 1분 후에 다시 시도하세요.',
  },
});

export interface Fetched<T> {
  data: T;
  fetchedAt: number;
  cached: boolean;
}

/** The clock hour of `ms` as a key part: 2026-12-01T18. */
export function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** Count one Cost Explorer call for `user`, or refuse it when this hour's budget is spent. */
export async function spendOneCall(rt: Runtime, user: string): Promise<void> {
  const now = rt.now();
  const { costCallsPerUserPerHour: perUser, costCallsPerHour: perHour } = rt.config.limits;
  let reply: unknown;
  try {
    reply = await runScript(rt.redis, BUDGET, [keys.costBudget(hourOf(now))], [user, perUser, perHour, 2 * 3600]);
  } catch (err) {
    // The budget guards money, not safety: without Redis the call goes ahead (and is logged).
    rt.log.warn('cost budget unreadable; asking Cost Explorer uncounted', { err });
    return;
  }
  const [verdict, mine, all] = (reply as number[]).map(Number) as [number, number, number];
  if (verdict === 0) return;
  // The refusal is the asker's alone: written in their language where it becomes a reply.
  const t = text.lazy;
  const until = slackDate(Math.floor(now / 3_600_000 + 1) * 3_600_000, '{time}');
  rt.log.info('cost budget spent', { user, verdict: verdict === 1 ? 'person' : 'workspace', mine, all });
  throw verdict === 1
    ? new BotError('REFUSED', `cost budget of ${user} spent (${mine}/${perUser})`, {
        userMessage: t('personSpent', { used: mine, limit: perUser, until }),
        hint: t('personHint'),
      })
    : new BotError('REFUSED', `workspace cost budget spent (${all}/${perHour})`, {
        userMessage: t('workspaceSpent', { used: all, limit: perHour, until }),
        hint: t('workspaceHint'),
      });
}

/** A failure left by the caller `of`: `failed:<token>:<json>`. */
function parseFailure(value: string): { of: string; error: BotError } {
  const rest = value.slice(FAILED.length);
  const colon = rest.indexOf(':');
  let f: CostFailure | undefined;
  try {
    f = readCostFailure(JSON.parse(rest.slice(colon + 1)));
  } catch {
    f = undefined;
  }
  // Written in each waiting caller's language where it becomes their reply (errorReply).
  const error = f ? costFailureError(f) : new BotError('AWS', 'a shared Cost Explorer request failed', { userMessage: text.lazy('busy') });
  return { of: rest.slice(0, colon), error };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The answer to one exact Cost Explorer request (`hash`): from the cache, from a caller already
 * asking it, or by asking it (counted against `user`'s budget).
 */
export async function spendOnce<T>(rt: Runtime, user: string, hash: string, fetch: () => Promise<T>): Promise<Fetched<T>> {
  const cacheKey = keys.costCache(hash);
  const flightKey = keys.costFlight(hash);
  const token = randomBytes(8).toString('hex');
  // Real time, not the runtime's clock: this bounds how long this worker waits, whatever the clock says.
  const giveUpAt = Date.now() + 2 * FLIGHT_LEASE_MS;
  /** The caller whose answer this one waits for. */
  let waitingFor: string | undefined;
  for (;;) {
    let reply: unknown;
    try {
      reply = await runScript(rt.redis, CLAIM, [cacheKey, flightKey], [token, FLIGHT_LEASE_MS]);
    } catch (err) {
      rt.log.warn('cost cache unreadable; asking Cost Explorer', { err });
      return { data: await fetch(), fetchedAt: rt.now(), cached: false };
    }
    const [hit, holds, holderText] = reply as [string, number, string];
    const claimed = Number(holds) === 1;
    const holder = holderText || undefined;
    const cached = hit ? readCached<T>(hit) : undefined;
    if (cached) return cached;
    if (hit) {
      // Not JSON: drop it and ask again.
      rt.log.warn('cost cache entry unreadable; asking again', { key: cacheKey });
      await rt.redis.del(cacheKey).catch(() => undefined);
      continue;
    }
    if (claimed) return ask(rt, user, { cacheKey, flightKey, token }, fetch);
    if (holder?.startsWith(FAILED)) {
      const failure = parseFailure(holder);
      // The answer of the call this one waited for; an older failure is no answer to a new question.
      if (failure.of === waitingFor) throw failure.error;
      await rt.redis.set(flightKey, token, 'PX', FLIGHT_LEASE_MS).catch(() => undefined);
      return ask(rt, user, { cacheKey, flightKey, token }, fetch);
    }
    if (holder) waitingFor = holder;
    if (Date.now() >= giveUpAt) throw new BotError('CONFLICT', 'cost request in flight for too long', { userMessage: text.lazy('busy') });
    await sleep(FLIGHT_POLL_MS);
  }
}

/**
 * Cache an answer that came with another request's (a month asked together with a newer one):
 * the next lookup of `hash` finds it. Outside any flight; a caller already asking it stores its
 * own answer after this one. Never throws: without it the next lookup only asks again.
 */
export async function cacheAnswer<T>(rt: Runtime, hash: string, data: T, fetchedAt: number): Promise<void> {
  const value = JSON.stringify({ fetchedAt, data });
  if (Buffer.byteLength(value) > COST_CACHE_MAX_BYTES) {
    rt.log.warn('cost answer too big to cache', { key: keys.costCache(hash), max: COST_CACHE_MAX_BYTES });
    return;
  }
  await rt.redis.set(keys.costCache(hash), value, 'EX', COST_CACHE_TTL_SECONDS).catch((err: unknown) => {
    rt.log.warn('cost cache not written', { err });
  });
}

function readCached<T>(hit: string): Fetched<T> | undefined {
  try {
    const v = JSON.parse(hit) as { fetchedAt: number; data: T };
    return { data: v.data, fetchedAt: v.fetchedAt, cached: true };
  } catch {
    return undefined;
  }
}

async function ask<T>(
  rt: Runtime,
  user: string,
  k: { cacheKey: string; flightKey: string; token: string },
  fetch: () => Promise<T>,
): Promise<Fetched<T>> {
  try {
    await spendOneCall(rt, user);
  } catch (err) {
    // Another person's budget may not be spent: let the next waiting caller try with theirs.
    await rt.redis.del(k.flightKey).catch(() => undefined);
    throw err;
  }
  let data: T;
  try {
    data = await fetch();
  } catch (err) {
    // Language-neutral (a reason and its parameters): each caller that waited reads it in their own language.
    const failure = costFailureOf(err);
    await rt.redis.set(k.flightKey, `${FAILED}${k.token}:${JSON.stringify(failure)}`, 'PX', FAILURE_TTL_MS).catch(() => undefined);
    throw err;
  }
  const fetchedAt = rt.now();
  try {
    const stored = await runScript(
      rt.redis,
      STORE,
      [k.cacheKey, k.flightKey],
      [JSON.stringify({ fetchedAt, data }), COST_CACHE_TTL_SECONDS, k.token, COST_CACHE_MAX_BYTES],
    );
    if (Number(stored) !== 1) rt.log.warn('cost answer too big to cache', { key: k.cacheKey, max: COST_CACHE_MAX_BYTES });
  } catch (err) {
    rt.log.warn('cost cache not written', { err });
  }
  return { data, fetchedAt, cached: false };
}
