/**
 * Block Kit for alerts: the incident message (updated in place), its thread replies (a new
 * failure reason, a failed deployment, "service down", "recovered"), and the Logs button's answer.
 * Pure functions of plain data; the Slack adapter applies fitMessage to everything it sends.
 */
import type { KnownBlock } from '@slack/types';
import type { ResolvedService } from '../config/schema';
import { actions, context, header, section, type ButtonSpec, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn, LIMITS, notificationText, truncate } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { explainFailure } from './classify';
import {
  actionLabel,
  headline,
  incidentRef,
  signalLines,
  spanWords,
  taskReasonsSummary,
  taskSummary,
  type IncidentView,
  type LogExcerpt,
  type TaskFacts,
} from './incident';
import { arnTail } from '../aws/arn';
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
});

export const ACTION_LOGS = 'alert:logs';
export const ACTION_STATUS = 'alert:status';
export const ACTION_ROLLBACK = 'alert:rollback';

/** The newest lines that fit in `maxChars` (a tail, unlike truncateLines), with how many were left out. */
export function tailLines(lines: readonly string[], maxChars: number, maxLineChars = 400): { text: string; omitted: number } {
  const out: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = truncate(lines[i]!, maxLineChars);
    if (used + line.length + 1 > maxChars) break;
    out.unshift(line);
    used += line.length + 1;
  }
  return { text: out.join('\n'), omitted: lines.length - out.length };
}

