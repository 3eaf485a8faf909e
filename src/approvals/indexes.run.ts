/**
 * The ticks' work on the approval indexes that only a change of chatops.yml calls for (./indexes.ts):
 * reading the indexes of the services no longer configured (and forgetting those with none left),
 * and the sweep of the keyspace per configuration, in time-bounded slices. Loaded with `await import` by ./indexes.ts
 * only when needed, so it is not in the Slack function's bundle.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { currentBudget } from '../aws/budget';
import { keys } from '../redis/keys';
import { releaseLock, tryLock, type HeldLock } from '../redis/locks';
import { luaScript, runScript } from '../redis/scripts';
import { pipelineBySlot } from '../redis/slots';
import type { Runtime } from '../runtime';
import { flatEntries, INDEX_NAMES, member, REGISTRY_TTL_MS, serviceIndex, type IndexEntry, type IndexName, type Svc } from './indexes';
import sweepSaveLua from './lua/sweep-save-3.lua';

const SWEEP_SAVE = luaScript('index_sweep_save', 3, sweepSaveLua);

/**
 * One slice of a sweep reads SCAN pages for at most this long (then the next tick carries on from
 * where it stopped): well inside a tick's budget (50 s, src/hooks/events.ts) and the scheduled
 * function's timeout (120 s, serverless.yml), so the tick that sweeps still does its own work.
 */
export const SWEEP_SLICE_MS = 10_000;
/** A slice also leaves this much of the tick's budget (when it has one) to the tick's own work. */
const SWEEP_BUDGET_LEFT_MS = 20_000;
/** Where a sweep stopped is kept this long after its last slice (keys.indexSweepCursor); one not continued by then starts over. */
export const SWEEP_CURSOR_TTL_MS = 3_600_000;
/**
 * A slice holds the sweep's lease (keys.indexSweepLease) for its time plus this: one SCAN page and the
 * registry's write after the time is up. Under the 45 s after which this process asks again, and the
 * minute between ticks, so a holder that died delays the sweep by one tick at most.
 */
const SWEEP_LEASE_MARGIN_MS = 30_000;
/** SCAN's COUNT for each page. */
const SWEEP_COUNT = 1000;
const SWEEP_MATCH = 'approvals:{svc:*}:*';
const SWEEP_KEY = /^approvals:\{svc:([^:{}]+):([^:{}]+)\}:(?:pending|approved|running|scheduled|retro)$/;

/**
 * A sweep slice ended the sweep ('done': the configuration is swept), stopped at its time budget
 * ('partial'), or left the sweep to another process ('busy': its slice holds the lease, or took it on
 * after this slice's lease ran out; the next tick carries on).
 */
export type SweepOutcome = 'done' | 'partial' | 'busy';

type Scanner = Pick<Redis, 'scan'>;

