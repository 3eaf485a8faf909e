/**
 * `/ecs history <service> [--limit N]`: recent deployments of a service: when, which image / task
 * definition, who asked and who approved (the bot's audit trail), how it ended, and the
 * deployments ECS ran that the bot did not make. Read-only; the AWS part runs in the worker.
 */
import { z } from 'zod';
import { code } from '../slack/text';
import { badInput } from '../errors';
import { parseRaw, positional, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';

const USAGE = '/ecs history <service> [--limit N]';
const HISTORY_DEFAULT_LIMIT = 10;
const HISTORY_MAX_LIMIT = 50;

export interface HistoryArgs {
  alias: string;
  limit: number;
}

const schema = z.object({
  // With a rest element zod reports a missing first value as that value ("Missing service…"); extra words are refused in parse.
  args: z.tuple([positional('service', 'history web')], z.string()),
  flags: z.object({ limit: wholeNumber('--limit', 1, HISTORY_MAX_LIMIT).optional() }).strict(),
});

export const history = defineCommand<HistoryArgs>({
  verb: 'history',
  summary: 'Recent deployments of a service: who asked, who approved, how it ended, and changes made outside the bot.',
  usage: USAGE,
  examples: ['history web', 'history worker --limit 25'],
  kind: 'read',
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'history', usage: USAGE }, schema, raw, ['limit']);
    if (args.length > 1) throw badInput(`Unexpected extra input: ${code(args.slice(1).join(' '))}.`, USAGE);
    const service = resolveService(ctx.config, args[0], USAGE);
    return { args: { alias: service.alias, limit: flags.limit ?? HISTORY_DEFAULT_LIMIT }, environment: service.environment, service };
  },
  ackText(parsed) {
    return `Reading the history of ${code(parsed.args.alias)} in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runHistory } = await import('./history.run');
    await runHistory(parsed, rt, inv);
  },
});
