/**
 * `/ecs unlock <service>`: remove a manual lock. Your own lock, or anyone's if you are an approver
 * in the service's environment. A change lock (held while a change runs) is released by the change.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { announceGuard, unlockService } from '../approvals/locks';
import { extraInput, parseRaw, positional, resolveService } from './args';
import { defineCommand } from './types';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('commands.unlock', {
  summary: {
    en: 'Unlock a service (someone else’s lock needs an approver).',
    ko: '서비스 잠금을 풉니다 (다른 사람의 잠금은 승인자만 풀 수 있습니다).',
  },
});

const USAGE = '/ecs unlock <service>';

interface UnlockArgs {
  alias: string;
}

const schema = lazySchema(() =>
  z.object({
    // With a rest element zod reports a missing first value as that value ("Missing service…"); extra words are refused in parse.
    args: z.tuple([positional('service', 'unlock web')], z.string()),
    flags: z.object({}).strict(),
  }),
);

export const unlock = defineCommand<UnlockArgs>({
  verb: 'unlock',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['unlock web'],
  kind: 'change',
  // Approvers may lock and unlock (anyone's lock) even when they are not requesters.
  alsoAllowed: ['approver'],
  parse(raw, ctx) {
    const { args } = parseRaw({ verb: 'unlock', usage: USAGE }, schema, raw, []);
    if (args.length > 1) throw extraInput(args.slice(1), USAGE);
    const service = resolveService(ctx.config, args[0], USAGE, ctx.channelId);
    return { args: { alias: service.alias }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const guard = await unlockService(rt, parsed.environment, parsed.args.alias, inv.userId);
    return announceGuard(
      rt,
      inv.channelId,
      {
        action: 'unlocked',
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
