/**
 * The thread-reply backlog's scripts against the real Redis (src/alerts/backlog.ts): sections per
 * incident, the claim a scheduled check takes and settles, a mute, and a hash written before sections.
 */
import type { RedisClient } from '../../src/redis/client';
import { keys } from '../../src/redis/keys';
import { ALERT_BACKLOG_INCIDENTS, ALERT_BACKLOG_TTL_SECONDS } from '../../src/redis/bounds';
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
    await addToBacklog(redis, svc, thread(1), ['one']);
    await addToBacklog(redis, svc, thread(2), ['two']);
    expect(await addToBacklog(redis, svc, thread(3), ['three'])).toEqual({ n: 1, kept: 1, dropped: { gen: 1, n: 1 } });
    // An older incident's line with no room left: refused, nothing changed.
    expect((await addToBacklog(redis, svc, thread(1), ['late'])).n).toBe(-1);
    expect(await takeBacklog(redis, svc, T, 'a')).toMatchObject({ status: 'ok', gen: 2, ts: '2.0', lines: ['two'] });
    expect(await settleBacklog(redis, svc, 'a', 'posted')).toBe(true);
    expect(await takeBacklog(redis, svc, T, 'b')).toMatchObject({ status: 'ok', gen: 3, ts: '3.0', lines: ['three'] });
    expect(await settleBacklog(redis, svc, 'b', 'posted')).toBe(true);
    expect(await takeBacklog(redis, svc, T, 'c')).toEqual({ status: 'none' });
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
