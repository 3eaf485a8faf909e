/**
 * The alert's buttons (Slack-facing: Redis and Slack only, AWS work goes to the worker).
 * Status and Roll back run `/ecs status <service>` / `/ecs rollback <service>` as if the clicker had
 * typed them (submitCommand: same parsing, authorization, idempotency and approval workflow).
 * Logs hands a job to the worker that posts more lines of the failed container in the thread.
 */
import { z } from 'zod';
import type { ActionContext } from '../hooks/actions';
import type { SlackMessage } from '../slack/blocks';
import { code } from '../slack/text';
import { findService } from '../config/load';
import type { ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import type { Runtime } from '../runtime';
import { ACTION_LOGS, ACTION_ROLLBACK, ACTION_STATUS } from './messages';

/** Lines the Logs button posts. */
const LOGS_BUTTON_LINES = 50;

export const logsJobSchema = z.object({
  kind: z.literal('alert-logs'),
  id: z.string().min(1),
  alias: z.string().min(1),
  region: z.string().min(1),
  group: z.string().min(1),
  stream: z.string().min(1),
  taskId: z.string().min(1),
  container: z.string().optional(),
  channel: z.string().min(1),
  threadTs: z.string().min(1),
  userId: z.string().min(1),
  lines: z.number().int().min(1).max(500),
});
export type LogsJob = z.infer<typeof logsJobSchema>;

const logsValueSchema = z.object({ a: z.string(), r: z.string(), g: z.string(), s: z.string(), t: z.string(), c: z.string().optional() });

const stale = ':grey_question: This alert button belongs to a service that is no longer in the configuration.';

function serviceOf(rt: Runtime, alias: string): ResolvedService | undefined {
  return /^[a-z0-9][a-z0-9_-]{0,39}$/.test(alias) ? findService(rt.config, alias) : undefined;
}

async function answer(rt: Runtime, ctx: ActionContext, msg: SlackMessage): Promise<void> {
  if (ctx.body.response_url) await rt.slack.respond(ctx.body.response_url, msg, { replaceOriginal: false });
  else if (ctx.channelId) await rt.slack.ephemeral(ctx.channelId, ctx.userId, msg);
}

/** Run a command as if the clicker typed it in this channel. */
async function runAsCommand(ctx: ActionContext, verb: 'status' | 'rollback'): Promise<void> {
  const { rt, body, action, userId } = ctx;
  const svc = serviceOf(rt, action.value ?? '');
  if (!svc || !ctx.channelId) {
    await ctx.whisper(stale);
    return;
  }
  const msg = await ctx.submitCommand({
    id: `alert-${action.action_ts}-${userId}`,
    text: `${verb} ${svc.alias}`,
    userId,
    userName: body.user.username ?? body.user.name,
    channelId: ctx.channelId,
    teamId: body.team?.id ?? body.user.team_id,
    responseUrl: body.response_url,
    triggerId: body.trigger_id,
    receivedAt: rt.now(),
  });
  if (msg) await answer(rt, ctx, msg);
}

/** Logs are read-only: anyone who may read the environment may ask for more lines of an alert they can see. */
async function ensureReader(rt: Runtime, svc: ResolvedService, userId: string): Promise<void> {
  if (!(await rt.access.holds(svc.environment, userId, 'reader'))) {
    throw new BotError('FORBIDDEN', `logs button denied for ${userId} in ${svc.environment}`, {
      userMessage: `You are not allowed to read from ${code(svc.environment)}, so I can't show these logs.`,
    });
  }
}

async function requestLogs(ctx: ActionContext): Promise<void> {
  const { rt, action, userId, body } = ctx;
  let value: z.infer<typeof logsValueSchema>;
  try {
    value = logsValueSchema.parse(JSON.parse(action.value ?? ''));
  } catch {
    await ctx.whisper(':grey_question: This Logs button is no longer valid (it belongs to an older message).');
    return;
  }
  const svc = serviceOf(rt, value.a);
  if (!svc || !ctx.channelId) {
    await ctx.whisper(stale);
    return;
  }
  await ensureReader(rt, svc, userId);
  const threadTs = (body.message as { thread_ts?: string } | undefined)?.thread_ts ?? ctx.messageTs;
  if (!threadTs) {
    await ctx.whisper(':grey_question: I could not tell which message this button is on.');
    return;
  }
  const job: LogsJob = {
    kind: 'alert-logs',
    id: `alert-logs-${action.action_ts}-${userId}`,
    alias: svc.alias,
    region: value.r,
    group: value.g,
    stream: value.s,
    taskId: value.t,
    ...(value.c ? { container: value.c } : {}),
    channel: ctx.channelId,
    threadTs,
    userId,
    lines: LOGS_BUTTON_LINES,
  };
  await rt.dispatcher.dispatch(job);
  await ctx.whisper(
    `:hourglass_flowing_sand: Getting the last ${LOGS_BUTTON_LINES} log lines of task ${code(value.t)}; they will appear in the thread.`,
  );
}

export async function handleAlertButton(ctx: ActionContext): Promise<void> {
  switch (ctx.action.action_id) {
    case ACTION_STATUS:
      return runAsCommand(ctx, 'status');
    case ACTION_ROLLBACK:
      return runAsCommand(ctx, 'rollback');
    case ACTION_LOGS:
      return requestLogs(ctx);
    default:
      await ctx.whisper(':grey_question: This button is no longer valid (it belongs to an older message).');
  }
}
