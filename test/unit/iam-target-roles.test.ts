/**
 * IAM for environments in other accounts: serverless.yml grants sts:AssumeRole (and, to the worker,
 * sts:TagSession / sts:SetSourceIdentity) on exactly the roleArns of chatops.yml, read when packaging
 * (scripts/serverless-config.cjs); the target-account template (cloudformation/target-account-role.yml)
 * trusts only the bot's roles and grants what the bot's own roles may call, nothing more.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the resolver is the CommonJS file osls loads
const resolver = require('../../scripts/serverless-config.cjs') as {
  roleArnsOf(doc: unknown, source: string): string[];
};

const ROOT = join(__dirname, '../..');

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation documents are untyped YAML */
type Doc = Record<string, any>;

/** CloudFormation's short-form tags, read as their long forms. */
const cfnTags: Array<ScalarTag | CollectionTag> = ['Ref', 'Sub', 'GetAtt', 'If', 'Not', 'Equals', 'Join', 'Split'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (v: unknown) => ({ [key]: v }) } as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (v: any) => ({ [key]: v.toJSON() }) } as CollectionTag,
  ];
});

function statements(policyDoc: Doc): Doc[] {
  return (policyDoc.Statement as Doc[]).flatMap((s) => (s['Fn::If'] ? [s['Fn::If'][1]] : [s]));
}

function actionsOf(sts: Doc[]): Set<string> {
  return new Set(sts.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

describe('the roles to assume come from chatops.yml', () => {
  it('lists each environment role once and refuses a value that is not a role ARN', () => {
    const doc = {
      environments: {
        staging: { region: 'eu-west-1' },
        prod: { roleArn: 'arn:aws:iam::222222222222:role/ecs-chatops-target' },
        prod2: { roleArn: 'arn:aws:iam::222222222222:role/ecs-chatops-target' },
        dr: { roleArn: 'arn:aws:iam::333333333333:role/path/ecs-chatops' },
      },
    };
    expect(resolver.roleArnsOf(doc, 'x')).toEqual([
      'arn:aws:iam::222222222222:role/ecs-chatops-target',
      'arn:aws:iam::333333333333:role/path/ecs-chatops',
    ]);
    expect(resolver.roleArnsOf({ environments: { a: {} } }, 'x')).toEqual([]);
    expect(() => resolver.roleArnsOf({ environments: { prod: { roleArn: '*' } } }, 'chatops.yml')).toThrow(
      'chatops.yml: environments.prod.roleArn must be an IAM role ARN',
    );
  });

  it('serverless.yml grants sts actions only on those roles, tags and source identity only to the worker', () => {
    const sls = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as Doc;
    expect(sls.custom.targetRoles.arns).toBe('${file(./scripts/serverless-config.cjs):assumeRoleArns}');
    const res = sls.resources.Resources as Doc;
    const worker = statements(res.WorkerAssumeTargetRoles.Properties.PolicyDocument);
    expect(res.WorkerAssumeTargetRoles.Properties.Roles).toEqual([{ Ref: 'WorkerRole' }]);
    expect(actionsOf(worker)).toEqual(new Set(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']));
    for (const s of worker) expect(s.Resource).toBe('${self:custom.targetRoles.arns}');
    expect(worker.find((s) => s.Action === 'sts:TagSession')!.Condition).toEqual({
      'ForAllValues:StringLike': { 'aws:TagKeys': ['chatops:*'] },
    });
    const readers = statements(res.ReadersAssumeTargetRoles.Properties.PolicyDocument);
    expect(actionsOf(readers)).toEqual(new Set(['sts:AssumeRole']));
    expect(res.ReadersAssumeTargetRoles.Properties.Roles).toEqual([{ Ref: 'EventsRole' }, { Ref: 'ScheduledRole' }]);
    // No other statement anywhere grants an sts action.
    for (const role of ['SlackRole', 'WorkerRole', 'EventsRole', 'ScheduledRole']) {
      const sts = statements(res[role].Properties.Policies[0].PolicyDocument);
      expect([...actionsOf(sts)].filter((a) => a.startsWith('sts:'))).toEqual([]);
    }
  });
});

describe('the target-account role template', () => {
  const tpl = parse(readFileSync(join(ROOT, 'cloudformation/target-account-role.yml'), 'utf8'), { customTags: cfnTags }) as Doc;
  const role = tpl.Resources.Role.Properties;

  it('trusts only the bot worker (with tags and source identity), events and scheduled roles, with the ExternalId', () => {
    const trust = role.AssumeRolePolicyDocument.Statement as Doc[];
    const principals = new Set(trust.flatMap((s) => [s.Principal.AWS].flat()).map((p: Doc) => p.Ref));
    expect(principals).toEqual(new Set(['BotWorkerRoleArn', 'BotEventsRoleArn', 'BotScheduledRoleArn']));
    const byAction = (a: string) => trust.filter((s) => s.Action === a);
    expect(byAction('sts:TagSession').map((s) => s.Principal.AWS.Ref)).toEqual(['BotWorkerRoleArn']);
    expect(byAction('sts:SetSourceIdentity').map((s) => s.Principal.AWS.Ref)).toEqual(['BotWorkerRoleArn']);
    for (const s of byAction('sts:AssumeRole')) expect(s.Condition['Fn::If'][0]).toBe('HasExternalId');
  });

  it("grants what the bot's own roles call on ECS, ECR, Logs, metrics and scaling, and nothing else", () => {
    const sls = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as Doc;
    const res = sls.resources.Resources as Doc;
    const botActions = new Set<string>();
    for (const r of ['WorkerRole', 'EventsRole', 'ScheduledRole']) {
      for (const a of actionsOf(statements(res[r].Properties.Policies[0].PolicyDocument))) {
        if (/^(ecs|ecr|cloudwatch|application-autoscaling|ce|iam):|^logs:(Filter|Get|Describe)/.test(a)) botActions.add(a);
      }
    }
    const granted = actionsOf(statements(role.Policies[0].PolicyDocument));
    expect([...granted].sort()).toEqual([...botActions].sort());
    const pass = statements(role.Policies[0].PolicyDocument).find((s) => s.Action === 'iam:PassRole');
    expect(pass!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });
});
