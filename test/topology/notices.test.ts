/**
 * The lock, take-over, freeze and mute notices (src/approvals/notice.ts) on the deployed topology:
 * the built bundles, the Slack function handing a notice Slack did not take within the ack to the
 * worker through Lambda's Invoke on loopback, the worker posting it once with its own (patient)
 * Slack client, every AWS call checked against the calling function's role. The cases one by one
 * (refused, taken late, held and refused, the job delivered twice): test/e2e/notices-handoff.test.ts.
 */
import { flushRedis } from '../helpers/redis';
import { useSeededTopology } from '../helpers/topology';

const t = useSeededTopology({ afterEach: 'no failures or denials' });

/** Past the Slack function's 1.2 s bound on the post, within the worker's 2 s grace before it looks. */
const LANDS_LATE_MS = 1_600;

type Call = { body: Record<string, unknown> & { metadata?: { event_payload?: { key?: string } } }; stalled?: boolean };
const keyOf = (c: Call) => c.body.metadata?.event_payload?.key ?? '';

let slackCalls = 0;
let posts = 0;
let messages: Record<string, number> = {};
beforeEach(async () => {
  // Each case from no lock, freeze or mute.
  await flushRedis();
  t.slack.clearFaults();
  slackCalls = t.callsOf('slack').length;
  posts = t.slack.callsTo('chat.postMessage').length;
  messages = Object.fromEntries(['CPROD', 'CALERTS', 'UDEV1'].map((c) => [c, t.slack.messages(c).length]));
});

/** The notices Slack function handed to the worker in this case. */
const handedOff = () =>
  t
    .callsOf('slack')
    .slice(slackCalls)
    .filter((c) => c.service === 'lambda' && c.action === 'Invoke')
    .map((c) => JSON.parse(String(c.input.Payload)) as { kind: string; channel?: string; key?: string; triedAt?: number });
/** Messages of `channel` in this case that say `what`. */
const shown = (channel: string, what: string) =>
  t.slack
    .messages(channel)
    .slice(messages[channel])
    .filter((m) => (m.text ?? '').includes(what));
/** The posts (attempts) of a notice, by its key. */
const postsOf = (key: string) => (t.slack.callsTo('chat.postMessage').slice(posts) as unknown as Call[]).filter((c) => keyOf(c) === key);

describe('notices on the deployed topology', () => {
  it('a lock notice Slack refused (429): handed to the worker through Invoke, posted once by the worker', async () => {
    t.slack.rateLimitNext('chat.postMessage', 30);
    const ack = await t.slash('lock web --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('Locked `web` in `prod`. I told the channel.');
    expect(handedOff()).toEqual([expect.objectContaining({ kind: 'notice', channel: 'CPROD' })]);
    await t.settle();
    expect(shown('CPROD', 'locked web in prod')).toHaveLength(1);
    const key = handedOff()[0]!.key!;
    expect(postsOf(key)).toHaveLength(2);
    expect(t.invocations('worker').at(-1)).toMatchObject({ type: 'Event', event: expect.objectContaining({ kind: 'notice', key }) });
    expect(t.logLines('worker').filter((l) => l.msg === 'notice: posted')).toEqual([expect.objectContaining({ key })]);
  });

  it('a take-over whose channel notice and direct message Slack took late: each shown once, found by the worker', async () => {
    await t.slash('lock web --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    t.slack.stallNext('chat.postMessage', LANDS_LATE_MS, 2);
    const ack = await t.slash('lock! web --reason "hotfix"', { channel_id: 'CPROD', user_id: 'ULEAD1' });
    expect(ack.text).toContain('I told <@UDEV1> directly.');
    expect(handedOff().map((j) => [j.channel, typeof j.triedAt])).toEqual(
      expect.arrayContaining([
        ['CPROD', 'number'],
        ['UDEV1', 'number'],
      ]),
    );
    await t.settle();
    expect(shown('CPROD', 'took over the lock on web in prod')).toHaveLength(1);
    expect(shown('UDEV1', 'took over your lock on web in prod')).toHaveLength(1);
    for (const j of handedOff()) expect(postsOf(j.key!)).toHaveLength(1);
  });

  it('a freeze notice Slack took late and a mute notice it refused (500): each shown once', async () => {
    t.slack.stallNext('chat.postMessage', LANDS_LATE_MS);
    await t.slash('freeze prod --reason "release day"', { channel_id: 'CPROD', user_id: 'ULEAD1' });
    await t.settle();
    t.slack.serverErrorNext('chat.postMessage', 500);
    const ack = await t.slash('mute web 2h --reason "noisy retries"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('are muted for 2h');
    expect(ack.text).not.toContain('I could not tell');
    await t.settle();
    expect(handedOff().map((j) => j.channel)).toEqual(['CPROD', 'CALERTS']);
    expect(shown('CPROD', 'froze prod')).toHaveLength(1);
    expect(shown('CALERTS', 'muted alerts for web')).toHaveLength(1);
  });

  it('a notice Slack took within the ack: shown once, nothing handed off', async () => {
    await t.slash('lock worker --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await t.settle();
    expect(handedOff()).toEqual([]);
    expect(shown('CPROD', 'locked worker in prod')).toHaveLength(1);
  });
});
