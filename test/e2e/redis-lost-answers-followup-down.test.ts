/**
 * The follow-up of "I can't tell whether this went through" (src/commands/recheck.run.ts) when Redis
 * stays unreachable: the person gets one line, never both the worker's "the approvals store (Redis)
 * still does not answer, so I still can't tell…" and the scheduled tick's "I could not check whether
 * your change went through…".
 *
 * Both were said when the worker's claim on the follow-up ran in Redis and its answer was lost (Redis
 * then stopped answering): the worker, not knowing it held the claim, said it still could not tell;
 * the claim lapsed unanswered and the tick said it could not check. Now a worker whose claim may have
 * reached Redis says nothing and fails (Lambda tries it again; the retry finds the claim, or claims
 * and finds out; a job Lambda gives up on is told by the tick), and only a worker whose claim never
 * reached Redis (no connection all along) says it still cannot tell. A follow-up the worker runs
 * itself (of a request it created: no Lambda retry) still says it: twice at worst, never silent.
 * The bot's Redis is behind the fault proxy (test/helpers/redis-fault-proxy.ts); the test reads Redis directly.
 */
import { createHash } from 'node:crypto';
import { SCRIPTS } from '../../src/approvals/scripts';
import { definedScripts } from '../../src/redis/scripts';
import { keys } from '../../src/redis/keys';
import { RECHECK_WITHIN_MS, recheck } from '../../src/commands/recheck.run';
import { getRuntime } from '../../src/handlers/compose';
import { withFollowUp } from '../../src/commands/recheck';
import { storeUnavailable } from '../../src/redis/client';
import { noBudget } from '../../src/slack/click-budget';
import { fixtureGroups } from '../helpers/config';
import { useDeployHarness } from '../helpers/deploy-e2e';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS, WORKER_REDIS_BACKOFF_SCALE } from '../helpers/redis-fault-proxy';
import { handler as scheduledHandler } from '../../src/handlers/scheduled';
import { redisSeenDown } from '../helpers/model';

