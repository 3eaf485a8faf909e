/**
 * What reacts to Slack besides the slash command: buttons and selects (`registerAction`), modal
 * submissions (`registerView`), global shortcuts (`registerShortcut`), Slack events such as
 * `app_home_opened` (`registerSlackEvent`) and forms that open instead of a verb typed without
 * arguments (`registerCommandForm`). Features register their handlers here (in their register.ts);
 * the Slack edge (src/edge/) installs one Bolt listener for each kind and dispatches through these
 * tables.
 */
import type { BlockAction, ButtonAction, SlackViewAction } from '@slack/bolt';
import type { Locale } from '../i18n/locale';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import type { ClickBudget } from '../slack/click-budget';
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
  /**
   * Reply only to the clicker, within what the click's budget has left (never under the answer's
   * reserve): an answer Slack has not taken by then is logged as cut short and may still arrive.
   */
  whisper(text: string): Promise<void>;
  /**
   * The click's time budget inside Slack's 3 seconds (src/slack/click-budget.ts), started with the
   * listener: Slack, hand-off and group-lookup calls on the click's path take their bounds from it.
   */
  budget: ClickBudget;
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

/**
 * What a command run through the slash-command path gave back: handed to the worker, answered at
 * once (inline verbs), a duplicate delivery, or refused (bad input, no permission, store down).
 * `reply` is the acknowledgement or the refusal; `error` the refusal's cause.
 */
export interface CommandOutcome {
  status: 'handed-off' | 'answered' | 'duplicate' | 'refused';
  reply?: SlackMessage;
  error?: unknown;
}

/** A view object (modal or Home tab) as Slack's views.* methods take it. */
export type SlackView = Record<string, unknown>;

export interface ViewContext {
  /** The submitter's language (errors shown inside the modal are for them). */
  locale: Locale;
  /** The submission's trigger_id (a modal may be pushed or opened from it). */
  triggerId?: string;
  /** The submission's time budget inside Slack's 3 seconds (src/slack/click-budget.ts). */
  budget: ClickBudget;
  /** The slash-command path (parse, authorize, record once, answer inline or hand off), as for a typed command. */
  submitCommand(inv: Invocation): Promise<CommandOutcome>;
  /**
   * Where the modal was opened from (its button's response_url and channel), when the handler knows:
   * a follow-up of a change whose answer was lost goes there (src/commands/recheck.ts).
   */
  openedAt: { responseUrl?: string; channelId?: string };
}

/** How a submission is answered: errors under input blocks, or a view pushed on top / put in place of the modal. */
export interface ViewResult {
  errors?: Record<string, string>;
  push?: SlackView;
  update?: SlackView;
}

export interface ViewDef {
  callbackId: string;
  handle(rt: Runtime, view: SlackViewAction['view'], userId: string, ctx: ViewContext): Promise<ViewResult | void>;
}

export interface ShortcutContext {
  rt: Runtime;
  userId: string;
  /** Valid for 3 seconds (views.open). */
  triggerId: string;
  /**
   * The shortcut's time budget inside Slack's 3 seconds (src/slack/click-budget.ts), started with the
   * listener: its Slack calls (views.open, an answer in a direct message) take their bounds from it.
   */
  budget: ClickBudget;
}

interface ShortcutDef {
  /** The shortcut's callback_id (slack-manifest.yml). */
  callbackId: string;
  /** Must finish quickly: Redis and Slack only. */
  handle(ctx: ShortcutContext): Promise<void>;
}

export interface SlackEventContext {
  /**
   * The delivery's time budget inside Slack's 3 seconds (src/slack/click-budget.ts), started with the
   * listener: Slack answers late deliveries with a retry, so every call on the path takes its bound
   * from it (a Home publish that does not fit is left to go on in the background, unrecorded).
   */
  budget: ClickBudget;
}

interface SlackEventDef {
  /** The Events API event type, e.g. `app_home_opened`. */
  type: string;
  /** Must finish quickly: Redis and Slack only (Slack retries an event it got no answer for within 3 seconds). */
  handle(rt: Runtime, event: Record<string, unknown>, ctx: SlackEventContext): Promise<void>;
}

interface CommandFormDef {
  verb: string;
  /**
   * `/ecs <verb>` typed without arguments: open a form instead (with `inv.triggerId`). The
   * acknowledgement to show, or undefined for none (the form opened). `budget`: the typed command's
   * (src/slack/click-budget.ts): views.open and the calls before it take their bounds from it.
   */
  open(rt: Runtime, inv: Invocation, budget: ClickBudget): Promise<SlackMessage | undefined>;
}

const actionDefs: ActionDef[] = [];
const viewDefs: ViewDef[] = [];
const shortcutDefs: ShortcutDef[] = [];
const slackEventDefs: SlackEventDef[] = [];
const formDefs: CommandFormDef[] = [];

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

export function registerShortcut(def: ShortcutDef): void {
  shortcutDefs.push(def);
}

export function findShortcut(callbackId: string): ShortcutDef | undefined {
  return shortcutDefs.find((d) => d.callbackId === callbackId);
}

export function registerSlackEvent(def: SlackEventDef): void {
  slackEventDefs.push(def);
}

/** The Slack event types something registered for (the edge installs one listener per type). */
export function slackEventTypes(): string[] {
  return [...new Set(slackEventDefs.map((d) => d.type))];
}

export function findSlackEvents(type: string): SlackEventDef[] {
  return slackEventDefs.filter((d) => d.type === type);
}

export function registerCommandForm(def: CommandFormDef): void {
  formDefs.push(def);
}

export function findCommandForm(verb: string): CommandFormDef | undefined {
  return formDefs.find((d) => d.verb === verb);
}
