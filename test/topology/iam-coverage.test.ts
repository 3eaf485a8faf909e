/**
 * IAM coverage, both ways, on the deployed topology: a scripted run of every flow (read
 * commands, a deploy with 0 approvals, a deploy approved through an Approve click, rollback,
 * scale, restart, an abort, a failed rollout, alerts and their Logs button (also for a stream that
 * cannot be read), a job Lambda gave up
 * on and its on-failure queue, scheduled ticks)
 * through the built bundles, each function signing with its own credentials; then
 *   (a) every AWS call each function made, and every log write Lambda made for it, is allowed
 *       by that function's role in the packaged template (action and resource, conditions);
 *   (b) every action × resource the role allows was used by some flow of that function.
 */
import { AwsFault } from '../../src/loopback/aws/fault';
import { startTopology, type Topology } from '../helpers/topology';
import { disallowed, unusedGrants, usesOf } from '../helpers/topology/coverage';
import { seedWorld } from '../helpers/topology/seed';
import { requestIn, responsesText, textOf, threadOf } from '../helpers/topology/slack';

let t: Topology;

beforeAll(async () => {
  t = await startTopology({ seed: seedWorld });
}, 240_000);
afterAll(() => t?.close());

afterEach(() => {
  expect(t.failures()).toEqual([]);
  expect(t.denied().map((c) => `${t.functionOf(c.accessKeyId)} ${c.service}:${c.action}: ${c.errorMessage}`)).toEqual([]);
});

async function approveLatest(channel: string, user = 'ULEAD1') {
  const req = requestIn(t.slack, channel);
  const res = await t.click({ action_id: 'approval:approve', value: req.id, user_id: user, channel_id: channel, message_ts: req.ts });
  expect(res.status).toBe(200);
  await t.settle();
  return req;
}

async function command(text: string, channel = 'CPROD', user = 'UDEV1'): Promise<string> {
  const from = t.slack.responses().length;
  const ack = await t.slash(text, { channel_id: channel, user_id: user });
  expect(ack.status).toBe(200);
  await t.settle();
  return `${ack.text}\n${responsesText(t.slack, from)}`;
}

