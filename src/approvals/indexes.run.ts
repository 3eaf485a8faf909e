/**
 * The ticks' work on the approval indexes that only a change of chatops.yml calls for (./indexes.ts):
 * reading the indexes of the services no longer configured (and forgetting those with none left),
 * and the one sweep of the keyspace per configuration. Loaded with `await import` by ./indexes.ts
 * only when needed, so it is not in the Slack function's bundle.
 */
import { keys } from '../redis/keys';
import { pipelineBySlot } from '../redis/slots';
import type { Runtime } from '../runtime';
import { flatEntries, INDEX_NAMES, member, REGISTRY_TTL_MS, serviceIndex, type IndexEntry, type IndexName, type Svc } from './indexes';

/** The SCAN pages one sweep reads at most (COUNT 1000 each: about a million keys). */
const SWEEP_MAX_SCANS = 1000;
const SWEEP_MATCH = 'approvals:{svc:*}:*';
const SWEEP_KEY = /^approvals:\{svc:([^:{}]+):([^:{}]+)\}:(?:pending|approved|running|scheduled|retro)$/;

/**
 * Register every service that has an approval index, wherever it is (single node, or each primary of
 * a cluster), then remember that configuration `sig` was swept. False when the keyspace was too big
 * to finish within SWEEP_MAX_SCANS pages (the next process to see the configuration tries again).
 */
export async function sweep(rt: Runtime, sig: string): Promise<boolean> {
  const found = new Set<string>();
  const nodes = 'nodes' in rt.redis ? rt.redis.nodes('master') : [rt.redis];
  let scans = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      if (++scans > SWEEP_MAX_SCANS) {
        rt.log.warn('approvals: the sweep for indexes of unconfigured services did not finish', { scans });
        return false;
      }
      const [next, page] = await node.scan(cursor, 'MATCH', SWEEP_MATCH, 'COUNT', 1000);
      cursor = next;
      for (const k of page) {
        const m = SWEEP_KEY.exec(k);
        if (m) found.add(`${m[1]}.${m[2]}`);
      }
    } while (cursor !== '0');
  }
  const registry = keys.indexedServices();
  const pipe = rt.redis.pipeline();
  if (found.size) pipe.sadd(registry, ...found).pexpire(registry, REGISTRY_TTL_MS);
  await pipe.sadd(keys.indexSweeps(), sig).pexpire(keys.indexSweeps(), REGISTRY_TTL_MS).exec();
  return true;
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
