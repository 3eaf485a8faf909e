/**
 * `/ecs lock <service> [--reason …]`: lock a service by hand. While locked, new change requests
 * for it are refused and its pending request cannot be approved; who, why and since when show in
 * every refusal and in `/ecs status`. Answered in the ack (Redis and Slack only).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { lockService, announceGuard } from '../approvals/locks';
import { parseRaw, positional, resolveService } from './args';
import { reasonFlag, reasonWithoutQuotes } from './change-args';
import { defineCommand } from './types';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('commands.lock', {
  summary: {
    en: 'Lock a service: changes to it by anyone else are refused until it is unlocked.',
    ko: '서비스를 잠급니다. 잠금을 풀 때까지 다른 사람의 변경은 거절됩니다.',
  },
});

const USAGE = '/ecs lock <service> [--reason …]';

interface LockArgs {
  alias: string;
  reason?: string;
}

const schema = lazySchema(() =>
  z.object({
    args: z.tuple([positional('service', 'lock web')], z.string()),
    flags: z.object({ reason: reasonFlag }).strict(),
  }),
);

export const lock = defineCommand<LockArgs>({
  verb: 'lock',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['lock web --reason "migrating the orders table"', 'lock worker'],
  kind: 'change',
  // Approvers may lock and unlock (anyone's lock) even when they are not requesters.
  alsoAllowed: ['approver'],
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'lock', usage: USAGE }, schema, raw, ['reason']);
    reasonWithoutQuotes(args.slice(1), flags.reason, `lock ${args[0]}`, USAGE);
    const service = resolveService(ctx.config, args[0], USAGE, ctx.channelId);
    return { args: { alias: service.alias, reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const guard = await lockService(rt, parsed.environment, parsed.args.alias, inv.userId, parsed.args.reason);
    return announceGuard(
      rt,
      inv.channelId,
      {
        action: 'locked',
        user: inv.userId,
        environment: parsed.environment,
        service: parsed.args.alias,
        guard,
        now: rt.now(),
      },
      locale,
    );
  },
});
