/**
 * The follow-up of a change whose answer was lost. When a person's change (a request's approve,
 * reject, cancel or approval after the fact, a mute, an unmute, an "I'm on it", a lock, lock!,
 * unlock, freeze or unfreeze, a request created by a command: a scheduled or a break-glass change)
 * was sent to Redis and not answered in time, the answer says it cannot tell whether it went through
 * (src/redis/client.ts). The Slack function (the worker, for a request it creates) then hands the
 * worker a `recheck` job: what to read (the error's `recheck`), who and where they
 * acted. The worker reads it once Redis answers again and tells them in one line what happened
 * (./recheck.run.ts); the answer they got at once says it will. Only this hand-off is in the Slack
 * bundle: the deciding and its texts are the worker's.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { BotError } from '../errors';
import { registerJobKind } from '../hooks/jobs';
import { registerTick } from '../hooks/events';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import type { Recheck } from '../redis/client';
import type { Runtime } from '../runtime';
import { dispatchWithin, type ClickBudget } from '../slack/click-budget';

const M = defineMessages('commands.recheck', {
  willTell: { en: "I'll tell you here once I can check.", ko: '확인되면 여기서 알려 드리겠습니다.' },
});

/** Where the person acted: the answer goes to `responseUrl`, else ephemeral in `channelId`. */
export type RecheckPlace = {
  userId: string;
  locale: Locale;
  responseUrl?: string;
  channelId?: string;
};

/** The job; the worker part checks every field (./recheck.run.ts), so the Slack bundle keeps only its envelope. */
export type RecheckJob = RecheckPlace & {
  kind: 'recheck';
  id: string;
  check: Recheck;
  /** When the change was sent (the Slack function's clock): the follow-up's deadline counts from it. */
  at: number;
  /** Run in the process that dispatched it (the worker's own): a failure is not tried again by Lambda. */
  noRetry?: true;
};

const recheckEnvelope = lazySchema(() => z.object({ kind: z.literal('recheck'), id: z.string() }).passthrough());

export function registerRecheck(): void {
  registerJobKind('recheck', {
    schema: recheckEnvelope,
    // Claimed by the worker part once Redis answers (the claim is a Redis write too).
    once: false,
    handle: async (job: unknown, rt) => (await import('./recheck.run')).recheck(job, rt),
    // Lambda gave up on it: the tick tells the person once that it could not be checked.
    lost: async (job: unknown, rt) => (await import('./recheck.run')).recheckLost(job, rt),
  });
  // A claimed follow-up its worker never told (it died or timed out): told once by the tick.
  registerTick('recheck-lapsed', async (rt) => (await import('./recheck.run')).lapsedTick(rt));
}

/**
 * The error as the person reads it: a "can't tell whether this went through" whose follow-up was
 * handed to the worker (within what `budget` has left) also says they will be told; any other error,
 * or one whose hand-off failed, as it is.
 */
export async function withFollowUp(rt: Runtime, err: unknown, place: RecheckPlace, budget: ClickBudget): Promise<unknown> {
  if (!(err instanceof BotError) || !err.recheck) return err;
  const job: RecheckJob = {
    kind: 'recheck',
    id: `recheck-${randomBytes(8).toString('hex')}`,
    check: err.recheck as Recheck,
    at: rt.now(),
    ...place,
    ...(rt.dispatcher.idle && { noRetry: true }),
  };
  try {
    await dispatchWithin(rt.dispatcher, job, budget);
  } catch (e) {
    rt.log.warn('recheck: not handed off', { err: e });
    return err;
  }
  return new BotError(err.code, err.message, {
    userMessage: (l) => `${err.userMessageIn(l)} ${M.in(l)('willTell')}`,
    hint: err.hintText,
  });
}
