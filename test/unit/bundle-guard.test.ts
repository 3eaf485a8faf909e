/**
 * The size guard on dist/slack.js (scripts/bundle-plugins.mjs): bytes per package from esbuild's
 * metafile; a package off the allow-list may add at most 20 KiB, one on it may not outgrow its
 * ceiling. The scripts are ES modules, which jest's CommonJS runtime cannot import: they run in a
 * child process.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const PLUGINS = join(__dirname, '../../scripts/bundle-plugins.mjs');

/** Run checkSlackBundle on a metafile whose output holds `inputs` (path -> bytes); the error message or the table. */
function check(inputs: Record<string, number>): { error?: string; table?: Record<string, number> } {
  const metafile = {
    inputs: {},
    outputs: {
      'dist/slack.js.map': { bytes: 1, inputs: {} },
      'dist/slack.js': { bytes: 1, inputs: Object.fromEntries(Object.entries(inputs).map(([p, b]) => [p, { bytesInOutput: b }])) },
    },
  };
  const script = [
    `import { checkSlackBundle } from ${JSON.stringify(PLUGINS)};`,
    `try { console.log(JSON.stringify({ table: checkSlackBundle(${JSON.stringify(metafile)}) })); }`,
    `catch (e) { console.log(JSON.stringify({ error: e.message })); }`,
  ].join('\n');
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
    error?: string;
    table?: Record<string, number>;
  };
}

const KiB = 1024;

describe('the dist/slack.js size guard', () => {
  it('adds up bytes per package, scoped packages and nested node_modules included', () => {
    const { table, error } = check({
      'node_modules/@slack/bolt/dist/App.js': 40 * KiB,
      'node_modules/@slack/bolt/dist/receivers/AwsLambdaReceiver.js': 10 * KiB,
      'node_modules/ioredis/built/Redis.js': 100 * KiB,
      'node_modules/ioredis/node_modules/debug/src/index.js': 5 * KiB,
      'src/bot/edge.ts': 12 * KiB,
      'bolt-lambda-only:@slack/oauth': 1 * KiB,
    });
    expect(error).toBeUndefined();
    expect(table).toEqual({ '@slack/bolt': 50 * KiB, ioredis: 100 * KiB, debug: 5 * KiB, src: 12 * KiB, '(stub)': 1 * KiB });
  });

  it('fails when a package off the allow-list adds more than 20 KiB, naming it', () => {
    const { error } = check({ 'node_modules/express/lib/express.js': 20 * KiB + 1, 'node_modules/ms/index.js': 20 * KiB });
    expect(error).toMatch(/express adds 20\.0 KiB \(not on the allow-list, limit 20 KiB\)/);
    expect(error).not.toMatch(/\bms adds/);
  });

  it('fails when an allowed package outgrows its ceiling', () => {
    const { error } = check({ 'node_modules/zod/v4/classic/schemas.js': 300 * KiB });
    expect(error).toMatch(/zod adds 300\.0 KiB \(allow-list ceiling \d+ KiB\)/);
  });
});

describe('ioredis with its command methods on a dictionary-mode prototype (ioredisLightPrototype)', () => {
  it('bundles ioredis with every command method, the prototype switched to dictionary mode before they are added', () => {
    const script = [
      `import { build } from 'esbuild';`,
      `import { ioredisLightPrototype } from ${JSON.stringify(PLUGINS)};`,
      `const r = await build({ stdin: { contents: "module.exports = require('ioredis')", resolveDir: ${JSON.stringify(join(__dirname, '../..'))} },`,
      `  bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent', plugins: [ioredisLightPrototype()] });`,
      `const code = r.outputFiles[0].text;`,
      `const m = { exports: {} }; new Function('module', 'exports', 'require', code)(m, m.exports, (await import('node:module')).createRequire(import.meta.url));`,
      `const Redis = m.exports.default ?? m.exports;`,
      `const client = new Redis({ lazyConnect: true });`,
      `const names = ['get', 'getBuffer', 'hgetall', 'evalsha', 'xadd', 'zrem', 'call', 'sentinel'];`,
      `console.log(JSON.stringify({ prelude: code.includes('__dictionaryMode'), methods: names.filter((n) => typeof client[n] === 'function'), pipeline: typeof client.pipeline().get }));`,
      `client.disconnect();`,
    ].join('\n');
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim().split('\n').pop()!,
    ) as {
      prelude: boolean;
      methods: string[];
      pipeline: string;
    };
    expect(out.prelude).toBe(true);
    expect(out.methods).toEqual(['get', 'getBuffer', 'hgetall', 'evalsha', 'xadd', 'zrem', 'call', 'sentinel']);
    expect(out.pipeline).toBe('function');
  });
});

describe('dist/slack.js stays ASCII (checkAsciiSource)', () => {
  /** Run checkAsciiSource on `code` (as the build reads it: bytes); the error message, if any. */
  function checkAscii(code: string): string | undefined {
    const script = [
      `import { checkAsciiSource } from ${JSON.stringify(PLUGINS)};`,
      `try { checkAsciiSource(Buffer.from(${JSON.stringify(code)}, 'utf8'), 'dist/slack.js'); console.log('{}'); }`,
      `catch (e) { console.log(JSON.stringify({ error: e.message })); }`,
    ].join('\n');
    return (JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { error?: string })
      .error;
  }

  it('passes code whose non-ASCII characters are escaped', () => {
    expect(checkAscii('var KO=/(\\d)\\s*(\\uCD08|\\uBD84)/g,M={ko:"\\uC2DC\\uAC04"};')).toBeUndefined();
  });

  it('fails on a raw non-ASCII character (a regular expression literal esbuild left as written), naming where', () => {
    const error = checkAscii('var KO=/(\\d)\\s*(초|분)/g;');
    expect(error).toContain('dist/slack.js is not ASCII at byte 16');
    expect(error).toContain('(초|분)');
    expect(error).toContain('\\uXXXX escape');
  });
});
