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
  // A worker keeps every test file's modules it ran (each file's registry stays reachable: measured
  // ~100 MB of heap after the first e2e file, ~800 MB after sixty, 1.2 GB RSS), and a worker that
  // big takes longer than jest's 500 ms to tear down once told to end: jest then SIGTERMs it and
  // prints "A worker process has failed to exit gracefully" (no handle was open: the worker had
  // already emitted 'exit'). A worker whose heap passes this after a file is replaced by a fresh one.
  // The other cause seen (after test files that take Redis down): open handles, the 5 s command
  // timers of Redis handshakes whose connections were cut (src/redis/unsettled.ts settleReplacedQueue).
  workerIdleMemoryLimit: '200MB',
};
