/**
 * A TLS-only Redis Cluster (clients, replication and cluster bus over TLS, as ElastiCache
 * Serverless), whose certificate names `localhost` only while the nodes announce themselves by IP
 * (127.0.0.1) in CLUSTER SLOTS — what ElastiCache does behind its configuration endpoint. The
 * bot's client (src/redis/cluster.ts) keeps the endpoint's name as the TLS server name for every
 * node; without it, or without the CA, the store is "unavailable", within the command timeout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { recordSignal } from '../../src/alerts/signals';
import { readAudit } from '../../src/approvals/audit';
import { servicesIn } from '../../src/config/load';
import { approveRequest } from '../../src/approvals/clicks';
import { finishExecution, recordExecution, startExecution } from '../../src/approvals/execution';
import { readGuards } from '../../src/approvals/guards';
import { freezeEnvironment, lockService, unfreezeEnvironment, unlockService } from '../../src/approvals/locks';
import { submitRequest } from '../../src/approvals/workflow';
import { createRedis, withStore, type RedisClient } from '../../src/redis/client';
import { keys } from '../../src/redis/keys';
import { luaScript, runScript } from '../../src/redis/scripts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster';
import { selfSignedCert } from '../helpers/tls';
import { storeHarness } from '../integration/approvals-runtime';
import { fixtureGroups } from '../helpers/config';

/** The ACL rule docs/redis.md gives for the bot's user (ElastiCache: the user's access string). */
const BOT_ACL = ['on', '>s3cret-Pa55', '~*', '+@all', '-@dangerous', '+info'];

describe('Redis Cluster over TLS (rediss://, ?cluster=true)', () => {
  let dir: string;
  let cluster: RedisClusterHandle;
  let ca: string;
  const clients: RedisClient[] = [];
  const client = (...args: Parameters<typeof createRedis>): RedisClient => {
    const c = createRedis(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-tls-cluster-'));
    // A name only: a node reached by its IP does not match unless the client checks the name.
    const { cert, key } = selfSignedCert(dir, 'DNS:localhost');
    ca = cert;
    cluster = await startRedisCluster({ masters: 3, replicas: 0, tls: { certFile: cert, keyFile: key, caFile: cert } });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects through the endpoint name, reaches every primary by IP, runs commands and scripts', async () => {
    expect(cluster.url).toMatch(/^rediss:\/\/localhost:\d+,/);
    const redis = client(cluster.url, 'edge', ca);
    expect(redis).toBeInstanceOf(Cluster);
    // Keys of 30 services land on all three primaries.
    const services = Array.from({ length: 30 }, (_, i) => `svc${i}`);
    for (const s of services) expect(await redis.set(keys.serviceDown('prod', s), '1', 'PX', 60_000)).toBe('OK');
    const nodes = (redis as Cluster).nodes('master').map((n) => `${n.options.host}:${n.options.port}`);
    expect(nodes).toHaveLength(3);
    for (const n of nodes) expect(n).toMatch(/^127\.0\.0\.1:\d+$/);
    const perNode = await Promise.all((redis as Cluster).nodes('master').map((n) => n.dbsize()));
    expect(perNode.every((count) => count > 0)).toBe(true);
    // A script (the one runner: EVALSHA, falling back to EVAL when the node does not know it) on each of them.
    const get = luaScript('test_get', 1, "return redis.call('GET', KEYS[1])");
    for (const s of services) expect(await runScript(redis, get, [keys.serviceDown('prod', s)], [])).toBe('1');
  });

  it('REDIS_TLS_SERVERNAME names the certificate when the endpoint is given by IP', async () => {
    const byIp = cluster.url.replace(/localhost/g, '127.0.0.1');
    const redis = client(byIp, 'edge', ca, { tlsServername: 'localhost' });
    expect(await redis.ping()).toBe('PONG');
  });

  it('without the server name, or without the CA, the store is unavailable (within the command timeout)', async () => {
    const byIp = cluster.url.replace(/localhost/g, '127.0.0.1');
    for (const redis of [client(byIp, 'edge', ca), client(cluster.url, 'edge')]) {
      await expect(withStore(() => redis.set('seen:{tls}', '1'))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
  });

  it('runs the approval workflow and alerts as an ACL user (AUTH user:password, the documented rule), refused the dangerous commands', async () => {
    await cluster.onEveryNode('ACL', 'SETUSER', 'chatops', ...BOT_ACL);
    const url = cluster.url.replace(/rediss:\/\/localhost/g, 'rediss://chatops:s3cret-Pa55@localhost');
    const h = await storeHarness({ redisUrl: url, flush: false, env: { REDIS_TLS_CA_FILE: ca }, groups: fixtureGroups() });
    try {
      const { rt } = h;
      expect(await rt.redis.call('ACL', 'WHOAMI')).toBe('chatops');
      await lockService(rt, 'prod', 'worker', 'ULEAD1', 'acl');
      await unlockService(rt, 'prod', 'worker', 'ULEAD1');
      await freezeEnvironment(rt, 'prod', 'ULEAD1', 'acl');
      await unfreezeEnvironment(rt, 'prod', 'ULEAD1');
      const req = await submitRequest(rt, {
        verb: 'deploy',
        environment: 'prod',
        service: 'web',
        plan: { verb: 'deploy', tag: 'acl' },
        summary: 'Deploy `acl` to `web`',
        requester: 'UDEV1',
        channel: 'CPROD',
        invocationId: 'cmd-acl',
      });
      expect((await approveRequest(rt, req.id, 'ULEAD1')).code).toBe('APPROVED');
      expect((await startExecution(rt, req.id)).ok).toBe(true);
      await recordExecution(rt, req.id, {
        deploymentId: 'ecs-svc/acl',
        serviceDeploymentArn: 'arn:aws:ecs:eu-west-1:1:service-deployment/p/w/acl',
      });
      expect((await finishExecution(rt, req.id, 'succeeded', 'ok')).state).toBe('succeeded');
      expect(
        (await readAudit(rt.redis, 'prod', { services: servicesIn(rt.config, 'prod').map((s) => s.alias), limit: 50 })).length,
      ).toBeGreaterThan(5);
      expect((await readGuards(rt.redis, 'prod', ['web', 'worker'])).locks).toEqual({});
      const sig = await recordSignal(
        rt.redis,
        { environment: 'prod', alias: 'web' },
        {
          kind: 'task',
          seenId: 'task:acl',
          reasonKey: 'exit:1',
          reasonLabel: 'exit code 1',
          now: Date.now(),
          windowMs: 60_000,
        },
      );
      expect(sig.status).toBe('ok');
      await expect(rt.redis.flushall()).rejects.toThrow(/NOPERM/);
    } finally {
      await h.close();
    }
  });
});
