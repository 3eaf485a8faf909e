/**
 * Reporting a running change in its request's thread: one status card kept current with
 * chat.update, and milestone replies (registered, started, stuck, completed / failed).
 *
 * Whoever notices a change calls `refreshRequest` — the ECS events consumer, the deadline tick,
 * the local watcher, the executor right after UpdateService — and the same code reads the
 * service, assesses the rollout (./progress.ts) and writes Slack. It is safe to call any number
 * of times, concurrently: milestones are claimed once per request (HSETNX) and released when
 * posting fails; the card is only re-sent when its content changed (and, while the rollout
 * runs, at most every few seconds); the final state is posted before the request is finished,
 * so a failure to post leaves the request running and the next event or tick posts it.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { BotError } from '../errors';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { cutUtf8, REQUEST_FACT_MAX_BYTES } from '../redis/bounds';
import { claimField } from '../redis/claim';
import { announceChange } from '../hooks/events';
import { describeService, describeTaskDefinition, describeTasks, listServiceTasks } from '../aws/ecs';
import { describeServiceDeployments } from '../aws/ecs-write';
import { logLocation } from '../aws/log-location';
import { filterLogEvents } from '../aws/logs';
import { envAccess, findService } from '../config/load';
import { cleanLogMessages } from '../aws/redact';
import { formatDuration } from '../i18n';
import { defineMessages, type Localized } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { parsePlan, plannedTaskDefinition, registersTaskDefinition, requestVerb, type ChangePlan } from './plan';
import {
  assessRollout,
  failedContainers,
  relevantStoppedTasks,
  type Assessment,
  type Counts,
  type Phase,
  type StoppedTaskInfo,
} from './progress';
import { finalMilestone, notStartedMilestone, statusCard, stuckMilestone, type Audience, type CardView } from './card';
import { withThrottleRetry } from './retry';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { finishExecution, pressExecution, setStatusTs } from '../approvals/execution';
import { UNCONFIRMED_AUDIT } from '../approvals/model';
import { arnTail } from '../aws/arn';
import { explainEcsReason } from '../aws/ecs-reasons';
import { oneLine } from '../slack/text';
import { messageUnreachable } from '../slack/failures';
import { postKeyed } from '../approvals/keyed-post';
import { recordHealthy } from './promotion';
import { rolledBackAtGate } from './traffic-model';
import type { PauseState } from './traffic-model';
import { autoLockReason, type RollbackCause } from './autolock';
import { isRunRequest } from './run-plan';

const M = defineMessages('deploy.tracker', {
  logGroupSource: {
    en: 'the awslogs-group option of container {container} in {td}',
    ko: '{td}에 있는 {container} 컨테이너의 awslogs-group 옵션',
  },
  // The outcome detail follows "Succeeded"/"성공" on the card and in /ecs history: no "completed:" before it.
  completedScale: { en: '{service} runs {n} {n|task|tasks}', ko: '{service} 작업 {n}개 실행 중' },
  completedTd: { en: '{td} running{on}', ko: '{td} 실행 중{on}' },
  onTasks: { en: ' on {n} {n|task|tasks}', ko: ' (작업 {n}개)' },
  seeThread: { en: 'see the thread', ko: '스레드 참고' },
  abortedBy: { en: 'aborted by {user}: ', ko: '{user} 님이 중단: ' },
  rolledBack: { en: 'rolled back: ', ko: '롤백됨: ' },
  unreadablePlan: {
    en: 'the stored plan could not be read by this version of the bot; nothing was changed by it',
    ko: '이 버전의 봇이 저장된 계획을 읽지 못했습니다. 이 계획으로 바뀐 것은 없습니다',
  },
  didNotRun: { en: 'did not run: {message}', ko: '실행하지 않음: {message}' },
  gaveUpUnread: {
    en: "I could not read the service for {duration}, so I stopped tracking the change and released the service's change lock. {why} Check `/ecs status {service}`.",
    ko: '{duration} 동안 서비스를 읽지 못해 변경 추적을 멈추고 서비스의 변경 잠금을 풀었습니다. {why} `/ecs status {service}` 명령으로 확인하세요.',
  },
  unreadableService: { en: 'AWS gave no usable answer.', ko: 'AWS가 쓸 수 있는 답을 주지 않았습니다.' },
  gaveUp: {
    en: "Still not finished after {duration}, so I stopped tracking it and released the service's change lock. Check `/ecs status {service}`.",
    ko: '{duration} 동안 끝나지 않아 추적을 멈추고 서비스의 변경 잠금을 풀었습니다. `/ecs status {service}` 명령으로 확인하세요.',
  },
});

/** Where a container's log group comes from (for "no such log group" answers), in the reader's language. */
export const logGroupSource = (container: string, td: string): Localized => M.lazy('logGroupSource', { container, td });

