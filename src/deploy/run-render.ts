/**
 * What a one-off task (`/ecs run`) says in Slack, as pure builders: the request's summary (the
 * change line and its checks, stored with the request in the workspace's language), the dry-run
 * and "requested" answers, and, while it runs, the status card and the thread's milestones
 * (started, completed / failed / not confirmed, did not start). Worker side only. All text from AWS
 * or people is escaped; each builder takes the language it writes in.
 */
import type { KnownBlock } from '@slack/types';
import { context, section, type SlackMessage } from '../slack/blocks';
import { code, link, notificationText, oneLine } from '../slack/text';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { taskUrl } from '../aws/console';
import { arnTail, shortTaskId } from '../aws/arn';
import { slackDate } from '../slack/time';
import { commandLine, type RunOutcome, type RunPlan } from './run-plan';
import type { StoppedTaskInfo } from './progress';
import { peopleOf, stoppedTaskLines, type Audience } from './card';

const M = defineMessages('deploy.run', {
  // The request.
  change: {
    en: '{service}: run {task} once, as a task of {td} (container {container})',
    ko: '{service}: {td}의 작업으로 {task} 한 번 실행 ({container} 컨테이너)',
  },
  commandLine: { en: ':arrow_forward: Command: {command}', ko: ':arrow_forward: 명령: {command}' },
  describe: { en: ':memo: {description}', ko: ':memo: {description}', same: true },
  network: {
    en: ":white_check_mark: Runs where the service's tasks run: {launch}{subnets}",
    ko: ':white_check_mark: 서비스 작업과 같은 곳에서 실행: {launch}{subnets}',
  },
  subnets: { en: ', {n} {n|subnet|subnets}', ko: ', 서브넷 {n}개' },
  timeout: {
    en: ':stopwatch: Stopped and reported as failed if it runs longer than {timeout}',
    ko: ':stopwatch: {timeout}보다 오래 돌면 멈추고 실패로 알립니다',
  },
  dryRun: { en: ':mag: *Dry run* — nothing was started.', ko: ':mag: *드라이 런* — 아무것도 시작하지 않았습니다.' },
  dryRunFooter: {
    en: 'Run it without `--dry-run` to request the run in {env}.',
    ko: '`--dry-run` 없이 실행하면 {env}에 실행을 요청합니다.',
  },
  dryRunFallback: { en: 'Dry run: run {task} on {service} in {env}', ko: '드라이 런: {env}의 {service}에서 {task} 실행' },
  requested: {
    en: ':ballot_box_with_check: Request {id} to run {task} on {service} is posted in {channel} and needs {n} {n|approval|approvals}. Progress will be reported in its thread.',
    ko: ':ballot_box_with_check: {channel}에 {service}의 {task} 실행 요청을 올렸습니다 ({id}). 승인 {n}개가 필요하며, 진행 상황은 그 스레드에 올라옵니다.',
  },
  requestedNow: {
    en: ':rocket: Running {task} on {service} in {env} now (request {id}). Follow the thread in {channel}.',
    ko: ':rocket: 지금 {env}의 {service}에서 {task} 실행 중입니다 (요청 {id}). {channel}의 스레드에서 진행 상황을 볼 수 있습니다.',
  },
  // The status card.
  cardTitle: { en: '{icon} *Run* {task} on {service} in {env} — *{phase}*', ko: '{icon} *실행* {service}의 {task} ({env}) — *{phase}*' },
  starting: { en: 'starting', ko: '시작 중' },
  pending: { en: 'waiting for capacity', ko: '자리 확보 중' },
  running: { en: 'running', ko: '실행 중' },
  stopping: { en: 'stopping', ko: '멈추는 중' },
  completed: { en: 'completed', ko: '완료' },
  failed: { en: 'failed', ko: '실패' },
  unconfirmed: { en: 'not confirmed', ko: '결과 확인 안 됨' },
  taskFact: { en: 'Task {task}', ko: '작업 {task}' },
  tdFact: { en: '{td}, container {container}', ko: '{td}, {container} 컨테이너' },
  startedFact: { en: 'started {at}', ko: '{at} 시작' },
  limitFact: { en: 'stopped after {timeout}', ko: '{timeout} 지나면 멈춤' },
  exitFact: { en: 'exit {code}', ko: '종료 코드 {code}' },
  tookFact: { en: 'took {duration}', ko: '{duration} 걸림' },
  cardFallback: { en: 'Run {task} on {service} in {env}: {phase}', ko: '{env}의 {service}에서 {task} 실행: {phase}' },
  // Milestones.
  started: {
    en: ":rocket: Task {task} started. I'll report here when it stops, and stop it if it runs longer than {timeout}.",
    ko: ':rocket: 작업 {task} 시작. 멈추면 여기에 알리고, {timeout}보다 오래 돌면 멈춥니다.',
  },
  completedLine: {
    en: ':white_check_mark: *Run completed*{took}: {task} exited 0.',
    ko: ':white_check_mark: *실행 완료*{took}: {task} 종료 코드 0.',
  },
  failedLine: { en: ':x: *Run failed*{took}: {why}.', ko: ':x: *실행 실패*{took}: {why}.' },
  took: { en: ' in {duration}', ko: ' ({duration} 걸림)' },
  exited: { en: '{task} exited {code}', ko: '{task} 종료 코드 {code}' },
  neverStarted: { en: 'the task did not start', ko: '작업이 시작되지 못했습니다' },
  timedOut: {
    en: 'it ran longer than its {timeout} limit, so I stopped it',
    ko: '제한 시간 {timeout}보다 오래 돌아서 멈췄습니다',
  },
  stoppedBy: { en: 'the task was stopped before {task} exited', ko: '{task} 명령이 끝나기 전에 작업이 멈췄습니다' },
  unconfirmedLine: {
    en: ':grey_question: *Run not confirmed*{took}: {why}',
    ko: ':grey_question: *실행 결과 확인 안 됨*{took}: {why}',
  },
  stopFailed: {
    en: ':warning: It ran past its {timeout} limit and I could not stop it: {why} I will try again.',
    ko: ':warning: 제한 시간({timeout})을 넘겼는데 멈추지 못했습니다: {why} 다시 시도합니다.',
  },
  stoppingLine: {
    en: ':octagonal_sign: It ran past its {timeout} limit: stopping task {task}.',
    ko: ':octagonal_sign: 제한 시간({timeout})을 넘겨 작업 {task} 중지를 요청했습니다.',
  },
  didNotRun: { en: ':x: *Run did not start.* {message}', ko: ':x: *실행을 시작하지 않았습니다.* {message}' },
  didNotRunFallback: { en: 'Run {task} on {service} did not start', ko: '{service}의 {task} 실행을 시작하지 않았습니다' },
  notifyDone: { en: '{people}: this run is done.', ko: '{people} 님, 이 실행이 끝났습니다.' },
  notifyFailed: { en: '{people}: this run failed.', ko: '{people} 님, 이 실행이 실패했습니다.' },
  notifyUnconfirmed: {
    en: '{people}: I could not confirm how this run ended.',
    ko: '{people} 님, 이 실행이 어떻게 끝났는지 확인하지 못했습니다.',
  },
});

