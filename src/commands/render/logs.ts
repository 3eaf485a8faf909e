/**
 * `/ecs logs` answers: log events → one Slack message (code blocks, newest last, each line with
 * a short timestamp and task id, secrets masked, long lines cut) and, when they do not all fit,
 * the whole result as a text file. Pure: the same events always give the same message.
 */
import type { KnownBlock } from '@slack/types';
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { BotError } from '../../errors';
import { context, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link, truncate } from '../../slack/text';
import { cleanLogMessage, cleanLogMessages } from '../../aws/redact';
import { formatDuration } from '../../i18n';
import { utcDate, utcTime } from './common';
import { utcText } from '../../slack/time';
import { defineMessages, textIn, type Text } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';

const M = defineMessages('commands.render.logs', {
  moreLines: { en: '… {n} more {n|line|lines}', ko: '… {n}줄 더' },
  title: { en: '*Logs of {service}* in {env}', ko: '{env} *{service} 로그*' },
  container: { en: 'container {name}', ko: '컨테이너 {name}' },
  task: { en: 'task {id}{previous}', ko: '작업 {id}{previous}' },
  mostRecent: { en: ' (most recently stopped)', ko: ' (가장 최근에 중지됨)' },
  filter: { en: 'filter {pattern}', ko: '필터 {pattern}' },
  stoppedAgo: { en: 'stopped {duration} ago', ko: '{duration} 전 중지' },
  stopped: { en: 'stopped', ko: '중지됨' },
  incompletePages: {
    en: ':warning: I stopped after 5 pages of results; the result may be incomplete. Narrow the range or add `--filter`.',
    ko: ':warning: 결과 5페이지에서 멈췄습니다. 결과가 빠졌을 수 있습니다. 구간을 좁히거나 `--filter`를 쓰세요.',
  },
  incompleteTime: {
    en: ':warning: I stopped after 10 seconds of searching; the result may be incomplete. Narrow the range or add `--filter`.',
    ko: ':warning: 10초 동안 찾고 멈췄습니다. 결과가 빠졌을 수 있습니다. 구간을 좁히거나 `--filter`를 쓰세요.',
  },
  noLines: { en: ':information_source: No log lines in this range.', ko: ':information_source: 이 구간에는 로그가 없습니다.' },
  noMatch: {
    en: ':information_source: No log lines match the filter in this range.',
    ko: ':information_source: 이 구간에는 필터에 맞는 로그가 없습니다.',
  },
  tryLonger: { en: 'Try a longer range with `--since`, e.g. `--since 2h`.', ko: '`--since`로 구간을 늘려 보세요. 예: `--since 2h`' },
  tryLongerOrPrevious: {
    en: 'Try a longer range (`--since 2h`), or `--previous` for the task that stopped last.',
    ko: '구간을 늘리거나(`--since 2h`), 마지막으로 중지된 작업은 `--previous`로 보세요.',
  },
  openLogs: { en: 'Open in CloudWatch Logs', ko: 'CloudWatch Logs에서 열기' },
  noLinesFallback: { en: 'No log lines for {service} in {env} in this range', ko: '{env}의 {service}: 이 구간에 로그 없음' },
  count: { en: '{n} {n|line|lines}', ko: '{n}줄' },
  moreNewest: {
    en: ' (the newest {n}; more exist before these: raise `--limit` or narrow `--since`)',
    ko: ' (최신 {n}줄, 이전 줄이 더 있음: `--limit`을 늘리거나 `--since`를 좁히세요)',
  },
  moreOldest: {
    en: ' (the oldest {n}; more exist after these: raise `--limit` or narrow `--since`)',
    ko: ' (가장 오래된 {n}줄, 이후 줄이 더 있음: `--limit`을 늘리거나 `--since`를 좁히세요)',
  },
  inFile: {
    en: ' · showing the newest {shown} here, all {total} in the file below',
    ko: ' · 여기엔 최신 {shown}줄, 전체 {total}줄은 아래 파일에',
  },
  inDmFile: {
    en: ' · showing the newest {shown} here, all {total} in the file I sent you in a direct message',
    ko: ' · 여기엔 최신 {shown}줄, 전체 {total}줄은 DM으로 보낸 파일에',
  },
  legend: {
    en: 'Times in UTC · task ids shortened · secrets masked · newest last',
    ko: '시각은 UTC · 작업 ID 줄임 · 비밀 값 가림 · 최신 줄이 맨 아래',
  },
  fallback: { en: '{n} log {n|line|lines} of {service} in {env}', ko: '{env}의 {service} 로그 {n}줄' },
  fileHeader: {
    en: '# {service} ({env}) container {container}{task} · {group} ({region}) · {from} – {to}{filter} · secrets masked',
    ko: '# {service} ({env}) 컨테이너 {container}{task} · {group} ({region}) · {from} – {to}{filter} · 비밀 값 가림',
  },
  fileTask: { en: ' task {id}', ko: ' 작업 {id}' },
  fileFilter: { en: ' · filter {pattern}', ko: ' · 필터 {pattern}' },
  fileTitle: { en: 'Logs of {service} ({env}), {range}', ko: '{service} ({env}) 로그, {range}' },
  noContainer: {
    en: 'Task definition {td} has no container {name}. Its containers: {names}.',
    ko: '작업 정의 {td}에 {name} 컨테이너가 없습니다. 있는 컨테이너: {names}.',
  },
  none: { en: '(none)', ko: '(없음)' },
  pickContainer: { en: 'Pick one with `--container NAME`.', ko: '`--container NAME`으로 하나를 고르세요.' },
  fixContainer: {
    en: 'Fix `services.{alias}.container` in chatops.yml, or pick one with `--container NAME`.',
    ko: 'chatops.yml의 `services.{alias}.container`를 고치거나, `--container NAME`으로 하나를 고르세요.',
  },
  configSource: { en: '`services.{alias}.logGroup` in chatops.yml', ko: 'chatops.yml의 `services.{alias}.logGroup`' },
  notAwslogsTask: {
    en: "Container {container} does not use the awslogs driver, so I searched the whole log group rather than one task's stream.",
    ko: '{container} 컨테이너가 awslogs 드라이버를 쓰지 않아 작업 하나의 스트림 대신 로그 그룹 전체를 찾았습니다.',
  },
  noLogConfig: {
    en: 'Container {container} in {td} has no log configuration, so its output is not kept anywhere I can read.',
    ko: '{td}의 {container} 컨테이너에 로그 설정이 없어 출력이 봇이 읽을 수 있는 곳에 남지 않습니다.',
  },
  noLogConfigHint: {
    en: 'Give the container a `logConfiguration` with the `awslogs` driver in its task definition.',
    ko: '작업 정의에서 컨테이너에 `awslogs` 드라이버로 `logConfiguration`을 설정하세요.',
  },
  otherDriver: {
    en: "Container {container} in {td} sends its logs with the {driver} driver, not `awslogs`, so I can't tell which CloudWatch log group holds them.",
    ko: '{td}의 {container} 컨테이너는 `awslogs`가 아닌 {driver} 드라이버로 로그를 보내서, 어느 CloudWatch 로그 그룹에 있는지 알 수 없습니다.',
  },
  otherDriverHint: {
    en: 'If they end up in CloudWatch Logs (e.g. through FireLens), set `services.{alias}.logGroup` in chatops.yml to that log group.',
    ko: '로그가 (예: FireLens를 거쳐) CloudWatch Logs에 쌓인다면 chatops.yml의 `services.{alias}.logGroup`을 그 로그 그룹으로 설정하세요.',
  },
  noGroup: {
    en: 'Container {container} in {td} uses awslogs without an `awslogs-group` option.',
    ko: '{td}의 {container} 컨테이너는 `awslogs-group` 옵션 없이 awslogs를 씁니다.',
  },
  setLogGroup: { en: 'Set `services.{alias}.logGroup` in chatops.yml.', ko: 'chatops.yml에 `services.{alias}.logGroup`을 설정하세요.' },
  noPrefix: {
    en: 'Container {container} has no `awslogs-stream-prefix`, so streams do not carry task ids: I searched the whole log group.',
    ko: '{container} 컨테이너에 `awslogs-stream-prefix`가 없어 스트림에 작업 ID가 없습니다. 로그 그룹 전체를 찾았습니다.',
  },
  outsidePrefix: {
    en: 'The log group {group} of container {container} in {td} does not start with {prefix} (`logGroupPrefix` in chatops.yml), so the bot may not read it.',
    ko: '{td}에 있는 {container} 컨테이너의 로그 그룹 {group}이(가) {prefix}(chatops.yml의 `logGroupPrefix`)로 시작하지 않아 봇이 읽을 수 없습니다.',
  },
  otherRegion: {
    en: "The log group {group} of container {container} in {td} is in region {region}, but the bot's roles read logs only in the environment's region {envRegion}.",
    ko: '{td}에 있는 {container} 컨테이너의 로그 그룹 {group}은(는) {region} 리전에 있지만, 봇의 역할은 환경의 리전 {envRegion}의 로그만 읽습니다.',
  },
  otherRegionHint: {
    en: 'Set `awslogs-region` of container {container} to {envRegion} in the task definition, so its logs stay in the cluster’s region.',
    ko: '작업 정의에서 {container} 컨테이너의 `awslogs-region`을 {envRegion}(으)로 바꿔 로그가 클러스터의 리전에 남게 하세요.',
  },
  outsidePrefixHint: {
    en: 'Set `services.{alias}.logGroup` to that group, or change `logGroupPrefix`, in chatops.yml; then package and deploy the bot again (its roles read only the log groups chatops.yml names).',
    ko: 'chatops.yml에서 `services.{alias}.logGroup`을 그 그룹으로 설정하거나 `logGroupPrefix`를 바꾼 뒤, 봇을 다시 패키징해 배포하세요 (봇의 역할은 chatops.yml에 적힌 로그 그룹만 읽습니다).',
  },
  groupOption: {
    en: 'the `awslogs-group` option of container {container} in {td}',
    ko: '{td}에 있는 {container} 컨테이너의 `awslogs-group` 옵션',
  },
});

