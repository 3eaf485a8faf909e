/**
 * Slack's 429s with a long Retry-After in the events function (alert posts, updates, thread
 * replies), through the events Lambda handler, the real Redis and the local Slack API server: the
 * worker's Slack client (src/slack/patient.run.ts) waits a 429 out only within 30 s and 5 s before the
 * work's end (the event consumer's budget, and the invocation's end, which the events handler now
 * takes from Lambda's context: before, only the budget bounded it), so a Retry-After of 600 s fails the call at once instead
 * of sleeping the invocation past its timeout, and the alert is not lost: the scheduled check posts
 * or updates it (claim-2.lua finds it behind).
 */
import { handler as eventsHandler } from '../../src/handlers/events';
import { useAlertsE2E } from '../helpers/alerts-e2e';
import { deploymentEvent, taskStopped, OOM, PULL_FAILED } from '../fixtures/events/samples';

const { e2e, clock, stubAws } = useAlertsE2E();

const alerts = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const notWaited = () => e2e.logs.filter((l) => l.msg === 'slack 429 not waited out: too long for this work');

describe('a 429 with Retry-After: 600 in the events function', () => {
  it('on the first post: not slept; the event ends, and the scheduled check posts the alert', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 600);
    expect(await e2e.event(taskStopped({ time: clock.now(), ...OOM }))).toEqual({ ok: true });
    expect(e2e.slack.callsTo('chat.postMessage').map((c) => c.rateLimited === true)).toEqual([true]);
    expect(alerts()).toHaveLength(0);
    expect(notWaited()).toEqual([expect.objectContaining({ method: 'chat.postMessage', retryAfterSec: 600 })]);

    clock.advance(60_000);
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]!.text).toContain('a task failed');
  });

  it('on an update: not slept; the scheduled check brings the message to its last count', async () => {
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
    clock.advance(10_000);
    e2e.slack.rateLimitNext('chat.update', 600);
    expect(await e2e.event(taskStopped({ time: clock.now(), ...OOM }))).toEqual({ ok: true });
    expect(e2e.slack.callsTo('chat.update').map((c) => c.rateLimited === true)).toEqual([true]);
    expect(alerts()[0]!.text).toContain('a task failed');
    expect(notWaited()).toEqual([expect.objectContaining({ method: 'chat.update', retryAfterSec: 600 })]);

    clock.advance(60_000);
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]!.text).toContain('2 tasks failed');
  });

  it('on a thread reply: not slept; the alert message still counts the new reason', async () => {
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
    clock.advance(10_000);
    e2e.slack.rateLimitNext('chat.postMessage', 600);
    expect(await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }))).toEqual({ ok: true });
    expect(notWaited()).toEqual([expect.objectContaining({ method: 'chat.postMessage', retryAfterSec: 600 })]);
    expect(alerts()[0]!.text).toContain('CannotPullContainerError');
  });

  it("a shorter wait is bounded by the invocation's end too (Lambda's remaining time), not only by the consumer's budget", async () => {
    // 7 s left of the invocation: a Retry-After of 3 s would end less than 5 s before it.
    e2e.slack.rateLimitNext('chat.postMessage', 3);
    expect(await eventsHandler(taskStopped({ time: clock.now(), ...OOM }), { getRemainingTimeInMillis: () => 7_000 })).toEqual({
      ok: true,
    });
    expect(e2e.slack.callsTo('chat.postMessage').map((c) => c.rateLimited === true)).toEqual([true]);
    expect(notWaited()).toEqual([expect.objectContaining({ method: 'chat.postMessage', retryAfterSec: 3 })]);

    clock.advance(60_000);
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
  });
});

describe('an alert Slack refused that is over before the scheduled check', () => {
  it('a failed deployment whose post got a 429, then completed (rolled back): told once, as it ended, by the next check', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 600);
    await e2e.event(
      deploymentEvent('failed', { time: clock.now(), deploymentId: 'ecs-svc/4000000000000000001', reason: 'circuit breaker' }),
    );
    expect(alerts()).toHaveLength(0);
    clock.advance(20_000);
    await e2e.event(deploymentEvent('completed', { time: clock.now(), deploymentId: 'ecs-svc/4000000000000000002' }));
    expect(alerts()).toHaveLength(0);

    clock.advance(60_000);
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
    const alert = alerts()[0]!;
    expect(alert.text).toContain('Recovered: web (prod)');
    expect(`${alert.text}${JSON.stringify(alert.blocks)}`).toContain('ecs-svc/4000000000000000001');
    // Once: later checks leave it, and nothing is replied in its thread.
    clock.advance(60_000);
    await e2e.tick();
    expect(e2e.slack.messages('CALERTS')).toHaveLength(1);
  });

  it('a failed task whose post Slack refused, recovered on running = desired before a post went: told once by the check after', async () => {
    stubAws([{ serviceName: 'web-prod', status: 'ACTIVE', desiredCount: 2, runningCount: 2 }]);
    // Slack refuses the post and five checks' catch-ups; the fifth check finds five quiet minutes at running = desired.
    e2e.slack.failNext('chat.postMessage', 'internal_error', 6);
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await e2e.tick();
    }
    expect(alerts()).toHaveLength(0);
    clock.advance(60_000);
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]!.text).toContain('Recovered: web (prod): a task failed');
  });
});

describe('an alert Slack refused, replaced by a new incident before a check ran', () => {
  it('is told once, in the new incident’s message, as an earlier occurrence; no separate message, none later', async () => {
    // The first incident's post gets a 429 (600 s): nothing is shown, and no scheduled check runs for a while.
    e2e.slack.rateLimitNext('chat.postMessage', 600);
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
    expect(alerts()).toHaveLength(0);
    // Quiet past the window (30 min): the next failure opens a new incident, whose post goes.
    clock.advance(31 * 60_000);
    await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
    expect(alerts()).toHaveLength(1);
    const text = `${alerts()[0]!.text}${JSON.stringify(alerts()[0]!.blocks)}`;
    expect(text).toContain('CannotPullContainerError');
    expect(text).toMatch(/Not posted earlier, Slack refused it \([^)]*\): 1 task failed: OutOfMemoryError/);
    // Once: the checks after post nothing more for it.
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await e2e.tick();
    }
    expect(alerts()).toHaveLength(1);
    expect(JSON.stringify(alerts()[0]!.blocks).match(/OutOfMemoryError/g)).toHaveLength(1);
  });
});
