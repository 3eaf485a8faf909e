/**
 * Slack's mrkdwn as HTML, the way a Slack client shows it: *bold*, _italic_, ~strike~, `code`,
 * ```pre```, > quotes, links <url|text>, mentions <@U…> <#C…> <!subteam^S…> <!here>, date tokens
 * <!date^…^{format}|fallback>, &amp; &lt; &gt; entities, and emoji shortcodes for the common ones.
 * Pure string in, string out (no DOM), so it runs in the page and in jest alike.
 */
import { emoji } from './emoji';

export interface Names {
  user?(id: string): string | undefined;
  channel?(id: string): string | undefined;
  group?(id: string): string | undefined;
}

export interface MrkdwnOptions {
  names?: Names;
  /** For date tokens: "now" (today/yesterday, "ago") and the time zone to show them in. */
  now?: number;
  timeZone?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack text arrives with & < > escaped; these three are the only entities it uses. */
export function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const SAFE_URL = /^(https?:|mailto:)/i;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

interface Parts {
  y: number;
  m: number;
  d: number;
  wd: number;
  h: number;
  min: number;
  s: number;
}

function partsIn(ms: number, timeZone?: string): Parts {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  });
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return {
    y: Number(p.year),
    m: Number(p.month) - 1,
    d: Number(p.day),
    wd: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday ?? 'Sun'),
    h: Number(p.hour) % 24,
    min: Number(p.minute),
    s: Number(p.second),
  };
}

function ago(seconds: number): string {
  const future = seconds < 0;
  const a = Math.abs(seconds);
  const [n, unit] =
    a < 60
      ? [Math.round(a), 'second']
      : a < 3600
        ? [Math.round(a / 60), 'minute']
        : a < 86400
          ? [Math.round(a / 3600), 'hour']
          : [Math.round(a / 86400), 'day'];
  const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return future ? `in ${text}` : `${text} ago`;
}

/** A Slack date token's text: https://docs.slack.dev/messaging/formatting-message-text#date-formatting */
export function formatSlackDate(epochSeconds: number, format: string, opts: { now?: number; timeZone?: string } = {}): string {
  const ms = epochSeconds * 1000;
  const now = opts.now ?? Date.now();
  const p = partsIn(ms, opts.timeZone);
  const today = partsIn(now, opts.timeZone);
  const dayIndex = (x: Parts) => Date.UTC(x.y, x.m, x.d) / 86_400_000;
  const delta = dayIndex(p) - dayIndex(today);
  const pretty = delta === 0 ? 'today' : delta === -1 ? 'yesterday' : delta === 1 ? 'tomorrow' : undefined;
  const h12 = p.h % 12 === 0 ? 12 : p.h % 12;
  const ampm = p.h < 12 ? 'AM' : 'PM';
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${MONTHS[p.m]} ${ordinal(p.d)}, ${p.y}`;
  const dateShort = `${MONTHS[p.m]!.slice(0, 3)} ${p.d}, ${p.y}`;
  const dateLong = `${DAYS[p.wd]}, ${date}`;
  const tokens: Record<string, string> = {
    date_num: `${p.y}-${pad(p.m + 1)}-${pad(p.d)}`,
    date,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty ?? date,
    date_short_pretty: pretty ?? dateShort,
    date_long_pretty: pretty ?? dateLong,
    time: `${h12}:${pad(p.min)} ${ampm}`,
    time_secs: `${h12}:${pad(p.min)}:${pad(p.s)} ${ampm}`,
    ago: ago((now - ms) / 1000),
  };
  return format.replace(/\{(\w+)\}/g, (all, name: string) => tokens[name] ?? all);
}

/** One <…> control sequence as HTML (already escaped), or undefined to show it as text. */
function controlSequence(inner: string, o: MrkdwnOptions): string | undefined {
  const names = o.names ?? {};
  const [target, ...rest] = inner.split('|');
  const label = rest.length ? rest.join('|') : undefined;
  const t = target ?? '';
  if (t.startsWith('@')) {
    const id = t.slice(1);
    const name = label ?? names.user?.(id) ?? id;
    return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(decodeEntities(name))}</span>`;
  }
  if (t.startsWith('#')) {
    const id = t.slice(1);
    const name = label ?? names.channel?.(id) ?? id;
    return `<span class="mention channel" data-channel="${escapeHtml(id)}">#${escapeHtml(decodeEntities(name))}</span>`;
  }
  if (t.startsWith('!subteam^')) {
    const id = t.slice('!subteam^'.length);
    const name = label ? label.replace(/^@/, '') : (names.group?.(id) ?? id);
    return `<span class="mention group">@${escapeHtml(decodeEntities(name))}</span>`;
  }
  if (t === '!here' || t === '!channel' || t === '!everyone') return `<span class="mention special">@${t.slice(1)}</span>`;
  if (t.startsWith('!date^')) {
    const [, ts, format, link] = t.split('^');
    const seconds = Number(ts);
    if (!Number.isFinite(seconds) || format === undefined) return label !== undefined ? escapeHtml(decodeEntities(label)) : undefined;
    const text = escapeHtml(formatSlackDate(seconds, format, o));
    const title = escapeHtml(new Date(seconds * 1000).toISOString());
    return link && SAFE_URL.test(link)
      ? `<a class="date" href="${escapeHtml(link)}" target="_blank" rel="noopener" title="${title}">${text}</a>`
      : `<time class="date" datetime="${title}" title="${title}">${text}</time>`;
  }
  if (t.startsWith('!')) return label !== undefined ? escapeHtml(decodeEntities(label)) : undefined;
  const url = decodeEntities(t);
  if (!SAFE_URL.test(url)) return undefined;
  const text = label !== undefined ? label : t;
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${formatInline(text, o, false)}</a>`;
}

const PH = '\u0000';

/**
 * Inline formatting: control sequences, emphasis, emoji. `held` is HTML already made (code spans)
 * whose placeholders are in `text`; emphasis may enclose them, as in Slack: *Deploy of `web`*.
 */
function formatInline(text: string, o: MrkdwnOptions, allowLinks = true, held: string[] = []): string {
  const hold = (html: string) => `${PH}${held.push(html) - 1}${PH}`;
  let s = allowLinks
    ? text.replace(/<([^<>\n]+)>/g, (all, inner: string) => {
        const html = controlSequence(inner, o);
        return html === undefined ? all : hold(html);
      })
    : text;
  s = escapeHtml(decodeEntities(s));
  const edge = '(^|[\\s(\\[{"\'“‘/]|' + PH + ')';
  const end = '(?=$|[\\s.,!?;:)\\]}"\'”’/…-]|' + PH + ')';
  s = s.replace(new RegExp(`${edge}\\*(?=\\S)([^*\\n]*?\\S)\\*${end}`, 'g'), '$1<b>$2</b>');
  s = s.replace(new RegExp(`${edge}_(?=\\S)([^_\\n]*?\\S)_${end}`, 'g'), '$1<i>$2</i>');
  s = s.replace(new RegExp(`${edge}~(?=\\S)([^~\\n]*?\\S)~${end}`, 'g'), '$1<s>$2</s>');
  s = s.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => {
    const e = emoji(name);
    return e ? `<span class="emoji" title=":${name}:">${e}</span>` : all;
  });
  // A link's label may hold a code span of the text around it: put held HTML back until none is left.
  const placeholder = new RegExp(`${PH}(\\d+)${PH}`, 'g');
  for (let i = 0; i <= held.length && s.includes(PH); i++) {
    s = s.replace(placeholder, (all, n: string) => held[Number(n)] ?? (allowLinks ? '' : all));
  }
  return s;
}

function inlineWithCode(text: string, o: MrkdwnOptions): string {
  const held: string[] = [];
  const withoutCode = text.replace(
    /`([^`\n]+)`/g,
    (_, code: string) => `${PH}${held.push(`<code>${escapeHtml(decodeEntities(code))}</code>`) - 1}${PH}`,
  );
  return formatInline(withoutCode, o, true, held);
}

