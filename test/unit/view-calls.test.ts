/**
 * views.* calls within a request's budget (src/slack/view-calls.ts): what a failure comes to, and
 * the bounds a form's steps get (src/slack/click-budget.ts FORM_NEEDS); the shared bound of a
 * several-role lookup (src/edge/authz.ts holdsAny). An injected clock; nothing asserts how long
 * anything took.
 */
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { createAccess } from '../../src/edge/authz';
import { BotError } from '../../src/errors';
import { CLICK_BUDGET_MS, createClickBudget, FORM_NEEDS, lookupWithin, MIN_STEP_MS, RESERVE } from '../../src/slack/click-budget';
import type { Directory } from '../../src/slack/directory';
import { WITHIN_ACK_TIMEOUT_MS } from '../../src/slack/gateway';
import { viewCallFailure, viewCallWithin } from '../../src/slack/view-calls';
import { slackErrorCodeOf } from '../../src/slack/gateway';
import { FakeClock } from '../helpers/clock';

/** A gateway error as src/slack/gateway.ts wraps the SDK's platform error. */
const slackError = (code?: string) =>
  new BotError('SLACK', `Slack API error: ${code ?? 'timeout of 1200ms exceeded'}`, {
    userMessage: 'x',
    cause: code ? Object.assign(new Error(`An API error occurred: ${code}`), { data: { ok: false, error: code } }) : new Error('timeout'),
  });

describe('viewCallFailure', () => {
  it("a refused trigger is 'expired', another error code 'refused' with it, no answer at all 'notConfirmed'", () => {
    expect(viewCallFailure(slackError('expired_trigger_id'))).toEqual({ why: 'expired' });
    expect(viewCallFailure(slackError('exchanged_trigger_id'))).toEqual({ why: 'expired' });
    expect(viewCallFailure(slackError('invalid_trigger_id'))).toEqual({ why: 'expired' });
    expect(viewCallFailure(slackError('internal_error'))).toEqual({ why: 'refused', code: 'internal_error' });
    expect(viewCallFailure(slackError())).toEqual({ why: 'notConfirmed' });
  });
  it('finds the code on the error itself or on its causes', () => {
    expect(slackErrorCodeOf({ data: { error: 'hash_conflict' } })).toBe('hash_conflict');
    expect(slackErrorCodeOf(slackError('hash_conflict'))).toBe('hash_conflict');
    expect(slackErrorCodeOf(new Error('no'))).toBeUndefined();
  });
});

describe('viewCallWithin', () => {
  it('hands back what Slack answered in time', async () => {
    const budget = createClickBudget(new FakeClock(0).now);
    expect(await viewCallWithin(budget, 'openView', RESERVE.answer, async () => ({ id: 'V1' }))).toEqual({
      done: true,
      value: { id: 'V1' },
    });
  });
  it('does not start a call it has no time for: not confirmed', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(CLICK_BUDGET_MS - RESERVE.answer - MIN_STEP_MS + 1);
    let started = false;
    const res = await viewCallWithin(budget, 'openView', RESERVE.answer, async () => {
      started = true;
    });
    expect(res).toEqual({ done: false, why: 'notConfirmed' });
    expect(started).toBe(false);
    expect(budget.steps).toEqual([{ step: 'openView', boundMs: MIN_STEP_MS - 1, outcome: 'skipped' }]);
  });
  it('stops waiting at its bound: not confirmed (the call may still go through)', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(CLICK_BUDGET_MS - RESERVE.answer - MIN_STEP_MS);
    const res = await viewCallWithin(budget, 'updateView', RESERVE.answer, () => new Promise<never>(() => undefined));
    expect(res).toEqual({ done: false, why: 'notConfirmed' });
    expect(budget.steps).toEqual([{ step: 'updateView', boundMs: MIN_STEP_MS, outcome: 'cutShort' }]);
  });
  it("Slack's refusal is an outcome; an error that is not Slack's still throws", async () => {
    const budget = createClickBudget(new FakeClock(0).now);
    expect(
      await viewCallWithin(budget, 'openView', 0, async () => {
        throw slackError('expired_trigger_id');
      }),
    ).toEqual({ done: false, why: 'expired' });
    await expect(
      viewCallWithin(budget, 'openView', 0, async () => {
        throw new TypeError('a bug');
      }),
    ).rejects.toThrow('a bug');
  });
});

describe("a form's numbers", () => {
  it('a form whose language and group lookups (side by side) take their whole bounds still gets views.open its reserve and ends within the budget', () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    const localeMs = budget.boundFor('formLocale', 500, FORM_NEEDS);
    const lookupMs = lookupWithin(budget, WITHIN_ACK_TIMEOUT_MS, FORM_NEEDS)!.withinMs;
    clock.advance(Math.max(localeMs, lookupMs)); // neither answers
    const openMs = budget.boundFor('openView', WITHIN_ACK_TIMEOUT_MS, RESERVE.answer);
    expect(openMs).toBeGreaterThanOrEqual(RESERVE.openView);
    clock.advance(openMs); // views.open never answers
    expect(budget.left()).toBe(RESERVE.answer); // the answer that it did not open
    expect(FORM_NEEDS).toBe(RESERVE.openView + RESERVE.answer);
  });
});

describe('holdsAny within a bound', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives all the roles’ lookups one bound together: the second gets what the first left', async () => {
    const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
    let t = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => t);
    const asked: Array<number | undefined> = [];
    const directory: Directory = {
      async groupsOf(_user, _groups, opts = {}) {
        asked.push(opts.withinMs);
        t += 400; // Slack took 400 ms, and the user is in none of the groups
        return new Set<string>();
      },
    };
    const access = createAccess(config, directory);
    expect(await access.holdsAny('prod', 'UNOBODY', ['requester', 'approver'], { withinMs: 1_000 })).toBe(false);
    expect(asked).toEqual([1_000, 600]);
    asked.length = 0;
    expect(await access.holdsAny('prod', 'UNOBODY', ['requester', 'approver'])).toBe(false);
    expect(asked).toEqual([undefined, undefined]);
  });
});
