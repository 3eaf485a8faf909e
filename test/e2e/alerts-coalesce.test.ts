/**
 * Alert update coalescing (issue 10 item 12) through the events Lambda handler, the real Redis and
 * the local Slack API server: a burst of events for one incident updates its message at most once
 * per UPDATE_EVERY_MS, and the last state always lands.
 *
 * The bot's waits go through rt.sleep; here the test holds them: a wait is recorded, and released
 * by the test, which moves the clock by the wait. So "at most once every few seconds" is counted in
 * the bot's own clock, without any real waiting or timed assertion.
 */
import { findService } from '../../src/config/load';
import { alertMessage } from '../../src/alerts/messages';
import { ALERT_UPDATES_BURST, ALERT_UPDATES_PER_MINUTE, readIncident } from '../../src/alerts/store';
import { UPDATE_EVERY_MS } from '../../src/alerts/sync';
import { fitMessage } from '../../src/slack/blocks';
import { stormServices, useAlertsE2E } from '../helpers/alerts-e2e';
import { taskStopped, OOM } from '../fixtures/events/samples';

/** The bot's waits, held until the test releases them (or released at once when `auto`). */
let waits: Array<{ ms: number; release: () => void }> = [];
let auto = false;
/** A released wait moves the clock by its length; off: the test's own schedule alone moves it (events keep coming while a Lambda waits). */
let waitsMoveClock = true;
function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const release = () => {
      if (waitsMoveClock) clock.advance(ms);
      resolve();
    };
    waits.push({ ms, release });
    if (auto) release();
  });
}

beforeEach(() => {
  waits = [];
  auto = false;
  waitsMoveClock = true;
});
const { e2e, clock } = useAlertsE2E({ setup: () => ({ sleep }) });

const failure = (i: number) => taskStopped({ time: clock.now(), taskId: `burst${String(i).padStart(27, '0')}`, ...OOM });
const updates = () => e2e.slack.callsTo('chat.update').filter((c) => !c.rateLimited && !c.down && !c.failed);
const alert = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);

/** Let the event loop run until `done()` (no timer: a bounded number of turns). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000 && !done(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(done()).toBe(true);
}

/** The alert as Slack shows it equals the incident's state as recorded in Redis, rendered. */
async function expectShowsFinalState(): Promise<void> {
  const web = findService(e2e.rt.config, 'web')!;
  const view = (await readIncident(e2e.rt.redis, web))!;
  expect(view.shown).toBe(view.rev);
  const [msg] = alert();
  const expected = fitMessage(alertMessage(view, web, e2e.rt.people.workspace));
  expect(msg!.text).toBe(expected.text);
  expect(msg!.blocks).toEqual(JSON.parse(JSON.stringify(expected.blocks)));
}

describe('alert update coalescing', () => {
  it('a burst of 50 events for one incident: one post, one chat.update, and the message shows the final state', async () => {
    await e2e.event(failure(0));
    expect(alert()).toHaveLength(1);
    expect(updates()).toHaveLength(0);

    // 49 more arrive together (49 event Lambdas): one takes the lease and waits for the spacing, the others only count.
    let settled = 0;
    const burst = Array.from({ length: 49 }, (_, i) => e2e.event(failure(i + 1)).then(() => settled++));
    await until(() => settled === 48 && waits.length === 1);
    expect(waits[0]!.ms).toBe(UPDATE_EVERY_MS);
    expect(updates()).toHaveLength(0);
    waits[0]!.release();
    await Promise.all(burst);

    expect(updates()).toHaveLength(1);
    expect(waits).toHaveLength(1);
    expect(alert()).toHaveLength(1);
    expect(alert()[0]!.text).toContain('50 tasks failed');
    await expectShowsFinalState();

    // Quiet for longer than the spacing: the next event updates at once, without waiting.
    clock.advance(10 * UPDATE_EVERY_MS);
    await e2e.event(failure(50));
    expect(waits).toHaveLength(1);
    expect(updates()).toHaveLength(2);
    expect(alert()[0]!.text).toContain('51 tasks failed');
    await expectShowsFinalState();
  });

  it('events arriving while an update is on its way land in a trailing update; every update waited for the spacing', async () => {
    await e2e.event(failure(0));
    let settled = 0;
    const first = Array.from({ length: 20 }, (_, i) => e2e.event(failure(i + 1)).then(() => settled++));
    await until(() => settled === 19 && waits.length === 1);
    // From now on the bot's waits pass at once (moving the clock); 30 more arrive as the held update goes out.
    auto = true;
    waits[0]!.release();
    const second = Array.from({ length: 30 }, (_, i) => e2e.event(failure(i + 21)));
    await Promise.all([...first, ...second]);

    const web = findService(e2e.rt.config, 'web')!;
    expect((await readIncident(e2e.rt.redis, web))!.count).toBe(51);
    // Each chat.update came after a wait of the full spacing (so at most one per UPDATE_EVERY_MS of the bot's clock).
    expect(waits.every((w) => w.ms === UPDATE_EVERY_MS)).toBe(true);
    expect(updates().length).toBe(waits.length);
    expect(updates().length).toBeLessThanOrEqual(3);
    expect(alert()[0]!.text).toContain('51 tasks failed');
    await expectShowsFinalState();
  });

  it('a storm across services keeps the workspace within its budget of alert updates; the scheduled check brings every message to its last count', async () => {
    auto = true;
    // Events come on the storm's schedule whatever the bot waits for (other Lambdas deliver them meanwhile).
    waitsMoveClock = false;
    const services = stormServices(clock, failure);
    // Two minutes of the bot's clock: every service fails once per update spacing, so each incident may be updated every time.
    const start = clock.now();
    for (let round = 0; round < 40; round++) {
      for (const svc of services) await e2e.event(svc.event(round));
      clock.advance(UPDATE_EVERY_MS);
    }
    const minutes = (clock.now() - start) / 60_000;
    expect(minutes).toBe(2);
    // Slack allows chat.update about 50 a minute per workspace, shared with requests and deploy cards.
    expect(updates().length).toBeLessThanOrEqual(ALERT_UPDATES_BURST + ALERT_UPDATES_PER_MINUTE * minutes);
    expect(ALERT_UPDATES_BURST + ALERT_UPDATES_PER_MINUTE).toBeLessThan(50);

    // The updates left out are rendered by the scheduled check, within the budget: every message shows its last count.
    clock.advance(60_000);
    await e2e.tick();
    for (const svc of services) {
      const view = (await readIncident(e2e.rt.redis, findService(e2e.rt.config, svc.alias)!))!;
      expect(view.count).toBe(40);
      expect(view.shown).toBe(view.rev);
      const [msg] = e2e.slack.messages(svc.channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
      expect(msg!.text).toContain('40 tasks failed');
    }
  }, 60_000);
});
