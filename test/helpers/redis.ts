/**
 * Redis helpers for tests.
 *
 * `startRedisServer` spawns a throw-away `redis-server` (no persistence, bound to
 * 127.0.0.1, free port). It deliberately imports nothing from jest so that the same
 * approach can be reused by globalSetup, by tests that kill Redis to simulate an
 * outage, and by `npm start`'s local mode.
 *
 * `testRedis` / `flushRedis` / `uniquePrefix` are for tests talking to the Redis in
 * `process.env.REDIS_URL` (set by test/helpers/global-setup.ts unless already set). When it names
 * a Redis Cluster (test/helpers/cluster-global-setup.ts), `testRedis` connects to the cluster and
 * `flushRedis`, `allKeys` and `dbSize` work on every primary.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { parseRedisTarget } from '../../src/redis/cluster';

export const REDIS_NOT_FOUND_MESSAGE =
  'redis-server is not on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you can flush.';

interface StartRedisOptions {
  /** Port to listen on. Default: a free port chosen by the OS. */
  port?: number;
  /** Working directory for redis-server. Default: a fresh temp dir, removed by stop(). */
  dir?: string;
  /** Extra command line arguments appended after the defaults (e.g. ['--maxmemory', '10mb']). */
  extraArgs?: string[];
  /** How long to wait for PING to answer. Default 5000 ms. */
  readyTimeoutMs?: number;
  /** Require this password (--requirepass); the handle's url then carries it (redis://:password@…). */
  password?: string;
  /** Readiness probe instead of a plain-text PING (e.g. for a TLS-only server). */
  ready?: (port: number) => Promise<boolean>;
}

export interface RedisServerHandle {
  /** redis://127.0.0.1:PORT (redis://:PASSWORD@127.0.0.1:PORT with a password) */
  url: string;
  port: number;
  /** pid of the redis-server child process. */
  pid: number;
  /** Working directory (the temp dir unless opts.dir was given). */
  dir: string;
  /** Kills redis-server (SIGTERM, then SIGKILL after 2 s) and removes the temp dir if we created it. Idempotent. */
  stop(): Promise<void>;
}

/** Absolute path of the program `name` on PATH (`name.exe` on Windows), or undefined. */
export function findOnPath(name: string): string | undefined {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr == null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = addr;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends one raw RESP `PING` (after `AUTH` when a password is given) and resolves true if the server answers `+PONG`. Never rejects. */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    let received = '';
    const socket = net.createConnection({ port, host });
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    const auth = password === undefined ? '' : `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`;
    socket.on('connect', () => socket.write(`${auth}PING\r\n`));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (password !== undefined && received.startsWith('+OK\r\n')) received = received.slice(5);
      else if (password !== undefined && !received.startsWith('+OK') && received.includes('\r\n')) return finish(false);
      if (received.includes('\r\n')) finish(received.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function startOnce(
  bin: string,
  port: number,
  dir: string,
  ownsDir: boolean,
  extraArgs: string[],
  readyTimeoutMs: number,
  password?: string,
  ready: (port: number) => Promise<boolean> = (p) => pingRedis(p, '127.0.0.1', 500, password),
): Promise<RedisServerHandle> {
  const logFile = path.join(dir, 'redis.log');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    dir,
    '--logfile',
    logFile,
    ...(password === undefined ? [] : ['--requirepass', password]),
    ...extraArgs,
  ];
  // Not detached: a Ctrl+C to the parent's process group also stops redis-server.
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });

  const describeFailure = (why: string): Error => {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').slice(-2000);
    } catch {
      // no log file yet
    }
    const details = [stderr.trim(), log.trim()].filter(Boolean).join('\n');
    return new Error(`redis-server (${bin}) on port ${port} ${why}${details ? `:\n${details}` : ''}`);
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 2000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 2000);
        }
      }
    }
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError) {
      await stop();
      throw new Error(`could not start ${bin}: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const err = describeFailure(`exited early (code ${child.exitCode}, signal ${child.signalCode})`);
      await stop();
      throw err;
    }
    if (await ready(port)) break;
    if (Date.now() > deadline) {
      const err = describeFailure(`did not answer PING within ${readyTimeoutMs} ms`);
      await stop();
      throw err;
    }
    await sleep(25);
  }

  if (child.pid === undefined) {
    await stop();
    throw new Error(`redis-server on port ${port} has no pid`);
  }
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return { url: `redis://${auth}127.0.0.1:${port}`, port, pid: child.pid, dir, stop };
}

/**
 * Starts a private redis-server: 127.0.0.1 only, no RDB/AOF persistence, fresh temp dir.
 * Resolves once it answers PING. Throws a clear Error if redis-server is not on PATH.
 */
export async function startRedisServer(opts: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const bin = findOnPath('redis-server');
  if (!bin) throw new Error(REDIS_NOT_FOUND_MESSAGE);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 5000;
  const extraArgs = opts.extraArgs ?? [];
  // With an OS-chosen port there is a small race (someone else may grab it); retry then.
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await getFreePort());
    const ownsDir = opts.dir === undefined;
    const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-redis-'));
    try {
      return await startOnce(bin, port, dir, ownsDir, extraArgs, readyTimeoutMs, opts.password, opts.ready);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

function requireRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'REDIS_URL is not set. It is set by test/helpers/global-setup.ts (jest globalSetup); run tests through jest, or set REDIS_URL.',
    );
  }
  return url;
}

