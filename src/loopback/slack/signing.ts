/**
 * Requests exactly as Slack sends them to an app: signed form bodies for slash commands and
 * interactions (and the Events API's signed JSON). Used by the local Slack (src/loopback/slack/),
 * which delivers what a person does on the playground page to the app, and by the tests.
 *
 * Signing: https://api.slack.com/authentication/verifying-requests-from-slack
 *   X-Slack-Signature = 'v0=' + hex(HMAC-SHA256(signingSecret, `v0:${timestamp}:${rawBody}`))
 */
import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Signs a raw body as Slack does. */
export function signBody(secret: string, body: string, timestamp: number = nowSeconds()): SlackSignatureHeaders {
  const hex = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${hex}`, 'X-Slack-Request-Timestamp': String(timestamp) };
}

let triggerCounter = 0;
/** A unique, Slack-shaped trigger_id. */
export function newTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}.${triggerCounter}.abcdef${triggerCounter.toString(16)}`;
}

const actionTs = (): string => (Date.now() / 1000).toFixed(6);

/** The fields Slack POSTs for a slash command. */
export interface SlashFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

export const DEFAULTS = {
  /** Legacy verification token (Slack still sends it; never check it). */
  token: 'xxxx',
  team_id: 'T1',
  team_domain: 'acme',
  channel_id: 'C1',
  channel_name: 'ops',
  user_id: 'U1',
  user_name: 'alice',
  api_app_id: 'A1',
  response_url: 'https://hooks.slack.com/commands/T1/1234567890/abcdefABCDEF0123456789',
  message_ts: '1700000000.000100',
} as const;

/** All slash command fields, defaults filled in (trigger_id unique per call). */
export function slashCommandFields(overrides: Partial<SlashFields> & { text: string }): SlashFields {
  return {
    token: DEFAULTS.token,
    team_id: DEFAULTS.team_id,
    team_domain: DEFAULTS.team_domain,
    channel_id: DEFAULTS.channel_id,
    channel_name: DEFAULTS.channel_name,
    user_id: DEFAULTS.user_id,
    user_name: DEFAULTS.user_name,
    command: '/ecs',
    api_app_id: DEFAULTS.api_app_id,
    is_enterprise_install: 'false',
    response_url: DEFAULTS.response_url,
    trigger_id: newTriggerId(),
    ...overrides,
  };
}

/** A slash command body: application/x-www-form-urlencoded, in Slack's field order. */
export function slashCommandBody(overrides: Partial<SlashFields> & { text: string }): string {
  const f = slashCommandFields(overrides);
  return new URLSearchParams(Object.entries(f)).toString();
}

/** A JSON-ish value for interaction payloads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Slack payloads are open-ended JSON; tests pick fields freely
export type Json = Record<string, any>;

export interface BlockActionsOptions {
  action_id?: string;
  block_id?: string;
  value?: string;
  /** Button label. */
  text?: string;
  user_id?: string;
  user_name?: string;
  team_id?: string;
  channel_id?: string;
  channel_name?: string;
  /** ts of the message holding the button. */
  message_ts?: string;
  /** Fields merged into payload.message (e.g. blocks, text). */
  message?: Json;
  response_url?: string;
  trigger_id?: string;
  /** Replaces the whole actions array. */
  actions?: Json[];
  /** Shallow-merged into the payload last (anything else you need to override). */
  payload?: Json;
}

/** A realistic block_actions payload for a button click on a bot message. */
export function blockActionsPayload(opts: BlockActionsOptions = {}): Json {
  const userId = opts.user_id ?? DEFAULTS.user_id;
  const userName = opts.user_name ?? DEFAULTS.user_name;
  const teamId = opts.team_id ?? DEFAULTS.team_id;
  const channelId = opts.channel_id ?? DEFAULTS.channel_id;
  const messageTs = opts.message_ts ?? DEFAULTS.message_ts;
  const actionId = opts.action_id ?? 'approve';
  const blockId = opts.block_id ?? 'actions';
  const label = opts.text ?? 'Approve';
  const action: Json = {
    action_id: actionId,
    block_id: blockId,
    text: { type: 'plain_text', text: label, emoji: true },
    value: opts.value ?? '',
    type: 'button',
    action_ts: actionTs(),
  };
  return {
    type: 'block_actions',
    user: { id: userId, username: userName, name: userName, team_id: teamId },
    api_app_id: DEFAULTS.api_app_id,
    token: DEFAULTS.token,
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: opts.trigger_id ?? newTriggerId(),
    team: { id: teamId, domain: DEFAULTS.team_domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: opts.channel_name ?? DEFAULTS.channel_name },
    message: {
      type: 'message',
      subtype: 'bot_message',
      text: 'ECS ChatOps',
      ts: messageTs,
      bot_id: 'BBOT',
      user: 'UBOT',
      blocks: [
        {
          type: 'actions',
          block_id: blockId,
          elements: [{ type: 'button', action_id: actionId, text: { type: 'plain_text', text: label, emoji: true }, value: action.value }],
        },
      ],
      ...opts.message,
    },
    state: { values: {} },
    response_url: opts.response_url ?? `https://hooks.slack.com/actions/${teamId}/1234567890/abcdefABCDEF0123456789`,
    actions: opts.actions ?? [action],
    ...opts.payload,
  };
}

