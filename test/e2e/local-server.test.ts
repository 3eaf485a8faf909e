import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocal, StartupError, type LocalServer } from '../../src/handlers/local-server';
import { SIGNING_SECRET } from '../helpers/e2e';
import { postSigned, slashCommandBody } from '../helpers/signing';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { useWorkerDb } from '../helpers/redis';
import { FIXTURE_CONFIG } from '../helpers/config';

const baseEnv = (slack: SlackServer): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  SLACK_BOT_TOKEN: 'xoxb-local',
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.apiUrl,
  CHATOPS_CONFIG: FIXTURE_CONFIG,
});

describe('npm start: the local HTTP server', () => {
  let slack: SlackServer;
  let server: LocalServer | undefined;
  beforeAll(() => {
    useWorkerDb();
  });
  beforeEach(async () => {
    slack = await startSlackServer();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await slack.close();
  });

  it('serves POST /slack/events with the same app: signed help → 200, bad signature → 401', async () => {
    server = await startLocal({ env: { ...baseEnv(slack), REDIS_URL: process.env.REDIS_URL }, port: 0 });
    const body = slashCommandBody({ text: 'help', channel_id: 'CPROD', user_id: 'UDEV1' });
    const ok = await postSigned(`http://127.0.0.1:${server.port}/slack/events`, SIGNING_SECRET, body);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('/ecs help [verb]');
    const bad = await postSigned(`http://127.0.0.1:${server.port}/slack/events`, SIGNING_SECRET, body, { badSignature: true });
    expect(bad.status).toBe(401);
  });

  it('starts its own redis-server when REDIS_URL is unset and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-redis-'));
    try {
      server = await startLocal({ env: baseEnv(slack), port: 0, redisDir: dir });
      expect(server.notes.join('\n')).toContain(`started redis-server`);
      expect(server.notes.join('\n')).toContain(dir);
      expect(await server.rt.redis.ping()).toBe('PONG');
      expect(await server.rt.redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    } finally {
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without persistence (the playground): a private redis-server that keeps nothing, so a restart starts empty', async () => {
    server = await startLocal({ env: baseEnv(slack), port: 0, redisPersist: false });
    expect(server.notes.join('\n')).toMatch(
      /started redis-server on redis:\/\/127\.0\.0\.1:\d+, in memory \(nothing kept after a restart\)/,
    );
    expect(await server.rt.redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await server.rt.redis.config('GET', 'save')).toEqual(['save', '']);
    const dir = (await server.rt.redis.config('GET', 'dir'))[1]!;
    expect(existsSync(dir)).toBe(true);
    await server.rt.redis.set('pending', 'an approval of a message that will be gone');
    await server.stop();
    expect(existsSync(dir)).toBe(false);
    server = await startLocal({ env: baseEnv(slack), port: 0, redisPersist: false });
    expect(await server.rt.redis.get('pending')).toBeNull();
  });

  it('names every missing Slack credential in one message', async () => {
    await expect(startLocal({ env: { CHATOPS_CONFIG: FIXTURE_CONFIG }, port: 0 })).rejects.toThrow(
      new StartupError(
        "missing SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. Set them from your Slack app's settings (Basic Information → Signing Secret; OAuth & Permissions → Bot User OAuth Token).",
      ),
    );
  });

  it('refuses to start with an invalid config, naming the field', async () => {
    await expect(startLocal({ env: { ...baseEnv(slack), CHATOPS_CONFIG: '/nonexistent.yml' }, port: 0 })).rejects.toThrow(
      /Cannot read config file \/nonexistent.yml/,
    );
  });

  it('says what to do when neither REDIS_URL nor redis-server exists', async () => {
    await expect(startLocal({ env: { ...baseEnv(slack), PATH: '/nonexistent' }, port: 0 })).rejects.toThrow(
      /REDIS_URL is not set and redis-server is not on PATH/,
    );
  });
});
