/**
 * Redis Cluster mode: ElastiCache Serverless (cluster mode only, TLS only), ElastiCache with
 * cluster mode enabled, or a self-managed Redis / Valkey cluster. docs/redis.md has the how-to.
 *
 * Which mode (parseRedisTarget), in this order:
 *   1. REDIS_CLUSTER=true | false, when set;
 *   2. else the `cluster=true` parameter of REDIS_URL (`rediss://host:6379?cluster=true`);
 *   3. else a REDIS_URL listing several comma-separated URLs (seed nodes) means a cluster;
 *   4. else one node, exactly as before.
 *
 * The cluster client (ioredis `Cluster`) gets the same budget as the single-node one of the same
 * profile (./client.ts redisOptions: connect and command timeouts, reconnect back-off), plus what
 * a cluster behind one configuration endpoint needs:
 *   - `dnsLookup` keeps the endpoint's host name instead of resolving it to an IP, so TLS checks the
 *     certificate against the name (ioredis README, "AWS ElastiCache Clusters with TLS");
 *   - `redisOptions.tls.servername` = that name (or REDIS_TLS_SERVERNAME) for every node, so nodes
 *     that CLUSTER SLOTS announces by IP are still checked against the certificate's name;
 *   - MOVED / ASK are followed (maxRedirections), TRYAGAIN / CLUSTERDOWN and a lost node are retried
 *     after 100 ms with a slot-table refresh, and the whole client reconnects with the profile's
 *     back-off after losing every node — a failover needs no restart. READONLY (a demoted primary
 *     answering a node connection) reconnects that node and resends, as in single-node mode;
 *   - the command timeout also covers the time a command waits in the offline queue while the
 *     client (re)connects (plain ioredis `Cluster` only starts it once a node has the command).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Cluster, type ClusterOptions, type Redis, type RedisOptions } from 'ioredis';
import { BotError } from '../errors';
import { sendUnsettledOnly } from './unsettled';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('redis.cluster', {
  misconfigured: {
    en: 'The bot is misconfigured: its Redis settings are invalid.',
    ko: '봇 설정이 잘못되었습니다. Redis 설정이 올바르지 않습니다.',
  },
  misconfiguredHint: {
    en: 'Check REDIS_URL and REDIS_CLUSTER (docs/redis.md).',
    ko: 'REDIS_URL과 REDIS_CLUSTER를 확인하세요 (docs/redis.md).',
  },
});
import { describeRedisUrl } from './url';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export interface RedisTarget {
  cluster: boolean;
  /** Single node: the URL handed to ioredis (only the `cluster` parameter removed). */
  url: string;
  /** rediss:// */
  tls: boolean;
  /** Cluster mode: the seed nodes (one configuration endpoint is enough). */
  nodes: RedisNodeAddress[];
  username?: string;
  password?: string;
  /** Cluster mode with TLS: the server name checked on every node. */
  servername?: string;
}

function configError(message: string): BotError {
  return new BotError('CONFIG', message, {
    userMessage: M.lazy('misconfigured'),
    hint: M.lazy('misconfiguredHint'),
  });
}

/** REDIS_CLUSTER / `?cluster=`: true, false, or undefined when not given. */
export function parseClusterFlag(value: string | null | undefined, name = 'REDIS_CLUSTER'): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (!v) return undefined;
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw configError(`${name} must be true or false, not ${JSON.stringify(value).slice(0, 40)}`);
}

