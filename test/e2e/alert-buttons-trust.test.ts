/**
 * Issue 10, item 5 (the alert's buttons; the request buttons are in request-buttons-trust.test.ts): a button acts on server-side state looked up from an opaque id (an incident,
 * a request), re-checks the clicking user's role and the channel, and ignores anything else its
 * value carries. Signed block_actions / view_submission payloads through the real Slack handler,
 * jobs drained into the real worker handler, real Redis, the local Slack server.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import * as slash from '../../src/edge/slash';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { clickAlertButton, setupE2E, type E2E } from '../helpers/e2e';
import { configFile } from '../helpers/config';
import type { StoredMessage } from '../helpers/slack-server';
import { taskStopped } from '../fixtures/events/samples';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const TASK = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const WORKER_TASK = 'd24c5dc51f2f4fe4a2971f76ae5a47ae';

type Button = { action_id: string; value: string };

function buttonsOf(m: StoredMessage): Button[] {
  const block = (m.blocks as Array<{ type: string; elements?: Button[] }>).find((b) => b.type === 'actions');
  return block?.elements ?? [];
}

describe('alert buttons', () => {
  let e2e: E2E;
  let ecs: ReturnType<typeof mockClient>;
  let logs: ReturnType<typeof mockClient>;

  beforeEach(async () => {
    e2e = await setupE2E({ now: () => T0 });
    clearTaskDefinitionCache();
    ecs = mockClient(ECSClient);
    logs = mockClient(CloudWatchLogsClient);
    ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
      const name = input.taskDefinition.includes('worker') ? 'worker' : 'web';
      return {
        taskDefinition: {
          family: name,
          revision: 42,
          containerDefinitions: [
            {
              name,
              logConfiguration: {
                logDriver: 'awslogs',
                options: { 'awslogs-group': `/ecs/${name}`, 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs' },
              },
            },
          ],
        },
      };
    });
    logs.on(GetLogEventsCommand).resolves({ events: [{ timestamp: T0, message: 'a log line', ingestionTime: T0 }] });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    ecs.restore();
    logs.restore();
    await e2e.close();
  });

  async function alertFor(service: 'web-prod' | 'worker-prod', channel: string, taskId: string): Promise<StoredMessage> {
    await e2e.event(
      taskStopped({
        time: T0,
        taskId,
        exitCode: 1,
        service,
        ...(service === 'worker-prod' ? { container: 'worker', taskDefinition: 'worker:10' } : {}),
      }),
    );
    return e2e.slack.messages(channel).find((m) => JSON.stringify(m.blocks ?? []).includes(taskId))!;
  }

  const click = (alert: StoredMessage, b: Button, user?: string, channel?: string) => clickAlertButton(e2e, alert, b, user, channel);

  const whispers = () =>
    e2e.slack
      .responses()
      .map((r) => `${r.text}\n${JSON.stringify(r.blocks ?? [])}`)
      .join('\n');
  // The alert itself reads the last 10 lines when it is posted; the Logs button reads 50.
  const buttonReads = () => logs.commandCalls(GetLogEventsCommand).filter((c) => c.args[0].input.limit === 50);
  const readGroups = () => buttonReads().map((c) => c.args[0].input.logGroupName);

  it('the button values are opaque references, not what to read or where to post', async () => {
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    for (const b of buttonsOf(alert)) {
      expect(b.value).not.toContain('/ecs/');
      expect(b.value).not.toContain('{');
      expect(b.value).toMatch(/^prod\.web\.\d+$/);
    }
  });

  it('a forged Logs value cannot read an arbitrary log group or post in another channel', async () => {
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    const forged = JSON.stringify({ a: 'web', r: 'eu-west-1', g: '/aws/lambda/payments-prod', s: '2026/01/01/[$LATEST]x', t: 'x' });
    await click(alert, { action_id: 'alert:logs', value: forged }, 'UDEV1', 'CPROD');
    await click(alert, { action_id: 'alert:logs', value: forged });
    await e2e.drain();
    expect(readGroups()).not.toContain('/aws/lambda/payments-prod');
    expect(buttonReads()).toHaveLength(0);
    expect(e2e.slack.messages('CPROD')).toHaveLength(0);
    expect(whispers()).toContain('no longer valid');
  });

  it('a genuine Logs button clicked from another channel is refused: nothing read, nothing posted there', async () => {
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    const logsButton = buttonsOf(alert).find((b) => b.action_id === 'alert:logs')!;
    await click(alert, logsButton, 'UDEV1', 'CPROD');
    await e2e.drain();
    expect(buttonReads()).toHaveLength(0);
    expect(e2e.slack.messages('CPROD')).toHaveLength(0);
    expect(whispers()).toContain('belongs to an alert in another channel');
    expect(e2e.logs.some((l) => l.msg === 'alert button refused: clicked outside its alert channel')).toBe(true);
  });

  it("a value naming another service's incident is refused when that alert is in another channel", async () => {
    const webAlert = await alertFor('web-prod', 'CALERTS', TASK);
    const workerAlert = await alertFor('worker-prod', 'CWORKERTEAM', WORKER_TASK);
    const workerLogs = buttonsOf(workerAlert).find((b) => b.action_id === 'alert:logs')!;
    await click(webAlert, workerLogs, 'UDEV1', 'CALERTS');
    await e2e.drain();
    expect(readGroups()).not.toContain('/ecs/worker');
    expect(whispers()).toContain('belongs to an alert in another channel');
  });

  it('the genuine Logs button reads what the incident recorded and answers the clicker in its thread (role re-checked in the worker)', async () => {
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    await click(
      alert,
      buttonsOf(alert).find((b) => b.action_id === 'alert:logs')!,
    );
    await e2e.drain();
    expect(readGroups()).toEqual(['/ecs/web']);
    expect(buttonReads()[0]!.args[0].input.logStreamName).toBe(`ecs/web/${TASK}`);
    const reply = e2e.slack.ephemerals('CALERTS').find((m) => m.thread_ts === alert.ts && m.user === 'UDEV1');
    expect(reply?.text).toContain(`Last 1 log line of web task ${TASK.slice(0, 8)}`);
  });

  it('Logs needs the read role at the click and again in the worker', async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => T0, configPath: configFile((d) => (d.environments.prod.readers = ['ULEAD1'])) });
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    const logsButton = buttonsOf(alert).find((b) => b.action_id === 'alert:logs')!;
    await click(alert, logsButton, 'UDEV1');
    expect(e2e.handedOff).toHaveLength(0);
    expect(whispers()).toContain('You are not allowed to read from `prod`');
    // A job for that user, signed by the bot (as if the click check had been skipped), is refused by the worker.
    await e2e.rt.dispatcher.dispatch({ kind: 'alert-logs', id: 'alert-logs-x', incident: logsButton.value, userId: 'UDEV1', lines: 50 });
    await e2e.drain();
    expect(buttonReads()).toHaveLength(0);
    expect(e2e.logs.some((l) => l.msg === 'alert logs job refused: the user may not read this environment')).toBe(true);
  });

  it('Status and Roll back ignore a value that is not an incident reference (e.g. a service alias)', async () => {
    const spy = jest.spyOn(slash, 'submitCommand');
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    await click(alert, { action_id: 'alert:status', value: 'worker' }, 'UDEV1', 'CALERTS');
    await click(alert, { action_id: 'alert:rollback', value: 'web-staging' }, 'UDEV1', 'CALERTS');
    expect(spy).not.toHaveBeenCalled();
    expect(whispers()).toContain('no longer valid');
  });

  it("Status runs for the service of the incident, pressed in its alert channel (as if typed in the environment's); elsewhere it is refused", async () => {
    const spy = jest.spyOn(slash, 'submitCommand');
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    const status = buttonsOf(alert).find((b) => b.action_id === 'alert:status')!;
    await click(alert, status, 'UDEV1', 'CPROD');
    expect(spy).not.toHaveBeenCalled();
    await click(alert, status);
    expect(spy.mock.calls.map((c) => [c[1].text, c[1].channelId])).toEqual([['status web', 'CPROD']]);
  });

  it("a value naming another service's incident alerting into the same channel is refused: the value must be the pressed alert's own", async () => {
    await e2e.close();
    e2e = await setupE2E({
      now: () => T0,
      configPath: configFile((d) => {
        d.environments.prod.alerts.channel = 'CPROD';
        delete d.services.worker.alertChannel;
      }),
    });
    const spy = jest.spyOn(slash, 'submitCommand');
    const webAlert = await alertFor('web-prod', 'CPROD', TASK);
    const workerAlert = await alertFor('worker-prod', 'CPROD', WORKER_TASK);
    for (const b of buttonsOf(workerAlert)) await click(webAlert, b, 'UDEV1', 'CPROD');
    await e2e.drain();
    expect(spy).not.toHaveBeenCalled();
    expect(e2e.handedOff).toHaveLength(0);
    expect(readGroups()).not.toContain('/ecs/worker');
    expect(await e2e.rt.redis.hgetall('incident:{svc:prod:worker}')).not.toHaveProperty('ackBy');
    expect(whispers()).toContain('does not match the alert it is on');
  });

  it('before the alert message is on record (its ts not stored yet, or storing it failed), the channel alone decides', async () => {
    const spy = jest.spyOn(slash, 'submitCommand');
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    await e2e.rt.redis.hdel('incident:{svc:prod:web}', 'ts');
    await click(
      alert,
      buttonsOf(alert).find((b) => b.action_id === 'alert:status')!,
    );
    expect(spy.mock.calls.map((c) => c[1].text)).toEqual(['status web']);
  });

  it('a reference to an incident that is over (a newer one replaced it) is answered, not acted on', async () => {
    const alert = await alertFor('web-prod', 'CALERTS', TASK);
    const logsButton = buttonsOf(alert).find((b) => b.action_id === 'alert:logs')!;
    await click(alert, { ...logsButton, value: logsButton.value.replace(/\d+$/, (n) => String(Number(n) + 5)) });
    await e2e.drain();
    expect(buttonReads()).toHaveLength(0);
    expect(whispers()).toContain('This alert is over');
  });
});
