/**
 * ECS events → alerts. For each event: validate it, find the configured service, decide whether
 * it is trouble (a failed task, a failed deployment the bot did not start, a service action of type
 * WARN/ERROR) or a recovery (deployment completed, steady state), record it in the service's
 * incident (one Lua script), and let whoever holds the incident's lease talk to Slack.
 * Never throws for a bad event: it is logged and dropped (EventBridge would only retry it).
 */
import { keys } from '../redis/keys';
import type { ResolvedService } from '../config/schema';
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import { announceChange } from '../hooks/events';
import type { SlackMessage } from '../slack/blocks';
import type { Locale } from '../i18n/locale';
import { classifyTaskStop } from '../aws/task-stop';
import { explainFailure } from '../aws/task-stop-explain';
import { explainEcsReason } from '../aws/ecs-reasons';
import { alertChannelFor, resolveTarget } from './events';
import {
  actionLabel,
  incidentText,
  isTroubleAction,
  taskFacts,
  type ActionFacts,
  type DeployFacts,
  type DownFacts,
  type IncidentView,
  type LogExcerpt,
  type TaskFacts,
} from './incident';
import { excerptFor } from './logs';
import { alertMessage, continuedAlertMessage } from './messages';
import { actionText, deployFailedText, downText, newReasonReply, recoveredBy, recoveredReply, signalReply } from './replies';
import { readIncident } from './store';
import { attachToIncident, recordSignal, recoverIncident, type RecoverInput, type SignalInput } from './signals';
import { syncIncident, UPDATE_EVERY_MS } from './sync';
import { channelTurn } from './pacing';
import { deferReply, replyKey, type BacklogThread } from './backlog';
import { isSlackRateLimited } from '../slack/gateway';
import { mayHaveLanded, permanentSlackFailure } from '../slack/failures';
import type { ParsedEcsEvent } from '../aws/ecs-events';
import { type EcsEvent, parseEcsEvent } from '../aws/ecs-events';

/** Log lines shown in the alert. */
const ALERT_LOG_LINES = 10;
/** A "running = desired" or steady-state signal closes an incident only after this long without failures. */
const RECOVERY_QUIET_MS = 5 * 60_000;

export function recoveryQuietMs(svc: ResolvedService): number {
  return Math.min(RECOVERY_QUIET_MS, svc.env.alerts.incidentWindow);
}

/**
 * When what the event reports happened, as precisely as the event says: a task's stoppedAt, a
 * deployment's updatedAt, a service action's createdAt (milliseconds), else the envelope's time
 * (seconds). Out-of-order deliveries are told apart by it (a failure from before a recovery).
 */
function eventTime(ev: ParsedEcsEvent): number | undefined {
  const d = ev.detail as { stoppedAt?: string; updatedAt?: string; createdAt?: string };
  const precise = ev.kind === 'task' ? (d.stoppedAt ?? d.updatedAt) : ev.kind === 'deployment' ? d.updatedAt : d.createdAt;
  const ms = precise ? Date.parse(precise) : NaN;
  return Number.isFinite(ms) ? ms : ev.time;
}

export async function handleAlertEvent(event: EcsEvent, rt: Runtime): Promise<void> {
  const log = rt.log.child({ consumer: 'alerts', eventId: event.id });
  const parsed = parseEcsEvent(event);
  if (!parsed.ok) {
    if (parsed.skip === 'malformed') log.warn('malformed ECS event ignored', { detailType: parsed.detailType, issues: parsed.issues });
    else log.debug('event is not one alerts use', { detailType: parsed.detailType });
    return;
  }
  const ev = parsed.event;
  const target = resolveTarget(rt.config, ev);
  if (!target.ok) {
    log.info('ECS event ignored: not in chatops.yml', { detailType: event['detail-type'], why: target.why });
    return;
  }
  const svc = target.target.service;
  const slog = log.child({ service: svc.alias, environment: svc.environment });
  const now = rt.now();
  const at = Math.min(eventTime(ev) ?? now, now);
  const windowMs = svc.env.alerts.incidentWindow;
  if (ev.kind === 'task') return onTaskEvent(rt, svc, ev, target.target, now, at, slog);
  if (ev.kind === 'deployment') return onDeploymentEvent(rt, svc, ev, now, at, windowMs, slog);
  return onServiceAction(rt, svc, ev, now, at, windowMs, slog);
}

