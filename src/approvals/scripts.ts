/**
 * The approval workflow's Lua scripts, each prefixed with the shared helpers in
 * lua/includes/common.lua and run by the one runner (src/redis/scripts.ts). Every script answers
 * `{code, request, extra, audit}` (see the include's header); `runApprovalScript` turns that into a
 * typed `ScriptReply`.
 */
import type { RedisClient } from '../redis/client';
import { luaScript, runScript, type LuaScript } from '../redis/scripts';
import common from './lua/includes/common.lua';
import abort from './lua/abort-9.lua';
import approve from './lua/approve-11.lua';
import cancel from './lua/cancel-8.lua';
import create from './lua/create-12.lua';
import expire from './lua/expire-8.lua';
import finish from './lua/finish-9.lua';
import freeze from './lua/freeze-2.lua';
import lapse from './lua/lapse-9.lua';
import lease from './lua/lease-2.lua';
import lock from './lua/lock-2.lua';
import record from './lua/record-2.lua';
import reject from './lua/reject-8.lua';
import setfield from './lua/setfield-1.lua';
import start from './lua/start-10.lua';
import unfreeze from './lua/unfreeze-2.lua';
import unlock from './lua/unlock-2.lua';
import wake from './lua/wake-9.lua';
import defer from './lua/defer-6.lua';
import retroApprove from './lua/retro-approve-7.lua';
import retroExpire from './lua/retro-expire-7.lua';
import steal from './lua/steal-2.lua';
import autolock from './lua/autolock-2.lua';
import press from './lua/press-2.lua';

const def = (name: string, numberOfKeys: number, body: string): LuaScript => luaScript(name, numberOfKeys, body, common);

export const SCRIPTS = {
  create: def('create', 12, create),
  approve: def('approve', 11, approve),
  reject: def('reject', 8, reject),
  cancel: def('cancel', 8, cancel),
  expire: def('expire', 8, expire),
  abort: def('abort', 9, abort),
  start: def('start', 10, start),
  lapse: def('lapse', 9, lapse),
  lease: def('lease', 2, lease),
  finish: def('finish', 9, finish),
  record: def('record', 2, record),
  setfield: def('setfield', 1, setfield),
  lock: def('lock', 2, lock),
  unlock: def('unlock', 2, unlock),
  freeze: def('freeze', 2, freeze),
  unfreeze: def('unfreeze', 2, unfreeze),
  // release gates
  wake: def('wake', 9, wake),
  defer: def('defer', 6, defer),
  retroApprove: def('retro_approve', 7, retroApprove),
  retroExpire: def('retro_expire', 7, retroExpire),
  steal: def('steal', 2, steal),
  autolock: def('autolock', 2, autolock),
  press: def('press', 2, press),
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

function pairsToRecord(flat: unknown): Record<string, string> {
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

/** Run one approvals script (src/redis/scripts.ts) and read its `{code, request, extra, audit}` reply. */
export async function runApprovalScript(
  redis: RedisClient,
  script: LuaScript,
  keyList: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<ScriptReply> {
  return parseReply(await runScript(redis, script, keyList, args));
}
