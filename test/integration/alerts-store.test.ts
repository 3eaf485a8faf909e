/** The incident scripts against the real Redis: one transition each, atomic under concurrency. */
import type { RedisClient } from '../../src/redis/client';
import { keys } from '../../src/redis/keys';
import { acknowledgeIncident, finishRender, LEASE_MS, readIncident, readMute, applyMute, liftMute } from '../../src/alerts/store';
import {
  attachToIncident,
  claimForFlush,
  clearDown,
  LATE_POST_MAX_MS,
  markDown,
  recordSignal,
  recoverIncident,
  type SignalInput,
} from '../../src/alerts/signals';
import { useFlushedRedis } from '../helpers/redis';

const svc = { alias: 'web', environment: 'prod' };
const T = 1_772_445_600_000;
const WINDOW = 30 * 60_000;
const HOUR = 3_600_000;

let redis: RedisClient;
useFlushedRedis((client) => (redis = client));

let n = 0;
function task(over: Partial<SignalInput> = {}): SignalInput {
  n += 1;
  return {
    kind: 'task',
    seenId: `task:t${n}`,
    reasonKey: 'OutOfMemoryError',
    reasonLabel: 'OutOfMemoryError',
    facts: { taskId: `t${n}` },
    now: T,
    windowMs: WINDOW,
    ...over,
  };
}

describe('keys', () => {
  it('puts every key of a service in one hash slot', () => {
    const tag = (k: string) => /\{([^}]*)\}/.exec(k)?.[1];
    const all = [
      keys.incident('prod', 'web'),
      keys.alertSeen('prod', 'web', 'task:abc'),
      keys.alertMute('prod', 'web'),
      keys.serviceDown('prod', 'web'),
      keys.serviceLock('prod', 'web'),
    ];
    expect(new Set(all.map(tag))).toEqual(new Set(['svc:prod:web']));
  });
});

