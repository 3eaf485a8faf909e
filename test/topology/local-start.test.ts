/**
 * `npm start` as a person runs it: the built dist/local.js in its own process (issue 9 §3).
 *
 * - Ctrl-C (SIGINT) or SIGTERM stops it promptly even while a command waits on an AWS endpoint
 *   that never answers: it does not wait for that work, and its private redis-server is gone
 *   once it has exited;
 * - a second `npm start` on a busy port says so in one line, without a stack trace, and starts
 *   no redis-server at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { configFile, FIXTURE_CONFIG } from '../helpers/config';
import { getFreePort, pingRedis } from '../helpers/redis';
import { postSigned, slashCommandBody } from '../helpers/signing';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { ensureArtifacts } from '../helpers/topology/artifacts';
import { waitFor } from '../helpers/topology';

const SECRET = 'local-start-secret';

let aws: AwsEndpoint;
let slack: SlackServer;
let localJs: string;
let cwd: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  localJs = path.join((await ensureArtifacts()).dist, 'local.js');
  aws = await startAwsEndpoint();
  slack = await startSlackServer();
}, 240_000);
beforeEach(() => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-npm-start-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});
afterAll(async () => {
  await aws?.close();
  await slack?.close();
});

interface Started {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function npmStart(port: number, config = FIXTURE_CONFIG): Started {
  const child = spawn(process.execPath, [localJs], {
    cwd,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      SLACK_BOT_TOKEN: 'xoxb-local',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      CHATOPS_CONFIG: config,
      ...aws.env(),
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      AWS_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
      LOG_LEVEL: 'error',
      // This machine's Node is older than the SDK's next floor: its one-time warning is not ours to assert on.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => out.push(...d.split('\n').filter(Boolean)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => err.push(...d.split('\n').filter(Boolean)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  return { child, out, err, exited };
}

it.each(['SIGINT', 'SIGTERM'] as const)(
  '%s stops it while a command waits on AWS: it does not wait for that work, and its redis-server is gone',
  async (signal) => {
    aws.reset();
    aws.stallNext('ecs', '*', 1_000);
    const port = await getFreePort();
    const s = npmStart(port);
    const listening = await waitFor(() => s.out.find((l) => l.includes('listening on')), 'npm start to listen');
    expect(listening).toContain(`http://localhost:${port}/slack/events`);
    const redisPort = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(s.out.join('\n'))?.[1]);
    expect(await pingRedis(redisPort)).toBe(true);

    const before = slack.responses().length;
    const ack = await postSigned(
      `http://127.0.0.1:${port}/slack/events`,
      SECRET,
      slashCommandBody({ text: 'status web', channel_id: 'CPROD', user_id: 'UDEV1', response_url: slack.responseUrl() }),
    );
    expect(ack.status).toBe(200);
    await waitFor(() => aws.calls.some((c) => c.service === 'ecs' && c.status === undefined), 'the command to wait on ECS');

    s.child.kill(signal);
    const { code } = await s.exited;
    expect(code).toBe(0);
    expect(s.out).toContain(`ecs-chatops: ${signal}: stopping`);
    // It did not wait for the stalled command (whose answer would have come once AWS timed out).
    expect(slack.responses().slice(before)).toEqual([]);
    expect(await pingRedis(redisPort)).toBe(false);
    expect(s.err).toEqual([]);
  },
  60_000,
);

it('a second `npm start` on a busy port says so in one line, without a stack trace, and starts no redis-server', async () => {
  const busy: Server = createServer();
  const port = await getFreePort();
  await new Promise<void>((res) => busy.listen(port, res));
  try {
    const s = npmStart(port);
    const { code } = await s.exited;
    expect(code).toBe(1);
    expect(s.err).toEqual([
      `ecs-chatops: port ${port} is already in use (is another \`npm start\` running?). Stop it, or set PORT to a free port.`,
    ]);
    expect(s.out).toEqual([]);
    expect(existsSync(path.join(cwd, '.local/redis'))).toBe(false);
  } finally {
    await new Promise<void>((res) => busy.close(() => res()));
  }
}, 60_000);

it('an invalid chatops.yml: every problem with its path, after a sentence in the language the file asks for', async () => {
  const config = configFile((d) => {
    d.slack = { ...d.slack, language: 'ko' };
    d.services.web.aliases = ['웹'];
    d.services.worker.aliases = ['웹'];
    d.services.worker.scale = { min: 0, max: 9000 };
  });
  const s = npmStart(await getFreePort(), config);
  const { code } = await s.exited;
  expect(code).toBe(1);
  expect(s.err).toEqual([
    `ecs-chatops: 봇 설정이 올바르지 않습니다 (${config}).`,
    'services.worker.scale.max: Too big: expected number to be <=5000',
    'services.worker.aliases.0: alias "웹" of service worker is also an alias of service web in prod',
  ]);
  expect(existsSync(path.join(cwd, '.local/redis'))).toBe(false);
}, 60_000);
