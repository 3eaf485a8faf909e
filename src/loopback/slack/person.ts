/**
 * The person's side of the local Slack: what someone does in a Slack client (run a slash command,
 * click a button, submit or close a modal, open the app's Home tab), delivered to the app exactly
 * as Slack delivers it — signed (X-Slack-Signature / X-Slack-Request-Timestamp), form-encoded
 * slash commands and `payload=` interactions, JSON Events API callbacks, with a response_url and
 * a trigger_id — and the app's answer applied as Slack applies it (the ack of a slash command
 * becomes an ephemeral or in-channel message, a view_submission's response_action updates,
 * pushes or clears the modal, a late answer is "operation_timeout").
 *
 * `installClientRoutes` serves this to a page over HTTP under /_client/ (state, a Server-Sent
 * Events feed, and one POST per gesture).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkView } from './limits';
import type { SlackCore } from './server';
import { sendJson, sendText } from './server';
import { interactionBody, nowSeconds, shortcutPayload, signBody, slashCommandFields, SLACK_USER_AGENT } from './signing';
import type { FeedEvent, ResponseContext, SlackBody, StoredMessage } from './types';

export interface AppEndpoint {
  /** The app's Request URL (slash commands, interactivity and events), e.g. http://127.0.0.1:3001/slack/events */
  requestUrl: string;
  signingSecret: string;
  /** The slash command the app registered, e.g. "/ecs". */
  command: string;
}

export interface Outcome {
  ok: boolean;
  /** What the app answered: its HTTP status, or that it did not answer in time or at all. */
  status?: number | 'timeout' | 'unreachable';
  ms?: number;
  /** Slack's error, as a Slack client would show it. */
  error?: string;
  /** A modal's field errors (response_action: errors, or the client's own required-field checks). */
  errors?: Record<string, string>;
}

/** Where a clicked element is: a message (by ts; ephemeral or not) or a view, then block and element index. */
export interface ClickTarget {
  channel?: string;
  ts?: string;
  ephemeral?: boolean;
  viewId?: string;
  block: number;
  /** Index in an actions/context block, or 'accessory' for a section's. */
  element: number | 'accessory';
  /** For selects: the chosen option's value. */
  selected?: string;
  /**
   * In a view: what the person has entered in its inputs so far (view.state.values), which Slack
   * sends with a click there, e.g. a select of an input block with dispatch_action.
   */
  values?: SlackBody;
}

/** Slack gives an app 3 seconds to answer. */
const ACK_DEADLINE_MS = 3000;

export interface Person {
  slash(user: string, channel: string, line: string): Promise<Outcome>;
  click(user: string, target: ClickTarget): Promise<Outcome>;
  submitView(user: string, viewId: string, values: SlackBody): Promise<Outcome>;
  closeView(user: string, viewId: string): Promise<Outcome>;
  openHome(user: string): Promise<Outcome>;
  /** A global shortcut chosen from the composer's shortcut menu (the app's manifest names them). */
  shortcut(user: string, callbackId: string): Promise<Outcome>;
}

function parseAck(text: string, contentType: string | null): SlackBody | undefined {
  if (text.trim() === '') return undefined;
  if (contentType?.includes('json') || /^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as SlackBody;
    } catch {
      return { text };
    }
  }
  return { text };
}

const actionTs = (): string => (Date.now() / 1000).toFixed(6);

