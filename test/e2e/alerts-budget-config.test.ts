/**
 * The workspace's budget of alert updates as set in chatops.yml (`limits.alertUpdatesPerMinute`,
 * `limits.alertUpdatesBurst`), through the events Lambda handler, the real Redis and the local Slack
 * API server. Before, the budget was fixed at 30 a minute, 10 at once (src/alerts/store.ts): a team
 * whose workspace shares Slack's chat.update limit with other apps could not turn it down.
 *
 * The bot's waits (rt.sleep) pass at once without moving the clock: the storm's own schedule moves it.
 */
import { findService } from '../../src/config/load';
import { readIncident } from '../../src/alerts/store';
import { UPDATE_EVERY_MS } from '../../src/alerts/sync';
import { configFile } from '../helpers/config';
import { stormServices, useAlertsE2E } from '../helpers/alerts-e2e';

const { e2e, clock } = useAlertsE2E({
  // A workspace that shares Slack's limits with other apps: alerts may update 6 messages a minute, 2 at once.
  setup: () => ({ configPath: configFile((doc) => (doc.limits = { alertUpdatesPerMinute: 6, alertUpdatesBurst: 2 })) }),
});

const updates = () => e2e.slack.callsTo('chat.update').filter((c) => !c.rateLimited && !c.down && !c.failed);
const services = stormServices(clock);

describe('a budget of alert updates set in chatops.yml', () => {
  it('holds a storm across services to the configured 6 a minute (the same storm makes 38 with the default); the scheduled check catches up within it', async () => {
    expect(e2e.rt.config.limits).toMatchObject({ alertUpdatesPerMinute: 6, alertUpdatesBurst: 2 });
    // One minute: every service fails once per update spacing, so each incident could be updated every time (57 updates).
    for (let round = 0; round < 20; round++) {
      for (const svc of services) await e2e.event(svc.event(round));
      clock.advance(UPDATE_EVERY_MS);
    }
    // Two at once, then one every 10 s: at most 2 + 6 in the minute (with the default, 30 a minute and 10 at once, the same storm made 38).
    expect(updates().length).toBeGreaterThan(0);
    expect(updates().length).toBeLessThanOrEqual(2 + 6);
    expect(e2e.logs.filter((l) => String(l.msg).startsWith('alert update deferred: the workspace’s budget')).length).toBeGreaterThan(0);

    // The scheduled check renders what was held back, within the same budget: two messages at once, the third a minute later.
    const behind = async () => {
      const out: string[] = [];
      for (const svc of services) {
        const view = (await readIncident(e2e.rt.redis, findService(e2e.rt.config, svc.alias)!))!;
        if (view.shown !== view.rev) out.push(svc.alias);
      }
      return out;
    };
    clock.advance(60_000);
    await e2e.tick();
    expect(await behind()).toHaveLength(1);
    clock.advance(60_000);
    await e2e.tick();
    expect(await behind()).toEqual([]);
    for (const svc of services) {
      const [msg] = e2e.slack.messages(svc.channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
      expect(msg!.text).toContain('20 tasks failed');
    }
  }, 60_000);
});
