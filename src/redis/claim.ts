/**
 * Claim a field of a hash once (HSETNX) and (re)arm the hash's expiry in the same transaction, so a
 * hash created by the claim never lives without a TTL (src/redis/bounds.ts), even when the process
 * dies right after. One key, so one slot.
 */
import type { RedisClient } from './client';

/** True when this call set `field` (it was not there); the hash expires `ttlSeconds` from now either way. */
export async function claimField(redis: RedisClient, key: string, field: string, value: string, ttlSeconds: number): Promise<boolean> {
  const res = await redis.multi().hsetnx(key, field, value).expire(key, ttlSeconds).exec();
  const [err, claimed] = res?.[0] ?? [new Error('no reply to HSETNX'), 0];
  if (err) throw err;
  return Number(claimed) === 1;
}
