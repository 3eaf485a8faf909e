/** People's Slack locales, cached in Redis (src/slack/people.ts decides what to cache and for how long). */
import type { RedisClient } from './client';
import { keys } from './keys';

export function redisLocaleCache(redis: RedisClient): {
  get(userId: string): Promise<string | undefined>;
  set(userId: string, slackLocale: string, ttlSeconds: number): Promise<void>;
} {
  return {
    async get(userId) {
      const v = await redis.get(keys.userLocale(userId));
      return v === null ? undefined : v;
    },
    async set(userId, slackLocale, ttlSeconds) {
      await redis.set(keys.userLocale(userId), slackLocale, 'EX', ttlSeconds);
    },
  };
}
