/**
 * Change windows: when changes may run in an environment (`gates.windows` in chatops.yml), as pure
 * functions of the configuration and a time. Days and hours are read in the windows' IANA time
 * zone (daylight saving included, through Intl); blackouts are dated periods in the same zone.
 *
 *   isOpen(w, t)        may a change run at t?   (not in a blackout, and inside an allowed window)
 *   closedBecause(w, t) why not: outside the windows, or the blackout it falls in
 *   nextOpen(w, t)      the first time ≥ t when it may (within MAX_LOOKAHEAD_DAYS)
 *   parseLocal(…)       "2026-12-02T02:00" in the zone → epoch ms
 */
import type { WindowsConfig } from '../config/gates';
import { WEEKDAYS, type Weekday } from '../config/gates';
import { defineMessages, type Locale } from '../i18n';
import { escapeMrkdwn } from '../slack/text';

/** How far ahead nextOpen looks for an open window. */
export const MAX_LOOKAHEAD_DAYS = 35;
const MIN = 60_000;
const DAY_MIN = 24 * 60;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  /** Minutes after local midnight. */
  minutes: number;
  weekday: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `t` in `timeZone`. */
export function localParts(t: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: (parts.weekday ?? 'Mon').toLowerCase().slice(0, 3) as Weekday,
  };
}

/** The zone's offset from UTC at instant `t`, in ms (positive east of Greenwich). */
function offsetAt(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes);
  return asUtc - (t - (t % MIN));
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local time. A time skipped by
 * a daylight-saving change (02:30 on a spring-forward night) moves forward by the gap (03:30), as
 * Temporal's "compatible" disambiguation does; a repeated one (autumn) is its later occurrence.
 */
export function zonedTime(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day, 0, minutes);
  let t = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(t, timeZone);
  if (second !== t) t = Math.max(t, second);
  return t;
}

/** "2026-12-02T02:00" or "2026-12-02" (midnight) in `timeZone` → epoch ms; undefined when malformed. */
export function parseLocal(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0'] = m.slice(1);
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
  // Reject dates like 2026-02-30 (Date.UTC would roll them over).
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return zonedTime(year, month, day, hour * 60 + minute, timeZone);
}

export interface Blackout {
  from: number;
  /** Exclusive. */
  to: number;
  reason?: string;
  /** As written in chatops.yml, for messages. */
  label: string;
}

/** The configured blackouts as instants: a date is its whole day, a `to` date is inclusive. */
export function blackouts(w: WindowsConfig): Blackout[] {
  return w.blackouts.flatMap((b) => {
    const from = parseLocal(b.from, w.timeZone);
    const toStart = parseLocal(b.to, w.timeZone);
    if (from === undefined || toStart === undefined) return [];
    let to = toStart;
    if (!b.to.includes('T')) {
      const p = localParts(toStart + 36 * 3600_000, w.timeZone); // the next calendar day, safe across DST
      to = zonedTime(p.year, p.month, p.day, 0, w.timeZone);
    }
    const label = b.from === b.to ? b.from : `${b.from} – ${b.to}`;
    return to > from ? [{ from, to, ...(b.reason ? { reason: b.reason } : {}), label }] : [];
  });
}

function previousDay(d: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(d) + 6) % 7]!;
}

/** Inside one of the allowed windows (ignoring blackouts)? No windows listed = always. */
function inAllowed(w: WindowsConfig, t: number): boolean {
  if (!w.allow.length) return true;
  const p = localParts(t, w.timeZone);
  return w.allow.some((a) => {
    if (a.from < a.to) return a.days.includes(p.weekday) && p.minutes >= a.from && p.minutes < a.to;
    // Overnight (e.g. 22:00 – 02:00): the evening of a listed day, or the early hours after it.
    return (a.days.includes(p.weekday) && p.minutes >= a.from) || (a.days.includes(previousDay(p.weekday)) && p.minutes < a.to);
  });
}

export function blackoutAt(w: WindowsConfig, t: number): Blackout | undefined {
  return blackouts(w).find((b) => t >= b.from && t < b.to);
}

export function isOpen(w: WindowsConfig, t: number): boolean {
  return !blackoutAt(w, t) && inAllowed(w, t);
}

export type Closed = { kind: 'blackout'; blackout: Blackout } | { kind: 'outside' };

/** Why a change may not run at `t` (undefined when it may). */
export function closedBecause(w: WindowsConfig, t: number): Closed | undefined {
  const b = blackoutAt(w, t);
  if (b) return { kind: 'blackout', blackout: b };
  return inAllowed(w, t) ? undefined : { kind: 'outside' };
}

