/** `/ecs unfreeze <environment>`: lift a freeze. Approvers only. */
import { z } from 'zod';
import { announceGuard, unfreezeEnvironment } from '../approvals/locks';
import { code } from '../slack/text';
import { badInput } from '../errors';
import { parseRaw, positional, resolveEnvironment } from './args';
import { defineCommand } from './types';

const USAGE = '/ecs unfreeze <environment>';

const schema = z.object({
  // With a rest element zod reports a missing first value as that value ("Missing environment…"); extra words are refused in parse.
  args: z.tuple([positional('environment', 'unfreeze prod')], z.string()),
  flags: z.object({}).strict(),
});

export const unfreeze = defineCommand<Record<string, never>>({
  verb: 'unfreeze',
  summary: 'Lift the freeze of an environment.',
  usage: USAGE,
  examples: ['unfreeze prod'],
  kind: 'admin',
  parse(raw, ctx) {
    const { args } = parseRaw({ verb: 'unfreeze', usage: USAGE }, schema, raw, []);
    if (args.length > 1) throw badInput(`Unexpected extra input: ${code(args.slice(1).join(' '))}.`, USAGE);
    return { args: {}, environment: resolveEnvironment(ctx.config, args[0], USAGE) };
  },
  async inline(parsed, rt, inv) {
    const guard = await unfreezeEnvironment(rt, parsed.environment, inv.userId);
    return announceGuard(rt, inv.channelId, {
      action: 'unfrozen',
      user: inv.userId,
      environment: parsed.environment,
      guard,
      now: rt.now(),
    });
  },
});
