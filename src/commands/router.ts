/**
 * The router: a command text → the verb's spec (from the one command table, ./registry.ts) and its
 * typed arguments. Pure apart from reading config. Used by the Slack edge before the ack and again by
 * the worker's `command` job (./job.ts). `--help` or `-h` anywhere after a verb shows that verb's help.
 */
import { badInput, BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { code } from '../slack/text';
import { suggestion } from './args';
import { normalizeSlackText, parseArgs, type RawArgs } from './grammar';
import { findCommand, verbNames } from './registry';
import { nearVerbs } from './suggest';
import type { CommandSpec, Parsed } from './types';

const M = defineMessages('commands.router', {
  noCommand: { en: 'There is no command {verb}.', ko: '{verb} 명령은 없습니다.' },
  commands: { en: 'Commands: {list}. `/ecs help` explains each.', ko: '명령: {list}. 각 명령의 설명은 `/ecs help`에 있습니다.' },
});

/** `--help` (with or without a value) or a bare `-h` after the verb. */
function asksForHelp(raw: RawArgs): boolean {
  return raw.flags.help !== undefined || raw.positionals.includes('-h');
}

/** Parse a command text into its spec and typed command. Throws BotError (unknown verb, bad input). */
export function route(
  rt: Pick<Runtime, 'config'>,
  inv: Pick<Invocation, 'text' | 'channelId' | 'userId'>,
): { spec: CommandSpec<never>; parsed: Parsed<never> } {
  const firstWord = normalizeSlackText(inv.text).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const spec0 = findCommand(firstWord || 'help');
  if (!spec0) {
    const near = nearVerbs(firstWord, verbNames());
    const first = M.lazy('noCommand', { verb: code(firstWord) });
    throw new BotError('UNKNOWN_VERB', `There is no command ${code(firstWord)}.`, {
      userMessage: (locale) => first(locale) + suggestion(near)(locale),
      hint: M.lazy('commands', {
        list: verbNames()
          .map((v) => code(v))
          .join(', '),
      }),
    });
  }
  const raw = parseArgs(inv.text || 'help', new Set(spec0.booleanFlags ?? []), spec0.usage);
  const spec = findCommand(raw.verb || 'help');
  if (!spec) throw badInput(M.lazy('noCommand', { verb: code(raw.verb) }));
  const ctx = { config: rt.config, channelId: inv.channelId, userId: inv.userId };
  if (spec.verb !== 'help' && asksForHelp(raw)) {
    const help = findCommand('help')!;
    return { spec: help, parsed: help.parse({ verb: 'help', positionals: [spec.verb], flags: {} }, ctx) };
  }
  const parsed = spec.parse(raw, ctx);
  return { spec, parsed };
}