/** The first instant ≥ t at which changes may run, or undefined within MAX_LOOKAHEAD_DAYS. */
export function nextOpen(w: WindowsConfig, t: number): number | undefined {
  if (isOpen(w, t)) return t;
  const candidates: number[] = blackouts(w)
    .map((b) => b.to)
    .filter((x) => x > t);
  const start = localParts(t, w.timeZone);
  for (let i = 0; i <= MAX_LOOKAHEAD_DAYS; i++) {
    // Noon of each calendar day, read back in the zone: robust to DST shifts around midnight.
    const p = localParts(zonedTime(start.year, start.month, start.day, 12 * 60, w.timeZone) + i * DAY_MIN * MIN, w.timeZone);
    for (const a of w.allow) {
      if (a.days.includes(p.weekday)) candidates.push(zonedTime(p.year, p.month, p.day, a.from, w.timeZone));
    }
    if (!w.allow.length) candidates.push(zonedTime(p.year, p.month, p.day, 0, w.timeZone));
  }
  const limit = t + MAX_LOOKAHEAD_DAYS * DAY_MIN * MIN;
  return candidates
    .filter((c) => c > t && c <= limit)
    .sort((a, b) => a - b)
    .find((c) => isOpen(w, c));
}

/** When the open period containing `t` ends (the window's end or the next blackout), for messages. */
export function closesAt(w: WindowsConfig, t: number): number | undefined {
  if (!isOpen(w, t)) return undefined;
  // Walk forward in 15-minute steps (windows and blackouts start on whole minutes; the answer is for people).
  const step = 15 * MIN;
  for (let x = t - (t % step) + step; x <= t + 8 * DAY_MIN * MIN; x += step) if (!isOpen(w, x)) return x;
  return undefined;
}

const DAY_NAMES: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** "Mon–Thu 10:00–16:00, Fri 10:00–12:00 (Asia/Seoul)" — the windows as written (names are language-neutral). */
export function describeWindows(w: WindowsConfig, locale: Locale = 'en'): string {
  // Day names in the reader's language (월–목, not Mon–Thu, in a Korean answer).
  const day = (i: number) => (locale === 'ko' ? '월화수목금토일'[i]! : DAY_NAMES[WEEKDAYS[i]!]);
  const rules = w.allow.map((a) => {
    const idx = a.days.map((d) => WEEKDAYS.indexOf(d)).sort((x, y) => x - y);
    const contiguous = idx.length > 2 && idx.every((v, i) => i === 0 || v === idx[i - 1]! + 1);
    const days = contiguous ? `${day(idx[0]!)}–${day(idx[idx.length - 1]!)}` : idx.map(day).join(', ');
    return `${days} ${hhmm(a.from)}–${hhmm(a.to)}`;
  });
  return `${rules.length ? rules.join('; ') : '24/7'} (${w.timeZone})`;
}

/** Whether the windows apply to `verb` in this environment. */
export function windowsApply(w: WindowsConfig | undefined, verb: string): w is WindowsConfig {
  return !!w && (w.verbs as readonly string[]).includes(verb);
}

/**
 * Would approving `req` at `now` start a change while its environment's windows are closed? The
 * reason when so (the approve click refuses the approval that would be the last one needed: it
 * would start the request now, and the worker would only fail it); undefined when the windows do
 * not apply to its verb, it is break-glass (runs past the windows), it has a start time (the
 * scheduler starts it inside a window), or they are open. Whether the approval is the last needed
 * one is the approve script's to decide, atomically with the count.
 */
export function closedForApproval(
  w: WindowsConfig | undefined,
  req: { verb: string; breakGlass?: string; startAt?: number },
  now: number,
): Closed | undefined {
  if (!windowsApply(w, req.verb) || req.breakGlass !== undefined || req.startAt !== undefined) return undefined;
  return closedBecause(w, now);
}

const text = defineMessages('policy.windows', {
  blackout: { en: 'blackout {label}{reason}', ko: '변경 금지 기간 {label}{reason}' },
  blackoutReason: { en: ': “{reason}”', ko: ': “{reason}”', same: true },
  outside: { en: 'outside the change windows {windows}', ko: '변경 허용 시간 {windows} 밖' },
});

/** Why it is closed, in a few words ("blackout 2026-12-24 – 2026-12-26: “holidays”", "outside the change windows …"). */
export function closedText(w: WindowsConfig, closed: Closed, locale: Locale): string {
  const t = text.in(locale);
  if (closed.kind === 'outside') return t('outside', { windows: describeWindows(w, locale) });
  const b = closed.blackout;
  return t('blackout', { label: b.label, reason: b.reason ? t('blackoutReason', { reason: escapeMrkdwn(b.reason) }) : '' });
}
