/**
 * Posts that nothing else tries again (said once, by one job or one event) and whose loss misleads
 * someone survive a chat.postMessage that Slack answered late or never took, and show once: the
 * abort's milestone in the request's thread (a rollout's truth) and the automatic lock's notice with
 * its acknowledge button (a lock people must know of). They are keyed (src/approvals/keyed-post.ts
 * postKeyedAt with `again`): after the worker's client gave up (its 10 s timeout), the same call
 * waits LATE_POST_GRACE_MS, looks for the post (its key in the message metadata) and posts it only
 * when it is not there. Before, such a post was tried once: a late one showed (once), one Slack never
 * took was lost. The request's own card, status card and ending: slack-late-cards / slack-late-answers.
 *
 * One real wait past the bound per test.
 */
import { getRequest } from '../../src/approvals/workflow';
import type { ChangeRequest } from '../../src/approvals/types';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useAutoLockHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const h = useAutoLockHarness({ env: () => SHORT_WORKER_SLACK_BOUND });

const keyOf = (c: { body: { metadata?: { event_payload?: { key?: string } } } }) => c.body.metadata?.event_payload?.key ?? '';
const logged = (msg: string) => h.e2e.logs.filter((l) => l.msg === msg);
const FOUND = 'an earlier post that got no answer had landed; not posting it again';
const TRIED_AGAIN = 'a post got no answer; looking for it before trying it once more';

/** A deploy in prod, approved and running. */
async function runningDeploy(): Promise<{ req: { id: string; ts: string }; running: ChangeRequest }> {
  await h.e2e.slash('deploy web v1.2.3 --reason "late notes"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  const running = (await getRequest(h.e2e.rt.redis, req.id))!;
  expect(running.state).toBe('running');
  return { req, running };
}

/**
 * Abort pressed on the status card by the requester; the worker's post of its milestone is then held
 * past the client's timeout, and either handled as usual (it lands late) or refused (never shown).
 */
async function abortWithLatePost(running: ChangeRequest, neverTaken: boolean): Promise<void> {
  await h.e2e.click({
    action_id: 'deploy:abort',
    value: running.id,
    user_id: 'UDEV1',
    channel_id: 'CPROD',
    message_ts: running.statusTs!,
    text: 'Abort and roll back',
  });
  holdFirst((body) => String(body.text ?? '').includes('aborted the rollout'), neverTaken);
  await h.e2e.drain();
  await heldAnswered();
}

/** Until the held post has been answered (landed or refused), however long the bot waited for it. */
const heldAnswered = () =>
  h.e2e.slack.waitFor(
    (calls) => calls.some((c) => c.stalled) && calls.every((c) => !c.stalled || c.response !== undefined),
    15_000,
    'the held post is answered',
  );

/**
 * The first chat.postMessage that `which` picks (by what it says, so a post without a key is held
 * too) is held PAST_THE_WORKER_BOUND_MS, then posted (`refuse` false: Slack took it, late) or refused
 * (`refuse`: never shown). Every other post is answered as usual.
 */
function holdFirst(which: (body: Record<string, unknown>) => boolean, refuse: boolean): void {
  let held = false;
  h.e2e.slack.handle('chat.postMessage', async (body, call, builtin) => {
    if (held || !which(body)) return builtin!();
    held = true;
    call.stalled = true;
    await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
    return refuse ? { ok: false, error: 'fatal_error' } : builtin!();
  });
}

const abortedNotes = (req: { ts: string }) =>
  thread(h.e2e, 'CPROD', req.ts)
    .map(textOf)
    .filter((t) => t.includes('<@UDEV1> aborted the rollout'));

describe("the abort's milestone in the thread", () => {
  it('Slack took it and answered late: shown once, found instead of posted again', async () => {
    const { req, running } = await runningDeploy();
    await abortWithLatePost(running, false);
    expect(abortedNotes(req)).toHaveLength(1);
    const [stalled] = h.e2e.slack.callsTo('chat.postMessage').filter((c) => c.stalled);
    expect(keyOf(stalled!)).toMatch(new RegExp(`^${req.id}:aborted:`));
    expect(h.e2e.slack.callsTo('chat.postMessage').filter((c) => keyOf(c) === keyOf(stalled!))).toHaveLength(1);
    expect(logged(TRIED_AGAIN)).toHaveLength(1);
    expect(logged(FOUND)).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.execution).toMatchObject({ abortedBy: 'UDEV1' });
  }, 40_000);

  it('Slack never took it: posted again by the same job after looking, shown once (before: lost)', async () => {
    const { req, running } = await runningDeploy();
    await abortWithLatePost(running, true);
    expect(abortedNotes(req)).toHaveLength(1);
    const [stalled] = h.e2e.slack.callsTo('chat.postMessage').filter((c) => c.stalled);
    expect(stalled!.response).toEqual({ ok: false, error: 'fatal_error' });
    const sent = h.e2e.slack.callsTo('chat.postMessage').filter((c) => keyOf(c) === keyOf(stalled!));
    expect(sent).toHaveLength(2);
    expect(h.e2e.slack.callsTo('conversations.replies').length).toBeGreaterThanOrEqual(1);
    expect(logged(FOUND)).toHaveLength(0);
  }, 40_000);
});

describe("the automatic lock's notice", () => {
  const failedOutside = () =>
    h.e2e.event(
      deploymentEvent('failed', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: 'ecs-svc/5555555555555555555',
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
      }),
    );
  const notices = () => h.e2e.slack.messages('CALERTS').filter((m) => textOf(m).includes('is locked automatically'));
  const noticePosts = () =>
    h.e2e.slack.callsTo('chat.postMessage').filter((c) => keyOf(c) === 'autolock:prod:web:ecs-svc/5555555555555555555');

  const isNotice = (body: Record<string, unknown>) => String(body.text ?? '').includes('is locked automatically');

  it('Slack took it and answered late: shown once, with its button', async () => {
    holdFirst(isNotice, false);
    await failedOutside();
    await heldAnswered();
    expect(notices()).toHaveLength(1);
    expect(textOf(notices()[0])).toContain('lock:ack');
    expect(noticePosts()).toHaveLength(1);
    expect(h.e2e.slack.callsTo('conversations.history').map((c) => String(c.body.include_all_metadata))).toEqual(['true']);
    expect(logged(FOUND)).toHaveLength(1);
  }, 40_000);

  it('Slack never took it: posted again after looking, shown once (before: lost)', async () => {
    holdFirst(isNotice, true);
    await failedOutside();
    await heldAnswered();
    expect(notices()).toHaveLength(1);
    expect(noticePosts()).toHaveLength(2);
    expect(logged(TRIED_AGAIN)).toHaveLength(1);
    expect(logged(FOUND)).toHaveLength(0);
  }, 40_000);
});
