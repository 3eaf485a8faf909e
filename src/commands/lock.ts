/**
 * `/ecs lock <service> [--reason …]`: lock a service by hand. While locked, new change requests
 * for it are refused and its pending request cannot be approved; who, why and since when show in
 * every refusal and in `/ecs status`. Answered in the ack (Redis and Slack only).
 */
import { z } from 'zod';
import { lockService, announceGuard } from '../approvals/locks';
import { code } from '../slack/text';
import { badInput } from '../errors';
import { parseRaw, positional, resolveService } from './args';
import { defineCommand } from './types';

/* ---- The `--reason` flag, shared with /ecs freeze. ---- */
export const REASON_MAX = 200;

export const reasonFlag = z
  .string({ error: 'needs a value, e.g. --reason "migrating the orders table"' })
  .trim()
  .min(1, 'needs a value, e.g. --reason "migrating the orders table"')
  .max(REASON_MAX, `keep the reason under ${REASON_MAX} characters`)
  .optional();

/**
 * Words left over after the target: most likely a reason of several words typed without quotes
 * (`--reason migrating the DB`) or without `--reason`. Say how to write it.
 */
export function reasonWithoutQuotes(extra: readonly string[], reason: string | undefined, example: string, usage: string): void {
  if (!extra.length) return;
  const words = [reason, ...extra].filter((w): w is string => Boolean(w)).join(' ');
  throw badInput(
    `Unexpected extra input: ${code(extra.join(' '))}. A reason of several words goes in quotes after --reason, e.g. ${code(`/ecs ${example} --reason "${words}"`)}.`,
    usage,
  );
}

const USAGE = '/ecs lock <service> [--reason …]';

export interface LockArgs {
  alias: string;
  reason?: string;
}

const schema = z.object({
  args: z.tuple([positional('service', 'lock web')], z.string()),
  flags: z.object({ reason: reasonFlag }).strict(),
});

export const lock = defineCommand<LockArgs>({
  verb: 'lock',
  summary: 'Lock a service: changes to it are refused until it is unlocked.',
  usage: USAGE,
  examples: ['lock web --reason "migrating the orders table"', 'lock worker'],
  kind: 'change',
  // Approvers may lock and unlock (anyone's lock) even when they are not requesters.
  alsoAllowed: ['approver'],
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'lock', usage: USAGE }, schema, raw, ['reason']);
    reasonWithoutQuotes(args.slice(1), flags.reason, `lock ${args[0]}`, USAGE);
    const service = resolveService(ctx.config, args[0], USAGE);
    return { args: { alias: service.alias, reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv) {
    const guard = await lockService(rt, parsed.environment, parsed.args.alias, inv.userId, parsed.args.reason);
    return announceGuard(rt, inv.channelId, {
      action: 'locked',
      user: inv.userId,
      environment: parsed.environment,
      service: parsed.args.alias,
      guard,
      now: rt.now(),
    });
  },
});
