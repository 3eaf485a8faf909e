/**
 * The alert's buttons (Slack-facing: Redis and Slack only, AWS work goes to the worker).
 *
 * Every button carries only a reference to its incident (`<env>.<alias>.<gen>`, see incidentRef)
 * and acts on the incident as recorded in Redis: the service, the log stream to read, the channel
 * and thread to answer in all come from there, never from the click. A click is refused unless it
 * comes from the channel the alert is in, and the clicker's role is checked (again in the worker).
 *
 * Status and Roll back run `/ecs status <service>` / `/ecs rollback <service>` for the incident's
 * service as if the clicker had typed them in the alert's channel (submitCommand: same parsing,
 * authorization, idempotency and approval workflow). Logs hands a job to the worker that posts
 * more lines of the failed container in the alert's thread.
 */
import { z } from 'zod';
import type { ActionContext } from '../hooks/actions';
import type { SlackMessage } from '../slack/blocks';
import { code } from '../slack/text';
import { findService } from '../config/load';
import type { ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import { withStore } from '../redis/client';
import type { Runtime } from '../runtime';
import { parseIncidentRef, type IncidentView } from './incident';
import { ACTION_LOGS, ACTION_ROLLBACK, ACTION_STATUS } from './messages';
import { readIncident } from './store';

/** Lines the Logs button posts. */
const LOGS_BUTTON_LINES = 50;

/** The Logs button's job: which incident, for whom. Everything else is read from the incident in the worker. */
export const logsJobSchema = z.object({
  kind: z.literal('alert-logs'),
  id: z.string().min(1),
  incident: z.string().min(1),
  userId: z.string().min(1),
  lines: z.number().int().min(1).max(500),
});
export type LogsJob = z.infer<typeof logsJobSchema>;

const invalid = ':grey_question: This button is no longer valid (it belongs to an older message).';
const over = (svc: ResolvedService) =>
  `:grey_question: This alert is over (a newer alert of ${code(svc.alias)} replaced it, or it is no longer on record). Use \`/ecs status ${svc.alias}\` or \`/ecs logs ${svc.alias}\`.`;

/** The incident a reference names, with its service, when both still exist; undefined otherwise. */
export async function incidentOf(
  rt: Runtime,
  ref: string | undefined,
): Promise<{ svc: ResolvedService; incident?: IncidentView; gen: number } | undefined> {
  const r = parseIncidentRef(ref);
  if (!r) return undefined;
  const svc = findService(rt.config, r.alias);
  if (!svc || svc.environment !== r.environment) return undefined;
  const incident = await withStore(() => readIncident(rt.redis, svc), 'unchanged');
  return { svc, gen: r.gen, ...(incident && incident.gen === r.gen ? { incident } : {}) };
}

/**
 * The incident this click acts on, when the click comes from the channel its alert is in;
 * otherwise the clicker is told why not and undefined is returned.
 */
async function clickedIncident(ctx: ActionContext): Promise<{ svc: ResolvedService; incident: IncidentView } | undefined> {
  const found = await incidentOf(ctx.rt, ctx.action.value);
  if (!found) {
    await ctx.whisper(invalid);
    return undefined;
  }
  const { svc, incident } = found;
  if (!incident) {
    await ctx.whisper(over(svc));
    return undefined;
  }
  if (!incident.channel || incident.channel !== ctx.channelId) {
    ctx.rt.log.warn('alert button refused: clicked outside its alert channel', {
      action: ctx.action.action_id,
      user: ctx.userId,
      channel: ctx.channelId,
      alertChannel: incident.channel,
      service: svc.alias,
    });
    await ctx.whisper(':no_entry: This button belongs to an alert in another channel, so I did nothing.');
    return undefined;
  }
  return { svc, incident };
}

async function answer(rt: Runtime, ctx: ActionContext, msg: SlackMessage): Promise<void> {
  if (ctx.body.response_url) await rt.slack.respond(ctx.body.response_url, msg, { replaceOriginal: false });
  else if (ctx.channelId) await rt.slack.ephemeral(ctx.channelId, ctx.userId, msg);
}

/** Run a command for the incident's service as if the clicker typed it in the alert's channel. */
async function runAsCommand(ctx: ActionContext, verb: 'status' | 'rollback'): Promise<void> {
  const { rt, body, action, userId } = ctx;
  const found = await clickedIncident(ctx);
  if (!found) return;
  const msg = await ctx.submitCommand({
    id: `alert-${action.action_ts}-${userId}`,
    text: `${verb} ${found.svc.alias}`,
    userId,
    userName: body.user.username ?? body.user.name,
    channelId: found.incident.channel!,
    teamId: body.team?.id ?? body.user.team_id,
    responseUrl: body.response_url,
    triggerId: body.trigger_id,
    receivedAt: rt.now(),
  });
  if (msg) await answer(rt, ctx, msg);
}

/** Logs are read-only: anyone who may read the environment may ask for more lines of an alert they can see. */
export async function ensureReader(rt: Runtime, svc: ResolvedService, userId: string): Promise<void> {
  if (!(await rt.access.holds(svc.environment, userId, 'reader'))) {
    throw new BotError('FORBIDDEN', `logs button denied for ${userId} in ${svc.environment}`, {
      userMessage: `You are not allowed to read from ${code(svc.environment)}, so I can't show these logs.`,
    });
  }
}

async function requestLogs(ctx: ActionContext): Promise<void> {
  const { rt, action, userId } = ctx;
  const found = await clickedIncident(ctx);
  if (!found) return;
  const { svc, incident } = found;
  if (!incident.first || !incident.logs?.group || !incident.logs.stream) {
    await ctx.whisper(':grey_question: This alert has no log stream I can read.');
    return;
  }
  await ensureReader(rt, svc, userId);
  const job: LogsJob = {
    kind: 'alert-logs',
    id: `alert-logs-${action.action_ts}-${userId}`,
    incident: action.value!,
    userId,
    lines: LOGS_BUTTON_LINES,
  };
  await rt.dispatcher.dispatch(job);
  const where =
    svc.env.visibility.logs === 'public'
      ? 'they will appear in the thread'
      : 'only you will see them, in the thread (a long excerpt as a file in a direct message)';
  await ctx.whisper(
    `:hourglass_flowing_sand: Getting the last ${LOGS_BUTTON_LINES} log lines of task ${code(incident.first.taskId)}; ${where}.`,
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
      await ctx.whisper(invalid);
  }
}
