/**
 * The sweep for indexes of services no tick registered (src/approvals/indexes.run.ts) is bounded by
 * time, not by pages: a slice scans for at most SWEEP_SLICE_MS, registers what it found, saves where
 * it stopped (keys.indexSweepCursor, with an expiry), and the next tick carries on from there until
 * the keyspace is done. Real Redis; the runtime's clock steps a few seconds at each reading, so "a
 * slow keyspace" is deterministic (no timed assertion).
 */
import { approveRequest, lapseDue } from '../../src/approvals/clicks';
import { SWEEP_CURSOR_TTL_MS, SWEEP_SLICE_MS, sweep } from '../../src/approvals/indexes.run';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import type { Runtime } from '../../src/runtime';
import { allKeys } from '../helpers/redis';
import { fixtureGroups } from '../helpers/config';
import { storeHarness, submitInput, useStoreHarness, type StoreHarness } from './approvals-runtime';

const h = useStoreHarness(() => ({ groups: fixtureGroups() }));
beforeEach(() => {
  h.slack.setUserGroup('SLEADS', ['ULEAD1']);
});

/** Keys that are not service indexes, so the keyspace takes many SCAN pages. */
async function fill(n: number): Promise<void> {
  const pipe = h.rt.redis.pipeline();
  for (let i = 0; i < n; i++) pipe.set(`filler:{f}:${i}`, '1', 'EX', 600);
  await pipe.exec();
}

/** A runtime whose clock moves `stepMs` at every reading (each SCAN page "takes" that long), with `config`. */
function steppingRuntime(stepMs: number, config = h.rt.config): Runtime & { clock: { t: number } } {
  const clock = { t: h.clock.now() };
  return {
    ...h.rt,
    config,
    clock,
    now: () => (clock.t += stepMs),
  };
}

const registered = async () => (await h.rt.redis.smembers(keys.indexedServices())).sort();

describe('one slice of the sweep', () => {
  it('stops at its time budget, saves where it stopped (with an expiry), and the next slice carries on until the keyspace is done', async () => {
    await fill(3000);
    const gone = [
      [keys.pendingIndex('prod', 'gone-a'), 'prod.gone-a'],
      [keys.approvedIndex('qa', 'gone-b'), 'qa.gone-b'],
      [keys.retroIndex('prod', 'gone-c'), 'prod.gone-c'],
    ] as const;
    for (const [key] of gone) await h.rt.redis.zadd(key, 1, 'r1');
    // A full scan at COUNT 100 takes this many pages (on every primary of a cluster).
    let fullPages = 0;
    const nodes = 'nodes' in h.rt.redis ? h.rt.redis.nodes('master') : [h.rt.redis];
    for (const node of nodes) {
      let c = '0';
      do {
        [c] = await node.scan(c, 'MATCH', 'approvals:{svc:*}:*', 'COUNT', 100);
        fullPages++;
      } while (c !== '0');
    }
    expect(fullPages).toBeGreaterThan(10);

    // Each page "takes" 3 s: a slice reads 4 pages (0, 3, 6, 9 s) and stops before the one at 12 s.
    const rt = steppingRuntime(3_000);
    expect(SWEEP_SLICE_MS).toBe(10_000);
    const sig = 'sig-slices';
    expect(await sweep(rt, sig, { count: 100 })).toBe('partial');
    const saved = await h.rt.redis.get(keys.indexSweepCursor(sig));
    expect(saved).toMatch(/^[^|]*:\d+\|\d+$/);
    const ttl = await h.rt.redis.pttl(keys.indexSweepCursor(sig));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(SWEEP_CURSOR_TTL_MS);
    expect(await h.rt.redis.sismember(keys.indexSweeps(), sig)).toBe(0);
    expect(h.logs.some((l) => String(l.msg).includes('stopped at its time budget; the next tick carries on'))).toBe(true);

    // Carried on, not started over: done in about fullPages / 4 slices (a sweep that started over would never end).
    let slices = 1;
    let outcome: string = 'partial';
    while (outcome === 'partial' && slices < fullPages) {
      outcome = await sweep(rt, sig, { count: 100 });
      slices++;
    }
    expect(outcome).toBe('done');
    expect(slices).toBeGreaterThan(1);
    expect(slices).toBeLessThanOrEqual(Math.ceil(fullPages / 4) + 1);
    expect(await registered()).toEqual(expect.arrayContaining(gone.map(([, m]) => m)));
    expect(await h.rt.redis.exists(keys.indexSweepCursor(sig))).toBe(0);
    expect(await h.rt.redis.sismember(keys.indexSweeps(), sig)).toBe(1);
  });

  it('a saved cursor of a primary no longer there (a failover) starts the sweep over instead of using it', async () => {
    await h.rt.redis.zadd(keys.pendingIndex('prod', 'gone-a'), 1, 'r1');
    await h.rt.redis.set(keys.indexSweepCursor('sig-over'), '10.0.0.9:6379|12345', 'PX', 60_000);
    expect(await sweep(steppingRuntime(1), 'sig-over')).toBe('done');
    expect(await registered()).toContain('prod.gone-a');
    expect(h.logs.some((l) => String(l.msg).includes('starts over (the primary it stopped on is gone)'))).toBe(true);
  });
});