export function createPerson(core: SlackCore, app: AppEndpoint): Person {
  const ws = () => core.workspace();
  const userOf = (id: string) => {
    const u = ws().users.find((x) => x.id === id);
    return { id, username: u?.name ?? id.toLowerCase(), name: u?.name ?? id.toLowerCase(), team_id: ws().team.id };
  };
  const channelName = (id: string) => ws().channels.find((c) => c.id === id)?.name ?? id.toLowerCase();

  async function deliver(
    kind: string,
    user: string,
    body: string,
    contentType: string,
    summary: string,
  ): Promise<{ status: number | 'timeout' | 'unreachable'; text: string; contentType: string | null; ms: number }> {
    const started = Date.now();
    const signed = signBody(app.signingSecret, body, nowSeconds());
    let status: number | 'timeout' | 'unreachable';
    let text = '';
    let type: string | null = null;
    try {
      const res = await fetch(app.requestUrl, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          'user-agent': SLACK_USER_AGENT,
          'x-slack-signature': signed['X-Slack-Signature'],
          'x-slack-request-timestamp': signed['X-Slack-Request-Timestamp'],
        },
        body,
        signal: AbortSignal.timeout(ACK_DEADLINE_MS),
      });
      status = res.status;
      text = await res.text();
      type = res.headers.get('content-type');
    } catch (err) {
      status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
    }
    const ms = Date.now() - started;
    core.emit({ type: 'delivery', kind, user, status, ms, at: Date.now(), summary });
    return { status, text, contentType: type, ms };
  }

  function failure(status: number | 'timeout' | 'unreachable'): string {
    return status === 'timeout' ? 'operation_timeout' : 'dispatch_failed';
  }

  function findElement(blocks: unknown[] | undefined, t: ClickTarget): { block: SlackBody; element: SlackBody } | undefined {
    const block = (blocks ?? [])[t.block] as SlackBody | undefined;
    if (!block) return undefined;
    const element = t.element === 'accessory' ? block.accessory : Array.isArray(block.elements) ? block.elements[t.element] : block.element;
    return element && typeof element === 'object' ? { block, element: element as SlackBody } : undefined;
  }

  function actionOf(block: SlackBody, element: SlackBody, index: ClickTarget, selected?: string): SlackBody {
    const a: SlackBody = {
      action_id: element.action_id ?? '',
      block_id: block.block_id ?? `b${index.block}`,
      type: element.type,
      action_ts: actionTs(),
    };
    if (element.type === 'button') {
      a.text = element.text;
      a.value = element.value ?? '';
      if (element.style) a.style = element.style;
    } else if (selected !== undefined) {
      const opt = (element.options as SlackBody[] | undefined)?.find((o) => o.value === selected);
      a.selected_option = opt ?? { value: selected };
    }
    return a;
  }

  return {
    async slash(user, channel, line) {
      const m = /^(\/\S+)\s*([\s\S]*)$/.exec(line.trim());
      if (!m) return { ok: false, error: 'not_a_command' };
      const [, command, text] = m as unknown as [string, string, string];
      if (command !== app.command) {
        core.slackbot(
          channel,
          user,
          `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`,
          line.trim(),
        );
        return { ok: false, error: 'invalid_command' };
      }
      const ctx: ResponseContext = { kind: 'command', channel, user, command: line.trim() };
      const u = userOf(user);
      const fields = slashCommandFields({
        team_id: ws().team.id,
        team_domain: ws().team.domain,
        channel_id: channel,
        channel_name: channelName(channel),
        user_id: user,
        user_name: u.username,
        command,
        text,
        api_app_id: ws().bot.app_id,
        response_url: core.responseUrl(ctx),
        trigger_id: core.issueTrigger(user),
      });
      const body = new URLSearchParams(Object.entries(fields)).toString();
      const res = await deliver('slash_command', user, body, 'application/x-www-form-urlencoded', line.trim());
      if (res.status !== 200) {
        const error = failure(res.status);
        core.slackbot(channel, user, `\`${command}\` failed with the error "${error}"`, line.trim());
        return { ok: false, status: res.status, ms: res.ms, error };
      }
      const ack = parseAck(res.text, res.contentType);
      if (ack) {
        const refused = core.applyResponse(ctx, ack, 'ack');
        if (refused) {
          core.emit({
            type: 'refused',
            method: 'slash_command ack',
            error: refused.error,
            messages: refused.response_metadata?.messages ?? [],
            channel,
            user,
            at: Date.now(),
          });
          core.slackbot(channel, user, `\`${command}\` failed with the error "${refused.error}"`, line.trim());
          return { ok: false, status: res.status, ms: res.ms, error: refused.error };
        }
      }
      return { ok: true, status: res.status, ms: res.ms };
    },

    async click(user, t) {
      let payload: SlackBody;
      let found: { block: SlackBody; element: SlackBody } | undefined;
      const base = {
        type: 'block_actions',
        user: userOf(user),
        api_app_id: ws().bot.app_id,
        token: 'xxxx',
        trigger_id: core.issueTrigger(user),
        team: { id: ws().team.id, domain: ws().team.domain },
        enterprise: null,
        is_enterprise_install: false,
        state: { values: {} },
      };
      if (t.viewId) {
        const view = core.view(t.viewId);
        if (!view) return { ok: false, error: 'view_not_found' };
        found = findElement(view.blocks, t);
        if (!found) return { ok: false, error: 'element_not_found' };
        const values = t.values && typeof t.values === 'object' ? t.values : {};
        payload = {
          ...base,
          container: { type: 'view', view_id: view.id },
          view: { ...view, state: { values } },
          state: { values },
          actions: [actionOf(found.block, found.element, t, t.selected)],
        };
      } else {
        if (!t.channel || !t.ts) return { ok: false, error: 'invalid_arguments' };
        let message: StoredMessage | undefined;
        let blocks: unknown[] | undefined;
        let threadTs: string | undefined;
        if (t.ephemeral) {
          const eph = core.ephemeral(t.ts);
          if (!eph || eph.user !== user) return { ok: false, error: 'message_not_found' };
          blocks = eph.blocks;
          threadTs = eph.thread_ts;
        } else {
          message = core.message(t.channel, t.ts);
          if (!message) return { ok: false, error: 'message_not_found' };
          blocks = message.blocks;
          threadTs = message.thread_ts !== message.ts ? message.thread_ts : undefined;
        }
        found = findElement(blocks, t);
        if (!found) return { ok: false, error: 'element_not_found' };
        const ctx: ResponseContext = {
          kind: 'action',
          channel: t.channel,
          user,
          messageTs: t.ts,
          ephemeral: t.ephemeral === true,
          ...(threadTs ? { threadTs } : {}),
        };
        payload = {
          ...base,
          container: {
            type: 'message',
            message_ts: t.ts,
            channel_id: t.channel,
            is_ephemeral: t.ephemeral === true,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
          channel: { id: t.channel, name: channelName(t.channel) },
          ...(message
            ? {
                message: (({ channel: _c, update_count: _u, ...rest }) => ({ ...rest, subtype: 'bot_message' }))(message),
              }
            : {}),
          response_url: core.responseUrl(ctx),
          actions: [actionOf(found.block, found.element, t, t.selected)],
        };
      }
      const label = found.element.text?.text ?? found.element.action_id ?? found.element.type;
      const res = await deliver('block_actions', user, interactionBody(payload), 'application/x-www-form-urlencoded', `clicked “${label}”`);
      if (res.status !== 200) return { ok: false, status: res.status, ms: res.ms, error: failure(res.status) };
      return { ok: true, status: res.status, ms: res.ms };
    },

    async submitView(user, viewId, values) {
      const view = core.view(viewId);
      if (!view || core.viewOwner(viewId) !== user) return { ok: false, error: 'view_not_found' };
      const errors = checkInputs(view, values);
      if (Object.keys(errors).length) return { ok: false, error: 'invalid_input', errors };
      const submitted = { ...view, state: { values } };
      const payload = {
        type: 'view_submission',
        team: { id: ws().team.id, domain: ws().team.domain },
        user: userOf(user),
        api_app_id: ws().bot.app_id,
        token: 'xxxx',
        trigger_id: core.issueTrigger(user),
        view: submitted,
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      const title = (view.title as SlackBody | undefined)?.text ?? view.callback_id ?? 'modal';
      const res = await deliver(
        'view_submission',
        user,
        interactionBody(payload),
        'application/x-www-form-urlencoded',
        `submitted “${title}”`,
      );
      // Slack's own words when an app does not answer a submission properly.
      if (res.status !== 200) return { ok: false, status: res.status, ms: res.ms, error: 'We had some trouble connecting. Try again?' };
      const ack = parseAck(res.text, res.contentType);
      const idx = core.modals(user).findIndex((v) => v.id === viewId);
      const action = ack?.response_action as string | undefined;
      if (action === 'errors')
        return { ok: false, status: res.status, ms: res.ms, error: 'errors', errors: (ack!.errors ?? {}) as Record<string, string> };
      if (action === 'update' || action === 'push') {
        const refused = checkView(ack!.view, 'modal');
        if (refused) {
          core.emit({
            type: 'refused',
            method: `view_submission response_action ${action}`,
            error: refused.error,
            messages: refused.response_metadata?.messages ?? [],
            user,
            at: Date.now(),
          });
          return { ok: false, status: res.status, ms: res.ms, error: refused.error };
        }
        const all = core.modals(user);
        if (action === 'update') {
          const updated = core.storeView(ack!.view as SlackBody, user, viewId);
          core.setModals(
            user,
            all.map((v) => (v.id === viewId ? updated : v)),
          );
        } else {
          const pushed = core.storeView({ ...(ack!.view as SlackBody), previous_view_id: viewId }, user);
          core.setModals(user, [...all, pushed]);
        }
      } else if (action === 'clear') {
        core.setModals(user, []);
      } else {
        if (idx !== -1) core.setModals(user, core.modals(user).slice(0, idx));
      }
      return { ok: true, status: res.status, ms: res.ms };
    },

    async closeView(user, viewId) {
      const view = core.view(viewId);
      const all = core.modals(user);
      const idx = all.findIndex((v) => v.id === viewId);
      if (!view || idx === -1) return { ok: false, error: 'view_not_found' };
      core.setModals(user, all.slice(0, idx));
      if (view.notify_on_close !== true) return { ok: true };
      const payload = {
        type: 'view_closed',
        team: { id: ws().team.id, domain: ws().team.domain },
        user: userOf(user),
        api_app_id: ws().bot.app_id,
        token: 'xxxx',
        view,
        is_cleared: false,
        is_enterprise_install: false,
        enterprise: null,
      };
      const res = await deliver('view_closed', user, interactionBody(payload), 'application/x-www-form-urlencoded', 'closed a modal');
      return { ok: res.status === 200, status: res.status, ms: res.ms };
    },

    async openHome(user) {
      const home = core.home(user);
      const now = Date.now();
      const event = {
        token: 'xxxx',
        team_id: ws().team.id,
        api_app_id: ws().bot.app_id,
        event: {
          type: 'app_home_opened',
          user,
          channel: `D${user.slice(1)}`,
          tab: 'home',
          event_ts: (now / 1000).toFixed(6),
          ...(home ? { view: home } : {}),
        },
        type: 'event_callback',
        event_id: `Ev${now.toString(36).toUpperCase()}${Math.random().toString(36).slice(2, 6).toUpperCase()}`,
        event_time: Math.floor(now / 1000),
        authorizations: [
          { enterprise_id: null, team_id: ws().team.id, user_id: ws().bot.user_id, is_bot: true, is_enterprise_install: false },
        ],
        is_ext_shared_channel: false,
      };
      const res = await deliver('app_home_opened', user, JSON.stringify(event), 'application/json', 'opened the Home tab');
      return { ok: res.status === 200, status: res.status, ms: res.ms, ...(res.status === 200 ? {} : { error: failure(res.status) }) };
    },

    async shortcut(user, callbackId) {
      if (!callbackId) return { ok: false, error: 'invalid_arguments' };
      const payload = shortcutPayload({
        callback_id: callbackId,
        user_id: user,
        user_name: userOf(user).username,
        team_id: ws().team.id,
        trigger_id: core.issueTrigger(user),
      });
      payload.team = { id: ws().team.id, domain: ws().team.domain };
      const res = await deliver(
        'shortcut',
        user,
        interactionBody(payload),
        'application/x-www-form-urlencoded',
        `used the shortcut “${callbackId}”`,
      );
      return { ok: res.status === 200, status: res.status, ms: res.ms, ...(res.status === 200 ? {} : { error: failure(res.status) }) };
    },
  };
}

/** What the Slack client itself checks before a modal is submitted: required fields and lengths. */
export function checkInputs(view: SlackBody, values: SlackBody): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const b of (view.blocks ?? []) as SlackBody[]) {
    if (b?.type !== 'input' || typeof b.block_id !== 'string') continue;
    const el = b.element as SlackBody | undefined;
    const v = values?.[b.block_id]?.[el?.action_id ?? ''] as SlackBody | undefined;
    const text = typeof v?.value === 'string' ? v.value : undefined;
    const filled =
      (text !== undefined && text.trim() !== '') ||
      v?.selected_option != null ||
      (Array.isArray(v?.selected_options) && v.selected_options.length > 0) ||
      typeof v?.selected_date === 'string';
    if (!filled) {
      if (b.optional !== true) errors[b.block_id] = 'Please complete this required field.';
      continue;
    }
    if (text !== undefined && typeof el?.min_length === 'number' && text.length < el.min_length)
      errors[b.block_id] = `Must have at least ${el.min_length} characters.`;
    if (text !== undefined && typeof el?.max_length === 'number' && text.length > el.max_length)
      errors[b.block_id] = `Must have no more than ${el.max_length} characters.`;
  }
  return errors;
}

