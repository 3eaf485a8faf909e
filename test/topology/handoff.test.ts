/**
 * The deployed topology (test/helpers/topology): the built bundles as four functions, each in its
 * own process with its own credentials, handing jobs over through Lambda's Invoke API on
 * loopback (reached through AWS_ENDPOINT_URL_LAMBDA), every AWS call checked against the
 * caller's role from the packaged template.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ACCOUNT, REGION, useSeededTopology, type FunctionKey } from '../helpers/topology';
import { requestIn, responsesText, textOf, threadOf } from '../helpers/topology/slack';

// Every invocation ended well and IAM refused nothing, unless a test says otherwise.
const t = useSeededTopology({ afterEach: 'no failures' });

const since = (fn: FunctionKey, n: number) => t.callsOf(fn).slice(n);

describe('the hand-off', () => {
  it('the Slack function acks, hands the command to the worker with an async Invoke (202), and calls nothing else', async () => {
    const slackBefore = t.callsOf('slack').length;
    const workerBefore = t.callsOf('worker').length;
    const responses = t.slack.responses().length;

    const ack = await t.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('Looking up `web` in `prod`');
    await t.settle();

    expect(since('slack', slackBefore).map((c) => [c.service, c.action, c.input.InvocationType, c.input.FunctionName, c.status])).toEqual([
      ['lambda', 'Invoke', 'Event', t.functions.worker.name, 202],
    ]);
    const job = JSON.parse(String(since('slack', slackBefore)[0]!.input.Payload)) as { kind: string; invocation: { text: string } };
    expect(job).toMatchObject({ kind: 'command', invocation: { text: 'status web' } });
    // The worker's own runtime ran it, as an asynchronous invocation.
    expect(t.invocations('worker').at(-1)).toMatchObject({ type: 'Event', event: job, result: { ok: true } });
    expect(since('worker', workerBefore).map((c) => `${c.service}:${c.action}`)).toEqual(
      expect.arrayContaining(['ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'ecs:ListTasks', 'ecs:DescribeTasks']),
    );
    expect(responsesText(t.slack, responses)).toContain('web in prod: steady, 4/4 running');
    expect(t.denied()).toEqual([]);
  });

  it('the functions run the built bundles, and no bundle holds the loopback code', () => {
    for (const fn of ['slack', 'worker', 'events', 'scheduled'] as const) {
      expect(t.functions[fn].handler).toBe(`dist/${fn}.handler`);
      const meta = JSON.parse(readFileSync(path.join(t.artifacts.dist, `meta-${fn}.json`), 'utf8')) as { inputs: Record<string, unknown> };
      const inputs = Object.keys(meta.inputs);
      expect(inputs).toContain(`src/handlers/${fn}.ts`);
      expect(inputs.filter((i) => i.includes('loopback') || i.startsWith('test/'))).toEqual([]);
      // The Slack-facing function makes no AWS call but invoking the worker: no CloudWatch (rightsize) nor STS (roles) in it.
      if (fn === 'slack') expect(inputs.filter((i) => /@aws-sdk\/client-(cloudwatch|sts)\//.test(i))).toEqual([]);
      if (fn === 'worker') expect(inputs.filter((i) => /@aws-sdk\/client-(cloudwatch|sts)\//.test(i)).length).toBeGreaterThan(0);
    }
    // A flood of jobs cannot take the account's whole concurrency: the worker's is reserved (and capped).
    expect(t.functions.worker.reservedConcurrency).toBe(20);
    expect(t.functions.slack.reservedConcurrency).toBeUndefined();
  });

  it('each function signs with its own credentials, so every call is attributable', () => {
    const keys = (['slack', 'worker', 'events', 'scheduled'] as const).map(
      (k) => t.lambda.spec(t.functions[k].name)!.credentials.accessKeyId,
    );
    expect(new Set(keys).size).toBe(4);
    expect(t.aws.calls.length).toBeGreaterThan(0);
    for (const c of t.aws.calls) expect(t.functionOf(c.accessKeyId)).toBeDefined();
  });

  it('a deploy in an environment with 0 approvals runs in the worker that holds it (no self-invoke) and is tracked to COMPLETED', async () => {
    const workerBefore = t.callsOf('worker').length;
    const responses = t.slack.responses().length;
    await t.slash('deploy web-staging v1.2.3', { channel_id: 'CSTAGING', user_id: 'UANY' });
    await t.settle();

    const calls = since('worker', workerBefore).map((c) => `${c.service}:${c.action}`);
    expect(calls).not.toContain('lambda:Invoke');
    expect(calls).toEqual(expect.arrayContaining(['ecs:RegisterTaskDefinition', 'ecs:UpdateService']));
    expect(responsesText(t.slack, responses)).toContain('Deploying `web-staging` in `staging` now');
    const svc = t.world.ecs.service('staging', 'web-staging');
    expect(svc.taskDefinition).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web-staging:8`);
    const registered = t.world.ecs.taskDefinition(svc.taskDefinition!)!;
    expect(registered.containerDefinitions![0]!.image).toBe(
      `${t.world.ecr.registry}/shop/web@${t.world.ecr.digestOf(`${t.world.ecr.registry}/shop/web:v1.2.3`)}`,
    );

    // ECS rolls it out; its events reach the events function through the template's rules.
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    const req = requestIn(t.slack, 'CSTAGING');
    expect(textOf(req.message)).toMatch(/succeeded|completed/i);
    expect(
      threadOf(t.slack, 'CSTAGING', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toMatch(/completed/i);
    expect(t.invocations('events').length).toBeGreaterThan(0);
    expect(t.denied()).toEqual([]);
  });

  it('an approval click in the Slack function hands the approved execution to the worker through Invoke', async () => {
    await t.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await t.settle();
    const req = requestIn(t.slack, 'CPROD');
    expect(textOf(req.message)).toContain('pending');
    const slackBefore = t.callsOf('slack').length;

    const res = await t.click({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    expect(res.status).toBe(200);
    const handOff = since('slack', slackBefore).filter((c) => c.service === 'lambda');
    expect(handOff).toHaveLength(1);
    // The job as signed by the Slack function (issue 10, item 6): the worker runs no unsigned job.
    expect(JSON.parse(String(handOff[0]!.input.Payload))).toEqual({
      kind: 'execute',
      id: `exec-${req.id}`,
      requestId: req.id,
      auth: { iat: expect.any(Number), sig: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    await t.settle();
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toMatch(/web-prod:43$/);
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded|completed/i);
    expect(t.denied()).toEqual([]);
  });
});

describe("Lambda's Invoke API on loopback", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  function clientAs(fn: FunctionKey): LambdaClient {
    Object.assign(process.env, t.aws.env(['lambda']), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
    return new LambdaClient({ region: REGION, credentials: t.lambda.spec(t.functions[fn].name)!.credentials, maxAttempts: 1 });
  }

  it('RequestResponse answers 200 with the function result; DryRun 204; a function the role may not invoke is refused before it is looked up', async () => {
    const lambda = clientAs('slack');
    const res = await lambda.send(
      new InvokeCommand({
        FunctionName: t.functions.worker.name,
        Payload: Buffer.from(JSON.stringify({ kind: 'no-such-kind', id: 'x1' })),
      }),
    );
    expect(res.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(res.Payload!).toString())).toEqual({ ok: true });
    const dry = await lambda.send(new InvokeCommand({ FunctionName: t.functions.worker.arn, InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    // IAM decides first, as on AWS: the Slack role may invoke the worker only.
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: t.functions.events.name, InvocationType: 'Event', Payload: Buffer.from('{}') })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
  });

  it('the scheduled role may invoke the worker: it hands it the jobs only the worker’s role may carry out (src/handlers/worker-jobs.ts)', async () => {
    const res = await clientAs('scheduled').send(new InvokeCommand({ FunctionName: t.functions.worker.name, InvocationType: 'DryRun' }));
    expect(res.StatusCode).toBe(204);
  });

  it.each(['worker', 'events'] as const)('the %s role may not invoke the worker: AccessDeniedException (403)', async (fn) => {
    const denied = await clientAs(fn)
      .send(new InvokeCommand({ FunctionName: t.functions.worker.name, InvocationType: 'Event', Payload: Buffer.from('{}') }))
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect((denied as Error).message).toContain(
      `is not authorized to perform: lambda:InvokeFunction on resource: ${t.functions.worker.arn}`,
    );
  });
});
