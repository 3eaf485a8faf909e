/**
 * A socket that errs twice does not bring the process down. ioredis listens for a socket's errors
 * with `once`; a TLS handshake failure followed by the hang-up emits two (ioredis PR #961, closed
 * unmerged), and the second, with no listener left, was an unhandled 'error' event: an uncaught
 * exception that ends a Lambda invocation instead of the command answering "store unavailable"
 * (what failed a CI run of test/cluster/redis-tls-cluster.test.ts). Real sockets on loopback.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type Redis from 'ioredis';
import { createRedis, GuardedConnector, redisOptions, withStore } from '../../src/redis/client';
import { clusterOptions, parseRedisTarget } from '../../src/redis/cluster';

describe('a Redis socket that emits more than one error', () => {
  let server: Server;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    // Accepts and never answers: the client's socket is open, its handshake still waiting.
    server = createServer((s) => void accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of accepted) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps a listener for the second error, and the command still answers "store unavailable"', async () => {
    const { port } = server.address() as AddressInfo;
    const redis = createRedis(`redis://127.0.0.1:${port}`, 'edge') as Redis;
    const connected = new Promise((resolve) => redis.once('connect', resolve));
    const command = withStore(() => redis.set('k', '1'));
    await connected;
    const stream = redis.stream;
    const handshake = Object.assign(new Error('tlsv1 alert decode error'), { code: 'ERR_SSL_TLSV1_ALERT_DECODE_ERROR' });
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(() => {
      stream.emit('error', handshake);
      stream.emit('error', hangUp);
    }).not.toThrow();
    stream.destroy();
    await expect(command).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    redis.disconnect();
  });

  it("every connection gets the guarded connector: a single node's and each cluster node's", () => {
    expect(redisOptions('edge').Connector).toBe(GuardedConnector);
    expect(redisOptions('worker').Connector).toBe(GuardedConnector);
    const target = parseRedisTarget('rediss://localhost:7000', 'true');
    expect(clusterOptions(target, redisOptions('worker')).redisOptions?.Connector).toBe(GuardedConnector);
  });
});
