/**
 * CloudWatch Logs of the fake world: log groups of streams of events, answered in the
 * documented shapes. FilterLogEvents (group-wide, by stream prefix or names, time range, simple
 * term patterns, newest first when startFromHead is false), GetLogEvents (one stream, with the
 * forward/backward tokens that equal the given token at the end), DescribeLogStreams.
 * Errors as CloudWatch Logs words them: ResourceNotFoundException for a missing group or stream,
 * InvalidParameterException for a stream prefix together with stream names.
 */
import type { FilteredLogEvent, LogStream, OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { AwsFault } from '../fault';
import type { AwsCall, AwsHandler } from '../server';
import { context, type WorldContext, type WorldOptions } from './common';

interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

interface Group {
  name: string;
  createdAt: number;
  streams: Map<string, { createdAt: number; events: StoredEvent[] }>;
}

export interface LogLine {
  message: string;
  /** Default: the world's now. */
  timestamp?: number;
}

let eventSeq = 0;

/** Term patterns: every bare or "quoted" term must occur, `-term` must not, `?a ?b` any of. Other syntax matches everything. */
export function matchesPattern(pattern: string | undefined, message: string): boolean {
  if (!pattern || !pattern.trim()) return true;
  if (/^\s*[{[]/.test(pattern)) return true;
  const terms = pattern.match(/-?\?"[^"]*"|-?\?\S+|-?"[^"]*"|-?\S+/g) ?? [];
  const strip = (t: string) => t.replace(/^-?\??/, '').replace(/^"(.*)"$/, '$1');
  const any = terms.filter((t) => t.startsWith('?'));
  const must = terms.filter((t) => !t.startsWith('?') && !t.startsWith('-'));
  const not = terms.filter((t) => t.startsWith('-') && t.length > 1);
  if (must.some((t) => !message.includes(strip(t)))) return false;
  if (not.some((t) => message.includes(strip(t)))) return false;
  if (any.length && !any.some((t) => message.includes(strip(t)))) return false;
  return true;
}

export class LogsWorld {
  private readonly ctx: WorldContext;
  private readonly groups = new Map<string, Group>();

  constructor(o: WorldOptions) {
    this.ctx = context(o);
  }

  groupArn(name: string): string {
    return `arn:aws:logs:${this.ctx.region}:${this.ctx.account}:log-group:${name}`;
  }

  createGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, { name, createdAt: this.ctx.now(), streams: new Map() });
  }

  deleteGroup(name: string): void {
    this.groups.delete(name);
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** Appends lines to a stream (the group and stream are created when missing). */
  put(group: string, stream: string, lines: ReadonlyArray<LogLine | string>): void {
    this.createGroup(group);
    const g = this.groups.get(group)!;
    let s = g.streams.get(stream);
    if (!s) {
      s = { createdAt: this.ctx.now(), events: [] };
      g.streams.set(stream, s);
    }
    const now = this.ctx.now();
    for (const line of lines) {
      const l = typeof line === 'string' ? { message: line } : line;
      // Without a time, a line comes after everything already in the stream (even lines written "now").
      const last = s.events[s.events.length - 1]?.timestamp ?? 0;
      s.events.push({
        timestamp: l.timestamp ?? Math.max(now, last),
        message: l.message,
        ingestionTime: now,
        eventId: String(++eventSeq).padStart(20, '0'),
      });
    }
    // Stable: lines with the same time keep the order they were written in.
    s.events.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Every line of a stream, oldest first. */
  lines(group: string, stream: string): string[] {
    return (this.groups.get(group)?.streams.get(stream)?.events ?? []).map((e) => e.message);
  }

  private group(call: AwsCall): Group {
    const id = (call.input.logGroupName ?? call.input.logGroupIdentifier) as string | undefined;
    if (!id) throw new AwsFault('InvalidParameterException', 'Either logGroupName or logGroupIdentifier is required.');
    const name = id.startsWith('arn:') ? id.replace(/^arn:[^:]+:logs:[^:]*:\d*:log-group:/, '').replace(/:\*$/, '') : id;
    const g = this.groups.get(name);
    if (!g) throw new AwsFault('ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  }

  handlers(): Record<string, AwsHandler> {
    return {
      FilterLogEvents: (call) => {
        const g = this.group(call);
        const { logStreamNames, logStreamNamePrefix, startTime, endTime, filterPattern, nextToken } = call.input as {
          logStreamNames?: string[];
          logStreamNamePrefix?: string;
          startTime?: number;
          endTime?: number;
          filterPattern?: string;
          nextToken?: string;
        };
        if (logStreamNames?.length && logStreamNamePrefix) {
          throw new AwsFault('InvalidParameterException', 'logStreamNames and logStreamNamePrefix cannot both be specified.');
        }
        const limit = Math.min(10_000, Number(call.input.limit) || 10_000);
        const newestFirst = call.input.startFromHead === false;
        const all: FilteredLogEvent[] = [];
        for (const [name, s] of g.streams) {
          if (logStreamNames?.length && !logStreamNames.includes(name)) continue;
          if (logStreamNamePrefix && !name.startsWith(logStreamNamePrefix)) continue;
          for (const e of s.events) {
            if (startTime !== undefined && e.timestamp < startTime) continue;
            if (endTime !== undefined && e.timestamp > endTime) continue;
            if (!matchesPattern(filterPattern, e.message)) continue;
            all.push({
              logStreamName: name,
              timestamp: e.timestamp,
              message: e.message,
              ingestionTime: e.ingestionTime,
              eventId: e.eventId,
            });
          }
        }
        all.sort((a, b) => (newestFirst ? b.timestamp! - a.timestamp! : a.timestamp! - b.timestamp!));
        const start = nextToken && /^\d+$/.test(nextToken) ? Number(nextToken) : 0;
        const events = all.slice(start, start + limit);
        const next = start + limit < all.length ? String(start + limit) : undefined;
        return { events, searchedLogStreams: [], ...(next ? { nextToken: next } : {}) };
      },
      GetLogEvents: (call) => {
        const g = this.group(call);
        const streamName = call.input.logStreamName as string | undefined;
        const s = streamName ? g.streams.get(streamName) : undefined;
        if (!s) throw new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.');
        const { startTime, endTime, nextToken } = call.input as { startTime?: number; endTime?: number; nextToken?: string };
        const limit = Math.min(10_000, Number(call.input.limit) || 10_000);
        const inRange = s.events.filter(
          (e) => (startTime === undefined || e.timestamp >= startTime) && (endTime === undefined || e.timestamp < endTime),
        );
        // Tokens are positions: f/<end> reads forward from <end>, b/<start> reads back from <start>.
        let from: number;
        let to: number;
        const m = /^([fb])\/(\d+)$/.exec(nextToken ?? '');
        if (m) {
          const at = Number(m[2]);
          if (m[1] === 'f') [from, to] = [at, Math.min(inRange.length, at + limit)];
          else [from, to] = [Math.max(0, at - limit), at];
        } else if (call.input.startFromHead === true) {
          [from, to] = [0, Math.min(inRange.length, limit)];
        } else {
          [from, to] = [Math.max(0, inRange.length - limit), inRange.length];
        }
        const events: OutputLogEvent[] = inRange
          .slice(from, to)
          .map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
        // At the end of the stream the token in the answer is the one that was passed in.
        const forward = m && m[1] === 'f' && to === Number(m[2]) ? nextToken! : `f/${to}`;
        const backward = m && m[1] === 'b' && from === Number(m[2]) ? nextToken! : `b/${from}`;
        return { events, nextForwardToken: forward, nextBackwardToken: backward };
      },
      DescribeLogStreams: (call) => {
        const g = this.group(call);
        const prefix = call.input.logStreamNamePrefix as string | undefined;
        const streams: LogStream[] = [...g.streams]
          .filter(([name]) => !prefix || name.startsWith(prefix))
          .map(([name, s]) => ({
            logStreamName: name,
            creationTime: s.createdAt,
            firstEventTimestamp: s.events[0]?.timestamp,
            lastEventTimestamp: s.events[s.events.length - 1]?.timestamp,
            lastIngestionTime: s.events[s.events.length - 1]?.ingestionTime,
            arn: `${this.groupArn(g.name)}:log-stream:${name}`,
          }));
        if (call.input.orderBy === 'LastEventTime') streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
        if (call.input.descending === true) streams.reverse();
        const limit = Math.min(50, Number(call.input.limit) || 50);
        return { logStreams: streams.slice(0, limit) };
      },
    };
  }
}