describe('signal (open or increment)', () => {
  it('opens an incident and gives the opener the lease to post', async () => {
    const r = await recordSignal(redis, svc, task());
    expect(r).toEqual({
      status: 'ok',
      gen: 1,
      count: 1,
      isNew: true,
      newReason: false,
      ts: undefined,
      channel: undefined,
      action: 'post',
      rev: 1,
    });
    const v = await readIncident(redis, svc);
    expect(v).toMatchObject({
      gen: 1,
      state: 'open',
      count: 1,
      firstFailAt: T,
      lastFailAt: T,
      reasons: [{ key: 'OutOfMemoryError', n: 1, kind: 'task' }],
      first: { taskId: expect.any(String) },
    });
  });

  it('counts further failures while someone holds the lease; a task counts once', async () => {
    await recordSignal(redis, svc, task());
    const same = task();
    expect(await recordSignal(redis, svc, same)).toMatchObject({ count: 2, isNew: false, action: 'busy' });
    expect(await recordSignal(redis, svc, { ...same, now: T + 1 })).toEqual({ status: 'dup' });
    expect((await readIncident(redis, svc))?.count).toBe(2);
  });

  it('flags a reason the incident had not seen, once', async () => {
    await recordSignal(redis, svc, task());
    expect(
      await recordSignal(redis, svc, task({ reasonKey: 'CannotPullContainerError', reasonLabel: 'CannotPullContainerError' })),
    ).toMatchObject({ newReason: true });
    expect(
      await recordSignal(redis, svc, task({ reasonKey: 'CannotPullContainerError', reasonLabel: 'CannotPullContainerError' })),
    ).toMatchObject({ newReason: false });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ newReason: false });
  });

  it('keeps the first failure, the span by event time, and the latest other facts', async () => {
    await recordSignal(redis, svc, task({ facts: { taskId: 'first' }, at: T - 5_000 }));
    await recordSignal(redis, svc, task({ facts: { taskId: 'second' }, at: T - 9_000, now: T + 1_000 }));
    await recordSignal(redis, svc, task({ facts: { taskId: 'third' }, at: T + 60_000, now: T + 61_000 }));
    await recordSignal(redis, svc, {
      kind: 'deploy',
      seenId: 'deploy:d1:FAILED',
      reasonKey: 'deploy:d1',
      reasonLabel: 'Deployment d1 failed',
      facts: { deploymentId: 'd1', at: T },
      now: T + 62_000,
      windowMs: WINDOW,
    });
    const v = await readIncident(redis, svc);
    expect(v).toMatchObject({
      count: 3,
      first: { taskId: 'first' },
      firstFailAt: T - 9_000,
      lastFailAt: T + 62_000,
      deploy: { deploymentId: 'd1' },
    });
  });

  it('opens a new incident after the window, or after recovery', async () => {
    await recordSignal(redis, svc, task());
    const later = await recordSignal(redis, svc, task({ now: T + WINDOW + 1 }));
    expect(later).toMatchObject({ gen: 2, isNew: true, count: 1, action: 'post' });
    await recoverIncident(redis, svc, { now: T + WINDOW + 2, quietMs: 0, by: 'x' });
    expect(await recordSignal(redis, svc, task({ now: T + WINDOW + 3 }))).toMatchObject({ gen: 3, isNew: true, count: 1 });
  });

  it('counts a late delivery of a failure in the incident it happened in, not in a new one (the window runs in event time)', async () => {
    await recordSignal(redis, svc, task({ now: T, at: T }));
    // Stopped a minute after the first, delivered just past the window (a retried invocation): the same incident.
    expect(await recordSignal(redis, svc, task({ now: T + WINDOW + 60_000, at: T + 60_000 }))).toMatchObject({
      status: 'ok',
      gen: 1,
      isNew: false,
      count: 2,
    });
    // Quiet past the window, in event time and in delivery time: a new incident.
    expect(await recordSignal(redis, svc, task({ now: T + 2 * WINDOW + 70_000, at: T + 2 * WINDOW + 65_000 }))).toMatchObject({
      gen: 2,
      isNew: true,
    });
  });

  it('does not reopen a recovered incident for a failure that happened before the recovery (delivered out of order)', async () => {
    await recordSignal(redis, svc, task({ now: T, at: T }));
    await recoverIncident(redis, svc, { now: T + 60_000, at: T + 50_000, quietMs: 0, by: 'deployment completed' });
    // A task that stopped before the deployment completed, delivered after it.
    expect(await recordSignal(redis, svc, task({ now: T + 70_000, at: T + 40_000 }))).toEqual({ status: 'stale' });
    expect(await readIncident(redis, svc)).toMatchObject({ state: 'recovered', gen: 1 });
    // One that stopped after the recovery opens a new incident.
    expect(await recordSignal(redis, svc, task({ now: T + 80_000, at: T + 75_000 }))).toMatchObject({ status: 'ok', gen: 2, isNew: true });
  });

  it('keeps one incident while the service is down, however long', async () => {
    await recordSignal(redis, svc, {
      kind: 'down',
      seenId: `down:${T}`,
      reasonKey: 'down',
      reasonLabel: 'service down',
      facts: { since: T, desired: 2, running: 0 },
      now: T,
      windowMs: WINDOW,
    });
    expect(await recordSignal(redis, svc, task({ now: T + 3 * WINDOW }))).toMatchObject({ gen: 1, isNew: false });
  });

  it('does not post while the service is muted, but counts', async () => {
    await applyMute(redis, svc, { by: 'U1', reason: 'load test', now: T, until: T + 60_000, maxMs: HOUR, approver: false });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ action: 'muted', count: 1 });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ action: 'muted', count: 2 });
    // The mute has ended (by the injected clock): the next failure posts.
    expect(await recordSignal(redis, svc, task({ now: T + 60_001 }))).toMatchObject({ action: 'post', count: 3, isNew: false });
  });

  it('lets someone else take over a lease that was not handed back in time', async () => {
    await recordSignal(redis, svc, task());
    expect(await recordSignal(redis, svc, task({ now: T + LEASE_MS - 1 }))).toMatchObject({ action: 'busy' });
    expect(await recordSignal(redis, svc, task({ now: T + LEASE_MS }))).toMatchObject({ action: 'post' });
  });

  it('gives the lease to exactly one of 200 concurrent failures and counts them all', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => recordSignal(redis, svc, task())));
    const actions = results.map((r) => (r.status === 'ok' ? r.action : r.status));
    expect(actions.filter((a) => a === 'post')).toHaveLength(1);
    expect(actions.filter((a) => a === 'busy')).toHaveLength(199);
    expect((await readIncident(redis, svc))?.count).toBe(200);
  });
});