async function onTaskEvent(
  rt: Runtime,
  svc: ResolvedService,
  ev: Extract<ParsedEcsEvent, { kind: 'task' }>,
  where: { region: string; cluster: string },
  now: number,
  at: number,
  log: Logger,
): Promise<void> {
  const decision = classifyTaskStop(ev.detail, {
    includeRoutineStops: svc.env.alerts.includeRoutineStops,
    serviceContainer: svc.container,
  });
  if (!decision.alert) {
    if (ev.detail.lastStatus === 'STOPPED') log.info('task stop is not an alert', { task: ev.detail.taskArn, why: decision.why });
    else log.debug('task event is not a stop', { task: ev.detail.taskArn, lastStatus: ev.detail.lastStatus });
    return;
  }
  const windowMs = svc.env.alerts.incidentWindow;
  const f: TaskFacts = {
    ...taskFacts(ev.detail, decision.failure, where),
    explanation: explainFailure(decision.failure, rt.people.workspace, svc.alias),
  };
  // Kept for /ecs rightsize (muted or not): a task killed for memory is a peak the hourly figures miss.
  if (decision.failure.kind === 'oom') {
    const { recordMemoryKill } = await import('./memory-kills.run');
    await recordMemoryKill(rt.redis, svc.environment, svc.alias, f.taskId, at, now).catch((err: unknown) =>
      log.warn('could not record a task stopped for memory (for /ecs rightsize)', { task: f.taskId, err }),
    );
  }
  await processSignal(
    rt,
    svc,
    { kind: 'task', seenId: `task:${f.taskId}`, reasonKey: f.reasonKey, reasonLabel: f.reasonLabel, facts: f, now, at, windowMs },
    log,
  );
}

async function onDeploymentEvent(
  rt: Runtime,
  svc: ResolvedService,
  ev: Extract<ParsedEcsEvent, { kind: 'deployment' }>,
  now: number,
  at: number,
  windowMs: number,
  log: Logger,
): Promise<void> {
  const d = ev.detail;
  if (d.eventName === 'SERVICE_DEPLOYMENT_COMPLETED') {
    await processRecover(
      rt,
      svc,
      { now, at, quietMs: 0, by: recoveredBy.deployment(d.deploymentId), seenId: `deploy:${d.deploymentId}:COMPLETED` },
      log,
    );
    return;
  }
  if (d.eventName !== 'SERVICE_DEPLOYMENT_FAILED') {
    log.debug('deployment event is not an alert', { eventName: d.eventName, deploymentId: d.deploymentId });
    return;
  }
  let request: string | null = null;
  try {
    request = await rt.redis.get(keys.botDeployment(d.deploymentId));
  } catch (err) {
    log.warn('redis unavailable: cannot tell whether the bot started this deployment; alerting', { deploymentId: d.deploymentId, err });
  }
  if (request) {
    log.info('failed deployment started by the bot: left to its request thread', { deploymentId: d.deploymentId, request });
    return;
  }
  const explanation = explainEcsReason(d.reason, rt.people.workspace, d.eventName);
  const facts: DeployFacts = { deploymentId: d.deploymentId, reason: d.reason, at, ...(explanation ? { explanation } : {}) };
  await processSignal(
    rt,
    svc,
    {
      kind: 'deploy',
      seenId: `deploy:${d.deploymentId}:FAILED`,
      reasonKey: `deploy:${d.deploymentId}`,
      // A catalog token: shown in the channel's language (labelText).
      reasonLabel: incidentText.token('deploymentFailed', { id: d.deploymentId }),
      facts,
      now,
      at,
      windowMs,
    },
    log,
  );
}

