/**
 * `/ecs rightsize <service> [--days 14]`: CPU and memory use (CloudWatch) against the task
 * definition's reservation, the smallest valid Fargate size with the environment's headroom, the
 * monthly saving, Fargate Spot outside production, and a button that requests the resize (a deploy
 * request through every gate and approval). AWS part: ./rightsize.run.ts.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { durationMs } from '../config/duration';
import { defineMessages } from '../i18n';
import { code } from '../slack/text';
import { missingService, parseRaw, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

const USAGE = '/ecs rightsize <service> [--days 14] [--private]';
const DEFAULT_DAYS = 14;
/** Hourly datapoints are kept for 63 days at full resolution. */
const MAX_DAYS = 63;
const DAY_MS = 86_400_000;

const text = defineMessages('rightsize-verb', {
  dayCount: { en: 'the number of days', ko: '일 수' },
  needsDays: { en: 'needs a number of days, e.g. `--days 14`', ko: '일 수가 필요합니다. 예: `--days 14`' },
  summary: {
    en: 'CPU and memory use against the reservation, the smallest Fargate size that fits, the monthly saving, and a button to request it.',
    ko: '예약 대비 CPU·메모리 사용량, 맞는 가장 작은 Fargate 크기, 월 절약액, 그리고 변경을 요청하는 버튼.',
  },
  ack: { en: 'Reading {days} days of CPU and memory of {alias} in {env}…', ko: '{env}의 {alias} CPU·메모리 {days}일치를 읽는 중…' },
});

export interface RightsizeArgs {
  alias: string;
  days: number;
}

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(1),
    flags: z
      .object({
        days: z
          .string({ error: text.token('needsDays') })
          // `14일`, `14d`, `2주`: whole days written as a duration are that many days.
          .transform((v) => {
            const ms = durationMs(v);
            return ms && ms % DAY_MS === 0 ? String(ms / DAY_MS) : v;
          })
          .pipe(wholeNumber(text.token('dayCount'), 1, MAX_DAYS))
          .optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

export const rightsize = defineCommand<RightsizeArgs>({
  verb: 'rightsize',
  summary: text.lazy('summary'),
  usage: USAGE,
  examples: ['rightsize web', 'rightsize worker --days 30'],
  kind: 'read',
  booleanFlags: VISIBILITY_FLAGS,
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'rightsize', usage: USAGE }, schema, raw, ['days', ...VISIBILITY_FLAGS]);
    if (!args[0]) throw missingService(ctx.config, 'rightsize web', USAGE);
    const service = resolveService(ctx.config, args[0], USAGE, ctx.channelId);
    const a = { alias: service.alias, days: flags.days ?? DEFAULT_DAYS };
    return readParsed(ctx.config, { environment: service.environment, service }, flags, USAGE, a);
  },
  ackText(parsed, locale) {
    return text.in(locale)('ack', { days: parsed.args.days, alias: code(parsed.args.alias), env: code(parsed.environment) });
  },
  async run(parsed, rt, inv) {
    const { runRightsize } = await import('./rightsize.run');
    await runRightsize(parsed, rt, inv);
  },
});
