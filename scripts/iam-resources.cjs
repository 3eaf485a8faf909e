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
/** The start of a log group name (no wildcard): the roles then name `log-group:<prefix>*`. */
const LOG_GROUP_PREFIX = /^[\w#./-]{1,511}$/;
const ACCOUNT = /^\d{12}$/;
/** An ECR repository URI: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<name> (as src/deploy/refs.ts reads an image). */
const REPOSITORY_URI = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/(.+)$/;
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
 *   repositories        ecr repository/<services[*].repository>, in      DescribeImages (worker)
 *                       the registry's account and region (see below)
 *   announced           ecr repository/<repositories key>                  DescribeImages (events: image announcements)
 *   logGroups           logs log-group:<services[*].logGroup>; or          FilterLogEvents, DescribeLogStreams
 *                       log-group:<logGroupPrefix>* (service's, else its
 *                       environment's); or, with neither, every group of
 *                       the region (its group is the task definition's)
 *   logStreams          the same groups' log-stream:*                      GetLogEvents
 *
 * The registry of a service's repository: `services.<name>.registry`, else the account and region of
 * `services.<name>.repository` written as a repository URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>),
 * else the top-level `registry`; its region defaults to the environment's. With none of them the
 * account is `*` (a shared registry account is common, so it cannot be assumed to be the stack's):
 * packageWarnings() names those services.
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
  /** Per region: every group of the region (a service with neither logGroup nor logGroupPrefix), or the named groups and prefixes. */
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
      const repo = repositoryOf(svc, alias, bad);
      const registry = registryOf(root, svc, alias, bad);
      // The registry's account: the configured one, or "*" when nothing says (packageWarnings names
      // the service). Reading another account's repository also needs that repository's own policy.
      const arn = `arn:${account.partition}:ecr:${registry?.region ?? env.region}:${registry?.accountId ?? '*'}:repository/${repo.name}`;
      out.repositories.push(arn);
      if (announcedNames.includes(repo.name)) out.announced.push(arn);
    }
    const where = logsOf(svc, env, alias, svc.environment, bad);
    if (where.wholeRegion) wholeRegion.add(env.region);
    else named.push({ region: env.region, ...where });
  }
  const logs = (region, rest) => `arn:${account.partition}:logs:${region}:${account.id}:log-group:${rest}`;
  for (const region of wholeRegion) {
    out.logGroups.push(logs(region, '*'));
    out.logStreams.push(logs(region, '*'));
  }
  for (const { region, group, prefix } of named) {
    if (wholeRegion.has(region)) continue;
    const name = group ?? `${prefix}*`;
    out.logGroups.push(logs(region, name));
    out.logStreams.push(logs(region, `${name}:log-stream:*`));
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

/** A service's repository name, and the registry of its URI form (validated). */
function repositoryOf(svc, alias, bad) {
  const v = svc.repository;
  if (typeof v === 'string') {
    const uri = REPOSITORY_URI.exec(v);
    if (uri && REPOSITORY.test(uri[3])) return { name: uri[3], registry: { accountId: uri[1], region: uri[2] } };
    // A name with a registry host in it is a URI written wrong (the account is not 12 digits…), not a name.
    if (!uri && REPOSITORY.test(v) && !v.includes('.dkr.ecr')) return { name: v };
  }
  return bad(
    `services.${alias}.repository`,
    'an ECR repository name such as team/web, or its URI such as 111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/web',
    v,
  );
}

/** A `registry: { accountId, region? }` block of chatops.yml, validated; undefined when absent. */
function registryBlock(v, path, bad) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return bad(path, 'a registry ({ accountId, region })', v);
  if (typeof v.accountId !== 'string' || !ACCOUNT.test(v.accountId))
    bad(`${path}.accountId`, 'the 12-digit AWS account ID of the registry, in quotes', v.accountId);
  if (v.region !== undefined && (typeof v.region !== 'string' || !REGION.test(v.region))) bad(`${path}.region`, 'an AWS region', v.region);
  return { accountId: v.accountId, ...(v.region ? { region: v.region } : {}) };
}

/**
 * The registry (account, and region when it is not the environment's) holding a service's images:
 * services.<name>.registry, else its repository URI's, else the top-level registry; undefined when
 * chatops.yml does not say. A registry block and a URI that disagree are refused.
 */
function registryOf(root, svc, alias, bad) {
  const own = registryBlock(svc.registry, `services.${alias}.registry`, bad);
  const uri = repositoryOf(svc, alias, bad).registry;
  if (own && uri && (own.accountId !== uri.accountId || (own.region ?? uri.region) !== uri.region))
    bad(`services.${alias}.registry`, `the registry of its repository URI (${uri.accountId}, ${uri.region})`, svc.registry);
  return own ?? uri ?? registryBlock(root.registry, 'registry', bad);
}

/** Where a service's log groups are: { group }, { prefix }, or { wholeRegion: true } (neither is known). */
function logsOf(svc, env, alias, envName, bad) {
  if (svc.logGroup !== undefined) {
    if (typeof svc.logGroup !== 'string' || !LOG_GROUP.test(svc.logGroup))
      bad(`services.${alias}.logGroup`, 'a log group name', svc.logGroup);
    return { group: svc.logGroup };
  }
  for (const [path, v] of [
    [`services.${alias}.logGroupPrefix`, svc.logGroupPrefix],
    [`environments.${envName}.logGroupPrefix`, env.logGroupPrefix],
  ]) {
    if (v === undefined) continue;
    if (typeof v !== 'string' || !LOG_GROUP_PREFIX.test(v)) bad(path, 'the start of a log group name, such as /ecs/ (no wildcard)', v);
    return { prefix: v };
  }
  return { wholeRegion: true };
}

/**
 * The environments a role reaches (as scopedResources): the functions' own, or with
 * `opts.environment` that one. Yields [alias, service, environment name, environment].
 */
function* servicesReached(doc, opts = {}) {
  const root = doc && typeof doc === 'object' ? doc : {};
  const envs = root.environments && typeof root.environments === 'object' ? root.environments : {};
  const services = root.services && typeof root.services === 'object' ? root.services : {};
  for (const [alias, svc] of Object.entries(services)) {
    const env = svc && envs[svc.environment];
    if (!env || typeof env !== 'object') continue;
    if (opts.environment ? svc.environment !== opts.environment : env.roleArn) continue;
    yield [alias, svc, svc.environment, env];
  }
}

/**
 * The packaging warnings: what chatops.yml leaves the roles no way to narrow, naming the services
 * and what to add. [] when everything is exact. Pure (doc: chatops.yml as parsed YAML).
 *   - logs: a service with neither logGroup nor logGroupPrefix widens the logs statements to every
 *     log group of its region in the account;
 *   - logs: a logGroupPrefix so broad it narrows nothing ("/", "/aws/", "/aws/ecs/": broadPrefix), naming where
 *     it is set and the services it covers;
 *   - ECR: a service with a repository but no registry account names repositories of that name in
 *     every account.
 */
function packageWarnings(doc, source = 'chatops.yml', opts = {}) {
  const root = doc && typeof doc === 'object' ? doc : {};
  const noLogs = [];
  const noRegistry = [];
  /** Too broad a logGroupPrefix: where it is set (path) → { prefix, what it covers, services, regions }. */
  const broad = new Map();
  for (const [alias, svc, envName, env] of servicesReached(doc, opts)) {
    if (svc.logGroup === undefined && svc.logGroupPrefix === undefined && env.logGroupPrefix === undefined)
      noLogs.push({ alias, envName, region: env.region });
    if (svc.logGroup === undefined) {
      const [path, prefix] =
        svc.logGroupPrefix !== undefined
          ? [`services.${alias}.logGroupPrefix`, svc.logGroupPrefix]
          : [`environments.${envName}.logGroupPrefix`, env.logGroupPrefix];
      const covers = broadPrefix(prefix);
      if (covers) {
        const b = broad.get(path) ?? { prefix, covers, aliases: [], regions: [] };
        b.aliases.push(alias);
        b.regions.push(env.region);
        broad.set(path, b);
      }
    }
    if (svc.repository !== undefined) {
      const known =
        svc.registry !== undefined ||
        root.registry !== undefined ||
        (typeof svc.repository === 'string' && REPOSITORY_URI.test(svc.repository));
      if (!known) noRegistry.push({ alias });
    }
  }
  const where = opts.environment ? `the account of environment ${opts.environment}` : 'this account';
  const out = [];
  if (noLogs.length) {
    const regions = uniq(noLogs.map((m) => m.region)).join(', ');
    const envNames = uniq(noLogs.map((m) => m.envName));
    out.push(
      `${source}: ${noLogs.map((m) => `services.${m.alias}`).join(', ')} name${noLogs.length === 1 ? 's' : ''} neither logGroup nor logGroupPrefix, ` +
        `so the roles may read every CloudWatch log group of ${regions} in ${where}. ` +
        `Set logGroup on each (the awslogs-group of its task definition), or logGroupPrefix (the start its log groups share, e.g. /ecs/) ` +
        `on each or on ${envNames.map((e) => `environments.${e}`).join(', ')} (docs/deployment.md).`,
    );
  }
  for (const [path, b] of broad) {
    out.push(
      `${source}: ${path} ${JSON.stringify(b.prefix)} (for ${b.aliases.map((a) => `services.${a}`).join(', ')}) covers ${b.covers} ` +
        `of ${uniq(b.regions).join(', ')} in ${where}, so the roles may read them all. ` +
        `Set it to the start only those services' log groups share (e.g. /ecs/shop-), or set logGroup on each service (docs/deployment.md).`,
    );
  }
  if (noRegistry.length) {
    out.push(
      `${source}: ${noRegistry.map((m) => `services.${m.alias}`).join(', ')} name${noRegistry.length === 1 ? 's' : ''} a repository but not the account of its registry, ` +
        `so the roles may read repositories of that name in any account (ecr:<region>:*:repository/<name>). ` +
        `Set registry.accountId (every service's images), services.<name>.registry.accountId, or write the repository as its URI ` +
        `(<account>.dkr.ecr.<region>.amazonaws.com/<name>) (docs/deployment.md).`,
    );
  }
  return out;
}

/**
 * What a logGroupPrefix covers when it is too broad to narrow anything: every log group (no letter or
 * digit: "/", "//", "-"), every AWS service's log groups ("/aws", "/aws/": Lambda, RDS, API Gateway…),
 * or every ECS log group AWS names ("/aws/ecs", "/aws/ecs/": Container Insights and every cluster's
 * services that log there). Undefined for a prefix that names something (or not a string:
 * scopedResources refuses those).
 */
function broadPrefix(prefix) {
  if (typeof prefix !== 'string') return undefined;
  if (!/[A-Za-z0-9]/.test(prefix)) return `every CloudWatch log group whose name starts with ${JSON.stringify(prefix)}`;
  if (/^\/aws\/?$/i.test(prefix)) return "every AWS service's log groups (Lambda, RDS, API Gateway…)";
  if (/^\/aws\/ecs\/?$/i.test(prefix)) return "every ECS log group under /aws/ecs/ (Container Insights, every cluster's services)";
  return undefined;
}

/** The environment variable that makes the packaging warnings errors ("1" or "true"). */
const STRICT_ENV = 'CHATOPS_IAM_STRICT';

/** Whether packaging is strict: CHATOPS_IAM_STRICT is "1" or "true" (`env`: process.env, or a test's). */
function strictMode(env = process.env) {
  const v = String(env[STRICT_ENV] ?? '')
    .trim()
    .toLowerCase();
  return v === '1' || v === 'true';
}

/**
 * Says the packaging warnings (on stderr, each "Warning: <text>"), or in strict mode refuses with
 * them: throws one Error whose message holds every warning's text. `write`: where warnings go.
 */
function reportWarnings(warnings, strict, write = (line) => process.stderr.write(line)) {
  if (!warnings.length) return;
  if (strict) {
    const err = new Error(
      `${STRICT_ENV} is set, so packaging stops at what chatops.yml leaves the roles no way to narrow:\n` +
        warnings.map((w) => `Error: ${w}`).join('\n'),
    );
    err.stack = err.message; // osls prints the stack: the text alone is the point
    throw err;
  }
  for (const w of warnings) write(`Warning: ${w}\n`);
}

let checked;
function load(file) {
  const { doc, path } = readChatopsFile('the IAM resources', file);
  const resources = scopedResources(doc, path);
  // osls resolves every custom.iam entry through this file: say it once per packaging (and in strict
  // mode refuse every time: each entry then fails with the same text).
  if (checked === undefined) {
    checked = null;
    try {
      reportWarnings(packageWarnings(doc, path), strictMode());
    } catch (err) {
      checked = err;
      throw err;
    }
  }
  if (checked) {
    const again = new Error(`${STRICT_ENV}: the same refusal as above`);
    again.stack = again.message;
    throw again;
  }
  return resources;
}

/** A list for a statement's Resource: each ARN as Fn::Sub (its pseudo parameters resolved by CloudFormation). */
const sub = (arns) => arns.map((arn) => (arn.includes('${') ? { 'Fn::Sub': arn } : arn));
/** 'true' / 'false' for a CloudFormation condition (Fn::Equals with 'true'). */
const has = (arns) => (arns.length ? 'true' : 'false');

const exported = { scopedResources, packageWarnings, strictMode, reportWarnings };
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
