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
  images: '^src/images/',
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
  // Beside the floors, for `npm start` only: the loopback Slack and AWS (tests and the playground
  // point the bot at them) and the playground (its demo world, people, page). The loopback imports
  // nothing from the rest of src/; the playground imports the loopback and a few leaves. Only
  // src/handlers/local*.ts may import either (rule local-only below), so no Lambda handler's graph
  // reaches them (scripts/build.mjs and test/topology/handoff.test.ts also check the built bundles).
  loopback: '^src/loopback/',
  playground: '^src/playground/',
};

const leaves = ['runtime', 'slack', 'redis', 'aws', 'policy', 'config', 'i18n', 'errors', 'log'];

/** Floor by floor, top to bottom: what each folder may import besides itself. */
const allowed = {
  // playground and loopback: from handlers/local*.ts only (rule local-only).
  handlers: ['surfaces', 'edge', 'commands', 'deploy', 'approvals', 'alerts', 'images', 'hooks', ...leaves, 'playground', 'loopback'],
  surfaces: ['commands', 'deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  edge: ['commands', 'deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  commands: ['deploy', 'approvals', 'alerts', 'hooks', ...leaves],
  deploy: ['approvals', 'hooks', ...leaves],
  approvals: ['hooks', ...leaves],
  alerts: ['hooks', ...leaves],
  images: ['hooks', ...leaves],
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
  playground: ['loopback', 'aws', 'config', 'i18n', 'errors', 'log'],
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
      name: 'local-only',
      comment:
        'The playground and the loopback Slack/AWS are for `npm start` only: of the handlers, only local*.ts may import them, so no Lambda bundle holds them.',
      severity: 'error',
      from: { path: at.handlers, pathNot: '^src/handlers/local[^/]*[.]ts$' },
      to: { path: [at.playground, at.loopback] },
    },
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
