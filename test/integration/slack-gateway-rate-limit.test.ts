/**
 * How long the worker's ('patient') Slack gateway waits out a 429 (src/slack/gateway.ts
 * patientClient): only when Slack's Retry-After fits the cap and the work's time (its budget, the
 * invocation's end); otherwise the call fails at once, rate limited, which the events function
 * retries and a person reads as "try again in a minute". Real HTTP to the local Slack API.
 */
import { refusalOf } from '../helpers/refusal';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { createSlackGateway } from '../../src/slack/gateway';
import { createLogger, setLogSink } from '../../src/log';
import { isBotError } from '../../src/errors';
import { classifyConsumerFailure } from '../../src/hooks/events';
import { withBudget } from '../../src/aws/budget';
import { workDeadline } from '../../src/handlers/compose';

describe("the worker's Slack client waits out a 429 only when the wait fits", () => {
  let slack: SlackServer;
  let restore: ReturnType<typeof setLogSink>;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    slack = await startSlackServer();
    restore = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  });
  afterEach(() => {
    slack.reset();
    lines.length = 0;
  });
  afterAll(async () => {
    setLogSink(restore);
    await slack.close();
  });

  const gateway = (deadline?: () => number) =>
    createSlackGateway('xoxb-test-token', createLogger(), { SLACK_API_URL: slack.apiUrl }, false, deadline);
  const failure = refusalOf;
  const notWaited = () => lines.filter((l) => String(l.msg).startsWith('slack 429 not waited out'));

  it('Retry-After: 120 is not slept: the call fails at once, rate limited, retryable, and the log says so', async () => {
    slack.rateLimitNext('chat.postMessage', 120);
    const err = await failure(gateway().post('C1', { text: 'hello', blocks: [] }));
    expect(err.userMessageIn('en')).toBe('Slack is limiting how often the bot may call it. Try again in a minute.');
    expect(err.userMessageIn('ko')).toBe('Slack이 봇의 호출 횟수를 제한하고 있습니다. 1분 뒤에 다시 시도하세요.');
    expect(classifyConsumerFailure('alerts', err).retryable).toBe(true);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.messages('C1')).toHaveLength(0);
    expect(notWaited()).toEqual([expect.objectContaining({ level: 'warn', method: 'chat.postMessage', retryAfterSec: 120 })]);
  });

  it('a short Retry-After within the cap and the deadline is waited out, and the call lands', async () => {
    slack.rateLimitNext('chat.postMessage', 1);
    await gateway(() => Date.now() + 60_000).post('C1', { text: 'hello', blocks: [] });
    expect(slack.callsTo('chat.postMessage').map((c) => c.rateLimited === true)).toEqual([true, false]);
    expect(slack.messages('C1')).toHaveLength(1);
    expect(notWaited()).toHaveLength(0);
  });

  it('a Retry-After that would end past the deadline (less the margin) is not waited out', async () => {
    slack.rateLimitNext('views.publish', 2);
    const err = await failure(gateway(() => Date.now() + 6_000).publishHome('U1', { type: 'home', blocks: [] }));
    expect(err.userMessageIn('en')).toBe('Slack is limiting how often the bot may call it. Try again in a minute.');
    expect(slack.callsTo('views.publish')).toHaveLength(1);
    expect(notWaited()).toEqual([expect.objectContaining({ method: 'views.publish', retryAfterSec: 2 })]);
  });

  it("the runtime's deadline is the work's budget: a 429 inside a short budget fails at once, outside any budget it is waited out", async () => {
    const gw = gateway(workDeadline);
    slack.rateLimitNext('chat.update', 2);
    const err = await failure(withBudget(4_000, () => gw.update('C1', '1.1', { text: 'x', blocks: [] })));
    expect(isBotError(err)).toBe(true);
    expect(slack.callsTo('chat.update')).toHaveLength(1);

    slack.reset();
    const posted = await gw.post('C1', { text: 'first', blocks: [] });
    slack.rateLimitNext('chat.update', 1);
    await gw.update('C1', posted.ts, { text: 'second', blocks: [] });
    expect(slack.callsTo('chat.update').map((c) => c.rateLimited === true)).toEqual([true, false]);
  });

  /** The first call's 429 as Slack recorded it, once the client has read it and paused its scope (it logs that). */
  const paused = async (method: string) => {
    const waiting = () => lines.some((l) => String(l.msg).startsWith('slack 429: waiting out') && l.method === method);
    while (!waiting()) await new Promise((r) => setTimeout(r, 5));
    return slack.callsTo(method).find((c) => c.rateLimited === true)!;
  };

  it("a Retry-After holds back the process's other calls in its scope: chat.postMessage in the same channel waits, another channel does not", async () => {
    const gw = gateway();
    slack.rateLimitNext('chat.postMessage', 2);
    const first = gw.post('C1', { text: 'first', blocks: [] });
    const refused = await paused('chat.postMessage');
    const [sameChannel, otherChannel] = [gw.post('C1', { text: 'second', blocks: [] }), gw.post('C2', { text: 'elsewhere', blocks: [] })];
    await Promise.all([first, sameChannel, otherChannel]);
    const landed = (channel: string, text: string) =>
      slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && c.body.text === text && !c.rateLimited);
    // Never sent while the channel was paused (before, it went at once and met Slack's limit):
    expect(landed('C1', 'second')[0]!.at).toBeGreaterThanOrEqual(refused.at + 2_000);
    // Another channel is not paused by it: sent before the first call's own retry.
    expect(landed('C2', 'elsewhere')[0]!.at).toBeLessThan(landed('C1', 'first')[0]!.at);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(1);
    expect(slack.messages('C1').map((m) => m.text)).toEqual(expect.arrayContaining(['first', 'second']));
  });

  it("other methods are paused per method: a chat.update in another channel waits for the first one's Retry-After", async () => {
    const gw = gateway();
    const a = await gw.post('C1', { text: 'a', blocks: [] });
    const b = await gw.post('C2', { text: 'b', blocks: [] });
    slack.rateLimitNext('chat.update', 1);
    const first = gw.update('C1', a.ts, { text: 'a2', blocks: [] });
    const refused = await paused('chat.update');
    await Promise.all([first, gw.update('C2', b.ts, { text: 'b2', blocks: [] })]);
    const other = slack.callsTo('chat.update').find((c) => c.body.channel === 'C2')!;
    expect(other.rateLimited).not.toBe(true);
    expect(other.at).toBeGreaterThanOrEqual(refused.at + 1_000);
  });

  it("a call that cannot wait out the pause within the work's deadline is made at once and meets Slack's answer", async () => {
    let end = Infinity;
    const gw = gateway(() => end);
    slack.rateLimitNext('views.publish', 3, 2);
    const first = gw.publishHome('U1', { type: 'home', blocks: [] });
    const refused = await paused('views.publish');
    end = Date.now() + 6_000; // the pause (~3 s) and the margin (5 s) do not fit
    const err = await failure(gw.publishHome('U2', { type: 'home', blocks: [] }));
    expect(err.userMessageIn('en')).toBe('Slack is limiting how often the bot may call it. Try again in a minute.');
    const second = slack.callsTo('views.publish')[1]!;
    expect(second.rateLimited).toBe(true);
    expect(second.at).toBeLessThan(refused.at + 3_000);
    end = Infinity;
    await first; // waits for the second call's pause too, then lands
    expect(slack.callsTo('views.publish').map((c) => c.rateLimited === true)).toEqual([true, true, false]);
  });
});