/** How the service's tasks are placed, as the request says it: `FARGATE`, or the capacity providers. */
function launchText(plan: RunPlan): string {
  if (plan.capacityProviderStrategy?.length) return plan.capacityProviderStrategy.map((s) => code(s.capacityProvider)).join(', ');
  return code(plan.launchType ?? 'EC2');
}

/** The request's change line (one line). */
export function runChangeLine(plan: RunPlan, locale: Locale): string {
  return M.in(locale)('change', {
    service: code(plan.alias),
    task: code(plan.task),
    td: code(arnTail(plan.taskDefinition)),
    container: code(plan.container),
  });
}

/** The request's checks: the command, what it is for, where it runs, its time limit. */
export function runCheckLines(plan: RunPlan, locale: Locale): string[] {
  const t = M.in(locale);
  return [
    t('commandLine', { command: code(oneLine(commandLine(plan.command), 500)) }),
    ...(plan.description ? [t('describe', { description: oneLine(plan.description, 200) })] : []),
    t('network', {
      launch: launchText(plan),
      subnets: plan.awsvpc ? t('subnets', { n: plan.awsvpc.subnets.length }) : '',
    }),
    t('timeout', { timeout: formatDuration(plan.timeoutMs, locale) }),
  ];
}

/** The summary the request keeps (its message, the audit, /ecs history): the change line and its checks. */
export function runSummary(plan: RunPlan, locale: Locale): string {
  return [runChangeLine(plan, locale), ...runCheckLines(plan, locale)].join('\n');
}

