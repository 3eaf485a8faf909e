/**
 * Wires the approval workflow into the bot: the request message's buttons, the reject modal and
 * the expiry tick (the scheduled function on Lambda; the timer in src/local.ts locally).
 * Called from registerAll() (src/register.ts).
 */
import { registerAction, registerView } from '../hooks/actions';
import { registerTick } from '../hooks/events';
import { handleApprovalAction, rejectView } from './actions';
import { ACTION_PREFIX } from './message';
import { expireDue } from './store';

let registered = false;

export function registerApprovals(): void {
  if (registered) return;
  registered = true;
  registerAction({ actionId: ACTION_PREFIX, handle: handleApprovalAction });
  registerView(rejectView);
  registerTick('approvals-expiry', async (rt) => {
    await expireDue(rt);
  });
}
