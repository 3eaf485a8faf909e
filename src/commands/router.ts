/**
 * The router: a command text → the verb's spec (from the one command table, ./registry.ts) and its
 * typed arguments. Pure apart from reading config. Used by the Slack edge before the ack and again by
 * the worker's `command` job (./job.ts).
 */
import { badInput, BotError } from '../errors';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { code } from '../slack/text';
import { parseArgs } from './grammar';
import { findCommand, verbNames } from './registry';
import { closest } from './suggest';
import type { CommandSpec, Parsed } from './types';

/** Parse a command text into its spec and typed command. Throws BotError (unknown verb, bad input). */
export function route(
  rt: Pick<Runtime, 'config'>,
  inv: Pick<Invocation, 'text' | 'channelId' | 'userId'>,
): { spec: CommandSpec<never>; parsed: Parsed<never> } {
  const firstWord = inv.text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const spec0 = findCommand(firstWord || 'help');
  if (!spec0) {
    const near = closest(firstWord, verbNames());
    const msg = `There is no command ${code(firstWord)}.${near.length ? ` Did you mean ${near.map((n) => code(n)).join(', ')}?` : ''}`;
    throw new BotError('UNKNOWN_VERB', msg, {
      userMessage: msg,
      hint: `Commands: ${verbNames()
        .map((v) => code(v))
        .join(', ')}. \`/ecs help\` explains each.`,
    });
  }
  const raw = parseArgs(inv.text || 'help', new Set(spec0.booleanFlags ?? []));
  const spec = findCommand(raw.verb || 'help');
  if (!spec) throw badInput(`There is no command ${code(raw.verb)}.`);
  const parsed = spec.parse(raw, { config: rt.config, channelId: inv.channelId, userId: inv.userId });
  return { spec, parsed };
}