async function onServiceAction(
  rt: Runtime,
  svc: ResolvedService,
  ev: Extract<ParsedEcsEvent, { kind: 'service-action' }>,
  now: number,
  at: number,
  windowMs: number,
  log: Logger,
): Promise<void> {
  const d = ev.detail;
  if (d.eventName === 'SERVICE_STEADY_STATE') {
    await processRecover(rt, svc, { now, at, quietMs: recoveryQuietMs(svc), by: recoveredBy.steady() }, log);
    return;
  }
  if (!isTroubleAction(d.eventName, d.eventType)) {
    log.debug('service action is not an alert', { eventName: d.eventName });
    return;
  }
  const explanation = explainEcsReason(d.reason, rt.people.workspace, d.eventName);
  const facts: ActionFacts = { eventName: d.eventName, reason: d.reason, at, ...(explanation ? { explanation } : {}) };
  await processSignal(
    rt,
    svc,
    { kind: 'action', seenId: `evt:${ev.id}`, reasonKey: d.eventName, reasonLabel: actionLabel(d.eventName), facts, now, at, windowMs },
    log,
  );
}

/** Record a signal; fetch what only the opener needs; reply in the thread for a new reason; render if we hold the lease. */
export async function processSignal(rt: Runtime, svc: ResolvedService, input: SignalInput, log: Logger): Promise<void> {
  const at = input.at ?? input.now;
  if (input.now - at > input.windowMs) {
    // A late redelivery (EventBridge retries for up to a day): posting it now would mislead.
    log.info('ECS event older than the incident window ignored', { seen: input.seenId, eventTime: new Date(at).toISOString() });
    return;
  }
  let res;
  try {
    res = await recordSignal(rt.redis, svc, input);
  } catch (err) {
    await postWithoutStore(rt, svc, input, err, log);
    return;
  }
  if (res.status === 'dup') {
    log.info('duplicate ECS event ignored', { seen: input.seenId });
    return;
  }
  if (res.status === 'stale') {
    log.info('ECS failure from before the incident recovered ignored (delivered out of order)', {
      seen: input.seenId,
      eventTime: new Date(at).toISOString(),
    });
    return;
  }
  await announceChange(rt, { what: 'incident', environment: svc.environment, service: svc.alias });
  if (res.action === 'muted') log.info('alert muted: counted in the incident, not posted', { seen: input.seenId, count: res.count });
  // Redis answers again, and this process posted the service's alert while it did not: that message
  // becomes the incident's (nothing posted yet) or points at the incident's own message.
  const adopt = await carryOverFallback(rt, svc, res, input, log);
  const task = input.kind === 'task' ? (input.facts as TaskFacts) : undefined;
  let fetched: LogExcerpt | undefined;
  const taskLogs = async (f: TaskFacts) => (fetched ??= await excerptFor(rt, svc, f, ALERT_LOG_LINES));
  if (task && res.count === 1) {
    // The incident's first failed task: its last log lines are part of the message, fetched now
    // (ECS forgets stopped tasks within the hour).
    const extra: Record<string, unknown> = { logs: await taskLogs(task) };
    if (task.startedBy) {
      const request = await rt.redis.get(keys.botDeployment(task.startedBy)).catch(() => null);
      if (request) extra.botRequest = request;
    }
    await attachToIncident(rt.redis, svc, res.gen, extra);
  }
  if (res.newReason && res.ts && res.channel && res.action !== 'muted') {
    const reply = await replyFor(input, taskLogs, rt.people.workspace);
    if (reply)
      await sendReply(
        rt,
        svc,
        { gen: res.gen, channel: res.channel, ts: res.ts },
        reply,
        // A new reason is replied once per incident: its key is the reason's.
        `r:${input.reasonKey}`,
        log,
        async () =>
          // Waiting with others for one reply: a shorter log block.
          (await replyFor(input, taskLogs, rt.people.workspace, BACKLOG_LOG_CHARS)) ?? reply,
      );
  }
  if (res.action === 'post' || res.action === 'update') await syncIncident(rt, svc, res.gen, log, adopt ? { adopt } : {});
}

/** The room of a task's log lines in a reply that waits for the scheduled check (src/alerts/backlog.ts). */
const BACKLOG_LOG_CHARS = 1_000;

