/**
 * The 'execute' job: carry out an approved change request exactly once.
 *
 *   startExecution (approved → running, once; takes the service's change lock; refused once the
 *   approval's start deadline has passed)
 *   → the execution lease (one worker at a time; renewed while it works)
 *   → status card in the request's thread
 *   → re-describe the service: refuse if anything the plan was based on moved (task definition,
 *     desired count, the image digest its tasks run), saying what changed
 *   → deploy only: register the task definition once (its ARN recorded BEFORE UpdateService)
 *   → "still running and the lease is mine" checked atomically, then UpdateService
 *   → record the deployment → milestones, card, then tracking (events / tick / local watcher)
 *     until completed or failed.
 *
 * Delivery is at least once. A duplicate job finds the request running and returns. A retry
 * after a crash or an unknown outcome (the job throws so Lambda retries it) resumes the running
 * request under the lease: it reuses the registered task definition, and adopts a registration
 * or an update that went through before the crash instead of repeating it. The lease records
 * until when this attempt may run at most (the invocation's deadline), so the deadline tick
 * settles a stalled run only once its worker has certainly stopped. Nothing here sleeps or waits
 * for a rollout.
 */
import { randomUUID } from 'node:crypto';
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import type { Runtime } from '../runtime';
import type { Logger } from '../log';
import { BotError } from '../errors';
import { describeService, describeTaskDefinition } from '../aws/ecs';
import { describeImage } from '../aws/ecr';
import { code } from '../slack/text';
import { shortDigest } from './refs';
import { awsError, awsActions } from '../aws/errors';
import { registerTaskDefinition, updateServiceRaw } from '../aws/ecs-write';
import { diffObjects } from './diff';
import { changeFor, isAwsUnanswered, isDefiniteRefusal, isRetryable, updateApplied } from './apply';
import {
  assertChangeable,
  parsePlan,
  planDrift,
  plannedTaskDefinition,
  primaryDeployment,
  registersTaskDefinition,
  requestVerb,
  type ChangePlan,
} from './plan';
import { runningImageDigest } from './planner';
import { registeredMilestone, startedMilestone, statusCard } from './card';
import { withThrottleRetry, isThrottled } from './retry';
import { registrationInput, roleProblems, rolesOf, withImage, withSize } from './taskdef';
import { deadlineOf, factsOf, finishNotStarted, notStartedFact, postOnce, refreshRequest, showCard, startedAtOf } from './tracker';
import { watchRollout } from './watch';
import { changeAccess } from './session';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { finishExecution, leaseOp, recordExecution, startExecution } from '../approvals/execution';
import { invocationDeadline } from '../hooks/jobs';
import { findService } from '../config/load';
import { EXECUTE_BUDGET_MS } from './constants';
import { isRunRequest } from './run-plan';
import { defineMessages, textIn, tokenText, type Text } from '../i18n/catalog';

