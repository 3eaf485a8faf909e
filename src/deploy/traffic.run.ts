/**
 * The traffic-shift gate (gate 2), worker side. For a service whose blue/green, canary or linear
 * deployments pause at a lifecycle stage (a PAUSE lifecycle hook), the bot is the gate:
 *
 *   detect   whoever refreshes a running change (the ECS events consumer, the scheduled tick; no
 *            polling of its own) calls `checkPause`: DescribeServiceDeployments → the hook of
 *            targetType PAUSE with status AWAITING_ACTION (`lifecycleHookDetails`, its `hookId`),
 *            the stage (`lifecycleStage`), the weights (`requested…TrafficWeight` of the revisions)
 *   show     once per hook, a message in the request's thread with the new revision's health
 *            (running tasks, recent failures, last log lines) and Shift production traffic / Roll back
 *   press    ./traffic-buttons.ts (Slack side) claims the press and hands `runPress` the job:
 *            ContinueServiceDeployment with CONTINUE or ROLLBACK and the hook id; a hook that is no
 *            longer waiting (TIMED_OUT…) gets a clear answer and nothing is sent
 *   close    a decided or timed-out pause's message loses its buttons and says what happened
 *
 * Rolling deployments (no PAUSE hook) are untouched: no extra call is made for them. Where the API
 * is not available (an old region, no permission) the thread says so once and points to the console.
 *
 * Bookkeeping in the change's track hash (keys.changeTrack): `pause.<key>` (the hook: id, stage,
 * expiry, timeout action, message ts, closed), `press.<key>` (the claim of a press).
 */
