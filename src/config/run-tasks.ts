/**
 * `services.<alias>.tasks` of chatops.yml: the one-off tasks `/ecs run <service> <name>` may run.
 * Each is its command (exec form, as a task definition's `command`), run in one container of the
 * task definition the service runs, with the service's network. Only the commands listed here can
 * run from Slack.
 *
 * Checked by hand rather than with zod sub-schemas: every function builds the config schema while
 * it starts (the Slack function inside Lambda's INIT), and the schemas of these four fields cost
 * about 30 KiB of its heap there (measured 2026-12-05, bench "RSS after init").
 */
import { parseDuration } from './duration';

export interface RunTaskConfig {
  command: string[];
  /** The container that runs it (default: the service's `container`). */
  container?: string;
  /** Stopped (StopTask) and reported as failed when it runs longer (1m–24h; default 30m). */
  timeout: number;
  /** One line for the request. */
  description?: string;
}

/** The name of a one-off task in `/ecs run <service> <task>`. */
export const RUN_TASK_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** ECS takes at most 8 KiB of overrides in all (RunTask): the command is kept well within it. */
const COMMAND_MAX_BYTES = 4096;
const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const KEYS = new Set(['command', 'container', 'timeout', 'description']);

type Issue = (path: Array<string | number>, message: string) => void;

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;

/** One task as written: the task, or undefined after `issue` was told each problem (its path within the task). */
function readTask(v: unknown, issue: Issue): RunTaskConfig | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    issue([], 'must be a task: its command, and optionally container, timeout and description');
    return undefined;
  }
  const t = v as Record<string, unknown>;
  let ok = true;
  const bad = (path: Array<string | number>, message: string) => {
    ok = false;
    issue(path, message);
  };
  for (const k of Object.keys(t)) if (!KEYS.has(k)) bad([k], `Unrecognized key: "${k}"`);
  const command = t.command;
  if (!Array.isArray(command) || command.length === 0) bad(['command'], 'give the command as a list, such as [npm, run, migrate]');
  else {
    command.forEach((a, i) => {
      if (!isText(a, 1024)) bad(['command', i], 'must be a word of 1 to 1024 characters');
    });
    if (Buffer.byteLength(JSON.stringify(command), 'utf8') > COMMAND_MAX_BYTES)
      bad(['command'], `must be at most ${COMMAND_MAX_BYTES} bytes`);
  }
  if (t.container !== undefined && !isText(t.container, 255)) bad(['container'], 'must be a container name (1 to 255 characters)');
  if (t.description !== undefined && !isText(t.description, 200)) bad(['description'], 'must be one line of 1 to 200 characters');
  let timeout = DEFAULT_TIMEOUT_MS;
  if (t.timeout !== undefined) {
    const ms = typeof t.timeout === 'string' ? parseDuration(t.timeout) : undefined;
    if (ms === undefined)
      bad(['timeout'], `"${String(t.timeout)}" is not a duration; write e.g. 15m, 2h, 1h30m (units s/m/h/d/w, or 초/분/시간/일/주: 2시간)`);
    else if (ms < 60_000) bad(['timeout'], 'must be at least 1m');
    else if (ms > 86_400_000) bad(['timeout'], 'must be at most 24h');
    else timeout = ms;
  }
  if (!ok) return undefined;
  return {
    command: [...(command as string[])],
    ...(t.container !== undefined ? { container: t.container as string } : {}),
    timeout,
    ...(t.description !== undefined ? { description: t.description as string } : {}),
  };
}

/** The tasks as written: each task read, or `issue` told each problem (its path from the tasks map). */
export function readRunTasks(v: unknown, issue: Issue): Record<string, RunTaskConfig> | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    issue([], 'must be a map of task names to tasks, such as migrate: { command: [npm, run, migrate] }');
    return undefined;
  }
  const out: Record<string, RunTaskConfig> = {};
  for (const [name, task] of Object.entries(v)) {
    if (!RUN_TASK_NAME.test(name)) issue([name], 'a task name is lower-case letters, digits, _ and - (max 40)');
    const read = readTask(task, (path, message) => issue([name, ...path], message));
    if (read) out[name] = read;
  }
  return out;
}
