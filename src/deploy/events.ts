/**
 * Progress without waiting (worker side of the events and scheduled functions):
 *
 * - ECS Deployment State Change → the request that started that deployment (keys.botDeployment),
 *   or the running change of that service → refresh its thread;
 * - ECS Task State Change of a service with a running change → refresh (coalesced by the card);
 * - every tick: refresh each running change (deadlines: stuck, give up), and settle changes whose
 *   worker stopped before the service was updated (a crash past Lambda's retries).
 *
 * Events arrive at least once and out of order; refreshing is idempotent and reads ECS's current
 * state rather than trusting the event, so duplicates and stale events change nothing.
 */
import type { Runtime } from '../runtime';
import { keys } from '../redis/keys';
import { describeService } from '../aws/ecs';
import { envAccess } from '../config/load';
import { parsePlan } from './plan';
import { startedMilestone } from './card';
import { withThrottleRetry } from './retry';
import {
  deadlineOf,
  factsOf,
  finishEnded,
  finishNotStarted,
  giveUpUnreadable,
  matchesService,
  notStartedFact,
  postOnce,
  refreshRequest,
  startedAtOf,
} from './tracker';
import { primaryDeployment, plannedTaskDefinition } from './plan';
import type { ChangeRequest } from '../approvals/types';
import { finishExecution, leaseHeld, recordExecution, runningRequests } from '../approvals/execution';
import { parseEcsEvent, type EcsEvent } from '../aws/ecs-events';
import { updateApplied } from './apply';
import { defineMessages } from '../i18n/catalog';
import { section } from '../slack/blocks';
import { isRunRequest, requestIdOfStartedBy } from './run-plan';

const M = defineMessages('deploy.events', {
  unreadablePlan: {
    en: 'the stored plan could not be read by this version of the bot; nothing was changed',
    ko: '이 버전의 봇이 저장된 계획을 읽지 못했습니다. 아무것도 바꾸지 않았습니다',
  },
  stalled: {
    en: 'The worker stopped before the service was updated (it was interrupted and its retries ran out). The service was not changed.',
    ko: '서비스를 업데이트하기 전에 워커가 멈췄습니다 (중단된 뒤 재시도도 모두 실패했습니다). 서비스는 바뀌지 않았습니다.',
  },
  requestAgain: { en: 'Request it again with {command}.', ko: '{command} 명령으로 다시 요청하세요.' },
  envGone: {
    en: 'outcome unknown: chatops.yml no longer names the environment {env}, so the bot can no longer reach its AWS account to follow this change and stopped following it. The service may have been changed: check {service} in the ECS console.',
    ko: '결과 알 수 없음: chatops.yml에 {env} 환경이 더 이상 없어 봇이 그 AWS 계정에 접근해 이 변경을 따라갈 수 없으므로 추적을 멈췄습니다. 서비스가 바뀌었을 수 있으니 ECS 콘솔에서 {service} 서비스를 확인하세요.',
  },
});

/**
 * A running change with no UpdateService recorded is settled by the tick only once its last
 * execution attempt is certainly over: no worker holds its lease, and the attempt's own end
 * (attemptUntil: its invocation's deadline) has passed by this margin, so no UpdateService of
 * that attempt can still be on its way.
 */
const SETTLE_MARGIN_MS = 30_000;
/** Requests started by an older version have no attemptUntil: their worker could run this long (its former timeout). */
const LEGACY_ATTEMPT_MS = 15 * 60_000;

/** Refresh each request; one failing does not stop the others (the first failure is rethrown for the log). */
async function refreshAll(rt: Runtime, what: string, reqs: ReadonlyArray<string | ChangeRequest>, force: boolean): Promise<void> {
  let first: unknown;
  for (const r of reqs) {
    try {
      await refreshRequest(rt, r, { force });
    } catch (err) {
      first ??= err;
      rt.log.warn(`deploy progress: refresh after ${what} failed`, { requestId: typeof r === 'string' ? r : r.id, err });
    }
  }
  if (first) throw first;
}

export async function onEcsEvent(event: EcsEvent, rt: Runtime): Promise<void> {
  const parsed = parseEcsEvent(event);
  if (!parsed.ok) return;
  const ev = parsed.event;
  if (ev.kind === 'deployment') {
    const own = await rt.redis.get(keys.botDeployment(ev.detail.deploymentId));
    let ids: string[] = own ? [own] : [];
    if (!ids.length) {
      // A rollback deployment ECS made itself, or an event without our id: match the service.
      const serviceArn = ev.resources.find((r) => r.includes(':service/'));
      if (!serviceArn) return;
      ids = (await runningRequests(rt))
        .filter((r) => {
          const plan = parsePlan(r.plan);
          return plan && matchesService(plan, { serviceArn });
        })
        .map((r) => r.id);
    }
    await refreshAll(rt, 'a deployment event', ids, true);
    return;
  }
  if (ev.kind === 'task') {
    // A one-off task the bot started (`/ecs run`): its request, named by the task's startedBy.
    const runId = requestIdOfStartedBy(ev.detail.startedBy);
    if (runId) {
      await (await import('./run-task')).refreshRun(rt, runId, { force: true });
      return;
    }
    const group = ev.detail.group;
    if (!group?.startsWith('service:')) return;
    const serviceName = group.slice('service:'.length);
    const cluster = ev.detail.clusterArn;
    const mine = (await runningRequests(rt)).filter((r) => {
      const plan = parsePlan(r.plan);
      return plan && matchesService(plan, { serviceName, cluster, region: ev.region });
    });
    await refreshAll(rt, 'a task event', mine, false);
  }
}

