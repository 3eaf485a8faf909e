/**
 * Abort, worker side: stop the tracked deployment with rollback (ECS StopServiceDeployment,
 * stopType ROLLBACK). Where ECS cannot (no service-deployment ARN, an old or unsupported
 * deployment, not permitted), fall back to UpdateService back to the task definition the plan
 * started from (for scale: the previous desired count). The outcome is reported in the thread
 * and the tracker takes it from there (the change ends as failed, "aborted by …").
 */
import type { Runtime } from '../runtime';
import { BotError } from '../errors';
import { section } from '../slack/blocks';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { claimField } from '../redis/claim';
import { luaScript, runScript } from '../redis/scripts';
import beginUpdateLua from './lua/begin-update-1.lua';
import { awsError, awsErrorName, isAccessDenied, awsActions } from '../aws/errors';
import { stopServiceDeploymentRaw, updateServiceRaw } from '../aws/ecs-write';
import type { AbortJob } from './abort';
import { parsePlan, type ChangePlan } from './plan';
import { abortMilestone } from './card';
import { withThrottleRetry } from './retry';
import { factsOf, refreshRequest } from './tracker';
import { changeAccess } from './session';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { unconfirmedEnd } from '../approvals/model';
import { recordExecution } from '../approvals/execution';
import { escapeMrkdwn, notificationText, oneLine, plainText } from '../slack/text';
import { describeService } from '../aws/ecs';
import { envAccess } from '../config/load';
import { defineMessages, type Localized } from '../i18n/catalog';
import { endedWords } from './abort';
import { postKeyed } from '../approvals/keyed-post';

const M = defineMessages('deploy.abort.run', {
  stopUnavailable: {
    en: 'StopServiceDeployment was not available ({detail})',
    ko: 'StopServiceDeployment를 쓸 수 없었습니다 ({detail})',
  },
  noDeploymentToStop: { en: 'ECS gave me no deployment to stop.', ko: 'ECS에 멈출 배포가 없었습니다.' },
  restartCannotGoBack: {
    en: '{note} A restart runs the same task definition, so there is nothing to update back to; it will finish replacing tasks.',
    ko: '{note} 재시작은 같은 작업 정의를 쓰므로 되돌릴 대상이 없습니다. 작업 교체는 끝까지 진행됩니다.',
  },
  tooLate: {
    en: ':information_source: {user} asked to abort, but the change already {state}.',
    ko: ':information_source: {user} 님이 중단을 요청했지만, 변경은 이미 {state}.',
  },
  duringUpdate: {
    en: ':octagonal_sign: {user} aborted the change while the service was being updated; it is rolled back as soon as ECS has the update.',
    ko: ':octagonal_sign: {user} 님이 서비스 업데이트 중에 변경을 중단했습니다. ECS가 업데이트를 받는 즉시 롤백합니다.',
  },
  beforeUpdate: {
    en: ':octagonal_sign: {user} aborted the change; it stops before the service is updated.',
    ko: ':octagonal_sign: {user} 님이 변경을 중단했습니다. 서비스를 업데이트하기 전에 멈춥니다.',
  },
  unexpected: {
    en: "something unexpected failed on my side (whoever runs the bot finds the details in the worker's logs).",
    ko: '봇 내부에서 예상하지 못한 오류가 났습니다 (봇 운영자가 워커 로그에서 자세한 내용을 볼 수 있습니다).',
  },
  restartFinished: {
    en: ':information_source: {user} asked to abort, but ECS had already finished this restart: its tasks were replaced and there is nothing to stop.',
    ko: ':information_source: {user} 님이 중단을 요청했지만, ECS가 이미 재시작을 마쳤습니다. 작업은 교체되었고 멈출 것이 없습니다.',
  },
  ecsRollingBack: {
    en: ':information_source: {user} asked to abort, but ECS had already failed this deployment and is rolling it back on its own: {reason}',
    ko: ':information_source: {user} 님이 중단을 요청했지만, ECS가 이미 이 배포를 실패로 판단해 스스로 롤백하고 있습니다: {reason}',
  },
  didNotWork: {
    en: ':warning: {user} asked to abort, but it did not work: {why} The rollout goes on; press Abort again or use the ECS console.',
    ko: ':warning: {user} 님이 중단을 요청했지만 실패했습니다: {why} 롤아웃은 계속됩니다. 중단을 다시 누르거나 ECS 콘솔을 쓰세요.',
  },
});

/** StopServiceDeployment answers after which UpdateService is the way to go back. */
const FALLBACK = new Set([
  'ServiceDeploymentNotFoundException',
  'UnsupportedFeatureException',
  'InvalidParameterException',
  'ClientException',
  'ConflictException',
]);

function stopNotAvailable(err: unknown): boolean {
  return FALLBACK.has(awsErrorName(err)) || isAccessDenied(err);
}

/**
 * The abort's note in the request's thread, said once per abort job (keyed by the job's id: a job
 * run again, or a post Slack answered late, does not say it twice; one that got no answer is looked
 * for and tried once more, not lost).
 */
