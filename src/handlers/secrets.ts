/**
 * The secrets a function runs with, on Lambda read at run time from SSM Parameter Store (SecureString,
 * decrypted, cached for a TTL: src/aws/ssm.ts): `<NAME>_PARAM` names the parameter of each secret
 * (serverless.yml sets them per function, and grants ssm:GetParameters on exactly those parameters).
 * A secret whose `_PARAM` is not set is read from its plain variable (`npm start`, tests).
 *
 * The runtime is built from the resolved values and rebuilt when a value changed after the TTL
 * (rotation). A parameter that is missing or refused fails the runtime's build with one log line
 * naming the parameter (never a value); the next invocation tries again.
 */
import { createHash } from 'node:crypto';
import { createParameterStore, type ParameterStore } from '../aws/ssm';
import { isBotError } from '../errors';
import { textIn } from '../i18n/catalog';
import { log as rootLog, registerSecret, type Logger } from '../log';
import type { RedisProfile } from '../redis/client';
import { redisPassword } from '../redis/url';
import type { Runtime } from '../runtime';
import { currentRuntime, getRuntime, setRuntime } from './compose';

/**
 * The variables that hold secrets; each may instead be named by `<NAME>_PARAM` (an SSM parameter).
 * GIT_TOKENS (optional, the worker's only: the Git hosts asked for a request's commit list) is named
 * only where that parameter exists, like every other: a named parameter that is missing fails the start.
 */
export const SECRET_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'REDIS_URL', 'JOB_SIGNING_KEY', 'GIT_TOKENS'] as const;
export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/** The secrets `env` names SSM parameters for: variable → parameter name. */
export function secretParams(env: NodeJS.ProcessEnv): Partial<Record<SecretVariable, string>> {
  const out: Partial<Record<SecretVariable, string>> = {};
  for (const v of SECRET_VARIABLES) {
    const name = env[`${v}_PARAM`]?.trim();
    if (name) out[v] = name;
  }
  return out;
}

/** `env` with each secret named by a `_PARAM` variable read from the store (registered with the log scrubber). */
export async function withSecrets(env: NodeJS.ProcessEnv, store: ParameterStore): Promise<NodeJS.ProcessEnv> {
  const params = secretParams(env);
  const names = Object.values(params);
  if (!names.length) return env;
  const values = await store.get(names);
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [variable, name] of Object.entries(params) as Array<[SecretVariable, string]>) {
    const value = values[name]!;
    registerSecret(value);
    if (variable === 'REDIS_URL') registerSecret(redisPassword(value));
    out[variable] = value;
  }
  return out;
}

export interface LambdaRuntime {
  /** Starts reading the secrets now (at INIT), so the first invocation does not wait for it from scratch. */
  prime(): void;
  /** The runtime to handle this invocation with: the current one, or one rebuilt after a secret changed. */
  ready(): Promise<Runtime>;
}

interface LambdaRuntimeOptions {
  env?: NodeJS.ProcessEnv;
  store?: ParameterStore;
  log?: Logger;
}

/** A Lambda function's runtime for `profile`, built by `build` from the environment with its secrets resolved. */
export function lambdaRuntime(
  profile: RedisProfile,
  build: (env: NodeJS.ProcessEnv) => Runtime,
  opts: LambdaRuntimeOptions = {},
): LambdaRuntime {
  const log = opts.log ?? rootLog;
  let store = opts.store;
  let fingerprint: string | undefined;
  let primed: Promise<Runtime> | undefined;

  async function attempt(): Promise<Runtime> {
    const base = opts.env ?? process.env;
    if (!Object.keys(secretParams(base)).length) return getRuntime(profile, () => build(base));
    store ??= createParameterStore({ env: base });
    let env: NodeJS.ProcessEnv;
    try {
      env = await withSecrets(base, store);
    } catch (err) {
      const hint = isBotError(err) ? textIn(err.hintText, 'en') : undefined;
      log.error('cannot read the secrets from SSM: the function cannot start', {
        error: (err as Error).message,
        ...(hint ? { hint } : {}),
      });
      throw err;
    }
    const fp = createHash('sha256')
      .update(SECRET_VARIABLES.map((v) => env[v] ?? '').join('\0'))
      .digest('hex');
    const current = currentRuntime(profile);
    if (current && fp === fingerprint) return current;
    const rt = build(env);
    fingerprint = fp;
    setRuntime(rt, profile);
    if (current) {
      log.info('a secret changed in SSM: runtime rebuilt');
      void current.redis.quit().catch(() => undefined);
    }
    return rt;
  }

  return {
    prime() {
      const base = opts.env ?? process.env;
      // Without parameters the runtime is built now, synchronously: a bad chatops.yml fails INIT with its field path.
      if (!Object.keys(secretParams(base)).length) {
        getRuntime(profile, () => build(base));
        return;
      }
      primed = attempt();
      primed.catch(() => undefined); // logged in attempt(); the first invocation sees the error
    },
    ready() {
      if (primed) {
        const p = primed;
        primed = undefined;
        return p;
      }
      return attempt();
    },
  };
}
