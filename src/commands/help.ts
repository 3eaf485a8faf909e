/** `/ecs help [verb]` (and `--help` / `-h` after any verb): generated from the same table the router dispatches from. */
import * as z from 'zod';
import { context, header, section, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn } from '../slack/text';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { parseRaw, suggestion } from './args';
import { nearVerbs } from './suggest';
import { defineCommand, type CommandSpec } from './types';

const USAGE = '/ecs help [verb]';

const M = defineMessages('commands.help', {
  summary: { en: 'Show every command, or one command with examples.', ko: '모든 명령, 또는 한 명령의 사용법과 예시를 보여 줍니다.' },
  title: { en: 'ECS ChatOps: /ecs commands', ko: 'ECS ChatOps: /ecs 명령' },
  look: { en: 'Look', ko: '조회' },
  change: { en: 'Change production', ko: '운영 환경 변경' },
  guard: { en: 'Guard rails', ko: '안전장치' },
  help: { en: 'Help', ko: '도움말' },
  footer: {
    en: '`/ecs help &lt;verb&gt;` (or `/ecs &lt;verb&gt; --help`) shows examples. Read-only answers take `--private` (only you see them). Changes in protected environments are posted for approval first.',
    ko: '`/ecs help &lt;verb&gt;`(또는 `/ecs &lt;verb&gt; --help`)로 예시를 볼 수 있습니다. 조회 명령에 `--private`를 붙이면 나만 볼 수 있게 답합니다. 보호된 환경의 변경은 먼저 승인 요청으로 올라갑니다.',
  },
  fallback: { en: 'ECS ChatOps commands: {verbs}', ko: 'ECS ChatOps 명령: {verbs}' },
  examples: { en: 'Examples', ko: '예시' },
  noCommand: { en: 'There is no command {verb}.', ko: '{verb} 명령은 없습니다.' },
});

export function helpOverview(table: readonly CommandSpec<never>[], locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const groups: Array<[string, CommandSpec<never>['kind'][]]> = [
    [t('look'), ['read']],
    [t('change'), ['change']],
    [t('guard'), ['admin']],
    [t('help'), ['meta']],
  ];
  const blocks = [header(t('title'))];
  for (const [title, kinds] of groups) {
    const lines = table
      .filter((c) => kinds.includes(c.kind))
      .map((c) => `• \`${escapeMrkdwn(c.usage)}\`\n    ${escapeMrkdwn(c.summary(locale))}`);
    if (lines.length) blocks.push(section(`*${title}*\n${lines.join('\n')}`));
  }
  blocks.push(context(t('footer')));
  return { text: t('fallback', { verbs: table.map((c) => c.verb).join(', ') }), blocks };
}

export function helpForVerb(spec: CommandSpec<never>, locale: Locale = 'en'): SlackMessage {
  const examples = spec.examples.map((e) => `\`/ecs ${escapeMrkdwn(e)}\``).join('\n');
  const summary = spec.summary(locale);
  return {
    text: `${escapeMrkdwn(spec.usage)}: ${escapeMrkdwn(summary)}`,
    blocks: [section(`*${escapeMrkdwn(spec.usage)}*\n${escapeMrkdwn(summary)}`), section(`*${M.in(locale)('examples')}*\n${examples}`)],
  };
}

/** Built lazily from the registry to avoid an import cycle. */
export function createHelp(getTable: () => readonly CommandSpec<never>[]) {
  return defineCommand<{ verb?: string }>({
    verb: 'help',
    summary: M.lazy('summary'),
    usage: USAGE,
    examples: ['help', 'help deploy', 'help logs'],
    kind: 'meta',
    parse(raw, ctx) {
      const args = parseRaw(
        { verb: 'help', usage: USAGE },
        z.object({ args: z.array(z.string()).max(1), flags: z.object({}).strict() }),
        raw,
        [],
      );
      const verb = args.args[0]?.toLowerCase();
      return { args: { verb }, environment: Object.keys(ctx.config.environments)[0]! };
    },
    async inline(parsed, _rt, _inv, locale) {
      const table = getTable();
      if (!parsed.args.verb) return helpOverview(table, locale);
      const spec = table.find((c) => c.verb === parsed.args.verb);
      if (!spec) {
        const near = nearVerbs(
          parsed.args.verb,
          table.map((c) => c.verb),
        );
        const first = M.lazy('noCommand', { verb: code(parsed.args.verb) });
        throw new BotError('UNKNOWN_VERB', `There is no command ${parsed.args.verb}.`, {
          userMessage: (l) => first(l) + suggestion(near)(l),
          usage: USAGE,
        });
      }
      return helpForVerb(spec, locale);
    },
  });
}
