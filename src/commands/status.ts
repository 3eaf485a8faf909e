/**
 * `/ecs status [service | environment]`: one service in detail, or one line per service of an
 * environment (no argument: the channel's environment). Read-only; the AWS part runs in the
 * worker (./status.run.ts).
 */
import { z } from 'zod';
import { code } from '../slack/text';
import { parseRaw, resolveServiceOrEnvironment } from './args';
import { defineCommand } from './types';

const USAGE = '/ecs status [service | environment]';

export interface StatusArgs {
  /** Set when the command names a service; otherwise the whole environment. */
  alias?: string;
}

const schema = z.object({
  args: z.array(z.string()).max(1),
  flags: z.object({}).strict(),
});

export const status = defineCommand<StatusArgs>({
  verb: 'status',
  summary: 'Health of a service (deployments, image, events, stopped tasks) or of every service in an environment.',
  usage: USAGE,
  examples: ['status web', 'status prod', 'status'],
  kind: 'read',
  parse(raw, ctx) {
    const { args } = parseRaw({ verb: 'status', usage: USAGE }, schema, raw, []);
    const target = resolveServiceOrEnvironment(ctx, args[0], USAGE);
    return { args: { alias: target.service?.alias }, environment: target.environment, service: target.service };
  },
  ackText(parsed) {
    return parsed.service
      ? `Looking up ${code(parsed.service.alias)} in ${code(parsed.environment)}…`
      : `Looking up every service in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runStatus } = await import('./status.run');
    await runStatus(parsed, rt, inv);
  },
});
