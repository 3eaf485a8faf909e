/**
 * `/ecs mute` and `/ecs unmute` through the Slack handler, their effect on alerts through the
 * events and scheduled handlers; and alerts while Redis is unreachable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../../src/redis/keys';
import { clearFallbackAlerts } from '../../src/alerts/pipeline';
import { ALERTS_T0 as T0, useAlertsE2E, type AlertsE2EOptions } from '../helpers/alerts-e2e';
import { getFreePort, startRedisServer, type RedisServerHandle } from '../helpers/redis';
import { WORKER_REDIS_BACKOFF_SCALE } from '../helpers/redis-fault-proxy';
import { serviceAction, taskStopped } from '../fixtures/events/samples';
import { UPDATE_EVERY_MS } from '../../src/alerts/sync';

const MIN = 60_000;

/**
 * A describe's harness: useAlertsE2E (DescribeServices answers no services; `setup`: setupE2E's
 * other options), the in-process fallback alerts cleared once it is set up; and what its tests read.
 */
function useMuteE2E(setup?: AlertsE2EOptions['setup']) {
  const h = useAlertsE2E({ services: [], ...(setup ? { setup } : {}) });
  beforeEach(() => clearFallbackAlerts());
  const { e2e } = h;
  return {
    ...h,
    alerts: (channel = 'CALERTS') => e2e.slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts),
    logLines: (msg: string) => e2e.logs.filter((l) => l.msg === msg),
  };
}

