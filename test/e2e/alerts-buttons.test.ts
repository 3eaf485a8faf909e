/**
 * The alert's buttons through the Slack Lambda handler (signed block_actions), and the Logs job
 * through the worker handler: Status and Roll back run the commands as if typed (submitCommand),
 * Logs posts more lines of the failed container in the alert's thread.
 */
import { CloudWatchLogsClient, GetLogEventsCommand, type GetLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import * as edge from '../../src/edge/slash';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { ALERT_CLICK_LOCALE_MS } from '../../src/alerts/buttons';
import { keys } from '../../src/redis/keys';
import { waitFor } from '../helpers/wait';
import { alertButton, clickAlertButton, setupE2E, type E2E } from '../helpers/e2e';
import { configFile } from '../helpers/config';
import type { StoredMessage } from '../helpers/slack-server';
import { taskStopped } from '../fixtures/events/samples';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const TASK = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';

let e2e: E2E;
let ecs: ReturnType<typeof mockClient>;
let logs: ReturnType<typeof mockClient>;
let lineLength = 40;

function logEvents(input: GetLogEventsCommandInput) {
  const n = input.limit ?? 10;
  return {
    events: Array.from({ length: n }, (_, i) => ({
      timestamp: T0 - (n - i) * 1000,
      message: `line ${i + 1}/${n} ${'x'.repeat(lineLength)}`,
      ingestionTime: T0,
    })),
    nextForwardToken: 'f/1',
    nextBackwardToken: 'b/1',
  };
}

beforeEach(async () => {
  lineLength = 40;
  e2e = await setupE2E({ now: () => T0 });
  clearTaskDefinitionCache();
  ecs = mockClient(ECSClient);
  logs = mockClient(CloudWatchLogsClient);
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      family: 'web',
      revision: 42,
      containerDefinitions: [
        {
          name: 'web',
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
  });
  logs.on(GetLogEventsCommand).callsFake(logEvents);
});

afterEach(async () => {
  jest.restoreAllMocks();
  ecs.restore();
  logs.restore();
  await e2e.close();
});

/** Post an alert and return it with its buttons. */
async function postAlert(
  channel = 'CALERTS',
): Promise<{ alert: StoredMessage; button: (id: string) => { action_id: string; value: string } }> {
  await e2e.event(taskStopped({ time: T0, taskId: TASK, exitCode: 1 }));
  const alert = e2e.slack.messages(channel)[0]!;
  return { alert, button: (id) => alertButton(alert, id) };
}

const click = (alert: StoredMessage, b: { action_id: string; value: string }, user?: string, channel?: string) =>
  clickAlertButton(e2e, alert, b, user, channel);

const whispers = () => e2e.slack.responses().map((r) => `${r.text}\n${JSON.stringify(r.blocks ?? [])}`);

describe('Status and Roll back', () => {
  it("run `status <service>` as if the clicker typed it (submitCommand); from an alert channel outside the environment's, in the environment's channel", async () => {
    const spy = jest.spyOn(edge, 'submitCommand');
    const { alert, button } = await postAlert();
    const res = await click(alert, button('alert:status'));
    expect(res.statusCode).toBe(200);
    expect(spy).toHaveBeenCalledTimes(1);
    const inv = spy.mock.calls[0]![1];
    // CALERTS is prod's alert channel but not one of its command channels: run as if typed in CPROD.
    expect(inv).toMatchObject({
      text: 'status web',
      userId: 'UDEV1',
      channelId: 'CPROD',
      id: expect.stringMatching(/^alert-\d+\.\d+-UDEV1$/),
    });
    expect(whispers().join('\n')).not.toContain('not allowed in this channel');
    expect(e2e.handedOff).toEqual([
      expect.objectContaining({ kind: 'command', invocation: expect.objectContaining({ channelId: 'CPROD' }) }),
    ]);
  });

  it('hands `status` to the worker when the alert channel is one of the environment channels', async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => T0, configPath: configFile((d) => (d.environments.prod.alerts.channel = 'CPROD')) });
    const { alert, button } = await postAlert('CPROD');
    await click(alert, button('alert:status'), 'UDEV1', 'CPROD');
    expect(e2e.handedOff).toEqual([
      expect.objectContaining({
        kind: 'command',
        invocation: expect.objectContaining({ text: 'status web', channelId: 'CPROD', userId: 'UDEV1' }),
      }),
    ]);
    // Each click is its own invocation: a second click runs again.
    await click(alert, button('alert:status'), 'UDEV1', 'CPROD');
    expect(e2e.handedOff).toHaveLength(2);
  });

  it('Roll back goes through `rollback <service>` (and so through the approval workflow)', async () => {
    const spy = jest.spyOn(edge, 'submitCommand');
    const { alert, button } = await postAlert();
    await click(alert, button('alert:rollback'));
    expect(spy.mock.calls.map((c) => [c[1].text, c[1].channelId])).toEqual([
      [expect.stringMatching(/^rollback web --reason "from the alert: /), 'CPROD'],
    ]);
    // The same checks as the typed command in prod's channel: UDEV1 may request, so it is handed off
    // (its request card goes to CPROD: test/e2e/alert-channel-buttons.test.ts).
    expect(e2e.handedOff).toEqual([
      expect.objectContaining({ invocation: expect.objectContaining({ text: expect.stringMatching(/^rollback web --reason/) }) }),
    ]);
  });

  it('answers a button for a service that is no longer configured', async () => {
    const { alert } = await postAlert();
    await click(alert, { action_id: 'alert:status', value: 'prod.gone-service.1' });
    expect(whispers().join('\n')).toContain('no longer valid');
  });
});

