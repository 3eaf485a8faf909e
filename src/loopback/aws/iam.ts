/**
 * IAM for the loopback endpoint: what each API call asks IAM for (the action, the resource ARN
 * and the request's condition keys; RegisterTaskDefinition and RunTask also ask for iam:PassRole
 * on the task's roles and, with tags, ecs:TagResource), and an evaluator of identity-based policy
 * statements (Allow/Deny, Action/NotAction and Resource/NotResource with `*` and `?` wildcards,
 * the usual condition operators with IfExists and ForAnyValue/ForAllValues).
 *
 * The action → resource table follows the Service Authorization Reference for the operations the
 * bot calls; an operation that is not in it throws, so a new call cannot go unchecked.
 */
import type { AwsCall } from './server';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

/** One thing IAM is asked to allow. */
export interface Authorization {
  /** `ecs:DescribeServices` */
  action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /** Condition keys of the request (`iam:PassedToService`, `ecs:cluster`, …); multivalued keys (`aws:TagKeys`) as lists. */
  context?: Record<string, string | string[]>;
}

export interface Decision {
  allowed: boolean;
  /** A Deny statement matched. */
  explicitDeny: boolean;
  /** The statement that decided (the matching Deny, or the first matching Allow). */
  statement?: PolicyStatement;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function globToRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** IAM's wildcard match: `*` any characters (including `:` and `/`), `?` one; actions match case-insensitively. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern.includes('${')) throw new Error(`policy variables are not supported: ${pattern}`);
  return globToRegExp(pattern, caseInsensitive ? 'i' : '').test(value);
}

function actionMatches(s: PolicyStatement, action: string): boolean {
  if (s.Action !== undefined) return list(s.Action).some((p) => wildcardMatch(p, action, true));
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => wildcardMatch(p, action, true));
  return false;
}

function resourceMatches(s: PolicyStatement, resource: string): boolean {
  if (s.Resource !== undefined) return list(s.Resource).some((p) => p === '*' || wildcardMatch(p, resource));
  if (s.NotResource !== undefined) return !list(s.NotResource).some((p) => p === '*' || wildcardMatch(p, resource));
  return false;
}

type Compare = (pattern: string, value: string) => boolean;

const COMPARE: Record<string, Compare> = {
  StringEquals: (p, v) => p === v,
  StringNotEquals: (p, v) => p !== v,
  StringEqualsIgnoreCase: (p, v) => p.toLowerCase() === v.toLowerCase(),
  StringNotEqualsIgnoreCase: (p, v) => p.toLowerCase() !== v.toLowerCase(),
  StringLike: (p, v) => wildcardMatch(p, v),
  StringNotLike: (p, v) => !wildcardMatch(p, v),
  ArnEquals: (p, v) => p === v,
  ArnNotEquals: (p, v) => p !== v,
  ArnLike: (p, v) => wildcardMatch(p, v),
  ArnNotLike: (p, v) => !wildcardMatch(p, v),
  Bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);

function conditionHolds(op: string, key: string, values: string[], context: Record<string, string | string[]>): boolean {
  const set = op.match(/^(ForAnyValue|ForAllValues):/)?.[1];
  const bare = op.replace(/^(ForAnyValue|ForAllValues):/, '');
  const ifExists = bare.endsWith('IfExists');
  const name = ifExists ? bare.slice(0, -'IfExists'.length) : bare;
  const actualKey = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  const value = actualKey === undefined ? undefined : context[actualKey];
  if (name === 'Null') {
    const wantsNull = values.some((v) => v.toLowerCase() === 'true');
    return wantsNull ? value === undefined : value !== undefined;
  }
  const compare = COMPARE[name];
  if (!compare) throw new Error(`condition operator ${op} is not supported by the loopback IAM evaluator`);
  if (value === undefined || (Array.isArray(value) && !value.length)) {
    if (ifExists) return true;
    if (set === 'ForAllValues') return true;
    if (set === 'ForAnyValue') return false;
    // A missing key: negated operators match, the others do not.
    return NEGATED.has(name);
  }
  // Negated operators hold when the value equals none of the listed ones; the others when it equals any.
  const one = (v: string) => (NEGATED.has(name) ? values.every((p) => compare(p, v)) : values.some((p) => compare(p, v)));
  if (!Array.isArray(value)) return one(value);
  // A multivalued key: ForAllValues, every value of the request; otherwise (ForAnyValue) at least one.
  return set === 'ForAllValues' ? value.every(one) : value.some(one);
}

function conditionsHold(s: PolicyStatement, context: Record<string, string | string[]>): boolean {
  for (const [op, block] of Object.entries(s.Condition ?? {})) {
    for (const [key, raw] of Object.entries(block)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map(String);
      if (!conditionHolds(op, key, values, context)) return false;
    }
  }
  return true;
}

