// Values serverless.yml reads from chatops.yml when packaging (`${file(./scripts/serverless-config.cjs):<name>}`),
// so IAM follows the bot's configuration instead of a second list kept by hand:
//
//   assumeRoleArns   environments[*].roleArn: the only roles the bot may assume (sts:AssumeRole, and for
//                    the worker sts:TagSession / sts:SetSourceIdentity); [] when no environment has one
//   targetAccounts   the accounts of those roles: they may put their ECS/ECR events on the bot's event bus
//   hasTargetRoles   'true' when there is at least one role (CloudFormation condition HasTargetRoles)
//
// The file is the one packaged with the functions: CHATOPS_CONFIG (relative to the service
// directory) or chatops.yml. Packaging without it fails here, with the path, rather than shipping a
// bot without its configuration.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- osls loads this file as CommonJS */

const { readChatopsFile } = require('./chatops-file.cjs');

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

/** The role ARNs of chatops.yml's environments, validated, without duplicates. */
function roleArnsOf(doc, source) {
  const envs = (doc && typeof doc === 'object' && doc.environments) || {};
  const arns = [];
  for (const [name, env] of Object.entries(envs)) {
    const arn = env && env.roleArn;
    if (arn === undefined || arn === null) continue;
    if (typeof arn !== 'string' || !ROLE_ARN.test(arn)) {
      throw new Error(`${source}: environments.${name}.roleArn must be an IAM role ARN (got ${JSON.stringify(arn)})`);
    }
    if (!arns.includes(arn)) arns.push(arn);
  }
  return arns;
}

function load(file) {
  const { doc, path } = readChatopsFile('the roles to assume', file);
  return roleArnsOf(doc, path);
}

module.exports = {
  roleArnsOf,
  assumeRoleArns: () => load(),
  targetAccounts: () => [...new Set(load().map((arn) => ROLE_ARN.exec(arn)[1]))],
  hasTargetRoles: () => (load().length > 0 ? 'true' : 'false'),
};
