/**
 * rediss:// (TLS), as ElastiCache Serverless requires: a real redis-server with TLS on, a
 * certificate made for this test, the bot's own client factory and one of its Lua scripts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, withStore } from '../../src/redis/client';
import { getFreePort } from '../helpers/redis';
import { selfSignedCert } from '../helpers/tls';

describe('Redis over TLS (rediss://)', () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
    selfSignedCert(dir, 'IP:127.0.0.1,DNS:localhost');
    port = await getFreePort();
    server = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        join(dir, 'cert.pem'),
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-ca-cert-file',
        join(dir, 'cert.pem'),
        '--tls-auth-clients',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    const probe = createRedis(`rediss://127.0.0.1:${port}`, 'worker', join(dir, 'cert.pem'));
    for (let i = 0; i < 50; i++) {
      if (
        await probe.ping().then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
  });

  afterAll(async () => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with rediss:// and runs the bot’s commands and scripts', async () => {
    // The worker profile: TLS is set up the same for both profiles (createRedis), and this test is about TLS, not the
    // edge's 1 s bound. That bound counts from the first command, so it also covers connecting, the TLS handshake and
    // the ready check of a fresh client: on a loaded machine they can take longer, and the edge then rightly answers
    // "Command timed out" (store unavailable), which is not what this test checks.
    const redis = createRedis(`rediss://127.0.0.1:${port}`, 'worker', join(dir, 'cert.pem'));
    try {
      expect(await redis.set('seen:{cmd-1}', '1', 'EX', 60, 'NX')).toBe('OK');
      expect(await redis.set('seen:{cmd-1}', '1', 'EX', 60, 'NX')).toBeNull();
      expect(await redis.eval("return redis.call('GET', KEYS[1])", 1, 'seen:{cmd-1}')).toBe('1');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a certificate it does not trust, as "store unavailable"', async () => {
    const redis = createRedis(`rediss://127.0.0.1:${port}`, 'edge');
    try {
      await expect(withStore(() => redis.ping())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      redis.disconnect();
    }
  });
});
