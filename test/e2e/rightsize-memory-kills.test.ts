/**
 * /ecs rightsize never recommends less memory for a service whose tasks were killed for running out of
 * memory: CloudWatch's hourly figures miss a spike between samples, and the alerts saw the kill (an
 * ECS Task State Change classified as out of memory, kept per service: src/alerts/memory-kills.run.ts).
 * Without the alerts, the tasks ECS still lists as stopped for memory (about an hour) count too, and
 * /ecs status keeps the ones it sees in the same record. Through the real handlers: the event through
 * the events function, the command through the Slack function and the worker; ECS and CloudWatch stubbed.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { slashAnswer, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { stubMetrics } from '../helpers/cloudwatch';
import { OOM, PULL_FAILED, taskStopped } from '../fixtures/events/samples';
import { workerKeys } from '../../src/redis/keys.run';
import { recordMemoryKill } from '../../src/alerts/memory-kills.run';
import { stoppedTask } from '../helpers/aws-fixtures';

const cwMock = mockClient(CloudWatchClient);
const h = useDeployHarness();
const HOUR = 3600_000;

/** 14 days of hourly values: memory never above 35% of the reservation. */
const hourly = (base: number) => Array.from({ length: 14 * 24 }, (_, i) => base + (i % 24) / 4);
const low = { cpu_avg: hourly(10), cpu_max: hourly(10), mem_avg: hourly(30), mem_max: hourly(30) };

afterEach(() => cwMock.reset());
afterAll(() => cwMock.restore());

async function rightsize(): Promise<string> {
  stubMetrics(cwMock, low);
  return slashAnswer(h.e2e, 'rightsize web');
}

it('without a memory kill the figures decide: less memory', async () => {
  const text = await rightsize();
  expect(text).toContain('*Recommended:*');
  expect(text).not.toContain('running out of memory');
  expect(text).not.toContain('More memory');
  expect(text).toMatch(/resize web --cpu \d+ --memory 512\b/);
});

