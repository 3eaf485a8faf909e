/**
 * The approval workflow's Lua scripts: loaded with ioredis `defineCommand` (EVALSHA with EVAL
 * fallback) once per client, each prefixed with the shared helpers in lua/includes/common.lua.
 * Every script answers `{code, request, extra, audit}` (see the include's header); `runScript`
 * turns that into a typed `ScriptReply`. The `.lua` files travel in the bundle as text (esbuild's
 * text loader; a jest transform in tests).
 */
import type { RedisClient as Redis } from '../redis/client';
import common from './lua/includes/common.lua';
import abort from './lua/abort-4.lua';
import approve from './lua/approve-4.lua';
import cancel from './lua/cancel-3.lua';
import create from './lua/create-6.lua';
import expire from './lua/expire-3.lua';
import finish from './lua/finish-4.lua';
import freeze from './lua/freeze-2.lua';
import lock from './lua/lock-2.lua';
import record from './lua/record-2.lua';
import reject from './lua/reject-3.lua';
import setfield from './lua/setfield-1.lua';
import start from './lua/start-4.lua';
import unfreeze from './lua/unfreeze-2.lua';
import unlock from './lua/unlock-2.lua';

export interface ScriptDef {
  /** ioredis command name; versioned so a changed script never collides with an old definition. */
  name: string;
  numberOfKeys: number;
  lua: string;
}

const def = (name: string, numberOfKeys: number, body: string): ScriptDef => ({
  name: `chatops_${name}_v1`,
  numberOfKeys,
  lua: `${common}\n${body}`,
});

export const SCRIPTS = {
  create: def('create', 6, create),
  approve: def('approve', 4, approve),
  reject: def('reject', 3, reject),
  cancel: def('cancel', 3, cancel),
  expire: def('expire', 3, expire),
  abort: def('abort', 4, abort),
  start: def('start', 4, start),
  finish: def('finish', 4, finish),
  record: def('record', 2, record),
  setfield: def('setfield', 1, setfield),
  lock: def('lock', 2, lock),
  unlock: def('unlock', 2, unlock),
  freeze: def('freeze', 2, freeze),
  unfreeze: def('unfreeze', 2, unfreeze),
} as const;

/** One audit entry as XRANGE returns it: stream id and its fields. */
export interface RawAuditEntry {
  streamId: string;
  fields: Record<string, string>;
}

export interface ScriptReply {
  code: string;
  /** The request hash after the script (empty when there is none). */
  request: Record<string, string>;
  extra: Record<string, string>;
  audit: RawAuditEntry[];
}

export function pairsToRecord(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** `[id, [f, v, …]]` (XRANGE / our scripts) → RawAuditEntry. */
export function toRawAuditEntry(raw: unknown): RawAuditEntry | undefined {
  if (!Array.isArray(raw) || raw.length < 2) return undefined;
  return { streamId: String(raw[0]), fields: pairsToRecord(raw[1]) };
}

export function parseReply(raw: unknown): ScriptReply {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') throw new Error(`unexpected script reply: ${JSON.stringify(raw)?.slice(0, 200)}`);
  const audit = Array.isArray(raw[3]) ? raw[3].map(toRawAuditEntry).filter((e): e is RawAuditEntry => e !== undefined) : [];
  return { code: raw[0], request: pairsToRecord(raw[1]), extra: pairsToRecord(raw[2]), audit };
}

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;
const defined = new WeakMap<Redis, Set<string>>();

/** Run one script on `redis` (defining it on first use for this client). */
export async function runScript(
  redis: Redis,
  script: ScriptDef,
  keyList: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<ScriptReply> {
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
  return parseReply(await fn.call(redis, ...keyList, ...args));
}
