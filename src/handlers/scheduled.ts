/** Lambda entry for the one-minute schedule: approval expiry, deploy deadlines, services-down checks. */
import { runTicks } from '../hooks/events';
import { registerAll, createRuntime, getRuntime } from './compose';

registerAll();

// On Lambda, build the runtime during INIT: an invalid chatops.yml or a missing variable fails
// start-up with the field path, instead of the first event.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) getRuntime('worker', () => createRuntime({ profile: 'worker' }));

export async function handler(): Promise<{ ok: boolean; failed?: string[] }> {
  const rt = getRuntime('worker', () => createRuntime({ profile: 'worker' }));
  const failed = await runTicks(rt);
  await rt.dispatcher.idle?.();
  return failed.length ? { ok: false, failed } : { ok: true };
}
