/**
 * The 'execute' job: carry out an approved change request exactly once.
 *
 *   startExecution (approved → running, once; takes the service's change lock)
 *   → status card in the request's thread
 *   → re-describe the service: refuse if it changed since the plan was made
 *   → deploy only: register the task definition once (its ARN recorded BEFORE UpdateService)
 *   → UpdateService → record the deployment → milestones, card, then tracking (events / tick /
 *     local watcher) until completed or failed.
 *
 * Delivery is at least once. A duplicate job finds the request running and returns. A retry
 * after a crash or an unknown outcome (the job throws so Lambda retries it) resumes the running
 * request under a short lease: it reuses the registered task definition, and adopts a
 * registration or an update that went through before the crash instead of repeating it.
 * Nothing here sleeps or waits for a rollout.
 */
import { randomUUID } from 'node:crypto';
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import type { Runtime } from '../runtime';
import type { Logger } from '../log';
import { BotError, errorMessage } from '../errors';
import { keys } from '../redis/keys';
import { describeService, describeTaskDefinition } from '../aws/ecs';
import { describeImage } from '../aws/ecr';
import { code, escapeMrkdwn } from '../slack/text';
import { shortDigest } from './refs';
import { awsError, awsErrorName, awsActions } from '../aws/errors';
import { registerTaskDefinition, updateServiceRaw } from '../aws/ecs-write';
import { diffObjects } from './diff';
import { changeFor, isDefiniteRefusal, updateApplied } from './apply';
import { assertChangeable, parsePlan, plannedTaskDefinition, primaryDeployment, type ChangePlan } from './plan';
import { notStartedMilestone, registeredMilestone, startedMilestone, statusCard } from './render';
import { withThrottleRetry, isThrottled } from './retry';
import { registrationInput, roleProblems, rolesOf, withImage } from './taskdef';
import { audienceOf, deadlineOf, factsOf, postOnce, refreshRequest, showCard, startedAtOf } from './tracker';
import { watchRollout } from './watch';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { finishExecution, recordExecution, startExecution } from '../approvals/execution';
import { arnTail } from '../aws/arn';
import { defineMessages, textIn, tokenText, type Text } from '../i18n/catalog';

const M = defineMessages('deploy.execute', {
  unreadablePlan: {
    en: 'the stored plan could not be read by this version of the bot; nothing was changed',
    ko: '이 버전의 봇이 저장된 계획을 읽지 못했습니다. 아무것도 바꾸지 않았습니다',
  },
  didNotRun: { en: 'did not run: {message}', ko: '실행하지 않음: {message}' },
  serviceChanged: {
    en: 'The service changed since the request was made: it now runs {now}, and the plan was based on {planned}.',
    ko: '요청한 뒤에 서비스가 바뀌었습니다. 지금은 {now} 작업 정의를 실행하는데, 계획은 {planned} 기준이었습니다.',
  },
  requestAgain: {
    en: 'Request it again: {command} makes a new plan from what runs now.',
    ko: '다시 요청하세요. {command} 명령이 지금 실행 중인 것으로 새 계획을 세웁니다.',
  },
  imageGone: {
    en: 'The approved image {digest} is no longer in ECR repository {repository} (deleted since the request).',
    ko: '승인된 이미지 {digest}가 더 이상 ECR 리포지토리 {repository}에 없습니다 (요청 뒤에 삭제됨).',
  },
  pushAgain: { en: 'Push the image again and make a new request.', ko: '이미지를 다시 푸시하고 새로 요청하세요.' },
  nothingRegistered: { en: 'Nothing was registered or changed.', ko: '아무것도 등록하거나 바꾸지 않았습니다.' },
  abortedBefore: {
    en: '{user} aborted the change before the service was updated.',
    ko: '서비스를 업데이트하기 전에 {user} 님이 변경을 중단했습니다.',
  },
  serviceUntouched: { en: 'Nothing was changed on the service.', ko: '서비스는 바뀌지 않았습니다.' },
  notAccepted: {
    en: 'AWS did not accept the service update after {n} attempts ({name}: {detail}).',
    ko: 'AWS가 {n}번 시도한 서비스 업데이트를 받아들이지 않았습니다 ({name}: {detail}).',
  },
  retrying: {
    en: ':hourglass: AWS did not confirm the service update ({name}); trying again shortly (attempt {n} of {max}).',
    ko: ':hourglass: AWS가 서비스 업데이트를 확인해 주지 않았습니다 ({name}). 곧 다시 시도합니다 ({max}번 중 {n}번째).',
  },
});

