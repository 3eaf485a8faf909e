/**
 * `/ecs logs <service> [--since 15m|2h|3d|ISO] [--until …] [--filter PATTERN] [--limit N]
 *  [--container NAME] [--task ID] [--previous] [--private|--public]`: recent CloudWatch Logs lines
 * of a service's containers. Parsing and the time window are pure (here); the AWS part is
 * ./logs.run.ts. Who sees the answer follows the environment's `visibility.logs` (./visibility.ts).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { code, escapeMrkdwn } from '../slack/text';
import { durationMs, normalizeDuration } from '../config/duration';
import { formatDuration } from '../i18n';
import { defineMessages, type Localized } from '../i18n/catalog';
import { badInput } from '../errors';
import { extraInput, missingService, parseRaw, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

export const LOGS_USAGE =
  '/ecs logs <service> [--since 15m|2h|3d] [--until …] [--filter PATTERN] [--limit N] [--container NAME] [--task ID] [--previous] [--public|--private]';

const M = defineMessages('commands.logs', {
  summary: {
    en: 'Recent log lines of a service (CloudWatch Logs), newest last, with secrets masked.',
    ko: '서비스의 최근 로그(CloudWatch Logs)를 보여 줍니다. 최신 줄이 맨 아래, 비밀 값은 가려집니다.',
  },
  timeHelp: {
    en: 'Write a duration before now like `15m`, `2h`, `3d`, or a UTC time like `2025-05-17T09:30Z`.',
    ko: '`15m`, `2시간`, `3일`처럼 지금부터 거슬러 올라갈 기간을 쓰거나, `2025-05-17T09:30Z`처럼 UTC 시각을 쓰세요.',
  },
  notATime: { en: '{flag} is not a time. {help}', ko: '{flag}: 시각으로 읽을 수 없습니다. {help}' },
  noUnit: { en: 'A duration needs its unit: did you mean {units}?', ko: '기간에는 단위가 필요합니다: {units} 중 무엇인가요?' },
  zeroSince: { en: '`--since {value}` is a window of zero length.', ko: '`--since {value}`: 길이가 0인 구간입니다.' },
  zeroSinceHint: { en: 'Look further back, e.g. `--since 15m`.', ko: '예: `--since 15m`' },
  emptyWindow: {
    en: '`--until` is not after `--since`: the window is empty.',
    ko: '`--until` 시각이 `--since`보다 늦지 않아 조회 구간이 비었습니다.',
  },
  emptyWindowHint: {
    en: 'Put the earlier time in `--since`, e.g. `--since 3h --until 1h`.',
    ko: '이른 시각을 `--since`에 쓰세요. 예: `--since 3h --until 1h`',
  },
  tooWide: {
    en: 'That window is {length} long; I search at most {max} at a time.',
    ko: '조회 구간이 {length}입니다. 한 번에 최대 {max}까지만 찾습니다.',
  },
  tooWideHint: {
    en: 'Narrow it with `--since`/`--until`, or use CloudWatch Logs Insights for longer ranges.',
    ko: '`--since`/`--until`로 좁히거나, 더 긴 구간은 CloudWatch Logs Insights를 쓰세요.',
  },
  future: { en: '`--since` is in the future: there are no logs there yet.', ko: '`--since` 시각이 미래라 아직 로그가 없습니다.' },
  needsValue: { en: 'needs a value, e.g. `--{flag} {example}`', ko: '값이 필요합니다. 예: `--{flag} {example}`' },
  needsPattern: { en: 'needs a pattern, e.g. `--filter ERROR`', ko: '패턴이 필요합니다. 예: `--filter ERROR`' },
  patternTooLong: { en: 'is longer than the 1024 characters CloudWatch accepts', ko: 'CloudWatch가 받는 1024자보다 깁니다' },
  needsNumber: { en: 'needs a number, e.g. `--limit 200`', ko: '숫자가 필요합니다. 예: `--limit 200`' },
  lineCount: { en: 'the line count', ko: '줄 수' },
  containerName: {
    en: 'must be a container name from the task definition (letters, digits, _ and -)',
    ko: '작업 정의에 있는 컨테이너 이름이어야 합니다 (영문자, 숫자, _, -)',
  },
  taskId: {
    en: 'must be a task id (32 hex characters, or the first 8 that `/ecs status` shows) or a task ARN',
    ko: '작업 ID(16진수 32자, 또는 `/ecs status`에 나오는 앞 8자)나 작업 ARN이어야 합니다',
  },
  noValue: { en: 'takes no value: write just `--previous`', ko: '값을 받지 않습니다. `--previous`만 쓰세요' },
  taskAndPrevious: {
    en: '`--task` and `--previous` both pick a task: use one of them.',
    ko: '`--task`, `--previous` 옵션은 둘 다 작업을 고릅니다. 하나만 쓰세요.',
  },
  ack: { en: 'Fetching logs of {service} in {env} ({what})…', ko: '{env}의 {service} 로그를 가져오는 중 ({what})…' },
  whatPrevious: { en: 'the most recently stopped task', ko: '가장 최근에 중지된 작업' },
  whatTask: { en: 'task {task}', ko: '작업 {task}' },
  whatLast: { en: 'the last {duration}', ko: '최근 {duration}' },
  whatRange: { en: 'the requested range', ko: '요청한 구간' },
  onlyYou: {
    en: ' (only you will see them; `--public` shares them with the channel)',
    ko: ' (나만 볼 수 있습니다. 채널에 공유하려면 `--public`을 쓰세요)',
  },
});

const DEFAULT_SINCE_MS = 15 * 60_000;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
/** The widest window one answer searches (FilterLogEvents scans the whole range). */
const MAX_WINDOW_MS = 7 * 86_400_000;

