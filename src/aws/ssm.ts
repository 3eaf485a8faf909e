/**
 * SSM Parameter Store reads for the bot's secrets (the Slack bot token and signing secret, the Redis
 * URL, the job signing key): GetParameters with WithDecryption, so SecureString values arrive
 * decrypted, cached in memory for a TTL and read again after it (a rotated value is picked up without
 * a deploy). Identical reads in flight share one request.
 *
 * Like the worker hand-off (./lambda-invoke.ts) it speaks the service's JSON protocol over node:https
 * with the SDK's SigV4 signer and environment credentials, instead of @aws-sdk/client-ssm: the
 * Slack-facing function reads its secrets at cold start, inside Slack's 3-second ack, and the SDK
 * client would add ~200 KiB to dist/slack.js (see the report in docs/deployment.md). Endpoint settings are
 * the SDK's: AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
 * AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT. Every request has a connect and a request
 * timeout and a bounded number of attempts (SSM_TIMEOUTS).
 *
 * Errors name the parameters and AWS's error code, never a value.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { InvokeError, send, signingRegion } from './lambda-invoke';

/** Only operators read these (a function that cannot start logs them); in the catalog all the same. */
const M = defineMessages('aws.ssm', {
  settings: { en: 'The bot is missing required settings.', ko: '봇에 필요한 설정이 없습니다.' },
  grant: {
    en: "The function's role needs ssm:GetParameters on these parameters (and kms:Decrypt on their key when it is your own).",
    ko: '함수의 역할에 이 파라미터들에 대한 ssm:GetParameters 권한이 필요합니다(직접 만든 KMS 키라면 그 키에 대한 kms:Decrypt 권한도).',
  },
  checkNames: {
    en: 'Check the parameter names (the *_PARAM variables) and the region.',
    ko: '파라미터 이름(*_PARAM 변수)과 리전을 확인하세요.',
  },
  checkNetwork: { en: 'Check the SSM endpoint and the network.', ko: 'SSM 엔드포인트와 네트워크를 확인하세요.' },
  checkCredentials: { en: 'Check the AWS credentials.', ko: 'AWS 자격 증명을 확인하세요.' },
  create: {
    en: 'Create it (aws ssm put-parameter --type SecureString, docs/deployment.md) or fix the *_PARAM variable.',
    ko: '파라미터를 만들거나(aws ssm put-parameter --type SecureString, docs/deployment.md) *_PARAM 변수를 고치세요.',
  },
});

/** GetParameters at the regional endpoint next to the function: it answers in tens of ms. */
export const SSM_TIMEOUTS = { connectTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3 } as const;

/** How long a value read is used before it is read again. */
export const SECRET_TTL_MS = 5 * 60_000;

/** GetParameters takes at most 10 names per request. */
const BATCH = 10;

export interface ParameterStoreOptions {
  env?: NodeJS.ProcessEnv;
  ttlMs?: number;
  now?: () => number;
  credentials?: AwsCredentialIdentityProvider;
  timeouts?: Partial<Record<keyof typeof SSM_TIMEOUTS, number>>;
}

export interface ParameterStore {
  /** The decrypted values of `names` (from the cache while fresh). Throws a CONFIG BotError naming what is missing or refused. */
  get(names: readonly string[]): Promise<Record<string, string>>;
  /** GetParameters requests sent so far (tests, logs). */
  readonly requests: number;
}

const truthy = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true';

/** SSM's endpoint, as the SDK resolves it from the environment. */
export function ssmEndpoint(env: NodeJS.ProcessEnv = process.env): URL {
  if (!truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) {
    const configured = env.AWS_ENDPOINT_URL_SSM || env.AWS_ENDPOINT_URL;
    if (configured) return new URL(configured);
  }
  const region = signingRegion(env);
  const fips = truthy(env.AWS_USE_FIPS_ENDPOINT);
  const dualStack = truthy(env.AWS_USE_DUALSTACK_ENDPOINT);
  const china = region.startsWith('cn-');
  const suffix = dualStack ? (china ? 'api.amazonwebservices.com.cn' : 'api.aws') : china ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://ssm${fips ? '-fips' : ''}.${region}.${suffix}`);
}

/** The function role's credentials Lambda puts in the environment (`env`, when it is not process.env). */
function credentialsOf(env: NodeJS.ProcessEnv): AwsCredentialIdentityProvider {
  if (env === process.env) return fromEnv();
  return async () => {
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID)');
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  };
}

type Hint = 'grant' | 'checkNames' | 'checkNetwork' | 'checkCredentials' | 'create';

function secretsError(message: string, hint: Hint): BotError {
  return new BotError('CONFIG', message, { userMessage: M.lazy('settings'), hint: M.lazy(hint) });
}

