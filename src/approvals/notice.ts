/**
 * Notices posted while Slack waits for the ack (a lock, a take-over and its direct message, a
 * freeze, an acknowledged automatic lock, a mute) are not lost when Slack does not take them in
 * time. The first attempt is one short keyed post (PostOptions.key); when it did not certainly land
 * (refused, rate-limited, an error, no answer), the worker is handed a `notice` job with the same
 * key, and posts it with the look-then-post of ./keyed-post.ts (./notice.run.ts): a first attempt
 * that landed without an answer is found, one that never landed is posted once. The follow-up of a
 * change whose Redis answer was lost (src/commands/recheck.run.ts) posts its notice through the
 * same worker part with the same key, so the two never say it twice. Only the hand-off is in the
 * Slack bundle.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { registerJobKind } from '../hooks/jobs';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { RESERVE } from '../slack/click-budget';
import { mayHaveLanded } from '../slack/failures';
import { slackErrorCodeOf } from '../slack/gateway';

/** The job; the worker part checks every field (./notice.run.ts). */
export type NoticeJob = {
  kind: 'notice';
  id: string;
  channel: string;
  key: string;
  msg: SlackMessage;
  /** When the first attempt got no answer (real time, ms): it may have landed; the worker looks for it after the grace. */
  triedAt?: number;
};

/**
 * A note in a request's thread the worker writes (not within the ack): the job names the request and
 * the note, and the worker reads the request and posts it once, keyed `<request id>:<note>`
 * (./notice.run.ts). `rejected`: its requester is told who rejected it and why (./rejected.run.ts).
 */
export type RequestNoteJob = { kind: 'notice'; id: string; request: string; note: 'rejected' };

/**
 * The key of a lock / freeze notice (or its direct message): what was done, by whom, to which lock
 * or freeze (the one set, or the one removed: its holder and `since`, its audit entry's time).
 */
export const guardKey = (
  action: string,
  environment: string,
  service: string | undefined,
  user: string,
  guard: { by: string; since: number },
): string => `${action}:${environment}:${service ?? ''}:${user}:${guard.by}:${guard.since}`;

/** The key of a mute (unmute) notice: the mute set (lifted), by whom and until when. */
export const muteKey = (op: 'mute' | 'unmute', environment: string, service: string, by: string, until: number): string =>
  `${op}:${environment}:${service}:${by}:${until}`;

/** Slack's error answers that are its own trouble (a retry may pass); any other code is refused again. */
const PASSING: ReadonlySet<string> = new Set(['fatal_error', 'internal_error', 'ratelimited', 'service_unavailable', 'request_timeout']);

const envelope = lazySchema(() => z.object({ kind: z.literal('notice'), id: z.string() }).passthrough());

/** The worker part (not in dist/slack.js). */
const run = () => import('./notice.run');

export function registerNotice(): void {
  registerJobKind('notice', {
    schema: envelope,
    // Said once by its key (every attempt looks for it first), not by a claim: a retried invocation posts it still.
    once: false,
    handle: async (job: unknown, rt) => (await run()).runNotice(job, rt),
    // Lambda gave up on it: the scheduled function still posts it, once (or drops it, logged, past an hour).
    lost: async (job: unknown, rt) => (await run()).noticeLost(job, rt),
  });
}

/**
 * Post `msg` in `channel` keyed `key` within the ack; when it did not certainly land (refused,
 * rate-limited, Slack's own error, no answer), hand it to the worker; any other error Slack answers
 * (not in the channel, the token, the message) it would answer again. Returns undefined when it was
 * posted or handed off, else the post's error (a failed hand-off is logged; the ack is not held up).
 */
export async function postNotice(rt: Runtime, channel: string, msg: SlackMessage, key: string): Promise<unknown> {
  try {
    await rt.slack.post(channel, msg, { withinAck: true, key });
    return undefined;
  } catch (err) {
    // Slack will refuse it again (the bot is not in the channel, the token, the message): said to the person instead.
    const code = slackErrorCodeOf(err);
    if (code && !PASSING.has(code)) return err;
    const job: NoticeJob = {
      kind: 'notice',
      id: `notice:${key}`,
      channel,
      key,
      msg,
      ...(mayHaveLanded(err) ? { triedAt: Date.now() } : {}),
    };
    try {
      await rt.dispatcher.dispatch(job, { withinMs: RESERVE.handOff });
      rt.log.warn('notice not posted in time; handed to the worker', { channel, key, err });
      return undefined;
    } catch (e) {
      rt.log.warn('notice not posted, nor handed to the worker', { channel, key, err, handOff: e });
      return err;
    }
  }
}
