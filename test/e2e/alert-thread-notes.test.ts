/**
 * What is done from an alert's buttons is said under the alert, for the people watching it: a
 * rollback asked for from Roll back gets one line in the alert's thread (who, to which task
 * definition, a link to the request card in the environment's channel and the approvals it needs),
 * once even when its job is delivered twice; its outcome is not repeated there (the card's thread
 * carries it). Mute 1 h is announced in the alert channel already, and not again in the thread.
 * The fixture's web-prod alerts into CALERTS (not a prod command channel); prod needs 1 approval.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { useWebAlertHarness } from '../helpers/alert-rollback-e2e';
import { configFile } from '../helpers/config';
import { approve, requestMessage, textOf, thread } from '../helpers/deploy-e2e';
import { alertButton, clickAlertButton } from '../helpers/e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { keys } from '../../src/redis/keys';
import { messageUrl } from '../../src/slack/text';

const { h, webAlert, rollbackNotes } = useWebAlertHarness();
const press = (alert: StoredMessage, id: string, user = 'UDEV1') => clickAlertButton(h.e2e, alert, alertButton(alert, id), user, 'CALERTS');

/** Roll back pressed on web's alert by UDEV1 and run: the alert, the request card in CPROD and the alert thread's rollback lines. */
async function rollBackFromAlert(): Promise<{ alert: StoredMessage; req: ReturnType<typeof requestMessage>; notes: StoredMessage[] }> {
  const alert = await webAlert();
  await press(alert, 'alert:rollback');
  await h.e2e.drain();
  return { alert, req: requestMessage(h.e2e, 'CPROD'), notes: rollbackNotes(alert) };
}

it("Roll back: one line in the alert's thread says who asked, to what, and links the request card in #prod", async () => {
  const { alert, req, notes } = await rollBackFromAlert();
  expect(notes).toHaveLength(1);
  expect(textOf(notes[0])).toContain('<@UDEV1> asked to roll back `web` to `web-prod:39`');
  expect(textOf(notes[0])).toContain(`<${messageUrl('CPROD', req.ts)}|request ${req.id}>`);
  expect(notes[0]!.text).toContain('in <#CPROD> needs 1 approval');
  // Approved and run: the outcome stays in the card's thread, nothing more under the alert.
  await approve(h.e2e, req, 'ULEAD2');
  await h.e2e.drain();
  expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  expect(rollbackNotes(alert)).toHaveLength(1);
});

it('Roll back where no approval is needed: the line says it is rolling back now (and it runs)', async () => {
  h.e2e.redeployWorker(
    configFile((d) => {
      delete d.services.worker.alertChannel;
      d.environments.prod.approvals.rollback = 0;
    }),
  );
  const { req, notes } = await rollBackFromAlert();
  expect(notes).toHaveLength(1);
  expect(textOf(notes[0])).toContain(
    `<@UDEV1> is rolling back \`web\` to \`web-prod:39\` now: <${messageUrl('CPROD', req.ts)}|request ${req.id}> in <#CPROD>`,
  );
  expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
});

it('said once when the job is delivered twice (its run-once claim gone: the request is found again)', async () => {
  const alert = await webAlert();
  await press(alert, 'alert:rollback');
  const job = h.e2e.pending[0] as { id: string };
  await h.e2e.drain();
  await h.e2e.rt.redis.del(keys.job(job.id));
  h.e2e.pending.push(job, job);
  await h.e2e.drainConcurrently();
  expect(rollbackNotes(alert)).toHaveLength(1);
  expect(h.e2e.slack.messages('CPROD').filter((m) => !m.thread_ts || m.thread_ts === m.ts)).toHaveLength(1);
});

it('Mute 1 h: announced in the alert channel once, nothing added to the thread', async () => {
  const alert = await webAlert();
  const before = thread(h.e2e, 'CALERTS', alert.ts).length;
  await press(alert, 'alert:mute');
  await h.e2e.drain();
  const notices = h.e2e.slack.messages('CALERTS').filter((m) => (m.text ?? '').includes('<@UDEV1> muted alerts for web (prod)'));
  expect(notices).toHaveLength(1);
  expect(notices[0]!.thread_ts ?? notices[0]!.ts).toBe(notices[0]!.ts);
  expect(thread(h.e2e, 'CALERTS', alert.ts)).toHaveLength(before);
});
