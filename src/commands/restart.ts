/**
 * `/ecs restart <service> [--reason "…"] [--dry-run]`: force a new deployment of the task
 * definition the service runs (every task replaced, rolling). Same path as deploy.
 */
import { code } from '../slack/text';
import { changeBase, changeTarget, parseChange, parsedFor, type ChangeArgsBase } from './change-args';
import { defineCommand } from './types';

const USAGE = '/ecs restart <service> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'restart', usage: USAGE };

export interface RestartArgs extends ChangeArgsBase {
  alias: string;
}

export const restart = defineCommand<RestartArgs>({
  verb: 'restart',
  summary: 'Replace every task of a service with new ones of the same task definition.',
  usage: USAGE,
  examples: ['restart web --reason "stuck connections"', 'restart worker', 'restart web --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(SPEC, raw, [{ what: 'the service', example: 'restart web' }], {});
    const svc = changeTarget(ctx, args[0]!, SPEC);
    return parsedFor(svc, { alias: svc.alias, ...changeBase(flags, ctx, SPEC) });
  },
  ackText(parsed) {
    return `${parsed.args.dryRun ? 'Planning (dry run)' : 'Preparing'} the restart of ${code(parsed.args.alias)} in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runRestart } = await import('./restart.run');
    await runRestart(parsed, rt, inv);
  },
});
