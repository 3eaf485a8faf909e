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
 * The 'patient' client: a 429 is waited out (then the call is made again) only while the waits stay
 * within RATE_LIMIT_WAIT_CAP_MS and end RATE_LIMIT_MARGIN_MS before `deadline()` (when the current
 * work must end, epoch ms); otherwise the call fails at once with the SDK's rate-limited
 * error (retryable: a job or an event retried later, "try again in a minute" to a person), logged.
 */
export function patientClient(token: string, env: NodeJS.ProcessEnv, log: Logger, deadline?: () => number): WebClient {
  return new (class extends WebClient {
    override async apiCall(method: string, options?: Record<string, unknown>) {
      for (let waited = 0; ;) {
        try {
          return await super.apiCall(method, options);
        } catch (err) {
          const after = (err as { retryAfter?: unknown }).retryAfter;
          if (typeof after !== 'number') throw err;
          const ms = Math.max(1, after) * 1000;
          if ((waited += ms) > RATE_LIMIT_WAIT_CAP_MS || Date.now() + ms + RATE_LIMIT_MARGIN_MS > (deadline?.() ?? Infinity)) {
            log.warn('slack 429 not waited out: too long for this work', { method, retryAfterSec: after });
            throw err;
          }
          await new Promise((r) => setTimeout(r, ms));
        }
      }
    }
  })(token, slackClientOptions(env));
}
