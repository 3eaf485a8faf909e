/**
 * The release gates of an environment (`environments.<env>.gates` in chatops.yml), validated with
 * the rest of the configuration (./schema.ts). Every gate is off unless configured:
 *
 *   promotion     an image digest must have completed a healthy deployment in another environment
 *   trafficShift  who may press "Shift production traffic" / "Roll back" on a paused blue/green,
 *                 canary or linear deployment (a PAUSE lifecycle hook)
 *   windows       when changes may run (days and hours in an IANA time zone) and dated blackouts
 *   breakGlass    who may run a change without waiting for approval, and where that is announced
 *   autoLock      lock a service after a rollback until someone acknowledges it
 *   cost          an extra approval above a monthly cost increase
 *
 * chatops.example.yml documents each field.
 */
import * as z from 'zod';
import { channelId, duration, principalId } from './fields';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" (00:00–24:00) → minutes after midnight. */
const clock = z.string().transform((s, ctx) => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a time of day; write e.g. "09:30" or "18:00"` });
    return z.NEVER;
  }
  return minutes;
});

/** A date ("2026-12-24") or a local date and time ("2026-12-24T18:00") in the windows' time zone. */
const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/, 'write a date like "2026-12-24" or a local time like "2026-12-24T18:00"');

/** Whether `tz` is an IANA time zone this runtime knows (Asia/Seoul, UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Seoul, Europe/Berlin or UTC');

const changeVerb = z.enum(['deploy', 'rollback', 'scale', 'restart', 'run']);

const windows = z
  .object({
    /** The time zone of `allow` and `blackouts`. */
    timeZone,
    /** When changes may run; none listed = any time outside the blackouts. */
    allow: z
      .array(
        z
          .object({ days: z.array(z.enum(WEEKDAYS)).min(1), from: clock, to: clock })
          .strict()
          .refine((w) => w.from !== w.to, '"from" and "to" are the same time; the window would be empty'),
      )
      .default([]),
    /** Dated periods when nothing runs (holidays, release freezes): a date is the whole day, "to" is inclusive for dates. */
    blackouts: z.array(z.object({ from: localDateTime, to: localDateTime, reason: z.string().max(200).optional() }).strict()).default([]),
    /** The verbs the windows apply to (rollback is left out by default: restoring a service does not wait). */
    verbs: z.array(changeVerb).default(['deploy', 'scale', 'restart', 'run']),
  })
  .strict();

export const gatesSchema = z
  .object({
    promotion: z
      .object({
        /** The environment a digest must have completed a healthy deployment in first. */
        from: z.string().min(1),
        /** How long ago that completion must be (optional). */
        soak: duration.optional(),
      })
      .strict()
      .optional(),
    trafficShift: z
      .object({
        /** Who may press Shift production traffic / Roll back. Default: the environment's approvers. */
        approvers: z.array(principalId).optional(),
        /** Whether the requester of the change may press Shift (default: no, like approvals). */
        allowRequester: z.boolean().default(false),
      })
      .strict()
      .optional(),
    windows: windows.optional(),
    breakGlass: z
      .object({
        /** Who may break glass (also needs to be a requester). */
        users: z.array(principalId).min(1),
        /** Where each use is announced. */
        auditChannel: channelId,
        /** How often the thread asks for the retrospective approval. */
        remindEvery: duration.default(60 * 60_000),
        /** Reminders stop (and the audit trail says it was never approved) after this. */
        retroDeadline: duration.pipe(z.number().max(14 * 24 * 3600_000, 'must be at most 14d')).default(7 * 24 * 3600_000),
      })
      .strict()
      .optional(),
    autoLock: z
      .object({
        /** Lock the service after a rollback (by a person, the circuit breaker, Abort or the traffic-shift gate). */
        afterRollback: z.boolean().default(true),
        /** Optional: the automatic lock lifts itself after this (default: only when someone acknowledges it). */
        expireAfter: duration.optional(),
      })
      .strict()
      .optional(),
    cost: z
      .object({
        /** A change that adds more than this many US dollars a month needs one more approval. */
        extraApprovalAbove: z.number().positive(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type GatesConfig = z.output<typeof gatesSchema>;
export type WindowsConfig = NonNullable<GatesConfig['windows']>;
