/**
 * Text helpers shared by every Block Kit builder, each in one copy: escaping user input for mrkdwn,
 * keeping within Slack's limits, one-line quotes, links, mentions and principals, verb titles,
 * and mrkdwn turned into notification or plain text. Pure functions.
 */
import type { ChangeVerb } from '../config/schema';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('slack.text', {
  moreLines: { en: '… {n} more {n|line|lines}', ko: '… {n}줄 더 있음' },
  theBot: { en: 'the bot', ko: '봇' },
  everyone: { en: 'everyone in the channel', ko: '채널의 모든 사람' },
  deploy: { en: 'Deploy', ko: '배포' },
  rollback: { en: 'Roll back', ko: '롤백' },
  scale: { en: 'Scale', ko: '스케일' },
  restart: { en: 'Restart', ko: '재시작' },
  resize: { en: 'Resize', ko: '크기 조정' },
  run: { en: 'Run', ko: '실행' },
});

/** Slack message limits (https://docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fields: 10,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  /** Undocumented ceiling of block text per message (msg_blocks_too_long at ~12–13k); we keep under this. */
  totalText: 11_000,
  /** Top-level fallback text. */
  text: 3000,
} as const;

/** Escape the three characters mrkdwn treats as control characters. Makes <!channel> inert. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Render user input inside inline code, escaped, so it can never format, link or mention. */
export function code(text: string): string {
  return '`' + escapeMrkdwn(text.replace(/`/g, "'")) + '`';
}

/** Cut to at most `max` characters (counting the ellipsis). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  return text.slice(0, max - 1) + '…';
}

/** Cut text at a line boundary to at most `max` characters, saying how many lines were left out. */
export function truncateLines(text: string, max: number, locale: Locale = 'en'): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 > max - 40) break;
    out.push(line);
    used += line.length + 1;
  }
  const omitted = lines.length - out.length;
  return out.join('\n') + '\n' + M.in(locale)('moreLines', { n: omitted });
}

/** A code block whose content (with fences) stays within `max`. Backtick runs are broken so the fence holds. */
export function codeBlock(text: string, max: number = LIMITS.sectionText, locale: Locale = 'en'): string {
  const safe = escapeMrkdwn(text.replace(/```/g, "'''"));
  return '```' + truncateLines(safe, max - 6, locale) + '```';
}

/** Pluralize: plural(3, 'task') → "3 tasks". */
export function plural(n: number, word: string, pluralWord = word + 's'): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** Free text from people or AWS on one line: whitespace collapsed, cut to `max`, escaped (never a mention or a link). */
export function oneLine(text: string | undefined, max = 300): string {
  return escapeMrkdwn(truncate((text ?? '').replace(/\s+/g, ' ').trim(), max));
}

/** The link to a message (Slack resolves /archives links for members of the workspace). */
export function messageUrl(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/** A mrkdwn link with its label escaped. */
export function link(url: string, label: string): string {
  return `<${url}|${escapeMrkdwn(label).replace(/\|/g, '/')}>`;
}

/** A Slack user id as a mention; 'bot' as "the bot"; anything else as inline code. */
export function mention(user: string, locale: Locale = 'en'): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : user === 'bot' ? M.in(locale)('theBot') : code(user);
}

/** A principal of chatops.yml (user id, user-group id, or "*") as Slack shows it. */
export function principal(p: string, locale: Locale = 'en'): string {
  if (p === '*') return M.in(locale)('everyone');
  return p.startsWith('S') ? `<!subteam^${p}>` : `<@${p}>`;
}

/** The title of a change verb, one spelling everywhere: "Deploy", "Roll back", "Scale", "Restart", "Resize" (배포, 롤백, 스케일, 재시작, 크기 조정). */
export function verbTitle(verb: ChangeVerb | 'resize', locale: Locale = 'en'): string {
  return verb in M.entries ? M.in(locale)(verb) : verb;
}

/**
 * mrkdwn → text, the one conversion (every other place calls one of the two below).
 *
 * The text between Slack's `<…>` tokens loses emoji codes and formatting marks: `*bold*`,
 * `_italic_`, `~strike~` and backticks. A `*`, `_` or `~` between two letters or digits is not a
 * mark and stays: `snake_case`, `date_short_pretty`, `a*b`. What happens to the tokens (dates
 * `<!date^…^{date_short_pretty}|…>`, mentions `<@U…>`, `<#C…>`, `<!subteam^S…>`, links
 * `<url|label>`) depends on where the text goes: `keepTokens` leaves them as they are (Slack renders
 * them in a notification), otherwise they become their readable part and the entities are decoded.
 */
function mrkdwnToText(mrkdwn: string, keepTokens: boolean): string {
  const parts = mrkdwn.split(/(<[^<>]*>)/);
  const out = parts.map((part, i) => (i % 2 === 1 ? (keepTokens ? part : tokenText(part)) : unmark(part, keepTokens)));
  return out.join('').trim();
}

/** Formatting marks and emoji codes out of text that holds no `<…>` token. */
function unmark(text: string, keepEntities: boolean): string {
  const s = text
    .replace(/(^|[\s(])(?::[a-z0-9_+'-]+:[ \t]*)+/g, '$1')
    .replace(/`/g, '')
    .replace(/[*_~]/g, (mark, at: number, all: string) =>
      /[\p{L}\p{N}]/u.test(all[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(all[at + 1] ?? '') ? mark : '',
    );
  return keepEntities ? s : decodeEntities(s);
}

/** A `<…>` token's readable part: a date's fallback, a mention's name or id, a link's label. */
function tokenText(token: string): string {
  const inner = token.slice(1, -1);
  const bar = inner.indexOf('|');
  const label = bar < 0 ? undefined : decodeEntities(inner.slice(bar + 1));
  const target = bar < 0 ? inner : inner.slice(0, bar);
  if (target.startsWith('!date^')) return label ?? '';
  if (target.startsWith('!subteam^')) return label ?? `@${target.slice('!subteam^'.length)}`;
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  if (target.startsWith('@')) return `@${target.slice(1)}`;
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  return label ?? decodeEntities(target);
}

/** The three entities Slack text uses. */
function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The top-level `text` of a message (notifications, clients without blocks), from its mrkdwn:
 * emoji codes and formatting marks dropped; mentions, links and dates kept (Slack renders them there).
 */
export function notificationText(mrkdwn: string): string {
  return mrkdwnToText(mrkdwn, true);
}

/** mrkdwn → plain text where nothing renders (modal errors, plain_text fields): mentions, links and dates keep their readable part. */
export function plainText(mrkdwn: string): string {
  return mrkdwnToText(mrkdwn, false);
}
