/**
 * Release gate 3, change windows, end to end through the Lambda handlers: prod takes deploys,
 * scales and restarts Mon–Thu 10:00–17:00 in Asia/Seoul, never in the Christmas blackout. Outside,
 * a request is refused — or, with `--at`, approved now and started by the scheduler (the scheduled
 * function's tick), which checks the window and the plan again and fails a start that came too late.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { keys } from '../../src/redis/keys';
import { getRequest } from '../../src/approvals/workflow';
import { tdArn } from '../helpers/aws-fixtures';
import { configFile } from '../helpers/config';
import { approve, executeJobs, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { clickRequestButton } from '../helpers/e2e';
import { redisLocaleCache } from '../../src/redis/locale-cache';

const WINDOWS = {
  windows: {
    timeZone: 'Asia/Seoul',
    allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' }],
    blackouts: [{ from: '2026-12-24', to: '2026-12-25', reason: 'holidays' }],
  },
  cost: { extraApprovalAbove: 100 },
};

const h = useDeployHarness({
  configPath: configFile((doc) => {
    doc.environments.prod.gates = WINDOWS;
  }),
});

/** Seoul is UTC+9 all year. */
const kst = (iso: string): number => Date.parse(`${iso}+09:00`);
const SATURDAY_NOON = kst('2026-12-05T12:00');
const MONDAY_10 = kst('2026-12-07T10:00');

const scaleCalls = () => h.ecsMock.commandCalls(UpdateServiceCommand).filter((c) => c.args[0].input.desiredCount !== undefined);

