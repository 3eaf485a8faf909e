/**
 * The local Slack's person side against a real Bolt app (HTTPReceiver, signature verification on):
 * what a person does is delivered as Slack delivers it, and the app's answers are applied as Slack
 * applies them (acks, response_url, modals with response_action, the Home tab, refusals).
 */
import { App, HTTPReceiver, LogLevel, type BlockAction, type ButtonAction } from '@slack/bolt';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPerson, installClientRoutes, type Person } from '../../src/loopback/slack/person';
import { startSlackServer, type FeedEvent, type SlackServer } from '../../src/loopback/slack/server';

const SECRET = 'local-slack-test-secret';
const shortcutUser = (id: string) => `<@${id}>`;
const plain = (text: string) => ({ type: 'plain_text' as const, text });
// The slow command acks after Bolt's own 3 s timeout answered; Bolt logs that, which is expected here.
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

describe('the local Slack delivers to a Bolt app as Slack does', () => {
  let slack: SlackServer;
  let app: App;
  let person: Person;
  let requestUrl: string;
  const feed: FeedEvent[] = [];
  const closed: string[] = [];

  beforeAll(async () => {
    slack = await startSlackServer({
      workspace: {
        users: [
          { id: 'U1', name: 'dana' },
          { id: 'U2', name: 'lee' },
        ],
        channels: [{ id: 'C1', name: 'deploys' }],
      },
      strictChannels: true,
    });
    slack.subscribe((e) => feed.push(e));
    const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events', processBeforeResponse: false, logger: silent });
    app = new App({
      receiver,
      authorize: async () => ({ botToken: 'xoxb-test', botId: 'BBOT', botUserId: 'UBOT' }),
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logger: silent,
    });
    app.command('/ecs', async ({ command, ack, client, respond }) => {
      if (command.text === 'help') return void (await ack({ text: '*hi* from the app' }));
      if (command.text === 'slow') {
        await new Promise((r) => setTimeout(r, 3300));
        return void (await ack());
      }
      await ack();
      if (command.text === 'inchannel') await respond({ response_type: 'in_channel', text: 'for everyone' });
      if (command.text === 'post') {
        await client.chat.postMessage({
          channel: command.channel_id,
          text: 'card',
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: 'a card' } },
            {
              type: 'actions',
              elements: [
                { type: 'button', text: plain('Open'), action_id: 'open', value: 'v1' },
                { type: 'button', text: plain('Replace'), action_id: 'replace', value: 'v2', style: 'primary' },
              ],
            },
          ],
        });
      }
      if (command.text === 'toolong') {
        await client.chat
          .postMessage({ channel: command.channel_id, text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })
          .catch(() => undefined);
      }
    });
    app.action<BlockAction<ButtonAction>>('replace', async ({ ack, respond, action }) => {
      await ack();
      await respond({ replace_original: true, text: `replaced (${action.value})` });
    });
    app.action<BlockAction<ButtonAction>>('open', async ({ ack, client, body }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'why',
          notify_on_close: true,
          title: plain('Why?'),
          submit: plain('Send'),
          blocks: [
            {
              type: 'input',
              block_id: 'reason',
              label: plain('Reason'),
              element: { type: 'plain_text_input', action_id: 'text', min_length: 3 },
            },
          ],
        },
      });
    });
    app.view('why', async ({ ack, view }) => {
      const value = view.state.values.reason?.text?.value;
      if (value === 'bad') return void (await ack({ response_action: 'errors', errors: { reason: 'Not that one' } }));
      await ack({
        response_action: 'update',
        view: {
          type: 'modal',
          callback_id: 'done',
          title: plain('Thanks'),
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Got ${value}` } }],
        },
      });
    });
    app.view({ type: 'view_closed', callback_id: 'done' }, async ({ ack, body }) => {
      await ack();
      closed.push(body.user.id);
    });
    // A global shortcut opens a form whose first select has dispatch_action: its choice (with what
    // the form holds so far) comes back as a block_actions from the view, and the form is updated.
    app.shortcut('pick_one', async ({ ack, shortcut, client }) => {
      await ack();
      await client.views.open({
        trigger_id: shortcut.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'pick',
          title: plain('Pick'),
          submit: plain('Go'),
          blocks: [
            {
              type: 'input',
              block_id: 'env',
              dispatch_action: true,
              label: plain('Environment'),
              element: {
                type: 'static_select',
                action_id: 'env_pick',
                options: ['prod', 'staging'].map((v) => ({ text: plain(v), value: v })),
              },
            },
            {
              type: 'input',
              block_id: 'note',
              optional: true,
              label: plain('Note'),
              element: { type: 'plain_text_input', action_id: 'text' },
            },
          ],
        },
      });
    });
    app.action<BlockAction>('env_pick', async ({ ack, body, client }) => {
      await ack();
      const view = body.view!;
      const picked = (body.actions[0] as { selected_option?: { value: string } }).selected_option?.value;
      const note = view.state.values.note?.text?.value;
      await client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: {
          type: 'modal',
          callback_id: 'pick',
          title: plain('Pick'),
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${shortcutUser(body.user.id)} picked ${picked} (note: ${note})` } }],
        },
      });
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({
        user_id: event.user,
        view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hello <@${event.user}>` } }] },
      });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as unknown as { address(): AddressInfo };
    requestUrl = `http://127.0.0.1:${server.address().port}/slack/events`;
    person = createPerson(slack.core, { requestUrl, signingSecret: SECRET, command: '/ecs' });
    installClientRoutes(slack.core, person);
  });

  afterAll(async () => {
    await app.stop();
    await slack.close();
  });

  it('a slash command is signed and delivered; its ack becomes an ephemeral for the person who typed it', async () => {
    await expect(person.slash('U1', 'C1', '/ecs help')).resolves.toMatchObject({ ok: true, status: 200 });
    expect(slack.ephemerals('C1').at(-1)).toMatchObject({ user: 'U1', text: '*hi* from the app', source: 'ack', command: '/ecs help' });
    expect(feed.some((e) => e.type === 'delivery' && e.kind === 'slash_command' && e.status === 200)).toBe(true);
  });

  it('an unknown command is answered by Slackbot; a wrongly signed delivery is refused by Bolt', async () => {
    await expect(person.slash('U1', 'C1', '/deploy web')).resolves.toMatchObject({ ok: false, error: 'invalid_command' });
    expect(slack.ephemerals('C1').at(-1)).toMatchObject({
      source: 'slackbot',
      text: expect.stringContaining('`/deploy` is not a valid command'),
    });
    const forged = createPerson(slack.core, { requestUrl, signingSecret: 'not-the-secret', command: '/ecs' });
    await expect(forged.slash('U1', 'C1', '/ecs help')).resolves.toMatchObject({ ok: false, status: 401, error: 'dispatch_failed' });
  });

  it('an answer after 3 seconds is operation_timeout, as in Slack', async () => {
    await expect(person.slash('U1', 'C1', '/ecs slow')).resolves.toMatchObject({
      ok: false,
      status: 'timeout',
      error: 'operation_timeout',
    });
    expect(slack.ephemerals('C1').at(-1)?.text).toBe('`/ecs` failed with the error "operation_timeout"');
  });

  it('response_url: in_channel posts to the channel; 5 uses, then used_url', async () => {
    await person.slash('U2', 'C1', '/ecs inchannel');
    await slack.waitFor(() => slack.messages('C1').some((m) => m.text === 'for everyone'));
    const url = slack.responseUrl({ kind: 'command', channel: 'C1', user: 'U2' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `n${i}` }),
      });
      statuses.push(res.status);
      if (i === 5) expect(await res.json()).toEqual({ ok: false, error: 'used_url' });
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    const bad = await fetch(slack.responseUrl({ kind: 'command', channel: 'C1', user: 'U2' }), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'no' } }] }),
    });
    expect(bad.status).toBe(400);
    expect(feed.filter((e) => e.type === 'refused').at(-1)).toMatchObject({
      method: 'response_url',
      error: 'invalid_blocks',
      channel: 'C1',
    });
  });

  it('a click is a signed block_actions; replace_original updates the message in place', async () => {
    await person.slash('U1', 'C1', '/ecs post');
    await slack.waitFor(() => slack.messages('C1').some((m) => m.text === 'card'));
    const card = slack.messages('C1').find((m) => m.text === 'card')!;
    await expect(person.click('U2', { channel: 'C1', ts: card.ts, block: 1, element: 1 })).resolves.toMatchObject({
      ok: true,
      status: 200,
    });
    await slack.waitFor(() => slack.message('C1', card.ts)?.text === 'replaced (v2)');
    expect(slack.message('C1', card.ts)).toMatchObject({ update_count: 1, blocks: [] });
  });

  it('modals: views.open with the click’s trigger, required fields checked, response_action errors and update, view_closed', async () => {
    const cards = () => slack.messages('C1').filter((m) => m.text === 'card');
    const before = cards().length;
    await person.slash('U1', 'C1', '/ecs post');
    await slack.waitFor(() => cards().length === before + 1);
    const card = cards().at(-1)!;
    await person.click('U1', { channel: 'C1', ts: card.ts, block: 1, element: 0 });
    await slack.waitFor(() => slack.modals('U1').length === 1);
    const view = slack.modals('U1')[0]!;
    expect(view).toMatchObject({ callback_id: 'why', title: { text: 'Why?' } });
    expect(slack.modals('U2')).toEqual([]);

    const value = (v: string) => ({ reason: { text: { type: 'plain_text_input', value: v } } });
    await expect(person.submitView('U1', view.id, value('ab'))).resolves.toMatchObject({
      ok: false,
      errors: { reason: 'Must have at least 3 characters.' },
    });
    await expect(person.submitView('U1', view.id, value('bad'))).resolves.toMatchObject({ ok: false, errors: { reason: 'Not that one' } });
    await expect(person.submitView('U1', view.id, value('good one'))).resolves.toMatchObject({ ok: true });
    expect(slack.modals('U1')).toEqual([expect.objectContaining({ id: view.id, title: { type: 'plain_text', text: 'Thanks' } })]);
    await expect(person.closeView('U1', view.id)).resolves.toMatchObject({ ok: true });
    expect(slack.modals('U1')).toEqual([]);
    // A trigger_id is usable once.
    const trigger = slack.core.issueTrigger('U1');
    const open = (t: string) =>
      fetch(`${slack.apiUrl}views.open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer xoxb-test' },
        body: JSON.stringify({ trigger_id: t, view: { type: 'modal', title: plain('Again'), blocks: [] } }),
      }).then((r) => r.json());
    await expect(open(trigger)).resolves.toMatchObject({ ok: true });
    await expect(open(trigger)).resolves.toEqual({ ok: false, error: 'exchanged_trigger_id' });
  });

  it('opening the Home tab sends app_home_opened; views.publish shows it to that person', async () => {
    await expect(person.openHome('U2')).resolves.toMatchObject({ ok: true, status: 200 });
    await slack.waitFor(() => slack.home('U2') !== undefined);
    expect(slack.home('U2')).toMatchObject({ type: 'home', blocks: [{ text: { text: 'Hello <@U2>' } }] });
    expect(slack.home('U1')).toBeUndefined();
  });

  it('a global shortcut is a signed shortcut payload; a dispatch_action select in its modal sends the view with its state', async () => {
    await expect(person.shortcut('U2', 'pick_one')).resolves.toMatchObject({ ok: true, status: 200 });
    await slack.waitFor(() => slack.modals('U2').length === 1);
    const form = slack.modals('U2')[0]!;
    expect(form).toMatchObject({ callback_id: 'pick' });
    const values = {
      env: { env_pick: { type: 'static_select', selected_option: { value: 'staging' } } },
      note: { text: { type: 'plain_text_input', value: 'hi' } },
    };
    await expect(person.click('U2', { viewId: form.id, block: 0, element: 0, selected: 'staging', values })).resolves.toMatchObject({
      ok: true,
      status: 200,
    });
    await slack.waitFor(() => slack.modals('U2')[0]?.callback_id === 'pick' && (slack.modals('U2')[0]!.blocks as unknown[]).length === 1);
    expect(slack.modals('U2')[0]).toMatchObject({ id: form.id, blocks: [{ text: { text: '<@U2> picked staging (note: hi)' } }] });
    expect(feed.some((e) => e.type === 'delivery' && e.kind === 'shortcut' && e.status === 200)).toBe(true);
    await person.closeView('U2', form.id);
  });

  it("Slack's refusals reach the feed; the state and the feed are served over HTTP", async () => {
    await person.slash('U1', 'C1', '/ecs toolong');
    await slack.waitFor(() => feed.some((e) => e.type === 'refused' && e.method === 'chat.postMessage'));
    expect(feed.filter((e) => e.type === 'refused' && e.method === 'chat.postMessage').at(-1)).toMatchObject({
      error: 'invalid_blocks',
      messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'],
      channel: 'C1',
    });
    const state = (await (await fetch(`${slack.url}/_client/state`)).json()) as { messages: unknown[]; workspace: { channels: unknown[] } };
    expect(state.messages.length).toBe(slack.messages().length);
    expect(state.workspace.channels).toEqual([{ id: 'C1', name: 'deploys' }]);

    // The feed: Server-Sent Events, one FeedEvent per data line.
    const first = await new Promise<FeedEvent>((resolve, reject) => {
      const req = get(`${slack.url}/_client/feed`, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          const m = /^data: (.+)$/m.exec(buf);
          if (m) {
            req.destroy();
            resolve(JSON.parse(m[1]!) as FeedEvent);
          }
        });
        setTimeout(() => void person.slash('U1', 'C1', '/ecs help'), 50);
      });
      req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
    });
    expect(first).toMatchObject({ type: 'delivery', kind: 'slash_command' });
    expect(closed).toEqual(['U1']);
  });
});