describe('Logs', () => {
  // The public path (the channel sees the lines); private, the default, is test/e2e/logs-visibility.test.ts.
  beforeEach(async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => T0, configPath: configFile((d) => (d.environments.prod.visibility = 'public')) });
  });

  it('posts the last 50 lines of the failed container in the alert thread (through the worker)', async () => {
    const { alert, button } = await postAlert();
    await click(alert, button('alert:logs'));
    expect(whispers().join('\n')).toContain('Getting the last 50 log lines');
    // The job names the incident; the worker reads the stream, channel and thread from it.
    expect(e2e.pending).toEqual([expect.objectContaining({ kind: 'alert-logs', incident: 'prod.web.1', userId: 'UDEV1', lines: 50 })]);
    await e2e.drain();
    const input = logs.commandCalls(GetLogEventsCommand).at(-1)!.args[0].input;
    expect(input).toEqual({ logGroupName: '/ecs/web', logStreamName: `ecs/web/${TASK}`, limit: 50, startFromHead: false });
    const reply = e2e.slack.messages('CALERTS').find((m) => m.thread_ts === alert.ts && m.ts !== alert.ts)!;
    expect(reply.text).toBe(`Last 50 log lines of web task ${TASK.slice(0, 8)}`);
    expect(JSON.stringify(reply.blocks)).toContain('line 50/50');
    expect(JSON.stringify(reply.blocks)).toContain('line 1/50');
  });

  it('uploads the lines as a file in the thread when they do not fit in a message', async () => {
    const { alert, button } = await postAlert();
    lineLength = 300;
    await click(alert, button('alert:logs'));
    await e2e.drain();
    const file = e2e.slack.files().find((f) => f.thread_ts === alert.ts)!;
    expect(file).toMatchObject({ completed: true, channel_id: 'CALERTS', filename: `web-${TASK}.log` });
    expect(file.content!.split('\n').filter(Boolean)).toHaveLength(50);
  });

  it('says in the thread why there are no lines', async () => {
    const { alert, button } = await postAlert();
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' }));
    await click(alert, button('alert:logs'));
    await e2e.drain();
    const reply = e2e.slack.messages('CALERTS').find((m) => m.thread_ts === alert.ts && m.ts !== alert.ts)!;
    expect(reply.text).toContain(`there is no log stream for this task yet (ecs/web/${TASK} in /ecs/web)`);
  });

  it('refuses a forged or outdated button value', async () => {
    const { alert } = await postAlert();
    await click(alert, { action_id: 'alert:logs', value: '{"nope":1}' });
    expect(whispers().join('\n')).toContain('no longer valid');
    expect(e2e.pending).toHaveLength(0);
  });
});

