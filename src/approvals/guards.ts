/**
 * Locks and freezes as read by everyone who must show them (refusals, /ecs status).
 * The transitions that set and clear them live with the approval workflow.
 */
import type { RedisClient } from '../redis/client';
import { keys } from '../redis/keys';
import { pipelineBySlot } from '../redis/slots';
import { escapeMrkdwn } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('approvals.guards', {
  changeRunning: { en: 'change running: {id}', ko: '변경 실행 중: {id}' },
});

export interface GuardInfo {
  by: string;
  reason?: string;
  since: number;
  /** manual: /ecs lock (or lock!); change: held while a change to the service runs; rollback: taken automatically after a rollback (gates.autoLock). */
  kind?: 'manual' | 'change' | 'rollback';
  /** For change locks: the request holding it; for rollback locks: the request that rolled back (if the bot's). */
  request?: string;
}

/**
 * Why a lock or freeze is held, in `locale`. A change's lock is written at render time from its
 * request id (its stored reason, "change running: <id>", is English and kept only for records
 * written before this); any other reason is the person's own words, shown as they wrote them.
 */
export function guardReason(g: Pick<GuardInfo, 'kind' | 'request' | 'reason'>, locale: Locale): string | undefined {
  if (g.kind === 'change' && g.request) return M.in(locale)('changeRunning', { id: g.request });
  return g.reason;
}

function toGuard(h: Record<string, string>): GuardInfo | undefined {
  if (!h.by) return undefined;
  // A change its holder runs under a lock by hand holds that lock (held.*, src/approvals/lua/start-10.lua):
  // shown as the lock it is (who, why, since), which refuses everyone else's changes meanwhile.
  if (h.kind === 'change' && h['held.by'])
    return { by: h['held.by'], reason: h['held.reason'] || undefined, since: Number(h['held.since']) || 0, kind: 'manual' };
  return {
    by: h.by,
    reason: h.reason || undefined,
    since: Number(h.since) || 0,
    kind: h.kind === 'change' || h.kind === 'manual' || h.kind === 'rollback' ? h.kind : undefined,
    request: h.request || undefined,
  };
}

export interface Guards {
  frozen?: GuardInfo;
  /** alias → lock */
  locks: Record<string, GuardInfo>;
}

/**
 * The freeze of `env` and the locks of `aliases`: one HGETALL each, one pipeline per hash slot
 * (each service's lock has its own), all sent at once.
 */
export async function readGuards(redis: RedisClient, env: string, aliases: readonly string[]): Promise<Guards> {
  const guardKeys = [keys.envFreeze(env), ...aliases.map((a) => keys.serviceLock(env, a))];
  const res = await pipelineBySlot(
    redis,
    guardKeys,
    (k) => k,
    (pipe, k) => pipe.hgetall(k),
  );
  const [freezeRes, ...lockRes] = res;
  const locks: Record<string, GuardInfo> = {};
  lockRes.forEach(([err, val], i) => {
    if (err) throw err;
    const g = toGuard(val as Record<string, string>);
    if (g) locks[aliases[i]!] = g;
  });
  if (freezeRes?.[0]) throw freezeRes[0];
  return { frozen: toGuard((freezeRes?.[1] ?? {}) as Record<string, string>), locks };
}

/** "locked by <@U1> 12m ago: migrating the DB" (the reason is user input: escaped). */
export function describeGuard(g: GuardInfo, now: number, formatAge: (ms: number) => string): string {
  return `by <@${g.by}> ${formatAge(now - g.since)} ago${g.reason ? `: ${escapeMrkdwn(g.reason)}` : ''}`;
}

/** A lock or freeze hash (HGETALL, or a script's `extra`) as GuardInfo; undefined when empty. */
export function guardFromHash(h: Record<string, string>): GuardInfo | undefined {
  return toGuard(h);
}
