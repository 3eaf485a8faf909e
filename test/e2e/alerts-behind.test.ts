/**
 * An alert message whose updates Slack kept refusing (429s, errors) until its incident was replaced
 * by a new one (a new message) is brought to its final rendering once by the next scheduled check
 * (src/alerts/behind.ts; kept by signal-4.lua as `b:<gen>` in `alertbehind:{svc:E:S}`), instead of staying stale forever ("a task
 * failed" while 7 did, never "recovered"). Refused again, the next check tries again; never updated
 * twice once done; dropped after a day. Events and scheduled handlers, the real Redis and the local
 * Slack API server with its faults.
 */
import { useAlertsE2E } from '../helpers/alerts-e2e';
import { deploymentEvent, taskStopped, OOM } from '../fixtures/events/samples';
import { finishRender, reserveUpdateTurn } from '../../src/alerts/store';
import { recordSignal } from '../../src/alerts/signals';
import { takeBehind } from '../../src/alerts/behind';

const { e2e, clock } = useAlertsE2E({ services: [] });

const alerts = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const updatesOf = (ts: string) => e2e.slack.callsTo('chat.update').filter((c) => c.body.ts === ts && c.rateLimited !== true && !c.failed);
const behindFields = async () => Object.keys(await e2e.rt.redis.hgetall('alertbehind:{svc:prod:web}'));

/** web's alert posted, then 6 more failures whose updates Slack refuses (`refuse`), then, past the window, a new incident. */
async function staleThenNewIncident(refuse: () => void): Promise<string> {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const old = alerts()[0]!;
  expect(old.text).toContain('a task failed');
  refuse();
  for (let i = 0; i < 6; i++) {
    clock.advance(10_000);
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  }
  expect(alerts()[0]!.text).toContain('a task failed');
  e2e.slack.clearFaults();
  // 31 minutes quiet (the window is 30), no scheduled check ran meanwhile: the next failure opens a new incident.
  clock.advance(31 * 60_000);
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  expect(alerts()).toHaveLength(2);
  return old.ts;
}

it('updates refused with 429s until a new incident opened: the next check shows the old message’s final count, once', async () => {
  const oldTs = await staleThenNewIncident(() => e2e.slack.rateLimitNext('chat.update', 600, 50));
  expect(alerts()[0]!.text).toContain('a task failed');
  clock.advance(60_000);
  await e2e.tick();
  expect(alerts()[0]!.ts).toBe(oldTs);
  expect(alerts()[0]!.text).toContain('7 tasks failed');
  expect(alerts()).toHaveLength(2);
  expect(updatesOf(oldTs)).toHaveLength(1);
  expect(await behindFields()).toEqual([]);
  // Said once: later checks leave it.
  clock.advance(60_000);
  await e2e.tick();
  expect(updatesOf(oldTs)).toHaveLength(1);
});

it('a recovery Slack did not show (its update refused) is shown by the check after the new incident opened', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const old = alerts()[0]!;
  e2e.slack.failNext('chat.update', 'internal_error', 5);
  clock.advance(20_000);
  await e2e.event(deploymentEvent('completed', { time: clock.now(), deploymentId: 'ecs-svc/4000000000000000002' }));
  expect(alerts()[0]!.text).not.toContain('Recovered');
  e2e.slack.clearFaults();
  clock.advance(60_000);
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  expect(alerts()).toHaveLength(2);
  clock.advance(60_000);
  await e2e.tick();
  expect(alerts()[0]!.ts).toBe(old.ts);
  expect(alerts()[0]!.text).toContain('Recovered: web (prod)');
  expect(updatesOf(old.ts)).toHaveLength(1);
});

it('refused again by the check: the next check does it, once', async () => {
  const oldTs = await staleThenNewIncident(() => e2e.slack.failNext('chat.update', 'internal_error', 50));
  clock.advance(60_000);
  e2e.slack.failNext('chat.update', 'internal_error', 5);
  await e2e.tick();
  expect(alerts()[0]!.text).toContain('a task failed');
  expect(await behindFields()).not.toEqual([]);
  e2e.slack.clearFaults();
  clock.advance(60_000);
  await e2e.tick();
  expect(alerts()[0]!.text).toContain('7 tasks failed');
  expect(updatesOf(oldTs)).toHaveLength(1);
  clock.advance(60_000);
  await e2e.tick();
  expect(updatesOf(oldTs)).toHaveLength(1);
});

it('Slack refusing it for a day: dropped with a warning, nothing kept', async () => {
  await staleThenNewIncident(() => e2e.slack.failNext('chat.update', 'internal_error', 50));
  e2e.slack.failNext('chat.update', 'internal_error', 50);
  clock.advance(60_000);
  await e2e.tick();
  expect(await behindFields()).not.toEqual([]);
  clock.advance(25 * 3_600_000);
  await e2e.tick();
  expect(await behindFields()).toEqual([]);
  expect(e2e.logs.filter((l) => l.msg === 'alert: earlier messages Slack kept refusing for a day stay as they were')).toHaveLength(1);
});

