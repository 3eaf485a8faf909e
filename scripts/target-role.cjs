// `npm run target-role -- <environment> [--bot-stack-outputs]`: the parameters of
// cloudformation/target-account-role.yml for an environment of chatops.yml that runs in another
// account (`environments.<name>.roleArn`), so the role it creates there grants what chatops.yml
// lists and nothing else: the environment's cluster, its configured services (and their
// deployments and revisions), their repositories and log groups, its task roles and external id.
// The same scoping as the bot's own roles (scripts/iam-resources.cjs), in the account of `roleArn`.
//
// Prints `Key=Value` lines for `aws cloudformation deploy --parameter-overrides` (the bot's three
// role ARNs, outputs of the bot's stack, are added by hand; see docs/deployment.md). Run it again and
// update the stack after adding a service to that environment.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script like the packaging ones */

const { readChatopsFile } = require('./chatops-file.cjs');
const { scopedResources, packageWarnings, strictMode, reportWarnings } = require('./iam-resources.cjs');

/** CloudFormation's limit on one parameter value. */
const PARAMETER_MAX = 4096;

/**
 * The template's parameters for `environment` of chatops.yml (parsed). Pure. Throws when the
 * environment does not exist, has no roleArn, or a list does not fit in one parameter.
 */
function targetRoleParameters(doc, environment, source = 'chatops.yml') {
  const envs = (doc && doc.environments) || {};
  const env = envs[environment];
  if (!env || typeof env !== 'object')
    throw new Error(`${source}: no environment \`${environment}\` (environments: ${Object.keys(envs).join(', ') || 'none'})`);
  if (!env.roleArn)
    throw new Error(
      `${source}: environment \`${environment}\` has no roleArn: it runs in the bot's own account, and serverless.yml's roles already grant what it needs`,
    );
  const r = scopedResources(doc, source, { environment });
  const out = {
    ClusterArns: r.clusters,
    TaskArns: r.tasks,
    ServiceArns: r.services,
    ServiceDeploymentArns: r.serviceDeployments,
    ServiceRevisionArns: r.serviceRevisions,
    RepositoryArns: r.repositories,
    LogGroupArns: r.logGroups,
    LogStreamArns: r.logStreams,
    TaskRoleArns: r.passRoles,
  };
  const params = {};
  for (const [key, list] of Object.entries(out)) {
    const value = list.join(',');
    if (value.length > PARAMETER_MAX)
      throw new Error(
        `${source}: ${key} for \`${environment}\` is ${value.length} characters, more than a CloudFormation parameter holds (${PARAMETER_MAX}); leave it empty to grant the whole account for that statement, or split the services over two environments`,
      );
    params[key] = value;
  }
  if (env.externalId) params.ExternalId = String(env.externalId);
  return params;
}

if (require.main === module) {
  const environment = process.argv[2];
  if (!environment || environment.startsWith('-')) {
    process.stderr.write('Usage: npm run target-role -- <environment>   (an environment of chatops.yml with roleArn)\n');
    process.exit(2);
  }
  try {
    const { doc, path } = readChatopsFile('the target-account role');
    const params = targetRoleParameters(doc, environment, path);
    // What chatops.yml leaves this role no way to narrow (a log group, a registry account), on stderr;
    // with CHATOPS_IAM_STRICT=1 an error instead (no parameters printed).
    reportWarnings(packageWarnings(doc, path, { environment }), strictMode());
    for (const [k, v] of Object.entries(params)) process.stdout.write(`${k}=${v}\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

module.exports = { targetRoleParameters };
