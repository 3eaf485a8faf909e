/**
 * The approval indexes as the ticks read them. Each service has its own (keys.pendingIndex …
 * `approvals:{svc:<env>:<alias>}:…`, in the request's slot), written by the transition scripts
 * atomically with the request (lua/includes/common.lua reindex). The global indexes of before
 * (`approvals:{index}:…`, keys.legacy…) are no longer written but still read, until they are empty:
 * a tick handles their members like the others and removes each one it handled or found stale
 * (`dropEntry`), so they drain as the requests indexed there end.
 *
 * Which services: every service configured now, and every service of the registry
 * (keys.indexedServices, `<env>.<alias>` members). A service removed, renamed or moved in chatops.yml
 * may still have requests in its indexes (pending, approved, running, scheduled, break-glass): they
 * must still expire, lapse, be settled or be reminded, so the ticks keep reading the indexes of a
 * registered service that is no longer configured (an "orphan") until all five are empty, and then
 * forget it. The registry is the ticks' own: they add the configured services (when this process
 * has not written them for its configuration in the last hour; nothing on the transitions' path), in
 * the same pipeline as the legacy index read, so a tick with no orphan is still one round trip; an
 * orphan costs one more (its indexes), and forgetting it one more.
 *
 * What the ticks cannot have registered (a service configured, given a request and removed again
 * before any tick of a process with that configuration ran; a service removed before the registry
 * existed) is found by a sweep: the first tick that sees a configuration (its services' signature not
 * in keys.indexSweeps, checked in the same pipeline) scans the keyspace once for service indexes
 * (SCAN MATCH, every primary of a cluster) and registers what it finds. The sweep is bounded by
 * time, not pages: a slice scans for at most SWEEP_SLICE_MS (./indexes.run.ts; a tick's budget is
 * 50 s, the scheduled function's timeout 120 s), registers what it found, and saves where it stopped
 * (keys.indexSweepCursor, an hour); the tick a minute later carries on from there (in this process or
 * another), until the last primary's scan ends and the configuration is remembered as swept. A failed
 * slice is tried again at the next tick.
 *
 * A tick reads its indexes with one pipeline per hash slot, all sent at once (src/redis/slots.ts), so a
 * single node answers in one round trip.
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { Config } from '../config/schema';
import { isConfigured } from '../config/load';
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
  /** Its service is no longer configured in its environment (removed, renamed or moved in chatops.yml). */
  orphan: boolean;
}

const SERVICE_INDEX: Record<IndexName, (env: string, alias: string) => string> = {
  pending: keys.pendingIndex,
  approved: keys.approvedIndex,
  running: keys.runningIndex,
  scheduled: keys.scheduledIndex,
  retro: keys.retroIndex,
};
export const INDEX_NAMES = Object.keys(SERVICE_INDEX) as IndexName[];

const LEGACY_INDEX: Record<IndexName, () => string> = {
  pending: keys.legacyPendingIndex,
  approved: keys.legacyApprovedIndex,
  running: keys.legacyRunningIndex,
  scheduled: keys.legacyScheduledIndex,
  retro: keys.legacyRetroIndex,
};

/** The registry expires this long after its last write (src/redis/bounds.ts indexedServices). */
export const REGISTRY_TTL_MS = 30 * 86_400_000;
/** A process writes its configured services again after this (a lost or expired registry is rebuilt). */
const REGISTRY_REFRESH_MS = 3_600_000;
/** When this process last wrote the services of a configuration (each loaded configuration is one object). */
const registered = new WeakMap<Config, number>();

/** The index `name` of one service. */
export function serviceIndex(name: IndexName, environment: string, alias: string): string {
  return SERVICE_INDEX[name](environment, alias);
}

export interface Svc {
  environment: string;
  alias: string;
}

export const member = (s: Svc): string => `${s.environment}.${s.alias}`;
function parseMember(m: string): Svc | undefined {
  const dot = m.indexOf('.');
  return dot > 0 && dot < m.length - 1 ? { environment: m.slice(0, dot), alias: m.slice(dot + 1) } : undefined;
}

type Read =
  | { kind: 'index'; key: string }
  | { kind: 'register'; members: string[] }
  | { kind: 'expire'; key: string }
  | { kind: 'registry' }
  | { kind: 'swept'; sig: string };

/**
 * The sweep of each configuration as this process knows it: done (not asked again), a slice running
 * (one at a time, however many ticks ask), or a slice that stopped at its time budget or found
 * another process's slice running (the sweep is asked about again, and carried on, from `until`: the
 * next minute's tick, not the same one). Across processes, a lease in Redis (keys.indexSweepLease)
 * lets one slice run at a time, and only its holder saves where it stopped (./indexes.run.ts).
 */
type SweepState =
  { state: 'done' } | { state: 'running'; slice: Promise<'done' | 'partial' | 'busy' | 'failed'> } | { state: 'paused'; until: number };
const sweeps = new WeakMap<Config, SweepState>();
/** After a slice stopped at its budget, the sweep is carried on by a tick this much later (ticks come every minute). */
const SWEEP_PAUSE_MS = 45_000;

