/**
 * One ioredis client per process, reused across Lambda invocations, bounded to fit Slack's
 * 3-second budget: short connect timeout, one retry per command, a command timeout.
 * `rediss://` URLs use TLS (ElastiCache Serverless is TLS-only).
 *
 * Single node or Redis Cluster (ElastiCache Serverless is cluster-mode only): see
 * `parseRedisTarget` and ./cluster.ts; docs/redis.md says how to configure either.
 */
import { readFileSync } from 'node:fs';
import Redis, { type Cluster, type RedisOptions } from 'ioredis';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { createCluster, parseRedisTarget } from './cluster';
import { describeRedisUrl } from './url';

/** What the bot talks to: one node (`Redis`) or a cluster (`Cluster`); both have every command, pipeline() and defineCommand. */
export type RedisClient = Redis | Cluster;

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

export function redisOptions(profile: RedisProfile): RedisOptions {
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

function createNode(url: string, profile: RedisProfile, caFile?: string): Redis {
  const options = redisOptions(profile);
  if (caFile && url.startsWith('rediss://')) options.tls = { ca: readFileSync(caFile) };
  let client: Redis;
  try {
    client = new Redis(url, options);
  } catch {
    // The URL parser's error carries the whole URL (TypeError's `input`), password included, and
    // Lambda prints every property of an error that stops a function: say what is wrong without it.
    throw invalidRedisUrl(url);
  }
  // Errors are reported through the commands that fail; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

function invalidRedisUrl(url: string): BotError {
  const message = `REDIS_URL is not a valid URL (${describeRedisUrl(url)})`;
  return new BotError('CONFIG', message, {
    userMessage: 'The bot is missing required settings.',
    hint: 'Percent-encode the characters / ? # @ % in the Redis password (encodeURIComponent), e.g. redis://:p%2Fss@host:6379.',
  });
}

export interface ClusterSettings {
  /** REDIS_CLUSTER: 'true' | 'false' (unset: the URL decides, see parseRedisTarget). */
  cluster?: string;
  /** REDIS_TLS_SERVERNAME: the TLS server name checked on every cluster node (default: the URL's host name). */
  tlsServername?: string;
}

/**
 * A single-node or cluster client (./cluster.ts parseRedisTarget decides which). `caFile`
 * (REDIS_TLS_CA_FILE) trusts a private CA for `rediss://`; ElastiCache's certificates chain to
 * public CAs and need nothing.
 */
export function createRedis(url: string, profile: RedisProfile, caFile?: string, settings: ClusterSettings = {}): RedisClient {
  const target = parseRedisTarget(url, settings.cluster, settings.tlsServername);
  if (target.cluster) return createCluster(target, redisOptions(profile), caFile);
  return createNode(target.url, profile, caFile);
}

/** The process's client from its environment: REDIS_URL, REDIS_CLUSTER, REDIS_TLS_CA_FILE, REDIS_TLS_SERVERNAME. */
export function createRedisFromEnv(env: NodeJS.ProcessEnv, profile: RedisProfile): RedisClient {
  return createRedis(env.REDIS_URL ?? '', profile, env.REDIS_TLS_CA_FILE || undefined, {
    cluster: env.REDIS_CLUSTER,
    tlsServername: env.REDIS_TLS_SERVERNAME || undefined,
  });
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