const faults = useRedisFaultProxy();
const h = useDeployHarness({
  groups: fixtureGroups(),
  env: () => ({ REDIS_URL: faults.proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
  workerRedisBackoffScale: WORKER_REDIS_BACKOFF_SCALE,
});

const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');
const marks = (lua: string, line: string): [string, string] => {
  expect(lua).toContain(line);
  return [sha1(lua), line];
};
const LOCK = () => marks(SCRIPTS.lock.lua, "answer('CHANGE_RUNNING'");
/** The worker's claim on the follow-up (recheck-claim-2.lua). */
const CLAIM = () => marks(definedScripts().find((s) => s.name === 'chatops_recheck_claim_v1')!.lua, "'s', 'claimed'");

const CANT_TELL = "I can't tell whether this went through. I'll tell you here once I can check.";
const STILL = "The approvals store (Redis) still does not answer, so I still can't tell whether this went through.";
const LAPSED =
  'I could not check whether your change went through: the check stopped before it could tell you. See for yourself: /ecs status web.';

const texts = () => h.e2e.slack.responses('typed').map((a) => String(a.text));

function redisBack(): void {
  faults.proxy.set('pass');
  faults.proxy.cut();
}

/** `/ecs lock web` whose script ran and whose answer was lost; the follow-up job the Slack function handed off. */
async function lockUnanswered(): Promise<{ id: string }> {
  faults.proxy.deafFrom(...LOCK());
  const res = await h.e2e.slash('lock web', { channel_id: 'CPROD', user_id: 'UDEV1', response_url: h.e2e.slack.responseUrl('typed') });
  expect(res.text).toContain(CANT_TELL);
  redisBack();
  const job = h.e2e.pending.find((j) => (j as { kind: string }).kind === 'recheck') as { id: string };
  expect(job).toBeDefined();
  return job;
}

/** The scheduled tick runs `minutes` later (each minute). */
async function ticksFor(minutes: number): Promise<void> {
  for (let i = 0; i < minutes; i++) {
    h.clock.advance(60_000);
    await h.e2e.tick();
    await h.e2e.drain();
  }
}

beforeEach(() => faults.proxy.set('pass'));
afterEach(() => faults.proxy.set('pass'));

describe('Redis stops answering when the worker claims the follow-up', () => {
  it('the claim ran, its answer was lost, Redis answers nothing more: one line (the tick\'s), not "still can\'t tell" as well', async () => {
    const job = await lockUnanswered();
    // The worker runs at the follow-up's deadline (one try); its claim runs in Redis, the answer never comes.
    h.clock.advance(RECHECK_WITHIN_MS);
    faults.proxy.deafFrom(...CLAIM());
    const failed = await h.e2e.drain().then(
      () => false,
      () => true,
    );
    expect(await faults.direct.hget(keys.recheckClaim(job.id), 's')).toBe('claimed');
    redisBack();
    // A failed invocation is tried again by Lambda (Redis answers by then): another attempt's claim is there.
    if (failed) {
      h.e2e.pending.push(job);
      await h.e2e.drain();
    }
    await ticksFor(3);
    expect(texts()).toEqual([LAPSED]);
    // The worker said nothing: it could not tell whether it held the claim the tick tells by.
    expect(failed).toBe(true);
  }, 30_000);

  it("the claim ran, its answer was lost; Lambda's retry finds Redis down, then gives up: one line (the tick's)", async () => {
    const job = await lockUnanswered();
    h.clock.advance(RECHECK_WITHIN_MS);
    faults.proxy.deafFrom(...CLAIM());
    await expect(h.e2e.drain()).rejects.toThrow();
    expect(await faults.direct.hget(keys.recheckClaim(job.id), 's')).toBe('claimed');
    // Lambda's retry, a minute later: Redis refuses every connection, so its own claim never reaches
    // Redis; the first attempt's may be there, so it says nothing either.
    h.clock.advance(60_000);
    faults.proxy.set('down');
    await redisSeenDown();
    h.e2e.pending.push(job);
    await expect(h.e2e.drain()).rejects.toThrow();
    expect(texts()).toEqual([]);
    // Lambda gives up; its on-failure destination reaches the scheduled function once Redis answers.
    redisBack();
    const record = {
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: job,
      responsePayload: { errorType: 'Error', errorMessage: 'Redis did not answer the claim in time' },
    };
    const sqs = { messageId: 'm1', receiptHandle: 'rh1', body: JSON.stringify(record), eventSource: 'aws:sqs', attributes: {} };
    expect(await scheduledHandler({ Records: [sqs] })).toEqual({ batchItemFailures: [] });
    await ticksFor(3);
    expect(texts()).toEqual([LAPSED]);
  }, 30_000);

  it('the claim never reached Redis (its answer lost on the way): the retry claims it and finds out: one line', async () => {
    await lockUnanswered();
    h.clock.advance(RECHECK_WITHIN_MS);
    faults.proxy.silentFrom(...CLAIM());
    await expect(h.e2e.drain()).rejects.toThrow();
    expect(texts()).toEqual([]);
    redisBack();
    const job = h.e2e.handedOff.find((j) => (j as { kind: string }).kind === 'recheck')!;
    h.e2e.pending.push(job);
    await h.e2e.drain();
    expect(texts()).toEqual(['Your /ecs lock web did go through.']);
    await ticksFor(3);
    expect(texts()).toEqual(['Your /ecs lock web did go through.']);
  }, 30_000);

  it('Redis unreachable all along (no claim can be there): the worker says it still cannot tell, and the tick says nothing more', async () => {
    const job = await lockUnanswered();
    h.clock.advance(RECHECK_WITHIN_MS);
    faults.proxy.set('down');
    await redisSeenDown();
    await h.e2e.drain();
    expect(texts()).toEqual([`${STILL} Before you try again, look at /ecs status web.`]);
    redisBack();
    expect(await faults.direct.exists(keys.recheckClaim(job.id))).toBe(0);
    await ticksFor(3);
    expect(texts()).toHaveLength(1);
  });

  it('a follow-up run in the worker that dispatched it (no Lambda retry): says it still cannot tell rather than nothing', async () => {
    // As the worker hands itself the follow-up of a request it created (src/commands/job.ts): in process, not tried again.
    const worker = getRuntime('worker', () => {
      throw new Error('no worker runtime');
    });
    const job = {
      kind: 'recheck',
      id: 'recheck-inprocess1',
      check: { t: 'guard', op: 'lock', env: 'prod', svc: 'web', user: 'UDEV1', at: h.clock.now() },
      at: h.clock.now() - RECHECK_WITHIN_MS,
      userId: 'UDEV1',
      locale: 'en',
      responseUrl: h.e2e.slack.responseUrl('typed'),
      channelId: 'CPROD',
    };
    faults.proxy.deafFrom(...CLAIM());
    // Tried again by Lambda: its claim may be there, so it says nothing and fails.
    await expect(recheck(job, worker)).rejects.toThrow('Redis did not answer the claim in time');
    expect(texts()).toEqual([]);
    // Tried by no one again: said (the tick may say it could not check as well: twice at worst, never silent).
    redisBack();
    faults.proxy.deafFrom(...CLAIM());
    await recheck({ ...job, id: 'recheck-inprocess2', noRetry: true }, worker);
    expect(texts()).toEqual([`${STILL} Before you try again, look at /ecs status web.`]);
  }, 30_000);

  it("the worker marks the follow-ups it runs itself (noRetry); the Slack function's are Lambda's, tried again", async () => {
    const lost = (at: number) =>
      storeUnavailable(new Error('Command timed out'), 'unchanged', {
        write: true,
        recheck: { t: 'guard', op: 'lock', env: 'prod', svc: 'web', user: 'UDEV1', at },
      });
    const place = { userId: 'UDEV1', locale: 'en' as const, channelId: 'CPROD' };
    await withFollowUp(h.e2e.rt, lost(h.clock.now()), place, noBudget());
    const handed = h.e2e.pending.filter((j) => (j as { kind: string }).kind === 'recheck');
    expect(handed).toHaveLength(1);
    expect(handed[0]).not.toHaveProperty('noRetry');
    const worker = getRuntime('worker', () => {
      throw new Error('no worker runtime');
    });
    await withFollowUp(worker, lost(h.clock.now() + 1), place, noBudget());
    await worker.dispatcher.idle!();
    // The job it ran, as its claim keeps it.
    const ran = h.e2e.logs.find((l) => l.msg === 'recheck: found out what happened');
    expect(ran).toBeDefined();
    const kept = JSON.parse((await faults.direct.hget(keys.recheckClaim(String(ran!.recheck)), 'job'))!);
    expect(kept).toMatchObject({ noRetry: true, check: { t: 'guard', op: 'lock' } });
  });
});
