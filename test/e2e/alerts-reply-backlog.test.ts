/**
 * Thread replies that did not reach Slack in a storm are not lost (src/alerts/backlog.ts): a reply the
 * channel's pace left out (no turn within 5 s) or that Slack answered 429 (a Retry-After the events
 * function cannot wait out) waits in the service's backlog in Redis; the scheduled check posts the
 * waiting ones as one reply in the incident's thread, with every line (the failure reason, why the
 * task stopped, its last log lines), bounded ("… and N more"), once however often the check runs.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { PACE_WAIT_MAX_MS } from '../../src/alerts/pacing';
import { reserveChannelTurn } from '../../src/alerts/store';
import { createRedis, type RedisClient } from '../../src/redis/client';
import { keys } from '../../src/redis/keys';
import { currentRuntime } from '../../src/handlers/compose';
import { setupE2E, type E2E } from '../helpers/e2e';
import { waitFor } from '../helpers/wait';
import { serviceAction, taskStopped, OOM, PULL_FAILED } from '../fixtures/events/samples';

const T0 = Date.parse('2026-03-02T10:00:00Z');

let now = T0;
let e2e: E2E;
let ecs: ReturnType<typeof mockClient>;
let logs: ReturnType<typeof mockClient>;
/** Another events Lambda posting into CALERTS: while on, it reserves the channel's turns as far ahead as it may whenever the bot waits. */
let competitor: RedisClient | undefined;
let busy = false;

async function fillChannel(): Promise<void> {
  while ((await reserveChannelTurn(competitor!, 'CALERTS', now, PACE_WAIT_MAX_MS)) >= 0);
}

beforeEach(async () => {
  now = T0;
  busy = false;
  e2e = await setupE2E({
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      if (busy) await fillChannel();
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  });
  // Set up after the harness: the database it chose.
  competitor = createRedis(process.env.REDIS_URL!, 'worker');
  clearTaskDefinitionCache();
  ecs = mockClient(ECSClient);
  logs = mockClient(CloudWatchLogsClient);
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      family: 'web',
      containerDefinitions: [
        {
          name: 'web',
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
  });
  logs.on(GetLogEventsCommand).resolves({ events: [{ timestamp: T0, message: 'panic: the last log line before the crash' }] });
});

afterEach(async () => {
  await competitor?.quit();
  ecs.restore();
  logs.restore();
  await e2e.close();
});

