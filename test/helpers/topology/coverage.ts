/**
 * IAM coverage of a topology run, both ways: every AWS call (and every log write Lambda makes
 * for a function) checked against the function's role from the packaged template, and every
 * (statement, action, resource pattern) the role allows checked for some call that uses it.
 */
import {
  authorizationsFor,
  statementActions,
  statementMatches,
  evaluate,
  type Authorization,
  type PolicyStatement,
} from '../../../src/loopback/aws/iam';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ACCOUNT, ROOT } from './artifacts';
import type { FunctionKey, Topology } from './index';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the resolver is the CommonJS file osls loads
const resolver = require(`${ROOT}/scripts/iam-resources.cjs`) as { scopedResources(doc: unknown): Record<string, string[]> };

/**
 * The resources chatops.yml names for the roles (scripts/iam-resources.cjs, as packaged), resolved for
 * the topology's stack: every ARN a role may name besides its own function's (log group, worker,
 * queue), the target roles, and "*" where AWS requires it.
 */
export function scopedArns(configFile: string): Set<string> {
  const scoped = resolver.scopedResources(parse(readFileSync(configFile, 'utf8')));
  return new Set(
    Object.values(scoped)
      .flat()
      .map((arn) => arn.replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', ACCOUNT)),
  );
}

export interface Use {
  fn: FunctionKey;
  /** `ecs:DescribeServices` (the API call), or `platform` for Lambda's own log writes. */
  call: string;
  auth: Authorization;
}

/** Everything each function asked IAM for during the run. */
export function usesOf(t: Topology): Use[] {
  const uses: Use[] = [];
  for (const c of t.aws.calls) {
    // Calls signed with a session of the target role are that role's (targetUsesOf).
    if (t.world.sts.session(c.accessKeyId)) continue;
    const fn = t.functionOf(c.accessKeyId);
    if (!fn) continue;
    for (const auth of authorizationsFor(c, ACCOUNT, t.world.iamLookup())) uses.push({ fn, call: `${c.service}:${c.action}`, auth });
  }
  for (const p of t.platformCalls) uses.push({ fn: p.fn, call: 'platform', auth: p.auth });
  return uses;
}

/** Uses the function's role does not allow: `fn: action on resource (call)`. */
export function disallowed(t: Topology, uses: readonly Use[]): string[] {
  return uses
    .filter((u) => !evaluate(t.functions[u.fn].statements, u.auth).allowed)
    .map((u) => `${u.fn}: ${u.auth.action} on ${u.auth.resource} (${u.call})`);
}

export interface Grant {
  fn: FunctionKey;
  sid: string;
  action: string;
  resource: string;
  statement: PolicyStatement;
}

/** Every action × resource pattern of every Allow statement of each function's role. */
export function grantsOf(t: Topology): Grant[] {
  const out: Grant[] = [];
  for (const [fn, def] of Object.entries(t.functions) as Array<[FunctionKey, (typeof t.functions)[FunctionKey]]>) {
    for (const s of def.statements) {
      if (s.Effect !== 'Allow') continue;
      const resources = s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      for (const action of statementActions(s)) {
        for (const resource of resources)
          out.push({ fn, sid: s.Sid ?? '(no Sid)', action, resource, statement: { ...s, Action: action, Resource: resource } });
      }
    }
  }
  return out;
}

/**
 * Grants no use of that function needed: `fn: Sid action on resource`. A resource chatops.yml names
 * (`scoped`: a configured service, log group, repository…) is the configuration's, not the scripted
 * run's to cover: for those the action must be used on one of the statement's resources; every other
 * resource (the function's own, "*") must be used itself.
 */
export function unusedGrants(t: Topology, uses: readonly Use[], scoped: ReadonlySet<string> = new Set()): string[] {
  return grantsOf(t)
    .filter((g) => {
      const statement = scoped.has(g.resource)
        ? { ...g.statement, Resource: [g.statement.Resource ?? []].flat().concat(sameStatement(t, g)) }
        : g.statement;
      return !uses.some((u) => u.fn === g.fn && statementMatches(statement, u.auth));
    })
    .map((g) => `${g.fn}: ${g.sid} ${g.action} on ${g.resource}`);
}

/** The resources of the statement a grant comes from. */
function sameStatement(t: Topology, g: Grant): string[] {
  const s = t.functions[g.fn].statements.find((x) => (x.Sid ?? '(no Sid)') === g.sid && [x.Resource].flat().includes(g.resource));
  return s ? [s.Resource ?? []].flat() : [];
}

/** For the report: per function, each used action with the resources it touched. */
export function usageSummary(uses: readonly Use[]): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, Set<string>>> = {};
  for (const u of uses) {
    const byAction = (out[u.fn] ??= {});
    (byAction[u.auth.action] ??= new Set()).add(u.auth.resource);
  }
  return Object.fromEntries(
    Object.entries(out).map(([fn, m]) => [fn, Object.fromEntries(Object.entries(m).map(([a, r]) => [a, [...r].sort()]))]),
  );
}

/** A call made with a session of the target role (chatops.yml's roleArn): which function's session, and what IAM was asked. */
export interface TargetUse {
  fn: FunctionKey | undefined;
  call: string;
  auth: Authorization;
}

/** Everything the target role's sessions asked IAM for during the run. */
export function targetUsesOf(t: Topology): TargetUse[] {
  return t.aws.calls
    .filter((c) => t.world.sts.session(c.accessKeyId)?.roleArn === t.targetRole.roleArn)
    .flatMap((c) =>
      authorizationsFor(c, ACCOUNT, t.world.iamLookup()).map((auth) => ({
        fn: t.functionOf(c.accessKeyId),
        call: `${c.service}:${c.action}`,
        auth,
      })),
    );
}

/** Target-role uses its policy does not allow. */
export function targetDisallowed(t: Topology, uses: readonly TargetUse[]): string[] {
  return uses
    .filter((u) => !evaluate(t.targetRole.statements, u.auth).allowed)
    .map((u) => `${u.fn ?? '?'} (as the target role): ${u.auth.action} on ${u.auth.resource} (${u.call})`);
}

/**
 * Every action × resource pattern the target role allows that no session used. A resource of
 * `scoped` (what chatops.yml lists: one service among several) counts as used when the action was
 * used on any resource of its statement, as for the functions' own roles (unusedGrants).
 */
export function targetUnusedGrants(t: Topology, uses: readonly TargetUse[], scoped: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const s of t.targetRole.statements) {
    if (s.Effect !== 'Allow') continue;
    const resources = s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    for (const action of statementActions(s)) {
      for (const resource of resources) {
        const g = { ...s, Action: action, Resource: scoped.has(resource) ? resources : resource };
        if (!uses.some((u) => statementMatches(g, u.auth))) out.push(`target role: ${s.Sid ?? '(no Sid)'} ${action} on ${resource}`);
      }
    }
  }
  return out;
}
