/**
 * `npm run test:browser`: the playground in a real headless Chromium (Debian's `chromium` package,
 * driven by playwright-core). Builds dist-like bundles into a temp dir, runs `node local.js` as
 * `npm start` does, and clicks through the page. Screenshots go to test-artifacts/ (git-ignored).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  maxWorkers: 1,
};
