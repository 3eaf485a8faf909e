/**
 * A TCP proxy between the bot and the tests' redis-server that misbehaves on demand, the way a
 * network or a failing-over Redis does. The bot's clients connect to `url`; the test's own reads
 * go to Redis directly.
 *
 *   - `pass`: bytes go both ways unchanged.
 *   - `down`: every open connection is cut and new ones are cut as they open (Redis unreachable:
 *     the client's connect and retry bounds decide how long a command waits before it fails).
 *   - `blip`: on each connection open when the fault began, what the client sends still reaches
 *     Redis and runs, but the answer is dropped and the connection cut (a reply lost on the way
 *     back: the client cannot tell whether its command ran, and ioredis resends what was
 *     unanswered once it reconnects). Connections opened during the blip pass.
 *   - `silent`: connections stay open, but what clients send is dropped: nothing reaches Redis and
 *     nothing comes back (a black hole: only the client's command timeout ends a wait).
 *   - `deaf`: connections stay open and what clients send reaches Redis and runs, but no answer comes
 *     back (only the client's command timeout ends a wait: the change was made, the client cannot tell).
 * `cut()` closes every open connection (a failover), whatever the fault.
 */
import net from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { testRedis, useWorkerDb } from './redis';

export type RedisFault = 'pass' | 'down' | 'blip' | 'silent' | 'deaf';

/**
 * The worker's Redis command timeout in the suites that go through this proxy (setupE2E's
 * workerRedisCommandTimeoutMs; 5 s on Lambda): a command left unanswered (silent, deaf, a lost
 * answer) is waited out in 1.5 s instead of 5 s. What fails and what is said after it is the same.
 */
export const WORKER_REDIS_BOUND_MS = 1_500;
/**
 * The worker's Redis reconnect back-off in suites whose Redis is down for a while (setupE2E's
 * workerRedisBackoffScale; on Lambda 100 ms more each attempt, up to 2 s): a tenth, so a command
 * fails after the same tries in a tenth of the time, and the client is back soon after Redis is.
 */
export const WORKER_REDIS_BACKOFF_SCALE = 0.1;

export interface RedisFaultProxy {
  /** redis://127.0.0.1:<port>/<db>: the upstream URL's path (database) kept. */
  readonly url: string;
  set(fault: RedisFault): void;
  /** Closes every open connection (the clients reconnect). */
  cut(): void;
  /**
   * Passes until a client sends something containing one of `markers`, then is `silent` (that
   * command is swallowed too). A script is sent as EVALSHA <sha1 of its Lua>, or the first time on
   * a connection as EVAL <its Lua>: give both its SHA and a line of its own.
   */
  silentFrom(...markers: string[]): void;
  /** Passes until a client sends something containing one of `markers` (as for silentFrom), then is `deaf` (that command runs unanswered). */
  deafFrom(...markers: string[]): void;
  /**
   * Passes until a client sends something containing one of `markers`; that connection's next answer
   * is then lost, as in `blip` (the command ran; the connection is cut): a lost answer aimed at one
   * command, e.g. a script by a key name it is given (`alertseen:`).
   */
  blipFrom(...markers: string[]): void;
  /** Replies dropped by `blip` since the start (each a command that ran unanswered). */
  readonly dropped: number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Opened before the current blip began: its next answer is lost. */
  doomed: boolean;
}

export async function startRedisFaultProxy(upstreamUrl: string): Promise<RedisFaultProxy> {
  const upstream = new URL(upstreamUrl);
  const pairs = new Set<Pair>();
  let fault: RedisFault = 'pass';
  let dropped = 0;
  let silentMarkers: string[] = [];
  let deafMarkers: string[] = [];
  let blipMarkers: string[] = [];
  const cut = (p: Pair) => {
    p.client.destroy();
    p.upstream.destroy();
    pairs.delete(p);
  };
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (fault === 'down') {
      client.destroy();
      return;
    }
    const up = net.connect(Number(upstream.port), upstream.hostname);
    up.on('error', () => undefined);
    const pair: Pair = { client, upstream: up, doomed: false };
    pairs.add(pair);
    client.on('data', (d) => {
      if (silentMarkers.some((m) => d.includes(m))) {
        silentMarkers = [];
        fault = 'silent';
      }
      if (deafMarkers.some((m) => d.includes(m))) {
        deafMarkers = [];
        fault = 'deaf';
      }
      if (blipMarkers.some((m) => d.includes(m))) {
        blipMarkers = [];
        pair.doomed = true;
      }
      if (fault !== 'silent') up.write(d);
    });
    up.on('data', (d) => {
      if (fault === 'deaf') return;
      if (pair.doomed) {
        // The command ran in Redis; its answer never arrives.
        dropped++;
        cut(pair);
        return;
      }
      client.write(d);
    });
    client.on('close', () => cut(pair));
    up.on('close', () => cut(pair));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    set(next) {
      fault = next;
      silentMarkers = [];
      deafMarkers = [];
      blipMarkers = [];
      if (next === 'down') for (const p of [...pairs]) cut(p);
      for (const p of pairs) p.doomed = next === 'blip';
    },
    silentFrom(...markers) {
      fault = 'pass';
      silentMarkers = markers;
    },
    deafFrom(...markers) {
      fault = 'pass';
      deafMarkers = markers;
    },
    blipFrom(...markers) {
      fault = 'pass';
      blipMarkers = markers;
    },
    cut() {
      for (const p of [...pairs]) cut(p);
    },
    get dropped() {
      return dropped;
    },
    async close() {
      for (const p of [...pairs]) cut(p);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A test file's fault proxy in front of its jest worker's database, and its own direct client (the
 * test's reads, never faulted): started before the file's tests, closed after them. Point the bot
 * at `proxy.url` (e.g. useDeployHarness({ env: () => ({ REDIS_URL: faults.proxy.url }) })).
 */
export function useRedisFaultProxy(): { readonly proxy: RedisFaultProxy; readonly direct: Redis | Cluster } {
  let proxy: RedisFaultProxy | undefined;
  let direct: Redis | Cluster | undefined;
  beforeAll(async () => {
    proxy = await startRedisFaultProxy(useWorkerDb());
    direct = testRedis();
  });
  afterAll(async () => {
    await direct?.quit();
    await proxy?.close();
  });
  return {
    get proxy() {
      if (!proxy) throw new Error('useRedisFaultProxy: only inside the tests of the file');
      return proxy;
    },
    get direct() {
      if (!direct) throw new Error('useRedisFaultProxy: only inside the tests of the file');
      return direct;
    },
  };
}