const M = defineMessages('deploy.execute', {
  unreadablePlan: {
    en: 'the stored plan could not be read by this version of the bot; nothing was changed',
    ko: '이 버전의 봇이 저장된 계획을 읽지 못했습니다. 아무것도 바꾸지 않았습니다',
  },
  imageGone: {
    en: 'The approved image {digest} is no longer in ECR repository {repository} (deleted since the request).',
    ko: '승인된 이미지({digest})가 더 이상 ECR 리포지토리 {repository}에 없습니다 (요청 뒤에 삭제됨).',
  },
  pushAgain: { en: 'Push the image again and make a new request.', ko: '이미지를 다시 푸시하고 새로 요청하세요.' },
  nothingRegistered: { en: 'Nothing was registered or changed.', ko: '아무것도 등록하거나 바꾸지 않았습니다.' },
  abortedBefore: {
    en: '{user} aborted the change before the service was updated.',
    ko: '서비스를 업데이트하기 전에 {user} 님이 변경을 중단했습니다.',
  },
  serviceUntouched: { en: 'Nothing was changed on the service.', ko: '서비스는 바뀌지 않았습니다.' },
  awsUnansweredHint: {
    en: 'Nothing was changed on the service, and {service} is free for new requests. AWS may be slow or unreachable from the bot right now; request the change again in a few minutes.',
    ko: '서비스는 바뀌지 않았고 {service} 서비스는 새 요청을 받을 수 있습니다. 지금 봇에서 AWS가 느리거나 닿지 않는 것 같습니다. 몇 분 뒤에 다시 요청하세요.',
  },
  planMoved: {
    en: 'The service changed since the request was made, so the approved plan no longer describes it: {moved}.',
    ko: '요청한 뒤에 서비스가 바뀌어 승인된 계획이 더 이상 맞지 않습니다: {moved}.',
  },
  planMovedHint: {
    en: 'Nothing was changed. Request it again: {command} makes a new plan from what runs now.',
    ko: '아무것도 바꾸지 않았습니다. 다시 요청하세요. {command} 명령이 지금 실행 중인 것으로 새 계획을 세웁니다.',
  },
  notAcceptedLast: {
    en: 'AWS did not accept the service update after {n} attempts. The last attempt: {why}',
    ko: 'AWS가 {n}번 시도한 서비스 업데이트를 받아들이지 않았습니다. 마지막 시도: {why}',
  },
  retryingWhy: {
    en: ':hourglass: AWS did not confirm the service update; trying again shortly (attempt {n} of {max}). {why}',
    ko: ':hourglass: AWS가 서비스 업데이트를 확인해 주지 않아 곧 다시 시도합니다 ({max}번 중 {n}번째). {why}',
  },
});

/** A worker's lease lasts this long unless renewed; a crashed worker's lease expires before Lambda's retry. */
const LEASE_MS = 90_000;
/** The lease is renewed this often while the worker works. */
const RENEW_EVERY_MS = 30_000;
/** Without an invocation deadline (npm start), an attempt is over once its AWS budget is spent, plus this. */
const LOCAL_ATTEMPT_MARGIN_MS = 60_000;
/** UpdateService attempts (across job retries) before the change is failed. */
const MAX_UPDATE_ATTEMPTS = 3;

class NotStarted extends Error {
  constructor(
    readonly text: Text,
    readonly hint?: Text,
  ) {
    super(textIn(text, 'en'));
  }
}

/** Until when this attempt may run at most: its invocation's deadline on Lambda, its AWS budget and a margin locally. */
function attemptEnd(rt: Runtime): number {
  return invocationDeadline() ?? rt.now() + EXECUTE_BUDGET_MS + LOCAL_ATTEMPT_MARGIN_MS;
}

/** The request was settled by someone else (the tick failed it, another worker took over): stop without touching anything. */
class Superseded extends Error {}

export interface Lease {
  token: string;
  /** Answers whether the request is still running and the lease still ours, right now (atomically). */
  check(): Promise<boolean>;
  /**
   * The same check and, when it holds, UpdateService attempt `n` recorded, as one step: the request
   * after it, or undefined (nothing recorded; the worker must not send it).
   */
  attempt(n: number): Promise<ChangeRequest | undefined>;
  release(): Promise<void>;
}

/**
 * Take the request's lease (one worker at a time) and keep renewing it while the work goes on.
 * Undefined when another worker holds it or the request no longer runs.
 */
export async function takeLease(
  rt: Runtime,
  id: string,
  log: Logger,
  timing: { ttlMs: number; renewEveryMs: number } = { ttlMs: LEASE_MS, renewEveryMs: RENEW_EVERY_MS },
): Promise<Lease | undefined> {
  const { ttlMs, renewEveryMs } = timing;
  const token = randomUUID();
  const got = await leaseOp(rt, id, 'acquire', token, ttlMs, attemptEnd(rt));
  if (got.code !== 'OK') {
    log.info('execute: not taking the request', { code: got.code, state: got.request?.state });
    return undefined;
  }
  let lost = false;
  const timer = setInterval(() => {
    leaseOp(rt, id, 'renew', token, ttlMs).then(
      (r) => {
        if (r.code !== 'OK') {
          lost = true;
          clearInterval(timer);
          log.warn('execute: lease lost while working', { code: r.code });
        }
      },
      (err: unknown) => log.warn('execute: could not renew the lease', { err }),
    );
  }, renewEveryMs);
  timer.unref?.();
  return {
    token,
    async check() {
      if (lost) return false;
      return (await leaseOp(rt, id, 'check', token, ttlMs)).code === 'OK';
    },
    async attempt(n) {
      if (lost) return undefined;
      return (await import('../approvals/attempt.run')).beginAttempt(rt, id, token, ttlMs, n);
    },
    async release() {
      clearInterval(timer);
      await leaseOp(rt, id, 'release', token, ttlMs).catch((err: unknown) => log.warn('could not release the lease', { err }));
    },
  };
}

