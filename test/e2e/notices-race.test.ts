/**
 * Two attempts at the same notice at the same moment (src/approvals/notice.run.ts): a `notice` job
 * Lambda delivered twice, run by two worker environments at once, both after Slack's first attempt
 * got no answer. Without a claim both looked, found nothing and posted (said twice); with it the
 * second waits for the first and then finds its post. Redis down at the claim: looked for, then
 * posted unclaimed (once). And the two notices the hand-off tests did not cover: unmute, and the
 * acknowledge button of an automatic lock, refused by Slack and posted once by the worker. Real
 * handlers, real Redis (behind the fault proxy), the local Slack server over HTTP.
 */
import { keys } from '../../src/redis/keys';
import { workerKeys } from '../../src/redis/keys.run';
import { fixtureGroups } from '../helpers/config';
import { useE2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS } from '../helpers/redis-fault-proxy';
import { redisAnswersAgain } from '../helpers/model';

const T0 = Date.UTC(2026, 11, 3, 13, 0, 0);
/** Past the Slack function's 1.2 s bound on the post (WITHIN_ACK_TIMEOUT_MS). */
const HELD_MS = 1_600;

const faults = useRedisFaultProxy();
const clock = new FakeClock(T0);
beforeEach(() => clock.set(T0));
afterEach(() => faults.proxy.set('pass'));
const e2e = useE2E(() => ({
  now: clock.now,
  groups: fixtureGroups({ SDEVS: ['UDEV3'] }),
  env: { REDIS_URL: faults.proxy.url },
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
}));

type Call = { body: Record<string, unknown> & { metadata?: { event_payload?: { key?: string } } }; response?: unknown };
type Msg = { text?: string; metadata?: { event_payload?: { key?: string } } };
const keyOf = (c: Call) => c.body.metadata?.event_payload?.key ?? '';
const posts = () => e2e.slack.callsTo('chat.postMessage') as unknown as Call[];
const shown = (channel: string, what: string) => (e2e.slack.messages(channel) as Msg[]).filter((m) => (m.text ?? '').includes(what));
const noticeJobs = () => e2e.handedOff.filter((j) => (j as { kind?: string }).kind === 'notice') as Array<Record<string, unknown>>;
const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);
const typed = (text: string, user: string) => e2e.slash(text, { channel_id: 'CPROD', user_id: user });

/**
 * Slack holds the Slack function's first post of a notice saying `what` past its bound and then
 * refuses it (never shown: the job carries `triedAt`); every later post of it is held `laterMs`
 * before it lands, so that two attempts made at once overlap.
 */
function heldThenRefused(what: string, laterMs: number): void {
  let first = true;
  e2e.slack.handle('chat.postMessage', async (body, _call, builtin) => {
    if (!String(body.text ?? '').includes(what)) return builtin!();
    if (first) {
      first = false;
      await new Promise((r) => setTimeout(r, HELD_MS));
      return { ok: false, error: 'fatal_error' };
    }
    await new Promise((r) => setTimeout(r, laterMs));
    return builtin!();
  });
}