/** Whether `s` applies to `auth` (action, resource and conditions), whatever its effect. */
export function statementMatches(s: PolicyStatement, auth: Authorization): boolean {
  return actionMatches(s, auth.action) && resourceMatches(s, auth.resource) && conditionsHold(s, auth.context ?? {});
}

/** Identity-based evaluation: an explicit Deny wins, then any Allow, else the implicit deny. */
export function evaluate(statements: readonly PolicyStatement[], auth: Authorization): Decision {
  const deny = statements.find((s) => s.Effect === 'Deny' && statementMatches(s, auth));
  if (deny) return { allowed: false, explicitDeny: true, statement: deny };
  const allow = statements.find((s) => s.Effect === 'Allow' && statementMatches(s, auth));
  return allow ? { allowed: true, explicitDeny: false, statement: allow } : { allowed: false, explicitDeny: false };
}

/** Every action a statement names (wildcards as written). */
export function statementActions(s: PolicyStatement): string[] {
  return list(s.Action);
}

/* ------------------------------------------------------------------ calls → authorizations */

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const tail = (v: string): string => (v.startsWith('arn:') ? v.slice(v.lastIndexOf('/') + 1) : v);

function ecsArn(call: AwsCall, account: string, kind: string, path: string): string {
  return `arn:aws:ecs:${call.region}:${account}:${kind}/${path}`;
}

function clusterName(call: AwsCall): string {
  return tail(str(call.input.cluster) ?? 'default');
}

function logGroupName(call: AwsCall): string {
  const id = str(call.input.logGroupName) ?? str(call.input.logGroupIdentifier) ?? '';
  return id.startsWith('arn:') ? id.replace(/^arn:[^:]+:logs:[^:]*:\d*:log-group:/, '').replace(/:\*$/, '') : id;
}

/** What the world knows that a call alone does not say (which KMS key encrypts a parameter, what a task definition names). */
export interface IamLookup {
  /** The KMS key of a SecureString parameter: a key ARN, `alias/aws/ssm`, or undefined (a String, or no such parameter). */
  parameterKey?(name: string): string | undefined;
  /**
   * A task definition named by ARN, family:revision or family (its latest ACTIVE revision): its ARN
   * and roles; undefined when there is none.
   */
  taskDefinition?(ref: string): { taskDefinitionArn: string; taskRoleArn?: string; executionRoleArn?: string } | undefined;
}

type Mapper = (call: AwsCall, account: string, lookup: IamLookup) => Authorization[];

const each = (action: string, resources: string[], context?: Record<string, string | string[]>): Authorization[] =>
  resources.map((resource) => ({ action, resource, ...(context ? { context } : {}) }));

