/**
 * A local Slack: the Web API (plus response_url and file upload endpoints) served over real HTTP
 * on 127.0.0.1, so @slack/web-api's WebClient and the bot talk to it exactly as to slack.com:
 *
 *   const slack = await startSlackServer();
 *   const client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
 *   ...
 *   await slack.close();
 *
 * It records every request, keeps the state a Slack client shows (messages, threads, ephemerals,
 * files, modals, Home tabs), refuses what Slack refuses with Slack's errors (limits.ts), and can
 * inject faults (errors, 429s, outages, late answers). Tests use it through test/helpers/slack-server.ts; the
 * playground (`npm start` without Slack credentials) adds a workspace (users, channels, user
 * groups), the person side (person.ts: slash commands, clicks and modal submissions delivered to
 * the app, signed) and a feed of changes for its page.
 * No jest imports: usable from any Node code.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkMessage, checkView, type SlackRefusal } from './limits';
import type {
  EphemeralMessage,
  FeedEvent,
  RecordedCall,
  ResponseContext,
  SlackBody,
  StoredFile,
  StoredMessage,
  StoredView,
  Workspace,
} from './types';

export type * from './types';

/** A test's answer for a method; `builtin` answers as this server would without it (none for a method it does not know). */
export type MethodHandler = (body: SlackBody, call: RecordedCall, builtin?: () => unknown) => unknown | Promise<unknown>;

/** Extra HTTP routes served by the same server (the playground's page). Return true when handled. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => boolean | Promise<boolean>;

export interface SlackServerOptions {
  /** Users, channels, user groups and the bot's identity. Default: an empty workspace, bot UBOT/BBOT. */
  workspace?: Partial<Workspace>;
  /** Message timestamps from the clock (the playground) instead of 1700000000.000100, .000200, … (tests). */
  realTimestamps?: boolean;
  /** Channels not in the workspace answer channel_not_found (the playground: the bot is only in configured channels). */
  strictChannels?: boolean;
  /** Port to listen on (default: a free one). */
  port?: number;
  routes?: ExtraRoutes;
}