/** Characters of one log line shown in the message (the file keeps the whole line). */
const MAX_LINE_CHARS = 240;
/** Continuation lines of one multi-line event (stack traces) shown in the message. */
const MAX_CONTINUATION_LINES = 12;
/** Code blocks per message (about 9,000 characters of code): leaves room for the header and context. */
const MAX_CODE_BLOCKS = 3;
const CODE_BLOCK_CHARS = 2_990;
/** A line of the file is cut here; the whole file stays under a few MB. */
const MAX_FILE_LINE_CHARS = 8_000;

export interface LogsView {
  alias: string;
  environment: string;
  container: string;
  logGroup: string;
  region: string;
  window: { start: number; end: number };
  filter?: string;
  /** The task the answer is narrowed to (--task or --previous). */
  taskId?: string;
  /** For --previous: how the task ended. */
  previous?: { stoppedAt?: number; stopCode?: string; stoppedReason?: string };
  events: readonly FilteredLogEvent[];
  limit: number;
  /** More matching events exist than `limit`. */
  more: boolean;
  incomplete?: 'pages' | 'time';
  /** Events were read oldest first (ranges before 2024): `more` then means newer lines exist. */
  oldestFirst?: boolean;
  /** Extra sentences, e.g. "this container has no stream prefix, so the whole group was searched". */
  notes?: readonly Text[];
  consoleUrl: string;
  now: number;
  /** The answer is private: a file goes to a direct message with the requester, not below it. */
  fileInDm?: boolean;
}

