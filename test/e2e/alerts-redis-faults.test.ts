/**
 * Alerts when Redis misbehaves, two cases found by test/e2e/alerts-faults-model.test.ts.
 *
 * An ECS failure whose Redis answer is lost on the way back (the connection cut after signal-4.lua
 * ran: a failover, a network blip). ioredis resends the unanswered script once it reconnects; the
 * resend must get the call's own outcome, not "duplicate": before, the event was logged as a
 * duplicate and dropped while its first run held the incident's lease, so the new incident's alert
 * was not posted until the lease expired (2 minutes) and the scheduled check took it over.
 *
 * A message posted while Redis was down (per process, pipeline.ts) is taken over by the incident only
 * for Lambda's retry of an event it counted: before, the first new failure after the incident had
 * recovered was written into that older message (chat.update, no notification) instead of a new alert.
 */
import { createHash } from 'node:crypto';
import { clickAlertButton } from '../helpers/e2e';
import { useAlertsE2E } from '../helpers/alerts-e2e';
import { definedScripts } from '../../src/redis/scripts';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS, WORKER_REDIS_BACKOFF_SCALE } from '../helpers/redis-fault-proxy';
import { serviceAction, taskStopped } from '../fixtures/events/samples';
const MIN = 60_000;
import { keys } from '../../src/redis/keys';
import { getRuntime } from '../../src/handlers/compose';
import { redisAnswersAgain } from '../helpers/model';

const faults = useRedisFaultProxy();
const { e2e: h, clock } = useAlertsE2E({
  services: [{ serviceName: 'web-prod', status: 'ACTIVE', desiredCount: 2, runningCount: 2 }],
  setup: () => ({
    env: { REDIS_URL: faults.proxy.url },
    workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
    workerRedisBackoffScale: WORKER_REDIS_BACKOFF_SCALE,
  }),
});

/** The answer of the worker's next script that records a signal (its keys name an `alertseen` marker) is lost. */
async function loseAnswerOfNextSignal(): Promise<void> {
  // Connected, so the connection that carries the script exists when it is sent.
  await getRuntime('worker', () => {
    throw new Error('no worker runtime');
  }).redis.ping();
  faults.proxy.blipFrom('alertseen:');
}

describe('alerts when Redis misbehaves', () => {
  it('a failure whose Redis answer is lost is posted at once, counted once; another event of the same task is still a duplicate', async () => {
    const failure = taskStopped({ time: clock.now(), service: 'web-prod', container: 'web', exitCode: 1 });
    await loseAnswerOfNextSignal();
    const dropped = faults.proxy.dropped;
    await h.event(structuredClone(failure));
    faults.proxy.set('pass');
    expect(faults.proxy.dropped - dropped).toBe(1);
    const alerts = () => h.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    expect(alerts().map((m) => m.text)).toEqual(['🔥 web (prod): a task failed — exit code 1']);
    const inc = await faults.direct.hgetall(keys.incident('prod', 'web'));
    expect({ count: inc.count, lease: inc.lease, posted: !!inc.ts }).toEqual({ count: '1', lease: undefined, posted: true });

    // The same task stopped, in another event (a new id, a later detail.version).
    clock.advance(20_000);
    const again = structuredClone(failure);
    again.id = `${String(again.id).slice(0, 24)}999999999999`;
    again.detail.version += 1;
    await h.event(again);
    expect(h.logs.filter((l) => l.msg === 'duplicate ECS event ignored')).toHaveLength(1);
    expect((await faults.direct.hgetall(keys.incident('prod', 'web'))).count).toBe('1');
    expect(alerts()).toHaveLength(1);
  });

  it('a new failure after the incident recovered is a new alert, not an edit of the message posted while Redis was down', async () => {
    const alerts = () => h.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    await h.event(taskStopped({ time: clock.now(), service: 'web-prod', container: 'web', exitCode: 1 }));
    expect(alerts()).toHaveLength(1);
    // Redis down: a service action is posted without it (this process cannot know the incident's message).
    faults.proxy.set('down');
    clock.advance(5_000);
    await h.event(serviceAction('task-start-impaired', { time: clock.now(), service: 'web-prod' })).catch(() => undefined);
    faults.proxy.set('pass');
    await redisAnswersAgain(h);
    expect(alerts()).toHaveLength(2);
    // Redis answers again; Lambda's retry went elsewhere. The service runs quietly: the scheduled check closes the incident.
    clock.advance(6 * MIN);
    await h.tick();
    expect((await faults.direct.hget(keys.incident('prod', 'web'), 'state')) ?? '').toBe('recovered');
    clock.advance(MIN);
    await h.event(taskStopped({ time: clock.now(), service: 'web-prod', container: 'web', exitCode: 137 }));
    expect(alerts().map((m) => m.text)).toEqual([
      '✅ Recovered: web (prod): a task failed — exit code 1',
      expect.stringContaining('ECS cannot start tasks consistently'),
      expect.stringMatching(/^🔥 web \(prod\): a task failed/),
    ]);
  }, 60_000);

  it("an I'm on it whose answer was lost: the clicker is told they cannot be told yet, then that it went through", async () => {
    const alerts = () => h.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    await h.event(taskStopped({ time: clock.now(), service: 'web-prod', container: 'web', exitCode: 1 }));
    const alert = alerts()[0]!;
    const actions = (alert.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const ack = actions.elements!.find((e) => e.action_id === 'alert:ack')!;
    // The ack script runs; its answer never comes back (src/alerts/lua/ack-1.lua).
    const script = definedScripts().find((x) => x.name === 'chatops_alert_ack_v1')!;
    faults.proxy.deafFrom(createHash('sha1').update(script.lua).digest('hex'), "{'already', h[3]");
    await clickAlertButton(h, alert, ack, 'UDEV1');
    const said = () => h.slack.responses().map((r) => String(r.text));
    expect(said()).toEqual([expect.stringContaining("I can't tell whether this went through. I'll tell you here once I can check.")]);
    faults.proxy.set('pass');
    faults.proxy.cut();
    await h.drain();
    expect(said()[1]).toBe("Your I'm on it did go through: you have the alert of web (prod).");
    expect((await faults.direct.hget(keys.incident('prod', 'web'), 'ackBy')) ?? '').toBe('UDEV1');
    // The click never showed it on the alert (its answer was lost): the follow-up did.
    expect(JSON.stringify(alerts()[0]!.blocks)).toContain('<@UDEV1> is on it');
  });
});
