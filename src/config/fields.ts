/**
 * Field types that chatops.yml uses in several places (./schema.ts, ./gates.ts): Slack principals
 * and channels, and durations.
 */
import * as z from 'zod';
import { parseDuration } from './duration';

/** A Slack user (U…/W…), a user group (S…), or "*" for everyone in an allowed channel. */
export const principalId = z
  .string()
  .regex(/^(\*|[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,})$/, 'must be a Slack user ID (U…/W…), a user-group ID (S…), or "*"');

export const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID (C…, G… or D…), not a name');

/** A duration like "30m" or "2h", stored as milliseconds. */
export const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${s}" is not a duration; write e.g. 90s, 15m, 2h, 1d, 1w, 1h30m (units s/m/h/d/w, or 초/분/시간/일/주: 2시간)`,
    });
    return z.NEVER;
  }
  return ms;
});
