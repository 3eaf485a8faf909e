/**
 * User-group membership, for authorization by Slack user group (S… IDs in chatops.yml).
 * Cached in memory for a few minutes per process: membership changes take effect within the TTL.
 *
 * When Slack cannot be asked (rate limited, down), the last answer is used for a bounded time
 * (`maxStaleMs` past its expiry, logged), then the check fails with a clear refusal: a membership
 * Slack has not confirmed for that long is not honoured. Concurrent lookups of one group share one
 * request (single-flight), so a burst of clicks makes one usergroups.users.list call per process.
 */
import type { Logger } from '../log';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('slack.directory', {
  cannotCheck: {
    en: 'I could not check your membership of user group {group} with Slack, so I did not run the command.',
    ko: 'Slack에서 사용자 그룹 {group} 소속을 확인하지 못해 명령을 실행하지 않았습니다.',
  },
  cannotCheckHint: {
    en: 'Try again in a moment. The Slack app needs the usergroups:read scope.',
    ko: '잠시 뒤에 다시 시도하세요. Slack 앱에 usergroups:read 권한이 필요합니다.',
  },
});
import type { SlackGateway } from './gateway';

export interface Directory {
  /**
   * Which of `groups` the user belongs to. `withinMs`: how long to wait for Slack (a click's
   * budget); a lookup not answered by then counts as failed for this caller (the cached membership
   * within its grace, else the refusal) and goes on in the background, filling the cache for the
   * next click.
   */
  groupsOf(userId: string, groups: readonly string[], opts?: { withinMs?: number }): Promise<Set<string>>;
}

export interface DirectoryOptions {
  /** How long an answer from Slack is used without asking again (default 5 minutes). */
  ttlMs?: number;
  /** How long past `ttlMs` the last answer may stand in when Slack cannot be asked (default 15 minutes). */
  maxStaleMs?: number;
  now?: () => number;
}

export function createDirectory(slack: SlackGateway, log: Logger, opts: DirectoryOptions = {}): Directory {
  const ttlMs = opts.ttlMs ?? 5 * 60_000;
  const maxStaleMs = opts.maxStaleMs ?? 15 * 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Set<string> }>();
  const inflight = new Map<string, Promise<Set<string>>>();

  /** Slack's answer for a group, shared by concurrent lookups; fills the cache. */
  function ask(groupId: string): Promise<Set<string>> {
    let p = inflight.get(groupId);
    if (!p) {
      p = slack
        .groupMembers(groupId)
        .then((users) => {
          const list = new Set(users);
          cache.set(groupId, { at: now(), members: list });
          return list;
        })
        .finally(() => inflight.delete(groupId));
      // A caller that stopped waiting (withinMs) leaves it unobserved: its failure is handled by those still waiting.
      p.catch(() => undefined);
      inflight.set(groupId, p);
    }
    return p;
  }

  async function lookup(groupId: string, withinMs: number | undefined): Promise<Set<string>> {
    const hit = cache.get(groupId);
    try {
      if (withinMs === undefined) return await ask(groupId);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          log.warn('user-group lookup: Slack did not answer within the bound; it goes on in the background', { groupId, withinMs });
          reject(new Error(`usergroups.users.list did not answer within ${withinMs} ms`));
        }, withinMs);
      });
      try {
        return await Promise.race([ask(groupId), late]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      const age = hit ? now() - hit.at : Infinity;
      if (hit && age <= ttlMs + maxStaleMs) {
        log.warn('user-group lookup failed; using the cached membership', { groupId, ageMs: age, err });
        return hit.members;
      }
      if (hit) log.warn('user-group lookup failed and the cached membership is too old to use', { groupId, ageMs: age, err });
      throw new BotError('SLACK', `cannot read user group ${groupId}`, {
        userMessage: M.lazy('cannotCheck', { group: `<!subteam^${groupId}>` }),
        hint: M.lazy('cannotCheckHint'),
        cause: err,
      });
    }
  }

  function members(groupId: string, withinMs: number | undefined): Promise<Set<string>> {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttlMs) return Promise.resolve(hit.members);
    return lookup(groupId, withinMs);
  }

  return {
    async groupsOf(userId, groups, opts = {}) {
      const found = new Set<string>();
      const sets = await Promise.all(groups.map(async (g) => [g, await members(g, opts.withinMs)] as const));
      for (const [g, m] of sets) if (m.has(userId)) found.add(g);
      return found;
    },
  };
}
