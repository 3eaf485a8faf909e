/**
 * The Status button of an alert answers in the alert's thread (src/commands/alert-thread.run.ts),
 * where the incident's other follow-ups are, for everyone who opens it; before, every press added
 * the status as a new top-level message in the on-call channel. The fixture's web-prod alerts into
 * CALERTS, which is not one of prod's command channels (CPROD): the command runs under CPROD's roles
 * and the answer still goes to the alert's thread in CALERTS. When Slack refuses the thread reply (the
 * alert message was deleted, the bot removed from the channel), the answer is given as before (the
 * click's response_url, in the channel); when the reply got no answer (it may be there), nothing is
 * posted again. Signed block_actions through the Slack handler, the command job drained into the
 * worker, the FakeEcs world of the change verbs, the local Slack Web API server.
 */
import { useWebAlertHarness } from '../helpers/alert-rollback-e2e';
import { textOf, thread } from '../helpers/deploy-e2e';
import { alertButton, clickAlertButton } from '../helpers/e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

/** What only the status of web-prod says (its running task definition; the alert names the failed task's `web-prod:42` too). */
const STATUS_OF_WEB = '*Task definition* `web-prod:42`';

describe('the Status button of an alert', () => {
  const { h, webAlert } = useWebAlertHarness({ env: () => SHORT_WORKER_SLACK_BOUND });

  const pressStatus = async (alert: StoredMessage) => {
    const res = await clickAlertButton(h.e2e, alert, alertButton(alert, 'alert:status'), 'UDEV1', 'CALERTS');
    expect(res.statusCode).toBe(200);
    await h.e2e.drain();
  };
  const topLevel = (channel: string) => h.e2e.slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const statusesIn = (msgs: StoredMessage[]) => msgs.filter((m) => textOf(m).includes(STATUS_OF_WEB));
  const inChannelAnswers = () => h.e2e.slack.responses().filter((r) => r.response_type === 'in_channel');
  /** The status reply in `alert`'s thread is answered by `first` (other posts as Slack does). */
  const statusPostAnswers = (alert: StoredMessage, first: (builtin: () => unknown) => unknown) => {
    let hit = false;
    h.e2e.slack.handle('chat.postMessage', (body, _call, builtin) => {
      if (!hit && body.thread_ts === alert.ts && JSON.stringify(body).includes(STATUS_OF_WEB)) {
        hit = true;
        return first(builtin!);
      }
      return builtin!();
    });
    return () => hit;
  };

  it("answers in the alert's thread (in the alert's channel), not as a new top-level message; the clicker's own line is unchanged", async () => {
    const alert = await webAlert();
    await pressStatus(alert);
    const replies = statusesIn(thread(h.e2e, 'CALERTS', alert.ts));
    expect(replies).toHaveLength(1);
    expect(textOf(replies[0])).toContain('web in prod');
    // The on-call channel still shows the alert alone; nothing went to the environment's channel.
    expect(topLevel('CALERTS').map((m) => m.ts)).toEqual([alert.ts]);
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
    expect(inChannelAnswers()).toHaveLength(0);
    // The clicker's immediate answer (only they see it), as before.
    const whispers = h.e2e.slack.responses().filter((r) => r.response_type !== 'in_channel');
    expect(whispers.map((r) => String(r.text))).toEqual([expect.stringContaining('web')]);
    expect(JSON.stringify(whispers[0]!.blocks)).toContain(':hourglass_flowing_sand:');
    expect(JSON.stringify(whispers)).not.toContain(STATUS_OF_WEB);
  });

  it('each press is its own reply in the same thread', async () => {
    const alert = await webAlert();
    await pressStatus(alert);
    await pressStatus(alert);
    expect(statusesIn(thread(h.e2e, 'CALERTS', alert.ts))).toHaveLength(2);
    expect(topLevel('CALERTS').map((m) => m.ts)).toEqual([alert.ts]);
  });

  it('the alert message deleted (Slack: thread_not_found): answered as before, in the channel, once', async () => {
    const alert = await webAlert();
    // Someone deletes the alert after the click; Slack refuses a reply in its thread.
    const pressed = statusPostAnswers(alert, () => ({ ok: false, error: 'thread_not_found' }));
    const deleted = await fetch(`${h.e2e.slack.apiUrl}chat.delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: 'CALERTS', ts: alert.ts }),
    });
    expect(((await deleted.json()) as { ok: boolean }).ok).toBe(true);
    await pressStatus(alert);
    expect(pressed()).toBe(true);
    expect(inChannelAnswers().map((r) => JSON.stringify(r))).toEqual([expect.stringContaining(STATUS_OF_WEB)]);
    // (The click's response_url here stands for one that is not tied to the message: nothing else is posted.)
    expect(statusesIn(h.e2e.slack.messages())).toHaveLength(0);
  });

  it('the bot removed from the alert channel (not_in_channel): answered as before, once', async () => {
    const alert = await webAlert();
    const pressed = statusPostAnswers(alert, () => ({ ok: false, error: 'not_in_channel' }));
    await pressStatus(alert);
    expect(pressed()).toBe(true);
    expect(inChannelAnswers().map((r) => JSON.stringify(r))).toEqual([expect.stringContaining(STATUS_OF_WEB)]);
    expect(statusesIn(h.e2e.slack.messages())).toHaveLength(0);
  });

  it('the thread reply got no answer (Slack took it late): not answered again', async () => {
    const alert = await webAlert();
    const pressed = statusPostAnswers(alert, async (builtin) => {
      await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
      return builtin();
    });
    await pressStatus(alert);
    expect(pressed()).toBe(true);
    await h.e2e.slack.waitFor(() => statusesIn(thread(h.e2e, 'CALERTS', alert.ts)).length === 1, 15_000, 'the late reply lands');
    expect(inChannelAnswers()).toHaveLength(0);
    expect(statusesIn(h.e2e.slack.messages())).toHaveLength(1);
    expect(h.e2e.logs.map((l) => l.msg)).toContain(
      'alert: the answer in the alert thread got no answer; it may be there, not posting it again',
    );
  }, 40_000);
});
