/**
 * "Does it tell the truth about a rollout, and keep doing so when AWS, Slack or the worker
 * misbehave?", asked by fast-check for every change verb (deploy, scale, restart, rollback): after
 * an approved change starts, ECS does random things (tasks start, the rollout completes, the
 * circuit breaker rolls it back, an autoscaler moves the count), people press the card's Abort
 * button (allowed or not), DescribeServices is throttled or fails for a while, Slack refuses
 * chat.update / chat.postMessage for a while, worker jobs are delivered twice, and EventBridge
 * tells about deployments on time, late or never. All through the real handlers, Redis, the local
 * Slack API and FakeEcs.
 *
 * The oracle is ECS (what the model did to the FakeEcs world), not the bot. After every step:
 *   - "<Verb> completed" only after ECS completed the change (and no abort was carried out);
 *   - "<Verb> failed" only after ECS failed it (breaker, count moved, or an abort carried out);
 *   - "not confirmed" only while ECS had not finished it;
 *   - one ending at most, said once; an abort carried out is said in the thread.
 * At the end (no more events, faults used up), the scheduled tick alone brings the request to the
 * state ECS is in, said once, on the card too.
 *
 * Each `npm test` runs MODEL_RUNS (default 20) random sequences. A failure prints the sequence,
 * its seed and path.
 */
import fc from 'fast-check';
import { breakerRollsBack, timeStep } from '../helpers/model';
import { ServerException, ServiceDeploymentNotFoundException } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { awsException, SERVICE_ARN, taskDefinition } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useDeployHarness, webDeployedFrom39 } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { META } from '../helpers/fake-ecs';
import { handler as workerHandler } from '../../src/handlers/worker';
import { handler as scheduledHandler } from '../../src/handlers/scheduled';

const h = useDeployHarness({
  before: ({ world, clock, e2e }) => {
    e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
    // As in rollback.test.ts: web-prod runs :42, deployed from :39.
    world.addTaskDefinition(taskDefinition(39, {}, '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.1.9'));
    webDeployedFrom39(world, clock);
  },
});

/**
 * The worker as Lambda runs its asynchronous invocations: a job that throws is tried again (twice
 * at most), then dropped. Jobs it hands off meanwhile run after it.
 */
async function work(): Promise<void> {
  for (let guard = 0; h.e2e.pending.length && guard < 1000; guard++) {
    const job = h.e2e.pending.shift();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await workerHandler(job);
        break;
      } catch {
        // Lambda retries it
      }
    }
  }
}

/** The scheduled tick (EventBridge Scheduler retries a failed invocation the same way), then the jobs it handed off. */
async function tick(): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await scheduledHandler();
      break;
    } catch {
      // retried
    }
  }
  await work();
}

type Verb = 'deploy' | 'scale' | 'restart' | 'rollback';
const COMMANDS: Record<Verb, string> = {
  deploy: 'deploy web v1.2.3 --reason "model"',
  scale: 'scale web 8 --reason "model"',
  restart: 'restart web --reason "model"',
  rollback: 'rollback web --reason "model"',
};
const TITLES: Record<Verb, string> = { deploy: 'Deploy', scale: 'Scale', restart: 'Restart', rollback: 'Roll back' };

type Step =
  | { t: 'progress'; running: number }
  | { t: 'complete' }
  | { t: 'breaker' }
  | { t: 'completeRollback' }
  | { t: 'event'; late: boolean; twice: boolean }
  | { t: 'abort'; allowed: boolean; twice: boolean; stopFails: boolean; asItCompletes: boolean }
  | { t: 'ecsFault'; n: number; throttle: boolean }
  | { t: 'slackFault'; method: 'chat.update' | 'chat.postMessage'; n: number }
  | { t: 'time'; ms: number; tick: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('progress' as const), running: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'complete' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'breaker' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'completeRollback' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('event' as const), late: fc.boolean(), twice: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('abort' as const),
      allowed: fc.boolean(),
      twice: fc.boolean(),
      stopFails: fc.boolean(),
      asItCompletes: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('ecsFault' as const), n: fc.integer({ min: 1, max: 4 }), throttle: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('slackFault' as const),
      method: fc.constantFrom('chat.update' as const, 'chat.postMessage' as const),
      n: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 3,
    arbitrary: timeStep(30_000, 60_000, 5 * 60_000, 25 * 60_000),
  },
);

/** What ECS did to the change (the truth). */
type Truth = 'inProgress' | 'completed' | 'failed';

const SCALE_TO = 8;

