/**
 * The tasks of a service that ECS stopped for running out of memory, as the alerts saw them (an ECS
 * Task State Change the pipeline classified as out of memory, src/aws/task-stop.ts): a sorted set of
 * task ids scored by when they stopped, for 30 days, at most MEMORY_KILLS_MAX. `/ecs rightsize` reads
 * it: CloudWatch's hourly figures miss a spike between samples, and a task killed for memory is the
 * proof of one, so memory is not recommended smaller (src/commands/render/rightsize.ts).
 * Worker-side only (the events function writes, the worker reads).
 */
import type { RedisClient } from '../redis/client';
import { workerKeys } from '../redis/keys.run';
import { MEMORY_KILLS_MAX, MEMORY_KILLS_TTL_SECONDS } from '../redis/bounds';

/** Record one task stopped for running out of memory at `at` (the same task twice counts once); those older than 30 days at `now` are dropped. */
export async function recordMemoryKill(
  redis: RedisClient,
  environment: string,
  alias: string,
  taskId: string,
  at: number,
  now: number,
): Promise<void> {
  const key = workerKeys.memoryKills(environment, alias);
  const ttlMs = MEMORY_KILLS_TTL_SECONDS * 1000;
  await redis
    .multi()
    .zadd(key, at, taskId)
    .zremrangebyscore(key, '-inf', `(${now - ttlMs}`)
    .zremrangebyrank(key, 0, -(MEMORY_KILLS_MAX + 1))
    .pexpire(key, ttlMs)
    .exec();
}

/** How many tasks of the service were stopped for running out of memory between `from` and `to` (epoch ms), and the last one's time. */
export async function memoryKillsBetween(
  redis: RedisClient,
  environment: string,
  alias: string,
  from: number,
  to: number,
): Promise<{ n: number; last?: number }> {
  const key = workerKeys.memoryKills(environment, alias);
  // One read: at most MEMORY_KILLS_MAX members, oldest first, each followed by its score.
  const found = await redis.zrangebyscore(key, from, to, 'WITHSCORES');
  const n = found.length / 2;
  return { n, ...(n ? { last: Number(found[found.length - 1]) } : {}) };
}
