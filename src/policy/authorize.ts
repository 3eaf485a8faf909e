/**
 * Who may do what, where. Pure: the caller resolves the user's user-group memberships first
 * (groupsToResolve tells which groups matter) and passes them in.
 */
import type { Config, EnvironmentConfig } from '../config/schema';
import { principal } from '../slack/text';

/**
 * reader / requester / approver: the environment's lists. breakGlass: who may run a change without
 * waiting for approval (`gates.breakGlass.users`, nobody when not configured). shifter: who may press
 * Shift production traffic / Roll back on a paused deployment (`gates.trafficShift.approvers`,
 * default the approvers).
 */
export type Role = 'reader' | 'requester' | 'approver' | 'breakGlass' | 'shifter';

export function principalsFor(env: EnvironmentConfig, role: Role): readonly string[] {
  if (role === 'reader') return env.readers;
  if (role === 'requester') return env.requesters;
  if (role === 'breakGlass') return env.gates.breakGlass?.users ?? [];
  if (role === 'shifter') return env.gates.trafficShift?.approvers ?? env.approvers;
  return env.approvers;
}

/** The user-group IDs whose membership decides this question (none when the user is listed directly or "*"). */
export function groupsToResolve(env: EnvironmentConfig, role: Role, userId: string): string[] {
  const list = principalsFor(env, role);
  if (list.includes('*') || list.includes(userId)) return [];
  return list.filter((p) => p.startsWith('S'));
}

type Decision = { ok: true } | { ok: false; reason: string };

interface AuthorizeInput {
  config: Config;
  environment: string;
  channelId: string;
  userId: string;
  role: Role;
  /** The user-groups (among groupsToResolve) that the user belongs to. */
  userGroups: ReadonlySet<string>;
}

const roleWords: Record<Role, string> = {
  reader: 'read from',
  requester: 'request changes in',
  approver: 'approve changes in',
  breakGlass: 'break glass in',
  shifter: 'shift production traffic in',
};

const roleField: Record<Role, string> = {
  reader: 'readers',
  requester: 'requesters',
  approver: 'approvers',
  breakGlass: 'gates.breakGlass.users',
  shifter: 'gates.trafficShift.approvers',
};

export function hasRole(env: EnvironmentConfig, role: Role, userId: string, userGroups: ReadonlySet<string>): boolean {
  const list = principalsFor(env, role);
  return list.includes('*') || list.includes(userId) || list.some((p) => userGroups.has(p));
}

export function authorize(input: AuthorizeInput): Decision {
  const env = input.config.environments[input.environment];
  if (!env) return { ok: false, reason: `Environment \`${input.environment}\` is not configured.` };
  if (!env.channels.includes(input.channelId)) {
    const where = env.channels.map((c) => `<#${c}>`).join(', ');
    return {
      ok: false,
      reason: `Commands for \`${input.environment}\` are not allowed in this channel. Use ${where}.`,
    };
  }
  if (!hasRole(env, input.role, input.userId, input.userGroups)) {
    const who = principalsFor(env, input.role).map(principal).join(', ');
    return {
      ok: false,
      reason: `You are not allowed to ${roleWords[input.role]} \`${input.environment}\`. ${who ? `That needs: ${who}.` : 'Nobody is configured for that role.'} Ask an admin to add you in chatops.yml (environments.${input.environment}.${roleField[input.role]}).`,
    };
  }
  return { ok: true };
}
