/**
 * "Does it keep working, and keep telling the truth, when Redis misbehaves?", asked by fast-check:
 * random sequences of requests, Approve and Cancel clicks, worker runs, ticks and finished rollouts,
 * any of which may happen while Redis is unreachable (`down`) or while the answers of the commands
 * already on their way are lost after Redis ran them (`blip`: a failover or a cut connection; the
 * client cannot tell whether its script ran, and ioredis resends it once it reconnects). The bot's
 * Redis clients go through a TCP proxy that does this (test/helpers/redis-fault-proxy.ts); the test
 * reads Redis directly.
 *
 * The oracle is chatops.yml's policy (two eligible approvers other than the requester, within an
 * hour) and what the bot told people, never the bot's code. After every step:
 *   - every UpdateService call belongs to a request with two approvals the policy counts: an
 *     eligible approver's click on the card whose answer did not say that nothing was changed;
 *   - no request runs twice, nothing runs after the bot recorded it cancelled or rejected;
 *   - a click answered "nothing was changed" changed nothing: its approval is not in the request;
 *   - no open request hides: a service's open request is one whose card was posted.
 * At the end, with Redis well, after the rollouts finish and time passes: every request has ended
 * and the service takes a new request.
 *
 * A worker run that fails (Redis unreachable when it claims its job) is retried as Lambda retries an
 * asynchronous invocation (twice, here at the next worker run), and then given to the on-failure
 * destination's consumer (the scheduled function's SQS batch), as deployed.
 *
 * Each `npm test` runs a few random sequences (MODEL_RUNS=<n> for more). A failure prints the
 * sequence, its seed and path: fc.assert's `seed` and `path` options replay it.
 */
