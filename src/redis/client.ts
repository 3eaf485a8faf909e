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
import StandaloneConnector, { type StandaloneConnectionOptions } from 'ioredis/built/connectors/StandaloneConnector';
import { BotError, errorText } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { createCluster, parseRedisTarget } from './cluster';
import { describeRedisUrl } from './url';
import { sendUnsettledOnly, settleReplacedQueue } from './unsettled';

/** What the bot talks to: one node (`Redis`) or a cluster (`Cluster`); both have every command, pipeline() and defineCommand. */
export type RedisClient = Redis | Cluster;

const M = defineMessages('redis.client', {
  badPasswordHint: {
    en: 'Percent-encode the characters / ? # @ % in the Redis password (encodeURIComponent), e.g. redis://:p%2Fss@host:6379.',
    ko: 'Redis 비밀번호의 / ? # @ % 문자를 퍼센트 인코딩하세요(encodeURIComponent). 예: redis://:p%2Fss@host:6379',
  },
  unavailable: {
    en: "I can't reach the approvals store (Redis) right now, so {outcome}.",
    ko: '지금 승인 저장소(Redis)에 연결할 수 없어 {outcome}.',
  },
  unavailableHint: {
    en: 'Try again in a minute. If it persists, check the Redis endpoint (REDIS_URL) and its security group.',
    ko: '1분 뒤에 다시 시도하세요. 계속되면 Redis 엔드포인트(REDIS_URL)와 보안 그룹을 확인하세요.',
  },
  unconfirmed: {
    en: "The approvals store (Redis) did not answer in time, so I can't tell whether this went through.",
    ko: '승인 저장소(Redis)가 제때 응답하지 않아 처리되었는지 알 수 없습니다.',
  },
  unconfirmedHint: {
    en: 'Check whether it is done (the message it changes, or `/ecs history`) before you try again.',
    ko: '다시 시도하기 전에 처리되었는지 확인하세요(바뀌는 메시지나 `/ecs history`).',
  },
  unchanged: { en: 'nothing was changed', ko: '아무것도 바꾸지 않았습니다' },
  notRequested: { en: 'nothing was requested', ko: '아무것도 요청하지 않았습니다' },
  muteNotRecorded: { en: 'the mute was not recorded', ko: '알림 끄기를 기록하지 못했습니다' },
  freezeNotCopied: {
    en: 'the freeze is recorded, but not every service of the environment sees it yet: run the same command again',
    ko: '동결은 기록되었지만 환경의 모든 서비스에 아직 적용되지 않았습니다. 같은 명령을 다시 실행하세요',
  },
  unfreezeNotCopied: {
    en: 'the freeze is lifted, but some services of the environment may still see it: run the same command again',
    ko: '동결은 해제되었지만 환경의 일부 서비스에는 아직 동결이 남아 있을 수 있습니다. 같은 명령을 다시 실행하세요',
  },
});

/** What did not happen because Redis was unreachable. */
export type StoreOutcome = 'unchanged' | 'notRequested' | 'muteNotRecorded' | 'freezeNotCopied' | 'unfreezeNotCopied';

export type RedisProfile = 'edge' | 'worker';

/**
 * ioredis's connector whose socket keeps an 'error' listener for its whole life. ioredis listens
 * with `once`, so a socket that emits a second error (a TLS handshake failure followed by the
 * hang-up: ioredis PR #961, closed unmerged) had none left, and the unhandled 'error' event brought
 * the process down instead of the command answering "store unavailable" (seen in CI on a TLS
 * cluster without the CA). ioredis still gets the first error and reconnects as before.
 */
export class GuardedConnector extends StandaloneConnector {
  constructor(options: unknown) {
    super(options as StandaloneConnectionOptions);
  }
  override async connect(...args: Parameters<StandaloneConnector['connect']>) {
    const stream = await super.connect(...args);
    stream.on('error', () => undefined);
    return stream;
  }
}

