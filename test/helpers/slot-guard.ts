/**
 * Hash-slot guard for tests: watches every command an ioredis connection sends (single node, or
 * each node of a cluster) and derives the hash slot of every key it carries (CRC16 of the hash
 * tag, Redis' algorithm; cluster-key-slot, as ioredis uses). It records a violation when
 *   - one command's keys span slots (a Lua script's KEYS, a multi-key command), or
 *   - one pipeline or MULTI/EXEC transaction touches keys of more than one slot,
 * which Redis Cluster would refuse (CROSSSLOT) or ioredis' Cluster would not send. A single node
 * accepts them, so without this guard the single-node suites could not see the difference.
 *
 * test/helpers/slot-guard-setup.ts installs it for every test file (both jest configs) and fails
 * the file on a violation; test/integration/redis-slots.test.ts also records where each Lua script
 * was called from (through the one runner, src/redis/scripts.ts), to prove every script call site in
 * src was exercised.
 */
import { createHash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Redis, type Command } from 'ioredis';

export interface SlotViolation {
  what: 'command' | 'pipeline';
  /** Command names (for a pipeline: all of it so far). */
  commands: string[];
  keys: string[];
  slots: number[];
}

export interface ScriptCall {
  /** Name from the registry given to watchScripts(), else the SHA-1. */
  script: string;
  keys: string[];
  slots: number[];
  /** `src/…/file.ts:line` of every frame in src/ on the way to the script (when captureSites is on). */
  sites: string[];
}

export interface SlotGuard {
  violations: SlotViolation[];
  scriptCalls: ScriptCall[];
  /** Name the scripts (by their Lua source) so calls are recorded under their name (src/redis/scripts.ts definedScripts()). */
  watchScripts(scripts: ReadonlyArray<{ name: string; lua: string }>): void;
  /** Record the src/ call sites of each script call (captures a stack trace per script call). */
  captureSites: boolean;
  reset(): void;
}

type SendCommand = (this: Redis, command: Command, stream?: unknown) => unknown;

const GUARD = Symbol.for('ecs-chatops.slot-guard');

interface Installed {
  guard: SlotGuard;
  original: SendCommand;
}

function keysOf(command: Command): string[] {
  try {
    return command.getKeys().map((k) => (Buffer.isBuffer(k) ? k.toString('utf8') : String(k)));
  } catch {
    return [];
  }
}

function srcSites(stack: string | undefined): string[] {
  const sites: string[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const m = /[/\\](src[/\\][^:()]+\.ts):(\d+)/.exec(line);
    if (m) sites.push(`${m[1]!.replace(/\\/g, '/')}:${m[2]}`);
  }
  return sites;
}

/** Install the guard on ioredis' Redis.prototype (once per module registry); returns it. */
export function installSlotGuard(): SlotGuard {
  const proto = Redis.prototype as unknown as Record<symbol, Installed | undefined> & { sendCommand: SendCommand };
  const existing = proto[GUARD];
  if (existing) return existing.guard;

  const names = new Map<string, string>();
  const pipelines = new WeakMap<object, { commands: string[]; keys: string[]; slots: Set<number>; reported: boolean }>();
  const seen = new WeakSet<Command>();
  const guard: SlotGuard = {
    violations: [],
    scriptCalls: [],
    captureSites: false,
    watchScripts(scripts) {
      for (const { name, lua } of scripts) names.set(createHash('sha1').update(lua).digest('hex'), name);
    },
    reset() {
      guard.violations.length = 0;
      guard.scriptCalls.length = 0;
    },
  };

  const original = proto.sendCommand;
  proto.sendCommand = function (this: Redis, command: Command, stream?: unknown): unknown {
    // A cluster resends a redirected command to another node: look at each command once.
    if (!seen.has(command)) {
      seen.add(command);
      const keys = keysOf(command);
      const slots = [...new Set(keys.map((k) => calculateSlot(k)))];
      if (slots.length > 1) guard.violations.push({ what: 'command', commands: [command.name], keys, slots });
      const name = command.name.toLowerCase();
      if (name === 'evalsha' || name === 'eval') {
        const body = String(command.args[0] ?? '');
        const sha = name === 'eval' ? createHash('sha1').update(body).digest('hex') : body;
        guard.scriptCalls.push({
          script: names.get(sha) ?? sha,
          keys,
          slots,
          sites: guard.captureSites ? srcSites(new Error().stack) : [],
        });
      }
      const s = stream as { isPipeline?: boolean } | undefined;
      if (s?.isPipeline && keys.length) {
        let p = pipelines.get(s);
        if (!p) {
          p = { commands: [], keys: [], slots: new Set(), reported: false };
          pipelines.set(s, p);
        }
        p.commands.push(command.name);
        p.keys.push(...keys);
        for (const slot of slots) p.slots.add(slot);
        if (p.slots.size > 1 && !p.reported) {
          p.reported = true;
          guard.violations.push({ what: 'pipeline', commands: p.commands, keys: p.keys, slots: [...p.slots] });
        }
      }
    }
    return original.call(this, command, stream);
  };
  proto[GUARD] = { guard, original };
  return guard;
}