interface LogsAnswer {
  message: SlackMessage;
  /** The whole result as a file, when the message could not show every line. */
  file?: { filename: string; title: string; content: string };
}

/** The task id of an awslogs stream `<prefix>/<container>/<task-id>`, or the stream name itself. */
export function streamTaskId(stream: string | undefined): string {
  if (!stream) return '';
  const parts = stream.split('/');
  return parts.length >= 3 ? parts[parts.length - 1]! : stream;
}

/** The lines one event shows in the message: a prefixed first line and indented continuation lines. */
export function eventLines(e: FilteredLogEvent, longRange: boolean, locale: Locale = 'en'): string[] {
  const t = e.timestamp ?? 0;
  const stamp = longRange ? `${utcDate(t).slice(5)} ${utcTime(t)}` : utcTime(t);
  const prefix = `${stamp} ${streamTaskId(e.logStreamName).slice(0, 8).padEnd(8)} `;
  const body = cleanLogMessage(e.message ?? '')
    .replace(/\t/g, '  ')
    .replace(/\s+$/, '');
  const raw = body.split(/\r?\n/);
  const cut = (s: string): string => truncate(s, MAX_LINE_CHARS);
  const lines = [prefix + cut(raw[0] ?? '')];
  const indent = ' '.repeat(prefix.length);
  const rest = raw.slice(1).filter((l) => l.trim() !== '');
  for (const l of rest.slice(0, MAX_CONTINUATION_LINES)) lines.push(indent + cut(l));
  if (rest.length > MAX_CONTINUATION_LINES) lines.push(indent + M.in(locale)('moreLines', { n: rest.length - MAX_CONTINUATION_LINES }));
  return lines;
}

