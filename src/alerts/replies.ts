/**
 * What alerts post besides the alert itself: its thread replies (a new failure reason, a failed
 * deployment, a service action, "service down", "recovered") in the workspace's language, and the
 * Logs button's answer (in the clicker's language when only they see it). Pure functions of plain
 * data. Only the worker parts load this module (pipeline.ts and logs-job.ts, both loaded with
 * `await import`), so its texts stay out of dist/slack.js; the alert message, which the Slack
 * function re-renders ("I'm on it"), is in messages.ts.
 */
import { shortTaskId } from '../aws/arn';
import type { KnownBlock } from '@slack/types';
import { section, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn, notificationText, truncate } from '../slack/text';
import { slackDate } from '../slack/time';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { explainFailure } from '../aws/task-stop-explain';
import {
  incidentText,
  labelText,
  signalLines,
  spanWords,
  taskSummary,
  type IncidentView,
  type LogExcerpt,
  type TaskFacts,
} from './incident';
import { logStreamUrl, taskUrl } from '../aws/console';

const M = defineMessages('alerts.replies', {
  newReason: { en: '*New failure reason:* {label} ({where})', ko: '*새 실패 원인:* {label} ({where})' },
  newReasonText: { en: 'New failure reason: {label}', ko: '새 실패 원인: {label}' },
  whereTask: { en: 'task {task}', ko: '작업 {task}' },
  whereContainer: { en: 'container {container}', ko: '컨테이너 {container}' },
  whereExit: { en: 'exit {code}', ko: '종료 코드 {code}' },
  whyStopped: { en: '*Why it stopped:* {reason}', ko: '*중지 이유:* {reason}' },
  logsError: { en: '*Logs*{where}: _{error}_', ko: '*로그*{where}: _{error}_' },
  logsEmpty: { en: '*Logs*{where}: _the stream has no log lines._', ko: '*로그*{where}: _스트림에 로그가 없습니다._' },
  logsHead: { en: '*Last {n} {n|log line|log lines}*{where}', ko: '*마지막 로그 {n}줄*{where}' },
  leftOut: { en: '… {n} earlier {n|line|lines} left out', ko: '… 앞의 {n}줄 생략' },
  deployFailed: { en: '❌ Deployment {id} failed.', ko: '❌ 배포 {id}이(가) 실패했습니다.' },
  action: { en: '⚠️ {what}.', ko: '⚠️ {what}.', same: true },
  down: {
    en: '🔴 Service down: {running} of {desired} tasks running for {span}.',
    ko: '🔴 서비스 중단: {span} 동안 작업 {desired}개 중 {running}개만 실행 중입니다.',
  },
  recoveredText: { en: '✅ Recovered: {by}.{what}', ko: '✅ 복구됨: {by}.{what}' },
  recovered: { en: '✅ *Recovered:* {by}.{what}', ko: '✅ *복구됨:* {by}.{what}' },
  logsOf: { en: 'Logs of {alias} task {task}, for {user} ({link})', ko: '{alias} 작업 {task}의 로그, {user} 님 요청 ({link})' },
  logsOfContainer: {
    en: 'Logs of {alias} task {task}, container {container}, for {user} ({link})',
    ko: '{alias} 작업 {task}, {container} 컨테이너의 로그, {user} 님 요청 ({link})',
  },
  logsErrorText: { en: 'Logs of {alias} task {task}: {error}', ko: '{alias} 작업 {task}의 로그: {error}' },
  logsNoLinesText: { en: 'Logs of {alias} task {task}: no lines', ko: '{alias} 작업 {task}의 로그: 없음' },
  noLines: { en: 'The stream has no log lines.', ko: '스트림에 로그가 없습니다.' },
  lastLinesText: { en: 'Last {n} {n|log line|log lines} of {alias} task {task}', ko: '{alias} 작업 {task}의 마지막 로그 {n}줄' },
  lastLinesHead: { en: '*Last {n} {n|log line|log lines}*: {head}', ko: '*마지막 로그 {n}줄*: {head}' },
  waitingHead: {
    en: '{n} more {n|event|events} while Slack was limiting the bot:',
    ko: 'Slack이 봇의 전송을 제한하는 동안 이벤트 {n}개가 더 있었습니다:',
  },
  lostHead: {
    en: '⚠️ {n} {n|event|events} could not be posted here between {from} and {to}: Slack kept refusing the bot. The alert message counts them; Status shows the service now.',
    ko: '⚠️ Slack이 봇을 계속 거부해 {from}부터 {to}까지 이벤트 {n}건을 여기에 올리지 못했습니다. 알림 메시지에는 집계되어 있고, 지금 상태는 상태 버튼으로 볼 수 있습니다.',
  },
  waitingMore: {
    en: '… and {n} more (the alert message counts {n|it|them}).',
    ko: '… 외 {n}개 더 (알림 메시지에 집계되어 있습니다).',
  },
});

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
export function logBlock(lines: readonly string[], maxChars = 2_800, locale: Locale = 'en'): string {
  const safe = lines.map((l) => escapeMrkdwn(l.replace(/```/g, "'''")));
  const { text, omitted } = tailLines(safe, maxChars - 60);
  const note = omitted > 0 ? `\n_${M.in(locale)('leftOut', { n: omitted })}_` : '';
  return '```' + (text || ' ') + '```' + note;
}

/** True when the lines fit in one message without leaving any out. */
export function logsFitInMessage(lines: readonly string[], maxChars = 2_800): boolean {
  return tailLines(lines.map(escapeMrkdwn), maxChars - 60).omitted === 0;
}

function logsSection(logs: LogExcerpt | undefined, locale: Locale, logChars = 2_800): KnownBlock | undefined {
  if (!logs) return undefined;
  const t = M.in(locale);
  const where = logs.group && logs.stream ? ` (${code(logs.group)} › ${code(logs.stream)})` : '';
  if (logs.error) return section(t('logsError', { where, error: escapeMrkdwn(logs.error) }));
  if (!logs.lines || logs.lines.length === 0) return section(t('logsEmpty', { where }));
  return section(`${t('logsHead', { n: logs.lines.length, where })}\n${logBlock(logs.lines, logChars, locale)}`);
}

function whyText(f: TaskFacts, locale: Locale): string {
  const raw = [f.containerReason, f.stoppedReason].filter((x, i, a): x is string => !!x && a.indexOf(x) === i);
  const reason = raw.length ? raw.map((r) => escapeMrkdwn(truncate(r, 600))).join(' — ') : escapeMrkdwn(labelText(f.reasonLabel, locale));
  return `${M.in(locale)('whyStopped', { reason })}\n${escapeMrkdwn(explainFailure({ ...f, exitCode: f.exitCode }, locale))}`;
}

/** Thread reply when the incident sees a failure reason it had not seen yet (`logChars`: the log block's room). */
export function newReasonReply(f: TaskFacts, logs: LogExcerpt | undefined, locale: Locale = 'en', logChars?: number): SlackMessage {
  const t = M.in(locale);
  const where = [t('whereTask', { task: `<${taskUrl(f.region, f.cluster, f.taskId)}|${escapeMrkdwn(shortTaskId(f.taskId))}>` })];
  if (f.container) where.push(t('whereContainer', { container: code(f.container) }));
  if (typeof f.exitCode === 'number') where.push(t('whereExit', { code: f.exitCode }));
  const label = escapeMrkdwn(labelText(f.reasonLabel, locale));
  const blocks: KnownBlock[] = [section(`${t('newReason', { label, where: where.join(', ') })}\n${whyText(f, locale)}`)];
  const l = logsSection(logs, locale, logChars);
  if (l) blocks.push(l);
  return { text: t('newReasonText', { label }), blocks, locale };
}

/**
 * Thread reply for another kind of signal joining an open incident (`text` is plain text in `locale`):
 * ECS's own words (`detail`) quoted as they are, and what they mean (`explanation`, plain text in `locale`).
 */
export function signalReply(text: string, detail?: string, locale: Locale = 'en', explanation?: string): SlackMessage {
  const quoted = detail ? `\n> ${escapeMrkdwn(truncate(detail, 500))}` : '';
  const blocks: KnownBlock[] = [section(escapeMrkdwn(text) + quoted + (explanation ? `\n${escapeMrkdwn(explanation)}` : ''))];
  return { text: escapeMrkdwn(text), blocks, locale };
}

export function deployFailedText(deploymentId: string, locale: Locale = 'en'): string {
  return M.in(locale)('deployFailed', { id: deploymentId });
}

/** A service action signal (its stored label: a catalog token for the known events, else the event name). */
export function actionText(label: string, locale: Locale = 'en'): string {
  return M.in(locale)('action', { what: labelText(label, locale) });
}

export function downText(desired: number, running: number, forMs: number, locale: Locale = 'en'): string {
  return M.in(locale)('down', { running, desired, span: spanWords(forMs, locale) });
}

/** Thread reply that closes an incident (`by`: a stored label, a catalog token or plain text). */
export function recoveredReply(v: IncidentView, by: string, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  // The other signals without the service-down line (the reply itself says it recovered).
  const what = [taskSummary(v, locale), ...signalLines({ ...v, down: undefined }, locale)].filter(Boolean).join('; ');
  const who = escapeMrkdwn(labelText(by, locale));
  const text = t('recoveredText', { by: who, what: what ? ` ${escapeMrkdwn(what)}.` : '' });
  return { text, blocks: [section(t('recovered', { by: who, what: what ? `\n${escapeMrkdwn(what)}.` : '' }))], locale };
}

/** Who recovered an incident, as a label kept with it (shown in each reader's language). */
export const recoveredBy = {
  deployment: (id: string): string => incidentText.token('recoveredDeployment', { id }),
  steady: (): string => incidentText.token('recoveredSteady'),
  scaledToZero: (): string => incidentText.token('recoveredScaledToZero'),
  running: (running: number, desired: number): string => incidentText.token('recoveredRunning', { running, desired }),
};

/** The Logs button's answer in the thread (in the clicker's language when only they see it, else the workspace's). */
export function logsReply(
  meta: { alias: string; taskId: string; container?: string; region: string; group: string; stream: string; userId: string },
  lines: readonly string[] | undefined,
  error?: string,
  locale: Locale = 'en',
): SlackMessage {
  const t = M.in(locale);
  const link = `<${logStreamUrl(meta.region, meta.group, meta.stream)}|CloudWatch>`;
  const head = t(meta.container ? 'logsOfContainer' : 'logsOf', {
    alias: code(meta.alias),
    task: code(shortTaskId(meta.taskId)),
    container: meta.container ? code(meta.container) : '',
    user: `<@${meta.userId}>`,
    link,
  });
  if (error)
    return {
      text: escapeMrkdwn(t('logsErrorText', { alias: meta.alias, task: shortTaskId(meta.taskId), error })),
      blocks: [section(`${head}\n_${escapeMrkdwn(error)}_`)],
      locale,
    };
  if (!lines || lines.length === 0)
    return {
      text: escapeMrkdwn(t('logsNoLinesText', { alias: meta.alias, task: shortTaskId(meta.taskId) })),
      blocks: [section(`${head}\n_${t('noLines')}_`)],
      locale,
    };
  return {
    text: escapeMrkdwn(t('lastLinesText', { n: lines.length, alias: meta.alias, task: shortTaskId(meta.taskId) })),
    blocks: [section(`${t('lastLinesHead', { n: lines.length, head })}\n${logBlock(lines, 2_800, locale)}`)],
    locale,
  };
}

/**
 * The replies that waited for the scheduled check (src/alerts/backlog.ts), as one thread reply: a
 * head, each waiting line (mrkdwn, ≤ 3 000 characters: one section each), and how many more
 * the backlog only counted (`n` events in all). At most 1 + 10 + 1 blocks.
 */
export function backlogReply(lines: readonly string[], n: number, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const head = t('waitingHead', { n });
  const blocks: KnownBlock[] = [section(`*${head}*`), ...lines.map((l) => section(l))];
  if (n > lines.length) blocks.push(section(`_${t('waitingMore', { n: n - lines.length })}_`));
  // The notification says what happened, not only how many: each line's first line, within 300 characters.
  const what = lines.map((l) => notificationText(l.split('\n')[0] ?? '')).filter(Boolean);
  return { text: truncate([head, ...what].join(' '), 300), blocks, locale };
}

/**
 * The summary of the replies that could not be posted (src/alerts/backlog.ts: retried for an hour, then
 * counted): one short reply in the thread, once Slack answers again.
 */
export function lostReply(n: number, from: number, to: number, locale: Locale = 'en'): SlackMessage {
  const text = M.in(locale)('lostHead', { n, from: slackDate(from), to: slackDate(to) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}
