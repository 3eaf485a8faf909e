/**
 * The alert's buttons (Slack-facing: Redis and Slack only, AWS work goes to the worker).
 *
 * Every button carries only a reference to its incident (`<env>.<alias>.<gen>`, see incidentRef)
 * and acts on the incident as recorded in Redis: the service, the log stream to read, the channel
 * and thread to answer in all come from there, never from the click. A click is refused unless it
 * comes from the channel the alert is in and from the very message the incident recorded as its
 * alert (so a value naming another service's or environment's incident acts on nothing), and the
 * clicker's role is checked (again in the worker).
 *
 * Status, Roll back and Mute 1 h run `/ecs status <service>`, `/ecs rollback <service>` and
 * `/ecs mute <service> 1h --reason "muted from the alert"` for the incident's service as if the
 * clicker had typed them (submitCommand: same parsing, authorization, idempotency, approval workflow,
 * mute limits and announcement): in the alert's channel when it is one of the environment's, and in
 * the environment's first channel when the alert is in the service's configured alert channel outside
 * them (policy/authorize.ts alertCommandChannel): the on-call person acts on the alert where it is,
 * under the roles of the environment's channel, and a rollback's request card is posted in that
 * environment channel (the clicker is told where). A rollback from an alert only ever rolls back away
 * from the revision the alert is about: the worker, where the rollback is planned, refuses it (and says
 * why) when the service no longer runs it or the target is it (src/deploy/alert-rollback.ts); nothing
 * is checked here, so the Slack function stays small. Status's answer is posted by the worker in the
 * alert's thread, in the alert's channel (Invocation.alert, src/commands/alert-thread.run.ts), with
 * the incident's other follow-ups. Logs hands a job to the worker
 * that posts more lines of the failed container in the alert's thread. "I'm on it" records who
 * has the incident (lua/ack-1.lua: the first to press it keeps it; a later clicker is told who has
 * it, there is no take-over) and the message shows it at once.
 *
 * Answers only the clicker sees are in the clicker's language (ctx.locale); the mute reason, which
 * the channel sees in the mute notice, is in the workspace's.
 */
import { shortTaskId } from '../aws/arn';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { ActionContext } from '../hooks/actions';
import { COMMAND_NEEDS, dispatchWithin, lookupWithin, noBudget, respondWithin, type ClickBudget } from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import type { SlackMessage } from '../slack/blocks';
import { code } from '../slack/text';
import { slackDate } from '../slack/time';
import { findService } from '../config/load';
import type { ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { withStore } from '../redis/client';
import type { Runtime } from '../runtime';
import { alertCommandChannel } from '../policy/authorize';
import { alertChannelFor } from './events';
import { parseIncidentRef, signalLines, taskSummary, type IncidentView } from './incident';
import { ACTION_ACK, ACTION_LOGS, ACTION_MUTE, ACTION_ROLLBACK, ACTION_STATUS } from './messages';
import { acknowledgeIncident, readIncident } from './store';
import { syncIncident } from './sync';

const M = defineMessages('alerts.buttons', {
  invalid: {
    en: ':grey_question: This button is no longer valid (it belongs to an older message).',
    ko: ':grey_question: 더 이상 쓸 수 없는 버튼입니다 (이전 메시지의 버튼입니다).',
  },
  over: {
    en: ':grey_question: This alert is over (a newer alert of {service} replaced it, or it is no longer on record). Use `/ecs status {alias}` or `/ecs logs {alias}`.',
    ko: ':grey_question: 끝난 알림입니다 ({service}의 새 알림으로 바뀌었거나 기록이 더 이상 없습니다). `/ecs status {alias}` 또는 `/ecs logs {alias}` 명령을 쓰세요.',
  },
  otherChannel: {
    en: ':no_entry: This button belongs to an alert in another channel, so I did nothing.',
    ko: ':no_entry: 다른 채널의 알림 버튼이라 아무것도 하지 않았습니다.',
  },
  otherMessage: {
    en: ':no_entry: This button does not match the alert it is on, so I did nothing. Use the buttons of the alert itself.',
    ko: ':no_entry: 버튼이 붙은 알림과 맞지 않아 아무것도 하지 않았습니다. 알림 자체의 버튼을 쓰세요.',
  },
  notReader: {
    en: "You are not allowed to read from {env}, so I can't show these logs.",
    ko: '{env} 환경을 조회할 권한이 없어 이 로그를 보여 드릴 수 없습니다.',
  },
  notReaderAck: {
    en: 'You are not allowed to read from {env}, so you cannot take this alert.',
    ko: '{env} 환경을 조회할 권한이 없어 이 알림을 맡을 수 없습니다.',
  },
  noStream: {
    en: ':grey_question: This alert has no log stream I can read.',
    ko: ':grey_question: 이 알림에는 읽을 수 있는 로그 스트림이 없습니다.',
  },
  gettingPublic: {
    en: ':hourglass_flowing_sand: Getting the last {n} log lines of task {task}; they will appear in the thread.',
    ko: ':hourglass_flowing_sand: 작업 {task}의 마지막 로그 {n}줄을 가져오는 중입니다. 스레드에 올라옵니다.',
  },
  gettingPrivate: {
    en: ':hourglass_flowing_sand: Getting the last {n} log lines of task {task}; only you will see them, in the thread (a long excerpt as a file in a direct message).',
    ko: ':hourglass_flowing_sand: 작업 {task}의 마지막 로그 {n}줄을 가져오는 중입니다. 스레드에서 본인에게만 보입니다 (길면 DM으로 파일을 보냅니다).',
  },
  muteReason: { en: 'muted from the alert', ko: '알림에서 끔' },
  rollbackReason: { en: 'from the alert', ko: '알림에서 요청' },
  rollbackReasonWhat: { en: 'from the alert: {what}', ko: '알림에서 요청: {what}' },
  ackDone: {
    en: "👀 You're on it: the alert says so. Press Mute 1 h if it is noisy while you work on it.",
    ko: '👀 대응을 맡았습니다. 알림에 표시됩니다. 작업하는 동안 시끄러우면 1시간 알림 끄기를 누르세요.',
  },
  ackYours: { en: '👀 You are already on it (since {since}).', ko: '👀 이미 대응 중입니다 ({since}부터).' },
  ackTaken: {
    en: '👀 {user} is already on it (since {since}). Ask them in the thread before you step in; the alert keeps showing {user}.',
    ko: '👀 {user} 님이 이미 대응 중입니다 ({since}부터). 함께하려면 스레드에서 먼저 이야기하세요. 알림에는 계속 {user} 님이 표시됩니다.',
  },
});

/** Lines the Logs button posts. */
const LOGS_BUTTON_LINES = 50;
/** How long Mute 1 h mutes. */
const MUTE_BUTTON_DURATION = '1h';

/** The Logs button's job: which incident, for whom. Everything else is read from the incident in the worker. */
export const logsJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('alert-logs'),
    id: z.string().min(1),
    incident: z.string().min(1),
    userId: z.string().min(1),
    lines: z.number().int().min(1).max(500),
  }),
);
export type LogsJob = z.infer<typeof logsJobSchema>;

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

