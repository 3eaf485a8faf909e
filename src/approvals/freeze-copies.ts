/**
 * The freeze of an environment as each of its services sees it. `freeze:{env:<env>}` is the
 * freeze (its script, its audit entry, what /ecs status shows); its copy `freeze:{svc:<env>:<alias>}`
 * lives in the slot of each configured service of the environment, so the scripts that must refuse
 * while it is frozen (create, approve, start: ./lua) check it inside the transition, atomically and
 * without a separate read of another slot first.
 *
 * The copies follow the freeze: written after the freeze script (also when it answers ALREADY_FROZEN,
 * which repairs copies a failed write left out), deleted after the unfreeze script (also on
 * NOT_FROZEN), and re-synced by the scheduled tick for every environment (a service added to
 * chatops.yml while its environment was frozen, a write lost in a failover). A failed write is an
 * error of the /ecs freeze or unfreeze that made it: the person runs it again.
 */
import { keys } from '../redis/keys';
import { pipelineBySlot } from '../redis/slots';
import { HOLD_TTL_SECONDS } from '../redis/bounds';
import type { RedisClient } from '../redis/client';
import type { Runtime } from '../runtime';

/** The aliases of the services configured in `environment`. */
function aliasesIn(rt: Runtime, environment: string): string[] {
  return Object.entries(rt.config.services)
    .filter(([, s]) => s.environment === environment)
    .map(([alias]) => alias);
}

/** Make every service of `environment` see `freeze` (a freeze hash), or no freeze when undefined. One pipeline per slot, sent together. */
export async function writeFreezeCopies(
  redis: RedisClient,
  environment: string,
  aliases: readonly string[],
  freeze: Record<string, string> | undefined,
): Promise<void> {
  if (!aliases.length) return;
  const fields = freeze && freeze.by ? Object.entries(freeze).flat() : undefined;
  // A copy ends by itself like the freeze it copies (HOLD_TTL_SECONDS); the tick repairs any drift.
  type Op = { alias: string; op: 'set' | 'ttl' | 'del' };
  const ops = aliases.flatMap((alias): Op[] =>
    fields
      ? [
          { alias, op: 'set' as const },
          { alias, op: 'ttl' as const },
        ]
      : [{ alias, op: 'del' as const }],
  );
  const res = await pipelineBySlot(
    redis,
    ops,
    (o) => keys.serviceFreeze(environment, o.alias),
    (pipe, o) => {
      const key = keys.serviceFreeze(environment, o.alias);
      if (o.op === 'set') pipe.hset(key, ...fields!);
      else if (o.op === 'ttl') pipe.pexpire(key, HOLD_TTL_SECONDS * 1000);
      else pipe.del(key);
    },
  );
  const failed = res.find(([err]) => err);
  if (failed) throw failed[0];
}

/** After a freeze or unfreeze script: the copies of every configured service of `environment`. */
export function syncFreezeCopies(rt: Runtime, environment: string, freeze: Record<string, string> | undefined): Promise<void> {
  return writeFreezeCopies(rt.redis, environment, aliasesIn(rt, environment), freeze);
}

/**
 * The scheduled re-sync: read each environment's freeze and each service's copy, and rewrite the
 * copies that differ (normally none: one read of every key, no write).
 */
export async function resyncFreezeCopies(rt: Runtime): Promise<number> {
  const items = Object.keys(rt.config.environments).flatMap((environment) => [
    { environment, alias: undefined as string | undefined },
    ...aliasesIn(rt, environment).map((alias) => ({ environment, alias })),
  ]);
  const keyOf = (i: { environment: string; alias?: string }) =>
    i.alias === undefined ? keys.envFreeze(i.environment) : keys.serviceFreeze(i.environment, i.alias);
  const res = await pipelineBySlot(rt.redis, items, keyOf, (pipe, i) => pipe.hgetall(keyOf(i)));
  const freezes = new Map<string, Record<string, string>>();
  items.forEach((i, n) => {
    const [err, val] = res[n]!;
    if (err) throw err;
    if (i.alias === undefined) freezes.set(i.environment, (val ?? {}) as Record<string, string>);
  });
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const stale = new Map<string, string[]>();
  items.forEach((i, n) => {
    if (i.alias === undefined) return;
    const freeze = freezes.get(i.environment) ?? {};
    const copy = (res[n]![1] ?? {}) as Record<string, string>;
    if (!same(freeze, copy)) stale.set(i.environment, [...(stale.get(i.environment) ?? []), i.alias]);
  });
  let fixed = 0;
  for (const [environment, aliases] of stale) {
    const freeze = freezes.get(environment) ?? {};
    await writeFreezeCopies(rt.redis, environment, aliases, freeze.by ? freeze : undefined);
    fixed += aliases.length;
  }
  if (fixed) rt.log.warn('approvals: freeze copies re-synced', { services: fixed });
  return fixed;
}