describe('a scripted run of every flow', () => {
  it('read commands: status, logs, images, history, cost', async () => {
    expect(await command('status web')).toContain('web in prod: steady, 4/4 running');
    const task = t.world.ecs.tasks('prod', 'web-prod', 'RUNNING')[0]!;
    t.world.logs.put('/ecs/web-prod', `ecs/web/${task.taskArn!.split('/').pop()}`, ['GET /cart 200', 'ERROR timeout talking to db']);
    expect(await command('logs web')).toContain('ERROR timeout talking to db');
    expect(await command('images web')).toContain('v1.2.3');
    expect(await command('history web')).toContain('web-prod:42');
    expect(await command('cost prod')).toMatch(/\$\d/);
  });

  it('a deploy with 0 approvals runs at once and is tracked to COMPLETED', async () => {
    expect(await command('deploy web-staging v1.2.3', 'CSTAGING', 'UANY')).toContain('Deploying `web-staging` in `staging` now');
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/succeeded/i);
  });

  it('a deploy approved with the Approve button, tracked to COMPLETED', async () => {
    await command('deploy web v1.2.3');
    const req = await approveLatest('CPROD');
    t.world.ecs.step('prod', 'web-prod');
    await t.settle();
    t.tick(); // the deadline tick refreshes the running deploy
    await t.settle();
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toMatch(/completed/i);
  });

  it('rollback, scale and restart, each approved, each tracked to the end', async () => {
    await command('rollback web');
    await approveLatest('CPROD');
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toMatch(/web-prod:42$/);
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);

    await command('scale web 6');
    await approveLatest('CPROD');
    t.world.ecs.settle();
    await t.settle();
    expect(t.world.ecs.service('prod', 'web-prod')).toMatchObject({ desiredCount: 6, runningCount: 6 });

    await command('restart web');
    await approveLatest('CPROD');
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);
  });

  it('Abort on a rollout in progress stops it with a rollback', async () => {
    await command('deploy web v1.2.3');
    await approveLatest('CPROD');
    const req = requestIn(t.slack, 'CPROD');
    const card = threadOf(t.slack, 'CPROD', req.ts).find((m) => textOf(m).includes('deploy:abort'));
    expect(card).toBeDefined();
    const res = await t.click({
      action_id: 'deploy:abort',
      value: req.id,
      user_id: 'UDEV1',
      channel_id: 'CPROD',
      message_ts: card!.ts,
      text: 'Abort and roll back',
    });
    expect(res.status).toBe(200);
    await t.settle();
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('aborted');
  });

  it('a rollout the circuit breaker fails: the events function explains it in the thread, with the failed tasks and their last log lines', async () => {
    await command('deploy web-staging v0.9.0-bad', 'CSTAGING', 'UANY');
    const req = requestIn(t.slack, 'CSTAGING');
    t.world.ecs.step('staging', 'web-staging');
    t.world.ecs.failRollout('staging', 'web-staging', { logLines: ['Error: DATABASE_URL is not set'] });
    await t.settle();
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    const thread = threadOf(t.slack, 'CSTAGING', req.ts)
      .map((m) => textOf(m))
      .join('\n');
    expect(thread).toContain('DATABASE_URL is not set');
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/failed/i);
  });

  it('EventBridge loses the events of a failing rollout: the scheduled tick finds the failure and explains it', async () => {
    await command('deploy web-staging v0.9.0-bad', 'CSTAGING', 'UANY');
    const req = requestIn(t.slack, 'CSTAGING');
    t.dropEvents(true);
    t.world.ecs.step('staging', 'web-staging');
    t.world.ecs.failRollout('staging', 'web-staging', { logLines: ['Error: REDIS_URL is not set'] });
    t.world.ecs.complete('staging', 'web-staging');
    t.dropEvents(false);
    const eventsBefore = t.invocations('events').length;
    t.tick();
    await t.settle();
    expect(t.invocations('events').length).toBe(eventsBefore);
    const thread = threadOf(t.slack, 'CSTAGING', req.ts)
      .map((m) => textOf(m))
      .join('\n');
    expect(thread).toContain('REDIS_URL is not set');
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/failed/i);
  });

  it('a task that crashes raises an alert with its last log lines; the Logs button fetches more', async () => {
    t.world.ecs.crashTask('prod', 'worker-prod', { exitCode: 137, logLines: ['panic: out of memory'] });
    await t.settle();
    const alert = t.slack.messages('CWORKERTEAM').at(-1);
    expect(textOf(alert)).toContain('panic: out of memory');
    const actions = (alert!.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const logs = actions.elements!.find((e) => e.action_id === 'alert:logs')!;
    const res = await t.click({
      action_id: logs.action_id,
      value: logs.value,
      block_id: 'alert:prod:worker',
      user_id: 'UDEV1',
      channel_id: 'CWORKERTEAM',
      message_ts: alert!.ts,
      message: { ts: alert!.ts, blocks: alert!.blocks },
    });
    expect(res.status).toBe(200);
    await t.settle();
    expect(
      threadOf(t.slack, 'CWORKERTEAM', alert!.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('panic: out of memory');

    // Pressed again once the stream cannot be read: the worker asks whether the group is there (DescribeLogStreams).
    t.aws.failNext('logs', 'GetLogEvents', new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.'));
    await t.click({
      action_id: logs.action_id,
      value: logs.value,
      block_id: 'alert:prod:worker',
      user_id: 'UDEV2',
      channel_id: 'CWORKERTEAM',
      message_ts: alert!.ts,
      message: { ts: alert!.ts, blocks: alert!.blocks },
    });
    await t.settle();
    expect(
      threadOf(t.slack, 'CWORKERTEAM', alert!.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('there is no log stream for this task yet');
    t.world.ecs.settle();
    await t.settle();
  });

  it('an alert for a task whose log stream cannot be read says whether the group is there (the events function asks)', async () => {
    t.aws.failNext('logs', 'GetLogEvents', new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.'));
    t.world.ecs.crashTask('staging', 'web-staging', { exitCode: 1 });
    await t.settle();
    expect(textOf(t.slack.messages('CALERTSSTG').at(-1))).toContain('there is no log stream for this task yet');
    t.world.ecs.settle();
    await t.settle();
  });

  it("a job Lambda gives up on goes to the worker's on-failure queue, and the scheduled function settles it", async () => {
    await command('deploy web v1.2.3');
    t.lambda.crashNext(t.functions.worker.name, 2);
    const req = await approveLatest('CPROD');
    expect(t.lambda.gaveUp.at(-1)).toMatchObject({ condition: 'RetriesExhausted', delivered: true });
    expect(t.invocations('scheduled').at(-1)).toMatchObject({ source: 'sqs', result: { ok: true } });
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/failed/i);
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('Lambda gave up on the work');
  });

  it('scheduled ticks', async () => {
    t.tick();
    await t.settle();
    t.tick();
    await t.settle();
    expect(t.invocations('scheduled').every((i) => i.result?.ok)).toBe(true);
  });
});

describe('IAM coverage', () => {
  it('(a) every call each function made, and every log write Lambda made for it, is allowed by its role: action and resource', () => {
    const uses = usesOf(t);
    for (const fn of ['slack', 'worker', 'events', 'scheduled'] as const)
      expect(uses.some((u) => u.fn === fn && u.call !== 'platform')).toBe(true);
    expect(disallowed(t, uses)).toEqual([]);
  });

  it('(b) every action the role allows, on every resource it names, is used by some flow of that function', () => {
    expect(unusedGrants(t, usesOf(t))).toEqual([]);
  });
});
