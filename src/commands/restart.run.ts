/** `/ecs restart`, worker part: read the service, plan, then dry-run answer or approval request. */
import type { Runtime } from '../runtime';
import { planRestart } from '../deploy/planner';
import { submitPrepared } from './change.run';
import type { RestartArgs } from './restart';
import type { Invocation, Parsed } from './types';

export async function runRestart(parsed: Parsed<RestartArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planRestart(rt, parsed.service!);
  await submitPrepared(rt, inv, prepared, parsed.args);
}
