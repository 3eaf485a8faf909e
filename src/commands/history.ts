/**
 * `/ecs history <service> [--limit N] [--private]`: recent deployments of a service: when, which
 * image / task definition, who asked and who approved (the bot's audit trail), how it ended, and
 * the deployments ECS ran that the bot did not make. Read-only; the AWS part runs in the worker.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import { argsText, extraInput, parseRaw, positional, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

const USAGE = '/ecs history <service> [--limit N] [--private]';
const HISTORY_DEFAULT_LIMIT = 10;
const HISTORY_MAX_LIMIT = 50;

const M = defineMessages('commands.history', {
  summary: {
    en: 'Recent deployments of a service: who asked, who approved, how it ended, and changes made outside the bot.',
    ko: '서비스의 최근 배포: 누가 요청하고 승인했는지, 어떻게 끝났는지, 봇 밖에서 한 변경까지 보여 줍니다.',
  },
  ack: { en: 'Reading the history of {service} in {env}…', ko: '{env}의 {service} 배포 이력을 읽는 중…' },
  count: { en: 'the number of deployments', ko: '배포 수' },
});

export interface HistoryArgs {
  alias: string;
  limit: number;
}

const schema = lazySchema(() =>
  z.object({
    // With a rest element zod reports a missing first value as that value ("Missing service…"); extra words are refused in parse.
    args: z.tuple([positional('service', 'history web')], z.string()),
    flags: z
      .object({
        limit: z
          .string({ error: argsText.token('missingExample', { what: M.token('count'), example: '`--limit 25`' }) })
          .pipe(wholeNumber(M.token('count'), 1, HISTORY_MAX_LIMIT))
          .optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

export const history = defineCommand<HistoryArgs>({
  verb: 'history',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['history web', 'history worker --limit 25'],
  kind: 'read',
  booleanFlags: VISIBILITY_FLAGS,
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'history', usage: USAGE }, schema, raw, ['limit', ...VISIBILITY_FLAGS]);
    if (args.length > 1) throw extraInput(args.slice(1), USAGE);
    const service = resolveService(ctx.config, args[0], USAGE, ctx.channelId);
    return readParsed(ctx.config, { environment: service.environment, service }, flags, USAGE, {
      alias: service.alias,
      limit: flags.limit ?? HISTORY_DEFAULT_LIMIT,
    });
  },
  ackText(parsed, locale) {
    return M.in(locale)('ack', { service: code(parsed.args.alias), env: code(parsed.environment) });
  },
  async run(parsed, rt, inv) {
    const { runHistory } = await import('./history.run');
    await runHistory(parsed, rt, inv);
  },
});
