/**
 * The worker's ('patient') Slack Web API client (src/slack/gateway.ts loads it lazily: the Slack
 * function's calls are all within the ack and use the single-attempt client).
 */
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../log';
import { POST_KEY_EVENT, slackClientOptions } from './gateway';
import { neverReachedSlack } from './failures';

/** The longest one 'patient' call waits out Slack's 429s (their Retry-Afters together). */
export const RATE_LIMIT_WAIT_CAP_MS = 30_000;
/** What must be left of the work's time after such a wait (the call itself, what follows it). */
const RATE_LIMIT_MARGIN_MS = 5_000;
/**
 * How long a call waits for the shared pause of its scope (SharedPauses.remaining) before it goes
 * on without it: a store that is down or slow delays a Slack call by this much at most.
 */
export const SHARED_PAUSE_READ_MS = 150;
/** A failed or late read of the shared pauses is logged at most this often (an outage is one line a minute, not one per call). */
const SHARED_PAUSE_WARN_EVERY_MS = 60_000;

/**
 * Methods that make something new each time Slack takes them (a message, an ephemeral, a file
 * shared): sent again after a call that got no answer, they may say the same thing twice. The SDK's
 * retry (retryConfig) would re-send them after its timeout, not knowing whether Slack took the
 * first one, so they go through a client without it (`retryConfig: { retries: 0 }`, the documented
 * way to turn it off), and the patient client sends them again only when Slack answered that it
 * did not take them (`resendable`: an HTTP error status) or no connection was made. After a
 * timeout the caller decides (a keyed post looks for itself first: findPosted).
 */
export const NOT_REPEATED: ReadonlySet<string> = new Set([
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.scheduleMessage',
  'files.completeUploadExternal',
]);
/** The waits before each re-send of a NOT_REPEATED call (as the SDK's retryConfig of the patient client: 4 at most, from 300 ms, doubling). */
const RESEND_WAITS_MS = [300, 600, 1_200, 2_400];

/**
 * SLACK_PATIENT_RETRY_SCALE, a number in (0, 1] that scales the patient client's waits between its
 * tries (the SDK's retryConfig, RESEND_WAITS_MS); not set on Lambda (1: as above). For tests whose
 * local Slack is down for a while, so that each call's tries take milliseconds instead of seconds;
 * how many tries are made is the same.
 */
function retryScale(env: NodeJS.ProcessEnv): number {
  const scale = Number(env.SLACK_PATIENT_RETRY_SCALE);
  return Number.isFinite(scale) && scale > 0 && scale < 1 ? scale : 1;
}

/** The waits before each re-send of a NOT_REPEATED call (RESEND_WAITS_MS, scaled as SLACK_PATIENT_RETRY_SCALE says). */
export function resendWaits(env: NodeJS.ProcessEnv): number[] {
  const scale = retryScale(env);
  return RESEND_WAITS_MS.map((ms) => Math.round(ms * scale));
}

/** Whether a NOT_REPEATED call that failed with `err` may be sent again: Slack answered an HTTP error (5xx), or nothing reached Slack. */
export function resendable(err: unknown): boolean {
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (code === 'slack_webapi_http_error') return typeof statusCode === 'number' && statusCode >= 500;
  return code === 'slack_webapi_request_error' && neverReachedSlack(err);
}

/** How long findPosted may take in all (its pages, their retries): a post waits for it at most this long. */
export const FIND_POSTED_WITHIN_MS = 6_000;
/** conversations.replies: a thread is read oldest first, this many messages a page, at most FIND_POSTED_PAGES pages. */
const FIND_POSTED_PAGE = 200;
const FIND_POSTED_PAGES = 3;
/** conversations.history: a post outside a thread is looked for among the channel's newest this many messages. */
const FIND_POSTED_NEWEST = 100;

/**
 * The ts of the post carrying `key` (PostOptions.key, as message metadata) in the thread `threadTs`
 * (conversations.replies) or among the channel's newest messages (conversations.history), asked
 * with include_all_metadata; undefined when it is not there. Bounded: FIND_POSTED_PAGES pages of a
 * thread (a longer thread without it throws: it cannot tell), FIND_POSTED_WITHIN_MS in all (then it
 * throws). Scopes: channels:history (public channels), groups:history (private ones), im:history
 * (a user id: the bot's direct message with them, conversations.open).
 */
