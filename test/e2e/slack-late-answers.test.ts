/**
 * A message Slack took but answered only after the worker's client stopped waiting (its 10 s
 * timeout, slackClientOptions 'patient' in src/slack/gateway.ts) is said once: a rollout's ending in
 * its thread. Found with the Slack stall fault (2026-12-03; pinned with it.failing until fixed): two
 * things said it again, the SDK's own retry of the timed-out chat.postMessage (retryConfig), and the
 * bot's (the events function failed, the tick's reconcile posted the ending it had no record of).
 * Now the worker's client never lets the SDK re-send a post after a timeout (NOT_REPEATED in
 * src/slack/patient.run.ts), and a post that got no answer is keyed (message metadata) and marked,
 * so the next attempt looks for it in the thread first (src/approvals/keyed-post.ts postKeyed). When that
 * look fails, the ending is posted again: twice rather than never. The request card and the status
 * card: slack-late-cards.test.ts.
 *
 * One real wait past the bound per test (the model test, slack-faults-model.test.ts, keeps to short ones).
 */
import { getRequest } from '../../src/approvals/workflow';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const h = useDeployHarness({ env: () => SHORT_WORKER_SLACK_BOUND });

/** A deploy requested, approved and running; its ending's post is then answered late, and time passes with the tick. */
async function endingAnsweredLate(beforeTicks: () => void = () => undefined): Promise<{ id: string; ts: string }> {
  await h.e2e.slash('deploy web v1.2.3 --reason "late slack"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  const started = await getRequest(h.e2e.rt.redis, req.id);
  expect(started?.state).toBe('running');
  h.world.complete('prod', 'web-prod');
  // The ending's post: Slack takes it and answers after the worker's timeout.
  h.e2e.slack.stallNext('chat.postMessage', PAST_THE_WORKER_BOUND_MS);
  const completed = deploymentEvent('completed', {
    time: h.clock.now(),
    serviceArn: SERVICE_ARN,
    deploymentId: started!.execution!.deploymentId as string,
  });
  await h.e2e.event(completed).catch(() => undefined);
  await h.e2e.slack.waitFor((calls) => calls.every((c) => !c.stalled || c.response !== undefined), 15_000, 'the late post lands');
  beforeTicks();
  for (let i = 0; i < 3; i++) {
    h.clock.advance(5 * 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
  }
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  return req;
}

const endings = (req: { ts: string }) =>
  thread(h.e2e, 'CPROD', req.ts)
    .map(textOf)
    .filter((t) => t.includes('Deploy completed'));
const endingPosts = (req: { id: string }) =>
  h.e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.metadata?.event_payload?.key === `${req.id}:final`);

describe('a message Slack took but answered late', () => {
  it("is said once: a rollout's ending in its thread", async () => {
    const req = await endingAnsweredLate();
    expect(endings(req)).toHaveLength(1);
    // Sent once (no re-send by the SDK after its timeout); the tick looked for it instead of posting it again.
    expect(endingPosts(req)).toHaveLength(1);
    expect(h.e2e.slack.callsTo('conversations.replies').map((c) => [c.body.ts, String(c.body.include_all_metadata)])).toEqual([
      [req.ts, 'true'],
    ]);
    expect(h.e2e.logs.filter((l) => l.msg === 'an earlier post that got no answer had landed; not posting it again')).toHaveLength(1);
  }, 30_000);

  it('when the thread cannot be read to find out, the ending is said again: twice rather than never', async () => {
    const req = await endingAnsweredLate(() => h.e2e.slack.failNext('conversations.replies', 'missing_scope'));
    expect(endings(req)).toHaveLength(2);
    expect(endingPosts(req)).toHaveLength(2);
    expect(
      h.e2e.logs.filter((l) => l.msg === 'could not tell whether an earlier post landed; posting it (twice rather than never)'),
    ).toHaveLength(1);
  }, 30_000);
});