const alerts = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const thread = () => {
  const alert = alerts()[0]!;
  return e2e.slack.messages('CALERTS').filter((r) => r.thread_ts === alert.ts && r.ts !== alert.ts);
};
/** Everything a message shows: its text and its blocks' texts. */
const shown = (m: { text?: string; blocks?: unknown }): string => `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;

/** The channel stays busy (another poster keeps its turns reserved 10 s ahead) while `run` runs. */
async function whileChannelBusy(run: () => Promise<void>): Promise<void> {
  busy = true;
  await fillChannel();
  await run();
  busy = false;
}

/** The scheduled check a minute later, the channel idle again. */
async function tickLater(): Promise<void> {
  now += 60_000;
  await e2e.tick();
}

describe('thread replies left out in a storm', () => {
  it('replies the channel’s pace left out: the scheduled check posts them as one reply with every line, once', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    expect(alerts()).toHaveLength(1);
    await whileChannelBusy(async () => {
      await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
      await e2e.event(taskStopped({ time: now, exitCode: 3 }));
      await e2e.event(taskStopped({ time: now, exitCode: 4, stoppedReason: 'Task failed ELB health checks in (target-group x)' }));
    });
    expect(thread()).toHaveLength(0);
    expect(e2e.logs.filter((l) => l.msg === 'alert: thread reply kept for the scheduled check')).toHaveLength(3);

    await tickLater();
    const replies = thread();
    expect(replies).toHaveLength(1);
    const text = shown(replies[0]!);
    expect(text).toContain('3 more events while Slack was limiting the bot:');
    expect(text).toContain('CannotPullContainerError');
    expect(text).toContain('exit code 3');
    expect(text).toContain('failed ELB health checks');
    expect(text).toContain('Task failed ELB health checks');
    expect(text).toContain('panic: the last log line before the crash');
    expect(text).not.toContain('more (the alert message counts');
    expect(alerts()[0]!.text).toContain('4 tasks failed');

    // The check runs again (and again): nothing is posted twice.
    await tickLater();
    await tickLater();
    expect(thread()).toHaveLength(1);
    expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
  }, 30_000);

  it('a reply Slack answered 429 (Retry-After not waited out) is posted by the scheduled check; one it fails again is kept for the next', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    now += 10_000;
    e2e.slack.rateLimitNext('chat.postMessage', 600);
    await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(1);
    expect(thread()).toHaveLength(0);

    // Slack still limits the bot at the first check: kept for the next one.
    e2e.slack.rateLimitNext('chat.postMessage', 600);
    await tickLater();
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(2);
    expect(thread()).toHaveLength(0);
    await tickLater();
    expect(thread()).toHaveLength(1);
    const text = shown(thread()[0]!);
    expect(text).toContain('1 more event while Slack was limiting the bot:');
    expect(text).toContain('CannotPullContainerError');
    await tickLater();
    expect(thread()).toHaveLength(1);
  }, 30_000);

  it('Slack refusing for over an hour: the waiting reply is not tried every minute for ever; once Slack answers, one short reply says how many events could not be posted, and when', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    now += 10_000;
    // 429s for the reply's first try, every check's try for an hour, and the summary's first try.
    e2e.slack.rateLimitNext('chat.postMessage', 600, 62);
    await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    expect(thread()).toHaveLength(0);
    const firstCheck = now + 60_000;
    const tries = () => e2e.slack.callsTo('chat.postMessage').filter((c) => c.rateLimited).length;
    const dropped = () =>
      e2e.logs.filter(
        (l) =>
          l.msg === 'alert: waiting thread replies dropped: Slack did not take them for as long as they may wait; counted in the summary',
      );
    // Every check for an hour from the first one tries it (and gives it back); the next drops its lines and counts them.
    for (let minute = 1; minute <= 60; minute++) await tickLater();
    expect(dropped()).toHaveLength(0);
    expect(tries()).toBe(61);
    await tickLater();
    expect(dropped()).toEqual([expect.objectContaining({ level: 'warn', n: 1 })]);
    // The summary is tried in the same check (refused), then in the next, which Slack answers: once, in the incident's thread.
    expect(tries()).toBe(62);
    expect(thread()).toHaveLength(0);
    await tickLater();
    expect(thread()).toHaveLength(1);
    const text = shown(thread()[0]!);
    expect(text).toContain('1 event could not be posted here between ');
    expect(text).toContain(`<!date^${Math.floor(firstCheck / 1000)}^`);
    expect(text).toContain(`<!date^${Math.floor((firstCheck + 60 * 60_000) / 1000)}^`);
    expect(text).toContain('Slack kept refusing the bot');
    await tickLater();
    await tickLater();
    expect(thread()).toHaveLength(1);
    expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
  }, 60_000);

  it('bounded: past the lines it keeps, the backlog counts the rest and the reply says how many more', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await whileChannelBusy(async () => {
      for (let code = 2; code < 15; code++) await e2e.event(taskStopped({ time: now, exitCode: code }));
    });
    expect(thread()).toHaveLength(0);

    await tickLater();
    expect(thread()).toHaveLength(1);
    const reply = thread()[0]!;
    const text = shown(reply);
    expect(text).toContain('13 more events while Slack was limiting the bot:');
    expect(text).toContain('… and 3 more (the alert message counts them).');
    for (let code = 2; code < 12; code++) expect(text).toContain(`exit code ${code}`);
    // Within Block Kit's limits: a head, 10 lines, the note; no section over 3 000 characters.
    const blocks = reply.blocks as Array<{ text?: { text: string } }>;
    expect(blocks).toHaveLength(12);
    expect(blocks.every((b) => (b.text?.text.length ?? 0) <= 3000)).toBe(true);
    await tickLater();
    expect(thread()).toHaveLength(1);
  }, 60_000);
});

describe('waiting thread replies: a check that dies, a newer incident, a mute', () => {
  const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);

  it('a check that dies after taking the waiting replies (before posting them): a later check posts them, once', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await whileChannelBusy(async () => {
      await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
      await e2e.event(taskStopped({ time: now, exitCode: 3 }));
    });
    expect(thread()).toHaveLength(0);

    // The check dies once it has taken them: its Slack post never returns (the process is gone).
    const post = jest.spyOn(currentRuntime('worker')!.slack, 'post').mockImplementationOnce(() => new Promise(() => undefined));
    now += 60_000;
    void e2e.tick();
    await waitFor(() => post.mock.calls.length === 1, 'the dying check’s post');
    expect(post.mock.calls[0]![2]).toEqual({ threadTs: alerts()[0]!.ts, key: expect.stringMatching(/^alert:[\d.]+:bl:\d+$/) });
    post.mockRestore();
    // Its lock on the scheduled task lapses as a dead Lambda's would (real time here).
    await e2e.rt.redis.del(keys.tickLock('services-down'));

    // A minute later its claim is still in time: the next check leaves it alone.
    await tickLater();
    expect(thread()).toHaveLength(0);
    // Past the claim's time the dead check's lines are posted, by the next check.
    now += 120_000;
    await e2e.tick();
    expect(thread()).toHaveLength(1);
    const text = shown(thread()[0]!);
    expect(text).toContain('2 more events while Slack was limiting the bot:');
    expect(text).toContain('CannotPullContainerError');
    expect(text).toContain('exit code 3');
    expect(
      logged('alert: waiting thread replies taken over from a check that did not finish (posted again if it had posted them)'),
    ).toHaveLength(1);
    await tickLater();
    await tickLater();
    expect(thread()).toHaveLength(1);
    expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
  }, 30_000);

  it('a newer incident of the service does not drop the replies the earlier one is still waiting with: each goes to its own thread', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await whileChannelBusy(async () => {
      await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    });
    // The first incident recovers (steady state after the quiet period) and a new one opens.
    now += 6 * 60_000;
    await e2e.event(serviceAction('steady-state', { time: now }));
    expect(alerts()[0]!.text).toMatch(/^✅ Recovered/);
    now += 10_000;
    await e2e.event(taskStopped({ time: now, exitCode: 7 }));
    expect(alerts()).toHaveLength(2);
    await whileChannelBusy(async () => {
      await e2e.event(taskStopped({ time: now, exitCode: 8 }));
    });

    await tickLater();
    const inThread = (alert: { ts: string }) =>
      e2e.slack
        .messages('CALERTS')
        .filter((r) => r.thread_ts === alert.ts && r.ts !== alert.ts && shown(r).includes('while Slack was limiting'));
    const [first, second] = [alerts()[0]!, alerts()[1]!];
    expect(inThread(first)).toHaveLength(1);
    expect(shown(inThread(first)[0]!)).toContain('CannotPullContainerError');
    expect(shown(inThread(first)[0]!)).not.toContain('exit code 8');
    expect(inThread(second)).toHaveLength(1);
    expect(shown(inThread(second)[0]!)).toContain('exit code 8');
    expect(shown(inThread(second)[0]!)).not.toContain('CannotPullContainerError');
    await tickLater();
    expect(inThread(first)).toHaveLength(1);
    expect(inThread(second)).toHaveLength(1);
  }, 30_000);

  it('a mute started after replies were left waiting: they are dropped (counted in the log), not posted', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await whileChannelBusy(async () => {
      await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
      await e2e.event(taskStopped({ time: now, exitCode: 3 }));
    });
    const res = await e2e.slash('mute web 10m --reason "fixing it"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.text).toContain('are muted for 10m');

    await tickLater();
    expect(thread()).toHaveLength(0);
    expect(logged('alert: waiting thread replies dropped: the service is muted').map((l) => l.n)).toEqual([2]);
    expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
    // Not posted once the mute ends either.
    now += 10 * 60_000;
    await e2e.tick();
    expect(thread().filter((r) => shown(r).includes('while Slack was limiting'))).toHaveLength(0);
  }, 30_000);
});
