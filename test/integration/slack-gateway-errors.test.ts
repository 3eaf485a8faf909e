/**
 * What a person is told when a Slack Web API call fails (src/slack/gateway.ts): Slack's own error
 * code when Slack answered one, otherwise what happened in plain words (no answer in time, an HTTP
 * error, rate limiting), never the SDK's error text. The gateway talks to the local Slack API over
 * real HTTP with the single-attempt client the Slack function uses inside its ack.
 */
import { refusalOf } from '../helpers/refusal';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { createSlackGateway } from '../../src/slack/gateway';
import { createLogger, setLogSink } from '../../src/log';

describe('a failed Slack call becomes a plain answer', () => {
  let slack: SlackServer;
  let restore: ReturnType<typeof setLogSink>;
  const release: Array<() => void> = [];

  beforeAll(async () => {
    slack = await startSlackServer();
    restore = setLogSink(() => undefined);
  });
  afterEach(() => {
    for (const r of release.splice(0)) r();
  });
  afterAll(async () => {
    setLogSink(restore);
    await slack.close();
  });

  const gateway = () => createSlackGateway('xoxb-test-token', createLogger(), { SLACK_API_URL: slack.apiUrl }, true);
  const failure = refusalOf;
  const post = () => gateway().post('C1', { text: 'hello', blocks: [] });

  it("Slack's own error code is named, with its hint", async () => {
    slack.failNext('chat.postMessage', 'not_in_channel');
    const err = await failure(post());
    expect(err.userMessageIn('en')).toBe('Slack refused the message (not_in_channel).');
    expect(err.hintIn('en')).toContain('/invite');
  });

  it('no answer in time: said plainly in both languages, without the SDK text', async () => {
    slack.handle('chat.postMessage', () => new Promise((resolve) => release.push(() => resolve({ ok: true, ts: '1.1' }))));
    const err = await failure(post());
    expect(err.message).toMatch(/Slack API error: .*(timeout|aborted)/i);
    expect(err.userMessageIn('en')).toBe(
      'Slack did not answer in time (it may be slow or out of reach), so this may not have gone through. Try again in a moment.',
    );
    expect(err.userMessageIn('ko')).toContain('Slack이 제때 응답하지 않아');
    expect(err.userMessageIn('en')).not.toMatch(/timeout|abort|request error/i);
  });

  it("an HTTP error of Slack's: its status, not the SDK text", async () => {
    slack.setDown(true);
    try {
      const err = await failure(post());
      expect(err.userMessageIn('en')).toBe('Slack answered with an error of its own (HTTP 503). Try again in a moment.');
    } finally {
      slack.setDown(false);
    }
  });

  it('rate limited: try again in a minute', async () => {
    slack.rateLimitNext('chat.postMessage', 30);
    const err = await failure(post());
    expect(err.userMessageIn('en')).toBe('Slack is limiting how often the bot may call it. Try again in a minute.');
  });
});
