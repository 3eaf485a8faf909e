/**
 * Wires the approval workflow into the bot: the request message's buttons, the reject modal and
 * the expiry and start-deadline ticks (the scheduled function on Lambda; the timer of src/handlers/local-server.ts locally).
 * Called from registerAll() (src/handlers/compose.ts).
 */
import { registerAction, registerView } from '../hooks/actions';
import { registerTick } from '../hooks/events';
import { handleApprovalAction, rejectView } from './actions';
import { ACTION_PREFIX } from './message';
import { expireDue, lapseDue } from './clicks';
import { remindRetro, startDueScheduled } from './gates';
import { ACK_ACTION_ID, handleAckClick } from './gate-locks';
import { resyncFreezeCopies } from './freeze-copies';
import { rerenderTick } from './workflow';
import { registerNotice } from './notice';

let registered = false;

export function registerApprovals(): void {
  if (registered) return;
  registered = true;
  registerAction({ actionId: ACTION_PREFIX, handle: handleApprovalAction });
  registerView(rejectView);
  registerAction({ actionId: ACK_ACTION_ID, handle: handleAckClick });
  // Lock, freeze and mute notices Slack did not take within the ack, posted by the worker (./notice.ts).
  registerNotice();
  registerTick('approvals-expiry', async (rt) => {
    await expireDue(rt);
  });
  // Request messages Slack did not take after a transition are rendered again (./workflow.ts).
  registerTick('approvals-rerender', rerenderTick);
  // The freeze copies the request scripts check follow the environments' freezes (./freeze-copies.ts).
  registerTick('approvals-freeze-copies', async (rt) => {
    await resyncFreezeCopies(rt);
  });
  registerTick('approvals-start-deadline', async (rt) => {
    await lapseDue(rt);
  });
  // Release gates: scheduled starts (`--at`) and the break-glass reminders.
  registerTick('approvals-scheduled', async (rt) => {
    await startDueScheduled(rt);
  });
  registerTick('approvals-retro', async (rt) => {
    await remindRetro(rt);
  });
}
