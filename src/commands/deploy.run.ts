/** `/ecs deploy`, worker part: resolve the image, plan, then dry-run answer or approval request. */
import type { Runtime } from '../runtime';
import { planDeploy } from '../deploy/planner';
import { submitPrepared } from './change.run';
import type { DeployArgs } from './deploy';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

export async function runDeploy(parsed: Parsed<DeployArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planDeploy(rt, parsed.service!, parsed.args.image);
  await submitPrepared(rt, inv, prepared, parsed.args);
}