interface GetParametersOutput {
  Parameters?: Array<{ Name?: string; Value?: string }>;
  InvalidParameters?: string[];
}

export function createParameterStore(opts: ParameterStoreOptions = {}): ParameterStore {
  const env = opts.env ?? process.env;
  const ttlMs = opts.ttlMs ?? SECRET_TTL_MS;
  const now = opts.now ?? Date.now;
  const t = { ...SSM_TIMEOUTS, ...opts.timeouts };
  const cache = new Map<string, { value: string; until: number }>();
  const inFlight = new Map<string, Promise<Record<string, string>>>();
  let signer: SignatureV4 | undefined;
  let endpoint: URL | undefined;
  let requests = 0;

  async function request(names: readonly string[]): Promise<GetParametersOutput> {
    endpoint ??= ssmEndpoint(env);
    signer ??= new SignatureV4({
      service: 'ssm',
      region: signingRegion(env),
      credentials: opts.credentials ?? credentialsOf(env),
      sha256: Sha256,
    });
    const body = JSON.stringify({ Names: names, WithDecryption: true });
    for (let attempt = 1; ; attempt++) {
      requests++;
      const signed = (await signer
        .sign({
          method: 'POST',
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port ? Number(endpoint.port) : undefined,
          path: endpoint.pathname || '/',
          query: {},
          headers: {
            host: endpoint.host,
            'content-type': 'application/x-amz-json-1.1',
            'content-length': String(Buffer.byteLength(body)),
            'x-amz-target': 'AmazonSSM.GetParameters',
          },
          body,
        })
        .catch((err: Error) => {
          throw secretsError(`SSM GetParameters for ${names.join(', ')} could not be signed: ${err.message}`, 'checkCredentials');
        })) as HttpRequest;
      let retryable = true;
      try {
        const answer = await send(endpoint, signed, t.connectTimeoutMs, t.requestTimeoutMs, 'SSM GetParameters');
        if (answer.statusCode === 200) {
          try {
            return JSON.parse(answer.body) as GetParametersOutput;
          } catch {
            // Never JSON.parse's own message: it quotes the body, which holds the values.
            throw new InvokeError('SSM answered 200 with a body that is not JSON', true);
          }
        }
        let type = String(answer.headers['x-amzn-errortype'] ?? '').split(':')[0] || '';
        try {
          const parsed = JSON.parse(answer.body) as { __type?: string };
          type ||= (parsed.__type ?? '').split('#').pop() ?? '';
        } catch {
          // not JSON
        }
        retryable = answer.statusCode >= 500 || answer.statusCode === 429 || /Throttl|TooManyRequests/.test(type);
        if (!retryable || attempt >= t.maxAttempts) {
          throw secretsError(
            `SSM refused GetParameters for ${names.join(', ')}: ${type || `HTTP ${answer.statusCode}`}`,
            /AccessDenied|KMS/.test(type) ? 'grant' : 'checkNames',
          );
        }
      } catch (err) {
        if (err instanceof BotError) throw err;
        // (an InvokeError of our own, or a network error: neither carries a value)
        retryable = err instanceof InvokeError ? err.retryable : true;
        if (!retryable || attempt >= t.maxAttempts) {
          throw secretsError(`SSM GetParameters for ${names.join(', ')} failed: ${(err as Error).message}`, 'checkNetwork');
        }
      }
      // The standard retry mode's first delay: full jitter over 100 ms.
      await new Promise((r) => setTimeout(r, Math.random() * 100));
    }
  }

  async function fetchAll(names: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const res = await request(batch);
      const invalid = res.InvalidParameters ?? [];
      if (invalid.length) {
        throw secretsError(`SSM parameter${invalid.length > 1 ? 's' : ''} not found: ${invalid.join(', ')}`, 'create');
      }
      for (const p of res.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) out[p.Name] = p.Value;
      const absent = batch.filter((n) => !(n in out));
      if (absent.length) throw secretsError(`SSM returned no value for ${absent.join(', ')}`, 'checkNames');
    }
    const until = now() + ttlMs;
    for (const [name, value] of Object.entries(out)) cache.set(name, { value, until });
    return out;
  }

  return {
    get requests() {
      return requests;
    },
    async get(names) {
      const t0 = now();
      const stale = [...new Set(names)].filter((n) => (cache.get(n)?.until ?? 0) <= t0).sort();
      if (stale.length) {
        const key = stale.join('\n');
        let p = inFlight.get(key);
        if (!p) {
          p = fetchAll(stale).finally(() => inFlight.delete(key));
          inFlight.set(key, p);
        }
        await p;
      }
      return Object.fromEntries(names.map((n) => [n, cache.get(n)!.value]));
    },
  };
}
