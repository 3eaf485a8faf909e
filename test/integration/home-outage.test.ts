/**
 * The Home tab during a long store outage (src/surfaces/home-publish.ts): a reader who opens the tab
 * again and again while Redis does not answer is shown the "store unavailable" view at each opening,
 * and the worker is handed a re-publish for them, which fails while the store is down (Lambda tries
 * an async invocation twice more, a minute and two minutes later) and publishes the real view once it
 * answers. Measured over a 10-minute outage with an opening every 30 s: the views.publish calls (the
 * local Slack API) and the jobs handed to the worker. Real Redis, a closed port for the outage.
 */
import { storeHarness, type StoreHarness } from './approvals-runtime';
import { fixtureGroups } from '../helpers/config';
import { getFreePort } from '../helpers/redis';
import { onHomeOpened, runHomeJob, type HomeJob } from '../../src/surfaces/home-publish';
import Redis from 'ioredis';
import type { Runtime } from '../../src/runtime';

const UNAVAILABLE = 'The bot cannot read its store (Redis) right now';
const MIN = 60_000;
/** Lambda's async invocation: the first attempt, then its two retries (about a minute, then two, apart). */
const ATTEMPTS_AFTER_MS = [0, MIN, 3 * MIN];

describe('the Home tab during a 10-minute store outage, opened every 30 s', () => {
  let h: StoreHarness;
  let down: Redis;
  beforeEach(async () => {
    h = await storeHarness({ groups: fixtureGroups() });
    // A store that answers nothing: every command fails at once (no connection, no queue, no reconnecting).
    down = new Redis({
      port: await getFreePort(),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
  });
  afterEach(async () => {
    down.disconnect();
    await h.close();
  });

  it('every opening is answered; the worker is handed one re-publish per reader per minute, and the real view once the store is back', async () => {
    const outageEnds = h.clock.now() + 10 * MIN;
    const downRt = { ...h.rt, redis: down } as unknown as Runtime;
    const homePublishes = () => h.slack.callsTo('views.publish').filter((c) => (c.body as { user_id?: string }).user_id === 'UVIEW').length;
    // The worker's invocations, as Lambda runs them: each job tried at hand-off, then twice more while it fails.
    const attempts: Array<{ job: HomeJob; handedAt: number; n: number }> = [];
    let workerRuns = 0;
    let workerPublishes = 0;
    const runDueAttempts = async () => {
      for (const a of attempts.splice(0)) {
        if (a.handedAt + ATTEMPTS_AFTER_MS[a.n]! > h.clock.now()) {
          attempts.push(a);
          continue;
        }
        workerRuns++;
        const before = homePublishes();
        try {
          await runHomeJob(a.job, h.clock.now() < outageEnds ? downRt : h.rt);
          workerPublishes += homePublishes() - before;
        } catch {
          if (a.n + 1 < ATTEMPTS_AFTER_MS.length) attempts.push({ ...a, n: a.n + 1 });
        }
      }
    };
    let opens = 0;
    let jobs = 0;
    while (h.clock.now() < outageEnds) {
      await onHomeOpened(downRt, { tab: 'home', user: 'UVIEW' });
      opens++;
      for (const job of h.jobs.splice(0) as HomeJob[]) {
        jobs++;
        attempts.push({ job, handedAt: h.clock.now(), n: 0 });
      }
      expect(JSON.stringify(h.slack.homeView('UVIEW')?.blocks ?? null)).toContain(UNAVAILABLE);
      await runDueAttempts();
      h.clock.advance(30_000);
    }
    const publishesDuringOutage = homePublishes();
    // The store is back: the retries still pending run.
    for (let i = 0; i < 8; i++) {
      await runDueAttempts();
      h.clock.advance(30_000);
    }
    // Every opening was answered (the view says the store is not answering)…
    expect(opens).toBe(20);
    expect(publishesDuringOutage).toBe(opens);
    // …but the worker was handed one re-publish per minute, not one per opening (before: 20 jobs, 58 invocations).
    expect(jobs).toBe(10);
    expect(workerRuns).toBeLessThanOrEqual(3 * jobs);
    // The reader gets the real view once the store is back, without opening the tab again, and not over and over.
    expect(JSON.stringify(h.slack.homeView('UVIEW')?.blocks ?? null)).not.toContain(UNAVAILABLE);
    expect(workerPublishes).toBeGreaterThanOrEqual(1);
    expect(workerPublishes).toBeLessThanOrEqual(3);
  });
});
