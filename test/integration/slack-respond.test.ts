/**
 * An answer through a response_url (src/slack/gateway.ts respond), against the local Slack over
 * real HTTP (Node's fetch, as on Lambda): refused answers (4xx but 429) are tried once and said
 * clearly; Slack's own trouble (429, 5xx) is waited out and the answer lands once; an answer sent and
 * not answered is sent again only when a second one cannot show twice (replace_original /
 * delete_original); a connection refused before anything was sent is tried again, and one whose
 * connect phase (TCP, TLS handshake) did not end in time was not sent either (a caller answers
 * another way); all attempts stay within the caller's time (a click's budget).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { BotError } from '../../src/errors';
import { createLogger, setLogSink } from '../../src/log';
import { createSlackGateway, NO_ANSWER, RESPOND_WITHIN_MS } from '../../src/slack/gateway';
import { mayHaveLanded, neverReachedSlack } from '../../src/slack/failures';
import { answerInvocation } from '../../src/slack/reply';
import { selfSignedCert } from '../helpers/tls';
import { startSlackServer, type ResponseContext, type SlackServer } from '../helpers/slack-server';

let slack: SlackServer;
let lines: Array<{ msg: string; [k: string]: unknown }> = [];
let restoreSink: ((line: string) => void) | undefined;
beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(async () => {
  slack.releaseStalls();
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  lines = [];
  restoreSink = setLogSink((line) => lines.push(JSON.parse(line) as { msg: string }));
});
afterEach(() => {
  if (restoreSink) setLogSink(restoreSink);
});

/** The worker's gateway (allWithinAck false) or the Slack function's (true), answering on this server's response URLs. */
const gateway = (withinAck = false, server: SlackServer = slack) =>
  createSlackGateway(
    'xoxb-test',
    createLogger(),
    { SLACK_API_URL: server.apiUrl, SLACK_RESPONSE_URL_BASE: `${server.url}/response/` },
    withinAck,
  );
const command: ResponseContext = { kind: 'command', channel: 'C1', user: 'U1', command: '/ecs' };
const msg = (text: string) => ({ text, blocks: [] });
const logged = (m: string) => lines.filter((l) => l.msg === m);
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('the answer went through');
    },
    (err: unknown) => err,
  );

describe('respond: refused answers are tried once', () => {
  it('404 expired_url: one attempt, a clear error (no HTTP internals for the person), a log line', async () => {
    slack.failNext('response_url', 'expired_url', 3);
    const err = await failure(gateway().respond(slack.responseUrl(command), msg('status')));
    expect(slack.callsTo('response_url')).toHaveLength(1);
    expect(err).toBeInstanceOf(BotError);
    const said = (err as BotError).userMessageIn('en');
    expect(said).toBe('Slack refused the message (expired_url).');
    expect(said).not.toMatch(/HTTP|fetch|404/);
    // Slack answered: it did not land, so a caller may answer another way (the bot token).
    expect(mayHaveLanded(err)).toBe(false);
    expect(logged('response_url refused; not sent again')).toEqual([
      expect.objectContaining({ status: 404, error: 'expired_url', host: new URL(slack.url).host }),
    ]);
  });

  it('a URL used 5 times (Slack: used_url, 404): the sixth answer is tried once', async () => {
    const url = slack.responseUrl(command);
    const gw = gateway();
    for (let i = 0; i < 5; i++) await gw.respond(url, msg(`answer ${i}`));
    const err = await failure(gw.respond(url, msg('one more')));
    expect(slack.callsTo('response_url')).toHaveLength(6);
    expect((err as BotError).userMessageIn('en')).toContain('used_url');
    expect(slack.ephemerals('C1')).toHaveLength(5);
  });

  it('400 invalid_blocks: one attempt', async () => {
    slack.failNext('response_url', 'invalid_blocks', 3);
    const err = await failure(gateway().respond(slack.responseUrl(command), msg('x')));
    expect(slack.callsTo('response_url')).toHaveLength(1);
    expect(logged('response_url refused; not sent again')[0]).toMatchObject({ status: 400, error: 'invalid_blocks' });
    expect((err as BotError).userMessageIn('ko')).toContain('invalid_blocks');
  });
});

