/**
 * CloudWatch Logs read adapter: FilterLogEvents with pagination bounded in pages and time.
 *
 * FilterLogEvents may return empty pages that still carry a nextToken (it scans the group in
 * time-bounded windows), so a loop that waits for "no token" can run for a long time: we stop
 * after `maxPages` pages or `maxMs`, and say that the result may be incomplete.
 * The newest events come first (startFromHead: false) so "the last 50 lines" is one or two pages.
 */
import {
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { BotError } from '../errors';
import { awsError, awsErrorName, awsActions } from './errors';
import { defineMessages, type Text } from '../i18n/catalog';
import { oneLine } from '../slack/text';

const M = defineMessages('aws.logs', {
  noGroup: { en: 'The log group {group} does not exist in {region}.', ko: '{region}에 {group} 로그 그룹이 없습니다.' },
  noGroupHint: {
    en: 'It comes from {source}. Check that the container has written logs, and the group name and region there.',
    ko: '이 이름은 {source}에서 가져왔습니다. 컨테이너가 로그를 쓴 적이 있는지, 그곳의 그룹 이름과 리전이 맞는지 확인하세요.',
  },
  badFilter: {
    en: 'CloudWatch Logs rejected the request ({detail}). The filter pattern is the likely cause.',
    ko: 'CloudWatch Logs가 요청을 거부했습니다 ({detail}). 필터 패턴이 원인일 가능성이 큽니다.',
  },
  badFilterHint: {
    en: 'Quote a phrase (`--filter "connection refused"`), or see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html',
    ko: '구절은 따옴표로 감싸거나(`--filter "connection refused"`), https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html 을 참고하세요.',
  },
});

interface LogEventsQuery {
  logGroupName: string;
  /** `<prefix>/<container>/` or `<prefix>/<container>/<taskId>`; never together with stream names. */
  logStreamNamePrefix?: string;
  startTime: number;
  endTime: number;
  filterPattern?: string;
  /** How many events the answer needs (the newest ones). */
  limit: number;
}

interface LogEventsBounds {
  maxPages: number;
  maxMs: number;
  clock: () => number;
}

export const DEFAULT_LOG_BOUNDS: LogEventsBounds = { maxPages: 5, maxMs: 10_000, clock: Date.now };

/** `startFromHead: false` is only accepted for start times on or after 2024-01-01. */
export const NEWEST_FIRST_SINCE = Date.UTC(2024, 0, 1);

interface LogEventsResult {
  /** Oldest first (newest last), at most `limit`. */
  events: FilteredLogEvent[];
  pages: number;
  /** Stopped at the page or time bound while AWS still had pages: the result may be incomplete. */
  incomplete?: 'pages' | 'time';
  /** More matching events exist beyond `limit` (older ones when newest-first, newer ones otherwise). */
  more: boolean;
  /** Whether events were read newest first (false for ranges that start before 2024). */
  newestFirst: boolean;
}

interface LogsErrorContext {
  region: string;
  /** Where the log group name came from, e.g. "the awslogs-group option of container web in web-prod:42". */
  groupSource: Text;
}

export async function filterLogEvents(
  logs: CloudWatchLogsClient,
  q: LogEventsQuery,
  ctx: LogsErrorContext,
  bounds: LogEventsBounds = DEFAULT_LOG_BOUNDS,
): Promise<LogEventsResult> {
  const newestFirst = q.startTime >= NEWEST_FIRST_SINCE;
  const started = bounds.clock();
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  let incomplete: LogEventsResult['incomplete'];
  for (;;) {
    const input = {
      logGroupName: q.logGroupName,
      ...(q.logStreamNamePrefix ? { logStreamNamePrefix: q.logStreamNamePrefix } : {}),
      startTime: q.startTime,
      endTime: q.endTime,
      ...(q.filterPattern ? { filterPattern: q.filterPattern } : {}),
      limit: Math.min(10_000, q.limit - events.length),
      ...(nextToken ? { nextToken } : { startFromHead: !newestFirst }),
    };
    let res;
    try {
      res = await logs.send(new FilterLogEventsCommand(input));
    } catch (err) {
      throw logsError(err, q, ctx);
    }
    pages++;
    events.push(...(res.events ?? []));
    nextToken = res.nextToken;
    if (!nextToken || events.length >= q.limit) break;
    if (pages >= bounds.maxPages) {
      incomplete = 'pages';
      break;
    }
    if (bounds.clock() - started >= bounds.maxMs) {
      incomplete = 'time';
      break;
    }
  }
  const more = events.length >= q.limit && nextToken !== undefined;
  const kept = events.slice(0, q.limit).sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  return { events: kept, pages, ...(incomplete ? { incomplete } : {}), more, newestFirst };
}

function logsError(err: unknown, q: LogEventsQuery, ctx: LogsErrorContext): BotError {
  const name = awsErrorName(err);
  const detail = (err as Error)?.message ?? String(err);
  if (name === 'ResourceNotFoundException') {
    return new BotError('NOT_FOUND', `log group ${q.logGroupName} not found in ${ctx.region}`, {
      userMessage: M.lazy('noGroup', { group: `\`${q.logGroupName}\``, region: `\`${ctx.region}\`` }),
      hint: M.lazy('noGroupHint', { source: ctx.groupSource }),
      cause: err,
    });
  }
  if (name === 'InvalidParameterException' && q.filterPattern) {
    return new BotError('BAD_INPUT', `filter rejected: ${detail}`, {
      userMessage: M.lazy('badFilter', { detail: oneLine(detail, 200) }),
      hint: M.lazy('badFilterHint'),
      cause: err,
    });
  }
  return awsError(err, { action: awsActions.lazy('readLogs', { group: q.logGroupName }), permission: 'logs:FilterLogEvents' });
}

/**
 * Does any stream of `group` start with `prefix` (one task's `<prefix>/<container>/<task id>`)?
 * DescribeLogStreams, one stream at most (logs:DescribeLogStreams, the worker's role).
 */
export async function hasLogStream(logs: CloudWatchLogsClient, group: string, prefix: string, timeoutMs = 5_000): Promise<boolean> {
  const res = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix, limit: 1 }), {
    abortSignal: AbortSignal.timeout(timeoutMs),
  });
  return (res?.logStreams?.length ?? 0) > 0;
}
