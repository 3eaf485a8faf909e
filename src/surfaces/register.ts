/**
 * Wires the Slack surfaces into the bot: the Home tab (app_home_opened, its buttons, the refresh
 * job, the change listener and the tick) and the deploy form (`/ecs deploy` without arguments, the
 * "Deploy to ECS" shortcut, the form's selects and submission, the tags job). Called from
 * registerAll() (src/handlers/compose.ts) in every function: the worker parts are loaded on first use.
 */
import { registerAction, registerCommandForm, registerShortcut, registerSlackEvent, registerView } from '../hooks/actions';
import { registerChangeListener, registerTick } from '../hooks/events';
import { registerJobKind } from '../hooks/jobs';
import { FORM } from './deploy-form';
import { deployFormView, handleFormAction, openFromCommand, openFromHome, openFromShortcut, tagsJobSchema } from './deploy-modal';
import { HOME_ACTION } from './home';
import { homeJobSchema, homeTick, onChange, onHomeOpened, refreshHomeFor, runHomeJob } from './home-publish';

let registered = false;

export function registerSurfaces(): void {
  if (registered) return;
  registered = true;
  registerSlackEvent({ type: 'app_home_opened', handle: async (rt, event, ctx) => void (await onHomeOpened(rt, event, ctx)) });
  registerAction({ actionId: HOME_ACTION.refresh, handle: refreshHomeFor });
  registerAction({ actionId: HOME_ACTION.deploy, handle: openFromHome });
  registerJobKind('home-refresh', { schema: homeJobSchema, once: false, handle: runHomeJob });
  registerChangeListener('home', onChange);
  registerTick('home-refresh', homeTick);

  registerCommandForm({ verb: 'deploy', open: openFromCommand });
  registerShortcut({ callbackId: FORM.shortcut, handle: openFromShortcut });
  registerAction({ actionId: FORM.actionPrefix, handle: handleFormAction });
  registerView(deployFormView);
  registerJobKind('deploy-form-tags', {
    schema: tagsJobSchema,
    once: false,
    handle: async (job, rt) => (await import('./deploy-modal.run')).runTagsJob(job, rt),
  });
}