/** One line of the file: full timestamp, full task id, the whole (masked) message. */
function fileLine(e: FilteredLogEvent): string {
  const body = cleanLogMessage(e.message ?? '').replace(/\s+$/, '');
  const cut = truncate(body, MAX_FILE_LINE_CHARS);
  return `${new Date(e.timestamp ?? 0).toISOString()} ${streamTaskId(e.logStreamName)} ${cut.replace(/\r?\n/g, '\n    ')}`;
}

/**
 * Code blocks (at most MAX_CODE_BLOCKS, each within a section's 3,000 characters) holding the
 * newest events that fit, whole events only, oldest first; and how many events they hold.
 */
export function packNewest(
  events: readonly FilteredLogEvent[],
  longRange: boolean,
  locale: Locale = 'en',
): { blocks: string[]; shown: number } {
  const room = CODE_BLOCK_CHARS - 6; // the fences
  const newestFirst: string[][] = [[]];
  let curLen = 0;
  let shown = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    let text = eventLines(events[i]!, longRange, locale).map(escapeMrkdwn).join('\n');
    // One event larger than a block (a huge stack trace): show its start rather than nothing.
    if (text.length > room) text = text.slice(0, room - 1).replace(/&[a-z]{0,3}$/, '') + '…';
    if (curLen > 0 && curLen + 1 + text.length > room) {
      if (newestFirst.length === MAX_CODE_BLOCKS) break;
      newestFirst.push([]);
      curLen = 0;
    }
    newestFirst[newestFirst.length - 1]!.unshift(text);
    curLen += (curLen > 0 ? 1 : 0) + text.length;
    shown++;
  }
  const blocks = newestFirst
    .reverse()
    .filter((b) => b.length)
    .map((b) => b.join('\n'));
  return { blocks, shown };
}

function rangeText(w: { start: number; end: number }): string {
  const sameDay = utcDate(w.start) === utcDate(w.end);
  return sameDay
    ? `${utcTime(w.start).slice(0, 5)}–${utcTime(w.end).slice(0, 5)} UTC ${utcDate(w.end)}`
    : `${utcText(w.start)} – ${utcText(w.end)}`;
}

function titleLine(v: LogsView, locale: Locale): string {
  const t = M.in(locale);
  const parts = [t('title', { service: code(v.alias), env: code(v.environment) }), t('container', { name: code(v.container) })];
  if (v.taskId) parts.push(t('task', { id: code(v.taskId.slice(0, 8)), previous: v.previous ? t('mostRecent') : '' }));
  parts.push(rangeText(v.window));
  if (v.filter) parts.push(t('filter', { pattern: code(v.filter) }));
  return parts.join(' · ');
}

function previousLine(v: LogsView, locale: Locale): string | undefined {
  if (!v.previous) return undefined;
  const t = M.in(locale);
  const p = v.previous;
  const bits = [
    p.stoppedAt ? t('stoppedAgo', { duration: formatDuration(v.now - p.stoppedAt, locale) }) : t('stopped'),
    p.stopCode ? code(p.stopCode) : '',
    p.stoppedReason ? escapeMrkdwn(p.stoppedReason.slice(0, 200)) : '',
  ].filter(Boolean);
  return `:octagonal_sign: ${bits.join(' · ')}`;
}

/**
 * The events with their messages cleaned stream by stream, so a private key logged one line per
 * event is masked whole (eventLines and fileLine clean each message again, which changes nothing).
 */
