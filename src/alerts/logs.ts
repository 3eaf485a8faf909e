/**
 * The last lines of a failed container, for alerts (and the alert's Logs button). A small adapter
 * of its own (the `/ecs logs` verb has src/aws/logs.ts): the awslogs stream of one task is known
 * exactly, `<awslogs-stream-prefix>/<container>/<task id>`, so one GetLogEvents call reads it.
 * The log group and prefix come from the task definition (DescribeTaskDefinition; a revision never
 * changes, so they are cached for the life of the process).
 */
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { hasLogStream } from '../aws/logs';
import { DescribeTaskDefinitionCommand, type ECSClient, type TaskDefinition } from '@aws-sdk/client-ecs';
import { awsError, awsErrorName, isAccessDenied } from '../aws/errors';
import { plainText } from '../slack/text';
import { cleanLogMessages } from '../aws/redact';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import type { LogExcerpt, TaskFacts } from './incident';
import { logLocation, type LogLocation } from '../aws/log-location';
import { defineMessages, textIn } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('alerts.logs', {
  groupGone: { en: 'the log group {group} no longer exists', ko: '로그 그룹 {group}이(가) 더 이상 없습니다' },
  noStreamYet: {
    en: 'there is no log stream for this task yet ({stream} in {group}): the container may have stopped before it wrote anything, or its awslogs-stream-prefix differs',
    ko: '이 작업의 로그 스트림이 아직 없습니다 ({group}의 {stream}). 컨테이너가 아무것도 쓰기 전에 멈췄거나 awslogs-stream-prefix가 다를 수 있습니다',
  },
  neverStarted: {
    en: 'no log lines: the task stopped before its container started, so it wrote nothing to {group}',
    ko: '로그가 없습니다. 컨테이너가 시작되기 전에 작업이 멈춰 {group}에 아무것도 쓰지 않았습니다',
  },
  nothingFound: {
    en: 'CloudWatch Logs found nothing to read at {stream} in {group}',
    ko: 'CloudWatch Logs에서 {group}의 {stream}에 읽을 것이 없습니다',
  },
  denied: {
    en: "the bot's role may not read {group} (it needs logs:GetLogEvents)",
    ko: '봇의 역할에 {group}을(를) 읽을 권한이 없습니다 (logs:GetLogEvents가 필요합니다)',
  },
  readStream: { en: 'read the log stream {stream}', ko: '로그 스트림 {stream} 읽기' },
  describeTd: { en: 'describe the task definition', ko: '작업 정의 조회' },
  streamUnknown: {
    en: 'the event names no task definition or container, so the log stream is unknown',
    ko: '이벤트에 작업 정의나 컨테이너가 없어 로그 스트림을 알 수 없습니다',
  },
  tdUnreadable: { en: 'could not read task definition {td}: {why}', ko: '작업 정의 {td}을(를) 읽지 못했습니다: {why}' },
});

const TD_CACHE_MAX = 200;
const tdCache = new Map<string, TaskDefinition>();

/** Forget cached task definitions (tests; a process never needs to). */
export function clearTaskDefinitionCache(): void {
  tdCache.clear();
}

/** DescribeTaskDefinition, cached per process by ARN (a registered revision is immutable). */
async function taskDefinitionCached(ecs: ECSClient, arn: string, timeoutMs = 5_000): Promise<TaskDefinition> {
  const hit = tdCache.get(arn);
  if (hit) return hit;
  const res = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal: AbortSignal.timeout(timeoutMs) });
  if (!res.taskDefinition) throw new Error(`task definition ${arn} not found`);
  if (tdCache.size >= TD_CACHE_MAX) tdCache.delete(tdCache.keys().next().value as string);
  tdCache.set(arn, res.taskDefinition);
  return res.taskDefinition;
}

/**
 * Does the log group exist? DescribeLogStreams of the group (one stream at most): the group's
 * ResourceNotFoundException says no; any answer says yes. Other failures propagate.
 */
async function groupExists(logs: CloudWatchLogsClient, loc: LogLocation): Promise<boolean> {
  try {
    await hasLogStream(logs, loc.group, loc.stream);
    return true;
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') return false;
    throw err;
  }
}

