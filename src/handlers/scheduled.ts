/** Lambda entry for the one-minute schedule: approval expiry, deploy deadlines, services-down checks. */
import { runTicks } from '../events/hooks';
import { registerAll } from '../register';
import { createRuntime, getRuntime } from '../runtime';

registerAll();

export async function handler(): Promise<{ ok: boolean; failed?: string[] }> {
  const rt = getRuntime(() => createRuntime({ profile: 'worker' }));
  const failed = await runTicks(rt);
  return failed.length ? { ok: false, failed } : { ok: true };
}
