/**
 * Role checks at click time (buttons on our own messages: no channel check, the role only).
 * User-group membership comes from the directory (Slack usergroups.users.list, cached briefly),
 * so someone removed from the approvers group loses the right within the cache TTL.
 */
import { groupsToResolve, hasRole, type Role } from '../policy/authorize';
import type { Runtime } from '../runtime';

export async function holdsRole(
  rt: Pick<Runtime, 'config' | 'directory'>,
  environment: string,
  userId: string,
  role: Role,
): Promise<boolean> {
  const env = rt.config.environments[environment];
  if (!env) return false;
  const groups = groupsToResolve(env, role, userId);
  const userGroups = groups.length ? await rt.directory.groupsOf(userId, groups) : new Set<string>();
  return hasRole(env, role, userId, userGroups);
}

export function isApprover(rt: Pick<Runtime, 'config' | 'directory'>, environment: string, userId: string): Promise<boolean> {
  return holdsRole(rt, environment, userId, 'approver');
}
