// The resources the functions' IAM statements name, read from chatops.yml when packaging
// (`${file(./scripts/iam-resources.cjs):<name>}` in serverless.yml), so a role grants what the bot's
// configuration lists and nothing else: one source of truth for clusters, services, log groups,
// repositories and the roles a task definition may use.
//
// Only environments WITHOUT `roleArn` count: the functions' own credentials reach only the stack's
// account, and an environment with a role is reached through sts:AssumeRole (serverless-config.cjs),
// so what may be done there is that role's policy (cloudformation/target-account-role.yml).
//
// `scopedResources(doc)` is pure (chatops.yml as parsed YAML → ARN patterns). Its ARNs keep the
// CloudFormation pseudo parameters `${AWS::Partition}` and `${AWS::AccountId}` (the stack's own
// account: the environment's services run there), so packaging needs no AWS credentials; the exports
// osls reads wrap each in `Fn::Sub`.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- osls loads this file as CommonJS */

const { readChatopsFile } = require('./chatops-file.cjs');

const P = '${AWS::Partition}';
const A = '${AWS::AccountId}';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const LOG_GROUP = /^[\w#./-]{1,512}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

const uniq = (xs) => [...new Set(xs)];

/**
 * What each statement of serverless.yml names, from chatops.yml (parsed), for the environments the
 * functions reach with their own credentials. Throws on a value that would make a malformed ARN
 * (chatops.yml is validated again, fully, when the bot starts).
 *
 *   clusters            ecs cluster/<cluster>                              DescribeClusters; ListTasks' ecs:cluster condition
 *   services            ecs service/<cluster>/<service>                    DescribeServices, UpdateService, ListServiceDeployments
 *   tasks               ecs task/<cluster>/*                               DescribeTasks
 *   serviceDeployments  ecs service-deployment/<cluster>/<service>/*       Describe/Stop/ContinueServiceDeployment(s)
 *   serviceRevisions    ecs service-revision/<cluster>/<service>/*         DescribeServiceRevisions
 *   taskDefinitions     ecs task-definition/*, per region                 TagResource while registering (the family is
 *                                                                          the running task definition's, not in chatops.yml)
 *   passRoles           environments[*].taskRoles                          iam:PassRole
 *   repositories        ecr repository/<services[*].repository>            DescribeImages (worker)
 *   announced           ecr repository/<repositories key>                  DescribeImages (events: image announcements)
 *   logGroups           logs log-group:<services[*].logGroup>, or every     FilterLogEvents, DescribeLogStreams
 *                       group of the region when a service names none
 *                       (its group is then the task definition's)
 *   logStreams          the same groups' log-stream:*                      GetLogEvents
 */
function scopedResources(doc, source = 'chatops.yml', opts = {}) {
  const root = doc && typeof doc === 'object' ? doc : {};
  const envs = root.environments && typeof root.environments === 'object' ? root.environments : {};
  const services = root.services && typeof root.services === 'object' ? root.services : {};
  const announcedNames = root.repositories && typeof root.repositories === 'object' ? Object.keys(root.repositories) : [];
  const bad = (path, what, v) => {
    throw new Error(`${source}: ${path} must be ${what} (got ${JSON.stringify(v)})`);
  };

  /**
   * Environments reached with the functions' own credentials; or, with `opts.environment`, that one
   * environment in the account of its `roleArn` (what its target-account role needs: target-role.cjs).
   */
  const local = new Map();
  const account = opts.environment ? accountOf(envs[opts.environment], opts.environment, bad) : { partition: P, id: A };
  for (const [name, env] of Object.entries(envs)) {
    if (!env || typeof env !== 'object') continue;
    if (opts.environment ? name !== opts.environment : env.roleArn) continue;
    if (typeof env.region !== 'string' || !REGION.test(env.region)) bad(`environments.${name}.region`, 'an AWS region', env.region);
    if (typeof env.cluster !== 'string' || !NAME.test(env.cluster)) bad(`environments.${name}.cluster`, 'an ECS cluster name', env.cluster);
    const roles = env.taskRoles ?? [];
    if (!Array.isArray(roles)) bad(`environments.${name}.taskRoles`, 'a list of IAM role ARNs', roles);
    roles.forEach(
      (r, i) => (typeof r === 'string' && ROLE_ARN.test(r)) || bad(`environments.${name}.taskRoles[${i}]`, 'an IAM role ARN', r),
    );
    local.set(name, env);
  }

  const out = {
    clusters: [],
    services: [],
    tasks: [],
    serviceDeployments: [],
    serviceRevisions: [],
    taskDefinitions: [],
    passRoles: [],
    repositories: [],
    announced: [],
    logGroups: [],
    logStreams: [],
  };
  const ecs = (region, rest) => `arn:${account.partition}:ecs:${region}:${account.id}:${rest}`;
  for (const env of local.values()) {
    out.clusters.push(ecs(env.region, `cluster/${env.cluster}`));
    out.tasks.push(ecs(env.region, `task/${env.cluster}/*`));
    out.taskDefinitions.push(ecs(env.region, 'task-definition/*'));
    out.passRoles.push(...(env.taskRoles ?? []));
  }
  /** Per region: every group of the region (a service without logGroup), or the named ones. */
  const wholeRegion = new Set();
  const named = [];
  for (const [alias, svc] of Object.entries(services)) {
    const env = svc && local.get(svc.environment);
    if (!env) continue;
    if (typeof svc.service !== 'string' || !NAME.test(svc.service)) bad(`services.${alias}.service`, 'an ECS service name', svc.service);
    const path = `${env.cluster}/${svc.service}`;
    out.services.push(ecs(env.region, `service/${path}`));
    out.serviceDeployments.push(ecs(env.region, `service-deployment/${path}/*`));
    out.serviceRevisions.push(ecs(env.region, `service-revision/${path}/*`));
    if (svc.repository !== undefined) {
      if (typeof svc.repository !== 'string' || !REPOSITORY.test(svc.repository))
        bad(`services.${alias}.repository`, 'an ECR repository name', svc.repository);
      // The registry's account is the one in the image URI (a shared registry account is common), so
      // the repository is scoped by name and region; reading another account's repository also needs
      // that repository's own policy to allow it.
      const arn = `arn:${account.partition}:ecr:${env.region}:*:repository/${svc.repository}`;
      out.repositories.push(arn);
      if (announcedNames.includes(svc.repository)) out.announced.push(arn);
    }
    if (svc.logGroup === undefined) wholeRegion.add(env.region);
    else if (typeof svc.logGroup !== 'string' || !LOG_GROUP.test(svc.logGroup))
      bad(`services.${alias}.logGroup`, 'a log group name', svc.logGroup);
    else named.push({ region: env.region, group: svc.logGroup });
  }
  const logs = (region, rest) => `arn:${account.partition}:logs:${region}:${account.id}:log-group:${rest}`;
  for (const region of wholeRegion) {
    out.logGroups.push(logs(region, '*'));
    out.logStreams.push(logs(region, '*'));
  }
  for (const { region, group } of named) {
    if (wholeRegion.has(region)) continue;
    out.logGroups.push(logs(region, group));
    out.logStreams.push(logs(region, `${group}:log-stream:*`));
  }
  for (const k of Object.keys(out)) out[k] = uniq(out[k]);
  return out;
}

/** The partition and account of an environment's `roleArn` (its target account). */
function accountOf(env, name, bad) {
  if (!env || typeof env !== 'object') bad(`environments.${name}`, 'an environment of chatops.yml', env);
  if (typeof env.roleArn !== 'string' || !ROLE_ARN.test(env.roleArn))
    bad(`environments.${name}.roleArn`, 'the ARN of the role the bot assumes there', env.roleArn);
  const [, partition, , , id] = env.roleArn.split(':');
  return { partition, id };
}

/**
 * The services (aliases, by region) whose log group is not named, of the environments the functions
 * reach with their own credentials: each widens the logs statements to every group of its region.
 */
function servicesWithoutLogGroup(doc) {
  const root = doc && typeof doc === 'object' ? doc : {};
  const envs = root.environments && typeof root.environments === 'object' ? root.environments : {};
  const services = root.services && typeof root.services === 'object' ? root.services : {};
  return Object.entries(services)
    .filter(([, svc]) => svc && svc.logGroup === undefined && envs[svc.environment] && !envs[svc.environment].roleArn)
    .map(([alias, svc]) => ({ alias, region: envs[svc.environment].region }));
}

/** The packaging warning for servicesWithoutLogGroup, or undefined. */
function logGroupWarning(doc, source = 'chatops.yml') {
  const missing = servicesWithoutLogGroup(doc);
  if (!missing.length) return undefined;
  const regions = [...new Set(missing.map((m) => m.region))].join(', ');
  return (
    `${source}: ${missing.map((m) => m.alias).join(', ')} name${missing.length === 1 ? 's' : ''} no logGroup, so the roles may read ` +
    `every CloudWatch log group of ${regions} in this account. Set services.<name>.logGroup on each to narrow them (docs/deployment.md).`
  );
}

let warned = false;
function load(file) {
  const { doc, path } = readChatopsFile('the IAM resources', file);
  const resources = scopedResources(doc, path);
  // osls resolves every custom.iam entry through this file: say it once per packaging.
  const warning = logGroupWarning(doc, path);
  if (warning && !warned) {
    warned = true;
    process.stderr.write(`Warning: ${warning}\n`);
  }
  return resources;
}

/** A list for a statement's Resource: each ARN as Fn::Sub (its pseudo parameters resolved by CloudFormation). */
const sub = (arns) => arns.map((arn) => (arn.includes('${') ? { 'Fn::Sub': arn } : arn));
/** 'true' / 'false' for a CloudFormation condition (Fn::Equals with 'true'). */
const has = (arns) => (arns.length ? 'true' : 'false');

const exported = { scopedResources, logGroupWarning };
for (const key of [
  'clusters',
  'services',
  'tasks',
  'serviceDeployments',
  'serviceRevisions',
  'taskDefinitions',
  'passRoles',
  'repositories',
  'announced',
  'logGroups',
  'logStreams',
]) {
  exported[key] = () => sub(load()[key]);
  exported[`has${key[0].toUpperCase()}${key.slice(1)}`] = () => has(load()[key]);
}
module.exports = exported;
