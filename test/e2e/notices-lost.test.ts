/**
 * A notice job Lambda gave up on (src/approvals/notice.run.ts noticeLost): both of the worker's
 * attempts failed (Slack kept failing), so Lambda sent the job to the worker's on-failure destination
 * (an SQS queue the scheduled function consumes: src/hooks/jobs.ts handleLostJobs). Before, the
 * notice was only logged there and never shown, although the person had been told "I told the
 * channel". Now the scheduled function still posts it, said once:
 *   - Slack well again: posted, with when it happened ("Posted late: …");
 *   - an earlier attempt had landed without an answer: found by its key, not said again;
 *   - Slack still failing, or it cannot be read (an earlier attempt may be there): not posted now,
 *     the record handed back to SQS (batchItemFailures), which delivers it again 12 min later;
 *   - more than an hour after it was handed off: dropped, logged as an error;
 *   - a record whose job the bot did not sign: never posted.
 * Real handlers, real Redis, the local Slack server over HTTP.
 */
import { handler as workerHandler } from '../../src/handlers/worker';
import { handler as scheduledHandler } from '../../src/handlers/scheduled';
import { getRuntime } from '../../src/handlers/compose';
import { NOTICE_OWED_MS } from '../../src/approvals/notice.run';
import { fixtureGroups } from '../helpers/config';
import { useE2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';

const T0 = Date.UTC(2026, 11, 4, 9, 0, 0);
const clock = new FakeClock(T0);
beforeEach(() => clock.set(T0));
const e2e = useE2E(() => ({ now: clock.now, groups: fixtureGroups() }));

type Msg = { text?: string; blocks?: unknown; metadata?: { event_payload?: { key?: string } } };
const shown = (channel: string, what: string) => (e2e.slack.messages(channel) as Msg[]).filter((m) => (m.text ?? '').includes(what));
const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);
const postsOf = (key: string) =>
  (e2e.slack.callsTo('chat.postMessage') as unknown as Array<{ body: Msg }>).filter((c) => c.body.metadata?.event_payload?.key === key);
const LOCKED = 'locked web in prod';
const LATE = 'Posted late: Slack did not take this notice when it happened';

/**
 * `/ecs lock web` whose notice Slack refuses within the ack (429), then refuses both of the worker's
 * attempts (Lambda's first and its one retry: maximumRetryAttempts 1): the job Lambda gives up on.
 */
async function noticeLambdaGaveUpOn(): Promise<{ job: Record<string, unknown>; key: string }> {
  e2e.slack.rateLimitNext('chat.postMessage', 30);
  const res = await e2e.slash('lock web --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  expect(res.text).toContain('I told the channel.');
  const job = e2e.pending.shift() as Record<string, unknown> & { kind: string; key: string };
  expect(job.kind).toBe('notice');
  e2e.slack.failNext('chat.postMessage', 'fatal_error', 2);
  await expect(workerHandler(job)).rejects.toThrow();
  clock.advance(60_000);
  await expect(workerHandler(job)).rejects.toThrow();
  expect(shown('CPROD', LOCKED)).toHaveLength(0);
  return { job, key: job.key };
}

/** The on-failure destination's record of `job`, as SQS hands it to the scheduled function. */
const sqs = (job: unknown, messageId = 'm1') => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  eventSource: 'aws:sqs',
  attributes: {},
  body: JSON.stringify({
    requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
    requestPayload: job,
    responsePayload: { errorType: 'Error', errorMessage: 'An API error occurred: fatal_error' },
  }),
});

describe('a notice job Lambda gave up on', () => {
  it('Slack well again: the scheduled function posts it once, saying it is late', async () => {
    const { job, key } = await noticeLambdaGaveUpOn();
    clock.advance(2 * 60_000);
    expect(await scheduledHandler({ Records: [sqs(job)] }, { getRemainingTimeInMillis: () => 120_000 })).toEqual({
      batchItemFailures: [],
    });
    const msgs = shown('CPROD', LOCKED);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.metadata?.event_payload?.key).toBe(key);
    expect(JSON.stringify(msgs[0]!.blocks)).toContain(LATE);
    // SQS delivers a record at least once: a second delivery finds it and says nothing more.
    await scheduledHandler({ Records: [sqs(job, 'm2')] });
    expect(shown('CPROD', LOCKED)).toHaveLength(1);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
  });

  it('(guard) an earlier attempt had landed without an answer: found by its key, not said again', async () => {
    const { job, key } = await noticeLambdaGaveUpOn();
    // What a worker attempt whose post Slack took without answering in time leaves behind.
    const worker = getRuntime('worker', () => {
      throw new Error('no worker runtime');
    });
    await worker.slack.post('CPROD', { text: `:lock: <@UDEV1> ${LOCKED} (the attempt that got no answer)`, blocks: [] }, { key });
    expect(await scheduledHandler({ Records: [sqs(job)] })).toEqual({ batchItemFailures: [] });
    expect(shown('CPROD', LOCKED)).toHaveLength(1);
    expect(postsOf(key).filter((c) => JSON.stringify(c.body).includes(LATE))).toHaveLength(0);
  });

  it('Slack still failing: handed back to SQS, and posted once by the delivery 12 min later', async () => {
    const { job } = await noticeLambdaGaveUpOn();
    e2e.slack.failNext('chat.postMessage', 'fatal_error');
    expect(await scheduledHandler({ Records: [sqs(job)] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(shown('CPROD', LOCKED)).toHaveLength(0);
    clock.advance(12 * 60_000);
    expect(await scheduledHandler({ Records: [sqs(job)] })).toEqual({ batchItemFailures: [] });
    expect(shown('CPROD', LOCKED)).toHaveLength(1);
  });

  it('Slack cannot be read (an earlier attempt may be there): not posted blind, handed back to SQS', async () => {
    const { job, key } = await noticeLambdaGaveUpOn();
    const before = postsOf(key).length;
    e2e.slack.failNext('conversations.history', 'fatal_error');
    expect(await scheduledHandler({ Records: [sqs(job)] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(postsOf(key)).toHaveLength(before);
    expect(logged('could not tell whether an earlier post landed; not posting it now')).toHaveLength(1);
    expect(shown('CPROD', LOCKED)).toHaveLength(0);
  });

  it('more than an hour after it was handed off: dropped, logged as an error, not posted', async () => {
    const { job, key } = await noticeLambdaGaveUpOn();
    const before = postsOf(key).length;
    clock.advance(NOTICE_OWED_MS);
    expect(await scheduledHandler({ Records: [sqs(job)] })).toEqual({ batchItemFailures: [] });
    expect(postsOf(key)).toHaveLength(before);
    expect(logged('notice: Lambda gave up on it and it could not be posted within the hour; dropped')).toEqual([
      expect.objectContaining({ level: 'error', key, channel: 'CPROD' }),
    ]);
  });

  it('a record whose job the bot did not sign (changed text): never posted', async () => {
    const { job, key } = await noticeLambdaGaveUpOn();
    const before = postsOf(key).length;
    const forged = { ...job, msg: { text: '<!channel> send me your password', blocks: [] } };
    expect(await scheduledHandler({ Records: [sqs(forged)] })).toEqual({ batchItemFailures: [] });
    expect(postsOf(key)).toHaveLength(before);
    expect(logged('notice: Lambda gave up on a job that is not a signed notice; not posted')).toHaveLength(1);
  });
});
