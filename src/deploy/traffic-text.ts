/**
 * The traffic-shift gate (gate 2) in Slack: the paused-deployment message in the request's thread
 * (stage, traffic weights, the new revision's health, the two buttons), its closed forms, and the
 * answers to a press. Pure builders; one catalog part.
 */
import type { KnownBlock } from '@slack/types';
import { context, section, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, mention, notificationText, oneLine } from '../slack/text';
import { slackDate } from '../slack/time';
import { defineMessages, formatDuration, type Locale } from '../i18n';

export const TRAFFIC_PREFIX = 'gate:';
export const TRAFFIC_ACTION = { shift: 'gate:shift', rollback: 'gate:rollback' } as const;

export const trafficText = defineMessages('deploy.traffic', {
  pausedTitle: {
    en: ':double_vertical_bar: *Deployment paused at {stage}* — waiting for a decision. If nobody decides, ECS takes its timeout action ({action}) {at} (in {left}).',
    ko: ':double_vertical_bar: *{stage} 단계에서 배포가 일시 중지됨* — 결정을 기다리고 있습니다. 아무도 결정하지 않으면 ECS가 {at}({left} 후)에 시간 초과 동작({action})을 실행합니다.',
  },
  pausedTitleNoExpiry: {
    en: ':double_vertical_bar: *Deployment paused at {stage}* — waiting for a decision.',
    ko: ':double_vertical_bar: *{stage} 단계에서 배포가 일시 중지됨* — 결정을 기다리고 있습니다.',
  },
  weights: {
    en: '*Traffic:* production — new revision {prodNew}, current {prodOld} · test — new revision {testNew}',
    ko: '*트래픽:* 운영 — 새 리비전 {prodNew}, 현재 리비전 {prodOld} · 테스트 — 새 리비전 {testNew}',
  },
  notReported: { en: 'not reported', ko: '보고되지 않음' },
  health: {
    en: '*New revision:* {running} of {requested} tasks running{pending}{failed}',
    ko: '*새 리비전:* 작업 {requested}개 중 {running}개 실행 중{pending}{failed}',
  },
  healthPending: { en: ', {n} pending', ko: ', {n}개 대기 중' },
  healthFailed: { en: ', {n} stopped since the deployment started', ko: ', 배포 시작 후 {n}개 중지됨' },
  noFailures: { en: 'No task of the new revision stopped so far.', ko: '지금까지 중지된 새 리비전 작업이 없습니다.' },
  stoppedHeading: { en: '*Recent failures*', ko: '*최근 실패*' },
  logsHeading: { en: '*Last log lines* (task {task}, container {container})', ko: '*마지막 로그* (작업 {task}, 컨테이너 {container})' },
  noLogs: { en: 'No log lines of the new revision could be read ({why}).', ko: '새 리비전의 로그를 읽을 수 없었습니다 ({why}).' },
  noRunningTask: { en: 'no running task of it yet', ko: '아직 실행 중인 작업이 없음' },
  whoMayPress: {
    en: 'Who may press: {who}{requester}. Each press is recorded in the audit trail.',
    ko: '누를 수 있는 사람: {who}{requester}. 모든 누름은 감사 기록에 남습니다.',
  },
  requesterToo: { en: ' (the requester too)', ko: ' (요청자 포함)' },
  requesterRollbackOnly: { en: ' (the requester may roll back)', ko: ' (요청자는 롤백만 가능)' },
  shiftButton: { en: 'Shift production traffic', ko: '운영 트래픽 전환' },
  continueButton: { en: 'Continue', ko: '계속 진행' },
  rollbackButton: { en: 'Roll back', ko: '롤백' },
  confirmShiftTitle: { en: 'Shift production traffic?', ko: '운영 트래픽을 전환할까요?' },
  confirmShiftText: {
    en: 'ECS continues the deployment: production traffic moves to the new revision.',
    ko: 'ECS가 배포를 계속 진행하여 운영 트래픽이 새 리비전으로 이동합니다.',
  },
  confirmRollbackTitle: { en: 'Roll back?', ko: '롤백할까요?' },
  confirmRollbackText: {
    en: 'ECS rolls the deployment back to the revision that runs now.',
    ko: 'ECS가 배포를 지금 실행 중인 리비전으로 롤백합니다.',
  },
  confirmNo: { en: 'Not yet', ko: '아직 아니요' },
  fallback: {
    en: 'Deployment of {service} paused at {stage}: waiting for a decision',
    ko: '{service} 배포가 {stage}에서 일시 중지됨: 결정 대기 중',
  },

  // Closed forms of the paused message
  closedPressed: {
    en: '{icon} {user} pressed *{button}* {at}: {what}',
    ko: '{icon} {user} 님이 {at}에 *{button}*을(를) 눌렀습니다: {what}',
  },
  continued: { en: 'ECS continues the deployment.', ko: 'ECS가 배포를 계속 진행합니다.' },
  rolledBack: { en: 'ECS rolls the deployment back.', ko: 'ECS가 배포를 롤백합니다.' },
  closedTimedOut: {
    en: ':hourglass: The pause ended without a decision ({status}){at}: ECS took its timeout action {action}.',
    ko: ':hourglass: 결정 없이 일시 중지가 끝났습니다 ({status}){at}: ECS가 시간 초과 동작 {action}을(를) 실행했습니다.',
  },
  closedOther: {
    en: ':information_source: The pause is over ({status}); the buttons no longer apply.',
    ko: ':information_source: 일시 중지가 끝났습니다 ({status}). 버튼은 더 이상 적용되지 않습니다.',
  },

  // The card
  cardPaused: {
    en: ':double_vertical_bar: Paused at {stage}: waiting for *{button}* or *Roll back* (the message below in this thread){expiry}.',
    ko: ':double_vertical_bar: {stage}에서 일시 중지됨: *{button}* 또는 *롤백*을 기다리는 중 (이 스레드의 아래 메시지){expiry}.',
  },
  cardExpiry: { en: '; timeout action {action} {at}', ko: '; 시간 초과 시 {at}에 {action}' },
  cardPhase: { en: 'paused', ko: '일시 중지됨' },

  // Degraded
  unavailable: {
    en: ':warning: This service pauses its deployments (a PAUSE lifecycle hook), but I cannot read or act on them here ({why}). Continue or roll back the deployment from the ECS console.',
    ko: ':warning: 이 서비스는 배포를 일시 중지합니다(PAUSE 수명 주기 훅). 하지만 여기서는 그것을 읽거나 조작할 수 없습니다 ({why}). ECS 콘솔에서 배포를 계속하거나 롤백하세요.',
  },

  // Press answers (ephemeral, the clicker) and thread replies
  sending: {
    en: ':hourglass_flowing_sand: Sending {action} to ECS for the pause at {stage}… I will report in the thread.',
    ko: ':hourglass_flowing_sand: {stage} 일시 중지에 대해 ECS에 {action}을(를) 보내는 중… 스레드에 결과를 알리겠습니다.',
  },
  alreadyPressed: {
    en: ':information_source: {user} already pressed *{button}* on this pause {at}.',
    ko: ':information_source: {user} 님이 {at}에 이 일시 중지에서 이미 *{button}*을(를) 눌렀습니다.',
  },
  notConfirmed: { en: 'not confirmed', ko: '결과 확인 안 됨' },
  notRunning: {
    en: ':information_source: This change already ended ({state}), so the pause is over and nothing was sent to ECS.',
    ko: ':information_source: 이 변경은 이미 끝났습니다 ({state}). 일시 중지가 끝났으므로 ECS에 아무것도 보내지 않았습니다.',
  },
  unknownPause: {
    en: ':grey_question: I have no record of this pause any more, so nothing was sent to ECS. `/ecs status {service}` shows the deployment.',
    ko: ':grey_question: 이 일시 중지에 대한 기록이 더 이상 없어 ECS에 아무것도 보내지 않았습니다. `/ecs status {service}` 명령으로 배포를 확인하세요.',
  },
  pauseOver: {
    en: ':hourglass: Too late: the pause at {stage} timed out {at}, and ECS already took its timeout action ({action}). Nothing was sent to ECS.',
    ko: ':hourglass: 너무 늦었습니다: {stage} 일시 중지는 {at}에 시간 초과되었고 ECS가 이미 시간 초과 동작({action})을 실행했습니다. ECS에 아무것도 보내지 않았습니다.',
  },
  notShifter: {
    en: ':no_entry: Shifting production traffic in `{env}` needs: {who}. Nothing was sent to ECS.',
    ko: ':no_entry: `{env}`에서 운영 트래픽을 전환하려면 다음 권한이 필요합니다: {who}. ECS에 아무것도 보내지 않았습니다.',
  },
  selfShift: {
    en: ':no_entry: You asked for this change, so another person has to shift its production traffic ({who}). You may roll it back.',
    ko: ':no_entry: 이 변경을 요청한 본인이므로 운영 트래픽 전환은 다른 사람이 해야 합니다 ({who}). 롤백은 할 수 있습니다.',
  },
  notRollbacker: {
    en: ':no_entry: Rolling back in `{env}` here needs the requester, an approver or: {who}. Nothing was sent to ECS.',
    ko: ':no_entry: 여기서 `{env}` 배포를 롤백하려면 요청자, 승인자 또는 다음 권한이 필요합니다: {who}. ECS에 아무것도 보내지 않았습니다.',
  },
  pressedThread: {
    en: '{icon} {user} pressed *{button}* at {stage}: {what}',
    ko: '{icon} {user} 님이 {stage}에서 *{button}*을(를) 눌렀습니다: {what}',
  },
  lateThread: {
    en: ':hourglass: {user} pressed *{button}*, but the pause at {stage} had already ended ({status}{at}): ECS took its timeout action {action}. Nothing was sent to ECS.',
    ko: ':hourglass: {user} 님이 *{button}*을(를) 눌렀지만 {stage} 일시 중지는 이미 끝났습니다 ({status}{at}): ECS가 시간 초과 동작 {action}을(를) 실행했습니다. ECS에 아무것도 보내지 않았습니다.',
  },
  failedThread: {
    en: ':warning: {user} pressed *{button}*, but ECS did not take it: {why} The deployment is still paused; press again or use the ECS console.',
    ko: ':warning: {user} 님이 *{button}*을(를) 눌렀지만 ECS가 받아들이지 않았습니다: {why} 배포는 여전히 일시 중지 상태입니다. 다시 누르거나 ECS 콘솔을 사용하세요.',
  },
  noDeploymentRecorded: {
    en: 'no service deployment was recorded for this change.',
    ko: '이 변경에 대해 기록된 서비스 배포가 없습니다.',
  },
  unavailableFallback: { en: 'Paused deployments cannot be read here', ko: '여기서는 일시 중지된 배포를 읽을 수 없습니다' },
  unavailableThread: {
    en: ':warning: {user} pressed *{button}*, but ContinueServiceDeployment is not available here ({why}). Continue or roll back from the ECS console.',
    ko: ':warning: {user} 님이 *{button}*을(를) 눌렀지만 여기서는 ContinueServiceDeployment를 사용할 수 없습니다 ({why}). ECS 콘솔에서 계속하거나 롤백하세요.',
  },
});

