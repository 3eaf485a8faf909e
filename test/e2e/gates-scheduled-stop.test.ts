/**
 * A scheduled change (`--at`, approved) whose start is refused at its time, end to end through the
 * Lambda handlers: the service was locked or its environment frozen meanwhile. Its thread says so
 * once, to its requester and approvers, truthfully (it will not start by itself; request it again,
 * with the button), and never that it is starting first. Until its time, a conflicting request is
 * told it is scheduled, not that it is starting now.
 */
import { getRequest } from '../../src/approvals/workflow';
import { lockService } from '../../src/approvals/locks';
import { approve, slashAnswer, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness();

async function scheduledAndApproved(command: string): Promise<{ id: string; ts: string }> {
  await h.e2e.slash(command, { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('scheduled');
  return req;
}

async function atItsTime(): Promise<void> {
  h.clock.advance(61_000);
  await h.e2e.tick();
  await h.e2e.drain();
}

const buttonsOf = (m: { blocks?: unknown }) => JSON.stringify(m.blocks ?? []);

describe('a scheduled change refused at its start', () => {
  it('locked since its approval: failed, and its thread tells its requester and approver it will not start by itself', async () => {
    const req = await scheduledAndApproved('scale web 6 --at +1m');
    // `/ecs lock web` by the approver (the lock command's own path is tested elsewhere).
    await lockService(h.e2e.rt, 'prod', 'web', 'ULEAD1', undefined);
    await atItsTime();
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toBe(
      'not started: `web` was locked by <@ULEAD1> before its scheduled start. It will not start by itself: once it is unlocked, request it again.',
    );
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).not.toContain('It can run after');
    const notes = thread(h.e2e, 'CPROD', req.ts);
    expect(notes).toHaveLength(1);
    expect(textOf(notes[0])).toContain('<@UDEV1> <@ULEAD1>: Not started: `web` was locked by <@ULEAD1>');
    expect(buttonsOf(notes[0]!)).toContain('Request again');
  });

  it('frozen since its approval: one note, that it did not start (no "starting now" before it)', async () => {
    const req = await scheduledAndApproved('scale web 6 --at +1m');
    await slashAnswer(h.e2e, 'freeze prod', 'ULEAD1');
    await atItsTime();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    const notes = thread(h.e2e, 'CPROD', req.ts);
    expect(notes.map(textOf).join('\n')).not.toContain('starting now');
    expect(notes).toHaveLength(1);
    expect(textOf(notes[0])).toContain(
      '<@UDEV1> <@ULEAD1>: Not started: `prod` was frozen by <@ULEAD1> before it could run. It will not start by itself: once an approver unfreezes it, request it again.',
    );
    expect(buttonsOf(notes[0]!)).toContain('Request again');
  });

  it('started at its time: the thread says so once it started', async () => {
    const req = await scheduledAndApproved('scale web 6 --at +1m');
    await atItsTime();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).not.toBe('failed');
    const said = thread(h.e2e, 'CPROD', req.ts).map(textOf);
    expect(said.filter((t) => t.startsWith('Scheduled start: starting now'))).toHaveLength(1);
  });

  it('before its time, a conflicting request is told when it is scheduled to start, not that it is starting now', async () => {
    const req = await scheduledAndApproved('rollback web --to 41 --at +1m');
    const startAt = (await getRequest(h.e2e.rt.redis, req.id))!.startAt!;
    const answer = await slashAnswer(h.e2e, 'deploy web v1.2.3', 'UDEV2');
    expect(answer).toContain(`is scheduled to start <!date^${Math.floor(startAt / 1000)}^`);
    expect(answer).not.toContain('starting now');
  });
});
