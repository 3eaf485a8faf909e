/**
 * What a running change says in its request's thread, as pure builders: the status card (one
 * message, updated in place until the change is final) and the milestone replies under it
 * (registered, started, stuck, completed / failed / not confirmed, did not run, aborted). Only the
 * worker side (executor, tracker, events) posts them, so neither they nor their texts are in the
 * Slack function's bundle. All text from AWS or people is escaped. Each builder takes the language
 * it writes in.
 */
import type { KnownBlock } from '@slack/types';
import { context, section, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, escapeMrkdwn, link, mention, notificationText, oneLine, verbTitle } from '../slack/text';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { serviceUrl, taskUrl } from '../aws/console';
import { registersTaskDefinition, type ChangePlan } from './plan';
import type { Counts, Phase, StoppedTaskInfo } from './progress';
import { shortDigest } from './refs';
import { arnTail } from '../aws/arn';
import { stoppedTaskExplanation } from '../aws/task-stop-explain';
import { slackDate } from '../slack/time';
import type { PauseState } from './traffic-model';
import { trafficText } from './traffic-text';
import { autoLockBlocks } from './autolock';
import { ABORT_ACTION_ID, sizeText, verbing } from './render';

const M = defineMessages('deploy.card', {
  // The status card.
  ofService: { en: '{verb} of {service}', ko: '{service} {verb}' },
  ingService: { en: '{verbing} {service}', ko: '{service} {verbing}' },
  cardTitle: { en: '{icon} *{what}* {target} in {env} — *{phase}*', ko: '{icon} *{what}* {target} ({env}) — *{phase}*' },
  targetDeploy: { en: '→ {ref}{digest}{as}', ko: '→ {ref}{digest}{as}', same: true },
  asTd: { en: ' as {td}', ko: ', 작업 정의 {td}' },
  targetRollback: { en: 'to {td}', ko: '→ {td}' },
  targetScale: { en: '{from} → {to} {to|task|tasks}', ko: '작업 {from}개 → {to}개' },
  targetRestart: { en: '(new tasks of {td})', ko: '({td}의 새 작업)' },
  starting: { en: 'starting', ko: '시작 중' },
  in_progress: { en: 'in progress', ko: '진행 중' },
  completed: { en: 'completed', ko: '완료' },
  failed: { en: 'failed', ko: '실패' },
  unconfirmed: { en: 'not confirmed', ko: '결과 확인 안 됨' },
  stuck: { en: 'stuck', ko: '멈춤' },
  aborting: { en: 'aborting', ko: '중단 중' },
  countsNew: { en: '{bar} {running}/{desired} new tasks running{rest}', ko: '{bar} 새 작업 {running}/{desired}개 실행 중{rest}' },
  countsAll: { en: '{bar} {running}/{desired} tasks running{rest}', ko: '{bar} 작업 {running}/{desired}개 실행 중{rest}' },
  countsBack: {
    en: '{bar} {running}/{desired} tasks back on {td}{rest}',
    ko: '{bar} 이전 버전({td})으로 돌아간 작업 {running}/{desired}개{rest}',
  },
  pending: { en: ', {n} pending', ko: ', 대기 {n}개' },
  failedTasks: { en: ', {n} failed', ko: ', 실패 {n}개' },
  tdFact: { en: 'Task definition {td}', ko: '작업 정의 {td}' },
  tdNotYet: { en: 'Task definition not registered yet', ko: '작업 정의 아직 등록 전' },
  deploymentFact: { en: 'Deployment {id}', ko: '배포 {id}' },
  deploymentKeptFact: { en: 'Deployment {id} (unchanged)', ko: '배포 {id} (그대로)' },
  deploymentKeptSinceFact: { en: 'Deployment {id} (unchanged, since {at})', ko: '배포 {id} ({at}부터 그대로)' },
  startedFact: { en: 'started {at}', ko: '{at} 시작' },
  console: { en: 'ECS console', ko: 'ECS 콘솔' },
  abortedBy: { en: ':octagonal_sign: Aborted by {user}{back}.', ko: ':octagonal_sign: {user} 님이 중단했습니다{back}.' },
  ecsRollingBack: { en: '; ECS is rolling back', ko: '. ECS가 롤백하는 중입니다' },
  stoppedTasks: { en: '*Stopped tasks*', ko: '*중지된 작업*' },
  whyStopped: { en: '*Why tasks stopped*', ko: '*작업이 중지된 이유*' },
  task: { en: '• Task {link}: {why}{containers}', ko: '• 작업 {link}: {why}{containers}' },
  stopped: { en: 'stopped', ko: '중지됨' },
  exit: { en: 'exit {code}', ko: '종료 코드 {code}' },
  sameLogs: { en: 'Same last log lines as {id}.', ko: '마지막 로그는 {id} 작업과 같습니다.' },
  abortScale: { en: 'Abort (scale back)', ko: '중단 (작업 수 되돌리기)' },
  abortRollBack: { en: 'Abort and roll back', ko: '중단하고 롤백' },
  cardFallback: { en: '{verbing} {service} in {env}: {phase}{counts}', ko: '{env}의 {service} {verbing}: {phase}{counts}' },
  cardCounts: { en: ' ({running}/{desired} running)', ko: ' ({running}/{desired} 실행 중)' },
  // The abort button's confirmation.
  stopTitle: { en: 'Stop this change?', ko: '이 변경을 멈출까요?' },
  stopText: {
    en: 'ECS stops the rollout and returns the service to what it ran before.',
    ko: 'ECS가 롤아웃을 멈추고 서비스를 이전 상태로 되돌립니다.',
  },
  keepGoing: { en: 'Keep going', ko: '계속 진행' },
  // Milestones.
  reused: {
    en: ':package: Reusing task definition {td}, registered by an earlier attempt of this request.',
    ko: ':package: 이 요청의 이전 시도에서 등록한 작업 정의를 다시 씁니다: {td}.',
  },
  registered: { en: ':package: Task definition registered: {td}.', ko: ':package: 작업 정의를 등록했습니다: {td}.' },
  desiredSet: { en: 'Desired count set to {n}', ko: '원하는 작업 수를 {n}개로 설정했습니다' },
  deploymentStarted: { en: 'Deployment started{id}', ko: '배포를 시작했습니다{id}' },
  started: {
    en: ":rocket: {what}. I'll report here when it completes or fails, and call it stuck after {deadline}.",
    ko: ':rocket: {what}. 완료되거나 실패하면 여기에 알리고, {deadline} 안에 끝나지 않으면 멈춘 것으로 봅니다.',
  },
  took: { en: ' in {duration}', ko: ' ({duration} 걸림)' },
  completedTasks: { en: '{service} runs {n} {n|task|tasks}', ko: '{service}: 작업 {n}개 실행 중' },
  completedTd: { en: '{service} runs {td}{on}', ko: '{service}: {td} 실행 중{on}' },
  onTasks: { en: ' on {n} {n|task|tasks}', ko: ' (작업 {n}개)' },
  completedLine: { en: ':white_check_mark: *{verb} completed*{took}: {what}.', ko: ':white_check_mark: *{verb} 완료*{took}: {what}.' },
  failedLine: { en: ':x: *{verb} failed*{took}{back}{aborted}.', ko: ':x: *{verb} 실패*{took}{back}{aborted}.' },
  unconfirmedLine: {
    en: ':grey_question: *{verb} not confirmed*{took}: ECS had not said it completed or failed when I stopped tracking it{aborted}.',
    ko: ':grey_question: *{verb} 결과 확인 안 됨*{took}: 추적을 멈출 때까지 ECS가 완료나 실패를 알리지 않았습니다{aborted}.',
  },
  backOn: { en: ' — the service is back on {td}', ko: ' — 서비스가 이전 작업 정의({td})로 돌아갔습니다' },
  abortedParen: { en: ' (aborted by {user})', ko: ' ({user} 님이 중단)' },
  unusedTd: { en: 'Task definition {td} stays registered but unused.', ko: '작업 정의 {td}: 등록된 채 쓰이지 않습니다.' },
  notifyDone: { en: '{people}: this change is done.', ko: '{people} 님, 이 변경이 끝났습니다.' },
  notifyFailed: { en: '{people}: this change failed.', ko: '{people} 님, 이 변경이 실패했습니다.' },
  notifyUnconfirmed: {
    en: '{people}: I could not confirm how this change ended.',
    ko: '{people} 님, 이 변경이 어떻게 끝났는지 확인하지 못했습니다.',
  },
  stuckLine: {
    en: ':warning: *Still not done after {deadline}* — the rollout looks stuck.',
    ko: ':warning: *{deadline} 동안 끝나지 않았습니다* — 롤아웃이 멈춘 것 같습니다.',
  },
  stuckHelp: {
    en: 'Roll back stops the deployment and returns the service to what it ran before. I keep watching either way.',
    ko: '롤백하면 배포를 멈추고 서비스를 이전 상태로 되돌립니다. 어느 쪽이든 계속 지켜봅니다.',
  },
  scaleBack: { en: 'Scale back', ko: '작업 수 되돌리기' },
  rollBack: { en: 'Roll back', ko: '롤백' },
  stuckFallback: { en: '{verb} of {service} looks stuck', ko: '{service} {verb} 작업이 멈춘 것 같습니다' },
  didNotRun: { en: ':x: *{verb} did not run.* {message}', ko: ':x: *{verb} 작업을 실행하지 않았습니다.* {message}' },
  registeredUnused: {
    en: 'Task definition {td} was registered but is not used by the service.',
    ko: '작업 정의 {td}: 등록되었지만 서비스에서 쓰지 않습니다.',
  },
  didNotRunFallback: { en: '{verb} of {service} did not run', ko: '{service} {verb} 작업을 실행하지 않았습니다' },
  abortStop: {
    en: ':octagonal_sign: {user} aborted the rollout: ECS stops the deployment and rolls back to what ran before.',
    ko: ':octagonal_sign: {user} 님이 롤아웃을 중단했습니다. ECS가 배포를 멈추고 이전 상태로 롤백합니다.',
  },
  abortScaleBack: {
    en: ':octagonal_sign: {user} aborted: desired count set back to {n}.',
    ko: ':octagonal_sign: {user} 님이 중단했습니다. 원하는 작업 수를 {n}개로 되돌렸습니다.',
  },
  abortUpdate: {
    en: ':octagonal_sign: {user} aborted: the service is updated back to {td}.',
    ko: ':octagonal_sign: {user} 님이 중단했습니다. 서비스를 이전 작업 정의({td})로 되돌렸습니다.',
  },
});

