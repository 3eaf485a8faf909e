/**
 * Running locally there is no EventBridge: the in-process watcher polls DescribeServices at a
 * bounded rate and feeds the same tracker. The clock and the sleep are injected.
 */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { watchRollout, MIN_POLL_INTERVAL_MS } from '../../src/deploy/watch';
import { approve, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import type Redis from 'ioredis';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness();

/** `deploy web v1.2.3` in prod, approved and started: its request message. */
async function approvedDeploy(): Promise<ReturnType<typeof requestMessage>> {
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  return req;
}

it('polls at least 15 s apart until the change is final, through the same tracker', async () => {
  const req = await approvedDeploy();
  const describesBefore = h.ecsMock.commandCalls(DescribeServicesCommand).length;

  const sleeps: number[] = [];
  const script = [
    () => h.world.progress('prod', 'web-prod', 2),
    () => h.world.progress('prod', 'web-prod', 3),
    () => h.world.complete('prod', 'web-prod'),
  ];
  const result = await watchRollout(h.e2e.rt, req.id, {
    intervalMs: 1_000, // asked for faster: still bounded
    sleep: async (ms) => {
      sleeps.push(ms);
      h.clock.advance(ms);
      script.shift()?.();
    },
  });

  expect(result).toBe('completed');
  expect(sleeps).toEqual([MIN_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS]);
  expect(h.ecsMock.commandCalls(DescribeServicesCommand).length - describesBefore).toBe(3); // one DescribeServices per poll
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Deploy completed'))).toHaveLength(1);
});

it('stops at once for a change that is not running', async () => {
  const sleeps: number[] = [];
  expect(await watchRollout(h.e2e.rt, 'prod.web.doesnotexist1', { sleep: async (ms) => void sleeps.push(ms) })).toBe('not_running');
  expect(sleeps).toEqual([]);
});

it('stops when the runtime closed its Redis client while it slept (the process is stopping)', async () => {
  const req = await approvedDeploy();
  const describesBefore = h.ecsMock.commandCalls(DescribeServicesCommand).length;
  const redis = (h.e2e.rt.redis as Redis).duplicate();
  const sleeps: number[] = [];
  const result = await watchRollout({ ...h.e2e.rt, redis }, req.id, {
    sleep: async (ms) => {
      sleeps.push(ms);
      const ended = new Promise((resolve) => redis.once('end', resolve));
      redis.disconnect();
      await ended;
    },
  });
  expect(result).toBe('shut_down');
  expect(sleeps).toHaveLength(1);
  expect(h.ecsMock.commandCalls(DescribeServicesCommand).length - describesBefore).toBe(0);
});
