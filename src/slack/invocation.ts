/**
 * An invocation: who ran a command, where, and how to answer them. Built by the Slack edge from a
 * slash command (or a button that runs a command), carried to the worker inside the `command` job,
 * and used to answer (src/slack/reply.ts). The zod schema is the one definition; the type follows.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { LOCALES } from '../i18n/locale';

export const invocationSchema = lazySchema(() =>
  z.object({
    /** Unique per command invocation (derived from trigger_id); the idempotency key. */
    id: z.string().min(1),
    text: z.string(),
    userId: z.string().min(1),
    userName: z.string().optional(),
    channelId: z.string().min(1),
    teamId: z.string().optional(),
    responseUrl: z.string().url().optional(),
    triggerId: z.string().optional(),
    receivedAt: z.number(),
    /** A command run from an alert's button: that alert message (the worker notes a rollback in its thread). */
    alert: z.object({ channel: z.string().min(1), ts: z.string().min(1) }).optional(),
    /**
     * A command submitted from a modal (the deploy form): its answers are shown in the modal view
     * with this external_id (pushed on top of the form when it was submitted), not in a channel.
     */
    view: z
      .object({
        externalId: z.string().min(1).max(255),
        /** The modal's title (≤ 24 characters) and the reader's language, for the answer view. */
        title: z.string().min(1).max(24),
        locale: z.enum(LOCALES),
      })
      .optional(),
  }),
);

export type Invocation = z.infer<typeof invocationSchema>;
