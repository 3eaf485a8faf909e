/**
 * "Does the bot keep working, and tell the truth, when Slack misbehaves?", asked by fast-check.
 * Every step (a request, a click, a worker run, time passing, ECS moving on) may meet a Slack that
 * refuses a method (an error), limits it (429 with Retry-After), is down for the step (503: only on
 * the Slack function's side, whose calls make one attempt; the worker's retries of a 503 take seconds),
 * or answers late (the local server's stallNext): a little late (300 ms, within every bound), or past
 * the Slack function's bound (1,300 ms > WITHIN_ACK_TIMEOUT_MS, src/slack/gateway.ts, the bound of
 * every call made within a click and of every user-group lookup, the worker's re-check at a start
 * included). A call the bot stopped waiting for still lands at Slack when its answer leaves, as on
 * a struggling Slack; on the Slack function's side a call may also be held until a later `release`
 * step (it lands after whatever came since: an approval's card refresh over a cancelled card), and
 * before time passes: a late call lands within seconds, never after the next minute's tick (the
 * tick re-renders a card whose refresh was cut short once, 60 s after it; a call Slack applied
 * later than that would leave the card stale until its next change, which this model does not ask).
 * Methods: chat.postMessage, chat.update, response_url, usergroups.users.list, views.open, or any.
 * Past the worker's own bound (10 s) only in slack-late-answers.test.ts and slack-late-cards.test.ts
 * (a post Slack took late is said once), one real wait each.
 *
 * The oracle is chatops.yml's policy and ECS, never the bot's code.
 *
 * Approvals (two eligible approvers other than the requester, within an hour; ULEAD3 approves and
 * UDEV2 requests through user groups, which the bot asks Slack for): after every step
 *   - every UpdateService belongs to a request whose recorded approvals are two or more, each from
 *     an eligible person who pressed Approve on it (in time, before it was closed);
 *   - no request runs twice; nothing runs after the bot recorded it cancelled or rejected;
 *   - a card says Running or Succeeded only for a request that ran; Cancelled, Rejected or Expired
 *     only for one that did not.
 * At the end, Slack well (held calls landed) and time passing with the tick: every request has
 * ended, its card says its true end, nothing holds either service (a new request is taken). A card
 * overwritten by a late call may be stale between steps (Slack's order, not the bot's); the tick's
 * re-render of a refresh cut short puts the truth back, which the end checks.
 *
 * Rollout reporting (a deploy approved while Slack is well, then ECS and EventBridge as in
 * rollout-model.test.ts, test/helpers/rollout-model.ts, each step under a Slack fault on the
 * worker's and events' calls): the
 * thread says "Deploy completed" only if ECS completed it, "Deploy failed" only if ECS rolled it
 * back, at most one ending; at the end, Slack well and only the tick left, the thread says the true
 * end once and the card says it too.
 *
 * Each `npm test` runs a few random sequences (MODEL_RUNS=<n> for more); MODEL_SEED and MODEL_PATH
 * replay a failure's run.
 */
import fc from 'fast-check';
import type { Cluster, Redis } from 'ioredis';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import type { RequestState } from '../../src/approvals/types';
import { configFile, fixtureGroups } from '../helpers/config';
import { textOf, useDeployHarness } from '../helpers/deploy-e2e';
import {
  APPROVAL_TTL_MS,
  APPROVERS,
  FINAL,
  NEEDED,
  anApprover,
  approvalsPolicy,
  approvalsSteps,
  finishRollouts as finishRolloutsOf,
  postedRequests,
  type ApprovalsStep,
  type Person,
  type Service,
  takesNewRequest,
  pastEveryDeadline,
} from '../helpers/approvals-model';
import { lambdaRetries } from '../helpers/model';
import { testRedis, useWorkerDb } from '../helpers/redis';
import type { SlackServer } from '../helpers/slack-server';
import { rollout, rolloutStep, type RolloutSeen } from '../helpers/rollout-model';

const RUNS = (n: number) => ({
  numRuns: Number(process.env.MODEL_RUNS || n),
  endOnFailure: true,
  ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH } : {}),
});

