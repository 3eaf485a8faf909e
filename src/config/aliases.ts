/**
 * Service aliases (chatops.yml `services.<name>.aliases`): other words people type for a service
 * (`웹` for `web`). Matched like names: full-width forms, decomposed Hangul and case do not matter.
 * Answers and audit records always carry the service's name; an alias only finds it. Pure.
 */
import { normalizeDuration } from './duration';

/**
 * How a typed service word and a configured name or alias are compared: `ＷＥＢ` and `web`, NFD and NFC
 * Hangul, are one. (Typed words come without zero-width characters (src/commands/grammar.ts); aliases may not have them.)
 */
export function nameKey(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** What an alias may be: letters of any script, digits, _ . - (max 40), starting with a letter or digit. */
export const ALIAS_FORM = /^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,39}$/u;

interface ServiceEntry {
  environment: string;
  aliases?: readonly string[] | undefined;
}

export interface ServiceIndex {
  /** Alias key → the names of the services that have it (one per environment at most). */
  byAlias: ReadonlyMap<string, readonly string[]>;
  /** Service name → its aliases as written, without repeats. */
  aliasesOf: ReadonlyMap<string, readonly string[]>;
}

// Built once per loaded configuration (configs are frozen and kept for the life of the process).
const built = new WeakMap<object, ServiceIndex>();
export function serviceIndex(config: { services: Readonly<Record<string, ServiceEntry>> }): ServiceIndex {
  let index = built.get(config);
  if (index) return index;
  const byAlias = new Map<string, string[]>();
  const aliasesOf = new Map<string, string[]>();
  for (const [name, svc] of Object.entries(config.services)) {
    const seen = new Set<string>([name]);
    for (const alias of svc.aliases ?? []) {
      const key = nameKey(alias);
      if (seen.has(key)) continue;
      seen.add(key);
      aliasesOf.set(name, [...(aliasesOf.get(name) ?? []), alias]);
      byAlias.set(key, [...(byAlias.get(key) ?? []), name]);
    }
  }
  built.set(config, (index = { byAlias, aliasesOf }));
  return index;
}

/**
 * The service a typed word names: its name, or an alias. An alias several environments use is the
 * one of `preferEnv` (the channel's environment); `ambiguous` lists them when that does not decide.
 */
export function lookupService(
  config: { services: Readonly<Record<string, ServiceEntry>> },
  typed: string,
  preferEnv?: string,
): { name: string } | { ambiguous: readonly string[] } | undefined {
  const key = nameKey(typed);
  if (Object.hasOwn(config.services, key)) return { name: key };
  const names = serviceIndex(config).byAlias.get(key);
  if (!names) return undefined;
  if (names.length === 1) return { name: names[0]! };
  const here = names.filter((n) => config.services[n]!.environment === preferEnv);
  return here.length === 1 ? { name: here[0]! } : { ambiguous: names };
}

/**
 * A service's aliases shown briefly after its name where people discover services (the Home tab,
 * `/ecs status <environment>`, the deploy form): ` (웹, 프론트)`, at most 3 and `max` characters, then `…`;
 * nothing without aliases.
 */
export function aliasNote(aliases: readonly string[] | undefined, max = 40): string {
  for (let k = Math.min(3, aliases?.length ?? 0); k > 0; k--) {
    const note = ` (${[...aliases!.slice(0, k), ...(k < aliases!.length ? ['…'] : [])].join(', ')})`;
    if (note.length <= max) return note;
  }
  return '';
}

/** `2h`, or a unit that reads as part of one (`h`, `시간`: `--since 2 시간`). */
function readsAsDuration(key: string): boolean {
  return (normalizeDuration(key) ?? normalizeDuration('1' + key)) !== undefined;
}

/**
 * What is wrong with the names and aliases of chatops.yml, each with the path of the alias: one that another
 * service of the same environment also has, one that is another service's name or an environment's,
 * one that reads as a duration or its unit (`2 시간` must stay a duration); and a service or environment
 * name that reads as one.
 */
export function aliasIssues(
  services: Readonly<Record<string, ServiceEntry>>,
  environments: Readonly<Record<string, unknown>>,
): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  // A name that reads as a duration: `--since 1h 30m` would take service `30m` as part of the duration.
  for (const [kind, names] of [
    ['service', services],
    ['environment', environments],
  ] as const)
    for (const name of Object.keys(names))
      if (readsAsDuration(name))
        issues.push({
          path: [`${kind}s`, name],
          message: `${kind} "${name}" reads as a duration (\`--since 1h ${name}\` would take it as one); rename it`,
        });
  const owner = new Map<string, string>(); // `${environment} ${key}` → service
  for (const [name, svc] of Object.entries(services)) {
    (svc.aliases ?? []).forEach((alias, i) => {
      const key = nameKey(alias);
      const other = owner.get(`${svc.environment} ${key}`);
      const why =
        key === name
          ? undefined
          : Object.hasOwn(services, key)
            ? `is the name of service ${key}`
            : Object.hasOwn(environments, key)
              ? `is the name of environment ${key}`
              : readsAsDuration(key)
                ? 'reads as a duration'
                : other !== undefined && other !== name
                  ? `is also an alias of service ${other} in ${svc.environment}`
                  : undefined;
      if (why) issues.push({ path: ['services', name, 'aliases', i], message: `alias "${alias}" of service ${name} ${why}` });
      else owner.set(`${svc.environment} ${key}`, name);
    });
  }
  return issues;
}