describe('the ticks: a sweep that does not fit one tick is carried on by the next', () => {
  it('the first tick sweeps for its slice and stops; the same minute does not sweep again; the next ticks finish it and handle the request', async () => {
    const req = await submitRequest(h.rt, submitInput());
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    // No tick ran with the configuration that named prod/web; the keyspace is big.
    expect(await h.rt.redis.exists(keys.indexedServices())).toBe(0);
    await fill(8000);
    const { web: _gone, ...services } = h.rt.config.services;
    const rt = steppingRuntime(3_000, { ...h.rt.config, services });
    const cursorKeys = () => allKeys(h.rt.redis, 'approvals:{index}:sweep:*');

    await lapseDue(rt);
    const [cursorKey] = await cursorKeys();
    expect(cursorKey).toBeDefined();
    const stoppedAt = await h.rt.redis.get(cursorKey!);
    expect(stoppedAt).toMatch(/\|\d+$/);
    expect(await h.rt.redis.scard(keys.indexSweeps())).toBe(0);

    // A second tick of the same minute does not sweep again (the slice's time is the tick's).
    await lapseDue(rt);
    expect(await h.rt.redis.get(cursorKey!)).toBe(stoppedAt);

    // The next minutes' ticks carry on from there until it is done, and the request is handled
    // (whichever slice found its index: SCAN's order is the hash table's).
    let ticks = 1;
    while ((await h.rt.redis.scard(keys.indexSweeps())) === 0 && ticks < 20) {
      rt.clock.t += 60_000;
      await lapseDue(rt);
      ticks++;
    }
    // Carried on by later ticks (how many depends on how many pages SCAN needs: COUNT is a hint), and
    // never started over (a sweep that started over would not end within 20 ticks).
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThan(20);
    expect(await cursorKeys()).toEqual([]);
    rt.clock.t += 60_000;
    await lapseDue(rt);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'failed' });
    // Its indexes are empty: forgotten.
    expect(await registered()).not.toContain('prod.web');
  });
});

