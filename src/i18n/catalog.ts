/**
 * The message catalog: every sentence the bot writes, in English and Korean, as data.
 *
 * Each module that writes messages defines its part of the one catalog with `defineMessages`:
 *
 *   const text = defineMessages('deploy', {
 *     requestTitle: { en: '{verb} request: {service} → {env}', ko: '{verb} 요청: {service} → {env}' },
 *     tasksRunning: { en: '{n} {n|task|tasks} running', ko: '작업 {n}개 실행 중' },
 *   });
 *   const t = text.in(locale);
 *   t('requestTitle', { verb, service: code(alias), env: code(envName) });
 *
 * Placeholders are `{name}`; `{name|one|other}` picks a word by the number `name` (English plural;
 * Korean rarely needs it). Values are inserted as given: escape echoed input before (`code()`,
 * `escapeMrkdwn()`). Parameter names are checked by the compiler from the English text; a test
 * (test/unit/i18n-catalog.test.ts) checks that every entry has both languages with the same
 * placeholders and that no Korean entry is an untranslated copy of the English one (unless the
 * entry says `same: true`, e.g. a bare code or an emoji).
 */
import type { Locale } from './locale';

export interface Entry {
  readonly en: string;
  readonly ko: string;
  /** The Korean text is deliberately the same as the English (codes, names, symbols). */
  readonly same?: true;
}

/** Placeholder names of a template: "{a} and {n|x|xs}" → "a" | "n". */
export type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `${infer N}|${string}` ? N : Name) | Placeholders<Rest>
  : never;

export type ParamValue = string | number;
type Args<S extends string> = [Placeholders<S>] extends [never] ? [] : [params: { [K in Placeholders<S>]: ParamValue }];

/** A translator bound to one locale: `t(key, params)`. */
export type Translate<T extends Record<string, Entry>> = <K extends keyof T & string>(key: K, ...args: Args<T[K]['en']>) => string;

export interface Messages<T extends Record<string, Entry>> {
  readonly name: string;
  readonly entries: T;
  /** The translator for a locale. */
  in(locale: Locale): Translate<T>;
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)(?:\|([^|}]*)\|([^|}]*))?\}/g;

/** Fill a template: `{name}` → the value, `{n|one|other}` → one when n is 1, other otherwise. */
export function format(template: string, params: Record<string, ParamValue> = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string, one?: string, other?: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    if (one !== undefined && other !== undefined) return Number(v) === 1 ? one : other;
    return String(v);
  });
}

/** Placeholder names a template uses (for the catalog test). */
export function placeholderNames(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

const registry: Array<Messages<Record<string, Entry>>> = [];

/** Define one module's part of the catalog. `name` must be unique (it names the part in test output). */
export function defineMessages<const T extends Record<string, Entry>>(name: string, entries: T): Messages<T> {
  const part: Messages<T> = {
    name,
    entries,
    in(locale) {
      return ((key: string, params?: Record<string, ParamValue>) => format(entries[key]![locale], params)) as Translate<T>;
    },
  };
  registry.push(part as unknown as Messages<Record<string, Entry>>);
  return part;
}

/** Every catalog part defined so far in this process (the catalog test loads every module first). */
export function catalogParts(): ReadonlyArray<Messages<Record<string, Entry>>> {
  return registry;
}