async function say(rt: Runtime, req: ChangeRequest, job: AbortJob, text: string): Promise<void> {
  await postKeyed(
    rt,
    req,
    `note:${job.id}`,
    { text: notificationText(text), blocks: [section(text)], locale: rt.people.workspace },
    { again: true },
  );
}

/**
 * ECS's reason when it had already failed the change's deployment (the circuit breaker, or an
 * alarm: it is rolling back on its own), else undefined. An Abort then has nothing to stop, and
 * the change ends failed for ECS's reason, not "aborted by" whoever pressed it. A service ECS does
 * not describe now leaves the Abort to go ahead as before.
 */
async function failedByEcs(rt: Runtime, plan: ChangePlan, deploymentId: string): Promise<string | undefined> {
  let deployments;
  try {
    const ecs = rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
    deployments = (await withThrottleRetry(() => describeService(ecs, plan.cluster, plan.serviceName))).deployments;
  } catch (err) {
    rt.log.warn('abort: could not read the service first; aborting anyway', { err });
    return undefined;
  }
  const ours = deployments?.find((d) => d.id === deploymentId);
  return ours?.rolloutState === 'FAILED' ? (ours.rolloutStateReason ?? '') : undefined;
}

/** A restart whose deployment ECS had already finished: nothing to stop, nothing to go back to (said as such, not as a failed abort). */
class RestartFinished extends Error {}

async function goBack(
  rt: Runtime,
  req: ChangeRequest,
  plan: ChangePlan,
  stopArn: string | undefined,
  userId: string,
): Promise<{ how: 'stop' | 'update'; target: string; note?: Localized }> {
  // A role session naming the request and who pressed Abort (CloudTrail), when the environment has a role.
  const ecs = rt.aws.ecs(plan.region, changeAccess(rt, req, plan, 'abort', userId));
  let note: Localized | undefined;
  if (plan.verb !== 'scale' && stopArn) {
    try {
      await withThrottleRetry(() => stopServiceDeploymentRaw(ecs, stopArn));
      return { how: 'stop', target: plan.currentTaskDefinition };
    } catch (err) {
      const stopCtx = { action: awsActions.lazy('stopDeployment'), permission: 'ecs:StopServiceDeployment' };
      // ECS refuses to stop a deployment that has finished (ConflictException): a restart is then simply done.
      if (plan.verb === 'restart' && awsErrorName(err) === 'ConflictException') throw new RestartFinished();
      if (!stopNotAvailable(err)) throw awsError(err, stopCtx);
      note = M.lazy('stopUnavailable', { detail: plainText(awsError(err, stopCtx).userMessage) });
      rt.log.info('abort: StopServiceDeployment not available; updating the service back', { err });
    }
  }
  if (plan.verb === 'restart') {
    const why = note ?? M.lazy('noDeploymentToStop');
    throw new BotError('REFUSED', 'restart cannot be rolled back by UpdateService', {
      userMessage: M.lazy('restartCannotGoBack', { note: why }),
    });
  }
  const change = plan.verb === 'scale' ? { desiredCount: plan.from } : { taskDefinition: plan.currentTaskDefinition };
  try {
    await withThrottleRetry(() => updateServiceRaw(ecs, { cluster: plan.cluster, service: plan.serviceName, ...change }));
  } catch (err) {
    throw awsError(err, { action: awsActions.lazy('updateServiceBack', { service: plan.serviceName }), permission: 'ecs:UpdateService' });
  }
  return { how: 'update', target: plan.verb === 'scale' ? String(plan.from) : plan.currentTaskDefinition, ...(note ? { note } : {}) };
}

const BEGIN_UPDATE = luaScript('change_begin_update', 1, beginUpdateLua);

/**
 * The executor's last check before UpdateService: the user whose Abort was claimed before it (the
 * change then stops, untouched), or undefined — and from then on the track says `updating`, so an
 * Abort claimed later is carried out by the executor once ECS has the update (`abortAfterUpdate`).
 */
export async function beginUpdate(rt: Runtime, requestId: string): Promise<string | undefined> {
  const by = await runScript(rt.redis, BEGIN_UPDATE, [keys.changeTrack(requestId)], [rt.now(), TRACK_TTL_SECONDS]);
  return typeof by === 'string' && by ? by : undefined;
}

/**
 * After ECS took the update: an Abort claimed while it was being sent is carried out now, in this
 * job (not handed off: a lost hand-off would leave it undone). The abort's own run claim makes sure
 * it is carried out once, whether this or the click's job gets there first. True when an abort was
 * claimed (the request and its card are then as the abort left them).
 */
export async function abortAfterUpdate(rt: Runtime, req: ChangeRequest): Promise<boolean> {
  const by = await rt.redis.hget(keys.changeTrack(req.id), 'abort');
  if (!by || factsOf(req).abortedBy) return false;
  await runAbort(rt, { kind: 'change-abort', id: `abort-${req.id}-after-update`, requestId: req.id, userId: by });
  return true;
}