describe('finish (hand the lease back)', () => {
  it('records the message and releases when nothing changed meanwhile', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    expect(await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: '1.1', channel: 'C1', now: T })).toEqual({
      status: 'done',
    });
    expect(await readIncident(redis, svc)).toMatchObject({ ts: '1.1', channel: 'C1', shown: r.rev });
    // The next failure finds the message and takes the lease to update it.
    expect(await recordSignal(redis, svc, task())).toMatchObject({ action: 'update', ts: '1.1', channel: 'C1' });
  });

  it('keeps the lease and asks for another render when the incident changed meanwhile', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    await recordSignal(redis, svc, task());
    expect(await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: '1.1', channel: 'C1', now: T })).toEqual({
      status: 'again',
    });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ action: 'busy' });
  });

  it('releases on failure, ignores a replaced incident, and refuses a second message', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    expect(await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'failed', now: T })).toEqual({ status: 'released' });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ action: 'post' });
    expect(await finishRender(redis, svc, { gen: r.gen + 5, rev: 1, mode: 'ok', ts: '9.9', channel: 'C1', now: T })).toEqual({
      status: 'gone',
    });
    await finishRender(redis, svc, { gen: r.gen, rev: 0, mode: 'ok', ts: '1.1', channel: 'C1', now: T });
    expect(await finishRender(redis, svc, { gen: r.gen, rev: 0, mode: 'ok', ts: '2.2', channel: 'C1', now: T })).toEqual({
      status: 'duplicate',
      ts: '1.1',
    });
  });

  it('attaches facts to the right generation only', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    expect(await attachToIncident(redis, svc, r.gen, { logs: { region: 'eu-west-1', lines: ['x'] } })).toBe(true);
    expect((await readIncident(redis, svc))?.logs).toEqual({ region: 'eu-west-1', lines: ['x'] });
    expect(await attachToIncident(redis, svc, r.gen + 1, { logs: {} })).toBe(false);
  });
});

describe('recover', () => {
  async function posted(): Promise<number> {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: '1.1', channel: 'C1', now: T });
    return r.gen;
  }

  it('closes the open incident once and takes the lease to update the header', async () => {
    await posted();
    expect(
      await recoverIncident(redis, svc, { now: T + 10, quietMs: 0, by: 'deployment d completed', seenId: 'deploy:d:COMPLETED' }),
    ).toEqual({ status: 'ok', gen: 1, ts: '1.1', channel: 'C1', action: 'update' });
    expect(await readIncident(redis, svc)).toMatchObject({
      state: 'recovered',
      recoveredAt: T + 10,
      recoveredBy: 'deployment d completed',
    });
    expect(await recoverIncident(redis, svc, { now: T + 11, quietMs: 0, by: 'again', seenId: 'deploy:d:COMPLETED' })).toEqual({
      status: 'dup',
    });
    expect(await recoverIncident(redis, svc, { now: T + 11, quietMs: 0, by: 'again' })).toEqual({ status: 'none' });
  });

  it('ignores an event older than the last failure, and waits for the quiet period', async () => {
    await posted();
    expect(await recoverIncident(redis, svc, { now: T + 10, at: T - 1, quietMs: 0, by: 'late event' })).toEqual({ status: 'stale' });
    expect(await recoverIncident(redis, svc, { now: T + 60_000, quietMs: 5 * 60_000, by: 'running = desired' })).toEqual({
      status: 'not-quiet',
    });
    expect(await recoverIncident(redis, svc, { now: T + 5 * 60_000, quietMs: 5 * 60_000, by: 'running = desired' })).toMatchObject({
      status: 'ok',
    });
  });

  it('closes an incident that never reached Slack without asking to post it; the scheduled check posts it once, as it ended', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    // Slack refused the first post: the lease is handed back, nothing was shown.
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'failed', now: T });
    expect(await recoverIncident(redis, svc, { now: T + 1, quietMs: 0, by: 'x' })).toMatchObject({ status: 'ok', action: 'unposted' });
    expect(await claimForFlush(redis, svc, T + 60_000, WINDOW)).toEqual({ status: 'post', gen: r.gen });
    expect(await readIncident(redis, svc)).toMatchObject({ state: 'recovered' });
    await finishRender(redis, svc, {
      gen: r.gen,
      rev: (await readIncident(redis, svc))!.rev,
      mode: 'ok',
      ts: '1.1',
      channel: 'C1',
      now: T + 60_000,
    });
    expect(await claimForFlush(redis, svc, T + 120_000, WINDOW)).toEqual({ status: 'none' });
  });

  it('does not post an incident counted only while muted once it is over, nor one whose last signal is more than a day old', async () => {
    await applyMute(redis, svc, { by: 'U1', now: T, until: T + 60_000, maxMs: HOUR, approver: false });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ status: 'ok', action: 'muted' });
    expect(await recoverIncident(redis, svc, { now: T + 1, quietMs: 0, by: 'x' })).toMatchObject({ status: 'ok', action: 'unposted' });
    expect(await claimForFlush(redis, svc, T + 2 * 60_000, WINDOW)).toEqual({ status: 'none' });

    const late = await recordSignal(redis, svc, task({ now: T + HOUR, at: T + HOUR }));
    if (late.status !== 'ok') throw new Error('no');
    await finishRender(redis, svc, { gen: late.gen, rev: late.rev, mode: 'failed', now: T + HOUR });
    await recoverIncident(redis, svc, { now: T + HOUR + 1, at: T + HOUR + 1, quietMs: 0, by: 'x' });
    expect(await claimForFlush(redis, svc, T + HOUR + LATE_POST_MAX_MS + 2, WINDOW)).toEqual({ status: 'none' });
  });
});

