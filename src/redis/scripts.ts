/**
 * The one Lua script runner (approvals and alerts). A script is a `<name>-<numKeys>.lua` file
 * (imported as a string: esbuild's text loader, a jest transform in tests) whose header names its
 * KEYS and ARGV; every key one script touches shares one hash tag `{…}` (Redis Cluster and
 * ElastiCache Serverless). Scripts are defined once per client with ioredis `defineCommand`, which
 * sends EVALSHA and falls back to EVAL when the server does not know the script (after a restart
 * or a failover).
 */
import type { RedisClient } from './client';

export interface LuaScript {
  /** ioredis command name; versioned so a changed script never collides with an old definition. */
  name: string;
  numberOfKeys: number;
  lua: string;
}

/** Every script defined in this process, by ioredis command name. */
const registry = new Map<string, LuaScript>();

/**
 * A script of `numberOfKeys` keys; `prelude` (shared helpers) is prepended to its source. Two
 * different scripts under one name would share one ioredis command (the second would run the
 * first): that throws when the second is defined.
 */
export function luaScript(name: string, numberOfKeys: number, body: string, prelude?: string): LuaScript {
  const script: LuaScript = { name: `chatops_${name}_v1`, numberOfKeys, lua: prelude ? `${prelude}\n${body}` : body };
  const known = registry.get(script.name);
  if (known && (known.lua !== script.lua || known.numberOfKeys !== numberOfKeys))
    throw new Error(`two different Lua scripts named ${name}`);
  registry.set(script.name, script);
  return script;
}

/** The scripts defined so far by the modules loaded (test/integration/redis-slots.test.ts checks each one's call sites). */
export function definedScripts(): readonly LuaScript[] {
  return [...registry.values()];
}

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;
const defined = new WeakMap<RedisClient, Set<string>>();

/** Run one script on `redis` (defining it on first use for this client); the raw reply. */
export async function runScript(
  redis: RedisClient,
  script: LuaScript,
  keyList: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  if (keyList.length !== script.numberOfKeys) throw new Error(`${script.name} takes ${script.numberOfKeys} keys, got ${keyList.length}`);
  let names = defined.get(redis);
  if (!names) {
    names = new Set();
    defined.set(redis, names);
  }
  if (!names.has(script.name)) {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    names.add(script.name);
  }
  // defineCommand adds the method at run time; ioredis cannot type it without a global augmentation.
  const fn = (redis as unknown as Record<string, ScriptFn>)[script.name]!;
  return fn.call(redis, ...keyList, ...args);
}
