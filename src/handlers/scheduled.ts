/**
 * Lambda entry for the one-minute schedule (approval expiry, start deadlines, deploy deadlines,
 * services-down checks) and for the worker's failed invocations (an SQS event source on its
 * on-failure destination: each job Lambda gave up on is settled by its kind).
 */
import { runTicks } from '../hooks/events';
import { handleLostJobs, isSqsBatch, withInvocationDeadline } from '../hooks/jobs';
import { registerAll, createRuntime } from './compose';
import { routeWorkerJobs } from './worker-jobs';
import { redisSlackPauses } from '../redis/slack-pause';
import { lambdaRuntime } from './secrets';

registerAll();

// The runtime, with the secrets read from SSM when *_PARAM variables name them (./secrets.ts). On Lambda
// it is built during INIT: an invalid chatops.yml or a missing variable fails start-up with the field
// path (a missing SSM parameter: one log line naming it), instead of the first event.
const runtime = lambdaRuntime('worker', (env) =>
  createRuntime({ profile: 'worker', env, slackPauses: redisSlackPauses, routeJobs: routeWorkerJobs }),
);
if (process.env.AWS_LAMBDA_FUNCTION_NAME) runtime.prime();

type Result = { ok: boolean; failed?: string[] } | { batchItemFailures: Array<{ itemIdentifier: string }> };

export async function handler(event?: unknown, context?: { getRemainingTimeInMillis?(): number }): Promise<Result> {
  const rt = await runtime.ready();
  const left = context?.getRemainingTimeInMillis?.();
  if (isSqsBatch(event)) {
    // Within the invocation's time (a lost notice posted here: its claim, its Slack client's 429 waits).
    const res = await withInvocationDeadline(left === undefined ? undefined : Date.now() + left, () => handleLostJobs(event.Records, rt));
    await rt.dispatcher.idle?.();
    return res;
  }
  const failed = await runTicks(rt, left === undefined ? {} : { deadline: Date.now() + left });
  await rt.dispatcher.idle?.();
  return failed.length ? { ok: false, failed } : { ok: true };
}