it('an update still in flight when the incident was replaced (Slack holding it) cannot land after the catch-up', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const old = alerts()[0]!;
  clock.advance(10_000);
  e2e.slack.stallNext('chat.update', Infinity);
  const held = e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  await e2e.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.stalled), 10_000, 'the update is held');
  // Meanwhile the deployment completes (counted: the lease is busy) and a new failure opens a new incident.
  clock.advance(10_000);
  await e2e.event(deploymentEvent('completed', { time: clock.now(), deploymentId: 'ecs-svc/4000000000000000002' }));
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  expect(alerts()).toHaveLength(2);
  // The check within the held render's lease leaves the old message alone…
  clock.advance(30_000);
  await e2e.tick();
  expect(updatesOf(old.ts).filter((c) => !c.stalled)).toHaveLength(0);
  // …Slack answers the held update at last (the count of then)…
  e2e.slack.releaseStalls();
  await held;
  expect(alerts()[0]!.text).toContain('2 tasks failed');
  expect(alerts()[0]!.text).not.toContain('Recovered');
  // …and the first check after that lease brings it to its end.
  clock.advance(120_000);
  await e2e.tick();
  expect(alerts()[0]!.text).toContain('Recovered: web (prod)');
});

it('the workspace’s budget of alert updates spent at the check: given back at once, done by a later check', async () => {
  const oldTs = await staleThenNewIncident(() => e2e.slack.rateLimitNext('chat.update', 600, 50));
  clock.advance(60_000);
  // Other alerts took every turn of the next minute and more (10 at once, 30 a minute).
  for (let i = 0; i < 40; i++) await reserveUpdateTurn(e2e.rt.redis, clock.now(), 120_000);
  await e2e.tick();
  expect(updatesOf(oldTs)).toHaveLength(0);
  expect(e2e.logs.some((l) => l.msg === 'alert: an earlier message’s catch-up waits for the budget of alert updates')).toBe(true);
  // Not kept claimed: the next check may take it.
  expect((await behindFields()).filter((f) => f.startsWith('bc:'))).toEqual([]);
  clock.advance(3 * 60_000);
  await e2e.tick();
  expect(alerts()[0]!.text).toContain('7 tasks failed');
  expect(updatesOf(oldTs)).toHaveLength(1);
});

it('four incidents replaced in a row, each message left behind, before any check: the next check brings every one to its end', async () => {
  // Each incident: its alert posted, 2 more failures whose updates Slack refuses, then 31 quiet minutes and a new incident.
  const olds: string[] = [];
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  for (let k = 0; k < 4; k++) {
    olds.push(alerts()[k]!.ts);
    e2e.slack.rateLimitNext('chat.update', 600, 50);
    for (let i = 0; i < 2; i++) {
      clock.advance(10_000);
      await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
    }
    e2e.slack.clearFaults();
    clock.advance(31 * 60_000);
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
    expect(alerts()).toHaveLength(k + 2);
  }
  for (const ts of olds) expect(e2e.slack.message('CALERTS', ts)!.text).toContain('a task failed');
  expect((await behindFields()).filter((f) => f.startsWith('b:'))).toHaveLength(4);
  clock.advance(60_000);
  await e2e.tick();
  // None left stale (before, only the last 2 were kept: the oldest two stayed at "a task failed").
  for (const ts of olds) {
    expect(e2e.slack.message('CALERTS', ts)!.text).toContain('3 tasks failed');
    expect(updatesOf(ts)).toHaveLength(1);
  }
  expect(await behindFields()).toEqual([]);
});

it('bounded: past 20 incidents left behind (no check able to catch up) the oldest are dropped, counted and logged', async () => {
  const svc = { environment: 'prod', alias: 'web' };
  const signal = (id: string) =>
    recordSignal(e2e.rt.redis, svc, {
      kind: 'task',
      seenId: id,
      reasonKey: 'exit:1',
      reasonLabel: 'exit code 1',
      now: clock.now(),
      windowMs: 60_000,
    });
  for (let k = 0; k < 23; k++) {
    const opened = await signal(`task:a${k}`);
    if (opened.status !== 'ok') throw new Error('not recorded');
    // Posted, then a signal whose update never goes: the message is behind when the next incident replaces it.
    await finishRender(e2e.rt.redis, svc, {
      gen: opened.gen,
      rev: opened.rev,
      mode: 'ok',
      ts: `1.${k}`,
      channel: 'CALERTS',
      now: clock.now(),
    });
    await signal(`task:b${k}`);
    clock.advance(2 * 60_000);
  }
  clock.advance(5 * 60_000);
  const { overflow, taken } = await takeBehind(e2e.rt.redis, svc, clock.now());
  // 22 replaced (the 23rd is open): the newest 20 kept, 2 dropped.
  expect(taken).toHaveLength(20);
  expect(overflow).toBe(2);
  expect(taken.map((t) => Number(t.gen)).sort((a, b) => a - b)[0]).toBe(3);
  expect((await takeBehind(e2e.rt.redis, svc, clock.now())).overflow).toBe(0);
});