it('a task killed for memory in the window: said, and memory is not sized below the reservation', async () => {
  await h.e2e.event(taskStopped({ time: h.clock.now() - 2 * HOUR, taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad', ...OOM }));
  // The same task again (EventBridge delivers at least once) and a stop for another reason count nothing more.
  await h.e2e.event(taskStopped({ time: h.clock.now() - 2 * HOUR, taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad', ...OOM }));
  await h.e2e.event(taskStopped({ time: h.clock.now() - HOUR, taskId: 'd13b4cb40f1f4fe4a2971f76ae5a47ad', ...PULL_FAILED }));
  expect(await h.e2e.rt.redis.zcard(workerKeys.memoryKills('prod', 'web'))).toBe(1);
  const text = await rightsize();
  expect(text).toContain(
    ':warning: 1 task was stopped for running out of memory in the last 14 days (the last 2h ago). The hourly figures miss a spike between samples, so memory is not sized below 1024 MiB.',
  );
  // CPU is still sized by its figures; memory stays where it is.
  expect(text).toContain('resize web --cpu 256 --memory 1024');
  // And the step up is offered with its own button: the cheapest size with more memory that holds the CPU peaks.
  expect(text).toContain(':bulb: *More memory:* if tasks keep running out of memory, `0.25 vCPU / 2 GB` is the cheapest size');
  expect(text).toContain('resize web --cpu 256 --memory 2048');
  // Its button asks for it; the request says the CPU shrinks (not that the size is smaller: the memory grows).
  const body = h.e2e.slack.responses().at(-1)!;
  const more = (body.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements!)
    .find((e) => e.action_id === 'command:run:resize-more')!;
  await h.e2e.click({ action_id: more.action_id, value: more.value, user_id: 'UDEV1', channel_id: 'CPROD' });
  await h.e2e.drain();
  const card = textOf(requestMessage(h.e2e, 'CPROD').message);
  expect(card).toContain('`0.5 vCPU / 1 GB` → `0.25 vCPU / 2 GB`');
  expect(card).toContain('The new size has less CPU than what runs now');
});

it('a kill before the window is not counted, and one older than 30 days is dropped at the next write', async () => {
  const now = h.clock.now();
  await recordMemoryKill(h.e2e.rt.redis, 'prod', 'web', 'old-task', now - 31 * 24 * HOUR, now);
  await recordMemoryKill(h.e2e.rt.redis, 'prod', 'web', 'task-20d', now - 20 * 24 * HOUR, now);
  expect(await h.e2e.rt.redis.zrange(workerKeys.memoryKills('prod', 'web'), '0', '-1')).toEqual(['task-20d']);
  expect(await rightsize()).not.toContain('running out of memory');
  expect(await h.e2e.rt.redis.pttl(workerKeys.memoryKills('prod', 'web'))).toBeGreaterThan(29 * 24 * HOUR);
});

describe('without the alerts (EventBridge not reaching the events function)', () => {
  const oom = (id: string, stoppedAt: number) =>
    stoppedTask(id, {
      stoppedAt: new Date(stoppedAt),
      containers: [{ name: 'web', lastStatus: 'STOPPED', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
    });
  const key = () => workerKeys.memoryKills('prod', 'web');

  it('a task ECS still lists as stopped for memory: counted, and kept in the record; its event later counts it once', async () => {
    h.world.setStopped('prod', 'web-prod', [
      oom('e13b4cb40f1f4fe4a2971f76ae5a47ad', h.clock.now() - 20 * 60_000),
      stoppedTask('f0', {}, 1),
    ]);
    const text = await rightsize();
    expect(text).toContain(':warning: 1 task was stopped for running out of memory in the last 14 days (the last 20m ago).');
    expect(text).toContain('resize web --cpu 256 --memory 1024');
    expect(await h.e2e.rt.redis.zrange(key(), '0', '-1')).toEqual(['e13b4cb40f1f4fe4a2971f76ae5a47ad']);
    await h.e2e.event(taskStopped({ time: h.clock.now() - 20 * 60_000, taskId: 'e13b4cb40f1f4fe4a2971f76ae5a47ad', ...OOM }));
    expect(await h.e2e.rt.redis.zcard(key())).toBe(1);
  });

  it('/ecs status keeps the kill it sees: rightsize counts it after ECS has stopped listing the task', async () => {
    h.world.setStopped('prod', 'web-prod', [oom('a23b4cb40f1f4fe4a2971f76ae5a47ad', h.clock.now() - 5 * 60_000)]);
    await h.e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(await h.e2e.rt.redis.zcard(key())).toBe(1);
    h.world.setStopped('prod', 'web-prod', []);
    h.clock.advance(3 * HOUR);
    expect(await rightsize()).toContain('1 task was stopped for running out of memory in the last 14 days (the last 3h 5m ago)');
  });

  it('/ecs tasks --stopped keeps it too; /ecs tasks (running) reads no stopped task and keeps nothing', async () => {
    h.world.setStopped('prod', 'web-prod', [oom('c43b4cb40f1f4fe4a2971f76ae5a47ad', h.clock.now() - 5 * 60_000)]);
    await h.e2e.slash('tasks web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(await h.e2e.rt.redis.zcard(key())).toBe(0);
    await h.e2e.slash('tasks web --stopped', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(await h.e2e.rt.redis.zrange(key(), '0', '-1')).toEqual(['c43b4cb40f1f4fe4a2971f76ae5a47ad']);
  });

  it('the record unreadable: the kills ECS lists alone', async () => {
    await h.e2e.rt.redis.set(key(), 'not a sorted set');
    h.world.setStopped('prod', 'web-prod', [oom('b33b4cb40f1f4fe4a2971f76ae5a47ad', h.clock.now() - 10 * 60_000)]);
    expect(await rightsize()).toContain('1 task was stopped for running out of memory in the last 14 days (the last 10m ago)');
    expect(h.e2e.logs.some((l) => l.msg === 'rightsize: the record of tasks stopped for memory is unreadable')).toBe(true);
  });
});
