/**
 * Proves the test harness itself works: Redis from globalSetup, the local Slack Web API
 * server (driven by the real @slack/web-api WebClient), and Slack request signing
 * (checked against a hand-computed vector and against Bolt's own AwsLambdaReceiver).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import type { Logger, WebAPIHTTPError, WebAPIPlatformError } from '@slack/web-api';
import { REDIS_NOT_FOUND_MESSAGE, flushRedis, pingRedis, startRedisServer, testRedis, uniquePrefix, useWorkerDb } from '../helpers/redis';
import { startSlackServer } from '../helpers/slack-server';
import type { SlackServer } from '../helpers/slack-server';
import {
  apiGatewayV2Event,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
  signBody,
  signedActionEvent,
  signedSlashEvent,
  slashCommandBody,
  viewSubmissionBody,
  viewSubmissionPayload,
} from '../helpers/signing';

const TOKEN = 'xoxb-test-token';
const SECRET = 'test-signing-secret';

const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** A WebClient pointed at the fake, retrying fast (the default policy waits up to 30 minutes). */
function client(slack: SlackServer, token = TOKEN, retries = 2, timeout?: number): WebClient {
  return new WebClient(token, {
    slackApiUrl: slack.apiUrl,
    ...(timeout ? { timeout } : {}),
    logger: silentLogger,
    retryConfig: { retries, minTimeout: 10, maxTimeout: 20, factor: 1 },
  });
}