export type CardPhase = Phase | 'starting' | 'aborting';

export interface CardView {
  requestId: string;
  plan: ChangePlan;
  phase: CardPhase;
  /** The task definition registered by a deploy. */
  registered?: string;
  deploymentId?: string;
  /** A scale: when the deployment it keeps started (ECS's createdAt), when the service was read. */
  deploymentSince?: number;
  counts?: Counts;
  startedAt?: number;
  deadlineMs: number;
  reasons: string[];
  stoppedTasks: StoppedTaskInfo[];
  rolledBack?: boolean;
  abortedBy?: string;
  /** A short note under the title, e.g. why the change could not start. */
  note?: string;
  /** The deployment waits at a PAUSE lifecycle hook (the traffic-shift gate). */
  pause?: PauseState;
  /** The service was locked after this rollback (gates.autoLock): the final message carries the acknowledge button. */
  autoLocked?: boolean;
  /**
   * A 'failed' change that ECS never said failed: the tracking was given up (still not finished, or
   * the service unreadable, past the give-up time). Said as "not confirmed", never as "failed".
   */
  unconfirmed?: boolean;
  /** The workspace's language (the release-gate lines). */
  locale?: Locale;
}

const PHASE_ICON: Record<CardPhase, string> = {
  starting: ':hourglass_flowing_sand:',
  in_progress: ':arrows_counterclockwise:',
  completed: ':white_check_mark:',
  failed: ':x:',
  stuck: ':warning:',
  aborting: ':octagonal_sign:',
};