/** Who the end of a change is for: the person who asked and the people who approved. */
export function audienceOf(req: Pick<ChangeRequest, 'requester' | 'approvals'>): Audience {
  return { requester: req.requester, approvers: req.approvals.map((a) => a.user) };
}

/** While a rollout runs, the card is re-sent at most this often (final states always go out). */
const MIN_CARD_INTERVAL_MS = 3_000;
/** A change still not final after this many deadlines is given up (the change lock expires then too). */
export const GIVE_UP_FACTOR = 3;
const DEFAULT_DEADLINE_MS = 20 * 60_000;

/** What the executor records in request.execution (read leniently: facts from older versions pass). */
export const factsSchema = lazySchema(() =>
  z
    .object({
      startedAt: z.number().optional(),
      registering: z.number().optional(),
      registeredTaskDefinition: z.string().optional(),
      targetTaskDefinition: z.string().optional(),
      deploymentId: z.string().optional(),
      serviceDeploymentArn: z.string().optional(),
      serviceUpdatedAt: z.number().optional(),
      updateAttempts: z.number().optional(),
      abortedBy: z.string().optional(),
      abortedAt: z.number().optional(),
      abortMethod: z.enum(['stop', 'update']).optional(),
      outcome: z.string().optional(),
      /** The change did not run (why, and what to do), decided before anyone was told: every later attempt ends it that way. */
      notStarted: z.object({ message: z.string(), hint: z.string().optional() }).optional(),
      /** How the rollout ended, decided once before anyone was told: every later attempt finishes it this way. */
      ended: z
        .object({
          phase: z.enum(['completed', 'failed']),
          reasons: z.array(z.string()),
          rolledBack: z.boolean().optional(),
          abortedBy: z.string().optional(),
          unconfirmed: z.boolean().optional(),
          counts: z
            .object({ desired: z.number(), running: z.number(), pending: z.number(), failed: z.number(), back: z.string().optional() })
            .optional(),
          deploymentSince: z.number().optional(),
          at: z.number(),
        })
        .optional(),
    })
    .passthrough(),
);
export type ExecFacts = z.infer<typeof factsSchema>;

export function factsOf(req: Pick<ChangeRequest, 'execution'>): ExecFacts {
  const r = factsSchema.safeParse(req.execution ?? {});
  return r.success ? r.data : {};
}

export function deadlineOf(rt: Pick<Runtime, 'config'>, environment: string): number {
  return rt.config.environments[environment]?.deployDeadline ?? DEFAULT_DEADLINE_MS;
}

export function startedAtOf(req: ChangeRequest, ex: ExecFacts): number {
  return ex.startedAt ?? req.startedAt ?? req.updatedAt;
}

function hashOf(msg: SlackMessage): string {
  return createHash('sha1').update(JSON.stringify(msg)).digest('hex');
}

async function trackState(rt: Runtime, id: string): Promise<Record<string, string>> {
  return rt.redis.hgetall(keys.changeTrack(id));
}

async function setTrack(rt: Runtime, id: string, fields: Record<string, string | number>): Promise<void> {
  await rt.redis.pipeline().hset(keys.changeTrack(id), fields).expire(keys.changeTrack(id), TRACK_TTL_SECONDS).exec();
}

/**
 * Post a thread reply at most once per request and `name`: claimed first (HSETNX), released
 * when the post fails so a later attempt can post it (`postKeyed`: it looks first when an earlier
 * attempt got no answer). Returns the reply's ts; undefined when it was already posted.
 */
export async function postOnce(
  rt: Runtime,
  req: ChangeRequest,
  name: string,
  msg: SlackMessage,
  opts: { broadcast?: boolean } = {},
): Promise<string | undefined> {
  const field = `m:${name}`;
  const claimed = await claimField(rt.redis, keys.changeTrack(req.id), field, String(rt.now()), TRACK_TTL_SECONDS);
  if (!claimed) return undefined;
  try {
    return (await postKeyed(rt, req, name, msg, opts)).ts;
  } catch (err) {
    await rt.redis.hdel(keys.changeTrack(req.id), field).catch(() => undefined);
    throw err;
  }
}

/**
 * Post the status card (keyed as `name`) and record its ts. A card found from an earlier attempt that
 * got no answer shows what that attempt said: it is updated to `msg`.
 */
