/**
 * The local server behind `npm start` (and its tests): Bolt's HTTPReceiver with the same app,
 * an in-process dispatcher, the scheduled tasks on a timer, and a private redis-server when
 * REDIS_URL is not set.
 */
import { HTTPReceiver } from '@slack/bolt';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { configPath, loadConfigFile } from '../config/load';
import type { Config } from '../config/schema';
import { isBotError } from '../errors';
import { runTicks } from '../hooks/events';
import { log } from '../log';
import { registerAll, createRuntime, missingEnv, setRuntime } from './compose';
import { createApp } from '../edge/app';
import { inProcessDispatcher, runJob } from '../hooks/jobs';
import type { Runtime } from '../runtime';

/** A start-up problem explained in one message (the process prints it and exits 1). */
export class StartupError extends Error {}

interface LocalOptions {
  env: NodeJS.ProcessEnv;
  /** Port to listen on; default PORT or 3000. 0 picks a free one. */
  port?: number;
  /** Where a private redis-server keeps its data (default .local/redis). */
  redisDir?: string;
  tickMs?: number;
}

export interface LocalServer {
  port: number;
  url: string;
  rt: Runtime;
  /** What the operator should know (printed by `npm start`). */
  notes: string[];
  /** Wait until in-process jobs are done (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect(port, '127.0.0.1');
    sock.on('connect', () => {
      sock.end();
      res(true);
    });
    sock.on('error', () => res(false));
  });
}

async function startPrivateRedis(dir: string, path: string | undefined): Promise<{ url: string; child: ChildProcess }> {
  const env = { ...process.env, PATH: path ?? '' };
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { env }).status !== 0) {
    throw new StartupError(
      'REDIS_URL is not set and redis-server is not on PATH. Either set REDIS_URL (e.g. redis://localhost:6379) or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).',
    );
  }
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '60 1', '--daemonize', 'no'],
    {
      stdio: 'ignore',
      env,
    },
  );
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return { url: `redis://127.0.0.1:${port}`, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new StartupError(`redis-server did not start on port ${port}.`);
}

export async function startLocal(opts: LocalOptions): Promise<LocalServer> {
  const missing = missingEnv(opts.env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  if (missing.length) {
    throw new StartupError(
      `missing ${missing.join(' and ')}. Set ${missing.length > 1 ? 'them' : 'it'} from your Slack app's settings (Basic Information → Signing Secret; OAuth & Permissions → Bot User OAuth Token).`,
    );
  }
  let config: Config;
  try {
    config = loadConfigFile(configPath(opts.env));
  } catch (err) {
    throw new StartupError(isBotError(err) ? err.message : `cannot load ${configPath(opts.env)}: ${(err as Error).message}`);
  }
  const notes: string[] = [];
  const env = { ...opts.env };
  let redisChild: ChildProcess | undefined;
  if (!env.REDIS_URL) {
    const dir = resolve(opts.redisDir ?? '.local/redis');
    const started = await startPrivateRedis(dir, env.PATH);
    env.REDIS_URL = started.url;
    redisChild = started.child;
    notes.push(
      `REDIS_URL is not set, so I started redis-server on ${started.url} with its data in ${dir} (pending approvals survive a restart).`,
    );
  }

  registerAll();
  const holder: { rt?: Runtime } = {};
  const dispatcher = inProcessDispatcher((job) => runJob(job, holder.rt!), log);
  const rt = createRuntime({ env, config, profile: 'worker', mode: 'local', dispatcher });
  holder.rt = rt;
  setRuntime(rt);

  const port = opts.port ?? Number(env.PORT || 3000);
  const receiver = new HTTPReceiver({ signingSecret: rt.signingSecret, endpoints: '/slack/events', processBeforeResponse: false });
  const app = createApp(rt, receiver);
  const server = (await app.start(port)) as unknown as Server;
  const actualPort = (server.address() as { port: number }).port;
  const url = `http://localhost:${actualPort}/slack/events`;
  notes.push(`listening on ${url} (config ${configPath(opts.env)}, ${Object.keys(config.services).length} services)`);

  const tick = setInterval(() => void runTicks(rt), opts.tickMs ?? 30_000);
  tick.unref();

  return {
    port: actualPort,
    url,
    rt,
    notes,
    idle: () => dispatcher.idle(),
    async stop() {
      clearInterval(tick);
      await app.stop().catch(() => undefined);
      await dispatcher.idle();
      await rt.redis.quit().catch(() => undefined);
      setRuntime(undefined);
      if (redisChild && redisChild.exitCode === null) {
        const child = redisChild;
        const exited = new Promise<void>((res) => child.once('exit', () => res()));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