describe('an incident replaced before it reached Slack (told in the new one as an earlier occurrence)', () => {
  /** A failure at `t` whose post Slack refused (the lease handed back, nothing shown). */
  async function refused(t: number, over: Partial<SignalInput> = {}) {
    const r = await recordSignal(redis, svc, task({ now: t, at: t, ...over }));
    if (r.status !== 'ok') throw new Error('no');
    if (r.action === 'post') await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'failed', now: t });
    return r;
  }

  it('carries what the unposted incident counted, once; a posted or muted-only one is not carried', async () => {
    await refused(T);
    await refused(T + 60_000, { reasonKey: 'exit:1', reasonLabel: 'exit code 1' });
    const r = await recordSignal(redis, svc, task({ now: T + 2 * WINDOW, at: T + 2 * WINDOW }));
    expect(r).toMatchObject({ gen: 2, isNew: true, action: 'post' });
    const v = await readIncident(redis, svc);
    expect(v?.earlier).toEqual([expect.objectContaining({ gen: 1, count: 2, firstFailAt: T, lastFailAt: T + 60_000, state: 'open' })]);
    expect(v?.earlier?.[0]?.reasons.map((x) => `${x.label}×${x.n}`).sort()).toEqual(['OutOfMemoryError×1', 'exit code 1×1']);
    // Posted (gen 2 has a message): the next incident carries nothing.
    if (r.status !== 'ok') throw new Error('no');
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: '2.2', channel: 'C1', now: T + 2 * WINDOW });
    await recordSignal(redis, svc, task({ now: T + 4 * WINDOW, at: T + 4 * WINDOW }));
    expect((await readIncident(redis, svc))?.earlier).toBeUndefined();
  });

  it('an incident counted only while muted is not carried, but what it carried is, and the new incident is then owed', async () => {
    await refused(T);
    await applyMute(redis, svc, { by: 'U1', now: T + WINDOW, until: T + 4 * WINDOW, maxMs: 5 * HOUR, approver: true });
    // gen 2, muted only: carries gen 1 (owed before the mute).
    await recordSignal(redis, svc, task({ now: T + 2 * WINDOW, at: T + 2 * WINDOW }));
    // gen 3, muted only too: carries gen 1 still, not gen 2.
    await recordSignal(redis, svc, task({ now: T + 3 * WINDOW + 60_000, at: T + 3 * WINDOW + 60_000 }));
    const v = await readIncident(redis, svc);
    expect(v).toMatchObject({ gen: 3 });
    expect(v?.earlier?.map((e) => e.gen)).toEqual([1]);
    // Over and muted only, but owed: the check after the mute posts it (with gen 1 in it).
    await recoverIncident(redis, svc, { now: T + 3 * WINDOW + 120_000, quietMs: 0, by: 'x' });
    expect(await claimForFlush(redis, svc, T + 4 * WINDOW + 1, WINDOW)).toEqual({ status: 'post', gen: 3 });
  });

  it('keeps the last three, counts the older ones, and nothing older than a day', async () => {
    for (let i = 0; i < 5; i++) await refused(T + i * 2 * WINDOW);
    const v = await readIncident(redis, svc);
    expect(v).toMatchObject({ gen: 5, earlierMore: 1 });
    expect(v?.earlier?.map((e) => e.gen)).toEqual([4, 3, 2]);
    // A day and more later: the one before (gen 5, unposted) is past the late-post bound, its carried ones go with it.
    await refused(T + 8 * WINDOW + LATE_POST_MAX_MS + 1);
    expect((await readIncident(redis, svc))?.earlier?.map((e) => e.gen)).toEqual([4, 3, 2]);
  });

  it('a first post of the replaced incident that went after all (in flight) drops it, and what it showed, from the new one', async () => {
    const r1 = await recordSignal(redis, svc, task({ now: T, at: T }));
    if (r1.status !== 'ok') throw new Error('no');
    // gen 1's holder is posting (a catch-up, say) while a failure opens gen 2.
    const r2 = await recordSignal(redis, svc, task({ now: T + 2 * WINDOW, at: T + 2 * WINDOW }));
    if (r2.status !== 'ok') throw new Error('no');
    expect((await readIncident(redis, svc))?.earlier?.map((e) => e.gen)).toEqual([1]);
    expect(await finishRender(redis, svc, { gen: 1, rev: r1.rev, mode: 'ok', ts: '1.1', channel: 'C1', now: T + 2 * WINDOW })).toEqual({
      status: 'gone',
    });
    const v = await readIncident(redis, svc);
    expect(v?.earlier).toBeUndefined();
    // Changed: a message already showing it is brought up to date.
    expect(v?.rev).toBe(r2.rev + 1);
  });
});