function parseUrl(raw: string): URL | undefined {
  if (!/^rediss?:\/\//i.test(raw)) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** Where Redis is and how to talk to it, from REDIS_URL, REDIS_CLUSTER and REDIS_TLS_SERVERNAME. */
export function parseRedisTarget(rawUrl: string, clusterFlag?: string, servername?: string): RedisTarget {
  const split = rawUrl
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  // Several seed URLs, unless only the whole parses: a comma inside one URL (its password) is not a list.
  const parts = split.length > 1 && !split.every((p) => parseUrl(p)) && parseUrl(rawUrl.trim()) ? [rawUrl.trim()] : split;
  const urls = parts.map(parseUrl);
  const flag = parseClusterFlag(clusterFlag);
  const params = urls.map((u) => parseClusterFlag(u?.searchParams.get('cluster'), 'the cluster parameter of REDIS_URL'));
  const param = params.find((p) => p !== undefined);
  const cluster = flag ?? param ?? parts.length > 1;

  if (!cluster) {
    if (parts.length > 1) throw configError('REDIS_URL lists several URLs, which only a cluster takes (REDIS_CLUSTER is false)');
    const only = urls[0];
    if (only && only.searchParams.has('cluster')) {
      only.searchParams.delete('cluster');
      return { cluster: false, url: only.toString(), tls: only.protocol === 'rediss:', nodes: [] };
    }
    return { cluster: false, url: rawUrl, tls: /^rediss:/i.test(rawUrl), nodes: [] };
  }

  if (!parts.length) throw configError('REDIS_URL is empty');
  const nodes: RedisNodeAddress[] = [];
  let scheme: string | undefined;
  let username: string | undefined;
  let password: string | undefined;
  urls.forEach((u, i) => {
    // Named without its user and password (the message reaches the logs).
    if (!u)
      throw configError(
        `REDIS_URL must list redis://host:port or rediss://host:port URLs in cluster mode, not ${describeRedisUrl(parts[i]!)}`,
      );
    if (scheme && u.protocol !== scheme) throw configError('REDIS_URL mixes redis:// and rediss:// seed nodes');
    scheme = u.protocol;
    const db = u.pathname.replace(/^\//, '');
    if (db && db !== '0') throw configError(`Redis Cluster has only database 0; REDIS_URL asks for database ${db}`);
    if (!u.hostname) throw configError('REDIS_URL has no host');
    if ((u.username || u.password) && username === undefined && password === undefined) {
      username = u.username ? decodeURIComponent(u.username) : undefined;
      password = u.password ? decodeURIComponent(u.password) : undefined;
    }
    nodes.push({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : 6379 });
  });
  const tls = scheme === 'rediss:';
  const first = nodes[0]!.host;
  const name = servername?.trim() || (tls && isIP(first) === 0 ? first : undefined);
  return {
    cluster: true,
    url: rawUrl,
    tls,
    nodes,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls && name ? { servername: name } : {}),
  };
}

/**
 * ioredis `Cluster` whose command timeout runs from the moment a command is issued, including
 * while it waits for the cluster to (re)connect; ioredis itself only starts the timer when a node
 * connection takes the command, so a command issued while every node is down would wait forever.
 */
export class BoundedCluster extends Cluster {
  override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
    const ms = this.options.redisOptions?.commandTimeout;
    if (typeof ms === 'number') args[0].setTimeout(ms);
    return super.sendCommand(...args);
  }
}

/** ClusterOptions with the default (legacy) reply shapes, as the single-node client has. */
export type LegacyClusterOptions = ClusterOptions & { redisOptions?: ClusterOptions['redisOptions'] & { replyMapping?: 'legacy' } };

/** The Cluster options for a profile's single-node options (./client.ts redisOptions). */
export function clusterOptions(target: RedisTarget, nodeOptions: RedisOptions, caFile?: string): LegacyClusterOptions {
  // The node connections never reconnect on their own (ioredis' cluster default): the cluster
  // refreshes its slot table and reconnects as a whole, with the profile's back-off.
  const { retryStrategy, lazyConnect: _lazy, enableOfflineQueue: _offline, replyMapping: _mapping, ...perNode } = nodeOptions;
  const tls = target.tls
    ? { ...(caFile ? { ca: readFileSync(caFile) } : {}), ...(target.servername ? { servername: target.servername } : {}) }
    : undefined;
  return {
    lazyConnect: true,
    enableOfflineQueue: true,
    clusterRetryStrategy: retryStrategy ?? ((times: number) => Math.min(times * 100, 2_000)),
    // Keep the configuration endpoint's name (TLS verifies it); Node resolves it when connecting.
    dnsLookup: (address, callback) => callback(null, address),
    // CLUSTER SLOTS has the connect budget of the profile.
    slotsRefreshTimeout: nodeOptions.connectTimeout ?? 1_000,
    maxRedirections: 16,
    retryDelayOnMoved: 0,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    // Reads and writes go to the primaries: a read must see the write before it.
    scaleReads: 'master',
    redisOptions: {
      ...perNode,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(tls ? { tls } : {}),
    },
  };
}

export function createCluster(target: RedisTarget, nodeOptions: RedisOptions, caFile?: string): Cluster {
  const client = sendUnsettledOnly(new BoundedCluster(target.nodes, clusterOptions(target, nodeOptions, caFile)));
  // Each node's connection too (./unsettled.ts): the cluster hands it what it resends.
  client.on('+node', (node: Redis) => sendUnsettledOnly(node));
  // Errors are reported through the commands that fail; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  client.on('node error', () => undefined);
  return client;
}
