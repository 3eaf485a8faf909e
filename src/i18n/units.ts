/** Durations in messages, per language. Pure. */
import type { Locale } from './locale';

const UNITS: Record<Locale, { s: string; m: string; h: string; d: string; sep: string }> = {
  en: { s: 's', m: 'm', h: 'h', d: 'd', sep: ' ' },
  ko: { s: '초', m: '분', h: '시간', d: '일', sep: ' ' },
};

/** A compact rendering: 45s, 12m, 3h 5m, 2d 4h (ko: 45초, 12분, 3시간 5분, 2일 4시간). */
export function formatDuration(ms: number, locale: Locale = 'en'): string {
  const u = UNITS[locale];
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}${u.s}`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}${u.m}`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}${u.h}${u.sep}${m % 60}${u.m}` : `${h}${u.h}`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}${u.d}${u.sep}${h % 24}${u.h}` : `${d}${u.d}`;
}