/**
 * Post a thread reply in its turn, keyed by its thread and `id` (keyed.run.ts replyKey). One the
 * channel's pace leaves out, or that Slack answers 429 (the wait does not fit) or 5xx, or that got no
 * answer (Slack may have taken it), waits for the scheduled check (`deferred`: the reply as it is kept
 * there); one that got no answer is kept as it was sent, with its key: ./backlog.ts looks for it in
 * the thread before saying it. One Slack refuses for good is logged (the alert message counts its reason).
 */
async function sendReply(
  rt: Runtime,
  svc: ResolvedService,
  at: BacklogThread,
  reply: SlackMessage,
  id: string,
  log: Logger,
  deferred: () => Promise<SlackMessage> = async () => reply,
): Promise<void> {
  const key = replyKey(at.ts, id);
  if (!(await channelTurn(rt, at.channel, 'reply', log))) return deferReply(rt, svc, at, await deferred(), 'channel busy', log);
  try {
    await rt.slack.post(at.channel, reply, { threadTs: at.ts, key });
  } catch (err) {
    if (!permanentSlackFailure(err)) {
      // Refused (Slack answered): not said, kept as a line. No answer: kept with its key, looked for first.
      if (!mayHaveLanded(err))
        return deferReply(rt, svc, at, await deferred(), isSlackRateLimited(err) ? 'rate limited' : 'not delivered', log);
      return deferReply(rt, svc, at, reply, 'no answer', log, { key, unanswered: true });
    }
    log.error('alert: thread reply not delivered', { err });
  }
}

async function replyFor(
  input: SignalInput,
  taskLogs: (f: TaskFacts) => Promise<LogExcerpt>,
  locale: Locale,
  logChars?: number,
): Promise<SlackMessage | undefined> {
  switch (input.kind) {
    case 'task': {
      const f = input.facts as TaskFacts;
      return newReasonReply(f, await taskLogs(f), locale, logChars);
    }
    case 'deploy': {
      const d = input.facts as DeployFacts;
      return signalReply(
        deployFailedText(d.deploymentId, locale),
        d.reason,
        locale,
        explainEcsReason(d.reason, locale, 'SERVICE_DEPLOYMENT_FAILED'),
      );
    }
    case 'action': {
      const a = input.facts as ActionFacts;
      return signalReply(actionText(actionLabel(a.eventName), locale), a.reason, locale, explainEcsReason(a.reason, locale, a.eventName));
    }
    case 'down': {
      const d = input.facts as DownFacts;
      return signalReply(downText(d.desired, d.running, input.now - d.since, locale), undefined, locale);
    }
  }
}

/** Close the open incident (if any), say so in its thread, and re-render its header. */
export async function processRecover(rt: Runtime, svc: ResolvedService, input: RecoverInput, log: Logger): Promise<void> {
  let res;
  try {
    res = await recoverIncident(rt.redis, svc, input);
  } catch (err) {
    log.warn('redis unavailable: cannot close the incident (alerts run without grouping)', { by: input.by, err });
    return;
  }
  if (res.status !== 'ok') {
    log.debug('recovery: nothing to close', { status: res.status, by: input.by });
    return;
  }
  log.info('incident recovered', { by: input.by, posted: !!res.ts });
  await announceChange(rt, { what: 'incident', environment: svc.environment, service: svc.alias });
  if (res.ts && res.channel && res.action !== 'muted') {
    const view = await readIncident(rt.redis, svc);
    if (view && view.gen === res.gen)
      await sendReply(
        rt,
        svc,
        { gen: res.gen, channel: res.channel, ts: res.ts },
        recoveredReply(view, input.by, rt.people.workspace),
        'recovered',
        log,
      );
  }
  if (res.action === 'update') await syncIncident(rt, svc, res.gen, log);
}

/** Signals counted while Redis is unreachable (per process), so a redelivered event counts once. */
const fallbackId = (svc: ResolvedService, input: SignalInput): string => `${svc.environment}:${svc.alias}:${input.seenId}`;
const postedWithoutStore = new Set<string>();
const POSTED_WITHOUT_STORE_MAX = 10_000;
/** Reasons one alert lists at most (as signal-4.lua's MAX_REASONS). */
const FALLBACK_MAX_REASONS = 16;