import fc from 'fast-check';
import type { Cluster, Redis } from 'ioredis';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import { configFile, fixtureGroups } from '../helpers/config';
import { useDeployHarness } from '../helpers/deploy-e2e';
import {
  APPROVAL_TTL_MS,
  APPROVERS,
  FINAL,
  NEEDED,
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
import { lambdaRetries, redisAnswersAgain } from '../helpers/model';
import {
  startRedisFaultProxy,
  type RedisFault,
  type RedisFaultProxy,
  WORKER_REDIS_BOUND_MS,
  WORKER_REDIS_BACKOFF_SCALE,
} from '../helpers/redis-fault-proxy';
import { testRedis, useWorkerDb } from '../helpers/redis';

/** What the bot answers when it could not reach Redis (src/redis/client.ts), in the workspace's language (en here). */
const UNAVAILABLE = "I can't reach the approvals store (Redis) right now";

let proxy: RedisFaultProxy;
let direct: Redis | Cluster;
beforeAll(async () => {
  proxy = await startRedisFaultProxy(useWorkerDb());
  direct = testRedis();
});
afterAll(async () => {
  await direct.quit();
  await proxy.close();
});

const h = useDeployHarness({
  configPath: configFile(approvalsPolicy(['UDEV1', 'UDEV2', 'ULEAD1'])),
  groups: fixtureGroups({ SLEADS: ['ULEAD3'] }),
  env: () => ({ REDIS_URL: proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
  workerRedisBackoffScale: WORKER_REDIS_BACKOFF_SCALE,
});

type Step = ApprovalsStep;
type Action = Step & { fault: RedisFault };

const fault = fc.constantFrom<RedisFault>('pass', 'pass', 'pass', 'blip', 'blip', 'down');
const step: fc.Arbitrary<Step> = fc.oneof(...approvalsSteps);
const action: fc.Arbitrary<Action> = fc.tuple(step, fault).map(([s, f]) => ({ ...s, fault: f }));

interface Known {
  id: string;
  ts: string;
  requester: Person;
  service: Service;
  createdAt: number;
  count: number;
  /** Approvals the policy counts: eligible, not the requester, in time, and not answered "nothing was changed". */
  approvedBy: Set<string>;
  /** Approvers not yet recorded whose last click the bot answered with "nothing was changed". */
  toldUnchanged: Set<string>;
  callsWhenClosed?: number;
}

describe('approvals while Redis is down or loses answers', () => {
  it('never runs without two counted approvals, never twice, never after a cancel; says "nothing changed" only when so; nothing hides or stays', async () => {
    const seen = { requests: 0, ran: 0, blipDropped: 0, unavailableAnswers: 0, faultedSteps: 0, gaveUp: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 18 }), async (actions) => {
        proxy.set('pass');
        await h.restart();
        const known: Known[] = [];
        let seq = 0;
        let replies = 0;
        const updates = () => h.ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
        const callsFor = (k: Known) => updates().filter((u) => u.desiredCount === k.count).length;
        const read = (id: string) => getRequest(direct, id);

        const learnNewRequests = (requester: Person, service: Service, count: number) => {
          for (const { id, ts } of postedRequests(h)) {
            if (!known.some((k) => k.id === id))
              known.push({
                id,
                ts,
                requester,
                service,
                createdAt: h.clock.now(),
                count,
                approvedBy: new Set(),
                toldUnchanged: new Set(),
              });
          }
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
            const approvals = [...k!.approvedBy].sort();
            expect({ after, id: k!.id, approvals, enough: approvals.length >= NEEDED }).toEqual({
              after,
              id: k!.id,
              approvals,
              enough: true,
            });
          }
          for (const k of known) {
            expect({ after, id: k.id, runs: callsFor(k) }).toEqual({ after, id: k.id, runs: Math.min(callsFor(k), 1) });
            if (k.callsWhenClosed !== undefined)
              expect({ after, id: k.id, runsAfterClosed: callsFor(k) - k.callsWhenClosed }).toEqual({
                after,
                id: k.id,
                runsAfterClosed: 0,
              });
            // "Nothing was changed" was true: the approval it answered is not in the request.
            const recorded = new Set((await read(k.id))?.approvals.map((a) => a.user) ?? []);
            for (const user of k.toldUnchanged)
              expect({ after, id: k.id, toldUnchanged: user, recorded: recorded.has(user) }).toEqual({
                after,
                id: k.id,
                toldUnchanged: user,
                recorded: false,
              });
          }
          // No open request without a card: a service's open request is one the test saw posted.
          for (const service of ['web', 'worker'] as const) {
            const open = await direct.get(keys.activeRequest('prod', service));
            if (!open) continue;
            const id = open;
            const state = (await read(id))?.state;
            expect({
              after,
              service,
              open: id,
              state,
              posted: known.some((k) => k.id === id) || (!!state && FINAL.includes(state)),
            }).toEqual({
              after,
              service,
              open: id,
              state,
              posted: true,
            });
          }
        };
        const lambda = lambdaRetries(h.e2e, h.clock);
        const { drain, tick } = lambda;
        const finishRollouts = () => finishRolloutsOf(h);

        const run = async (a: Action) => {
          switch (a.t) {
            case 'request': {
              const count = 5 + ++seq;
              await h.e2e.slash(`scale ${a.service} ${count} --reason "faults ${seq}"`, { channel_id: 'CPROD', user_id: a.user });
              await drain();
              learnNewRequests(a.user, a.service, count);
              return;
            }
            case 'click': {
              const k = known[a.req % Math.max(1, known.length)];
              if (!k) return;
              const user = a.user === 'requester' ? k.requester : a.user;
              const replyId = `r${++replies}`;
              const hadApproved = !!(await read(k.id))?.approvals.some((x) => x.user === user);
              const res = await h.e2e.click({
                action_id: `approval:${a.action}`,
                value: k.id,
                user_id: user,
                channel_id: 'CPROD',
                message_ts: k.ts,
                response_url: h.e2e.slack.responseUrl(replyId),
                trigger_id: `faults-${Math.random().toString(36).slice(2)}`,
              });
              expect(res.statusCode).toBe(200);
              const answer = JSON.stringify(h.e2e.slack.responses(replyId)) + (res.body ?? '');
              const unavailable = answer.includes(UNAVAILABLE);
              if (unavailable) seen.unavailableAnswers++;
              if (a.action !== 'approve') return;
              const eligible =
                APPROVERS.has(user) &&
                user !== k.requester &&
                h.clock.now() <= k.createdAt + APPROVAL_TTL_MS &&
                k.callsWhenClosed === undefined;
              // "Nothing was changed" about an approval not yet given: it must stay not given (until they click again).
              if (unavailable) {
                if (!hadApproved) k.toldUnchanged.add(user);
              } else {
                k.toldUnchanged.delete(user);
                if (eligible) k.approvedBy.add(user);
              }
              return;
            }
            case 'drain':
              await drain();
              return;
            case 'time':
              h.clock.advance(a.ms);
              if (a.tick) await tick();
              return;
            case 'rollout':
              finishRollouts();
              h.clock.advance(60_000);
              await tick();
              return;
          }
        };

        for (const [i, a] of actions.entries()) {
          const droppedBefore = proxy.dropped;
          proxy.set(a.fault);
          if (a.fault !== 'pass') seen.faultedSteps++;
          try {
            await run(a);
          } finally {
            proxy.set('pass');
          }
          seen.blipDropped += proxy.dropped - droppedBefore;
          await check(`step ${i + 1}: ${JSON.stringify(a)}`);
        }

        // The end, Redis well: the clients reconnect (after their back-off), what waits is run, the
        // rollouts finish, time passes past every expiry and deadline.
        await redisAnswersAgain(h.e2e);
        await drain();
        await drain();
        await drain();
        await pastEveryDeadline(h, tick);
        await check('the end');
        seen.requests += known.length;
        seen.gaveUp += lambda.gaveUp;
        seen.ran += updates().length;
        for (const k of known) {
          const state = (await read(k.id))?.state;
          expect({ id: k.id, state, ended: state === undefined || FINAL.includes(state) }).toEqual({ id: k.id, state, ended: true });
        }
        await takesNewRequest(h, drain);
      }),
      {
        numRuns: Number(process.env.MODEL_RUNS || 12),
        // Besides the random runs, one that surely runs a change (approved twice, a blip on the second
        // approval) and answers a click while Redis is down, so the counters below never depend on luck.
        examples: [
          [
            [
              { t: 'request', user: 'UDEV1', service: 'web', fault: 'pass' },
              { t: 'click', action: 'approve', req: 0, user: 'ULEAD1', fault: 'pass' },
              { t: 'click', action: 'approve', req: 0, user: 'ULEAD2', fault: 'blip' },
              { t: 'drain', fault: 'down' },
              { t: 'drain', fault: 'pass' },
              // and a click while Redis is down, so an "unavailable" answer is seen whatever the random runs do
              { t: 'click', action: 'approve', req: 0, user: 'ULEAD1', fault: 'down' },
              { t: 'drain', fault: 'pass' },
            ],
          ],
        ],
        endOnFailure: true,
        // MODEL_SEED and MODEL_PATH replay a failure's run.
        ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH } : {}),
      },
    );
    expect(seen.requests).toBeGreaterThan(3);
    expect(seen.ran).toBeGreaterThan(0);
    expect(seen.faultedSteps).toBeGreaterThan(0);
    expect(seen.blipDropped).toBeGreaterThan(0);
    expect(seen.unavailableAnswers).toBeGreaterThan(0);
  }, 600_000);
});
