/** `/ecs rollback`, worker part: find the previous task definition, plan, then dry-run answer or approval request. */
import type { Runtime } from '../runtime';
import { planRollback } from '../deploy/planner';
import { submitPrepared } from './change.run';
import type { RollbackArgs } from './rollback';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

export async function runRollback(parsed: Parsed<RollbackArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planRollback(rt, parsed.service!, parsed.args.to);
  await submitPrepared(rt, inv, prepared, parsed.args);
}
