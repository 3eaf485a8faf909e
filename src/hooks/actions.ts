/**
 * Interactive components (buttons, modals): a table of handlers, registered on the Bolt app.
 * Modules that own buttons (approvals, alerts) add entries with `registerAction`. A click on a
 * button no handler knows (an old message from an earlier version) gets a clear answer instead
 * of Bolt's 404.
 */
import type { App, BlockAction, ButtonAction, SlackViewAction } from '@slack/bolt';
import type { Runtime } from '../runtime';
import { errorReply } from '../slack/reply';
import { section } from '../slack/blocks';

export interface ActionContext {
  rt: Runtime;
  body: BlockAction<ButtonAction>;
  action: ButtonAction;
  userId: string;
  channelId?: string;
  messageTs?: string;
  /** Reply only to the clicker. */
  whisper(text: string): Promise<void>;
}

export interface ActionDef {
  /** Exact action_id, or a prefix ending in ':' (e.g. "approval:"). */
  actionId: string;
  /** Must finish quickly: Redis and Slack only; hand AWS work to the worker. */
  handle(ctx: ActionContext): Promise<void>;
}

export interface ViewDef {
  callbackId: string;
  handle(rt: Runtime, view: SlackViewAction['view'], userId: string): Promise<{ errors?: Record<string, string> } | void>;
}

const actionDefs: ActionDef[] = [];
const viewDefs: ViewDef[] = [];

export function registerAction(def: ActionDef): void {
  actionDefs.push(def);
}

export function registerView(def: ViewDef): void {
  viewDefs.push(def);
}

export function findAction(actionId: string): ActionDef | undefined {
  return actionDefs.find((d) => (d.actionId.endsWith(':') ? actionId.startsWith(d.actionId) : d.actionId === actionId));
}

export function installInteractivity(app: App, rt: Runtime): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions' }, async ({ ack, body, action, respond }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id ?? body.container?.channel_id;
    const whisper = async (text: string) => {
      if (body.response_url) await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: [section(text)] as never });
      else if (channelId) await rt.slack.ephemeral(channelId, userId, { text, blocks: [section(text)] });
    };
    const def = findAction(action.action_id);
    if (!def) {
      await whisper(':grey_question: This button is no longer valid (it belongs to an older message). Run the command again.');
      return;
    }
    try {
      await def.handle({ rt, body, action, userId, channelId, messageTs: body.message?.ts ?? body.container?.message_ts, whisper });
    } catch (err) {
      const reply = errorReply(err, rt.log.child({ action: action.action_id, user: userId }));
      await whisper(reply.blocks.length ? (reply.blocks[0] as { text: { text: string } }).text.text : reply.text).catch(() => undefined);
    }
  });
  app.view({ type: 'view_submission' }, async ({ ack, view, body }) => {
    const def = viewDefs.find((d) => d.callbackId === view.callback_id);
    if (!def) {
      await ack();
      return;
    }
    try {
      const res = await def.handle(rt, view, body.user.id);
      if (res && res.errors) await ack({ response_action: 'errors', errors: res.errors });
      else await ack();
    } catch (err) {
      const reply = errorReply(err, rt.log);
      const firstBlock = Object.keys(view.state.values)[0] ?? 'reason';
      await ack({ response_action: 'errors', errors: { [firstBlock]: reply.text.slice(0, 150) } });
    }
  });
}