export function redisOptions(profile: RedisProfile): RedisOptions {
  return {
    Connector: GuardedConnector,
    lazyConnect: true,
    connectTimeout: profile === 'edge' ? 1_000 : 3_000,
    commandTimeout: profile === 'edge' ? 1_000 : 5_000,
    maxRetriesPerRequest: profile === 'edge' ? 1 : 3,
    enableOfflineQueue: true,
    // Close a dead connection promptly instead of leaving a 2 s timer behind.
    disconnectTimeout: 200,
    // Reconnect quickly, the delay growing by 100 ms an attempt up to 2 s (the Slack function's to
    // 500 ms: after an outage its next command waits at most that long for Redis to be back,
    // within a request's 3 s, instead of failing on a 2 s wait).
    retryStrategy: (times) => Math.min(times * 100, profile === 'edge' ? 500 : 2_000),
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
  return sendUnsettledOnly(settleReplacedQueue(client));
}

function invalidRedisUrl(url: string): BotError {
  const message = `REDIS_URL is not a valid URL (${describeRedisUrl(url)})`;
  return new BotError('CONFIG', message, {
    userMessage: errorText.lazy('missingSettings'),
    hint: M.lazy('badPasswordHint'),
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

/**
 * What a failed Redis operation did: `write` when it was a change (a transition script, a mute).
 * A change whose command timed out may have run (the command reached Redis and its answer did not
 * come back in time), so it is said as unknown, never as "nothing was changed". A command that
 * timed out before it was sent is never sent later (./unsettled.ts), so that one did not run; the
 * answer cannot tell the two apart and says the less certain.
 */
export interface StoreOpKind {
  write?: boolean;
  /**
   * What to read once Redis answers again to find out whether the change went through: carried by
   * the "can't tell" error (BotError.recheck), handed to the worker by the edge (src/commands/recheck.ts).
   */
  recheck?: Recheck;
}

/**
 * A change whose answer was lost, as the worker checks it later: a request transition by `user`
 * (`retro`: a break-glass request's approval after the fact; `token`: the approving click's, so the worker can hand off the change that click approved); a
 * mute of a service until `until`, an unmute; an "I'm on it" on an incident of generation `gen`; a
 * lock, unlock, freeze or unfreeze sent at `at` (the script's `now`, which its audit entry keeps); a
 * request created by the command invocation `inv` (a scheduled change, a break-glass change, any request).
 */
export type Recheck =
  | { t: 'request'; op: 'approve' | 'reject' | 'cancel' | 'retro'; id: string; user: string; token?: string }
  | { t: 'mute'; env: string; svc: string; user: string; until: number }
  | { t: 'unmute'; env: string; svc: string; user: string }
  | { t: 'ack'; env: string; svc: string; gen: number; user: string }
  | { t: 'guard'; op: 'lock' | 'lock!' | 'unlock' | 'freeze' | 'unfreeze'; env: string; svc?: string; user: string; at: number }
  | { t: 'create'; env: string; svc: string; inv: string; user: string };

/** ioredis's answer to a command that was not answered within its commandTimeout. */
const isCommandTimeout = (err: unknown): boolean => (err as Error)?.message === 'Command timed out';

/** Wrap a Redis failure into the user-facing "approvals store unavailable" error. */
export function storeUnavailable(err: unknown, outcome: StoreOutcome = 'unchanged', kind: StoreOpKind = {}): BotError {
  const unknown = kind.write && isCommandTimeout(err);
  return new BotError('STORE_UNAVAILABLE', `Redis unavailable: ${(err as Error)?.message ?? String(err)}`, {
    userMessage: unknown ? M.lazy('unconfirmed') : M.lazy('unavailable', { outcome: M.lazy(outcome) }),
    hint: unknown ? M.lazy('unconfirmedHint') : M.lazy('unavailableHint'),
    cause: err,
    recheck: unknown ? kind.recheck : undefined,
  });
}

/** Run a Redis operation, mapping every failure (other than a BotError) to STORE_UNAVAILABLE. */
export async function withStore<T>(op: () => Promise<T>, action?: StoreOutcome, kind?: StoreOpKind): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof BotError) throw err;
    throw storeUnavailable(err, action, kind);
  }
}

const UNAVAILABLE_REPLY = /^(READONLY|LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY\b|NOREPLICAS)/;

/**
 * Run a Redis operation: connection failures (and failover replies) become STORE_UNAVAILABLE
 * ("nothing was changed"); a script error (a bug) stays an internal error with a log reference.
 */
export async function storeOp<T>(op: () => Promise<T>, action?: StoreOutcome, kind?: StoreOpKind): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof BotError) throw err;
    const e = err as { name?: string; message?: string };
    if (e?.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(e.message ?? '')) throw err;
    throw storeUnavailable(err, action, kind);
  }
}
