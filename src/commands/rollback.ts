/**
 * `/ecs rollback <service> [--to <revision>] [--reason "…"] [--dry-run]`: return a service to the
 * task definition that ran before its last deploy (from ECS's deployment history, not "revision
 * minus one"), or to a named revision of its family. Same approval, lock and reporting as deploy.
 */
import { code } from '../slack/text';
import { changeBase, changeTarget, parseChange, parsedFor, parseRevision, type ChangeArgsBase } from './change-args';
import { z } from 'zod';
import { defineCommand } from './types';

const USAGE = '/ecs rollback <service> [--to <revision>] [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'rollback', usage: USAGE };

export interface RollbackArgs extends ChangeArgsBase {
  alias: string;
  /** A revision of the service's task definition family; absent = what ran before the last deploy. */
  to?: number;
}

export const rollback = defineCommand<RollbackArgs>({
  verb: 'rollback',
  summary: 'Return a service to the task definition it ran before its last deploy (or --to a revision).',
  usage: USAGE,
  examples: ['rollback web --reason "5xx after v1.2.3"', 'rollback web --to 41', 'rollback web --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(SPEC, raw, [{ what: 'the service', example: 'rollback web' }], {
      to: z.union([z.string(), z.literal(true)]).optional(),
    });
    const svc = changeTarget(ctx, args[0]!, SPEC);
    const to = parseRevision(flags.to, USAGE);
    return parsedFor(svc, { alias: svc.alias, to, ...changeBase(flags, ctx, SPEC) });
  },
  ackText(parsed) {
    const target = parsed.args.to ? `revision ${parsed.args.to}` : 'the previous task definition';
    return `${parsed.args.dryRun ? 'Planning (dry run)' : 'Preparing'} the rollback of ${code(parsed.args.alias)} to ${target} in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runRollback } = await import('./rollback.run');
    await runRollback(parsed, rt, inv);
  },
});