async function readJson(raw: Buffer): Promise<SlackBody> {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8') || '{}');
    return parsed && typeof parsed === 'object' ? (parsed as SlackBody) : {};
  } catch {
    return {};
  }
}

/**
 * Serves the person's side over HTTP under /_client/ on the Slack server:
 *   GET  /_client/state          everything a client shows (workspace, messages, ephemerals, files, modals, homes)
 *   GET  /_client/feed           Server-Sent Events: one FeedEvent per `data:` line
 *   GET  /_client/files/:id      a shared file's content
 *   POST /_client/slash          {user, channel, text}
 *   POST /_client/action         {user, ...ClickTarget}
 *   POST /_client/view/submit    {user, viewId, values}
 *   POST /_client/view/close     {user, viewId}
 *   POST /_client/home           {user}
 *   POST /_client/shortcut       {user, callbackId}
 */
export function installClientRoutes(core: SlackCore, person: Person, extraState: () => SlackBody = () => ({})): void {
  core.setRouteHandler('/_client/', async (req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer) => {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/_client/state') {
      sendJson(res, 200, { ...core.snapshot(), ...extraState() });
      return true;
    }
    if (req.method === 'GET' && path === '/_client/feed') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      const send = (e: FeedEvent) => res.write(`data: ${JSON.stringify(e)}\n\n`);
      const stop = core.subscribe(send);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      ping.unref();
      // The response's close (the client went, or the server closed the connection): a request's own
      // 'close' only says its body was read, and a feed left subscribed keeps its page's world alive.
      res.once('close', () => {
        clearInterval(ping);
        stop();
      });
      return true;
    }
    const file = /^\/_client\/files\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && file) {
      const f = core.file(decodeURIComponent(file[1]!));
      if (!f || f.content === undefined) sendText(res, 404, 'Not Found');
      else if (f.bytes && isPng(f.bytes)) {
        // A chart: served as the image it is, so the page's "Open" shows it.
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': f.bytes.length });
        res.end(f.bytes);
      } else sendText(res, 200, f.content);
      return true;
    }
    if (req.method !== 'POST') return false;
    const b = await readJson(raw);
    const user = typeof b.user === 'string' ? b.user : '';
    if (!user) {
      sendJson(res, 400, { ok: false, error: 'user is required' });
      return true;
    }
    let out: Outcome | undefined;
    if (path === '/_client/slash') out = await person.slash(user, String(b.channel ?? ''), String(b.text ?? ''));
    else if (path === '/_client/action') out = await person.click(user, b as unknown as ClickTarget);
    else if (path === '/_client/view/submit') out = await person.submitView(user, String(b.viewId ?? ''), (b.values ?? {}) as SlackBody);
    else if (path === '/_client/view/close') out = await person.closeView(user, String(b.viewId ?? ''));
    else if (path === '/_client/home') out = await person.openHome(user);
    else if (path === '/_client/shortcut') out = await person.shortcut(user, String(b.callbackId ?? ''));
    if (!out) return false;
    sendJson(res, 200, out);
    return true;
  });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(b: Buffer): boolean {
  return b.length > 8 && b.subarray(0, 8).equals(PNG_SIGNATURE);
}
