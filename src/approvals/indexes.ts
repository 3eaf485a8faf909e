/**
 * The approval indexes as the ticks read them. Each service has its own (keys.pendingIndex …
 * `approvals:{svc:<env>:<alias>}:…`, in the request's slot), written by the transition scripts
 * atomically with the request (lua/includes/common.lua reindex). The global indexes of before
 * (`approvals:{index}:…`, keys.legacy…) are no longer written but still read, until they are empty:
 * a tick handles their members like the others and removes each one it handled or found stale
 * (`dropEntry`), so they drain as the requests indexed there end.
 *
 * A tick reads every configured service's index and the legacy one: one pipeline per hash slot, all
 * sent at once (src/redis/slots.ts), so a single node answers in one round trip.
 */
import { keys } from '../redis/keys';
import { pipelineBySlot } from '../redis/slots';
import type { Runtime } from '../runtime';

export type IndexName = 'pending' | 'approved' | 'running' | 'scheduled' | 'retro';

export interface IndexEntry {
  id: string;
  score: number;
  /** The sorted set it was read from. */
  key: string;
  /** Read from the legacy global index (to be removed once handled). */
  legacy: boolean;
}

const SERVICE_INDEX: Record<IndexName, (env: string, alias: string) => string> = {
  pending: keys.pendingIndex,
  approved: keys.approvedIndex,
  running: keys.runningIndex,
  scheduled: keys.scheduledIndex,
  retro: keys.retroIndex,
};

const LEGACY_INDEX: Record<IndexName, () => string> = {
  pending: keys.legacyPendingIndex,
  approved: keys.legacyApprovedIndex,
  running: keys.legacyRunningIndex,
  scheduled: keys.legacyScheduledIndex,
  retro: keys.legacyRetroIndex,
};

/** The index `name` of one service. */
export function serviceIndex(name: IndexName, environment: string, alias: string): string {
  return SERVICE_INDEX[name](environment, alias);
}

/** The index `name` of every configured service, then the legacy global one. */
function indexKeys(rt: Runtime, name: IndexName): string[] {
  const own = Object.entries(rt.config.services).map(([alias, s]) => SERVICE_INDEX[name](s.environment, alias));
  return [...own, LEGACY_INDEX[name]()];
}

/**
 * The members of index `name` with a score up to `upTo` ('+inf': all), lowest score first, at most
 * `batch` in all: from every configured service's index and from the legacy one. Rejects when Redis fails.
 */
export async function dueEntries(rt: Runtime, name: IndexName, upTo: number | '+inf', batch: number): Promise<IndexEntry[]> {
  const list = indexKeys(rt, name);
  const legacy = LEGACY_INDEX[name]();
  const res = await pipelineBySlot(
    rt.redis,
    list,
    (k) => k,
    (pipe, k) => pipe.zrangebyscore(k, '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, batch),
  );
  const out: IndexEntry[] = [];
  list.forEach((key, i) => {
    const [err, val] = res[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    const flat = (val ?? []) as string[];
    for (let j = 0; j + 1 < flat.length; j += 2) out.push({ id: flat[j]!, score: Number(flat[j + 1]), key, legacy: key === legacy });
  });
  return out.sort((a, b) => a.score - b.score).slice(0, batch);
}

/** Remove a member from the index it was read from (handled, stale, or drained from the legacy index). */
export async function dropEntry(rt: Runtime, entry: IndexEntry): Promise<void> {
  await rt.redis.zrem(entry.key, entry.id);
}
