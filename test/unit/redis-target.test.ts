/**
 * Which Redis the bot talks to, and how: single node or cluster from REDIS_URL / REDIS_CLUSTER,
 * and the cluster options each profile gets (pure: nothing connects).
 */
import { redisOptions } from '../../src/redis/client';
import { clusterOptions, parseClusterFlag, parseRedisTarget } from '../../src/redis/cluster';
import { slotOf } from '../../src/redis/slots';
import { redisPassword } from '../../src/redis/url';

describe('parseRedisTarget', () => {
  it('a plain URL is one node, passed to ioredis unchanged', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:p%40ss@cache.example.com:6380/2', 'redis://localhost']) {
      const t = parseRedisTarget(url);
      expect(t).toMatchObject({ cluster: false, url, nodes: [] });
    }
    expect(parseRedisTarget('rediss://x:1').tls).toBe(true);
  });

  it('REDIS_CLUSTER=true makes the same URL a cluster seed', () => {
    const t = parseRedisTarget('rediss://clustercfg.bot.abc123.euw1.cache.amazonaws.com:6379', 'true');
    expect(t).toEqual({
      cluster: true,
      url: 'rediss://clustercfg.bot.abc123.euw1.cache.amazonaws.com:6379',
      tls: true,
      nodes: [{ host: 'clustercfg.bot.abc123.euw1.cache.amazonaws.com', port: 6379 }],
      servername: 'clustercfg.bot.abc123.euw1.cache.amazonaws.com',
    });
  });

  it('the URL form ?cluster=true, credentials of an ACL user, several seeds', () => {
    const t = parseRedisTarget('redis://bot:s3cr%2Ft@10.0.0.1:7000,redis://10.0.0.2?cluster=true');
    expect(t).toMatchObject({
      cluster: true,
      tls: false,
      username: 'bot',
      password: 's3cr/t',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
      ],
    });
    expect(t.servername).toBeUndefined();
    // Several seeds alone also mean a cluster.
    expect(parseRedisTarget('redis://a:1,redis://b:2').cluster).toBe(true);
  });

  it('REDIS_CLUSTER wins over the URL; ?cluster=false is removed before ioredis sees it', () => {
    expect(parseRedisTarget('redis://h:1?cluster=true', 'false')).toMatchObject({ cluster: false, url: 'redis://h:1' });
    expect(parseRedisTarget('redis://h:1/3?cluster=false')).toMatchObject({ cluster: false, url: 'redis://h:1/3' });
  });

  it('TLS server name: the endpoint name, REDIS_TLS_SERVERNAME, none for an IP seed', () => {
    expect(parseRedisTarget('rediss://10.1.2.3:6379', 'true').servername).toBeUndefined();
    expect(parseRedisTarget('rediss://10.1.2.3:6379', 'true', 'cache.internal').servername).toBe('cache.internal');
    expect(parseRedisTarget('rediss://[::1]:6379', 'true').nodes).toEqual([{ host: '::1', port: 6379 }]);
    expect(parseRedisTarget('redis://cache.internal:6379', 'true').servername).toBeUndefined();
  });

  it('refuses what a cluster cannot do, with a CONFIG error', () => {
    const bad: Array<[string, string | undefined, RegExp]> = [
      ['redis://h:1/2', 'true', /only database 0/],
      ['redis://a:1,rediss://b:2', undefined, /mixes/],
      ['redis://a:1,redis://b:2', 'false', /several URLs/],
      ['h:6379', 'true', /redis:\/\/host:port/],
      ['redis://h:1', 'maybe', /REDIS_CLUSTER must be true or false/],
      ['redis://h:1?cluster=sure', undefined, /cluster parameter/],
    ];
    for (const [url, flag, message] of bad) {
      expect(() => parseRedisTarget(url, flag)).toThrow(
        expect.objectContaining({ code: 'CONFIG', message: expect.stringMatching(message) }),
      );
    }
  });

  it('a comma inside one URL (its password) is not a seed list', () => {
    expect(parseRedisTarget('redis://:pa,ss@h:6379')).toMatchObject({ cluster: false, url: 'redis://:pa,ss@h:6379' });
    expect(parseRedisTarget('redis://:pa,ss@h:6379', 'true')).toMatchObject({
      cluster: true,
      password: 'pa,ss',
      nodes: [{ host: 'h', port: 6379 }],
    });
  });

  it('names a bad seed without its user or password; the seed list’s password is the one to hide in logs', () => {
    expect(() => parseRedisTarget('redis://a:1,redis://bot:s3cret-pw@b:port')).toThrow(
      expect.objectContaining({ code: 'CONFIG', message: expect.not.stringContaining('s3cret') }),
    );
    expect(() => parseRedisTarget('redis://a:1,redis://bot:s3cret-pw@b:port')).toThrow(/not redis:\/\/…@b:port/);
    expect(redisPassword('redis://bot:s3cr%2Ft@10.0.0.1:7000,redis://10.0.0.2?cluster=true')).toBe('s3cr/t');
  });

  it('parseClusterFlag', () => {
    expect([undefined, '', ' ', 'TRUE', '1', 'yes', 'off', '0'].map((v) => parseClusterFlag(v))).toEqual([
      undefined,
      undefined,
      undefined,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('clusterOptions', () => {
  it('keeps each profile’s timeouts and back-off, adds what a cluster behind one endpoint needs', () => {
    for (const profile of ['edge', 'worker'] as const) {
      const node = redisOptions(profile);
      const t = parseRedisTarget('rediss://bot:pw@clustercfg.example.com:6379', 'true');
      const o = clusterOptions(t, node);
      expect(o.lazyConnect).toBe(true);
      expect(o.slotsRefreshTimeout).toBe(node.connectTimeout);
      expect(o.redisOptions).toMatchObject({
        connectTimeout: node.connectTimeout,
        commandTimeout: node.commandTimeout,
        maxRetriesPerRequest: node.maxRetriesPerRequest,
        username: 'bot',
        password: 'pw',
        tls: { servername: 'clustercfg.example.com' },
      });
      // The node connections leave reconnecting to the cluster client (ioredis refuses these per node).
      expect(o.redisOptions).not.toHaveProperty('retryStrategy');
      expect(o.redisOptions).not.toHaveProperty('enableOfflineQueue');
      expect([1, 5, 50].map((n) => o.clusterRetryStrategy!(n))).toEqual([1, 5, 50].map((n) => node.retryStrategy!(n)));
      // READONLY from a demoted primary: reconnect and resend, as on a single node.
      expect(o.redisOptions!.reconnectOnError!(new Error('READONLY You can’t write against a read only replica.'))).toBe(2);
      // The configuration endpoint's name is not resolved (TLS checks the name).
      let resolved: string | undefined;
      o.dnsLookup!('clustercfg.example.com', (_err, address) => (resolved = address));
      expect(resolved).toBe('clustercfg.example.com');
    }
  });

  it('no TLS options for redis://', () => {
    const o = clusterOptions(parseRedisTarget('redis://127.0.0.1:7000', 'true'), redisOptions('edge'));
    expect(o.redisOptions).not.toHaveProperty('tls');
  });
});

describe('hash slots (Redis: CRC16 of the hash tag, mod 16384)', () => {
  it('matches the Redis cluster specification', () => {
    // CRC16/XMODEM('123456789') = 0x31C3 (the spec's test vector).
    expect(slotOf('123456789')).toBe(0x31c3);
    expect(slotOf('{123456789}.anything')).toBe(0x31c3);
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{user1000}.following')).toBe(slotOf('{user1000}.followers'));
    // An empty tag is no tag: the whole key is hashed.
    expect(slotOf('foo{}{bar}')).not.toBe(slotOf('bar'));
    expect(slotOf('foo{{bar}}zap')).toBe(slotOf('{bar'));
  });

  it('a service’s keys share one slot; the environment’s are elsewhere', () => {
    const serviceSlots = new Set(['req:{svc:prod:web}:1', 'active:{svc:prod:web}', 'audit:{svc:prod:web}'].map(slotOf));
    expect(serviceSlots.size).toBe(1);
    expect(serviceSlots.has(slotOf('audit:{env:prod}'))).toBe(false);
  });
});
