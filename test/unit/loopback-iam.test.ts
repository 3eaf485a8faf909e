/** The loopback IAM evaluator and call → authorization table (src/loopback/aws/iam.ts), and EventBridge patterns. */
import { authorizationsFor, evaluate, statementMatches, wildcardMatch, type PolicyStatement } from '../../src/loopback/aws/iam';
import { matchesEventPattern } from '../../src/loopback/aws/eventbridge';
import type { AwsCall } from '../../src/loopback/aws/server';

const A = '123456789012';
const call = (service: string, action: string, input: Record<string, unknown>): AwsCall => ({
  seq: 1,
  at: 0,
  service,
  action,
  region: 'eu-west-1',
  accessKeyId: 'AKID',
  protocol: service === 'lambda' ? 'restJson1' : 'awsJson1_1',
  input,
});

describe('wildcards', () => {
  it('actions match case-insensitively; resources case-sensitively; * spans : and /', () => {
    expect(wildcardMatch('ecs:Describe*', 'ecs:describeservices', true)).toBe(true);
    expect(wildcardMatch('ecs:Describe*', 'ecs:UpdateService', true)).toBe(false);
    expect(wildcardMatch('ecs:Li?tTasks', 'ecs:ListTasks', true)).toBe(true);
    expect(wildcardMatch(`arn:aws:ecs:*:${A}:*`, `arn:aws:ecs:eu-west-1:${A}:service/prod/web`)).toBe(true);
    expect(wildcardMatch(`arn:aws:ecs:*:${A}:service/*`, `arn:aws:ecs:eu-west-1:${A}:task/prod/abc`)).toBe(false);
    expect(wildcardMatch('arn:aws:ecr:*:*:repository/Shop/*', 'arn:aws:ecr:eu-west-1:1:repository/shop/web')).toBe(false);
    expect(() => wildcardMatch('arn:aws:s3:::${aws:username}/*', 'x')).toThrow('policy variables');
  });
});

