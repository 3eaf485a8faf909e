/**
 * Alert posts Slack took but answered only after the client stopped waiting (its 10 s timeout) are
 * said once (src/alerts/keyed.run.ts, src/slack/keyed-post.ts postOnce): the incident's first post is
 * keyed by the incident and marked in the incident's own hash, so the scheduled check looks for it
 * in the channel before posting it again; thread replies are keyed by their thread and identity, and
 * one that got no answer (or was refused) waits in the backlog with its key, looked for before it is
 * said (src/alerts/backlog.ts). Before, a late first post was posted again by the check (two alerts)
 * and a late backlog reply by the next check (two replies). Events and scheduled handlers, real
 * Redis, the local Slack Web API server over HTTP. One real wait past the client's bound per stall.
 */
import { useAlertsE2E } from '../helpers/alerts-e2e';
import { taskStopped, OOM, PULL_FAILED } from '../fixtures/events/samples';
import { keys } from '../../src/redis/keys';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const { e2e, clock } = useAlertsE2E({ services: [], setup: () => ({ env: SHORT_WORKER_SLACK_BOUND }) });

const alerts = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const threadOf = (ts: string) => e2e.slack.messages('CALERTS').filter((r) => r.thread_ts === ts && r.ts !== ts);

const landed = () =>
  e2e.slack.waitFor((calls) => calls.every((c) => !c.stalled || c.response !== undefined), 15_000, 'the late post lands');
const tickLater = async () => {
  clock.advance(60_000);
  await e2e.tick();
};

it('a first post Slack answered late: the check finds it and brings it up to date, one alert message', async () => {
  e2e.slack.stallNext('chat.postMessage', PAST_THE_WORKER_BOUND_MS);
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  await landed();
  expect(alerts()).toHaveLength(1);
  const first = alerts()[0]!;
  expect(e2e.logs.some((l) => l.msg === 'alert not delivered to Slack; the next event or the scheduled check retries')).toBe(true);
  await tickLater();
  expect(alerts()).toHaveLength(1);
  expect(alerts()[0]!.ts).toBe(first.ts);
  expect(e2e.logs.filter((l) => l.msg === 'an earlier post that got no answer had landed; not posting it again')).toHaveLength(1);
  expect(await e2e.rt.redis.hget(keys.incident('prod', 'web'), 'u:post')).toBeNull();
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  expect(alerts()).toHaveLength(1);
  expect(alerts()[0]!.text).toContain('2 tasks failed');
  // Later failures update that message; the thread and buttons are on it.
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
  expect(alerts()).toHaveLength(1);
  expect(threadOf(first.ts)).toHaveLength(1);
}, 40_000);

it('a thread reply Slack answered late: kept with its key, the check finds it, one reply', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const alert = alerts()[0]!;
  e2e.slack.stallNext('chat.postMessage', PAST_THE_WORKER_BOUND_MS);
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
  await landed();
  expect(threadOf(alert.ts)).toHaveLength(1);
  await tickLater();
  await tickLater();
  expect(threadOf(alert.ts)).toHaveLength(1);
  // Not dropped: kept with its key (it might not have landed), and found by the check.
  expect(e2e.logs.some((l) => l.msg === 'alert: thread reply kept for the scheduled check' && l.why === 'no answer')).toBe(true);
  expect(e2e.logs.filter((l) => l.msg === 'alert: a thread reply that got no answer had landed; not posting it again')).toHaveLength(1);
  expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
}, 40_000);

it('a thread reply Slack refused with an error (not a 429): said later by the check, once (before: dropped)', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const alert = alerts()[0]!;
  e2e.slack.failNext('chat.postMessage', 'internal_error');
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
  expect(threadOf(alert.ts)).toHaveLength(0);
  await tickLater();
  await tickLater();
  expect(threadOf(alert.ts)).toHaveLength(1);
  expect(JSON.stringify(threadOf(alert.ts)[0]!.blocks)).toContain('CannotPullContainerError');
});

it('the check’s reply of waiting lines answered late: the next check finds it instead of posting it again, one reply', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const alert = alerts()[0]!;
  // Two replies Slack answers 429 (a Retry-After the events function does not wait out): they wait in the backlog.
  e2e.slack.rateLimitNext('chat.postMessage', 600, 2);
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
  await e2e.event(taskStopped({ time: clock.now(), exitCode: 3 }));
  expect(threadOf(alert.ts)).toHaveLength(0);
  // The check's reply is taken by Slack, answered after the client stopped waiting.
  e2e.slack.stallNext('chat.postMessage', PAST_THE_WORKER_BOUND_MS);
  await tickLater();
  await landed();
  expect(threadOf(alert.ts)).toHaveLength(1);
  // Meanwhile another reply waits (it goes in a reply of its own, not lost with the found one).
  e2e.slack.rateLimitNext('chat.postMessage', 600);
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), exitCode: 4 }));
  await tickLater();
  await tickLater();
  const replies = threadOf(alert.ts);
  expect(replies).toHaveLength(2);
  expect(JSON.stringify(replies[0]!.blocks)).toContain('2 more events while Slack was limiting the bot');
  expect(JSON.stringify(replies[1]!.blocks)).toContain('exit code 4');
  // The lines the late reply showed are not said again (before: given back, taken again with the new line and posted twice).
  expect(JSON.stringify(replies[1]!.blocks)).not.toContain('CannotPullContainerError');
  expect(e2e.logs.filter((l) => l.msg === 'an earlier post that got no answer had landed; not posting it again')).toHaveLength(1);
  expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
}, 40_000);