/** The primaries to scan (each primary of a cluster, or the one node), in a stable order, each with its address. */
function primaries(rt: Runtime): Array<{ id: string; node: Scanner }> {
  const nodes: Redis[] = 'nodes' in rt.redis ? rt.redis.nodes('master') : [rt.redis];
  return nodes
    .map((node) => ({ id: `${node.options.host ?? ''}:${node.options.port ?? ''}`, node }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A saved cursor, `<primary>|<SCAN cursor>`; undefined when there is none (or it is not one). */
function parseCursor(v: string | null): { node: string; cursor: string } | undefined {
  const bar = v?.lastIndexOf('|') ?? -1;
  if (!v || bar < 0 || !/^\d+$/.test(v.slice(bar + 1))) return undefined;
  return { node: v.slice(0, bar), cursor: v.slice(bar + 1) };
}

/** Runs a pipeline; throws the first command's error (a pipeline's exec does not). */
async function execAll(pipe: ChainableCommander): Promise<void> {
  for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
}

/**
 * One slice of the sweep of configuration `sig`: SCAN every primary (single node, or each primary of a
 * cluster) for service indexes, from where the last slice stopped (keys.indexSweepCursor), for at
 * most SWEEP_SLICE_MS (less when the tick's budget ends sooner; at least one page, so every slice
 * gets on), and register the services found. 'done' when the last primary's scan ended: the
 * configuration is then remembered as swept and the cursor deleted. 'partial' when the slice ran out
 * of time: the cursor is kept for the next tick (an hour; a primary no longer there, after a
 * failover, starts the sweep over). Time is the runtime's clock (rt.now).
 *
 * A slice holds the sweep's lease (keys.indexSweepLease, SET NX with an expiry covering the slice)
 * from before it reads the cursor until it saves it: 'busy', and nothing scanned, when another
 * process's slice holds it. The save is one script that writes only while the lease is still this
 * slice's, and releases it (./lua/sweep-save-3.lua): a slice that outlived its lease ('busy') saves
 * nothing, so the cursor is only ever moved on by the slice that read it last.
 */
export async function sweep(rt: Runtime, sig: string, opts: { sliceMs?: number; count?: number } = {}): Promise<SweepOutcome> {
  const budget = currentBudget();
  const budgetLeft = budget ? budget.deadline - Date.now() - SWEEP_BUDGET_LEFT_MS : Infinity;
  const sliceMs = Math.min(opts.sliceMs ?? SWEEP_SLICE_MS, budgetLeft);
  // One slice at a time across processes (two containers of the scheduled function, a long tick):
  // another's slice scans from the cursor it read, and saves where it stopped; this one would scan
  // the same pages and could write an older cursor over that.
  const lease = await tryLock(rt.redis, keys.indexSweepLease(sig), Math.max(0, sliceMs) + SWEEP_LEASE_MARGIN_MS);
  if (!lease) {
    rt.log.info('approvals: another process is sweeping for indexes of unconfigured services; the next tick carries on', { sig });
    return 'busy';
  }
  try {
    return await slice(rt, sig, lease, sliceMs, opts.count ?? SWEEP_COUNT);
  } catch (err) {
    await releaseLock(rt.redis, lease).catch(() => undefined);
    throw err;
  }
}

async function slice(rt: Runtime, sig: string, lease: HeldLock, sliceMs: number, count: number): Promise<SweepOutcome> {
  const started = rt.now();
  const nodes = primaries(rt);
  const cursorKey = keys.indexSweepCursor(sig);
  const saved = parseCursor(await rt.redis.get(cursorKey));
  let at = saved ? nodes.findIndex((n) => n.id === saved.node) : 0;
  let cursor = saved && at >= 0 ? saved.cursor : '0';
  if (saved && at < 0) {
    rt.log.info('approvals: the sweep for indexes of unconfigured services starts over (the primary it stopped on is gone)', {
      node: saved.node,
    });
    at = 0;
  }
  const found = new Set<string>();
  let pages = 0;
  let stopped = false;
  while (at < nodes.length) {
    if (pages > 0 && rt.now() - started >= sliceMs) {
      stopped = true;
      break;
    }
    const [next, page] = await nodes[at]!.node.scan(cursor, 'MATCH', SWEEP_MATCH, 'COUNT', count);
    pages++;
    for (const k of page) {
      const m = SWEEP_KEY.exec(k);
      if (m) found.add(`${m[1]}.${m[2]}`);
    }
    cursor = next;
    if (cursor === '0') at++;
  }
  // What this slice found is registered before the cursor moves past it (a lost write is scanned again).
  const registry = keys.indexedServices();
  if (found.size)
    await execAll(
      rt.redis
        .pipeline()
        .sadd(registry, ...found)
        .pexpire(registry, REGISTRY_TTL_MS),
    );
  // Saved (and the lease released) only while the lease is still this slice's: one that ran out was
  // taken on by another process from the cursor as it was, and has moved it on since, or will.
  const ours =
    Number(
      await runScript(
        rt.redis,
        SWEEP_SAVE,
        [lease.key, cursorKey, keys.indexSweeps()],
        [lease.token, stopped ? 'stopped' : 'done', stopped ? `${nodes[at]!.id}|${cursor}` : '', SWEEP_CURSOR_TTL_MS, sig, REGISTRY_TTL_MS],
      ),
    ) === 1;
  if (!ours) {
    rt.log.info('approvals: a sweep slice outlived its lease; another process carries the sweep on, so where it stopped is not saved', {
      pages,
      found: found.size,
    });
    return 'busy';
  }
  if (stopped) {
    rt.log.info('approvals: the sweep for indexes of unconfigured services stopped at its time budget; the next tick carries on', {
      pages,
      found: found.size,
    });
    return 'partial';
  }
  return 'done';
}

/**
 * The index `name` of each service no longer configured, and whether it has any index left: one
 * pipeline per slot (its index, and EXISTS on its five); a service with none left is forgotten.
 */
export async function orphanEntries(
  rt: Runtime,
  name: IndexName,
  orphans: Svc[],
  upTo: number | '+inf',
  batch: number,
): Promise<IndexEntry[]> {
  const items = orphans.flatMap((s) => [
    { s, key: serviceIndex(name, s.environment, s.alias), exists: false },
    { s, key: serviceIndex(name, s.environment, s.alias), exists: true },
  ]);
  const res = await pipelineBySlot(
    rt.redis,
    items,
    (i) => i.key,
    (pipe, i) => {
      if (i.exists) pipe.exists(...INDEX_NAMES.map((n) => serviceIndex(n, i.s.environment, i.s.alias)));
      else pipe.zrangebyscore(i.key, '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, batch);
    },
  );
  const out: IndexEntry[] = [];
  const empty: string[] = [];
  items.forEach((i, j) => {
    const [err, val] = res[j] ?? [new Error('no reply'), null];
    if (err) throw err;
    if (!i.exists) out.push(...flatEntries(val, i.key, false, true));
    else if (Number(val) === 0) empty.push(member(i.s));
  });
  if (empty.length) {
    await rt.redis.srem(keys.indexedServices(), ...empty);
    rt.log.info('approvals: forgot services no longer configured whose indexes are empty', { services: empty });
  }
  return out;
}
