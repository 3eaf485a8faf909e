/**
 * One ioredis client per process, reused across Lambda invocations, bounded to fit Slack's
 * 3-second budget: short connect timeout, one retry per command, a command timeout.
 * `rediss://` URLs use TLS (ElastiCache Serverless is TLS-only).
 */
import { readFileSync } from 'node:fs';
import Redis, { type RedisOptions } from 'ioredis';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('redis.client', {
  unavailable: {
    en: "I can't reach the approvals store (Redis) right now, so {outcome}.",
    ko: '지금 승인 저장소(Redis)에 연결할 수 없어 {outcome}.',
  },
  unavailableHint: {
    en: 'Try again in a minute. If it persists, check the Redis endpoint (REDIS_URL) and its security group.',
    ko: '1분 뒤에 다시 시도하세요. 계속되면 Redis 엔드포인트(REDIS_URL)와 보안 그룹을 확인하세요.',
  },
  unchanged: { en: 'nothing was changed', ko: '아무것도 바꾸지 않았습니다' },
  notRequested: { en: 'nothing was requested', ko: '아무것도 요청하지 않았습니다' },
  muteNotRecorded: { en: 'the mute was not recorded', ko: '알림 끄기를 기록하지 못했습니다' },
});

/** What did not happen because Redis was unreachable. */
export type StoreOutcome = 'unchanged' | 'notRequested' | 'muteNotRecorded';

export type RedisProfile = 'edge' | 'worker';

function redisOptions(profile: RedisProfile): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: profile === 'edge' ? 1_000 : 3_000,
    commandTimeout: profile === 'edge' ? 1_000 : 5_000,
    maxRetriesPerRequest: profile === 'edge' ? 1 : 3,
    enableOfflineQueue: true,
    // Close a dead connection promptly instead of leaving a 2 s timer behind.
    disconnectTimeout: 200,
    // Reconnect quickly, give up waiting on a single attempt after 2 s.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    // After a manual failover the old primary answers READONLY: reconnect and resend.
    reconnectOnError: (err) => (err.message.includes('READONLY') ? 2 : false),
  };
}

/**
 * `caFile` (REDIS_TLS_CA_FILE) trusts a private CA for `rediss://`; ElastiCache's certificates
 * chain to public CAs and need nothing.
 */
export function createRedis(url: string, profile: RedisProfile, caFile?: string): Redis {
  const options = redisOptions(profile);
  if (caFile && url.startsWith('rediss://')) options.tls = { ca: readFileSync(caFile) };
  const client = new Redis(url, options);
  // Errors are reported through the commands that fail; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Wrap a Redis failure into the user-facing "approvals store unavailable" error. */
export function storeUnavailable(err: unknown, outcome: StoreOutcome = 'unchanged'): BotError {
  return new BotError('STORE_UNAVAILABLE', `Redis unavailable: ${(err as Error)?.message ?? String(err)}`, {
    userMessage: M.lazy('unavailable', { outcome: M.lazy(outcome) }),
    hint: M.lazy('unavailableHint'),
    cause: err,
  });
}

/** Run a Redis operation, mapping every failure (other than a BotError) to STORE_UNAVAILABLE. */
export async function withStore<T>(op: () => Promise<T>, action?: StoreOutcome): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof BotError) throw err;
    throw storeUnavailable(err, action);
  }
}

const UNAVAILABLE_REPLY = /^(READONLY|LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY\b|NOREPLICAS)/;

/**
 * Run a Redis operation: connection failures (and failover replies) become STORE_UNAVAILABLE
 * ("nothing was changed"); a script error (a bug) stays an internal error with a log reference.
 */
export async function storeOp<T>(op: () => Promise<T>, action?: StoreOutcome): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof BotError) throw err;
    const e = err as { name?: string; message?: string };
    if (e?.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(e.message ?? '')) throw err;
    throw storeUnavailable(err, action);
  }
}