async function postCardOf(rt: Runtime, req: ChangeRequest, name: string, msg: SlackMessage): Promise<void> {
  const { ts, found } = await postKeyed(rt, req, name, msg);
  await setStatusTs(rt, req.id, ts);
  req.statusTs = ts;
  if (found) await rt.slack.update(req.channel, ts, msg);
}

/**
 * Show `msg` on the status card: posted (once) when there is none yet, else updated in place
 * when it changed. Non-final content is coalesced (unchanged → nothing; recently sent → later).
 */
export async function showCard(
  rt: Runtime,
  req: ChangeRequest,
  msg: SlackMessage,
  opts: { final?: boolean; force?: boolean } = {},
): Promise<boolean> {
  const h = hashOf(msg);
  const track = await trackState(rt, req.id);
  if (track.card === h) return false;
  const now = rt.now();
  if (!opts.final && !opts.force && track.cardAt && now - Number(track.cardAt) < MIN_CARD_INTERVAL_MS) return false;
  if (!req.statusTs) {
    await postCardOf(rt, req, 'status', msg);
  } else {
    try {
      await rt.slack.update(req.channel, req.statusTs, msg);
    } catch (err) {
      // The card is gone or can no longer be edited (src/slack/failures.ts): a new one is posted.
      if (!messageUnreachable(err)) throw err;
      rt.log.warn('status card cannot be updated; posting a new one', { requestId: req.id, err });
      await postCardOf(rt, req, `status-after-${req.statusTs}`, msg);
    }
  }
  await setTrack(rt, req.id, { card: h, cardAt: now });
  return true;
}

export interface NotStarted {
  message: string;
  hint?: string;
}

/** `s` within `max` bytes of UTF-8, marked with "…" when cut. */
const cutText = (s: string, max: number): string => (Buffer.byteLength(s, 'utf8') > max ? `${cutUtf8(s, max - 3)}…` : s);

/**
 * An execution fact within REQUEST_FACT_MAX_BYTES: `build(max)` with its longest text at most `max`
 * bytes, from `start` down by 100 until it fits (at 100 it is taken as it is).
 */
function fitFact<T>(start: number, build: (max: number) => T): T {
  for (let max = start; ; max -= 100) {
    const fact = build(max);
    if (max <= 100 || Buffer.byteLength(JSON.stringify(fact), 'utf8') <= REQUEST_FACT_MAX_BYTES) return fact;
  }
}

/** `why` as an execution fact (long AWS texts are cut). */
export function notStartedFact(why: NotStarted): NotStarted {
  return fitFact(700, (max) => ({ message: cutText(why.message, max), ...(why.hint ? { hint: cutText(why.hint, 250) } : {}) }));
}

/**
 * End a change that did not change the service: the final reply (why, what to do; broadcast), the
 * card in its final state, then the request failed, freeing the service. Each step is repeatable:
 * when Slack or Redis fails on the way, the job's retry (or the tick) runs it again from the
 * recorded `notStarted` fact, and the reply is posted once.
 */
export async function finishNotStarted(rt: Runtime, req: ChangeRequest, plan: ChangePlan, why: NotStarted): Promise<void> {
  const w = rt.people.workspace;
  const ex = factsOf(req);
  const registered = registersTaskDefinition(plan) ? ex.registeredTaskDefinition : undefined;
  await postOnce(rt, req, 'final', notStartedMilestone(plan, why.message, why.hint, registered, w, audienceOf(req)), {
    broadcast: true,
  });
  const card: CardView = {
    requestId: req.id,
    plan,
    phase: 'failed',
    ...(registered ? { registered } : {}),
    deadlineMs: deadlineOf(rt, plan.environment),
    reasons: [],
    stoppedTasks: [],
    startedAt: startedAtOf(req, ex),
    note: why.message,
  };
  await showCard(rt, req, statusCard(card, w), { final: true });
  await finishExecution(rt, req.id, 'failed', M.in(w)('didNotRun', { message: why.message }).slice(0, 600));
}

