/**
 * A local fake of the Slack Web API (plus response_url and file upload endpoints),
 * served over real HTTP on 127.0.0.1 so @slack/web-api's WebClient can talk to it:
 *
 *   const slack = await startSlackServer();
 *   const client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
 *   ...
 *   await slack.close();
 *
 * It records every request, keeps a store of posted messages (so tests can look at the
 * current state of a status card), and can inject faults (errors, 429s, outages).
 * No jest imports: usable from any Node code.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  /** Answered with HTTP 503 because of setDown(true). */
  down?: boolean;
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
}

export interface StoredFile {
  id: string;
  filename: string;
  length: number;
  title?: string;
  /** Uploaded content (utf8), once POSTed to the upload URL. */
  content?: string;
  completed: boolean;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
}

export type MethodHandler = (body: SlackBody, call: RecordedCall) => unknown | Promise<unknown>;

export interface SlackServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api/` — pass as WebClient's `slackApiUrl`. */
  apiUrl: string;
  port: number;
  /** Every request, in arrival order (live array; cleared by reset()). */
  calls: RecordedCall[];
  /** A URL on this server acting as a Slack response_url. POSTs are recorded as method 'response_url'. */
  responseUrl(id?: string): string;
  callsTo(method: string): RecordedCall[];
  lastCall(method: string): RecordedCall | undefined;
  /** Bodies POSTed to response URLs (optionally only those for one id). */
  responses(id?: string): SlackBody[];
  /** Current stored messages (after updates/deletes), in post order. */
  messages(channel?: string): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  ephemerals(channel?: string): EphemeralMessage[];
  files(): StoredFile[];
  /** Clears calls, messages, files, views and all configuration/fault injection. ts/id counters keep increasing. */
  reset(): void;
  /** Polls (every 10 ms) until predicate(calls) is true; rejects after timeoutMs listing the methods called. */
  waitFor(predicate: (calls: RecordedCall[]) => boolean, timeoutMs?: number, description?: string): Promise<void>;
  close(): Promise<void>;
  /** usergroups.users.list for `groupId` answers `userIds`. */
  setUserGroup(groupId: string, userIds: string[]): void;
  /** These channel ids answer channel_not_found (post, update, ephemeral, delete, conversations.*, file completion). */
  setMissingChannels(channelIds: string[]): void;
  /** The next `times` calls to `method` ('*' = any) answer {ok:false, error}. */
  failNext(method: string, error: string, times?: number): void;
  /** The next `times` calls to `method` ('*' = any) answer HTTP 429, Retry-After: retryAfterSeconds. */
  rateLimitNext(method: string, retryAfterSeconds: number, times?: number): void;
  /** While down, every request answers HTTP 503. */
  setDown(down: boolean): void;
  /** Overrides/adds a Web API method. The returned object is sent as JSON ({ok:true} is not added for you). */
  handle(method: string, handler: MethodHandler): void;
  /**
   * Views (modals, Home tabs) as Slack holds them now, by view id or external_id. views.open/push
   * need a trigger_id that is fresh and unused (a trigger serves one view: exchanged_trigger_id).
   */
  view(idOrExternalId: string): SlackBody | undefined;
  /** The Home tab last published for a user (views.publish), or undefined. */
  homeView(userId: string): SlackBody | undefined;
  /** From now on views.open/push with this trigger_id (or, with no argument, with any trigger) answer expired_trigger_id. */
  expireTriggers(triggerId?: string): void;
  /**
   * Apply what a view_submission's HTTP answer asks of Slack (response_action update / push / clear;
   * errors leave the view as it is) to the views held here, as Slack does. Returns the view now on top.
   */
  answerViewSubmission(viewId: string, answer: SlackBody | undefined): SlackBody | undefined;
  /** users.info answers this locale for the user (include_locale); default en-US. */
  setUserLocale(userId: string, locale: string): void;
  /** apps.connections.open (an xapp- token) answers this WebSocket URL (Socket Mode). */
  setSocketModeUrl(url: string | undefined): void;
}

/** Form fields that WebClient JSON-stringifies and that we parse back. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'file_uploads']);

const BOT = { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' } as const;

function parseForm(text: string): SlackBody {
  const out: SlackBody = {};
  for (const [key, value] of new URLSearchParams(text)) {
    out[key] = value;
  }
  return parseNestedJson(out);
}

function parseNestedJson(body: SlackBody): SlackBody {
  for (const key of JSON_FIELDS) {
    const v = body[key];
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        body[key] = JSON.parse(v);
      } catch {
        // leave as string; handlers report invalid_* errors
      }
    }
  }
  return body;
}

interface MultipartPart {
  name?: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function parseMultipart(buf: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) return [];
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: MultipartPart[] = [];
  let pos = buf.indexOf(boundary);
  while (pos !== -1) {
    const start = pos + boundary.length;
    if (buf.subarray(start, start + 2).toString() === '--') break;
    const next = buf.indexOf(boundary, start);
    if (next === -1) break;
    // part = \r\n headers \r\n\r\n data \r\n
    const part = buf.subarray(start + 2, next - 2);
    const sep = part.indexOf('\r\n\r\n');
    if (sep !== -1) {
      const headers = part.subarray(0, sep).toString('utf8');
      const disp = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      parts.push({
        name: /\bname="([^"]*)"/i.exec(disp)?.[1],
        filename: /\bfilename="([^"]*)"/i.exec(disp)?.[1],
        contentType: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1],
        data: part.subarray(sep + 4),
      });
    }
    pos = next;
  }
  return parts;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * Light validation of Block Kit against Slack's documented limits, so code that would be
 * rejected by real Slack is rejected here too. Returns error strings (empty = valid).
 */
export function validateBlocks(blocks: unknown, maxBlocks: number, pointer = '/blocks'): string[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return [`must be an array [json-pointer:${pointer}]`];
  const errors: string[] = [];
  if (blocks.length > maxBlocks) errors.push(`no more than ${maxBlocks} items allowed [json-pointer:${pointer}]`);
  blocks.forEach((raw, i) => {
    const p = `${pointer}/${i}`;
    if (raw == null || typeof raw !== 'object' || typeof (raw as SlackBody).type !== 'string') {
      errors.push(`missing required field: type [json-pointer:${p}]`);
      return;
    }
    const b = raw as SlackBody;
    const textOf = (t: unknown): string | undefined =>
      t != null && typeof t === 'object' && typeof (t as SlackBody).text === 'string' ? (t as SlackBody).text : undefined;
    if (typeof b.block_id === 'string' && b.block_id.length > 255)
      errors.push(`must be less than 256 characters [json-pointer:${p}/block_id]`);
    if (b.type === 'section') {
      const t = textOf(b.text);
      if (t !== undefined && t.length > 3000) errors.push(`must be less than 3001 characters [json-pointer:${p}/text/text]`);
      if (t !== undefined && t.length === 0) errors.push(`must be more than 0 characters [json-pointer:${p}/text/text]`);
      if (b.text === undefined && b.fields === undefined) errors.push(`must provide either text or fields [json-pointer:${p}]`);
      if (Array.isArray(b.fields)) {
        if (b.fields.length > 10) errors.push(`no more than 10 items allowed [json-pointer:${p}/fields]`);
        b.fields.forEach((f: unknown, j: number) => {
          const ft = textOf(f);
          if (ft !== undefined && ft.length > 2000) errors.push(`must be less than 2001 characters [json-pointer:${p}/fields/${j}/text]`);
        });
      }
    } else if (b.type === 'header') {
      const t = textOf(b.text);
      if (t === undefined) errors.push(`missing required field: text [json-pointer:${p}/text]`);
      else if (t.length > 150) errors.push(`must be less than 151 characters [json-pointer:${p}/text/text]`);
      if (b.text != null && (b.text as SlackBody).type !== 'plain_text') errors.push(`must be plain_text [json-pointer:${p}/text/type]`);
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0)
        errors.push(`missing required field: elements [json-pointer:${p}/elements]`);
      else if (b.elements.length > 10) errors.push(`no more than 10 items allowed [json-pointer:${p}/elements]`);
    } else if (b.type === 'actions') {
      if (!Array.isArray(b.elements) || b.elements.length === 0)
        errors.push(`missing required field: elements [json-pointer:${p}/elements]`);
      else {
        if (b.elements.length > 25) errors.push(`no more than 25 items allowed [json-pointer:${p}/elements]`);
        b.elements.forEach((e: SlackBody, j: number) => {
          if (e?.type === 'button') {
            const bt = textOf(e.text);
            if (bt !== undefined && bt.length > 75)
              errors.push(`must be less than 76 characters [json-pointer:${p}/elements/${j}/text/text]`);
            if (typeof e.value === 'string' && e.value.length > 2000)
              errors.push(`must be less than 2001 characters [json-pointer:${p}/elements/${j}/value]`);
            if (typeof e.action_id === 'string' && e.action_id.length > 255)
              errors.push(`must be less than 256 characters [json-pointer:${p}/elements/${j}/action_id]`);
            if (e.confirm != null) {
              const c = e.confirm as SlackBody;
              const limits: Array<[string, number]> = [
                ['title', 100],
                ['text', 300],
                ['confirm', 30],
                ['deny', 30],
              ];
              for (const [field, max] of limits) {
                const ct = textOf(c[field]);
                if (ct === undefined) errors.push(`missing required field: ${field} [json-pointer:${p}/elements/${j}/confirm/${field}]`);
                else if (ct.length > max)
                  errors.push(`must be less than ${max + 1} characters [json-pointer:${p}/elements/${j}/confirm/${field}/text]`);
              }
            }
          }
        });
      }
    }
  });
  return errors;
}

/** The limits of a view (modal or Home tab) Slack checks, as far as this bot uses them. */
export function validateView(view: SlackBody, type: 'modal' | 'home'): string[] {
  const errors = validateBlocks(view.blocks, 100, '/view/blocks');
  if (view.type !== type) errors.push(`must be ${type} [json-pointer:/view/type]`);
  if (!Array.isArray(view.blocks)) errors.push('missing required field: blocks [json-pointer:/view/blocks]');
  const textOf = (t: unknown): string | undefined => (t != null && typeof t === 'object' ? (t as SlackBody).text : undefined);
  for (const field of ['title', 'submit', 'close']) {
    const t = textOf(view[field]);
    if (t !== undefined && t.length > 24) errors.push(`must be less than 25 characters [json-pointer:/view/${field}/text]`);
  }
  if (type === 'modal' && textOf(view.title) === undefined) errors.push('missing required field: title [json-pointer:/view/title]');
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
    errors.push('must be less than 3001 characters [json-pointer:/view/private_metadata]');
  for (const field of ['callback_id', 'external_id']) {
    if (typeof view[field] === 'string' && view[field].length > 255)
      errors.push(`must be less than 256 characters [json-pointer:/view/${field}]`);
  }
  const blocks: SlackBody[] = Array.isArray(view.blocks) ? view.blocks : [];
  const blockIds = blocks.map((b) => b?.block_id).filter((id): id is string => typeof id === 'string');
  if (new Set(blockIds).size !== blockIds.length) errors.push('block_id must be unique [json-pointer:/view/blocks]');
  if (type === 'modal' && blocks.some((b) => b?.type === 'input') && textOf(view.submit) === undefined)
    errors.push('submit is required when the view has input blocks [json-pointer:/view/submit]');
  blocks.forEach((b, i) => {
    const p = `/view/blocks/${i}`;
    if (b?.type === 'input') {
      if (type === 'home') errors.push(`input blocks are not allowed in a Home tab [json-pointer:${p}]`);
      const label = textOf(b.label);
      if (label === undefined) errors.push(`missing required field: label [json-pointer:${p}/label]`);
      else if (label.length > 2000) errors.push(`must be less than 2001 characters [json-pointer:${p}/label/text]`);
      const el = b.element as SlackBody | undefined;
      if (!el || typeof el.type !== 'string') errors.push(`missing required field: element [json-pointer:${p}/element]`);
      else if (el.type === 'static_select') {
        const options: SlackBody[] = Array.isArray(el.options) ? el.options : [];
        if (!options.length) errors.push(`must provide options [json-pointer:${p}/element/options]`);
        if (options.length > 100) errors.push(`no more than 100 items allowed [json-pointer:${p}/element/options]`);
        options.forEach((o, j) => {
          if ((textOf(o.text) ?? '').length > 75)
            errors.push(`must be less than 76 characters [json-pointer:${p}/element/options/${j}/text/text]`);
          if (typeof o.value !== 'string' || o.value.length > 150)
            errors.push(`must be less than 151 characters [json-pointer:${p}/element/options/${j}/value]`);
          if ((textOf(o.description) ?? '').length > 75)
            errors.push(`must be less than 76 characters [json-pointer:${p}/element/options/${j}/description/text]`);
        });
        if (el.initial_option && !options.some((o) => o.value === el.initial_option.value))
          errors.push(`initial_option must be one of the options [json-pointer:${p}/element/initial_option]`);
      } else if (el.type === 'plain_text_input') {
        if (typeof el.max_length === 'number' && el.max_length > 3000)
          errors.push(`must be at most 3000 [json-pointer:${p}/element/max_length]`);
      }
    }
  });
  return errors;
}

function invalid(error: string, errors: string[]): SlackBody {
  return { ok: false, error, errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } };
}

export async function startSlackServer(): Promise<SlackServer> {
  const calls: RecordedCall[] = [];
  const store = new Map<string, StoredMessage>();
  let ephemeralStore: EphemeralMessage[] = [];
  const fileStore = new Map<string, StoredFile>();
  const viewStore = new Map<string, SlackBody>();
  const homeStore = new Map<string, string>();
  const usedTriggers = new Set<string>();
  let expiredTriggers = new Set<string>();
  let expireAll = false;
  let userLocales = new Map<string, string>();
  let socketModeUrl: string | undefined;
  const customHandlers = new Map<string, MethodHandler>();
  let userGroups = new Map<string, string[]>();
  let missingChannels = new Set<string>();
  let failures = new Map<string, Array<{ error: string }>>();
  let rateLimits = new Map<string, Array<{ retryAfter: number }>>();
  let down = false;
  let tsCounter = 0;
  let idCounter = 0;

  /** Unique, increasing, Slack-shaped timestamps: 1700000000.000100, 1700000000.000200, … */
  const nextTs = (): string => {
    tsCounter += 1;
    const micros = tsCounter * 100;
    return `${1700000000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => {
    idCounter += 1;
    return `${prefix}${String(idCounter).padStart(8, '0')}`;
  };
  const key = (channel: string, ts: string): string => `${channel}\u0000${ts}`;

  const takeFault = <T>(map: Map<string, T[]>, method: string): T | undefined => {
    for (const k of [method, '*']) {
      const queue = map.get(k);
      if (queue && queue.length > 0) {
        const item = queue.shift();
        if (queue.length === 0) map.delete(k);
        return item;
      }
    }
    return undefined;
  };

  const channelError = (channel: unknown): SlackBody | undefined => {
    if (typeof channel !== 'string' || channel === '' || missingChannels.has(channel)) {
      return { ok: false, error: 'channel_not_found' };
    }
    return undefined;
  };

  const hasContent = (b: SlackBody): boolean =>
    (typeof b.text === 'string' && b.text !== '') ||
    (Array.isArray(b.blocks) && b.blocks.length > 0) ||
    (Array.isArray(b.attachments) && b.attachments.length > 0);

  const builtins: Record<string, (b: SlackBody) => SlackBody> = {
    'auth.test': () => ({
      ok: true,
      url: 'https://t1.slack.com/',
      team: 'Test Team',
      user: 'ecs-bot',
      team_id: BOT.team_id,
      user_id: BOT.user_id,
      bot_id: BOT.bot_id,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      if (!hasContent(b)) return { ok: false, error: 'no_text' };
      const blockErrors = validateBlocks(b.blocks, 50);
      if (blockErrors.length) return invalid('invalid_blocks', blockErrors);
      const ts = nextTs();
      const msg: StoredMessage = {
        type: 'message',
        channel: b.channel,
        ts,
        user: BOT.user_id,
        bot_id: BOT.bot_id,
        text: typeof b.text === 'string' ? b.text : '',
        update_count: 0,
      };
      if (b.blocks !== undefined) msg.blocks = b.blocks;
      if (b.attachments !== undefined) msg.attachments = b.attachments;
      if (b.metadata !== undefined) msg.metadata = b.metadata;
      if (typeof b.thread_ts === 'string' && b.thread_ts !== '') {
        msg.thread_ts = b.thread_ts;
        if (b.reply_broadcast === true || b.reply_broadcast === 'true') msg.subtype = 'thread_broadcast';
        const parent = store.get(key(b.channel, b.thread_ts));
        if (parent) {
          parent.thread_ts = parent.ts;
          parent.reply_count = (parent.reply_count ?? 0) + 1;
          parent.latest_reply = ts;
        }
      }
      store.set(key(b.channel, ts), msg);
      const { channel: _c, update_count: _u, ...message } = msg;
      return { ok: true, channel: b.channel, ts, message };
    },

    'chat.update': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const msg = typeof b.ts === 'string' ? store.get(key(b.channel, b.ts)) : undefined;
      if (!msg) return { ok: false, error: 'message_not_found' };
      const blockErrors = validateBlocks(b.blocks, 50);
      if (blockErrors.length) return invalid('invalid_blocks', blockErrors);
      if (b.text !== undefined) msg.text = String(b.text);
      if (b.blocks !== undefined) msg.blocks = b.blocks;
      if (b.attachments !== undefined) msg.attachments = b.attachments;
      if (b.metadata !== undefined) msg.metadata = b.metadata;
      msg.update_count += 1;
      const { channel: _c, update_count: _u, ...message } = msg;
      return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text ?? '', message };
    },

    'chat.delete': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const k = key(b.channel, String(b.ts));
      if (!store.has(k)) return { ok: false, error: 'message_not_found' };
      store.delete(k);
      return { ok: true, channel: b.channel, ts: b.ts };
    },

    'chat.postEphemeral': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      if (typeof b.user !== 'string' || b.user === '') return { ok: false, error: 'user_not_found' };
      if (!hasContent(b)) return { ok: false, error: 'no_text' };
      const blockErrors = validateBlocks(b.blocks, 50);
      if (blockErrors.length) return invalid('invalid_blocks', blockErrors);
      const message_ts = nextTs();
      const eph: EphemeralMessage = { channel: b.channel, user: b.user, message_ts };
      if (typeof b.text === 'string') eph.text = b.text;
      if (b.blocks !== undefined) eph.blocks = b.blocks;
      if (typeof b.thread_ts === 'string') eph.thread_ts = b.thread_ts;
      ephemeralStore.push(eph);
      return { ok: true, message_ts };
    },

    'views.open': (b) => openView(b),
    'views.push': (b) => openView(b),

    'views.update': (b) => {
      const id: string | undefined =
        typeof b.view_id === 'string' && b.view_id !== ''
          ? b.view_id
          : [...viewStore.entries()].find(([, v]) => b.external_id !== undefined && v.external_id === b.external_id)?.[0];
      if (!id) return { ok: false, error: b.view_id === undefined && b.external_id === undefined ? 'invalid_arguments' : 'not_found' };
      const old = viewStore.get(id);
      if (!old) return { ok: false, error: 'not_found' };
      if (typeof b.hash === 'string' && b.hash !== old.hash) return { ok: false, error: 'hash_conflict' };
      if (b.view == null || typeof b.view !== 'object') return { ok: false, error: 'invalid_arguments' };
      const viewErrors = validateView(b.view, 'modal');
      if (viewErrors.length) return invalid('invalid_arguments', viewErrors);
      // Kept as Slack keeps them: the place in the stack, the external_id and what was typed.
      const view = {
        ...b.view,
        id,
        team_id: BOT.team_id,
        state: old.state ?? { values: {} },
        hash: `${Date.now()}.${nextId('h')}`,
        root_view_id: old.root_view_id ?? id,
        previous_view_id: old.previous_view_id ?? null,
        ...(old.external_id !== undefined && b.view.external_id === undefined ? { external_id: old.external_id } : {}),
      };
      viewStore.set(id, view);
      return { ok: true, view };
    },

    'views.publish': (b) => {
      if (typeof b.user_id !== 'string' || b.view == null || typeof b.view !== 'object') return { ok: false, error: 'invalid_arguments' };
      const viewErrors = validateView(b.view, 'home');
      if (viewErrors.length) return invalid('invalid_arguments', viewErrors);
      const id = homeStore.get(b.user_id) ?? nextId('V');
      const view = { ...b.view, id, team_id: BOT.team_id, state: { values: {} }, hash: `${Date.now()}.${nextId('h')}` };
      viewStore.set(id, view);
      homeStore.set(b.user_id, id);
      return { ok: true, view };
    },

    'users.info': (b) => {
      if (typeof b.user !== 'string' || !/^[UW][A-Z0-9]+$/.test(b.user)) return { ok: false, error: 'user_not_found' };
      const user: SlackBody = { id: b.user, team_id: BOT.team_id, name: b.user.toLowerCase(), tz: 'UTC' };
      if (String(b.include_locale) === 'true') user.locale = userLocales.get(b.user) ?? 'en-US';
      return { ok: true, user };
    },

    'apps.connections.open': () => (socketModeUrl ? { ok: true, url: socketModeUrl } : { ok: false, error: 'not_allowed_token_type' }),

    'usergroups.users.list': (b) => {
      const users = userGroups.get(String(b.usergroup));
      if (!users) return { ok: false, error: 'no_such_subteam' };
      return { ok: true, users: [...users] };
    },

    'conversations.info': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const id: string = b.channel;
      return {
        ok: true,
        channel: {
          id,
          name: `channel-${id.toLowerCase()}`,
          is_channel: !id.startsWith('D') && !id.startsWith('G'),
          is_group: false,
          is_im: id.startsWith('D'),
          is_private: id.startsWith('G'),
          is_archived: false,
          is_member: true,
          created: 1700000000,
          context_team_id: BOT.team_id,
        },
      };
    },

    'conversations.history': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const msgs = [...store.values()]
        .filter((m) => m.channel === b.channel && (m.thread_ts === undefined || m.thread_ts === m.ts))
        .reverse()
        .map(({ channel: _c, update_count: _u, ...m }) => m);
      return { ok: true, messages: msgs, has_more: false };
    },

    'conversations.replies': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const parent = store.get(key(b.channel, String(b.ts)));
      if (!parent) return { ok: false, error: 'thread_not_found' };
      const msgs = [...store.values()]
        .filter((m) => m.channel === b.channel && (m.ts === parent.ts || m.thread_ts === parent.ts))
        .map(({ channel: _c, update_count: _u, ...m }) => m);
      return { ok: true, messages: msgs, has_more: false };
    },

    'files.getUploadURLExternal': (b) => {
      const length = Number(b.length);
      if (typeof b.filename !== 'string' || b.filename === '' || !Number.isFinite(length)) {
        return { ok: false, error: 'invalid_arguments' };
      }
      const id = nextId('F');
      fileStore.set(id, { id, filename: b.filename, length, completed: false });
      return { ok: true, upload_url: `${base}/upload/${id}`, file_id: id };
    },

    'files.completeUploadExternal': (b) => {
      if (!Array.isArray(b.files) || b.files.length === 0) return { ok: false, error: 'invalid_arguments' };
      if (b.channel_id !== undefined || b.channels !== undefined) {
        const err = channelError(b.channel_id ?? b.channels);
        if (err) return err;
      }
      const out: SlackBody[] = [];
      for (const f of b.files as SlackBody[]) {
        const stored = fileStore.get(String(f?.id));
        if (!stored || stored.content === undefined) return { ok: false, error: 'file_not_found' };
        stored.completed = true;
        stored.title = typeof f.title === 'string' ? f.title : stored.filename;
        if (typeof b.channel_id === 'string') stored.channel_id = b.channel_id;
        if (typeof b.thread_ts === 'string') stored.thread_ts = b.thread_ts;
        if (typeof b.initial_comment === 'string') stored.initial_comment = b.initial_comment;
        out.push({ id: stored.id, title: stored.title, name: stored.filename, size: stored.length });
      }
      return { ok: true, files: out };
    },
  };

  function openView(b: SlackBody): SlackBody {
    if (typeof b.trigger_id !== 'string' || b.trigger_id === '') return { ok: false, error: 'invalid_arguments' };
    if (expireAll || expiredTriggers.has(b.trigger_id)) return { ok: false, error: 'expired_trigger_id' };
    if (usedTriggers.has(b.trigger_id)) return { ok: false, error: 'exchanged_trigger_id' };
    if (b.view == null || typeof b.view !== 'object') return { ok: false, error: 'invalid_arguments' };
    const viewErrors = validateView(b.view, 'modal');
    if (viewErrors.length) return invalid('invalid_arguments', viewErrors);
    if (b.view.external_id !== undefined && [...viewStore.values()].some((v) => v.external_id === b.view.external_id))
      return { ok: false, error: 'duplicate_external_id' };
    usedTriggers.add(b.trigger_id);
    const id = nextId('V');
    const view = {
      id,
      team_id: BOT.team_id,
      state: { values: {} },
      hash: `${Date.now()}.${nextId('h')}`,
      root_view_id: id,
      app_id: 'A1',
      bot_id: BOT.bot_id,
      ...b.view,
    };
    viewStore.set(id, view);
    return { ok: true, view };
  }

  const record = (call: RecordedCall): RecordedCall => {
    calls.push(call);
    return call;
  };

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', base);
    const path = requestUrl.pathname;
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const auth = req.headers.authorization;
    const headerToken = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : undefined;

    let method: string;
    let id: string | undefined;
    let body: SlackBody = {};
    let content: string | undefined;
    let badJson = false;

    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const respMatch = /^\/response\/([^/]+)$/.exec(path);
    const uploadMatch = /^\/upload\/([^/]+)$/.exec(path);

    if (uploadMatch) {
      method = 'file.upload';
      id = decodeURIComponent(uploadMatch[1]);
      let data = raw;
      let filename: string | undefined;
      if (/^multipart\/form-data/i.test(contentType)) {
        const parts = parseMultipart(raw, contentType);
        const filePart = parts.find((p) => p.filename !== undefined) ?? parts[0];
        if (filePart) {
          data = filePart.data;
          filename = filePart.filename;
        }
      }
      content = data.toString('utf8');
      body = { content, length: data.length };
      if (filename !== undefined) body.filename = filename;
    } else {
      method = apiMatch ? apiMatch[1] : respMatch ? 'response_url' : `unknown:${req.method} ${path}`;
      if (respMatch) id = decodeURIComponent(respMatch[1]);
      const text = raw.toString('utf8');
      if (/^application\/json/i.test(contentType)) {
        try {
          const parsed: unknown = text === '' ? {} : JSON.parse(text);
          if (parsed != null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as SlackBody;
          else badJson = true;
        } catch {
          badJson = true;
        }
      } else if (text !== '') {
        body = parseForm(text);
      }
      for (const [k, v] of requestUrl.searchParams) {
        if (!(k in body)) body[k] = v;
      }
      if (requestUrl.searchParams.size > 0) parseNestedJson(body);
    }

    const token = headerToken ?? (typeof body.token === 'string' ? body.token : undefined);
    const call = record({
      method,
      body,
      token,
      at: Date.now(),
      path,
      ...(id !== undefined ? { id } : {}),
      ...(content !== undefined ? { content } : {}),
    });

    if (down) {
      call.down = true;
      sendText(res, 503, 'Service Unavailable');
      return;
    }
    if (!apiMatch && !respMatch && !uploadMatch) {
      call.response = 'Not Found';
      sendText(res, 404, 'Not Found');
      return;
    }
    const limit = takeFault(rateLimits, method);
    if (limit) {
      call.rateLimited = true;
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(limit.retryAfter) });
      return;
    }
    const failure = takeFault(failures, method);
    if (failure) {
      call.failed = failure.error;
      call.response = { ok: false, error: failure.error };
      // Real response_url failures (used_url, expired_url, …) come with HTTP 404.
      sendJson(res, respMatch ? 404 : 200, call.response);
      return;
    }

    let answer: unknown;
    if (uploadMatch) {
      const file = fileStore.get(id ?? '');
      if (!file) {
        call.response = 'Not Found';
        sendText(res, 404, 'Not Found');
        return;
      }
      file.content = content;
      answer = 'OK - ' + String(content?.length ?? 0);
      call.response = answer;
      sendText(res, 200, answer as string);
      return;
    }
    if (respMatch) {
      answer = badJson ? { ok: false, error: 'invalid_json' } : { ok: true };
    } else if (badJson) {
      answer = { ok: false, error: 'invalid_json' };
    } else if (token === undefined || !token.startsWith(method.startsWith('apps.connections.') ? 'xapp-' : 'xoxb-')) {
      answer = {
        ok: false,
        error: method.startsWith('apps.connections.') && token?.startsWith('xoxb-') ? 'not_allowed_token_type' : 'invalid_auth',
      };
    } else {
      const custom = customHandlers.get(method);
      const builtin = builtins[method];
      if (custom) answer = await custom(body, call);
      else if (builtin) answer = builtin(body);
      else answer = { ok: false, error: 'unknown_method' };
    }
    call.response = answer;
    sendJson(res, 200, answer);
  }

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_server_error', detail: String(err) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  let responseCounter = 0;
  let closed = false;

  const api: SlackServer = {
    url: base,
    apiUrl: `${base}/api/`,
    port,
    calls,
    responseUrl(id?: string) {
      responseCounter += 1;
      return `${base}/response/${encodeURIComponent(id ?? `R${String(responseCounter).padStart(6, '0')}`)}`;
    },
    callsTo: (method) => calls.filter((c) => c.method === method),
    lastCall(method) {
      for (let i = calls.length - 1; i >= 0; i--) if (calls[i].method === method) return calls[i];
      return undefined;
    },
    responses: (id) =>
      calls.filter((c) => c.method === 'response_url' && !c.down && !c.rateLimited && (id === undefined || c.id === id)).map((c) => c.body),
    messages: (channel) => [...store.values()].filter((m) => channel === undefined || m.channel === channel).map((m) => ({ ...m })),
    message(channel, ts) {
      const m = store.get(key(channel, ts));
      return m ? { ...m } : undefined;
    },
    ephemerals: (channel) => ephemeralStore.filter((e) => channel === undefined || e.channel === channel).map((e) => ({ ...e })),
    files: () => [...fileStore.values()].map((f) => ({ ...f })),
    reset() {
      calls.length = 0;
      store.clear();
      ephemeralStore = [];
      fileStore.clear();
      viewStore.clear();
      homeStore.clear();
      usedTriggers.clear();
      expiredTriggers = new Set();
      expireAll = false;
      userLocales = new Map();
      socketModeUrl = undefined;
      customHandlers.clear();
      userGroups = new Map();
      missingChannels = new Set();
      failures = new Map();
      rateLimits = new Map();
      down = false;
    },
    async waitFor(predicate, timeoutMs = 5000, description) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          if (predicate(calls)) return;
          lastError = undefined;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const counts = new Map<string, number>();
      for (const c of calls) {
        const label = c.rateLimited ? `${c.method}(429)` : c.down ? `${c.method}(503)` : c.failed ? `${c.method}(${c.failed})` : c.method;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
      const seen = counts.size === 0 ? 'none' : [...counts].map(([m, n]) => (n > 1 ? `${m} x${n}` : m)).join(', ');
      throw new Error(
        `slack-server waitFor${description ? ` (${description})` : ''} timed out after ${timeoutMs} ms. ` +
          `Calls so far: ${seen}.${lastError ? ` Predicate last threw: ${String(lastError)}` : ''}`,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    setUserGroup(groupId, userIds) {
      userGroups.set(groupId, [...userIds]);
    },
    setMissingChannels(channelIds) {
      missingChannels = new Set(channelIds);
    },
    failNext(method, error, times = 1) {
      const q = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push({ error });
      failures.set(method, q);
    },
    rateLimitNext(method, retryAfterSeconds, times = 1) {
      const q = rateLimits.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push({ retryAfter: retryAfterSeconds });
      rateLimits.set(method, q);
    },
    setDown(value) {
      down = value;
    },
    handle(method, handler) {
      customHandlers.set(method, handler);
    },
    view(idOrExternalId) {
      const v = viewStore.get(idOrExternalId) ?? [...viewStore.values()].find((x) => x.external_id === idOrExternalId);
      return v ? structuredClone(v) : undefined;
    },
    homeView(userId) {
      const id = homeStore.get(userId);
      return id ? structuredClone(viewStore.get(id)) : undefined;
    },
    expireTriggers(triggerId) {
      if (triggerId === undefined) expireAll = true;
      else expiredTriggers.add(triggerId);
    },
    answerViewSubmission(viewId, answer) {
      const current = viewStore.get(viewId);
      if (!current) return undefined;
      const action = answer?.response_action;
      if (action === 'update' && answer?.view) {
        const view = {
          ...answer.view,
          id: viewId,
          team_id: BOT.team_id,
          state: { values: {} },
          hash: `${Date.now()}.${nextId('h')}`,
          root_view_id: current.root_view_id ?? viewId,
        };
        viewStore.set(viewId, view);
        return structuredClone(view);
      }
      if (action === 'push' && answer?.view) {
        const id = nextId('V');
        const view = {
          ...answer.view,
          id,
          team_id: BOT.team_id,
          state: { values: {} },
          hash: `${Date.now()}.${nextId('h')}`,
          previous_view_id: viewId,
          root_view_id: current.root_view_id ?? viewId,
        };
        viewStore.set(id, view);
        return structuredClone(view);
      }
      if (action === 'errors') return structuredClone(current);
      // No answer, or clear: the modal closes (every view of its stack).
      const root = current.root_view_id ?? viewId;
      for (const [id, v] of [...viewStore]) if (id === root || v.root_view_id === root) viewStore.delete(id);
      return undefined;
    },
    setUserLocale(userId, locale) {
      userLocales.set(userId, locale);
    },
    setSocketModeUrl(url) {
      socketModeUrl = url;
    },
  };
  return api;
}
