/**
 * docs/redis.md's key table ("Sizing: every key…") against src/redis/keys.ts: every key builder has
 * its row, and every row is a key the bot builds, so the table cannot drift from the code; each row's
 * "Bound" cell is the bound src/redis/bounds.ts states (and test/integration/redis-bounds.test.ts measures).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keys as appKeys } from '../../src/redis/keys';
import { workerKeys } from '../../src/redis/keys.run';
import { boundText, keyBounds } from '../../src/redis/bounds';

/** Every key builder: ../../src/redis/keys.ts and the worker-only ones (../../src/redis/keys.run.ts). */
const keys = { ...appKeys, ...workerKeys };
const DOC = join(__dirname, '../../docs/redis.md');

/** Every row of the key table: its first cell (a code span) and its "Bound" cell. */
function documentedRows(): Array<{ key: string; bound: string }> {
  const lines = readFileSync(DOC, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('## Sizing: every key'));
  if (start < 0) throw new Error('docs/redis.md has no "## Sizing: every key" section');
  const header = lines.findIndex((l, i) => i > start && l.startsWith('| Key |'));
  const boundColumn = lines[header]!.split('|')
    .map((c) => c.trim())
    .indexOf('Bound');
  if (boundColumn < 0) throw new Error('docs/redis.md key table has no "Bound" column');
  const rows: Array<{ key: string; bound: string }> = [];
  for (let i = header + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const cell = /^\|\s*`([^`]+)`\s*\|/.exec(lines[i]!);
    if (!cell) throw new Error(`docs/redis.md key table, line ${i + 1}: the first cell is not a code span`);
    rows.push({ key: cell[1]!, bound: (lines[i]!.split('|')[boundColumn] ?? '').trim() });
  }
  return rows;
}

function documentedKeys(): string[] {
  return documentedRows().map((r) => r.key);
}

/** A builder's key shape as a pattern: each argument stands for one placeholder of the table (`E`, `<id>`…). */
function shapeOf(name: string, build: (...args: string[]) => string): { name: string; example: string; pattern: RegExp } {
  const marks = Array.from({ length: build.length }, (_, i) => `§${i}§`);
  const example = build(...marks);
  const escaped = example.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/§\d+§/g, '[^{}:]+');
  return { name, example: build(...marks.map((_, i) => `a${i}`)), pattern: new RegExp(`^${escaped}$`) };
}

describe('docs/redis.md key table', () => {
  const documented = documentedKeys();
  const shapes = Object.entries(keys).map(([name, build]) => shapeOf(name, build as (...args: string[]) => string));

  it('has a row for every key builder in src/redis/keys.ts', () => {
    expect(documented.length).toBeGreaterThan(0);
    const missing = shapes.filter((s) => !documented.some((d) => s.pattern.test(d))).map((s) => `${s.name} (${s.example})`);
    expect(missing).toEqual([]);
  });

  it('has no row for a key the bot does not build, and one row per key', () => {
    expect(documented.filter((d) => !shapes.some((s) => s.pattern.test(d)))).toEqual([]);
    const matches = shapes.map((s) => ({ key: s.name, rows: documented.filter((d) => s.pattern.test(d)) }));
    expect(matches.filter((m) => m.rows.length !== 1)).toEqual([]);
  });

  it("states each key's bound exactly as src/redis/bounds.ts does (size, and TTL or cleaner)", () => {
    const rows = documentedRows();
    const wrong = shapes.flatMap((s) => {
      const row = rows.find((r) => s.pattern.test(r.key));
      const want = boundText(keyBounds[s.name as keyof typeof keyBounds]);
      return row && row.bound !== want ? [{ key: row.key, doc: row.bound, code: want }] : [];
    });
    expect(wrong).toEqual([]);
    // Every key builder has a bound, and every bound a key builder.
    expect(Object.keys(keyBounds).sort()).toEqual(Object.keys(keys).sort());
  });

  it('reads placeholders as arguments: a row with a literal where the builder takes one does not match', () => {
    const { pattern } = shapeOf('request', keys.request);
    expect(pattern.test('req:{svc:E:S}:<id>')).toBe(true);
    expect(pattern.test('req:{env:E}:<id>')).toBe(false);
    expect(shapeOf('audit', keys.audit).pattern.test('audit:{svc:E:S}')).toBe(false);
  });
});