/** The stopped tasks that explain a failure, with the last log lines of their failed containers. */
export async function stoppedTasksFor(
  rt: Runtime,
  plan: ChangePlan,
  taskDefinition: string,
  since: number,
  withLogs: boolean,
): Promise<StoppedTaskInfo[]> {
  const ecs = rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
  const arns = await withThrottleRetry(() => listServiceTasks(ecs, plan.cluster, plan.serviceName, 'STOPPED'));
  if (!arns.length) return [];
  const tasks = await withThrottleRetry(() => describeTasks(ecs, plan.cluster, arns.slice(0, 100)));
  const infos = relevantStoppedTasks(tasks, taskDefinition, since, 3);
  if (!withLogs || !infos.length) return infos;
  let td;
  try {
    td = (await withThrottleRetry(() => describeTaskDefinition(ecs, taskDefinition))).taskDefinition;
  } catch (err) {
    rt.log.warn('cannot read the task definition for log lines', { taskDefinition, err });
    return infos;
  }
  const multi = (td.containerDefinitions?.length ?? 0) > 1;
  for (const info of infos.slice(0, 2)) {
    const task = tasks.find((t) => arnTail(t.taskArn) === info.taskId);
    const lines: string[] = [];
    for (const name of failedContainers(info).slice(0, 2)) {
      const start = (task?.createdAt?.getTime() ?? since) - 60_000;
      const end = (info.stoppedAt ?? rt.now()) + 60_000;
      for (const m of await containerLogLines(rt, plan, td, taskDefinition, name, info.taskId, start, end))
        lines.push(`${multi ? `[${name}] ` : ''}${m}`);
    }
    if (lines.length) info.logLines = lines.slice(-10);
  }
  return infos;
}

/**
 * The last (up to 10) log lines container `name` of task `taskId` wrote between `start` and `end`, in
 * its awslogs group (the service's configured group or prefix when the alias still names a service of
 * `where`'s environment); none when it does not log there or the logs cannot be read (logged).
 */
export async function containerLogLines(
  rt: Runtime,
  where: { alias: string; environment: string; region: string },
  td: TaskDefinition,
  taskDefinition: string,
  name: string,
  taskId: string,
  start: number,
  end: number,
): Promise<string[]> {
  // The alias may since name a service of another environment (moved or renamed in chatops.yml): not its log group.
  const configured = findService(rt.config, where.alias);
  const mine = configured?.environment === where.environment;
  const loc = logLocation(
    td,
    name,
    taskId,
    where.region,
    mine ? configured.logGroup : undefined,
    mine ? configured.logGroupPrefix : undefined,
  );
  if (!loc.ok) return [];
  const { region, group, stream } = loc.loc;
  try {
    const res = await filterLogEvents(
      rt.aws.logs(region, envAccess(rt.config, where.environment)),
      { logGroupName: group, logStreamNamePrefix: stream, startTime: start, endTime: end, limit: 10 },
      { region, groupSource: logGroupSource(name, arnTail(taskDefinition)) },
      { maxPages: 2, maxMs: 5_000, clock: rt.now },
    );
    return cleanLogMessages(res.events.map((e) => e.message ?? '')).map((m) => m.trimEnd());
  } catch (err) {
    rt.log.warn('cannot read the logs of a stopped task', { group, task: taskId, err });
    return [];
  }
}

export type RefreshResult = Phase | 'not_running' | 'not_started';

interface RefreshOptions {
  /** A service description already in hand (the UpdateService response, a fresh DescribeServices). */
  service?: Service;
  /** Re-send the card even if one went out moments ago (deployment events, abort). */
  force?: boolean;
}

/** The outcome shown on the request message (the workspace's language). */
function finishDetail(view: CardView, locale: Locale): string {
  const t = M.in(locale);
  const p = view.plan;
  if (view.phase === 'completed') {
    if (p.verb === 'scale') return t('completedScale', { service: `\`${p.alias}\``, n: p.to });
    const td = plannedTaskDefinition(p, view.registered);
    return t('completedTd', { td: `\`${arnTail(td)}\``, on: view.counts ? t('onTasks', { n: view.counts.running }) : '' });
  }
  const why = view.reasons[0] ? oneLine(view.reasons[0], 300) : t('seeThread');
  return `${view.abortedBy ? t('abortedBy', { user: `<@${view.abortedBy}>` }) : ''}${view.rolledBack ? t('rolledBack') : ''}${why}`;
}

/** How a rollout ended, as recorded in the execution fact `ended` (small: the inputs of the final texts). */
export interface Ended {
  phase: 'completed' | 'failed';
  reasons: string[];
  rolledBack?: boolean;
  abortedBy?: string;
  /** Given up, not told by ECS (CardView.unconfirmed). */
  unconfirmed?: boolean;
  counts?: Counts;
  /** A scale: when the deployment it kept started (CardView.deploymentSince), for the final card. */
  deploymentSince?: number;
  /** When it was decided (the duration the final reply gives). */
  at: number;
}

/** The longest plain-words line of an ECS reason (src/aws/ecs-reasons.ts; test/unit/ecs-reasons.test.ts holds every one to it). */
export const EXPLANATION_MAX_BYTES = 400;

