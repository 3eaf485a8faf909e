/**
 * Reads the packaged CloudFormation template as CloudFormation would deploy it for one stack:
 * intrinsic functions resolved (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Split, Fn::Select,
 * Fn::If with the template's Conditions, AWS::NoValue), dynamic references
 * (`{{resolve:ssm:/name}}`) replaced from a parameter store, and the parts the topology needs:
 * each Lambda function (name, handler, environment, timeout, memory, async retries, its role's
 * policy statements, its asynchronous invocation config), each EventBridge rule (pattern or
 * schedule, target functions), each SQS queue and each SQS event source mapping.
 * Anything it cannot resolve throws, so a template change cannot slip past the tests.
 */
import type { PolicyStatement } from '../../../src/loopback/aws/iam';
import type { CfnTemplate } from './artifacts';

export interface StackContext {
  template: CfnTemplate;
  region: string;
  account: string;
  stackName: string;
  /** SSM parameters for `{{resolve:ssm:/name}}`. */
  ssm?: Record<string, string>;
  /** Values of the template's Parameters (their Default otherwise; CommaDelimitedList split on commas). */
  parameters?: Record<string, string>;
}

export interface FunctionDef {
  logicalId: string;
  name: string;
  arn: string;
  handler: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  roleLogicalId: string;
  roleName: string;
  roleArn: string;
  statements: PolicyStatement[];
  /** From AWS::Lambda::EventInvokeConfig (Lambda's default is 2). */
  maximumRetryAttempts: number;
  /** From AWS::Lambda::EventInvokeConfig: where failed asynchronous invocations go (an SQS queue ARN). */
  onFailure?: string;
  /** From AWS::Lambda::EventInvokeConfig (Lambda's default is 6 hours). */
  maximumEventAgeSeconds?: number;
  /** ReservedConcurrentExecutions, when the function has reserved concurrency. */
  reservedConcurrency?: number;
}

export interface QueueDef {
  logicalId: string;
  name: string;
  arn: string;
}

/** An AWS::Lambda::EventSourceMapping from an SQS queue to a function of the stack. */
export interface EventSourceMappingDef {
  logicalId: string;
  queueArn: string;
  /** The target function's name. */
  functionName: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  enabled: boolean;
}

export interface RuleDef {
  logicalId: string;
  name: string;
  arn: string;
  pattern?: Record<string, unknown>;
  schedule?: string;
  /** Names of the target functions. */
  targets: string[];
}

const NO_VALUE = Symbol('AWS::NoValue');

export class Stack {
  constructor(readonly ctx: StackContext) {}

  private resource(id: string) {
    const r = this.ctx.template.Resources[id];
    if (!r) throw new Error(`template has no resource ${id}`);
    return r;
  }

