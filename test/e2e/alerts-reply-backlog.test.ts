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
import { setupE2E, type E2E } from '../helpers/e2e';
import { taskStopped, OOM, PULL_FAILED } from '../fixtures/events/samples';

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