/** A Slack misbehaving for one step. */
type SlackFault =
  | { f: 'well' }
  | { f: 'error'; method: string; times: number }
  | { f: '429'; method: string; times: number }
  | { f: 'down' }
  | { f: 'stall'; method: string; ms: number; times: number }
  /** The next call is held until a later `release` step (or the end): it lands late, after whatever came since. */
  | { f: 'hold'; method: string };

const METHODS = ['chat.postMessage', 'chat.update', 'response_url', 'usergroups.users.list', 'views.open', '*'] as const;
/** Past the Slack function's bound (WITHIN_ACK_TIMEOUT_MS = 1,200 ms) by a little; well within the worker's 10 s. */
const PAST_THE_BOUND_MS = 1_300;

/** `edge`: the step's Slack function may meet a 503 or a call held for long (its calls make one short attempt; the worker's would retry for seconds). */
function slackFault(methods: readonly string[], edge: boolean): fc.Arbitrary<SlackFault> {
  const method = fc.constantFrom(...methods);
  const times = fc.integer({ min: 1, max: 3 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant({ f: 'well' as const }) },
    { weight: 2, arbitrary: fc.record({ f: fc.constant('error' as const), method, times }) },
    { weight: 1, arbitrary: fc.record({ f: fc.constant('429' as const), method, times: fc.constant(1) }) },
    { weight: edge ? 1 : 0, arbitrary: fc.constant({ f: 'down' as const }) },
    { weight: edge ? 1 : 0, arbitrary: fc.record({ f: fc.constant('hold' as const), method }) },
    {
      weight: 2,
      arbitrary: fc.record({
        f: fc.constant('stall' as const),
        method,
        ms: fc.constantFrom(300, 300, PAST_THE_BOUND_MS),
        times: fc.constant(1),
      }),
    },
  );
}

function applyFault(slack: SlackServer, fault: SlackFault): void {
  switch (fault.f) {
    case 'well':
      return;
    case 'error':
      // internal_error for everything; what a response_url answers when it refuses (HTTP 404) otherwise.
      return slack.failNext(fault.method, fault.method === 'response_url' ? 'expired_url' : 'internal_error', fault.times);
    case '429':
      return slack.rateLimitNext(fault.method, 1, fault.times);
    case 'down':
      return slack.setDown(true);
    case 'stall':
      return slack.stallNext(fault.method, fault.ms, fault.times);
    case 'hold':
      return slack.stallNext(fault.method, Infinity);
  }
}

let direct: Redis | Cluster;
beforeAll(() => {
  useWorkerDb();
  direct = testRedis();
});
afterAll(async () => {
  await direct.quit();
});

const h = useDeployHarness({
  configPath: configFile(approvalsPolicy(['UDEV1', 'SDEVS', 'ULEAD1'])),
  groups: fixtureGroups({ SLEADS: ['ULEAD3'], SDEVS: ['UDEV2'] }),
});