/** `view`'s outcome as an execution fact (at most REQUEST_FACT_MAX_BYTES: long reasons are cut, at most 3 kept; a short first reason is kept whole). */
export function endedFact(
  view: Pick<CardView, 'reasons' | 'rolledBack' | 'abortedBy' | 'counts' | 'unconfirmed' | 'deploymentSince' | 'locale'> & {
    phase: 'completed' | 'failed';
  },
  at: number,
): Ended {
  // The first reason is the one people read (and the request message shows): it keeps the most. The
  // plain-words line of ECS's reason (src/aws/ecs-reasons.ts, at most EXPLANATION_MAX_BYTES) is ours
  // and kept whole: cut, it would stop mid-sentence.
  const means = explainEcsReason(view.reasons[0], view.locale ?? 'en');
  return fitFact(800, (max): Ended => ({
    phase: view.phase,
    reasons: view.reasons.slice(0, 3).map((r, i) => cutText(r, i === 0 ? max : r === means ? EXPLANATION_MAX_BYTES : Math.min(max, 200))),
    ...(view.rolledBack ? { rolledBack: true } : {}),
    ...(view.abortedBy ? { abortedBy: view.abortedBy } : {}),
    ...(view.unconfirmed && view.phase === 'failed' ? { unconfirmed: true } : {}),
    // Only the task definition's name:revision of `back` is ever shown.
    ...(view.counts ? { counts: { ...view.counts, ...(view.counts.back ? { back: cutText(arnTail(view.counts.back), 300) } : {}) } } : {}),
    ...(view.deploymentSince !== undefined ? { deploymentSince: view.deploymentSince } : {}),
    at,
  }));
}

/**
 * The end of a rollout is decided once: the outcome is recorded as the execution fact `ended` (the
 * first one recorded wins: a concurrent refresh that assessed otherwise finishes the recorded
 * outcome), before the final reply is posted. Then the change is finished from it.
 */
async function finalize(
  rt: Runtime,
  req: ChangeRequest,
  view: CardView & { phase: 'completed' | 'failed' },
  withLogs: StoppedTaskInfo[],
): Promise<Phase> {
  const mine = endedFact(view, rt.now());
  const recorded = await pressExecution(
    rt,
    req.id,
    'bot',
    'rollout ended',
    `${mine.unconfirmed ? UNCONFIRMED_AUDIT : mine.phase}${mine.reasons[0] ? `: ${mine.reasons[0]}` : ''}`,
    'ended',
    mine,
  );
  const ended = recorded ? factsOf(recorded).ended : undefined;
  if (!recorded || !ended) throw new Error(`the end of change ${req.id} could not be recorded`);
  const same = ended.phase === mine.phase && ended.at === mine.at;
  await finishEnded(rt, recorded, view.plan, ended, same ? withLogs : undefined);
  return ended.phase;
}

/**
 * Finish a rollout from its recorded end (`ended`), never from a new look at the service: post the
 * final milestone (mentioning the requester and the approvers; a failure is also broadcast to the
 * channel) if it was not posted yet, put the card in its final state, then finish the request.
 * Each step is repeatable: when Slack or Redis fails on the way, the next refresh (the job's
 * retry, an event, the tick) runs it again. Why it failed is said once, in the milestone: the
 * final card only says that it failed. Release gates: a healthy completion is recorded for the
 * promotion gate; after a rollback the service is locked (gates.autoLock) in the same step as the
 * finish, and the final message carries the button that acknowledges it.
 */
