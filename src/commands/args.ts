/**
 * Shared argument handling for verb parsers: zod schemas over the raw tokens, turned into
 * clear BAD_INPUT errors carrying the verb's usage; service and environment resolution with
 * closest-match suggestions.
 */
import { z } from 'zod';
import { findService } from '../config/load';
import type { Config, ResolvedService } from '../config/schema';
import { BotError, badInput } from '../errors';
import { code } from '../slack/text';
import type { RawArgs } from './grammar';
import { closest } from './suggest';
import type { CommandSpec, ParseContext } from './types';
import { defaultEnvironmentFor } from '../config/load';

/** Validate `{ args, flags }` with a verb's schema; every issue becomes a sentence a person can act on. */
export function parseRaw<T>(
  spec: Pick<CommandSpec, 'verb' | 'usage'>,
  schema: z.ZodType<T>,
  raw: RawArgs,
  flagNames: readonly string[],
): T {
  const result = schema.safeParse({ args: raw.positionals, flags: raw.flags });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const [where, key] = issue.path;
  let message: string;
  if (issue.code === 'unrecognized_keys' && where === 'flags') {
    const unknown = issue.keys.map((k) => `--${k}`).join(', ');
    const known = flagNames.length
      ? `\`${spec.verb}\` takes ${flagNames.map((f) => `--${f}`).join(', ')}.`
      : `\`${spec.verb}\` takes no flags.`;
    const guess = issue.keys.flatMap((k) => closest(k, flagNames, 1)).map((f) => `--${f}`);
    message = `Unknown flag ${code(unknown)}. ${known}${guess.length ? ` Did you mean ${guess.join(', ')}?` : ''}`;
  } else if (where === 'args' && issue.code === 'too_small') {
    // zod reports a short tuple as a whole; name the first missing placeholder from the usage.
    const names = [...spec.usage.replace(/\[[^\]]*\]/g, '').matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    const missing = names[raw.positionals.length];
    message = missing ? `Missing ${missing}.` : 'Something is missing.';
  } else if (where === 'args' && issue.code === 'too_big') {
    const extra = raw.positionals.slice(Number(issue.maximum));
    message = `Unexpected extra input: ${code(extra.join(' '))}.`;
  } else if (where === 'flags' && typeof key === 'string') {
    message = `--${key}: ${issue.message}`;
  } else {
    message = issue.message;
  }
  throw new BotError('BAD_INPUT', message, { userMessage: message, usage: spec.usage, cause: result.error });
}

/** A required positional with a friendly message when missing. */
export const positional = (what: string, example: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? `Missing ${what}, e.g. ${code(example)}.` : `Invalid ${what}.`) });

/** A whole number flag/argument written as digits only (no 1e3, no 2.5, no -1). */
export const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string({ error: `Missing ${what}.` })
    .regex(/^\d+$/, `${what} must be a whole number like 3`)
    .transform(Number)
    .pipe(z.number().min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`));

/** Resolve a service alias or throw UNKNOWN_SERVICE with the closest matches. */
export function resolveService(config: Config, alias: string, usage?: string): ResolvedService {
  const svc = findService(config, alias.toLowerCase());
  if (svc) return svc;
  const names = Object.keys(config.services);
  const near = closest(alias, names);
  const userMessage = `I don't know a service called ${code(alias)}.${near.length ? ` Did you mean ${near.map((n) => code(n)).join(', ')}?` : ''}`;
  throw new BotError('UNKNOWN_SERVICE', `unknown service ${alias}`, {
    userMessage,
    usage,
    hint: `Known services: ${names.map((n) => code(n)).join(', ') || '(none configured)'}.`,
  });
}

/** Resolve an environment name or throw UNKNOWN_ENVIRONMENT with the closest matches. */
export function resolveEnvironment(config: Config, name: string, usage?: string): string {
  const n = name.toLowerCase();
  if (config.environments[n]) return n;
  const near = closest(name, Object.keys(config.environments));
  const userMessage = `I don't know an environment called ${code(name)}.${near.length ? ` Did you mean ${near.map((x) => code(x)).join(', ')}?` : ''}`;
  throw new BotError('UNKNOWN_ENVIRONMENT', `unknown environment ${name}`, {
    userMessage,
    usage,
    hint: `Environments: ${Object.keys(config.environments)
      .map((x) => code(x))
      .join(', ')}.`,
  });
}

/** A target that may be a service or an environment (status, cost); none → the channel's environment. */
export function resolveServiceOrEnvironment(
  ctx: ParseContext,
  name: string | undefined,
  usage: string,
): { environment: string; service?: ResolvedService } {
  if (name === undefined) {
    const env = defaultEnvironmentFor(ctx.config, ctx.channelId);
    if (!env) {
      throw badInput(
        'This channel is not set up for any environment, so name a service or an environment.',
        usage,
        `Environments: ${Object.keys(ctx.config.environments)
          .map((x) => code(x))
          .join(', ')}.`,
      );
    }
    return { environment: env };
  }
  const lc = name.toLowerCase();
  if (ctx.config.environments[lc]) return { environment: lc };
  if (ctx.config.services[lc]) {
    const service = resolveService(ctx.config, lc, usage);
    return { environment: service.environment, service };
  }
  const near = closest(name, [...Object.keys(ctx.config.services), ...Object.keys(ctx.config.environments)]);
  const userMessage = `I don't know a service or environment called ${code(name)}.${near.length ? ` Did you mean ${near.map((n) => code(n)).join(', ')}?` : ''}`;
  throw new BotError('UNKNOWN_SERVICE', `unknown target ${name}`, {
    userMessage,
    usage,
    hint: `Services: ${
      Object.keys(ctx.config.services)
        .map((n) => code(n))
        .join(', ') || '(none configured)'
    }. Environments: ${Object.keys(ctx.config.environments)
      .map((n) => code(n))
      .join(', ')}.`,
  });
}
