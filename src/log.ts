/**
 * Structured JSON logging: one line per event, so CloudWatch Logs Insights can query it.
 * The audit trail also writes here (see src/approvals/audit.ts): the log is the record of last resort.
 */
type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(line + '\n');

/** Replace where log lines go (tests capture them). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}

const secrets = new Set<string>();

/**
 * Values that must never reach a log line (the bot token, the signing secret, the Redis
 * password): replaced by `[secret]` wherever they occur, also JSON- or URL-encoded. A last line
 * of defence; the code logs no such value on purpose (test/e2e/no-secret-logged.test.ts).
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6) return;
  for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) secrets.add(form);
}

/** The password of `scheme://user:password@host` in a log line. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"]*):[^\s/@"]+@/gi;

export function scrubLogLine(line: string): string {
  let out = line;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[secret]');
  // Every line pays this: the pattern can only match where a URL scheme is.
  return out.includes('://') ? out.replace(URL_PASSWORD, '$1:[secret]@') : out;
}

function serializeError(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.cause ? { cause: serializeError(value.cause) } : {}) };
  }
  return value;
}

/**
 * A logger is an object with its fields, its methods on the prototype: `child()` runs for every
 * request (each command's logger names its invocation), so it allocates one object, not a set of
 * closures (the bundles keep function names, which costs a property definition per closure).
 */
class JsonLogger implements Logger {
  constructor(
    private readonly base: Record<string, unknown>,
    private readonly level: LogLevel,
    private readonly min: number,
  ) {}

  private write(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (order[lvl] < this.min) return;
    const entry: Record<string, unknown> = { level: lvl, time: new Date().toISOString(), msg, ...this.base };
    if (fields) for (const k in fields) if (Object.hasOwn(fields, k)) entry[k] = serializeError(fields[k]);
    sink(scrubLogLine(JSON.stringify(entry)));
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.write('error', msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger({ ...this.base, ...fields }, this.level, this.min);
  }
}

export function createLogger(base: Record<string, unknown> = {}, level: LogLevel = (process.env.LOG_LEVEL as LogLevel) || 'info'): Logger {
  return new JsonLogger(base, level, order[level] ?? order.info);
}

export const log = createLogger({ app: 'ecs-chatops' });
