/**
 * The command table: the one list the router, `/ecs help`, authorization and the worker read.
 * Add a verb by writing src/commands/<verb>.ts and listing it here.
 */
import { createHelp } from './help';
import type { CommandSpec } from './types';

// Each entry is a CommandSpec of its own argument type; the table erases it.
type AnySpec = CommandSpec<never>;

const help = createHelp(() => commands);

export const commands: readonly AnySpec[] = [
  help,
  // read-only verbs
  // changes
  // guard rails
] as unknown as AnySpec[];

export function findCommand(verb: string): AnySpec | undefined {
  return commands.find((c) => c.verb === verb);
}

export function verbNames(): string[] {
  return commands.map((c) => c.verb);
}