/**
 * While Redis is unreachable, the alert of each service in this process: one message, grouped and
 * updated in place as signal-4.lua and sync.ts do with Redis (same incident window, same update
 * spacing), so a storm is one message per service per process instead of one per failed task.
 */
interface FallbackAlert {
  view: IncidentView;
  /** When the last signal was counted: the incident window runs from it. */
  lastSeen: number;
  ts?: string;
  channel?: string;
  /** A render is under way in this process; it renders again while `dirty`. */
  rendering: boolean;
  /** Something was counted that Slack does not show yet. */
  dirty: boolean;
}
const fallbackAlerts = new Map<string, FallbackAlert>();

/** Forget what this process posted while Redis was unreachable (tests: a new Slack, a new clock). */
export function clearFallbackAlerts(): void {
  fallbackAlerts.clear();
  postedWithoutStore.clear();
}

/**
 * The service's fallback alert in this process, once Redis answers again for the service (`res`, the
 * signal just recorded), when it is still the service's current alert (posted, within the incident
 * window, not being rendered):
 * - the incident has no message and this caller posts it (`post`) for a signal the fallback message
 *   counted (Lambda's retry of an outage's event): the fallback message is taken over
 *   (returned, for syncIncident's `adopt`), and the incident records what it had counted (`outage`,
 *   shown on the message), so Lambda's retries of the outage's events land in the message people saw;
 * - the incident has a message (opened before the outage, or posted by another process): the fallback
 *   message says the alert continues there, with a link.
 * Otherwise (another caller is posting, muted with no message) it is kept for the next signal.
 */
async function carryOverFallback(
  rt: Runtime,
  svc: ResolvedService,
  res: Extract<Awaited<ReturnType<typeof recordSignal>>, { status: 'ok' }>,
  input: SignalInput,
  log: Logger,
): Promise<{ channel: string; ts: string } | undefined> {
  const svcKey = `${svc.environment}:${svc.alias}`;
  const fb = fallbackAlerts.get(svcKey);
  if (!fb) return undefined;
  if (input.now - fb.lastSeen > input.windowMs) {
    fallbackAlerts.delete(svcKey);
    return undefined;
  }
  if (!fb.ts || !fb.channel || fb.rendering) return undefined;
  const at = { channel: fb.channel, ts: fb.ts };
  if (res.action === 'post') {
    // Only Lambda's retry of a signal the fallback message counted makes it this incident's message: a new
    // signal opening an incident with no message (the outage's one may have recovered meanwhile, in the
    // scheduled check) gets a message of its own, not an edit of an older one that notifies nobody.
    if (!postedWithoutStore.has(fallbackId(svc, input))) return undefined;
    fallbackAlerts.delete(svcKey);
    const n = fb.view.reasons.reduce((sum, r) => sum + r.n, 0);
    await attachToIncident(rt.redis, svc, res.gen, { outage: { n, since: fb.view.openedAt } }).catch((err: unknown) =>
      log.warn('alert: could not record what was counted while Redis was unreachable', { err }),
    );
    return at;
  }
  if (!res.ts || !res.channel) return undefined;
  fallbackAlerts.delete(svcKey);
  await rt.slack
    .update(at.channel, at.ts, continuedAlertMessage(fb.view, svc, rt.people.workspace, { channel: res.channel, ts: res.ts }))
    .then(
      () => log.info('alert: the message posted while Redis was unreachable points at the incident', { ts: at.ts, incident: res.ts }),
      (err: unknown) => log.warn('alert: could not point the message posted while Redis was unreachable at the incident', { err }),
    );
  return undefined;
}

