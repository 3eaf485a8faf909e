/**
 * `npm start` with SLACK_APP_TOKEN: the same app over Socket Mode (Bolt's SocketModeReceiver),
 * against a local WebSocket server speaking Slack's protocol (apps.connections.open with the
 * app-level token, `hello`, envelopes acknowledged by envelope_id) and the local Slack API server.
 * A slash command, the Home tab and the deploy shortcut go through the same handlers as on Lambda.
 */
import { startLocal, StartupError, type LocalServer } from '../../src/handlers/local-server';
import { keys } from '../../src/redis/keys';
import { FIXTURE_CONFIG } from '../helpers/config';
import { flushRedis, useWorkerDb } from '../helpers/redis';
import { appHomeOpened } from '../helpers/signing';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { startSocketModeServer, type SocketModeServer } from '../helpers/socket-mode-server';

const APP_TOKEN = 'xapp-1-A1-1-0123456789abcdef';

describe('npm start over Socket Mode', () => {
  let slack: SlackServer;
  let socket: SocketModeServer;
  let server: LocalServer | undefined;
  beforeAll(() => {
    useWorkerDb();
  });
  beforeEach(async () => {
    // This worker's database may hold what an earlier test file left (a person's cached language:
    // UDEV1 learnt as Korean made the Home tab Korean here).
    await flushRedis();
    slack = await startSlackServer();
    socket = await startSocketModeServer(slack);
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await socket.close();
    await slack.close();
  });

  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: 'xoxb-local',
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    CHATOPS_CONFIG: FIXTURE_CONFIG,
    REDIS_URL: process.env.REDIS_URL,
    ...over,
  });

  it('connects with the app-level token (no signing secret, no public URL) and answers a slash command in its acknowledgement', async () => {
    server = await startLocal({ env: env() });
    await socket.connected();
    expect(server.mode).toBe('socket');
    expect(server.notes.join('\n')).toContain('Socket Mode');
    const open = slack.lastCall('apps.connections.open')!;
    expect(open.token).toBe(APP_TOKEN);
    expect(open.response).toMatchObject({ ok: true, url: socket.url });

    const ack = await socket.slashCommand({ text: 'help', user_id: 'UDEV1', channel_id: 'CPROD' });
    expect(JSON.stringify(ack)).toContain('/ecs help [verb]');
    expect(ack.response_type).toBe('ephemeral');
  });

  it('the Home tab and the deploy shortcut work the same over the socket', async () => {
    server = await startLocal({ env: env() });
    await socket.connected();
    slack.setUserGroup('SLEADS', []);
    slack.setUserGroup('SDEVS', []);
    // The services' health is in the cache already, so opening the Home tab asks nothing of ECS.
    for (const e of ['prod', 'staging'])
      await server.rt.redis.set(keys.envStatus(e), JSON.stringify({ at: Date.now(), rows: [] }), 'EX', 60);

    expect(await socket.event(appHomeOpened('UDEV1'))).toEqual({});
    await slack.waitFor(() => slack.homeView('UDEV1') !== undefined, 5000, 'Home tab published');
    expect(JSON.stringify(slack.homeView('UDEV1')!.blocks)).toContain('Deploy…');

    expect(await socket.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UDEV1' })).toEqual({});
    await slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'), 5000, 'deploy form opened');
    expect(slack.lastCall('views.open')!.body.view.callback_id).toBe('deploy-form');
    await server.idle();
  });

  it('refuses a token that is not an app-level token, and needs no signing secret with one', async () => {
    await expect(startLocal({ env: env({ SLACK_APP_TOKEN: 'xoxb-wrong' }) })).rejects.toThrow(StartupError);
    await expect(startLocal({ env: env({ SLACK_APP_TOKEN: 'xoxb-wrong' }) })).rejects.toThrow(/SLACK_APP_TOKEN must be an app-level token/);
    await expect(startLocal({ env: env({ SLACK_BOT_TOKEN: '' }) })).rejects.toThrow(/missing SLACK_BOT_TOKEN/);
    expect(socket.connections()).toBe(0);
  });
});
