/**
 * The /ecs command grammar: `<verb> [target] [args] [--flag value]`.
 *
 * Accepts what people actually type: "quoted values", 'single quotes', “smart quotes”,
 * `--flag=value`, the em-dash or en-dash phones put in place of `--`, full-width characters from an
 * IME, and the `<…>` forms Slack rewrites mentions, channels and links into.
 */
import { durationWords } from '../config/duration';
import { badInput } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { code, escapeMrkdwn, truncate } from '../slack/text';

const M = defineMessages('commands.grammar', {
  openQuote: {
    en: 'A quote is not closed. Put the closing quote after the value, e.g. `--reason "hotfix for checkout"`.',
    ko: '따옴표가 닫히지 않았습니다. 값 뒤에 닫는 따옴표를 붙여 주세요. 예: `--reason "결제 오류 핫픽스"`',
  },
  tooLong: {
    en: 'That command is {n} characters long; the most I accept is {max}.',
    ko: '명령이 {n}자입니다. 최대 {max}자까지 받을 수 있습니다.',
  },
  tooLongHint: { en: 'Shorten the reason or other free text.', ko: '사유 등 자유 입력 부분을 줄여 주세요.' },
  valueTooLong: {
    en: 'One value is {n} characters long ({value}); the most I accept is {max}.',
    ko: '값 하나가 {n}자입니다({value}). 최대 {max}자까지 받을 수 있습니다.',
  },
  valueTooLongHint: {
    en: 'Check for a pasted log line or a missing space.',
    ko: '로그 줄을 통째로 붙여 넣었거나 띄어쓰기가 빠지지 않았는지 확인해 주세요.',
  },
  twice: { en: '`--{flag}` is given twice ({values}): give it once.', ko: '`--{flag}`이(가) 두 번 있습니다 ({values}). 한 번만 쓰세요.' },
});

export interface RawArgs {
  verb: string;
  positionals: string[];
  /** Flag name (without dashes) → value, or `true` for a bare flag. A flag repeated with another value is refused. */
  flags: Record<string, string | true>;
}

const MAX_TEXT = 2000;
export const MAX_TOKEN = 500;
/** Flags whose value is free text with its own limit, checked by the verb's schema (the whole text stays within MAX_TEXT). */
const FREE_TEXT_FLAGS: ReadonlySet<string> = new Set(['reason', 'break-glass']);
/**
 * Flags whose value is a duration (logs' --since/--until, cost's --period, rightsize's --days): a unit
 * or a second part typed as a word of its own (`2 시간`, `1h 30m`) is read with it, in the order typed.
 * Those words are nothing else these verbs take: no alias may read as a duration (src/config/aliases.ts).
 * (A service or environment named like one, `30m`, would still be read as part of the duration.)
 */
const DURATION_FLAGS: ReadonlySet<string> = new Set(['since', 'until', 'period', 'days']);

const QUOTES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\u201c': '\u201d',
  '\u201d': '\u201d',
  '\u2018': '\u2019',
  '\u2019': '\u2019',
  '\u00ab': '\u00bb',
};

/** Undo Slack's escaping and rewrite <…> forms into their plain text. */
export function normalizeSlackText(text: string): string {
  return (
    text
      .replace(/<([@#!])([^>|]*)(?:\|([^>]*))?>/g, (_m, sigil: string, id: string, label?: string) => {
        if (sigil === '#') return label ? `#${label}` : `#${id}`;
        if (sigil === '@') return `@${id}`;
        return `@${label ?? id}`; // <!channel>, <!here>, <!subteam^S123|@team>
      })
      .replace(/<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => label ?? url)
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/[\u00a0\u3000]/g, ' ')
      // A Korean or Japanese IME's full-width forms (ｓｃａｌｅ ｗｅｂ ３) are the ASCII they look like;
      // zero-width characters pasted along are dropped (`3\u200b` is 3).
      .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[\u200b\u2060\ufeff]/g, '')
  );
}

