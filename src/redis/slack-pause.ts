/**
 * The worker's Slack client's 429 pauses, shared through Redis by every process that posts to Slack
 * (src/slack/patient.run.ts SharedPauses): one key per scope, written with the pause as its expiry
 * (so it ends on its own) by one script that keeps the later end (slack-pause-1.lua), read as its
 * remaining time (PTTL: no clock of one process compared with another's). Passed to the runtime by
 * the worker, events and scheduled handlers only (never in dist/slack.js).
 */
import { SLACK_PAUSE_MAX_SECONDS } from './bounds';
import type { RedisClient } from './client';
import { keys } from './keys';
import { luaScript, runScript } from './scripts';
import pauseLua from './lua/slack-pause-1.lua';

const recordPause = luaScript('slack_pause', 1, pauseLua);

/** `ms` as a key's expiry: whole milliseconds, at least 1, at most SLACK_PAUSE_MAX_SECONDS. */
export function slackPauseTtlMs(ms: number): number {
  return Math.min(Math.max(1, Math.ceil(ms)), SLACK_PAUSE_MAX_SECONDS * 1000);
}

export function redisSlackPauses(redis: RedisClient): {
  remaining(scope: string): Promise<number>;
  record(scope: string, ms: number, retryAfterSec: number): Promise<number>;
} {
  return {
    async remaining(scope) {
      // The client already knows the server is gone (between reconnect attempts): no pause, without waiting for it.
      if (redis.status === 'reconnecting' || redis.status === 'end') return 0;
      const ms = await redis.pttl(keys.slackPause(scope));
      return ms > 0 ? ms : 0;
    },
    async record(scope, ms, retryAfterSec) {
      // Not queued behind a reconnection either: set late, it would pause the scope past Slack's Retry-After.
      if (redis.status === 'reconnecting' || redis.status === 'end') return 0;
      // The later end wins: a shorter pause recorded after a longer one (two 429s in flight) leaves it as it is.
      return Number(await runScript(redis, recordPause, [keys.slackPause(scope)], [slackPauseTtlMs(ms), String(retryAfterSec)]));
    },
  };
}
