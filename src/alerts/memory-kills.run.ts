/**
 * The tasks of a service that ECS stopped for running out of memory, as the alerts saw them (an ECS
 * Task State Change the pipeline classified as out of memory, src/aws/task-stop.ts): a sorted set of
 * task ids scored by when they stopped, for 30 days, at most MEMORY_KILLS_MAX. `/ecs rightsize` reads
 * it: CloudWatch's hourly figures miss a spike between samples, and a task killed for memory is the
 * proof of one, so memory is not recommended smaller (src/commands/render/rightsize.ts).
 * The worker also records the kills among the stopped tasks ECS still lists (about an hour) when
 * /ecs status, /ecs tasks --stopped or /ecs rightsize read them: with EventBridge not reaching the
 * events function, that is the only record. Worker-side only (the events function and the worker
 * write, the worker reads).
 */
import type { Task } from '@aws-sdk/client-ecs';
import { arnTail } from '../aws/arn';
import { stoppedForMemory } from '../aws/task-stop';
import type { Logger } from '../log';
import type { RedisClient } from '../redis/client';
import { workerKeys } from '../redis/keys.run';
import { MEMORY_KILLS_MAX, MEMORY_KILLS_TTL_SECONDS } from '../redis/bounds';

/** A task stopped for running out of memory: its id and when it stopped (epoch ms). */
export interface MemoryKill {
  taskId: string;
  at: number;
}

/** Record one task stopped for running out of memory at `at` (the same task twice counts once); those older than 30 days at `now` are dropped. */
export async function recordMemoryKill(
  redis: RedisClient,
  environment: string,
  alias: string,
  taskId: string,
  at: number,
  now: number,
): Promise<void> {
  await recordMemoryKills(redis, environment, alias, [{ taskId, at }], now);
}

/** Record tasks stopped for running out of memory, in one round trip (see recordMemoryKill). */
export async function recordMemoryKills(
  redis: RedisClient,
  environment: string,
  alias: string,
  kills: readonly MemoryKill[],
  now: number,
): Promise<void> {
  if (!kills.length) return;
  const key = workerKeys.memoryKills(environment, alias);
  const ttlMs = MEMORY_KILLS_TTL_SECONDS * 1000;
  await redis
    .multi()
    .zadd(key, ...kills.flatMap((k) => [k.at, k.taskId]))
    .zremrangebyscore(key, '-inf', `(${now - ttlMs}`)
    .zremrangebyrank(key, 0, -(MEMORY_KILLS_MAX + 1))
    .pexpire(key, ttlMs)
    .exec();
}

/**
 * The tasks among ECS's `tasks` that it stopped for running out of memory, as the alerts classify a
 * stop (src/aws/task-stop.ts), with when they stopped (stoppedAt, else stoppingAt, else `now`).
 */
export function memoryKillsOf(tasks: readonly Task[], now: number): MemoryKill[] {
  return tasks
    .filter((t) => t.lastStatus === 'STOPPED' && t.taskArn && stoppedForMemory(t))
    .map((t) => ({ taskId: arnTail(t.taskArn), at: Math.min((t.stoppedAt ?? t.stoppingAt)?.getTime() ?? now, now) }));
}

/**
 * Record the kills among the stopped tasks a command read (best-effort: a failure is a warning, the
 * command answers as it would have).
 */
export async function rememberListedMemoryKills(
  redis: RedisClient,
  log: Logger,
  where: { environment: string; alias: string },
  tasks: readonly Task[],
  now: number,
): Promise<void> {
  await recordMemoryKills(redis, where.environment, where.alias, memoryKillsOf(tasks, now), now).catch((err: unknown) =>
    log.warn('could not record the tasks ECS lists as stopped for memory (for /ecs rightsize)', { service: where.alias, err }),
  );
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
