/**
 * A card Slack took but answered only after the worker's client stopped waiting (its 10 s timeout,
 * slackClientOptions 'patient' in src/slack/gateway.ts) is shown once: the request card (the worker
 * looks for it in the channel before posting it again: src/approvals/workflow.ts postCard) and a
 * rollout's status card in the request's thread (the next refresh, here the same work's, looks for it
 * in the thread: src/approvals/keyed-post.ts postKeyed). Before, the SDK re-sent the timed-out chat.postMessage and both
 * showed twice. The rollout's ending: slack-late-answers.test.ts.
 *
 * One real wait past the bound per test.
 */
import { getRequest } from '../../src/approvals/workflow';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const h = useDeployHarness({ env: () => SHORT_WORKER_SLACK_BOUND });

const keyOf = (m: { metadata?: unknown }) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
/** What people see: the request cards in the channel (by their text), and a thread's status cards (their fallback text). */
const requestCards = () =>
  h.e2e.slack.messages('CPROD').filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && /Request `[a-z0-9_.-]+`/.test(textOf(m)));
const statusCards = (req: { ts: string }) => thread(h.e2e, 'CPROD', req.ts).filter((m) => /^Deploying web in prod: /.test(m.text ?? ''));
const keyedPosts = (key: string) => h.e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.metadata?.event_payload?.key === key);

describe('a card Slack took but answered late', () => {
  it('the request card: shown once, and the request goes on under it', async () => {
    h.e2e.slack.stallNext('chat.postMessage', PAST_THE_WORKER_BOUND_MS);
    await h.e2e.slash('deploy web v1.2.3 --reason "late card"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(requestCards()).toHaveLength(1);
    const req = requestMessage(h.e2e, 'CPROD');
    // Sent once: no re-send by the SDK after its timeout, none by the bot once it found the card.
    expect(keyedPosts(`${req.id}:card`)).toHaveLength(1);
    expect(h.e2e.slack.callsTo('conversations.history').map((c) => String(c.body.include_all_metadata))).toEqual(['true']);
    const pending = await getRequest(h.e2e.rt.redis, req.id);
    expect(pending?.state).toBe('pending');
    expect(pending?.messageTs).toBe(req.ts);
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    expect(requestCards()).toHaveLength(1);
  }, 30_000);

  it("a rollout's status card: shown once in the thread, and kept current", async () => {
    await h.e2e.slash('deploy web v1.2.3 --reason "late status"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    // The worker's first post in the thread is the status card (after UpdateService).
    h.e2e.slack.stallNext('chat.postMessage', PAST_THE_WORKER_BOUND_MS);
    await h.e2e.drain();
    await h.e2e.slack.waitFor((calls) => calls.every((c) => !c.stalled || c.response !== undefined), 15_000, 'the late post lands');
    expect(statusCards(req)).toHaveLength(1);
    const [stalled] = h.e2e.slack.callsTo('chat.postMessage').filter((c) => c.stalled);
    expect(stalled?.body.metadata?.event_payload?.key).toBe(`${req.id}:status`);
    // A later refresh of the same work found it in the thread (after the late post's grace) instead of posting it again.
    const found = await getRequest(h.e2e.rt.redis, req.id);
    expect(found?.state).toBe('running');
    expect(found?.statusTs).toBe((stalled!.response as { ts: string }).ts);
    expect(keyedPosts(`${req.id}:status`)).toHaveLength(1);
    expect(h.e2e.slack.callsTo('conversations.replies').map((c) => String(c.body.include_all_metadata))).toEqual(['true']);
    // The card found shows what the late post said; it is brought up to date.
    expect(stalled!.body.text).toBe('Deploying web in prod: starting');
    expect(h.e2e.slack.message('CPROD', found!.statusTs!)?.text).toBe('Deploying web in prod: in progress (0/4 running)');

    h.world.complete('prod', 'web-prod');
    await h.e2e.event(
      deploymentEvent('completed', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: found!.execution!.deploymentId as string,
      }),
    );
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    const cards = statusCards(req);
    expect(cards).toHaveLength(1);
    expect(keyOf(cards[0]!)).toBe(`${req.id}:status`);
    expect(textOf(cards[0])).toContain('completed');
  }, 30_000);
});
