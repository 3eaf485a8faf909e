/**
 * The thread-reply backlog's scripts against the real Redis (src/alerts/backlog.ts): sections per
 * incident, the claim a scheduled check takes and settles, a mute, and a hash written before sections.
 */
import type { RedisClient } from '../../src/redis/client';
import { keys } from '../../src/redis/keys';
import { ALERT_BACKLOG_INCIDENTS, ALERT_BACKLOG_LOST_TTL_SECONDS, ALERT_BACKLOG_TTL_SECONDS } from '../../src/redis/bounds';
import { addToBacklog, BACKLOG_CLAIM_MS, settleBacklog, takeBacklog } from '../../src/alerts/backlog';
import { applyMute } from '../../src/alerts/store';
import { useFlushedRedis } from '../helpers/redis';

const svc = { alias: 'web', environment: 'prod' };
const T = 1_772_445_600_000;
const thread = (gen: number) => ({ gen, channel: 'CALERTS', ts: `${gen}.0` });

let redis: RedisClient;
useFlushedRedis((client) => (redis = client));

describe('alert backlog', () => {
  it('keeps each incident’s lines for its own thread; past the incidents it keeps, the oldest make room', async () => {
    expect(ALERT_BACKLOG_INCIDENTS).toBe(2);
    await addToBacklog(redis, svc, thread(1), ['one'], 1, T);
    await addToBacklog(redis, svc, thread(2), ['two'], 1, T);
    expect(await addToBacklog(redis, svc, thread(3), ['three'], 1, T + 1)).toEqual({ n: 1, kept: 1, dropped: { gen: 1, n: 1 } });
    // An older incident's line with no room left: refused, only counted.
    expect((await addToBacklog(redis, svc, thread(1), ['late'], 1, T + 2)).n).toBe(-1);
    expect(await takeBacklog(redis, svc, T, 'a')).toMatchObject({ status: 'ok', gen: 2, ts: '2.0', lines: ['two'] });
    expect(await settleBacklog(redis, svc, 'a', 'posted')).toBe(true);
    expect(await takeBacklog(redis, svc, T, 'b')).toMatchObject({ status: 'ok', gen: 3, ts: '3.0', lines: ['three'] });
    expect(await settleBacklog(redis, svc, 'b', 'posted')).toBe(true);
    // What made room, and what found none, is told as a count in the thread it belonged to.
    expect(await takeBacklog(redis, svc, T + 3, 'c')).toEqual({
      status: 'lost',
      gen: 1,
      channel: 'CALERTS',
      ts: '1.0',
      n: 2,
      from: T + 1,
      to: T + 2,
      // When it was first counted: with the thread, its reply's key (src/alerts/backlog.ts replyKey).
      since: T + 1,
      takenOver: false,
      token: 'c',
    });
    expect(await settleBacklog(redis, svc, 'c', 'posted')).toBe(true);
    expect(await takeBacklog(redis, svc, T + 4, 'd')).toEqual({ status: 'none' });
    expect(await redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
  });

  it('a claim in time is left alone; given back or past its time it is taken again, with its incident’s newer lines after it', async () => {
    await addToBacklog(redis, svc, thread(1), ['a1', 'a2']);
    expect(await takeBacklog(redis, svc, T, 'first')).toMatchObject({ status: 'ok', lines: ['a1', 'a2'], takenOver: false });
    await addToBacklog(redis, svc, thread(1), ['a3']);
    expect(await takeBacklog(redis, svc, T + BACKLOG_CLAIM_MS - 1, 'second')).toEqual({ status: 'busy' });
    // The first check is presumed dead: taken over, its lines first.
    const over = await takeBacklog(redis, svc, T + BACKLOG_CLAIM_MS, 'second');
    expect(over).toMatchObject({ status: 'ok', n: 3, lines: ['a1', 'a2', 'a3'], takenOver: true });
    // The dead check's settle no longer counts.
    expect(await settleBacklog(redis, svc, 'first', 'posted')).toBe(false);
    expect(await settleBacklog(redis, svc, 'second', 'back')).toBe(true);
    expect(await takeBacklog(redis, svc, T + BACKLOG_CLAIM_MS, 'third')).toMatchObject({ status: 'ok', n: 3, takenOver: false });
    expect(await settleBacklog(redis, svc, 'third', 'posted')).toBe(true);
    expect(await redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
  });

  it('muted: everything waiting is dropped, and a claim once its check is presumed dead (a claim in time is left to its check)', async () => {
    await addToBacklog(redis, svc, thread(1), ['a1']);
    expect(await takeBacklog(redis, svc, T, 'held')).toMatchObject({ status: 'ok', gen: 1 });
    await addToBacklog(redis, svc, thread(2), ['b1', 'b2']);
    expect((await applyMute(redis, svc, { by: 'U1', now: T, until: T + 3_600_000, maxMs: 3_600_000, approver: false })).status).toBe('ok');
    expect(await takeBacklog(redis, svc, T, 'x')).toEqual({ status: 'busy' });
    expect(await takeBacklog(redis, svc, T + BACKLOG_CLAIM_MS, 'x')).toEqual({ status: 'muted', n: 3 });
    expect(await redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
    expect(await settleBacklog(redis, svc, 'held', 'posted')).toBe(false);
  });

  it('a hash written before sections (one incident at the top level) is read as that incident’s section', async () => {
    const key = keys.alertBacklog('prod', 'web');
    await redis.hset(key, { gen: '4', channel: 'CALERTS', ts: '4.0', n: '5', k: '2', l1: 'old1', l2: 'old2' });
    await addToBacklog(redis, svc, thread(4), ['new']);
    expect(await takeBacklog(redis, svc, T, 'u')).toMatchObject({ status: 'ok', gen: 4, ts: '4.0', n: 6, lines: ['old1', 'old2', 'new'] });
    expect(await redis.hget(key, 'gen')).toBeNull();
  });

  describe('a claim given back while Slack keeps refusing (every check takes it again)', () => {
    const MIN = 60_000;
    const WAIT_MAX = ALERT_BACKLOG_TTL_SECONDS * 1000;
    const LOST_MAX = ALERT_BACKLOG_LOST_TTL_SECONDS * 1000;
    const HOUR = 60 * MIN;
    const key = keys.alertBacklog('prod', 'web');

    it('taking it again does not renew its expiry, and an hour after its first take it is dropped, not taken', async () => {
      await addToBacklog(redis, svc, thread(1), ['a1']);
      expect(await takeBacklog(redis, svc, T, 'c0')).toMatchObject({ status: 'ok', gen: 1, lines: ['a1'] });
      expect(await settleBacklog(redis, svc, 'c0', 'back')).toBe(true);
      // What is left of the expiry the first take set, made short enough that a renewal would show.
      await redis.pexpire(key, 10 * MIN);
      for (let m = 1; m * MIN < WAIT_MAX; m++) {
        expect(await takeBacklog(redis, svc, T + m * MIN, `c${m}`)).toMatchObject({ status: 'ok', gen: 1, lines: ['a1'] });
        expect(await settleBacklog(redis, svc, `c${m}`, 'back')).toBe(true);
      }
      expect(await redis.pttl(key)).toBeLessThanOrEqual(10 * MIN);
      expect(await takeBacklog(redis, svc, T + WAIT_MAX, 'late')).toEqual({ status: 'expired', n: 1 });
      // Its line is dropped; what is left is the summary (counts, no lines), kept a day from its first count.
      expect(await redis.hkeys(key)).toEqual(expect.not.arrayContaining(['c.l1', 'g1.l1']));
      expect(await redis.pttl(key)).toBeGreaterThan(LOST_MAX - MIN);
    });

    it('the summary of what could not be posted: given back while Slack refuses, retried for a day from its first count, then dropped', async () => {
      await addToBacklog(redis, svc, thread(1), ['a1'], 1, T);
      expect(await takeBacklog(redis, svc, T, 'c0')).toMatchObject({ status: 'ok' });
      await settleBacklog(redis, svc, 'c0', 'back');
      const dropAt = T + WAIT_MAX;
      expect(await takeBacklog(redis, svc, dropAt, 'e')).toEqual({ status: 'expired', n: 1 });
      // Newer trouble meanwhile: another incident's lines go first, then the summary with what was counted since.
      await addToBacklog(redis, svc, thread(2), ['b1'], 1, dropAt + MIN);
      expect(await takeBacklog(redis, svc, dropAt + MIN, 's0')).toMatchObject({ status: 'ok', gen: 2 });
      await settleBacklog(redis, svc, 's0', 'posted');
      const first = await takeBacklog(redis, svc, dropAt + MIN, 's1');
      expect(first).toMatchObject({ status: 'lost', gen: 1, ts: '1.0', n: 1, from: T, to: dropAt });
      expect(await takeBacklog(redis, svc, dropAt + MIN + 1, 'x')).toEqual({ status: 'busy' });
      await settleBacklog(redis, svc, 's1', 'back');
      // Each check takes it again (Slack still refusing) until a day after its first count ...
      for (let h = 1; h * HOUR < LOST_MAX; h += 5) {
        expect(await takeBacklog(redis, svc, dropAt + h * HOUR, `s${h}`)).toMatchObject({ status: 'lost', n: 1, from: T });
        expect(await settleBacklog(redis, svc, `s${h}`, 'back')).toBe(true);
      }
      // ... then it is dropped (the caller logs it as an error), and the hash with it.
      expect(await takeBacklog(redis, svc, dropAt + LOST_MAX, 'late')).toEqual({ status: 'gone', n: 1 });
      expect(await redis.exists(key)).toBe(0);
    });

    it('another incident’s lines renewing the hash do not keep it: it is dropped an hour after its first take, and theirs are taken then', async () => {
      await addToBacklog(redis, svc, thread(1), ['a1']);
      expect(await takeBacklog(redis, svc, T, 'c0')).toMatchObject({ status: 'ok', gen: 1 });
      expect(await settleBacklog(redis, svc, 'c0', 'back')).toBe(true);
      for (let m = 1; m * MIN < WAIT_MAX; m++) {
        await addToBacklog(redis, svc, thread(2), [`b${m}`]);
        expect(await takeBacklog(redis, svc, T + m * MIN, `c${m}`)).toMatchObject({ status: 'ok', gen: 1 });
        expect(await settleBacklog(redis, svc, `c${m}`, 'back')).toBe(true);
      }
      expect(await takeBacklog(redis, svc, T + WAIT_MAX, 'late')).toEqual({ status: 'expired', n: 1 });
      const next = await takeBacklog(redis, svc, T + WAIT_MAX, 'next');
      expect(next).toMatchObject({ status: 'ok', gen: 2, n: 59, takenOver: false });
      expect(next.status === 'ok' && next.lines[0]).toBe('b1');
      // Its own time starts at this first take.
      expect(await settleBacklog(redis, svc, 'next', 'back')).toBe(true);
      expect(await takeBacklog(redis, svc, T + 2 * WAIT_MAX - 1, 'again')).toMatchObject({ status: 'ok', gen: 2 });
    });
  });
});
