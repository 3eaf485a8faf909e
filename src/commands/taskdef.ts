/**
 * `/ecs taskdef <service> [revision] [--diff <other revision>]`: what a revision of the service's
 * task definition runs (default: the one the service runs now), or the diff between two revisions.
 * Variables and secrets by name only. AWS part: ./taskdef.run.ts.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { badInput } from '../errors';
import { defineMessages } from '../i18n';
import { tokenText } from '../i18n/catalog';
import { code } from '../slack/text';
import { missingService, parseRaw, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

export const TASKDEF_USAGE = '/ecs taskdef <service> [revision] [--diff <other revision>] [--private]';

const text = defineMessages('taskdef-verb', {
  revisionWord: { en: 'the revision', ko: '리비전' },
  needsRevision: { en: 'needs a revision number, e.g. `--diff 41`', ko: '리비전 번호가 필요합니다. 예: `--diff 41`' },
  summary: {
    en: 'What a task definition runs (size, containers, images, ports, health checks, logs, variable and secret names, roles), or the diff of two revisions.',
    ko: '작업 정의의 내용(크기, 컨테이너, 이미지, 포트, 상태 검사, 로그, 변수와 시크릿 이름, 역할) 또는 두 리비전의 차이.',
  },
  same: { en: 'Compare two different revisions.', ko: '서로 다른 두 리비전을 비교하세요.' },
  ack: { en: 'Reading the task definition of {alias}…', ko: '{alias}의 작업 정의를 읽는 중…' },
  ackDiff: { en: 'Comparing task definitions of {alias}…', ko: '{alias}의 작업 정의를 비교하는 중…' },
});

export interface TaskdefArgs {
  alias: string;
  revision?: number;
  diff?: number;
}

const revision = lazySchema(() => wholeNumber(text.token('revisionWord'), 1, 10_000_000));

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(2),
    flags: z
      .object({
        diff: z
          .string({ error: text.token('needsRevision') })
          .pipe(revision)
          .optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

export const taskdef = defineCommand<TaskdefArgs>({
  verb: 'taskdef',
  summary: text.lazy('summary'),
  usage: TASKDEF_USAGE,
  examples: ['taskdef web', 'taskdef web 41', 'taskdef web --diff 41'],
  kind: 'read',
  booleanFlags: VISIBILITY_FLAGS,
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'taskdef', usage: TASKDEF_USAGE }, schema, raw, ['diff', ...VISIBILITY_FLAGS]);
    const t = text.lazy;
    if (!args[0]) throw missingService(ctx.config, 'taskdef web', TASKDEF_USAGE);
    const service = resolveService(ctx.config, args[0], TASKDEF_USAGE, ctx.channelId);
    let rev: number | undefined;
    if (args[1] !== undefined) {
      const r = revision.safeParse(args[1]);
      if (!r.success) {
        const message = r.error.issues[0]!.message;
        throw badInput((l) => tokenText(message, l), TASKDEF_USAGE);
      }
      rev = r.data;
    }
    if (rev !== undefined && rev === flags.diff) throw badInput(t('same'), TASKDEF_USAGE);
    return readParsed(ctx.config, { environment: service.environment, service }, flags, TASKDEF_USAGE, {
      alias: service.alias,
      ...(rev !== undefined ? { revision: rev } : {}),
      ...(flags.diff !== undefined ? { diff: flags.diff } : {}),
    });
  },
  ackText(parsed, locale) {
    return text.in(locale)(parsed.args.diff !== undefined ? 'ackDiff' : 'ack', { alias: code(parsed.args.alias) });
  },
  async run(parsed, rt, inv) {
    const { runTaskdef } = await import('./taskdef.run');
    await runTaskdef(parsed, rt, inv);
  },
});