describe("respond: Slack's own trouble is waited out", () => {
  it('500 then 200: delivered once', async () => {
    slack.serverErrorNext('response_url', 500);
    await gateway().respond(slack.responseUrl(command), msg('after a 500'));
    expect(slack.callsTo('response_url').map((c) => c.serverError ?? 200)).toEqual([500, 200]);
    expect(slack.ephemerals('C1').map((e) => e.text)).toEqual(['after a 500']);
  });

  it("429 then 200: the second attempt waits Slack's Retry-After; delivered once", async () => {
    slack.rateLimitNext('response_url', 1);
    const started = Date.now();
    await gateway().respond(slack.responseUrl(command), msg('after a 429'));
    const [first, second] = slack.callsTo('response_url');
    expect(first!.rateLimited).toBe(true);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(slack.ephemerals('C1').map((e) => e.text)).toEqual(['after a 429']);
  });

  it('500s all along: three attempts at most, then a clear error', async () => {
    slack.serverErrorNext('response_url', 502, 5);
    const err = await failure(gateway().respond(slack.responseUrl(command), msg('x')));
    expect(slack.callsTo('response_url')).toHaveLength(3);
    expect((err as BotError).userMessageIn('en')).toBe('Slack answered with an error of its own (HTTP 502). Try again in a moment.');
    expect(mayHaveLanded(err)).toBe(false);
  });

  it('a Retry-After longer than what is left is not waited out', async () => {
    slack.rateLimitNext('response_url', 5);
    const started = Date.now();
    const err = await failure(gateway().respond(slack.responseUrl(command), msg('x'), { withinMs: 1_500 }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(slack.callsTo('response_url')).toHaveLength(1);
    expect((err as BotError).userMessageIn('en')).toContain('limiting how often');
  });
});

describe('respond: an answer sent and not answered', () => {
  it('a new (ephemeral) message is not sent again: it shows once, when Slack gets to it', async () => {
    slack.stallNext('response_url', Infinity);
    const started = Date.now();
    const err = await failure(gateway().respond(slack.responseUrl(command), msg('late answer'), { withinMs: 500 }));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(slack.callsTo('response_url')).toHaveLength(1);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe(NO_ANSWER);
    // It may have shown: a caller does not say it another way (src/slack/reply.ts answerInvocation).
    expect(mayHaveLanded(err)).toBe(true);
    expect((err as BotError).userMessageIn('en')).toContain('may not have gone through');
    expect(logged('response_url: no answer after sending; not sent again (it may or may not have shown)')).toHaveLength(1);
    expect(slack.releaseStalls()).toBe(1);
    await slack.waitFor((calls) => calls.every((c) => c.response !== undefined), 2_000, 'the late answer lands');
    expect(slack.ephemerals('C1').map((e) => e.text)).toEqual(['late answer']);
  });

  it('an in-channel message is not sent again either', async () => {
    slack.stallNext('response_url', Infinity);
    await failure(gateway().respond(slack.responseUrl(command), msg('late in channel'), { inChannel: true, withinMs: 400 }));
    slack.releaseStalls();
    await slack.waitFor((calls) => calls.every((c) => c.response !== undefined), 2_000, 'the late answer lands');
    expect(slack.callsTo('response_url')).toHaveLength(1);
    expect(slack.messages('C1').map((m) => m.text)).toEqual(['late in channel']);
  });

  it('replace_original is sent again (a second one cannot show twice) and the message shows once, as asked', async () => {
    const web = gateway();
    const posted = await web.post('C1', msg('original'));
    const url = slack.responseUrl({ kind: 'action', channel: 'C1', user: 'U1', messageTs: posted.ts });
    // Past one attempt's own timeout (8 s), well within the worker's whole budget.
    slack.stallNext('response_url', 8_400);
    await web.respond(url, msg('replaced'), { replaceOriginal: true });
    const calls = slack.callsTo('response_url');
    expect(calls).toHaveLength(2);
    expect(calls[0]!.stalled).toBe(true);
    await slack.waitFor((c) => c.every((x) => x.response !== undefined), 3_000, 'the late one lands too');
    expect(slack.messages('C1').map((m) => m.text)).toEqual(['replaced']);
    expect(slack.ephemerals('C1')).toHaveLength(0);
  }, 20_000);

  it('delete_original is sent again and the message is gone', async () => {
    const web = gateway();
    const posted = await web.post('C1', msg('to delete'));
    const url = slack.responseUrl({ kind: 'action', channel: 'C1', user: 'U1', messageTs: posted.ts });
    slack.stallNext('response_url', 1_500);
    // A short budget (as a click's): the first attempt gets half of it (cut at 1 s), the second lands.
    await web.respond(url, msg(''), { deleteOriginal: true, withinMs: 2_000 });
    const calls = slack.callsTo('response_url');
    expect(calls.map((c) => c.stalled === true)).toEqual([true, false]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1_000);
    await slack.waitFor((c) => c.every((x) => x.response !== undefined), 3_000, 'the late one lands too');
    expect(slack.messages('C1')).toHaveLength(0);
  });

  it('a connection refused before anything was sent is tried again, and the answer lands once', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    // Nothing listens on the port at the first attempt; the Slack there starts before the second.
    const base = `http://127.0.0.1:${port}`;
    const gw = createSlackGateway('xoxb-test', createLogger(), { SLACK_RESPONSE_URL_BASE: `${base}/response/` }, false);
    const started = Date.now();
    const answered = gw.respond(`${base}/response/R1`, msg('after a refused connection'), { withinMs: 3_000 });
    await new Promise((r) => setTimeout(r, 80));
    const other = await startSlackServer({ port });
    try {
      await answered;
      // The first attempt was refused (nothing listened); the second, 200 ms later, landed.
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(other.callsTo('response_url').map((c) => c.body.text)).toEqual(['after a refused connection']);
    } finally {
      await other.close();
    }
  });
});

describe('respond: within the time it is given', () => {
  it('the worker: all attempts together within RESPOND_WITHIN_MS by default', async () => {
    expect(RESPOND_WITHIN_MS).toBeLessThanOrEqual(20_000);
    slack.setDown(true);
    try {
      const started = Date.now();
      await failure(gateway().respond(slack.responseUrl(command), msg('x')));
      expect(Date.now() - started).toBeLessThan(RESPOND_WITHIN_MS);
    } finally {
      slack.setDown(false);
    }
  });

  it("the Slack function: a caller's budget bounds all attempts together (here 700 ms), even for an answer that may be sent again", async () => {
    const posted = await gateway().post('C1', msg('original'));
    const url = slack.responseUrl({ kind: 'action', channel: 'C1', user: 'U1', messageTs: posted.ts });
    slack.stallNext('response_url', Infinity, 3);
    const started = Date.now();
    await failure(gateway(true).respond(url, msg('replaced'), { replaceOriginal: true, withinMs: 700 }));
    const took = Date.now() - started;
    expect(took).toBeLessThanOrEqual(750);
    expect(slack.callsTo('response_url').length).toBeGreaterThanOrEqual(1);
    slack.releaseStalls();
  });
});

describe('respond: a connection that was never made', () => {
  /**
   * A response_url host that takes the TCP connection and never answers the TLS handshake (a
   * network that stalls the connect phase): the answer's request is never written.
   */
  let stall: net.Server;
  let connections = 0;
  let stallBase = '';
  /** An https response_url host whose handshake completes (its certificate trusted by the global agent here) and which never answers. */
  let mute: tls.Server;
  let muteBase = '';
  let requests: string[] = [];
  let dir = '';
  let restoreCa: unknown;
  beforeAll(async () => {
    stall = net.createServer((socket) => {
      connections++;
      socket.on('data', () => undefined).on('error', () => undefined);
    });
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    stallBase = `https://127.0.0.1:${(stall.address() as net.AddressInfo).port}/response/`;
    dir = mkdtempSync(join(tmpdir(), 'respond-tls-'));
    const { cert, key } = selfSignedCert(dir, 'IP:127.0.0.1,DNS:localhost');
    restoreCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = readFileSync(cert);
    mute = tls.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (socket) => {
      socket.on('data', (d: Buffer) => requests.push(d.toString('utf8'))).on('error', () => undefined);
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    muteBase = `https://127.0.0.1:${(mute.address() as net.AddressInfo).port}/response/`;
  });
  afterAll(async () => {
    https.globalAgent.options.ca = restoreCa as string;
    https.globalAgent.destroy();
    await new Promise<void>((r) => stall.close(() => r()));
    await new Promise<void>((r) => mute.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    connections = 0;
    requests = [];
    https.globalAgent.destroy(); // no socket kept from an earlier test: each answer connects anew
  });
  const on = (base: string, withinAck = false) =>
    createSlackGateway('xoxb-test', createLogger(), { SLACK_API_URL: slack.apiUrl, SLACK_RESPONSE_URL_BASE: base }, withinAck);

  it('the worker: a TLS handshake that never ends was not sent, and the failure says it did not land', async () => {
    const started = Date.now();
    const err = await failure(on(stallBase).respond(`${stallBase}R1`, msg('never written'), { withinMs: 1_500 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(neverReachedSlack(err)).toBe(true);
    expect(mayHaveLanded(err)).toBe(false);
    expect((err as { cause?: { code?: string } }).cause?.code).not.toBe(NO_ANSWER);
    expect(logged('response_url: no answer after sending; not sent again (it may or may not have shown)')).toHaveLength(0);
  });

  it('the Slack function: the same within its short budget', async () => {
    const started = Date.now();
    const err = await failure(on(stallBase, true).respond(`${stallBase}R2`, msg('never written'), { withinMs: 600 }));
    expect(Date.now() - started).toBeLessThan(900);
    expect(mayHaveLanded(err)).toBe(false);
  });

  it('an answer nobody can have received is given with the bot token instead (answerInvocation), once', async () => {
    await answerInvocation(
      { slack: on(stallBase), log: createLogger() },
      { id: 'inv-1', responseUrl: `${stallBase}R3`, channelId: 'C1', userId: 'U1' },
      msg('your answer'),
      { inChannel: false },
    );
    // Two attempts (8 s, then the 7 s left of RESPOND_WITHIN_MS), both stalled in the handshake.
    expect(connections).toBe(2);
    expect(slack.ephemerals('C1').map((e) => [e.user, e.text])).toEqual([['U1', 'your answer']]);
  }, 20_000);

  it('over the same TLS, a request written and not answered still may have landed: sent once, not again', async () => {
    const err = await failure(on(muteBase).respond(`${muteBase}R4`, msg('written'), { withinMs: 800 }));
    expect((err as { cause?: { code?: string } }).cause?.code).toBe(NO_ANSWER);
    expect(mayHaveLanded(err)).toBe(true);
    expect(requests.filter((r) => r.startsWith('POST /response/R4'))).toHaveLength(1);
    expect(requests.join('')).toContain('written');
  });
});
