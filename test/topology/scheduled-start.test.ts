/**
 * A change scheduled with `--at` on the deployed topology: the scheduled function's tick starts it
 * when its time comes. The change itself (UpdateService, RegisterTaskDefinition, RunTask) is the
 * worker's to make, with the worker's role: the tick hands the start to the worker function
 * (Lambda's Invoke), it never calls them with its own role, which may not.
 *
 * "Time passing" is simulated by moving the request's start time back in Redis: the functions run on
 * the real clock.
 */
import type { RedisClient } from '../../src/redis/client';
import { parseRequestId } from '../../src/approvals/ids';
import { keys } from '../../src/redis/keys';
import { testRedis } from '../helpers/redis';
import { useSeededTopology } from '../helpers/topology';
import { commandAnswer, requestIn, textOf, threadOf } from '../helpers/topology/slack';

const t = useSeededTopology({ afterEach: 'no failures' });
let redis: RedisClient;

beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis?.quit());

/** As if the request's `--at` time had come a second ago. */
async function due(id: string): Promise<void> {
  const ref = parseRequestId(id)!;
  const at = Date.now() - 1_000;
  await redis.hset(keys.request(ref.environment, ref.service, ref.id), 'startAt', String(at));
  await redis.zadd(keys.scheduledIndex(ref.environment, ref.service), at, id);
}

async function tickAndWait(): Promise<void> {
  for (const inv of t.tick()) await t.ended(inv);
  await t.settle();
}

describe('a change scheduled with --at', () => {
  it('starts at its time through the worker, with the worker’s role, and is tracked to completion', async () => {
    const answer = await commandAnswer(t, 'scale web-staging 3 --at +30m', 'CSTAGING', 'UANY');
    expect(answer).toContain('It starts <!date^');
    const req = requestIn(t.slack, 'CSTAGING');
    expect(t.world.ecs.service('staging', 'web-staging').desiredCount).toBe(2);

    await due(req.id);
    const scheduledBefore = t.callsOf('scheduled').length;
    await tickAndWait();
    // The tick itself changed nothing in ECS: it handed the start to the worker.
    expect(
      t
        .callsOf('scheduled')
        .slice(scheduledBefore)
        .map((c) => `${c.service}:${c.action}`),
    ).not.toContain('ecs:UpdateService');
    expect(t.world.ecs.service('staging', 'web-staging').desiredCount).toBe(3);
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/succeeded|completed/i);
    expect(
      threadOf(t.slack, 'CSTAGING', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toMatch(/completed/i);
    expect(t.denied()).toEqual([]);
  });
});