export function flatEntries(val: unknown, key: string, legacy: boolean, orphan: boolean): IndexEntry[] {
  const flat = (val ?? []) as string[];
  const out: IndexEntry[] = [];
  for (let j = 0; j + 1 < flat.length; j += 2) out.push({ id: flat[j]!, score: Number(flat[j + 1]), key, legacy, orphan });
  return out;
}

/**
 * The members of index `name` with a score up to `upTo` ('+inf': all), lowest score first, at most
 * `batch` in all: from every configured service's index, from the legacy one, and from the index of
 * every registered service no longer configured (up to `orphansUpTo`, default `upTo`: a tick that
 * can end an orphan's requests before their time reads them all). Rejects when Redis fails.
 */
export async function dueEntries(
  rt: Runtime,
  name: IndexName,
  upTo: number | '+inf',
  batch: number,
  opts: { orphansUpTo?: number | '+inf' } = {},
): Promise<IndexEntry[]> {
  const configured: Svc[] = Object.entries(rt.config.services).map(([alias, s]) => ({ environment: s.environment, alias }));
  const legacy = LEGACY_INDEX[name]();
  const registry = keys.indexedServices();
  const now = rt.now();
  const write = (registered.get(rt.config) ?? -Infinity) + REGISTRY_REFRESH_MS <= now;
  const members = configured.map(member).sort();
  const sig = createHash('sha1').update(members.join(',')).digest('hex').slice(0, 16);
  const known = sweeps.get(rt.config);
  const askSweep = !known || (known.state === 'paused' && now >= known.until);
  const reads: Read[] = [
    ...configured.map((s): Read => ({ kind: 'index', key: SERVICE_INDEX[name](s.environment, s.alias) })),
    { kind: 'index', key: legacy },
    ...(write && members.length
      ? ([
          { kind: 'register', members },
          { kind: 'expire', key: registry },
        ] as Read[])
      : []),
    { kind: 'registry' },
    ...(askSweep ? [{ kind: 'swept', sig } as Read] : []),
  ];
  const range = (pipe: ChainableCommander, key: string, to: number | '+inf') =>
    pipe.zrangebyscore(key, '-inf', to, 'WITHSCORES', 'LIMIT', 0, batch);
  const res = await pipelineBySlot(
    rt.redis,
    reads,
    (r) => (r.kind === 'index' ? r.key : registry),
    (pipe, r) => {
      if (r.kind === 'index') range(pipe, r.key, upTo);
      else if (r.kind === 'register') pipe.sadd(registry, ...r.members);
      else if (r.kind === 'expire') pipe.pexpire(registry, REGISTRY_TTL_MS);
      else if (r.kind === 'swept') pipe.sismember(keys.indexSweeps(), r.sig);
      else pipe.smembers(registry);
    },
  );
  const out: IndexEntry[] = [];
  let registeredMembers: string[] = [];
  let swept = true;
  reads.forEach((r, i) => {
    const [err, val] = res[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    if (r.kind === 'index') out.push(...flatEntries(val, r.key, r.key === legacy, false));
    else if (r.kind === 'registry') registeredMembers = (val ?? []) as string[];
    else if (r.kind === 'swept') swept = Number(val) === 1;
  });
  // Swept already (by this process or another): not asked again by this process.
  if (askSweep && swept) sweeps.set(rt.config, { state: 'done' });
  if (write) registered.set(rt.config, now);
  if (!swept) {
    // This configuration's sweep is not done: find the services with indexes that no tick registered (a slice
    // of it, at most SWEEP_SLICE_MS, from where the last one stopped), then read the registry again.
    // A failed slice is tried again by the next tick; one that ran out of time (or found another process's
    // slice running) is carried on by a tick SWEEP_PAUSE_MS later.
    const config = rt.config;
    let current = sweeps.get(config);
    if (current?.state !== 'running') {
      const slice = import('./indexes.run')
        .then(({ sweep }) => sweep(rt, sig))
        .then((outcome) => {
          sweeps.set(config, outcome === 'done' ? { state: 'done' } : { state: 'paused', until: rt.now() + SWEEP_PAUSE_MS });
          return outcome;
        })
        .catch((err: unknown) => {
          rt.log.warn('approvals: the sweep for indexes of unconfigured services failed', { err });
          sweeps.delete(config);
          return 'failed' as const;
        });
      current = { state: 'running', slice };
      sweeps.set(config, current);
    }
    // What a slice found is registered as it goes, so the registry is worth reading again after a partial one too.
    if ((await current.slice) !== 'failed') registeredMembers = await rt.redis.smembers(registry);
  }

  const orphans = registeredMembers.flatMap((m) => {
    const s = parseMember(m);
    return s && !isConfigured(rt.config, s.environment, s.alias) ? [s] : [];
  });
  if (orphans.length) {
    const { orphanEntries } = await import('./indexes.run');
    out.push(...(await orphanEntries(rt, name, orphans, opts.orphansUpTo ?? upTo, batch)));
  }
  return out.sort((a, b) => a.score - b.score).slice(0, batch);
}

/** Remove a member from the index it was read from (handled, stale, or drained from the legacy index). */
export async function dropEntry(rt: Runtime, entry: IndexEntry): Promise<void> {
  await rt.redis.zrem(entry.key, entry.id);
}
