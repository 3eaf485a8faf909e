/**
 * Notices posted while Slack waits for the ack (src/approvals/notice.ts): a lock's, a take-over's
 * and its direct message to the previous holder, a freeze's, a mute's. The first attempt is one
 * short keyed post; when Slack refuses it (429, 5xx, an error) or does not answer in time, the Slack
 * function hands a `notice` job to the worker over the loopback Lambda endpoint, and the worker posts
 * it with the look-then-post (src/approvals/notice.run.ts): shown exactly once. Before, such a
 * notice was lost (refused) or left to chance (no answer). Real handlers, real Redis, the local
 * Slack server over HTTP.
 */
import { readGuards } from '../../src/approvals/guards';
import { keys } from '../../src/redis/keys';
import { fixtureGroups } from '../helpers/config';
import { useE2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';

const T0 = Date.UTC(2026, 11, 3, 13, 0, 0);
/** Past the Slack function's 1.2 s bound on the post (WITHIN_ACK_TIMEOUT_MS), and within the worker's 2 s grace (LATE_POST_GRACE_MS). */
const LANDS_LATE_MS = 1_600;

const clock = new FakeClock(T0);
beforeEach(() => clock.set(T0));
const e2e = useE2E(() => ({ now: clock.now, groups: fixtureGroups() }));

type Call = { body: Record<string, unknown> & { metadata?: { event_payload?: { key?: string } } }; response?: unknown; stalled?: boolean };
const keyOf = (c: Call) => c.body.metadata?.event_payload?.key ?? '';
const textOf = (m: { text?: string }) => m.text ?? '';
const posts = () => e2e.slack.callsTo('chat.postMessage') as unknown as Call[];
/** Messages of `channel` whose text says `what`. */
const shown = (channel: string, what: string) => e2e.slack.messages(channel).filter((m) => textOf(m).includes(what));
const noticeJobs = () => e2e.handedOff.filter((j) => (j as { kind?: string }).kind === 'notice') as Array<Record<string, unknown>>;
const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);

const typed = (text: string, user: string) => e2e.slash(text, { channel_id: 'CPROD', user_id: user });

const LOCKED = 'locked web in prod';
const FROZE = 'froze prod';
const MUTED = 'muted alerts for web';
const TOOK_OVER = 'took over the lock on web in prod';
const DM = 'took over your lock on web in prod';

/** Every post of `key`: the Slack function's first attempt, then the worker's (when it posted). */
const postsOf = (key: string) => posts().filter((c) => keyOf(c) === key);

/** What the notice said once: its messages, and its posts (by key). */
function once(channel: string, what: string): { key: string; posts: Call[] } {
  const msgs = shown(channel, what);
  expect(msgs).toHaveLength(1);
  const key = String((msgs[0] as { metadata?: { event_payload?: { key?: string } } }).metadata?.event_payload?.key ?? '');
  expect(key).not.toBe('');
  return { key, posts: postsOf(key) };
}

