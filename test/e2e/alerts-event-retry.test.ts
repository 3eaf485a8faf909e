/**
 * A retry of an ECS event runs only the consumers that did not finish (src/hooks/events.ts). Lambda
 * retries the whole event when one consumer failed for a reason that may pass; before, every
 * consumer ran again: one that had failed for good failed (and was logged) again, and one that had
 * already acted acted again on a world that had moved on meanwhile. Here the auto-lock after a
 * failed deployment made outside the bot locked the service and posted its notice; someone
 * acknowledged it (unlocked) before the retry a minute later, and the retry locked the service again
 * and posted a second notice.
 */
import { registerEventConsumer } from '../../src/hooks/events';
import { keys } from '../../src/redis/keys';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { textOf, useAutoLockHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';

const h = useAutoLockHarness();

/** Runs of the stand-in consumers: one fails retryably on its first run (AWS throttling, say), one always for good. */
let flakyRuns = 0;
let brokenRuns = 0;
registerEventConsumer('test-flaky', async () => {
  flakyRuns++;
  if (flakyRuns === 1) throw new Error('throttled');
});
registerEventConsumer('test-broken', async () => {
  brokenRuns++;
  throw new SyntaxError('not the shape this consumer reads');
});

/** A consumer that, while `dying` is set, never returns: the invocation dies with it (Lambda's timeout, a crash). */
let dying = false;
let dyingRuns = 0;
registerEventConsumer('test-dies', async () => {
  dyingRuns++;
  if (dying) await new Promise<never>(() => undefined);
});

beforeEach(() => {
  flakyRuns = 0;
  brokenRuns = 0;
  dying = false;
  dyingRuns = 0;
});

const lockOf = () => h.e2e.rt.redis.hgetall(keys.serviceLock('prod', 'web'));
const notices = () => h.e2e.slack.messages('CALERTS').filter((m) => textOf(m).includes('is locked automatically'));

describe('a retried ECS event', () => {
  it('runs again only the consumer that failed retryably: no second auto-lock after an acknowledgement, no second run of a consumer failed for good', async () => {
    const failed = deploymentEvent('failed', {
      time: h.clock.now(),
      serviceArn: SERVICE_ARN,
      deploymentId: 'ecs-svc/5555555555555555555',
      reason: 'ECS deployment circuit breaker: tasks failed to start.',
      id: 'retried-event-1',
    });
    await expect(h.e2e.event(failed)).rejects.toMatchObject({ name: 'ConsumersFailed', failed: ['test-flaky'] });
    expect(await lockOf()).toMatchObject({ by: 'bot', kind: 'rollback' });
    expect(notices()).toHaveLength(1);
    const alertsBefore = h.e2e.slack.messages('CALERTS').length;

    // Someone acknowledges the lock before Lambda's retry.
    const ack = await h.e2e.slash('unlock web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(ack.text).toContain('Unlocked `web` in `prod`');
    expect(await lockOf()).toEqual({});

    // Lambda retries the event a minute later: only the consumer that may now pass runs.
    h.clock.advance(60_000);
    const retried = await h.e2e.event(failed);
    expect(notices()).toHaveLength(1);
    expect(await lockOf()).toEqual({});
    expect(flakyRuns).toBe(2);
    expect(brokenRuns).toBe(1);
    expect(retried).toEqual({ ok: true });
    expect(h.e2e.slack.messages('CALERTS')).toHaveLength(alertsBefore);
    expect(
      h.e2e.logs.filter((l) => l.msg === 'event consumer failed for good; the event is not retried (a retry would fail the same way)'),
    ).toHaveLength(1);
  });

  it('a new event (another id) runs every consumer', async () => {
    const at = h.clock.now();
    await expect(h.e2e.event(deploymentEvent('in-progress', { time: at, serviceArn: SERVICE_ARN, id: 'event-a' }))).rejects.toMatchObject({
      failed: ['test-flaky'],
    });
    expect(await h.e2e.event(deploymentEvent('in-progress', { time: at, serviceArn: SERVICE_ARN, id: 'event-b' }))).toEqual({ ok: false });
    expect(flakyRuns).toBe(2);
    expect(brokenRuns).toBe(2);
  });

  it('after an invocation that died midway (a consumer never returned), the retry skips the consumers that had finished: no second auto-lock after an acknowledgement', async () => {
    const failed = deploymentEvent('failed', {
      time: h.clock.now(),
      serviceArn: SERVICE_ARN,
      deploymentId: 'ecs-svc/6666666666666666666',
      reason: 'ECS deployment circuit breaker: tasks failed to start.',
      id: 'died-event-1',
    });
    // The first invocation: every consumer but one finishes; that one never returns, so neither does the invocation.
    dying = true;
    void h.e2e.event(failed);
    const finishedBy = (name: string) => h.e2e.rt.redis.exists(keys.eventConsumerDone('died-event-1', name));
    // Let it run until the auto-lock's notice is out and its finished mark written, and the alert's too (a bounded
    // number of turns; no clock).
    for (let i = 0; i < 20_000 && (notices().length === 0 || !(await finishedBy('deploy-autolock')) || !(await finishedBy('alerts'))); i++)
      await new Promise<void>((r) => setImmediate(r));
    expect(notices()).toHaveLength(1);
    expect(await lockOf()).toMatchObject({ by: 'bot', kind: 'rollback' });
    expect(dyingRuns).toBe(1);
    const alertsBefore = h.e2e.slack.messages('CALERTS').length;

    // Someone acknowledges the lock before Lambda's retry (after the invocation's timeout).
    const ack = await h.e2e.slash('unlock web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(ack.text).toContain('Unlocked `web` in `prod`');
    dying = false;
    h.clock.advance(60_000);
    expect(await h.e2e.event(failed)).toEqual({ ok: true });
    // Only the consumers that had not finished ran: the one that died, and the flaky one (which failed, retryably, the first time).
    expect(dyingRuns).toBe(2);
    expect(notices()).toHaveLength(1);
    expect(await lockOf()).toEqual({});
    expect(h.e2e.slack.messages('CALERTS')).toHaveLength(alertsBefore);
    expect(brokenRuns).toBe(1);
  });
});
