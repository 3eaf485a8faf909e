/**
 * The IAM resources serverless.yml names come from chatops.yml (scripts/iam-resources.cjs, read by osls
 * when packaging): the clusters, services, log groups, repositories and task roles of the environments
 * the functions reach with their own credentials, and nothing of the environments behind a role.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { authorizationsFor, evaluate, type PolicyStatement } from '../../src/loopback/aws/iam';
import type { AwsCall } from '../../src/loopback/aws/server';
import { STAR_ONLY } from '../helpers/iam';

type Scoped = Record<
  | 'clusters'
  | 'services'
  | 'tasks'
  | 'serviceDeployments'
  | 'serviceRevisions'
  | 'taskDefinitions'
  | 'passRoles'
  | 'repositories'
  | 'announced'
  | 'logGroups'
  | 'logStreams',
  string[]
>;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the resolver is the CommonJS file osls loads
const resolver = require('../../scripts/iam-resources.cjs') as {
  scopedResources(doc: unknown, source?: string, opts?: { environment?: string }): Scoped;
  packageWarnings(doc: unknown, source?: string, opts?: { environment?: string }): string[];
};

const ROOT = join(__dirname, '../..');
const ecs = (rest: string, region = 'eu-west-1') => `arn:\${AWS::Partition}:ecs:${region}:\${AWS::AccountId}:${rest}`;
const logs = (rest: string, region = 'eu-west-1') => `arn:\${AWS::Partition}:logs:${region}:\${AWS::AccountId}:log-group:${rest}`;

const env = (extra: Record<string, unknown> = {}) => ({ region: 'eu-west-1', cluster: 'prod', ...extra });

describe('scopedResources: chatops.yml → the ARNs the roles name', () => {
  it("names each configured service, its cluster, tasks, deployments and revisions, never another cluster's", () => {
    const r = resolver.scopedResources({
      environments: { prod: env(), qa: env({ region: 'us-east-2', cluster: 'qa' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod', repository: 'shop/web', logGroup: '/ecs/web-prod' },
        api: { environment: 'qa', service: 'api-qa', repository: 'shop/api', logGroup: '/ecs/api-qa' },
      },
    });
    expect(r.clusters).toEqual([ecs('cluster/prod'), ecs('cluster/qa', 'us-east-2')]);
    expect(r.services).toEqual([ecs('service/prod/web-prod'), ecs('service/qa/api-qa', 'us-east-2')]);
    expect(r.tasks).toEqual([ecs('task/prod/*'), ecs('task/qa/*', 'us-east-2')]);
    expect(r.serviceDeployments).toEqual([ecs('service-deployment/prod/web-prod/*'), ecs('service-deployment/qa/api-qa/*', 'us-east-2')]);
    expect(r.serviceRevisions).toEqual([ecs('service-revision/prod/web-prod/*'), ecs('service-revision/qa/api-qa/*', 'us-east-2')]);
    expect(r.taskDefinitions).toEqual([ecs('task-definition/*'), ecs('task-definition/*', 'us-east-2')]);
    expect(r.repositories).toEqual([
      'arn:${AWS::Partition}:ecr:eu-west-1:*:repository/shop/web',
      'arn:${AWS::Partition}:ecr:us-east-2:*:repository/shop/api',
    ]);
    expect(r.logGroups).toEqual([logs('/ecs/web-prod'), logs('/ecs/api-qa', 'us-east-2')]);
    expect(r.logStreams).toEqual([logs('/ecs/web-prod:log-stream:*'), logs('/ecs/api-qa:log-stream:*', 'us-east-2')]);
  });

  it('an environment behind a role contributes nothing (its role grants it); its task roles are passed in its account', () => {
    const r = resolver.scopedResources({
      environments: {
        prod: env({ roleArn: 'arn:aws:iam::222222222222:role/ecs-chatops-target', taskRoles: ['arn:aws:iam::222222222222:role/web-task'] }),
        staging: env({ cluster: 'staging', taskRoles: ['arn:aws:iam::111111111111:role/web-task'] }),
      },
      services: {
        web: { environment: 'prod', service: 'web-prod', repository: 'shop/web' },
        'web-staging': { environment: 'staging', service: 'web-staging', repository: 'shop/web-staging' },
      },
      repositories: { 'shop/web': {}, 'shop/web-staging': {} },
    });
    expect(r.clusters).toEqual([ecs('cluster/staging')]);
    expect(r.services).toEqual([ecs('service/staging/web-staging')]);
    expect(r.passRoles).toEqual(['arn:aws:iam::111111111111:role/web-task']);
    expect(r.repositories).toEqual(['arn:${AWS::Partition}:ecr:eu-west-1:*:repository/shop/web-staging']);
    // Announced pushes of shop/web are read with prod's role; only shop/web-staging with the function's own.
    expect(r.announced).toEqual(['arn:${AWS::Partition}:ecr:eu-west-1:*:repository/shop/web-staging']);
  });

  it("a service without logGroup reads its task definition's group: every group of that region, and then no named group of it", () => {
    const r = resolver.scopedResources({
      environments: { prod: env(), dr: env({ region: 'eu-central-1', cluster: 'dr' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod', logGroup: '/ecs/web-prod' },
        worker: { environment: 'prod', service: 'worker-prod' },
        'web-dr': { environment: 'dr', service: 'web-dr', logGroup: '/ecs/web-dr' },
      },
    });
    expect(r.logGroups).toEqual([logs('*'), logs('/ecs/web-dr', 'eu-central-1')]);
    expect(r.logStreams).toEqual([logs('*'), logs('/ecs/web-dr:log-stream:*', 'eu-central-1')]);
  });

  it('packaging warns, naming the services without logGroup or logGroupPrefix and what to add (environments behind a role do not count)', () => {
    const doc: { environments: object; services: Record<string, { environment: string; service: string; logGroup?: string }> } = {
      environments: { prod: env(), other: env({ roleArn: 'arn:aws:iam::222233334444:role/r' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod', logGroup: '/ecs/web-prod' },
        worker: { environment: 'prod', service: 'worker-prod' },
        remote: { environment: 'other', service: 'remote' },
      },
    };
    expect(resolver.packageWarnings(doc, 'chatops.yml')).toEqual([
      'chatops.yml: services.worker names neither logGroup nor logGroupPrefix, so the roles may read every CloudWatch log group of eu-west-1 in this account. ' +
        'Set logGroup on each (the awslogs-group of its task definition), or logGroupPrefix (the start its log groups share, e.g. /ecs/) on each or on environments.prod (docs/deployment.md).',
    ]);
    doc.services.worker = { ...doc.services.worker!, logGroup: '/ecs/worker-prod' };
    expect(resolver.packageWarnings(doc)).toEqual([]);
  });

  it("logGroupPrefix (the service's, else its environment's) narrows a service without logGroup to <prefix>* groups, not the whole region", () => {
    const doc = {
      environments: { prod: env({ logGroupPrefix: '/ecs/prod/' }), dr: env({ region: 'eu-central-1', cluster: 'dr' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod', logGroup: '/ecs/web-prod' },
        worker: { environment: 'prod', service: 'worker-prod' },
        'web-dr': { environment: 'dr', service: 'web-dr', logGroupPrefix: '/copilot/shop-dr-' },
      },
    };
    const r = resolver.scopedResources(doc);
    expect(r.logGroups).toEqual([logs('/ecs/web-prod'), logs('/ecs/prod/*'), logs('/copilot/shop-dr-*', 'eu-central-1')]);
    expect(r.logStreams).toEqual([
      logs('/ecs/web-prod:log-stream:*'),
      logs('/ecs/prod/*:log-stream:*'),
      logs('/copilot/shop-dr-*:log-stream:*', 'eu-central-1'),
    ]);
    expect(resolver.packageWarnings(doc)).toEqual([]);
    // In the target account of an environment behind a role, the same.
    const target = resolver.scopedResources(
      {
        ...doc,
        environments: { ...doc.environments, prod: env({ logGroupPrefix: '/ecs/', roleArn: 'arn:aws:iam::222233334444:role/r' }) },
      },
      'chatops.yml',
      { environment: 'prod' },
    );
    expect(target.logGroups).toEqual([
      'arn:aws:logs:eu-west-1:222233334444:log-group:/ecs/web-prod',
      'arn:aws:logs:eu-west-1:222233334444:log-group:/ecs/*',
    ]);
  });

  it("ECR: the registry of chatops.yml (top level, the service's, or its repository URI) makes exact repository ARNs; the region defaults to the environment's", () => {
    const doc = {
      registry: { accountId: '999988887777' },
      environments: { prod: env(), qa: env({ region: 'us-east-2', cluster: 'qa' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod', repository: 'shop/web', logGroup: '/ecs/web' },
        api: {
          environment: 'qa',
          service: 'api-qa',
          repository: 'shop/api',
          registry: { accountId: '111122223333', region: 'eu-west-1' },
          logGroup: '/ecs/api',
        },
        jobs: {
          environment: 'qa',
          service: 'jobs-qa',
          repository: '444455556666.dkr.ecr.eu-central-1.amazonaws.com/shop/jobs',
          logGroup: '/ecs/jobs',
        },
      },
      repositories: { 'shop/web': {}, 'shop/jobs': {} },
    };
    const r = resolver.scopedResources(doc);
    expect(r.repositories).toEqual([
      'arn:${AWS::Partition}:ecr:eu-west-1:999988887777:repository/shop/web',
      'arn:${AWS::Partition}:ecr:eu-west-1:111122223333:repository/shop/api',
      'arn:${AWS::Partition}:ecr:eu-central-1:444455556666:repository/shop/jobs',
    ]);
    expect(r.announced).toEqual([
      'arn:${AWS::Partition}:ecr:eu-west-1:999988887777:repository/shop/web',
      'arn:${AWS::Partition}:ecr:eu-central-1:444455556666:repository/shop/jobs',
    ]);
    expect(
      Object.values(r)
        .flat()
        .filter((arn) => arn.includes(':*:')),
    ).toEqual([]);
    expect(resolver.packageWarnings(doc)).toEqual([]);
  });

  it('a logGroupPrefix so broad it narrows nothing ("/", "/aws/") warns, naming where it is set and the services it covers', () => {
    const doc = {
      environments: { prod: env({ logGroupPrefix: '/' }), dr: env({ region: 'eu-central-1', cluster: 'dr', logGroupPrefix: '/ecs/' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod' },
        api: { environment: 'prod', service: 'api-prod' },
        worker: { environment: 'prod', service: 'worker-prod', logGroup: '/ecs/worker-prod' },
        jobs: { environment: 'dr', service: 'jobs-dr', logGroupPrefix: '/aws/' },
        'web-dr': { environment: 'dr', service: 'web-dr' },
      },
    };
    expect(resolver.packageWarnings(doc)).toEqual([
      'chatops.yml: environments.prod.logGroupPrefix "/" (for services.web, services.api) covers every CloudWatch log group whose name starts with "/" ' +
        "of eu-west-1 in this account, so the roles may read them all. Set it to the start only those services' log groups share (e.g. /ecs/shop-), " +
        'or set logGroup on each service (docs/deployment.md).',
      'chatops.yml: services.jobs.logGroupPrefix "/aws/" (for services.jobs) covers every AWS service\'s log groups (Lambda, RDS, API Gateway…) ' +
        "of eu-central-1 in this account, so the roles may read them all. Set it to the start only those services' log groups share (e.g. /ecs/shop-), " +
        'or set logGroup on each service (docs/deployment.md).',
    ]);
    // A prefix that names something is fine.
    const narrow = {
      environments: { ...doc.environments, prod: env({ logGroupPrefix: '/ecs/' }) },
      services: { ...doc.services, jobs: { ...doc.services.jobs, logGroupPrefix: '/aws/ecs/shop-' } },
    };
    expect(resolver.packageWarnings(narrow)).toEqual([]);
  });

  it('"/aws/ecs/" and "/aws/ecs" (every ECS log group AWS names, of every cluster) warn like "/aws/"; "/aws/ecs/shop-" does not', () => {
    const doc = (prefix: string) => ({
      environments: { prod: env({ logGroupPrefix: prefix }) },
      services: { web: { environment: 'prod', service: 'web-prod' } },
    });
    for (const prefix of ['/aws/ecs/', '/aws/ecs', '/AWS/ECS/'])
      expect(resolver.packageWarnings(doc(prefix))).toEqual([
        `chatops.yml: environments.prod.logGroupPrefix ${JSON.stringify(prefix)} (for services.web) covers every ECS log group under /aws/ecs/ ` +
          "(Container Insights, every cluster's services) of eu-west-1 in this account, so the roles may read them all. " +
          "Set it to the start only those services' log groups share (e.g. /ecs/shop-), or set logGroup on each service (docs/deployment.md).",
      ]);
    for (const prefix of ['/aws/ecs/shop-', '/aws/ecsx/', '/ecs/']) expect(resolver.packageWarnings(doc(prefix))).toEqual([]);
  });

  it('ECR: "*" stays only for the services whose registry nothing names, and packaging warns, naming them and what to add', () => {
    const doc = {
      environments: { prod: env({ logGroupPrefix: '/ecs/' }), other: env({ roleArn: 'arn:aws:iam::222233334444:role/r' }) },
      services: {
        web: { environment: 'prod', service: 'web-prod', repository: 'shop/web' },
        api: { environment: 'prod', service: 'api-prod', repository: 'shop/api' },
        jobs: { environment: 'prod', service: 'jobs-prod', repository: 'shop/jobs', registry: { accountId: '111122223333' } },
        remote: { environment: 'other', service: 'remote', repository: 'shop/remote' },
      },
    };
    expect(resolver.scopedResources(doc).repositories).toEqual([
      'arn:${AWS::Partition}:ecr:eu-west-1:*:repository/shop/web',
      'arn:${AWS::Partition}:ecr:eu-west-1:*:repository/shop/api',
      'arn:${AWS::Partition}:ecr:eu-west-1:111122223333:repository/shop/jobs',
    ]);
    expect(resolver.packageWarnings(doc, 'chatops.yml')).toEqual([
      'chatops.yml: services.web, services.api name a repository but not the account of its registry, so the roles may read repositories of that name in any account (ecr:<region>:*:repository/<name>). ' +
        "Set registry.accountId (every service's images), services.<name>.registry.accountId, or write the repository as its URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>) (docs/deployment.md).",
    ]);
    // For the target role of `other`, its own services.
    expect(resolver.packageWarnings(doc, 'chatops.yml', { environment: 'other' }).join('\n')).toMatch(
      /^chatops\.yml: services\.remote names neither logGroup nor logGroupPrefix, so the roles may read every CloudWatch log group of eu-west-1 in the account of environment other\. [^\n]+\nchatops\.yml: services\.remote names a repository but not the account of its registry/,
    );
  });

  it('no environment of its own: every list is empty (serverless.yml then leaves those statements out)', () => {
    const r = resolver.scopedResources({
      environments: { prod: env({ roleArn: 'arn:aws:iam::222222222222:role/x' }) },
      services: { web: { environment: 'prod', service: 'web-prod', repository: 'shop/web' } },
    });
    for (const list of Object.values(r)) expect(list).toEqual([]);
    expect(Object.values(resolver.scopedResources({})).flat()).toEqual([]);
  });

  it('refuses values that would widen or break an ARN', () => {
    const doc = (e: Record<string, unknown>, s: Record<string, unknown> = {}) => ({
      environments: { prod: env(e) },
      services: { web: { environment: 'prod', service: 'web-prod', ...s } },
    });
    expect(() => resolver.scopedResources(doc({ cluster: '*' }), 'chatops.yml')).toThrow('chatops.yml: environments.prod.cluster must be');
    expect(() => resolver.scopedResources(doc({ region: 'eu-*' }))).toThrow('environments.prod.region must be an AWS region');
    expect(() => resolver.scopedResources(doc({}, { service: 'web*' }))).toThrow('services.web.service must be an ECS service name');
    expect(() => resolver.scopedResources(doc({}, { repository: 'shop/*' }))).toThrow(
      'services.web.repository must be an ECR repository name',
    );
    expect(() => resolver.scopedResources(doc({}, { logGroup: '/ecs/*' }))).toThrow('services.web.logGroup must be a log group name');
    expect(() => resolver.scopedResources(doc({}, { logGroupPrefix: '/ecs/*' }))).toThrow(
      'services.web.logGroupPrefix must be the start of a log group name',
    );
    expect(() => resolver.scopedResources(doc({ logGroupPrefix: '' }))).toThrow('environments.prod.logGroupPrefix must be');
    expect(() => resolver.scopedResources(doc({}, { repository: 'shop/web', registry: { accountId: '*' } }))).toThrow(
      'services.web.registry.accountId must be the 12-digit AWS account ID',
    );
    expect(() =>
      resolver.scopedResources(doc({}, { repository: 'shop/web', registry: { accountId: '111122223333', region: '*' } })),
    ).toThrow('services.web.registry.region must be an AWS region');
    expect(() => resolver.scopedResources({ ...doc({}, { repository: 'shop/web' }), registry: { accountId: 111122223333 } })).toThrow(
      'registry.accountId must be the 12-digit AWS account ID of the registry, in quotes',
    );
    expect(() => resolver.scopedResources(doc({}, { repository: '1111.dkr.ecr.eu-west-1.amazonaws.com/shop/web' }))).toThrow(
      'services.web.repository must be an ECR repository name such as team/web, or its URI',
    );
    expect(() =>
      resolver.scopedResources(
        doc({}, { repository: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web', registry: { accountId: '999988887777' } }),
      ),
    ).toThrow('services.web.registry must be the registry of its repository URI (111122223333, eu-west-1)');
    expect(() => resolver.scopedResources(doc({ taskRoles: ['arn:aws:iam::1:role/*x'] }))).toThrow('environments.prod.taskRoles[0]');
  });

  it('chatops.example.yml: prod is behind its role, so only staging is named', () => {
    const r = resolver.scopedResources(parse(readFileSync(join(ROOT, 'chatops.example.yml'), 'utf8')));
    expect(r.clusters).toEqual([ecs('cluster/staging')]);
    expect(r.services).toEqual([ecs('service/staging/web-staging')]);
    expect(r.passRoles).toEqual([]);
  });
});

describe('serverless.yml takes every scoped resource from the resolver', () => {
  /* eslint-disable @typescript-eslint/no-explicit-any -- serverless.yml is untyped YAML */
  const sls = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as any;
  const statementsOf = (role: string): any[] =>
    (sls.resources.Resources[role].Properties.Policies[0].PolicyDocument.Statement as any[]).map((s) => (s['Fn::If'] ? s['Fn::If'][1] : s));

  it.each(['SlackRole', 'WorkerRole', 'EventsRole', 'ScheduledRole'])(
    '%s: every resource is the function\'s own (GetAtt), a custom.iam list, or "*" only where AWS requires it',
    (role) => {
      for (const s of statementsOf(role)) {
        const actions: string[] = [s.Action].flat();
        if (s.Resource === '*') {
          expect(actions.filter((a) => !STAR_ONLY.has(a))).toEqual([]);
          if (actions.includes('ecs:ListTasks'))
            expect(s.Condition).toEqual({ ArnEquals: { 'ecs:cluster': '${self:custom.iam.clusters}' } });
        } else if (actions.includes('kms:Decrypt')) {
          expect(s.Resource).toBe('${self:custom.secretsKmsKeyArn}');
          expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } });
        } else if (typeof s.Resource === 'string') {
          expect(s.Resource).toMatch(/^\$\{self:custom\.iam\.[a-zA-Z]+\}$/);
        } else if (actions.includes('ssm:GetParameters')) {
          // The function's own secrets, by name under the stage's prefix (test/topology/iam-coverage.test.ts: exactly which);
          // an optional one (the worker's git-tokens) only under its condition.
          for (const r of s.Resource.map((x: any) => (x['Fn::If'] ? x['Fn::If'][1] : x)))
            expect(r['Fn::Sub']).toMatch(
              /^arn:\$\{AWS::Partition\}:ssm:\$\{AWS::Region\}:\$\{AWS::AccountId\}:parameter\$\{self:custom\.ssmPrefix\}\/[a-z-]+$/,
            );
        } else {
          for (const r of s.Resource) expect(Object.keys(r)).toEqual(['Fn::GetAtt']);
        }
      }
    },
  );

  it("GIT_TOKENS: the worker's alone, off by default (no name, no grant), on with --param=gitTokens=true (git-tokens)", () => {
    expect(sls.functions.worker.environment.GIT_TOKENS_PARAM).toBe('${self:custom.gitTokensParam}');
    for (const fn of ['slack', 'events', 'scheduled']) expect(sls.functions[fn].environment?.GIT_TOKENS_PARAM).toBeUndefined();
    expect(sls.custom.gitTokensParam).toBe("${self:custom.gitTokensParams.${param:gitTokens, 'false'}}");
    expect(sls.custom.gitTokensParams).toEqual({ true: '${self:custom.ssmPrefix}/git-tokens', false: '' });
    expect(sls.resources.Conditions.HasGitTokens).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['${self:custom.gitTokensParam}', ''] }] });
    const secrets = statementsOf('WorkerRole').find((s) => s.Sid === 'Secrets');
    expect(secrets.Resource.filter((r: any) => r['Fn::If'])).toEqual([
      {
        'Fn::If': [
          'HasGitTokens',
          { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${self:custom.ssmPrefix}/git-tokens' },
          { Ref: 'AWS::NoValue' },
        ],
      },
    ]);
  });

  describe("/ecs run: RunTask and StopTask are the worker role's alone, in the configured clusters", () => {
    const A = '123456789012';
    const doc = {
      environments: { prod: env({ taskRoles: [`arn:aws:iam::${A}:role/web-task`, `arn:aws:iam::${A}:role/exec`] }) },
      services: { web: { environment: 'prod', service: 'web-prod', logGroup: '/ecs/web-prod' } },
    };
    const scoped = resolver.scopedResources(doc);
    /** A role's statements as CloudFormation deploys them for `doc` (custom.iam lists resolved; the stack's own ARNs left opaque). */
    const policyOf = (role: string): PolicyStatement[] => {
      const resolve = (v: unknown): unknown => {
        const list = typeof v === 'string' ? /^\$\{self:custom\.iam\.(\w+)\}$/.exec(v)?.[1] : undefined;
        if (list)
          return scoped[list as keyof Scoped].map((arn) => arn.replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', A));
        if (Array.isArray(v)) return v.map(resolve);
        if (v && typeof v === 'object')
          return Object.keys(v).some((k) => k.startsWith('Fn::') || k === 'Ref')
            ? '(the stack)'
            : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
        return v;
      };
      return statementsOf(role).map(resolve) as PolicyStatement[];
    };
    const td = `arn:aws:ecs:eu-west-1:${A}:task-definition/web-prod:7`;
    const lookup = {
      taskDefinition: () => ({
        taskDefinitionArn: td,
        taskRoleArn: `arn:aws:iam::${A}:role/web-task`,
        executionRoleArn: `arn:aws:iam::${A}:role/exec`,
      }),
    };
    const call = (action: string, input: Record<string, unknown>): AwsCall => ({
      seq: 1,
      at: 0,
      service: 'ecs',
      action,
      region: 'eu-west-1',
      accessKeyId: 'AKID',
      protocol: 'awsJson1_1',
      input,
    });
    const run = (cluster: string, overrides: Record<string, unknown> = {}) =>
      call('RunTask', { cluster, taskDefinition: td, launchType: 'FARGATE', startedBy: 'ecs-chatops:r1', overrides });
    const stop = (cluster: string) =>
      call('StopTask', { cluster, task: `arn:aws:ecs:eu-west-1:${A}:task/${cluster}/abc`, reason: 'timed out' });
    /** Each thing the call asks IAM for that the role refuses. */
    const refused = (role: string, c: AwsCall) =>
      authorizationsFor(c, A, lookup)
        .filter((auth) => !evaluate(policyOf(role), auth).allowed)
        .map((auth) => `${auth.action} on ${auth.resource}`);

    it('the worker may run a task of its task definitions in a configured cluster (passing its task roles) and stop it', () => {
      expect(refused('WorkerRole', run('prod'))).toEqual([]);
      expect(refused('WorkerRole', stop('prod'))).toEqual([]);
      expect(authorizationsFor(run('prod'), A, lookup).map((a) => a.action)).toEqual(['ecs:RunTask', 'iam:PassRole', 'iam:PassRole']);
    });

    it('not in another cluster, nor with a task role chatops.yml does not list', () => {
      expect(refused('WorkerRole', run('payments'))).toEqual([`ecs:RunTask on ${td}`]);
      expect(refused('WorkerRole', stop('payments'))).toEqual([`ecs:StopTask on arn:aws:ecs:eu-west-1:${A}:task/payments/abc`]);
      expect(refused('WorkerRole', run('prod', { taskRoleArn: `arn:aws:iam::${A}:role/admin` }))).toEqual([
        `iam:PassRole on arn:aws:iam::${A}:role/admin`,
      ]);
      // The cluster of the same name in a region chatops.yml does not configure.
      expect(refused('WorkerRole', { ...call('StopTask', { cluster: 'prod', task: 'abc' }), region: 'us-east-1' })).toEqual([
        `ecs:StopTask on arn:aws:ecs:us-east-1:${A}:task/prod/abc`,
      ]);
    });

    it.each(['SlackRole', 'EventsRole', 'ScheduledRole'])('%s may neither run nor stop a task', (role) => {
      expect(refused(role, run('prod'))).toContain(`ecs:RunTask on ${td}`);
      expect(refused(role, stop('prod'))).toEqual([`ecs:StopTask on arn:aws:ecs:eu-west-1:${A}:task/prod/abc`]);
    });

    it("both statements name the resolver's lists and hold them to the configured clusters", () => {
      const worker = statementsOf('WorkerRole');
      expect(worker.find((s) => s.Sid === 'EcsRunTask')).toEqual({
        Sid: 'EcsRunTask',
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: '${self:custom.iam.taskDefinitions}',
        Condition: { ArnEquals: { 'ecs:cluster': '${self:custom.iam.clusters}' } },
      });
      expect(worker.find((s) => s.Sid === 'EcsStopTask')).toEqual({
        Sid: 'EcsStopTask',
        Effect: 'Allow',
        Action: 'ecs:StopTask',
        Resource: '${self:custom.iam.tasks}',
        Condition: { ArnEquals: { 'ecs:cluster': '${self:custom.iam.clusters}' } },
      });
    });
  });

  it('each custom.iam list is read from the resolver, and no statement uses custom.passRoles any more', () => {
    for (const [k, v] of Object.entries(sls.custom.iam)) expect(v).toBe(`\${file(./scripts/iam-resources.cjs):${k}}`);
    expect(sls.custom.passRoles).toBeUndefined();
  });
});

