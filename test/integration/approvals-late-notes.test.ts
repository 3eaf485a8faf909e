/**
 * A tick's or the worker's note in a request's thread (src/approvals/workflow.ts noteInThread: here
 * the start-deadline tick's "approved but never started") survives a chat.postMessage that Slack
 * answered late or never took, and shows once: keyed, looked for after the client gave up (the
 * patient client's timeout: 10 s, here a short one) and posted again only when it is not there. Before, it was tried
 * once: one Slack never took was lost. Real Redis, the local Slack API, a fake clock for the request.
 */
import { approveRequest, lapseDue } from '../../src/approvals/clicks';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import type { ChangeRequest } from '../../src/approvals/types';
import { fixtureGroups } from '../helpers/config';
import { DIGEST, deployPlanAt } from '../helpers/aws-fixtures';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';
import { submitInput, useStoreHarness } from './approvals-runtime';

const MIN = 60_000;

const h = useStoreHarness(() => ({ groups: fixtureGroups(), profile: 'worker', patientSlack: true, env: SHORT_WORKER_SLACK_BOUND }));
beforeEach(() => {
  h.slack.setUserGroup('SLEADS', ['ULEAD1']);
});

const keyOf = (c: { body: { metadata?: { event_payload?: { key?: string } } } }) => c.body.metadata?.event_payload?.key ?? '';
const lapsedNotes = (req: ChangeRequest) =>
  h.slack.messages(req.channel).filter((m) => m.thread_ts === req.messageTs && (m.text ?? '').includes('never started'));

/**
 * The first post of the note (picked by what it says, so a post without a key is held too) is held
 * past the client's timeout, then posted (Slack took it, late) or refused (`refuse`: never shown).
 */
function holdFirst(refuse: boolean): void {
  let held = false;
  h.slack.handle('chat.postMessage', async (body, call, builtin) => {
    if (held || !String(body.text ?? '').includes('never started')) return builtin!();
    held = true;
    call.stalled = true;
    await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
    return refuse ? { ok: false, error: 'fatal_error' } : builtin!();
  });
}

/** Until the held post has been answered (landed or refused), however long the bot waited for it. */
const heldAnswered = () =>
  h.slack.waitFor(
    (calls) => calls.some((c) => c.stalled) && calls.every((c) => !c.stalled || c.response !== undefined),
    15_000,
    'the held post is answered',
  );

/** An approved request whose execute job was lost, past its start deadline. */
async function lostApproval(): Promise<ChangeRequest> {
  const req = await submitRequest(h.rt, submitInput());
  expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
  h.clock.advance(60 * MIN);
  return req;
}

describe("the start-deadline tick's note in the thread", () => {
  it('Slack took it and answered late: shown once, found instead of posted again', async () => {
    const req = await lostApproval();
    holdFirst(false);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    await heldAnswered();
    expect((await getRequest(h.rt.redis, req.id))?.state).toBe('failed');
    expect(lapsedNotes(req)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => keyOf(c) === `${req.id}:lapsed`)).toHaveLength(1);
    expect(h.logs.filter((l) => l.msg === 'an earlier post that got no answer had landed; not posting it again')).toHaveLength(1);
  }, 40_000);

  it('Slack never took it: posted again after looking, shown once (before: lost)', async () => {
    const req = await lostApproval();
    holdFirst(true);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    await heldAnswered();
    expect(lapsedNotes(req)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => keyOf(c) === `${req.id}:lapsed`)).toHaveLength(2);
  }, 40_000);

  it('carries the same request as a Request again button (a full plan; the deploy by its approved digest)', async () => {
    const plan = deployPlanAt(h.clock.now());
    const req = await submitRequest(h.rt, submitInput({ plan }));
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    h.clock.advance(60 * MIN);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    const [note] = lapsedNotes(req);
    const buttons = (note?.blocks ?? []).flatMap(
      (b) => (b as { elements?: Array<{ text: { text: string }; value: string }> }).elements ?? [],
    );
    expect(buttons.map((b) => [b.text.text, JSON.parse(b.value)])).toEqual([
      ['Request again', { c: `deploy web ${DIGEST} --reason "hotfix for checkout"` }],
    ]);
  });
});
