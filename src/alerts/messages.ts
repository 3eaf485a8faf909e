/**
 * Block Kit for alerts: the incident message (updated in place; the Slack function re-renders it
 * when someone clicks "I'm on it") and the mute notices. Pure functions of plain data; the Slack
 * adapter applies fitMessage to everything it sends. The thread replies and the Logs button's answer,
 * which only the worker writes, are in replies.ts (kept out of dist/slack.js).
 */
import type { KnownBlock } from '@slack/types';
import type { ResolvedService } from '../config/schema';
import { actions, context, header, section, type ButtonSpec, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn, messageUrl, notificationText, truncate } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import {
  actionLabel,
  headline,
  labelText,
  incidentRef,
  signalLines,
  taskReasonsSummary,
  taskSummary,
  type IncidentView,
  type LogExcerpt,
  type TaskFacts,
} from './incident';
import { arnTail, shortTaskId } from '../aws/arn';
import { slackDate } from '../slack/time';
import { formatDuration } from '../i18n';
import { logStreamUrl, serviceUrl, taskUrl } from '../aws/console';

const M = defineMessages('alerts.messages', {
  unmutedNotice: { en: '🔔 {user} unmuted alerts for {service} ({env}).', ko: '🔔 {user} 님이 {service}({env}) 알림을 다시 켰습니다.' },
  mutedNotice: {
    en: '🔕 {user} muted alerts for {service} ({env}) until {until}{why}. Failures are still counted and the incident is posted if it is still open when the mute ends.{beyond}',
    ko: '🔕 {user} 님이 {service}({env}) 알림을 {until}까지 껐습니다{why}. 실패는 계속 집계되며, 알림이 다시 켜질 때 장애가 아직 열려 있으면 올라옵니다.{beyond}',
  },
  beyondMax: {
    en: ' This is longer than the {max} a requester may mute in {env}; {user} set it as an approver.',
    ko: ' {env}에서 요청자가 끌 수 있는 {max}보다 깁니다. {user} 님이 승인자로서 설정했습니다.',
  },
  buttonLogs: { en: 'Logs', ko: '로그' },
  buttonStatus: { en: 'Status', ko: '상태' },
  buttonRollback: { en: 'Roll back', ko: '롤백' },
  buttonMute: { en: 'Mute 1 h', ko: '1시간 알림 끄기' },
  buttonAck: { en: "I'm on it", ko: '제가 볼게요' },
  noButtons: {
    en: 'No buttons: I could not reach my store (Redis) when I posted this, so nothing here is on record. Use {status} or {logs}.',
    ko: '버튼 없음: 이 알림을 올릴 때 저장소(Redis)에 연결하지 못해 기록된 것이 없습니다. {status} 또는 {logs} 명령을 쓰세요.',
  },
  outageNote: {
    en: 'Posted while my store (Redis) was down: {n} counted from {since}. The counts above are those on record since it came back.',
    ko: '저장소(Redis)가 멈춘 동안 올린 알림입니다. {since}부터 {n}건을 셌습니다. 위 숫자는 복구 뒤 기록된 것입니다.',
  },
  continuedIn: {
    en: 'My store (Redis) is back: this alert continues in <{url}|the incident’s message>.',
    ko: '저장소(Redis)가 복구되었습니다. 이 알림은 <{url}|장애 메시지>에서 이어집니다.',
  },
  onIt: { en: '👀 {user} is on it (since {since})', ko: '👀 {user} 님이 대응 중 ({since}부터)' },
  more: { en: '+{n} more in the thread and behind Status', ko: '그 밖에 {n}건: 스레드와 상태 버튼에서 볼 수 있습니다' },
  circuitBreaker: {
    en: 'ECS marks a deployment failed when its circuit breaker trips: the new tasks kept failing. With rollback on, the service returns to the last deployment that completed.',
    ko: 'ECS는 서킷 브레이커가 작동하면 배포를 실패로 표시합니다. 새 작업이 계속 실패했다는 뜻입니다. 롤백이 켜져 있으면 서비스는 마지막으로 완료된 배포로 돌아갑니다.',
  },
  factTask: { en: 'task {task}', ko: '작업 {task}' },
  factImage: { en: 'image {tag}', ko: '이미지 {tag}' },
  factContainer: { en: 'container {container}', ko: '컨테이너 {container}' },
  factExit: { en: 'exit {code}', ko: '종료 코드 {code}' },
  whyLine: { en: '*Why it stopped:* {reason} — {explanation}', ko: '*중지 이유:* {reason} — {explanation}' },
  whyOnly: { en: '*Why it stopped:* {reason}', ko: '*중지 이유:* {reason}' },
  logsHead: { en: '*Last {n} {n|log line|log lines}*{where}', ko: '*마지막 로그 {n}줄*{where}' },
  logsError: { en: '*Logs*{where}: _{error}_', ko: '*로그*{where}: _{error}_' },
  logsEmpty: { en: '*Logs*{where}: _the stream has no log lines._', ko: '*로그*{where}: _스트림에 로그가 없습니다._' },
  linkTask: { en: 'Task in the ECS console', ko: 'ECS 콘솔의 작업' },
  linkLogs: { en: 'Logs in CloudWatch', ko: 'CloudWatch 로그' },
  linkService: { en: 'Service', ko: '서비스' },
  fromRequest: { en: 'from bot request {id} (its thread tracks the rollout)', ko: '봇 요청 {id}의 배포 (진행 상황은 요청 스레드에)' },
  timeFirst: { en: 'first {at}', ko: '처음 {at}' },
  timeLast: { en: 'last {at}', ko: '마지막 {at}' },
  timeRecovered: { en: 'recovered {at}', ko: '복구 {at}' },
  earlier: {
    en: 'Not posted earlier, Slack refused it ({from} – {to}): {what}',
    ko: 'Slack이 거부해 올리지 못한 이전 장애 ({from} – {to}): {what}',
  },
  earlierMore: { en: '; {n} more before', ko: '; 그 전에 {n}건 더' },
});