export interface ViewSubmissionOptions {
  callback_id?: string;
  private_metadata?: string;
  /** view.state.values: { [block_id]: { [action_id]: { type, value | selected_option … } } } */
  values?: Json;
  view_id?: string;
  user_id?: string;
  user_name?: string;
  team_id?: string;
  trigger_id?: string;
  /** Fields merged into payload.view. */
  view?: Json;
  /** Shallow-merged into the payload last. */
  payload?: Json;
}

/** A realistic view_submission payload (modal submitted). */
export function viewSubmissionPayload(opts: ViewSubmissionOptions = {}): Json {
  const userId = opts.user_id ?? DEFAULTS.user_id;
  const userName = opts.user_name ?? DEFAULTS.user_name;
  const teamId = opts.team_id ?? DEFAULTS.team_id;
  const viewId = opts.view_id ?? 'V00000001';
  return {
    type: 'view_submission',
    team: { id: teamId, domain: DEFAULTS.team_domain },
    user: { id: userId, username: userName, name: userName, team_id: teamId },
    api_app_id: DEFAULTS.api_app_id,
    token: DEFAULTS.token,
    trigger_id: opts.trigger_id ?? newTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      blocks: [],
      private_metadata: opts.private_metadata ?? '',
      callback_id: opts.callback_id ?? 'modal',
      state: { values: opts.values ?? {} },
      hash: `${nowSeconds()}.abcdef`,
      title: { type: 'plain_text', text: 'ECS', emoji: true },
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: DEFAULTS.api_app_id,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: 'BBOT',
      ...opts.view,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
    ...opts.payload,
  };
}

export interface ShortcutOptions {
  callback_id: string;
  user_id?: string;
  user_name?: string;
  team_id?: string;
  trigger_id?: string;
}

/** A global shortcut's payload (`type: shortcut`): no channel, a trigger_id. */
export function shortcutPayload(opts: ShortcutOptions): Json {
  const userId = opts.user_id ?? DEFAULTS.user_id;
  const teamId = opts.team_id ?? DEFAULTS.team_id;
  return {
    type: 'shortcut',
    token: DEFAULTS.token,
    action_ts: actionTs(),
    team: { id: teamId, domain: DEFAULTS.team_domain },
    user: { id: userId, username: opts.user_name ?? DEFAULTS.user_name, team_id: teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: opts.callback_id,
    trigger_id: opts.trigger_id ?? newTriggerId(),
  };
}

let eventCounter = 0;

/** An Events API delivery (`event_callback`) of `event`, as Slack posts it (JSON). */
export function eventCallback(event: Json, opts: { team_id?: string } = {}): Json {
  eventCounter += 1;
  return {
    token: DEFAULTS.token,
    team_id: opts.team_id ?? DEFAULTS.team_id,
    api_app_id: DEFAULTS.api_app_id,
    event: { event_ts: actionTs(), ...event },
    type: 'event_callback',
    event_id: `Ev${String(eventCounter).padStart(8, '0')}`,
    event_time: nowSeconds(),
    authorizations: [{ team_id: opts.team_id ?? DEFAULTS.team_id, user_id: 'UTESTBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** The `app_home_opened` event of a user opening the bot's Home tab. */
export function appHomeOpened(userId: string, tab: 'home' | 'messages' = 'home'): Json {
  return { type: 'app_home_opened', user: userId, channel: `D${userId.slice(1)}`, tab };
}

/** Any interaction payload as Slack posts it: form body `payload=<JSON>`. */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function blockActionsBody(opts: BlockActionsOptions = {}): string {
  return interactionBody(blockActionsPayload(opts));
}

export function viewSubmissionBody(opts: ViewSubmissionOptions = {}): string {
  return interactionBody(viewSubmissionPayload(opts));
}

export const SLACK_USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

export interface SignOptions {
  /** Request timestamp in seconds (default now). Use an old one to test replay rejection. */
  timestamp?: number;
  /** Adds x-slack-retry-num (and x-slack-retry-reason: http_timeout), as Slack does on redelivery. */
  retryNum?: number;
  /** Signs with the wrong secret. */
  badSignature?: boolean;
}

/** The signature + retry headers for `body`. */
export function slackHeaders(secret: string, body: string, opts: SignOptions = {}): Record<string, string> {
  const signed = signBody(opts.badSignature ? `wrong-${secret}` : secret, body, opts.timestamp ?? nowSeconds());
  const headers: Record<string, string> = {
    'x-slack-signature': signed['X-Slack-Signature'],
    'x-slack-request-timestamp': signed['X-Slack-Request-Timestamp'],
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return headers;
}

export interface PostSignedOptions extends SignOptions {
  contentType?: string;
  /** Extra headers (override the defaults). */
  headers?: Record<string, string>;
}

/** POSTs a signed body over real HTTP (e.g. to `npm start`'s receiver at /slack/events). */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: PostSignedOptions = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'user-agent': SLACK_USER_AGENT,
      ...slackHeaders(secret, body, opts),
      ...opts.headers,
    },
    body,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
