/**
 * An alert's Status, Roll back and Mute 1 h work in the alert channel where the alert is posted,
 * when that channel is not one of the environment's command channels (the fixture's CALERTS is not
 * one of prod's: CPROD). The press runs the command as if typed in the environment's channel
 * (src/policy/authorize.ts alertCommandChannel): the same roles decide, a rollback's request card is
 * posted in CPROD and needs its approval there. Nothing else becomes possible in CALERTS: a typed
 * command keeps the channel rule, and a button value that is not the one the bot put on the pressed
 * alert (another service's or environment's incident, even one alerting into the same channel) acts
 * on nothing. Signed block_actions through the Slack handler, jobs drained into the worker, the
 * FakeEcs world of the change verbs (test/helpers/deploy-e2e.ts).
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { taskDefinition, tdArn } from '../helpers/aws-fixtures';
import { configFile, fixtureGroups } from '../helpers/config';
import { approve, requestMessage, textOf, thread, useDeployHarness, webDeployedFrom39 } from '../helpers/deploy-e2e';
import { alertButton, clickAlertButton } from '../helpers/e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { STAGING, taskStopped } from '../fixtures/events/samples';

const h = useDeployHarness({
  configPath: configFile((d) => {
    // Only named people read prod (so a press by someone else is refused for Status too).
    d.environments.prod.readers = ['UDEV1', 'UDEV2', 'SDEVS', 'ULEAD1', 'ULEAD2', 'SLEADS'];
    // Every service alerts into CALERTS, none of whose environments lists it as a command channel.
    d.environments.staging.alerts.channel = 'CALERTS';
    delete d.services.worker.alertChannel;
  }),
  groups: fixtureGroups(),
  before: ({ world, clock }) => {
    // web-prod runs :42, deployed from :39: what Roll back returns to.
    world.addTaskDefinition(taskDefinition(39, {}, '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.1.9'));
    webDeployedFrom39(world, clock);
  },
});

type Button = { action_id: string; value: string };
let seq = 0;

/** A task of `service` fails; its alert in CALERTS. */
async function alertOf(
  service: 'web-prod' | 'worker-prod' | 'web-staging',
): Promise<{ alert: StoredMessage; button: (id: string) => Button }> {
  const taskId = `${String(++seq).padStart(8, '0')}f1f4fe4a2971f76ae5a47ad`;
  const extra =
    service === 'worker-prod'
      ? { container: 'worker', taskDefinition: 'worker-prod:10' }
      : service === 'web-staging'
        ? { where: STAGING, taskDefinition: 'web-staging:7' }
        : { taskDefinition: 'web-prod:42' };
  await h.e2e.event(taskStopped({ time: h.clock.now(), taskId, exitCode: 1, service, ...extra }));
  const alert = h.e2e.slack.messages('CALERTS').find((m) => JSON.stringify(m.blocks ?? []).includes(taskId));
  if (!alert) throw new Error(`no alert for ${service}`);
  return { alert, button: (id) => alertButton(alert, id) };
}

const press = (alert: StoredMessage, b: Button, user = 'UDEV1') => clickAlertButton(h.e2e, alert, b, user, 'CALERTS');
const answers = () =>
  h.e2e.slack
    .responses()
    .map((r) => `${r.text ?? ''}\n${JSON.stringify(r.blocks ?? [])}`)
    .join('\n');
const mute = (env = 'prod', alias = 'web') => h.e2e.rt.redis.hgetall(`mute:{svc:${env}:${alias}}`);
const topMessages = (channel: string) => h.e2e.slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const NOT_HERE = 'Commands for `prod` are not allowed in this channel';

