/**
 * A per-person rate limit on commands (issue 10, item 13): one person sending a flood of commands
 * gets a clear refusal instead of every one being handed to the worker. A fixed one-minute window
 * per person (`rate:{user:<id>}`, one Lua script: one round trip on the ack path); a refused
 * command is not counted, and a Slack retry never reaches here (it is dropped as a duplicate
 * first). Without Redis the limit does not apply: changes are refused anyway, reads go on.
 */
import { BotError } from '../errors';
import { defineMessages, formatDuration } from '../i18n';
import { keys } from '../redis/keys';
import { luaScript, runScript } from '../redis/scripts';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import rateLua from './lua/rate-1.lua';

const RATE = luaScript('command_rate', 1, rateLua);
export const RATE_WINDOW_MS = 60_000;

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

/** Count one command of `inv`'s person, or refuse it past `limits.commandsPerUserPerMinute`. */
export async function ensureWithinRate(rt: Runtime, inv: Invocation): Promise<void> {
  const limit = rt.config.limits.commandsPerUserPerMinute;
  let reply: unknown;
  try {
    reply = await runScript(rt.redis, RATE, [keys.commandRate(inv.userId)], [limit, RATE_WINDOW_MS]);
  } catch (err) {
    rt.log.warn('command rate unreadable; not limited', { err });
    return;
  }
  const [allowed, value] = (reply as number[]).map(Number) as [number, number];
  if (allowed === 1) return;
  const locale = rt.config.slack.language;
  const t = text.in(locale);
  throw new BotError('REFUSED', `rate limit: ${inv.userId} sent ${limit} commands within a minute`, {
    userMessage: t('tooMany', { limit, wait: formatDuration(Math.max(1_000, value), locale) }),
    hint: t('hint'),
  });
}
