/**
 * The Home tab's "store unavailable" view once the store is back (src/surfaces/home-publish.ts).
 * The view cannot be recorded as shown (that needs the store), and the opening could not clear the
 * reader's last record either, so a refresh after a change compared the reader's view with the
 * record of the view before the outage and, when nothing of theirs had changed, skipped them: they
 * kept reading "the store is not answering" until they opened the tab again. Now the opening hands
 * the worker a re-publish for that reader, which publishes the real view once the store answers.
 * Real Redis (and a closed port for the outage), the local Slack API, the jobs run as the worker would.
 */
import { useStoreHarness } from './approvals-runtime';
import { fixtureGroups } from '../helpers/config';
import { getFreePort } from '../helpers/redis';
import { onHomeOpened, runHomeJob, type HomeJob } from '../../src/surfaces/home-publish';
import { createRedis } from '../../src/redis/client';
import type { Runtime } from '../../src/runtime';

const UNAVAILABLE = 'The bot cannot read its store (Redis) right now';

describe('the Home tab after the store was back', () => {
  // This jest worker's own database (useWorkerDb), emptied before the test: another worker's file cannot flush it.
  const h = useStoreHarness({ groups: fixtureGroups() });

  const homeText = (user: string) => JSON.stringify(h.slack.homeView(user)?.blocks ?? null);
  /** The Home jobs handed to the worker, run as it would (the health reads from ECS left out: no AWS here). */
  const runWorker = async () => {
    for (const job of h.jobs.splice(0) as HomeJob[]) {
      if (job.kind === 'home-refresh' && !job.status) await runHomeJob(job, h.rt);
    }
  };

  it('a reader shown the "store unavailable" view gets the real one once the store answers, without opening the tab again', async () => {
    // Opened while the store answers: the real view, recorded as shown.
    await onHomeOpened(h.rt, { tab: 'home', user: 'UVIEW' });
    const real = homeText('UVIEW');
    expect(real).not.toContain(UNAVAILABLE);
    await runWorker();

    // Opened again while the store is down (nothing reaches it, the record included).
    const down = createRedis(`redis://127.0.0.1:${await getFreePort()}/0`, 'edge');
    try {
      await onHomeOpened({ ...h.rt, redis: down } as Runtime, { tab: 'home', user: 'UVIEW' });
    } finally {
      down.disconnect();
    }
    expect(homeText('UVIEW')).toContain(UNAVAILABLE);

    // The store is back; the worker runs what it was handed, then a refresh after a change that is not the reader's.
    await runWorker();
    await runHomeJob({ kind: 'home-refresh', id: 'after-a-change', scheduled: false }, h.rt);

    expect(homeText('UVIEW')).not.toContain(UNAVAILABLE);
    expect(homeText('UVIEW')).toContain('home:deploy');
  });
});