export function maskEvents(events: readonly FilteredLogEvent[]): FilteredLogEvent[] {
  const byStream = new Map<string, number[]>();
  events.forEach((e, i) => {
    const k = e.logStreamName ?? '';
    const list = byStream.get(k);
    if (list) list.push(i);
    else byStream.set(k, [i]);
  });
  const out = events.slice();
  for (const idx of byStream.values()) {
    const cleaned = cleanLogMessages(idx.map((i) => events[i]!.message ?? ''));
    idx.forEach((i, j) => (out[i] = { ...events[i]!, message: cleaned[j]! }));
  }
  return out;
}

/** The /ecs logs answer in `locale` (the workspace's when public, the reader's when private), and the file when needed. */
export function logsAnswer(view: LogsView, locale: Locale = 'en'): LogsAnswer {
  const v: LogsView = { ...view, events: maskEvents(view.events) };
  const t = M.in(locale);
  const longRange = v.window.end - v.window.start > 20 * 3_600_000;
  const blocks: KnownBlock[] = [];
  const head = [titleLine(v, locale)];
  const prev = previousLine(v, locale);
  if (prev) head.push(prev);
  const ctx: string[] = [];
  const incomplete = v.incomplete === 'pages' ? t('incompletePages') : v.incomplete === 'time' ? t('incompleteTime') : undefined;
  const notes = (v.notes ?? []).map((n) => textIn(n, locale));

  if (v.events.length === 0) {
    head.push(t(v.filter ? 'noMatch' : 'noLines'));
    blocks.push(section(head.join('\n')));
    ctx.push(t(v.previous || v.taskId ? 'tryLonger' : 'tryLongerOrPrevious'));
    if (incomplete) ctx.push(incomplete);
    ctx.push(...notes);
    ctx.push(link(v.consoleUrl, t('openLogs')));
    blocks.push(context(...ctx));
    return { message: { text: t('noLinesFallback', { service: v.alias, env: v.environment }), blocks, locale } };
  }

  const { blocks: codeBlocks, shown } = packNewest(v.events, longRange, locale);
  const total = v.events.length;
  const needFile = shown < total;
  let countLine = t('count', { n: total }) + (v.more ? t(v.oldestFirst ? 'moreOldest' : 'moreNewest', { n: total }) : '');
  if (needFile) countLine += t(v.fileInDm ? 'inDmFile' : 'inFile', { shown, total });
  head.push(countLine);
  blocks.push(section(head.join('\n')));
  for (const c of codeBlocks) blocks.push(section('```' + c + '```'));
  ctx.push(t('legend'));
  if (incomplete) ctx.push(incomplete);
  ctx.push(...notes);
  ctx.push(link(v.consoleUrl, t('openLogs')));
  blocks.push(context(...ctx));

  const message: SlackMessage = { text: t('fallback', { n: total, service: v.alias, env: v.environment }), blocks, locale };
  if (!needFile) return { message };
  const stamp = new Date(v.window.end).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
  const header = t('fileHeader', {
    service: v.alias,
    env: v.environment,
    container: v.container,
    task: v.taskId ? t('fileTask', { id: v.taskId }) : '',
    group: v.logGroup,
    region: v.region,
    from: new Date(v.window.start).toISOString(),
    to: new Date(v.window.end).toISOString(),
    filter: v.filter ? t('fileFilter', { pattern: v.filter }) : '',
  });
  return {
    message,
    file: {
      filename: `${v.alias}-${v.environment}-logs-${stamp}.log`,
      title: t('fileTitle', { service: v.alias, env: v.environment, range: rangeText(v.window) }),
      content: [header, ...v.events.map(fileLine)].join('\n') + '\n',
    },
  };
}

interface LogTarget {
  logGroup: string;
  region: string;
  /** `<prefix>/<container>/` or `<prefix>/<container>/<task id>`; undefined searches the whole group. */
  streamPrefix?: string;
  /** Where the group name came from, for the "log group does not exist" answer. */
  groupSource: Text;
  notes: Text[];
}

interface LogTargetInput {
  taskDefinition: TaskDefinition;
  /** The container to read (--container, else the service's configured container). */
  container: string;
  /** The container was named with --container (an unknown name is then the user's mistake). */
  containerFromFlag: boolean;
  alias: string;
  /** `services.<alias>.logGroup` from chatops.yml, which overrides the task definition. */
  configLogGroup?: string;
  /** `logGroupPrefix` of the service (or its environment): the task definition's group must start with it. */
  logGroupPrefix?: string;
  envRegion: string;
  taskId?: string;
  usage: string;
}

