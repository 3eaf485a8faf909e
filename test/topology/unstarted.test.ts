/**
 * Issue 9 §2 on the deployed topology (the built bundles as four functions, Lambda's Invoke,
 * its retries and on-failure destination on loopback): requests that could never finish.
 *
 * - approved but never started: the execute job is lost (dropped), so nothing starts the
 *   request; the start-deadline tick fails it, says why in its thread and frees the service;
 *   approvers can cancel it before that; a job that arrives after the deadline is refused;
 * - the worker's invocation fails on every attempt: Lambda sends it to the WorkerFailures
 *   queue, whose consumer (the scheduled function) ends the request the same way;
 * - drift: the whole plan is re-checked at start (desired count, running image digest);
 * - a stalled worker: the tick settles a running request only after the worker's own attempt
 *   is over, and a worker whose request was settled meanwhile never calls UpdateService.
 *
 * "Time passing" (a start deadline, an attempt's end) is simulated by moving the request's
 * recorded times back in Redis: the functions run on the real clock.
 */
import type { RedisClient } from '../../src/redis/client';
import { parseRequestId } from '../../src/approvals/ids';
import { keys } from '../../src/redis/keys';
import { testRedis } from '../helpers/redis';
import { REGION, ACCOUNT, useSeededTopology, waitFor } from '../helpers/topology';
import { commandAnswer, requestIn, responsesText, textOf, threadOf } from '../helpers/topology/slack';

const t = useSeededTopology();
let redis: RedisClient;

// After the topology's beforeAll (declared first, so run first): it points REDIS_URL at this worker's database.
beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis?.quit());

const MIN = 60_000;

const command = (text: string, channel?: string, user?: string) => commandAnswer(t, text, channel, user);

/** The request a command just created (never an older one: a refused command would leave the last one in place). */
async function requested(text: string, channel = 'CPROD', user = 'UDEV1'): Promise<{ id: string; ts: string }> {
  const before = t.slack.messages(channel).length;
  const answer = await command(text, channel, user);
  const req = requestIn(t.slack, channel);
  if (
    !t.slack
      .messages(channel)
      .slice(before)
      .some((m) => m.ts === req.ts)
  )
    throw new Error(`no new request for "${text}": ${answer}`);
  return req;
}

async function click(action: 'approve' | 'cancel', req: { id: string; ts: string }, user: string, channel = 'CPROD'): Promise<void> {
  const res = await t.click({ action_id: `approval:${action}`, value: req.id, user_id: user, channel_id: channel, message_ts: req.ts });
  expect(res.status).toBe(200);
  await t.settle();
}

function requestKey(id: string): string {
  const ref = parseRequestId(id)!;
  return keys.request(ref.environment, ref.service, ref.id);
}

async function stateOf(id: string): Promise<Record<string, string>> {
  return redis.hgetall(requestKey(id));
}

/** As if the approval had been given `ago` ms ago: its start deadline passed a minute ago. */
async function approvalAged(id: string): Promise<void> {
  const now = Date.now();
  await redis.hset(requestKey(id), { approvedAt: String(now - 11 * MIN), startBy: String(now - MIN) });
  const ref = parseRequestId(id)!;
  await redis.zadd(keys.approvedIndex(ref.environment, ref.service), now - MIN, id);
}

async function tickAndWait(): Promise<void> {
  for (const inv of t.tick()) await t.ended(inv);
}

const thread = (channel: string, ts: string) =>
  threadOf(t.slack, channel, ts)
    .map((m) => textOf(m))
    .join('\n');