export interface SlackServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api/` — pass as WebClient's `slackApiUrl`. */
  apiUrl: string;
  port: number;
  /** Every request, in arrival order (live array; cleared by reset()). */
  calls: RecordedCall[];
  /**
   * A URL on this server acting as a Slack response_url. POSTs are recorded as method 'response_url'.
   * With a context (the playground), what is POSTed is also applied as Slack applies it: an ephemeral
   * or in-channel message, replace_original / delete_original, 5 uses within 30 minutes.
   */
  responseUrl(id?: string | ResponseContext): string;
  callsTo(method: string): RecordedCall[];
  lastCall(method: string): RecordedCall | undefined;
  /** Bodies POSTed to response URLs (optionally only those for one id). */
  responses(id?: string): SlackBody[];
  /** Current stored messages (after updates/deletes), in post order. */
  messages(channel?: string): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  ephemerals(channel?: string): EphemeralMessage[];
  files(): StoredFile[];
  /** The modals open for a user, bottom first. */
  modals(user: string): StoredView[];
  /** A user's Home tab, once published. */
  home(user: string): StoredView | undefined;
  /** A view (modal or Home tab) as Slack holds it now, by view id or external_id. */
  view(idOrExternalId: string): StoredView | undefined;
  workspace(): Workspace;
  /** Listen to every change a Slack client would show; returns the unsubscribe function. */
  subscribe(listener: (event: FeedEvent) => void): () => void;
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
  /**
   * The next `times` calls to `method` ('*' = any) answer HTTP `status` (default 500: Slack's own
   * trouble, as its load balancers answer it: a text body, nothing applied).
   */
  serverErrorNext(method: string, status?: number, times?: number): void;
  /** The next `times` calls to `method` ('*' = any) answer HTTP 429, Retry-After: retryAfterSeconds. */
  rateLimitNext(method: string, retryAfterSeconds: number, times?: number): void;
  /**
   * Slack's limit as a window: the next call to `method` answers HTTP 429, Retry-After:
   * retryAfterSeconds, and every call to `method` until that time has passed answers 429 too (with
   * what is left of it, in whole seconds rounded up), whoever makes it.
   */
  rateLimitWindow(method: string, retryAfterSeconds: number): void;
  /** While down, every request answers HTTP 503. */
  setDown(down: boolean): void;
  /**
   * A struggling Slack: the next `times` calls to `method` ('*' = any) are recorded when they
   * arrive and then held `ms` before this server handles them as it would have (faults queued for
   * the method, its answer, its effect on what a client shows). The effect lands when the answer
   * leaves, even when the caller stopped waiting (its timeout): as Slack, this server cannot tell.
   * `ms` = Infinity holds them until releaseStalls(). Such calls are marked `stalled`.
   */
  stallNext(method: string, ms: number, times?: number): void;
  /** Handles the calls held by stallNext now (each as described there); returns how many were held. */
  releaseStalls(): number;
  /** Slack well again: the faults still queued (failNext, rateLimitNext, rateLimitWindow, stallNext) are dropped, setDown(false). Held calls stay held. */
  clearFaults(): void;
  /** Overrides/adds a Web API method. The returned object is sent as JSON ({ok:true} is not added for you). */
  handle(method: string, handler: MethodHandler): void;
  /** The Home tab last published for a user (views.publish), or undefined (a copy). */
  homeView(userId: string): SlackBody | undefined;
  /** From now on views.open/push with this trigger_id (or, with no argument, with any trigger) answer expired_trigger_id. */
  expireTriggers(triggerId?: string): void;
  /**
   * Apply what a view_submission's HTTP answer asks of Slack (response_action update / push / clear;
   * errors leave the view as it is) to the views held here, as Slack does. Returns the view now on top.
   * (The playground's person.submitView does this itself; tests that deliver submissions use this.)
   */
  answerViewSubmission(viewId: string, answer: SlackBody | undefined): SlackBody | undefined;
  /** users.info answers this locale for the user (include_locale); default en-US. */
  setUserLocale(userId: string, locale: string): void;
  /** users.info answers this time zone for the user (`tz`); default Etc/UTC. */
  setUserTimeZone(userId: string, tz: string): void;
  /** apps.connections.open (an xapp- token) answers this WebSocket URL (Socket Mode). */
  setSocketModeUrl(url: string | undefined): void;
  /** What person.ts builds on: the store as Slack's own side sees it. Not for tests' assertions. */
  readonly core: SlackCore;
}

/** Slack's own side of the store, for person.ts (what a person does in a Slack client). */
export interface SlackCore {
  readonly base: string;
  workspace(): Workspace;
  emit(event: FeedEvent): void;
  subscribe(listener: (event: FeedEvent) => void): () => void;
  /** A trigger_id for `user`, valid 3 seconds, usable once (views.open/push). */
  issueTrigger(user: string): string;
  responseUrl(ctx: ResponseContext): string;
  /** Apply an answer (a slash command's ack body, or a response_url POST) as Slack does. */
  applyResponse(ctx: ResponseContext, body: SlackBody, source: 'ack' | 'response_url'): SlackRefusal | undefined;
  /** An ephemeral message from Slackbot (e.g. `/ecs failed with the error "operation_timeout"`). */
  slackbot(channel: string, user: string, text: string, command?: string): void;
  message(channel: string, ts: string): StoredMessage | undefined;
  ephemeral(messageTs: string): EphemeralMessage | undefined;
  view(id: string): StoredView | undefined;
  viewOwner(id: string): string | undefined;
  modals(user: string): StoredView[];
  /** Replace a user's modal stack (response_action update/push/clear, closing). */
  setModals(user: string, stack: StoredView[]): void;
  /** Store a view (response_action update/push) and return it with its id. */
  storeView(view: SlackBody, owner: string, replaceId?: string): StoredView;
  home(user: string): StoredView | undefined;
  file(id: string): StoredFile | undefined;
  snapshot(): {
    workspace: Workspace;
    messages: StoredMessage[];
    ephemerals: EphemeralMessage[];
    files: StoredFile[];
    modals: Record<string, StoredView[]>;
    homes: Record<string, StoredView>;
  };
  setRouteHandler(prefix: string, handler: ExtraRoutes): void;
}

/** Form fields that WebClient JSON-stringifies and that we parse back. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'file_uploads']);

const DEFAULT_WORKSPACE: Workspace = {
  team: { id: 'T1', domain: 'acme', name: 'Test Team' },
  bot: { user_id: 'UBOT', bot_id: 'BBOT', app_id: 'A1', name: 'ecs-bot' },
  users: [],
  channels: [],
  groups: [],
};

/** How long a response_url lives and how often it may be used (Slack: 5 times within 30 minutes). */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
/** A trigger_id expires after 3 seconds. */
const TRIGGER_TTL_MS = 3000;
/** Modals: up to 3 views in a stack. */
const MAX_MODAL_STACK = 3;

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

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Methods whose refusals the feed reports (what the app tried to show and Slack would not). */
const SHOWN_METHODS = /^(chat\.|views\.|files\.|response_url$)/;

export async function startSlackServer(opts: SlackServerOptions = {}): Promise<SlackServer> {
  const ws: Workspace = {
    team: { ...DEFAULT_WORKSPACE.team, ...opts.workspace?.team },
    bot: { ...DEFAULT_WORKSPACE.bot, ...opts.workspace?.bot },
    users: [...(opts.workspace?.users ?? [])],
    channels: [...(opts.workspace?.channels ?? [])],
    groups: [...(opts.workspace?.groups ?? [])],
  };
  const BOT = ws.bot;
  const calls: RecordedCall[] = [];
  const store = new Map<string, StoredMessage>();
  let ephemeralStore: EphemeralMessage[] = [];
  const fileStore = new Map<string, StoredFile>();
  const viewStore = new Map<string, StoredView>();
  const viewOwners = new Map<string, string>();
  const modalStacks = new Map<string, string[]>();
  const homes = new Map<string, string>();
  const triggers = new Map<string, { user: string; at: number; used: boolean }>();
  /** Triggers the tests made up themselves (not issued here): each serves one view too. */
  const usedForeignTriggers = new Set<string>();
  let expiredTriggers = new Set<string>();
  let expireAll = false;
  let userLocales = new Map<string, string>();
  let userTimeZones = new Map<string, string>();
  let socketModeUrl: string | undefined;
  const responseContexts = new Map<string, ResponseContext & { issuedAt: number; uses: number }>();
  const customHandlers = new Map<string, MethodHandler>();
  const listeners = new Set<(e: FeedEvent) => void>();
  const routeHandlers = new Map<string, ExtraRoutes>();
  let userGroups = new Map<string, string[]>();
  let missingChannels = new Set<string>();
  let failures = new Map<string, Array<{ error: string }>>();
  let rateLimits = new Map<string, Array<{ retryAfter: number }>>();
  let serverErrors = new Map<string, Array<{ status: number }>>();
  /** rateLimitWindow: the window each method's next call opens (seconds), and until when (epoch ms) an open one limits it. */
  let windowsArmed = new Map<string, number>();
  let limitedUntil = new Map<string, number>();
  let down = false;
  let stalls = new Map<string, Array<{ ms: number }>>();
  /** Calls held by stallNext, each released at its time (or by releaseStalls). */
  const held = new Set<() => void>();
  let tsCounter = 0;
  let lastMicros = 0;
  let idCounter = 0;

  /** Unique, increasing, Slack-shaped timestamps: 1700000000.000100, 1700000000.000200, … (or from the clock). */
  const nextTs = (): string => {
    tsCounter += 1;
    const micros = opts.realTimestamps ? (lastMicros = Math.max(Date.now() * 1000, lastMicros + 1)) : 1700000000_000000 + tsCounter * 100;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => {
    idCounter += 1;
    return `${prefix}${String(idCounter).padStart(8, '0')}`;
  };
  const key = (channel: string, ts: string): string => `${channel}\u0000${ts}`;
  const emit = (event: FeedEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  };
  const publicMessage = (m: StoredMessage): StoredMessage => ({ ...m });
  const stackOf = (user: string): StoredView[] =>
    (modalStacks.get(user) ?? []).map((id) => viewStore.get(id)).filter((v): v is StoredView => v !== undefined);
  const emitStack = (user: string): void => emit({ type: 'views', user, stack: stackOf(user) });

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
  /** A 429 of an open rate-limit window of `method` (what is left of it), or of the window its call opens now. */
  const takeWindow = (method: string): { retryAfter: number } | undefined => {
    const now = Date.now();
    const until = limitedUntil.get(method) ?? 0;
    if (until > now) return { retryAfter: Math.ceil((until - now) / 1000) };
    const seconds = windowsArmed.get(method);
    if (seconds === undefined) return undefined;
    windowsArmed.delete(method);
    limitedUntil.set(method, now + seconds * 1000);
    return { retryAfter: seconds };
  };

  const channelError = (channel: unknown): SlackBody | undefined => {
    if (typeof channel !== 'string' || channel === '' || missingChannels.has(channel)) {
      return { ok: false, error: 'channel_not_found' };
    }
    if (opts.strictChannels && /^[CG]/.test(channel) && !ws.channels.some((c) => c.id === channel)) {
      return { ok: false, error: 'channel_not_found' };
    }
    return undefined;
  };

  function postMessage(channel: string, b: SlackBody): StoredMessage {
    const ts = nextTs();
    const msg: StoredMessage = {
      type: 'message',
      channel,
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
      const parent = store.get(key(channel, b.thread_ts));
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        parent.latest_reply = ts;
        emit({ type: 'message_changed', message: publicMessage(parent) });
      }
    }
    store.set(key(channel, ts), msg);
    emit({ type: 'message', message: publicMessage(msg) });
    return msg;
  }

  function updateMessage(msg: StoredMessage, b: SlackBody): void {
    if (b.text !== undefined) msg.text = String(b.text);
    if (b.blocks !== undefined) msg.blocks = b.blocks;
    if (b.attachments !== undefined) msg.attachments = b.attachments;
    if (b.metadata !== undefined) msg.metadata = b.metadata;
    msg.update_count += 1;
    emit({ type: 'message_changed', message: publicMessage(msg) });
  }

  function deleteMessage(channel: string, ts: string): boolean {
    const k = key(channel, ts);
    if (!store.has(k)) return false;
    store.delete(k);
    emit({ type: 'message_deleted', channel, ts });
    return true;
  }

  function addEphemeral(e: Omit<EphemeralMessage, 'message_ts'>): EphemeralMessage {
    const eph: EphemeralMessage = { ...e, message_ts: nextTs() };
    ephemeralStore.push(eph);
    emit({ type: 'ephemeral', ephemeral: { ...eph } });
    return eph;
  }

  function storeView(view: SlackBody, owner: string | undefined, replaceId?: string): StoredView {
    const id = replaceId ?? nextId('V');
    const old = replaceId ? viewStore.get(replaceId) : undefined;
    const stored: StoredView = {
      id,
      team_id: ws.team.id,
      state: { values: {} },
      root_view_id: old?.root_view_id ?? id,
      app_id: BOT.app_id,
      bot_id: BOT.bot_id,
      ...(old ?? {}),
      ...view,
      hash: `${Date.now()}.${nextId('h')}`,
    } as StoredView;
    stored.id = id;
    viewStore.set(id, stored);
    if (owner) viewOwners.set(id, owner);
    return stored;
  }

  function useTrigger(triggerId: unknown): { error?: string; user?: string } {
    if (typeof triggerId !== 'string' || triggerId === '') return { error: 'invalid_arguments' };
    if (expireAll || expiredTriggers.has(triggerId)) return { error: 'expired_trigger_id' };
    const t = triggers.get(triggerId);
    if (!t) {
      // Not issued here (tests pass their own): accepted once, owner unknown.
      if (usedForeignTriggers.has(triggerId)) return { error: 'exchanged_trigger_id' };
      usedForeignTriggers.add(triggerId);
      return {};
    }
    if (t.used) return { error: 'exchanged_trigger_id' };
    if (Date.now() - t.at > TRIGGER_TTL_MS) return { error: 'expired_trigger_id' };
    t.used = true;
    return { user: t.user };
  }

  function applyResponse(ctx: ResponseContext, b: SlackBody, source: 'ack' | 'response_url'): SlackRefusal | undefined {
    const refused = b.delete_original === true ? undefined : checkMessage(b);
    if (refused) return refused;
    if (ctx.kind === 'action' && ctx.messageTs && (b.delete_original === true || b.replace_original === true)) {
      if (ctx.ephemeral) {
        const i = ephemeralStore.findIndex((e) => e.message_ts === ctx.messageTs && e.user === ctx.user);
        if (i === -1) return { ok: false, error: 'message_not_found' };
        if (b.delete_original === true) {
          const [gone] = ephemeralStore.splice(i, 1);
          emit({ type: 'ephemeral_deleted', channel: gone!.channel, user: gone!.user, message_ts: gone!.message_ts });
        } else {
          const eph = ephemeralStore[i]!;
          eph.text = typeof b.text === 'string' ? b.text : '';
          if (b.blocks !== undefined) eph.blocks = b.blocks;
          else delete eph.blocks;
          emit({ type: 'ephemeral_changed', ephemeral: { ...eph } });
        }
        return undefined;
      }
      const msg = store.get(key(ctx.channel, ctx.messageTs));
      if (!msg) return { ok: false, error: 'message_not_found' };
      if (b.delete_original === true) deleteMessage(ctx.channel, ctx.messageTs);
      else updateMessage(msg, { text: b.text ?? '', blocks: b.blocks ?? [] });
      return undefined;
    }
    if (b.response_type === 'in_channel') {
      postMessage(ctx.channel, { ...b, ...(ctx.threadTs ? { thread_ts: ctx.threadTs } : {}) });
    } else {
      addEphemeral({
        channel: ctx.channel,
        user: ctx.user,
        ...(typeof b.text === 'string' ? { text: b.text } : {}),
        ...(b.blocks !== undefined ? { blocks: b.blocks } : {}),
        ...(ctx.threadTs ? { thread_ts: ctx.threadTs } : {}),
        source,
        ...(ctx.command ? { command: ctx.command } : {}),
      });
    }
    return undefined;
  }

  /**
   * One page of `msgs` (in the order the method returns them) as conversations.history / replies
   * answer: within `oldest` / `latest` (exclusive unless `inclusive`), `limit` (default `byDefault`,
   * at most `max`) from the `cursor` on; `metadata` only with include_all_metadata.
   */
  function readPage(msgs: StoredMessage[], b: SlackBody, byDefault: number, max: number): SlackBody {
    const flag = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
    const inclusive = flag(b.inclusive);
    const oldest = b.oldest !== undefined ? Number(b.oldest) : undefined;
    const latest = b.latest !== undefined ? Number(b.latest) : undefined;
    if ((oldest !== undefined && !Number.isFinite(oldest)) || (latest !== undefined && !Number.isFinite(latest)))
      return { ok: false, error: 'invalid_ts_oldest' };
    const within = msgs.filter((m) => {
      const t = Number(m.ts);
      if (oldest !== undefined && (inclusive ? t < oldest : t <= oldest)) return false;
      if (latest !== undefined && (inclusive ? t > latest : t >= latest)) return false;
      return true;
    });
    let from = 0;
    if (b.cursor !== undefined && b.cursor !== '') {
      const at = /^next_ts:(.+)$/.exec(Buffer.from(String(b.cursor), 'base64').toString('utf8'));
      from = at ? within.findIndex((m) => m.ts === at[1]) : -1;
      if (from < 0) return { ok: false, error: 'invalid_cursor' };
    }
    const limit = b.limit !== undefined && Number(b.limit) > 0 ? Math.min(Math.floor(Number(b.limit)), max) : byDefault;
    const page = within.slice(from, from + limit);
    const next = within[from + limit];
    const withMeta = flag(b.include_all_metadata);
    return {
      ok: true,
      messages: page.map(({ channel: _c, update_count: _u, metadata, ...m }) =>
        withMeta && metadata !== undefined ? { ...m, metadata } : m,
      ),
      has_more: next !== undefined,
      ...(next ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } } : {}),
    };
  }

  const builtins: Record<string, (b: SlackBody) => SlackBody> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${ws.team.domain}.slack.com/`,
      team: ws.team.name,
      user: BOT.name,
      team_id: ws.team.id,
      user_id: BOT.user_id,
      bot_id: BOT.bot_id,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const refused = checkMessage(b);
      if (refused) return refused;
      // Message metadata: an event_type and an event_payload object, as Slack requires.
      const meta = b.metadata as SlackBody | undefined;
      if (
        meta !== undefined &&
        (typeof meta?.event_type !== 'string' || meta.event_payload == null || typeof meta.event_payload !== 'object')
      )
        return { ok: false, error: 'invalid_metadata_format' };
      const { channel: _c, update_count: _u, ...message } = postMessage(b.channel, b);
      return { ok: true, channel: b.channel, ts: message.ts, message };
    },

    'chat.update': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const msg = typeof b.ts === 'string' ? store.get(key(b.channel, b.ts)) : undefined;
      if (!msg) return { ok: false, error: 'message_not_found' };
      const refused = checkMessage(b, false);
      if (refused) return refused;
      updateMessage(msg, b);
      const { channel: _c, update_count: _u, ...message } = msg;
      return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text ?? '', message };
    },

    'chat.delete': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      if (!deleteMessage(b.channel, String(b.ts))) return { ok: false, error: 'message_not_found' };
      return { ok: true, channel: b.channel, ts: b.ts };
    },

    'chat.postEphemeral': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      if (typeof b.user !== 'string' || b.user === '') return { ok: false, error: 'user_not_found' };
      const refused = checkMessage(b);
      if (refused) return refused;
      const eph = addEphemeral({
        channel: b.channel,
        user: b.user,
        ...(typeof b.text === 'string' ? { text: b.text } : {}),
        ...(b.blocks !== undefined ? { blocks: b.blocks } : {}),
        ...(typeof b.thread_ts === 'string' ? { thread_ts: b.thread_ts } : {}),
      });
      return { ok: true, message_ts: eph.message_ts };
    },

    'views.open': (b) => openView(b, false),
    'views.push': (b) => openView(b, true),

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
      const refused = checkView(b.view, old.type === 'home' ? 'home' : 'modal');
      if (refused) return refused;
      const view = storeView(b.view, undefined, id);
      const owner = viewOwners.get(id);
      if (owner && old.type === 'home') emit({ type: 'home', user: owner, view });
      else if (owner) emitStack(owner);
      return { ok: true, view };
    },

    'views.publish': (b) => {
      if (typeof b.user_id !== 'string' || b.view == null || typeof b.view !== 'object') return { ok: false, error: 'invalid_arguments' };
      const refused = checkView(b.view, 'home');
      if (refused) return refused;
      const old = homes.get(b.user_id);
      if (old && typeof b.hash === 'string' && viewStore.get(old)?.hash !== b.hash) return { ok: false, error: 'hash_conflict' };
      const view = storeView(b.view, b.user_id, old);
      homes.set(b.user_id, view.id);
      emit({ type: 'home', user: b.user_id, view });
      return { ok: true, view };
    },

    'users.info': (b) => {
      const u = ws.users.find((x) => x.id === b.user);
      if (!u && ws.users.length > 0) return { ok: false, error: 'user_not_found' };
      const id = String(b.user);
      if (!u && !/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
      const name = u?.name ?? id.toLowerCase();
      return {
        ok: true,
        user: {
          id,
          team_id: ws.team.id,
          name,
          real_name: u?.real_name ?? name,
          tz: userTimeZones.get(id) ?? 'Etc/UTC',
          is_bot: false,
          profile: { display_name: name, real_name: u?.real_name ?? name, title: u?.title ?? '' },
          ...(String(b.include_locale) === 'true' ? { locale: userLocales.get(id) ?? 'en-US' } : {}),
        },
      };
    },

    'apps.connections.open': () => (socketModeUrl ? { ok: true, url: socketModeUrl } : { ok: false, error: 'not_allowed_token_type' }),

    'usergroups.users.list': (b) => {
      const users = userGroups.get(String(b.usergroup)) ?? ws.groups.find((g) => g.id === b.usergroup)?.users;
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
          name: ws.channels.find((c) => c.id === id)?.name ?? `channel-${id.toLowerCase()}`,
          is_channel: !id.startsWith('D') && !id.startsWith('G'),
          is_group: false,
          is_im: id.startsWith('D'),
          is_private: id.startsWith('G'),
          is_archived: false,
          is_member: true,
          created: 1700000000,
          context_team_id: ws.team.id,
        },
      };
    },

    // A direct message with one user (im:write): the same D… channel for the same user.
    'conversations.open': (b) => {
      const users = String(b.users ?? '');
      if (!/^[UW][A-Z0-9]+$/.test(users)) return { ok: false, error: 'user_not_found' };
      return { ok: true, channel: { id: `D${users.slice(1)}` } };
    },

    // Slack: the channel's messages newest first (thread replies only when also sent to the
    // channel), a thread's parent then its replies oldest first; `oldest` / `latest` (exclusive
    // unless `inclusive`), `limit` and a cursor; message metadata only with include_all_metadata.
    'conversations.history': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      // A direct message (conversations.open's D…) holds what was posted to the user id (chat.postMessage to U…).
      const dmOf = typeof b.channel === 'string' && /^D[A-Z0-9]+$/.test(b.channel) ? b.channel.slice(1) : undefined;
      const inChannel = (c: string) => c === b.channel || (dmOf !== undefined && (c === `U${dmOf}` || c === `W${dmOf}`));
      const msgs = [...store.values()]
        .filter((m) => inChannel(m.channel) && (m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast'))
        .reverse();
      return readPage(msgs, b, 100, 999);
    },

    'conversations.replies': (b) => {
      const err = channelError(b.channel);
      if (err) return err;
      const parent = store.get(key(b.channel, String(b.ts)));
      if (!parent) return { ok: false, error: 'thread_not_found' };
      const msgs = [...store.values()].filter((m) => m.channel === b.channel && (m.ts === parent.ts || m.thread_ts === parent.ts));
      return readPage(msgs, b, 1000, 1000);
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
      const done: StoredFile[] = [];
      for (const f of b.files as SlackBody[]) {
        const stored = fileStore.get(String(f?.id));
        if (!stored || stored.content === undefined) return { ok: false, error: 'file_not_found' };
        stored.completed = true;
        stored.title = typeof f.title === 'string' ? f.title : stored.filename;
        if (typeof b.channel_id === 'string') stored.channel_id = b.channel_id;
        if (typeof b.thread_ts === 'string') stored.thread_ts = b.thread_ts;
        if (typeof b.initial_comment === 'string') stored.initial_comment = b.initial_comment;
        out.push({ id: stored.id, title: stored.title, name: stored.filename, size: stored.length });
        done.push(stored);
      }
      for (const f of done) {
        if (f.channel_id) {
          f.shared_ts = nextTs();
          emit({ type: 'file', file: feedFile(f) });
        }
      }
      return { ok: true, files: out };
    },
  };

  function openView(b: SlackBody, push: boolean): SlackBody {
    if (b.view == null || typeof b.view !== 'object') return { ok: false, error: 'invalid_arguments' };
    const trigger = useTrigger(b.trigger_id);
    if (trigger.error) return { ok: false, error: trigger.error };
    const refused = checkView(b.view, 'modal');
    if (refused) return refused;
    if (b.view.external_id !== undefined && [...viewStore.values()].some((v) => v.external_id === b.view.external_id))
      return { ok: false, error: 'duplicate_external_id' };
    const owner = trigger.user;
    if (owner && push && (modalStacks.get(owner)?.length ?? 0) >= MAX_MODAL_STACK) return { ok: false, error: 'push_limit_reached' };
    const view = storeView(b.view, owner);
    if (owner) {
      const stack = push ? [...(modalStacks.get(owner) ?? []), view.id] : [view.id];
      if (push) view.previous_view_id = modalStacks.get(owner)?.at(-1) ?? null;
      view.root_view_id = viewStore.get(stack[0]!)?.id ?? view.id;
      modalStacks.set(owner, stack);
      emitStack(owner);
    }
    return { ok: true, view };
  }

  const record = (call: RecordedCall): RecordedCall => {
    calls.push(call);
    return call;
  };

  function reportRefusal(method: string, body: SlackBody, answer: unknown, respCtx?: ResponseContext): void {
    const a = answer as SlackBody | undefined;
    if (!a || a.ok !== false || !SHOWN_METHODS.test(method)) return;
    emit({
      type: 'refused',
      method,
      error: String(a.error),
      messages: Array.isArray(a.response_metadata?.messages) ? a.response_metadata.messages : [],
      ...(typeof body.channel === 'string' ? { channel: body.channel } : respCtx ? { channel: respCtx.channel } : {}),
      ...(typeof body.user === 'string' ? { user: body.user } : respCtx ? { user: respCtx.user } : {}),
      at: Date.now(),
    });
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', base);
    const path = requestUrl.pathname;
    const raw = await readBody(req);

    for (const [prefix, handler] of routeHandlers) {
      if (path.startsWith(prefix) && (await handler(req, res, requestUrl, raw))) return;
    }
    if (opts.routes && !/^\/(api|response|upload)\//.test(path) && (await opts.routes(req, res, requestUrl, raw))) return;

    const contentType = String(req.headers['content-type'] ?? '');
    const auth = req.headers.authorization;
    const headerToken = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : undefined;

    let method: string;
    let id: string | undefined;
    let body: SlackBody = {};
    let content: string | undefined;
    let badJson = false;
    let uploadedBytes: Buffer | undefined;

    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const respMatch = /^\/response\/([^/]+)$/.exec(path);
    const uploadMatch = /^\/upload\/([^/]+)$/.exec(path);

    if (uploadMatch) {
      method = 'file.upload';
      id = decodeURIComponent(uploadMatch[1]!);
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
      uploadedBytes = data;
      content = data.toString('utf8');
      body = { content, length: data.length };
      if (filename !== undefined) body.filename = filename;
    } else {
      method = apiMatch ? apiMatch[1]! : respMatch ? 'response_url' : `unknown:${req.method} ${path}`;
      if (respMatch) id = decodeURIComponent(respMatch[1]!);
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

    const stall = takeFault(stalls, method);
    if (stall) {
      call.stalled = true;
      await new Promise<void>((resolve) => {
        const release = (): void => {
          clearTimeout(timer);
          held.delete(release);
          resolve();
        };
        const timer = Number.isFinite(stall.ms) ? setTimeout(release, stall.ms) : undefined;
        held.add(release);
      });
      if (closed) return;
    }
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
    const serverError = takeFault(serverErrors, method);
    if (serverError) {
      call.serverError = serverError.status;
      sendText(res, serverError.status, 'Internal Server Error');
      return;
    }
    const limit = takeFault(rateLimits, method) ?? takeWindow(method);
    if (limit) {
      call.rateLimited = true;
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(limit.retryAfter) });
      return;
    }
    const failure = takeFault(failures, method);
    if (failure) {
      call.failed = failure.error;
      call.response = { ok: false, error: failure.error };
      // Real response_url failures: a spent or expired URL (used_url, expired_url) with HTTP 404, a refused message with 400.
      sendJson(res, !respMatch ? 200 : /^(used|expired)_url$/.test(failure.error) ? 404 : 400, call.response);
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
      file.bytes = Buffer.from(uploadedBytes ?? Buffer.alloc(0));
      answer = 'OK - ' + String(content?.length ?? 0);
      call.response = answer;
      sendText(res, 200, answer as string);
      return;
    }
    if (respMatch) {
      const ctx = responseContexts.get(id ?? '');
      if (badJson) answer = { ok: false, error: 'invalid_json' };
      else if (ctx) {
        // Slack: "up to 5 times within 30 minutes"; failures come back as HTTP 404 with the reason.
        if (Date.now() - ctx.issuedAt > RESPONSE_URL_TTL_MS) answer = { ok: false, error: 'expired_url' };
        else if (ctx.uses >= RESPONSE_URL_USES) answer = { ok: false, error: 'used_url' };
        else {
          ctx.uses += 1;
          answer = applyResponse(ctx, body, 'response_url') ?? { ok: true };
        }
        reportRefusal(method, body, answer, ctx);
        call.response = answer;
        const a = answer as SlackBody;
        sendJson(res, a.ok ? 200 : a.error === 'used_url' || a.error === 'expired_url' ? 404 : 400, answer);
        return;
      } else answer = { ok: true };
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
      if (custom) answer = await custom(body, call, builtin ? () => builtin(body) : undefined);
      else if (builtin) answer = builtin(body);
      else answer = { ok: false, error: 'unknown_method' };
    }
    call.response = answer;
    reportRefusal(method, body, answer);
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
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  let responseCounter = 0;
  let closed = false;

  function responseUrl(idOrCtx?: string | ResponseContext): string {
    responseCounter += 1;
    if (idOrCtx !== undefined && typeof idOrCtx === 'object') {
      const id = `R${String(responseCounter).padStart(6, '0')}${Math.random().toString(36).slice(2, 10)}`;
      responseContexts.set(id, { ...idOrCtx, issuedAt: Date.now(), uses: 0 });
      return `${base}/response/${id}`;
    }
    return `${base}/response/${encodeURIComponent(idOrCtx ?? `R${String(responseCounter).padStart(6, '0')}`)}`;
  }

  const core: SlackCore = {
    base,
    workspace: () => ws,
    emit,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    issueTrigger(user) {
      const id = `${Date.now()}.${nextId('').replace(/^0+/, '')}.${Math.random().toString(16).slice(2, 14)}`;
      triggers.set(id, { user, at: Date.now(), used: false });
      return id;
    },
    responseUrl: (ctx) => responseUrl(ctx),
    applyResponse,
    slackbot(channel, user, text, command) {
      addEphemeral({ channel, user, text, source: 'slackbot', ...(command ? { command } : {}) });
    },
    message: (channel, ts) => store.get(key(channel, ts)),
    ephemeral: (ts) => ephemeralStore.find((e) => e.message_ts === ts),
    view: (idOrExternalId) =>
      viewStore.get(idOrExternalId) ?? [...viewStore.values()].find((v) => v.external_id !== undefined && v.external_id === idOrExternalId),
    viewOwner: (id) => viewOwners.get(id),
    modals: stackOf,
    setModals(user, stack) {
      modalStacks.set(
        user,
        stack.map((v) => v.id),
      );
      emitStack(user);
    },
    storeView: (view, owner, replaceId) => storeView(view, owner, replaceId),
    home: (user) => {
      const id = homes.get(user);
      return id ? viewStore.get(id) : undefined;
    },
    file: (id) => fileStore.get(id),
    snapshot: () => ({
      workspace: ws,
      messages: [...store.values()].map(publicMessage),
      ephemerals: ephemeralStore.map((e) => ({ ...e })),
      files: [...fileStore.values()].filter((f) => f.completed).map(feedFile),
      modals: Object.fromEntries([...modalStacks.keys()].map((u) => [u, stackOf(u)])),
      homes: Object.fromEntries([...homes].map(([u, id]) => [u, viewStore.get(id)!])),
    }),
    setRouteHandler(prefix, handler) {
      routeHandlers.set(prefix, handler);
    },
  };

  const api: SlackServer = {
    url: base,
    apiUrl: `${base}/api/`,
    port,
    calls,
    core,
    responseUrl,
    callsTo: (method) => calls.filter((c) => c.method === method),
    lastCall(method) {
      for (let i = calls.length - 1; i >= 0; i--) if (calls[i]!.method === method) return calls[i];
      return undefined;
    },
    responses: (id) =>
      calls
        .filter((c) => c.method === 'response_url' && !c.down && !c.rateLimited && !c.serverError && (id === undefined || c.id === id))
        .map((c) => c.body),
    messages: (channel) => [...store.values()].filter((m) => channel === undefined || m.channel === channel).map((m) => ({ ...m })),
    message(channel, ts) {
      const m = store.get(key(channel, ts));
      return m ? { ...m } : undefined;
    },
    ephemerals: (channel) => ephemeralStore.filter((e) => channel === undefined || e.channel === channel).map((e) => ({ ...e })),
    files: () => [...fileStore.values()].map((f) => ({ ...f })),
    modals: stackOf,
    home: (user) => core.home(user),
    view: (id) => viewStore.get(id),
    workspace: () => ws,
    subscribe: (listener) => core.subscribe(listener),
    reset() {
      calls.length = 0;
      store.clear();
      ephemeralStore = [];
      fileStore.clear();
      viewStore.clear();
      viewOwners.clear();
      modalStacks.clear();
      homes.clear();
      triggers.clear();
      usedForeignTriggers.clear();
      expiredTriggers = new Set();
      expireAll = false;
      userLocales = new Map();
      userTimeZones = new Map();
      socketModeUrl = undefined;
      responseContexts.clear();
      customHandlers.clear();
      userGroups = new Map();
      missingChannels = new Set();
      failures = new Map();
      rateLimits = new Map();
      serverErrors = new Map();
      windowsArmed = new Map();
      limitedUntil = new Map();
      down = false;
      stalls = new Map();
      for (const release of [...held]) release();
      emit({ type: 'reset' });
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
        const label = c.rateLimited
          ? `${c.method}(429)`
          : c.serverError
            ? `${c.method}(${c.serverError})`
            : c.down
              ? `${c.method}(503)`
              : c.failed
                ? `${c.method}(${c.failed})`
                : c.method;
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
      listeners.clear();
      for (const release of [...held]) release();
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
    serverErrorNext(method, status = 500, times = 1) {
      const q = serverErrors.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push({ status });
      serverErrors.set(method, q);
    },
    rateLimitNext(method, retryAfterSeconds, times = 1) {
      const q = rateLimits.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push({ retryAfter: retryAfterSeconds });
      rateLimits.set(method, q);
    },
    rateLimitWindow(method, retryAfterSeconds) {
      windowsArmed.set(method, retryAfterSeconds);
    },
    setDown(value) {
      down = value;
    },
    stallNext(method, ms, times = 1) {
      const q = stalls.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push({ ms });
      stalls.set(method, q);
    },
    clearFaults() {
      failures = new Map();
      rateLimits = new Map();
      serverErrors = new Map();
      windowsArmed = new Map();
      limitedUntil = new Map();
      stalls = new Map();
      down = false;
    },
    releaseStalls() {
      const n = held.size;
      for (const release of [...held]) release();
      return n;
    },
    handle(method, handler) {
      customHandlers.set(method, handler);
    },
    homeView(userId) {
      const view = core.home(userId);
      return view ? structuredClone(view) : undefined;
    },
    expireTriggers(triggerId) {
      if (triggerId === undefined) expireAll = true;
      else expiredTriggers.add(triggerId);
    },
    answerViewSubmission(viewId, answer) {
      const current = viewStore.get(viewId);
      if (!current) return undefined;
      const owner = viewOwners.get(viewId);
      const action = answer?.response_action;
      if (action === 'errors') return structuredClone(current);
      if ((action === 'update' || action === 'push') && answer?.view) {
        const view =
          action === 'update'
            ? storeView({ ...answer.view, state: { values: {} } }, owner, viewId)
            : storeView(
                { ...answer.view, state: { values: {} }, previous_view_id: viewId, root_view_id: current.root_view_id ?? viewId },
                owner,
              );
        if (owner && action === 'push') modalStacks.set(owner, [...(modalStacks.get(owner) ?? []), view.id]);
        if (owner) emitStack(owner);
        return structuredClone(view);
      }
      // No answer, or clear: the modal closes (every view of its stack).
      const root = current.root_view_id ?? viewId;
      for (const [id, v] of [...viewStore]) if (id === root || v.root_view_id === root) viewStore.delete(id);
      if (owner) {
        modalStacks.set(
          owner,
          (modalStacks.get(owner) ?? []).filter((id) => viewStore.has(id)),
        );
        emitStack(owner);
      }
      return undefined;
    },
    setUserLocale(userId, locale) {
      userLocales.set(userId, locale);
    },
    setUserTimeZone(userId, tz) {
      userTimeZones.set(userId, tz);
    },
    setSocketModeUrl(url) {
      socketModeUrl = url;
    },
  };
  return api;
}

/** A file as the feed and snapshots carry it: without its raw bytes (a PNG is served by /_client/files/:id). */
function feedFile({ bytes, ...f }: StoredFile): StoredFile {
  if (bytes && !Buffer.from(f.content ?? '', 'utf8').equals(bytes)) return { ...f, content: undefined };
  return f;
}