const ECS: Record<string, Mapper> = {
  DescribeServices: (c, a) =>
    each(
      'ecs:DescribeServices',
      ((c.input.services ?? []) as string[]).map((s) => (s.startsWith('arn:') ? s : ecsArn(c, a, 'service', `${clusterName(c)}/${s}`))),
    ),
  DescribeClusters: (c, a) =>
    each(
      'ecs:DescribeClusters',
      ((c.input.clusters ?? ['default']) as string[]).map((s) => (s.startsWith('arn:') ? s : ecsArn(c, a, 'cluster', s))),
    ),
  DescribeTasks: (c, a) =>
    each(
      'ecs:DescribeTasks',
      ((c.input.tasks ?? []) as string[]).map((t) => (t.startsWith('arn:') ? t : ecsArn(c, a, 'task', `${clusterName(c)}/${t}`))),
    ),
  // ListTasks is authorized on container instances, with the cluster as a condition key.
  ListTasks: (c, a) =>
    each('ecs:ListTasks', [ecsArn(c, a, 'container-instance', `${clusterName(c)}/*`)], {
      'ecs:cluster': ecsArn(c, a, 'cluster', clusterName(c)),
    }),
  // No resource-level permissions.
  DescribeTaskDefinition: () => each('ecs:DescribeTaskDefinition', ['*']),
  RegisterTaskDefinition: (c, a) => {
    const out = each('ecs:RegisterTaskDefinition', ['*']);
    for (const role of [str(c.input.taskRoleArn), str(c.input.executionRoleArn)]) {
      if (role) out.push({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
    if (Array.isArray(c.input.tags) && c.input.tags.length) {
      out.push({
        action: 'ecs:TagResource',
        resource: ecsArn(c, a, 'task-definition', `${str(c.input.family) ?? ''}:*`),
        context: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
      });
    }
    return out;
  },
  // On the task definition (a bare family: its latest revision, as ECS resolves it before authorizing),
  // with the cluster (and capacity providers) as condition keys; ECS passes the task's roles to its
  // tasks (the overrides' in place of the task definition's): iam:PassRole on each, to ECS tasks; tags
  // on the new tasks ask ecs:TagResource on create.
  RunTask: (c, a, lookup) => {
    const ref = str(c.input.taskDefinition) ?? '';
    const td = lookup.taskDefinition?.(ref);
    const resource =
      td?.taskDefinitionArn ?? (ref.startsWith('arn:') ? ref : ecsArn(c, a, 'task-definition', ref.includes(':') ? ref : `${ref}:*`));
    const strategy = (c.input.capacityProviderStrategy ?? []) as Array<{ capacityProvider?: string }>;
    const context: Record<string, string | string[]> = { 'ecs:cluster': ecsArn(c, a, 'cluster', clusterName(c)) };
    if (strategy.length)
      context['ecs:capacity-provider'] = strategy.map((p) => ecsArn(c, a, 'capacity-provider', p.capacityProvider ?? ''));
    if (typeof c.input.enableExecuteCommand === 'boolean') context['ecs:enable-execute-command'] = String(c.input.enableExecuteCommand);
    const out = each('ecs:RunTask', [resource], context);
    const overrides = (c.input.overrides ?? {}) as { taskRoleArn?: string; executionRoleArn?: string };
    const roles = [str(overrides.taskRoleArn) ?? td?.taskRoleArn, str(overrides.executionRoleArn) ?? td?.executionRoleArn];
    for (const role of new Set(roles.filter((r): r is string => !!r)))
      out.push({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    if (Array.isArray(c.input.tags) && c.input.tags.length)
      out.push({
        action: 'ecs:TagResource',
        resource: ecsArn(c, a, 'task', `${clusterName(c)}/*`),
        context: { 'ecs:CreateAction': 'RunTask' },
      });
    return out;
  },
  // On the task, with its cluster as a condition key.
  StopTask: (c, a) => {
    const task = str(c.input.task) ?? '';
    return each('ecs:StopTask', [task.startsWith('arn:') ? task : ecsArn(c, a, 'task', `${clusterName(c)}/${task}`)], {
      'ecs:cluster': ecsArn(c, a, 'cluster', clusterName(c)),
    });
  },
  UpdateService: (c, a) => each('ecs:UpdateService', [ecsArn(c, a, 'service', `${clusterName(c)}/${tail(str(c.input.service) ?? '')}`)]),
  ListServiceDeployments: (c, a) =>
    each('ecs:ListServiceDeployments', [ecsArn(c, a, 'service', `${clusterName(c)}/${tail(str(c.input.service) ?? '')}`)]),
  DescribeServiceDeployments: (c) => each('ecs:DescribeServiceDeployments', (c.input.serviceDeploymentArns ?? []) as string[]),
  DescribeServiceRevisions: (c) => each('ecs:DescribeServiceRevisions', (c.input.serviceRevisionArns ?? []) as string[]),
  StopServiceDeployment: (c) => each('ecs:StopServiceDeployment', [str(c.input.serviceDeploymentArn) ?? '']),
  ContinueServiceDeployment: (c) => each('ecs:ContinueServiceDeployment', [str(c.input.serviceDeploymentArn) ?? '']),
};

const ecrRepo: Mapper = (c, a) => [
  {
    action: '',
    resource: `arn:aws:ecr:${c.region}:${str(c.input.registryId) ?? a}:repository/${str(c.input.repositoryName) ?? ''}`,
  },
];

const ECR: Record<string, Mapper> = {
  DescribeImages: ecrRepo,
  DescribeImageScanFindings: ecrRepo,
  BatchGetImage: ecrRepo,
  GetDownloadUrlForLayer: ecrRepo,
  // No resource-level permissions: it reads the caller's registry.
  GetRegistryScanningConfiguration: () => [{ action: '', resource: '*' }],
  DescribeRepositories: (c, a) =>
    ((c.input.repositoryNames ?? []) as string[]).length
      ? ((c.input.repositoryNames ?? []) as string[]).map((n) => ({ action: '', resource: `arn:aws:ecr:${c.region}:${a}:repository/${n}` }))
      : [{ action: '', resource: `arn:aws:ecr:${c.region}:${a}:repository/*` }],
};

const logGroup: Mapper = (c, a) => [{ action: '', resource: `arn:aws:logs:${c.region}:${a}:log-group:${logGroupName(c)}` }];

const LOGS: Record<string, Mapper> = {
  FilterLogEvents: logGroup,
  DescribeLogStreams: logGroup,
  GetLogEvents: (c, a) => [
    { action: '', resource: `arn:aws:logs:${c.region}:${a}:log-group:${logGroupName(c)}:log-stream:${str(c.input.logStreamName) ?? ''}` },
  ],
  StartQuery: (c, a) =>
    ((c.input.logGroupNames ?? [c.input.logGroupName]) as string[]).map((n) => ({
      action: '',
      resource: `arn:aws:logs:${c.region}:${a}:log-group:${n}`,
    })),
  GetQueryResults: () => [{ action: '', resource: '*' }],
};

const UNSCOPED = (service: string, actions: string[]): Record<string, Mapper> =>
  Object.fromEntries(actions.map((op) => [op, () => each(`${service}:${op}`, ['*'])]));

const parameterArn = (c: AwsCall, a: string, name: string) =>
  `arn:aws:ssm:${c.region}:${a}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

/**
 * ssm:GetParameter(s) on each parameter; decrypting a SecureString under a key of your own also asks
 * kms:Decrypt on that key, through SSM (kms:ViaService). The AWS managed key (alias/aws/ssm) needs no
 * grant: its key policy allows every principal of the account, through SSM.
 */
const ssmGet =
  (action: string, namesOf: (c: AwsCall) => string[]): Mapper =>
  (c, a, lookup) => {
    const out: Authorization[] = [];
    for (const name of namesOf(c)) {
      const arn = parameterArn(c, a, name);
      out.push({ action, resource: arn });
      const key = c.input.WithDecryption === true ? lookup.parameterKey?.(name) : undefined;
      if (key?.startsWith('arn:'))
        out.push({
          action: 'kms:Decrypt',
          resource: key,
          context: { 'kms:ViaService': `ssm.${c.region}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': arn },
        });
    }
    return out;
  };

const TABLE: Record<string, Record<string, Mapper>> = {
  ssm: {
    GetParameters: ssmGet('ssm:GetParameters', (c) => (c.input.Names ?? []) as string[]),
    GetParameter: ssmGet('ssm:GetParameter', (c) => [str(c.input.Name) ?? '']),
  },
  ecs: ECS,
  ecr: ECR,
  logs: LOGS,
  ce: UNSCOPED('ce', ['GetCostAndUsage', 'GetCostForecast', 'GetDimensionValues']),
  'application-autoscaling': UNSCOPED('application-autoscaling', ['DescribeScalableTargets']),
  // Signed as `monitoring`; IAM's prefix is `cloudwatch`. GetMetricData has no resource-level permissions.
  monitoring: { GetMetricData: () => each('cloudwatch:GetMetricData', ['*']) },
  // AssumeRole asks for sts:AssumeRole on the role; session tags add sts:TagSession and a source
  // identity sts:SetSourceIdentity, each with its condition keys (the trust policy is asked the same).
  sts: {
    AssumeRole: (c) => {
      const role = str(c.input.RoleArn) ?? '';
      const tags = (c.input.Tags ?? []) as Array<{ Key: string; Value: string }>;
      const out = each('sts:AssumeRole', [role], c.input.ExternalId ? { 'sts:ExternalId': String(c.input.ExternalId) } : undefined);
      if (tags.length) {
        out.push({
          action: 'sts:TagSession',
          resource: role,
          context: { 'aws:TagKeys': tags.map((t) => t.Key), ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])) },
        });
      }
      const si = str(c.input.SourceIdentity);
      if (si) out.push({ action: 'sts:SetSourceIdentity', resource: role, context: { 'sts:SourceIdentity': si } });
      return out;
    },
  },
  lambda: {
    Invoke: (c, a) => {
      const raw = str(c.input.FunctionName) ?? '';
      const name = raw.startsWith('arn:') ? raw.split(':')[6] : raw.includes(':function:') ? raw.split(':')[2] : raw.split(':')[0];
      const qualifier = str(c.input.Qualifier) ?? (raw.startsWith('arn:') ? raw.split(':')[7] : undefined);
      return each('lambda:InvokeFunction', [`arn:aws:lambda:${c.region}:${a}:function:${name}${qualifier ? `:${qualifier}` : ''}`]);
    },
  },
};

/** What IAM is asked for when `call` is made in `account`. Throws for an operation the table does not know. */
export function authorizationsFor(call: AwsCall, account: string, lookup: IamLookup = {}): Authorization[] {
  const mapper = TABLE[call.service]?.[call.action];
  if (!mapper) throw new Error(`no IAM mapping for ${call.service}:${call.action}: add it to src/loopback/aws/iam.ts`);
  return mapper(call, account, lookup).map((a) => (a.action ? a : { ...a, action: `${call.service}:${call.action}` }));
}
