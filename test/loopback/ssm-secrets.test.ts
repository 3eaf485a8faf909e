/**
 * The secrets read from SSM Parameter Store (src/aws/ssm.ts, src/handlers/secrets.ts), against the
 * loopback AWS endpoint's SSM (src/loopback/aws/world/ssm.ts) over real HTTP with SigV4: decrypted
 * SecureStrings, a cache hit within the TTL, a read again after it (a rotated value rebuilds the
 * runtime), one request for concurrent reads, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_SSM, the timeout,
 * and a missing or refused parameter: one log line naming it, a failed start, never a value.
 */
import { createParameterStore, ssmEndpoint } from '../../src/aws/ssm';
import { isBotError, type BotError } from '../../src/errors';
import { textIn } from '../../src/i18n/catalog';
import { lambdaRuntime, secretParams, withSecrets } from '../../src/handlers/secrets';
import { setRuntime } from '../../src/handlers/compose';
import { setLogSink } from '../../src/log';
import { AwsFault } from '../../src/loopback/aws/fault';
import { authorizationsFor } from '../../src/loopback/aws/iam';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { AwsWorld } from '../../src/loopback/aws/world';
import type { Runtime } from '../../src/runtime';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-2222`;
const TOKEN = 'xoxb-ssm-test-token-0001';
const SIGNING = 'ssm-test-signing-secret-0001';

let aws: AwsEndpoint;
let world: AwsWorld;
/** Parameters the caller may not read (the endpoint answers AccessDeniedException). */
const denied = new Set<string>();

beforeAll(async () => {
  world = new AwsWorld({ region: REGION, account: ACCOUNT });
  aws = await startAwsEndpoint({
    credentials: { AKIDSSMTEST: 'ssm-test-secret-key' },
    authorize(call) {
      for (const auth of authorizationsFor(call, ACCOUNT, { parameterKey: (n) => world.ssm.keyOf(n) })) {
        if (denied.has(auth.resource.replace(/^arn:aws:ssm:[^:]+:\d+:parameter/, '')))
          throw new AwsFault('AccessDeniedException', `User is not authorized to perform: ${auth.action} on resource: ${auth.resource}`);
      }
    },
  });
  world.install(aws);
});
afterAll(() => aws.close());
beforeEach(() => {
  denied.clear();
  world.ssm.put('/app/slack-bot-token', TOKEN, { keyId: KEY });
  world.ssm.put('/app/slack-signing-secret', SIGNING);
  world.ssm.put('/app/redis-url', 'redis://:redis-pass-0001@127.0.0.1:6379');
});

const baseEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'AKIDSSMTEST',
  AWS_SECRET_ACCESS_KEY: 'ssm-test-secret-key',
  AWS_ENDPOINT_URL_SSM: aws.url,
  ...extra,
});

const ssmCalls = () => aws.calls.filter((c) => c.service === 'ssm');

describe('the parameter store', () => {
  it('reads SecureStrings decrypted, in one request, and serves them from memory within the TTL', async () => {
    let now = 1_000_000;
    const store = createParameterStore({ env: baseEnv(), ttlMs: 60_000, now: () => now });
    const before = ssmCalls().length;
    const names = ['/app/slack-bot-token', '/app/slack-signing-secret'];
    expect(await store.get(names)).toEqual({ '/app/slack-bot-token': TOKEN, '/app/slack-signing-secret': SIGNING });
    const first = ssmCalls().slice(before);
    expect(first).toHaveLength(1);
    expect(first[0]!.input).toEqual({ Names: [...names].sort(), WithDecryption: true });
    // Within the TTL: no request.
    now += 59_000;
    expect(await store.get(names)).toEqual({ '/app/slack-bot-token': TOKEN, '/app/slack-signing-secret': SIGNING });
    expect(ssmCalls().length - before).toBe(1);
    // Past it: read again, and a rotated value is picked up.
    world.ssm.put('/app/slack-bot-token', 'xoxb-rotated-0002');
    now += 2_000;
    expect((await store.get(names))['/app/slack-bot-token']).toBe('xoxb-rotated-0002');
    expect(ssmCalls().length - before).toBe(2);
  });

  it('concurrent reads of the same parameters share one request', async () => {
    const store = createParameterStore({ env: baseEnv() });
    const before = ssmCalls().length;
    const all = await Promise.all(Array.from({ length: 20 }, () => store.get(['/app/redis-url'])));
    expect(new Set(all.map((v) => v['/app/redis-url']))).toEqual(new Set(['redis://:redis-pass-0001@127.0.0.1:6379']));
    expect(ssmCalls().length - before).toBe(1);
    expect(store.requests).toBe(1);
  });

  it('a missing parameter: a CONFIG error naming it, and no value of those that exist', async () => {
    const store = createParameterStore({ env: baseEnv() });
    const err = await store.get(['/app/slack-bot-token', '/app/nope']).catch((e: unknown) => e);
    expect(isBotError(err) && err.code).toBe('CONFIG');
    expect((err as Error).message).toBe('SSM parameter not found: /app/nope');
    expect(JSON.stringify({ m: (err as BotError).message, h: textIn((err as BotError).hintText, 'en') })).not.toContain(TOKEN);
  });

  it('a refused read: the parameter and the error code, what to grant, no retry', async () => {
    denied.add('/app/slack-signing-secret');
    const store = createParameterStore({ env: baseEnv() });
    const before = ssmCalls().length;
    const err = (await store.get(['/app/slack-signing-secret']).catch((e: unknown) => e)) as BotError;
    expect(err.message).toBe('SSM refused GetParameters for /app/slack-signing-secret: AccessDeniedException');
    expect(textIn(err.hintText, 'en')).toContain('ssm:GetParameters');
    expect(ssmCalls().length - before).toBe(1);
  });

  it('AWS_ENDPOINT_URL reaches it as well as AWS_ENDPOINT_URL_SSM; without either, the regional endpoint', async () => {
    const env = baseEnv({ AWS_ENDPOINT_URL_SSM: undefined, AWS_ENDPOINT_URL: aws.url });
    expect((await createParameterStore({ env }).get(['/app/redis-url']))['/app/redis-url']).toContain('redis://');
    expect(ssmEndpoint({ AWS_REGION: 'eu-west-1' }).href).toBe('https://ssm.eu-west-1.amazonaws.com/');
    expect(ssmEndpoint({ AWS_REGION: 'cn-north-1', AWS_USE_FIPS_ENDPOINT: 'true' }).href).toBe(
      'https://ssm-fips.cn-north-1.amazonaws.com.cn/',
    );
    expect(ssmEndpoint({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_SSM: aws.url, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).host).toBe(
      'ssm.eu-west-1.amazonaws.com',
    );
  });

  it('a cut-off answer: retried, and the error never quotes the body (it holds the values)', async () => {
    aws.answerNext('ssm', 'GetParameters', { status: 200, body: '{"Parameters":[{"Name":"/app/redis-url","Value":"xoxb-cut-off-leak' }, 3);
    const store = createParameterStore({ env: baseEnv() });
    const err = (await store.get(['/app/redis-url']).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('SSM GetParameters for /app/redis-url failed: SSM answered 200 with a body that is not JSON');
    expect(store.requests).toBe(3);
  });

  it('an endpoint that never answers: given up after the request timeout and its attempts', async () => {
    aws.stallNext('ssm', '*', 2);
    const store = createParameterStore({ env: baseEnv(), timeouts: { requestTimeoutMs: 150, maxAttempts: 2 } });
    const err = (await store.get(['/app/redis-url']).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('SSM GetParameters for /app/redis-url failed: SSM GetParameters took longer than 150 ms');
  });
});

describe('a function started with *_PARAM variables', () => {
  const lines: string[] = [];
  let restore: ((line: string) => void) | undefined;
  beforeEach(() => {
    lines.length = 0;
    restore = setLogSink((l) => lines.push(l));
  });
  afterEach(() => {
    setLogSink(restore!);
    setRuntime(undefined);
  });

  const paramEnv = () =>
    baseEnv({
      SLACK_BOT_TOKEN_PARAM: '/app/slack-bot-token',
      SLACK_SIGNING_SECRET_PARAM: '/app/slack-signing-secret',
      REDIS_URL_PARAM: '/app/redis-url',
    });

  it('runs with the values from SSM; plain variables when no _PARAM is set', async () => {
    expect(secretParams(paramEnv())).toEqual({
      SLACK_BOT_TOKEN: '/app/slack-bot-token',
      SLACK_SIGNING_SECRET: '/app/slack-signing-secret',
      REDIS_URL: '/app/redis-url',
    });
    const env = await withSecrets(paramEnv(), createParameterStore({ env: paramEnv() }));
    expect(env).toMatchObject({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING,
      REDIS_URL: 'redis://:redis-pass-0001@127.0.0.1:6379',
    });
    const plain = { SLACK_BOT_TOKEN: 'xoxb-plain' };
    expect(await withSecrets(plain, createParameterStore({ env: plain }))).toBe(plain);
  });

  it('GIT_TOKENS (the worker only, optional): read from the parameter GIT_TOKENS_PARAM names, its value a secret; an empty name is none', async () => {
    const tokens = '{"github.com":"ghp_ssmGitToken0001"}';
    world.ssm.put('/app/git-tokens', tokens, { keyId: KEY });
    const named = { ...paramEnv(), GIT_TOKENS_PARAM: '/app/git-tokens' };
    expect(secretParams(named)).toMatchObject({ GIT_TOKENS: '/app/git-tokens' });
    expect((await withSecrets(named, createParameterStore({ env: named }))).GIT_TOKENS).toBe(tokens);
    // serverless.yml's default (the feature off): an empty name, nothing read, no GIT_TOKENS.
    const off = { ...paramEnv(), GIT_TOKENS_PARAM: '' };
    expect(secretParams(off)).not.toHaveProperty('GIT_TOKENS');
    const before = ssmCalls().length;
    expect((await withSecrets(off, createParameterStore({ env: off }))).GIT_TOKENS).toBeUndefined();
    expect(
      ssmCalls()
        .slice(before)
        .map((c) => c.input.Names),
    ).toEqual([['/app/redis-url', '/app/slack-bot-token', '/app/slack-signing-secret']]);
  });

  it('builds its runtime once, reuses it within the TTL, and rebuilds it when a value changed', async () => {
    let now = 5_000_000;
    const built: NodeJS.ProcessEnv[] = [];
    const quit = jest.fn(() => Promise.resolve('OK'));
    const store = createParameterStore({ env: paramEnv(), ttlMs: 60_000, now: () => now });
    const fn = lambdaRuntime(
      'worker',
      (env) => {
        built.push(env);
        return { redis: { quit } } as unknown as Runtime;
      },
      { env: paramEnv(), store },
    );
    fn.prime();
    const a = await fn.ready();
    expect(await fn.ready()).toBe(a);
    expect(built.map((e) => e.SLACK_BOT_TOKEN)).toEqual([TOKEN]);
    now += 61_000;
    expect(await fn.ready()).toBe(a); // read again, unchanged: the same runtime
    world.ssm.put('/app/slack-bot-token', 'xoxb-rotated-0003');
    now += 61_000;
    const b = await fn.ready();
    expect(b).not.toBe(a);
    expect(built.map((e) => e.SLACK_BOT_TOKEN)).toEqual([TOKEN, 'xoxb-rotated-0003']);
    expect(quit).toHaveBeenCalledTimes(1);
    expect(lines.join('\n')).not.toContain('xoxb-');
  });

  it('a missing parameter at cold start: one log line naming it, no runtime, no value logged; the next invocation tries again', async () => {
    world.ssm.delete('/app/redis-url');
    const fn = lambdaRuntime('worker', () => ({}) as Runtime, { env: paramEnv() });
    fn.prime();
    await expect(fn.ready()).rejects.toThrow('SSM parameter not found: /app/redis-url');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'error',
      msg: 'cannot read the secrets from SSM: the function cannot start',
      error: 'SSM parameter not found: /app/redis-url',
    });
    expect(lines[0]).not.toContain(TOKEN);
    expect(lines[0]).not.toContain(SIGNING);
    world.ssm.put('/app/redis-url', 'redis://:redis-pass-0001@127.0.0.1:6379');
    await expect(fn.ready()).resolves.toBeDefined();
  });
});