describe('signing', () => {
  it('matches a hand-computed HMAC-SHA256 vector', () => {
    const body = 'token=xxxx&team_id=T1&text=status+web';
    const ts = 1700000000;
    const expected = 'v0=' + createHmac('sha256', 's3cret').update(`v0:${ts}:${body}`).digest('hex');
    expect(signBody('s3cret', body, ts)).toEqual({ 'X-Slack-Signature': expected, 'X-Slack-Request-Timestamp': '1700000000' });
  });

  it("matches the example in Slack's documentation", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signBody('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)['X-Slack-Signature']).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('defaults the timestamp to now (seconds)', () => {
    const before = Math.floor(Date.now() / 1000);
    const ts = Number(signBody('s', 'b')['X-Slack-Request-Timestamp']);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(before + 1);
  });

  it("builds a slash command body with Slack's field set and unique trigger ids", () => {
    const a = new URLSearchParams(slashCommandBody({ text: 'deploy web v1.2' }));
    const b = new URLSearchParams(slashCommandBody({ text: 'x', user_id: 'U9', response_url: 'http://x/r' }));
    expect([...a.keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
      'text',
    ]);
    expect(a.get('command')).toBe('/ecs');
    expect(a.get('text')).toBe('deploy web v1.2');
    expect(a.get('is_enterprise_install')).toBe('false');
    expect(b.get('user_id')).toBe('U9');
    expect(b.get('response_url')).toBe('http://x/r');
    expect(a.get('trigger_id')).not.toBe(b.get('trigger_id'));
  });

  it('builds block_actions and view_submission payloads', () => {
    const p = JSON.parse(
      new URLSearchParams(blockActionsBody({ action_id: 'deny', value: 'req-1', message_ts: '1.2' })).get('payload') ?? '',
    );
    expect(p).toMatchObject({
      type: 'block_actions',
      user: { id: 'U1', username: 'alice', team_id: 'T1' },
      container: { type: 'message', message_ts: '1.2', channel_id: 'C1', is_ephemeral: false },
      channel: { id: 'C1' },
      message: { ts: '1.2' },
      actions: [{ action_id: 'deny', value: 'req-1', type: 'button', text: { type: 'plain_text' } }],
    });
    expect(typeof p.trigger_id).toBe('string');
    expect(typeof p.actions[0].action_ts).toBe('string');
    const v = JSON.parse(
      new URLSearchParams(
        viewSubmissionBody({
          callback_id: 'deploy',
          private_metadata: '{"a":1}',
          values: { b: { a: { type: 'plain_text_input', value: 'x' } } },
        }),
      ).get('payload') ?? '',
    );
    expect(v).toMatchObject({
      type: 'view_submission',
      view: { callback_id: 'deploy', private_metadata: '{"a":1}', state: { values: { b: { a: { value: 'x' } } } } },
    });
  });

  it('builds an API Gateway v2 event (plain and base64)', () => {
    const ev = apiGatewayV2Event('a=1', { 'X-Slack-Signature': 'v0=abc' });
    expect(ev).toMatchObject({
      version: '2.0',
      routeKey: 'POST /slack/events',
      rawPath: '/slack/events',
      rawQueryString: '',
      body: 'a=1',
      isBase64Encoded: false,
      headers: {
        'x-slack-signature': 'v0=abc',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      requestContext: { http: { method: 'POST', path: '/slack/events' }, stage: '$default' },
    });
    expect(ev.headers['X-Slack-Signature']).toBeUndefined();
    const b64 = apiGatewayV2Event('a=1&b=%C3%A9', {}, { base64: true });
    expect(b64.isBase64Encoded).toBe(true);
    expect(Buffer.from(b64.body, 'base64').toString('utf8')).toBe('a=1&b=%C3%A9');
    const retried = signedSlashEvent(SECRET, 'status', {}, { retryNum: 1 });
    expect(retried.headers['x-slack-retry-num']).toBe('1');
    expect(retried.headers['x-slack-retry-reason']).toBe('http_timeout');
  });

  describe("accepted by Bolt's AwsLambdaReceiver", () => {
    let slack: SlackServer;
    let handler: ReturnType<AwsLambdaReceiver['toHandler']>;
    const seen: Array<{ kind: string; text?: string; retryNum?: number }> = [];

    beforeAll(async () => {
      slack = await startSlackServer();
      const receiver = new AwsLambdaReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
      const app = new App({ token: TOKEN, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: slack.apiUrl } });
      app.command('/ecs', async ({ ack, command, context }) => {
        // Bolt's AwsLambdaReceiver passes the header through as a string despite the `number` type.
        seen.push({ kind: 'command', text: command.text, retryNum: context.retryNum === undefined ? undefined : Number(context.retryNum) });
        await ack('ok');
      });
      app.action('approve', async ({ ack }) => {
        seen.push({ kind: 'action' });
        await ack();
      });
      app.view('deploy', async ({ ack, view }) => {
        seen.push({ kind: 'view', text: view.private_metadata });
        await ack();
      });
      handler = receiver.toHandler();
    });
    afterAll(() => slack.close());

    it('accepts signed slash commands, interactions and base64 bodies; rejects bad or stale signatures', async () => {
      expect(await handler(signedSlashEvent(SECRET, 'status web'), {})).toMatchObject({ statusCode: 200, body: 'ok' });
      expect(await handler(signedSlashEvent(SECRET, 'logs api', {}, { base64: true, retryNum: 2 }), {})).toMatchObject({ statusCode: 200 });
      expect(await handler(signedActionEvent(SECRET, blockActionsPayload({ action_id: 'approve' })), {})).toMatchObject({
        statusCode: 200,
      });
      expect(
        await handler(signedActionEvent(SECRET, viewSubmissionPayload({ callback_id: 'deploy', private_metadata: 'pm' })), {}),
      ).toMatchObject({ statusCode: 200 });
      expect(await handler(signedSlashEvent(SECRET, 'status', {}, { badSignature: true }), {})).toMatchObject({ statusCode: 401 });
      const stale = Math.floor(Date.now() / 1000) - 10 * 60;
      expect(await handler(signedSlashEvent(SECRET, 'status', {}, { timestamp: stale }), {})).toMatchObject({ statusCode: 401 });
      expect(seen).toEqual([
        { kind: 'command', text: 'status web', retryNum: undefined },
        { kind: 'command', text: 'logs api', retryNum: 2 },
        { kind: 'action' },
        { kind: 'view', text: 'pm' },
      ]);
      // Bolt authorized the single-workspace token against the fake.
      expect(slack.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);
    });
  });

  it('postSigned delivers a correctly signed body over HTTP', async () => {
    let received: { headers: http.IncomingHttpHeaders; body: string } | undefined;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received = { headers: req.headers, body };
        res.end('acked');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
      const body = slashCommandBody({ text: 'status' });
      const res = await postSigned(url, SECRET, body, { retryNum: 1 });
      expect(res).toMatchObject({ status: 200, text: 'acked' });
      expect(received?.body).toBe(body);
      const ts = Number(received?.headers['x-slack-request-timestamp']);
      expect(received?.headers['x-slack-signature']).toBe(signBody(SECRET, body, ts)['X-Slack-Signature']);
      expect(received?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(received?.headers['x-slack-retry-num']).toBe('1');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('redis', () => {
  beforeAll(() => {
    // Keep this file's FLUSHDB away from other workers' keys.
    useWorkerDb();
  });

  it('REDIS_URL answers PING and has persistence disabled', async () => {
    expect(process.env.REDIS_URL).toMatch(/^redis:\/\//);
    const redis = testRedis();
    try {
      expect(await redis.ping()).toBe('PONG');
      if (!process.env.ECS_CHATOPS_TEST_REDIS_STATE) return; // an external REDIS_URL may be configured differently
      expect(await redis.config('GET', 'save')).toEqual(['save', '']);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    } finally {
      await redis.quit();
    }
  });

  it('flushRedis empties the db; uniquePrefix is unique', async () => {
    const p1 = uniquePrefix();
    const p2 = uniquePrefix();
    expect(p1).not.toBe(p2);
    const redis = testRedis();
    try {
      await redis.set(`${p1}k`, 'v');
      expect(await redis.get(`${p1}k`)).toBe('v');
      await flushRedis();
      expect(await redis.dbsize()).toBe(0);
    } finally {
      await redis.quit();
    }
  });

  it('startRedisServer starts and stops a private server (outage simulation)', async () => {
    const server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await pingRedis(server.port)).toBe(true);
    await server.stop();
    expect(await pingRedis(server.port)).toBe(false);
    await server.stop(); // idempotent
  });

  it('explains how to install redis-server when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedisServer()).rejects.toThrow(REDIS_NOT_FOUND_MESSAGE);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('slack server', () => {
  let slack: SlackServer;
  let web: WebClient;

  beforeAll(async () => {
    slack = await startSlackServer();
    web = client(slack);
  });
  beforeEach(() => slack.reset());
  afterAll(() => slack.close());

  it('posts then updates a message; the store holds the current state', async () => {
    const posted = await web.chat.postMessage({
      channel: 'C1',
      text: 'deploying',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*deploying*' } }],
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C1');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({ text: 'deploying', ts: posted.ts });
    const second = await web.chat.postMessage({ channel: 'C1', text: 'other' });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));

    const updated = await web.chat.update({
      channel: 'C1',
      ts: posted.ts as string,
      text: 'deployed',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts: posted.ts, text: 'deployed' });
    expect(slack.message('C1', posted.ts as string)).toMatchObject({
      text: 'deployed',
      blocks: [{ text: { text: '*done*' } }],
      update_count: 1,
    });
    expect(slack.messages('C1')).toHaveLength(2);

    // Recorded with parsed nested JSON and the bearer token.
    const call = slack.lastCall('chat.update');
    expect(call?.token).toBe(TOKEN);
    expect(call?.body.blocks[0].text.text).toBe('*done*');

    await expect(web.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'message_not_found' },
    });
  });

  it('thread replies carry thread_ts', async () => {
    const parent = await web.chat.postMessage({ channel: 'C1', text: 'card' });
    const reply = await web.chat.postMessage({ channel: 'C1', text: 'step 1', thread_ts: parent.ts });
    expect(reply.message?.thread_ts).toBe(parent.ts);
    const replies = slack.messages('C1').filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
    expect(replies.map((m) => m.text)).toEqual(['step 1']);
    expect(slack.message('C1', parent.ts as string)?.reply_count).toBe(1);
  });

  it('retries a 429 after Retry-After and succeeds on the second attempt', async () => {
    slack.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const res = await web.chat.postMessage({ channel: 'C1', text: 'hi' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const attempts = slack.callsTo('chat.postMessage');
    expect(attempts.map((c) => c.rateLimited === true)).toEqual([true, false]);
    expect(slack.messages('C1')).toHaveLength(1);
  });

  it('surfaces channel_not_found as a platform error', async () => {
    slack.setMissingChannels(['CNOPE']);
    for (const call of [
      () => web.chat.postMessage({ channel: 'CNOPE', text: 'x' }),
      () => web.chat.postEphemeral({ channel: 'CNOPE', user: 'U1', text: 'x' }),
      () => web.chat.update({ channel: 'CNOPE', ts: '1.1', text: 'x' }),
    ]) {
      const err = (await call().catch((e: unknown) => e)) as WebAPIPlatformError;
      expect(err.code).toBe(ErrorCode.PlatformError);
      expect(err.data.error).toBe('channel_not_found');
    }
  });

  it('uploads a file end to end with filesUploadV2', async () => {
    const res = await web.filesUploadV2({ channel_id: 'C1', content: 'line 1\nline 2 ✓', filename: 'logs.txt', initial_comment: 'logs' });
    expect(res.ok).toBe(true);
    const upload = slack.lastCall('file.upload');
    expect(upload?.content).toBe('line 1\nline 2 ✓');
    expect(slack.callsTo('files.getUploadURLExternal')[0].body).toMatchObject({
      filename: 'logs.txt',
      length: String(Buffer.byteLength('line 1\nline 2 ✓')),
    });
    expect(slack.lastCall('files.completeUploadExternal')?.body).toMatchObject({ channel_id: 'C1', files: [{ title: 'logs.txt' }] });
    expect(slack.files()).toEqual([
      expect.objectContaining({ filename: 'logs.txt', content: 'line 1\nline 2 ✓', completed: true, channel_id: 'C1' }),
    ]);
  });

  it('answers the other methods the bot uses', async () => {
    expect(await web.auth.test()).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
    expect(await web.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' })).toMatchObject({
      ok: true,
      message_ts: expect.any(String),
    });
    expect(slack.ephemerals('C1')).toEqual([expect.objectContaining({ user: 'U1', text: 'only you' })]);
    const opened = await web.views.open({
      trigger_id: 't',
      view: { type: 'modal', title: { type: 'plain_text', text: 'Deploy' }, blocks: [] },
    });
    const viewId = opened.view?.id ?? '';
    expect(viewId).toMatch(/^V/);
    expect(
      await web.views.update({ view_id: viewId, view: { type: 'modal', title: { type: 'plain_text', text: 'Done' }, blocks: [] } }),
    ).toMatchObject({ ok: true, view: { id: viewId } });
    slack.setUserGroup('S1', ['U1', 'U2']);
    expect((await web.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1', 'U2']);
    expect(await web.conversations.info({ channel: 'C1' })).toMatchObject({ ok: true, channel: { id: 'C1' } });
    await expect(web.apiCall('no.such.method')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
    expect(slack.lastCall('no.such.method')).toBeDefined();
  });

  it('rejects invalid tokens with invalid_auth', async () => {
    await expect(client(slack, 'xoxp-user').chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    await expect(client(slack, '').auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    // JSON bodies with a token field work too.
    const res = await fetch(`${slack.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    });
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('injects errors, rejects invalid blocks, and simulates an outage', async () => {
    slack.failNext('chat.postMessage', 'not_in_channel', 2);
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });

    await expect(
      web.chat.postMessage({ channel: 'C1', text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3001) } }] }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });

    slack.setDown(true);
    const err = (await client(slack, TOKEN, 0)
      .chat.postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIHTTPError;
    expect(err.code).toBe(ErrorCode.HTTPError);
    expect(err.statusCode).toBe(503);
    slack.setDown(false);
    await expect(web.chat.postMessage({ channel: 'C1', text: 'back' })).resolves.toMatchObject({ ok: true });
  });

  it('stalls: a held call is handled when released, its effect landing after its caller gave up; a short stall answers late', async () => {
    slack.stallNext('chat.postMessage', Infinity);
    const gaveUp = await client(slack, TOKEN, 0, 100)
      .chat.postMessage({ channel: 'C1', text: 'late' })
      .catch((e: unknown) => e);
    expect(gaveUp).toBeInstanceOf(Error);
    expect(slack.lastCall('chat.postMessage')).toMatchObject({ stalled: true, body: { text: 'late' } });
    expect(slack.messages('C1')).toEqual([]);
    // Other methods, and the next call, are not held.
    await expect(web.chat.postMessage({ channel: 'C1', text: 'next' })).resolves.toMatchObject({ ok: true });
    expect(slack.releaseStalls()).toBe(1);
    await slack.waitFor(() => slack.messages('C1').length === 2, 2000, 'the held post lands');
    expect(slack.messages('C1').map((m) => m.text)).toEqual(['next', 'late']);

    slack.stallNext('*', 20, 2);
    slack.failNext('chat.update', 'message_not_found');
    await expect(web.chat.update({ channel: 'C1', ts: '1', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
    expect(slack.calls.slice(-3).map((c) => !!c.stalled)).toEqual([true, true, false]);
    expect(slack.releaseStalls()).toBe(0);
  });

  it('records response_url posts', async () => {
    const url = slack.responseUrl('cmd-1');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'working…' }),
    });
    expect(await res.json()).toEqual({ ok: true });
    expect(slack.lastCall('response_url')).toMatchObject({ id: 'cmd-1', body: { text: 'working…' } });
    expect(slack.responses('cmd-1')).toEqual([{ response_type: 'ephemeral', text: 'working…' }]);
    expect(slack.responseUrl()).not.toBe(slack.responseUrl());
  });

  it('waitFor resolves when the predicate holds and explains timeouts', async () => {
    setTimeout(() => void web.chat.postMessage({ channel: 'C1', text: 'later' }), 30);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'), 2000);
    await expect(slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update'), 50, 'card update')).rejects.toThrow(
      /waitFor \(card update\) timed out after 50 ms\. Calls so far: chat\.postMessage/,
    );
  });
});