export const ACTION_LOGS = 'alert:logs';
export const ACTION_STATUS = 'alert:status';
export const ACTION_ROLLBACK = 'alert:rollback';
export const ACTION_MUTE = 'alert:mute';
export const ACTION_ACK = 'alert:ack';

/** Whether the Logs button can read more lines: the incident recorded the failed task's stream, and it was readable. */
function hasReadableLogs(f: TaskFacts | undefined, logs: LogExcerpt | undefined): boolean {
  return !!f && !!logs?.group && !!logs.stream && !logs.error;
}

/** The buttons carry only a reference to the incident (see incidentRef); what they act on is looked up from it. Over, only Logs and Status. */
function buttons(svc: ResolvedService, v: Pick<IncidentView, 'first' | 'logs' | 'gen' | 'state'>, locale: Locale): KnownBlock {
  const t = M.in(locale);
  const ref = incidentRef(svc.environment, svc.alias, v.gen);
  const list: ButtonSpec[] = [];
  if (hasReadableLogs(v.first, v.logs)) list.push({ text: t('buttonLogs'), actionId: ACTION_LOGS, value: ref });
  list.push({ text: t('buttonStatus'), actionId: ACTION_STATUS, value: ref });
  // Once the incident is over, Roll back goes with Mute and I'm on it: rolling back from an alert means
  // away from the revision it is about, and after a recovery (a rollback, most often) "what ran
  // before" may be that very revision. A late click on an older rendering is refused by the worker
  // (src/deploy/alert-rollback.ts).
  if (v.state === 'open') {
    list.push({ text: t('buttonRollback'), actionId: ACTION_ROLLBACK, value: ref });
    list.push({ text: t('buttonMute'), actionId: ACTION_MUTE, value: ref });
    list.push({ text: t('buttonAck'), actionId: ACTION_ACK, value: ref, style: 'primary' });
  }
  return actions(`alert:${svc.environment}:${svc.alias}`, list);
}

/**
 * How many lines the alert may take before its buttons: about what Slack shows of a message
 * before it folds the rest behind "Show more". test/unit/alerts-messages.test.ts measures it.
 */
export const ALERT_MAX_LINES = 12;
/** Summary lines (count, other signals, reasons quoted) at most; the rest is summed up as "+N more". */
const SUMMARY_MAX_LINES = 3;
/** Log lines shown in the alert at most (the Logs button posts more). */
const ALERT_LOG_LINES = 5;
/** Characters of one log line / one quoted reason in the alert. */
const ALERT_LOG_LINE_CHARS = 120;
const ALERT_REASON_CHARS = 200;
/** Characters of the "why" line: the reasons and the explanation, about three lines on a laptop screen. */
const ALERT_WHY_CHARS = 420;

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** One line of the failed task's facts: service, environment, task, task definition, image tag, container, exit and stop codes. */
function factsLine(f: TaskFacts, svc: ResolvedService, locale: Locale): string {
  const t = M.in(locale);
  const parts = [
    `${code(svc.alias)} (ECS ${code(svc.service)})`,
    code(svc.environment),
    t('factTask', { task: `<${taskUrl(f.region, f.cluster, f.taskId)}|${escapeMrkdwn(shortTaskId(f.taskId))}>` }),
  ];
  if (f.taskDefinition) parts.push(code(truncate(f.taskDefinition, 80)));
  if (f.imageTag) parts.push(t('factImage', { tag: code(truncate(f.imageTag, 60)) }));
  if (f.container) parts.push(t('factContainer', { container: code(truncate(f.container, 60)) }));
  if (typeof f.exitCode === 'number') parts.push(t('factExit', { code: String(f.exitCode) }));
  if (f.stopCode) parts.push(code(f.stopCode));
  return parts.join(' · ');
}

