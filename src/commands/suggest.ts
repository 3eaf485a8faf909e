/** Closest-match suggestions for unknown verbs, services and environments. */
/** Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours (wbe → web). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Candidates close to `input`, closest first, with their scores (lower is closer): same prefix, contains it, or within a small edit distance. */
export function ranked(input: string, candidates: Iterable<string>): Array<{ c: string; score: number }> {
  const q = input.toLowerCase();
  const scored: Array<{ c: string; score: number }> = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(q, lc);
    const limit = Math.max(1, Math.floor(Math.max(q.length, lc.length) / 3));
    let score = Infinity;
    if (lc.startsWith(q) || q.startsWith(lc)) score = 0.5 + Math.abs(lc.length - q.length) / 100;
    else if (lc.includes(q) && q.length >= 2) score = 1;
    if (d <= limit) score = Math.min(score, d);
    if (score < Infinity) scored.push({ c, score });
  }
  return scored.sort((a, b) => a.score - b.score || a.c.localeCompare(b.c));
}

/** Verbs typed in Korean: the command each one means, suggested in the answer. */
const KOREAN_VERBS: Record<string, string> = {
  상태: 'status',
  로그: 'logs',
  비용: 'cost',
  이미지: 'images',
  이력: 'history',
  배포: 'deploy',
  롤백: 'rollback',
  스케일: 'scale',
  재시작: 'restart',
  도움말: 'help',
};

/** The verbs an unknown word may have meant: the one a Korean word names, else the closest. */
export function nearVerbs(word: string, verbs: Iterable<string>): string[] {
  // Own keys only: a typed `__proto__` or `constructor` is an unknown verb, not the object's prototype.
  const ko = Object.hasOwn(KOREAN_VERBS, word) ? KOREAN_VERBS[word] : undefined;
  return ko ? [ko] : closest(word, verbs);
}

/** Up to `max` candidates close to `input`, closest first. */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
  return ranked(input, candidates)
    .slice(0, max)
    .map((s) => s.c);
}
