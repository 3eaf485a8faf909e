/**
 * A throw-away Redis Cluster on loopback for tests: `masters` primaries with `replicas` replicas
 * each (default 3 + 3), every node a `redis-server --cluster-enabled yes` with no persistence on a
 * free port (and a free cluster-bus port), joined with `redis-cli --cluster create`. Resolves once
 * every node says `cluster_state:ok`, knows every other node, and every replica's link to its
 * primary is up. `stop()` stops every node and removes the temp dir. Nothing here imports jest.
 *
 * Faults: `failover(primaryPort)` runs CLUSTER FAILOVER on that primary's replica (a planned
 * switch-over, no write lost); `kill(port)` SIGKILLs a node (the cluster promotes its replica
 * after cluster-node-timeout); `restart(port)` starts a killed node again from its nodes.conf
 * (it rejoins, as a replica if it was replaced).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { findOnPath, getFreePort, REDIS_NOT_FOUND_MESSAGE, sleep, startRedisServer, type RedisServerHandle } from './redis';

export const REDIS_CLI_NOT_FOUND_MESSAGE =
  'redis-cli is not on PATH. Install it (Debian/Ubuntu: apt-get install redis-tools, which redis-server depends on; macOS: brew install redis).';

export interface StartClusterOptions {
  /** Primaries (at least 3, as redis-cli requires). Default 3. */
  masters?: number;
  /** Replicas per primary. Default 1. */
  replicas?: number;
  /** cluster-node-timeout: how long a node may be unreachable before it is failed over. Default 2000 ms. */
  nodeTimeoutMs?: number;
  /** How long to wait for the cluster to form. Default 30000 ms. */
  readyTimeoutMs?: number;
  /**
   * TLS only (clients, replication and the cluster bus), as ElastiCache Serverless: PEM files of
   * the nodes' certificate, its key and the CA. The URL becomes `rediss://<host>:…`, with
   * `host` (default 'localhost') the name the certificate is for; nodes still announce 127.0.0.1.
   */
  tls?: { certFile: string; keyFile: string; caFile: string; host?: string };
}

export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** For a replica: the id of its primary. */
  masterId?: string;
  /** The node is flagged fail / fail? / disconnected by the node asked. */
  failing: boolean;
}

export interface RedisClusterHandle {
  /** What REDIS_URL gets: the primaries' URLs, comma-separated, `?cluster=true`. */
  url: string;
  /** Every node's port. */
  ports: number[];
  dir: string;
  /** pid of every running node. */
  pids(): number[];
  /** The cluster as a running node sees it (CLUSTER NODES). */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** Ports of the current primaries. */
  masterPorts(): Promise<number[]>;
  /** Port of the primary serving `key` now. */
  masterPortForKey(key: string): Promise<number>;
  /** CLUSTER FAILOVER on a replica of the primary on `masterPort`; resolves when the replica is primary and the cluster is ok. Returns its port. */
  failover(masterPort: number): Promise<number>;
  /** SIGKILL the node on `port` (no clean shutdown). */
  kill(port: number): Promise<void>;
  /** Start a killed node again from its nodes.conf and wait until the cluster is whole again. */
  restart(port: number): Promise<void>;
  /** Until every running node reports cluster_state:ok and agrees on the primaries. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** FLUSHALL on every primary. */
  flushAll(): Promise<void>;
  /** Run one command on every running node (e.g. ACL SETUSER, which a cluster does not propagate). */
  onEveryNode(command: string, ...args: Array<string | number>): Promise<unknown[]>;
  /** Stop every node, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function run(bin: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-8000)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-8000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** TLS options of the admin connections (set by startRedisCluster for a TLS cluster). */
type AdminTls = { ca: Buffer; servername: string } | undefined;

/** A short-lived admin connection to one node; never retries. */
async function onNode<T>(port: number, fn: (r: Redis) => Promise<T>, tls?: AdminTls): Promise<T> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    ...(tls ? { tls } : {}),
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flags, master] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(addr ?? '')?.[1]);
      const f = (flags ?? '').split(',');
      const role = f.includes('master') ? 'master' : 'replica';
      return {
        id: id!,
        port,
        role,
        ...(role === 'replica' && master && master !== '-' ? { masterId: master } : {}),
        failing: f.includes('fail') || f.includes('fail?') || f.includes('noaddr'),
      };
    });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let guard = 0; ports.size < n && guard < n * 20; guard++) ports.add(await getFreePort());
  if (ports.size < n) throw new Error(`could not find ${n} free ports`);
  return [...ports];
}