/** Same registration (the image and everything else) as `input`, made after `since`: a crashed attempt's. */
async function findOwnRegistration(
  ecs: ECSClient,
  input: ReturnType<typeof registrationInput>,
  since: number,
): Promise<string | undefined> {
  if (!input.family) return undefined;
  const latest = await withThrottleRetry(() => describeTaskDefinition(ecs, input.family!));
  const td = latest.taskDefinition;
  if (!td.taskDefinitionArn || (td.registeredAt && td.registeredAt.getTime() < since - 60_000)) return undefined;
  const same = diffObjects(registrationInput(td), { ...input, tags: undefined }).length === 0;
  return same ? td.taskDefinitionArn : undefined;
}

/** Carry out request `id` (the 'execute' job). */
export async function executeRequest(rt: Runtime, id: string): Promise<void> {
  const log = rt.log.child({ requestId: id });
  const started = await startExecution(rt, id, attemptEnd(rt));
  let req: ChangeRequest;
  let resumed = false;
  if (started.ok) {
    req = started.request;
  } else {
    const current = await getRequest(rt.redis, id);
    const ex = current ? factsOf(current) : {};
    if (!current || current.state !== 'running' || ex.deploymentId) {
      log.info('execute: nothing to do', { code: started.code, state: current?.state });
      return;
    }
    req = current;
    resumed = true;
  }
  const lease = await takeLease(rt, id, log);
  if (!lease) return;
  try {
    await run(rt, req, resumed, log, lease);
  } catch (err) {
    if (!(err instanceof Superseded)) throw err;
    log.warn('execute: the request was settled while this worker ran; the service was not changed by it', { reason: err.message });
  } finally {
    await lease.release();
  }
  // The people who asked and approved may only ever click (never type a command or open Home): learn
  // their Slack language here (users.info once a day each, cached), so their next clicks on the card
  // (Details, Abort, refusals) are answered in it. The Slack-facing path only reads that cache.
  await Promise.all([...new Set([req.requester, ...req.approvals.map((a) => a.user)])].map((u) => rt.people.localeOf(u)));
}

