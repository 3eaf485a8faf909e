/**
 * Errors that know how to explain themselves to a person in Slack.
 *
 * Every failure the user can act on is a BotError: `message` is for logs,
 * `userMessage` is what Slack shows (mrkdwn, already escaped where it echoes input),
 * `hint` is the one thing to try next, and `usage` the verb's usage when the input was wrong.
 * `errorReply()` in src/slack/reply.ts is the only place that turns errors into messages.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'UNKNOWN_VERB'
  | 'UNKNOWN_SERVICE'
  | 'UNKNOWN_ENVIRONMENT'
  | 'FORBIDDEN'
  | 'CONFIG'
  | 'STORE_UNAVAILABLE'
  | 'AWS'
  | 'AWS_THROTTLED'
  | 'AWS_ACCESS_DENIED'
  | 'AWS_TIMEOUT'
  | 'AWS_UNREACHABLE'
  | 'AWS_CREDENTIALS'
  | 'AWS_UNSUPPORTED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'REFUSED'
  | 'SLACK'
  | 'INTERNAL';

interface BotErrorOptions {
  userMessage: string;
  hint?: string;
  usage?: string;
  cause?: unknown;
}

export class BotError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly hint?: string;
  readonly usage?: string;

  constructor(code: ErrorCode, message: string, opts: BotErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BotError';
    this.code = code;
    this.userMessage = opts.userMessage;
    this.hint = opts.hint;
    this.usage = opts.usage;
  }
}

export function isBotError(err: unknown): err is BotError {
  return err instanceof BotError;
}

/** Shorthand for a bad-input error that carries the verb's usage. */
export function badInput(userMessage: string, usage?: string, hint?: string): BotError {
  return new BotError('BAD_INPUT', userMessage, { userMessage, usage, hint });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