export async function finishEnded(
  rt: Runtime,
  req: ChangeRequest,
  plan: ChangePlan,
  ended: Ended,
  withLogs?: StoppedTaskInfo[],
): Promise<void> {
  const w = rt.people.workspace;
  const ex = factsOf(req);
  const startedAt = startedAtOf(req, ex);
  const view: CardView & { phase: 'completed' | 'failed' } = {
    requestId: req.id,
    plan,
    phase: ended.phase,
    ...(ex.registeredTaskDefinition ? { registered: ex.registeredTaskDefinition } : {}),
    ...(ex.deploymentId ? { deploymentId: ex.deploymentId } : {}),
    ...(ended.deploymentSince !== undefined ? { deploymentSince: ended.deploymentSince } : {}),
    ...(ended.counts ? { counts: ended.counts } : {}),
    startedAt,
    deadlineMs: deadlineOf(rt, plan.environment),
    reasons: ended.reasons,
    stoppedTasks: [],
    ...(ended.rolledBack ? { rolledBack: true } : {}),
    ...(ended.abortedBy ? { abortedBy: ended.abortedBy } : {}),
    ...(ended.unconfirmed ? { unconfirmed: true } : {}),
    locale: rt.config.slack.language,
  };
  const autoLock = autoLockFor(rt, req, view);
  const track = await trackState(rt, req.id);
  let stopped = withLogs;
  if (!stopped) {
    // A later attempt: the stopped tasks that explain a failure (details, not a new assessment), only while the reply is still to be posted.
    stopped = [];
    if (ended.phase === 'failed' && !track['m:final']) {
      const target = ex.targetTaskDefinition ?? plannedTaskDefinition(plan, ex.registeredTaskDefinition) ?? plan.currentTaskDefinition;
      stopped = await stoppedTasksFor(rt, plan, target, startedAt, true).catch((err: unknown) => {
        rt.log.warn('cannot read the stopped tasks', { requestId: req.id, err });
        return track.stopped ? (JSON.parse(track.stopped) as StoppedTaskInfo[]) : [];
      });
    }
  }
  await postOnce(
    rt,
    req,
    'final',
    finalMilestone({ ...view, stoppedTasks: stopped, ...(autoLock ? { autoLocked: true } : {}) }, ended.at - startedAt, w, audienceOf(req)),
    { broadcast: view.phase === 'failed' },
  );
  await showCard(rt, req, statusCard(view, w), { final: true });
  if (view.phase === 'completed') {
    await recordHealthy(rt, req.id, plan).catch((err) =>
      rt.log.warn('promotion: could not record the healthy completion', { requestId: req.id, err }),
    );
  }
  const done = await finishExecution(rt, req.id, view.phase === 'completed' ? 'succeeded' : 'failed', finishDetail(view, w), autoLock);
  rt.log.info('change finished', { requestId: req.id, phase: view.phase, verb: plan.verb, autoLocked: done.autoLocked ?? false });
}

/** The automatic lock a finished change asks for (gates.autoLock): after any rollback — by a person, the circuit breaker, Abort or the traffic-shift gate. */
function autoLockFor(
  rt: Runtime,
  req: ChangeRequest,
  view: CardView & { phase: 'completed' | 'failed' },
): { reason: string; ttlMs?: number } | undefined {
  const cfg = rt.config.environments[view.plan.environment]?.gates.autoLock;
  if (!cfg?.afterRollback) return undefined;
  const why = rollbackCause(view, factsOf(req));
  if (!why) return undefined;
  return { reason: autoLockReason(why, view, rt.config.slack.language), ...(cfg.expireAfter ? { ttlMs: cfg.expireAfter } : {}) };
}

function rollbackCause(view: CardView & { phase: 'completed' | 'failed' }, ex: ExecFacts): RollbackCause | undefined {
  if (view.plan.verb === 'rollback') return 'person';
  if (view.phase !== 'failed') return undefined;
  if (rolledBackAtGate(ex)) return 'gate';
  if (view.abortedBy) return 'abort';
  if (view.rolledBack) return 'breaker';
  return undefined;
}

/** Fail a running request whose plan this version cannot read (never left running). */
async function failUnreadable(rt: Runtime, req: ChangeRequest): Promise<void> {
  await finishExecution(rt, req.id, 'failed', M.in(rt.people.workspace)('unreadablePlan'));
}

/**
 * The service of a running change could not be read (`err`). One failed read is no answer (the next
 * event or tick reads again: false); but past the give-up time a service that cannot be read
 * (deleted, access revoked, AWS unreachable that long) would otherwise keep the change running, and
 * the service blocked, forever: the change ends as failed, saying why (true).
 */
export async function giveUpUnreadable(rt: Runtime, req: ChangeRequest, plan: ChangePlan, err: unknown): Promise<boolean> {
  const ex = factsOf(req);
  const startedAt = startedAtOf(req, ex);
  const deadlineMs = deadlineOf(rt, plan.environment);
  const elapsed = rt.now() - startedAt;
  if (elapsed <= GIVE_UP_FACTOR * deadlineMs) return false;
  rt.log.warn('deploy progress: the service cannot be read past the give-up time; giving up', { requestId: req.id, err });
  const w = rt.people.workspace;
  const why = err instanceof BotError ? err.userMessageIn(w) : M.in(w)('unreadableService');
  const view: CardView & { phase: 'failed' } = {
    requestId: req.id,
    plan,
    phase: 'failed',
    ...(ex.registeredTaskDefinition ? { registered: ex.registeredTaskDefinition } : {}),
    ...(ex.deploymentId ? { deploymentId: ex.deploymentId } : {}),
    startedAt,
    deadlineMs,
    reasons: [M.in(w)('gaveUpUnread', { duration: formatDuration(elapsed, w), service: plan.alias, why })],
    stoppedTasks: [],
    // A service ECS says is gone cannot finish the rollout (failed); any other unreadable answer leaves it unknown.
    ...(err instanceof BotError && err.code === 'NOT_FOUND' ? {} : { unconfirmed: true }),
    ...(ex.abortedBy ? { abortedBy: ex.abortedBy } : {}),
    locale: rt.config.slack.language,
  };
  await finalize(rt, req, view, []);
  return true;
}

