/**
 * Backoff for AWS throttling that outlasts the SDK's own retries (clients.ts: adaptive mode,
 * 5 attempts). ECS's token buckets are shared with the console, CI and every other tool in the
 * account, so a busy minute can exhaust the SDK's attempts; the change verbs then wait a little
 * longer before giving up. Only throttling is retried here: anything else is an answer.
 */
import { BotError } from '../errors';
import { isThrottle } from '../aws/errors';

interface BackoffOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const defaultBackoff: BackoffOptions = {
  attempts: 4,
  baseMs: 250,
  maxMs: 4_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function isThrottled(err: unknown): boolean {
  return isThrottle(err) || (err instanceof BotError && err.code === 'AWS_THROTTLED');
}

/** Run `fn`; on throttling wait (exponential, full jitter) and try again, up to `attempts` times in all. */
export async function withThrottleRetry<T>(fn: () => Promise<T>, opts: Partial<BackoffOptions> = {}): Promise<T> {
  const o = { ...defaultBackoff, ...opts };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottled(err) || attempt >= o.attempts) throw err;
      const cap = Math.min(o.maxMs, o.baseMs * 2 ** (attempt - 1));
      await o.sleep(Math.round(cap / 2 + (o.random() * cap) / 2));
    }
  }
}
