/**
 * `/ecs tasks <service> [--stopped] [--limit N]`: the service's running tasks (or its recently
 * stopped ones, with stop codes, reasons, exit codes and a Logs button each). AWS part: ./tasks.run.ts.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { defineMessages } from '../i18n';
import { code } from '../slack/text';
import { missingService, parseRaw, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

export const TASKS_USAGE = '/ecs tasks <service> [--stopped] [--limit N] [--private]';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 50;

const text = defineMessages('tasks-verb', {
  taskCount: { en: 'the task count', ko: '작업 수' },
  noValue: { en: 'takes no value', ko: '값을 받지 않습니다' },
  needsNumber: { en: 'needs a number, e.g. `--limit 10`', ko: '숫자가 필요합니다. 예: `--limit 10`' },
  summary: {
    en: 'Tasks of a service: id, revision, image, started, health, zone, IP, size, Fargate/Spot/EC2; --stopped: why they stopped.',
    ko: '서비스의 작업: ID, 리비전, 이미지, 시작 시각, 상태, 영역, IP, 크기, Fargate/Spot/EC2. --stopped: 중지 이유.',
  },
  ack: { en: 'Looking up the {state} tasks of {alias} in {env}…', ko: '{env}의 {alias} {state} 작업을 찾는 중…' },
  running: { en: 'running', ko: '실행 중인' },
  stopped: { en: 'stopped', ko: '중지된' },
});

export interface TasksArgs {
  alias: string;
  stopped: boolean;
  limit: number;
}

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(1),
    flags: z
      .object({
        stopped: z.literal(true, { error: text.token('noValue') }).optional(),
        limit: z
          .string({ error: text.token('needsNumber') })
          .pipe(wholeNumber(text.token('taskCount'), 1, MAX_LIMIT))
          .optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

export const tasks = defineCommand<TasksArgs>({
  verb: 'tasks',
  summary: text.lazy('summary'),
  usage: TASKS_USAGE,
  examples: ['tasks web', 'tasks web --stopped', 'tasks worker --limit 5'],
  kind: 'read',
  booleanFlags: ['stopped', ...VISIBILITY_FLAGS],
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'tasks', usage: TASKS_USAGE }, schema, raw, ['stopped', 'limit', ...VISIBILITY_FLAGS]);
    if (!args[0]) throw missingService(ctx.config, 'tasks web', TASKS_USAGE);
    const service = resolveService(ctx.config, args[0], TASKS_USAGE, ctx.channelId);
    return readParsed(ctx.config, { environment: service.environment, service }, flags, TASKS_USAGE, {
      alias: service.alias,
      stopped: flags.stopped === true,
      limit: flags.limit ?? DEFAULT_LIMIT,
    });
  },
  ackText(parsed, locale) {
    const t = text.in(locale);
    return t('ack', {
      state: t(parsed.args.stopped ? 'stopped' : 'running'),
      alias: code(parsed.args.alias),
      env: code(parsed.environment),
    });
  },
  async run(parsed, rt, inv) {
    const { runTasks } = await import('./tasks.run');
    await runTasks(parsed, rt, inv);
  },
});
