/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The browser test has its own script (npm run test:browser, jest.browser.config.js); cluster-only
  // suites (fault and load tests on a real Redis Cluster) run with jest.cluster.config.js.
  testPathIgnorePatterns: ['/node_modules/', '\\.browser\\.test\\.ts$', '/test/cluster/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+\\.lua$': '<rootDir>/test/helpers/lua-transform.js',
  },
  moduleFileExtensions: ['ts', 'js', 'json', 'lua'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Fails a test file whose Redis commands, pipelines or transactions span hash slots (Redis Cluster refuses them).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/slot-guard-setup.ts'],
  testTimeout: 20000,
  maxWorkers: 2,
};
