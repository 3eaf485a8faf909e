/**
 * A storm into one channel: many services of one environment alert into the same channel at once.
 * Slack allows chat.postMessage about once a second per channel (short bursts allowed); alerts pace
 * their first posts and thread replies per channel (src/alerts/pacing.ts, the channel's bucket in
 * Redis), so every incident still ends with exactly one message, its final count and its thread
 * reply, and no burst of more than three messages goes into the channel within a second (of the
 * bot's clock: rt.sleep advances it here).
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { PACE_WAIT_MAX_MS } from '../../src/alerts/pacing';
import { reserveChannelTurn } from '../../src/alerts/store';
import { createRedis, type RedisClient } from '../../src/redis/client';
import { setupE2E, type E2E } from '../helpers/e2e';
import { configFile } from '../helpers/config';
import { taskStopped, OOM, PULL_FAILED } from '../fixtures/events/samples';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const SERVICES = ['web', 'a1', 'a2', 'a3', 'a4', 'a5'];

let now = T0;
let e2e: E2E;
let ecs: ReturnType<typeof mockClient>;
let logs: ReturnType<typeof mockClient>;
/** The bot's clock when each message reached the channel CALERTS. */
let postedAt: number[] = [];
/** Another events Lambda posting into CALERTS: while on, it reserves the channel's turns as far ahead as it may whenever the bot waits. */
let competitor: RedisClient | undefined;

beforeEach(async () => {
  now = T0;
  postedAt = [];
  competitor = undefined;
  e2e = await setupE2E({
    now: () => now,
    // The bot's waits pass on its clock at once.
    sleep: async (ms) => {
      now += ms;
      if (competitor) while ((await reserveChannelTurn(competitor, 'CALERTS', now, PACE_WAIT_MAX_MS)) >= 0);
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    configPath: configFile((d) => {
      for (const a of SERVICES.slice(1)) d.services[a] = { environment: 'prod', service: `${a}-prod`, container: 'web' };
    }),
  });
  e2e.slack.subscribe((ev) => {
    if (ev.type === 'message' && ev.message.channel === 'CALERTS') postedAt.push(now);
  });
  clearTaskDefinitionCache();
  ecs = mockClient(ECSClient);
  logs = mockClient(CloudWatchLogsClient);
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { family: 'web', containerDefinitions: [{ name: 'web' }] } });
  logs.on(GetLogEventsCommand).resolves({ events: [] });
});

afterEach(async () => {
  await competitor?.quit();
  ecs.restore();
  logs.restore();
  await e2e.close();
});

const alerts = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);

/** No four messages within less than a second: a burst of three, then one a second. */
function expectPaced(times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 3; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 3]!).toBeGreaterThanOrEqual(1_000);
}

function expectOneMessageEach(): void {
  const list = alerts();
  expect(list).toHaveLength(SERVICES.length);
  for (const m of list) {
    expect(m.text).toContain('2 tasks failed');
    const replies = e2e.slack.messages('CALERTS').filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
    expect(replies).toHaveLength(1);
    // Posted at once or, when the 429's wait did not fit (a loaded machine), by the scheduled check from the
    // backlog ("1 more event while Slack was limiting the bot: New failure reason: …"): either way, said once.
    expect(replies[0]!.text).toContain('New failure reason: CannotPullContainerError');
  }
}

describe('a storm of alerts into one channel', () => {
  it('paces first posts and thread replies per channel, across invocations', async () => {
    // One invocation after another (each as its own events Lambda would), all at the same moment.
    for (const a of SERVICES) await e2e.event(taskStopped({ time: now, service: `${a}-prod`, ...OOM }));
    for (const a of SERVICES) await e2e.event(taskStopped({ time: now, service: `${a}-prod`, ...PULL_FAILED }));
    await e2e.tick();

    expectOneMessageEach();
    expect(postedAt).toHaveLength(SERVICES.length * 2);
    expectPaced(postedAt);
    // Nothing was left out: every wait was within the limit.
    expect(e2e.logs.filter((l) => String(l.msg).includes('the channel is busy'))).toHaveLength(0);
  }, 30_000);

  it('every incident ends with one message, its final count and its reply when Slack answers 429 (Retry-After) meanwhile', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 1, 2);
    await Promise.all(SERVICES.map((a) => e2e.event(taskStopped({ time: now, service: `${a}-prod`, ...OOM }))));
    await Promise.all(SERVICES.map((a) => e2e.event(taskStopped({ time: now, service: `${a}-prod`, ...PULL_FAILED }))));
    // The scheduled check renders what a deferred update left.
    await e2e.tick();

    expectOneMessageEach();
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(2);
  }, 30_000);

  it('when the channel stays busy past the wait limit, a first post is not sent unpaced: the scheduled check posts it in its turn', async () => {
    const other = createRedis(process.env.REDIS_URL!, 'worker');
    competitor = other;
    // Another poster reserved the channel's turns as far ahead as a message may wait (and keeps doing so).
    while ((await reserveChannelTurn(other, 'CALERTS', now, PACE_WAIT_MAX_MS)) >= 0);
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    expect(alerts()).toHaveLength(0);
    expect(
      e2e.logs.filter((l) => l.msg === 'alert: the channel is busy; left to the scheduled check' && l.what === 'post'),
    ).not.toHaveLength(0);

    // The storm is over a minute later: the scheduled check posts the alert (in its turn), with everything counted.
    competitor = undefined;
    await other.quit();
    now += 60_000;
    await e2e.tick();
    const alert = alerts();
    expect(alert).toHaveLength(1);
    expect(alert[0]!.text).toContain('2 tasks failed');
    expect(alert[0]!.text).toContain('CannotPullContainerError');
  }, 30_000);
});
