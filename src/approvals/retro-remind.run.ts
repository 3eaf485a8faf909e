/**
 * The reminder tick's scheduling of a break-glass change's next reminder (src/approvals/gates.ts
 * `remindRetro`), loaded by the scheduled function only.
 */
import type { Runtime } from '../runtime';
import { luaScript, runScript } from '../redis/scripts';
import type { IndexEntry } from './indexes';
import remindNextLua from './lua/remind-next-1.lua';

const REMIND_NEXT = luaScript('retro_remind_next', 1, remindNextLua);

/**
 * Moves `entry` (read from its service's retro index) to `next`, unless a transition moved it since
 * it was read. True when moved.
 */
export async function scheduleNextReminder(rt: Runtime, entry: IndexEntry, next: number): Promise<boolean> {
  return Number(await runScript(rt.redis, REMIND_NEXT, [entry.key], [entry.id, entry.score, next])) === 1;
}