describe('pressed in the alert channel (outside the environment channels), by someone with the role', () => {
  it("Mute 1 h mutes the alert's service, announced in the alert channel", async () => {
    const { alert, button } = await alertOf('web-prod');
    await press(alert, button('alert:mute'));
    await h.e2e.drain();
    expect(answers()).not.toContain(NOT_HERE);
    expect(await mute()).toMatchObject({ by: 'UDEV1', reason: 'muted from the alert', until: String(h.clock.now() + 3_600_000) });
    expect(answers()).toContain('Alerts for `web` (`prod`) are muted for 1h');
    expect(h.e2e.slack.messages('CALERTS').some((m) => (m.text ?? '').includes('<@UDEV1> muted alerts for web (prod) until'))).toBe(true);
  });

  it("Status answers with the service's status in the alert's thread (run as if typed in CPROD)", async () => {
    const { alert, button } = await alertOf('web-prod');
    await press(alert, button('alert:status'));
    expect(h.e2e.handedOff).toEqual([
      expect.objectContaining({
        kind: 'command',
        invocation: expect.objectContaining({ text: 'status web', channelId: 'CPROD', userId: 'UDEV1' }),
      }),
    ]);
    await h.e2e.drain();
    expect(answers()).not.toContain(NOT_HERE);
    // Nothing was posted in the environment's channel: the answer went to the pressed alert's thread (test/e2e/alert-status-thread.test.ts).
    expect(thread(h.e2e, 'CALERTS', alert.ts).map(textOf)).toEqual([expect.stringContaining('web-prod:42')]);
    expect(topMessages('CALERTS').map((m) => m.ts)).toEqual([alert.ts]);
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it("Roll back posts its request card in the environment's channel, where it needs prod's approval and then runs", async () => {
    const { alert, button } = await alertOf('web-prod');
    await press(alert, button('alert:rollback'));
    await h.e2e.drain();
    expect(answers()).not.toContain(NOT_HERE);
    const req = requestMessage(h.e2e, 'CPROD');
    expect(textOf(req.message)).toContain('`web-prod:42 → web-prod:39`');
    // Its reason says why, for approvers who did not see the alert.
    expect(textOf(req.message)).toMatch(/\*Reason:\* “from the alert: 1 task failed[^”]*”/);
    // The clicker is told where it went; nothing but the alert (and its thread, which says it) is in the alert channel.
    expect(answers()).toContain('is posted in <#CPROD> and needs 1 approval');
    expect(topMessages('CALERTS').map((m) => m.ts)).toEqual([alert.ts]);
    expect(
      h.e2e.slack
        .messages('CALERTS')
        .filter((m) => m.thread_ts === alert.ts && m.ts !== alert.ts)
        .map((m) => m.text),
    ).toEqual([expect.stringContaining('<@UDEV1> asked to roll back web to web-prod:39')]);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    await approve(h.e2e, req, 'ULEAD2');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([tdArn('web-prod', 39)]);
  });
});

describe('the same presses by someone without the role', () => {
  it('are refused with the role refusal (not the channel one): nothing muted, requested or read', async () => {
    const { alert, button } = await alertOf('web-prod');
    await press(alert, button('alert:mute'), 'UNOBODY');
    await press(alert, button('alert:rollback'), 'UNOBODY');
    await press(alert, button('alert:status'), 'UNOBODY');
    await h.e2e.drain();
    expect(answers()).toContain('You are not allowed to request changes in `prod`');
    expect(answers()).toContain('You are not allowed to read from `prod`');
    expect(answers()).toContain('environments.prod.requesters');
    expect(answers()).not.toContain(NOT_HERE);
    expect(await mute()).toEqual({});
    expect(h.e2e.handedOff).toHaveLength(0);
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });
});

describe('nothing else becomes possible in the alert channel', () => {
  it.each([
    { what: "another service's", service: 'worker-prod', env: 'prod', alias: 'worker', envChannel: 'CPROD' },
    { what: "another environment's", service: 'web-staging', env: 'staging', alias: 'web-staging', envChannel: 'CSTAGING' },
  ] as const)('a button value naming $what incident (alerting into the same channel) acts on nothing', async (o) => {
    const web = await alertOf('web-prod');
    const other = await alertOf(o.service);
    // Pressed on web's alert, each with the value of the other alert's own button.
    for (const id of ['alert:status', 'alert:rollback', 'alert:mute']) await press(web.alert, other.button(id));
    await h.e2e.drain();
    expect(answers()).toContain('does not match the alert it is on');
    expect(h.e2e.handedOff).toHaveLength(0);
    expect(await mute(o.env, o.alias)).toEqual({});
    expect(h.e2e.slack.messages(o.envChannel)).toHaveLength(0);
    expect(h.e2e.logs.filter((l) => l.msg === 'alert button refused: not on its alert message')).toHaveLength(3);
  });

  it('a typed command in the alert channel keeps the channel rule', async () => {
    await alertOf('web-prod');
    for (const text of ['status web', 'rollback web', 'mute web 1h --reason "noisy"']) {
      const res = await h.e2e.slash(text, { channel_id: 'CALERTS', user_id: 'UDEV1' });
      expect({ text, answer: res.text }).toEqual({ text, answer: expect.stringContaining(NOT_HERE) });
    }
    expect(h.e2e.handedOff).toHaveLength(0);
    expect(await mute()).toEqual({});
  });
});