async function run(rt: Runtime, req: ChangeRequest, resumed: boolean, log: Logger, lease: Lease): Promise<void> {
  // A one-off task (`/ecs run`) changes no service: its own executor, never the code below.
  if (isRunRequest(req)) {
    const { executeRun } = await import('./run-task');
    await executeRun(rt, req, resumed, log, lease, (what, op) => reportBeforeUpdate(log, what, op));
    return;
  }
  // What goes to the request's thread and message is in the workspace's language.
  const w = rt.people.workspace;
  const plan = parsePlan(req.plan);
  if (!plan) {
    // Nothing of it can run: when no attempt ever sent an UpdateService (each is recorded before it is
    // sent), nothing changed, recorded as such (a break-glass change is then not asked for an approval after the fact).
    const message = M.in(w)('unreadablePlan');
    if (!factsOf(req).updateAttempts) await recordExecution(rt, req.id, { notStarted: notStartedFact({ message }) }, 'did not run');
    await finishExecution(rt, req.id, 'failed', message);
    return;
  }
  let ex = factsOf(req);
  if (ex.notStarted) {
    // An earlier attempt decided the change does not run (and may have said so): finish that, change nothing.
    await finishNotStarted(rt, req, plan, ex.notStarted);
    return;
  }
  const startedAt = ex.startedAt ?? startedAtOf(req, ex);
  if (ex.startedAt === undefined) req = await recordExecution(rt, req.id, { startedAt }, 'execution started');
  const deadlineMs = deadlineOf(rt, plan.environment);
  const card = (phase: 'starting', note?: string) =>
    statusCard(
      {
        requestId: req.id,
        plan,
        phase,
        ...(ex.registeredTaskDefinition ? { registered: ex.registeredTaskDefinition } : {}),
        deadlineMs,
        reasons: [],
        stoppedTasks: [],
        startedAt,
        ...(note ? { note } : {}),
      },
      w,
    );
  await reportBeforeUpdate(log, 'show the status card', () => showCard(rt, req, card('starting'), { force: true }));
  // The change's own role session (request, requester, approvers) when the environment has a role.
  const access = changeAccess(rt, req, plan);
  const ecs = rt.aws.ecs(plan.region, access);
  let registered = ex.registeredTaskDefinition;

  let applied: Service;
  try {
    // 1. The service as it is now.
    const service = await withThrottleRetry(() => describeService(ecs, plan.cluster, plan.serviceName));
    if (resumed && updateApplied(plan, service, ex, startedAt)) {
      log.info('execute: the update went through before a crash; adopting it');
      applied = service;
    } else {
      applied = await changeService(service, plan);
    }
  } catch (err) {
    if (err instanceof Superseded) throw err;
    // AWS not answering (or refusing, throttling) before any UpdateService was sent: nothing was
    // changed, so the request fails now and says why, instead of leaving the people who approved
    // it looking at "starting" while Lambda retries minutes later. Once an UpdateService may have
    // been sent, its outcome is unknown: the job is retried and looks first.
    const beforeAnyUpdate = !factsOf(req).updateAttempts;
    if (err instanceof NotStarted || (err instanceof BotError && (!isRetryable(err) || (beforeAnyUpdate && isAwsUnanswered(err))))) {
      const message = err instanceof NotStarted ? textIn(err.text, w) : (err as BotError).userMessageIn(w);
      const hint =
        err instanceof NotStarted
          ? textIn(err.hint, w)
          : isAwsUnanswered(err as BotError)
            ? M.in(w)('awsUnansweredHint', { service: code(plan.alias) })
            : (err as BotError).hintIn(w);
      log.info('execute: change did not run', { reason: err.message });
      // Decided, and recorded before anyone is told: when the card or the finish fails below, the
      // job's retry (or the tick) ends the change this same way, instead of running the change the
      // thread already said did not run.
      const why = notStartedFact({ message, ...(hint ? { hint } : {}) });
      req = await recordExecution(rt, req.id, { notStarted: why }, 'did not run');
      await finishNotStarted(rt, req, plan, why);
      return;
    }
    throw err;
  }
  // The service was updated: from here on nothing may fail the change; tracking takes over.
  await afterUpdate(rt, req, plan, applied, registered, deadlineMs, log);

  /** Checks, registration (deploy), UpdateService. Throws NotStarted when the service was not changed. */
  async function changeService(service: Service, plan: ChangePlan): Promise<Service> {
    // The whole plan, re-checked against the service as it is now: an approval covers what it showed.
    const container = 'container' in plan ? plan.container : findService(rt.config, plan.alias)?.container;
    const runningDigest =
      plan.runningDigest && container
        ? await runningImageDigest(ecs, {
            cluster: plan.cluster,
            serviceName: plan.serviceName,
            container,
            taskDefinition: service.taskDefinition,
          }).catch(() => undefined)
        : undefined;
    const moved = planDrift(plan, { taskDefinition: service.taskDefinition, desiredCount: service.desiredCount, runningDigest });
    if (moved.length) {
      const command = `\`/ecs ${plan.verb} ${plan.alias}${plan.verb === 'deploy' ? ` ${plan.tag ?? plan.digest}` : plan.verb === 'scale' ? ` ${plan.to}` : plan.verb === 'resize' ? ` --cpu ${plan.to.cpu} --memory ${plan.to.memory}` : ''}\``;
      throw new NotStarted(M.lazy('planMoved', { moved: (l) => moved.map((m) => m(l)).join('; ') }), M.lazy('planMovedHint', { command }));
    }
    try {
      assertChangeable(service, requestVerb(plan), plan.alias, rt.now());
    } catch (err) {
      if (err instanceof BotError) throw new NotStarted(err.text, err.hintText);
      throw err;
    }

    // 2. Deploy: the approved digest must still exist (tags move; digests get deleted), then register once
    //    (a resize registers the same way, with only the task size changed).
    if (registersTaskDefinition(plan) && !registered) {
      if (plan.verb === 'deploy') {
        try {
          await withThrottleRetry(() =>
            describeImage(
              rt.aws.ecr(plan.registryRegion ?? plan.region, access),
              plan.repository,
              { digest: plan.digest },
              plan.registryId,
            ),
          );
        } catch (err) {
          if (err instanceof BotError && err.code === 'NOT_FOUND') {
            throw new NotStarted(
              M.lazy('imageGone', { digest: code(`sha256:${shortDigest(plan.digest)}`), repository: code(plan.repository) }),
              M.lazy('pushAgain'),
            );
          }
          throw err;
        }
      }
      const current = await withThrottleRetry(() => describeTaskDefinition(ecs, plan.currentTaskDefinition));
      const copy = registrationInput(current.taskDefinition, current.tags);
      let input: typeof copy;
      try {
        input = plan.verb === 'deploy' ? withImage(copy, plan.container, plan.image) : withSize(copy, plan.to.cpu, plan.to.memory);
      } catch (err) {
        if (err instanceof BotError) throw new NotStarted(err.text, err.hintText);
        throw err;
      }
      const problems = roleProblems(
        rolesOf(current.taskDefinition),
        rolesOf(input),
        rt.config.environments[plan.environment]?.taskRoles ?? [],
      );
      if (problems.length) throw new NotStarted((l) => problems.map((p) => tokenText(p, l)).join(' '), M.lazy('nothingRegistered'));
      let reused = false;
      if (resumed && ex.registering) {
        registered = await findOwnRegistration(ecs, input, ex.registering).catch(() => undefined);
        reused = !!registered;
      }
      if (!registered) {
        req = await recordExecution(rt, req.id, { registering: rt.now() }, 'registering task definition');
        const res = await withThrottleRetry(() => registerTaskDefinition(ecs, input));
        registered = res.taskDefinition.taskDefinitionArn!;
      }
      // Recorded before UpdateService: a retry from here on reuses this revision.
      req = await recordExecution(
        rt,
        req.id,
        { registeredTaskDefinition: registered, targetTaskDefinition: registered },
        'task definition registered',
      );
      ex = factsOf(req);
      await reportBeforeUpdate(log, 'post the registered milestone', () =>
        postOnce(rt, req, 'registered', registeredMilestone(registered!, reused, w)),
      );
    } else if (registersTaskDefinition(plan) && registered) {
      await reportBeforeUpdate(log, 'post the registered milestone', () =>
        postOnce(rt, req, 'registered', registeredMilestone(registered!, true, w)),
      );
    }

    // Someone pressed Abort before the service was touched.
    const abortBy = await (await import('./abort.run')).beginUpdate(rt, req.id);
    if (abortBy) throw new NotStarted(M.lazy('abortedBefore', { user: `<@${abortBy}>` }), M.lazy('serviceUntouched'));

    // 3. UpdateService, only while the request is still running and this worker still holds it. The
    //    attempt is recorded in the same step as that check: a worker that finds its lease gone here
    //    records nothing, so whoever settles the change knows no UpdateService was sent by it (a
    //    break-glass change then is not asked for an approval after the fact); a recorded one may have been.
    const attempts = (ex.updateAttempts ?? 0) + 1;
    const attempting = await lease.attempt(attempts);
    if (!attempting) throw new Superseded('the request no longer runs under this worker');
    req = attempting;
    let updated: Service;
    try {
      updated = await withThrottleRetry(() => updateServiceRaw(ecs, changeFor(plan, registered)));
    } catch (err) {
      if (isDefiniteRefusal(err)) {
        const mapped = awsError(err, {
          action: awsActions.lazy('updateService', { service: plan.serviceName }),
          permission: 'ecs:UpdateService',
        });
        throw new NotStarted(mapped.text, mapped.hintText);
      }
      // Unknown outcome: look before trying again.
      const now = await withThrottleRetry(() => describeService(ecs, plan.cluster, plan.serviceName)).catch(() => undefined);
      if (now && updateApplied(plan, now, factsOf(req), startedAt)) {
        updated = now;
      } else if (attempts >= MAX_UPDATE_ATTEMPTS) {
        const why = awsError(err, {
          action: awsActions.lazy('updateService', { service: plan.serviceName }),
          permission: 'ecs:UpdateService',
        });
        throw new NotStarted(M.lazy('notAcceptedLast', { n: attempts, why: (l) => why.userMessageIn(l) }));
      } else {
        const why = awsError(err, {
          action: awsActions.lazy('updateService', { service: plan.serviceName }),
          permission: 'ecs:UpdateService',
        }).userMessageIn(w);
        const note = M.in(w)('retryingWhy', { n: attempts, max: MAX_UPDATE_ATTEMPTS, why });
        await showCard(rt, req, card('starting', note), { force: true }).catch(() => undefined);
        log.warn('execute: UpdateService outcome unknown; the job will be retried', { err, attempts, throttled: isThrottled(err) });
        throw err;
      }
    }
    return updated;
  }
}

