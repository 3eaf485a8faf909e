/**
 * The one message catalog: every part defined with defineMessages (loaded here by requiring every
 * module of src/) has English and Korean for each entry, with the same placeholders, and no Korean
 * entry is an untranslated copy of the English one unless it says `same: true`.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { catalogParts, defineMessages, format, placeholderNames, tokenText, writtenToken } from '../../src/i18n/catalog';
import { formatDuration, localeFor, localeFromSlack } from '../../src/i18n';

const SRC = path.join(__dirname, '../../src');
/** Modules with side effects on import (they start a server), the loopback stand-ins for Slack and AWS (not the bot), and the playground page (browser code). */
const SKIP = /^(handlers\/local\.ts|loopback\/|playground\/page\/)/;

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return modules(full);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) && !SKIP.test(path.relative(SRC, full)) ? [full] : [];
  });
}

describe('the message catalog', () => {
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading every module registers its catalog part
    for (const file of modules(SRC)) require(file);
  });

  it('every part has a unique name', () => {
    const names = catalogParts().map((p) => p.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it('every entry has English and Korean with the same placeholders, and Korean is translated', () => {
    const problems: string[] = [];
    for (const part of catalogParts()) {
      for (const [key, entry] of Object.entries(part.entries)) {
        const where = `${part.name}.${key}`;
        if (!entry.en.trim()) problems.push(`${where}: English is empty`);
        if (!entry.ko.trim()) problems.push(`${where}: Korean is empty`);
        if (placeholderNames(entry.en).join() !== placeholderNames(entry.ko).join()) {
          problems.push(`${where}: placeholders differ (${placeholderNames(entry.en)} vs ${placeholderNames(entry.ko)})`);
        }
        if (entry.en === entry.ko && !entry.same)
          problems.push(`${where}: Korean is a copy of the English (translate it, or mark it same: true)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('no Korean entry writes a fixed particle right after a value (web는, `prod`를): it is wrong for half the values', () => {
    const problems: string[] = [];
    for (const part of catalogParts()) {
      for (const [key, entry] of Object.entries(part.entries)) {
        const where = `${part.name}.${key}`;
        for (const m of entry.ko.matchAll(FIXED_PARTICLE)) {
          if (!ALWAYS_SAME_SOUND[where]?.includes(m[1]!)) problems.push(`${where}: ${m[0]}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('the fixed-particle rule: what it finds and what it leaves', () => {
    const found = (ko: string) => [...ko.matchAll(FIXED_PARTICLE)].map((m) => m[0]);
    expect(found('{who}는 필수, `/ecs status {service}`로 확인, *{n}*을 넘음, {env}를')).toEqual([
      '{who}는',
      '{service}`로',
      '{n}*을',
      '{env}를',
    ]);
    expect(found('{td}로는 안 됨, {a}와의 차이, {n|x|y}가 남음')).toEqual(['{td}로는', '{a}와의', '{n|x|y}가']);
    // Both forms, a copula, a noun, a particle after a parenthesis, a word that starts like a particle: left.
    expect(
      found('{td}이(가) {x}을(를) {y}은(는) {z}와(과) {w}(으)로 {size}이면 {service} 서비스를 작업 정의({td})를 {n}가지 {x}로그'),
    ).toEqual([]);
  });
});

/**
 * A particle in one form (는 은 이 가 를 을 와 과 로 으로, alone or with 는/도/의/부터/서/만 after it)
 * right after a placeholder, or after the backtick or star that closes it. Which form is right
 * depends on the value's last sound (web → 은, 웹 → 은, 배포 → 는), so a template writes both forms
 * (`{x}을(를)`, which format() settles when it can), puts a noun in between (`{service} 서비스를`,
 * `` `/ecs status {service}` 명령으로 ``), or is written another way. Not matched: the both-forms
 * particles, a copula (`{size}이면`, `{why}이므로`: right after any sound), a particle after a
 * closing parenthesis (`작업 정의({td})를`: it belongs to the word before the parenthesis).
 */
const FIXED_PARTICLE =
  /\{(\w+)(?:\|[^|}]*\|[^|}]*)?\}[`*]{0,2}((?:으로|로)(?:는|도|의|부터|서|만)?|(?:와|과)(?:는|도|의|만)?|[은는이가을를])(?![가-힣]|\((?:가|를|는|과)\))/g;

/**
 * Entries (part.key) and the placeholders in them that may take a fixed particle: only where every
 * value filled in is read ending in the same sound (read where the entry is filled; say why here).
 * Anywhere else both forms (`{x}이(가)`) read as well and stay right if the values change.
 */
const ALWAYS_SAME_SOUND: Record<string, readonly string[]> = {
  // src/commands/change-gates.ts fills {limit} with money(limit, false): always `$1,000`, read
  // "1,000 달러", so 를. Both forms would go by the digit and say 을 (commit 717116a).
  'commands.gates.costExtra': ['limit'],
  'commands.gates.costExtraBg': ['limit'],
};

describe('format', () => {
  it('fills placeholders and picks plural words by the number', () => {
    expect(format('{n} {n|task|tasks} on {service}', { n: 1, service: 'web' })).toBe('1 task on web');
    expect(format('{n} {n|task|tasks} on {service}', { n: 3, service: 'web' })).toBe('3 tasks on web');
    expect(format('작업 {n}개', { n: 3 })).toBe('작업 3개');
  });

  it('leaves an unknown placeholder visible rather than inventing a value', () => {
    expect(format('{a} and {b}', { a: 'x' })).toBe('x and {b}');
  });

  it('translators are typed by the English text and bound to a locale', () => {
    const part = defineMessages('test-example', {
      hello: { en: 'Hello {who}', ko: '{who}님 안녕하세요' },
      plain: { en: 'OK', ko: '확인' },
    });
    expect(part.in('en')('hello', { who: 'Dana' })).toBe('Hello Dana');
    expect(part.in('ko')('hello', { who: 'Dana' })).toBe('Dana님 안녕하세요');
    expect(part.in('ko')('plain')).toBe('확인');
    // @ts-expect-error a missing parameter is a compile error
    part.in('en')('hello');
  });
});

describe('locales and durations', () => {
  it('maps Slack locales to the bot languages, else the workspace language', () => {
    expect(localeFromSlack('ko-KR')).toBe('ko');
    expect(localeFromSlack('en-GB')).toBe('en');
    expect(localeFromSlack('fr-FR')).toBeUndefined();
    expect(localeFor('ko', 'fr-FR')).toBe('ko');
    expect(localeFor('en', 'ko-KR')).toBe('ko');
    expect(localeFor('en', undefined)).toBe('en');
  });

  it('writes durations in each language', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(185 * 60_000)).toBe('3h 5m');
    expect(formatDuration(185 * 60_000, 'ko')).toBe('3시간 5분');
    expect(formatDuration(52 * 3600_000, 'ko')).toBe('2일 4시간');
  });
});

describe('tokens kept for later (a request warnings)', () => {
  it('writtenToken keeps a text written now in every language, shown without the catalog it came from', () => {
    const part = defineMessages('test.written', { hi: { en: 'Hello {name}', ko: '{name} 님 안녕하세요' } });
    const token = writtenToken(part.lazy('hi', { name: 'Dana' }));
    expect(tokenText(token, 'en')).toBe('Hello Dana');
    expect(tokenText(token, 'ko')).toBe('Dana 님 안녕하세요');
  });

  it('a token whose catalog is not here reads as nothing, never its raw text; any other string as it is', () => {
    expect(tokenText('\u0000i18n\u0000no.such.catalog\u0000sameImage\u0000', 'en')).toBe('');
    expect(tokenText('a plain warning', 'ko')).toBe('a plain warning');
  });
});
