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
import { channelTurn, PACE_WAIT_MAX_MS } from '../../src/alerts/pacing';
import { reserveChannelTurn, reserveUpdateTurn } from '../../src/alerts/store';
import type { Logger } from '../../src/log';
import type { RedisClient } from '../../src/redis/client';
import type { Runtime } from '../../src/runtime';
import { useFlushedRedis } from '../helpers/redis';

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

/** Each message as its own task: `channelTurn` for a thread reply into C1 at its arrival time. */
function storm(clock: SimClock, arrivals: Array<{ name: string; at: number }>): Outcome[] {
  return arrivals.map(({ name, at }) => {
    const o: Outcome = { name, arrived: T0 + at, sleeps: 0 };
    const rt = {
      redis,
      now: () => clock.now,
      sleep: (ms: number) => {
        o.sleeps++;
        return clock.sleep(ms);
      },
    } as unknown as Runtime;
    clock.at(at, async () => {
      if (await channelTurn(rt, 'C1', 'reply', quiet)) o.turnAt = clock.now;
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

    // Nothing left out: the queue never got longer than the 10 s a message may wait.
    expect(outcomes.filter((o) => o.turnAt === undefined).map((o) => o.name)).toEqual([]);
    // Served in the order they asked.
    const served = [...outcomes].sort((a, b) => a.turnAt! - b.turnAt! || a.arrived - b.arrived).map((o) => o.name);
    expect(served).toEqual(outcomes.map((o) => o.name));
    // Each waiter slept once, until its turn, and none waited longer than the limit.
    for (const o of outcomes) {
      expect(o.sleeps).toBeLessThanOrEqual(1);
      expect(o.turnAt! - o.arrived).toBeLessThanOrEqual(PACE_WAIT_MAX_MS + TIMER_LATE_MS);
    }
    expect(outcomes.filter((o) => o.sleeps === 0).map((o) => o.name)).toEqual(['R0', 'R1', 'R2']);
    expectPaced(outcomes.map((o) => o.turnAt!));
  });

  it('past what 10 s of turns hold, the newest replies are left out at once, without waiting, and reserve nothing', async () => {
    const clock = new SimClock();
    // Twenty replies at once: three go at once and ten get a turn within 10 s (one a second).
    const outcomes = storm(
      clock,
      Array.from({ length: 20 }, (_, i) => ({ name: `R${i}`, at: 0 })),
    );
    await clock.run();

    expect(outcomes.filter((o) => o.turnAt !== undefined).map((o) => o.name)).toEqual(outcomes.slice(0, 13).map((o) => o.name));
    for (const o of outcomes.slice(13)) {
      expect(o.leftOutAt).toBe(T0);
      expect(o.sleeps).toBe(0);
    }
    expectPaced(outcomes.slice(0, 13).map((o) => o.turnAt!));
    // The refused reserved nothing: the channel's next turn is the 14th, 11 s after the storm began.
    expect(await reserveChannelTurn(redis, 'C1', T0, 11_000)).toBe(11_000);
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