/** Stages before production traffic moves: CONTINUE shifts it. At or after: CONTINUE finishes the deployment. */
const BEFORE_PRODUCTION = new Set([
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
]);

export function continueLabel(stage: string | undefined, locale: Locale): string {
  const t = trafficText.in(locale);
  return !stage || BEFORE_PRODUCTION.has(stage) ? t('shiftButton') : t('continueButton');
}

export interface PauseView {
  requestId: string;
  /** Opaque key of the pause (button values: `<requestId>:<key>`). */
  key: string;
  service: string;
  stage: string;
  expiresAt?: number;
  timeoutAction?: string;
  weights: { prodNew?: number; prodOld?: number; testNew?: number };
  health: { running: number; requested: number; pending: number; failed: number };
  /** Stopped tasks of the new revision, already rendered as lines. */
  stoppedLines: string[];
  logs?: { task: string; container: string; lines: string[] } | { error: string };
  /** Who may press (rendered principals) and whether the requester may shift. */
  who: string;
  allowRequester: boolean;
  now: number;
  locale: Locale;
}

const pct = (n: number | undefined, na: string): string => (n === undefined ? na : `${Math.round(n * 10) / 10}%`);

function button(
  actionId: string,
  value: string,
  label: string,
  style: 'primary' | 'danger',
  confirm: { title: string; text: string; no: string },
) {
  return {
    type: 'button' as const,
    action_id: actionId,
    value,
    style,
    text: { type: 'plain_text' as const, text: label, emoji: true },
    confirm: {
      title: { type: 'plain_text' as const, text: confirm.title },
      text: { type: 'mrkdwn' as const, text: confirm.text },
      confirm: { type: 'plain_text' as const, text: label },
      deny: { type: 'plain_text' as const, text: confirm.no },
      ...(style === 'danger' ? { style: 'danger' as const } : {}),
    },
  };
}