/** A worker holds the request this long; a crashed worker's lease expires before Lambda's second retry. */
const LEASE_SECONDS = 90;
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

async function acquireLease(rt: Runtime, id: string): Promise<string | undefined> {
  const token = randomUUID();
  const ok = await rt.redis.set(keys.changeLease(id), token, 'EX', LEASE_SECONDS, 'NX');
  return ok === 'OK' ? token : undefined;
}

async function releaseLease(rt: Runtime, id: string, token: string): Promise<void> {
  // Only our own lease: after an expiry another worker may hold it.
  if ((await rt.redis.get(keys.changeLease(id))) === token) await rt.redis.del(keys.changeLease(id));
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
  const started = await startExecution(rt, id);
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
  const token = await acquireLease(rt, id);
  if (!token) {
    log.info('execute: another worker holds this request');
    return;
  }
  try {
    await run(rt, req, resumed, log);
  } finally {
    await releaseLease(rt, id, token).catch((err) => log.warn('could not release the lease', { err }));
  }
}

async function run(rt: Runtime, req: ChangeRequest, resumed: boolean, log: Logger): Promise<void> {
  // What goes to the request's thread and message is in the workspace's language.
  const w = rt.people.workspace;
  const plan = parsePlan(req.plan);
  if (!plan) {
    await finishExecution(rt, req.id, 'failed', M.in(w)('unreadablePlan'));
    return;
  }
  let ex = factsOf(req);
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
  await showCard(rt, req, card('starting'), { force: true });
  const ecs = rt.aws.ecs(plan.region);
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
    if (err instanceof NotStarted || (err instanceof BotError && !isRetryable(err))) {
      const message = err instanceof NotStarted ? textIn(err.text, w) : (err as BotError).userMessageIn(w);
      const hint = err instanceof NotStarted ? textIn(err.hint, w) : (err as BotError).hintIn(w);
      log.info('execute: change did not run', { reason: err.message });
      await postOnce(
        rt,
        req,
        'final',
        notStartedMilestone(plan, message, hint, plan.verb === 'deploy' ? registered : undefined, w, audienceOf(req)),
        { broadcast: true },
      );
      await showCard(
        rt,
        req,
        statusCard(
          {
            requestId: req.id,
            plan,
            phase: 'failed',
            ...(registered ? { registered } : {}),
            deadlineMs,
            reasons: [],
            stoppedTasks: [],
            startedAt,
            note: message,
          },
          w,
        ),
        { final: true },
      );
      await finishExecution(rt, req.id, 'failed', M.in(w)('didNotRun', { message }).slice(0, 600));
      return;
    }
    throw err;
  }
  // The service was updated: from here on nothing may fail the change; tracking takes over.
  await afterUpdate(rt, req, plan, applied, registered, deadlineMs, log);

  /** Checks, registration (deploy), UpdateService. Throws NotStarted when the service was not changed. */
  async function changeService(service: Service, plan: ChangePlan): Promise<Service> {
    if (service.taskDefinition !== plan.currentTaskDefinition) {
      throw new NotStarted(
        M.lazy('serviceChanged', { now: tdName(service.taskDefinition), planned: tdName(plan.currentTaskDefinition) }),
        M.lazy('requestAgain', {
          command: `\`/ecs ${plan.verb} ${plan.alias}${plan.verb === 'deploy' ? ` ${plan.tag ?? plan.digest}` : plan.verb === 'scale' ? ` ${plan.to}` : ''}\``,
        }),
      );
    }
    try {
      assertChangeable(service, plan.verb, plan.alias, rt.now());
    } catch (err) {
      if (err instanceof BotError) throw new NotStarted(err.text, err.hintText);
      throw err;
    }

    // 2. Deploy: the approved digest must still exist (tags move; digests get deleted), then register once.
    if (plan.verb === 'deploy' && !registered) {
      try {
        await withThrottleRetry(() => describeImage(rt.aws.ecr(plan.region), plan.repository, { digest: plan.digest }));
      } catch (err) {
        if (err instanceof BotError && err.code === 'NOT_FOUND') {
          throw new NotStarted(
            M.lazy('imageGone', { digest: code(`sha256:${shortDigest(plan.digest)}`), repository: code(plan.repository) }),
            M.lazy('pushAgain'),
          );
        }
        throw err;
      }
      const current = await withThrottleRetry(() => describeTaskDefinition(ecs, plan.currentTaskDefinition));
      const input = withImage(registrationInput(current.taskDefinition, current.tags), plan.container, plan.image);
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
      await postOnce(rt, req, 'registered', registeredMilestone(registered, reused, w));
    } else if (plan.verb === 'deploy' && registered) {
      await postOnce(rt, req, 'registered', registeredMilestone(registered, true, w));
    }

    // Someone pressed Abort before the service was touched.
    const abortBy = await rt.redis.hget(keys.changeTrack(req.id), 'abort');
    if (abortBy) throw new NotStarted(M.lazy('abortedBefore', { user: `<@${abortBy}>` }), M.lazy('serviceUntouched'));

    // 3. UpdateService.
    const attempts = (ex.updateAttempts ?? 0) + 1;
    req = await recordExecution(rt, req.id, { updateAttempts: attempts }, 'updating service');
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
        throw new NotStarted(
          M.lazy('notAccepted', { n: attempts, name: awsErrorName(err), detail: escapeMrkdwn(errorMessage(err).slice(0, 200)) }),
        );
      } else {
        const note = M.in(w)('retrying', { name: awsErrorName(err), n: attempts, max: MAX_UPDATE_ATTEMPTS });
        await showCard(rt, req, card('starting', note), { force: true }).catch(() => undefined);
        log.warn('execute: UpdateService outcome unknown; the job will be retried', { err, attempts, throttled: isThrottled(err) });
        throw err;
      }
    }
    return updated;
  }
}

/** Throttling and 5xx that outlasted the retries: the job is retried; refusals fail the change. */
function isRetryable(err: BotError): boolean {
  return err.code === 'AWS_THROTTLED' || err.code === 'STORE_UNAVAILABLE' || err.code === 'SLACK';
}

function tdName(s: string | undefined): string {
  return '`' + arnTail(s) + '`';
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
  try {
    await postOnce(rt, req, 'started', startedMilestone(plan, primary?.id, deadlineMs, rt.people.workspace));
    // Abort pressed while the service was being updated: do it now that there is a deployment to stop.
    const abortBy = await rt.redis.hget(keys.changeTrack(req.id), 'abort');
    if (abortBy && !factsOf(req).abortedBy) {
      await rt.dispatcher.dispatch({ kind: 'change-abort', id: `abort-${req.id}-late`, requestId: req.id, userId: abortBy });
    }
    await refreshRequest(rt, req, { service, force: true });
  } catch (err) {
    // Reporting only: the events consumer and the tick bring the thread up to date.
    log.warn('execute: service updated, first report failed', { err });
  }
  if (rt.mode === 'local') {
    void watchRollout(rt, req.id).catch((err) => rt.log.error('local rollout watcher stopped', { requestId: req.id, err }));
  }
}
