/**
 * The per-click budget (src/slack/click-budget.ts): the arithmetic of each step's bound, with an
 * injected clock; no step here waits in real time except the ones that never answer, and nothing
 * asserts how long anything took.
 */
import {
  boundWithin,
  CLICK_BUDGET_MS,
  createClickBudget,
  dispatchWithin,
  HAND_OFF_FLOOR_MS,
  handOffWithin,
  lookupWithin,
  MIN_STEP_MS,
  noBudget,
  RESERVE,
} from '../../src/slack/click-budget';
import { attemptBounds } from '../../src/aws/lambda-invoke';
import { FakeClock } from '../helpers/clock';

describe('boundWithin', () => {
  it("is the step's own timeout while the budget has room for it and the reserve", () => {
    expect(boundWithin(0, 2_500, 1_200, 900)).toBe(1_200);
  });
  it('is what is left minus the reserve when that is less', () => {
    expect(boundWithin(1_000, 2_500, 1_200, 900)).toBe(600);
  });
  it('is never negative', () => {
    expect(boundWithin(2_400, 2_500, 1_200, 900)).toBe(0);
    expect(boundWithin(3_000, 2_500, 1_200)).toBe(0);
  });
  it('is the own timeout without a budget', () => {
    expect(boundWithin(0, Infinity, 1_200, 900)).toBe(1_200);
  });
});

describe('the budget numbers', () => {
  it('an approval whose optional steps each take their whole bound still ends within the budget, its essential steps keeping their reserve', () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(250); // the clicker's locale, at its bound (CLICK_LOCALE_MS)
    const handOffNeeds = RESERVE.handOff + RESERVE.abort + RESERVE.answer;
    clock.advance(budget.boundFor('groupLookup', 1_200, RESERVE.transition + handOffNeeds)); // Slack never answers
    clock.advance(RESERVE.transition); // the transition
    clock.advance(budget.boundFor('refreshCard', 1_200, handOffNeeds)); // chat.update never answers
    expect(budget.left()).toBe(handOffNeeds);
    clock.advance(budget.boundFor('handOff', Infinity, RESERVE.abort + RESERVE.answer)); // the Invoke stalls
    clock.advance(RESERVE.abort + RESERVE.answer);
    expect(clock.now()).toBe(CLICK_BUDGET_MS);
    expect(CLICK_BUDGET_MS).toBeLessThan(3_000);
    expect(HAND_OFF_FLOOR_MS).toBeLessThan(RESERVE.handOff);
  });
});

