/**
 * `npm start`: the same app, commands and config as on Lambda, served by Bolt's HTTP receiver
 * (POST /slack/events on PORT, default 3000). Slow work runs in-process after the ack; the
 * scheduled tasks run on a timer. Without REDIS_URL it starts its own redis-server with its data
 * in .local/redis (git-ignored), so a restart keeps pending approvals.
 */
/* eslint-disable no-console -- this is the interactive local entry point; it talks to a person */
import { App, HTTPReceiver } from '@slack/bolt';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createApp } from './bot/app';
import { loadConfigFile, configPath } from './config/load';
import { isBotError } from './errors';
import { runTicks } from './events/hooks';
import { registerAll } from './register';
import { createRuntime, missingEnv, setRuntime, type Runtime } from './runtime';
import { inProcessDispatcher } from './worker/dispatch';
import { runJob } from './worker/run';

function fail(message: string): never {
  console.error(`ecs-chatops: ${message}`);
  process.exit(1);
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

async function startLocalRedis(): Promise<string> {
  const which = spawnSync('sh', ['-c', 'command -v redis-server']);
  if (which.status !== 0) {
    fail('REDIS_URL is not set and redis-server is not on PATH. Either set REDIS_URL (e.g. redis://localhost:6379) or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).');
  }
  const dir = resolve('.local/redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '60 1', '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  child.unref();
  const stop = () => child.kill('SIGTERM');
  process.on('exit', stop);
  process.on('SIGINT', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((res) => {
      const sock = require('node:net').connect(port, '127.0.0.1'); // eslint-disable-line @typescript-eslint/no-require-imports -- tiny readiness probe
      sock.on('connect', () => {
        sock.end();
        res(true);
      });
      sock.on('error', () => res(false));
    });
    if (ok) {
      console.log(`ecs-chatops: REDIS_URL is not set, so I started redis-server on ${url} with its data in ${dir} (pending approvals survive a restart).`);
      return url;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`redis-server did not start on port ${port}.`);
}

async function main(): Promise<void> {
  const missing = missingEnv(process.env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  if (missing.length) fail(`missing ${missing.join(' and ')}. Set ${missing.length > 1 ? 'them' : 'it'} from your Slack app's settings (Basic Information → Signing Secret; OAuth & Permissions → Bot User OAuth Token).`);

  let config;
  try {
    config = loadConfigFile();
  } catch (err) {
    fail(isBotError(err) ? err.message : `cannot load ${configPath()}: ${(err as Error).message}`);
  }
  const env = { ...process.env };
  if (!env.REDIS_URL) env.REDIS_URL = await startLocalRedis();

  registerAll();
  let rt: Runtime | undefined;
  const dispatcher = inProcessDispatcher((job) => runJob(job, rt!), (await import('./log')).log);
  rt = createRuntime({ env, config, profile: 'worker', mode: 'local', dispatcher });
  setRuntime(rt);

  const port = Number(process.env.PORT || 3000);
  const receiver = new HTTPReceiver({ signingSecret: rt.signingSecret, endpoints: '/slack/events', processBeforeResponse: false });
  const app: App = createApp(rt, receiver);
  await app.start(port);
  console.log(`ecs-chatops: listening on http://localhost:${port}/slack/events (config ${configPath()}, ${Object.keys(config.services).length} services)`);

  const tick = setInterval(() => void runTicks(rt!), 30_000);
  tick.unref();
}

void main();
