/**
 * The suites that keep state in Redis, run against a real Redis Cluster (3 primaries with 1
 * replica each, on loopback, no persistence) started by test/helpers/cluster-global-setup.ts,
 * plus the cluster-only fault and load tests in test/cluster/. `npm run test:cluster`; .ci/run
 * runs it after `npm test`. One file at a time: a cluster has only database 0 and the suites flush it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config extending the other
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  displayName: 'cluster',
  testMatch: [
    '<rootDir>/test/integration/approvals-store.test.ts',
    '<rootDir>/test/integration/approvals-transitions.test.ts',
    '<rootDir>/test/integration/alerts-store.test.ts',
    '<rootDir>/test/integration/alerts-backlog.test.ts',
    '<rootDir>/test/integration/redis-slots.test.ts',
    '<rootDir>/test/integration/redis-bounds.test.ts',
    '<rootDir>/test/integration/slack-pause-shared.test.ts',
    '<rootDir>/test/integration/approvals-lost-reply.test.ts',
    '<rootDir>/test/integration/approvals-two-trips.test.ts',
    '<rootDir>/test/integration/approvals-indexes.test.ts',
    '<rootDir>/test/integration/approvals-orphans.test.ts',
    '<rootDir>/test/integration/approvals-sweep.test.ts',
    '<rootDir>/test/e2e/approvals.test.ts',
    '<rootDir>/test/e2e/locks.test.ts',
    '<rootDir>/test/e2e/alerts.test.ts',
    '<rootDir>/test/e2e/alerts-buttons.test.ts',
    '<rootDir>/test/e2e/alerts-mute.test.ts',
    '<rootDir>/test/e2e/alerts-coalesce.test.ts',
    '<rootDir>/test/e2e/alerts-reply-backlog.test.ts',
    '<rootDir>/test/e2e/images-events.test.ts',
    '<rootDir>/test/e2e/cost.test.ts',
    '<rootDir>/test/e2e/edge-bad-input.test.ts',
    '<rootDir>/test/e2e/history.test.ts',
    '<rootDir>/test/e2e/deploy.test.ts',
    '<rootDir>/test/cluster/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/helpers/cluster-global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  maxWorkers: 1,
};