describe('claim (the scheduled safety net)', () => {
  it('posts what was never posted, updates what is behind, leaves the rest', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    expect(await claimForFlush(redis, svc, T + 1, WINDOW)).toEqual({ status: 'busy' });
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'failed', now: T });
    expect(await claimForFlush(redis, svc, T + 1, WINDOW)).toEqual({ status: 'post', gen: 1 });
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: '1.1', channel: 'C1', now: T });
    expect(await claimForFlush(redis, svc, T + 2, WINDOW)).toEqual({ status: 'none' });
    await attachToIncident(redis, svc, r.gen, { botRequest: 'req-1' });
    expect(await claimForFlush(redis, svc, T + 3, WINDOW)).toEqual({ status: 'update', gen: 1 });
  });

  it('does not post while muted; an incident quiet past the window is posted late only when it was counted unmuted', async () => {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('no');
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'failed', now: T });
    await applyMute(redis, svc, { by: 'U1', now: T, until: T + 60_000, maxMs: HOUR, approver: false });
    expect(await claimForFlush(redis, svc, T + 1, WINDOW)).toEqual({ status: 'muted' });
    // Slack refused its post and nobody could post it within the window: told late rather than never.
    expect(await claimForFlush(redis, svc, T + WINDOW + 1, WINDOW)).toEqual({ status: 'post', gen: r.gen });
  });

  it('does not post an open incident quiet past the window that was counted only while muted', async () => {
    await applyMute(redis, svc, { by: 'U1', now: T, until: T + WINDOW, maxMs: HOUR, approver: false });
    expect(await recordSignal(redis, svc, task())).toMatchObject({ status: 'ok', action: 'muted' });
    expect(await claimForFlush(redis, svc, T + WINDOW + 1, WINDOW)).toEqual({ status: 'stale' });
  });
});

