/**
 * The hand-off without the SDK's LambdaClient: endpoints as the SDK resolves them, a request that
 * Lambda's signature check accepts (re-computed by the loopback AWS endpoint), and the standard
 * retry mode's decisions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createAsyncInvoker, InvokeError, lambdaEndpoint } from '../../src/aws/lambda-invoke';
import { lambdaDispatcher, nothingRan } from '../../src/aws/lambda';
import { BotError } from '../../src/errors';
import type { AwsEndpoint } from '../../src/loopback/aws/server';
import { receiveHandOffs, refusedHandOffs, startTestAwsEndpoint, TEST_AWS_CREDENTIALS } from '../helpers/hand-off';

const credentials = async () => ({ ...TEST_AWS_CREDENTIALS });

describe('lambdaEndpoint', () => {
  const cases: Array<[string, boolean, boolean]> = [];
  for (const region of ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'il-central-1']) {
    for (const fips of [false, true]) for (const dual of [false, true]) cases.push([region, fips, dual]);
  }

  it.each(cases)('%s (fips %s, dual-stack %s) is the endpoint the SDK resolves', async (region, fips, dual) => {
    const sdk = new LambdaClient({ region, useFipsEndpoint: fips, useDualstackEndpoint: dual });
    const expected = sdk.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dual });
    const env = { AWS_REGION: region, AWS_USE_FIPS_ENDPOINT: String(fips), AWS_USE_DUALSTACK_ENDPOINT: String(dual) };
    expect(lambdaEndpoint(env).href).toBe(new URL(expected.url.href).href);
    sdk.destroy();
  });

  it('prefers AWS_ENDPOINT_URL_LAMBDA, then AWS_ENDPOINT_URL, unless configured endpoints are ignored', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'https://all.example', AWS_ENDPOINT_URL_LAMBDA: 'https://lambda.example' };
    expect(lambdaEndpoint(env).href).toBe('https://lambda.example/');
    expect(lambdaEndpoint({ ...env, AWS_ENDPOINT_URL_LAMBDA: '' }).href).toBe('https://all.example/');
    expect(lambdaEndpoint({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).href).toBe('https://lambda.eu-west-1.amazonaws.com/');
  });

  it('refuses to guess for a region without a built-in endpoint, or without a region', () => {
    expect(() => lambdaEndpoint({ AWS_REGION: 'us-iso-east-1' })).toThrow(/AWS_ENDPOINT_URL_LAMBDA/);
    expect(() => lambdaEndpoint({})).toThrow(/AWS_REGION/);
  });
});

describe('createAsyncInvoker', () => {
  let endpoint: AwsEndpoint;
  let jobs: unknown[];
  beforeEach(async () => {
    endpoint = await startTestAwsEndpoint();
    jobs = [];
    receiveHandOffs(endpoint, (job) => jobs.push(job));
  });
  const invokes = () => endpoint.callsOf({ service: 'lambda', action: 'Invoke' });
  afterEach(() => endpoint.close());

  it('sends a signed asynchronous Invoke that Lambda accepts', async () => {
    const invoker = createAsyncInvoker({ env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: endpoint.url }, credentials });
    await invoker.invokeAsync('ecs-chatops-prod-worker', JSON.stringify({ kind: 'command', id: 'x' }));
    const arn = 'arn:aws:lambda:eu-west-1:222222222222:function:ecs-chatops-prod-worker';
    await invoker.invokeAsync(arn, JSON.stringify({ kind: 'command', id: 'y', text: 'ünïcode ✓' }));
    expect(refusedHandOffs(endpoint)).toEqual([]);
    expect(invokes().map((c) => [c.region, c.accessKeyId, c.input.FunctionName, c.input.InvocationType])).toEqual([
      ['eu-west-1', TEST_AWS_CREDENTIALS.accessKeyId, 'ecs-chatops-prod-worker', 'Event'],
      ['eu-west-1', TEST_AWS_CREDENTIALS.accessKeyId, arn, 'Event'],
    ]);
    expect(jobs).toEqual([
      { kind: 'command', id: 'x' },
      { kind: 'command', id: 'y', text: 'ünïcode ✓' },
    ]);
  });

  it("sends what the SDK's InvokeCommand sends", async () => {
    const arn = 'arn:aws:lambda:eu-west-1:222222222222:function:ecs-chatops-prod-worker';
    const sdk = new LambdaClient({ region: 'eu-west-1', endpoint: endpoint.url, credentials });
    await sdk.send(new InvokeCommand({ FunctionName: arn, InvocationType: 'Event', Payload: Buffer.from('{"kind":"command"}') }));
    sdk.destroy();
    await createAsyncInvoker({ env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: endpoint.url }, credentials }).invokeAsync(
      arn,
      '{"kind":"command"}',
    );
    expect(refusedHandOffs(endpoint)).toEqual([]);
    const [theirs, ours] = invokes();
    expect(ours!.input).toEqual(theirs!.input);
    expect([ours!.region, ours!.accessKeyId, ours!.status]).toEqual([theirs!.region, theirs!.accessKeyId, theirs!.status]);
  });

  it('is refused when signed with other credentials', async () => {
    const invoker = createAsyncInvoker({
      env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: endpoint.url },
      credentials: async () => ({ accessKeyId: TEST_AWS_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' }),
    });
    await expect(invoker.invokeAsync('w', '{}')).rejects.toMatchObject({ statusCode: 403, errorType: 'InvalidSignatureException' });
    expect(jobs).toEqual([]);
  });
});

describe('retries', () => {
  let server: Server;
  let answers: Array<[number, string]>;
  let seen: number;
  let url: string;
  beforeEach(async () => {
    seen = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen++;
        const [status, type] = answers.shift() ?? [202, ''];
        res.writeHead(status, type ? { 'x-amzn-errortype': type, 'content-type': 'application/json' } : {});
        res.end(type ? JSON.stringify({ message: `${type} happened` }) : '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  const invoker = () => createAsyncInvoker({ env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: url }, credentials });

  it('retries once after throttling and succeeds', async () => {
    answers = [[429, 'TooManyRequestsException']];
    await invoker().invokeAsync('w', '{}');
    expect(seen).toBe(2);
  });

  it('gives up after two attempts on a server error', async () => {
    answers = [
      [500, 'ServiceException'],
      [503, 'ServiceException'],
    ];
    await expect(invoker().invokeAsync('w', '{}')).rejects.toThrow(
      'worker invoke answered 503 ServiceException: ServiceException happened',
    );
    expect(seen).toBe(2);
  });

  it('does not retry a request Lambda refuses', async () => {
    answers = [[404, 'ResourceNotFoundException']];
    await expect(invoker().invokeAsync('w', '{}')).rejects.toMatchObject({ retryable: false, statusCode: 404 });
    expect(seen).toBe(1);
  });

  it('within a per-call time (a click budget): a stalled attempt ends at it and the retry is not made when it cannot fit', async () => {
    // The answer never comes for the first request (the server holds it): the attempt's request
    // timeout is cut to the call's time (its own is 10 s here), and no retry fits after it.
    const held: Array<() => void> = [];
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      seen++;
      req.resume();
      held.push(() => res.destroy());
    });
    const slow = createAsyncInvoker({
      env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: url },
      credentials,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
    });
    // Sent and never answered: Lambda may have queued it.
    await expect(slow.invokeAsync('w', '{}', { withinMs: 200 })).rejects.toMatchObject({
      name: 'InvokeError',
      retryable: true,
      unconfirmed: true,
    });
    expect(seen).toBe(1);
    // The person is told it may or may not run, not that nothing was done.
    const err = await lambdaDispatcher('w', slow)
      .dispatch({ kind: 'command', id: 'j2' }, { withinMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BotError);
    expect((err as BotError).userMessage).toMatch(/did not confirm in time .* may or may not run/);
    // Once the caller made sure it cannot run (the approval workflow failed the request): nothing was done.
    expect((nothingRan(err) as BotError).userMessage).toMatch(/could not start the work for this command, so nothing was done/);
    held.forEach((h) => h());
  });

  it('a request Lambda answered with errors, or that never connected, is not unconfirmed', async () => {
    answers = [
      [500, 'ServiceException'],
      [503, 'ServiceException'],
    ];
    await expect(invoker().invokeAsync('w', '{}')).rejects.toMatchObject({ unconfirmed: false });
    const dead = createAsyncInvoker({ env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9' }, credentials });
    await expect(dead.invokeAsync('w', '{}')).rejects.toMatchObject({ unconfirmed: false });
  });

  it('an unanswered first attempt makes the call unconfirmed even when the retry is refused', async () => {
    let n = 0;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      req.resume();
      // The first request is taken and its connection dropped without an answer; the retry is refused.
      if (++n === 1) return void req.on('end', () => res.destroy());
      req.on('end', () => {
        res.writeHead(500, { 'x-amzn-errortype': 'ServiceException' });
        res.end('{}');
      });
    });
    await expect(invoker().invokeAsync('w', '{}')).rejects.toMatchObject({ unconfirmed: true, statusCode: 500 });
    expect(n).toBe(2);
  });

  it('refuses at once, without a request, a call given no time', async () => {
    await expect(invoker().invokeAsync('w', '{}', { withinMs: 0 })).rejects.toMatchObject({ name: 'InvokeError', retryable: false });
    expect(seen).toBe(0);
  });

  it('turns an unreachable endpoint into a BotError for the user', async () => {
    const dead = createAsyncInvoker({ env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9' }, credentials });
    const err = await lambdaDispatcher('w', dead)
      .dispatch({ kind: 'command', id: 'j1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BotError);
    expect((err as BotError).userMessage).toMatch(/could not start the work/);
    expect((err as BotError).cause).toBeInstanceOf(InvokeError);
  });
});