describe('every change verb reported under random ECS outcomes, aborts, AWS and Slack faults and redelivered jobs', () => {
  it('says completed only after ECS completed it, failed only after it failed or was aborted, once; faults only delay it', async () => {
    const seen = {
      completed: 0,
      failed: 0,
      unconfirmed: 0,
      aborted: 0,
      abortAfterCompleted: 0,
      refused: 0,
      faults: 0,
      verbs: new Set<string>(),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Verb>('deploy', 'scale', 'restart', 'rollback'),
        fc.boolean(),
        fc.array(step, { minLength: 3, maxLength: 12 }),
        async (verb, executeTwice, steps) => {
          await h.restart();
          await h.e2e.slash(COMMANDS[verb], { channel_id: 'CPROD', user_id: 'UDEV1' });
          await work();
          const req = requestMessage(h.e2e, 'CPROD');
          const jobsBefore = h.e2e.handedOff.length;
          await approve(h.e2e, req);
          const executeJobs = h.e2e.handedOff.slice(jobsBefore);
          await work();
          // The worker job delivered again after it ran (Lambda's at-least-once).
          if (executeTwice) {
            h.e2e.pending.push(...structuredClone(executeJobs));
            await work();
          }
          const started = await getRequest(h.e2e.rt.redis, req.id);
          expect(started?.state).toBe('running');
          const ours = started!.execution!.deploymentId as string;
          const statusTs = () => started!.statusTs;
          const title = TITLES[verb];

          let truth: Truth = 'inProgress';
          let aborted = false;
          let rollbackId: string | undefined;
          let rollbackDone = false;
          const late: unknown[] = [];
          const svc = () => h.world.service('prod', 'web-prod');

          /** What ECS last said about our deployment (an abort after it completed does not unsay that). */
          let ours_: Truth = 'inProgress';
          const eventOfNow = (): unknown | undefined => {
            if (verb === 'scale') return undefined; // no deployment events for scaling
            if (ours_ === 'completed')
              return deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: ours });
            if (ours_ === 'failed')
              return deploymentEvent('failed', {
                time: h.clock.now(),
                serviceArn: SERVICE_ARN,
                deploymentId: ours,
                reason: 'ECS deployment circuit breaker: tasks failed to start.',
              });
            return deploymentEvent('in-progress', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: ours });
          };
          /** An EventBridge delivery; a consumer that failed makes Lambda retry it (twice at most), then it is dropped. */
          const deliver = async (e: unknown) => {
            for (let attempt = 0; attempt < 3; attempt++) {
              try {
                await h.e2e.event(e);
                break;
              } catch (err) {
                if ((err as Error).name !== 'ConsumersFailed') throw err;
              }
            }
            await work();
          };
          const said = () => {
            const all = thread(h.e2e, 'CPROD', req.ts).map(textOf);
            return {
              completed: all.filter((t) => t.includes(`${title} completed`)).length,
              failed: all.filter((t) => t.includes(`${title} failed`)).length,
              unconfirmed: all.filter((t) => t.includes(`${title} not confirmed`)).length,
              abort: all.filter((t) => /aborted/.test(t)).length,
            };
          };
          let truthWhenUnconfirmed: Truth | undefined;
          const check = (after: string) => {
            const s = said();
            if (s.unconfirmed && !truthWhenUnconfirmed) truthWhenUnconfirmed = truth;
            expect({ after, verb, truth, aborted, completed: s.completed, failed: s.failed }).toEqual({
              after,
              verb,
              truth,
              aborted,
              completed: truth === 'completed' ? expect.any(Number) : 0,
              failed: truth === 'failed' ? expect.any(Number) : 0,
            });
            expect({ after, endings: s.completed + s.failed + s.unconfirmed }).toEqual({ after, endings: expect.any(Number) });
            expect({ after, oneEnding: s.completed + s.failed + s.unconfirmed <= 1 }).toEqual({ after, oneEnding: true });
            if (s.unconfirmed) expect({ after, truthWhenUnconfirmed }).toEqual({ after, truthWhenUnconfirmed: 'inProgress' });
          };

          const run = async (a: Step) => {
            switch (a.t) {
              case 'progress':
                if (truth !== 'inProgress') return;
                if (verb === 'scale') {
                  const running = Math.min(a.running, SCALE_TO - 1);
                  Object.assign(svc(), { runningCount: running, pendingCount: SCALE_TO - running });
                } else h.world.progress('prod', 'web-prod', Math.min(a.running, 3));
                return;
              case 'complete':
                if (truth !== 'inProgress') return;
                if (verb === 'scale') Object.assign(svc(), { runningCount: SCALE_TO, pendingCount: 0 });
                else h.world.complete('prod', 'web-prod');
                truth = 'completed';
                ours_ = 'completed';
                return;
              case 'breaker':
                if (truth !== 'inProgress') return;
                if (verb === 'scale') {
                  // Someone (an autoscaler) set another desired count: this scale did not hold.
                  Object.assign(svc(), { desiredCount: 5 });
                  truth = 'failed';
                  return;
                }
                {
                  const breaker = breakerRollsBack(h.world, h.clock);
                  rollbackId = breaker.rollbackId;
                  truth = 'failed';
                  ours_ = 'failed';
                  late.push(breaker.event);
                }
                return;
              case 'completeRollback':
                if (verb === 'scale' || truth !== 'failed' || rollbackDone || !rollbackId) return;
                h.world.complete('prod', 'web-prod');
                rollbackDone = true;
                late.push(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: rollbackId }));
                return;
              case 'event': {
                const e = eventOfNow();
                if (e) {
                  if (a.late) late.push(e);
                  else await deliver(e);
                  if (a.twice) await deliver(e);
                }
                if (!a.late) for (const x of late.splice(0)) await deliver(x);
                return;
              }
              case 'abort': {
                // Pressed while ECS is still at it, or after it completed (the bot may not know yet): a
                // finished deployment cannot be stopped (ConflictException), so the bot updates the
                // service back. Not pressed after a failure: ECS is taking the service back already.
                if (truth === 'failed') return;
                if (a.asItCompletes && truth === 'inProgress') {
                  // ECS reaches steady state just as the button is pressed (no event, no tick between).
                  await run({ t: 'complete' });
                }
                if (a.stopFails)
                  h.world.failNext(
                    'StopServiceDeployment',
                    new ServiceDeploymentNotFoundException({ message: 'The service deployment does not exist.', $metadata: META }),
                  );
                const current = await getRequest(h.e2e.rt.redis, req.id);
                const user = a.allowed ? 'UDEV3' : 'UINTRUDER';
                const before = h.e2e.handedOff.length;
                await h.e2e.click({
                  action_id: 'deploy:abort',
                  value: req.id,
                  user_id: user,
                  channel_id: 'CPROD',
                  message_ts: current?.statusTs ?? req.ts,
                  text: 'Abort and roll back',
                });
                const jobs = h.e2e.handedOff.slice(before);
                await work();
                if (a.twice && jobs.length) {
                  h.e2e.pending.push(...structuredClone(jobs));
                  await work();
                }
                // What ECS did: the tracked deployment stopped with rollback, or the count set back.
                const s = svc();
                const back =
                  verb === 'scale'
                    ? s.desiredCount !== SCALE_TO
                    : s.deployments!.some((d) => d.id === ours && (d.rolloutState === 'FAILED' || d.status !== 'PRIMARY'));
                if (!a.allowed) {
                  expect({ refusedAbortChangedEcs: back }).toEqual({ refusedAbortChangedEcs: false });
                  seen.refused++;
                  return;
                }
                if (back) {
                  // ECS took the service back: the change did not hold, whether or not it had completed.
                  if (truth === 'completed') seen.abortAfterCompleted++;
                  truth = 'failed';
                  aborted = true;
                  if (verb !== 'scale') rollbackId = s.deployments!.find((d) => d.status === 'PRIMARY')!.id;
                  if (s.deployments!.some((d) => d.id === ours && d.rolloutState === 'FAILED')) ours_ = 'failed';
                }
                return;
              }
              case 'ecsFault':
                seen.faults++;
                for (let i = 0; i < a.n; i++)
                  h.world.failNext(
                    'DescribeServices',
                    a.throttle
                      ? awsException('ThrottlingException', 'Rate exceeded')
                      : new ServerException({ message: 'We encountered an internal error. Please try again.', $metadata: META }),
                  );
                return;
              case 'slackFault':
                seen.faults++;
                h.e2e.slack.failNext(a.method, 'internal_error', a.n);
                return;
              case 'time':
                h.clock.advance(a.ms);
                if (a.tick) {
                  await tick();
                }
                return;
            }
          };

          for (const [i, a] of steps.entries()) {
            await run(a);
            check(`step ${i + 1}: ${JSON.stringify(a)}`);
          }

          // The end: ECS finishes what is still in progress; no more events; only the tick.
          if (truth === 'inProgress') {
            if (verb === 'scale') Object.assign(svc(), { runningCount: SCALE_TO, pendingCount: 0 });
            else h.world.complete('prod', 'web-prod');
            truth = 'completed';
          } else if (truth === 'failed' && verb !== 'scale' && !rollbackDone) {
            h.world.complete('prod', 'web-prod');
            rollbackDone = true;
          }
          for (let i = 0; i < 10; i++) {
            h.clock.advance(5 * 60_000);
            await tick();
          }
          check('the end');
          const final = await getRequest(h.e2e.rt.redis, req.id);
          const s = said();
          const ending = s.unconfirmed ? 'unconfirmed' : truth;
          expect({ verb, state: final?.state, said: { completed: s.completed, failed: s.failed, unconfirmed: s.unconfirmed } }).toEqual({
            verb,
            state: ending === 'completed' ? 'succeeded' : 'failed',
            said: { completed: 0, failed: 0, unconfirmed: 0, [ending]: 1 },
          });
          if (aborted) expect({ abortSaid: s.abort > 0 }).toEqual({ abortSaid: true });
          expect(textOf(h.e2e.slack.message('CPROD', final!.statusTs ?? statusTs()!))).toContain(
            { completed: 'completed', failed: 'failed', inProgress: '?', unconfirmed: 'not confirmed' }[ending],
          );
          seen[ending]++;
          if (aborted) seen.aborted++;
          seen.verbs.add(verb);
        },
      ),
      {
        numRuns: Number(process.env.MODEL_RUNS || 20),
        endOnFailure: true,
        ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH } : {}),
      },
    );
    expect(seen.completed).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(0);
    expect(seen.aborted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    if (process.env.MODEL_SEEN) process.stdout.write(`${JSON.stringify({ ...seen, verbs: [...seen.verbs] })}\n`);
    expect(seen.faults).toBeGreaterThan(0);
    expect(seen.verbs.size).toBe(4);
  }, 300_000);
});
