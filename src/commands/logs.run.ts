/**
 * The worker part of `/ecs logs`: find the log group, region and stream prefix from the task
 * definition the service (or, with --previous, the last stopped task) runs, read the newest
 * matching events with bounded pagination, and answer; the whole result goes into a file when
 * it does not fit in one message.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { logEventsUrl } from '../aws/console';
import { describeTaskDefinition, describeTasks, listServiceTasks } from '../aws/ecs';
import { DEFAULT_LOG_BOUNDS, filterLogEvents, hasLogStream } from '../aws/logs';
import { section } from '../slack/blocks';
import { code } from '../slack/text';
import { errorReply } from '../slack/reply';
import { BotError } from '../errors';
import type { Runtime } from '../runtime';
import { LOGS_USAGE, resolveWindow, type LogsArgs, type LogWindow } from './logs';
import { answer, audienceOf, describeConfiguredService } from './readers.run';
import { defineMessages } from '../i18n/catalog';
import { notificationText } from '../slack/text';

const M = defineMessages('commands.logs.run', {
  noStopped: {
    en: 'No task of {service} has stopped recently (ECS keeps stopped tasks for about an hour), so there is no previous task to read.',
    ko: '최근에 중지된 {service} 작업이 없어 읽을 이전 작업이 없습니다 (ECS는 중지된 작업을 1시간쯤만 보관합니다).',
  },
  noStoppedHint: {
    en: "Read the whole service's older logs with `--since`, e.g. `/ecs logs {alias} --since 6h`.",
    ko: '서비스 전체의 더 오래된 로그는 `--since`로 보세요. 예: `/ecs logs {alias} --since 6h`',
  },
  noTaskStream: {
    en: 'No task {task} has written to {group} (no log stream starts with {prefix}): the id is not one of this service, or the task never wrote a line.',
    ko: '{group}에 {task} 작업이 쓴 로그가 없습니다 (접두사가 {prefix}인 로그 스트림이 없음). 이 서비스의 작업 ID가 아니거나, 작업이 로그를 한 줄도 쓰지 않았습니다.',
  },
  noTaskStreamHint: {
    en: 'Check the id: `/ecs tasks {alias}` lists the running tasks, `/ecs tasks {alias} --stopped` those stopped in the last hour.',
    ko: 'ID를 확인하세요. 실행 중인 작업은 `/ecs tasks {alias}`, 최근 1시간 안에 중지된 작업은 `/ecs tasks {alias} --stopped`로 볼 수 있습니다.',
  },
  noTaskDefinition: { en: 'ECS reports no task definition for {service}.', ko: 'ECS가 {service} 서비스의 작업 정의를 알려 주지 않습니다.' },
  noFile: { en: ':paperclip: I could not attach the full result as a file.', ko: ':paperclip: 전체 결과를 파일로 붙이지 못했습니다.' },
});
import { logsAnswer, logTarget } from './render/logs';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';
import { arnTail } from '../aws/arn';

/** For --previous without --since: the task's lifetime, at most this long before it stopped. */
const PREVIOUS_MAX_LOOKBACK_MS = 24 * 3_600_000;
const MARGIN_MS = 60_000;

const stopTime = (t: Task): number => (t.stoppedAt ?? t.stoppingAt ?? t.createdAt)?.getTime() ?? 0;

/** The most recently stopped task of the service (ECS keeps stopped tasks for about an hour). */
async function lastStoppedTask(rt: Runtime, parsed: Parsed<LogsArgs>): Promise<Task> {
  const svc = parsed.service!;
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  const arns = await listServiceTasks(ecs, svc.env.cluster, svc.service, 'STOPPED');
  const tasks = arns.length ? await describeTasks(ecs, svc.env.cluster, arns.slice(0, 100)) : [];
  const last = tasks.sort((a, b) => stopTime(b) - stopTime(a))[0];
  if (!last) {
    throw new BotError('NOT_FOUND', `no stopped task for ${svc.service}`, {
      userMessage: M.lazy('noStopped', { service: code(svc.alias) }),
      hint: M.lazy('noStoppedHint', { alias: svc.alias }),
    });
  }
  return last;
}