  /** The physical name CloudFormation gives a resource. */
  physicalName(id: string): string {
    const r = this.resource(id);
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        return this.resolveString(p.FunctionName);
      case 'AWS::Logs::LogGroup':
        return this.resolveString(p.LogGroupName);
      case 'AWS::IAM::Role':
        return p.RoleName ? this.resolveString(p.RoleName) : `${this.ctx.stackName}-${id}-LOOPBACK0001`.slice(0, 64);
      case 'AWS::Events::Rule':
        return p.Name ? this.resolveString(p.Name) : `${this.ctx.stackName}-${id}`.slice(0, 64);
      case 'AWS::SQS::Queue':
        return p.QueueName ? this.resolveString(p.QueueName) : `${this.ctx.stackName}-${id}-LOOPBACK0001`.slice(0, 80);
      default:
        return id;
    }
  }

  getAtt(id: string, attr: string): string {
    const r = this.resource(id);
    const { region, account } = this.ctx;
    if (attr !== 'Arn') throw new Error(`Fn::GetAtt ${id}.${attr} is not supported`);
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${this.physicalName(id)}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${this.physicalName(id)}:*`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${this.physicalName(id)}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${this.physicalName(id)}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${this.physicalName(id)}`;
      default:
        throw new Error(`Fn::GetAtt ${id}.Arn for ${r.Type} is not supported`);
    }
  }

  private ref(name: string): string | string[] | typeof NO_VALUE {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return this.ctx.region;
      case 'AWS::AccountId':
        return this.ctx.account;
      case 'AWS::StackName':
        return this.ctx.stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return NO_VALUE;
      default: {
        const param = this.ctx.template.Parameters?.[name];
        if (!param) return this.physicalName(name);
        const v = this.ctx.parameters?.[name] ?? param.Default;
        if (v === undefined) throw new Error(`parameter ${name} has no value and no default`);
        return param.Type === 'CommaDelimitedList' ? (v === '' ? [] : v.split(',')) : v;
      }
    }
  }

  condition(name: string): boolean {
    const c = this.ctx.template.Conditions?.[name];
    if (c === undefined) throw new Error(`template has no condition ${name}`);
    return this.evalCondition(c);
  }

  private evalCondition(c: unknown): boolean {
    const o = c as Record<string, unknown>;
    if ('Fn::Equals' in o) {
      const [a, b] = o['Fn::Equals'] as [unknown, unknown];
      return JSON.stringify(this.resolve(a)) === JSON.stringify(this.resolve(b));
    }
    if ('Fn::Not' in o) return !this.evalCondition((o['Fn::Not'] as unknown[])[0]);
    if ('Fn::And' in o) return (o['Fn::And'] as unknown[]).every((x) => this.evalCondition(x));
    if ('Fn::Or' in o) return (o['Fn::Or'] as unknown[]).some((x) => this.evalCondition(x));
    if ('Condition' in o) return this.condition(String(o.Condition));
    throw new Error(`condition ${JSON.stringify(c)} is not supported`);
  }

  private sub(template: string, vars: Record<string, unknown> = {}): string {
    return template.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in vars) return this.resolveString(vars[name]);
      if (name.includes('.')) {
        const [id, attr] = name.split('.') as [string, string];
        return this.getAtt(id, attr);
      }
      const v = this.ref(name);
      if (v === NO_VALUE || Array.isArray(v)) throw new Error(`\${${name}} in Fn::Sub`);
      return v;
    });
  }

  private dynamicRefs(s: string): string {
    return s.replace(/\{\{resolve:ssm:([^}:]+)(?::\d+)?\}\}/g, (_, name: string) => {
      const v = this.ctx.ssm?.[name];
      if (v === undefined) throw new Error(`SSM parameter ${name} is not in the test parameter store`);
      return v;
    });
  }

  /** Resolves every intrinsic function in `value` (AWS::NoValue removes the key or element). */
  resolve(value: unknown): unknown {
    const r = this.resolveInner(value);
    return r === NO_VALUE ? undefined : r;
  }

  resolveString(value: unknown): string {
    const r = this.resolve(value);
    if (typeof r !== 'string') throw new Error(`expected a string, got ${JSON.stringify(r)}`);
    return r;
  }

  private resolveInner(value: unknown): unknown {
    if (typeof value === 'string') return this.dynamicRefs(value);
    if (Array.isArray(value)) return value.map((v) => this.resolveInner(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      switch (k) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::Sub':
          return Array.isArray(arg) ? this.sub(String(arg[0]), arg[1] as Record<string, unknown>) : this.sub(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as [string, string]) : (String(arg).split('.') as [string, string]);
          return this.getAtt(id, attr);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolveInner(parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Split': {
          const [sep, s] = arg as [string, unknown];
          return this.resolveString(s).split(sep);
        }
        case 'Fn::Select': {
          const [i, items] = arg as [unknown, unknown];
          return (this.resolveInner(items) as unknown[])[Number(this.resolve(i))];
        }
        case 'Fn::If': {
          const [cond, a, b] = arg as [string, unknown, unknown];
          return this.resolveInner(this.condition(cond) ? a : b);
        }
        default:
          if (k.startsWith('Fn::')) throw new Error(`${k} is not supported`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const r = this.resolveInner(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  /** The resources of a type that the stack creates (a resource whose Condition is false is not created). */
  private ofType(type: string): Array<[string, { Type: string; Properties?: Record<string, unknown> }]> {
    return Object.entries(this.ctx.template.Resources).filter(([, r]) => r.Type === type && (!r.Condition || this.condition(r.Condition)));
  }

  /** A role's statements: its inline Policies and every AWS::IAM::Policy attached to it. */
  roleStatements(roleId: string): PolicyStatement[] {
    const roleRes = this.resource(roleId);
    if (roleRes.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an AWS::IAM::Role`);
    const managed = this.resolve(roleRes.Properties?.ManagedPolicyArns) as string[] | undefined;
    if (managed?.length) throw new Error(`${roleId}: managed policies (${managed.join(', ')}) are not modelled by the loopback IAM`);
    const inline = (
      (this.resolve(roleRes.Properties?.Policies) as Array<{ PolicyDocument: { Statement: PolicyStatement[] } }>) ?? []
    ).flatMap((pol) => pol.PolicyDocument.Statement);
    const attached = this.ofType('AWS::IAM::Policy')
      .filter(([, r]) => ((r.Properties?.Roles ?? []) as Array<{ Ref?: string }>).some((ref) => ref.Ref === roleId))
      .flatMap(([, r]) => (this.resolve(r.Properties?.PolicyDocument) as { Statement: PolicyStatement[] }).Statement);
    return [...inline, ...attached];
  }

  /** A role's trust policy statements. */
  trustStatements(roleId: string): Array<PolicyStatement & { Principal?: { AWS?: string | string[]; Service?: string | string[] } }> {
    return (this.resolve(this.resource(roleId).Properties?.AssumeRolePolicyDocument) as { Statement: PolicyStatement[] }).Statement;
  }

  functions(): FunctionDef[] {
    return this.ofType('AWS::Lambda::Function').map(([id, r]) => {
      const p = r.Properties ?? {};
      const role = (p.Role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (!role || role[1] !== 'Arn') throw new Error(`${id}: Role must be Fn::GetAtt [<role>, Arn]`);
      const statements = this.roleStatements(role[0]);
      const name = this.physicalName(id);
      const evConf = this.ofType('AWS::Lambda::EventInvokeConfig').find(
        ([, c]) => (c.Properties?.FunctionName as { Ref?: string })?.Ref === id,
      );
      return {
        logicalId: id,
        name,
        arn: this.getAtt(id, 'Arn'),
        handler: this.resolveString(p.Handler),
        env: (this.resolve((p.Environment as { Variables?: unknown })?.Variables) as Record<string, string>) ?? {},
        timeoutSeconds: Number(p.Timeout ?? 3),
        memoryMb: Number(p.MemorySize ?? 128),
        roleLogicalId: role[0],
        roleName: this.physicalName(role[0]),
        roleArn: this.getAtt(role[0], 'Arn'),
        statements,
        maximumRetryAttempts: Number(evConf?.[1].Properties?.MaximumRetryAttempts ?? 2),
        ...this.invokeConfigExtras(evConf?.[1].Properties),
        ...(p.ReservedConcurrentExecutions !== undefined
          ? { reservedConcurrency: Number(this.resolve(p.ReservedConcurrentExecutions)) }
          : {}),
      };
    });
  }

  private invokeConfigExtras(p: Record<string, unknown> | undefined): Pick<FunctionDef, 'onFailure' | 'maximumEventAgeSeconds'> {
    if (!p) return {};
    const dest = this.resolve((p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination);
    if (dest !== undefined && (typeof dest !== 'string' || !dest.startsWith('arn:aws:sqs:')))
      throw new Error(`only SQS on-failure destinations are modelled, got ${JSON.stringify(dest)}`);
    return {
      ...(dest ? { onFailure: dest } : {}),
      ...(p.MaximumEventAgeInSeconds !== undefined ? { maximumEventAgeSeconds: Number(p.MaximumEventAgeInSeconds) } : {}),
    };
  }

  queues(): QueueDef[] {
    return this.ofType('AWS::SQS::Queue').map(([id]) => ({ logicalId: id, name: this.physicalName(id), arn: this.getAtt(id, 'Arn') }));
  }

  eventSourceMappings(): EventSourceMappingDef[] {
    const fns = new Map(this.functions().map((f) => [f.arn, f.name]));
    return this.ofType('AWS::Lambda::EventSourceMapping').map(([id, r]) => {
      const p = this.resolve(r.Properties) as {
        EventSourceArn: string;
        FunctionName: string;
        BatchSize?: number;
        Enabled?: boolean;
        FunctionResponseTypes?: string[];
      };
      if (!p.EventSourceArn.startsWith('arn:aws:sqs:')) throw new Error(`${id}: only SQS event sources are modelled (${p.EventSourceArn})`);
      const fn = fns.get(p.FunctionName) ?? [...fns.values()].find((n) => n === p.FunctionName);
      if (!fn) throw new Error(`${id} targets ${p.FunctionName}, which is not a function of the stack`);
      return {
        logicalId: id,
        queueArn: p.EventSourceArn,
        functionName: fn,
        batchSize: Number(p.BatchSize ?? 10),
        reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
        enabled: p.Enabled !== false,
      };
    });
  }

  rules(): RuleDef[] {
    const fns = new Map(this.functions().map((f) => [f.arn, f.name]));
    return this.ofType('AWS::Events::Rule').map(([id, r]) => {
      const p = this.resolve(r.Properties) as {
        EventPattern?: Record<string, unknown>;
        ScheduleExpression?: string;
        State?: string;
        Targets?: Array<{ Arn: string }>;
      };
      return {
        logicalId: id,
        name: this.physicalName(id),
        arn: this.getAtt(id, 'Arn'),
        ...(p.EventPattern ? { pattern: p.EventPattern } : {}),
        ...(p.ScheduleExpression ? { schedule: p.ScheduleExpression } : {}),
        targets: (p.State === 'DISABLED' ? [] : (p.Targets ?? [])).map((t) => {
          const fn = fns.get(t.Arn);
          if (!fn) throw new Error(`rule ${id} targets ${t.Arn}, which is not a function of the stack`);
          return fn;
        }),
      };
    });
  }
}