function overText(svc: ResolvedService, locale: Locale): string {
  return M.in(locale)('over', { service: code(svc.alias), alias: svc.alias });
}

/**
 * The incident this click acts on, when the click comes from the channel its alert is in;
 * otherwise the clicker is told why not and undefined is returned.
 */
async function clickedIncident(ctx: ActionContext): Promise<{ svc: ResolvedService; incident: IncidentView } | undefined> {
  const t = M.in(ctx.locale);
  const found = await incidentOf(ctx.rt, ctx.action.value);
  if (!found) {
    await ctx.whisper(t('invalid'));
    return undefined;
  }
  const { svc, incident } = found;
  if (!incident) {
    await ctx.whisper(overText(svc, ctx.locale));
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
    await ctx.whisper(t('otherChannel'));
    return undefined;
  }
  // The value must be the one the bot put on this message: the incident's own alert (before its ts
  // is on record, a moment after the post or when recording it failed, the channel alone decides).
  if (incident.ts && incident.ts !== ctx.messageTs) {
    ctx.rt.log.warn('alert button refused: not on its alert message', {
      action: ctx.action.action_id,
      user: ctx.userId,
      service: svc.alias,
    });
    await ctx.whisper(t('otherMessage'));
    return undefined;
  }
  return { svc, incident };
}

async function answer(rt: Runtime, ctx: ActionContext, msg: SlackMessage): Promise<void> {
  if (ctx.body.response_url) await rt.slack.respond(ctx.body.response_url, msg, { replaceOriginal: false, ...respondWithin(ctx.budget) });
  else if (ctx.channelId) await rt.slack.ephemeral(ctx.channelId, ctx.userId, msg);
}

/** Run a command for the incident's service as if the clicker typed it (in the alert's channel, or for an alert channel outside the environment's, in the environment's). */
async function runAsCommand(ctx: ActionContext, command: (svc: ResolvedService, incident: IncidentView) => string): Promise<void> {
  const { rt, body, action, userId } = ctx;
  const found = await clickedIncident(ctx);
  if (!found) return;
  const msg = await ctx.submitCommand({
    id: `alert-${action.action_ts}-${userId}`,
    text: command(found.svc, found.incident),
    userId,
    userName: body.user.username ?? body.user.name,
    channelId: alertCommandChannel(found.svc.env, found.incident.channel!, alertChannelFor(found.svc)),
    teamId: body.team?.id ?? body.user.team_id,
    responseUrl: body.response_url,
    triggerId: body.trigger_id,
    receivedAt: rt.now(),
    ...(ctx.messageTs ? { alert: { channel: found.incident.channel!, ts: ctx.messageTs } } : {}),
  });
  if (msg) await answer(rt, ctx, msg);
}

