/**
 * `/ecs cost [environment | service] [--period mtd|7d|30d|last-month] [--by service|usage-type] [--private]`:
 * what ECS (and ECR) cost, from Cost Explorer, cached for hours. The AWS part is ./cost.run.ts.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { normalizeDuration } from '../config/duration';
import { code } from '../slack/text';
import { badInput } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { extraInput, parseRaw, resolveServiceOrEnvironment } from './args';
import { PERIODS, type Period } from './render/cost-plan';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

const COST_USAGE = '/ecs cost [environment | service] [--period mtd|7d|30d|last-month] [--by service|usage-type] [--private]';

const M = defineMessages('commands.cost', {
  summary: {
    en: 'What ECS and ECR cost: total, change, daily trend, forecast, per service (Cost Explorer, cached).',
    ko: 'ECS와 ECR 비용: 합계, 증감, 일별 추이, 예측, 서비스별 비용을 보여 줍니다 (Cost Explorer, 캐시 사용).',
  },
  periodNeedsValue: {
    en: 'needs a value: `mtd`, `7d`, `30d` or `last-month`',
    ko: '값이 필요합니다: `mtd`, `7d`, `30d`, `last-month` 중 하나',
  },
  periodOneOf: {
    en: 'must be one of `mtd`, `7d`, `30d`, `last-month` (not {input})',
    ko: '`mtd`, `7d`, `30d`, `last-month` 중 하나여야 합니다 (입력: {input})',
  },
  byNeedsValue: { en: 'needs a value: `service` or `usage-type`', ko: '값이 필요합니다: `service` 또는 `usage-type`' },
  byOneOf: { en: 'must be `service` or `usage-type` (not {input})', ko: '`service` 또는 `usage-type`이어야 합니다 (입력: {input})' },
  byServiceOfService: {
    en: '`--by service` splits an environment; {service} is one service.',
    ko: '`--by service`는 환경을 서비스별로 나눌 때 씁니다. 서비스 {service} 하나만으로는 나눌 것이 없습니다.',
  },
  byServiceHint: { en: 'Try {a} or {b}.', ko: '{a} 또는 {b} 명령을 써 보세요.' },
  ack: { en: 'Adding up costs of {what} ({period})…', ko: '{what} 비용을 합산하는 중 ({period})…' },
  serviceIn: { en: '{service} in {env}', ko: '{env}의 {service}' },
  mtd: { en: 'month to date', ko: '이번 달 누계' },
  '7d': { en: 'last 7 days', ko: '최근 7일' },
  '30d': { en: 'last 30 days', ko: '최근 30일' },
  'last-month': { en: 'last month', ko: '지난달' },
});

export type CostBy = 'service' | 'usage-type';

export interface CostArgs {
  alias?: string;
  period: Period;
  by: CostBy;
}

const BY = ['service', 'usage-type'] as const;

// Escaped: what was typed is echoed into mrkdwn ('<!channel>' must not reach Slack as a mention).
const quoted = (input: unknown): string => code(String(input));

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(1),
    flags: z
      .object({
        period: z
          .string({ error: M.token('periodNeedsValue') })
          // `7일`, `30 일`: the periods written with a Korean unit.
          .transform((s) => normalizeDuration(s) ?? s.toLowerCase())
          .pipe(z.enum(PERIODS, { error: (iss) => M.token('periodOneOf', { input: quoted(iss.input) }) }))
          .optional(),
        by: z
          .string({ error: M.token('byNeedsValue') })
          .transform((s) => s.toLowerCase())
          .pipe(z.enum(BY, { error: (iss) => M.token('byOneOf', { input: quoted(iss.input) }) }))
          .optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

export const cost = defineCommand<CostArgs>({
  verb: 'cost',
  summary: M.lazy('summary'),
  usage: COST_USAGE,
  examples: ['cost prod', 'cost web --period 30d', 'cost prod --period last-month --by usage-type'],
  kind: 'read',
  booleanFlags: VISIBILITY_FLAGS,
  parse(raw, ctx) {
    // `--period last month`, `--by usage type`: one value split by a space; say how to write it as one.
    for (const [f, values] of [
      ['period', PERIODS],
      ['by', BY],
    ] as const) {
      const v = raw.flags[f];
      for (const p of raw.positionals) {
        // (`--period 7 일` is read as 7d by the grammar: src/commands/grammar.ts DURATION_FLAGS.)
        const one = `${v}-${p}`.toLowerCase();
        if (!(values as readonly string[]).includes(one)) continue;
        if (typeof v === 'string') throw extraInput([p], COST_USAGE, [`--${f} ${one}`]);
      }
    }
    const { args, flags } = parseRaw({ verb: 'cost', usage: COST_USAGE }, schema, raw, ['period', 'by', ...VISIBILITY_FLAGS]);
    const target = resolveServiceOrEnvironment(ctx, args[0], COST_USAGE);
    if (target.service && flags.by === 'service') {
      throw badInput(
        M.lazy('byServiceOfService', { service: code(target.service.alias) }),
        COST_USAGE,
        M.lazy('byServiceHint', { a: `\`/ecs cost ${target.service.alias} --by usage-type\``, b: `\`/ecs cost ${target.environment}\`` }),
      );
    }
    return readParsed(ctx.config, target, flags, COST_USAGE, {
      alias: target.service?.alias,
      period: flags.period ?? 'mtd',
      by: flags.by ?? 'service',
    });
  },
  ackText(parsed, locale) {
    const t = M.in(locale);
    const what = parsed.service
      ? t('serviceIn', { service: code(parsed.service.alias), env: code(parsed.environment) })
      : code(parsed.environment);
    return t('ack', { what, period: t(parsed.args.period) });
  },
  async run(parsed, rt, inv) {
    const { runCost } = await import('./cost.run');
    await runCost(parsed, rt, inv);
  },
});
