/**
 * A read-only answer to a command run from an alert's button (today: Status, `inv.alert`) is said in
 * the alert's thread, where the incident's other follow-ups are, for everyone who opens it: not as a
 * new top-level message in the on-call channel, away from the incident it is about. It goes to the
 * alert's own channel (`inv.alert.channel`), also when the command ran under the environment's
 * channel (src/policy/authorize.ts alertCommandChannel: the roles were checked there, as before).
 * The clicker's own "checking…" line is the Slack function's and is unchanged.
 *
 * When Slack refuses the thread reply (the alert message was deleted, the bot was removed from the
 * channel, or an error its retries did not get past), the answer is given as before
 * (answerInvocation: the click's response_url, in the channel), so the clicker still gets it. When
 * the reply got no answer (it may have landed: mayHaveLanded), nothing more is posted: a second copy
 * might show. Worker-only (src/commands/status.run.ts).
 */
import { replyKey } from '../alerts/backlog';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { mayHaveLanded } from '../slack/failures';
import { slackErrorCodeOf } from '../slack/gateway';
import type { Invocation } from '../slack/invocation';
import { answerInvocation } from '../slack/reply';

/** Answer `inv` (run from the alert `alert`) in that alert's thread; refused, as a public answer the usual way. */
export async function answerInAlertThread(
  rt: Pick<Runtime, 'slack' | 'log'>,
  inv: Invocation,
  alert: { channel: string; ts: string },
  msg: SlackMessage,
): Promise<void> {
  const log = rt.log.child({ invocation: inv.id, channel: alert.channel, alertTs: alert.ts });
  try {
    // Keyed (the post's metadata) so that the reply can be told apart in the thread.
    await rt.slack.post(alert.channel, msg, { threadTs: alert.ts, key: replyKey(alert.ts, `answer:${inv.id}`) });
    log.info('alert: command answered in the alert thread');
    return;
  } catch (err) {
    if (mayHaveLanded(err)) {
      log.warn('alert: the answer in the alert thread got no answer; it may be there, not posting it again', { err });
      return;
    }
    log.warn('alert: the answer could not be posted in the alert thread; answering as before', {
      error: slackErrorCodeOf(err),
      err,
    });
  }
  await answerInvocation(rt, inv, msg, { inChannel: true });
}
