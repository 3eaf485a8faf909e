// `npm run screenshots`: the README's pictures of the bot's messages, taken from the real page.
//
// Runs the browser test (test/browser/playground.browser.test.ts: `npm start` in an empty directory,
// headless Chromium on the page) with PLAYGROUND_PICTURES=docs/images, so every message it checks
// and photographs (status, deploy request, the deploy's thread, alert, cost) is also written to
// docs/images/playground-<name>.png, the files README.md shows. A picture is only written after the
// test saw that message, so the README never shows what the bot does not post.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const r = spawnSync(process.execPath, [jest, '-c', 'jest.browser.config.js', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PLAYGROUND_PICTURES: 'docs/images' },
});
process.exit(r.status ?? 1);
