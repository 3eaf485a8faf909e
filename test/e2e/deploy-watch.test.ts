/**
 * Running locally there is no EventBridge: the in-process watcher polls DescribeServices at a
 * bounded rate and feeds the same tracker. The clock and the sleep are injected.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { getRequest } from '../../src/approvals';
import { watchRollout, MIN_POLL_INTERVAL_MS } from '../../src/deploy/watch';
import { setupE2E, type E2E } from '../helpers/e2e';
import { approve, buildWorld, Clock, requestMessage, stubImages, stubLogs, textOf, thread } from '../helpers/deploy-e2e';
import type { FakeEcs } from '../helpers/fake-ecs';

const ecsMock = mockClient(ECSClient);
const ecrMock = mockClient(ECRClient);
const logsMock = mockClient(CloudWatchLogsClient);

let e2e: E2E;
let clock: Clock;
let world: FakeEcs;

beforeEach(async () => {
  clock = new Clock();
  e2e = await setupE2E({ now: clock.now });
  world = buildWorld(clock);
  world.install(ecsMock);
  stubImages(ecrMock, clock);
  stubLogs(logsMock, clock, []);
});

afterEach(async () => {
  ecsMock.reset();
  ecrMock.reset();
  logsMock.reset();
  await e2e.close();
});

afterAll(() => {
  ecsMock.restore();
  ecrMock.restore();
  logsMock.restore();
});

it('polls at least 15 s apart until the change is final, through the same tracker', async () => {
  await e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await e2e.drain();
  const req = requestMessage(e2e, 'CPROD');
  await approve(e2e, req);
  await e2e.drain();
  const describesBefore = ecsMock.commandCalls(DescribeServicesCommand).length;

  const sleeps: number[] = [];
  const script = [() => world.progress('prod', 'web-prod', 2), () => world.progress('prod', 'web-prod', 3), () => world.complete('prod', 'web-prod')];
  const result = await watchRollout(e2e.rt, req.id, {
    intervalMs: 1_000, // asked for faster: still bounded
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      script.shift()?.();
    },
  });

  expect(result).toBe('completed');
  expect(sleeps).toEqual([MIN_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS]);
  expect(ecsMock.commandCalls(DescribeServicesCommand).length - describesBefore).toBe(3); // one DescribeServices per poll
  expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('succeeded');
  expect(thread(e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Deploy completed'))).toHaveLength(1);
});

it('stops at once for a change that is not running', async () => {
  const sleeps: number[] = [];
  expect(await watchRollout(e2e.rt, 'prod.web.doesnotexist1', { sleep: async (ms) => void sleeps.push(ms) })).toBe('not_running');
  expect(sleeps).toEqual([]);
});
