/** `/ecs restart`, worker part: read the service, plan, then dry-run answer or approval request. */
import type { Runtime } from '../runtime';
import { planRestart } from '../deploy/planner';
import { submitPrepared } from './change.run';
import type { RestartArgs } from './restart';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

export async function runRestart(parsed: Parsed<RestartArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planRestart(rt, parsed.service!);
  await submitPrepared(rt, inv, prepared, parsed.args);
}