export function runDryRunMessage(plan: RunPlan, notes: string[], locale: Locale): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(`${t('dryRun')}\n${runChangeLine(plan, locale)}`), section(runCheckLines(plan, locale).join('\n'))];
  for (const n of notes) blocks.push(context(n));
  blocks.push(context(t('dryRunFooter', { env: code(plan.environment) })));
  return { text: t('dryRunFallback', { task: plan.task, service: plan.alias, env: plan.environment }), blocks, locale };
}

export function runRequestedMessage(
  plan: RunPlan,
  r: { id: string; channel: string; approvalsNeeded: number; state: string },
  locale: Locale,
): SlackMessage {
  const t = M.in(locale);
  const params = {
    id: code(r.id),
    task: code(plan.task),
    service: code(plan.alias),
    env: code(plan.environment),
    channel: `<#${r.channel}>`,
  };
  const text =
    r.approvalsNeeded > 0 && r.state === 'pending' ? t('requested', { ...params, n: r.approvalsNeeded }) : t('requestedNow', params);
  return { text: notificationText(text), blocks: [section(text)], locale };
}

export type RunPhase = 'starting' | 'pending' | 'running' | 'stopping' | 'completed' | 'failed' | 'unconfirmed';

const ICON: Record<RunPhase, string> = {
  starting: ':hourglass_flowing_sand:',
  pending: ':hourglass_flowing_sand:',
  running: ':arrows_counterclockwise:',
  stopping: ':octagonal_sign:',
  completed: ':white_check_mark:',
  failed: ':x:',
  unconfirmed: ':grey_question:',
};

export interface RunView {
  plan: RunPlan;
  phase: RunPhase;
  taskArn?: string;
  /** When the task's containers started (ECS's startedAt), else when the run started. */
  startedAt?: number;
  outcome?: RunOutcome;
  /** A short note under the title (why it did not start). */
  note?: string;
}

/** "`3f1c7e5a`" linked to the task in the ECS console. */
function taskLink(plan: RunPlan, taskArn: string): string {
  return link(taskUrl(plan.region, plan.cluster, arnTail(taskArn)), shortTaskId(taskArn));
}

/** The status card: one message, updated in place until the run is final. */
export function runStatusCard(v: RunView, locale: Locale): SlackMessage {
  const t = M.in(locale);
  const p = v.plan;
  const phase = t(v.phase);
  const title = t('cardTitle', { icon: ICON[v.phase], task: code(p.task), service: code(p.alias), env: code(p.environment), phase });
  const blocks: KnownBlock[] = [section(v.note ? `${title}\n${oneLine(v.note, 600)}` : title)];
  const facts = [
    ...(v.taskArn ? [t('taskFact', { task: taskLink(p, v.taskArn) })] : []),
    t('tdFact', { td: code(arnTail(p.taskDefinition)), container: code(p.container) }),
    ...(v.startedAt !== undefined ? [t('startedFact', { at: slackDate(v.startedAt, '{time}') })] : []),
    ...(v.outcome?.exitCode !== undefined ? [t('exitFact', { code: v.outcome.exitCode })] : []),
    ...(v.outcome?.startedAt !== undefined && v.outcome.stoppedAt !== undefined
      ? [t('tookFact', { duration: formatDuration(v.outcome.stoppedAt - v.outcome.startedAt, locale) })]
      : []),
    ...(v.phase === 'running' || v.phase === 'pending' || v.phase === 'starting'
      ? [t('limitFact', { timeout: formatDuration(p.timeoutMs, locale) })]
      : []),
  ];
  blocks.push(context(facts.join(' · ')));
  return { text: t('cardFallback', { task: p.task, service: p.alias, env: p.environment, phase }), blocks, locale };
}