/**
 * Where a container's logs are: the `awslogs` options of its task definition (group, region,
 * stream prefix), unless chatops.yml names the group. Clear answers for an unknown container,
 * no log configuration, and log drivers other than awslogs.
 */
export function logTarget(i: LogTargetInput): LogTarget {
  const td = i.taskDefinition;
  const tdName = `${td.family ?? '?'}:${td.revision ?? '?'}`;
  const defs = td.containerDefinitions ?? [];
  const def = defs.find((c) => c.name === i.container);
  const names = defs.map((c) => code(c.name ?? '?')).join(', ');
  if (!def) {
    const userMessage: Text = (l) => M.in(l)('noContainer', { td: code(tdName), name: code(i.container), names: names || M.in(l)('none') });
    if (i.containerFromFlag)
      throw new BotError('BAD_INPUT', `no container ${i.container} in ${tdName}`, {
        userMessage,
        usage: i.usage,
        hint: M.lazy('pickContainer'),
      });
    throw new BotError('CONFIG', `no container ${i.container} in ${tdName}`, {
      userMessage,
      hint: M.lazy('fixContainer', { alias: i.alias }),
    });
  }
  const notes: Text[] = [];
  const cfgSource = M.lazy('configSource', { alias: i.alias });
  const container = code(i.container);
  const tdText = code(tdName);
  const lc = def.logConfiguration;
  if (!lc || lc.logDriver !== 'awslogs') {
    if (i.configLogGroup) {
      if (i.taskId) notes.push(M.lazy('notAwslogsTask', { container }));
      return { logGroup: i.configLogGroup, region: i.envRegion, groupSource: cfgSource, notes };
    }
    if (!lc) {
      throw new BotError('NOT_FOUND', `no log configuration for ${i.container} in ${tdName}`, {
        userMessage: M.lazy('noLogConfig', { container, td: tdText }),
        hint: M.lazy('noLogConfigHint'),
      });
    }
    throw new BotError('NOT_FOUND', `log driver ${lc.logDriver} for ${i.container} in ${tdName}`, {
      userMessage: M.lazy('otherDriver', { container, td: tdText, driver: code(lc.logDriver ?? '?') }),
      hint: M.lazy('otherDriverHint', { alias: i.alias }),
    });
  }
  const opts = lc.options ?? {};
  const group = i.configLogGroup ?? opts['awslogs-group'];
  if (!group) {
    throw new BotError('CONFIG', `no awslogs-group for ${i.container} in ${tdName}`, {
      userMessage: M.lazy('noGroup', { container, td: tdText }),
      hint: M.lazy('setLogGroup', { alias: i.alias }),
    });
  }
  if (!i.configLogGroup && i.logGroupPrefix !== undefined && !group.startsWith(i.logGroupPrefix)) {
    throw new BotError('CONFIG', `log group ${group} of ${i.container} in ${tdName} is outside logGroupPrefix ${i.logGroupPrefix}`, {
      userMessage: M.lazy('outsidePrefix', { group: code(group), container, td: tdText, prefix: code(i.logGroupPrefix) }),
      hint: M.lazy('outsidePrefixHint', { alias: i.alias }),
    });
  }
  const region = opts['awslogs-region'] || i.envRegion;
  // The roles read log groups only in the environment's region (scripts/iam-resources.cjs): say so instead of IAM's access denied.
  if (region !== i.envRegion) {
    throw new BotError('CONFIG', `log group ${group} of ${i.container} in ${tdName} is in ${region}, not ${i.envRegion}`, {
      userMessage: M.lazy('otherRegion', { group: code(group), container, td: tdText, region: code(region), envRegion: code(i.envRegion) }),
      hint: M.lazy('otherRegionHint', { container, envRegion: code(i.envRegion) }),
    });
  }
  const prefix = opts['awslogs-stream-prefix'];
  let streamPrefix: string | undefined;
  if (prefix) streamPrefix = `${prefix}/${i.container}/${i.taskId ?? ''}`;
  else if (i.taskId) notes.push(M.lazy('noPrefix', { container }));
  const groupSource = i.configLogGroup ? cfgSource : M.lazy('groupOption', { container, td: tdText });
  return { logGroup: group, region, streamPrefix, groupSource, notes };
}
