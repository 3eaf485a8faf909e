/**
 * The Lua text the bundles (and the tests) ship: comments and blank lines out, code untouched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS helper shared with the build scripts
const { stripLuaComments } = require('../../scripts/lua-strip.cjs') as { stripLuaComments: (s: string) => string };

describe('stripLuaComments', () => {
  it('drops the header block, whole-line comments and blank lines; keeps code and comments after code', () => {
    const src = [
      '--[[',
      '  KEYS[1] a key   ARGV[1] a value',
      ']]',
      'local a = KEYS[1]',
      '',
      '  -- a note on its own line',
      "local s = 'not -- a comment' -- after code",
      'local t = { x = { 1 } } -- nested ]] braces',
      'return a',
    ].join('\n');
    expect(stripLuaComments(src)).toBe(
      [
        'local a = KEYS[1]',
        "local s = 'not -- a comment' -- after code",
        'local t = { x = { 1 } } -- nested ]] braces',
        'return a',
        '',
      ].join('\n'),
    );
  });

  it('leaves no comment line in any script of src/ and keeps every line of code', () => {
    const dirs = ['src/approvals/lua', 'src/approvals/lua/includes', 'src/edge/lua', 'src/commands/lua', 'src/redis/lua'];
    let scripts = 0;
    for (const dir of dirs) {
      let names: string[] = [];
      try {
        names = readdirSync(join(__dirname, '../..', dir)).filter((n) => n.endsWith('.lua'));
      } catch {
        continue;
      }
      for (const name of names) {
        scripts++;
        const text = readFileSync(join(__dirname, '../..', dir, name), 'utf8');
        const out = stripLuaComments(text);
        expect(out.split('\n').filter((l) => /^\s*--/.test(l))).toEqual([]);
        // Every line that is code (outside the header, not a comment) survives, in order.
        const body = text.replace(/^--\[(=*)\[[\s\S]*?\]\1\][ \t]*$/m, '');
        const code = body
          .split('\n')
          .map((l) => l.replace(/\s+$/, ''))
          .filter((l) => l && !/^\s*--/.test(l));
        expect(out.trimEnd().split('\n')).toEqual(code);
      }
    }
    expect(scripts).toBeGreaterThan(20);
  });
});
