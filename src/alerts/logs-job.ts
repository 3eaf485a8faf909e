/** The worker part of the alert's Logs button: read more lines of the failed container, post them in the alert's thread. */
import { findService } from '../config/load';
import type { Runtime } from '../runtime';
import type { LogsJob } from './buttons';
import { lastLines, logsErrorText } from './logs';
import { logsFitInMessage, logsReply } from './messages';

export async function runLogsJob(job: LogsJob, rt: Runtime): Promise<void> {
  const log = rt.log.child({ job: job.id, service: job.alias });
  const loc = { region: job.region, group: job.group, stream: job.stream };
  const meta = {
    alias: job.alias,
    taskId: job.taskId,
    container: job.container,
    region: job.region,
    group: job.group,
    stream: job.stream,
    userId: job.userId,
  };
  let lines: string[];
  try {
    lines = await lastLines(rt.aws.logs(job.region, findService(rt.config, job.alias)?.env), loc, job.lines);
  } catch (err) {
    log.warn('alert logs button: cannot read the stream', { err });
    const why = await logsErrorText(rt.aws.logs(job.region, findService(rt.config, job.alias)?.env), err, loc);
    await rt.slack.post(job.channel, logsReply(meta, undefined, why), { threadTs: job.threadTs });
    return;
  }
  if (logsFitInMessage(lines)) {
    await rt.slack.post(job.channel, logsReply(meta, lines), { threadTs: job.threadTs });
    return;
  }
  // Too long for one message: the whole excerpt as a file in the thread.
  const intro = logsReply(meta, lines.slice(-1));
  await rt.slack.uploadText(job.channel, {
    filename: `${job.alias}-${job.taskId}.log`,
    title: `Last ${lines.length} log lines of ${job.alias} task ${job.taskId}`,
    content: lines.join('\n') + '\n',
    threadTs: job.threadTs,
    comment: intro.text,
  });
}