/**
 * Our deployment is no longer in the service's deployment list (someone else's deployment came and
 * finished before the bot looked): did it complete before it was replaced? ECS's record of our
 * service deployment (DescribeServiceDeployments on the ARN recorded at UpdateService) says so;
 * SUCCESSFUL means it reached steady state, and what came after it is someone else's. Anything
 * else, no recorded ARN, or no answer: false (the rollout is assessed as before).
 */
async function completedOutOfSight(
  rt: Runtime,
  req: ChangeRequest,
  plan: ChangePlan,
  ex: ExecFacts,
  service: Service,
  aborted: boolean,
): Promise<boolean> {
  // Replaced by this change's own Abort (which took the service back): it did not hold, whatever it reached before.
  if (aborted || plan.verb === 'scale' || !ex.serviceDeploymentArn || !ex.deploymentId) return false;
  if ((service.deployments ?? []).some((d) => d.id === ex.deploymentId)) return false;
  try {
    const ecs = rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
    const [sd] = await withThrottleRetry(() => describeServiceDeployments(ecs, [ex.serviceDeploymentArn!]));
    return sd?.serviceDeploymentArn === ex.serviceDeploymentArn && sd.status === 'SUCCESSFUL';
  } catch (err) {
    rt.log.warn('deploy progress: could not read our service deployment', { requestId: req.id, err });
    return false;
  }
}

/**
 * Bring the thread up to date with the service. Returns the phase (or why nothing was done).
 * Throws when Slack or AWS could not be reached: callers log it, and the next event or tick retries.
 */
