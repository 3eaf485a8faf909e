/**
 * Hash slots. Redis Cluster (and ElastiCache Serverless) serves each key from slot
 * CRC16(hash tag, or the whole key) mod 16384, and a Lua script, a MULTI/EXEC transaction or an
 * ioredis cluster pipeline may only touch keys of one slot (else CROSSSLOT, or ioredis refuses the
 * pipeline). The bot's keys (./keys.ts) put everything one script needs under one tag; reads that
 * gather keys of several slots (the guards of several services, the requests of an index, the
 * bot-deployment marks, the environment history's streams, the approval indexes) go through pipelineBySlot: one pipeline per
 * slot, all sent at once, so a single node still answers in about one round trip.
 */
import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client';

/** The cluster hash slot of a key (Redis' algorithm, as ioredis computes it). */
export function slotOf(key: string): number {
  return calculateSlot(key);
}

/** ioredis' pipeline result: [error, reply] per command. */
type PipelineEntry = [error: Error | null, reply: unknown];

/**
 * Run one command per item, grouped into one pipeline per hash slot of `keyOf(item)` and sent
 * together. The entries come back in the order of `items`. Rejects when a pipeline as a whole
 * fails (connection lost); a single command's error is in its entry.
 */
export async function pipelineBySlot<T>(
  redis: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
  add: (pipe: ChainableCommander, item: T) => void,
): Promise<PipelineEntry[]> {
  const groups = new Map<number, number[]>();
  items.forEach((item, i) => {
    const slot = slotOf(keyOf(item));
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  });
  const out: PipelineEntry[] = new Array(items.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const pipe = redis.pipeline();
      for (const i of indexes) add(pipe, items[i]!);
      const res = (await pipe.exec()) ?? [];
      indexes.forEach((i, j) => {
        out[i] = (res[j] as PipelineEntry | undefined) ?? [new Error('no reply in the pipeline'), null];
      });
    }),
  );
  return out;
}