/** The paused-deployment message, with Shift production traffic (or Continue) and Roll back. */
export function pausedMessage(v: PauseView): SlackMessage {
  const t = trafficText.in(v.locale);
  const stage = code(v.stage);
  const title =
    v.expiresAt !== undefined
      ? t('pausedTitle', {
          stage,
          action: code(v.timeoutAction ?? 'ROLLBACK'),
          at: slackDate(v.expiresAt),
          left: formatDuration(Math.max(0, v.expiresAt - v.now), v.locale),
        })
      : t('pausedTitleNoExpiry', { stage });
  const na = t('notReported');
  const lines = [
    t('weights', { prodNew: pct(v.weights.prodNew, na), prodOld: pct(v.weights.prodOld, na), testNew: pct(v.weights.testNew, na) }),
    t('health', {
      running: v.health.running,
      requested: v.health.requested,
      pending: v.health.pending ? t('healthPending', { n: v.health.pending }) : '',
      failed: v.health.failed ? t('healthFailed', { n: v.health.failed }) : '',
    }),
  ];
  const blocks: KnownBlock[] = [section(title), section(lines.join('\n'))];
  blocks.push(section(v.stoppedLines.length ? [t('stoppedHeading'), ...v.stoppedLines].join('\n') : t('noFailures')));
  if (v.logs && 'lines' in v.logs && v.logs.lines.length) {
    blocks.push(
      section(
        `${t('logsHeading', { task: code(v.logs.task.slice(0, 8)), container: code(v.logs.container) })}\n${codeBlock(v.logs.lines.join('\n'), 1500)}`,
      ),
    );
  } else if (v.logs) {
    blocks.push(context(t('noLogs', { why: 'error' in v.logs ? oneLine(v.logs.error, 200) : t('noRunningTask') })));
  }
  blocks.push(context(t('whoMayPress', { who: v.who, requester: v.allowRequester ? t('requesterToo') : t('requesterRollbackOnly') })));
  const value = `${v.requestId}:${v.key}`;
  const shift = continueLabel(v.stage, v.locale);
  blocks.push({
    type: 'actions',
    block_id: `traffic:${v.key}`,
    elements: [
      button(TRAFFIC_ACTION.shift, value, shift, 'primary', {
        title: t('confirmShiftTitle'),
        text: t('confirmShiftText'),
        no: t('confirmNo'),
      }),
      button(TRAFFIC_ACTION.rollback, value, t('rollbackButton'), 'danger', {
        title: t('confirmRollbackTitle'),
        text: t('confirmRollbackText'),
        no: t('confirmNo'),
      }),
    ],
  });
  return { text: t('fallback', { service: v.service, stage: v.stage }), blocks };
}

