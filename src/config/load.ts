import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load as loadYaml, CORE_SCHEMA } from 'js-yaml';
import type { z } from 'zod';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('config.load', {
  environmentGone: {
    en: 'The environment {env} is no longer in the configuration.',
    ko: '{env} 환경이 더 이상 설정에 없습니다.',
  },
  invalid: { en: "The bot's configuration is invalid ({source}).", ko: '봇 설정이 올바르지 않습니다 ({source}).' },
  unreadable: { en: 'The bot cannot read its configuration file.', ko: '봇이 설정 파일을 읽을 수 없습니다.' },
  notYaml: { en: 'The bot configuration is not valid YAML.', ko: '봇 설정이 올바른 YAML이 아닙니다.' },
});
import { configSchema, type Config, type EnvironmentConfig, type ResolvedService } from './schema';

/** Render zod issues as "services.web.scale.max: Too big: expected number to be <=5000". */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`).join('\n');
}

/** Validate an already-parsed document. Throws a CONFIG BotError naming every bad field. */
export function parseConfig(doc: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    const detail = formatIssues(result.error.issues);
    throw new BotError('CONFIG', `Invalid ${source}:\n${detail}`, {
      userMessage: M.lazy('invalid', { source }),
      cause: result.error,
    });
  }
  return deepFreeze(result.data);
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CHATOPS_CONFIG || 'chatops.yml');
}

/** Read and validate the YAML file at CHATOPS_CONFIG (default ./chatops.yml). */
export function loadConfigFile(path = configPath()): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BotError('CONFIG', `Cannot read config file ${path}: ${(err as Error).message}`, {
      userMessage: M.lazy('unreadable'),
      cause: err,
    });
  }
  let doc: unknown;
  try {
    // js-yaml with YAML 1.2's core schema (no timestamps, no merge keys; duplicate keys refused), as
    // the `yaml` package parses by default, at a third of its size and faster at cold start.
    doc = loadYaml(text, { schema: CORE_SCHEMA, filename: path });
  } catch (err) {
    throw new BotError('CONFIG', `Config file ${path} is not valid YAML: ${(err as Error).message}`, {
      userMessage: M.lazy('notYaml'),
      cause: err,
    });
  }
  return parseConfig(doc, path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Look up a service alias; undefined when unknown. */
export function findService(config: Config, alias: string): ResolvedService | undefined {
  const svc = config.services[alias];
  if (!svc) return undefined;
  const env = config.environments[svc.environment]!;
  return { ...svc, alias, env: { ...env, name: svc.environment } };
}

/**
 * Whether the configuration names service `alias` in environment `env` (a request's service: it may
 * have been removed, renamed or moved to another environment since the request was made).
 */
export function isConfigured(config: Config, env: string, alias: string): boolean {
  return config.services[alias]?.environment === env && config.environments[env] !== undefined;
}

/** An environment with its name: what the AWS clients need to reach its account (src/aws/clients.ts AwsAccess). */
export function envAccess(config: Config, envName: string): EnvironmentConfig & { name: string } {
  const env = config.environments[envName];
  if (!env)
    throw new BotError('CONFIG', `unknown environment ${envName}`, {
      userMessage: M.lazy('environmentGone', { env: `\`${envName}\`` }),
    });
  return { ...env, name: envName };
}

export function servicesIn(config: Config, envName: string): ResolvedService[] {
  return Object.keys(config.services)
    .map((a) => findService(config, a)!)
    .filter((s) => s.environment === envName);
}

/** The environment a channel belongs to (the first that lists it). */
export function defaultEnvironmentFor(config: Config, channelId: string): string | undefined {
  return Object.entries(config.environments).find(([, e]) => e.channels.includes(channelId))?.[0];
}

/**
 * Valid but probably unintended settings, logged at start-up. (An alert channel outside its
 * environment's command channels is fine: its alerts' Status, Roll back and Mute 1 h run as if typed
 * in the environment's channel, src/policy/authorize.ts alertCommandChannel.)
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.slack.teamId && !config.slack.enterpriseId) {
    warnings.push(
      'slack.teamId is not set: requests from any workspace the app is installed in are accepted. Set it to your workspace ID (T…).',
    );
  }
  return warnings;
}
