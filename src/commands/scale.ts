/**
 * `/ecs scale <service> <count> [--reason "…"] [--dry-run]`: set a service's desired task count,
 * a whole number within `services.<alias>.scale` in chatops.yml. Approval per environment;
 * progress is reported like a deploy (tasks reaching the new count).
 */
import { code, plural } from '../slack/text';
import { changeBase, changeTarget, parseChange, parseCount, parsedFor, type ChangeArgsBase } from './change-args';
import { defineCommand } from './types';

const USAGE = '/ecs scale <service> <count> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'scale', usage: USAGE };

export interface ScaleArgs extends ChangeArgsBase {
  alias: string;
  count: number;
}

export const scale = defineCommand<ScaleArgs>({
  verb: 'scale',
  summary: 'Set the number of tasks of a service (within its configured bounds).',
  usage: USAGE,
  examples: ['scale web 8 --reason "campaign traffic"', 'scale worker 2', 'scale web 12 --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(
      SPEC,
      raw,
      [
        { what: 'the service', example: 'scale web 8' },
        { what: 'the number of tasks', example: `scale ${raw.positionals[0] ?? 'web'} 8` },
      ],
      {},
    );
    const svc = changeTarget(ctx, args[0]!, SPEC);
    const count = parseCount(args[1]!, svc, USAGE);
    return parsedFor(svc, { alias: svc.alias, count, ...changeBase(flags, ctx, SPEC) });
  },
  ackText(parsed) {
    return `${parsed.args.dryRun ? 'Planning (dry run)' : 'Preparing'} scaling ${code(parsed.args.alias)} to ${plural(parsed.args.count, 'task')} in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runScale } = await import('./scale.run');
    await runScale(parsed, rt, inv);
  },
});
