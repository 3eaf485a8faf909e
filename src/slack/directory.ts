/**
 * User-group membership, for authorization by Slack user group (S… IDs in chatops.yml).
 * Cached in memory for a few minutes per process: membership changes take effect within the TTL.
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
  /** Which of `groups` the user belongs to. */
  groupsOf(userId: string, groups: readonly string[]): Promise<Set<string>>;
}

export function createDirectory(slack: SlackGateway, log: Logger, ttlMs = 5 * 60_000, now: () => number = Date.now): Directory {
  const cache = new Map<string, { at: number; members: Set<string> }>();
  async function members(groupId: string): Promise<Set<string>> {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    try {
      const list = new Set(await slack.groupMembers(groupId));
      cache.set(groupId, { at: now(), members: list });
      return list;
    } catch (err) {
      if (hit) {
        log.warn('user-group lookup failed; using the cached membership', { groupId, err });
        return hit.members;
      }
      throw new BotError('SLACK', `cannot read user group ${groupId}`, {
        userMessage: M.lazy('cannotCheck', { group: `<!subteam^${groupId}>` }),
        hint: M.lazy('cannotCheckHint'),
        cause: err,
      });
    }
  }
  return {
    async groupsOf(userId, groups) {
      const found = new Set<string>();
      const sets = await Promise.all(groups.map(async (g) => [g, await members(g)] as const));
      for (const [g, m] of sets) if (m.has(userId)) found.add(g);
      return found;
    },
  };
}