/** A point in time as the user wrote it: a duration before now, or an absolute time. */
export type TimeSpec = { ago: number } | { at: number };

export interface LogsArgs {
  alias: string;
  since?: TimeSpec;
  until?: TimeSpec;
  filter?: string;
  limit: number;
  container?: string;
  /** Task id or its leading characters (stream names are matched by prefix). */
  task?: string;
  previous: boolean;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const TIME_HELP = M.lazy('timeHelp');

/**
 * Parse `15m` / `2시간` / `2h30m` / `now` / `2025-05-17` / `2025-05-17T09:30` / `2025-05-17T09:30:00+02:00`.
 * Times without a zone are UTC. A zero duration is now: fine for `--until`, an empty window for `--since`.
 */
export function parseTimeSpec(text: string, flag: string): TimeSpec {
  const t = text.trim();
  // An empty quoted value (`--since ""`): missing, as a bare `--since` is.
  if (!t) throw badInput((l) => `--${flag}: ` + M.in(l)('needsValue', { flag, example: flag === 'until' ? '30m' : '2h' }), LOGS_USAGE);
  if (t.toLowerCase() === 'now') return { ago: 0 };
  const ms = durationMs(t);
  if (ms === 0 && flag !== 'until')
    throw badInput(M.lazy('zeroSince', { value: normalizeDuration(t)! }), LOGS_USAGE, M.lazy('zeroSinceHint'));
  if (ms !== undefined) return { ago: ms };
  const m = ISO.exec(t);
  if (m) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
    const z = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const at = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${z}`);
    if (
      Number.isFinite(at) &&
      Number(mo) >= 1 &&
      Number(mo) <= 12 &&
      Number(d) >= 1 &&
      Number(d) <= 31 &&
      Number(h) < 24 &&
      Number(mi) < 60 &&
      Number(s) < 60
    ) {
      return { at };
    }
  }
  // A number alone (`--since 3`): the unit is missing.
  const help = /^[1-9]\d{0,3}$/.test(t) ? M.lazy('noUnit', { units: ['m', 'h', 'd'].map((u) => `\`${t}${u}\``).join(', ') }) : TIME_HELP;
  throw badInput(M.lazy('notATime', { flag: `\`--${flag} ${escapeMrkdwn(t.replace(/`/g, "'"))}\``, help }), LOGS_USAGE);
}

function isTime(text: string): boolean {
  try {
    parseTimeSpec(text, '');
    return true;
  } catch {
    return false;
  }
}

export interface LogWindow {
  start: number;
  end: number;
}

/** Why a window from `start` to `end` (ms) cannot be searched, or undefined when it can. */
function windowProblem(start: number, end: number): { message: Localized; hint: Localized } | undefined {
  if (end <= start) return { message: M.lazy('emptyWindow'), hint: M.lazy('emptyWindowHint') };
  if (end - start > MAX_WINDOW_MS) {
    return {
      message: (l) => M.in(l)('tooWide', { length: formatDuration(end - start, l), max: formatDuration(MAX_WINDOW_MS, l) }),
      hint: M.lazy('tooWideHint'),
    };
  }
  return undefined;
}

/**
 * Reject, already in the ack, a window that is backwards or too wide whatever the clock says
 * (both ends durations, or both absolute; no --until means now). Mixed windows are checked by resolveWindow in the worker.
 */
export function checkWindowShape(since: TimeSpec | undefined, until0: TimeSpec | undefined): void {
  if (!since) return;
  const until = until0 ?? { ago: 0 };
  let problem: ReturnType<typeof windowProblem>;
  if ('ago' in since && 'ago' in until) problem = windowProblem(-since.ago, -until.ago);
  else if ('at' in since && 'at' in until) problem = windowProblem(since.at, until.at);
  if (problem) throw badInput(problem.message, LOGS_USAGE, problem.hint);
}

