/**
 * The local server behind `npm start` (and its tests): the same app behind Bolt's HTTPReceiver, or
 * over Socket Mode (SocketModeReceiver) when SLACK_APP_TOKEN is set — no public URL, no tunnel —,
 * an in-process dispatcher, the scheduled tasks on a timer, and a private redis-server when
 * REDIS_URL is not set. Which Slack credentials are needed is decided here (`localCredentials`).
 */
import { HTTPReceiver, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { configPath, loadConfigFile } from '../config/load';
import { configProblem } from '../config/startup';
import type { Config } from '../config/schema';
import { runTicks } from '../hooks/events';
import { log } from '../log';
import { registerAll, createRuntime, missingEnv, setRuntime } from './compose';
import { redisSlackPauses } from '../redis/slack-pause';
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
  /**
   * false: a private redis-server keeps nothing (no RDB, no AOF, a temporary directory removed on
   * stop), so every start is empty (the playground, whose Slack and AWS live in memory). Default true.
   */
  redisPersist?: boolean;
  tickMs?: number;
  /** Interface to listen on (default: all, so a tunnel can reach it; the playground uses 127.0.0.1). */
  host?: string;
  /** A config already loaded (the playground's demo config); otherwise CHATOPS_CONFIG is read. */
  config?: Config;
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
  /** Stops within a few seconds: in-flight work gets a short grace, then everything closes, the private redis-server included. */
  stop(): Promise<void>;
  /** Kills the private redis-server at once (the process is about to exit). */
  killNow(): void;
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

interface PrivateRedis {
  url: string;
  /** SIGTERM, then SIGKILL if it has not exited within 2 s; resolves when it has exited. */
  stop(): Promise<void>;
  /** SIGKILL now (the process is exiting). */
  kill(): void;
}

function privateRedis(url: string, child: ChildProcess): PrivateRedis {
  // However this process ends, its redis-server ends with it.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const exited = new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('exit', () => res());
  });
  return {
    url,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
    },
    kill: onExit,
  };
}

async function startPrivateRedis(dir: string, path: string | undefined, persist: boolean): Promise<PrivateRedis> {
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
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'],
      ...(persist ? ['--appendonly', 'yes', '--save', '60 1'] : ['--appendonly', 'no', '--save', '']),
    ],
    {
      stdio: 'ignore',
      env,
    },
  );
  const handle = privateRedis(`redis://127.0.0.1:${port}`, child);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return handle;
    await new Promise((r) => setTimeout(r, 100));
  }
  handle.kill();
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
    config = opts.config ?? loadConfigFile(configPath(opts.env));
  } catch (err) {
    throw new StartupError(configProblem(err, configPath(opts.env)));
  }
  const notes: string[] = [];
  const env = { ...opts.env };
  // Socket Mode listens on no port.
  const port = mode === 'socket' ? 0 : (opts.port ?? Number(env.PORT || 3000));
  // Before anything is started: a busy port is said in one line, and leaves nothing behind.
  if (port !== 0 && !(await portFree(port))) throw busyPort(port);

  let redis: PrivateRedis | undefined;
  let redisTemp: string | undefined;
  if (!env.REDIS_URL) {
    const persist = opts.redisPersist ?? true;
    const dir = persist
      ? resolve(opts.redisDir ?? '.local/redis')
      : (redisTemp = mkdtempSync(resolve(tmpdir(), 'ecs-chatops-local-redis-')));
    redis = await startPrivateRedis(dir, env.PATH, persist).catch((err: unknown) => {
      if (redisTemp) rmSync(redisTemp, { recursive: true, force: true });
      throw err;
    });
    env.REDIS_URL = redis.url;
    if (redisTemp) {
      // The in-memory redis-server's folder goes with it.
      const started = redis;
      const temp = redisTemp;
      redis = {
        url: started.url,
        async stop() {
          await started.stop();
          rmSync(temp, { recursive: true, force: true });
        },
        kill: started.kill,
      };
    }
    notes.push(
      persist
        ? `REDIS_URL is not set, so I started redis-server on ${redis.url} with its data in ${dir} (pending approvals survive a restart).`
        : `REDIS_URL is not set, so I started redis-server on ${redis.url}, in memory (nothing kept after a restart).`,
    );
  }
  try {
    return await serve(opts, mode, config, env, port, notes, redis);
  } catch (err) {
    // Whatever failed after redis-server started, it does not outlive this process.
    await redis?.stop();
    if ((err as { code?: string }).code === 'EADDRINUSE') throw busyPort(port);
    throw err;
  }
}