/** "Why it stopped" on one line: the reasons ECS gave (shortened) and the plain-words explanation recorded with the facts. */
function whyLine(f: TaskFacts, locale: Locale): string {
  const raw = [f.containerReason, f.stoppedReason].filter((x, i, a): x is string => !!x && a.indexOf(x) === i);
  const reason = raw.length
    ? raw.map((r) => escapeMrkdwn(truncate(oneLine(r), ALERT_REASON_CHARS / 2))).join(' — ')
    : escapeMrkdwn(labelText(f.reasonLabel, locale));
  const t = M.in(locale);
  const line = f.explanation ? t('whyLine', { reason, explanation: escapeMrkdwn(oneLine(f.explanation)) }) : t('whyOnly', { reason });
  return truncate(line, ALERT_WHY_CHARS);
}

/** The last `n` log lines, each on one line and shortened, fenced; with where they come from. */
function alertLogsSection(logs: LogExcerpt | undefined, n: number, locale: Locale): string | undefined {
  if (!logs || n < 1) return undefined;
  const t = M.in(locale);
  const where = logs.group && logs.stream ? ` (${code(truncate(logs.group, 80))} › ${code(truncate(logs.stream, 100))})` : '';
  if (logs.error) return t('logsError', { where, error: escapeMrkdwn(truncate(oneLine(logs.error), 300)) });
  if (!logs.lines || logs.lines.length === 0) return t('logsEmpty', { where });
  const shown = logs.lines.slice(-n).map((l) => escapeMrkdwn(truncate(oneLine(l).replace(/```/g, "'''"), ALERT_LOG_LINE_CHARS)));
  return `${t('logsHead', { n: shown.length, where })}\n\`\`\`${shown.join('\n') || ' '}\`\`\``;
}

/**
 * The one message of an incident, rebuilt from its current state on every update. It fits on one
 * screen (ALERT_MAX_LINES before the buttons, however many tasks failed and however long the
 * reasons): a header, who is on it, the summary (at most SUMMARY_MAX_LINES), one line of facts, one
 * line of why, the last log lines that still fit, links and times. The rest is behind the buttons.
 */
export function alertMessage(v: IncidentView, svc: ResolvedService, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const title = headline(v, svc, locale);
  const blocks: KnownBlock[] = [header(oneLine(title))];
  let used = 1;
  if (v.ackBy) {
    blocks.push(context(t('onIt', { user: `<@${v.ackBy}>`, since: slackDate(v.ackAt ?? v.lastAt) })));
    used += 1;
  }
  const summary = taskSummary(v, locale);
  const lines = [
    summary ? `*${escapeMrkdwn(truncate(oneLine(summary), ALERT_REASON_CHARS))}*` : '',
    ...signalLines(v, locale).map((l) => `• ${escapeMrkdwn(truncate(oneLine(l), ALERT_REASON_CHARS))}`),
  ].filter(Boolean);
  // ECS's words quoted as they are, each followed by what it means (written by the worker in the
  // workspace's language, DeployFacts.explanation) where the summary has room for it.
  const quote = (said: string, means?: string) => {
    lines.push(said);
    if (means && lines.length < SUMMARY_MAX_LINES) lines.push(`_${escapeMrkdwn(oneLine(means))}_`);
  };
  if (v.deploy?.reason) quote(`> ${escapeMrkdwn(truncate(oneLine(v.deploy.reason), ALERT_REASON_CHARS))}`, v.deploy.explanation);
  if (v.action?.reason)
    quote(
      `> ${escapeMrkdwn(labelText(actionLabel(v.action.eventName), locale))}: ${escapeMrkdwn(truncate(oneLine(v.action.reason), ALERT_REASON_CHARS))}`,
      v.action.explanation,
    );
  if (v.deploy && !v.first && !v.deploy.explanation) lines.push(`_${t('circuitBreaker')}_`);
  if (lines.length > SUMMARY_MAX_LINES) {
    const more = lines.length - (SUMMARY_MAX_LINES - 1);
    lines.splice(SUMMARY_MAX_LINES - 1, lines.length, `_${t('more', { n: more })}_`);
  }
  if (lines.length) {
    blocks.push(section(lines.join('\n')));
    used += lines.length;
  }
  // Links and times, always last before the buttons, on one line.
  const links: string[] = [];
  if (v.first) links.push(`<${taskUrl(v.first.region, v.first.cluster, v.first.taskId)}|${t('linkTask')}>`);
  if (v.logs?.group && v.logs.stream) links.push(`<${logStreamUrl(v.logs.region, v.logs.group, v.logs.stream)}|${t('linkLogs')}>`);
  const cluster = v.first?.cluster ?? svc.env.cluster;
  links.push(`<${serviceUrl(svc.env.region, arnTail(cluster), svc.service)}|${t('linkService')}>`);
  if (v.botRequest) links.push(t('fromRequest', { id: code(v.botRequest) }));
  const times = [t('timeFirst', { at: slackDate(v.openedAt) })];
  if (v.lastAt > v.openedAt) times.push(t('timeLast', { at: slackDate(v.lastAt) }));
  if (v.state === 'recovered' && v.recoveredAt)
    times.push(
      t('timeRecovered', { at: slackDate(v.recoveredAt) }) + (v.recoveredBy ? ` (${escapeMrkdwn(labelText(v.recoveredBy, locale))})` : ''),
    );
  const footLines = 1 + (v.outage ? 1 : 0) + (v.earlier ? 1 : 0);
  if (v.first) {
    blocks.push(section(`${oneLine(factsLine(v.first, svc, locale))}\n${oneLine(whyLine(v.first, locale))}`));
    used += 2;
    // The log lines get what is left: a heading line and at least one line, else none.
    const logs = alertLogsSection(v.logs, Math.min(ALERT_LOG_LINES, ALERT_MAX_LINES - used - footLines - 1), locale);
    if (logs && used + logs.split('\n').length + footLines <= ALERT_MAX_LINES) blocks.push(section(logs));
  }
  blocks.push(context(oneLine([...links, ...times].join(' · '))));
  if (v.outage) blocks.push(context(t('outageNote', { n: v.outage.n, since: slackDate(v.outage.since) })));
  // Incidents replaced before they reached Slack (signal-4.lua): told here, once.
  const e = v.earlier;
  if (e?.length) {
    const what = e.map((x) => [taskSummary(x, locale), ...signalLines(x, locale)].filter(Boolean).join(', ')).join('; ');
    const more = v.earlierMore ? t('earlierMore', { n: v.earlierMore }) : '';
    const from = slackDate(Math.min(...e.map((x) => x.firstFailAt)));
    blocks.push(context(t('earlier', { from, to: slackDate(e[0]!.lastFailAt), what: escapeMrkdwn(truncate(oneLine(what + more), 400)) })));
  }
  // Generation 0: posted while Redis was unreachable (pipeline.ts, postWithoutStore). A button acts on the
  // incident on record, and there is none: say what to type instead of buttons that could only refuse.
  if (v.gen > 0) blocks.push(buttons(svc, v, locale));
  else blocks.push(context(t('noButtons', { status: code(`/ecs status ${svc.alias}`), logs: code(`/ecs logs ${svc.alias}`) })));
  const fallback = [title, v.count > 1 ? summary : taskReasonsSummary(v, locale), ...signalLines(v, locale)].filter(Boolean).join(' — ');
  // The fallback (notification) text is mrkdwn too: AWS reasons in it are escaped like in the blocks.
  return { text: escapeMrkdwn(fallback), blocks, locale };
}

/**
 * A message posted while Redis was unreachable (generation 0), once Redis answers and the service's
 * incident already has its own message: what it counted, and where the alert goes on instead of
 * what to type (its last line).
 */
export function continuedAlertMessage(
  v: IncidentView,
  svc: ResolvedService,
  locale: Locale,
  at: { channel: string; ts: string },
): SlackMessage {
  const msg = alertMessage(v, svc, locale);
  return { ...msg, blocks: [...msg.blocks.slice(0, -1), context(M.in(locale)('continuedIn', { url: messageUrl(at.channel, at.ts) }))] };
}

/** Posted in the alert channel (in the workspace's language) when someone mutes or unmutes a service's alerts. */
export function muteNotice(
  svc: Pick<ResolvedService, 'alias' | 'environment'>,
  by: string,
  mute: { until: number; reason?: string; beyondMax?: number } | undefined,
  locale: Locale = 'en',
): SlackMessage {
  const t = M.in(locale);
  if (!mute) {
    const text = t('unmutedNotice', { user: `<@${by}>`, service: code(svc.alias), env: code(svc.environment) });
    return { text: notificationText(text), blocks: [section(text)], locale };
  }
  const text = t('mutedNotice', {
    user: `<@${by}>`,
    service: code(svc.alias),
    env: code(svc.environment),
    until: slackDate(mute.until),
    why: mute.reason ? `: ${escapeMrkdwn(mute.reason)}` : '',
    beyond:
      mute.beyondMax !== undefined
        ? t('beyondMax', { max: formatDuration(mute.beyondMax, locale), env: code(svc.environment), user: `<@${by}>` })
        : '',
  });
  return { text: notificationText(text), blocks: [section(text)], locale };
}