describe('a notice Slack refused within the ack is handed to the worker and posted once', () => {
  it('lock (429): the person is answered as usual; the worker posts the notice', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 30);
    const res = await typed('lock web --reason "db migration"', 'UDEV1');
    expect(res.text).toContain('Locked `web` in `prod`. I told the channel.');
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toMatchObject({ by: 'UDEV1' });
    expect(shown('CPROD', LOCKED)).toHaveLength(0);
    expect(noticeJobs()).toEqual([expect.objectContaining({ channel: 'CPROD', key: expect.stringMatching(/^locked:prod:web:UDEV1:/) })]);
    expect(noticeJobs()[0]).not.toHaveProperty('triedAt');

    await e2e.drain();
    const n = once('CPROD', LOCKED);
    expect(n.key).toBe(noticeJobs()[0]!.key);
    // The Slack function's attempt (refused), then the worker's.
    expect(n.posts.map((c) => (c.response as { ok?: boolean } | undefined)?.ok ?? 'refused')).toEqual(['refused', true]);
    expect(shown('CPROD', LOCKED)[0]!.text).toContain('db migration');
    expect(logged('notice: posted')).toHaveLength(1);
  });

  it('freeze (Slack answers an error): posted once by the worker', async () => {
    e2e.slack.failNext('chat.postMessage', 'internal_error');
    const res = await typed('freeze prod --reason "release day"', 'ULEAD1');
    expect(res.text).toContain('I told the channel.');
    expect(noticeJobs()).toHaveLength(1);
    await e2e.drain();
    const n = once('CPROD', FROZE);
    expect(n.key).toMatch(/^frozen:prod::ULEAD1:ULEAD1:/);
    expect(n.posts).toHaveLength(2);
  });

  it('mute (Slack answers HTTP 500): posted once by the worker in the alert channel', async () => {
    e2e.slack.serverErrorNext('chat.postMessage', 500);
    const res = await typed('mute web 2h --reason "noisy retries"', 'UDEV1');
    expect(res.text).toContain('are muted for 2h');
    expect(res.text).not.toContain('I could not tell');
    expect(await e2e.rt.redis.hgetall(keys.alertMute('prod', 'web'))).toMatchObject({ by: 'UDEV1' });
    expect(noticeJobs()).toEqual([expect.objectContaining({ channel: 'CALERTS', key: expect.stringMatching(/^mute:prod:web:UDEV1:/) })]);
    await e2e.drain();
    const n = once('CALERTS', MUTED);
    expect(n.posts).toHaveLength(2);
  });

  it('take-over (both refused): the channel notice and the direct message to the previous holder, each once', async () => {
    await typed('lock web --reason "db migration"', 'UDEV1');
    e2e.slack.rateLimitNext('chat.postMessage', 30, 2);
    const res = await typed('lock! web --reason "hotfix"', 'ULEAD1');
    // Handed off: they are told as when it was posted.
    expect(res.text).toContain('I told <@UDEV1> directly.');
    expect(
      noticeJobs()
        .map((j) => j.channel)
        .sort(),
    ).toEqual(['CPROD', 'UDEV1']);
    await e2e.drain();
    const notice = once('CPROD', TOOK_OVER);
    const dm = once('UDEV1', DM);
    expect(dm.key).toBe(`${notice.key}:dm`);
    expect(notice.posts).toHaveLength(2);
    expect(dm.posts).toHaveLength(2);
    expect(shown('CPROD', LOCKED)).toHaveLength(1);
  });

  it('a job delivered twice (Lambda delivers at least once): the second finds the notice and posts nothing', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 30);
    await typed('lock web', 'UDEV1');
    e2e.pending.push(structuredClone(e2e.pending[0]));
    await e2e.drain();
    const n = once('CPROD', LOCKED);
    expect(n.posts).toHaveLength(2);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
  });
});

