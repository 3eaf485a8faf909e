/**
 * Interactive components (buttons, modals): the table features register their handlers into with
 * `registerAction` / `registerView` (in their register.ts). The Slack edge
 * (src/edge/interactivity.ts) installs one Bolt listener for each and dispatches through this table.
 */
import type { BlockAction, ButtonAction, SlackViewAction } from '@slack/bolt';
import type { Locale } from '../i18n/locale';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import type { Invocation } from '../slack/invocation';

export interface ActionContext {
  rt: Runtime;
  body: BlockAction<ButtonAction>;
  action: ButtonAction;
  userId: string;
  channelId?: string;
  messageTs?: string;
  /** The clicker's language (cached, else the workspace's): for whispers and other answers to them only. */
  locale: Locale;
  /** Reply only to the clicker. */
  whisper(text: string): Promise<void>;
  /**
   * Run a command as if the clicker had typed it (the slash-command path: parse, authorize, record
   * once, answer inline or hand off). The acknowledgement to show, or undefined for a duplicate.
   */
  submitCommand(inv: Invocation): Promise<SlackMessage | undefined>;
}

interface ActionDef {
  /** Exact action_id, or a prefix ending in ':' (e.g. "approval:"). */
  actionId: string;
  /** Must finish quickly: Redis and Slack only; hand AWS work to the worker. */
  handle(ctx: ActionContext): Promise<void>;
}

export interface ViewDef {
  callbackId: string;
  /** `locale`: the submitter's language (errors shown inside the modal are for them). */
  handle(rt: Runtime, view: SlackViewAction['view'], userId: string, locale: Locale): Promise<{ errors?: Record<string, string> } | void>;
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

export function findView(callbackId: string): ViewDef | undefined {
  return viewDefs.find((d) => d.callbackId === callbackId);
}
