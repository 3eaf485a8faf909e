/**
 * "Does it tell the truth about a rollout?", asked by fast-check: after an approved deploy starts,
 * ECS does random things (tasks start, the rollout completes, the circuit breaker rolls it back and
 * the rollback itself completes) and EventBridge tells about them randomly (on time, late, twice,
 * out of order, or never), while time passes with and without the scheduled tick. All of it goes
 * through the real events, scheduled and worker handlers, real Redis, the local Slack API and
 * FakeEcs.
 *
 * The oracle is ECS itself (the FakeEcs world), not the bot. After every step:
 *   - "Deploy completed" is in the thread only if the new deployment did complete;
 *   - "Deploy failed" is in the thread only if it did fail (the circuit breaker rolled it back);
 *   - "Deploy not confirmed" (the bot stopped tracking past its give-up time) only while ECS had
 *     not finished it;
 *   - the thread says one ending at most, once.
 * At the end, with no further event (as when EventBridge loses one), the scheduled tick alone
 * brings the request to the state ECS is in: succeeded after a completed rollout, failed after a
 * rollback (or, after a give-up, not confirmed), and the status card says the same.
 *
 * The second property runs the same while Redis misbehaves at any step (the bot's clients through
 * test/helpers/redis-fault-proxy.ts: unreachable, or answers of commands that ran lost): an event
 * whose handling failed is delivered again (Lambda retries EventBridge's asynchronous invocation),
 * a failed worker run is retried, then given to the on-failure consumer. The same oracle holds, and
 * at the end, Redis well again, the tick alone still reaches the truth.
 *
 * Each `npm test` runs 30 new random sequences (MODEL_RUNS=<n> for more), and 8 with faults. A failure prints the
 * sequence, its seed and path: fc.assert's `seed` and `path` options replay it.
 */
import fc from 'fast-check';
import { breakerRollsBack, lambdaRetries, redisAnswersAgain, timeStep } from '../helpers/model';
import { useRedisFaultProxy, type RedisFault } from '../helpers/redis-fault-proxy';
import { getRequest } from '../../src/approvals/workflow';
import { SERVICE_ARN, tdArn } from '../helpers/aws-fixtures';
import { approve, requestMessage, taskEvent, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';

const faults = useRedisFaultProxy();
// The bot's Redis goes through the proxy; it passes everything but in the faults property.
const h = useDeployHarness({ env: () => ({ REDIS_URL: faults.proxy.url }) });

type Step =
  | { t: 'progress'; running: number; event: boolean }
  | { t: 'complete' }
  | { t: 'breaker' }
  | { t: 'completeRollback' }
  | { t: 'event'; late: boolean; twice: boolean }
  | { t: 'stale' }
  | { t: 'time'; ms: number; tick: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('progress' as const), running: fc.integer({ min: 0, max: 4 }), event: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'complete' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'breaker' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'completeRollback' as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('event' as const), late: fc.boolean(), twice: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'stale' as const }) },
  {
    weight: 3,
    arbitrary: timeStep(30_000, 60_000, 5 * 60_000, 25 * 60_000),
  },
);

/** What ECS did to the new deployment (the truth). */
type Truth = 'inProgress' | 'completed' | 'failed';

type Seen = Record<'completed' | 'failed' | 'unconfirmed', number>;