/**
 * Reporting before the service is updated (the starting card, the registered milestone) never stops
 * an approved change: Slack failing, or slow, is logged and the change goes on, within a bound so a
 * hanging Slack does not spend the attempt's AWS budget. The tracker puts the card right once
 * Slack answers again (it posts one when none exists).
 */
const REPORT_BEFORE_UPDATE_MS = 10_000;

async function reportBeforeUpdate(log: Logger, what: string, op: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REPORT_BEFORE_UPDATE_MS} ms`)), REPORT_BEFORE_UPDATE_MS);
    timer.unref?.();
  });
  try {
    await Promise.race([op(), bound]);
  } catch (err) {
    log.warn(`execute: could not ${what}; the change goes on`, { err });
  } finally {
    clearTimeout(timer);
  }
}

async function afterUpdate(
  rt: Runtime,
  req: ChangeRequest,
  plan: ChangePlan,
  service: Service,
  registered: string | undefined,
  deadlineMs: number,
  log: Logger,
): Promise<void> {
  const primary = primaryDeployment(service);
  const target = plannedTaskDefinition(plan, registered) ?? plan.currentTaskDefinition;
  const facts: Record<string, unknown> = { targetTaskDefinition: target, serviceUpdatedAt: rt.now() };
  if (primary?.id) facts.deploymentId = primary.id;
  if (service.currentServiceDeployment) facts.serviceDeploymentArn = service.currentServiceDeployment;
  // Recording the deployment id also marks it as the bot's (keys.botDeployment), for alerts. If
  // this fails the job fails, and its retry adopts the update (updateApplied) instead of repeating it.
  req = await recordExecution(rt, req.id, facts, 'service updated');
  // Reporting only: when it fails, the events consumer and the tick bring the thread up to date.
  await postOnce(rt, req, 'started', startedMilestone(plan, primary?.id, deadlineMs, rt.people.workspace)).catch((err: unknown) =>
    log.warn('execute: service updated, the started milestone failed', { err }),
  );
  // Abort pressed while the service was being updated: carried out now that there is a deployment
  // to stop, whatever became of the report above.
  const aborted = await (await import('./abort.run')).abortAfterUpdate(rt, req).catch((err: unknown) => {
    log.error('execute: an abort pressed during the update could not be carried out', { requestId: req.id, err });
    return true;
  });
  // (After an abort, the card is the abort's: this `req` and `service` are from before it.)
  if (!aborted)
    await refreshRequest(rt, req, { service, force: true }).catch((err: unknown) =>
      log.warn('execute: service updated, first report failed', { err }),
    );
  if (rt.mode === 'local') {
    void watchRollout(rt, req.id).catch((err) => rt.log.error('local rollout watcher stopped', { requestId: req.id, err }));
  }
}
