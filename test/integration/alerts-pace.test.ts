/**
 * The turn order of alert messages waiting for one channel (src/alerts/pacing.ts over
 * reserve-turn-1.lua, the real Redis): turns are handed out in the order the messages asked, each
 * waiter sleeps once until its turn, and a later message cannot take the turn of one already
 * waiting. Before, every waiter polled the channel's token bucket and whoever polled first when a
 * token came free took it: a message arriving just then beat the ones that had waited longest, and
 * these were left out after 10 s of losing.
 *
 * The clock is simulated (no timed assertions): every message runs as its own task (as its own
 * events Lambda would), `sleep` parks the task until the clock reaches its end, and the clock jumps
 * to the next wake-up once every task is parked. A timer wakes 1 ms late, as real timers do.
 */
import { channelTurn, REPLY_WAIT_MAX_MS } from '../../src/alerts/pacing';
import { reserveChannelTurn, reserveUpdateTurn } from '../../src/alerts/store';
import type { Logger } from '../../src/log';
import type { RedisClient } from '../../src/redis/client';
import type { Runtime } from '../../src/runtime';
import { flushRedis, useFlushedRedis } from '../helpers/redis';
import { fixtureConfig } from '../helpers/config';

const T0 = 1_772_445_600_000;
/** How late a timer fires. */
const TIMER_LATE_MS = 1;

let redis: RedisClient;
useFlushedRedis((client) => (redis = client));

/** A discrete-event clock: tasks run until they all sleep (or end), then the earliest wake-up fires. */
class SimClock {
  now = T0;
  private running = 0;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private idle?: () => void;

  /** Run `fn` as a task starting at `at` (ms after T0). */
  at(offset: number, fn: () => Promise<void>): void {
    this.timers.push({
      at: T0 + offset,
      seq: this.seq++,
      fire: () => {
        fn().finally(() => this.park());
      },
    });
  }

  sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.timers.push({ at: this.now + ms + TIMER_LATE_MS, seq: this.seq++, fire: resolve });
      this.park();
    });

  /** Until every task ended. */
  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idle = resolve;
      this.running = 1;
      this.park();
    });
  }

  private park(): void {
    this.running--;
    if (this.running > 0) return;
    setImmediate(() => {
      if (this.running > 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) return this.idle?.();
      this.now = Math.max(this.now, next.at);
      this.running++;
      next.fire();
    });
  }
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

interface Outcome {
  name: string;
  arrived: number;
  /** When its turn came (it posts), undefined when it was left out. */
  turnAt?: number;
  /** When it learned it was left out. */
  leftOutAt?: number;
  sleeps: number;
}

/** chatops.yml's `limits` with `set` (the rest as the file leaves them: the defaults). */
const limitsWith = (set: Record<string, number> = {}) => fixtureConfig((doc) => (doc.limits = set)).limits;

/** Each message as its own task: `channelTurn` for a thread reply into C1 at its arrival time. */
function storm(clock: SimClock, arrivals: Array<{ name: string; at: number; what?: 'post' | 'reply' }>, limits = limitsWith()): Outcome[] {
  return arrivals.map(({ name, at, what = 'reply' }) => {
    const o: Outcome = { name, arrived: T0 + at, sleeps: 0 };
    const rt = {
      redis,
      config: { limits },
      now: () => clock.now,
      sleep: (ms: number) => {
        o.sleeps++;
        return clock.sleep(ms);
      },
    } as unknown as Runtime;
    clock.at(at, async () => {
      if (await channelTurn(rt, 'C1', what, quiet)) o.turnAt = clock.now;
      else o.leftOutAt = clock.now;
    });
    return o;
  });
}

/** No four turns within less than a second: three at once, then one a second. */
function expectPaced(times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 3; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 3]!).toBeGreaterThanOrEqual(1_000);
}