function paragraphs(text: string, o: MrkdwnOptions): string {
  // Quotes: consecutive lines starting with ">" (sent as &gt;).
  const lines = text.split('\n');
  const out: string[] = [];
  let quote: string[] = [];
  const flushQuote = () => {
    if (quote.length) out.push(`<blockquote>${quote.map((l) => inlineWithCode(l, o)).join('<br>')}</blockquote>`);
    quote = [];
  };
  const plain: string[] = [];
  const flushPlain = () => {
    if (plain.length) out.push(plain.map((l) => inlineWithCode(l, o)).join('<br>'));
    plain.length = 0;
  };
  for (const line of lines) {
    const q = /^(?:&gt;|>) ?(.*)$/.exec(line);
    if (q) {
      flushPlain();
      quote.push(q[1]!);
    } else {
      flushQuote();
      plain.push(line);
    }
  }
  flushQuote();
  flushPlain();
  return out.join('');
}

/** mrkdwn text → HTML. */
export function mrkdwn(text: string, o: MrkdwnOptions = {}): string {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(/```([\s\S]*?)```/g)) {
    out.push(paragraphs(text.slice(last, m.index).replace(/\n$/, ''), o));
    out.push(`<pre class="code">${escapeHtml(decodeEntities(m[1]!.replace(/^\n/, '')))}</pre>`);
    last = m.index! + m[0].length;
  }
  const rest = text.slice(last);
  out.push(paragraphs(last > 0 ? rest.replace(/^\n/, '') : rest, o));
  return out.filter((s) => s !== '').join('');
}

/**
 * A Block Kit plain_text object as HTML (emoji shortcodes rendered when emoji is not false). Not a
 * mrkdwn → text conversion: that exists once, in src/slack/text.ts (notificationText, plainText),
 * which this browser page may not import (src/playground may import only loopback and a few leaves).
 */
export function plainTextHtml(text: string, withEmoji = true): string {
  const s = escapeHtml(text);
  return withEmoji
    ? s.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => {
        const e = emoji(name);
        return e ? `<span class="emoji" title=":${name}:">${e}</span>` : all;
      })
    : s;
}
