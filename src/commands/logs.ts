/**
 * `/ecs logs <service> [--since 15m|2h|3d|ISO] [--until …] [--filter PATTERN] [--limit N]
 *  [--container NAME] [--task ID] [--previous]`: recent CloudWatch Logs lines of a service's
 * containers. Parsing and the time window are pure (here); the AWS part is ./logs.run.ts.
 */
import { z } from 'zod';
import { code, escapeMrkdwn } from '../slack/text';
import { parseDuration } from '../config/duration';
import { formatDuration } from '../i18n';
import { badInput } from '../errors';
import { parseRaw, resolveService, wholeNumber } from './args';
import type { Config } from '../config/schema';
import { defineCommand } from './types';

export const LOGS_USAGE =
  '/ecs logs <service> [--since 15m|2h|3d] [--until …] [--filter PATTERN] [--limit N] [--container NAME] [--task ID] [--previous] [--public|--private]';

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
  /**
   * Who sees the answer: `private` answers only the requester (ephemeral, the file in a direct
   * message), `public` the channel. From `--public` / `--private`, else the environment's
   * `visibility` (private unless chatops.yml says otherwise).
   */
  visibility: Visibility;
}

export type Visibility = 'private' | 'public';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const TIME_HELP = 'Write a duration before now like `15m`, `2h`, `3d`, or a UTC time like `2025-05-17T09:30Z`.';

/** Parse `15m` / `2h30m` / `now` / `2025-05-17` / `2025-05-17T09:30` / `2025-05-17T09:30:00+02:00`. Times without a zone are UTC. */
export function parseTimeSpec(text: string, flag: string): TimeSpec {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return { ago: 0 };
  const ms = parseDuration(t);
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
  throw badInput(`\`--${flag} ${escapeMrkdwn(t.replace(/`/g, "'"))}\` is not a time. ${TIME_HELP}`, LOGS_USAGE);
}

export interface LogWindow {
  start: number;
  end: number;
}

/** Why a window from `start` to `end` (ms) cannot be searched, or undefined when it can. */
function windowProblem(start: number, end: number): { message: string; hint: string } | undefined {
  if (end <= start)
    return {
      message: '`--until` is not after `--since`: the window is empty.',
      hint: 'Put the earlier time in `--since`, e.g. `--since 3h --until 1h`.',
    };
  if (end - start > MAX_WINDOW_MS) {
    return {
      message: `That window is ${formatDuration(end - start)} long; I search at most ${formatDuration(MAX_WINDOW_MS)} at a time.`,
      hint: 'Narrow it with `--since`/`--until`, or use CloudWatch Logs Insights for longer ranges.',
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
  if (start >= now) throw badInput('`--since` is in the future: there are no logs there yet.', LOGS_USAGE, TIME_HELP);
  const problem = windowProblem(start, end);
  if (problem) throw badInput(problem.message, LOGS_USAGE, problem.hint);
  return { start, end: Math.min(end, now) };
}

const valueOf = (flag: string, example: string) => z.string({ error: `needs a value, e.g. \`--${flag} ${example}\`` });

const TASK_ID = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]+\/)?([a-f0-9]{4,32})$/i;

const schema = z.object({
  args: z.array(z.string()).max(1),
  flags: z
    .object({
      since: valueOf('since', '2h').optional(),
      until: valueOf('until', '30m').optional(),
      filter: valueOf('filter', 'ERROR')
        .pipe(
          z.string().min(1, 'needs a pattern, e.g. `--filter ERROR`').max(1024, 'is longer than the 1024 characters CloudWatch accepts'),
        )
        .optional(),
      limit: z
        .string({ error: 'needs a number, e.g. `--limit 200`' })
        .pipe(wholeNumber('the line count', 1, MAX_LIMIT))
        .optional(),
      container: valueOf('container', 'web')
        .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a container name from the task definition (letters, digits, _ and -)')
        .optional(),
      task: valueOf('task', 'a1b2c3d4')
        .regex(TASK_ID, 'must be a task id (32 hex characters, or the first 8 that `/ecs status` shows) or a task ARN')
        .optional(),
      previous: z.literal(true, { error: 'takes no value: write just `--previous`' }).optional(),
      public: z.literal(true, { error: 'takes no value: write just `--public`' }).optional(),
      private: z.literal(true, { error: 'takes no value: write just `--private`' }).optional(),
    })
    .strict(),
});

/** "Services: `web`, `worker`." for a hint. */
export function knownServices(config: Config): string {
  return `Services: ${
    Object.keys(config.services)
      .map((n) => code(n))
      .join(', ') || '(none configured)'
  }.`;
}

const FLAGS = ['since', 'until', 'filter', 'limit', 'container', 'task', 'previous', 'public', 'private'] as const;

export const logs = defineCommand<LogsArgs>({
  verb: 'logs',
  summary: 'Recent log lines of a service (CloudWatch Logs), newest last, with secrets masked.',
  usage: LOGS_USAGE,
  examples: ['logs web', 'logs web --since 2h --filter ERROR', 'logs worker --previous --public'],
  kind: 'read',
  booleanFlags: ['previous', 'public', 'private'],
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'logs', usage: LOGS_USAGE }, schema, raw, FLAGS);
    if (!args[0])
      throw badInput('Name the service whose logs you want, e.g. `/ecs logs web --since 1h`.', LOGS_USAGE, knownServices(ctx.config));
    const service = resolveService(ctx.config, args[0], LOGS_USAGE);
    if (flags.task && flags.previous) {
      throw badInput('`--task` and `--previous` both pick a task: use one of them.', LOGS_USAGE);
    }
    const since = flags.since !== undefined ? parseTimeSpec(flags.since, 'since') : undefined;
    const until = flags.until !== undefined ? parseTimeSpec(flags.until, 'until') : undefined;
    checkWindowShape(since, until);
    if (flags.public && flags.private) {
      throw badInput('`--public` and `--private` contradict each other: use one of them.', LOGS_USAGE);
    }
    const task = flags.task ? TASK_ID.exec(flags.task)![1]!.toLowerCase() : undefined;
    const visibility: Visibility = flags.public ? 'public' : flags.private ? 'private' : service.env.visibility;
    return {
      args: {
        alias: service.alias,
        since,
        until,
        filter: flags.filter,
        limit: flags.limit ?? DEFAULT_LIMIT,
        container: flags.container,
        task,
        previous: flags.previous === true,
        visibility,
      },
      environment: service.environment,
      service,
    };
  },
  ackText(parsed) {
    const a = parsed.args;
    const what = a.previous
      ? 'the most recently stopped task'
      : a.task
        ? `task ${code(a.task)}`
        : a.since && 'ago' in a.since
          ? `the last ${formatDuration(a.since.ago)}`
          : a.since
            ? 'the requested range'
            : 'the last 15m';
    const who = a.visibility === 'private' ? ' (only you will see them; `--public` shares them with the channel)' : '';
    return `Fetching logs of ${code(a.alias)} in ${code(parsed.environment)} (${what})…${who}`;
  },
  async run(parsed, rt, inv) {
    const { runLogs } = await import('./logs.run');
    await runLogs(parsed, rt, inv);
  },
});
