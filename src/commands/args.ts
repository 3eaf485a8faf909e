/**
 * Shared argument handling for verb parsers: zod schemas over the raw tokens, turned into
 * clear BAD_INPUT errors carrying the verb's usage; service and environment resolution with
 * closest-match suggestions.
 */
import * as z from 'zod';
import { lookupService, nameKey, serviceIndex } from '../config/aliases';
import { findService } from '../config/load';
import type { Config, ResolvedService } from '../config/schema';
import { BotError, badInput } from '../errors';
import { defineMessages, localizedToken, textIn, type Localized, type Text } from '../i18n/catalog';
import { code } from '../slack/text';
import type { RawArgs } from './grammar';
import { closest, ranked } from './suggest';
import type { CommandSpec, ParseContext } from './types';
import { defaultEnvironmentFor } from '../config/load';

export const argsText = defineMessages('commands.args', {
  unknownFlag: { en: 'Unknown flag {flags}.', ko: '알 수 없는 플래그입니다: {flags}.' },
  takesFlags: { en: '{verb} takes {flags}.', ko: '{verb}에 쓸 수 있는 플래그: {flags}.' },
  takesNoFlags: { en: '{verb} takes no flags.', ko: '{verb}에는 플래그가 없습니다.' },
  didYouMean: { en: 'Did you mean {options}?', ko: '혹시 {options}인가요?' },
  missing: { en: 'Missing {what}.', ko: '빠진 값이 있습니다: {what}.' },
  somethingMissing: { en: 'Something is missing.', ko: '입력이 부족합니다.' },
  extra: { en: 'Unexpected extra input: {extra}.', ko: '필요 없는 입력이 있습니다: {extra}.' },
  missingExample: { en: 'Missing {what}, e.g. {example}.', ko: '빠진 값이 있습니다: {what}. 예: {example}' },
  invalid: { en: 'Invalid {what}.', ko: '잘못된 값입니다: {what}.' },
  notWhole: { en: '{what} must be a whole number like {example}', ko: '{what} 값은 {example}처럼 자연수여야 합니다' },
  atLeast: { en: '{what} must be at least {min}', ko: '{what} 값은 {min} 이상이어야 합니다' },
  atMost: { en: '{what} must be at most {max}', ko: '{what} 값은 {max} 이하여야 합니다' },
  unknownService: { en: "I don't know a service called {name}.", ko: '{name} 서비스를 찾을 수 없습니다.' },
  ambiguousAlias: {
    en: '{name} is an alias in more than one environment: {which}. Type the service name.',
    ko: '{name}은(는) 여러 환경에서 쓰는 별칭입니다: {which}. 서비스 이름으로 입력해 주세요.',
  },
  unknownEnvironment: { en: "I don't know an environment called {name}.", ko: '{name} 환경을 찾을 수 없습니다.' },
  unknownTarget: { en: "I don't know a service or environment called {name}.", ko: '{name} 서비스나 환경을 찾을 수 없습니다.' },
  services: { en: 'Services: {list}.', ko: '서비스: {list}.' },
  environments: { en: 'Environments: {list}.', ko: '환경: {list}.' },
  servicesAndEnvironments: { en: 'Services: {services}. Environments: {environments}.', ko: '서비스: {services}. 환경: {environments}.' },
  noneConfigured: { en: '(none configured)', ko: '(설정 없음)' },
  channelWithoutEnvironment: {
    en: 'This channel is not set up for any environment, so name a service or an environment.',
    ko: '이 채널에 연결된 환경이 없습니다. 서비스나 환경 이름을 지정해 주세요.',
  },
});

/** Nouns named in argument errors (`positional('service', …)`). */
const NOUN = defineMessages('commands.args.nouns', {
  service: { en: 'service', ko: '서비스' },
  environment: { en: 'environment', ko: '환경' },
  duration: { en: 'duration', ko: '기간' },
});

const t = argsText;

/** "Did you mean `a`, `b`?" after a sentence (each shown by `show`), or nothing when there is no close match. */
export function suggestion(near: readonly string[], show: (n: string) => string = code): Localized {
  return (locale) => (near.length ? ' ' + t.in(locale)('didYouMean', { options: near.map((n) => show(n)).join(', ') }) : '');
}

