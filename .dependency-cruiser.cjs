// The floor plan of src/ (docs/architecture.md), checked by `npm run lint` (and so by `npm test`):
// each folder imports only the folders listed for it below (type-only and `await import`s count
// too), so no folder cycle can form; and no module cycle exists, except one closed by a type-only
// import or one through a verb's worker part (`<verb>.run.ts`), which is only ever loaded with
// `await import` (e.g. commands/logs.ts -> await import('./logs.run') -> commands/logs.ts).
//
// Change the table only together with docs/architecture.md.

/** Folders (or single files) of src/, as path regexes. */
const at = {
  handlers: '^src/handlers/',
  surfaces: '^src/surfaces/',
  edge: '^src/edge/',
  commands: '^src/commands/',
  deploy: '^src/deploy/',
  approvals: '^src/approvals/',
  alerts: '^src/alerts/',
  hooks: '^src/hooks/',
  runtime: '^src/runtime[.]ts$',
  slack: '^src/slack/',
  redis: '^src/redis/',
  aws: '^src/aws/',
  policy: '^src/policy/',
  i18n: '^src/i18n/',
  config: '^src/config/',
  errors: '^src/errors[.]ts$',
  log: '^src/log[.]ts$',
  types: '^src/types[.]d[.]ts$',
  // Beside the floors: the loopback AWS endpoint for tests and the playground. It imports nothing
  // from the rest of src/, and nothing in src/ may import it (it is in no one's list below), so no
  // Lambda handler's graph reaches it (test/topology/handoff.test.ts also checks the built bundles).
  loopback: '^src/loopback/',
};

const leaves = ['runtime', 'slack', 'redis', 'aws', 'policy', 'config', 'i18n', 'errors', 'log'];

/** Floor by floor, top to bottom: what each folder may import besides itself. */
const allowed = {
  handlers: ['surfaces', 'edge', 'commands', 'deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  surfaces: ['commands', 'deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  edge: ['commands', 'deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  commands: ['deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  deploy: ['approvals', 'hooks', ...leaves],
  approvals: ['hooks', ...leaves],
  alerts: ['hooks', ...leaves],
  hooks: leaves,
  runtime: ['slack', 'redis', 'aws', 'policy', 'config', 'i18n', 'errors', 'log'],
  aws: ['slack', 'config', 'i18n', 'errors', 'log'],
  slack: ['config', 'i18n', 'errors', 'log'],
  redis: ['config', 'i18n', 'errors', 'log'],
  policy: ['slack', 'config', 'i18n', 'errors'],
  config: ['i18n', 'errors'],
  i18n: [],
  errors: ['i18n'],
  log: [],
  loopback: [],
};

const floorRules = Object.entries(allowed).map(([from, to]) => ({
  name: `floor-${from}`,
  comment: `src/${from} may import only: ${to.join(', ') || 'nothing in src/'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: at[from] },
  to: { path: '^src/', pathNot: [at[from], at.types, ...to.map((name) => at[name])] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'no-cycle',
      comment: 'No import cycle, except one closed by a type-only import or through a lazily loaded worker part (*.run.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: '[.]run[.]ts$' },
      to: { circular: true, viaOnly: { pathNot: '[.]run[.]ts$', dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'run-parts-lazy',
      comment:
        'A worker part (*.run.ts) is loaded with `await import` (or by another worker part), so the Slack bundle does not load the AWS SDK at cold start.',
      severity: 'error',
      from: { path: '^src/', pathNot: '[.]run[.]ts$' },
      to: { path: '[.]run[.]ts$', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'src-outside-floors',
      comment: 'Every module of src/ belongs to a floor of the table above.',
      severity: 'error',
      from: { path: '^src/', pathNot: Object.values(at) },
      to: {},
    },
    {
      name: 'no-tests-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
    extraExtensionsToScan: ['.lua'],
  },
};