export function runStartedMilestone(plan: RunPlan, taskArn: string, locale: Locale): SlackMessage {
  const text = M.in(locale)('started', { task: taskLink(plan, taskArn), timeout: formatDuration(plan.timeoutMs, locale) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

export function runStoppingMilestone(plan: RunPlan, taskArn: string, locale: Locale): SlackMessage {
  const text = M.in(locale)('stoppingLine', { task: taskLink(plan, taskArn), timeout: formatDuration(plan.timeoutMs, locale) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

export function runStopFailedText(plan: RunPlan, why: string, locale: Locale): string {
  return M.in(locale)('stopFailed', { timeout: formatDuration(plan.timeoutMs, locale), why: oneLine(why, 400) });
}

/**
 * How the run ended, as recorded (the execution fact `ended`, in the shape a change's end has:
 * phase, reasons, unconfirmed, at; the request message and /ecs history read it alike).
 */
export interface RunEnded {
  phase: 'completed' | 'failed';
  /** Why, in the workspace's language (the first is shown on the request message). */
  reasons: string[];
  outcome?: RunOutcome;
  /** Stopped by the bot at its time limit. */
  timedOut?: boolean;
  /** Given up, not told by ECS (the task is no longer listed, or could not be read): "not confirmed". */
  unconfirmed?: boolean;
  at: number;
}

/** Why a failed run failed, in one clause. */
export function runFailureWhy(plan: RunPlan, ended: RunEnded, locale: Locale): string {
  const t = M.in(locale);
  if (ended.timedOut) return t('timedOut', { timeout: formatDuration(plan.timeoutMs, locale) });
  const o = ended.outcome;
  if (o?.exitCode !== undefined && o.exitCode !== 0) return t('exited', { task: code(plan.task), code: o.exitCode });
  if (o?.neverStarted) return t('neverStarted');
  return t('stoppedBy', { task: code(plan.task) });
}

/**
 * The final reply: completed or failed with the real reason (the exit code, ECS's words and what
 * they mean, the last log lines of the command's container), mentioning the requester and the
 * approvers. A failure is also broadcast to the channel.
 */
export function runFinalMilestone(
  plan: RunPlan,
  ended: RunEnded,
  durationMs: number | undefined,
  stopped: StoppedTaskInfo | undefined,
  locale: Locale,
  audience?: Audience,
): SlackMessage {
  const t = M.in(locale);
  const took = durationMs !== undefined ? t('took', { duration: formatDuration(durationMs, locale) }) : '';
  const people = peopleOf(audience, locale);
  const head =
    ended.phase === 'completed'
      ? t('completedLine', { took, task: code(plan.task) })
      : ended.unconfirmed
        ? t('unconfirmedLine', { took, why: oneLine(ended.reasons[0] ?? '', 600) })
        : t('failedLine', { took, why: runFailureWhy(plan, ended, locale) });
  const blocks: KnownBlock[] = [section(head)];
  if (ended.phase === 'failed' && stopped)
    blocks.push(section(stoppedTaskLines([stopped], plan.region, plan.cluster, locale, 1400).join('\n')));
  const notify = ended.phase === 'completed' ? 'notifyDone' : ended.unconfirmed ? 'notifyUnconfirmed' : 'notifyFailed';
  if (people) blocks.push(context(t(notify, { people })));
  return { text: notificationText(`${head}${people ? ` ${people}` : ''}`), blocks, locale };
}

/** The run did not start (the service moved on, RunTask refused, capacity): why, and what to do. */
export function runNotStartedMilestone(
  plan: RunPlan,
  message: string,
  hint: string | undefined,
  locale: Locale,
  audience?: Audience,
): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(t('didNotRun', { message }))];
  if (hint) blocks.push(context(hint));
  const people = peopleOf(audience, locale);
  if (people) blocks.push(context(t('notifyFailed', { people })));
  return { text: `${t('didNotRunFallback', { task: plan.task, service: plan.alias })}${people ? ` ${people}` : ''}`, blocks, locale };
}
