/**
 * Locks with an expiry for work that must not overlap itself (a scheduled tick): SET NX PX with a
 * random token, released only by its holder (a Lua compare-and-delete), so a holder that died
 * leaves a lock that simply expires.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './client';
import releaseLua from './lua/release-1.lua';
import { luaScript, runScript } from './scripts';

const RELEASE = luaScript('lock_release', 1, releaseLua);

export interface HeldLock {
  key: string;
  token: string;
}

/**
 * Take `key` for `ttlMs`; undefined when someone holds it. Redis errors propagate.
 *
 * A refusal is checked against the holder's token: when the answer of the SET was lost (a cut
 * connection, a failover) ioredis sends it again once it reconnects, and the second SET NX finds
 * the lock its first one took. Read back, the lock is ours, not "still held by the previous run"
 * (which skipped the tick until the lock expired).
 */
export async function tryLock(redis: RedisClient, key: string, ttlMs: number): Promise<HeldLock | undefined> {
  const token = randomUUID();
  const ok = await redis.set(key, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
  if (ok === 'OK' || (await redis.get(key)) === token) return { key, token };
  return undefined;
}

/** Release a lock if it is still ours; true when it was. */
export async function releaseLock(redis: RedisClient, lock: HeldLock): Promise<boolean> {
  return Number(await runScript(redis, RELEASE, [lock.key], [lock.token])) === 1;
}
