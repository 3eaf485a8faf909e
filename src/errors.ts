/**
 * Errors that know how to explain themselves to a person in Slack.
 *
 * Every failure the user can act on is a BotError: `message` is for logs, the text is what Slack
 * shows (mrkdwn, already escaped where it echoes input), `hint` is the one thing to try next, and
 * `usage` the verb's usage when the input was wrong. Text is usually Localized (a catalog entry
 * not yet written in a language, `part.lazy(key, params)`): the reader is known only where the
 * error becomes a reply. `errorReply()` in src/slack/reply.ts is the only place that turns errors
 * into messages, in the reader's language.
 */
import { defineMessages, textIn, type Text } from './i18n/catalog';
import type { Locale } from './i18n/locale';

/** Sentences several leaves share (a bot that cannot start answers with these). */
export const errorText = defineMessages('errors', {
  missingSettings: { en: 'The bot is missing required settings.', ko: '봇에 필요한 설정이 빠져 있습니다.' },
  signingKeyHint: {
    en: 'Use a random value of at least 32 characters (e.g. `openssl rand -hex 32`), or leave JOB_SIGNING_KEY unset.',
    ko: '32자 이상의 무작위 값을 쓰거나(예: `openssl rand -hex 32`), JOB_SIGNING_KEY를 설정하지 마세요.',
  },
});

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
  userMessage: Text;
  hint?: Text;
  usage?: string;
  cause?: unknown;
  /** What the worker may read later to find out what this error could not tell (src/commands/recheck.ts). */
  recheck?: object;
}

export class BotError extends Error {
  readonly code: ErrorCode;
  readonly text: Text;
  readonly hintText?: Text;
  readonly usage?: string;
  readonly recheck?: object;

  constructor(code: ErrorCode, message: string, opts: BotErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BotError';
    this.code = code;
    this.text = opts.userMessage;
    this.hintText = opts.hint;
    this.usage = opts.usage;
    this.recheck = opts.recheck;
  }

  /** What the person reads, in their language. */
  userMessageIn(locale: Locale): string {
    return textIn(this.text, locale);
  }

  /** The hint, in the reader's language. */
  hintIn(locale: Locale): string | undefined {
    return textIn(this.hintText, locale);
  }

  /** The English text (logs, tests). */
  get userMessage(): string {
    return this.userMessageIn('en');
  }

  /** The English hint (logs, tests). */
  get hint(): string | undefined {
    return this.hintIn('en');
  }
}

export function isBotError(err: unknown): err is BotError {
  return err instanceof BotError;
}

/** Shorthand for a bad-input error that carries the verb's usage. */
export function badInput(userMessage: Text, usage?: string, hint?: Text): BotError {
  return new BotError('BAD_INPUT', textIn(userMessage, 'en'), { userMessage, usage, hint });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