/** The tick: every running change once (deadlines), and stalled starts settled. */
export async function onTick(rt: Runtime): Promise<void> {
  const running = await runningRequests(rt);
  const failures: unknown[] = [];
  for (const r of running) {
    try {
      // Its environment is gone from chatops.yml (so is the access to its account): settle it from its record.
      if (!rt.config.environments[r.environment]) await settleWithoutEnvironment(rt, r);
      else if (isRunRequest(r))
        await (await import('./run-task')).tickRun(rt, r, { marginMs: SETTLE_MARGIN_MS, legacyAttemptMs: LEGACY_ATTEMPT_MS });
      else if (factsOf(r).deploymentId) await refreshRequest(rt, r);
      else await settleStalled(rt, r);
    } catch (err) {
      failures.push(err);
      rt.log.warn('deploy deadlines: could not check a running change', { requestId: r.id, err });
    }
  }
  if (failures.length) throw failures[0];
}

/**
 * A running change of an environment chatops.yml no longer names (a service removed, renamed or moved
 * keeps being tracked through its plan while its environment remains). Nothing can read the service
 * any more: once its last attempt is over and no worker holds it, it ends as failed with the truth
 * (outcome unknown), freeing the service, and its thread is told.
 */
async function settleWithoutEnvironment(rt: Runtime, req: ChangeRequest): Promise<void> {
  const startedAt = startedAtOf(req, factsOf(req));
  const attemptOver = (req.attemptUntil ?? startedAt + LEGACY_ATTEMPT_MS) + SETTLE_MARGIN_MS;
  if (rt.now() < attemptOver) return;
  if (await leaseHeld(rt, req.id)) return;
  const w = rt.people.workspace;
  const detail = M.in(w)('envGone', { env: `\`${req.environment}\``, service: `\`${req.service}\`` });
  const done = await finishExecution(rt, req.id, 'failed', detail);
  // The card says it already; the thread note is for those who follow the thread.
  await postOnce(rt, done, 'final', { text: detail, blocks: [section(`:grey_question: ${detail}`)], locale: w }).catch((err: unknown) =>
    rt.log.warn('deploy deadlines: could not post in the thread', { requestId: req.id, err }),
  );
}

/**
 * A change whose worker stopped between startExecution and recording the deployment. If the
 * update went through, adopt the deployment; otherwise nothing changed: fail it and say so.
 */
async function settleStalled(rt: Runtime, req: ChangeRequest): Promise<void> {
  const ex = factsOf(req);
  const startedAt = startedAtOf(req, ex);
  const attemptOver = (req.attemptUntil ?? startedAt + LEGACY_ATTEMPT_MS) + SETTLE_MARGIN_MS;
  if (rt.now() < attemptOver) return;
  if (await leaseHeld(rt, req.id)) return;
  const w = rt.people.workspace;
  const t = M.in(w);
  const plan = parsePlan(req.plan);
  if (!plan) {
    // As the worker ends one (src/deploy/execute.ts): with no UpdateService attempt ever recorded (each
    // is recorded with the worker's last check, before it is sent), nothing changed, recorded as such (a
    // break-glass change is then not asked for an approval after the fact).
    const message = t('unreadablePlan');
    if (!ex.updateAttempts && !ex.notStarted) await recordExecution(rt, req.id, { notStarted: notStartedFact({ message }) }, 'did not run');
    await finishExecution(rt, req.id, 'failed', message);
    return;
  }
  // The worker decided the change does not run but stopped before it finished saying so.
  if (ex.notStarted) {
    await finishNotStarted(rt, req, plan, ex.notStarted);
    return;
  }
  // Its end was decided (given up: the service could not be read) but not all of it was said or recorded.
  if (ex.ended) {
    await finishEnded(rt, req, plan, ex.ended);
    return;
  }
  let service;
  try {
    service = await withThrottleRetry(() =>
      describeService(rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment)), plan.cluster, plan.serviceName),
    );
  } catch (err) {
    if (await giveUpUnreadable(rt, req, plan, err)) return;
    throw err;
  }
  if (updateApplied(plan, service, ex, startedAt)) {
    const primary = primaryDeployment(service);
    const facts: Record<string, unknown> = {
      targetTaskDefinition: plannedTaskDefinition(plan, ex.registeredTaskDefinition) ?? plan.currentTaskDefinition,
    };
    if (primary?.id) facts.deploymentId = primary.id;
    if (service.currentServiceDeployment) facts.serviceDeploymentArn = service.currentServiceDeployment;
    const updated = await recordExecution(rt, req.id, facts, 'service update adopted');
    await postOnce(rt, updated, 'started', startedMilestone(plan, primary?.id, deadlineOf(rt, plan.environment), w));
    await refreshRequest(rt, updated, { service, force: true });
    return;
  }
  const why = { message: t('stalled'), hint: t('requestAgain', { command: `\`/ecs ${plan.verb} ${plan.alias} …\`` }) };
  // No UpdateService was ever sent: the worker records each attempt before it sends it (updateAttempts).
  // Then it is certain that nothing changed, and recorded as the worker records a change it decided not to
  // run (the notStarted fact): a break-glass change is then not asked for an approval after the fact. With
  // an attempt recorded, its outcome is not known (the call may have gone through after the description
  // above was read, or been undone since): it ends the same, but keeps the asking.
  if (!ex.updateAttempts) {
    const recorded = await recordExecution(rt, req.id, { notStarted: notStartedFact(why) }, 'did not run');
    await finishNotStarted(rt, recorded, plan, why);
    return;
  }
  await finishNotStarted(rt, req, plan, why);
}
