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
import { redisAnswersAgain } from '../helpers/model';
import {
  startRedisFaultProxy,
  type RedisFault,
  type RedisFaultProxy,
  WORKER_REDIS_BOUND_MS,
  WORKER_REDIS_BACKOFF_SCALE,
} from '../helpers/redis-fault-proxy';
import { useWorkerDb } from '../helpers/redis';
import { useDeployHarness } from '../helpers/deploy-e2e';
import { rollout, rolloutStep as step, type RolloutSeen as Seen, type RolloutStep } from '../helpers/rollout-model';

let proxy: RedisFaultProxy;
beforeAll(async () => {
  proxy = await startRedisFaultProxy(useWorkerDb());
});
afterAll(() => proxy.close());
// The bot's Redis goes through the proxy; it passes everything but in the faults property.
const h = useDeployHarness({
  env: () => ({ REDIS_URL: proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
  workerRedisBackoffScale: WORKER_REDIS_BACKOFF_SCALE,
});
/** Each step while Redis is as its fault says (then passing again); Redis answering again before the end. */
const redisFaults = {
  async during(fault: RedisFault | undefined, run: () => Promise<void>) {
    proxy.set(fault ?? 'pass');
    try {
      await run();
    } finally {
      proxy.set('pass');
    }
  },
  recover: () => redisAnswersAgain(h.e2e),
};

describe('a rollout reported under random ECS outcomes and EventBridge deliveries', () => {
  it('says completed only after ECS completed it, failed only after ECS rolled it back, once; the tick alone reaches the truth', async () => {
    const seen: Seen = { completed: 0, failed: 0, unconfirmed: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 14 }), (steps) => rollout(h, steps, seen, redisFaults)),
      {
        numRuns: Number(process.env.MODEL_RUNS || 30),
        endOnFailure: true,
        // Besides the random runs, one the circuit breaker surely rolls back, so both outcomes are reached.
        examples: [[[{ t: 'progress', running: 2, event: true }, { t: 'breaker' }, { t: 'completeRollback' }]]],
      },
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
        (steps: Array<RolloutStep & { fault: RedisFault }>) => rollout(h, steps, seen, redisFaults),
      ),
      { numRuns: Number(process.env.MODEL_RUNS || 8), endOnFailure: true },
    );
    expect(seen.completed + seen.failed).toBeGreaterThan(0);
  }, 300_000);
});
