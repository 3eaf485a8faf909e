/**
 * The two ways a lock or mute notice reaches the channel from the worker never say it twice: the
 * follow-up of a change whose Redis answer was lost (src/commands/recheck.run.ts) posts the notice
 * the command never posted with the same key as the command's own notice (src/approvals/notice.ts),
 * through the same worker part; a `notice` job for that notice (as the Slack function hands it off
 * when Slack does not take it in time) then finds it and posts nothing. The bot's Redis is behind the
 * fault proxy (deaf from the change's script on: the script ran, its answer never came).
 */
import { createHash } from 'node:crypto';
import { SCRIPTS } from '../../src/approvals/scripts';
import { definedScripts } from '../../src/redis/scripts';
import { keys } from '../../src/redis/keys';
import { signJob } from '../../src/hooks/jobs';
import { guardNoticeKey } from '../../src/approvals/locks';
import { muteKey } from '../../src/approvals/notice';
import { fixtureGroups } from '../helpers/config';
import { useDeployHarness } from '../helpers/deploy-e2e';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS } from '../helpers/redis-fault-proxy';

const faults = useRedisFaultProxy();
const h = useDeployHarness({
  groups: fixtureGroups(),
  env: () => ({ REDIS_URL: faults.proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
});

const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');
const LOCK: [string, string] = [sha1(SCRIPTS.lock.lua), "answer('CHANGE_RUNNING'"];
const MUTE: [string, string] = [sha1(definedScripts().find((s) => s.name === 'chatops_alert_mute_v1')!.lua), "'beyond', h[1]"];
const CANT_TELL = "I can't tell whether this went through. I'll tell you here once I can check.";

type Msg = { text?: string; metadata?: { event_payload?: { key?: string } } };
const keyOf = (m: Msg) => m.metadata?.event_payload?.key ?? '';
const shown = (channel: string, what: string) => (h.e2e.slack.messages(channel) as Msg[]).filter((m) => (m.text ?? '').includes(what));
const logged = (msg: string) => h.e2e.logs.filter((l) => l.msg === msg);

afterEach(() => faults.proxy.set('pass'));

/** `/ecs <text>` by `user` in CPROD while Redis is deaf from `script` on; then Redis answers again and the follow-up runs. */
async function lostAnswer(text: string, user: string, script: [string, string]): Promise<void> {
  faults.proxy.deafFrom(...script);
  const res = await h.e2e.slash(text, { channel_id: 'CPROD', user_id: user, response_url: h.e2e.slack.responseUrl('typed') });
  expect(res.text).toContain(CANT_TELL);
  faults.proxy.set('pass');
  faults.proxy.cut();
  await h.e2e.drain();
}

/** The worker is handed the notice job the Slack function hands off for `key` (signed as it signs it), and runs it. */
async function noticeJobFor(channel: string, key: string): Promise<void> {
  const job = { kind: 'notice', id: `notice:${key}`, channel, key, msg: { text: 'the same notice', blocks: [] } };
  h.e2e.pending.push(signJob(job, h.e2e.rt.jobKey, h.clock.now()));
  await h.e2e.drain();
}

it("lock: the follow-up's notice carries the command's key; the command's hand-off for it then finds it", async () => {
  await lostAnswer('lock web --reason "db migration"', 'UDEV1', LOCK);
  const lock = await faults.direct.hgetall(keys.serviceLock('prod', 'web'));
  expect(lock.by).toBe('UDEV1');
  const notices = shown('CPROD', 'locked web in prod');
  expect(notices).toHaveLength(1);
  // The key announceGuard gives the command's own notice of this lock.
  const key = guardNoticeKey({
    action: 'locked',
    user: 'UDEV1',
    environment: 'prod',
    service: 'web',
    guard: { by: 'UDEV1', since: Number(lock.since) },
    now: 0,
  });
  expect(keyOf(notices[0]!)).toBe(key);

  await noticeJobFor('CPROD', key);
  expect(shown('CPROD', 'locked web in prod')).toHaveLength(1);
  expect(shown('CPROD', 'the same notice')).toHaveLength(0);
  expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
});

it("mute: the follow-up's notice carries the command's key; the command's hand-off for it then finds it", async () => {
  await lostAnswer('mute web 2h --reason "load test"', 'UDEV1', MUTE);
  const mute = await faults.direct.hgetall(keys.alertMute('prod', 'web'));
  expect(mute.by).toBe('UDEV1');
  const notices = shown('CALERTS', 'muted alerts for web');
  expect(notices).toHaveLength(1);
  const key = muteKey('mute', 'prod', 'web', 'UDEV1', Number(mute.until));
  expect(keyOf(notices[0]!)).toBe(key);

  await noticeJobFor('CALERTS', key);
  expect(shown('CALERTS', 'muted alerts for web')).toHaveLength(1);
  expect(shown('CALERTS', 'the same notice')).toHaveLength(0);
});

it('lock: the follow-up and the notice job for the same notice, run at once (their posts held so they overlap): shown once', async () => {
  faults.proxy.deafFrom(...LOCK);
  const res = await h.e2e.slash('lock web --reason "db migration"', {
    channel_id: 'CPROD',
    user_id: 'UDEV1',
    response_url: h.e2e.slack.responseUrl('typed'),
  });
  expect(res.text).toContain(CANT_TELL);
  faults.proxy.set('pass');
  faults.proxy.cut();
  const lock = await faults.direct.hgetall(keys.serviceLock('prod', 'web'));
  expect(lock.by).toBe('UDEV1');
  const key = guardNoticeKey({
    action: 'locked',
    user: 'UDEV1',
    environment: 'prod',
    service: 'web',
    guard: { by: 'UDEV1', since: Number(lock.since) },
    now: 0,
  });
  // The follow-up is waiting to run; the notice job for the same notice is delivered at the same moment.
  h.e2e.pending.push(
    signJob(
      { kind: 'notice', id: `notice:${key}`, channel: 'CPROD', key, msg: { text: 'the same notice', blocks: [] } },
      h.e2e.rt.jobKey,
      h.clock.now(),
    ),
  );
  h.e2e.slack.stallNext('chat.postMessage', 800, 2);
  await h.e2e.drainConcurrently();
  expect((h.e2e.slack.messages('CPROD') as Msg[]).filter((m) => keyOf(m) === key)).toHaveLength(1);
  expect(logged('notice: posted')).toHaveLength(1);
  expect(logged('notice: the earlier attempt had landed')).toHaveLength(1);
});