describe('/ecs mute and /ecs unmute', () => {
  const { e2e, clock, alerts, logLines } = useMuteE2E();

  it('mutes with who, why and until; failures are counted but not posted; the open incident is posted when the mute ends', async () => {
    const res = await e2e.slash('mute web 10m --reason "load test on checkout"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.text).toContain('Alerts for `web` (`prod`) are muted for 10m');
    expect(res.text).toContain('load test on checkout');
    expect(await e2e.rt.redis.hgetall(keys.alertMute('prod', 'web'))).toEqual({
      by: 'UDEV1',
      reason: 'load test on checkout',
      since: String(T0),
      until: String(T0 + 10 * MIN),
    });
    // Announced where the alerts go.
    const notice = alerts()[0]!;
    expect(notice.text).toContain('<@UDEV1> muted alerts for web (prod) until');
    expect(JSON.stringify(notice.blocks)).toContain('<@UDEV1> muted alerts for `web`');

    clock.advance(5 * MIN);
    await e2e.event(taskStopped({ time: clock.now(), exitCode: 1 }));
    await e2e.event(taskStopped({ time: clock.now(), exitCode: 1 }));
    expect(alerts()).toHaveLength(1); // only the notice
    expect(logLines('alert muted: counted in the incident, not posted')).toHaveLength(2);

    clock.advance(4 * MIN);
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
    clock.advance(2 * MIN); // the mute has ended
    await e2e.tick();
    expect(alerts()).toHaveLength(2);
    expect(alerts()[1]!.text).toContain('2 tasks failed');
  });

  it('unmutes, says who had muted, and a later failure posts at once', async () => {
    await e2e.slash('mute web 2h --reason "deploy window"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const res = await e2e.slash('unmute web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(res.text).toContain('Alerts for `web` (`prod`) are back on (muted by <@UDEV1>: deploy window)');
    expect(await e2e.rt.redis.exists(keys.alertMute('prod', 'web'))).toBe(0);
    const again = await e2e.slash('unmute web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(again.text).toContain('are not muted');
    await e2e.event(taskStopped({ time: clock.now(), exitCode: 1 }));
    expect(alerts().map((m) => (m.text ?? '').split(' until ')[0])).toEqual([
      '🔕 <@UDEV1> muted alerts for web (prod)',
      '🔔 <@UDEV2> unmuted alerts for web (prod).',
      '🔥 web (prod): a task failed — exit code 1',
    ]);
  });

  it('checks who may mute, where, and for how long', async () => {
    e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
    e2e.slack.setUserGroup('SLEADS', ['ULEAD3']);
    expect((await e2e.slash('mute web 2h --reason x', { channel_id: 'CPROD', user_id: 'UNOBODY' })).text).toContain(
      'You are not allowed to request changes in `prod`',
    );
    expect((await e2e.slash('mute web 2h --reason x', { channel_id: 'CALERTS', user_id: 'UDEV1' })).text).toContain(
      'not allowed in this channel',
    );
    expect((await e2e.slash('mute web soon', { channel_id: 'CPROD', user_id: 'UDEV1' })).text).toContain('`soon` is not a duration');
    expect((await e2e.slash('mute web 30d', { channel_id: 'CPROD', user_id: 'UDEV1' })).text).toContain('The longest mute is 7d');
    expect((await e2e.slash('mute web', { channel_id: 'CPROD', user_id: 'UDEV1' })).text).toContain('Missing duration');
    expect((await e2e.slash('mute wbe 1h', { channel_id: 'CPROD', user_id: 'UDEV1' })).text).toContain("I don't know a service called");
    expect((await e2e.slash('mute web 1h load test', { channel_id: 'CPROD', user_id: 'UDEV1' })).text).toContain(
      '`mute web 1h --reason \\"load test\\"`',
    );
    expect(await e2e.rt.redis.exists(keys.alertMute('prod', 'web'))).toBe(0);
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('closes an incident on a steady state only after a quiet period', async () => {
    await e2e.event(taskStopped({ time: clock.now(), exitCode: 1 }));
    clock.advance(MIN);
    await e2e.event(serviceAction('steady-state', { time: clock.now() }));
    expect(alerts()[0]!.text).toMatch(/^🔥/);
    clock.advance(5 * MIN);
    await e2e.event(serviceAction('steady-state', { time: clock.now() }));
    expect(alerts()[0]!.text).toMatch(/^✅ Recovered/);
  });
});

describe('Redis down', () => {
  /** The bot's waits (rt.sleep), held until the test releases them; releasing moves the clock by the wait. */
  let waits: Array<{ ms: number; release: () => void }> = [];
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      waits.push({
        ms,
        release: () => {
          clock.advance(ms);
          resolve();
        },
      });
    });
  /** Wait until `done()`; the events wait for Redis's connection to be refused (real time), so this polls (at most 30 s). */
  async function until(done: () => boolean): Promise<void> {
    for (let i = 0; i < 3_000 && !done(); i++) await new Promise<void>((r) => setTimeout(r, 10));
    expect(done()).toBe(true);
  }
  const updates = () => e2e.slack.callsTo('chat.update').filter((c) => !c.rateLimited && !c.down && !c.failed);
  /** An event delivered while Redis is down: the alert is posted, and the invocation still fails (deploy tracking needs Redis), so Lambda retries it. */
  const event = (ev: unknown) =>
    e2e.event(ev).catch((err: Error) => expect(err.message).toBe('event consumers failed: deploy-progress; Lambda retries the event'));

  /** The port REDIS_URL names (nothing listens there until a test starts a server on it). */
  let port = 0;
  let server: RedisServerHandle | undefined;
  beforeEach(async () => {
    waits = [];
    port = await getFreePort();
  });
  const { e2e, clock, alerts, logLines } = useMuteE2E(() => ({
    env: { REDIS_URL: `redis://127.0.0.1:${port}/0` },
    sleep,
    workerRedisBackoffScale: WORKER_REDIS_BACKOFF_SCALE,
  }));
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('still posts alerts, grouped per service in the process (no de-duplication across processes), and says so in the log', async () => {
    const ev = taskStopped({ time: clock.now(), exitCode: 1 });
    await event(ev);
    await event(ev); // a redelivery to the same process
    clock.advance(5_000);
    await event(taskStopped({ time: clock.now(), exitCode: 1 }));
    const texts = alerts().map((m) => m.text);
    expect(texts).toEqual(['🔥 web (prod): 2 tasks failed — 2 tasks failed in less than a minute: exit code 1 ×2']);
    expect(logLines('redis unavailable: alert posted without grouping, de-duplication or mute')).toHaveLength(1);
    expect(logLines('redis unavailable: alert updated in place (grouped in this process only)')).toHaveLength(1);
    expect(logLines('duplicate ECS event ignored (in-process check; redis unavailable)')).toHaveLength(1);
    // Nothing is on record, so no buttons (each would only refuse): what to type instead.
    const blocks = alerts()[0]!.blocks as Array<{ type: string; elements?: Array<{ text?: string }> }>;
    expect(blocks.filter((b) => b.type === 'actions')).toEqual([]);
    expect(JSON.stringify(blocks)).toContain('No buttons: I could not reach my store (Redis) when I posted this');
    expect(JSON.stringify(blocks)).toContain('`/ecs status web`');
  });

  it('a storm while Redis is down is one message per service, updated in place at most once per 3 s, ending on the last count', async () => {
    const web = () => taskStopped({ time: clock.now(), exitCode: 1 });
    const worker = () => taskStopped({ time: clock.now(), exitCode: 1, service: 'worker-prod', container: 'worker' });
    await event(web());
    await event(worker());
    const both = () => [...alerts(), ...alerts('CWORKERTEAM')];
    expect(both()).toHaveLength(2);
    // 60 more at once in this process: the first of each service waits for the spacing, the others only count.
    let settled = 0;
    const storm = Array.from({ length: 60 }, (_, i) => event(i % 4 === 3 ? worker() : web()).then(() => settled++));
    await until(() => settled === 58 && waits.length === 2);
    expect(waits.map((w) => w.ms)).toEqual([UPDATE_EVERY_MS, UPDATE_EVERY_MS]);
    expect(updates()).toHaveLength(0);
    for (const w of waits) w.release();
    await Promise.all(storm);
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(2);
    expect(updates()).toHaveLength(2);
    const texts = both().map((m) => m.text ?? '');
    expect(texts).toHaveLength(2);
    expect(texts.find((t) => t.startsWith('🔥 web (prod)'))).toContain('46 tasks failed');
    expect(texts.find((t) => t.startsWith('🔥 worker (prod)'))).toContain('16 tasks failed');
  }, 60_000);

  it('when Slack fails too, the next event of the service posts everything counted so far', async () => {
    e2e.slack.failNext('chat.postMessage', 'fatal_error');
    await event(taskStopped({ time: clock.now(), exitCode: 1 }));
    expect(alerts()).toEqual([]);
    clock.advance(5_000);
    await event(taskStopped({ time: clock.now(), exitCode: 1 }));
    expect(alerts().map((m) => m.text)).toEqual(['🔥 web (prod): 2 tasks failed — 2 tasks failed in less than a minute: exit code 1 ×2']);
  });

  it("once Redis answers again, Lambda's retries of the outage's events land in the message posted without it, not in a second alert", async () => {
    const first = taskStopped({ time: clock.now(), exitCode: 1 });
    await event(first);
    clock.advance(5_000);
    const second = taskStopped({ time: clock.now(), exitCode: 1 });
    await event(second);
    expect(alerts()).toHaveLength(1);
    const posted = alerts()[0]!;
    expect(posted.text).toContain('2 tasks failed');

    // Redis is back; a minute later Lambda retries both invocations (the same events).
    server = await startRedisServer({ port });
    clock.advance(MIN);
    await e2e.event(first);
    clock.advance(5_000);
    await e2e.event(second);
    expect(alerts()).toHaveLength(1);
    const shown = e2e.slack.message('CALERTS', posted.ts)!;
    expect(shown.text).toContain('2 tasks failed');
    // On record now: the buttons are back, and the message says what it counted without Redis.
    const blocks = JSON.stringify(shown.blocks);
    expect(blocks).toContain('"type":"actions"');
    expect(blocks).not.toContain('No buttons');
    expect(blocks).toContain('Posted while my store (Redis) was down: 2 counted from');
    expect((await e2e.rt.redis.hget(keys.incident('prod', 'web'), 'ts')) ?? '').toBe(posted.ts);
  }, 60_000);

  it('once Redis answers again and the incident already has its message, the message posted without Redis links to it', async () => {
    // Redis keeps its data across the outage (append-only file in a directory of the test's own).
    const dir = mkdtempSync(join(tmpdir(), 'ecs-chatops-outage-'));
    const persistent = ['--appendonly', 'yes', '--appendfsync', 'always'];
    try {
      server = await startRedisServer({ port, dir, extraArgs: persistent });
      await e2e.event(taskStopped({ time: clock.now(), exitCode: 1 }));
      expect(alerts()).toHaveLength(1);
      const incident = alerts()[0]!;
      await server.stop();
      clock.advance(5_000);
      const during = taskStopped({ time: clock.now(), exitCode: 1 });
      await event(during);
      // Without Redis this process cannot know of the incident's message: it posts its own.
      expect(alerts()).toHaveLength(2);
      const fallback = alerts()[1]!;
      server = await startRedisServer({ port, dir, extraArgs: persistent });
      clock.advance(MIN);
      await e2e.event(during); // Lambda's retry
      expect(alerts()).toHaveLength(2);
      expect(e2e.slack.message('CALERTS', incident.ts)!.text).toContain('2 tasks failed');
      const blocks = JSON.stringify(e2e.slack.message('CALERTS', fallback.ts)!.blocks);
      expect(blocks).toContain(`this alert continues in <https://slack.com/archives/CALERTS/p${incident.ts.replace('.', '')}|`);
      expect(blocks).not.toContain('No buttons');
    } finally {
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