export async function refreshRequest(rt: Runtime, idOrReq: string | ChangeRequest, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const req = typeof idOrReq === 'string' ? await getRequest(rt.redis, idOrReq) : idOrReq;
  if (!req || req.state !== 'running') return 'not_running';
  // A one-off task (`/ecs run`) is followed by its own tracker (./run-task.ts refreshRun), never assessed as a rollout here.
  if (isRunRequest(req)) return 'not_started';
  const plan = parsePlan(req.plan);
  if (!plan) {
    await failUnreadable(rt, req);
    return 'failed';
  }
  const ex = factsOf(req);
  // The end was decided (and maybe told) already: finish that, never assess the rollout again.
  if (ex.ended) {
    await finishEnded(rt, req, plan, ex.ended);
    return ex.ended.phase;
  }
  if (!ex.deploymentId) return 'not_started';
  const deadlineMs = deadlineOf(rt, plan.environment);
  const startedAt = startedAtOf(req, ex);
  const target = ex.targetTaskDefinition ?? plannedTaskDefinition(plan, ex.registeredTaskDefinition) ?? plan.currentTaskDefinition;
  const w = rt.people.workspace;
  let service: Service;
  try {
    service =
      opts.service ??
      (await withThrottleRetry(() =>
        describeService(rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment)), plan.cluster, plan.serviceName),
      ));
  } catch (err) {
    if (await giveUpUnreadable(rt, req, plan, err)) return 'failed';
    throw err;
  }
  const now = rt.now();
  const track = await trackState(rt, req.id);
  // An Abort carried out (recorded), or being carried out (its run claimed: ECS may have the update already).
  const aborted = !!ex.abortedBy || !!track.abortRun;
  let a: Assessment = assessRollout(
    service,
    {
      verb: requestVerb(plan),
      deploymentId: ex.deploymentId,
      targetTaskDefinition: target,
      previousTaskDefinition: plan.currentTaskDefinition,
      ...(plan.verb === 'scale' ? { targetCount: plan.to } : {}),
      startedAt,
      deadlineMs,
      ...(aborted ? { aborted } : {}),
    },
    now,
    w,
  );
  // Gone from the list: it may have completed before someone else's deployment replaced it.
  const outOfSight = a.phase === 'failed' && (await completedOutOfSight(rt, req, plan, ex, service, aborted));
  if (outOfSight) a = { ...a, phase: 'completed', reasons: [], rolledBack: false };
  // The traffic-shift gate (release gates): a deployment waiting at a PAUSE hook is neither stuck
  // nor given up; it waits for a person (or the hook's own timeout). Rolling services make no call.
  let pause: PauseState | undefined;
  if (a.phase === 'in_progress' || a.phase === 'stuck') {
    try {
      pause = await (await import('./traffic.run')).checkPause(rt, req, plan, ex, service);
    } catch (err) {
      rt.log.warn('traffic gate: could not check for a paused deployment', { requestId: req.id, err });
    }
    if (pause) a = { ...a, phase: 'in_progress', reasons: [] };
  }
  const giveUp = !pause && (a.phase === 'in_progress' || a.phase === 'stuck') && now - startedAt > GIVE_UP_FACTOR * deadlineMs;
  if (giveUp) {
    a = {
      ...a,
      phase: 'failed',
      reasons: [M.in(w)('gaveUp', { duration: formatDuration(now - startedAt, w), service: plan.alias }), ...a.reasons],
    };
  }

  const final = a.phase === 'completed' || a.phase === 'failed';
  // The rollout's progress as the Home tab shows it (src/surfaces/home-data.ts reads it back).
  const progress = JSON.stringify({ phase: a.phase, ...a.counts });
  if (track.progress !== progress) {
    await setTrack(rt, req.id, { progress });
    await announceChange(rt, { what: 'rollout', environment: plan.environment, service: plan.alias });
  }
  let stopped: StoppedTaskInfo[] = track.stopped ? (JSON.parse(track.stopped) as StoppedTaskInfo[]) : [];
  let withLogs = stopped;
  const failedSeen = Number(track.failedSeen ?? 0);
  const wantTasks = (final && a.phase === 'failed') || a.phase === 'stuck' || a.counts.failed > failedSeen;
  if (wantTasks) {
    try {
      withLogs = await stoppedTasksFor(rt, plan, target, startedAt, a.phase !== 'in_progress');
      stopped = withLogs.map(({ logLines: _l, ...rest }) => rest);
      await setTrack(rt, req.id, { stopped: JSON.stringify(stopped), failedSeen: a.counts.failed });
    } catch (err) {
      rt.log.warn('cannot read the stopped tasks', { requestId: req.id, err });
    }
  }

  const view: CardView = {
    requestId: req.id,
    plan,
    phase: a.phase,
    ...(ex.registeredTaskDefinition ? { registered: ex.registeredTaskDefinition } : {}),
    deploymentId: ex.deploymentId,
    ...(plan.verb === 'scale' ? keptSince(service, ex.deploymentId) : {}),
    // Out of sight, the service's counts are someone else's deployment's: none is shown.
    ...(outOfSight ? {} : { counts: a.counts }),
    startedAt,
    deadlineMs,
    reasons: a.reasons,
    stoppedTasks: stopped,
    rolledBack: a.rolledBack,
    ...(ex.abortedBy ? { abortedBy: ex.abortedBy } : {}),
    ...(giveUp ? { unconfirmed: true } : {}),
    ...(pause ? { pause } : {}),
    locale: rt.config.slack.language,
  };
  if (final) return finalize(rt, req, view as CardView & { phase: 'completed' | 'failed' }, withLogs);
  await showCard(rt, req, statusCard(view, w), { force: opts.force });
  if (a.phase === 'stuck') {
    const ts = await postOnce(rt, req, 'stuck', stuckMilestone({ ...view, stoppedTasks: withLogs }, w));
    // Its Roll back button works on it (src/deploy/abort.ts); if this fails, the status card's still does.
    if (ts)
      await setStatusTs(rt, req.id, ts, 'stuckTs').catch((err) => rt.log.warn('stuck reply ts not recorded', { requestId: req.id, err }));
  }
  return a.phase;
}

/** For the events consumer: the running change (if any) a service belongs to. */
export function matchesService(
  plan: ChangePlan,
  where: { serviceArn?: string; cluster?: string; serviceName?: string; region?: string },
): boolean {
  if (where.serviceArn && where.serviceArn === plan.serviceArn) return true;
  if (where.region && where.region !== plan.region) return false;
  return (
    !!where.serviceName &&
    where.serviceName === plan.serviceName &&
    (!where.cluster || where.cluster === plan.cluster || arnTail(where.cluster) === plan.cluster)
  );
}

/** A scale's card: when the deployment it keeps started, as the service read says (nothing when it is not listed). */
function keptSince(service: Service, deploymentId: string | undefined): { deploymentSince?: number } {
  const at = deploymentId ? service.deployments?.find((d) => d.id === deploymentId)?.createdAt : undefined;
  const ms = at ? new Date(at).getTime() : NaN;
  return Number.isFinite(ms) ? { deploymentSince: ms } : {};
}