const td = (n: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web-prod:${n}`;

describe('approved, but the execute job is lost', () => {
  it('blocks the service until the start-deadline tick fails it, says why in the thread and frees the service', async () => {
    const req = await requested('deploy web v1.2.3');
    t.lambda.dropNext(t.functions.worker.name);
    await click('approve', req, 'ULEAD1');
    expect(t.lambda.gaveUp.at(-1)).toMatchObject({ fn: t.functions.worker.name, condition: 'Dropped' });
    expect((await stateOf(req.id)).state).toBe('approved');
    expect(await command('scale web 6')).toContain('is starting now');

    await tickAndWait(); // not due yet: nothing happens
    expect((await stateOf(req.id)).state).toBe('approved');

    await approvalAged(req.id);
    await tickAndWait();
    expect(await stateOf(req.id)).toMatchObject({ state: 'failed' });
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toContain('not started within 10m of the approval');
    expect(thread('CPROD', req.ts)).toContain('was approved');
    expect(thread('CPROD', req.ts)).toContain('but never started');
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toBe(td(42));

    // The service is free: a new request is accepted (and withdrawn again).
    const next = await requested('scale web 6');
    await click('cancel', next, 'UDEV1');
    expect((await stateOf(next.id)).state).toBe('cancelled');
  });

  it('an approver can cancel it before it starts (another requester cannot), and the thread says so', async () => {
    const req = await requested('deploy web v1.2.3');
    t.lambda.dropNext(t.functions.worker.name);
    await click('approve', req, 'ULEAD1');
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toContain('approval:cancel');

    const before = t.slack.responses().length;
    await click('cancel', req, 'UDEV2');
    expect(responsesText(t.slack, before)).toContain('or an approver in `prod` can cancel it before it starts');
    expect((await stateOf(req.id)).state).toBe('approved');

    await click('cancel', req, 'ULEAD2');
    expect(await stateOf(req.id)).toMatchObject({ state: 'cancelled', decidedBy: 'ULEAD2' });
    expect(thread('CPROD', req.ts)).toContain('cancelled this Deploy of `web` before it started');
    expect(textOf(requestIn(t.slack, 'CPROD').message)).not.toContain('approval:cancel');
  });

  it('a job that reaches the worker after the start deadline is refused: nothing changes, the thread says why', async () => {
    const req = await requested('deploy web v1.2.3');
    t.lambda.dropNext(t.functions.worker.name);
    await click('approve', req, 'ULEAD1');
    const job = t.invocations('worker').at(-1)!.event;
    expect(job).toEqual({ kind: 'execute', id: `exec-${req.id}`, requestId: req.id, auth: expect.any(Object) });

    await approvalAged(req.id);
    const workerCalls = t.callsOf('worker').length;
    await t.ended(t.lambda.invokeAsync(t.functions.worker.name, job));
    await t.settle();
    expect(await stateOf(req.id)).toMatchObject({ state: 'failed' });
    expect(thread('CPROD', req.ts)).toContain("after the approval's start deadline (10m). It did not run");
    expect(t.callsOf('worker').slice(workerCalls)).toEqual([]);
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toBe(td(42));
  });
});

describe("the worker's invocation fails on every attempt: the on-failure destination", () => {
  it('an approved change: Lambda sends the job to the WorkerFailures queue, the scheduled function fails the request and frees the service', async () => {
    const req = await requested('deploy web v1.2.3');
    t.lambda.crashNext(t.functions.worker.name, 2);
    await click('approve', req, 'ULEAD1');

    const queue = t.queues.find((q) => q.logicalId === 'WorkerFailuresQueue')!;
    expect(t.lambda.gaveUp.at(-1)).toMatchObject({ condition: 'RetriesExhausted', destination: queue.arn, delivered: true });
    const consumer = t.invocations('scheduled').at(-1)!;
    expect(consumer).toMatchObject({ source: 'sqs', result: { ok: true, value: { batchItemFailures: [] } } });
    expect(t.lambda.queueMessages(queue.arn)).toEqual([]);
    expect(await stateOf(req.id)).toMatchObject({ state: 'failed' });
    expect(thread('CPROD', req.ts)).toContain('the worker crashed on all 2 attempts, so Lambda gave up on the work');
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toBe(td(42));
    expect(t.denied()).toEqual([]);
  });

  it('a command: the person who typed it is told, instead of silence', async () => {
    t.lambda.crashNext(t.functions.worker.name, 2);
    const answer = await command('status web');
    expect(answer).toContain('I could not run `/ecs status web`: the worker crashed on all 2 attempts');
    expect(answer).toContain('Nothing was changed by it');
  });
});

describe('the whole plan is re-checked at start', () => {
  it('a scale approved as "4 → 2" is refused when the desired count moved to 30, saying what changed', async () => {
    const req = await requested('scale web 2');
    t.world.ecs.updateService('prod', 'web-prod', { desiredCount: 30 });
    await click('approve', req, 'ULEAD1');
    expect(await stateOf(req.id)).toMatchObject({ state: 'failed' });
    expect(thread('CPROD', req.ts)).toContain('its desired count is 30 now, not 4');
    expect(t.world.ecs.service('prod', 'web-prod').desiredCount).toBe(30);
    t.world.ecs.updateService('prod', 'web-prod', { desiredCount: 4 });
    t.world.ecs.settle();
    await t.settle();
  });

  it('a restart is refused when the tasks run another image digest than when it was approved', async () => {
    const req = await requested('restart web');
    // The mutable tag the task definition names is pushed again, and someone redeploys it.
    t.world.ecr.push('shop/web', { tags: ['v1.2.2'], findings: {} });
    t.world.ecs.updateService('prod', 'web-prod', { forceNewDeployment: true });
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    await click('approve', req, 'ULEAD1');
    expect(await stateOf(req.id)).toMatchObject({ state: 'failed' });
    expect(thread('CPROD', req.ts)).toMatch(/its tasks run image `sha256:[0-9a-f]{12}` now, not `sha256:[0-9a-f]{12}`/);
  });
});

describe('a stalled worker', () => {
  /** A deploy in staging (no approval): the worker runs it at once; its RegisterTaskDefinition call stalls once (about 5 s). */
  async function deployStalled(): Promise<{ id: string; ts: string }> {
    t.aws.stallNext('ecs', 'RegisterTaskDefinition');
    const from = t.aws.calls.length;
    const ack = await t.slash('deploy web-staging v1.2.3', { channel_id: 'CSTAGING', user_id: 'UANY' });
    expect(ack.status).toBe(200);
    await waitFor(
      () => t.aws.calls.slice(from).find((c) => c.action === 'RegisterTaskDefinition' && c.status === undefined),
      'the worker to be inside RegisterTaskDefinition',
    );
    return requestIn(t.slack, 'CSTAGING');
  }

  it('the tick does not settle a running change while its attempt may still be running, even when its lease is gone', async () => {
    const req = await deployStalled();
    const ref = parseRequestId(req.id)!;
    // Long after the start, and the lease expired (its renewal failed): the attempt itself may still be running.
    await redis.hset(requestKey(req.id), 'startedAt', String(Date.now() - 30 * MIN));
    await redis.del(keys.changeLease(ref.environment, ref.service, ref.id));
    await tickAndWait();
    expect((await stateOf(req.id)).state).toBe('running');

    // The worker comes back, finds its lease gone and stops before UpdateService; once its attempt is over, the tick settles it.
    await t.settle();
    expect(t.callsOf('worker').filter((c) => c.action === 'UpdateService' && c.input.service === 'web-staging')).toEqual([]);
    expect((await stateOf(req.id)).state).toBe('running');
    await redis.hset(requestKey(req.id), 'attemptUntil', String(Date.now() - MIN));
    await tickAndWait();
    expect((await stateOf(req.id)).state).toBe('failed');
    expect(thread('CSTAGING', req.ts)).toContain('The worker stopped before the service was updated');
    expect(t.world.ecs.service('staging', 'web-staging').taskDefinition).toMatch(/web-staging:7$/);
  });

  it('a worker whose request was settled while it was stalled never calls UpdateService', async () => {
    const req = await deployStalled();
    const ref = parseRequestId(req.id)!;
    // Its attempt counts as over (e.g. the invocation was frozen past its end): the tick settles the request.
    await redis.hset(requestKey(req.id), 'attemptUntil', String(Date.now() - MIN));
    await redis.del(keys.changeLease(ref.environment, ref.service, ref.id));
    await tickAndWait();
    expect((await stateOf(req.id)).state).toBe('failed');

    await t.settle();
    expect(t.callsOf('worker').filter((c) => c.action === 'UpdateService' && c.input.service === 'web-staging')).toEqual([]);
    expect(t.world.ecs.service('staging', 'web-staging').taskDefinition).toMatch(/web-staging:7$/);
    expect((await stateOf(req.id)).state).toBe('failed');
  });
});
