/**
 * Loads the modules that register job kinds, buttons, event consumers and scheduled tasks.
 * Every entry point calls registerAll() so the same behaviour exists on Lambda and locally.
 */
import { registerApprovals } from '../approvals/register';
import { registerAlerts } from '../alerts/register';
import { registerChanges } from '../deploy/register';

let done = false;

export function registerAll(): void {
  if (done) return;
  done = true;
  // Modules register themselves on import; list them here.
  registerApprovals();
  registerAlerts();
  registerChanges();
}