/**
 * Why a read of the task's stream failed, in words for the alert (plain text, in `locale`). "Not
 * found" is told apart by asking whether the group exists, never by the wording of the error: no
 * stream yet for this task (the group is there) vs the group is gone. A task that stopped before its
 * container started (ECS stop code TaskFailedToStart: the image pull, the secrets, the container
 * could not be created) has no stream and never will: said so, instead of "not yet".
 */
export async function logsErrorText(
  logs: CloudWatchLogsClient,
  err: unknown,
  loc: LogLocation,
  locale: Locale = 'en',
  stopCode?: string,
): Promise<string> {
  const t = M.in(locale);
  const name = awsErrorName(err);
  if (name === 'ResourceNotFoundException') {
    const exists = await groupExists(logs, loc).catch(() => undefined);
    if (exists === false) return t('groupGone', { group: loc.group });
    if (exists === true)
      return stopCode === 'TaskFailedToStart'
        ? t('neverStarted', { group: loc.group })
        : t('noStreamYet', { stream: loc.stream, group: loc.group });
    return t('nothingFound', { stream: loc.stream, group: loc.group });
  }
  if (isAccessDenied(err)) return t('denied', { group: loc.group });
  return plainText(
    textIn(awsError(err, { action: M.lazy('readStream', { stream: loc.stream }), permission: 'logs:GetLogEvents' }).userMessage, locale),
  );
}

/** The newest `limit` lines of one stream, oldest first, masked and stripped of colour codes. */
export async function lastLines(logs: CloudWatchLogsClient, loc: LogLocation, limit: number, timeoutMs = 8_000): Promise<string[]> {
  const res = await logs.send(
    new GetLogEventsCommand({ logGroupName: loc.group, logStreamName: loc.stream, limit, startFromHead: false }),
    {
      abortSignal: AbortSignal.timeout(timeoutMs),
    },
  );
  return cleanLogMessages((res.events ?? []).slice(-limit).map((e) => (e.message ?? '').replace(/\r?\n$/, '')));
}

/**
 * The last lines of the failed container, or why there are none (in `locale`: the alert is the
 * channel's, so the workspace's language). Never throws: an alert goes out either way.
 */
export async function excerptFor(
  rt: Runtime,
  svc: ResolvedService,
  facts: TaskFacts,
  limit: number,
  locale: Locale = rt.people.workspace,
): Promise<LogExcerpt> {
  const t = M.in(locale);
  const region = facts.region;
  if (!facts.taskDefinitionArn || !facts.container) return { region, error: t('streamUnknown') };
  let td: TaskDefinition;
  try {
    td = await taskDefinitionCached(rt.aws.ecs(region, svc.env), facts.taskDefinitionArn);
  } catch (err) {
    rt.log.warn('alert: cannot read the task definition for the log location', { taskDefinition: facts.taskDefinitionArn, err });
    const why = plainText(
      textIn(awsError(err, { action: M.lazy('describeTd'), permission: 'ecs:DescribeTaskDefinition' }).userMessage, locale),
    );
    return { region, error: t('tdUnreadable', { td: facts.taskDefinition ?? facts.taskDefinitionArn, why }) };
  }
  const where = logLocation(td, facts.container, facts.taskId, region, svc.logGroup, svc.logGroupPrefix);
  if (!where.ok) return { region, group: where.group, error: where.error(locale) };
  try {
    const lines = await lastLines(rt.aws.logs(where.loc.region, svc.env), where.loc, limit);
    return { region: where.loc.region, group: where.loc.group, stream: where.loc.stream, lines };
  } catch (err) {
    rt.log.warn('alert: cannot read the last log lines', { group: where.loc.group, stream: where.loc.stream, err });
    const error = await logsErrorText(rt.aws.logs(where.loc.region, svc.env), err, where.loc, locale, facts.stopCode);
    // A task that stopped before its container started has no stream and never will: no link to one.
    const never = facts.stopCode === 'TaskFailedToStart' && awsErrorName(err) === 'ResourceNotFoundException';
    return { region: where.loc.region, group: where.loc.group, ...(never ? {} : { stream: where.loc.stream }), error };
  }
}
