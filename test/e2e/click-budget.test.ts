/**
 * The per-click budget end to end (src/slack/click-budget.ts): signed clicks into the Slack Lambda
 * handler with a dependency that answers late or never (the local Slack API's `handle`, the local
 * Lambda endpoint's stalls). The handler still returns, the outcome is truthful and the clicker is
 * told; the bounds the calls got are the budget's (read from the log, computed on the runtime's
 * clock, which the tests move). Nothing here asserts how long anything took.
 */
import { fixtureGroups } from '../helpers/config';
import { clickRequestButton, setupE2E, type E2E } from '../helpers/e2e';
import { submitInput } from '../integration/approvals-runtime';
import type { ChangeRequest } from '../../src/approvals/types';
import { submitRequest, getRequest } from '../../src/approvals/workflow';
import { CLICK_BUDGET_MS, HAND_OFF_FLOOR_MS, HAND_OFF_NEEDS, RESERVE } from '../../src/slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../../src/slack/gateway';
import { FakeClock } from '../helpers/clock';
import { redisLocaleCache } from '../../src/redis/locale-cache';
import { keys } from '../../src/redis/keys';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);

describe('a click answers within its budget when a dependency hangs', () => {
  let e2e: E2E;
  let clicks = 0;
  /** Answers the calls held by a hanging handler (after the test: the server then closes). */
  const release: Array<() => void> = [];
  const hang = () => new Promise<unknown>((resolve) => release.push(() => resolve({ ok: false, error: 'released' })));

  afterEach(async () => {
    for (const r of release.splice(0)) r();
    await e2e.close();
  });

  const click = async (req: ChangeRequest, action: string, user: string) =>
    (await clickRequestButton(e2e, req, action, user, `click-${++clicks}`)).join('\n');
  const executeJobs = () => e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'execute');
  const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);

  it('chat.update hanging after an approval: approved and handed off, the card refresh cut at its bound, the clicker told', async () => {
    const clock = new FakeClock(T0);
    e2e = await setupE2E({ now: clock.now, groups: fixtureGroups({ SLEADS: ['UGRP1'] }) });
    const req = await submitRequest(e2e.rt, submitInput());
    // The group lookup answers, but it took 600 ms of the click's clock.
    e2e.slack.handle('usergroups.users.list', () => {
      clock.advance(600);
      return { ok: true, users: ['UGRP1'] };
    });
    e2e.slack.handle('chat.update', hang);

    const answer = await click(req, 'approve', 'UGRP1');

    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('approved');
    expect(executeJobs()).toHaveLength(1);
    expect(answer).toContain('Approved, and the change was handed to the worker. The request message could not be updated right away');
    // The refresh got what was left after the lookup, minus what the hand-off needs: less than Slack's own timeout.
    const cut = logged('click budget: step cut short');
    expect(cut).toEqual([
      expect.objectContaining({ step: 'refreshCard', outcome: 'cutShort', boundMs: CLICK_BUDGET_MS - 600 - HAND_OFF_NEEDS }),
    ]);
    expect(CLICK_BUDGET_MS - 600 - HAND_OFF_NEEDS).toBeLessThan(WITHIN_ACK_TIMEOUT_MS);
    // The cut-short refresh may never land (or land after a newer render): the tick renders the request again.
    expect(await e2e.rt.redis.zscore(keys.rerenderQueue(), req.id)).not.toBeNull();
  });

  it('the clicker told in Korean when the card could not be updated', async () => {
    const clock = new FakeClock(T0);
    e2e = await setupE2E({ now: clock.now, groups: fixtureGroups({ SLEADS: ['UGRP1'] }) });
    const req = await submitRequest(e2e.rt, submitInput());
    await redisLocaleCache(e2e.rt.redis).set('UGRP1', 'ko-KR', 3600);
    e2e.slack.handle('usergroups.users.list', () => {
      clock.advance(CLICK_BUDGET_MS);
      return { ok: true, users: ['UGRP1'] };
    });
    e2e.slack.handle('chat.update', hang);
    const answer = await click(req, 'approve', 'UGRP1');
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('approved');
    expect(executeJobs()).toHaveLength(1);
    // No time left for the refresh at all: it was never started.
    expect(logged('click budget: step cut short')).toEqual([expect.objectContaining({ step: 'refreshCard', outcome: 'skipped' })]);
    expect(answer).toContain('승인했고 변경을 워커에 넘겼습니다');
  });

  it('chat.update hanging after a cancel: cancelled, and the clicker told the message may still show the request', async () => {
    e2e = await setupE2E({ now: new FakeClock(T0).now, groups: fixtureGroups() });
    const req = await submitRequest(e2e.rt, submitInput());
    e2e.slack.handle('chat.update', hang);
    const answer = await click(req, 'cancel', 'UDEV1');
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('cancelled');
    expect(answer).toContain('Done. The request message could not be updated right away');
  });

  it('views.open hanging on Reject: the form is given what the click has left but the answer, and the clicker is told it may not have opened', async () => {
    const clock = new FakeClock(T0);
    e2e = await setupE2E({ now: clock.now, groups: fixtureGroups({ SLEADS: ['UGRP1'] }) });
    const req = await submitRequest(e2e.rt, submitInput());
    e2e.slack.handle('usergroups.users.list', () => {
      clock.advance(1_500);
      return { ok: true, users: ['UGRP1'] };
    });
    e2e.slack.handle('views.open', hang);

    const answer = await click(req, 'reject', 'UGRP1');

    expect(answer).toContain('Slack did not confirm in time that the reject form opened. If it does not appear, click *Reject* again.');
    expect(answer).not.toContain('Slack API error');
    expect(e2e.slack.callsTo('views.open')).toHaveLength(1);
    expect(logged('click budget: step cut short')).toEqual([
      expect.objectContaining({ step: 'openView', outcome: 'cutShort', boundMs: CLICK_BUDGET_MS - 1_500 - RESERVE.answer }),
    ]);
    expect(CLICK_BUDGET_MS - 1_500 - RESERVE.answer).toBeLessThan(WITHIN_ACK_TIMEOUT_MS);
    // Nothing was rejected: the request waits for a reject form that is submitted.
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('pending');
  });

  it('usergroups.users.list hanging: the lookup stops at its bound, nothing is approved, the clicker is told to try again', async () => {
    const clock = new FakeClock(T0);
    e2e = await setupE2E({ now: clock.now, groups: fixtureGroups({ SLEADS: ['UGRP1'] }) });
    const req = await submitRequest(e2e.rt, submitInput());
    e2e.slack.handle('usergroups.users.list', hang);

    const answer = await click(req, 'approve', 'UGRP1');

    expect(answer).toContain('I could not check your membership of user group');
    const stored = await getRequest(e2e.rt.redis, req.id);
    expect(stored?.state).toBe('pending');
    expect(stored?.approvals).toEqual([]);
    expect(executeJobs()).toHaveLength(0);
    // Bounded so that the transition and the hand-off still fit after it, under Slack's own timeout.
    const bound = CLICK_BUDGET_MS - RESERVE.transition - HAND_OFF_NEEDS;
    expect(bound).toBeLessThan(WITHIN_ACK_TIMEOUT_MS);
    expect(logged('user-group lookup: Slack did not answer within the bound; it goes on in the background')).toEqual([
      expect.objectContaining({ groupId: 'SLEADS', withinMs: bound }),
    ]);
  });

  it('the answer to the clicker hanging (a refusal through a response_url that never answers): the handler returns, the answer cut at its floor', async () => {
    const clock = new FakeClock(T0);
    e2e = await setupE2E({ now: clock.now, groups: fixtureGroups({ SLEADS: ['UGRP1'] }) });
    const req = await submitRequest(e2e.rt, submitInput());
    // The lookup spends the whole budget: the refusal's answer gets only its own reserve.
    e2e.slack.handle('usergroups.users.list', () => {
      clock.advance(CLICK_BUDGET_MS);
      return { ok: true, users: ['UGRP1'] };
    });
    // A response_url that takes the request and never answers (Bolt's respond() has no timeout of its own).
    const posted: string[] = [];
    e2e.slack.core.setRouteHandler('/hang/', (_req, res, _url, raw) => {
      posted.push(raw.toString('utf8'));
      return new Promise<boolean>((resolve) =>
        release.push(() => {
          res.end();
          resolve(true);
        }),
      );
    });

    const res = await e2e.click({
      action_id: 'approval:approve',
      value: req.id,
      user_id: 'UDEV2',
      channel_id: req.channel,
      message_ts: req.messageTs,
      response_url: `${e2e.slack.url}/hang/1`,
    });

    expect(res.statusCode).toBe(200);
    // The refusal was sent (and is still waiting for Slack's answer), nothing was approved.
    expect(posted.join('\n')).toContain('approver');
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('pending');
    expect(logged('click budget: step cut short')).toEqual([
      expect.objectContaining({ step: 'answer', outcome: 'cutShort', boundMs: RESERVE.answer }),
    ]);
  });

  it('the Invoke stalling: one attempt within the budget, then the request fails (never left approved) and the clicker is told', async () => {
    // The runtime's real clock: the stalled Invoke spends real time.
    e2e = await setupE2E({ groups: fixtureGroups() });
    const req = await submitRequest(e2e.rt, submitInput());
    e2e.lambda.stallNext('lambda', 'Invoke', 2);

    const answer = await click(req, 'approve', 'ULEAD1');

    expect(answer).toContain('I could not start the work for this command, so nothing was done');
    const stored = await getRequest(e2e.rt.redis, req.id);
    expect(stored?.state).toBe('failed');
    expect(executeJobs()).toHaveLength(0);
    // One attempt: the retry did not fit (the test runtime's own Invoke timeouts are 10 s each).
    expect(e2e.lambda.callsOf({ service: 'lambda', action: 'Invoke' })).toHaveLength(1);
    const [failed] = logged('approvals: the hand-off failed; failing the request');
    expect(failed?.withinMs).toBeGreaterThanOrEqual(HAND_OFF_FLOOR_MS);
    expect(failed?.withinMs).toBeLessThanOrEqual(CLICK_BUDGET_MS - RESERVE.abort - RESERVE.answer);
  });

  it("a typed command whose Invoke stalls: one attempt within the budget, then a clear answer (not two full attempts past Slack's 3 seconds)", async () => {
    // The runtime's real clock: the stalled Invoke spends real time (the test runtime's own Invoke
    // timeouts are 10 s each: without the budget this command would wait for two of them).
    e2e = await setupE2E({ groups: fixtureGroups() });
    e2e.lambda.stallNext('lambda', 'Invoke', 2);

    const res = await e2e.slash('status web', { channel_id: 'CPROD' });

    expect(res.status).toBe(200);
    expect(res.text).toContain('Lambda did not confirm in time that it took the work for this command, so it may or may not run');
    expect(e2e.lambda.callsOf({ service: 'lambda', action: 'Invoke' })).toHaveLength(1);
    expect(e2e.handedOff).toHaveLength(0);
  });
});