/** A sentence followed by the closest matches, as one Localized. */
export function withSuggestion(first: Localized, near: readonly string[], show?: (n: string) => string): Localized {
  return (locale) => first(locale) + suggestion(near, show)(locale);
}

const codes = (names: readonly string[]): string => names.map((n) => code(n)).join(', ');

/** A zod issue's message: catalog tokens (`part.token`) become text in the reader's language. */
function issueText(message: string): Text {
  return localizedToken(message) ?? message;
}

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
  let message: Text;
  if (issue.code === 'unrecognized_keys' && where === 'flags') {
    const unknown = issue.keys.map((k) => `--${k}`).join(', ');
    const verb = `\`${spec.verb}\``;
    const guess = issue.keys.flatMap((k) => closest(k, flagNames, 1)).map((f) => `--${f}`);
    message = (locale) => {
      const tr = t.in(locale);
      const known = flagNames.length
        ? tr('takesFlags', { verb, flags: flagNames.map((f) => `--${f}`).join(', ') })
        : tr('takesNoFlags', { verb });
      return `${tr('unknownFlag', { flags: code(unknown) })} ${known}${guess.length ? ' ' + tr('didYouMean', { options: guess.join(', ') }) : ''}`;
    };
  } else if (where === 'args' && issue.code === 'too_small') {
    // zod reports a short tuple as a whole; name the first missing placeholder from the usage.
    const names = [...spec.usage.replace(/\[[^\]]*\]/g, '').matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    const missing = names[raw.positionals.length];
    message = missing ? t.lazy('missing', { what: missing }) : t.lazy('somethingMissing');
  } else if (where === 'args' && issue.code === 'too_big') {
    const extra = raw.positionals.slice(Number(issue.maximum));
    message = t.lazy('extra', { extra: code(extra.join(' ')) });
  } else if (where === 'flags' && typeof key === 'string') {
    const inner = issueText(issue.message);
    message = (locale) => `--${key}: ${textIn(inner, locale)}`;
  } else {
    message = issueText(issue.message);
  }
  throw new BotError('BAD_INPUT', textIn(message, 'en'), { userMessage: message, usage: spec.usage, cause: result.error });
}

/** Unexpected words after what a verb takes. */
export function extraInput(extra: readonly string[], usage: string, near: readonly string[] = []): BotError {
  return badInput(withSuggestion(t.lazy('extra', { extra: code(extra.join(' ')) }), near), usage);
}

/** A required positional with a friendly message when missing. */
export const positional = (what: keyof typeof NOUN.entries, example: string) =>
  z.string({
    error: (iss) =>
      iss.input === undefined
        ? t.token('missingExample', { what: NOUN.token(what), example: code(`/ecs ${example}`) })
        : t.token('invalid', { what: NOUN.token(what) }),
  });

/**
 * A whole number flag/argument written as digits only (no 1e3, no 2.5, no -1). `what` names it in
 * the messages: a plain name such as `--limit`, or a catalog token (a noun in the reader's language).
 */
export const wholeNumber = (what: string, min: number, max: number, example = '3') =>
  z
    .string({ error: t.token('missing', { what }) })
    .regex(/^\d+$/, t.token('notWhole', { what, example }))
    .transform(Number)
    .pipe(z.number().min(min, t.token('atLeast', { what, min })).max(max, t.token('atMost', { what, max })));

/** No service named (a read verb): what is missing, an example (`logs web`), the usage and the services there are. */
export function missingService(config: Config, example: string, usage: string): BotError {
  const list = serviceList(config);
  return badInput(t.lazy('missingExample', { what: NOUN.lazy('service'), example: code(`/ecs ${example}`) }), usage, (l) =>
    t.in(l)('services', { list: list || t.in(l)('noneConfigured') }),
  );
}

/** The services as the hints list them: `web` (웹), `worker`. */
function serviceList(config: Config): string {
  const { aliasesOf } = serviceIndex(config);
  return Object.keys(config.services)
    .map((n) => code(n) + (aliasesOf.has(n) ? ` (${codes(aliasesOf.get(n)!)})` : ''))
    .join(', ');
}

