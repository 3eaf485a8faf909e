/** `/ecs unfreeze <environment>`: lift a freeze. Approvers only. */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { announceGuard, unfreezeEnvironment } from '../approvals/locks';
import { extraInput, parseRaw, positional, resolveEnvironment } from './args';
import { defineCommand } from './types';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('commands.unfreeze', {
  summary: {
    en: 'Lift the freeze of an environment.',
    ko: '환경 동결을 해제합니다.',
  },
});

const USAGE = '/ecs unfreeze <environment>';

const schema = lazySchema(() =>
  z.object({
    // With a rest element zod reports a missing first value as that value ("Missing environment…"); extra words are refused in parse.
    args: z.tuple([positional('environment', 'unfreeze prod')], z.string()),
    flags: z.object({}).strict(),
  }),
);

export const unfreeze = defineCommand<Record<string, never>>({
  verb: 'unfreeze',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['unfreeze prod'],
  kind: 'admin',
  parse(raw, ctx) {
    const { args } = parseRaw({ verb: 'unfreeze', usage: USAGE }, schema, raw, []);
    if (args.length > 1) throw extraInput(args.slice(1), USAGE);
    return { args: {}, environment: resolveEnvironment(ctx.config, args[0], USAGE, 'unlock') };
  },
  async inline(parsed, rt, inv, locale) {
    const guard = await unfreezeEnvironment(rt, parsed.environment, inv.userId);
    return announceGuard(
      rt,
      inv.channelId,
      {
        action: 'unfrozen',
        user: inv.userId,
        environment: parsed.environment,
        guard,
        now: rt.now(),
      },
      locale,
    );
  },
});
