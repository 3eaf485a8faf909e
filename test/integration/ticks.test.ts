/**
 * Scheduled ticks never overlap themselves (issue 9 §3): each runs under a Redis lock that
 * expires when its invocation could no longer be running; a tick that finds its lock taken is
 * skipped, and the next run after it finished runs again.
 */
import { registerTick, runTicks } from '../../src/hooks/events';
import { keys } from '../../src/redis/keys';
import { useStoreHarness } from './approvals-runtime';

const h = useStoreHarness();

it('a tick still running is skipped by the next run (with a lock that expires), and runs again once it has finished', async () => {
  let runs = 0;
  let release!: () => void;
  const blocked = new Promise<void>((res) => (release = res));
  registerTick('slow-test-tick', async () => {
    runs += 1;
    if (runs === 1) await blocked;
  });

  const deadline = Date.now() + 60_000;
  const first = runTicks(h.rt, { deadline });
  while (runs === 0) await new Promise((r) => setImmediate(r));
  // The lock expires when the invocation that holds it must have ended.
  const ttl = await h.rt.redis.pttl(keys.tickLock('slow-test-tick'));
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60_000);

  const skipped: string[] = [];
  expect(await runTicks(h.rt, { skipped })).toEqual([]);
  expect(skipped).toEqual(['slow-test-tick']);
  expect(runs).toBe(1);

  release();
  expect(await first).toEqual([]);
  expect(await h.rt.redis.exists(keys.tickLock('slow-test-tick'))).toBe(0);
  await runTicks(h.rt);
  expect(runs).toBe(2);
});
