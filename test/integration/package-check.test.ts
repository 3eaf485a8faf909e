/**
 * `npm run package` (and CI's package step) refuse to package when a function's bundle or
 * chatops.yml is missing (scripts/check-package.mjs reads what each function needs from
 * serverless.yml), instead of packaging a zip that holds only the config.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;

function check(): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-package.mjs'), '--root', dir], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'package-check-'));
  copyFileSync(path.join(ROOT, 'serverless.yml'), path.join(dir, 'serverless.yml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('names every missing bundle and chatops.yml, says how to get them, and fails', () => {
  const r = check();
  expect(r.status).toBe(1);
  expect(r.out).toContain('package: cannot package');
  for (const fn of ['slack', 'worker', 'events', 'scheduled']) expect(r.out).toContain(`dist/${fn}.js`);
  expect(r.out).toContain('dist/charts/resvg.wasm');
  expect(r.out).toContain('run `npm run build` first');
  expect(r.out).toContain(
    "chatops.yml: the bot's configuration, packaged with every function, is missing; copy chatops.example.yml to chatops.yml",
  );
});

it('an empty bundle counts as missing; with everything present it passes', () => {
  mkdirSync(path.join(dir, 'dist'));
  for (const fn of ['slack', 'worker', 'events', 'scheduled']) {
    writeFileSync(path.join(dir, 'dist', `${fn}.js`), 'exports.handler = async () => {};');
    writeFileSync(path.join(dir, 'dist', `${fn}.js.map`), '{}');
  }
  // The worker's chart renderer (src/charts/png.ts) reads these on its first chart.
  mkdirSync(path.join(dir, 'dist', 'charts'));
  for (const f of ['resvg.wasm', 'chart-sans.ttf', 'chart-sans.LICENSE.txt']) writeFileSync(path.join(dir, 'dist', 'charts', f), 'x');
  writeFileSync(path.join(dir, 'dist', 'worker.js'), '');
  writeFileSync(path.join(dir, 'chatops.yml'), 'environments: {}');
  let r = check();
  expect(r.status).toBe(1);
  expect(r.out).toContain('dist/worker.js (empty): the function bundles are not built');
  expect(r.out).not.toContain('chatops.yml');

  writeFileSync(path.join(dir, 'dist', 'worker.js'), 'exports.handler = async () => {};');
  r = check();
  expect(r.status).toBe(0);
  expect(r.out).toContain('package: all 12 files of 4 functions are present');
});

it('`npm run package` and CI run the check before osls package', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.package).toBe('node scripts/check-package.mjs && osls package');
  expect(readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toMatch(/npm run --silent package -- --stage ci/);
});