describe('a notice Slack took but answered after the Slack function stopped waiting: the worker finds it', () => {
  it('lock: shown once, not posted again', async () => {
    e2e.slack.stallNext('chat.postMessage', LANDS_LATE_MS);
    const res = await typed('lock web --reason "db migration"', 'UDEV1');
    expect(res.text).toContain('I told the channel.');
    expect(noticeJobs()).toEqual([expect.objectContaining({ triedAt: expect.any(Number) })]);
    await e2e.drain();
    const n = once('CPROD', LOCKED);
    expect(n.posts).toHaveLength(1);
    expect(n.posts[0]!.stalled).toBe(true);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
    expect(e2e.slack.callsTo('conversations.history').map((c) => String(c.body.include_all_metadata))).toEqual(['true']);
  });

  it('freeze: shown once', async () => {
    e2e.slack.stallNext('chat.postMessage', LANDS_LATE_MS);
    await typed('freeze prod --reason "release day"', 'ULEAD1');
    expect(noticeJobs()).toHaveLength(1);
    await e2e.drain();
    expect(once('CPROD', FROZE).posts).toHaveLength(1);
  });

  it('mute: shown once', async () => {
    e2e.slack.stallNext('chat.postMessage', LANDS_LATE_MS);
    await typed('mute web 2h --reason "noisy retries"', 'UDEV1');
    expect(noticeJobs()).toHaveLength(1);
    await e2e.drain();
    expect(once('CALERTS', MUTED).posts).toHaveLength(1);
  });

  it('take-over: the channel notice and the direct message each shown once (the DM looked for in the bot’s DM)', async () => {
    await typed('lock web --reason "db migration"', 'UDEV1');
    e2e.slack.stallNext('chat.postMessage', LANDS_LATE_MS, 2);
    await typed('lock! web --reason "hotfix"', 'ULEAD1');
    expect(noticeJobs()).toHaveLength(2);
    await e2e.drain();
    expect(once('CPROD', TOOK_OVER).posts).toHaveLength(1);
    expect(once('UDEV1', DM).posts).toHaveLength(1);
    expect(e2e.slack.callsTo('conversations.open').map((c) => c.body.users)).toEqual(['UDEV1']);
    expect(logged('notice: the earlier attempt had landed')).toHaveLength(2);
  });

  it('Slack held it and then refused it (never shown): the worker looks, then posts it once', async () => {
    let held = false;
    e2e.slack.handle('chat.postMessage', async (body, call, builtin) => {
      if (held || !String(body.text ?? '').includes('locked')) return builtin!();
      held = true;
      call.stalled = true;
      await new Promise((r) => setTimeout(r, LANDS_LATE_MS));
      return { ok: false, error: 'fatal_error' };
    });
    await typed('lock web', 'UDEV1');
    expect(noticeJobs()).toEqual([expect.objectContaining({ triedAt: expect.any(Number) })]);
    await e2e.drain();
    const n = once('CPROD', LOCKED);
    expect(n.posts).toHaveLength(2);
    expect(logged('notice: posted')).toHaveLength(1);
  });
});

describe('a notice Slack took within the ack', () => {
  it('lock, freeze, mute, take-over: each shown once, keyed, and nothing handed off', async () => {
    await typed('lock web --reason "db migration"', 'UDEV1');
    await typed('freeze prod --reason "release day"', 'ULEAD1');
    await typed('mute web 2h --reason "noisy retries"', 'UDEV1');
    await typed('lock! web --reason "hotfix"', 'ULEAD1');
    expect(e2e.handedOff).toEqual([]);
    expect(e2e.lambda.callsOf({ service: 'lambda', action: 'Invoke' })).toHaveLength(0);
    for (const [channel, what] of [
      ['CPROD', LOCKED],
      ['CPROD', FROZE],
      ['CALERTS', MUTED],
      ['CPROD', TOOK_OVER],
      ['UDEV1', DM],
    ] as const)
      expect(once(channel, what).posts).toHaveLength(1);
    expect(e2e.slack.callsTo('conversations.history')).toHaveLength(0);
  });
});

describe('a notice neither posted nor handed off', () => {
  it('the hand-off stalls too: one bounded attempt, logged, and the answer says the channel was not told', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 30);
    // The test runtime's own Invoke timeouts are 10 s each: the hand-off's bound (RESERVE.handOff) ends it.
    e2e.lambda.stallNext('lambda', 'Invoke', 2);
    const res = await typed('lock web', 'UDEV1');
    expect(res.text).toContain('Locked `web` in `prod`. (I could not post the notice in this channel');
    expect(e2e.lambda.callsOf({ service: 'lambda', action: 'Invoke' })).toHaveLength(1);
    expect(logged('notice not posted, nor handed to the worker')).toEqual([expect.objectContaining({ level: 'warn' })]);
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toMatchObject({ by: 'UDEV1' });
  });
});
