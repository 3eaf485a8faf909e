/** Lambda entry for the worker: async invocations carrying one job each. */
import { registerAll, createRuntime } from './compose';
import { redisSlackPauses } from '../redis/slack-pause';
import { lambdaRuntime } from './secrets';
import { runJob } from '../hooks/jobs';
import { gitHostsOf } from '../deploy/git-api';

registerAll();

// The runtime, with the secrets read from SSM when *_PARAM variables name them (./secrets.ts). On Lambda
// it is built during INIT: an invalid chatops.yml or a missing variable fails start-up with the field
// path (a missing SSM parameter: one log line naming it), instead of the first event.
// GIT_TOKENS (the Git hosts asked for a request's commit list) is validated as the runtime is built: an invalid
// value is a warning and the list stays off, the worker starts anyway.
const runtime = lambdaRuntime('worker', (env) => {
  const rt = createRuntime({ profile: 'worker', env, slackPauses: redisSlackPauses });
  gitHostsOf(rt);
  return rt;
});
if (process.env.AWS_LAMBDA_FUNCTION_NAME) runtime.prime();

export async function handler(event: unknown, context?: { getRemainingTimeInMillis?(): number }): Promise<{ ok: true }> {
  const rt = await runtime.ready();
  const left = context?.getRemainingTimeInMillis?.();
  await runJob(event, rt, left === undefined ? {} : { deadline: Date.now() + left });
  // Jobs this one dispatched (an auto-approved change) run here, before the invocation ends.
  await rt.dispatcher.idle?.();
  return { ok: true };
}
