/**
 * Roll back on an alert rolls back away from the revision the alert is about, never onto it. Found in
 * the playground: web ran web-prod:42 (deployed from :39), a task of :42 ran out of memory, Roll back
 * on its alert asked for :42 → :39, approved and done, the alert said "recovered" but kept its Roll
 * back; pressed again, it asked for "web-prod:39 → web-prod:42" (what ran before :39, by the bot's
 * records), a rollback onto the revision that had failed. Now the recovered alert has no Roll back,
 * and a click that still arrives (an older rendering, a race) is refused by the worker, which says why
 * to the clicker, and nothing is requested.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { useWebAlertHarness } from '../helpers/alert-rollback-e2e';
import { SERVICE_ARN, taskDefinition, tdArn } from '../helpers/aws-fixtures';
import { approve, lastResponse, requestMessage, textOf } from '../helpers/deploy-e2e';
import { alertButton, clickAlertButton } from '../helpers/e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { deploymentEvent, OOM } from '../fixtures/events/samples';
import { getRequest } from '../../src/approvals/workflow';
import { messageUrl } from '../../src/slack/text';
import { redisLocaleCache } from '../../src/redis/locale-cache';

const { h, webAlert, rollbackNotes } = useWebAlertHarness();
const press = (alert: StoredMessage, user = 'UDEV1') =>
  clickAlertButton(h.e2e, alert, alertButton(alert, 'alert:rollback'), user, 'CALERTS');
/** Request messages posted in #prod. */
const requests = () => h.e2e.slack.messages('CPROD').filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && /Request `/.test(textOf(m)));
const buttonsOf = (m: StoredMessage | undefined) =>
  ((m?.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id?: string }> }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => e.action_id);

/** The playground's steps 1–3: an out-of-memory alert of web-prod:42, Roll back pressed, approved, done; the alert recovered. */
async function rolledBackFromAlert(): Promise<{ alert: StoredMessage; req: { id: string; ts: string } }> {
  const alert = await webAlert(OOM);
  expect(buttonsOf(alert)).toContain('alert:rollback');
  await press(alert);
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  expect(textOf(req.message)).toContain('`web-prod:42 → web-prod:39`');
  await approve(h.e2e, req, 'ULEAD2');
  await h.e2e.drain();
  expect(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toMatchObject({ taskDefinition: tdArn('web-prod', 39) });
  h.clock.advance(60_000);
  h.world.complete('prod', 'web-prod');
  const r = (await getRequest(h.e2e.rt.redis, req.id))!;
  await h.e2e.event(
    deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: r.execution!.deploymentId as string }),
  );
  await h.e2e.drain();
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  return { alert, req };
}

it('after the rollback it asked for: the recovered alert offers no Roll back, and a late click requests nothing and says why', async () => {
  const { alert, req } = await rolledBackFromAlert();
  const shown = h.e2e.slack.message('CALERTS', alert.ts);
  expect(textOf(shown)).toContain('Recovered: web (prod)');
  expect(buttonsOf(shown)).not.toContain('alert:rollback');
  expect(buttonsOf(shown)).toContain('alert:status');

  // The Roll back of the alert as first posted, pressed again.
  await press(alert);
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain(
    `\`web\` no longer runs \`web-prod:42\` (the revision this alert is about): it runs \`web-prod:39\` since the rollback <${messageUrl('CPROD', req.ts)}|request ${req.id}>. Nothing to roll back, so I requested nothing.`,
  );
  expect(lastResponse(h.e2e)).toContain('To roll back what runs now, type `/ecs rollback web`.');
  expect(requests()).toHaveLength(1);
  expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  expect(rollbackNotes(alert)).toHaveLength(1);
});

it('the refusal in the clicker’s language (Korean)', async () => {
  const { alert, req } = await rolledBackFromAlert();
  await redisLocaleCache(h.e2e.rt.redis).set('UDEV2', 'ko-KR', 3600);
  await press(alert, 'UDEV2');
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain(
    `\`web\` 서비스는 더 이상 이 알림의 리비전(\`web-prod:42\`)을 실행하지 않습니다. 롤백(<${messageUrl('CPROD', req.ts)}|요청 ${req.id}>) 이후 지금 실행 중인 리비전은 \`web-prod:39\`입니다. 되돌릴 것이 없어 아무것도 요청하지 않았습니다.`,
  );
  expect(requests()).toHaveLength(1);
});

it('the alert still open, but the service runs another revision now (changed outside the bot): refused, nothing requested', async () => {
  const alert = await webAlert(OOM);
  h.world.addTaskDefinition(taskDefinition(43));
  h.world.service('prod', 'web-prod').taskDefinition = tdArn('web-prod', 43);
  await press(alert);
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain(
    '`web` no longer runs `web-prod:42` (the revision this alert is about): it runs `web-prod:43`. Nothing to roll back, so I requested nothing.',
  );
  expect(requests()).toHaveLength(0);
  expect(rollbackNotes(alert)).toHaveLength(0);
});

it('an alert that names no revision (a failed deployment), once over: a late click requests nothing and says why', async () => {
  await h.e2e.event(
    deploymentEvent('failed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: 'ecs-svc/4000000000000000009' }),
  );
  const alert = h.e2e.slack.messages('CALERTS').find((m) => !m.thread_ts || m.thread_ts === m.ts)!;
  expect(textOf(alert)).toContain('deployment failed');
  expect(buttonsOf(alert)).toContain('alert:rollback');
  h.clock.advance(60_000);
  await h.e2e.event(
    deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: 'ecs-svc/4000000000000000010' }),
  );
  await h.e2e.drain();
  expect(buttonsOf(h.e2e.slack.message('CALERTS', alert.ts))).not.toContain('alert:rollback');
  await press(alert);
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain(
    'This alert is over and does not say which revision failed, so I requested nothing: a rollback now would return `web` from `web-prod:42` to what ran before it.',
  );
  expect(requests()).toHaveLength(0);
});
