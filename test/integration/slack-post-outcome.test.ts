/**
 * What a failed post says about whether it landed, on the SDK's real errors (a WebClient against the
 * local Slack server, and a port nobody listens on): mayHaveLanded (src/slack/failures.ts: a later
 * attempt looks for the post first) and resendable (src/slack/patient.run.ts: the worker's client
 * sends a post again at once). Only a post that was sent and got no answer may have landed; the
 * worker sends one again only when Slack answered an HTTP error or no connection was made.
 * And the local Slack's side of the look for a post: message metadata on chat.postMessage, read
 * back by conversations.replies / history with include_all_metadata, by pages.
 */
import net from 'node:net';
import { WebAPIRequestError, WebClient } from '@slack/web-api';
import { mayHaveLanded, neverReachedSlack } from '../../src/slack/failures';
import { resendable } from '../../src/slack/patient.run';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';

let slack: SlackServer;
beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(async () => {
  slack.releaseStalls();
  await slack.close();
});
beforeEach(() => slack.reset());

/** The error of one chat.postMessage (no SDK retry, a 200 ms timeout). */
async function postError(): Promise<unknown> {
  const client = new WebClient('xoxb-test', {
    slackApiUrl: slack.apiUrl,
    timeout: 200,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  return client.chat.postMessage({ channel: 'C1', text: 'hello' }).then(
    () => {
      throw new Error('the post went through');
    },
    (err: unknown) => err,
  );
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('a failed post', () => {
  it('sent and not answered in time: may have landed; not sent again at once', async () => {
    slack.stallNext('chat.postMessage', Infinity);
    const err = await postError();
    expect(mayHaveLanded(err)).toBe(true);
    expect(resendable(err)).toBe(false);
  });

  it('Slack answered an error code: did not land; a retry would say the same', async () => {
    slack.failNext('chat.postMessage', 'not_in_channel');
    const err = await postError();
    expect(mayHaveLanded(err)).toBe(false);
    expect(resendable(err)).toBe(false);
  });

  it('Slack answered HTTP 503: did not land; sent again', async () => {
    slack.setDown(true);
    try {
      const err = await postError();
      expect(mayHaveLanded(err)).toBe(false);
      expect(resendable(err)).toBe(true);
    } finally {
      slack.setDown(false);
    }
  });

  it('Slack answered 429: did not land (the 429 wait, not a re-send, handles it)', async () => {
    slack.rateLimitNext('chat.postMessage', 1);
    const err = await postError();
    expect(mayHaveLanded(err)).toBe(false);
    expect(resendable(err)).toBe(false);
  });

  it('no connection was made: nothing was sent; sent again', async () => {
    // The SDK's error for it (WebAPIRequestError around fetch's "fetch failed", whose cause is the
    // ECONNREFUSED). Built here around fetch's real failure: under jest the SDK's own `instanceof
    // Error` check fails across realms and it keeps only the text (in a Lambda it keeps the error).
    const failure = await fetch(`http://127.0.0.1:${await closedPort()}/api/chat.postMessage`, { method: 'POST' }).then(
      () => new Error('a connection was made'),
      (e: Error) => e,
    );
    const err = new WebAPIRequestError(failure);
    expect(neverReachedSlack(err)).toBe(true);
    expect(mayHaveLanded(err)).toBe(false);
    expect(resendable(err)).toBe(true);
  });
});

describe('the local Slack: message metadata read back as Slack does', () => {
  const client = () => new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const meta = (key: string) => ({ event_type: 'ecs_chatops_post', event_payload: { key } });

  it('metadata only with include_all_metadata; a thread oldest first and a channel newest first, by pages', async () => {
    const web = client();
    const parent = await web.chat.postMessage({ channel: 'C1', text: 'card', metadata: meta('r:card') });
    for (const n of [1, 2, 3])
      await web.chat.postMessage({ channel: 'C1', text: `reply ${n}`, thread_ts: parent.ts!, metadata: meta(`r:${n}`) });
    await web.chat.postMessage({ channel: 'C1', text: 'other' });

    const bare = await web.conversations.replies({ channel: 'C1', ts: parent.ts! });
    expect(bare.messages?.map((m) => m.text)).toEqual(['card', 'reply 1', 'reply 2', 'reply 3']);
    expect(bare.messages?.some((m) => m.metadata)).toBe(false);

    const first = await web.conversations.replies({ channel: 'C1', ts: parent.ts!, include_all_metadata: true, limit: 3 });
    expect(first.messages?.map((m) => m.metadata?.event_payload)).toEqual([{ key: 'r:card' }, { key: 'r:1' }, { key: 'r:2' }]);
    expect(first.has_more).toBe(true);
    const next = await web.conversations.replies({
      channel: 'C1',
      ts: parent.ts!,
      include_all_metadata: true,
      limit: 3,
      cursor: first.response_metadata!.next_cursor!,
    });
    expect(next.messages?.map((m) => m.text)).toEqual(['reply 3']);
    expect(next.has_more).toBe(false);

    const history = await web.conversations.history({ channel: 'C1', include_all_metadata: true, limit: 1 });
    expect(history.messages?.map((m) => m.text)).toEqual(['other']);
    expect(history.has_more).toBe(true);
    const older = await web.conversations.history({ channel: 'C1', oldest: parent.ts!, inclusive: true });
    expect(older.messages?.map((m) => m.text)).toEqual(['other', 'card']);
  });

  it('metadata without an event_type or an event_payload is refused', async () => {
    await expect(client().chat.postMessage({ channel: 'C1', text: 'x', metadata: { event_type: 'x' } as never })).rejects.toMatchObject({
      data: { error: 'invalid_metadata_format' },
    });
  });
});
