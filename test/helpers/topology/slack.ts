/** Reading what the bot posted on the local Slack server, for the topology tests. */
import type { SlackBody, SlackServer, StoredMessage } from '../slack-server';
import type { Topology } from './index';

/** All text of a message (fallback text and blocks). */
export function textOf(m: StoredMessage | SlackBody | undefined): string {
  if (!m) return '';
  return `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
}

/** The newest request message (`Request \`<id>\``) in a channel. */
export function requestIn(slack: SlackServer, channel: string): { id: string; ts: string; message: StoredMessage } {
  const msgs = slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i]!;
    const id = /Request `([a-z0-9_.-]+)`/.exec(textOf(m))?.[1];
    if (id) return { id, ts: m.ts, message: m };
  }
  throw new Error(`no request message in ${channel}; messages: ${msgs.map((m) => m.text).join(' | ')}`);
}

/** Replies in a thread, oldest first. */
export function threadOf(slack: SlackServer, channel: string, ts: string): StoredMessage[] {
  return slack.messages(channel).filter((m) => m.thread_ts === ts && m.ts !== ts);
}

/** Everything posted to response URLs since `from` (an index into responses()), joined. */
export function responsesText(slack: SlackServer, from = 0): string {
  return slack
    .responses()
    .slice(from)
    .map((b) => textOf(b))
    .join('\n');
}

/**
 * Runs a slash command as `user` in `channel`, expects it acked (200) and lets the work it started
 * finish: the ack's text and every response after it, joined.
 */
export async function commandAnswer(t: Topology, text: string, channel = 'CPROD', user = 'UDEV1'): Promise<string> {
  const from = t.slack.responses().length;
  const ack = await t.slash(text, { channel_id: channel, user_id: user });
  expect(ack.status).toBe(200);
  await t.settle();
  return `${ack.text}\n${responsesText(t.slack, from)}`;
}