export async function runAbort(rt: Runtime, job: AbortJob): Promise<void> {
  // Everything here goes to the request's thread: the workspace's language.
  const w = rt.people.workspace;
  const t = M.in(w);
  const user = `<@${job.userId}>`;
  const track = keys.changeTrack(job.requestId);
  const req = await getRequest(rt.redis, job.requestId);
  const plan = req ? parsePlan(req.plan) : undefined;
  const [claimedBy, ranBy, updating] = await rt.redis.hmget(track, 'abort', 'abortRun', 'updating');
  if (ranBy) {
    // Carried out already (the executor after the update, or this click's job run twice): said once.
    rt.log.info('abort job: already carried out', { requestId: job.requestId, by: ranBy });
    return;
  }
  if (!req || !plan || req.state !== 'running') {
    await rt.redis.hdel(track, 'abort');
    if (req && req.state !== 'running')
      await say(rt, req, job, t('tooLate', { user, state: endedWords(req.state, w, unconfirmedEnd(req)) }));
    return;
  }
  // Re-authorized in the worker: the click that claimed this abort must be this user's, and they
  // must still hold the permission the click needed.
  if (claimedBy !== job.userId || !(await rt.access.holdsAny(req.environment, job.userId, ['requester', 'approver']))) {
    rt.log.error('abort job refused: no matching click or no permission', { requestId: req.id, user: job.userId, claimedBy });
    // Their own claim is released, so someone who may abort can.
    if (claimedBy === job.userId) await rt.redis.hdel(track, 'abort');
    return;
  }
  const ex = factsOf(req);
  if (ex.ended) {
    // Its end is decided (and may have been said in the thread) but not yet all recorded: too late
    // to go back; nothing is changed, and the change is finished the way it was decided.
    await rt.redis.hdel(track, 'abort');
    await say(
      rt,
      req,
      job,
      t('tooLate', { user, state: endedWords(ex.ended.phase === 'completed' ? 'succeeded' : 'failed', w, ex.ended.unconfirmed) }),
    );
    await refreshRequest(rt, req.id, { force: true }).catch((err) => rt.log.warn('abort: refresh failed', { err }));
    return;
  }
  if (!ex.deploymentId) {
    // Not updated yet. Before the executor's last check (beginUpdate) it stops there, untouched;
    // after it, the update is being sent and the executor carries the abort out once ECS has it.
    await say(rt, req, job, t(updating ? 'duringUpdate' : 'beforeUpdate', { user }));
    return;
  }
  if (!(await claimField(rt.redis, track, 'abortRun', job.id, TRACK_TTL_SECONDS))) {
    rt.log.info('abort job: being carried out by another job', { requestId: req.id });
    return;
  }
  const ecsReason = plan.verb === 'scale' ? undefined : await failedByEcs(rt, plan, ex.deploymentId);
  if (ecsReason !== undefined) {
    // Nothing is sent: the claims go, and the tracker ends the change failed with ECS's reason.
    await rt.redis.hdel(track, 'abort', 'abortRun').catch(() => undefined);
    await say(rt, req, job, t('ecsRollingBack', { user, reason: escapeMrkdwn(oneLine(ecsReason || t('unexpected'), 300)) }));
    await refreshRequest(rt, req.id, { force: true }).catch((err) => rt.log.warn('abort: refresh failed', { err }));
    return;
  }
  let res: Awaited<ReturnType<typeof goBack>>;
  try {
    res = await goBack(rt, req, plan, ex.serviceDeploymentArn, job.userId);
  } catch (err) {
    // Not done: the claims go, so the button can be pressed again.
    await rt.redis.hdel(track, 'abort', 'abortRun').catch(() => undefined);
    if (err instanceof RestartFinished) {
      await say(rt, req, job, t('restartFinished', { user }));
      await refreshRequest(rt, req.id, { force: true }).catch((e) => rt.log.warn('abort: refresh failed', { err: e }));
      return;
    }
    const why = err instanceof BotError ? err.userMessageIn(w) : t('unexpected');
    await say(rt, req, job, t('didNotWork', { user, why }));
    if (!(err instanceof BotError)) throw err;
    return;
  }
  // ECS took the abort: from here on only the report of it can fail, and that never makes it
  // "did not work" (the claim stays, so nobody aborts twice). The final reply and the card say
  // "aborted by …" from the recorded fact; without it (Redis failed) they still say how it ended.
  try {
    await recordExecution(rt, req.id, { abortedBy: job.userId, abortedAt: rt.now(), abortMethod: res.how }, 'abort');
  } catch (err) {
    rt.log.error('abort: ECS took the abort but it could not be recorded', { requestId: req.id, err });
  }
  const msg = abortMilestone(plan, job.userId, res.how, res.target, w);
  if (res.note) msg.blocks.push(section(`_${oneLine(res.note(w), 300)}_`));
  await postKeyed(rt, req, `aborted:${job.id}`, msg, { again: true }).catch((err: unknown) =>
    rt.log.warn('abort: the thread reply failed', { requestId: req.id, err }),
  );
  await refreshRequest(rt, req.id, { force: true }).catch((err) => rt.log.warn('abort: refresh failed', { err }));
}