/** A fenced, escaped block of log lines, newest kept, within `maxChars` including the fences and note. */
export function logBlock(lines: readonly string[], maxChars = 2_800): string {
  const safe = lines.map((l) => escapeMrkdwn(l.replace(/```/g, "'''")));
  const { text, omitted } = tailLines(safe, maxChars - 60);
  const note = omitted > 0 ? `\n_… ${omitted} earlier line${omitted === 1 ? '' : 's'} left out_` : '';
  return '```' + (text || ' ') + '```' + note;
}

function logsSection(logs: LogExcerpt | undefined): KnownBlock | undefined {
  if (!logs) return undefined;
  const where = logs.group && logs.stream ? ` (${code(logs.group)} › ${code(logs.stream)})` : '';
  if (logs.error) return section(`*Logs*${where}: _${escapeMrkdwn(logs.error)}_`);
  if (!logs.lines || logs.lines.length === 0) return section(`*Logs*${where}: _the stream has no log lines._`);
  const n = logs.lines.length;
  return section(`*Last ${n === 1 ? 'log line' : `${n} log lines`}*${where}\n${logBlock(logs.lines)}`);
}

function taskFields(f: TaskFacts, svc: ResolvedService): KnownBlock {
  const fields: string[] = [
    `*Service*\n${code(svc.alias)} (ECS ${code(svc.service)})`,
    `*Environment*\n${code(svc.environment)}`,
    `*Task*\n<${taskUrl(f.region, f.cluster, f.taskId)}|${escapeMrkdwn(f.taskId)}>`,
    `*Task definition*\n${f.taskDefinition ? code(f.taskDefinition) : '_unknown_'}`,
    `*Image tag*\n${f.imageTag ? code(f.imageTag) : '_unknown_'}`,
    `*Container*\n${f.container ? code(f.container) : '_none named_'}`,
    `*Exit code*\n${typeof f.exitCode === 'number' ? String(f.exitCode) : '_none_'}`,
    `*Stop code*\n${f.stopCode ? code(f.stopCode) : '_none_'}`,
  ];
  return { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.fieldText) })) };
}

function whyText(f: TaskFacts): string {
  const raw = [f.containerReason, f.stoppedReason].filter((x, i, a): x is string => !!x && a.indexOf(x) === i);
  const reason = raw.length ? raw.map((r) => escapeMrkdwn(truncate(r, 600))).join(' — ') : escapeMrkdwn(f.reasonLabel);
  return `*Why it stopped:* ${reason}\n${escapeMrkdwn(explainFailure({ ...f, exitCode: f.exitCode }))}`;
}

/** Whether the Logs button can read more lines: the incident recorded the failed task's stream, and it was readable. */
function hasReadableLogs(f: TaskFacts | undefined, logs: LogExcerpt | undefined): boolean {
  return !!f && !!logs?.group && !!logs.stream && !logs.error;
}

/** The buttons carry only a reference to the incident (see incidentRef); what they act on is looked up from it. */
function buttons(svc: ResolvedService, v: Pick<IncidentView, 'first' | 'logs' | 'gen'>): KnownBlock {
  const ref = incidentRef(svc.environment, svc.alias, v.gen);
  const list: ButtonSpec[] = [];
  if (hasReadableLogs(v.first, v.logs)) list.push({ text: 'Logs', actionId: ACTION_LOGS, value: ref });
  list.push({ text: 'Status', actionId: ACTION_STATUS, value: ref });
  list.push({ text: 'Roll back', actionId: ACTION_ROLLBACK, value: ref });
  return actions(`alert:${svc.environment}:${svc.alias}`, list);
}

/** The one message of an incident, rebuilt from its current state on every update. */
export function alertMessage(v: IncidentView, svc: ResolvedService): SlackMessage {
  const title = headline(v, svc);
  const blocks: KnownBlock[] = [header(title)];
  const summary = taskSummary(v);
  const lines = [summary ? `*${escapeMrkdwn(summary)}*` : '', ...signalLines(v).map((l) => `• ${escapeMrkdwn(l)}`)].filter(Boolean);
  if (v.deploy?.reason) lines.push(`> ${escapeMrkdwn(truncate(v.deploy.reason, 500))}`);
  if (v.action?.reason) lines.push(`> ${escapeMrkdwn(actionLabel(v.action.eventName))}: ${escapeMrkdwn(truncate(v.action.reason, 300))}`);
  if (v.deploy && !v.first) {
    lines.push(
      '_ECS marks a deployment failed when its circuit breaker trips: the new tasks kept failing. With rollback on, the service returns to the last deployment that completed._',
    );
  }
  if (lines.length) blocks.push(section(lines.join('\n')));
  if (v.first) {
    blocks.push(taskFields(v.first, svc));
    blocks.push(section(whyText(v.first)));
    if (v.botRequest)
      blocks.push(
        context(`These tasks come from a deployment the bot started (request ${code(v.botRequest)}); its thread tracks the rollout.`),
      );
    const logs = logsSection(v.logs);
    if (logs) blocks.push(logs);
  }
  const links: string[] = [];
  if (v.first) links.push(`<${taskUrl(v.first.region, v.first.cluster, v.first.taskId)}|Task in the ECS console>`);
  if (v.logs?.group && v.logs.stream) links.push(`<${logStreamUrl(v.logs.region, v.logs.group, v.logs.stream)}|Logs in CloudWatch>`);
  const cluster = v.first?.cluster ?? svc.env.cluster;
  links.push(`<${serviceUrl(svc.env.region, arnTail(cluster), svc.service)}|Service>`);
  const times = [`first ${slackDate(v.openedAt)}`];
  if (v.lastAt > v.openedAt) times.push(`last ${slackDate(v.lastAt)}`);
  if (v.state === 'recovered' && v.recoveredAt)
    times.push(`recovered ${slackDate(v.recoveredAt)}${v.recoveredBy ? ` (${escapeMrkdwn(v.recoveredBy)})` : ''}`);
  blocks.push(context(links.join(' · '), times.join(' · ')));
  blocks.push(buttons(svc, v));
  const fallback = [title, v.count > 1 ? summary : taskReasonsSummary(v), ...signalLines(v)].filter(Boolean).join(' — ');
  // The fallback (notification) text is mrkdwn too: AWS reasons in it are escaped like in the blocks.
  return { text: escapeMrkdwn(fallback), blocks };
}

/** Thread reply when the incident sees a failure reason it had not seen yet. */
export function newReasonReply(f: TaskFacts, logs: LogExcerpt | undefined): SlackMessage {
  const head = `*New failure reason:* ${escapeMrkdwn(f.reasonLabel)} (task <${taskUrl(f.region, f.cluster, f.taskId)}|${escapeMrkdwn(f.taskId)}>${f.container ? `, container ${code(f.container)}` : ''}${typeof f.exitCode === 'number' ? `, exit ${f.exitCode}` : ''})`;
  const blocks: KnownBlock[] = [section(`${head}\n${whyText(f)}`)];
  const l = logsSection(logs);
  if (l) blocks.push(l);
  return { text: `New failure reason: ${escapeMrkdwn(f.reasonLabel)}`, blocks };
}

/** Thread reply for another kind of signal joining an open incident. */
export function signalReply(text: string, detail?: string): SlackMessage {
  const blocks: KnownBlock[] = [section(escapeMrkdwn(text) + (detail ? `\n> ${escapeMrkdwn(truncate(detail, 500))}` : ''))];
  return { text: escapeMrkdwn(text), blocks };
}

export function deployFailedText(deploymentId: string): string {
  return `❌ Deployment ${deploymentId} failed.`;
}

export function downText(desired: number, running: number, forMs: number): string {
  return `🔴 Service down: ${running} of ${desired} tasks running for ${spanWords(forMs)}.`;
}

/** Thread reply that closes an incident. */
export function recoveredReply(v: IncidentView, by: string): SlackMessage {
  const what = [taskSummary(v), ...signalLines(v).filter((l) => !l.startsWith('Service down') && !l.startsWith('Service was down'))]
    .filter(Boolean)
    .join('; ');
  const text = escapeMrkdwn(`✅ Recovered: ${by}.${what ? ` ${what}.` : ''}`);
  return { text, blocks: [section(`✅ *Recovered:* ${escapeMrkdwn(by)}.${what ? `\n${escapeMrkdwn(what)}.` : ''}`)] };
}

/** The Logs button's answer in the thread. */
export function logsReply(
  meta: { alias: string; taskId: string; container?: string; region: string; group: string; stream: string; userId: string },
  lines: readonly string[] | undefined,
  error?: string,
): SlackMessage {
  const link = `<${logStreamUrl(meta.region, meta.group, meta.stream)}|CloudWatch>`;
  const head = `Logs of ${code(meta.alias)} task ${code(meta.taskId)}${meta.container ? `, container ${code(meta.container)}` : ''}, for <@${meta.userId}> (${link})`;
  if (error)
    return {
      text: escapeMrkdwn(`Logs of ${meta.alias} task ${meta.taskId}: ${error}`),
      blocks: [section(`${head}\n_${escapeMrkdwn(error)}_`)],
    };
  if (!lines || lines.length === 0)
    return {
      text: escapeMrkdwn(`Logs of ${meta.alias} task ${meta.taskId}: no lines`),
      blocks: [section(`${head}\n_The stream has no log lines._`)],
    };
  return {
    text: escapeMrkdwn(`Last ${lines.length} log lines of ${meta.alias} task ${meta.taskId}`),
    blocks: [section(`*Last ${lines.length} log lines*: ${head}\n${logBlock(lines)}`)],
  };
}

/** True when the lines fit in one message without leaving any out. */
export function logsFitInMessage(lines: readonly string[], maxChars = 2_800): boolean {
  return tailLines(lines.map(escapeMrkdwn), maxChars - 60).omitted === 0;
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