/** Logs are read-only: anyone who may read the environment may ask for more lines of an alert they can see. */
export async function ensureReader(
  rt: Runtime,
  svc: ResolvedService,
  userId: string,
  what: 'logs' | 'ack' = 'logs',
  budget?: ClickBudget,
): Promise<void> {
  const within = lookupWithin(budget ?? noBudget(), WITHIN_ACK_TIMEOUT_MS, COMMAND_NEEDS);
  if (!(await rt.access.holds(svc.environment, userId, 'reader', within))) {
    throw new BotError('FORBIDDEN', `alert ${what} button denied for ${userId} in ${svc.environment}`, {
      userMessage: M.lazy(what === 'logs' ? 'notReader' : 'notReaderAck', { env: code(svc.environment) }),
    });
  }
}

async function requestLogs(ctx: ActionContext): Promise<void> {
  const { rt, action, userId } = ctx;
  const found = await clickedIncident(ctx);
  if (!found) return;
  const { svc, incident } = found;
  const t = M.in(ctx.locale);
  if (!incident.first || !incident.logs?.group || !incident.logs.stream) {
    await ctx.whisper(t('noStream'));
    return;
  }
  await ensureReader(rt, svc, userId, 'logs', ctx.budget);
  const job: LogsJob = {
    kind: 'alert-logs',
    id: `alert-logs-${action.action_ts}-${userId}`,
    incident: action.value!,
    userId,
    lines: LOGS_BUTTON_LINES,
  };
  await dispatchWithin(rt.dispatcher, job, ctx.budget);
  const params = { n: LOGS_BUTTON_LINES, task: code(shortTaskId(incident.first.taskId)) };
  await ctx.whisper(svc.env.visibility.logs === 'public' ? t('gettingPublic', params) : t('gettingPrivate', params));
}

/** "I'm on it": record the clicker as the one handling the incident (once) and show it on the alert. */
async function acknowledge(ctx: ActionContext): Promise<void> {
  const { rt, userId } = ctx;
  const found = await clickedIncident(ctx);
  if (!found) return;
  const { svc, incident } = found;
  await ensureReader(rt, svc, userId, 'ack', ctx.budget);
  const t = M.in(ctx.locale);
  const recheck = { t: 'ack', env: svc.environment, svc: svc.alias, gen: incident.gen, user: userId } as const;
  const res = await withStore(() => acknowledgeIncident(rt.redis, svc, incident.gen, userId, rt.now()), 'unchanged', {
    write: true,
    recheck,
  });
  if (res.status === 'already') {
    const since = slackDate(res.at ?? incident.lastAt);
    await ctx.whisper(res.by === userId ? t('ackYours', { since }) : t('ackTaken', { user: `<@${res.by}>`, since }));
    return;
  }
  if (res.status !== 'ok') {
    await ctx.whisper(overText(svc, ctx.locale));
    return;
  }
  const log = rt.log.child({ service: svc.alias, environment: svc.environment, gen: incident.gen });
  log.info('alert acknowledged', { by: userId, action: res.action });
  // Whoever holds the lease otherwise renders it: they see `rev` moved and render again.
  if (res.action === 'update') await syncIncident(rt, svc, incident.gen, log, { immediate: true });
  await ctx.whisper(t('ackDone'));
}

/** How long an alert button waits for the clicker's language (users.info on a cache miss) before answering in the workspace's. */
export const ALERT_CLICK_LOCALE_MS = 700;

export async function handleAlertButton(clicked: ActionContext): Promise<void> {
  // The answers below are for the clicker only: in their Slack language (asked once, then cached).
  // The on-call person may never have used the bot, so Slack is asked here, but within a bound: this
  // runs before the Lambda returns the ack, and the action itself still needs Redis and Slack.
  const ctx: ActionContext = { ...clicked, locale: await clicked.rt.people.localeOf(clicked.userId, { withinMs: ALERT_CLICK_LOCALE_MS }) };
  switch (ctx.action.action_id) {
    case ACTION_STATUS:
      return runAsCommand(ctx, (svc) => `status ${svc.alias}`);
    case ACTION_ROLLBACK:
      // The request says why (its approvers may not have seen the alert), in the workspace's language like the card.
      return runAsCommand(ctx, (svc, incident) => {
        const t = M.in(ctx.rt.people.workspace);
        const what = taskSummary(incident, ctx.rt.people.workspace) || signalLines(incident, ctx.rt.people.workspace)[0];
        const reason = what ? t('rollbackReasonWhat', { what }) : t('rollbackReason');
        return `rollback ${svc.alias} --reason "${reason
          .replace(/\s+/g, ' ')
          .replace(/["\u201c\u201d]/g, "'")
          .slice(0, 200)}"`;
      });
    case ACTION_MUTE:
      return runAsCommand(
        ctx,
        (svc) => `mute ${svc.alias} ${MUTE_BUTTON_DURATION} --reason "${M.in(ctx.rt.people.workspace)('muteReason')}"`,
      );
    case ACTION_LOGS:
      return requestLogs(ctx);
    case ACTION_ACK:
      return acknowledge(ctx);
    default:
      await ctx.whisper(M.in(ctx.locale)('invalid'));
  }
}
