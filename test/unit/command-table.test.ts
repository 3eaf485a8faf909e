/**
 * The command table (src/commands/registry.ts) is the one list of verbs. What lives outside src/
 * follows it: the slash command's usage hint in slack-manifest.yml, and the command table of the
 * README. Adding a verb makes this test say what to update.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { findCommand, verbNames } from '../../src/commands/registry';

const ROOT = join(__dirname, '../..');

/** The usage hint the manifest must carry: every verb of the table, in its order. */
function usageHint(verbs: readonly string[]): string {
  return `[${verbs.join('|')}] …`;
}

/** The verbs the README's command table names (`/ecs <verb> …` in its first column). */
function readmeVerbs(readme: string): string[] {
  const start = readme.indexOf('| command | what it does | who |');
  expect(start).toBeGreaterThan(-1);
  const rows = readme.slice(start).split('\n').slice(2);
  const table = rows.slice(
    0,
    rows.findIndex((r) => !r.startsWith('|')),
  );
  const first = table.map((r) => r.split(/(?<!\\)\|/)[1] ?? '');
  return [...new Set(first.flatMap((cell) => [...cell.matchAll(/`\/ecs ([a-z!-]+)/g)].map((m) => m[1]!)))];
}

describe('the command table', () => {
  it('has one entry per verb, each with usage, summary and examples', () => {
    expect(new Set(verbNames()).size).toBe(verbNames().length);
    for (const c of verbNames().map((v) => findCommand(v)!)) {
      expect(c.usage.startsWith(`/ecs ${c.verb}`)).toBe(true);
      expect(c.summary('en').length).toBeGreaterThan(10);
      expect(c.summary('ko').length).toBeGreaterThan(5);
      expect(c.examples.length).toBeGreaterThan(0);
      for (const e of c.examples) expect(e.startsWith(c.verb)).toBe(true);
    }
  });

  it('is the usage hint of the /ecs command in slack-manifest.yml', () => {
    const manifest = parse(readFileSync(join(ROOT, 'slack-manifest.yml'), 'utf8')) as {
      features: { slash_commands: Array<{ command: string; usage_hint: string }> };
    };
    const ecs = manifest.features.slash_commands.find((c) => c.command === '/ecs');
    expect(ecs?.usage_hint).toBe(usageHint(verbNames()));
  });

  it('is the command table of the README (every verb but help, and nothing else)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readmeVerbs(readme).sort()).toEqual(
      verbNames()
        .filter((v) => v !== 'help')
        .sort(),
    );
  });

  it('fails for a verb the README or the manifest does not know', () => {
    expect(usageHint([...verbNames(), 'restart-all'])).not.toBe(usageHint(verbNames()));
    const readme = '| command | what it does | who |\n|---|---|---|\n| `/ecs status` · `/ecs pause <s>` | x | y |\n\nafter';
    expect(readmeVerbs(readme)).toEqual(['status', 'pause']);
  });
});