describe('mutes and down markers', () => {
  it('records who muted, why and until, and forgets it after', async () => {
    expect(await applyMute(redis, svc, { by: 'U1', reason: 'load test', now: T, until: T + 60_000, maxMs: HOUR, approver: false })).toEqual(
      {
        status: 'ok',
        since: T,
        beyond: false,
      },
    );
    expect(await readMute(redis, svc, T + 1)).toEqual({ by: 'U1', reason: 'load test', since: T, until: T + 60_000 });
    expect(await readMute(redis, svc, T + 60_000)).toBeUndefined();
    expect(await redis.pttl(keys.alertMute('prod', 'web'))).toBeGreaterThan(0);
    expect(await liftMute(redis, svc, T + 1)).toEqual({ by: 'U1', reason: 'load test', since: T, until: T + 60_000 });
    expect(await liftMute(redis, svc, T + 2)).toBeUndefined();
  });

  it('counts the maximum from when the mute in force began; only an approver goes beyond it', async () => {
    const mute = (now: number, until: number, approver = false, by = 'U1') =>
      applyMute(redis, svc, { by, reason: 'r', now, until, maxMs: HOUR, approver });
    expect(await mute(T, T + HOUR)).toMatchObject({ status: 'ok', since: T });
    // Muting again 30 min later for another hour would end 1.5 h after the mute began: refused, nothing written.
    expect(await mute(T + HOUR / 2, T + (3 * HOUR) / 2, false, 'U2')).toEqual({
      status: 'beyond',
      current: { by: 'U1', since: T, until: T + HOUR },
      allowed: T + HOUR,
    });
    expect(await readMute(redis, svc, T + HOUR / 2)).toMatchObject({ by: 'U1', until: T + HOUR });
    // Shorter is fine and keeps when it began; an approver may go beyond.
    expect(await mute(T + HOUR / 2, T + (3 * HOUR) / 4, false, 'U2')).toEqual({ status: 'ok', since: T, beyond: false });
    expect(await mute(T + HOUR / 2, T + 5 * HOUR, true, 'ULEAD')).toEqual({ status: 'ok', since: T, beyond: true });
    expect(await readMute(redis, svc, T + HOUR / 2)).toEqual({ by: 'ULEAD', reason: 'r', since: T, until: T + 5 * HOUR });
  });

  it('concurrent mutes by requesters cannot stretch a mute past the maximum (the check and the write are one script)', async () => {
    // 50 requesters, each muting for the full maximum from a slightly later clock, all at once.
    // Read-then-write let a later one record since=now after an earlier one's check; the script keeps the first since.
    const res = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        applyMute(redis, svc, { by: `U${i}`, now: T + i * 60_000, until: T + i * 60_000 + HOUR, maxMs: HOUR, approver: false }),
      ),
    );
    // The first mute began at T, so no requester may keep the service muted past T + 1 h. (Read-then-write
    // read "no mute" 50 times and then wrote 50 mutes, each with its own since: the last ended at T + 49 min + 1 h.)
    const m = await readMute(redis, svc, T);
    expect(m).toMatchObject({ by: 'U0', since: T, until: T + HOUR });
    expect(res.filter((r) => r.status === 'ok')).toHaveLength(1);
  });

  it('remembers when the service was first seen down', async () => {
    expect(await markDown(redis, svc, T)).toBe(T);
    expect(await markDown(redis, svc, T + 60_000)).toBe(T);
    await clearDown(redis, svc);
    expect(await markDown(redis, svc, T + 120_000)).toBe(T + 120_000);
  });
});

describe("I'm on it (ack-1.lua)", () => {
  async function posted(): Promise<number> {
    const r = await recordSignal(redis, svc, task());
    if (r.status !== 'ok') throw new Error('not recorded');
    await finishRender(redis, svc, { gen: r.gen, rev: r.rev, mode: 'ok', ts: '1.1', channel: 'C1', now: T });
    return r.gen;
  }

  it('records the first of many concurrent clickers only; the others are told who', async () => {
    const gen = await posted();
    const users = Array.from({ length: 20 }, (_, i) => `U${i}`);
    const res = await Promise.all(users.map((u) => acknowledgeIncident(redis, svc, gen, u, T + 1)));
    const ok = res.filter((r) => r.status === 'ok');
    expect(ok).toHaveLength(1);
    const view = (await readIncident(redis, svc))!;
    expect(res.filter((r) => r.status === 'already')).toEqual(
      Array.from({ length: 19 }, () => ({ status: 'already', by: view.ackBy, at: T + 1 })),
    );
    // It bumped rev once, and took the free lease to render.
    expect(view.rev).toBe(2);
    expect(ok[0]).toEqual({ status: 'ok', action: 'update', rev: 2 });
  });

  it('refuses an older generation and a recovered incident; does not take a lease someone holds', async () => {
    const gen = await posted();
    expect(await acknowledgeIncident(redis, svc, gen + 1, 'U1', T)).toEqual({ status: 'gone' });
    await redis.hset(keys.incident('prod', 'web'), 'lease', String(T));
    expect(await acknowledgeIncident(redis, svc, gen, 'U1', T + 1)).toEqual({ status: 'ok', action: 'busy', rev: 2 });
    await redis.hset(keys.incident('prod', 'web'), 'state', 'recovered');
    expect(await acknowledgeIncident(redis, svc, gen, 'U2', T + 2)).toEqual({ status: 'over' });
  });

  it('finish records when the message was shown (the coalescing deadline)', async () => {
    await posted();
    expect((await readIncident(redis, svc))!.shownAt).toBe(T);
  });
});