/** The absolute window for a command run at `now`. Throws BAD_INPUT for backwards, future or over-wide windows. */
export function resolveWindow(
  since: TimeSpec | undefined,
  until: TimeSpec | undefined,
  now: number,
  defaultSinceMs = DEFAULT_SINCE_MS,
): LogWindow {
  const abs = (t: TimeSpec): number => ('ago' in t ? now - t.ago : t.at);
  const end = until ? abs(until) : now;
  const start = since ? abs(since) : end - defaultSinceMs;
  if (start >= now) throw badInput(M.lazy('future'), LOGS_USAGE, TIME_HELP);
  const problem = windowProblem(start, end);
  if (problem) throw badInput(problem.message, LOGS_USAGE, problem.hint);
  return { start, end: Math.min(end, now) };
}

const valueOf = (flag: string, example: string) => z.string({ error: M.token('needsValue', { flag, example }) });

const TASK_ID = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]+\/)?([a-f0-9]{4,32})$/i;

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(1),
    flags: z
      .object({
        since: valueOf('since', '2h').optional(),
        until: valueOf('until', '30m').optional(),
        filter: valueOf('filter', 'ERROR')
          .pipe(z.string().min(1, M.token('needsPattern')).max(1024, M.token('patternTooLong')))
          .optional(),
        limit: z
          .string({ error: M.token('needsNumber') })
          .pipe(wholeNumber(M.token('lineCount'), 1, MAX_LIMIT))
          .optional(),
        container: valueOf('container', 'web')
          .regex(/^[A-Za-z0-9_-]{1,255}$/, M.token('containerName'))
          .optional(),
        task: valueOf('task', 'a1b2c3d4').regex(TASK_ID, M.token('taskId')).optional(),
        previous: z.literal(true, { error: M.token('noValue') }).optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

const FLAGS = ['since', 'until', 'filter', 'limit', 'container', 'task', 'previous', ...VISIBILITY_FLAGS] as const;

export const logs = defineCommand<LogsArgs>({
  verb: 'logs',
  summary: M.lazy('summary'),
  usage: LOGS_USAGE,
  examples: ['logs web', 'logs web --since 2h --filter ERROR', 'logs worker --previous', 'logs web --private'],
  kind: 'read',
  booleanFlags: ['previous', ...VISIBILITY_FLAGS],
  parse(raw, ctx) {
    // `--since 2026-12-03 10:00`: one time split by a space; say how to write it as one. (`--since 2 h`
    // is read as 2h by the grammar: src/commands/grammar.ts DURATION_FLAGS.)
    const next = raw.positionals[1];
    for (const f of ['since', 'until']) {
      const v = raw.flags[f];
      const joined = typeof v === 'string' && next !== undefined ? `${v}T${next}` : '';
      if (joined && isTime(joined)) throw extraInput([next!], LOGS_USAGE, [`--${f} ${joined}`]);
    }
    const { args, flags } = parseRaw({ verb: 'logs', usage: LOGS_USAGE }, schema, raw, FLAGS);
    if (!args[0]) throw missingService(ctx.config, 'logs web --since 1h', LOGS_USAGE);
    const service = resolveService(ctx.config, args[0], LOGS_USAGE, ctx.channelId);
    if (flags.task && flags.previous) throw badInput(M.lazy('taskAndPrevious'), LOGS_USAGE);
    const since = flags.since !== undefined ? parseTimeSpec(flags.since, 'since') : undefined;
    const until = flags.until !== undefined ? parseTimeSpec(flags.until, 'until') : undefined;
    checkWindowShape(since, until);
    const task = flags.task ? TASK_ID.exec(flags.task)![1]!.toLowerCase() : undefined;
    return readParsed(
      ctx.config,
      { environment: service.environment, service },
      flags,
      LOGS_USAGE,
      {
        alias: service.alias,
        since,
        until,
        filter: flags.filter,
        limit: flags.limit ?? DEFAULT_LIMIT,
        container: flags.container,
        task,
        previous: flags.previous === true,
      },
      'logs',
    );
  },
  ackText(parsed, locale) {
    const a = parsed.args;
    const t = M.in(locale);
    const what = a.previous
      ? t('whatPrevious')
      : a.task
        ? t('whatTask', { task: code(a.task) })
        : // With --until (or a --since time) it is not "the last …": that window ends before now.
          a.until || (a.since && !('ago' in a.since))
          ? t('whatRange')
          : t('whatLast', { duration: formatDuration(a.since?.ago ?? DEFAULT_SINCE_MS, locale) });
    const who = parsed.visibility === 'private' ? t('onlyYou') : '';
    return t('ack', { service: code(a.alias), env: code(parsed.environment), what }) + who;
  },
  async run(parsed, rt, inv) {
    const { runLogs } = await import('./logs.run');
    await runLogs(parsed, rt, inv);
  },
});
