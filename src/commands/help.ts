/** `/ecs help [verb]`: generated from the same table the router dispatches from. */
import { z } from 'zod';
import { context, header, section, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn } from '../slack/text';
import { BotError } from '../errors';
import { parseRaw } from './args';
import { closest } from './suggest';
import { defineCommand, type CommandSpec } from './types';

const USAGE = '/ecs help [verb]';

export function helpOverview(table: readonly CommandSpec<never>[]): SlackMessage {
  const groups: Array<[string, CommandSpec<never>['kind'][]]> = [
    ['Look', ['read']],
    ['Change production', ['change']],
    ['Guard rails', ['admin']],
    ['Help', ['meta']],
  ];
  const blocks = [header('ECS ChatOps: /ecs commands')];
  for (const [title, kinds] of groups) {
    const lines = table.filter((c) => kinds.includes(c.kind)).map((c) => `• \`${escapeMrkdwn(c.usage)}\`\n    ${escapeMrkdwn(c.summary)}`);
    if (lines.length) blocks.push(section(`*${title}*\n${lines.join('\n')}`));
  }
  blocks.push(context('`/ecs help &lt;verb&gt;` shows examples. Changes in protected environments are posted for approval first.'));
  return { text: 'ECS ChatOps commands: ' + table.map((c) => c.verb).join(', '), blocks };
}

export function helpForVerb(spec: CommandSpec<never>): SlackMessage {
  const examples = spec.examples.map((e) => `\`/ecs ${escapeMrkdwn(e)}\``).join('\n');
  return {
    text: `${escapeMrkdwn(spec.usage)}: ${escapeMrkdwn(spec.summary)}`,
    blocks: [section(`*${escapeMrkdwn(spec.usage)}*\n${escapeMrkdwn(spec.summary)}`), section(`*Examples*\n${examples}`)],
  };
}

/** Built lazily from the registry to avoid an import cycle. */
export function createHelp(getTable: () => readonly CommandSpec<never>[]) {
  return defineCommand<{ verb?: string }>({
    verb: 'help',
    summary: 'Show every command, or one command with examples.',
    usage: USAGE,
    examples: ['help', 'help deploy', 'help logs'],
    kind: 'meta',
    parse(raw, ctx) {
      const args = parseRaw(
        { verb: 'help', usage: USAGE },
        z.object({ args: z.tuple([z.string()]).or(z.tuple([])), flags: z.object({}).strict() }),
        raw,
        [],
      );
      const verb = args.args[0]?.toLowerCase();
      return { args: { verb }, environment: Object.keys(ctx.config.environments)[0]! };
    },
    async inline(parsed) {
      const table = getTable();
      if (!parsed.args.verb) return helpOverview(table);
      const spec = table.find((c) => c.verb === parsed.args.verb);
      if (!spec) {
        const near = closest(
          parsed.args.verb,
          table.map((c) => c.verb),
        );
        const msg = `There is no command ${code(parsed.args.verb)}.${near.length ? ` Did you mean ${near.map((n) => code(n)).join(', ')}?` : ''}`;
        throw new BotError('UNKNOWN_VERB', msg, { userMessage: msg, usage: USAGE });
      }
      return helpForVerb(spec);
    },
  });
}
