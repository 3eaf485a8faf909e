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
import { LOCALES, type Locale } from './locale';

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

/** A value for a placeholder; a Localized one is written in the message's language. */
export type ParamValue = string | number | ((locale: Locale) => string);
type Args<S extends string> = [Placeholders<S>] extends [never] ? [] : [params: { [K in Placeholders<S>]: ParamValue }];

/** A translator bound to one locale: `t(key, params)`. */
export type Translate<T extends Record<string, Entry>> = <K extends keyof T & string>(key: K, ...args: Args<T[K]['en']>) => string;

/** A message not written yet: rendered once the reader's language is known (e.g. a BotError's text). */
export type Localized = (locale: Locale) => string;

/** Text for a person: already written in the reader's language, or written when it is known. */
export type Text = string | Localized;

/** The text in `locale` (a plain string is already in its language). */
export function textIn(text: Text, locale: Locale): string;
export function textIn(text: Text | undefined, locale: Locale): string | undefined;
export function textIn(text: Text | undefined, locale: Locale): string | undefined {
  return typeof text === 'function' ? text(locale) : text;
}

/** A lazy text (`part.lazy`) bound to the key and parameters, written in whichever language is asked. */
export type Lazy<T extends Record<string, Entry>> = <K extends keyof T & string>(key: K, ...args: Args<T[K]['en']>) => Localized;

export interface Messages<T extends Record<string, Entry>> {
  readonly name: string;
  readonly entries: T;
  /** The translator for a locale. */
  in(locale: Locale): Translate<T>;
  /** The same entry as a Localized, for text whose reader is not known yet (errors thrown deep down). */
  lazy: Lazy<T>;
  /**
   * The entry as a string token, for libraries that only carry strings (zod's error messages):
   * `localizedToken(token)` turns it back into a Localized.
   */
  token: <K extends keyof T & string>(key: K, ...args: Args<T[K]['en']>) => string;
}

const TOKEN = '\u0000i18n\u0000';

/**
 * A string kept for later (a request's warnings): a token is written in `locale`, any other string is
 * shown as it is. A token whose catalog this bundle does not hold is '' (never its raw text).
 */
export function tokenText(s: string, locale: Locale): string {
  const l = localizedToken(s);
  return l ? l(locale) : s.startsWith(TOKEN) ? '' : s;
}

/**
 * A text written now in every language, as a token: for a request's warnings, which the worker's
 * catalogs write and the Slack function shows again (re-rendering the card on a click) without
 * holding those catalogs.
 */
export function writtenToken(text: Localized): string {
  return `${TOKEN}\u0000written\u0000${JSON.stringify(Object.fromEntries(LOCALES.map((l) => [l, text(l)])))}`;
}

/** The Localized a `part.token(...)` (or writtenToken) string stands for; undefined for any other string. */
export function localizedToken(s: string): Localized | undefined {
  if (!s.startsWith(TOKEN)) return undefined;
  const [name, key, json] = s.slice(TOKEN.length).split('\u0000');
  if (name === '' && key === 'written') {
    const written = JSON.parse(json ?? '{}') as Partial<Record<Locale, string>>;
    return (locale) => written[locale] ?? written.en ?? '';
  }
  const entry = registry.find((p) => p.name === name)?.entries[key ?? ''];
  if (!entry) return undefined;
  const raw = json ? (JSON.parse(json) as Record<string, string | number>) : {};
  // A parameter may itself be a token (a noun in the reader's language).
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(raw)) params[k] = (typeof v === 'string' && localizedToken(v)) || v;
  return (locale) => format(entry[locale], params, locale);
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)(?:\|([^|}]*)\|([^|}]*))?\}/g;

/** A placeholder (and the backtick or star that closes it: `{x}`) and the Korean particle written after it in both forms: 이(가), 을(를), 은(는), 와(과), (으)로. */
const WITH_PARTICLE = new RegExp(
  PLACEHOLDER.source + '([`*]?)(\\uC774\\(\\uAC00\\)|\\uC744\\(\\uB97C\\)|\\uC740\\(\\uB294\\)|\\uC640\\(\\uACFC\\)|\\(\\uC73C\\)\\uB85C)?',
  'g',
);
/** Each particle's form after a final consonant, and after none. */
const PARTICLES: Record<string, [string, string]> = {
  '이(가)': ['이', '가'],
  '을(를)': ['을', '를'],
  '은(는)': ['은', '는'],
  '와(과)': ['과', '와'],
  '(으)로': ['으로', '로'],
};
/** How a digit is read at the end of a number (영 일 이 삼 사 오 육 칠 팔 구; 십 백 천 for the zeros): 0 no final consonant, 8 ㄹ, 1 another. */
const DIGIT_FINAL = [1, 8, 0, 1, 0, 0, 1, 8, 8, 0];

/**
 * The particle that follows `value` in Korean: chosen by the sound the value ends with (a Hangul
 * syllable, or a digit: `web-prod:42` → 가), past closing marks (backticks, quotes, brackets). As
 * written, both forms, when that cannot be told (a Latin letter, a mention or link Slack draws).
 */
export function particleAfter(value: string, written: string): string {
  // Not past a Slack token (`<@U…>`, `<#C…>`, a date, a link): Slack shows other text than its id.
  const last = value.replace(/[\s`*_~'")\]\u2019\u201d]+$/, '').slice(-1);
  const c = last.charCodeAt(0);
  const final = c >= 0xac00 && c <= 0xd7a3 ? (c - 0xac00) % 28 : /\d/.test(last) ? DIGIT_FINAL[c - 48]! : undefined;
  const forms = PARTICLES[written];
  if (final === undefined || !forms) return written;
  // (으)로: 로 after ㄹ as after a vowel.
  return forms[final === 0 || (final === 8 && written === '(으)로') ? 1 : 0];
}

/**
 * Fill a template: `{name}` → the value (a Localized value in `locale`), `{n|one|other}` → one
 * when n is 1, other otherwise. In Korean, a particle written in both forms right after a
 * placeholder (`{td}이(가)`, or `` `{td}`이(가) ``) becomes the one the value takes (particleAfter).
 */
export function format(template: string, params: Record<string, ParamValue> = {}, locale: Locale = 'en'): string {
  return template.replace(WITH_PARTICLE, (whole, name: string, one?: string, other?: string, mark = '', particle?: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    if (one !== undefined && other !== undefined) return (Number(v) === 1 ? one : other) + mark + (particle ?? '');
    const text = (typeof v === 'function' ? v(locale) : String(v)) + mark;
    return particle ? text + particleAfter(text, particle) : text;
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
      return ((key: string, params?: Record<string, ParamValue>) => format(entries[key]![locale], params, locale)) as Translate<T>;
    },
    lazy: ((key: string, params?: Record<string, ParamValue>) => (locale: Locale) =>
      format(entries[key]![locale], params, locale)) as Lazy<T>,
    token: ((key: string, params?: Record<string, ParamValue>) =>
      `${TOKEN}${name}\u0000${key}\u0000${params ? JSON.stringify(params) : ''}`) as Messages<T>['token'],
  };
  registry.push(part as unknown as Messages<Record<string, Entry>>);
  return part;
}

/** Every catalog part defined so far in this process (the catalog test loads every module first). */
export function catalogParts(): ReadonlyArray<Messages<Record<string, Entry>>> {
  return registry;
}
