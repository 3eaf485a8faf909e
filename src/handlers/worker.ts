/** Lambda entry for the worker: async invocations carrying one job each. */
import { registerAll } from '../register';
import { createRuntime, getRuntime } from '../runtime';
import { runJob } from '../worker/run';

registerAll();

export async function handler(event: unknown): Promise<{ ok: true }> {
  const rt = getRuntime(() => createRuntime({ profile: 'worker' }));
  await runJob(event, rt);
  return { ok: true };
}