describe('turns to post into a busy channel', () => {
  it('go to the waiting messages in the order they asked; newcomers queue behind them and none is left out', async () => {
    const clock = new SimClock();
    // Eight thread replies at once (three go at once, five wait), then one more every second for 12 s,
    // each arriving just as the channel's next turn comes free.
    const outcomes = storm(clock, [
      ...Array.from({ length: 8 }, (_, i) => ({ name: `R${i}`, at: 0 })),
      ...Array.from({ length: 12 }, (_, i) => ({ name: `N${i + 1}`, at: (i + 1) * 1_000 })),
    ]);
    await clock.run();

    // Nothing left out: the queue never got longer than the 5 s a reply may wait.
    expect(outcomes.filter((o) => o.turnAt === undefined).map((o) => o.name)).toEqual([]);
    // Served in the order they asked.
    const served = [...outcomes].sort((a, b) => a.turnAt! - b.turnAt! || a.arrived - b.arrived).map((o) => o.name);
    expect(served).toEqual(outcomes.map((o) => o.name));
    // Each waiter slept once, until its turn, and none waited longer than the limit.
    for (const o of outcomes) {
      expect(o.sleeps).toBeLessThanOrEqual(1);
      expect(o.turnAt! - o.arrived).toBeLessThanOrEqual(REPLY_WAIT_MAX_MS + TIMER_LATE_MS);
    }
    expect(outcomes.filter((o) => o.sleeps === 0).map((o) => o.name)).toEqual(['R0', 'R1', 'R2']);
    expectPaced(outcomes.map((o) => o.turnAt!));
  });

  it('past what 5 s of turns hold, the newest replies are left out at once, without waiting, and reserve nothing', async () => {
    const clock = new SimClock();
    // Twenty replies at once: three go at once and five get a turn within 5 s (one a second).
    const outcomes = storm(
      clock,
      Array.from({ length: 20 }, (_, i) => ({ name: `R${i}`, at: 0 })),
    );
    await clock.run();

    expect(outcomes.filter((o) => o.turnAt !== undefined).map((o) => o.name)).toEqual(outcomes.slice(0, 8).map((o) => o.name));
    for (const o of outcomes.slice(8)) {
      expect(o.leftOutAt).toBe(T0);
      expect(o.sleeps).toBe(0);
    }
    expectPaced(outcomes.slice(0, 8).map((o) => o.turnAt!));
    // The refused reserved nothing: the channel's next turn is the 9th, 6 s after the storm began.
    expect(await reserveChannelTurn(redis, 'C1', T0, 11_000)).toBe(6_000);
  });

  it('a new alert arriving in a storm of replies gets a turn in order behind the waiting replies, instead of going unpaced; the replies after it are left out', async () => {
    const clock = new SimClock();
    // Twenty replies at once, then the first post of another incident half a second later, then five more replies.
    const outcomes = storm(clock, [
      ...Array.from({ length: 20 }, (_, i) => ({ name: `R${i}`, at: 0 })),
      { name: 'POST', at: 500, what: 'post' as const },
      ...Array.from({ length: 5 }, (_, i) => ({ name: `L${i}`, at: 600 })),
    ]);
    await clock.run();

    const post = outcomes.find((o) => o.name === 'POST')!;
    // Eight replies took the turns up to 5 s; the post the next, 6 s after the storm began (it waited once, for 5.5 s).
    expect(post.turnAt).toBe(T0 + 6_000 + TIMER_LATE_MS);
    expect(post.sleeps).toBe(1);
    const served = outcomes.filter((o) => o.turnAt !== undefined).sort((a, b) => a.turnAt! - b.turnAt! || a.arrived - b.arrived);
    expect(served.map((o) => o.name)).toEqual([...outcomes.slice(0, 8).map((o) => o.name), 'POST']);
    expectPaced(served.map((o) => o.turnAt!));
    // Before, replies waited up to 10 s: thirteen filled the queue, and the post found no turn and went at once, unpaced.
  });
});

describe('the workspace budget of alert updates (the same script: 30 a minute, 10 at once)', () => {
  it('hands ten turns at once, then one every 2 s, and refuses a turn further off than the caller waits', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) waits.push(await reserveUpdateTurn(redis, T0, 3_000));
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2_000, -4_000]);
    // Refused: nothing reserved, so the next caller still gets the turn at 4 s once it may wait that long.
    expect(await reserveUpdateTurn(redis, T0 + 1_000, 3_000)).toBe(3_000);
  });
});

describe('paces set in chatops.yml (limits.alert*)', () => {
  it('a lower workspace budget of alert updates holds back updates the default lets through', async () => {
    // The default (30 a minute, 10 at once): twelve updates at once, ten go and one waits 2 s.
    const byDefault: number[] = [];
    const dflt = limitsWith();
    for (let i = 0; i < 12; i++)
      byDefault.push(await reserveUpdateTurn(redis, T0, 3_000, dflt.alertUpdatesPerMinute, dflt.alertUpdatesBurst));
    expect(byDefault.filter((w) => w >= 0)).toHaveLength(11);
    await flushRedis(redis);

    // A workspace sharing Slack's limit with other apps: 6 a minute, 2 at once.
    const { alertUpdatesPerMinute: perMinute, alertUpdatesBurst: burst } = limitsWith({ alertUpdatesPerMinute: 6, alertUpdatesBurst: 2 });
    const configured: number[] = [];
    for (let i = 0; i < 12; i++) configured.push(await reserveUpdateTurn(redis, T0, 3_000, perMinute, burst));
    // Two at once; the next turn is 10 s off, further than an update waits: the other ten are held back.
    expect(configured).toEqual([0, 0, ...Array.from({ length: 10 }, () => -10_000)]);
    // The refused reserved nothing: the next turn, 10 s after the first, goes to whoever asks within 3 s of it.
    expect(await reserveUpdateTurn(redis, T0 + 9_000, 3_000, perMinute, burst)).toBe(1_000);
  });

  it("a slower channel pace spaces a storm's thread replies further apart and leaves out the ones past the wait", async () => {
    const clock = new SimClock();
    // 12 a minute (one every 5 s), 2 at once: of eight replies at once, 2 go at once and 1 more within the 5 s a reply waits.
    const outcomes = storm(
      clock,
      Array.from({ length: 8 }, (_, i) => ({ name: `R${i}`, at: 0 })),
      limitsWith({ alertPostsPerMinutePerChannel: 12, alertPostsBurstPerChannel: 2 }),
    );
    await clock.run();
    expect(outcomes.map((o) => (o.turnAt === undefined ? undefined : o.turnAt - T0))).toEqual([
      0,
      0,
      5_000 + TIMER_LATE_MS,
      ...Array.from({ length: 5 }, () => undefined),
    ]);
    // With the default (60 a minute, 3 at once) all eight get a turn within 5 s.
    await flushRedis(redis);
    const clock2 = new SimClock();
    const byDefault = storm(
      clock2,
      Array.from({ length: 8 }, (_, i) => ({ name: `R${i}`, at: 0 })),
    );
    await clock2.run();
    expect(byDefault.filter((o) => o.turnAt === undefined)).toHaveLength(0);
  });
});