/**
 * A new client to process.env.REDIS_URL: one node, or the cluster of `npm run test:cluster`. The
 * caller owns it and must `quit()` it. Fails fast (no endless reconnects) so a broken Redis makes
 * tests fail instead of hang.
 */
export function testRedis(): Redis | Cluster {
  const target = parseRedisTarget(requireRedisUrl(), process.env.REDIS_CLUSTER);
  if (!target.cluster) {
    return new Redis(target.url, {
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (times > 3 ? null : 50 * times),
    });
  }
  const cluster = new Cluster(target.nodes, {
    clusterRetryStrategy: (times) => (times > 3 ? null : 50 * times),
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  cluster.on('error', () => undefined);
  return cluster;
}

/** The primaries of a cluster client (connecting it first), or the single node itself. */
async function primaries(client: Redis | Cluster): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') await client.ping();
  return client.nodes('master');
}

/**
 * Empty the Redis in process.env.REDIS_URL (uses `client` if given, else a short-lived one):
 * FLUSHDB on a single node (this worker's database), FLUSHALL on every primary of a cluster.
 */
export async function flushRedis(client?: Redis | Cluster): Promise<void> {
  if (client) {
    if (client instanceof Cluster) await Promise.all((await primaries(client)).map((n) => n.flushall()));
    else await client.flushdb();
    return;
  }
  const own = testRedis();
  try {
    await flushRedis(own);
  } finally {
    await own.quit().catch(() => own.disconnect());
  }
}

/** Every key matching `pattern`, on a single node or on every primary of a cluster (sorted). */
export async function allKeys(client: Redis | Cluster, pattern = '*'): Promise<string[]> {
  const lists = await Promise.all((await primaries(client)).map((n) => n.keys(pattern)));
  return lists.flat().sort();
}

/** DBSIZE of a single node, or the sum over a cluster's primaries. */
export async function dbSize(client: Redis | Cluster): Promise<number> {
  const sizes = await Promise.all((await primaries(client)).map((n) => n.dbsize()));
  return sizes.reduce((a, b) => a + b, 0);
}

let prefixCounter = 0;

/** A key prefix unique to this process and call, e.g. `t:12345:lq3k2:1:` — for tests that want isolated keys. */
export function uniquePrefix(label = 't'): string {
  prefixCounter += 1;
  return `${label}:${process.pid}:${Date.now().toString(36)}:${prefixCounter}:`;
}

/**
 * Points process.env.REDIS_URL at a database index private to this jest worker
 * (db = JEST_WORKER_ID, 1..15), so `flushRedis()` in one worker cannot wipe keys
 * another worker's test file is using. Call it at the top of a test file that flushes
 * (jest gives every test file its own copy of process.env). Returns the new URL.
 */
export function useWorkerDb(): string {
  // A cluster has only database 0: its suites run one file at a time instead (jest.cluster.config.js).
  if (parseRedisTarget(requireRedisUrl(), process.env.REDIS_CLUSTER).cluster) return requireRedisUrl();
  const base = new URL(requireRedisUrl());
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const db = Number.isFinite(worker) && worker > 0 ? ((worker - 1) % 15) + 1 : 1;
  base.pathname = `/${db}`;
  const url = base.toString();
  process.env.REDIS_URL = url;
  return url;
}

/**
 * A test file's own client on this jest worker's database (useWorkerDb): connected before the
 * file's (or describe's) tests, emptied before each test, quit after them. `connected` receives it.
 * Register hooks that use the client after this call (hooks run in the order they are declared).
 */
export function useFlushedRedis(connected: (client: Redis | Cluster) => void): void {
  let client: Redis | Cluster | undefined;
  beforeAll(() => {
    useWorkerDb();
    client = testRedis();
    connected(client);
  });
  beforeEach(async () => {
    await flushRedis(client);
  });
  afterAll(async () => {
    await client?.quit();
  });
}
