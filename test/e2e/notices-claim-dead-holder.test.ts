/**
 * The worker's claim on a notice (src/approvals/notice.run.ts, workerKeys.noticeClaim: SET NX PX 60 s)
 * when its holder crashed: the process died between claiming and giving the claim up, so all it left
 * is the claim, which lapses by itself. A crashed holder's claim is written here as it leaves it (the
 * key with the time it has left: a holder that died 58.5 s ago leaves 1.5 s), so no test waits a minute.
 *   - The next attempt waits for the claim to lapse, then looks and posts: shown once; a holder that
 *     died after its post landed is found, not said again.
 *   - The wait stops while the invocation still has time to look and post (Lambda's time left,
 *     `getRemainingTimeInMillis`): the notice job fails, and Lambda's retry, after the lapse, posts it.
 * Real handlers, real Redis, the local Slack server over HTTP.
 */
import { handler as workerHandler } from '../../src/handlers/worker';
import { getRuntime } from '../../src/handlers/compose';
import { NOTICE_POST_WITHIN_MS } from '../../src/approvals/notice.run';
import { workerKeys } from '../../src/redis/keys.run';
import { fixtureGroups } from '../helpers/config';
import { useE2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS } from '../helpers/redis-fault-proxy';

const T0 = Date.UTC(2026, 11, 4, 9, 0, 0);

const faults = useRedisFaultProxy();
const clock = new FakeClock(T0);
beforeEach(() => clock.set(T0));
const e2e = useE2E(() => ({
  now: clock.now,
  groups: fixtureGroups(),
  env: { REDIS_URL: faults.proxy.url },
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
}));

type Msg = { text?: string; metadata?: { event_payload?: { key?: string } } };
const shown = (channel: string, what: string) => (e2e.slack.messages(channel) as Msg[]).filter((m) => (m.text ?? '').includes(what));
const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);
const LOCKED = 'locked web in prod';

/** `/ecs lock web` whose notice Slack refuses (429): the notice job the Slack function hands the worker, and its key. */
async function lockNoticeJob(): Promise<{ job: unknown; key: string }> {
  e2e.slack.rateLimitNext('chat.postMessage', 30);
  await e2e.slash('lock web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  const jobs = e2e.handedOff.filter((j) => (j as { kind?: string }).kind === 'notice') as Array<{ key: string }>;
  expect(jobs).toHaveLength(1);
  expect(shown('CPROD', LOCKED)).toHaveLength(0);
  return { job: e2e.pending.shift(), key: jobs[0]!.key };
}

/** The claim a holder that crashed leaves on notice `key`, `leftMs` before it lapses. */
async function crashedHolder(key: string, leftMs: number): Promise<void> {
  expect(await faults.direct.set(workerKeys.noticeClaim(key), 'crashed-holder', 'PX', leftMs, 'NX')).toBe('OK');
}

async function lapsed(key: string): Promise<void> {
  for (let i = 0; i < 100 && (await faults.direct.exists(workerKeys.noticeClaim(key))); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await faults.direct.exists(workerKeys.noticeClaim(key))).toBe(0);
}

describe('the claim on a notice held by a holder that crashed', () => {
  it('before posting: the next attempt waits for the claim to lapse, then posts it once', async () => {
    const { job, key } = await lockNoticeJob();
    await crashedHolder(key, 1_500);
    const started = Date.now();
    await workerHandler(job);
    // It waited for the lapse (not posted beside the claim, not given up).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_300);
    const msgs = shown('CPROD', LOCKED);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.metadata?.event_payload?.key).toBe(key);
    expect(logged('notice: another attempt is posting it; waiting for it')).toHaveLength(1);
    expect(logged('notice: another attempt held it; looking for it now')).toHaveLength(1);
    expect(logged('notice: posted')).toHaveLength(1);
    // Its own claim is given up once posted.
    expect(await faults.direct.exists(workerKeys.noticeClaim(key))).toBe(0);
    // A later delivery of the same job finds it.
    await workerHandler(job);
    expect(shown('CPROD', LOCKED)).toHaveLength(1);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
  });

  it('after its post landed: the next attempt waits, finds the post, and says nothing more', async () => {
    const { job, key } = await lockNoticeJob();
    await crashedHolder(key, 1_500);
    // The holder's post, keyed as the worker posts it; then the process died before giving the claim up.
    const worker = getRuntime('worker', () => {
      throw new Error('no worker runtime');
    });
    await worker.slack.post('CPROD', { text: `:lock: <@UDEV1> ${LOCKED} (from the holder)`, blocks: [] }, { key });
    await workerHandler(job);
    expect(shown('CPROD', LOCKED)).toHaveLength(1);
    expect(shown('CPROD', '(from the holder)')).toHaveLength(1);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
    expect(logged('notice: posted')).toHaveLength(0);
  });

  it("the invocation ends before the claim lapses: the wait stops in time, the job fails, and Lambda's retry posts it once", async () => {
    const { job, key } = await lockNoticeJob();
    await crashedHolder(key, 3_000);
    // The invocation has 1 s more than the look and post need: the waiting gets about 1 s, not the 3 s the claim has left.
    const context = { getRemainingTimeInMillis: () => NOTICE_POST_WITHIN_MS + 1_000 };
    const started = Date.now();
    await expect(workerHandler(job, context)).rejects.toThrow('this invocation ends soon');
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(shown('CPROD', LOCKED)).toHaveLength(0);
    expect(logged('notice: still claimed and the invocation ends soon; left to the next attempt')).toHaveLength(1);
    // Lambda tries the failed invocation again (a minute later: the crashed holder's claim has lapsed by then).
    await lapsed(key);
    await workerHandler(job, { getRemainingTimeInMillis: () => 180_000 });
    const msgs = shown('CPROD', LOCKED);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.metadata?.event_payload?.key).toBe(key);
    expect(logged('notice: posted')).toHaveLength(1);
  });
});