/** ▰▰▰▱▱ running of desired. */
export function progressBar(running: number, desired: number, width = 10): string {
  if (desired <= 0) return '';
  const filled = Math.max(0, Math.min(width, Math.round((running / desired) * width)));
  return '▰'.repeat(filled) + '▱'.repeat(width - filled);
}

/** The progress line; nothing when there is nothing to count (a failed deployment's 0 of 0). */
function countsLine(c: Counts, verb: ChangePlan['verb'], locale: Locale): string | undefined {
  if (c.desired <= 0 && c.running <= 0) return undefined;
  const t = M.in(locale);
  const rest = `${c.pending ? t('pending', { n: c.pending }) : ''}${c.failed ? t('failedTasks', { n: c.failed }) : ''}`;
  const bar = progressBar(c.running, c.desired);
  if (c.back) return t('countsBack', { bar, running: c.running, desired: c.desired, td: code(arnTail(c.back)), rest });
  return t(verb === 'scale' ? 'countsAll' : 'countsNew', { bar, running: c.running, desired: c.desired, rest });
}

/** Slack's date token (each reader's time zone) with a UTC fallback. */
function when(t: number): string {
  const iso = new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${Math.floor(t / 1000)}^{time}|${iso}>`;
}

/**
 * The stopped tasks, each with what its stop means (one line per distinct meaning) and its last log
 * lines; lines already shown for an earlier task (tasks that crash the same way) are named, not repeated.
 */
export function stoppedTaskLines(
  tasks: readonly StoppedTaskInfo[],
  region: string,
  cluster: string,
  locale: Locale,
  maxLogChars = 1200,
): string[] {
  const t = M.in(locale);
  const out: string[] = [];
  const said = new Set<string>();
  /** Each log tail shown, and the task it was shown under. */
  const shownLogs = new Map<string, string>();
  for (const task of tasks) {
    const containers = task.containers
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) =>
        `${code(c.name)} ${c.exitCode !== undefined ? t('exit', { code: c.exitCode }) : ''}${c.reason ? ` (${oneLine(c.reason, 200)})` : ''}`.trim(),
      )
      .join('; ');
    out.push(
      t('task', {
        link: link(taskUrl(region, cluster, task.taskId), task.taskId.slice(0, 8)),
        why: `${task.stopCode ? `${code(task.stopCode)} ` : ''}${oneLine(task.stoppedReason, 300) || t('stopped')}`,
        containers: containers ? ` — ${containers}` : '',
      }),
    );
    const means = stoppedTaskExplanation(task, locale);
    if (means && !said.has(means)) {
      said.add(means);
      out.push(`      ${escapeMrkdwn(means)}`);
    }
    if (task.logLines?.length) {
      const tail = task.logLines.join('\n');
      const first = shownLogs.get(tail);
      if (first) out.push(`      ${t('sameLogs', { id: code(first) })}`);
      else {
        shownLogs.set(tail, task.taskId.slice(0, 8));
        out.push(codeBlock(tail, maxLogChars, locale));
      }
    }
  }
  return out;
}

function cardTarget(p: ChangePlan, registered: string | undefined, locale: Locale): string {
  const t = M.in(locale);
  switch (p.verb) {
    case 'deploy':
      return t('targetDeploy', {
        ref: code(p.tag ?? `sha256:${shortDigest(p.digest)}`),
        digest: p.tag ? ` (${code('sha256:' + shortDigest(p.digest))})` : '',
        as: registered ? t('asTd', { td: code(arnTail(registered)) }) : '',
      });
    case 'rollback':
      return t('targetRollback', { td: code(arnTail(p.targetTaskDefinition)) });
    case 'scale':
      return t('targetScale', { from: p.from, to: p.to });
    case 'restart':
      return t('targetRestart', { td: code(arnTail(p.currentTaskDefinition)) });
    case 'resize':
      return `${sizeText(p.from)} → ${sizeText(p.to)}${registered ? t('asTd', { td: code(arnTail(registered)) }) : ''}`;
  }
}

/** The word for a card's phase: a change whose end ECS never told is "not confirmed", not "failed". */
function phaseWord(v: Pick<CardView, 'phase' | 'unconfirmed'>): CardPhase | 'unconfirmed' {
  return v.unconfirmed && v.phase === 'failed' ? 'unconfirmed' : v.phase;
}

/** The status card (a channel message, in the workspace's language): one message in the thread, updated in place until the change is final. */
export function statusCard(v: CardView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const tt = trafficText.in(locale);
  const p = v.plan;
  const done = v.phase === 'completed' || v.phase === 'failed';
  const service = code(p.alias);
  const what = done
    ? t('ofService', { verb: verbTitle(p.verb, locale), service })
    : t('ingService', { verbing: verbing(p.verb, locale), service });
  const title = t('cardTitle', {
    icon: v.pause ? ':double_vertical_bar:' : v.unconfirmed ? ':grey_question:' : PHASE_ICON[v.phase],
    what,
    target: cardTarget(p, v.registered, locale),
    env: code(p.environment),
    phase: v.pause ? tt('cardPhase') : t(phaseWord(v)),
  });
  const blocks: KnownBlock[] = [section(v.note ? `${title}\n${v.note}` : title)];
  if (v.pause) {
    const expiry =
      v.pause.expiresAt !== undefined
        ? tt('cardExpiry', { action: code(v.pause.timeoutAction ?? 'ROLLBACK'), at: slackDate(v.pause.expiresAt) })
        : '';
    blocks.push(section(tt('cardPaused', { stage: code(v.pause.stage), button: v.pause.button, expiry })));
  }
  const facts: string[] = [];
  if (registersTaskDefinition(p)) facts.push(v.registered ? t('tdFact', { td: code(arnTail(v.registered)) }) : t('tdNotYet'));
  else if (p.verb === 'rollback') facts.push(t('tdFact', { td: code(arnTail(p.targetTaskDefinition)) }));
  if (v.deploymentId && p.verb !== 'scale') facts.push(t('deploymentFact', { id: code(v.deploymentId) }));
  if (v.startedAt) facts.push(t('startedFact', { at: when(v.startedAt) }));
  // A scale starts no deployment: the one it names ran before it, so "started" is not its start.
  if (v.deploymentId && p.verb === 'scale')
    facts.push(
      v.deploymentSince
        ? t('deploymentKeptSinceFact', { id: code(v.deploymentId), at: when(v.deploymentSince) })
        : t('deploymentKeptFact', { id: code(v.deploymentId) }),
    );
  const counts = v.counts ? countsLine(v.counts, p.verb, locale) : undefined;
  if (counts) blocks.push(section(counts));
  if (facts.length) blocks.push(context(facts.join(' · '), link(serviceUrl(p.region, p.cluster, p.serviceName), t('console'))));
  if (v.abortedBy) blocks.push(section(t('abortedBy', { user: `<@${v.abortedBy}>`, back: v.rolledBack ? t('ecsRollingBack') : '' })));
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 500)}`).join('\n')));
  if (v.stoppedTasks.length)
    blocks.push(section([t('stoppedTasks'), ...stoppedTaskLines(v.stoppedTasks, p.region, p.cluster, locale, 600)].join('\n')));
  if (v.phase === 'in_progress' || v.phase === 'stuck' || v.phase === 'starting') {
    if (v.deploymentId || p.verb === 'scale')
      blocks.push(abortActions(v.requestId, t(p.verb === 'scale' ? 'abortScale' : 'abortRollBack'), locale));
  }
  const text = t('cardFallback', {
    verbing: verbing(p.verb, locale),
    service: p.alias,
    env: p.environment,
    phase: t(phaseWord(v)),
    counts: v.counts && counts ? t('cardCounts', { running: v.counts.running, desired: v.counts.desired }) : '',
  });
  return { text, blocks, locale };
}

