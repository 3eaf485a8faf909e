/**
 * `/ecs run <service> <task>` on the deployed topology (the built bundles as four functions, Lambda's
 * Invoke on loopback, the loopback AWS world, every AWS call checked against its caller's role):
 * asked in Slack, approved by another person, started by the worker with RunTask (the request's
 * client token and startedBy), followed through ECS's Task State Change events to its exit, told in
 * the thread; and the ways it must not go: a run whose service moved on does not start, a failed
 * command is said with its exit code and last log lines, a run past its time limit is stopped.
 *
 * "Time passing" (the time limit) is simulated by moving the run's recorded start back in Redis: the
 * functions run on the real clock.
 */
import type { RedisClient } from '../../src/redis/client';
import { parseRequestId } from '../../src/approvals/ids';
import { keys } from '../../src/redis/keys';
import { testRedis } from '../helpers/redis';
import { ACCOUNT, REGION, useSeededTopology } from '../helpers/topology';
import { commandAnswer, requestIn, textOf, threadOf } from '../helpers/topology/slack';

const t = useSeededTopology({ afterEach: 'no failures' });
let redis: RedisClient;

beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis?.quit());

const TD42 = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web-prod:42`;

async function approve(req: { id: string; ts: string }, user = 'ULEAD1'): Promise<void> {
  const res = await t.click({ action_id: 'approval:approve', value: req.id, user_id: user, channel_id: 'CPROD', message_ts: req.ts });
  expect(res.status).toBe(200);
  await t.settle();
}

/** A run requested in prod by UDEV1 (its answer must say it was posted for approval). */
async function requestRun(text = 'run web migrate --reason "orders table"'): Promise<{ id: string; ts: string }> {
  const answer = await commandAnswer(t, text, 'CPROD', 'UDEV1');
  expect(answer).toContain('needs 1 approval');
  return requestIn(t.slack, 'CPROD');
}

const thread = (req: { ts: string }, channel = 'CPROD') =>
  threadOf(t.slack, channel, req.ts)
    .map((m) => textOf(m))
    .join('\n');

async function stateOf(id: string): Promise<Record<string, string>> {
  const ref = parseRequestId(id)!;
  return redis.hgetall(keys.request(ref.environment, ref.service, ref.id));
}

async function tickAndWait(): Promise<void> {
  for (const inv of t.tick()) await t.ended(inv);
  await t.settle();
}

describe('/ecs run', () => {
  it('asked, approved by another person, run once with the request as its client token, followed to exit 0', async () => {
    const req = await requestRun();
    // The request shows what runs, the command, where, and the limit; nothing ran yet.
    const card = textOf(requestIn(t.slack, 'CPROD').message);
    expect(card).toContain('Run migrate request: web → prod');
    expect(card).toContain('`web`: run `migrate` once, as a task of `web-prod:42` (container `web`)');
    expect(card).toContain('Command: `npm run migrate`');
    expect(card).toContain('Stopped and reported as failed if it runs longer than 15m');
    expect(t.world.ecs.runTaskInputs).toHaveLength(0);

    // The requester cannot approve their own run.
    await approve(req, 'UDEV1');
    expect(t.world.ecs.runTaskInputs).toHaveLength(0);

    await approve(req);
    expect(t.world.ecs.runTaskInputs).toEqual([
      expect.objectContaining({
        cluster: 'prod',
        taskDefinition: TD42,
        count: 1,
        startedBy: `ecs-chatops:${req.id}`,
        clientToken: req.id,
        group: 'chatops:migrate',
        overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
        networkConfiguration: { awsvpcConfiguration: expect.objectContaining({ subnets: expect.any(Array) }) },
      }),
    ]);
    const [task] = t.world.ecs.runTasks('prod');
    expect(thread(req)).toContain(
      `Task <https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/${task!.taskArn!.split('/').pop()}`,
    );
    expect((await stateOf(req.id)).state).toBe('running');

    // ECS runs it; its RUNNING and STOPPED events reach the events function through the template's rules.
    t.world.ecs.completeRun(task!.taskArn!);
    await t.settle();
    expect(thread(req)).toContain('*Run completed*');
    expect(thread(req)).toContain('`migrate` exited 0.');
    expect(thread(req)).toContain('<@UDEV1> <@ULEAD1>: this run is done.');
    expect((await stateOf(req.id)).state).toBe('succeeded');
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toContain('`migrate` exited 0');
    // One task, and nothing else changed: the service still runs :42 with its tasks.
    expect(t.world.ecs.runTasks('prod')).toHaveLength(1);
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toBe(TD42);
    expect(t.denied()).toEqual([]);
  });

  it('a failed command: the exit code, ECS’s reason and the container’s last log lines, broadcast', async () => {
    t.world.ecs.scriptRun({
      exitCode: 2,
      logLines: ['applying 0042_orders_index', 'ERROR: duplicate key value violates unique constraint'],
    });
    const req = await requestRun();
    await approve(req);
    const task = t.world.ecs.runTasks('prod').at(-1)!;
    t.world.ecs.completeRun(task.taskArn!);
    await t.settle();
    const said = thread(req);
    expect(said).toContain('*Run failed*');
    expect(said).toContain('`migrate` exited 2.');
    expect(said).toContain('ERROR: duplicate key value violates unique constraint');
    expect(said).toContain('<@UDEV1> <@ULEAD1>: this run failed.');
    // Broadcast: the failure reply is also in the channel.
    const final = threadOf(t.slack, 'CPROD', req.ts).find((m) => textOf(m).includes('*Run failed*'));
    expect(final?.subtype).toBe('thread_broadcast');
    expect((await stateOf(req.id)).state).toBe('failed');
    expect(t.denied()).toEqual([]);
  });

  it('the service moved on after the request: nothing starts, and the thread says why and how to ask again', async () => {
    const req = await requestRun();
    const before = t.world.ecs.runTaskInputs.length;
    // A deploy in between: web-prod now runs :43.
    const td = t.world.ecs.taskDefinition(TD42)!;
    const td43 = t.world.ecs.addTaskDefinition({ ...td, family: 'web-prod', revision: undefined, taskDefinitionArn: undefined }, []);
    t.world.ecs.updateService('prod', 'web-prod', { taskDefinition: td43 });
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();

    await approve(req);
    expect(t.world.ecs.runTaskInputs.length).toBe(before);
    expect(thread(req)).toContain('*Run did not start.* The service runs `web-prod:43` now, not `web-prod:42` as the request showed');
    expect(thread(req)).toContain('`/ecs run web migrate`');
    expect((await stateOf(req.id)).state).toBe('failed');
    // Back to :42 for the next test.
    t.world.ecs.updateService('prod', 'web-prod', { taskDefinition: TD42 });
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
  });

  it('past its time limit the tick stops it (StopTask) and it ends failed, even though it then exits 0', async () => {
    t.world.ecs.scriptRun({ runSteps: Infinity, stopExitCode: 0 });
    const req = await requestRun();
    await approve(req);
    const task = t.world.ecs.runTasks('prod').at(-1)!;
    t.world.ecs.stepRuns();
    t.world.ecs.stepRuns();
    await t.settle();
    expect(t.world.ecs.runTask(task.taskArn!).lastStatus).toBe('RUNNING');

    // A tick within the limit changes nothing.
    await tickAndWait();
    expect(t.world.ecs.runTask(task.taskArn!).desiredStatus).toBe('RUNNING');

    // 16 minutes later (its limit is 15m).
    const ref = parseRequestId(req.id)!;
    await redis.hset(keys.request(ref.environment, ref.service, ref.id), 'x.runStartedAt', String(Date.now() - 16 * 60_000));
    await tickAndWait();
    expect(t.world.ecs.runTask(task.taskArn!).desiredStatus).toBe('STOPPED');
    expect(thread(req)).toContain('It ran past its 15m limit: stopping task');

    t.world.ecs.completeRun(task.taskArn!);
    await t.settle();
    const said = thread(req);
    expect(said).toContain('*Run failed*');
    expect(said).toContain('it ran longer than its 15m limit, so I stopped it');
    expect((await stateOf(req.id)).state).toBe('failed');
    expect(t.callsOf('worker').some((c) => c.action === 'StopTask') || t.callsOf('scheduled').some((c) => c.action === 'StopTask')).toBe(
      true,
    );
    expect(t.denied()).toEqual([]);
  });

  it('with 0 approvals (staging) it runs at once, in the worker that holds it', async () => {
    const before = t.world.ecs.runTasks('staging').length;
    const answer = await commandAnswer(t, 'run web-staging migrate', 'CSTAGING', 'UANY');
    expect(answer).toContain('Running `migrate` on `web-staging` in `staging` now');
    const [task] = t.world.ecs.runTasks('staging').slice(before);
    expect(task).toBeDefined();
    t.world.ecs.completeRun(task!.taskArn!);
    await t.settle();
    const req = requestIn(t.slack, 'CSTAGING');
    expect(thread(req, 'CSTAGING')).toContain('*Run completed*');
    expect(t.denied()).toEqual([]);
  });
});
