/**
 * What the IAM tests share: the actions AWS only grants on "*", and the typed entry to
 * scripts/target-role.cjs (the CommonJS script `npm run target-role` runs).
 */

/**
 * The actions a role may grant on "*" because AWS offers no resource-level permissions for them
 * (ListTasks: held to the configured clusters by its ecs:cluster condition key instead). Shared by
 * the checks of serverless.yml (test/unit/iam-resources.test.ts) and of the packaged roles
 * (test/topology/iam-coverage.test.ts).
 */
export const STAR_ONLY: ReadonlySet<string> = new Set([
  'ecs:ListTasks',
  'ecs:DescribeTaskDefinition',
  'ecs:RegisterTaskDefinition',
  'ce:GetCostAndUsage',
  'ce:GetCostForecast',
  'application-autoscaling:DescribeScalableTargets',
  'cloudwatch:GetMetricData',
  'ecr:GetRegistryScanningConfiguration',
]);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS script `npm run target-role` runs
const targetRole = require('../../scripts/target-role.cjs') as {
  targetRoleParameters(doc: unknown, environment: string, source?: string): Record<string, string>;
};

/** The parameters of cloudformation/target-account-role.yml for `environment` of chatops.yml (parsed). */
export const targetRoleParameters = targetRole.targetRoleParameters;
