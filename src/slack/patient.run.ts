/**
 * The worker's ('patient') Slack Web API client (src/slack/gateway.ts loads it lazily: the Slack
 * function's calls are all within the ack and use the single-attempt client).
 */
import { WebClient } from '@slack/web-api';
import type { Logger } from '../log';
import { slackClientOptions } from './gateway';

/** The longest one 'patient' call waits out Slack's 429s (their Retry-Afters together). */
export const RATE_LIMIT_WAIT_CAP_MS = 30_000;
/** What must be left of the work's time after such a wait (the call itself, what follows it). */
const RATE_LIMIT_MARGIN_MS = 5_000;

/**
 * What one Retry-After holds back: Slack's limits are per method and workspace, except
 * chat.postMessage's, which is per channel (about one message a second each).
 */
export function rateLimitScope(method: string, options?: Record<string, unknown>): string {
  const channel = options?.channel;
  return method === 'chat.postMessage' && typeof channel === 'string' ? `${method} ${channel}` : method;
}

/**
 * The 'patient' client: a 429 is waited out (then the call is made again) only while the waits stay
 * within RATE_LIMIT_WAIT_CAP_MS and end RATE_LIMIT_MARGIN_MS before `deadline()` (when the current
 * work must end, epoch ms); otherwise the call fails at once with the SDK's rate-limited
 * error (retryable: a job or an event retried later, "try again in a minute" to a person), logged.
 *
 * A Retry-After holds back the other calls of this process in the same scope (rateLimitScope) too:
 * a call made while one is paused waits for the pause to end first (within the same cap and
 * deadline; one that cannot wait that long is made at once and meets Slack's answer), rather than
 * each concurrent call knocking on a limited method and getting its own 429.
 */
export function patientClient(token: string, env: NodeJS.ProcessEnv, log: Logger, deadline?: () => number): WebClient {
  /** Until when (epoch ms) each scope is paused by a Retry-After Slack gave a call of this client. */
  const pausedUntil = new Map<string, number>();
  const fits = (waited: number, ms: number) =>
    waited + ms <= RATE_LIMIT_WAIT_CAP_MS && Date.now() + ms + RATE_LIMIT_MARGIN_MS <= (deadline?.() ?? Infinity);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return new (class extends WebClient {
    override async apiCall(method: string, options?: Record<string, unknown>) {
      const scope = rateLimitScope(method, options);
      for (let waited = 0; ;) {
        const paused = (pausedUntil.get(scope) ?? 0) - Date.now();
        if (paused > 0 && fits(waited, paused)) {
          waited += paused;
          await sleep(paused);
        }
        try {
          return await super.apiCall(method, options);
        } catch (err) {
          const after = (err as { retryAfter?: unknown }).retryAfter;
          if (typeof after !== 'number') throw err;
          const ms = Math.max(1, after) * 1000;
          const now = Date.now();
          for (const [k, t] of pausedUntil) if (t <= now) pausedUntil.delete(k); // (one entry per channel at most)
          pausedUntil.set(scope, Math.max(now + ms, pausedUntil.get(scope) ?? 0));
          if (!fits(waited, ms)) {
            log.warn('slack 429 not waited out: too long for this work', { method, retryAfterSec: after });
            throw err;
          }
          log.info('slack 429: waiting out Retry-After; calls in the same scope wait with it', { method, scope, retryAfterSec: after });
          waited += ms;
          await sleep(ms);
        }
      }
    }
  })(token, slackClientOptions(env));
}
