/** `/ecs scale`, worker part: read the service, plan, then dry-run answer or approval request. */
import type { Runtime } from '../runtime';
import { planScale } from '../deploy/planner';
import { submitPrepared } from './change.run';
import type { ScaleArgs } from './scale';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

export async function runScale(parsed: Parsed<ScaleArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planScale(rt, parsed.service!, parsed.args.count);
  await submitPrepared(rt, inv, prepared, parsed.args);
}
