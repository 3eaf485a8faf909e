/** Shapes shared by the local Slack (server.ts), what a person does there (person.ts) and its feed. */

/**
 * A parsed request body. Slack payloads are deeply nested and loosely typed; `any` keeps
 * test assertions such as `call.body.blocks[0].text.text` readable.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlackBody = Record<string, any>;

export interface RecordedCall {
  /** Web API method (e.g. 'chat.postMessage'), or 'response_url' / 'file.upload'. */
  method: string;
  /** Parsed body: form fields (nested JSON fields parsed) or the JSON object. */
  body: SlackBody;
  /** Token from `Authorization: Bearer …` or the `token` field. */
  token: string | undefined;
  /** Date.now() when the request arrived. */
  at: number;
  /** Request path, e.g. '/api/chat.postMessage'. */
  path: string;
  /** For 'response_url' and 'file.upload': the id in the URL. */
  id?: string;
  /** For 'file.upload': the uploaded bytes as a utf8 string. */
  content?: string;
  /** Answered with HTTP 429 by rateLimitNext(). */
  rateLimited?: boolean;
  /** Answered with this HTTP status by serverErrorNext(). */
  serverError?: number;
  /** Answered with HTTP 503 because of setDown(true). */
  down?: boolean;
  /** Held before it was handled by stallNext() (its answer, if any, came late). */
  stalled?: boolean;
  /** Answered with {ok:false, error} by failNext(); holds the error. */
  failed?: string;
  /** The JSON (or text) the server answered with (absent for 429/503). */
  response?: unknown;
}

export interface StoredMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  bot_id: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  /** 'thread_broadcast' for a thread reply also sent to the channel (reply_broadcast). */
  subtype?: string;
  reply_count?: number;
  latest_reply?: string;
  /** Number of successful chat.update calls on this message. */
  update_count: number;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  /** Where it came from: the Web API (default), a response_url, the ack of a slash command, or Slack itself. */
  source?: 'api' | 'response_url' | 'ack' | 'slackbot';
  /** For answers to a slash command: the command as typed ("/ecs help"). */
  command?: string;
}

export interface StoredFile {
  id: string;
  filename: string;
  length: number;
  title?: string;
  /** Uploaded content (utf8), once POSTed to the upload URL. */
  content?: string;
  /** The uploaded bytes as they came (a PNG is not utf8); never part of the feed or a snapshot. */
  bytes?: Buffer;
  completed: boolean;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
  /** When the file was shared into its channel (a message ts), once completed. */
  shared_ts?: string;
}

export interface WorkspaceUser {
  id: string;
  /** Handle, as in @dana. */
  name: string;
  real_name?: string;
  /** e.g. "Developer" (shown in the playground's user menu). */
  title?: string;
}

export interface WorkspaceChannel {
  id: string;
  name: string;
  topic?: string;
}

export interface WorkspaceGroup {
  id: string;
  /** As in @developers. */
  handle: string;
  name?: string;
  users: string[];
}

export interface Workspace {
  team: { id: string; domain: string; name: string };
  bot: { user_id: string; bot_id: string; app_id: string; name: string };
  users: WorkspaceUser[];
  channels: WorkspaceChannel[];
  groups: WorkspaceGroup[];
}

/** Where a response_url answers: a slash command, or an interaction on a message. */
export interface ResponseContext {
  kind: 'command' | 'action';
  channel: string;
  user: string;
  /** For actions: the message the button was on. */
  messageTs?: string;
  ephemeral?: boolean;
  threadTs?: string;
  /** For commands: as typed. */
  command?: string;
}

/** A modal or Home tab as stored (Slack's view object). */
export type StoredView = SlackBody & { id: string; type: string; hash: string };

/** What the page (and anyone else) hears about: every change a Slack client would show. */
export type FeedEvent =
  | { type: 'message'; message: StoredMessage }
  | { type: 'message_changed'; message: StoredMessage }
  | { type: 'message_deleted'; channel: string; ts: string }
  | { type: 'ephemeral'; ephemeral: EphemeralMessage }
  | { type: 'ephemeral_changed'; ephemeral: EphemeralMessage }
  | { type: 'ephemeral_deleted'; channel: string; user: string; message_ts: string }
  | { type: 'file'; file: StoredFile }
  | { type: 'views'; user: string; stack: StoredView[] }
  | { type: 'home'; user: string; view: StoredView }
  /** Slack refused something the app sent (the error a real Slack would answer). */
  | {
      type: 'refused';
      method: string;
      error: string;
      messages: string[];
      channel?: string;
      user?: string;
      at: number;
    }
  /** A request Slack delivered to the app (slash command, interaction, event) and how it went. */
  | { type: 'delivery'; kind: string; user: string; status: number | 'timeout' | 'unreachable'; ms: number; at: number; summary: string }
  | { type: 'reset' };
