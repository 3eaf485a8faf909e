/**
 * The one authorization wrapper: "does this user hold role X in environment E" (and, for commands,
 * "in this channel"). Policy decides (src/policy/authorize.ts, pure); this module resolves the user
 * groups that matter through the directory (Slack usergroups.users.list, cached briefly), so someone
 * removed from a group loses the right within the cache TTL. Installed as `rt.access` by
 * src/handlers/compose.ts and used by the slash-command path, the buttons and the verbs that decide
 * by role.
 */
import type { Config } from '../config/schema';
import { BotError } from '../errors';
import { authorize, groupsToResolve, hasRole, type Doing, type Role } from '../policy/authorize';
import type { Access } from '../runtime';
import type { Directory } from '../slack/directory';

export function createAccess(config: Config, directory: Directory): Access {
  async function userGroups(environment: string, userId: string, role: Role, opts: { withinMs?: number } = {}): Promise<Set<string>> {
    const env = config.environments[environment];
    const groups = env ? groupsToResolve(env, role, userId) : [];
    return groups.length ? directory.groupsOf(userId, groups, opts) : new Set<string>();
  }

  async function holds(environment: string, userId: string, role: Role, opts: { withinMs?: number } = {}): Promise<boolean> {
    const env = config.environments[environment];
    if (!env) return false;
    return hasRole(env, role, userId, await userGroups(environment, userId, role, opts));
  }

  /** Throws FORBIDDEN unless `userId` holds `role` in `environment` and the channel is allowed. */
  async function ensureOne(
    environment: string,
    channelId: string,
    userId: string,
    role: Role,
    opts: { withinMs?: number; doing?: Doing },
  ): Promise<void> {
    const decision = authorize({
      config,
      environment,
      channelId,
      userId,
      role,
      userGroups: await userGroups(environment, userId, role, opts),
      ...(opts.doing ? { doing: opts.doing } : {}),
    });
    if (!decision.ok) {
      throw new BotError('FORBIDDEN', `denied ${role} in ${environment} for ${userId}`, { userMessage: decision.reason });
    }
  }

  return {
    holds,
    async holdsAny(environment, userId, roles, opts = {}) {
      // One bound for all the roles' lookups together (they are asked in turn).
      const endsAt = opts.withinMs === undefined ? undefined : Date.now() + opts.withinMs;
      for (const role of roles) {
        const within = endsAt === undefined ? {} : { withinMs: Math.max(0, endsAt - Date.now()) };
        if (await holds(environment, userId, role, within)) return true;
      }
      return false;
    },
    async ensure(environment, channelId, userId, roles, opts = {}) {
      let refusal: unknown;
      for (const role of roles) {
        try {
          await ensureOne(environment, channelId, userId, role, opts);
          return;
        } catch (err) {
          if (!(err instanceof BotError) || err.code !== 'FORBIDDEN') throw err;
          refusal ??= err;
        }
      }
      throw refusal;
    },
  };
}
