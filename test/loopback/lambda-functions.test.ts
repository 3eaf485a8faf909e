/**
 * The loopback Lambda service (src/loopback/lambda): functions in their own processes, with
 * Lambda's environment, INIT, one invocation at a time, freezing between invocations, timeouts,
 * asynchronous retries, and the Invoke API's answers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { LambdaFunctions } from '../../src/loopback/lambda/functions';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'ASIAFUNCTIONKEY00001', secretAccessKey: 'secret', sessionToken: 'token' };

let dir: string;
let hostScript: string;
let aws: AwsEndpoint;
let lambda: LambdaFunctions;
const saved = { ...process.env };

/** A function's code (CommonJS) at <dir>/<name>/index.js; handler `index.handler`. */
function fn(name: string, code: string): string {
  const root = path.join(dir, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'index.js'), code);
  return root;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'loopback-lambda-'));
  hostScript = path.join(dir, 'host.js');
  buildSync({
    entryPoints: [path.join(__dirname, '../../src/loopback/lambda/host.ts')],
    bundle: true,
    platform: 'node',
    outfile: hostScript,
    logLevel: 'silent',
  });
  aws = await startAwsEndpoint();
  Object.assign(process.env, aws.env(['lambda']), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  lambda = new LambdaFunctions({ hostScript, region: REGION, account: ACCOUNT, env: { SHARED: 'yes' } });
  aws.handle('lambda', 'Invoke', lambda.invokeHandler());
  lambda.add({
    name: 'env',
    handler: 'index.handler',
    taskRoot: fn(
      'env',
      `const loadedAt = Date.now();
       exports.handler = async (event, context) => ({
         event, cwd: process.cwd(), loadedAt,
         env: Object.fromEntries(['AWS_LAMBDA_FUNCTION_NAME', '_HANDLER', 'LAMBDA_TASK_ROOT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'SHARED', 'OWN', 'JEST_WORKER_ID'].map((k) => [k, process.env[k]])),
         context: { fn: context.functionName, arn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis() > 0 },
       });`,
    ),
    env: { OWN: 'mine' },
    credentials,
  });
  lambda.add({
    name: 'flaky',
    handler: 'index.handler',
    taskRoot: fn('flaky', `let n = 0; exports.handler = async () => { n++; throw new TypeError('attempt ' + n); };`),
    credentials,
    maximumRetryAttempts: 1,
  });
  lambda.add({
    name: 'slow',
    handler: 'index.handler',
    taskRoot: fn(
      'slow',
      `let starts = 0; starts++; exports.handler = async (e) => { if (e.sleep) await new Promise((r) => setTimeout(r, e.sleep)); return { starts }; };`,
    ),
    credentials,
    timeoutSeconds: 1,
  });
  lambda.add({
    name: 'background',
    handler: 'index.handler',
    taskRoot: fn(
      'background',
      `let ticks = 0; setInterval(() => ticks++, 5); exports.handler = async () => { await new Promise((r) => setTimeout(r, 30)); return { ticks }; };`,
    ),
    credentials,
  });
  lambda.add({ name: 'broken', handler: 'index.handler', taskRoot: fn('broken', `throw new Error('bad config at INIT');`), credentials });
});