async function requestAt(text: string): Promise<ReturnType<typeof requestMessage>> {
  await h.e2e.slash(text, { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  return requestMessage(h.e2e, 'CPROD');
}

describe('change windows', () => {
  it('refuses outside the windows, saying when the next one opens and how to schedule', async () => {
    h.clock.set(SATURDAY_NOON);
    await h.e2e.slash('scale web 6', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain(
      '`prod` takes scale changes only inside its change windows, and now is outside the change windows Mon–Thu 10:00–17:00 (Asia/Seoul)',
    );
    expect(answer).toContain(`The next window opens <!date^${MONDAY_10 / 1000}^`);
    expect(answer).toContain('`--at next-window`');
    expect(answer).toContain('`--at 2026-12-07T10:00`');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);

    // In a blackout, the answer names it.
    h.clock.set(kst('2026-12-24T11:00'));
    await h.e2e.slash('restart web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('now is blackout 2026-12-24 – 2026-12-25: “holidays”');
  });

  it('inside a window the card says so; a rollback is not gated by default', async () => {
    h.clock.set(kst('2026-12-07T11:00'));
    const req = await requestAt('scale web 6');
    expect(textOf(req.message)).toContain('Change window: open now (Mon–Thu 10:00–17:00 (Asia/Seoul)), until <!date^');
    h.clock.set(SATURDAY_NOON);
    await h.e2e.slash('rollback web --to 41 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Dry run');
    expect(lastResponse(h.e2e)).not.toContain('change windows');
  });

  it('--at next-window: approved now, started by the scheduler when the window opens', async () => {
    h.clock.set(SATURDAY_NOON);
    const req = await requestAt('scale web 6 --at next-window --reason "campaign"');
    expect(lastResponse(h.e2e)).toContain(`It starts <!date^${MONDAY_10 / 1000}^`);
    expect(textOf(req.message)).toContain(`Change window: scheduled for <!date^${MONDAY_10 / 1000}^`);
    expect(textOf(req.message)).toContain('Once approved, it starts');
    await approve(h.e2e, req);
    await h.e2e.drain();
    const scheduled = await getRequest(h.e2e.rt.redis, req.id);
    expect(scheduled).toMatchObject({ state: 'scheduled', startAt: MONDAY_10 });
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('(scheduled)');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('Approved; starts');
    expect(await h.e2e.rt.redis.zscore(keys.scheduledIndex('prod', 'web'), req.id)).toBe(String(MONDAY_10));

    // Ticks before the time change nothing.
    h.clock.set(kst('2026-12-06T23:59'));
    await h.e2e.tick();
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(0);

    // Monday 10:01: the scheduler starts it.
    h.clock.set(MONDAY_10 + 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(1);
    expect(scaleCalls()[0]!.args[0].input).toMatchObject({ service: 'web-prod', desiredCount: 6 });
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    expect(thread(h.e2e, 'CPROD', req.ts).map((m) => m.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Scheduled start: starting now/)]),
    );
    expect(await h.e2e.rt.redis.zscore(keys.scheduledIndex('prod', 'web'), req.id)).toBeNull();
    const events = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).map(([, f]) => f[f.indexOf('event') + 1]);
    expect(events).toEqual(expect.arrayContaining(['created', 'approved', 'scheduled', 'due', 'started']));
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain(`:calendar: scheduled for <!date^${MONDAY_10 / 1000}^`);
    expect(lastResponse(h.e2e)).toContain('Gates: Change window: scheduled for');
  });

  it('refuses an --at time outside the windows, and one too far ahead', async () => {
    h.clock.set(SATURDAY_NOON);
    await h.e2e.slash('scale web 6 --at 2026-12-07T18:00', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`2026-12-07T18:00`');
    expect(lastResponse(h.e2e)).toContain('is outside the change windows');
    expect(lastResponse(h.e2e)).toContain('`--at 2026-12-08T10:00`');
    await h.e2e.slash('scale web 6 --at 2027-02-01T11:00', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('is more than 14d ahead');
    const bad = await h.e2e.slash('scale web 6 --at tomorrow', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(bad.text).toContain('`--at tomorrow` is not a time I can read.');
    expect(bad.text).toContain('`--at 02:00` (the next 02:00)');
    expect(bad.text).toContain('`/ecs scale &lt;service&gt; &lt;count&gt;');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('--at a time of day: the next time Seoul shows it, checked against the windows like a dated one', async () => {
    // Monday 11:00: 16:30 is today's, inside the window; the card says when.
    h.clock.set(kst('2026-12-07T11:00'));
    const req = await requestAt('scale web 6 --at 16:30');
    expect(textOf(req.message)).toContain(`Change window: scheduled for <!date^${kst('2026-12-07T16:30') / 1000}^`);
    expect(lastResponse(h.e2e)).toContain(`It starts <!date^${kst('2026-12-07T16:30') / 1000}^`);
    // Saturday noon: 10:00 is Sunday's, outside the windows; the refusal names the time it read.
    h.clock.set(SATURDAY_NOON);
    await h.e2e.slash('restart web --at 10:00', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain(`\`10:00\` (<!date^${kst('2026-12-06T10:00') / 1000}^`);
    expect(lastResponse(h.e2e)).toContain('is outside the change windows');
    expect(lastResponse(h.e2e)).toContain('`--at 2026-12-07T10:00`');
  });

  it('a scheduled start re-checks the window: closed by then, it fails with the reason', async () => {
    h.clock.set(kst('2026-12-07T11:00'));
    const req = await requestAt('scale web 6 --at 2026-12-07T16:50');
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('scheduled');
    // The scheduler only gets to it at 17:05 (within the 30 min it may be late), after the window closed.
    h.clock.set(kst('2026-12-07T17:05'));
    await h.e2e.tick();
    await h.e2e.drain();
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain(
      'not started: the change window of `prod` is closed at the scheduled start (outside the change windows',
    );
    expect(scaleCalls()).toHaveLength(0);
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('Failed');
    expect(await h.e2e.rt.redis.zscore(keys.scheduledIndex('prod', 'web'), req.id)).toBeNull();
  });

  it('a scheduled start re-checks the roles under chatops.yml as it is now: its only approver no longer approves, so nothing runs', async () => {
    h.e2e.slack.setUserGroup('SLEADS', []);
    h.clock.set(SATURDAY_NOON);
    const req = await requestAt('scale web 6 --at next-window --reason "campaign"');
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('scheduled');
    // Before Monday, chatops.yml is deployed again without ULEAD1 among prod's approvers.
    h.e2e.redeployWorker(
      configFile((doc) => {
        doc.environments.prod.gates = WINDOWS;
        doc.environments.prod.approvers = ['ULEAD2', 'SLEADS'];
      }),
    );
    h.clock.set(MONDAY_10 + 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toBe(
      'not started: since it was approved, <@ULEAD1> may no longer approve changes in `prod` (chatops.yml `environments.prod.approvers`), so only 0 of the 1 approvals it needs still count. Nothing was changed. Request it again (and have it approved again) if it is still wanted.',
    );
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('Failed');
    expect(thread(h.e2e, 'CPROD', req.ts).map((m) => textOf(m))).toEqual(
      expect.arrayContaining([expect.stringContaining('did not start at its scheduled time: <@ULEAD1> may no longer approve')]),
    );
    // The service is free for the request made again.
    expect(await h.e2e.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
  });

  it('a scheduled start re-checks the requester: removed from the user group that let them request, nothing runs', async () => {
    h.e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
    h.clock.set(SATURDAY_NOON);
    await h.e2e.slash('restart web --at next-window', { channel_id: 'CPROD', user_id: 'UDEV3' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('scheduled');
    h.e2e.slack.setUserGroup('SDEVS', []);
    h.clock.set(MONDAY_10 + 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain('<@UDEV3> may no longer request changes in `prod`');
  });

  it('a scheduled start still runs when the approvals that count are enough (guard)', async () => {
    h.clock.set(SATURDAY_NOON);
    const req = await requestAt('scale web 6 --at next-window');
    await approve(h.e2e, req);
    await h.e2e.drain();
    h.clock.set(MONDAY_10 + 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(1);
  });

  /** The approve click's answers to `user` (the whispers through its response_url). */
  async function approveAnswers(id: string, user: string, replyId: string): Promise<string> {
    const req = (await getRequest(h.e2e.rt.redis, id))!;
    return (await clickRequestButton(h.e2e, req, 'approve', user, replyId)).join('\n');
  }

  it('an approval after the window closed is refused at the click: the request stays pending, the approver is told (issue: late approval)', async () => {
    // Requested at 16:50 (open, with an hour to be approved); the lead clicks Approve at 17:10, after the window closed.
    h.clock.set(kst('2026-12-07T16:50'));
    const req = await requestAt('scale web 6');
    h.clock.set(kst('2026-12-07T17:10'));
    const answer = await approveAnswers(req.id, 'ULEAD1', 'late-en');
    expect(answer).toContain(
      'Not approved: the change window of `prod` is closed now (outside the change windows Mon–Thu 10:00–17:00 (Asia/Seoul))',
    );
    expect(answer).toContain('approving would not start this request');
    expect(answer).toContain(`The next window opens <!date^${kst('2026-12-08T10:00') / 1000}^`);
    expect(answer).toContain(
      'approve it once the window is open (if it is still pending then), or ask <@UDEV1> to request it again with `--at next-window`',
    );
    await h.e2e.drain();
    // Nothing recorded: still pending, no approval, nothing handed off or run, the card unchanged.
    const pending = await getRequest(h.e2e.rt.redis, req.id);
    expect(pending).toMatchObject({ state: 'pending', approvals: [] });
    expect(executeJobs(h.e2e)).toHaveLength(0);
    expect(scaleCalls()).toHaveLength(0);
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).not.toContain('Approved');
    const events = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).map(([, f]) => f[f.indexOf('event') + 1]);
    expect(events).not.toContain('approved');

    // A Korean approver is told in Korean.
    await redisLocaleCache(h.e2e.rt.redis).set('ULEAD2', 'ko-KR', 3600);
    const ko = await approveAnswers(req.id, 'ULEAD2', 'late-ko');
    expect(ko).toContain(
      '승인하지 않았습니다: 지금은 `prod`의 변경 허용 시간이 닫혀 있어(변경 허용 시간 월–목 10:00–17:00 (Asia/Seoul) 밖)',
    );
    expect(ko).toContain('다음 변경 허용 시간은');
    expect(ko).toContain('`--at next-window`로 다시 요청해 달라고 하세요');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
  });

  it('an approval inside the window runs the change as before', async () => {
    h.clock.set(kst('2026-12-07T16:50'));
    const req = await requestAt('scale web 6');
    h.clock.set(kst('2026-12-07T16:55'));
    const answer = await approveAnswers(req.id, 'ULEAD1', 'inside');
    expect(answer).not.toContain('Not approved');
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toMatch(/running|succeeded/);
  });

  it('outside the window, a first approval of two is recorded (it starts nothing); the last one is refused', async () => {
    // 12 tasks cost more than the gate allows without a second approval (cost.extraApprovalAbove).
    h.clock.set(kst('2026-12-07T16:50'));
    const req = await requestAt('scale web 12');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.approvalsNeeded).toBe(2);
    h.clock.set(kst('2026-12-07T17:10'));
    expect(await approveAnswers(req.id, 'ULEAD1', 'first')).not.toContain('Not approved');
    expect(await getRequest(h.e2e.rt.redis, req.id)).toMatchObject({ state: 'pending', approvals: [{ user: 'ULEAD1' }] });
    expect(await approveAnswers(req.id, 'ULEAD2', 'second')).toContain('Not approved: the change window of `prod` is closed now');
    await h.e2e.drain();
    expect(await getRequest(h.e2e.rt.redis, req.id)).toMatchObject({ state: 'pending', approvals: [{ user: 'ULEAD1' }] });
    expect(scaleCalls()).toHaveLength(0);
  });

  it('a first approval of two recorded while the window is closed tells the approver the last one will be refused until it opens', async () => {
    h.clock.set(kst('2026-12-07T16:50'));
    const req = await requestAt('scale web 12');
    h.clock.set(kst('2026-12-07T17:10'));
    const answer = await approveAnswers(req.id, 'ULEAD1', 'first');
    expect(answer).toContain(
      'Your approval is recorded (1 of 2). The change window of `prod` is closed now (outside the change windows Mon–Thu 10:00–17:00 (Asia/Seoul)): the last needed approval will be refused until it opens.',
    );
    expect(answer).toContain(`The next window opens <!date^${kst('2026-12-08T10:00') / 1000}^`);
    expect(await getRequest(h.e2e.rt.redis, req.id)).toMatchObject({ state: 'pending', approvals: [{ user: 'ULEAD1' }] });
  });

  it('an approval whose hand-off reaches the worker after the window closed does not run outside it', async () => {
    // Approved at 16:59 (open); the execute job only reaches the worker at 17:10 (a late hand-off).
    h.clock.set(kst('2026-12-07T16:50'));
    const req = await requestAt('scale web 6');
    h.clock.set(kst('2026-12-07T16:59'));
    await approve(h.e2e, req);
    expect(executeJobs(h.e2e)).toHaveLength(1);
    h.clock.set(kst('2026-12-07T17:10'));
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain(
      'not started: the change window of `prod` closed before it could start (outside the change windows',
    );
    expect(failed?.decisionReason).toContain('`--at next-window`');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('Failed');
    // The service is free for the request made again.
    expect(await h.e2e.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
    // Its thread says so too, with the same change asked for the next window one click away.
    const notes = thread(h.e2e, 'CPROD', req.ts).filter((m) => (m.text ?? '').startsWith('Not started: the change window'));
    expect(notes).toHaveLength(1);
    const buttons = (notes[0]!.blocks as Array<{ elements?: Array<{ text: { text: string }; value: string }> }>).flatMap(
      (b) => b.elements ?? [],
    );
    expect(buttons.map((b) => [b.text.text, JSON.parse(b.value)])).toEqual([['Request again', { c: 'scale web 6 --at next-window' }]]);
  });

  it('a scheduled start re-checks the plan: the service changed since, so nothing runs', async () => {
    h.clock.set(kst('2026-12-07T11:00'));
    const req = await requestAt('restart web --at 2026-12-07T15:00');
    await approve(h.e2e, req);
    await h.e2e.drain();
    // Meanwhile someone deployed web-prod:41 from the console.
    h.world.service('prod', 'web-prod').taskDefinition = tdArn('web-prod', 41);
    h.clock.set(kst('2026-12-07T15:00'));
    await h.e2e.tick();
    await h.e2e.drain();
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain('The service changed since the request was made');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('a start the scheduler missed by more than 30 minutes fails instead of running late', async () => {
    h.clock.set(kst('2026-12-07T11:00'));
    const req = await requestAt('scale web 6 --at 2026-12-07T12:00');
    await approve(h.e2e, req);
    await h.e2e.drain();
    h.clock.set(kst('2026-12-07T14:00'));
    await h.e2e.tick();
    await h.e2e.drain();
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain('passed 2h ago (it can start at most 30m late)');
    expect(scaleCalls()).toHaveLength(0);
  });

  it('the requester can cancel a scheduled request before it starts', async () => {
    h.clock.set(SATURDAY_NOON);
    const req = await requestAt('scale web 6 --at next-window');
    await approve(h.e2e, req);
    await h.e2e.drain();
    const res = await h.e2e.click({
      action_id: 'approval:cancel',
      value: req.id,
      user_id: 'UDEV1',
      channel_id: 'CPROD',
      message_ts: req.ts,
    });
    expect(res.statusCode).toBe(200);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('cancelled');
    h.clock.set(MONDAY_10 + 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(scaleCalls()).toHaveLength(0);
  });
});
