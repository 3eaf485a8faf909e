/**
 * The rollback note under an alert (src/commands/rollback-note.run.ts) is not lost when Slack refuses
 * it or answers late: refused (an error a retry may pass, a 429), it waits in the alert incident's
 * backlog and the scheduled check says it, as itself, once; answered late (Slack took it after the
 * worker's client stopped waiting), the check finds it by its key and does not say it again. Before,
 * a refused note was only logged (never said). Worker, scheduled check, real Redis, the local Slack
 * Web API server over HTTP. The fixture's web-prod alerts into CALERTS; prod needs 1 approval.
 * A note whose alert's incident a new one replaced before the note went waits in that incident's
 * backlog all the same (the new incident keeps the replaced message as `prev`), and is said there.
 */
import { useWebAlertHarness } from '../helpers/alert-rollback-e2e';
import { textOf } from '../helpers/deploy-e2e';
import { alertButton, clickAlertButton } from '../helpers/e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { taskStopped } from '../fixtures/events/samples';
import { keys } from '../../src/redis/keys';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const { h, webAlert, rollbackNotes } = useWebAlertHarness({ env: () => SHORT_WORKER_SLACK_BOUND });
const isNote = (body: { thread_ts?: unknown; text?: unknown }, alert: StoredMessage) =>
  body.thread_ts === alert.ts && String(body.text ?? '').includes('roll back');

/** The note's first post answered by `first` (then Slack answers as usual); Roll back pressed and run. */
async function rollBackWithNote(alert: StoredMessage, first: (builtin: () => unknown) => unknown): Promise<void> {
  let hit = false;
  h.e2e.slack.handle('chat.postMessage', (body, _call, builtin) => {
    if (!hit && isNote(body as never, alert)) {
      hit = true;
      return first(builtin!);
    }
    return builtin!();
  });
  await clickAlertButton(h.e2e, alert, alertButton(alert, 'alert:rollback'), 'UDEV1', 'CALERTS');
  await h.e2e.drain();
  expect(hit).toBe(true);
}

const tickLater = async () => {
  h.clock.advance(60_000);
  await h.e2e.tick();
};

it('refused by Slack (an error a retry may pass): said by the next check, once', async () => {
  const alert = await webAlert();
  await rollBackWithNote(alert, () => ({ ok: false, error: 'internal_error' }));
  expect(rollbackNotes(alert)).toHaveLength(0);
  await tickLater();
  const notes = rollbackNotes(alert);
  expect(notes).toHaveLength(1);
  expect(textOf(notes[0])).toContain('<@UDEV1> asked to roll back `web` to `web-prod:39`');
  expect(textOf(notes[0])).not.toContain('while Slack was limiting the bot');
  await tickLater();
  expect(rollbackNotes(alert)).toHaveLength(1);
  expect(await h.e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
});

it('answered late (Slack took it after the worker stopped waiting): the check finds it, said once', async () => {
  const alert = await webAlert();
  await rollBackWithNote(alert, async (builtin) => {
    await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
    return builtin();
  });
  await h.e2e.slack.waitFor(() => rollbackNotes(alert).length === 1, 15_000, 'the late note lands');
  await tickLater();
  await tickLater();
  expect(rollbackNotes(alert)).toHaveLength(1);
  expect(h.e2e.logs.filter((l) => l.msg === 'alert: a thread reply that got no answer had landed; not posting it again')).toHaveLength(1);
}, 40_000);

it('its incident replaced before the note went, refused by Slack: said by the check in that alert’s thread, once', async () => {
  const alert = await webAlert();
  // Refused once (an error a retry may pass); by then a new incident of web-prod has replaced the alert's.
  await rollBackWithNote(alert, async () => {
    // 31 quiet minutes (the window is 30), and a new failure opens a new incident.
    h.clock.advance(31 * 60_000);
    await h.e2e.event(taskStopped({ time: h.clock.now(), taskId: 'bbbbbbbb1f4fe4a2971f76ae5a47ad00', exitCode: 1, service: 'web-prod' }));
    return { ok: false, error: 'internal_error' };
  });
  const alerts = h.e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  expect(alerts).toHaveLength(2);
  expect(rollbackNotes(alert)).toHaveLength(0);
  await tickLater();
  const notes = rollbackNotes(alert);
  expect(notes).toHaveLength(1);
  expect(textOf(notes[0])).toContain('<@UDEV1> asked to roll back `web` to `web-prod:39`');
  expect(rollbackNotes(alerts[1]!)).toHaveLength(0);
  await tickLater();
  expect(rollbackNotes(alert)).toHaveLength(1);
  expect(await h.e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
});
