/**
 * Admitting a slash command before its ack, in one Lua script (one round trip): its invocation id
 * is claimed once (a Slack retry or a duplicate delivery is dropped), then it is counted against a
 * per-person rate limit (issue 10, item 13): one person sending a flood of commands gets a clear
 * refusal instead of every one being handed to the worker. A fixed one-minute window per person
 * (`rate:{user:<id>}`); the claim (`rate:{user:<id>}:seen:<id>`) shares its tag. A refused command
 * is not counted, a duplicate neither. Without Redis: read-only verbs go on unclaimed and unlimited
 * (a duplicate answer is harmless); anything that changes state is refused.
 */
import { BotError } from '../errors';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import { keys } from '../redis/keys';
import { withStore } from '../redis/client';
import { luaScript, runScript } from '../redis/scripts';
import type { Runtime } from '../runtime';
import { noBudget, RESERVE, type ClickBudget } from '../slack/click-budget';
import type { Invocation } from '../slack/invocation';
import type { VerbKind } from '../commands/types';
import admitLua from './lua/admit-3.lua';

const ADMIT = luaScript('command_admit', 3, admitLua);
export const RATE_WINDOW_MS = 60_000;
/** Seconds a handled command id is remembered (Slack retries within minutes; re-deliveries within 30 min). */
export const SEEN_TTL_SECONDS = 3600;

const text = defineMessages('edge-rate', {
  tooMany: {
    en: '*Slow down:* you have sent {limit} commands in the last minute, the most one person may. Try again in {wait}.',
    ko: '*잠시 기다려 주세요:* 최근 1분 동안 한 사람이 보낼 수 있는 최대 {limit}개의 명령을 보냈습니다. {wait} 후에 다시 시도하세요.',
  },
  hint: {
    en: 'The commands you already sent keep running; their answers come here.',
    ko: '이미 보낸 명령은 계속 실행되며, 결과는 여기에 표시됩니다.',
  },
});

/** The admit script's own bound: the edge's Redis command timeout (src/redis/client.ts). */
export const ADMIT_OWN_MS = 1_000;

/** What admitting a command found: whether it is new, and the person's language. */
export interface Admission {
  /** False for a duplicate (already handled). */
  fresh: boolean;
  /** The person's language from their cached Slack locale (the workspace's when none is cached); undefined when Redis did not answer. */
  locale?: Locale;
}

/**
 * Claim `inv` and count it for its person, reading their cached Slack locale in the same script:
 * `fresh` false for a duplicate; throws the refusal (in the person's language when it is cached)
 * past `limits.commandsPerUserPerMinute`, and STORE_UNAVAILABLE for a change without Redis.
 *
 * `budget` (the typed command's or the click's): the script waits min(its own 1 s, what is left
 * minus the hand-off and the answer), never under one healthy round trip (RESERVE.transition). A
 * reply it stopped waiting for counts as Redis not answering (a read goes on unclaimed, a change is
 * refused: nothing was handed off). The script may still have run; that only claimed this one
 * invocation id and counted it once, which a refused command can afford.
 */
export async function admitCommand(rt: Runtime, inv: Invocation, kind: VerbKind, budget: ClickBudget = noBudget()): Promise<Admission> {
  const limit = rt.config.limits.commandsPerUserPerMinute;
  let reply: unknown;
  try {
    reply = await withStore(async () => {
      const run = () =>
        runScript(
          rt.redis,
          ADMIT,
          [keys.commandRate(inv.userId), keys.seen(inv.userId, inv.id), keys.userLocale(inv.userId)],
          [limit, RATE_WINDOW_MS, SEEN_TTL_SECONDS],
        );
      const res = await budget.optional('admit', ADMIT_OWN_MS, RESERVE.handOff + RESERVE.answer, run, RESERVE.transition);
      if (!res.done) throw new Error(`the admit script did not answer within the command's budget (${res.why})`);
      return res.value;
    });
  } catch (err) {
    if (kind !== 'read') throw err;
    rt.log.warn('redis unavailable; read-only command runs without duplicate check or rate limit', { err });
    return { fresh: true };
  }
  const [verdict, value, cached] = reply as [number, number, string | null | undefined];
  const locale = rt.people.fromCache(inv.userId, typeof cached === 'string' ? cached : undefined);
  if (Number(verdict) !== 0) return { fresh: Number(verdict) !== 2, locale };
  const t = text.in(locale);
  throw new BotError('REFUSED', `rate limit: ${inv.userId} sent ${limit} commands within a minute`, {
    userMessage: t('tooMany', { limit, wait: formatDuration(Math.max(1_000, Number(value)), locale) }),
    hint: t('hint'),
  });
}