/** The Abort / Roll back button, with a confirmation dialog. */
export function abortActions(requestId: string, label: string, locale: Locale = 'en'): KnownBlock {
  const t = M.in(locale);
  return {
    type: 'actions',
    block_id: `deploy-abort:${requestId}`.slice(0, 255),
    elements: [
      {
        type: 'button',
        action_id: ABORT_ACTION_ID,
        value: requestId,
        style: 'danger',
        text: { type: 'plain_text', text: label, emoji: true },
        confirm: {
          title: { type: 'plain_text', text: t('stopTitle') },
          text: { type: 'mrkdwn', text: t('stopText') },
          confirm: { type: 'plain_text', text: label },
          deny: { type: 'plain_text', text: t('keepGoing') },
          style: 'danger',
        },
      },
    ],
  };
}

export function registeredMilestone(arn: string, reused: boolean, locale: Locale = 'en'): SlackMessage {
  const text = M.in(locale)(reused ? 'reused' : 'registered', { td: code(arnTail(arn)) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

export function startedMilestone(
  plan: ChangePlan,
  deploymentId: string | undefined,
  deadlineMs: number,
  locale: Locale = 'en',
): SlackMessage {
  const t = M.in(locale);
  const what =
    plan.verb === 'scale' ? t('desiredSet', { n: plan.to }) : t('deploymentStarted', { id: deploymentId ? `: ${code(deploymentId)}` : '' });
  const text = t('started', { what, deadline: formatDuration(deadlineMs, locale) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

/** Who the end of a change is for: the requester and the approvers, mentioned once each. */
export interface Audience {
  requester?: string;
  approvers?: readonly string[];
}

/** The requester and the approvers as mentions (the bot left out); undefined when there is nobody. */
export function peopleOf(a: Audience | undefined, locale: Locale): string | undefined {
  const ids = [...new Set([a?.requester, ...(a?.approvers ?? [])].filter((u): u is string => Boolean(u) && u !== 'bot'))];
  return ids.length ? ids.map((u) => mention(u, locale)).join(' ') : undefined;
}

/**
 * The final reply in the thread: completed or failed, with why (reasons, stopped tasks, last log
 * lines: said once, here, not on the card) and a mention of the requester and the approvers.
 * A failure is also broadcast to the channel by the tracker.
 */
export function finalMilestone(
  v: CardView & { phase: 'completed' | 'failed' },
  durationMs?: number,
  locale: Locale = 'en',
  audience?: Audience,
): SlackMessage {
  const t = M.in(locale);
  const p = v.plan;
  const verb = verbTitle(p.verb, locale);
  const took = durationMs !== undefined ? t('took', { duration: formatDuration(durationMs, locale) }) : '';
  const people = peopleOf(audience, locale);
  if (v.phase === 'completed') {
    const what =
      p.verb === 'scale'
        ? t('completedTasks', { service: code(p.alias), n: p.to })
        : t('completedTd', {
            service: code(p.alias),
            td: code(
              arnTail(registersTaskDefinition(p) ? v.registered : p.verb === 'rollback' ? p.targetTaskDefinition : p.currentTaskDefinition),
            ),
            on: v.counts ? t('onTasks', { n: v.counts.running }) : '',
          });
    const text = t('completedLine', { verb, took, what });
    const blocks: KnownBlock[] = [section(text)];
    if (v.autoLocked) blocks.push(...autoLockBlocks(p, locale));
    if (people) blocks.push(context(t('notifyDone', { people })));
    return { text: notificationText(`${text}${people ? ` ${people}` : ''}`), blocks, locale };
  }
  const aborted = v.abortedBy ? t('abortedParen', { user: `<@${v.abortedBy}>` }) : '';
  const head = v.unconfirmed
    ? t('unconfirmedLine', { verb, took, aborted })
    : t('failedLine', { verb, took, back: v.rolledBack ? t('backOn', { td: code(arnTail(p.currentTaskDefinition)) }) : '', aborted });
  const blocks: KnownBlock[] = [section(head)];
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 600)}`).join('\n')));
  if (v.stoppedTasks.length) {
    blocks.push(section([t('whyStopped'), ...stoppedTaskLines(v.stoppedTasks, p.region, p.cluster, locale, 1400)].join('\n')));
  }
  // "Unused" only when it is known: ECS rolled back, or the service was never updated to it. A change
  // given up (stuck, or its service unreadable) may still run some tasks on it.
  if (v.registered && registersTaskDefinition(p) && (v.rolledBack || !v.deploymentId))
    blocks.push(context(t('unusedTd', { td: code(arnTail(v.registered)) })));
  if (v.autoLocked) blocks.push(...autoLockBlocks(p, locale));
  if (people) blocks.push(context(t(v.unconfirmed ? 'notifyUnconfirmed' : 'notifyFailed', { people })));
  return { text: notificationText(`${head}${people ? ` ${people}` : ''}`), blocks, locale };
}

export function stuckMilestone(v: CardView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(t('stuckLine', { deadline: formatDuration(v.deadlineMs, locale) }))];
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 500)}`).join('\n')));
  if (v.stoppedTasks.length)
    blocks.push(section([t('stoppedTasks'), ...stoppedTaskLines(v.stoppedTasks, v.plan.region, v.plan.cluster, locale, 1400)].join('\n')));
  blocks.push(context(t('stuckHelp')));
  blocks.push(abortActions(v.requestId, t(v.plan.verb === 'scale' ? 'scaleBack' : 'rollBack'), locale));
  return { text: t('stuckFallback', { verb: verbTitle(v.plan.verb, locale), service: v.plan.alias }), blocks, locale };
}

/** A failure before the service was touched (changed since the request, PassRole, UpdateService refused…). */
export function notStartedMilestone(
  plan: ChangePlan,
  message: string,
  hint?: string,
  registered?: string,
  locale: Locale = 'en',
  audience?: Audience,
): SlackMessage {
  const t = M.in(locale);
  const verb = verbTitle(plan.verb, locale);
  const blocks: KnownBlock[] = [section(t('didNotRun', { verb, message }))];
  if (hint) blocks.push(context(hint));
  if (registered) blocks.push(context(t('registeredUnused', { td: code(arnTail(registered)) })));
  const people = peopleOf(audience, locale);
  if (people) blocks.push(context(t('notifyFailed', { people })));
  return { text: `${t('didNotRunFallback', { verb, service: plan.alias })}${people ? ` ${people}` : ''}`, blocks, locale };
}

export function abortMilestone(plan: ChangePlan, by: string, how: 'stop' | 'update', target: string, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const user = `<@${by}>`;
  const text =
    how === 'stop'
      ? t('abortStop', { user })
      : plan.verb === 'scale'
        ? t('abortScaleBack', { user, n: escapeMrkdwn(target) })
        : t('abortUpdate', { user, td: code(arnTail(target)) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}