describe('two processes sweeping at once (two containers of the scheduled function, or a tick that ran long)', () => {
  /** A second process: its own Redis connection and runtime (same database), its clock stepping like the first's. */
  let other: StoreHarness;
  beforeEach(async () => {
    other = await storeHarness({ flush: false, groups: fixtureGroups() });
  });
  afterEach(async () => {
    await other.close();
  });

  /**
   * Every SCAN page a runtime reads (the primary and the cursor it was read from); `before` runs ahead of each page.
   * Connected first: a cluster client lists its primaries only once it has read the slot table.
   */
  async function recordScans(rt: Runtime, pages: string[], before?: (n: number) => Promise<void>): Promise<void> {
    await rt.redis.ping();
    const nodes = 'nodes' in rt.redis ? rt.redis.nodes('master') : [rt.redis];
    for (const node of nodes) {
      const scan = node.scan.bind(node) as (...args: unknown[]) => Promise<[string, string[]]>;
      jest.spyOn(node, 'scan').mockImplementation((async (...args: unknown[]) => {
        pages.push(`${node.options.host}:${node.options.port}|${String(args[0])}`);
        await before?.(pages.length);
        return scan(...args);
      }) as unknown as typeof node.scan);
    }
  }

  it('one slice at a time: no page is scanned twice, the other process skips quietly, and the sweep still finishes', async () => {
    await fill(3000);
    await h.rt.redis.zadd(keys.pendingIndex('prod', 'gone-a'), 1, 'r1');
    await h.rt.redis.zadd(keys.retroIndex('qa', 'gone-b'), 1, 'r1');
    const a = steppingRuntime(3_000);
    const b = { ...other.rt, now: a.now };
    const pages: string[] = [];
    await recordScans(a, pages);
    await recordScans(b, pages);
    const sig = 'sig-two';
    const outcomes: string[][] = [];
    while (!outcomes.some((o) => o.includes('done')) && outcomes.length < 60) {
      // Both start a slice at the same moment, from the same saved cursor (each reads it as its first step).
      outcomes.push(await Promise.all([sweep(a, sig, { count: 100 }), sweep(b, sig, { count: 100 })]));
    }
    expect(outcomes.at(-1)).toContain('done');
    expect(pages.length).toBeGreaterThan(4);
    expect(pages.filter((p, i) => pages.indexOf(p) !== i)).toEqual([]);
    // Never both skipping; and the other process found a slice running (when both start within one
    // round trip, every time; one whose slice ended before the other asked leaves it a slice of its own).
    expect(outcomes.filter((o) => o.every((x) => x === 'busy'))).toEqual([]);
    expect(outcomes.filter((o) => o.includes('busy')).length).toBeGreaterThan(0);
    expect(await registered()).toEqual(expect.arrayContaining(['prod.gone-a', 'qa.gone-b']));
    expect(await h.rt.redis.exists(keys.indexSweepCursor(sig), keys.indexSweepLease(sig))).toBe(0);
    expect(await h.rt.redis.sismember(keys.indexSweeps(), sig)).toBe(1);
    const skipped = [...h.logs, ...other.logs].filter((l) => String(l.msg).includes('another process is sweeping'));
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((l) => l.level === 'info')).toBe(true);
  });

  it('a slice that outlived its lease does not write its cursor over the one saved by the process that took the sweep on', async () => {
    await fill(3000);
    const sig = 'sig-stale';
    const a = steppingRuntime(3_000);
    const b = { ...other.rt, now: steppingRuntime(3_000).now };
    const seenByB: string[] = [];
    await recordScans(b, seenByB);
    const aPages: string[] = [];
    // While the first process is on its first page, its lease runs out (deleted here, as its expiry would),
    // and the second process sweeps two slices, each saving where it stopped.
    let bSaved: string | null = null;
    await recordScans(a, aPages, async (n) => {
      if (n !== 1) return;
      await h.rt.redis.del(keys.indexSweepLease(sig));
      expect(await sweep(b, sig, { count: 100 })).toBe('partial');
      expect(await sweep(b, sig, { count: 100 })).toBe('partial');
      bSaved = await h.rt.redis.get(keys.indexSweepCursor(sig));
    });
    const outcome = await sweep(a, sig, { count: 100 });
    expect(bSaved).toMatch(/\|\d+$/);
    // The first process's four pages are behind the second one's eight: its cursor is not saved.
    expect(aPages).toHaveLength(4);
    expect(seenByB).toHaveLength(8);
    expect(await h.rt.redis.get(keys.indexSweepCursor(sig))).toBe(bSaved);
    expect(outcome).toBe('busy');
    expect([...h.logs, ...other.logs].some((l) => String(l.msg).includes('outlived its lease'))).toBe(true);
  });
});