export async function startRedisCluster(opts: StartClusterOptions = {}): Promise<RedisClusterHandle> {
  if (!findOnPath('redis-server')) throw new Error(REDIS_NOT_FOUND_MESSAGE);
  const cli = findOnPath('redis-cli');
  if (!cli) throw new Error(REDIS_CLI_NOT_FOUND_MESSAGE);
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 2000;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const total = masters * (replicas + 1);
  const tlsFiles = opts.tls;
  const adminTls: AdminTls = tlsFiles ? { ca: readFileSync(tlsFiles.caFile), servername: tlsFiles.host ?? 'localhost' } : undefined;
  const onNodeOf = <T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> => onNode(port, fn, adminTls);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-cluster-'));
  const servers = new Map<number, RedisServerHandle>();
  const busPorts = new Map<number, number>();
  let ports: number[] = [];
  let stopped = false;

  const nodeArgs = (port: number): string[] => [
    '--cluster-enabled',
    'yes',
    '--cluster-port',
    String(busPorts.get(port)),
    '--cluster-config-file',
    path.join(dir, String(port), 'nodes.conf'),
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    '--pidfile',
    path.join(dir, String(port), 'redis.pid'),
    // A replica's first sync starts at once (the default waits 5 s for more replicas to share it).
    '--repl-diskless-sync-delay',
    '0',
    // TLS only: a later --port 0 wins over startRedisServer's --port, so there is no plain-text port.
    ...(tlsFiles
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cluster',
          'yes',
          '--tls-replication',
          'yes',
          '--tls-cert-file',
          tlsFiles.certFile,
          '--tls-key-file',
          tlsFiles.keyFile,
          '--tls-ca-cert-file',
          tlsFiles.caFile,
          '--tls-auth-clients',
          'no',
        ]
      : []),
  ];

  const startNode = async (port: number): Promise<void> => {
    const nodeDir = path.join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    // startRedisServer adds --save '' --appendonly no --bind 127.0.0.1; the dir is ours (removed by stop()).
    const ready = adminTls
      ? (p: number) =>
          onNodeOf(p, (r) => r.ping()).then(
            () => true,
            () => false,
          )
      : undefined;
    servers.set(port, await startRedisServer({ port, dir: nodeDir, extraArgs: nodeArgs(port), readyTimeoutMs: 5000, ready }));
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all([...servers.values()].map((s) => s.stop()));
    servers.clear();
    rmSync(dir, { recursive: true, force: true });
  };

  const running = (): number[] => ports.filter((p) => servers.has(p));

  const nodes = async (): Promise<ClusterNodeInfo[]> => {
    let lastErr: unknown;
    for (const port of running()) {
      try {
        return parseClusterNodes(String(await onNodeOf(port, (r) => r.cluster('NODES'))));
      } catch (err) {
        lastErr = err;
      }
    }
    throw new Error(`no node answers CLUSTER NODES: ${String(lastErr)}`);
  };

  const waitUntilOk = async (timeoutMs = readyTimeoutMs): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let why = '';
    for (;;) {
      why = '';
      const alive = running();
      const views: ClusterNodeInfo[][] = [];
      for (const port of alive) {
        try {
          const info = String(await onNodeOf(port, (r) => r.cluster('INFO')));
          if (!/cluster_state:ok/.test(info)) why = `node ${port}: cluster_state not ok`;
          const known = Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1]);
          if (known < total) why ||= `node ${port} knows ${known} of ${total} nodes`;
          const view = parseClusterNodes(String(await onNodeOf(port, (r) => r.cluster('NODES'))));
          views.push(view);
          const me = view.find((n) => n.port === port);
          if (me?.role === 'replica') {
            const repl = String(await onNodeOf(port, (r) => r.info('replication')));
            if (!/master_link_status:up/.test(repl)) why ||= `replica ${port}: link to its primary is down`;
          }
        } catch (err) {
          why ||= `node ${port}: ${(err as Error).message}`;
        }
        if (why) break;
      }
      if (!why) {
        // Every running node agrees on who the primaries are, and none of them is flagged failing.
        const signature = (v: ClusterNodeInfo[]): string =>
          v
            .filter((n) => n.role === 'master' && alive.includes(n.port))
            .map((n) => n.port)
            .sort()
            .join(',');
        const first = views[0] ? signature(views[0]) : '';
        if (views.some((v) => signature(v) !== first)) why = 'nodes disagree on the primaries';
        else if (views.some((v) => v.some((n) => alive.includes(n.port) && n.failing))) why = 'a running node is still flagged failing';
        else if (first.split(',').filter(Boolean).length !== masters) why = `expected ${masters} primaries, see ${first}`;
      }
      if (!why) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not ready after ${timeoutMs} ms: ${why}`);
      await sleep(50);
    }
  };

  try {
    const picked = await distinctFreePorts(total * 2);
    ports = picked.slice(0, total);
    ports.forEach((p, i) => busPorts.set(p, picked[total + i]!));
    await Promise.all(ports.map(startNode));
    const created = await run(
      cli,
      [
        ...(tlsFiles ? ['--tls', '--cacert', tlsFiles.caFile] : []),
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      readyTimeoutMs,
    );
    if (created.code !== 0) throw new Error(`redis-cli --cluster create failed (exit ${created.code}):\n${created.out.slice(-2000)}`);
    await waitUntilOk();
  } catch (err) {
    await stop();
    throw err;
  }

  const masterPorts = async (): Promise<number[]> =>
    (await nodes())
      .filter((n) => n.role === 'master' && !n.failing)
      .map((n) => n.port)
      .sort((a, b) => a - b);

  const initialMasters = await masterPorts();

  return {
    url: tlsFiles
      ? `${initialMasters.map((p) => `rediss://${tlsFiles.host ?? 'localhost'}:${p}`).join(',')}?cluster=true`
      : `${initialMasters.map((p) => `redis://127.0.0.1:${p}`).join(',')}?cluster=true`,
    ports,
    dir,
    pids: () => [...servers.values()].map((s) => s.pid),
    nodes,
    masterPorts,
    async masterPortForKey(key) {
      const port = running()[0]!;
      const slot = Number(await onNodeOf(port, (r) => r.cluster('KEYSLOT', key)));
      const slots = await onNodeOf(port, (r) => r.cluster('SLOTS'));
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      if (!range?.[2]) throw new Error(`no node serves slot ${slot}`);
      return Number(range[2][1]);
    },
    async failover(masterPort) {
      const all = await nodes();
      const master = all.find((n) => n.port === masterPort && n.role === 'master');
      if (!master) throw new Error(`${masterPort} is not a primary`);
      const replica = all.find((n) => n.masterId === master.id && !n.failing && servers.has(n.port));
      if (!replica) throw new Error(`primary ${masterPort} has no running replica`);
      await onNodeOf(replica.port, (r) => r.cluster('FAILOVER'));
      const deadline = Date.now() + readyTimeoutMs;
      while (!(await masterPorts().catch(() => [] as number[])).includes(replica.port)) {
        if (Date.now() > deadline) throw new Error(`replica ${replica.port} did not take over from ${masterPort}`);
        await sleep(25);
      }
      await waitUntilOk();
      return replica.port;
    },
    async kill(port) {
      const server = servers.get(port);
      if (!server) throw new Error(`no running node on ${port}`);
      process.kill(server.pid, 'SIGKILL');
      await server.stop(); // reaps the child (it is already dead); the node dir stays for restart()
      servers.delete(port);
    },
    async restart(port) {
      if (servers.has(port)) throw new Error(`node ${port} is running`);
      await startNode(port);
      await waitUntilOk();
    },
    waitUntilOk,
    onEveryNode: (command, ...args) => Promise.all(running().map((p) => onNodeOf(p, (r) => r.call(command, ...args)))),
    async flushAll() {
      await Promise.all((await masterPorts()).map((p) => onNodeOf(p, (r) => r.flushall())));
    },
    stop,
  };
}
