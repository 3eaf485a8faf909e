/**
 * The local server behind `npm start` (and its tests): the same app behind Bolt's HTTPReceiver, or
 * over Socket Mode (SocketModeReceiver) when SLACK_APP_TOKEN is set — no public URL, no tunnel —,
 * an in-process dispatcher, the scheduled tasks on a timer, and a private redis-server when
 * REDIS_URL is not set. Which Slack credentials are needed is decided here (`localCredentials`).
 */
import { HTTPReceiver, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
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
import { slackClientOptions } from '../slack/gateway';

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
  /** How Slack reaches the app: an HTTP endpoint (a tunnel in front of it), or Socket Mode. */
  mode: 'http' | 'socket';
  /** The HTTP port (0 in Socket Mode). */
  port: number;
  /** The HTTP endpoint, or `socket-mode`. */
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

/**
 * The one place that decides which Slack credentials `npm start` needs: the bot token always; then
 * an app-level token (`xapp-…`, SLACK_APP_TOKEN) for Socket Mode, or else the signing secret for
 * the HTTP receiver.
 */
export function localCredentials(env: NodeJS.ProcessEnv): { mode: 'http' | 'socket' } {
  const appToken = env.SLACK_APP_TOKEN?.trim();
  if (appToken) {
    if (!appToken.startsWith('xapp-')) {
      throw new StartupError(
        'SLACK_APP_TOKEN must be an app-level token (xapp-…, Basic Information → App-Level Tokens, scope connections:write). Unset it to use the HTTP receiver instead.',
      );
    }
    if (missingEnv(env, ['SLACK_BOT_TOKEN']).length) {
      throw new StartupError(
        "missing SLACK_BOT_TOKEN. Set it from your Slack app's settings (OAuth & Permissions → Bot User OAuth Token).",
      );
    }
    return { mode: 'socket' };
  }
  const missing = missingEnv(env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  if (missing.length) {
    throw new StartupError(
      `missing ${missing.join(' and ')}. Set ${missing.length > 1 ? 'them' : 'it'} from your Slack app's settings (Basic Information → Signing Secret; OAuth & Permissions → Bot User OAuth Token).`,
    );
  }
  return { mode: 'http' };
}

export async function startLocal(opts: LocalOptions): Promise<LocalServer> {
  const { mode } = localCredentials(opts.env);
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
  const rt = createRuntime({ env, config, profile: 'worker', mode: 'local', dispatcher, socketMode: mode === 'socket' });
  holder.rt = rt;
  setRuntime(rt);

  const where = `config ${configPath(opts.env)}, ${Object.keys(config.services).length} services`;
  let receiver: Receiver;
  let actualPort = 0;
  let url = 'socket-mode';
  let app: ReturnType<typeof createApp>;
  if (mode === 'socket') {
    receiver = new SocketModeReceiver({
      appToken: env.SLACK_APP_TOKEN!.trim(),
      logLevel: env.LOG_LEVEL === 'debug' ? LogLevel.DEBUG : LogLevel.WARN,
      // apps.connections.open goes where the Web API goes (SLACK_API_URL, for tests and proxies).
      installerOptions: { clientOptions: slackClientOptions(env) },
    });
    app = createApp(rt, receiver);
    await app.start();
    notes.push(`connected to Slack over Socket Mode: no public URL or tunnel needed (${where})`);
  } else {
    const port = opts.port ?? Number(env.PORT || 3000);
    receiver = new HTTPReceiver({ signingSecret: rt.signingSecret, endpoints: '/slack/events', processBeforeResponse: false });
    app = createApp(rt, receiver);
    const server = (await app.start(port)) as unknown as Server;
    actualPort = (server.address() as { port: number }).port;
    url = `http://localhost:${actualPort}/slack/events`;
    notes.push(`listening on ${url} (${where})`);
  }

  const tick = setInterval(() => void runTicks(rt), opts.tickMs ?? 30_000);
  tick.unref();

  return {
    mode,
    port: actualPort,
    url,
    rt,
    notes,
    idle: () => dispatcher.idle(),
    async stop() {
      clearInterval(tick);
      if (receiver instanceof SocketModeReceiver) {
        // Close the socket and wait for Slack's side of the close handshake (Bolt's stop() does not wait).
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([receiver.client.disconnect(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]).catch(
          () => undefined,
        );
        clearTimeout(timer);
      } else await app.stop().catch(() => undefined);
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