/** One run of the model: an approved deploy, then `steps` (each while Redis is as its `fault` says). */
async function rollout(steps: Array<Step & { fault?: RedisFault }>, seen: Seen): Promise<void> {
  await h.restart();
  await h.e2e.slash('deploy web v1.2.3 --reason "model"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  const started = await getRequest(h.e2e.rt.redis, req.id);
  expect(started?.state).toBe('running');
  const ours = started!.execution!.deploymentId as string;
  const statusTs = started!.statusTs!;

  let truth: Truth = 'inProgress';
  let rollbackId: string | undefined;
  let rollbackDone = false;
  /** Events ECS sent that EventBridge has not delivered yet (a late delivery). */
  const late: unknown[] = [];
  /** Every event sent so far, for a stale (out-of-order) redelivery of an old one. */
  const sent: unknown[] = [];

  const eventOfNow = (): unknown =>
    truth === 'completed'
      ? deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: ours })
      : truth === 'failed'
        ? deploymentEvent('failed', {
            time: h.clock.now(),
            serviceArn: SERVICE_ARN,
            deploymentId: ours,
            reason: 'ECS deployment circuit breaker: tasks failed to start.',
          })
        : deploymentEvent('in-progress', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: ours });
  const lambda = lambdaRetries(h.e2e, h.clock);
  const deliver = async (e: unknown) => {
    sent.push(e);
    try {
      await h.e2e.event(e);
    } catch {
      // The events function failed (Redis): Lambda delivers EventBridge's invocation again later.
      late.push(e);
    }
    await lambda.drain();
  };
  const said = () => {
    const all = thread(h.e2e, 'CPROD', req.ts).map(textOf);
    return {
      completed: all.filter((t) => t.includes('Deploy completed')).length,
      failed: all.filter((t) => t.includes('Deploy failed')).length,
      unconfirmed: all.filter((t) => t.includes('Deploy not confirmed')).length,
    };
  };
  /** What ECS was doing when the bot said "not confirmed" (undefined: not said yet). */
  let truthWhenUnconfirmed: Truth | undefined;
  const check = (after: string) => {
    const s = said();
    if (s.unconfirmed && !truthWhenUnconfirmed) truthWhenUnconfirmed = truth;
    expect({ after, truth, ...s }).toEqual({
      after,
      truth,
      completed: truth === 'completed' ? expect.any(Number) : 0,
      failed: truth === 'failed' ? expect.any(Number) : 0,
      unconfirmed: expect.any(Number),
    });
    expect({ after, endings: s.completed + s.failed + s.unconfirmed <= 1 }).toEqual({ after, endings: true });
    if (s.unconfirmed) expect({ after, truthWhenUnconfirmed }).toEqual({ after, truthWhenUnconfirmed: 'inProgress' });
  };

  const run = async (a: Step) => {
    switch (a.t) {
      case 'progress':
        if (truth !== 'inProgress') return;
        h.world.progress('prod', 'web-prod', a.running);
        if (a.event)
          await deliver(
            taskEvent(h.clock, {
              cluster: 'prod',
              service: 'web-prod',
              taskId: `t${Math.random().toString(16).slice(2, 10)}`,
              taskDefinitionArn: tdArn('web-prod', 43),
              lastStatus: 'RUNNING',
            }),
          );
        return;
      case 'complete':
        if (truth !== 'inProgress') return;
        h.world.complete('prod', 'web-prod');
        truth = 'completed';
        return;
      case 'breaker':
        if (truth !== 'inProgress') return;
        {
          const breaker = breakerRollsBack(h.world, h.clock);
          rollbackId = breaker.rollbackId;
          truth = 'failed';
          late.push(breaker.event);
        }
        return;
      case 'completeRollback':
        // The rollback's own deployment completes: the service is healthy again on the old
        // revision, which is not the deploy succeeding.
        if (truth !== 'failed' || rollbackDone) return;
        h.world.complete('prod', 'web-prod');
        rollbackDone = true;
        late.push(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: rollbackId! }));
        return;
      case 'event': {
        // What EventBridge delivers now: what ECS says now, or it keeps it for later.
        const e = eventOfNow();
        if (a.late) late.push(e);
        else await deliver(e);
        if (a.twice) await deliver(e);
        for (const x of late.splice(0, a.late ? 0 : late.length)) await deliver(x);
        return;
      }
      case 'stale':
        // An old event delivered after newer ones (EventBridge does not promise order).
        if (sent.length) await deliver(structuredClone(sent[0]));
        return;
      case 'time':
        h.clock.advance(a.ms);
        if (a.tick) await lambda.tick();
        return;
    }
  };

  for (const [i, a] of steps.entries()) {
    faults.proxy.set(a.fault ?? 'pass');
    try {
      await run(a);
    } finally {
      faults.proxy.set('pass');
    }
    check(`step ${i + 1}: ${JSON.stringify(a)}`);
  }
  await redisAnswersAgain(h.e2e);

  // The end: ECS finishes (completes what is still in progress), EventBridge loses every event
  // from now on, and only the scheduled tick is left to find out.
  if (truth === 'inProgress') {
    h.world.complete('prod', 'web-prod');
    truth = 'completed';
  } else if (truth === 'failed' && !rollbackDone) {
    h.world.complete('prod', 'web-prod');
    rollbackDone = true;
  }
  for (let i = 0; i < 6; i++) {
    h.clock.advance(5 * 60_000);
    await lambda.tick();
  }
  check('the end');
  const final = await getRequest(h.e2e.rt.redis, req.id);
  const s = said();
  // Given up while ECS was still at it: the end stays "not confirmed" (a failed request), whatever ECS did later.
  const ending = s.unconfirmed ? 'unconfirmed' : truth;
  expect({ state: final?.state, said: s }).toEqual({
    state: ending === 'completed' ? 'succeeded' : 'failed',
    said: { completed: 0, failed: 0, unconfirmed: 0, [ending]: 1 },
  });
  expect(textOf(h.e2e.slack.message('CPROD', statusTs))).toContain(
    { completed: 'completed', failed: 'failed', unconfirmed: 'not confirmed' }[ending],
  );
  seen[ending]++;
}

describe('a rollout reported under random ECS outcomes and EventBridge deliveries', () => {
  it('says completed only after ECS completed it, failed only after ECS rolled it back, once; the tick alone reaches the truth', async () => {
    const seen: Seen = { completed: 0, failed: 0, unconfirmed: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 14 }), (steps) => rollout(steps, seen)),
      { numRuns: Number(process.env.MODEL_RUNS || 30), endOnFailure: true },
    );
    // Both outcomes were reached (a property that only ever saw one would prove half).
    expect(seen.completed).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(0);
  }, 300_000);

  it('says the same while Redis is down or loses answers at any step, and reaches the truth once Redis is back', async () => {
    const seen: Seen = { completed: 0, failed: 0, unconfirmed: 0 };
    const fault = fc.constantFrom<RedisFault>('pass', 'pass', 'pass', 'blip', 'blip', 'down');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(step, fault).map(([a, f]) => ({ ...a, fault: f })),
          { minLength: 3, maxLength: 12 },
        ),
        (steps) => rollout(steps, seen),
      ),
      { numRuns: Number(process.env.MODEL_RUNS || 8), endOnFailure: true },
    );
    expect(seen.completed + seen.failed).toBeGreaterThan(0);
  }, 300_000);
});
