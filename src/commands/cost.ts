/**
 * `/ecs cost [environment | service] [--period mtd|7d|30d|last-month] [--by service|usage-type]`:
 * what ECS (and ECR) cost, from Cost Explorer, cached for hours. The AWS part is ./cost.run.ts.
 */
import { z } from 'zod';
import { code } from '../slack/text';
import { badInput } from '../errors';
import { parseRaw, resolveServiceOrEnvironment } from './args';
import { PERIODS, type Period } from './render/cost-plan';
import { defineCommand } from './types';

const COST_USAGE = '/ecs cost [environment | service] [--period mtd|7d|30d|last-month] [--by service|usage-type]';

export type CostBy = 'service' | 'usage-type';

export interface CostArgs {
  alias?: string;
  period: Period;
  by: CostBy;
}

const PERIOD_WORDS: Record<Period, string> = {
  mtd: 'month to date',
  '7d': 'last 7 days',
  '30d': 'last 30 days',
  'last-month': 'last month',
};

const schema = z.object({
  args: z.array(z.string()).max(1),
  flags: z
    .object({
      period: z
        .string({ error: 'needs a value: `mtd`, `7d`, `30d` or `last-month`' })
        .transform((s) => s.toLowerCase())
        .pipe(
          z.enum(PERIODS, {
            error: (iss) => `must be one of \`mtd\`, \`7d\`, \`30d\`, \`last-month\` (not ${code(String(iss.input))})`,
          }),
        )
        .optional(),
      by: z
        .string({ error: 'needs a value: `service` or `usage-type`' })
        .transform((s) => s.toLowerCase())
        .pipe(
          z.enum(['service', 'usage-type'], {
            error: (iss) => `must be \`service\` or \`usage-type\` (not ${code(String(iss.input))})`,
          }),
        )
        .optional(),
    })
    .strict(),
});

export const cost = defineCommand<CostArgs>({
  verb: 'cost',
  summary: 'What ECS and ECR cost: total, change, daily trend, forecast, per service (Cost Explorer, cached).',
  usage: COST_USAGE,
  examples: ['cost prod', 'cost web --period 30d', 'cost prod --period last-month --by usage-type'],
  kind: 'read',
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'cost', usage: COST_USAGE }, schema, raw, ['period', 'by']);
    const target = resolveServiceOrEnvironment(ctx, args[0], COST_USAGE);
    if (target.service && flags.by === 'service') {
      throw badInput(
        `\`--by service\` splits an environment; ${code(target.service.alias)} is one service.`,
        COST_USAGE,
        `Try \`/ecs cost ${target.service.alias} --by usage-type\` or \`/ecs cost ${target.environment}\`.`,
      );
    }
    return {
      args: { alias: target.service?.alias, period: flags.period ?? 'mtd', by: flags.by ?? 'service' },
      environment: target.environment,
      service: target.service,
    };
  },
  ackText(parsed) {
    const what = parsed.service ? `${code(parsed.service.alias)} in ${code(parsed.environment)}` : code(parsed.environment);
    return `Adding up costs of ${what} (${PERIOD_WORDS[parsed.args.period]})…`;
  },
  async run(parsed, rt, inv) {
    const { runCost } = await import('./cost.run');
    await runCost(parsed, rt, inv);
  },
});
