/**
 * Pieces of session 18's alert gaps against the real Redis: the message of an incident just replaced
 * is still found for a note on its way (signal-4.lua `prev`, backlog.ts incidentOfMessage), and a keyed
 * reply is kept whole within the backlog line's bound (keptReply, parseLine).
 */
import type { RedisClient } from '../../src/redis/client';
import { ALERT_BACKLOG_LINE_MAX_BYTES } from '../../src/redis/bounds';
import { incidentOfMessage, keptReply, keyedLine, parseLine } from '../../src/alerts/backlog';
import { recordSignal } from '../../src/alerts/signals';
import { finishRender } from '../../src/alerts/store';
import { section } from '../../src/slack/blocks';
import { useFlushedRedis } from '../helpers/redis';

const svc = { alias: 'web', environment: 'prod' };
const T = 1_772_445_600_000;

let redis: RedisClient;
useFlushedRedis((client) => (redis = client));

/** A new incident of web (its message `ts` in CALERTS) at `now`, 2 minutes after the last (the window is 1). */
async function posted(k: number, now: number): Promise<number> {
  const r = await recordSignal(redis, svc, {
    kind: 'task',
    seenId: `task:${k}`,
    reasonKey: 'exit:1',
    reasonLabel: 'exit code 1',
    now,
    windowMs: 60_000,
  });
  if (r.status !== 'ok') throw new Error('not recorded');
  await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: `1.${k}`, channel: 'CALERTS', now });
  return r.gen;
}

it('the incident of an alert message: the current one, the one it just replaced, none older', async () => {
  const g1 = await posted(1, T);
  expect(await incidentOfMessage(redis, svc, { channel: 'CALERTS', ts: '1.1' })).toEqual({ gen: g1, replaced: false });
  const g2 = await posted(2, T + 120_000);
  expect(await incidentOfMessage(redis, svc, { channel: 'CALERTS', ts: '1.2' })).toEqual({ gen: g2, replaced: false });
  // Before: a message whose incident was replaced had no incident (a note about it was tried once, then only logged).
  expect(await incidentOfMessage(redis, svc, { channel: 'CALERTS', ts: '1.1' })).toEqual({ gen: g1, replaced: true });
  expect(await incidentOfMessage(redis, svc, { channel: 'COTHER', ts: '1.1' })).toBeUndefined();
  await posted(3, T + 240_000);
  expect(await incidentOfMessage(redis, svc, { channel: 'CALERTS', ts: '1.1' })).toBeUndefined();
  expect(await incidentOfMessage(redis, svc, { channel: 'CALERTS', ts: '1.2' })).toEqual({ gen: g2, replaced: true });
});

describe('a keyed reply kept whole', () => {
  const reply = (...texts: string[]) => ({ text: 'New failure reason: OOM', blocks: texts.map((t) => section(t)) });

  it('comes back as the same message: its text and each section', () => {
    const msg = reply('*New failure reason:* OOM', '*Logs*: ```a\nb```');
    const l = parseLine(keyedLine('alert:1.1:r:oom', keptReply(msg), 5));
    expect(l).toEqual({
      key: 'alert:1.1:r:oom',
      at: 5,
      text: '*New failure reason:* OOM\n*Logs*: ```a\nb```',
      reply: { text: msg.text, sections: ['*New failure reason:* OOM', '*Logs*: ```a\nb```'] },
    });
  });

  it('within the line’s bound: the last section (its log lines) cut, its fence closed', () => {
    const head = '*New failure reason:* OOM ' + 'é'.repeat(400);
    const msg = reply(head, '*Logs*: ```' + 'x\n'.repeat(3000) + '```');
    const kept = keptReply(msg);
    expect(Buffer.byteLength(kept, 'utf8')).toBeLessThanOrEqual(ALERT_BACKLOG_LINE_MAX_BYTES);
    const l = parseLine(keyedLine('k', kept, 0));
    expect(l.reply!.sections).toHaveLength(2);
    expect(l.reply!.sections[0]).toBe(head);
    expect((l.reply!.sections[1]!.match(/```/g) ?? []).length % 2).toBe(0);
  });

  it('anything but plain sections is kept as one line, as before', () => {
    const msg = { text: 't', blocks: [section('a'), { type: 'divider' as const }] };
    expect(parseLine(keyedLine('k', keptReply(msg), 0))).toEqual({ key: 'k', at: 0, text: 'a' });
  });
});
