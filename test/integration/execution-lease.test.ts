/**
 * The executing worker's lease (src/deploy/execute.ts takeLease, over src/approvals/lua/lease-2.lua)
 * against the real Redis: renewed while the worker works, so it outlives its TTL; checked
 * atomically ("still running and mine"); given up when the request stops running.
 */
import { luaTransitions } from '../../src/approvals/transitions';
import { parseRequestId } from '../../src/approvals/ids';
import { finishExecution, startExecution } from '../../src/approvals/execution';
import { submitRequest } from '../../src/approvals/workflow';
import { takeLease } from '../../src/deploy/execute';
import { keys } from '../../src/redis/keys';
import { useStoreHarness } from './approvals-runtime';

const h = useStoreHarness();

async function runningRequest(): Promise<string> {
  const req = await submitRequest(h.rt, {
    verb: 'scale',
    environment: 'prod',
    service: 'web',
    plan: { verb: 'scale' },
    summary: 'Scale web',
    requester: 'UDEV1',
    channel: 'CPROD',
    invocationId: `cmd-${Math.random().toString(36).slice(2)}`,
  });
  const ref = parseRequestId(req.id)!;
  expect((await luaTransitions(h.rt.redis).approve(ref, 'ULEAD1', h.clock.now(), true, 600_000)).code).toBe('APPROVED');
  expect((await startExecution(h.rt, req.id)).ok).toBe(true);
  return req.id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('is renewed while the worker works: it outlives its TTL, and its check answers yes until the request stops running', async () => {
  const id = await runningRequest();
  const ref = parseRequestId(id)!;
  const lease = await takeLease(h.rt, id, h.rt.log, { ttlMs: 400, renewEveryMs: 100 });
  expect(lease).toBeDefined();
  await sleep(1_200); // three TTLs: without renewal the key would be gone
  expect(await h.rt.redis.get(keys.changeLease(ref.environment, ref.service, ref.id))).toBe(lease!.token);
  expect(await lease!.check()).toBe(true);
  // A second worker cannot take it meanwhile.
  expect(await takeLease(h.rt, id, h.rt.log, { ttlMs: 400, renewEveryMs: 100 })).toBeUndefined();

  await finishExecution(h.rt, id, 'failed', 'settled by the tick');
  expect(await lease!.check()).toBe(false);
  await lease!.release();
  expect(await h.rt.redis.exists(keys.changeLease(ref.environment, ref.service, ref.id))).toBe(0);
});

it('records until when the attempt may run (attemptUntil) when it is taken', async () => {
  const id = await runningRequest();
  const lease = await takeLease(h.rt, id, h.rt.log, { ttlMs: 5_000, renewEveryMs: 1_000 });
  const ref = parseRequestId(id)!;
  const until = Number(await h.rt.redis.hget(keys.request(ref.environment, ref.service, ref.id), 'attemptUntil'));
  expect(until).toBeGreaterThan(h.clock.now());
  await lease!.release();
});

it("records an UpdateService attempt only in the same step as the check: not once the lease is gone or another worker's", async () => {
  const id = await runningRequest();
  const ref = parseRequestId(id)!;
  const reqKey = keys.request(ref.environment, ref.service, ref.id);
  const leaseKey = keys.changeLease(ref.environment, ref.service, ref.id);
  const lease = await takeLease(h.rt, id, h.rt.log, { ttlMs: 5_000, renewEveryMs: 1_000 });
  expect((await lease!.attempt(1))?.execution?.updateAttempts).toBe(1);
  // Expired (as when its renewals could not reach Redis): nothing recorded.
  await h.rt.redis.del(leaseKey);
  expect(await lease!.attempt(2)).toBeUndefined();
  expect(await h.rt.redis.hget(reqKey, 'x.updateAttempts')).toBe('1');
  // Another worker's now.
  await h.rt.redis.set(leaseKey, 'someone-else', 'PX', 5_000);
  expect(await lease!.attempt(2)).toBeUndefined();
  expect(await h.rt.redis.hget(reqKey, 'x.updateAttempts')).toBe('1');
  await lease!.release();
});
