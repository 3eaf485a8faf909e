/**
 * Settings of the release gates the approval workflow needs when it creates and renders a request
 * (no I/O; ./gates.ts has the scheduler and the break-glass reminders).
 */
import type { Runtime } from '../runtime';
import type { Locale } from '../i18n';

/** A scheduled start may begin at most this late (a missed tick, a late approval); after that it fails. */
export const SCHEDULED_START_GRACE_MS = 30 * 60_000;
/** How far ahead `--at` may schedule a change. */
export const MAX_SCHEDULE_AHEAD_MS = 14 * 24 * 3600_000;
const DEFAULT_REMIND_MS = 3600_000;
const DEFAULT_RETRO_DEADLINE_MS = 7 * 24 * 3600_000;

export function retroSettings(rt: Runtime, env: string): { remindEvery: number; deadline: number; auditChannel?: string } {
  const bg = rt.config.environments[env]?.gates.breakGlass;
  return {
    remindEvery: bg?.remindEvery ?? DEFAULT_REMIND_MS,
    deadline: bg?.retroDeadline ?? DEFAULT_RETRO_DEADLINE_MS,
    ...(bg?.auditChannel ? { auditChannel: bg.auditChannel } : {}),
  };
}

/** Request-message options for the gate lines (the workspace language, break-glass reminders). */
export function gateMessageOptions(rt: Runtime, env: string): { locale: Locale; retro: { remindEvery: number; deadline: number } } {
  const s = retroSettings(rt, env);
  return { locale: rt.config.slack.language, retro: { remindEvery: s.remindEvery, deadline: s.deadline } };
}

/** Where a break-glass request's first reminder goes (the retro index score). */
export function firstReminderAt(rt: Runtime, env: string, now: number): number {
  return now + retroSettings(rt, env).remindEvery;
}

/** How long a request's hash must live at least (beyond its approval expiry): until its scheduled start, or the end of the reminders. */
export function gateLifetime(rt: Runtime, env: string, now: number, o: { startAt?: number; breakGlass?: string }): number {
  let until = now;
  if (o.startAt !== undefined) until = Math.max(until, o.startAt + SCHEDULED_START_GRACE_MS);
  if (o.breakGlass !== undefined) until = Math.max(until, now + retroSettings(rt, env).deadline);
  return until - now;
}
