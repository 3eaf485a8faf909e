/**
 * A local stand-in for Slack's Socket Mode endpoint, for `npm start` with SLACK_APP_TOKEN:
 *
 *   const slack = await startSlackServer();
 *   const socket = await startSocketModeServer(slack);   // apps.connections.open now answers its ws:// URL
 *   ... start the app (it calls apps.connections.open with its xapp- token and connects) ...
 *   await socket.connected();
 *   const ack = await socket.slashCommand({ text: 'help', user_id: 'U1', channel_id: 'C1' });
 *
 * It speaks the protocol as Slack documents it (https://docs.slack.dev/apis/events-api/using-socket-mode):
 * a `hello` message when the client connects; then envelopes `{ envelope_id, type, payload,
 * accepts_response_payload }` of type `slash_commands`, `interactive` or `events_api`, each of which
 * the client must acknowledge by sending `{ envelope_id, payload? }` back. `ws` answers the
 * client's pings. No jest imports.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventCallback, shortcutPayload, type Json, type ShortcutOptions } from './signing';
import type { SlackServer } from './slack-server';

export interface SocketModeServer {
  url: string;
  /** Resolves when a client has connected (and was sent `hello`). */
  connected(): Promise<void>;
  /** How many clients connected so far. */
  connections(): number;
  /** Send an envelope; resolves with the client's acknowledgement payload (rejects after `timeoutMs`). */
  send(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Json,
    opts?: { acceptsResponsePayload?: boolean; timeoutMs?: number },
  ): Promise<Json>;
  /** A `/ecs` command as Slack delivers it over Socket Mode (the form fields as a JSON object). */
  slashCommand(fields: { text: string; user_id: string; channel_id: string; trigger_id?: string }): Promise<Json>;
  /** An Events API event (e.g. appHomeOpened(user)). */
  event(event: Json): Promise<Json>;
  shortcut(opts: ShortcutOptions): Promise<Json>;
  close(): Promise<void>;
}

let triggers = 0;

export async function startSocketModeServer(slack: SlackServer): Promise<SocketModeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const url = `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}&app_id=A1`;
  slack.setSocketModeUrl(url);

  let socket: WebSocket | undefined;
  let count = 0;
  const waiters: Array<() => void> = [];
  const acks = new Map<string, (payload: Json) => void>();

  wss.on('connection', (ws) => {
    socket = ws;
    count += 1;
    ws.on('message', (data) => {
      let msg: { envelope_id?: string; payload?: Json };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (msg.envelope_id) acks.get(msg.envelope_id)?.(msg.payload ?? {});
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A1' },
      }),
    );
    for (const w of waiters.splice(0)) w();
  });

  const api: SocketModeServer = {
    url,
    connected: () => (socket ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    connections: () => count,
    send(type, payload, opts = {}) {
      const ws = socket;
      if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
      const envelopeId = randomUUID();
      return new Promise<Json>((resolve, reject) => {
        const timer = setTimeout(() => {
          acks.delete(envelopeId);
          reject(new Error(`envelope ${type} was not acknowledged within ${opts.timeoutMs ?? 5000} ms`));
        }, opts.timeoutMs ?? 5000);
        acks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          acks.delete(envelopeId);
          resolve(ack);
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: opts.acceptsResponsePayload ?? type !== 'events_api',
            ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
          }),
        );
      });
    },
    slashCommand(fields) {
      triggers += 1;
      return api.send('slash_commands', {
        token: 'xxxx',
        team_id: 'T1',
        team_domain: 'acme',
        channel_name: 'ops',
        user_name: 'alice',
        command: '/ecs',
        api_app_id: 'A1',
        is_enterprise_install: 'false',
        response_url: slack.responseUrl(),
        trigger_id: fields.trigger_id ?? `${Date.now()}.${triggers}.socket`,
        ...fields,
      });
    },
    event: (event) => api.send('events_api', eventCallback(event)),
    shortcut: (opts) => api.send('interactive', shortcutPayload(opts)),
    async close() {
      slack.setSocketModeUrl(undefined);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return api;
}
