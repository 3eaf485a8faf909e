/** `/ecs rollback`, worker part: find the previous task definition, plan, then dry-run answer or approval request. */
import type { Runtime } from '../runtime';
import { planRollback } from '../deploy/planner';
import { alertScopeOf } from '../deploy/alert-rollback';
import { readIncident } from '../alerts/store';
import { submitPrepared } from './change.run';
import type { RollbackArgs } from './rollback';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

export async function runRollback(parsed: Parsed<RollbackArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const svc = parsed.service!;
  // Asked for from an alert's Roll back button: only away from the revision that alert is about
  // (src/deploy/alert-rollback.ts), as its incident is on record now.
  const alert = inv.alert ? alertScopeOf(await readIncident(rt.redis, svc), inv.alert) : undefined;
  const prepared = await planRollback(rt, svc, parsed.args.to, alert);
  await submitPrepared(rt, inv, prepared, parsed.args);
}