describe('approvals while Slack refuses, limits, is down or answers late', () => {
  type Step = ApprovalsStep | { t: 'click'; action: 'reject'; req: number; user: Person } | { t: 'release' };
  type Action = Step & { fault: SlackFault };

  const extra: Array<fc.WeightedArbitrary<Step>> = [
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('click' as const), action: fc.constant('reject' as const), req: fc.nat(4), user: anApprover }),
    },
    { weight: 1, arbitrary: fc.constant({ t: 'release' as const }) },
  ];
  const step: fc.Arbitrary<Step> = fc.oneof(...(approvalsSteps as Array<fc.WeightedArbitrary<Step>>), ...extra);
  const action: fc.Arbitrary<Action> = fc.tuple(step, slackFault(METHODS, true)).map(([s, fault]) => ({ ...s, fault }));

  interface Known {
    id: string;
    ts: string;
    requester: Person;
    service: Service;
    createdAt: number;
    count: number;
    /** Eligible people who pressed Approve on it in time, before it was closed. */
    pressedBy: Set<string>;
    callsWhenClosed?: number;
  }

  it('never runs without two eligible approvals, never twice, never after a cancel or reject; cards never claim what did not happen; everything ends and says so', async () => {
    const seen = { requests: 0, ran: 0, rejected: 0, faulted: 0, pastTheBound: 0, down: 0, landedLate: 0, gaveUp: 0 };
    const model = async (actions: Action[]) => {
      await h.restart();
      const slack = h.e2e.slack;
      const known: Known[] = [];
      let seq = 0;
      const updates = () => h.ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
      const callsFor = (k: Known) => updates().filter((u) => u.desiredCount === k.count).length;
      const read = (id: string) => getRequest(direct, id);
      const card = (k: Known) => textOf(slack.message('CPROD', k.ts));

      const learnNewRequests = (requester: Person, service: Service, count: number) => {
        for (const { id, ts } of postedRequests(h))
          if (!known.some((k) => k.id === id))
            known.push({ id, ts, requester, service, createdAt: h.clock.now(), count, pressedBy: new Set() });
      };
      const check = async (after: string) => {
        for (const k of known) {
          if (k.callsWhenClosed !== undefined) continue;
          const state = (await read(k.id))?.state;
          if (state === 'cancelled' || state === 'rejected') k.callsWhenClosed = callsFor(k);
        }
        for (const u of updates()) {
          const k = known.find((x) => x.count === u.desiredCount);
          expect({ after, ran: u.desiredCount, request: !!k }).toEqual({ after, ran: u.desiredCount, request: true });
          const recorded = ((await read(k!.id))?.approvals ?? []).map((a) => a.user).sort();
          expect({ after, id: k!.id, recorded, enough: recorded.length >= NEEDED }).toEqual({ after, id: k!.id, recorded, enough: true });
        }
        for (const k of known) {
          const recorded = ((await read(k.id))?.approvals ?? []).map((a) => a.user);
          const unearned = recorded.filter((u) => !k.pressedBy.has(u));
          expect({ after, id: k.id, unearned }).toEqual({ after, id: k.id, unearned: [] });
          const runs = callsFor(k);
          expect({ after, id: k.id, runs }).toEqual({ after, id: k.id, runs: Math.min(runs, 1) });
          if (k.callsWhenClosed !== undefined)
            expect({ after, id: k.id, runsAfterClosed: runs - k.callsWhenClosed }).toEqual({ after, id: k.id, runsAfterClosed: 0 });
          const says = card(k);
          const claims = {
            ran: /\*(Running|Succeeded)\*/.test(says),
            notRun: /\*(Cancelled|Rejected|Expired)\*/.test(says),
          };
          expect({ after, id: k.id, runs, claims }).toEqual({
            after,
            id: k.id,
            runs,
            claims: { ran: claims.ran && runs === 1, notRun: claims.notRun && runs === 0 },
          });
        }
      };
      const lambda = lambdaRetries(h.e2e, h.clock);
      const { drain, tick } = lambda;
      const finishRollouts = () => finishRolloutsOf(h);

      /** Slack catches up: the calls it held are handled now (the bot gave up on them long ago); those stalled a while have landed. */
      const landHeld = async () => {
        if (slack.releaseStalls()) seen.landedLate++;
        await slack.waitFor(
          (calls) => calls.every((c) => !c.stalled || c.response !== undefined || c.down || c.rateLimited || !!c.failed),
          3000,
          'the held calls land',
        );
      };
      const run = async (a: Action) => {
        switch (a.t) {
          case 'request': {
            const count = 5 + ++seq;
            await h.e2e.slash(`scale ${a.service} ${count} --reason "slack faults ${seq}"`, { channel_id: 'CPROD', user_id: a.user });
            // The worker's calls would retry a 503, or wait out a held call, for seconds: those two end with the Slack function's part.
            if (a.fault.f === 'down' || a.fault.f === 'hold') slack.clearFaults();
            await drain();
            learnNewRequests(a.user, a.service, count);
            return;
          }
          case 'click': {
            const k = known[a.req % Math.max(1, known.length)];
            if (!k) return;
            const user = a.user === 'requester' ? k.requester : a.user;
            const open = h.clock.now() <= k.createdAt + APPROVAL_TTL_MS && k.callsWhenClosed === undefined;
            if (a.action === 'approve' && APPROVERS.has(user) && user !== k.requester && open) k.pressedBy.add(user);
            const res = await h.e2e.click({
              action_id: `approval:${a.action}`,
              value: k.id,
              user_id: user,
              channel_id: 'CPROD',
              message_ts: k.ts,
              response_url: slack.responseUrl(),
              trigger_id: slack.core.issueTrigger(user),
            });
            expect(res.statusCode).toBe(200);
            if (a.action !== 'reject') return;
            // Held views.open calls land now (as a late modal does), and the person submits the form if it opened.
            await landHeld();
            const form = slack.modals(user).find((v) => v.callback_id === 'approval:reject' && v.private_metadata === k.id);
            if (!form) return;
            const answer = await h.e2e.submitView({
              callback_id: 'approval:reject',
              private_metadata: k.id,
              user_id: user,
              view_id: form.id,
              values: { reason: { reason: { type: 'plain_text_input', value: 'not now, Slack is slow' } } },
            });
            slack.answerViewSubmission(form.id, answer.body ? JSON.parse(answer.body) : undefined);
            return;
          }
          case 'drain':
            await drain();
            return;
          case 'time':
            // Slack is late by seconds, the tick a minute apart: what it held lands before time passes.
            await landHeld();
            h.clock.advance(a.ms);
            if (a.tick) await tick();
            return;
          case 'rollout':
            await landHeld();
            finishRollouts();
            h.clock.advance(60_000);
            await tick();
            return;
          case 'release':
            await landHeld();
            return;
        }
      };

      for (const [i, a] of actions.entries()) {
        applyFault(slack, a.fault);
        if (a.fault.f !== 'well') seen.faulted++;
        if (a.fault.f === 'down') seen.down++;
        if (a.fault.f === 'stall' && a.fault.ms === PAST_THE_BOUND_MS) seen.pastTheBound++;
        try {
          await run(a);
        } finally {
          slack.clearFaults();
        }
        await check(`step ${i + 1}: ${JSON.stringify(a)}`);
      }

      // The end, Slack well: calls still held land, what waits is run, the rollouts finish, time
      // passes past every expiry and deadline with the tick.
      await landHeld();
      await drain();
      await pastEveryDeadline(h, tick);
      await check('the end');
      seen.requests += known.length;
      seen.gaveUp += lambda.gaveUp;
      seen.ran += updates().length;
      for (const k of known) {
        const state = (await read(k.id))?.state;
        expect({ id: k.id, state, ended: state !== undefined && FINAL.includes(state) }).toEqual({ id: k.id, state, ended: true });
        if (state === 'rejected') seen.rejected++;
        const markers: Partial<Record<RequestState, string>> = {
          succeeded: '*Succeeded*',
          failed: '*Failed*',
          rejected: '*Rejected*',
          expired: '*Expired*',
          cancelled: '*Cancelled*',
        };
        const marker = markers[state!] ?? `(no end for ${state})`;
        const says = card(k);
        expect({ id: k.id, state, cardSays: says.includes(marker) || (state === 'failed' && says.includes('*Not confirmed*')) }).toEqual({
          id: k.id,
          state,
          cardSays: true,
        });
      }
      for (const service of ['web', 'worker'] as const) {
        const holding = await direct.get(keys.activeRequest('prod', service));
        const state = holding ? (await read(holding))?.state : undefined;
        expect({ service, holding, state, free: !holding || (!!state && FINAL.includes(state)) }).toEqual({
          service,
          holding,
          state,
          free: true,
        });
      }
      await takesNewRequest(h, drain, 'UDEV1');
    };

    const scenario = (steps: Array<[Step, SlackFault]>): Action[] => steps.map(([s, fault]) => ({ ...s, fault }));
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 16 }), model), {
      ...RUNS(8),
      // Always reached: a run on two approvals whose second click meets a late Slack, the start's
      // re-check of ULEAD3's group past the bound once, and the reports; a reject whose form opens late.
      examples: [
        [
          scenario([
            [{ t: 'request', user: 'UDEV1', service: 'web' }, { f: 'well' }],
            [
              { t: 'click', action: 'approve', req: 0, user: 'ULEAD1' },
              { f: 'stall', method: 'chat.update', ms: PAST_THE_BOUND_MS, times: 1 },
            ],
            [
              { t: 'click', action: 'approve', req: 0, user: 'ULEAD3' },
              { f: 'error', method: 'response_url', times: 2 },
            ],
            [{ t: 'time', ms: 421_000, tick: false }, { f: 'well' }],
            [{ t: 'drain' }, { f: 'stall', method: 'usergroups.users.list', ms: PAST_THE_BOUND_MS, times: 1 }],
            [{ t: 'rollout' }, { f: '429', method: 'chat.postMessage', times: 1 }],
            [
              { t: 'request', user: 'UDEV2', service: 'worker' },
              { f: 'stall', method: 'chat.postMessage', ms: 300, times: 1 },
            ],
            [
              { t: 'click', action: 'reject', req: 1, user: 'ULEAD2' },
              { f: 'stall', method: 'views.open', ms: PAST_THE_BOUND_MS, times: 1 },
            ],
            [{ t: 'click', action: 'approve', req: 1, user: 'ULEAD1' }, { f: 'down' }],
          ]),
        ],
        // An approval's card refresh Slack takes only after the request was cancelled: it lands over the cancelled card.
        [
          scenario([
            [{ t: 'request', user: 'UDEV1', service: 'web' }, { f: 'well' }],
            [
              { t: 'click', action: 'approve', req: 0, user: 'ULEAD2' },
              { f: 'hold', method: 'chat.update' },
            ],
            [{ t: 'click', action: 'cancel', req: 0, user: 'requester' }, { f: 'well' }],
            [{ t: 'release' }, { f: 'well' }],
            [{ t: 'time', ms: 421_000, tick: true }, { f: 'well' }],
          ]),
        ],
      ],
    });
    expect(seen.requests).toBeGreaterThan(3);
    expect(seen.ran).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.faulted).toBeGreaterThan(0);
    expect(seen.pastTheBound).toBeGreaterThan(0);
    expect(seen.down).toBeGreaterThan(0);
    expect(seen.landedLate).toBeGreaterThan(0);
  }, 600_000);
});