/** Split into tokens, honouring quotes. Throws BAD_INPUT on an unterminated quote. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let inToken = false;
  let close: string | undefined;
  for (const ch of text) {
    if (close !== undefined) {
      if (ch === close || (close === '\u201d' && ch === '"')) close = undefined;
      else cur += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(cur);
      cur = '';
      inToken = false;
      continue;
    }
    if (QUOTES[ch] !== undefined) {
      close = QUOTES[ch];
      inToken = true;
      continue;
    }
    cur += ch;
    inToken = true;
  }
  if (close !== undefined) throw badInput(M.lazy('openQuote'));
  if (inToken) tokens.push(cur);
  return tokens;
}

const DASH_FLAG = /^(?:--|\u2014|\u2013|\u2212)([A-Za-z][\w-]*)(?:=(.*))?$/s;
/** `-reason`, `-since`: a flag typed with one dash (two letters at least: `-h` is help, `-1` a number). */
const ONE_DASH_FLAG = /^-([A-Za-z][A-Za-z-]+)$/;

/** Parse a whole command text into verb, positionals and flags (`usage`: the verb's, for the answer to bad input). */
export function parseArgs(text: string, booleanFlags: ReadonlySet<string> = new Set(), usage?: string): RawArgs {
  const normalized = normalizeSlackText(text).trim();
  if (normalized.length > MAX_TEXT) {
    throw badInput(M.lazy('tooLong', { n: normalized.length, max: MAX_TEXT }), undefined, M.lazy('tooLongHint'));
  }
  const tokens = tokenize(normalized);
  const [verb = '', ...rest] = tokens;
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!;
    const m = DASH_FLAG.exec(tok) ?? ONE_DASH_FLAG.exec(tok);
    if (m) {
      const name = m[1]!.toLowerCase();
      const before = Object.hasOwn(flags, name) ? flags[name] : undefined;
      if (m[2] !== undefined) flags[name] = m[2];
      else if (booleanFlags.has(name)) flags[name] = true;
      else if (i + 1 < rest.length && !DASH_FLAG.test(rest[i + 1]!)) flags[name] = rest[++i]!;
      else flags[name] = true;
      // `--since 2 시간`, `--since 1 시간 30 분`: the words that complete the duration are part of it.
      const value = flags[name];
      if (DURATION_FLAGS.has(name) && typeof value === 'string') {
        const next = rest.slice(i + 1, i + 9);
        const upTo = next.findIndex((w) => DASH_FLAG.test(w) || ONE_DASH_FLAG.test(w));
        const joined = durationWords(value, upTo < 0 ? next : next.slice(0, upTo));
        if (joined) {
          flags[name] = joined.value;
          i += joined.taken;
        }
      }
      // `--to 41 … --to 40`, `--reason a --reason b`: which one was meant is not for the bot to guess.
      if (before !== undefined && before !== flags[name]) {
        const v = (x: string | true) => (x === true ? '—' : code(truncate(x, 40)));
        throw badInput(M.lazy('twice', { flag: name, values: `${v(before)}, ${v(flags[name]!)}` }), usage);
      }
      continue;
    }
    // An empty quoted word (`deploy web "$TAG"` with no TAG) is no value: the verb says what is missing.
    if (tok) positionals.push(tok);
  }
  // Free text (a reason) is checked by its verb against its own limit, with the usage (src/commands/change-args.ts, mute.ts).
  const checked = Object.entries(flags)
    .filter(([name]) => !FREE_TEXT_FLAGS.has(name))
    .map(([, v]) => v);
  for (const value of [verb, ...positionals, ...checked]) {
    if (typeof value === 'string' && value.length > MAX_TOKEN) {
      throw badInput(
        M.lazy('valueTooLong', { n: value.length, value: `\`${escapeMrkdwn(truncate(value, 40))}\``, max: MAX_TOKEN }),
        undefined,
        M.lazy('valueTooLongHint'),
      );
    }
  }
  return { verb: verb.toLowerCase(), positionals, flags };
}
