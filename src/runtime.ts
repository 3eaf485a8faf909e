/**
 * Everything a handler needs, built once per process from the environment and reused across
 * invocations: config (validated at cold start), Slack, Redis, AWS clients, the dispatcher.
 */
import type Redis from 'ioredis';
import { createAwsClients, type AwsClients } from './aws/clients';
import { createAsyncInvoker } from './aws/lambda-invoke';
import { createDirectory, type Directory } from './bot/directory';
import { createSlackGateway, type SlackGateway } from './bot/slack';
import { configWarnings, loadConfigFile } from './config/load';
import type { Config } from './config/schema';
import { BotError } from './errors';
import { log as rootLog, type Logger } from './log';
import { createRedis, type RedisProfile } from './redis/client';
import type { Dispatcher } from './worker/dispatch';
import { lambdaDispatcher } from './worker/dispatch';

export interface Runtime {
  config: Config;
  log: Logger;
  slack: SlackGateway;
  redis: Redis;
  aws: AwsClients;
  dispatcher: Dispatcher;
  directory: Directory;
  signingSecret: string;
  botToken: string;
  mode: 'lambda' | 'local';
  now(): number;
}

/** Names of required variables that are missing or empty. */
export function missingEnv(env: NodeJS.ProcessEnv, names: readonly string[]): string[] {
  return names.filter((n) => !env[n] || !env[n]!.trim());
}

export function requireEnv(env: NodeJS.ProcessEnv, names: readonly string[]): void {
  const missing = missingEnv(env, names);
  if (missing.length) {
    throw new BotError('CONFIG', `Missing environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
      userMessage: 'The bot is missing required settings.',
    });
  }
}

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  config?: Config;
  profile: RedisProfile;
  mode?: 'lambda' | 'local';
  /** Defaults to an async Lambda invocation of WORKER_FUNCTION. */
  dispatcher?: Dispatcher;
  now?: () => number;
}

export function createRuntime(opts: RuntimeOptions): Runtime {
  const env = opts.env ?? process.env;
  requireEnv(env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'REDIS_URL']);
  const config = opts.config ?? loadConfigFile();
  const log = rootLog;
  for (const warning of configWarnings(config)) log.warn('config warning', { warning });
  const aws = createAwsClients();
  const slack = createSlackGateway(env.SLACK_BOT_TOKEN!, log, env, opts.profile === 'edge');
  const redis = createRedis(env.REDIS_URL!, opts.profile, env.REDIS_TLS_CA_FILE || undefined);
  let dispatcher = opts.dispatcher;
  if (!dispatcher) {
    requireEnv(env, ['WORKER_FUNCTION']);
    dispatcher = lambdaDispatcher(env.WORKER_FUNCTION!, createAsyncInvoker({ env }));
  }
  return {
    config,
    log,
    slack,
    redis,
    aws,
    dispatcher,
    directory: createDirectory(slack, log),
    signingSecret: env.SLACK_SIGNING_SECRET!,
    botToken: env.SLACK_BOT_TOKEN!,
    mode: opts.mode ?? 'lambda',
    now: opts.now ?? Date.now,
  };
}

/** One runtime per profile: the Slack-facing function's ('edge') and everyone else's ('worker'). */
const current: Partial<Record<RedisProfile, Runtime>> = {};

/** The process-wide runtime of a profile (created on first use by the Lambda handlers). */
export function getRuntime(profile: RedisProfile, factory: () => Runtime): Runtime {
  return (current[profile] ??= factory());
}

/** Tests and the local server install their own runtime (for one profile, or both). */
export function setRuntime(rt: Runtime | undefined, profile?: RedisProfile): void {
  if (profile) current[profile] = rt;
  else current.edge = current.worker = rt;
}
