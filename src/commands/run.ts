/**
 * `/ecs run <service> <task> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]`:
 * run one of the service's one-off tasks (chatops.yml `services.<alias>.tasks`: a database migration,
 * a backfill) once, as a task of the task definition the service runs, with its network. Only the
 * commands chatops.yml lists can run; nothing typed in Slack reaches the command. Approval, locks,
 * freezes and windows as for every change (approvals.run); the thread follows the task to its exit.
 */
import { badInput } from '../errors';
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import type { ResolvedService } from '../config/schema';
import { parsedFor, parseServiceAndValue, type ChangeArgsBase } from './change-args';
import { withSuggestion } from './args';
import { closest } from './suggest';
import { defineCommand } from './types';

const USAGE = '/ecs run <service> <task> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'run', usage: USAGE };

const M = defineMessages('commands.run', {
  summary: {
    en: 'Run one of a service’s one-off tasks (a migration, a backfill) once, and report how it exited.',
    ko: '서비스의 일회성 작업(마이그레이션, 백필 등)을 한 번 실행하고 종료 결과를 알립니다.',
  },
  ackDryRun: {
    en: 'Planning (dry run) {task} on {service} in {env}…',
    ko: '{env}에서 {service}의 {task} 실행 계획을 세우는 중 (드라이 런)…',
  },
  ack: { en: 'Preparing to run {task} on {service} in {env}…', ko: '{env}에서 {service}의 {task} 실행을 준비하는 중…' },
  noTasks: {
    en: '{service} has no one-off tasks: chatops.yml lists none under `services.{alias}.tasks`.',
    ko: '{service} 서비스에는 일회성 작업이 없습니다. chatops.yml의 `services.{alias}.tasks`에 등록된 것이 없습니다.',
  },
  noTasksHint: {
    en: 'Add one there with its command, e.g. `migrate` with `command: [npm, run, migrate]` (docs/run.md).',
    ko: '그 아래에 명령과 함께 추가하세요. 예: `migrate` 작업에 `command: [npm, run, migrate]` (docs/run.md).',
  },
  unknownTask: { en: '{service} has no one-off task {task}.', ko: '{service} 서비스에 {task} 작업이 없습니다.' },
  tasksOf: { en: 'Tasks of {service}: {names}.', ko: '{service} 서비스의 작업: {names}.' },
});

export interface RunArgs extends ChangeArgsBase {
  alias: string;
  task: string;
}

function taskNames(svc: ResolvedService): string[] {
  return Object.keys(svc.tasks ?? {}).sort();
}

/** What the service can run, as the hint of a missing or unknown task (or how to add one). */
function tasksHint(svc: ResolvedService) {
  const names = taskNames(svc);
  return names.length
    ? M.lazy('tasksOf', { service: code(svc.alias), names: names.map((n) => code(n)).join(', ') })
    : M.lazy('noTasksHint');
}

/** The task named in chatops.yml, or a clear refusal: none configured, or which ones there are (and the nearest). */
function readTask(text: string, svc: ResolvedService): string {
  const names = taskNames(svc);
  if (!names.length) throw badInput(M.lazy('noTasks', { service: code(svc.alias), alias: svc.alias }), USAGE, M.lazy('noTasksHint'));
  const name = text.trim().toLowerCase();
  if (names.includes(name)) return name;
  const near = closest(name, names).map((n) => `/ecs run ${svc.alias} ${n}`);
  throw badInput(withSuggestion(M.lazy('unknownTask', { service: code(svc.alias), task: code(text) }), near), USAGE, tasksHint(svc));
}

export const run = defineCommand<RunArgs>({
  verb: 'run',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['run web migrate --reason "orders table"', 'run web migrate --dry-run', 'run worker backfill --at 02:00'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { svc, value, base } = parseServiceAndValue(SPEC, raw, ctx, { what: 'theTask', sample: 'migrate', hint: tasksHint }, readTask);
    return parsedFor(svc, { alias: svc.alias, task: value, ...base });
  },
  ackText(parsed, locale) {
    return M.in(locale)(parsed.args.dryRun ? 'ackDryRun' : 'ack', {
      task: code(parsed.args.task),
      service: code(parsed.args.alias),
      env: code(parsed.environment),
    });
  },
  async run(parsed, rt, inv) {
    const { runTask } = await import('./run.run');
    await runTask(parsed, rt, inv);
  },
});