function busyPort(port: number): StartupError {
  return new StartupError(`port ${port} is already in use (is another \`npm start\` running?). Stop it, or set PORT to a free port.`);
}

/** Whether nothing listens on `port` (an attempt to listen there, closed at once). */
function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, () => srv.close(() => res(true)));
  });
}

/** In-flight jobs get this long to finish when the server stops; then it stops anyway. */
const STOP_GRACE_MS = 2_000;

function within<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<undefined>((res) => {
      timer = setTimeout(() => res(undefined), ms);
      timer.unref?.();
    }),
  ]).finally(() => clearTimeout(timer));
}

async function serve(
  opts: LocalOptions,
  mode: 'http' | 'socket',
  config: Config,
  env: NodeJS.ProcessEnv,
  port: number,
  notes: string[],
  redis: PrivateRedis | undefined,
): Promise<LocalServer> {
  registerAll();
  const holder: { rt?: Runtime } = {};
  const dispatcher = inProcessDispatcher((job) => runJob(job, holder.rt!), log);
  const rt = createRuntime({
    env,
    config,
    profile: 'worker',
    mode: 'local',
    dispatcher,
    socketMode: mode === 'socket',
    slackPauses: redisSlackPauses,
  });
  holder.rt = rt;
  setRuntime(rt);

  const where = `config ${configPath(opts.env)}, ${Object.keys(config.services).length} services`;
  let receiver: Receiver;
  let server: Server | undefined;
  let actualPort = 0;
  let url = 'socket-mode';
  let app: ReturnType<typeof createApp>;
  try {
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
      receiver = new HTTPReceiver({ signingSecret: rt.signingSecret, endpoints: '/slack/events', processBeforeResponse: false });
      app = createApp(rt, receiver);
      server = (await app.start(opts.host ? { port, host: opts.host } : port)) as unknown as Server;
      actualPort = (server.address() as { port: number }).port;
      url = `http://localhost:${actualPort}/slack/events`;
      notes.push(`listening on ${url} (${where})`);
    }
  } catch (err) {
    rt.redis.disconnect();
    setRuntime(undefined);
    throw err;
  }

  // The scheduled tasks on a timer; a tick never starts while the previous one still runs (and
  // runTicks holds a Redis lock per tick besides), so slow AWS answers cannot pile ticks up.
  let ticking: Promise<unknown> | undefined;
  const tick = setInterval(() => {
    if (ticking) return;
    ticking = runTicks(rt).finally(() => (ticking = undefined));
  }, opts.tickMs ?? 30_000);
  tick.unref();

  let stopping: Promise<void> | undefined;
  return {
    mode,
    port: actualPort,
    url,
    rt,
    notes,
    idle: () => dispatcher.idle(),
    stop() {
      stopping ??= (async () => {
        clearInterval(tick);
        // Stop taking requests, give in-flight work a moment, then close everything regardless.
        if (receiver instanceof SocketModeReceiver) {
          // Close the socket and wait (briefly) for Slack's side of the close handshake (Bolt's stop() does not wait).
          await within(
            5_000,
            receiver.client.disconnect().catch(() => undefined),
          );
        } else {
          await within(
            1_000,
            app.stop().catch(() => undefined),
          );
          server?.closeAllConnections?.();
        }
        await within(STOP_GRACE_MS, Promise.all([dispatcher.idle(), ticking]));
        await within(
          500,
          rt.redis.quit().catch(() => undefined),
        );
        rt.redis.disconnect();
        setRuntime(undefined);
        await redis?.stop();
      })();
      return stopping;
    },
    killNow() {
      redis?.kill();
    },
  };
}
