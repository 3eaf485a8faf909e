/**
 * `/ecs lock! <service> --reason "…"`: lock a service, taking over a lock someone else holds (a
 * manual lock, or the automatic lock after a rollback), and tell them directly. The reason is
 * required: it is what the previous holder reads. A change that is running keeps its lock (a lock by
 * hand it holds for its requester is taken over, src/approvals/lua/steal-2.lua).
 * Answered in the ack (Redis and Slack only).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { announceTakeOver, stealLock } from '../approvals/gate-locks';
import { badInput } from '../errors';
import { defineMessages } from '../i18n';
import { parseRaw, positional, resolveService } from './args';
import { reasonFlag, reasonWithoutQuotes } from './change-args';
import { defineCommand } from './types';

const USAGE = '/ecs lock! <service> --reason "…"';

const text = defineMessages('commands.lock-steal', {
  summary: {
    en: 'Lock a service, taking over a lock someone else holds (they are told directly); the reason is required.',
    ko: '다른 사람이 건 잠금을 넘겨받아 서비스를 잠급니다 (그 사람에게 직접 알립니다). 사유가 필요합니다.',
  },
  needReason: {
    en: 'Taking over a lock needs a reason the previous holder will read, e.g. `/ecs lock! {service} --reason "hotfix for the checkout outage"`.',
    ko: '잠금을 넘겨받으려면 이전 잠금자가 읽을 사유가 필요합니다. 예: `/ecs lock! {service} --reason "결제 장애 핫픽스"`.',
  },
});

interface LockStealArgs {
  alias: string;
  reason: string;
}

const schema = lazySchema(() =>
  z.object({
    args: z.tuple([positional('service', 'lock! web --reason "hotfix"')], z.string()),
    flags: z.object({ reason: reasonFlag }).strict(),
  }),
);

export const lockSteal = defineCommand<LockStealArgs>({
  verb: 'lock!',
  summary: text.lazy('summary'),
  usage: USAGE,
  examples: ['lock! web --reason "hotfix for the checkout outage"'],
  kind: 'change',
  // Like /ecs lock: approvers may lock even when they are not requesters.
  alsoAllowed: ['approver'],
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'lock!', usage: USAGE }, schema, raw, ['reason']);
    reasonWithoutQuotes(args.slice(1), flags.reason, `lock! ${args[0]}`, USAGE);
    const service = resolveService(ctx.config, args[0], USAGE, ctx.channelId);
    if (!flags.reason) throw badInput(text.lazy('needReason', { service: service.alias }), USAGE);
    return { args: { alias: service.alias, reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const taken = await stealLock(rt, parsed.environment, parsed.args.alias, inv.userId, parsed.args.reason);
    const { environment, args } = parsed;
    return announceTakeOver(rt, inv.channelId, { user: inv.userId, environment, service: args.alias, taken, locale });
  },
});