/**
 * The services closest to a typed word (and `extra`), each named once, as mrkdwn: `web`, or `web` (`웹`)
 * when its alias matched better than its name (an alias is not another service).
 */
function nearServices(config: Config, typed: string, extra: readonly string[] = []): string[] {
  const owners = new Map<string, Array<[string, string?]>>(); // a word → the services it names, by which alias
  const add = (word: string, owner: [string, string?]) => owners.set(word, [...(owners.get(word) ?? []), owner]);
  for (const name of [...Object.keys(config.services), ...extra]) add(name, [name]);
  for (const [name, aliases] of serviceIndex(config).aliasesOf) for (const a of aliases) add(a, [name, a]);
  const best = new Map<string, { score: number; alias?: string | undefined }>(); // closest first; a tie goes to the name
  for (const { c, score } of ranked(nameKey(typed), owners.keys()))
    for (const [name, alias] of owners.get(c)!) {
      const b = best.get(name);
      if (!b || (b.score === score && !alias)) best.set(name, { score, alias });
    }
  return [...best].slice(0, 3).map(([name, { alias }]) => code(name) + (alias ? ` (${code(alias)})` : ''));
}

/**
 * Resolve a service (its name or an alias; an alias several environments use is the one of the
 * channel's environment) or throw UNKNOWN_SERVICE with the closest names and aliases.
 */
export function resolveService(config: Config, typed: string, usage: string | undefined, channelId: string | undefined): ResolvedService {
  const found = lookupService(config, typed, channelId === undefined ? undefined : defaultEnvironmentFor(config, channelId));
  if (found && 'name' in found) return findService(config, found.name)!;
  if (found) {
    const which = found.ambiguous.map((n) => `${code(n)} (${config.services[n]!.environment})`).join(', ');
    throw new BotError('UNKNOWN_SERVICE', `ambiguous alias ${typed}`, {
      userMessage: t.lazy('ambiguousAlias', { name: code(typed), which }),
      usage,
    });
  }
  const near = nearServices(config, typed);
  throw new BotError('UNKNOWN_SERVICE', `unknown service ${typed}`, {
    userMessage: withSuggestion(t.lazy('unknownService', { name: code(typed) }), near, String),
    usage,
    hint: (locale) => t.in(locale)('services', { list: serviceList(config) || t.in(locale)('noneConfigured') }),
  });
}

/**
 * Resolve an environment name or throw UNKNOWN_ENVIRONMENT with the closest matches; `forService`: the
 * verb that does this to one service (freeze → lock), suggested when the name is a service's.
 */
export function resolveEnvironment(config: Config, name: string, usage?: string, forService?: string): string {
  const n = name.toLowerCase();
  if (config.environments[n]) return n;
  const near = forService && lookupService(config, name) ? [`/ecs ${forService} ${name}`] : closest(name, Object.keys(config.environments));
  throw new BotError('UNKNOWN_ENVIRONMENT', `unknown environment ${name}`, {
    userMessage: withSuggestion(t.lazy('unknownEnvironment', { name: code(name) }), near),
    usage,
    hint: t.lazy('environments', { list: codes(Object.keys(config.environments)) }),
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
        t.lazy('channelWithoutEnvironment'),
        usage,
        t.lazy('environments', { list: codes(Object.keys(ctx.config.environments)) }),
      );
    }
    return { environment: env };
  }
  const lc = name.toLowerCase();
  if (ctx.config.environments[lc]) return { environment: lc };
  if (lookupService(ctx.config, name)) {
    const service = resolveService(ctx.config, name, usage, ctx.channelId);
    return { environment: service.environment, service };
  }
  const near = nearServices(ctx.config, name, Object.keys(ctx.config.environments));
  throw new BotError('UNKNOWN_SERVICE', `unknown target ${name}`, {
    userMessage: withSuggestion(t.lazy('unknownTarget', { name: code(name) }), near, String),
    usage,
    hint: (locale) =>
      t.in(locale)('servicesAndEnvironments', {
        services: serviceList(ctx.config) || t.in(locale)('noneConfigured'),
        environments: codes(Object.keys(ctx.config.environments)),
      }),
  });
}
