/**
 * `/ecs freeze <environment> [--reason …]`: refuse every change in an environment (new requests,
 * approvals, and approved requests that have not started yet) until `/ecs unfreeze`. Approvers only.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { announceGuard, freezeEnvironment } from '../approvals/locks';
import { parseRaw, positional, resolveEnvironment } from './args';
import { defineCommand } from './types';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('commands.freeze', {
  summary: {
    en: 'Freeze an environment: every change there is refused until it is unfrozen.',
    ko: '환경을 동결합니다. 동결을 해제할 때까지 그 환경의 모든 변경이 거절됩니다.',
  },
});
import { reasonFlag, reasonWithoutQuotes } from './change-args';

const USAGE = '/ecs freeze <environment> [--reason …]';

interface FreezeArgs {
  reason?: string;
}

const schema = lazySchema(() =>
  z.object({
    args: z.tuple([positional('environment', 'freeze prod')], z.string()),
    flags: z.object({ reason: reasonFlag }).strict(),
  }),
);

export const freeze = defineCommand<FreezeArgs>({
  verb: 'freeze',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['freeze prod --reason "Black Friday"', 'freeze staging'],
  kind: 'admin',
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'freeze', usage: USAGE }, schema, raw, ['reason']);
    reasonWithoutQuotes(args.slice(1), flags.reason, `freeze ${args[0]}`, USAGE);
    const environment = resolveEnvironment(ctx.config, args[0], USAGE, 'lock');
    return { args: { reason: flags.reason }, environment };
  },
  async inline(parsed, rt, inv, locale) {
    const guard = await freezeEnvironment(rt, parsed.environment, inv.userId, parsed.args.reason);
    return announceGuard(
      rt,
      inv.channelId,
      { action: 'frozen', user: inv.userId, environment: parsed.environment, guard, now: rt.now() },
      locale,
    );
  },
});