describe('evaluate', () => {
  const allowEcsRead: PolicyStatement = {
    Effect: 'Allow',
    Action: ['ecs:DescribeServices', 'ecs:DescribeTasks'],
    Resource: `arn:aws:ecs:*:${A}:*`,
  };
  const passRole: PolicyStatement = {
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: [`arn:aws:iam::${A}:role/web-task`],
    Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  };

  it('allows what an Allow matches; the implicit deny otherwise; an explicit Deny wins', () => {
    const svc = { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:eu-west-1:${A}:service/prod/web` };
    expect(evaluate([allowEcsRead], svc)).toMatchObject({ allowed: true, explicitDeny: false, statement: allowEcsRead });
    expect(evaluate([allowEcsRead], { ...svc, action: 'ecs:UpdateService' })).toEqual({ allowed: false, explicitDeny: false });
    expect(evaluate([allowEcsRead], { ...svc, resource: `arn:aws:ecs:eu-west-1:999999999999:service/prod/web` }).allowed).toBe(false);
    const deny: PolicyStatement = { Effect: 'Deny', Action: 'ecs:*', Resource: `arn:aws:ecs:*:${A}:service/prod/*` };
    expect(evaluate([allowEcsRead, deny], svc)).toMatchObject({ allowed: false, explicitDeny: true, statement: deny });
  });

  it('NotAction and NotResource', () => {
    const s: PolicyStatement = { Effect: 'Allow', NotAction: 'ecs:Update*', NotResource: `arn:aws:ecs:*:${A}:cluster/*` };
    expect(statementMatches(s, { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:eu-west-1:${A}:service/p/w` })).toBe(true);
    expect(statementMatches(s, { action: 'ecs:UpdateService', resource: `arn:aws:ecs:eu-west-1:${A}:service/p/w` })).toBe(false);
    expect(statementMatches(s, { action: 'ecs:DescribeClusters', resource: `arn:aws:ecs:eu-west-1:${A}:cluster/p` })).toBe(false);
  });

  it('conditions: the PassRole condition needs the key; negated operators match a missing key; IfExists; Null; unknown operators throw', () => {
    const role = { action: 'iam:PassRole', resource: `arn:aws:iam::${A}:role/web-task` };
    expect(evaluate([passRole], { ...role, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }).allowed).toBe(true);
    expect(evaluate([passRole], { ...role, context: { 'iam:passedtoservice': 'ecs-tasks.amazonaws.com' } }).allowed).toBe(true);
    expect(evaluate([passRole], { ...role, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }).allowed).toBe(false);
    expect(evaluate([passRole], role).allowed).toBe(false);
    const withCond = (Condition: PolicyStatement['Condition']): PolicyStatement => ({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition,
    });
    const any = { action: 'ecs:ListTasks', resource: '*' };
    expect(evaluate([withCond({ StringNotEquals: { 'ecs:cluster': 'x' } })], any).allowed).toBe(true);
    expect(evaluate([withCond({ StringEqualsIfExists: { 'ecs:cluster': 'x' } })], any).allowed).toBe(true);
    expect(
      evaluate([withCond({ ArnLike: { 'ecs:cluster': `arn:aws:ecs:*:${A}:cluster/prod` } })], {
        ...any,
        context: { 'ecs:cluster': `arn:aws:ecs:eu-west-1:${A}:cluster/prod` },
      }).allowed,
    ).toBe(true);
    expect(evaluate([withCond({ Null: { 'ecs:cluster': 'true' } })], any).allowed).toBe(true);
    expect(evaluate([withCond({ Null: { 'ecs:cluster': 'false' } })], any).allowed).toBe(false);
    expect(() => evaluate([withCond({ NumericLessThan: { 'x:y': '3' } })], { ...any, context: { 'x:y': '1' } })).toThrow('not supported');
  });
});

describe('authorizationsFor', () => {
  it('ECS: services, tasks and list operations by ARN, in the call’s region, for the account', () => {
    expect(
      authorizationsFor(
        call('ecs', 'DescribeServices', { cluster: `arn:aws:ecs:eu-west-1:${A}:cluster/prod`, services: ['web', 'api'] }),
        A,
      ),
    ).toEqual([
      { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:eu-west-1:${A}:service/prod/web` },
      { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:eu-west-1:${A}:service/prod/api` },
    ]);
    expect(authorizationsFor(call('ecs', 'DescribeTasks', { cluster: 'prod', tasks: ['abc'] }), A)).toEqual([
      { action: 'ecs:DescribeTasks', resource: `arn:aws:ecs:eu-west-1:${A}:task/prod/abc` },
    ]);
    expect(authorizationsFor(call('ecs', 'ListTasks', { cluster: 'prod', serviceName: 'web' }), A)).toEqual([
      {
        action: 'ecs:ListTasks',
        resource: `arn:aws:ecs:eu-west-1:${A}:container-instance/prod/*`,
        context: { 'ecs:cluster': `arn:aws:ecs:eu-west-1:${A}:cluster/prod` },
      },
    ]);
    expect(authorizationsFor(call('ecs', 'DescribeTaskDefinition', { taskDefinition: 'web:3' }), A)).toEqual([
      { action: 'ecs:DescribeTaskDefinition', resource: '*' },
    ]);
  });

  it('RegisterTaskDefinition also asks for iam:PassRole on each role (to ECS tasks) and, with tags, ecs:TagResource on create', () => {
    const auths = authorizationsFor(
      call('ecs', 'RegisterTaskDefinition', {
        family: 'web',
        taskRoleArn: `arn:aws:iam::${A}:role/web-task`,
        executionRoleArn: `arn:aws:iam::${A}:role/exec`,
        tags: [{ key: 'team', value: 'shop' }],
      }),
      A,
    );
    expect(auths).toEqual([
      { action: 'ecs:RegisterTaskDefinition', resource: '*' },
      {
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${A}:role/web-task`,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${A}:role/exec`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      {
        action: 'ecs:TagResource',
        resource: `arn:aws:ecs:eu-west-1:${A}:task-definition/web:*`,
        context: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
      },
    ]);
    expect(authorizationsFor(call('ecs', 'RegisterTaskDefinition', { family: 'web' }), A)).toEqual([
      { action: 'ecs:RegisterTaskDefinition', resource: '*' },
    ]);
  });

  it('RunTask: ecs:RunTask on the task definition with the cluster (and capacity providers) as condition keys, and iam:PassRole on its roles', () => {
    const td = `arn:aws:ecs:eu-west-1:${A}:task-definition/web-prod:7`;
    const lookup = {
      taskDefinition: (ref: string) =>
        ref === td || ref === 'web-prod'
          ? { taskDefinitionArn: td, taskRoleArn: `arn:aws:iam::${A}:role/web-task`, executionRoleArn: `arn:aws:iam::${A}:role/exec` }
          : undefined,
    };
    const cluster = `arn:aws:ecs:eu-west-1:${A}:cluster/prod`;
    const passRole = (role: string) => ({
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${A}:role/${role}`,
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    expect(authorizationsFor(call('ecs', 'RunTask', { cluster: 'prod', taskDefinition: td, launchType: 'FARGATE' }), A, lookup)).toEqual([
      { action: 'ecs:RunTask', resource: td, context: { 'ecs:cluster': cluster } },
      passRole('web-task'),
      passRole('exec'),
    ]);
    // A bare family is authorized on its latest revision; the overrides' roles are passed in place of the task definition's.
    expect(
      authorizationsFor(
        call('ecs', 'RunTask', {
          cluster,
          taskDefinition: 'web-prod',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          overrides: { taskRoleArn: `arn:aws:iam::${A}:role/migrator` },
        }),
        A,
        lookup,
      ),
    ).toEqual([
      {
        action: 'ecs:RunTask',
        resource: td,
        context: { 'ecs:cluster': cluster, 'ecs:capacity-provider': [`arn:aws:ecs:eu-west-1:${A}:capacity-provider/FARGATE_SPOT`] },
      },
      passRole('migrator'),
      passRole('exec'),
    ]);
    // Without the world to ask: the revision given, or every revision of the family; no role known.
    expect(authorizationsFor(call('ecs', 'RunTask', { cluster: 'prod', taskDefinition: 'web-prod' }), A)).toEqual([
      { action: 'ecs:RunTask', resource: `arn:aws:ecs:eu-west-1:${A}:task-definition/web-prod:*`, context: { 'ecs:cluster': cluster } },
    ]);
  });

  it('StopTask: ecs:StopTask on the task, with its cluster as a condition key', () => {
    const context = { 'ecs:cluster': `arn:aws:ecs:eu-west-1:${A}:cluster/prod` };
    expect(authorizationsFor(call('ecs', 'StopTask', { cluster: 'prod', task: 'abc', reason: 'timed out' }), A)).toEqual([
      { action: 'ecs:StopTask', resource: `arn:aws:ecs:eu-west-1:${A}:task/prod/abc`, context },
    ]);
    const arn = `arn:aws:ecs:eu-west-1:${A}:task/prod/abc`;
    expect(authorizationsFor(call('ecs', 'StopTask', { cluster: 'prod', task: arn }), A)).toEqual([
      { action: 'ecs:StopTask', resource: arn, context },
    ]);
  });

  it('ECR, Logs, Cost Explorer, Lambda (Invoke is lambda:InvokeFunction, qualifier kept)', () => {
    expect(authorizationsFor(call('ecr', 'DescribeImages', { repositoryName: 'shop/web' }), A)).toEqual([
      { action: 'ecr:DescribeImages', resource: `arn:aws:ecr:eu-west-1:${A}:repository/shop/web` },
    ]);
    expect(authorizationsFor(call('logs', 'GetLogEvents', { logGroupName: '/ecs/web', logStreamName: 'ecs/web/1' }), A)).toEqual([
      { action: 'logs:GetLogEvents', resource: `arn:aws:logs:eu-west-1:${A}:log-group:/ecs/web:log-stream:ecs/web/1` },
    ]);
    expect(authorizationsFor(call('ce', 'GetCostAndUsage', {}), A)).toEqual([{ action: 'ce:GetCostAndUsage', resource: '*' }]);
    expect(authorizationsFor(call('lambda', 'Invoke', { FunctionName: 'app-worker' }), A)).toEqual([
      { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:eu-west-1:${A}:function:app-worker` },
    ]);
    expect(
      authorizationsFor(call('lambda', 'Invoke', { FunctionName: `arn:aws:lambda:eu-west-1:${A}:function:app-worker:live` }), A),
    ).toEqual([{ action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:eu-west-1:${A}:function:app-worker:live` }]);
  });

  it('an operation it does not know throws, so no call goes unchecked', () => {
    expect(() => authorizationsFor(call('ecs', 'DeleteService', { service: 'web' }), A)).toThrow('no IAM mapping for ecs:DeleteService');
  });
});

describe('EventBridge patterns', () => {
  const event = {
    source: 'aws.ecs',
    'detail-type': 'ECS Task State Change',
    resources: [`arn:aws:ecs:eu-west-1:${A}:task/prod/abc`],
    detail: { lastStatus: 'STOPPED', clusterArn: `arn:aws:ecs:eu-west-1:${A}:cluster/prod`, group: 'service:web' },
  };

  it('exact values, nested fields, wildcard, prefix, anything-but, exists; arrays match any element', () => {
    expect(
      matchesEventPattern(
        { source: ['aws.ecs'], detail: { lastStatus: ['STOPPED', 'RUNNING'], clusterArn: [{ wildcard: 'arn:aws:ecs:*:*:cluster/*' }] } },
        event,
      ),
    ).toBe(true);
    expect(matchesEventPattern({ detail: { lastStatus: ['RUNNING'] } }, event)).toBe(false);
    expect(matchesEventPattern({ resources: [{ prefix: `arn:aws:ecs:eu-west-1:${A}:task/prod/` }] }, event)).toBe(true);
    expect(matchesEventPattern({ resources: [{ prefix: `arn:aws:ecs:eu-west-1:${A}:task/staging/` }] }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { group: [{ 'anything-but': ['service:api'] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { stopCode: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { stopCode: [{ exists: true }] } }, event)).toBe(false);
    expect(matchesEventPattern({ 'detail-type': ['ECS Deployment State Change'] }, event)).toBe(false);
    expect(() => matchesEventPattern({ detail: { x: [{ numeric: ['>', 1] }] } }, { detail: { x: 2 } })).toThrow('not supported');
  });
});
