/**
 * The worker part of the alert's Logs button: read more lines of the failed container and post them
 * in the alert's thread. The stream, the channel and the thread come from the incident recorded in
 * Redis (looked up by the job's reference), and the user's read permission is checked again here.
 */
import { shortTaskId } from '../aws/arn';
import type { Runtime } from '../runtime';
import { incidentOf, ensureReader, type LogsJob } from './buttons';
import { lastLines, logsErrorText } from './logs';
import { logsFitInMessage, logsReply } from './replies';
import { section, type SlackMessage } from '../slack/blocks';
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('alerts.logsJob', {
  fileTitle: {
    en: 'Last {n} {n|log line|log lines} of {alias} task {task}',
    ko: '{alias} 작업 {task}의 마지막 로그 {n}줄',
  },
  inDm: {
    en: 'The last {n} log lines of {alias} task {task} are in the file I sent you in a direct message',
    ko: '{alias} 작업 {task}의 마지막 로그 {n}줄은 DM으로 보낸 파일에 있습니다',
  },
  inDmBlock: {
    en: ':paperclip: The last {n} log lines of {alias} task {task} are in the file I sent you in a direct message.',
    ko: ':paperclip: {alias} 작업 {task}의 마지막 로그 {n}줄은 DM으로 보낸 파일에 있습니다.',
  },
});

export async function runLogsJob(job: LogsJob, rt: Runtime): Promise<void> {
  const log = rt.log.child({ job: job.id, incident: job.incident });
  const found = await incidentOf(rt, job.incident);
  const incident = found?.incident;
  if (!found || !incident?.first || !incident.logs?.group || !incident.logs.stream || !incident.channel || !incident.ts) {
    log.warn('alert logs job: the incident is no longer on record, or has no log stream; nothing read');
    return;
  }
  const svc = found.svc;
  try {
    await ensureReader(rt, svc, job.userId);
  } catch (err) {
    log.error('alert logs job refused: the user may not read this environment', { user: job.userId, err });
    return;
  }
  const loc = { region: incident.logs.region, group: incident.logs.group, stream: incident.logs.stream };
  const channel = incident.channel;
  const threadTs = incident.ts;
  const meta = {
    alias: svc.alias,
    taskId: incident.first.taskId,
    container: incident.first.container,
    ...loc,
    userId: job.userId,
  };
  // The environment's visibility: private (the default) shows the lines to the clicker only.
  const isPrivate = svc.env.visibility.logs !== 'public';
  // What only the clicker sees is in their language; what the thread shows, in the workspace's.
  const locale = isPrivate ? await rt.people.localeOf(job.userId) : rt.people.workspace;
  const t = M.in(locale);
  const say = (msg: SlackMessage): Promise<unknown> =>
    isPrivate ? rt.slack.ephemeral(channel, job.userId, msg, threadTs) : rt.slack.post(channel, msg, { threadTs });
  let lines: string[];
  try {
    lines = await lastLines(rt.aws.logs(loc.region, svc.env), loc, job.lines);
  } catch (err) {
    log.warn('alert logs button: cannot read the stream', { err });
    const why = await logsErrorText(rt.aws.logs(loc.region, svc.env), err, loc, locale, incident.first.stopCode);
    await say(logsReply(meta, undefined, why, locale));
    return;
  }
  if (logsFitInMessage(lines)) {
    await say(logsReply(meta, lines, undefined, locale));
    return;
  }
  // Too long for one message: the whole excerpt as a file, in the thread or (private) in a direct message.
  const intro = logsReply(meta, lines.slice(-1), undefined, locale);
  const file = {
    filename: `${svc.alias}-${meta.taskId}.log`,
    title: t('fileTitle', { n: lines.length, alias: svc.alias, task: shortTaskId(meta.taskId) }),
    content: lines.join('\n') + '\n',
    comment: intro.text,
  };
  if (!isPrivate) {
    await rt.slack.uploadText(channel, { ...file, threadTs });
    return;
  }
  await rt.slack.uploadText(await rt.slack.openDm(job.userId), file);
  await say({
    text: t('inDm', { n: lines.length, alias: svc.alias, task: shortTaskId(meta.taskId) }),
    blocks: [section(t('inDmBlock', { n: lines.length, alias: code(svc.alias), task: code(shortTaskId(meta.taskId)) }))],
    locale,
  });
}
