/**
 * The command table: the one list the router, `/ecs help`, authorization and the worker read.
 * Add a verb by writing src/commands/<verb>.ts and listing it here.
 */
import { createHelp } from './help';
import { status } from './status';
import { logs } from './logs';
import { cost } from './cost';
import { images } from './images';
import { tasks } from './tasks';
import { taskdef } from './taskdef';
import { rightsize } from './rightsize';
import { resize } from './resize';
import { history } from './history';
import { lock } from './lock';
import { lockSteal } from './lock-steal';
import { promote } from './promote';
import { unlock } from './unlock';
import { freeze } from './freeze';
import { unfreeze } from './unfreeze';
import { deploy } from './deploy';
import { rollback } from './rollback';
import { scale } from './scale';
import { restart } from './restart';
import { run } from './run';
import { mute, unmute } from './mute';
import type { CommandSpec } from './types';

// Each entry is a CommandSpec of its own argument type; the table erases it.
type AnySpec = CommandSpec<never>;

const help = createHelp(() => commands);

const commands: readonly AnySpec[] = [
  help,
  // read-only verbs
  history,
  status,
  logs,
  cost,
  images,
  tasks,
  taskdef,
  rightsize,
  // changes
  deploy,
  rollback,
  scale,
  restart,
  run,
  promote,
  resize,
  // guard rails
  mute,
  unmute,
  lock,
  lockSteal,
  unlock,
  freeze,
  unfreeze,
] as unknown as AnySpec[];

export function findCommand(verb: string): AnySpec | undefined {
  return commands.find((c) => c.verb === verb);
}

export function verbNames(): string[] {
  return commands.map((c) => c.verb);
}