/** Count one signal into a fallback alert's view (what signal-4.lua does to the incident hash). */
function addToView(v: IncidentView, input: SignalInput, at: number): void {
  const reason = v.reasons.find((r) => r.key === input.reasonKey);
  if (reason) reason.n += 1;
  else if (v.reasons.length < FALLBACK_MAX_REASONS)
    v.reasons.push({ key: input.reasonKey, label: input.reasonLabel, kind: input.kind, n: 1 });
  v.lastReason = input.reasonKey;
  if (input.kind === 'task') {
    v.count += 1;
    v.firstFailAt = v.firstFailAt ? Math.min(v.firstFailAt, at) : at;
    v.first ??= input.facts as TaskFacts;
  } else if (input.kind === 'deploy') v.deploy = input.facts as DeployFacts;
  else if (input.kind === 'action') v.action = input.facts as ActionFacts;
  else v.down = input.facts as DownFacts;
  if (input.kind !== 'down') v.lastFailAt = Math.max(v.lastFailAt, at);
  v.lastAt = Math.max(v.lastAt, at);
  v.rev += 1;
}

/**
 * Redis is down: no incident in Redis, no cross-process de-duplication, no mute. The alert is
 * still posted (an alert nobody sees is worse than two), grouped per service in this process and
 * updated in place, and the log says why.
 */
async function postWithoutStore(rt: Runtime, svc: ResolvedService, input: SignalInput, cause: unknown, log: Logger): Promise<void> {
  const id = fallbackId(svc, input);
  const svcKey = `${svc.environment}:${svc.alias}`;
  let fb = fallbackAlerts.get(svcKey);
  if (postedWithoutStore.has(id)) {
    log.info('duplicate ECS event ignored (in-process check; redis unavailable)', { seen: input.seenId });
    // A redelivery of a signal Slack has not shown yet (Slack failed too) tries again.
    if (fb?.dirty && !fb.rendering) await renderFallback(rt, svc, fb, log);
    return;
  }
  if (postedWithoutStore.size >= POSTED_WITHOUT_STORE_MAX) postedWithoutStore.clear();
  postedWithoutStore.add(id);
  const at = input.at ?? input.now;
  if (fb && input.now - fb.lastSeen > input.windowMs) fb = undefined;
  if (fb) {
    addToView(fb.view, input, at);
    fb.lastSeen = input.now;
    fb.dirty = true;
    log.info('redis unavailable: alert updated in place (grouped in this process only)', { seen: input.seenId, count: fb.view.count });
    if (!fb.rendering) await renderFallback(rt, svc, fb, log);
    return;
  }
  log.warn('redis unavailable: alert posted without grouping, de-duplication or mute', { seen: input.seenId, err: cause });
  const view: IncidentView = {
    gen: 0,
    state: 'open',
    openedAt: at,
    lastAt: at,
    firstFailAt: 0,
    lastFailAt: 0,
    count: 0,
    reasons: [],
    rev: 0,
    shown: -1,
  };
  addToView(view, input, at);
  // Rendering from the start: signals counted while the log lines are fetched wait for this render.
  const created: FallbackAlert = { view, lastSeen: input.now, rendering: true, dirty: true };
  fallbackAlerts.set(svcKey, created);
  try {
    if (view.first) view.logs = await excerptFor(rt, svc, view.first, ALERT_LOG_LINES);
  } finally {
    created.rendering = false;
  }
  await renderFallback(rt, svc, created, log);
}

/** Post or update a fallback alert until Slack shows what was counted; updates keep UPDATE_EVERY_MS apart. */
async function renderFallback(rt: Runtime, svc: ResolvedService, fb: FallbackAlert, log: Logger): Promise<void> {
  fb.rendering = true;
  try {
    while (fb.dirty) {
      if (fb.ts && fb.view.shownAt !== undefined) {
        const wait = fb.view.shownAt + UPDATE_EVERY_MS - rt.now();
        if (wait > 0) await rt.sleep(wait);
      }
      fb.dirty = false;
      const msg = alertMessage(fb.view, svc, rt.people.workspace);
      try {
        if (fb.ts && fb.channel) await rt.slack.update(fb.channel, fb.ts, msg);
        else {
          const res = await rt.slack.post(alertChannelFor(svc), msg);
          fb.ts = res.ts;
          fb.channel = res.channel;
        }
        fb.view.shownAt = rt.now();
      } catch (err) {
        fb.dirty = true;
        log.error('alert not delivered (redis and slack both failed); the next event of this service retries', { err });
        return;
      }
    }
  } finally {
    fb.rendering = false;
  }
}