describe('two attempts at one notice at once: said once', () => {
  it('a notice job delivered twice, both run at once after Slack gave no answer: one posts, the other finds it', async () => {
    heldThenRefused('locked web in prod', 800);
    await typed('lock web --reason "db migration"', 'UDEV1');
    expect(noticeJobs()).toEqual([expect.objectContaining({ triedAt: expect.any(Number) })]);
    // Lambda delivers it again; two environments run the two deliveries at the same moment.
    e2e.pending.push(structuredClone(e2e.pending[0]));
    await e2e.drainConcurrently();

    const msgs = shown('CPROD', 'locked web in prod');
    expect(msgs).toHaveLength(1);
    const key = String(noticeJobs()[0]!.key);
    expect(msgs[0]!.metadata?.event_payload?.key).toBe(key);
    // The Slack function's attempt (refused), then one worker post.
    expect(posts().filter((c) => keyOf(c) === key)).toHaveLength(2);
    expect(logged('notice: posted')).toHaveLength(1);
    expect(logged('notice: another attempt is posting it; waiting for it')).toHaveLength(1);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
    // The claim is given up once the post is done.
    expect(await faults.direct.exists(workerKeys.noticeClaim(key))).toBe(0);
  });

  it('the take-over notice and its direct message, each delivered twice at once: each shown once', async () => {
    await typed('lock web --reason "db migration"', 'UDEV1');
    e2e.slack.rateLimitNext('chat.postMessage', 30, 2);
    e2e.slack.stallNext('chat.postMessage', 800, 4);
    await typed('lock! web --reason "hotfix"', 'ULEAD1');
    expect(noticeJobs()).toHaveLength(2);
    e2e.pending.push(...e2e.pending.map((j) => structuredClone(j)));
    await e2e.drainConcurrently();
    expect(shown('CPROD', 'took over the lock on web in prod')).toHaveLength(1);
    expect(shown('UDEV1', 'took over your lock on web in prod')).toHaveLength(1);
    expect(logged('notice: posted')).toHaveLength(2);
  });
});

describe('Redis down when the worker claims the notice', () => {
  it('looked for, then posted unclaimed: shown once', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 30);
    await typed('lock web', 'UDEV1');
    expect(noticeJobs()).toHaveLength(1);
    faults.proxy.set('down');
    await e2e.drain();
    expect(shown('CPROD', 'locked web in prod')).toHaveLength(1);
    expect(logged('notice: could not claim it; looking then posting unclaimed')).toHaveLength(1);
    expect(logged('notice: posted')).toHaveLength(1);
    faults.proxy.set('pass');
    await redisAnswersAgain(e2e);
  });
});

describe('notices without a hand-off test before', () => {
  it('unmute (429): handed to the worker, posted once in the alert channel', async () => {
    await typed('mute web 2h --reason "load test"', 'UDEV1');
    expect(shown('CALERTS', 'muted alerts for web')).toHaveLength(1);
    e2e.slack.rateLimitNext('chat.postMessage', 30);
    const res = await typed('unmute web', 'UDEV2');
    expect(res.text).not.toContain('I could not tell');
    expect(await faults.direct.exists(keys.alertMute('prod', 'web'))).toBe(0);
    expect(noticeJobs()).toEqual([expect.objectContaining({ channel: 'CALERTS', key: expect.stringMatching(/^unmute:prod:web:UDEV1:/) })]);
    expect(shown('CALERTS', 'unmuted alerts for web')).toHaveLength(0);
    await e2e.drain();
    const msgs = shown('CALERTS', 'unmuted alerts for web');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.metadata?.event_payload?.key).toBe(noticeJobs()[0]!.key);
    expect(posts().filter((c) => keyOf(c) === noticeJobs()[0]!.key)).toHaveLength(2);
  });

  it("the acknowledge button of an automatic lock (Slack's error): the lock is lifted, the notice posted once by the worker", async () => {
    await faults.direct.hset(keys.serviceLock('prod', 'web'), {
      by: 'bot',
      kind: 'rollback',
      reason: 'ECS rolled the deployment back',
      since: String(T0 - 60_000),
      request: 'prod.web.abc123',
    });
    e2e.slack.failNext('chat.postMessage', 'internal_error');
    await e2e.click({ action_id: 'lock:ack', value: 'prod.web', user_id: 'UDEV3', channel_id: 'CPROD', message_ts: '1700000000.000100' });
    expect(await faults.direct.exists(keys.serviceLock('prod', 'web'))).toBe(0);
    const what = 'acknowledged the rollback of';
    expect(noticeJobs()).toEqual([expect.objectContaining({ channel: 'CPROD', key: expect.stringMatching(/^acknowledged:prod:web:/) })]);
    expect(shown('CPROD', what)).toHaveLength(0);
    await e2e.drain();
    const msgs = shown('CPROD', what);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.metadata?.event_payload?.key).toBe(noticeJobs()[0]!.key);
    expect(posts().filter((c) => keyOf(c) === noticeJobs()[0]!.key)).toHaveLength(2);
  });
});