describe("a rollout's reports while Slack refuses, limits or answers late", () => {
  it('says completed only after ECS completed it, failed only after ECS rolled it back, once; with Slack well, the tick alone says the truth', async () => {
    const seen: RolloutSeen & { faulted: number } = { completed: 0, failed: 0, unconfirmed: 0, faulted: 0 };
    const slackFaults = {
      async during(fault: SlackFault | undefined, run: () => Promise<void>) {
        applyFault(h.e2e.slack, fault ?? { f: 'well' });
        if (fault && fault.f !== 'well') seen.faulted++;
        try {
          await run();
        } finally {
          h.e2e.slack.clearFaults();
        }
      },
      // Slack well again: what it held lands.
      recover: async () => void h.e2e.slack.releaseStalls(),
    };
    const workerMethods = ['chat.postMessage', 'chat.update', '*'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(rolloutStep, slackFault(workerMethods, false)).map(([a, fault]) => ({ ...a, fault })),
          { minLength: 3, maxLength: 12 },
        ),
        (steps) => rollout(h, steps, seen, { approvers: ['ULEAD1', 'ULEAD2'], ...slackFaults }),
      ),
      {
        ...RUNS(12),
        // Besides the random runs, one the circuit breaker surely rolls back while Slack limits the bot,
        // so "failed" is reached whatever the random runs do.
        examples: [
          [
            [
              { t: 'progress', running: 2, event: true, fault: { f: 'well' } },
              { t: 'breaker', fault: { f: '429', method: 'chat.postMessage', times: 1 } },
              { t: 'completeRollback', fault: { f: 'well' } },
            ],
          ],
        ],
      },
    );
    expect(seen.completed).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(0);
    expect(seen.faulted).toBeGreaterThan(0);
  }, 600_000);
});
