/** Lambda entry for the worker: async invocations carrying one job each. */
import { registerAll, createRuntime, getRuntime } from './compose';
import { runJob } from '../hooks/jobs';

registerAll();

// On Lambda, build the runtime during INIT: an invalid chatops.yml or a missing variable fails
// start-up with the field path, instead of the first event.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) getRuntime('worker', () => createRuntime({ profile: 'worker' }));

export async function handler(event: unknown, context?: { getRemainingTimeInMillis?(): number }): Promise<{ ok: true }> {
  const rt = getRuntime('worker', () => createRuntime({ profile: 'worker' }));
  const left = context?.getRemainingTimeInMillis?.();
  await runJob(event, rt, left === undefined ? {} : { deadline: Date.now() + left });
  // Jobs this one dispatched (an auto-approved change) run here, before the invocation ends.
  await rt.dispatcher.idle?.();
  return { ok: true };
}
