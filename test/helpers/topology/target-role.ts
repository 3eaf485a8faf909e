/**
 * The role an environment's `roleArn` names, as cloudformation/target-account-role.yml creates it in
 * the target account (deployed with the given parameters): its ARN, its trust policy and its
 * permissions, for the topology's loopback IAM (calls signed with the role's sessions are
 * authorized against it; AssumeRole is also asked of its trust policy).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';
import { evaluate, type Authorization, type PolicyStatement } from '../../../src/loopback/aws/iam';
import type { CfnTemplate } from './artifacts';
import { Stack } from './cfn';

const ROOT = path.resolve(__dirname, '../../..');

/** CloudFormation's short-form tags, read as their long forms. */
const cfnTags: Array<ScalarTag | CollectionTag> = ['Ref', 'Sub', 'GetAtt', 'If', 'Not', 'Equals', 'Join', 'Split'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (v: unknown) => ({ [key]: v }) } as ScalarTag,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the yaml library's collection node
    { tag: `!${name}`, collection: 'seq', resolve: (v: any) => ({ [key]: v.toJSON() }) } as CollectionTag,
  ];
});

export interface TargetRole {
  roleArn: string;
  /** What the stack was deployed with (for the staging role: what `npm run target-role -- staging` prints, and the bot's roles). */
  parameters: Record<string, string>;
  /** Trust statements with their principals. */
  trust: Array<PolicyStatement & { Principal?: { AWS?: string | string[] } }>;
  /** The role's permissions. */
  statements: PolicyStatement[];
}

export function deployTargetRole(o: { account: string; region: string; parameters: Record<string, string> }): TargetRole {
  const template = parse(readFileSync(path.join(ROOT, 'cloudformation/target-account-role.yml'), 'utf8'), {
    customTags: cfnTags,
  }) as CfnTemplate;
  const stack = new Stack({ template, region: o.region, account: o.account, stackName: 'ecs-chatops-target', parameters: o.parameters });
  return {
    roleArn: stack.getAtt('Role', 'Arn'),
    parameters: o.parameters,
    trust: stack.trustStatements('Role'),
    statements: stack.roleStatements('Role'),
  };
}

/** Whether the trust policy lets `principal` (a role ARN) do what `auth` asks (sts:AssumeRole, TagSession, SetSourceIdentity). */
export function trusts(role: TargetRole, principal: string, auth: Authorization): boolean {
  const applicable = role.trust
    .filter((s) => {
      const aws = s.Principal?.AWS;
      return aws !== undefined && (Array.isArray(aws) ? aws : [aws]).includes(principal);
    })
    .map(({ Principal: _principal, ...s }) => ({ ...s, Resource: '*' }));
  return evaluate(applicable, { ...auth, resource: '*' }).allowed;
}
