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
import { code } from '../slack/text';
import { shortDigest } from './refs';
import { awsError, awsErrorName } from '../aws/errors';
import { registerTaskDefinition, updateServiceRaw } from '../aws/ecs-write';
import { diffObjects } from './diff';
import { changeFor, isDefiniteRefusal, updateApplied } from './apply';
import { assertChangeable, parsePlan, plannedTaskDefinition, primaryDeployment, type ChangePlan } from './plan';
import { notStartedMilestone, registeredMilestone, startedMilestone, statusCard } from './render';
import { withThrottleRetry, isThrottled } from './retry';
import { registrationInput, roleProblems, rolesOf, withImage } from './taskdef';
import { deadlineOf, factsOf, postOnce, refreshRequest, showCard, startedAtOf } from './tracker';
import { watchRollout } from './watch';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { finishExecution, recordExecution, startExecution } from '../approvals/execution';
import { arnTail } from '../aws/arn';

/** A worker holds the request this long; a crashed worker's lease expires before Lambda's second retry. */
const LEASE_SECONDS = 90;
/** UpdateService attempts (across job retries) before the change is failed. */
const MAX_UPDATE_ATTEMPTS = 3;

class NotStarted extends Error {
  constructor(
    readonly userMessage: string,
    readonly hint?: string,
  ) {
    super(userMessage);
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
  const plan = parsePlan(req.plan);
  if (!plan) {
    await finishExecution(rt, req.id, 'failed', 'the stored plan could not be read by this version of the bot; nothing was changed');
    return;
  }
  let ex = factsOf(req);
  const startedAt = ex.startedAt ?? startedAtOf(req, ex);
  if (ex.startedAt === undefined) req = await recordExecution(rt, req.id, { startedAt }, 'execution started');
  const deadlineMs = deadlineOf(rt, plan.environment);
  const card = (phase: 'starting', note?: string) =>
    statusCard({
      requestId: req.id,
      plan,
      phase,
      ...(ex.registeredTaskDefinition ? { registered: ex.registeredTaskDefinition } : {}),
      deadlineMs,
      reasons: [],
      stoppedTasks: [],
      startedAt,
      ...(note ? { note } : {}),
    });
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
      const message = err instanceof NotStarted ? err.userMessage : (err as BotError).userMessage;
      const hint = err instanceof NotStarted ? err.hint : (err as BotError).hint;
      log.info('execute: change did not run', { reason: message });
      await postOnce(rt, req, 'final', notStartedMilestone(plan, message, hint, plan.verb === 'deploy' ? registered : undefined));
      await showCard(
        rt,
        req,
        statusCard({
          requestId: req.id,
          plan,
          phase: 'failed',
          ...(registered ? { registered } : {}),
          deadlineMs,
          reasons: [],
          stoppedTasks: [],
          startedAt,
          note: message,
        }),
        { final: true },
      );
      await finishExecution(rt, req.id, 'failed', `did not run: ${message}`.slice(0, 600));
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
        `The service changed since the request was made: it now runs ${tdName(service.taskDefinition)}, and the plan was based on ${tdName(plan.currentTaskDefinition)}.`,
        `Request it again: \`/ecs ${plan.verb} ${plan.alias}${plan.verb === 'deploy' ? ` ${plan.tag ?? plan.digest}` : plan.verb === 'scale' ? ` ${plan.to}` : ''}\` makes a new plan from what runs now.`,
      );
    }
    try {
      assertChangeable(service, plan.verb, plan.alias, rt.now());
    } catch (err) {
      if (err instanceof BotError) throw new NotStarted(err.userMessage, err.hint);
      throw err;
    }

    // 2. Deploy: the approved digest must still exist (tags move; digests get deleted), then register once.
    if (plan.verb === 'deploy' && !registered) {
      try {
        await withThrottleRetry(() => describeImage(rt.aws.ecr(plan.region), plan.repository, { digest: plan.digest }));
      } catch (err) {
        if (err instanceof BotError && err.code === 'NOT_FOUND') {
          throw new NotStarted(
            `The approved image ${code(`sha256:${shortDigest(plan.digest)}`)} is no longer in ECR repository ${code(plan.repository)} (deleted since the request).`,
            'Push the image again and make a new request.',
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
      if (problems.length) throw new NotStarted(problems.join(' '), 'Nothing was registered or changed.');
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
      await postOnce(rt, req, 'registered', registeredMilestone(registered, reused));
    } else if (plan.verb === 'deploy' && registered) {
      await postOnce(rt, req, 'registered', registeredMilestone(registered, true));
    }

    // Someone pressed Abort before the service was touched.
    const abortBy = await rt.redis.hget(keys.changeTrack(req.id), 'abort');
    if (abortBy)
      throw new NotStarted(`<@${abortBy}> aborted the change before the service was updated.`, 'Nothing was changed on the service.');

    // 3. UpdateService.
    const attempts = (ex.updateAttempts ?? 0) + 1;
    req = await recordExecution(rt, req.id, { updateAttempts: attempts }, 'updating service');
    let updated: Service;
    try {
      updated = await withThrottleRetry(() => updateServiceRaw(ecs, changeFor(plan, registered)));
    } catch (err) {
      if (isDefiniteRefusal(err)) {
        const mapped = awsError(err, { action: `update service ${plan.serviceName}`, permission: 'ecs:UpdateService' });
        throw new NotStarted(mapped.userMessage, mapped.hint);
      }
      // Unknown outcome: look before trying again.
      const now = await withThrottleRetry(() => describeService(ecs, plan.cluster, plan.serviceName)).catch(() => undefined);
      if (now && updateApplied(plan, now, factsOf(req), startedAt)) {
        updated = now;
      } else if (attempts >= MAX_UPDATE_ATTEMPTS) {
        throw new NotStarted(
          `AWS did not accept the service update after ${attempts} attempts (${awsErrorName(err)}: ${errorMessage(err).slice(0, 200)}).`,
        );
      } else {
        const note = `:hourglass: AWS did not confirm the service update (${awsErrorName(err)}); trying again shortly (attempt ${attempts} of ${MAX_UPDATE_ATTEMPTS}).`;
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
    await postOnce(rt, req, 'started', startedMilestone(plan, primary?.id, deadlineMs));
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