import type { DeploymentLifecycleHookDetail, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import type { Runtime } from '../runtime';
import { BotError } from '../errors';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { claimField } from '../redis/claim';
import { describeTaskDefinition, describeTasks, listServiceTasks } from '../aws/ecs';
import { continueServiceDeploymentRaw, describeServiceDeployments } from '../aws/ecs-write';
import { awsActions, awsError, awsErrorName, isAccessDenied } from '../aws/errors';
import { logLocation } from '../aws/log-location';
import { filterLogEvents } from '../aws/logs';
import { cleanLogMessage } from '../aws/redact';
import { arnTail } from '../aws/arn';
import { envAccess, findService } from '../config/load';
import { principalsFor } from '../policy/authorize';
import { section } from '../slack/blocks';
import { code, mention, notificationText, oneLine, principal } from '../slack/text';
import { slackDate } from '../slack/time';
import type { Locale } from '../i18n';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { pressExecution } from '../approvals/execution';
import type { ChangePlan } from './plan';
import { parsePlan } from './plan';
import { stoppedTaskLines } from './card';
import { withThrottleRetry } from './retry';
import { factsOf, logGroupSource, postOnce, refreshRequest, stoppedTasksFor, type ExecFacts } from './tracker';
import { postKeyed } from '../approvals/keyed-post';
import {
  pauseKey,
  pauseRecordSchema,
  pressNeeds,
  pausesDeployments,
  waitingHook,
  weightsOf,
  type PauseRecord,
  type PauseState,
  type PressJob,
} from './traffic-model';
import { closedPauseMessage, continueLabel, pausedMessage, pressedOutcome, timedOutOutcome, trafficText } from './traffic-text';
import { defineMessages } from '../i18n/catalog';

/** The worker's own answers (the Slack side's are in ./traffic-text.ts). */
const W = defineMessages('deploy.traffic.worker', {
  refused: {
    en: ':no_entry: I did not send your *{button}* press to ECS: checked again before sending it, under chatops.yml and the user groups as they are now, {why} The pause still waits for someone who may press it.',
    ko: ':no_entry: *{button}* 누름을 ECS에 보내지 않았습니다. 보내기 전에 지금의 chatops.yml과 사용자 그룹 기준으로 다시 확인했더니 {why} 일시 중지는 누를 수 있는 사람을 계속 기다립니다.',
  },
  selfShift: {
    en: 'you asked for this change, so another person has to shift its production traffic ({who}); you may roll it back.',
    ko: '이 변경을 요청한 본인이므로 운영 트래픽 전환은 다른 사람이 해야 합니다({who}). 롤백은 할 수 있습니다.',
  },
  notShifter: {
    en: 'shifting production traffic in `{env}` needs: {who}.',
    ko: '`{env}`에서 운영 트래픽을 전환하려면 다음 권한이 필요합니다: {who}.',
  },
  notRollbacker: {
    en: 'rolling back in `{env}` here needs the requester, an approver or: {who}.',
    ko: '여기서 `{env}` 배포를 롤백하려면 요청자, 승인자 또는 다음 권한이 필요합니다: {who}.',
  },
  unverified: {
    en: 'I could not check with Slack whether you may still press it ({cause}).',
    ko: '아직 누를 수 있는지 Slack에서 확인하지 못했습니다({cause}).',
  },
  refusedUnverified: {
    en: ':warning: I did not send your *{button}* press to ECS: {why} A press is never sent unchecked. The pause still waits: press it again once Slack answers.',
    ko: ':warning: *{button}* 누름을 ECS에 보내지 않았습니다: {why} 확인하지 못한 누름은 보내지 않습니다. 일시 중지는 계속 기다리니 Slack이 응답하면 다시 누르세요.',
  },
  unverifiedThread: {
    en: ':warning: {user} pressed *{button}*, but I could not check with Slack whether they may still press it ({cause}): nothing was sent to ECS. The pause still waits.',
    ko: ':warning: {user} 님이 *{button}*을(를) 눌렀지만 아직 누를 수 있는지 Slack에서 확인하지 못해({cause}) ECS에 아무것도 보내지 않았습니다. 일시 중지는 계속 기다립니다.',
  },
  refusedThread: {
    en: ':no_entry: {user} pressed *{button}*, but may no longer press it (chatops.yml and the user groups as they are now): nothing was sent to ECS. The pause still waits for someone who may.',
    ko: ':no_entry: {user} 님이 *{button}*을(를) 눌렀지만 지금의 chatops.yml과 사용자 그룹 기준으로 더 이상 누를 수 없어 ECS에 아무것도 보내지 않았습니다. 일시 중지는 누를 수 있는 사람을 계속 기다립니다.',
  },
});

/** ECS answers after which ContinueServiceDeployment / DescribeServiceDeployments is not usable here. */
function unavailable(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return ['UnsupportedFeatureException', 'UnknownOperationException'].includes(awsErrorName(cause)) || isAccessDenied(cause);
}

/** Why a call failed, in the reader's language: a mapped error's own text, a raw one (continueServiceDeploymentRaw) mapped here. */
function whyText(err: unknown, locale: Locale): string {
  const mapped =
    err instanceof BotError
      ? err
      : awsError(err, { action: awsActions.lazy('continueDeployment'), permission: 'ecs:ContinueServiceDeployment' });
  return mapped.userMessageIn(locale);
}

function lang(rt: Runtime): Locale {
  return rt.config.slack.language;
}

async function pauseRecord(rt: Runtime, requestId: string, key: string): Promise<PauseRecord | undefined> {
  const raw = await rt.redis.hget(keys.changeTrack(requestId), `pause.${key}`);
  if (!raw) return undefined;
  try {
    const r = pauseRecordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

async function savePause(rt: Runtime, requestId: string, key: string, rec: PauseRecord): Promise<void> {
  await rt.redis
    .pipeline()
    .hset(keys.changeTrack(requestId), `pause.${key}`, JSON.stringify(rec))
    .expire(keys.changeTrack(requestId), TRACK_TTL_SECONDS)
    .exec();
}

/**
 * A press's outcome in the request's thread, said once per press job (keyed by its id: a post Slack
 * answered late is looked for and tried once more, not lost or said twice).
 */
async function threadPost(rt: Runtime, req: ChangeRequest, job: PressJob, text: string): Promise<void> {
  await postKeyed(rt, req, `press:${job.id}`, { text: notificationText(text), blocks: [section(text)] }, { again: true });
}

/** Replace a pause's message with its closed form (once). */
async function closePause(rt: Runtime, req: ChangeRequest, key: string, rec: PauseRecord, outcome: string): Promise<void> {
  if (rec.closed) return;
  if (rec.ts) {
    try {
      await rt.slack.update(req.channel, rec.ts, closedPauseMessage(rec.stage, outcome, lang(rt)));
    } catch (err) {
      rt.log.warn('traffic gate: could not close the pause message', { requestId: req.id, err });
    }
  }
  await savePause(rt, req.id, key, { ...rec, closed: outcome.slice(0, 500) });
}

/** The last log lines of one running task of the new revision (the configured container). */
async function newRevisionLogs(rt: Runtime, plan: ChangePlan, taskDefinition: string) {
  const ecs = rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
  const arns = await withThrottleRetry(() => listServiceTasks(ecs, plan.cluster, plan.serviceName, 'RUNNING'));
  const tasks = arns.length ? await withThrottleRetry(() => describeTasks(ecs, plan.cluster, arns.slice(0, 100))) : [];
  const task = tasks
    .filter((t) => t.taskDefinitionArn === taskDefinition)
    .sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0))[0];
  if (!task?.taskArn) return undefined;
  const svc = findService(rt.config, plan.alias);
  const container = svc?.container ?? task.containers?.[0]?.name ?? '';
  const td = (await withThrottleRetry(() => describeTaskDefinition(ecs, taskDefinition))).taskDefinition;
  const where = logLocation(td, container, arnTail(task.taskArn), plan.region, svc?.logGroup, svc?.logGroupPrefix);
  if (!where.ok) return { error: where.error(lang(rt)) };
  const now = rt.now();
  const res = await filterLogEvents(
    rt.aws.logs(where.loc.region, envAccess(rt.config, plan.environment)),
    {
      logGroupName: where.loc.group,
      logStreamNamePrefix: where.loc.stream,
      startTime: (task.startedAt?.getTime() ?? now) - 60_000,
      endTime: now + 60_000,
      limit: 8,
    },
    { region: where.loc.region, groupSource: logGroupSource(container, arnTail(taskDefinition)) },
    { maxPages: 2, maxMs: 5_000, clock: rt.now },
  );
  return { task: arnTail(task.taskArn), container, lines: res.events.map((e) => cleanLogMessage(e.message ?? '').trimEnd()) };
}

/** Who may press, as people read it. */
function whoMayPress(rt: Runtime, env: string): { who: string; allowRequester: boolean } {
  const cfg = rt.config.environments[env];
  const who = cfg
    ? principalsFor(cfg, 'shifter')
        .map((p) => principal(p))
        .join(', ')
    : '';
  return { who: who || '—', allowRequester: cfg?.gates.trafficShift?.allowRequester ?? false };
}

/**
 * Part of refreshing a running change: if its deployment waits at a PAUSE hook, show the gate (once
 * per hook) and answer the pause for the card; close the messages of pauses that ended. Returns
 * undefined when the deployment is not paused (or the service has no PAUSE hook: no call is made).
 */
export async function checkPause(
  rt: Runtime,
  req: ChangeRequest,
  plan: ChangePlan,
  ex: ExecFacts,
  service: Service,
): Promise<PauseState | undefined> {
  if (!pausesDeployments(service) || !ex.serviceDeploymentArn) return undefined;
  const ecs = rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
  let sd: ServiceDeployment | undefined;
  try {
    sd = (await withThrottleRetry(() => describeServiceDeployments(ecs, [ex.serviceDeploymentArn!])))[0];
  } catch (err) {
    if (!unavailable(err)) throw err;
    await postOnce(rt, req, 'pause-unavailable', {
      text: trafficText.in(lang(rt))('unavailableFallback'),
      blocks: [section(trafficText.in(lang(rt))('unavailable', { why: oneLine(whyText(err, lang(rt)), 200) }))],
    });
    return undefined;
  }
  if (!sd) return undefined;
  // Pauses that ended (timed out, or decided in the console): their messages lose the buttons.
  for (const hook of (sd.lifecycleHookDetails ?? []).filter(
    (h) => h.targetType === 'PAUSE' && h.hookId && h.status !== 'AWAITING_ACTION',
  )) {
    const key = pauseKey(hook.hookId!);
    const rec = await pauseRecord(rt, req.id, key);
    if (rec && !rec.closed) {
      const pressed = await rt.redis.hget(keys.changeTrack(req.id), `press.${key}`);
      if (!pressed) {
        await closePause(
          rt,
          req,
          key,
          rec,
          timedOutOutcome({
            status: hook.status ?? 'UNKNOWN',
            expiresAt: hook.expiresAt?.getTime(),
            timeoutAction: hook.timeoutAction,
            locale: lang(rt),
          }),
        );
      }
    }
  }
  const hook = waitingHook(sd);
  if (!hook) return undefined;
  const stage = sd.lifecycleStage ?? 'UNKNOWN';
  const state: PauseState = {
    stage,
    ...(hook.expiresAt ? { expiresAt: hook.expiresAt.getTime() } : {}),
    ...(hook.timeoutAction ? { timeoutAction: hook.timeoutAction } : {}),
    button: continueLabel(stage, lang(rt)),
  };
  const key = pauseKey(hook.hookId!);
  const rec: PauseRecord = {
    hookId: hook.hookId!,
    stage,
    ...(state.expiresAt !== undefined ? { expiresAt: state.expiresAt } : {}),
    ...(state.timeoutAction ? { timeoutAction: state.timeoutAction } : {}),
  };
  // Claimed once per hook; released when the post fails so the next refresh posts it.
  const claimed = await claimField(rt.redis, keys.changeTrack(req.id), `pause.${key}`, JSON.stringify(rec), TRACK_TTL_SECONDS);
  if (!claimed) return state;
  try {
    const target = ex.targetTaskDefinition ?? plan.currentTaskDefinition;
    const startedAt = ex.startedAt ?? req.startedAt ?? req.updatedAt;
    const stopped = await stoppedTasksFor(rt, plan, target, startedAt, true).catch((err) => {
      rt.log.warn('traffic gate: stopped tasks unreadable', { requestId: req.id, err });
      return [];
    });
    const logs = await newRevisionLogs(rt, plan, target).catch((err) => ({ error: whyText(err, lang(rt)) }));
    const rev = sd.targetServiceRevision;
    const { who, allowRequester } = whoMayPress(rt, plan.environment);
    const msg = pausedMessage({
      requestId: req.id,
      key,
      service: plan.alias,
      stage,
      ...(state.expiresAt !== undefined ? { expiresAt: state.expiresAt } : {}),
      ...(state.timeoutAction ? { timeoutAction: state.timeoutAction } : {}),
      weights: weightsOf(sd),
      health: {
        running: rev?.runningTaskCount ?? 0,
        requested: rev?.requestedTaskCount ?? 0,
        pending: rev?.pendingTaskCount ?? 0,
        failed: stopped.length,
      },
      stoppedLines: stoppedTaskLines(stopped, plan.region, plan.cluster, rt.config.slack.language, 800),
      ...(logs ? { logs } : {}),
      who,
      allowRequester,
      now: rt.now(),
      locale: lang(rt),
    });
    // Keyed: a post that got no answer is looked for in the thread before the next refresh posts it again.
    const { ts } = await postKeyed(rt, req, `pause-${key}`, msg);
    await savePause(rt, req.id, key, { ...rec, ts });
  } catch (err) {
    await rt.redis.hdel(keys.changeTrack(req.id), `pause.${key}`).catch(() => undefined);
    throw err;
  }
  return state;
}

/** The press of a Shift production traffic / Roll back button, in the worker (the 'traffic-shift' job). */
export async function runPress(rt: Runtime, job: PressJob): Promise<void> {
  const t = trafficText.in(lang(rt));
  const track = keys.changeTrack(job.requestId);
  const release = () => rt.redis.hdel(track, `press.${job.key}`).catch(() => undefined);
  const req = await getRequest(rt.redis, job.requestId);
  const plan = req ? parsePlan(req.plan) : undefined;
  const rec = req ? await pauseRecord(rt, req.id, job.key) : undefined;
  if (!req || !plan || !rec) {
    await release();
    return;
  }
  // The press job is signed, which says where it came from, not who may press now: the presser's
  // role is asked again under the configuration and user groups as they are now, before ECS is asked anything.
  if (await refusedPress(rt, req, job, rec)) {
    await release();
    return;
  }
  const ex = factsOf(req);
  const button = job.action === 'CONTINUE' ? continueLabel(rec.stage, lang(rt)) : t('rollbackButton');
  const ecs = rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
  const arn = ex.serviceDeploymentArn;
  const late = async (hook: DeploymentLifecycleHookDetail | undefined) => {
    const status = hook?.status ?? 'UNKNOWN';
    const expiresAt = hook?.expiresAt?.getTime() ?? rec.expiresAt;
    await pressExecution(
      rt,
      req.id,
      job.userId,
      'traffic-press-late',
      `${job.action} at ${rec.stage}: the pause had already ended (${status})`,
      `shift.${job.key}`,
      {
        action: job.action,
        by: job.userId,
        at: rt.now(),
        result: 'late',
        status,
      },
    );
    await threadPost(
      rt,
      req,
      job,
      t('lateThread', {
        user: mention(job.userId),
        button,
        stage: code(rec.stage),
        status: code(status),
        at: expiresAt !== undefined ? `, ${slackDate(expiresAt)}` : '',
        action: code(hook?.timeoutAction ?? rec.timeoutAction ?? 'ROLLBACK'),
      }),
    );
    await closePause(
      rt,
      req,
      job.key,
      rec,
      timedOutOutcome({ status, expiresAt, timeoutAction: hook?.timeoutAction ?? rec.timeoutAction, locale: lang(rt) }),
    );
  };
  const describe = async () => (await withThrottleRetry(() => describeServiceDeployments(ecs, [arn!])))[0];
  if (!arn) {
    await release();
    await threadPost(rt, req, job, t('failedThread', { user: mention(job.userId), button, why: t('noDeploymentRecorded') }));
    return;
  }
  let sd: ServiceDeployment | undefined;
  try {
    sd = await describe();
  } catch (err) {
    await release();
    const key = unavailable(err) ? 'unavailableThread' : 'failedThread';
    await threadPost(rt, req, job, t(key, { user: mention(job.userId), button, why: oneLine(whyText(err, lang(rt)), 300) }));
    if (!unavailable(err) && !(err instanceof BotError)) throw err;
    return;
  }
  const hook = (sd?.lifecycleHookDetails ?? []).find((h) => h.hookId === rec.hookId);
  if (!hook || hook.status !== 'AWAITING_ACTION') {
    await late(hook);
    return;
  }
  try {
    await withThrottleRetry(() => continueServiceDeploymentRaw(ecs, arn, rec.hookId, job.action));
  } catch (err) {
    if (unavailable(err)) {
      await release();
      await threadPost(
        rt,
        req,
        job,
        t('unavailableThread', { user: mention(job.userId), button, why: oneLine(whyText(err, lang(rt)), 300) }),
      );
      return;
    }
    // Refused (e.g. the hook timed out between our read and the call): look again.
    const again = await describe().catch(() => undefined);
    const now = (again?.lifecycleHookDetails ?? []).find((h) => h.hookId === rec.hookId);
    if (again && (!now || now.status !== 'AWAITING_ACTION')) {
      await late(now);
      return;
    }
    await release();
    await threadPost(
      rt,
      req,
      job,
      t('failedThread', { user: mention(job.userId), button, why: `${oneLine(whyText(err, lang(rt)), 300)}.` }),
    );
    return;
  }
  const at = rt.now();
  await pressExecution(
    rt,
    req.id,
    job.userId,
    job.action === 'CONTINUE' ? 'traffic-shifted' : 'traffic-rolled-back',
    `${job.action} at ${rec.stage} (hook ${rec.hookId})`,
    `shift.${job.key}`,
    { action: job.action, by: job.userId, at, stage: rec.stage, result: 'sent' },
  );
  const outcome = pressedOutcome({ user: job.userId, action: job.action, stage: rec.stage, at, locale: lang(rt) });
  await closePause(rt, req, job.key, rec, outcome);
  await threadPost(
    rt,
    req,
    job,
    t('pressedThread', {
      icon: job.action === 'CONTINUE' ? ':white_check_mark:' : ':leftwards_arrow_with_hook:',
      user: mention(job.userId),
      button,
      stage: code(rec.stage),
      what: job.action === 'CONTINUE' ? t('continued') : t('rolledBack'),
    }),
  );
  await refreshRequest(rt, req.id, { force: true }).catch((err) => rt.log.warn('traffic gate: refresh after the press failed', { err }));
}

/**
 * Whether the presser of `job` may no longer press it (pressNeeds, as at the click, asked now); when
 * not, or when Slack cannot say (a user group it does not answer for, asked three times: never sent
 * unverified), they are told why (in their language, only them), the thread briefly, and nothing is sent.
 */
async function refusedPress(rt: Runtime, req: ChangeRequest, job: PressJob, rec: PauseRecord): Promise<boolean> {
  const { who, allowRequester } = whoMayPress(rt, req.environment);
  const needs = pressNeeds({ requester: req.requester, allowRequester }, job.userId, job.action);
  let failure: unknown;
  if (!needs.refused) {
    if (!needs.roles.length) return false;
    const { askWithRetries } = await import('../approvals/reauthorize.run');
    const asked = await askWithRetries(rt, () => rt.access.holdsAny(req.environment, job.userId, needs.roles));
    if ('held' in asked && asked.held) return false;
    if ('failure' in asked) failure = asked.failure;
  }
  const unverified = failure !== undefined;
  rt.log.warn(
    unverified
      ? 'traffic gate: press not sent, the presser could not be checked with Slack'
      : 'traffic gate: press refused in the worker, the presser no longer qualifies',
    { requestId: req.id, user: job.userId, action: job.action, refusal: needs.refusal, ...(unverified ? { err: failure } : {}) },
  );
  const cause = unverified ? (await import('../approvals/reauthorize.run')).lookupCause(failure) : undefined;
  const locale = await rt.people.localeOf(job.userId).catch(() => rt.people.workspace);
  const w = W.in(locale);
  const buttonIn = (l: Locale) => (job.action === 'CONTINUE' ? continueLabel(rec.stage, l) : trafficText.in(l)('rollbackButton'));
  const env = req.environment;
  const why = cause
    ? w('unverified', { cause: cause(locale) })
    : needs.refusal === 'selfShift'
      ? w('selfShift', { who })
      : needs.refusal === 'notShifter'
        ? w('notShifter', { env, who })
        : w('notRollbacker', { env, who });
  const text = w(cause ? 'refusedUnverified' : 'refused', { button: buttonIn(locale), why });
  await rt.slack
    .ephemeral(req.channel, job.userId, { text: notificationText(text), blocks: [section(text)], locale })
    .catch((err) => rt.log.warn('traffic gate: could not tell the presser', { requestId: req.id, err }));
  // The others following the change see it too (the click's answer said it was being sent), briefly, in the workspace's language.
  const ws = lang(rt);
  const params = { user: mention(job.userId, ws), button: buttonIn(ws) };
  const note = cause ? W.in(ws)('unverifiedThread', { ...params, cause: cause(ws) }) : W.in(ws)('refusedThread', params);
  await threadPost(rt, req, job, note).catch((err) => rt.log.warn('traffic gate: could not tell the thread', { requestId: req.id, err }));
  return true;
}