export async function runLogs(parsed: Parsed<LogsArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const svc = parsed.service!;
  const a = parsed.args;
  const now = rt.now();
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  const service = await describeConfiguredService(rt, svc);

  let taskId = a.task;
  let tdArn = service.taskDefinition;
  let previous: { stoppedAt?: number; stopCode?: string; stoppedReason?: string } | undefined;
  let window: LogWindow;
  if (a.previous) {
    const last = await lastStoppedTask(rt, parsed);
    taskId = arnTail(last.taskArn);
    tdArn = last.taskDefinitionArn ?? tdArn;
    const stoppedAt = stopTime(last);
    previous = { stoppedAt, stopCode: last.stopCode, stoppedReason: last.stoppedReason };
    if (!a.since && !a.until) {
      const end = Math.min(now, stoppedAt + MARGIN_MS);
      const began = (last.startedAt ?? last.createdAt)?.getTime() ?? end - 15 * 60_000;
      window = { start: Math.max(began - MARGIN_MS, end - PREVIOUS_MAX_LOOKBACK_MS), end };
    } else {
      window = resolveWindow(a.since, a.until, now);
    }
  } else {
    window = resolveWindow(a.since, a.until, now);
  }
  if (!tdArn)
    throw new BotError('NOT_FOUND', `service ${svc.service} has no task definition`, {
      userMessage: M.lazy('noTaskDefinition', { service: code(svc.service) }),
    });

  const { taskDefinition } = await describeTaskDefinition(ecs, tdArn);
  const container = a.container ?? svc.container;
  const target = logTarget({
    taskDefinition,
    container,
    containerFromFlag: a.container !== undefined,
    alias: svc.alias,
    configLogGroup: svc.logGroup,
    ...(svc.logGroupPrefix !== undefined ? { logGroupPrefix: svc.logGroupPrefix } : {}),
    envRegion: svc.env.region,
    taskId,
    usage: LOGS_USAGE,
  });
  const result = await filterLogEvents(
    rt.aws.logs(target.region, svc.env),
    {
      logGroupName: target.logGroup,
      logStreamNamePrefix: target.streamPrefix,
      startTime: window.start,
      endTime: window.end,
      filterPattern: a.filter,
      limit: a.limit,
    },
    { region: target.region, groupSource: target.groupSource },
    DEFAULT_LOG_BOUNDS,
  );
  // Nothing from the task asked for: when no stream of it exists at all, the id is wrong (or the task
  // never wrote a line): say that, not "widen the window". A look that fails leaves the usual answer.
  if (a.task && !a.previous && !result.events.length && target.streamPrefix) {
    const streams = await hasLogStream(rt.aws.logs(target.region, svc.env), target.logGroup, target.streamPrefix).catch(
      (err: unknown) => (rt.log.warn('logs: could not look for the task stream', { err }), undefined),
    );
    if (streams === false)
      throw new BotError('NOT_FOUND', `no log stream ${target.streamPrefix} in ${target.logGroup}`, {
        userMessage: M.lazy('noTaskStream', { task: code(a.task), group: code(target.logGroup), prefix: code(target.streamPrefix) }),
        hint: M.lazy('noTaskStreamHint', { alias: svc.alias }),
      });
  }
  const audience = await audienceOf(rt, inv, parsed);
  const { message, file } = logsAnswer(
    {
      alias: svc.alias,
      environment: svc.environment,
      container,
      logGroup: target.logGroup,
      region: target.region,
      window,
      filter: a.filter,
      taskId,
      previous,
      events: result.events,
      limit: a.limit,
      more: result.more,
      incomplete: result.incomplete,
      oldestFirst: !result.newestFirst,
      notes: target.notes,
      consoleUrl: logEventsUrl({
        region: target.region,
        logGroup: target.logGroup,
        streamPrefix: target.streamPrefix,
        startMs: window.start,
        endMs: window.end,
        filterPattern: a.filter,
      }),
      now,
      fileInDm: !audience.inChannel,
    },
    audience.locale,
  );
  await answer(rt, inv, message, audience);
  if (file) {
    try {
      // A private answer's file goes to a direct message with the requester only.
      const where = !audience.inChannel ? await rt.slack.openDm(inv.userId) : inv.channelId;
      await rt.slack.uploadText(where, { filename: file.filename, content: file.content, title: file.title });
    } catch (err) {
      const reply = errorReply(err, rt.log.child({ invocation: inv.id }), audience.locale);
      const note = M.in(audience.locale)('noFile');
      await answer(
        rt,
        inv,
        { text: `${notificationText(note)} ${reply.text}`, blocks: [section(note), ...reply.blocks], locale: audience.locale },
        audience,
      );
    }
  }
}
