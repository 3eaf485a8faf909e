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
import { code, escapeMrkdwn, link, plural, truncate } from '../../slack/text';
import { cleanLogMessage, cleanLogMessages } from '../../aws/redact';
import { formatDuration } from '../../i18n';
import { utcDate, utcTime } from './common';
import { utcText } from '../../slack/time';

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
  notes?: readonly string[];
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
export function eventLines(e: FilteredLogEvent, longRange: boolean): string[] {
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
  if (rest.length > MAX_CONTINUATION_LINES) lines.push(`${indent}… ${plural(rest.length - MAX_CONTINUATION_LINES, 'more line')}`);
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
export function packNewest(events: readonly FilteredLogEvent[], longRange: boolean): { blocks: string[]; shown: number } {
  const room = CODE_BLOCK_CHARS - 6; // the fences
  const newestFirst: string[][] = [[]];
  let curLen = 0;
  let shown = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    let text = eventLines(events[i]!, longRange).map(escapeMrkdwn).join('\n');
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

function titleLine(v: LogsView): string {
  const parts = [`*Logs of ${code(v.alias)}* in ${code(v.environment)}`, `container ${code(v.container)}`];
  if (v.taskId) parts.push(`task ${code(v.taskId.slice(0, 8))}${v.previous ? ' (most recently stopped)' : ''}`);
  parts.push(rangeText(v.window));
  if (v.filter) parts.push(`filter ${code(v.filter)}`);
  return parts.join(' · ');
}

function previousLine(v: LogsView): string | undefined {
  if (!v.previous) return undefined;
  const p = v.previous;
  const bits = [
    p.stoppedAt ? `stopped ${formatDuration(v.now - p.stoppedAt)} ago` : 'stopped',
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

export function logsAnswer(view: LogsView): LogsAnswer {
  const v: LogsView = { ...view, events: maskEvents(view.events) };
  const longRange = v.window.end - v.window.start > 20 * 3_600_000;
  const blocks: KnownBlock[] = [];
  const head = [titleLine(v)];
  const prev = previousLine(v);
  if (prev) head.push(prev);
  const ctx: string[] = [];
  const incomplete =
    v.incomplete === 'pages'
      ? ':warning: I stopped after 5 pages of results; the result may be incomplete. Narrow the range or add `--filter`.'
      : v.incomplete === 'time'
        ? ':warning: I stopped after 10 seconds of searching; the result may be incomplete. Narrow the range or add `--filter`.'
        : undefined;

  if (v.events.length === 0) {
    head.push(`:information_source: No log lines${v.filter ? ' match the filter' : ''} in this range.`);
    blocks.push(section(head.join('\n')));
    const hint =
      v.previous || v.taskId
        ? 'Try a longer range with `--since`, e.g. `--since 2h`.'
        : 'Try a longer range (`--since 2h`), or `--previous` for the task that stopped last.';
    ctx.push(hint);
    if (incomplete) ctx.push(incomplete);
    for (const n of v.notes ?? []) ctx.push(n);
    ctx.push(link(v.consoleUrl, 'Open in CloudWatch Logs'));
    blocks.push(context(...ctx));
    return { message: { text: `No log lines for ${v.alias} in ${v.environment} in this range`, blocks } };
  }

  const { blocks: codeBlocks, shown } = packNewest(v.events, longRange);
  const total = v.events.length;
  const needFile = shown < total;
  let countLine = `${plural(total, 'line')}${v.more ? ` (the ${v.oldestFirst ? 'oldest' : 'newest'} ${total}; more exist${v.oldestFirst ? ' after these' : ' before these'}: raise \`--limit\` or narrow \`--since\`)` : ''}`;
  if (needFile)
    countLine += ` · showing the newest ${shown} here, all ${total} ${v.fileInDm ? 'in the file I sent you in a direct message' : 'in the file below'}`;
  head.push(countLine);
  blocks.push(section(head.join('\n')));
  for (const c of codeBlocks) blocks.push(section('```' + c + '```'));
  ctx.push(`Times in UTC · task ids shortened · secrets masked · newest last`);
  if (incomplete) ctx.push(incomplete);
  for (const n of v.notes ?? []) ctx.push(n);
  ctx.push(link(v.consoleUrl, 'Open in CloudWatch Logs'));
  blocks.push(context(...ctx));

  const message: SlackMessage = { text: `${plural(total, 'log line')} of ${v.alias} in ${v.environment}`, blocks };
  if (!needFile) return { message };
  const stamp = new Date(v.window.end).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
  const header = `# ${v.alias} (${v.environment}) container ${v.container}${v.taskId ? ` task ${v.taskId}` : ''} · ${v.logGroup} (${v.region}) · ${new Date(v.window.start).toISOString()} – ${new Date(v.window.end).toISOString()}${v.filter ? ` · filter ${v.filter}` : ''} · secrets masked`;
  return {
    message,
    file: {
      filename: `${v.alias}-${v.environment}-logs-${stamp}.log`,
      title: `Logs of ${v.alias} (${v.environment}), ${rangeText(v.window)}`,
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
  groupSource: string;
  notes: string[];
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
    const userMessage = `Task definition ${code(tdName)} has no container ${code(i.container)}. Its containers: ${names || '(none)'}.`;
    if (i.containerFromFlag)
      throw new BotError('BAD_INPUT', `no container ${i.container} in ${tdName}`, {
        userMessage,
        usage: i.usage,
        hint: 'Pick one with `--container NAME`.',
      });
    throw new BotError('CONFIG', `no container ${i.container} in ${tdName}`, {
      userMessage,
      hint: `Fix \`services.${i.alias}.container\` in chatops.yml, or pick one with \`--container NAME\`.`,
    });
  }
  const notes: string[] = [];
  const cfgSource = `\`services.${i.alias}.logGroup\` in chatops.yml`;
  const lc = def.logConfiguration;
  if (!lc || lc.logDriver !== 'awslogs') {
    if (i.configLogGroup) {
      if (i.taskId)
        notes.push(
          `Container ${code(i.container)} does not use the awslogs driver, so I searched the whole log group rather than one task's stream.`,
        );
      return { logGroup: i.configLogGroup, region: i.envRegion, groupSource: cfgSource, notes };
    }
    if (!lc) {
      throw new BotError('NOT_FOUND', `no log configuration for ${i.container} in ${tdName}`, {
        userMessage: `Container ${code(i.container)} in ${code(tdName)} has no log configuration, so its output is not kept anywhere I can read.`,
        hint: 'Give the container a `logConfiguration` with the `awslogs` driver in its task definition.',
      });
    }
    throw new BotError('NOT_FOUND', `log driver ${lc.logDriver} for ${i.container} in ${tdName}`, {
      userMessage: `Container ${code(i.container)} in ${code(tdName)} sends its logs with the ${code(lc.logDriver ?? '?')} driver, not \`awslogs\`, so I can't tell which CloudWatch log group holds them.`,
      hint: `If they end up in CloudWatch Logs (e.g. through FireLens), set \`services.${i.alias}.logGroup\` in chatops.yml to that log group.`,
    });
  }
  const opts = lc.options ?? {};
  const group = i.configLogGroup ?? opts['awslogs-group'];
  if (!group) {
    throw new BotError('CONFIG', `no awslogs-group for ${i.container} in ${tdName}`, {
      userMessage: `Container ${code(i.container)} in ${code(tdName)} uses awslogs without an \`awslogs-group\` option.`,
      hint: `Set \`services.${i.alias}.logGroup\` in chatops.yml.`,
    });
  }
  const region = opts['awslogs-region'] || i.envRegion;
  const prefix = opts['awslogs-stream-prefix'];
  let streamPrefix: string | undefined;
  if (prefix) streamPrefix = `${prefix}/${i.container}/${i.taskId ?? ''}`;
  else if (i.taskId)
    notes.push(
      `Container ${code(i.container)} has no \`awslogs-stream-prefix\`, so streams do not carry task ids: I searched the whole log group.`,
    );
  const groupSource = i.configLogGroup ? cfgSource : `the \`awslogs-group\` option of container ${code(i.container)} in ${code(tdName)}`;
  return { logGroup: group, region, streamPrefix, groupSource, notes };
}