afterAll(async () => {
  process.env = saved;
  await lambda.close();
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

it("runs the handler in the function's own process, with Lambda's variables, the function's credentials and working directory", async () => {
  const r = await lambda.invoke('env', { hello: 1 });
  expect(r.ok).toBe(true);
  const v = (r as { value: { event: unknown; cwd: string; env: Record<string, string | undefined>; context: unknown } }).value;
  expect(v.event).toEqual({ hello: 1 });
  expect(v.cwd).toBe(path.join(dir, 'env'));
  expect(v.env).toEqual({
    AWS_LAMBDA_FUNCTION_NAME: 'env',
    _HANDLER: 'index.handler',
    LAMBDA_TASK_ROOT: path.join(dir, 'env'),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    SHARED: 'yes',
    OWN: 'mine',
  });
  expect(v.context).toEqual({ fn: 'env', arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:env`, remaining: true });
});

it('INIT runs once per environment: later invocations reuse the module', async () => {
  const a = (await lambda.invoke('env', {})) as { value: { loadedAt: number } };
  const b = (await lambda.invoke('env', {})) as { value: { loadedAt: number } };
  expect(a.value.loadedAt).toBe(b.value.loadedAt);
});

it('an asynchronous invocation that fails is retried up to maximumRetryAttempts', async () => {
  lambda.invokeAsync('flaky', { n: 1 });
  await lambda.idle();
  const runs = lambda.invocations.filter((i) => i.fn === 'flaky');
  expect(runs.map((i) => [i.attempt, i.result])).toEqual([
    [0, { ok: false, error: expect.objectContaining({ errorType: 'TypeError', errorMessage: 'attempt 1' }) }],
    [1, { ok: false, error: expect.objectContaining({ errorType: 'TypeError', errorMessage: 'attempt 2' }) }],
  ]);
});

it('an invocation past the timeout ends the environment; the next one starts a new one', async () => {
  const r = await lambda.invoke('slow', { sleep: 5_000 });
  expect(r).toEqual({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' } });
  expect(await lambda.invoke('slow', {})).toEqual({ ok: true, value: { starts: 1 } });
});

it('the process is frozen between invocations: its timers do not run', async () => {
  const first = ((await lambda.invoke('background', {})) as { value: { ticks: number } }).value.ticks;
  await new Promise((r) => setTimeout(r, 500));
  const second = ((await lambda.invoke('background', {})) as { value: { ticks: number } }).value.ticks;
  // ~6 ticks per invocation (30 ms at 5 ms); running while frozen, 500 ms would have added ~100.
  expect(second - first).toBeLessThan(50);
});

it('an error at INIT fails the invocation with the error', async () => {
  const r = await lambda.invoke('broken', {});
  expect(r).toEqual({ ok: false, error: expect.objectContaining({ errorMessage: 'bad config at INIT' }) });
});

describe('the Invoke API', () => {
  const client = () => new LambdaClient({ region: REGION, credentials, maxAttempts: 1 });

  it('RequestResponse: 200 with the result; Event: 202 and queued; DryRun: 204', async () => {
    const sync = await client().send(new InvokeCommand({ FunctionName: 'env', Payload: Buffer.from('{"x":1}') }));
    expect(sync.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(sync.Payload!).toString()).event).toEqual({ x: 1 });
    const before = lambda.invocations.length;
    const async = await client().send(
      new InvokeCommand({
        FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:env`,
        InvocationType: 'Event',
        Payload: Buffer.from('{"y":2}'),
      }),
    );
    expect(async.StatusCode).toBe(202);
    expect(async.Payload?.length ?? 0).toBe(0);
    await lambda.idle();
    expect(lambda.invocations.slice(before)).toEqual([
      expect.objectContaining({ fn: 'env', type: 'Event', event: { y: 2 }, result: expect.objectContaining({ ok: true }) }),
    ]);
    expect((await client().send(new InvokeCommand({ FunctionName: 'env', InvocationType: 'DryRun' }))).StatusCode).toBe(204);
  });

  it('a handler error: 200 with X-Amz-Function-Error and the error as payload', async () => {
    const res = await client().send(new InvokeCommand({ FunctionName: 'broken', Payload: Buffer.from('{}') }));
    expect(res).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(Buffer.from(res.Payload!).toString())).toMatchObject({ errorMessage: 'bad config at INIT' });
  });

  it('an unknown function, version or account: ResourceNotFoundException (404); a payload that is not JSON: InvalidRequestContentException', async () => {
    for (const FunctionName of ['nope', 'env:7', `arn:aws:lambda:${REGION}:999999999999:function:env`]) {
      await expect(client().send(new InvokeCommand({ FunctionName, Payload: Buffer.from('{}') }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      });
    }
    await expect(client().send(new InvokeCommand({ FunctionName: 'env', Payload: Buffer.from('not json') }))).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
    });
  });
});