describe('createClickBudget', () => {
  it('gives each step min(own timeout, left − reserve) on the clock it was given, and records it', () => {
    const clock = new FakeClock(10_000);
    const budget = createClickBudget(clock.now, { totalMs: 2_500 });
    expect(budget.boundFor('groupLookup', 1_200, 1_400)).toBe(1_100);
    clock.advance(1_000);
    expect(budget.left()).toBe(1_500);
    expect(budget.boundFor('handOff', Infinity, 500)).toBe(1_000);
    clock.advance(5_000);
    expect(budget.left()).toBe(0);
    expect(budget.boundFor('handOff', Infinity, 500)).toBe(0);
    expect(budget.steps).toEqual([
      { step: 'groupLookup', boundMs: 1_100, outcome: 'given' },
      { step: 'handOff', boundMs: 1_000, outcome: 'given' },
      { step: 'handOff', boundMs: 0, outcome: 'given' },
    ]);
  });

  it('skips an optional step it has no time for, without starting it', async () => {
    const clock = new FakeClock(0);
    const short: string[] = [];
    const budget = createClickBudget(clock.now, { totalMs: 2_500, onShort: (r) => short.push(`${r.step}:${r.outcome}`) });
    clock.advance(2_500 - RESERVE.handOff - MIN_STEP_MS + 1);
    let started = false;
    const res = await budget.optional('refreshCard', 1_200, RESERVE.handOff, async () => {
      started = true;
    });
    expect(res).toEqual({ done: false, why: 'skipped' });
    expect(started).toBe(false);
    expect(short).toEqual(['refreshCard:skipped']);
  });

  it('stops waiting for an optional step at its bound and reports it cut short; its late failure is only told', async () => {
    const clock = new FakeClock(0);
    const late: string[] = [];
    const budget = createClickBudget(clock.now, { totalMs: 2_500, onLateFailure: (step) => late.push(step) });
    // The clock says 2,500 − 900 − 100 = 1,500 ms... minus the reserve: a bound of MIN_STEP_MS.
    clock.advance(2_500 - 900 - MIN_STEP_MS);
    let fail!: (err: Error) => void;
    const never = new Promise<void>((_resolve, reject) => (fail = reject));
    const res = await budget.optional('refreshCard', 1_200, 900, () => never);
    expect(res).toEqual({ done: false, why: 'cutShort' });
    expect(budget.steps).toEqual([{ step: 'refreshCard', boundMs: MIN_STEP_MS, outcome: 'cutShort' }]);
    fail(new Error('late'));
    await new Promise((r) => setImmediate(r));
    expect(late).toEqual(['refreshCard']);
  });

  it('gives a step with a floor (the answer to the clicker) at least the floor, even past the budget', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now, { totalMs: 2_500 });
    clock.advance(10_000);
    await expect(budget.optional('answer', 1_200, 0, async () => 'sent', RESERVE.answer)).resolves.toEqual({ done: true, value: 'sent' });
    expect(budget.steps).toEqual([{ step: 'answer', boundMs: RESERVE.answer, outcome: 'done' }]);
  });

  it('hands back the value of a step done in time, and its failure as without a budget', async () => {
    const budget = createClickBudget(new FakeClock(0).now);
    await expect(budget.optional('x', 1_200, 0, async () => 42)).resolves.toEqual({ done: true, value: 42 });
    await expect(budget.optional('y', 1_200, 0, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(budget.steps.map((s) => s.outcome)).toEqual(['done', 'failed']);
  });

  it('without a budget every step keeps its own timeout and a hand-off is not bounded', () => {
    const budget = noBudget();
    expect(budget.boundFor('groupLookup', 1_200, 10_000)).toBe(1_200);
    expect(handOffWithin(budget)).toBeUndefined();
    expect(lookupWithin(budget, 1_200, 10_000)).toBeUndefined();
  });

  it('without a budget an optional step is waited for to its end, past any bound a click would give it', async () => {
    jest.useFakeTimers();
    try {
      const budget = noBudget();
      let finish!: () => void;
      const res = budget.optional('refreshCard', 1_200, 0, () => new Promise<string>((r) => (finish = () => r('updated'))));
      // Well past the step's own 1,200 ms (timers moved by jest, not waited for): a race would have cut it.
      await jest.advanceTimersByTimeAsync(5_000);
      finish();
      await expect(res).resolves.toEqual({ done: true, value: 'updated' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a hand-off gets what is left but its reserve, and never less than one short attempt', () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now, { totalMs: 2_500 });
    clock.advance(1_000);
    expect(handOffWithin(budget, 500)).toEqual({ withinMs: 1_000 });
    clock.advance(1_400);
    expect(handOffWithin(budget, 500)).toEqual({ withinMs: HAND_OFF_FLOOR_MS });
  });
});

describe('dispatchWithin', () => {
  it("passes the hand-off's time within a budget, and calls the dispatcher exactly as before without one", async () => {
    const calls: unknown[][] = [];
    const dispatcher = { dispatch: async (...args: unknown[]) => void calls.push(args) };
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now, { totalMs: 2_500 });
    clock.advance(500);
    await dispatchWithin(dispatcher, { kind: 'x' }, budget);
    await dispatchWithin(dispatcher, { kind: 'y' }, noBudget());
    expect(calls).toEqual([[{ kind: 'x' }, { withinMs: 2_500 - 500 - RESERVE.answer }], [{ kind: 'y' }]]);
  });
});

describe('attemptBounds (one Invoke attempt within a hand-off time)', () => {
  it('keeps the attempt timeouts while there is time, cuts them to what is left, none when nothing is', () => {
    expect(attemptBounds(700, 1_000, Infinity)).toEqual({ connectMs: 700, requestMs: 1_000 });
    expect(attemptBounds(700, 1_000, 800)).toEqual({ connectMs: 700, requestMs: 800 });
    expect(attemptBounds(700, 1_000, 300)).toEqual({ connectMs: 300, requestMs: 300 });
    expect(attemptBounds(700, 1_000, 0)).toBeUndefined();
    expect(attemptBounds(700, 1_000, -5)).toBeUndefined();
  });
});
