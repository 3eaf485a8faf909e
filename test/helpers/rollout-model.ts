/**
 * The rollout model's world and oracle (test/e2e/rollout-model.test.ts, and under Slack faults
 * test/e2e/slack-faults-model.test.ts): after an approved deploy starts, ECS does random things and
 * EventBridge tells about them randomly, while time passes with and without the tick; each step runs
 * while the world misbehaves as its `fault` says (the caller's `during`). The oracle is ECS (the
 * FakeEcs world): see rollout-model.test.ts.
 */
import fc from 'fast-check';
import { getRequest } from '../../src/approvals/workflow';
import { SERVICE_ARN, stoppedTask, tdArn } from './aws-fixtures';
import { approve, requestMessage, taskEvent, textOf, thread, type DeployHarness } from './deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { lambdaRetries, timeStep } from './model';

export type RolloutStep =
  | { t: 'progress'; running: number; event: boolean }
  | { t: 'complete' }
  | { t: 'breaker' }
  | { t: 'completeRollback' }
  | { t: 'event'; late: boolean; twice: boolean }
  | { t: 'stale' }
  | { t: 'time'; ms: number; tick: boolean };

export const rolloutStep: fc.Arbitrary<RolloutStep> = fc.oneof(
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
export type Truth = 'inProgress' | 'completed' | 'failed';

export type RolloutSeen = Record<'completed' | 'failed' | 'unconfirmed', number>;

export interface RolloutOptions<F> {
  /** Who approves the deploy (the environment's policy): ULEAD1 by default. */
  approvers?: string[];
  /** Runs a step while the world misbehaves as `fault` says (and puts it right after). */
  during(fault: F | undefined, run: () => Promise<void>): Promise<void>;
  /** Before the end: what misbehaved answers again. */
  recover?(): Promise<void>;
}

/** One run of the model: an approved deploy, then `steps` (each while the world is as its `fault` says: `opts.during`). */
export async function rollout<F>(
  h: DeployHarness,
  steps: Array<RolloutStep & { fault?: F }>,
  seen: RolloutSeen,
  opts: RolloutOptions<F>,
): Promise<void> {
  await h.restart();
  await h.e2e.slash('deploy web v1.2.3 --reason "model"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  for (const user of opts.approvers ?? ['ULEAD1']) await approve(h.e2e, req, user);
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
  /**
   * What ECS was doing when the bot decided "not confirmed" (undefined: not decided yet). The bot records
   * that end (the execution fact `ended`) before it says it: the saying may come later, once Slack takes it,
   * when ECS has moved on. The truth that counts is the one when it was decided.
   */
  let truthWhenUnconfirmed: Truth | undefined;
  const check = async (after: string) => {
    const s = said();
    const ended = (await getRequest(h.e2e.rt.redis, req.id))?.execution?.ended as { unconfirmed?: boolean } | undefined;
    if ((ended?.unconfirmed || s.unconfirmed) && !truthWhenUnconfirmed) truthWhenUnconfirmed = truth;
    expect({ after, truth, ...s }).toEqual({
      after,
      truth,
      completed: truth === 'completed' ? expect.any(Number) : 0,
      failed: truth === 'failed' ? expect.any(Number) : 0,
      unconfirmed: expect.any(Number),
    });
    expect({ after, endings: s.completed + s.failed + s.unconfirmed <= 1 }).toEqual({ after, endings: true });
    if (s.unconfirmed) expect({ after, truthWhenUnconfirmed }).toEqual({ after, truthWhenUnconfirmed: 'inProgress' });
    // The request card says Succeeded only after ECS completed the deploy.
    const card = textOf(h.e2e.slack.message('CPROD', req.ts)).includes('*Succeeded*');
    expect({ after, truth, card }).toEqual({ after, truth, card: card && truth === 'completed' });
  };

  const run = async (a: RolloutStep) => {
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
        h.world.setStopped('prod', 'web-prod', [
          stoppedTask('0f1e2d3c4b5a69788796a5b4c3d2e1f0', { stoppedAt: new Date(h.clock.now()) }, 1),
        ]);
        rollbackId = h.world.circuitBreakerRollback('prod', 'web-prod');
        truth = 'failed';
        late.push(
          deploymentEvent('rollback-in-progress', {
            time: h.clock.now(),
            serviceArn: SERVICE_ARN,
            deploymentId: rollbackId,
            reason: `ECS deployment ${rollbackId} in progress. Rolling back.`,
          }),
        );
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
    await opts.during(a.fault, () => run(a));
    await check(`step ${i + 1}: ${JSON.stringify(a)}`);
  }
  await opts.recover?.();

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
  await check('the end');
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
  expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain(
    { completed: '*Succeeded*', failed: '*Failed*', unconfirmed: '*Not confirmed*' }[ending],
  );
  seen[ending]++;
}
