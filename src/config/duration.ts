/**
 * Durations as people write them: 90s, 15m, 2h, 3d, 1w (and combinations like 1h30m), also with the
 * Korean units 초/분/시간/일/주 (`2시간`, `1시간 30분`). The one place durations are read: commands and chatops.yml.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const KO_UNIT: Record<string, string> = { 초: 's', 분: 'm', 시간: 'h', 일: 'd', 주: 'w' };

// Written with escapes: esbuild leaves a regular expression's characters as they are, and one non-ASCII
// character makes V8 keep the whole of dist/slack.js as two-byte (+800 KiB RSS; scripts/bundle-plugins.mjs checks).
const KO = /(\d)\s*(\uCD08|\uBD84|\uC2DC\uAC04|\uC77C|\uC8FC)(?=\s|\d|$)/g;
const WHOLE = /^(?:\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/** `2시간` → `2h`, `1시간 30분` and `1 시간 30 분` → `1h30m`, ` 15M `, `15 m` → `15m`: the written form answers echo; undefined when it is not a duration. */
export function normalizeDuration(text: string): string | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(KO, (_m, d: string, u: string) => d + KO_UNIT[u]!)
    // `2 h`, `1 h 30 m`: a unit typed as a word of its own.
    .replace(/(\d)\s+([smhdw])(?=\s|\d|$)/g, '$1$2')
    .replace(/([smhdw])\s+(?=\d)/g, '$1');
  return WHOLE.test(t) ? t : undefined;
}

/**
 * The words after a duration flag (or a duration argument) that complete it, when a unit or a second
 * part was typed as a word of its own (`2 시간`, `1 시간 30 분`, `1h 30m`): how many of `words` belong to
 * it (the most that do, up to 8) and the one-word form; undefined when none do.
 */
export function durationWords(value: string, words: readonly string[]): { taken: number; value: string } | undefined {
  for (let n = Math.min(8, words.length); n > 0; n--) {
    const one = normalizeDuration([value, ...words.slice(0, n)].join(' '));
    if (one !== undefined) return { taken: n, value: one };
  }
  return undefined;
}

/** Milliseconds for a duration string (0 for `0m`), or undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const t = normalizeDuration(text);
  if (t === undefined) return undefined;
  let total = 0;
  for (const m of t.matchAll(PART)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** Milliseconds for a duration string of some length, or undefined when it is not one (or is zero long). */
export function parseDuration(text: string): number | undefined {
  return durationMs(text) || undefined;
}
