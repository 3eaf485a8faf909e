/** Closest-match suggestions for unknown verbs, services and environments. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Up to `max` candidates close to `input`: same prefix, contains it, or within a small edit distance. */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
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
  return scored.sort((a, b) => a.score - b.score || a.c.localeCompare(b.c)).slice(0, max).map((s) => s.c);
}