describe('strict packaging (CHATOPS_IAM_STRICT=1): the warnings refuse the package, with the same text', () => {
  /** Runs `code` in a fresh node with chatops.yml = `yaml` (CHATOPS_CONFIG, named <file> in the output) and `env`; its exit status and output. */
  const node = (code: string, yaml: string, env: Record<string, string> = {}, args: string[] = []) => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-strict-'));
    try {
      writeFileSync(join(dir, 'chatops.yml'), yaml);
      const childEnv: NodeJS.ProcessEnv = { ...process.env, CHATOPS_CONFIG: join(dir, 'chatops.yml'), ...env };
      if (!('CHATOPS_IAM_STRICT' in env)) delete childEnv.CHATOPS_IAM_STRICT;
      const r = spawnSync(process.execPath, [...(code ? ['-e', code] : []), ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8' });
      const named = (out: string) => out.split(join(dir, 'chatops.yml')).join('<file>');
      return { status: r.status, stdout: named(r.stdout), stderr: named(r.stderr) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  /** What osls does: resolve two custom.iam entries through the file (each may throw). */
  const resolveLikeOsls = `
    const r = require('./scripts/iam-resources.cjs');
    for (const k of ['clusters', 'logGroups']) {
      try { process.stdout.write(k + ': ' + JSON.stringify(r[k]()) + '\\n'); }
      catch (err) { process.stdout.write(k + ' refused: ' + err.message + '\\n'); process.exitCode = 1; }
    }`;
  const broad = [
    'environments:',
    '  prod: { region: eu-west-1, cluster: prod, logGroupPrefix: /aws/ecs/ }',
    'services:',
    '  web: { environment: prod, service: web-prod }',
  ].join('\n');
  const warning = resolver.packageWarnings(parse(broad), '<file>')[0]!;

  it('reads CHATOPS_IAM_STRICT as "1" or "true" only', () => {
    const r = resolver as unknown as { strictMode(env: Record<string, string | undefined>): boolean };
    expect([undefined, '', '0', 'false', 'no'].map((v) => r.strictMode({ CHATOPS_IAM_STRICT: v }))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(['1', 'true', ' TRUE '].map((v) => r.strictMode({ CHATOPS_IAM_STRICT: v }))).toEqual([true, true, true]);
  });

  it("without it: a warning on stderr, once, and the resources; with it: every entry refused, the first with the warning's text", () => {
    const lax = node(resolveLikeOsls, broad);
    expect(lax.status).toBe(0);
    expect(lax.stderr).toBe(`Warning: ${warning}\n`);
    expect(lax.stdout).toContain('logGroups: [{"Fn::Sub":"arn:${AWS::Partition}:logs:eu-west-1:${AWS::AccountId}:log-group:/aws/ecs/*"}]');

    const strict = node(resolveLikeOsls, broad, { CHATOPS_IAM_STRICT: '1' });
    expect(strict.status).toBe(1);
    expect(strict.stderr).toBe('');
    expect(strict.stdout).toBe(
      'clusters refused: CHATOPS_IAM_STRICT is set, so packaging stops at what chatops.yml leaves the roles no way to narrow:\n' +
        `Error: ${warning}\n` +
        'logGroups refused: CHATOPS_IAM_STRICT: the same refusal as above\n',
    );
  });

  it('chatops.example.yml packages under it with no warning (what CI packages)', () => {
    const r = node(resolveLikeOsls, readFileSync(join(ROOT, 'chatops.example.yml'), 'utf8'), { CHATOPS_IAM_STRICT: '1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^clusters: \[.+\nlogGroups: \[.+\n$/);
  });

  it('npm run target-role: the same warnings refuse, exit 1 and no parameters', () => {
    const behind = [
      'environments:',
      "  prod: { region: eu-west-1, cluster: prod, roleArn: 'arn:aws:iam::222233334444:role/r' }",
      'services:',
      '  web: { environment: prod, service: web-prod, logGroup: /ecs/web, repository: shop/web }',
    ].join('\n');
    const lax = node('', behind, {}, ['scripts/target-role.cjs', 'prod']);
    expect(lax.status).toBe(0);
    expect(lax.stderr).toMatch(/^Warning: <file>: services\.web names a repository but not the account of its registry/);
    expect(lax.stdout).toContain('ClusterArns=arn:aws:ecs:eu-west-1:222233334444:cluster/prod');
    const strict = node('', behind, { CHATOPS_IAM_STRICT: 'true' }, ['scripts/target-role.cjs', 'prod']);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toMatch(
      /^CHATOPS_IAM_STRICT is set, so packaging stops at what chatops\.yml leaves the roles no way to narrow:\nError: <file>: services\.web names a repository but not the account of its registry/,
    );
  });
});