describe("I'm on it", () => {
  const incident = () => e2e.rt.redis.hgetall('incident:{svc:prod:web}');
  const current = () => e2e.slack.messages('CALERTS').find((m) => !m.thread_ts || m.thread_ts === m.ts)!;

  it('records who has the alert (once) and shows it under the header at once; a second clicker is told who has it', async () => {
    const { alert, button } = await postAlert();
    await click(alert, button('alert:ack'), 'UDEV1');
    expect(await incident()).toMatchObject({ ackBy: 'UDEV1', ackAt: String(T0) });
    // The message was updated right away (a person asked), and says who.
    expect(e2e.slack.callsTo('chat.update')).toHaveLength(1);
    const blocks = current().blocks as Array<{ type: string }>;
    expect(blocks[0]!.type).toBe('header');
    expect(JSON.stringify(blocks[1])).toContain('👀 <@UDEV1> is on it');
    expect(whispers().at(-1)).toContain("You're on it");

    // Someone else: told who has it; nothing changes (no take-over).
    await click(alert, button('alert:ack'), 'UDEV2');
    expect(whispers().at(-1)).toContain('<@UDEV1> is already on it');
    expect((await incident()).ackBy).toBe('UDEV1');
    expect(e2e.slack.callsTo('chat.update')).toHaveLength(1);
    // The same person again.
    await click(alert, button('alert:ack'), 'UDEV1');
    expect(whispers().at(-1)).toContain('You are already on it');
  });

  it("answers in the clicker's language; the alert itself stays in the workspace's", async () => {
    e2e.slack.setUserLocale('UDEV2', 'ko-KR');
    const { alert, button } = await postAlert();
    await click(alert, button('alert:ack'), 'UDEV1');
    await click(alert, button('alert:ack'), 'UDEV2');
    expect(whispers().at(-1)).toContain('<@UDEV1> 님이 이미 대응 중입니다');
    expect(JSON.stringify(current().blocks)).toContain('<@UDEV1> is on it');
  });

  it("a slow users.info is not waited for: the workspace's language now, the clicker's once Slack has answered", async () => {
    let answered = false;
    e2e.slack.handle('users.info', async (b) => {
      if (b.user !== 'UDEV2') return { ok: true, user: { id: b.user, name: 'dev1', locale: 'en-US' } };
      // Slower than the bound (ALERT_CLICK_LOCALE_MS), inside the Slack client's own timeout.
      await new Promise((r) => setTimeout(r, ALERT_CLICK_LOCALE_MS + 300));
      answered = true;
      return { ok: true, user: { id: b.user, name: 'dev2', locale: 'ko-KR' } };
    });
    const { alert, button } = await postAlert();
    await click(alert, button('alert:ack'), 'UDEV1');
    await click(alert, button('alert:ack'), 'UDEV2');
    // Answered before Slack said Korean: in the workspace's language.
    expect(answered).toBe(false);
    expect(whispers().at(-1)).toContain('<@UDEV1> is already on it');
    // The late answer is cached, so the next click is in Korean.
    await waitFor(
      async () => (await e2e.rt.redis.get(keys.userLocale('UDEV2'))) === 'ko-KR',
      "Slack's late answer in the locale cache",
      5_000,
    );
    await click(alert, button('alert:ack'), 'UDEV2');
    expect(whispers().at(-1)).toContain('<@UDEV1> 님이 이미 대응 중입니다');
  });

  it('re-checks the channel, the incident and the role', async () => {
    const { alert, button } = await postAlert();
    await click(alert, button('alert:ack'), 'UDEV1', 'CPROD');
    expect(whispers().at(-1)).toContain('belongs to an alert in another channel');
    await click(alert, { action_id: 'alert:ack', value: 'prod.web.7' }, 'UDEV1');
    expect(whispers().at(-1)).toContain('This alert is over');
    expect((await incident()).ackBy).toBeUndefined();

    await e2e.close();
    e2e = await setupE2E({ now: () => T0, configPath: configFile((d) => (d.environments.prod.readers = ['UDEV2'])) });
    const again = await postAlert();
    await click(again.alert, again.button('alert:ack'), 'UDEV1');
    expect(whispers().at(-1)).toContain('You are not allowed to read from `prod`, so you cannot take this alert');
    expect((await incident()).ackBy).toBeUndefined();
  });
});

describe('Mute 1 h', () => {
  const mute = () => e2e.rt.redis.hgetall('mute:{svc:prod:web}');

  it('runs `/ecs mute <service> 1h --reason "muted from the alert"` as the clicker: same store, same announcement', async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => T0, configPath: configFile((d) => (d.environments.prod.alerts.channel = 'CPROD')) });
    const spy = jest.spyOn(edge, 'submitCommand');
    const { alert, button } = await postAlert('CPROD');
    await click(alert, button('alert:mute'), 'UDEV1', 'CPROD');
    expect(spy.mock.calls.map((c) => c[1].text)).toEqual(['mute web 1h --reason "muted from the alert"']);
    expect(await mute()).toEqual({ by: 'UDEV1', reason: 'muted from the alert', since: String(T0), until: String(T0 + 3_600_000) });
    // The command's answer to the clicker, and its notice in the alert channel.
    expect(whispers().join('\n')).toContain('Alerts for `web` (`prod`) are muted for 1h');
    const notice = e2e.slack.messages('CPROD').find((m) => (m.text ?? '').includes('muted alerts for web'))!;
    expect(notice.text).toContain('<@UDEV1> muted alerts for web (prod) until');
    expect(notice.text).toContain('muted from the alert');
  });

  it("keeps the command's rules: the role, and a requester's muteMax (an approver may go beyond it)", async () => {
    const groups = () => {
      e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
      e2e.slack.setUserGroup('SLEADS', ['ULEAD3']);
    };
    groups();
    // In CALERTS (prod's alert channel, not one of its command channels): prod's roles, as in CPROD.
    const first = await postAlert();
    await click(first.alert, first.button('alert:mute'), 'UNOBODY');
    expect(whispers().join('\n')).toContain('You are not allowed to request changes in `prod`');
    expect(await mute()).toEqual({});

    await e2e.close();
    e2e = await setupE2E({
      now: () => T0,
      configPath: configFile((d) => {
        d.environments.prod.alerts.channel = 'CPROD';
        d.environments.prod.alerts.muteMax = '30m';
      }),
    });
    groups();
    const { alert, button } = await postAlert('CPROD');
    await click(alert, button('alert:mute'), 'UDEV1', 'CPROD');
    expect(whispers().join('\n')).toContain('A requester may mute alerts in `prod` for at most 30m');
    expect(await mute()).toEqual({});
    await click(alert, button('alert:mute'), 'ULEAD1', 'CPROD');
    expect(await mute()).toMatchObject({ by: 'ULEAD1', until: String(T0 + 3_600_000) });
  });
});
