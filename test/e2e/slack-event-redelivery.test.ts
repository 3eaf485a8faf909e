/**
 * A Slack event delivered again after a late answer (x-slack-retry-reason http_timeout), through
 * the Slack Lambda handler (signed, real Redis, the local Slack API). Before, every such redelivery
 * was dropped, so an event whose first delivery died (a Lambda timeout, a crash, a throttle) was
 * lost: the reader who opened the Home tab saw nothing. Now each delivery claims the event
 * (src/edge/event-claim.ts): the redelivery runs when the first delivery's claim lapsed unfinished,
 * and is answered at once while the claim is held, after the event was handled, or when the store
 * cannot say (as before). Nothing here asserts how long anything took.
 */
import { fixtureGroups } from '../helpers/config';
import { setupE2E, type E2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';
import { getFreePort } from '../helpers/redis';
import { appHomeOpened } from '../helpers/signing';
import { keys } from '../../src/redis/keys';
import { EVENT_CLAIM_MS, EVENT_DONE_MS } from '../../src/edge/event-claim';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const skipped = (e2e: E2E) => e2e.logs.filter((l) => l.msg === 'slack event: a retry after a late answer, skipped');

describe('a Slack event redelivered after a late answer', () => {
  let e2e: E2E;
  const release: Array<() => void> = [];

  beforeEach(async () => {
    e2e = await setupE2E({ now: new FakeClock(T0).now, groups: fixtureGroups() });
  });
  afterEach(async () => {
    for (const r of release.splice(0)) r();
    await e2e.close();
  });

  it('the first delivery died (its claim lapsed, never marked handled): the redelivery publishes the Home tab', async () => {
    // The first delivery claimed the event and died; its lease ran out.
    await e2e.rt.redis.set(keys.slackEvent('EvDIED'), 'run', 'PX', 1);
    while (await e2e.rt.redis.exists(keys.slackEvent('EvDIED'))) await new Promise((r) => setImmediate(r));

    const res = await e2e.slackEvent(appHomeOpened('UVIEW'), { retryNum: 1, eventId: 'EvDIED' });

    expect(res.statusCode).toBe(200);
    expect(e2e.slack.callsTo('views.publish')).toHaveLength(1);
    expect(JSON.stringify(e2e.slack.homeView('UVIEW')?.blocks)).toContain('home:refresh');
    expect(skipped(e2e)).toHaveLength(0);
    // Handled: remembered past Slack's later redeliveries.
    expect(await e2e.rt.redis.get(keys.slackEvent('EvDIED'))).toBe('done');
    expect(await e2e.rt.redis.pttl(keys.slackEvent('EvDIED'))).toBeGreaterThan(EVENT_CLAIM_MS);
  });

  it('a first delivery that never reached the bot: the redelivery runs it', async () => {
    await e2e.slackEvent(appHomeOpened('ULOST'), { retryNum: 2, eventId: 'EvLOST' });
    expect(e2e.slack.callsTo('views.publish')).toHaveLength(1);
    expect(e2e.slack.homeView('ULOST')).toBeDefined();
  });

  it('while the first delivery still runs (its claim held), the redelivery is answered at once, not published twice', async () => {
    e2e.slack.handle('views.publish', () => new Promise((resolve) => release.push(() => resolve({ ok: true }))));
    const first = e2e.slackEvent(appHomeOpened('UVIEW'), { eventId: 'EvSLOW' });
    await e2e.slack.waitFor((calls) => calls.some((c) => c.method === 'views.publish'));
    expect(await e2e.rt.redis.get(keys.slackEvent('EvSLOW'))).toBe('run');
    const lease = await e2e.rt.redis.pttl(keys.slackEvent('EvSLOW'));
    expect(lease).toBeGreaterThan(0);
    expect(lease).toBeLessThanOrEqual(EVENT_CLAIM_MS);

    const retry = await e2e.slackEvent(appHomeOpened('UVIEW'), { retryNum: 1, eventId: 'EvSLOW' });

    expect(retry.statusCode).toBe(200);
    expect(e2e.slack.callsTo('views.publish')).toHaveLength(1);
    expect(skipped(e2e)).toEqual([expect.objectContaining({ eventId: 'EvSLOW', claimed: false })]);
    for (const r of release.splice(0)) r();
    expect((await first).statusCode).toBe(200);
  });

  it('after the first delivery handled the event, a redelivery is answered at once', async () => {
    await e2e.slackEvent(appHomeOpened('UVIEW'), { eventId: 'EvDONE' });
    expect(await e2e.rt.redis.get(keys.slackEvent('EvDONE'))).toBe('done');
    expect(await e2e.rt.redis.pttl(keys.slackEvent('EvDONE'))).toBeLessThanOrEqual(EVENT_DONE_MS);

    await e2e.slackEvent(appHomeOpened('UVIEW'), { retryNum: 1, eventId: 'EvDONE' });
    await e2e.slackEvent(appHomeOpened('UVIEW'), { retryNum: 2, eventId: 'EvDONE' });

    expect(e2e.slack.callsTo('views.publish')).toHaveLength(1);
    expect(skipped(e2e)).toHaveLength(2);
  });
});

describe('a Slack event redelivered after a late answer, the store refusing connections', () => {
  it('the redelivery is skipped as before (better once than twice), and the log says the store did not say', async () => {
    const e2e = await setupE2E({
      now: new FakeClock(T0).now,
      groups: fixtureGroups(),
      env: { REDIS_URL: `redis://127.0.0.1:${await getFreePort()}/0` },
    });
    try {
      const res = await e2e.slackEvent(appHomeOpened('UVIEW'), { retryNum: 1, eventId: 'EvNOSTORE' });
      expect(res.statusCode).toBe(200);
      expect(e2e.slack.callsTo('views.publish')).toHaveLength(0);
      const [line] = skipped(e2e);
      expect(line).toBeDefined();
      expect(line).not.toHaveProperty('claimed');
      expect(
        e2e.logs.some(
          (l) =>
            (l.msg === 'slack event: the store failed' || l.msg === 'click budget: step cut short') &&
            (l.step ?? 'eventClaim') === 'eventClaim',
        ),
      ).toBe(true);
    } finally {
      e2e.rt.redis.disconnect();
      await e2e.close();
    }
  });
});