export async function findPosted(
  client: WebClient,
  channel: string,
  key: string,
  threadTs?: string,
  withinMs = FIND_POSTED_WITHIN_MS,
): Promise<string | undefined> {
  const look = async (): Promise<string | undefined> => {
    // A post to a user id lands in the bot's direct message with them: read there (im:write, im:history).
    if (/^[UW][A-Z0-9]+$/.test(channel)) {
      const dm = (await client.conversations.open({ users: channel })).channel as { id?: string } | undefined;
      if (!dm?.id) throw new Error('conversations.open returned no channel');
      channel = dm.id;
    }
    let cursor: string | undefined;
    for (let page = 0; page < FIND_POSTED_PAGES; page++) {
      const res = threadTs
        ? await client.conversations.replies({
            channel,
            ts: threadTs,
            include_all_metadata: true,
            limit: FIND_POSTED_PAGE,
            ...(cursor ? { cursor } : {}),
          })
        : await client.conversations.history({ channel, include_all_metadata: true, limit: FIND_POSTED_NEWEST });
      const hit = res.messages?.find((m) => {
        const meta = m.metadata as { event_type?: unknown; event_payload?: { key?: unknown } } | undefined;
        return meta?.event_type === POST_KEY_EVENT && meta.event_payload?.key === key;
      });
      if (hit?.ts) return hit.ts;
      cursor = res.response_metadata?.next_cursor;
      if (!threadTs || !res.has_more || !cursor) return undefined;
    }
    throw new Error(`post ${key} not among the first ${FIND_POSTED_PAGES * FIND_POSTED_PAGE} messages of the thread, which has more`);
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the look for post ${key} took over ${withinMs} ms`)), withinMs);
    timer.unref?.();
  });
  const found = look();
  found.catch(() => undefined); // lost to the timeout: its own failure is of no interest then
  try {
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The 429 pauses of every process (the worker's, the events' and the scheduled function's
 * containers), by scope (rateLimitScope): a Retry-After one of them got holds back the others'
 * calls in that scope too. src/redis/slack-pause.ts keeps them in Redis (each ends on its own).
 */
export interface SharedPauses {
  /** How long `scope` is still paused (ms; 0 when it is not). */
  remaining(scope: string): Promise<number>;
  /**
   * `scope` is paused for `ms` from now (Slack answered 429, Retry-After: `retryAfterSec`), unless a
   * pause recorded before ends later (that one is kept); how long the scope is paused now (ms; 0 when
   * it was not recorded).
   */
  record(scope: string, ms: number, retryAfterSec: number): Promise<number>;
}

/**
 * What one Retry-After holds back: Slack's limits are per method and workspace, except
 * chat.postMessage's, which is per channel (about one message a second each).
 */
export function rateLimitScope(method: string, options?: Record<string, unknown>): string {
  const channel = options?.channel;
  return method === 'chat.postMessage' && typeof channel === 'string' ? `${method} ${channel}` : method;
}

/**
 * Whether a call that has already waited `waitedMs` for 429s may wait `ms` more at `now`: within
 * RATE_LIMIT_WAIT_CAP_MS in all, and ending RATE_LIMIT_MARGIN_MS before `deadline` (epoch ms).
 */
export function waitFits(waitedMs: number, ms: number, now: number, deadline: number): boolean {
  return waitedMs + ms <= RATE_LIMIT_WAIT_CAP_MS && now + ms + RATE_LIMIT_MARGIN_MS <= deadline;
}

/**
 * Whether a call asks the shared pauses before it goes: once per call (`asked`), and only when this
 * process has no pause of its own in the scope (`localPausedMs` > 0 already says how long to hold).
 */
export function asksSharedPause(localPausedMs: number, asked: boolean): boolean {
  return !asked && localPausedMs <= 0;
}

/**
 * The patient client's options: slackClientOptions' 'patient' ones, whose per-call timeout (10 s)
 * SLACK_PATIENT_TIMEOUT_MS replaces when it is set to a positive number of ms, and whose waits
 * between tries SLACK_PATIENT_RETRY_SCALE scales (retryScale). Neither is set on Lambda
 * (serverless.yml names neither): they are for tests whose local Slack answers past the bound or is
 * down, so that they wait a short bound out instead of 10 s, and retry in milliseconds.
 */
export function patientClientOptions(env: NodeJS.ProcessEnv): WebClientOptions {
  const options = slackClientOptions(env);
  const ms = Number(env.SLACK_PATIENT_TIMEOUT_MS);
  if (Number.isFinite(ms) && ms > 0) options.timeout = ms;
  const scale = retryScale(env);
  const retry = options.retryConfig;
  if (scale < 1 && retry) {
    options.retryConfig = {
      ...retry,
      ...(retry.minTimeout !== undefined ? { minTimeout: Math.round(retry.minTimeout * scale) } : {}),
      ...(retry.maxTimeout !== undefined ? { maxTimeout: Math.round(retry.maxTimeout * scale) } : {}),
    };
  }
  return options;
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
 *
 * With `shared` (the worker, events and scheduled functions: Redis), the pause is shared across
 * processes: a 429 is recorded for its scope (not awaited), and a call in a scope this process has
 * no pause of its own for first reads the shared one (one read, SHARED_PAUSE_READ_MS at most; a
 * store that fails or is late counts as no pause) and waits it out the same way, this process's
 * other calls in the scope with it.
 */
export function patientClient(
  token: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  deadline?: () => number,
  shared?: SharedPauses,
): WebClient {
  /** Until when (epoch ms) each scope is paused by a Retry-After Slack gave a call of this client (or of another process). */
  const pausedUntil = new Map<string, number>();
  const fits = (waited: number, ms: number) => waitFits(waited, ms, Date.now(), deadline?.() ?? Infinity);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const pause = (scope: string, ms: number) => {
    const now = Date.now();
    for (const [k, t] of pausedUntil) if (t <= now) pausedUntil.delete(k); // (one entry per channel at most)
    pausedUntil.set(scope, Math.max(now + ms, pausedUntil.get(scope) ?? 0));
  };

  let warnedAt = -Infinity;
  const warn = (msg: string, fields: Record<string, unknown>) => {
    if (Date.now() - warnedAt < SHARED_PAUSE_WARN_EVERY_MS) return;
    warnedAt = Date.now();
    log.warn(msg, fields);
  };
  /** The shared pause of `scope` (ms), 0 when there is none, the store failed, or it did not answer within SHARED_PAUSE_READ_MS. */
  const sharedPause = async (scope: string): Promise<number> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        warn('shared slack pause not read in time; calling Slack', { scope, withinMs: SHARED_PAUSE_READ_MS });
        resolve(0);
      }, SHARED_PAUSE_READ_MS);
      timer.unref?.();
    });
    const read = Promise.resolve()
      .then(() => shared?.remaining(scope) ?? 0)
      .catch((err: unknown) => {
        warn('shared slack pause unreadable; calling Slack', { scope, err });
        return 0;
      });
    try {
      return await Promise.race([read, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const share = (scope: string, ms: number, retryAfterSec: number) => {
    if (!shared) return;
    void Promise.resolve()
      .then(() => shared.record(scope, ms, retryAfterSec))
      // Another process's 429 of the scope ends later: this process's calls wait for that end too.
      .then((left) => left > ms && pause(scope, left))
      .catch((err: unknown) => warn('slack 429 pause not shared', { scope, err }));
  };

  /** The client of the NOT_REPEATED methods: the same options, without the SDK's retry. Built on first use. */
  let once: WebClient | undefined;
  /** A NOT_REPEATED call: sent once, and again (RESEND_WAITS_MS) only when `resendable` and the wait ends within the deadline. */
  const waits = resendWaits(env);
  const sendOnce = async (method: string, options?: Record<string, unknown>) => {
    once ??= new WebClient(token, { ...patientClientOptions(env), retryConfig: { retries: 0 } });
    for (let i = 0; ; i++) {
      try {
        return await once.apiCall(method, options);
      } catch (err) {
        const ms = waits[i];
        if (ms === undefined || !resendable(err) || !fits(0, ms)) throw err;
        log.info('slack did not take the call (HTTP error, or no connection): sending it again', { method, attempt: i + 2 });
        await sleep(ms);
      }
    }
  };

  return new (class extends WebClient {
    override async apiCall(method: string, options?: Record<string, unknown>) {
      const scope = rateLimitScope(method, options);
      for (let waited = 0, asked = false; ;) {
        let paused = (pausedUntil.get(scope) ?? 0) - Date.now();
        if (shared && asksSharedPause(paused, asked)) {
          paused = await sharedPause(scope);
          if (paused > 0) {
            log.info('slack scope paused by a 429 of another process: waiting with it', { method, scope, pausedMs: paused });
            pause(scope, paused);
          }
        }
        asked = true;
        if (paused > 0 && fits(waited, paused)) {
          waited += paused;
          await sleep(paused);
        }
        try {
          return NOT_REPEATED.has(method) ? await sendOnce(method, options) : await super.apiCall(method, options);
        } catch (err) {
          const after = (err as { retryAfter?: unknown }).retryAfter;
          if (typeof after !== 'number') throw err;
          const ms = Math.max(1, after) * 1000;
          pause(scope, ms);
          share(scope, ms, after);
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
  })(token, patientClientOptions(env));
}