/** The paused message once decided or over: the title and what happened, no buttons. */
export function closedPauseMessage(stage: string, outcome: string, locale: Locale): SlackMessage {
  const t = trafficText.in(locale);
  const title = t('pausedTitleNoExpiry', { stage: code(stage) });
  return { text: notificationText(outcome), blocks: [section(title), section(outcome)] };
}

export function pressedOutcome(o: { user: string; action: 'CONTINUE' | 'ROLLBACK'; stage: string; at: number; locale: Locale }): string {
  const t = trafficText.in(o.locale);
  return t('closedPressed', {
    icon: o.action === 'CONTINUE' ? ':white_check_mark:' : ':leftwards_arrow_with_hook:',
    user: mention(o.user),
    button: o.action === 'CONTINUE' ? continueLabel(o.stage, o.locale) : t('rollbackButton'),
    at: slackDate(o.at),
    what: o.action === 'CONTINUE' ? t('continued') : t('rolledBack'),
  });
}

export function timedOutOutcome(o: { status: string; expiresAt?: number; timeoutAction?: string; locale: Locale }): string {
  const t = trafficText.in(o.locale);
  if (o.status !== 'TIMED_OUT') return t('closedOther', { status: code(o.status) });
  return t('closedTimedOut', {
    status: code(o.status),
    at: o.expiresAt !== undefined ? ` ${slackDate(o.expiresAt)}` : '',
    action: code(o.timeoutAction ?? 'ROLLBACK'),
  });
}
