/**
 * The Lua text the bundles (and the tests) ship: comments, blank lines and indentation out, code untouched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS helper shared with the build scripts
const { stripLuaComments } = require('../../scripts/lua-strip.cjs') as {
  stripLuaComments: (s: string, file?: string) => string;
};

describe('stripLuaComments', () => {
  it('drops the header block, whole-line comments, blank lines and indentation; keeps code and comments after code', () => {
    const src = [
      '--[[',
      '  KEYS[1] a key   ARGV[1] a value',
      ']]',
      'local a = KEYS[1]',
      '',
      '  -- a note on its own line',
      "local s = 'not -- a comment' -- after code",
      'local t = { x = { 1 } } -- nested ]] braces',
      'if a then',
      "  return 'x  y'",
      'end',
      'return a',
    ].join('\n');
    expect(stripLuaComments(src)).toBe(
      [
        'local a = KEYS[1]',
        "local s = 'not -- a comment' -- after code",
        'local t = { x = { 1 } } -- nested ]] braces',
        'if a then',
        "return 'x  y'",
        'end',
        'return a',
        '',
      ].join('\n'),
    );
  });

  it('refuses a long string, whose indentation could be its text', () => {
    expect(() => stripLuaComments('local s = [[\n  two\n]]\nreturn s', 'x.lua')).toThrow('x.lua: use a quoted string');
    expect(() => stripLuaComments('local s = [==[\n  two\n]==]', 'y.lua')).toThrow('y.lua');
    expect(stripLuaComments('return KEYS[ARGV[1]]')).toBe('return KEYS[ARGV[1]]\n');
  });

  it('leaves no comment line in any script of src/ and keeps every line of code', () => {
    // Every .lua file under src/, wherever it lives.
    const dirs = readdirSync(join(__dirname, '../../src'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith('.lua'))
      .map((d) => d.parentPath)
      .filter((d, i, all) => all.indexOf(d) === i);
    let scripts = 0;
    for (const dir of dirs) {
      const names = readdirSync(dir).filter((n) => n.endsWith('.lua'));
      for (const name of names) {
        scripts++;
        const text = readFileSync(join(dir, name), 'utf8');
        const out = stripLuaComments(text);
        expect(out.split('\n').filter((l) => /^\s*--/.test(l))).toEqual([]);
        // Every line that is code (outside the header, not a comment) survives, in order.
        const body = text.replace(/^--\[(=*)\[[\s\S]*?\]\1\][ \t]*$/m, '');
        const code = body
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('--'));
        expect(out.trimEnd().split('\n')).toEqual(code);
      }
    }
    expect(scripts).toBeGreaterThan(50);
  });
});
