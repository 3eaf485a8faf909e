/**
 * Shared pieces of the model tests (test/e2e/*-model*.test.ts): fast-check steps every model uses,
 * and the platform around the handlers when Redis misbehaves.
 */
import fc from 'fast-check';
import { handler as workerHandler } from '../../src/handlers/worker';
import { handler as scheduledHandler } from '../../src/handlers/scheduled';
import { getRuntime } from '../../src/handlers/compose';
import type { E2E } from './e2e';
import type { FakeClock } from './clock';
import type { FakeEcs } from './fake-ecs';
import { SERVICE_ARN, stoppedTask } from './aws-fixtures';
import { deploymentEvent } from '../fixtures/events/samples';

/** Time passes by one of `ms` (repeat a value to weigh it), with the scheduled tick after it or not (an event or click arriving before the next tick). */
export function timeStep(...ms: number[]): fc.Arbitrary<{ t: 'time'; ms: number; tick: boolean }> {
  return fc.record({ t: fc.constant('time' as const), ms: fc.constantFrom(...ms), tick: fc.boolean() });
}

/**
 * Lambda's asynchronous invocation of the worker, for models where a run may fail (Redis down):
 * a failed run is retried twice (here, at the next `drain`), then its invocation record goes to the
 * on-failure destination, an SQS queue the scheduled function consumes (as deployed, serverless.yml).
 */
export function lambdaRetries(e2e: E2E, clock: FakeClock): { drain(): Promise<void>; tick(): Promise<void>; readonly gaveUp: number } {
  const attempts = new Map<unknown, number>();
  const retries: unknown[] = [];
  let gaveUp = 0;
  const drain = async () => {
    e2e.pending.push(...retries.splice(0));
    for (let guard = 0; e2e.pending.length && guard < 1000; guard++) {
      const job = e2e.pending.shift();
      try {
        await workerHandler(job);
      } catch (err) {
        const n = attempts.get(job) ?? 1;
        if (n < 3) {
          attempts.set(job, n + 1);
          retries.push(job);
          continue;
        }
        gaveUp++;
        const record = {
          version: '1.0',
          timestamp: new Date(clock.now()).toISOString(),
          requestContext: { requestId: `lost-${gaveUp}`, condition: 'RetriesExhausted', approximateInvokeCount: n },
          requestPayload: job,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: { errorType: (err as Error).name, errorMessage: (err as Error).message },
        };
        await scheduledHandler({
          Records: [
            { messageId: `m${gaveUp}`, receiptHandle: `rh${gaveUp}`, body: JSON.stringify(record), eventSource: 'aws:sqs', attributes: {} },
          ],
        });
      }
    }
  };
  return {
    drain,
    async tick() {
      await e2e.tick();
      await drain();
    },
    get gaveUp() {
      return gaveUp;
    },
  };
}

/** Until the Slack function's and the worker's Redis clients answer again (after their reconnect back-off), at most 5 s. */
export async function redisAnswersAgain(e2e: E2E): Promise<void> {
  const worker = getRuntime('worker', () => {
    throw new Error('no worker runtime installed');
  }).redis;
  for (const client of [e2e.rt.redis, worker]) {
    for (let i = 0; i < 50 && (await client.ping().catch(() => 'not yet')) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Until the worker's Redis client has seen its connection go (after the fault proxy went `down`), at
 * most 2 s: a command it sends then is queued, never written to a connection that may still reach
 * Redis (what the follow-up of a lost answer tells apart, src/commands/recheck.run.ts).
 */
export async function redisSeenDown(): Promise<void> {
  const worker = getRuntime('worker', () => {
    throw new Error('no worker runtime installed');
  }).redis;
  for (let i = 0; i < 200 && worker.status === 'ready'; i++) await new Promise((r) => setTimeout(r, 10));
  if (worker.status === 'ready') throw new Error("the worker's Redis client still looks connected");
}

/**
 * ECS's circuit breaker gives up on web-prod's rollout in prod (a task stopped, the deployment
 * FAILED, a rollback deployment PRIMARY): the rollback's id, and the event ECS sends for it (the
 * models hold it back, as EventBridge may).
 */
export function breakerRollsBack(world: FakeEcs, clock: FakeClock): { rollbackId: string; event: unknown } {
  world.setStopped('prod', 'web-prod', [stoppedTask('0f1e2d3c4b5a69788796a5b4c3d2e1f0', { stoppedAt: new Date(clock.now()) }, 1)]);
  const rollbackId = world.circuitBreakerRollback('prod', 'web-prod');
  const event = deploymentEvent('rollback-in-progress', {
    time: clock.now(),
    serviceArn: SERVICE_ARN,
    deploymentId: rollbackId,
    reason: `ECS deployment ${rollbackId} in progress. Rolling back.`,
  });
  return { rollbackId, event };
}
