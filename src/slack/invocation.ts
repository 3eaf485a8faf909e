/**
 * Jobs: the hand-off from the Slack edge (and from the events/scheduled functions) to the worker.
 * On Lambda a job is the payload of an asynchronous invocation of the worker function; locally it
 * runs in-process after the ack. Each kind has a zod schema and a handler (./run.ts).
 */
import { z } from 'zod';

export const invocationSchema = z.object({
  id: z.string().min(1),
  text: z.string(),
  userId: z.string().min(1),
  userName: z.string().optional(),
  channelId: z.string().min(1),
  teamId: z.string().optional(),
  responseUrl: z.string().url().optional(),
  triggerId: z.string().optional(),
  receivedAt: z.number(),
});

/** A slash command whose slow part runs in the worker. */
export const commandJobSchema = z.object({
  kind: z.literal('command'),
  id: z.string().min(1),
  invocation: invocationSchema,
});
export type CommandJob = z.infer<typeof commandJobSchema>;

/** Every job has a kind and an id (the idempotency key); the rest is the kind's own. */
export const jobEnvelope = z.object({ kind: z.string().min(1), id: z.string().min(1) }).passthrough();
export type Job = z.infer<typeof jobEnvelope>;
