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
import { keys } from '../redis/keys';
import { awsError, awsErrorName, isAccessDenied } from '../aws/errors';
import { stopServiceDeploymentRaw, updateServiceRaw } from '../aws/ecs-write';
import type { AbortJob } from './abort';
import { parsePlan, type ChangePlan } from './plan';
import { abortMilestone } from './render';
import { withThrottleRetry } from './retry';
import { factsOf, refreshRequest } from './tracker';
import { changeAccess } from './session';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { recordExecution } from '../approvals/execution';
import { notificationText, oneLine, plainText } from '../slack/text';

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

async function say(rt: Runtime, req: ChangeRequest, text: string): Promise<void> {
  await rt.slack.post(
    req.channel,
    { text: notificationText(text), blocks: [section(text)] },
    req.messageTs ? { threadTs: req.messageTs } : {},
  );
}

async function goBack(
  rt: Runtime,
  req: ChangeRequest,
  plan: ChangePlan,
  stopArn: string | undefined,
  userId: string,
): Promise<{ how: 'stop' | 'update'; target: string; note?: string }> {
  // A role session naming the request and who pressed Abort (CloudTrail), when the environment has a role.
  const ecs = rt.aws.ecs(plan.region, changeAccess(rt, req, plan, 'abort', userId));
  let note: string | undefined;
  if (plan.verb !== 'scale' && stopArn) {
    try {
      await withThrottleRetry(() => stopServiceDeploymentRaw(ecs, stopArn));
      return { how: 'stop', target: plan.currentTaskDefinition };
    } catch (err) {
      if (!stopNotAvailable(err)) throw awsError(err, { action: 'stop the deployment', permission: 'ecs:StopServiceDeployment' });
      note = `StopServiceDeployment was not available (${plainText(awsError(err, { action: 'stop the deployment', permission: 'ecs:StopServiceDeployment' }).userMessage)})`;
      rt.log.info('abort: StopServiceDeployment not available; updating the service back', { err });
    }
  }
  if (plan.verb === 'restart') {
    throw new BotError('REFUSED', 'restart cannot be rolled back by UpdateService', {
      userMessage: `${note ?? 'ECS gave me no deployment to stop.'} A restart runs the same task definition, so there is nothing to update back to; it will finish replacing tasks.`,
    });
  }
  const change = plan.verb === 'scale' ? { desiredCount: plan.from } : { taskDefinition: plan.currentTaskDefinition };
  try {
    await withThrottleRetry(() => updateServiceRaw(ecs, { cluster: plan.cluster, service: plan.serviceName, ...change }));
  } catch (err) {
    throw awsError(err, { action: `update service ${plan.serviceName} back`, permission: 'ecs:UpdateService' });
  }
  return { how: 'update', target: plan.verb === 'scale' ? String(plan.from) : plan.currentTaskDefinition, ...(note ? { note } : {}) };
}

export async function runAbort(rt: Runtime, job: AbortJob): Promise<void> {
  const track = keys.changeTrack(job.requestId);
  const req = await getRequest(rt.redis, job.requestId);
  const plan = req ? parsePlan(req.plan) : undefined;
  if (!req || !plan || req.state !== 'running') {
    await rt.redis.hdel(track, 'abort');
    if (req && req.state !== 'running')
      await say(
        rt,
        req,
        `:information_source: <@${job.userId}> asked to abort, but the change already ${req.state === 'succeeded' ? 'completed' : req.state}.`,
      );
    return;
  }
  // Re-authorized in the worker: the click that claimed this abort must be this user's, and they
  // must still hold the permission the click needed.
  const claimedBy = await rt.redis.hget(track, 'abort');
  if (claimedBy !== job.userId || !(await rt.access.holdsAny(req.environment, job.userId, ['requester', 'approver']))) {
    rt.log.error('abort job refused: no matching click or no permission', { requestId: req.id, user: job.userId, claimedBy });
    // Their own claim is released, so someone who may abort can.
    if (claimedBy === job.userId) await rt.redis.hdel(track, 'abort');
    return;
  }
  const ex = factsOf(req);
  if (!ex.deploymentId) {
    // Not updated yet: the executor checks the claim before UpdateService and stops there.
    await say(rt, req, `:octagonal_sign: <@${job.userId}> aborted the change; it stops before the service is updated.`);
    return;
  }
  try {
    const res = await goBack(rt, req, plan, ex.serviceDeploymentArn, job.userId);
    await recordExecution(rt, req.id, { abortedBy: job.userId, abortedAt: rt.now(), abortMethod: res.how }, 'abort');
    const msg = abortMilestone(plan, job.userId, res.how, res.target);
    if (res.note) msg.blocks.push(section(`_${oneLine(res.note, 300)}_`));
    await rt.slack.post(req.channel, msg, req.messageTs ? { threadTs: req.messageTs } : {});
    await refreshRequest(rt, req.id, { force: true }).catch((err) => rt.log.warn('abort: refresh failed', { err }));
  } catch (err) {
    await rt.redis.hdel(track, 'abort').catch(() => undefined);
    const text =
      err instanceof BotError
        ? err.userMessage
        : "something unexpected failed on my side (whoever runs the bot finds the details in the worker's logs).";
    await say(
      rt,
      req,
      `:warning: <@${job.userId}> asked to abort, but it did not work: ${text} The rollout goes on; press Abort again or use the ECS console.`,
    );
    if (!(err instanceof BotError)) throw err;
  }
}
