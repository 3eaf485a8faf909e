/**
 * Issue 10, item 3: who sees logs. Each environment says whether `/ecs logs` answers are private
 * (default: the answer is ephemeral, the overflow file goes to a direct message with the requester)
 * or public (the channel sees the answer and the file); `--public` / `--private` choose for one
 * command. The alert's Logs button follows the same setting. Real handlers, real Redis, the local
 * Slack server (which records where every message and file went).
 */
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  type FilterLogEventsRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { setupE2E, type E2E } from '../helpers/e2e';
import { configFile, fixtureConfig } from '../helpers/config';
import { logEvent, NOW, REGISTRY, serviceWith, taskDefinitionWith } from '../helpers/aws-fixtures';
import { taskStopped } from '../fixtures/events/samples';

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);
let e2e: E2E;
let lineCount = 3;

afterAll(() => {
  ecsMock.restore();
  logsMock.restore();
});

async function start(edit?: Parameters<typeof configFile>[0]): Promise<void> {
  e2e = await setupE2E({ now: () => NOW, ...(edit ? { configPath: configFile(edit) } : {}) });
  clearTaskDefinitionCache();
  lineCount = 3;
  for (const [name, family] of [
    ['web-prod', 'web-prod'],
    ['web-staging', 'web-staging'],
  ] as const) {
    ecsMock
      .on(DescribeServicesCommand, { services: [name] })
      .resolves({ services: [serviceWith({ name, family, revision: 43 })], failures: [] });
  }
  ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({
    taskDefinition: taskDefinitionWith({
      family: input.taskDefinition.includes('staging') ? 'web-staging' : 'web-prod',
      revision: 43,
      container: 'web',
      image: `${REGISTRY}/shop/web:v1`,
    }),
    tags: [],
  }));
  logsMock.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsRequest) => ({
    events: Array.from({ length: Math.min(lineCount, input.limit ?? 10_000) }, (_, i) =>
      logEvent(NOW - (lineCount - i) * 1000, `secret-ish line ${i} ${'z'.repeat(120)}`),
    ),
    searchedLogStreams: [],
  }));
  logsMock.on(GetLogEventsCommand).callsFake((input: { limit?: number }) => ({
    events: Array.from({ length: input.limit ?? 10 }, (_, i) => ({
      timestamp: NOW,
      message: `alert line ${i} ${'q'.repeat(lineCount > 100 ? 200 : 10)}`,
    })),
  }));
}

afterEach(async () => {
  ecsMock.reset();
  logsMock.reset();
  await e2e.close();
});

const channelPosts = (channel: string) => e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel);
const lastResponse = () => e2e.slack.responses().at(-1)!;
const dmOf = (user: string) => e2e.slack.callsTo('conversations.open').find((c) => c.body.users === user);

/** A stopped task's alert in CALERTS, and `user` clicking its Logs button (as often as called). */
async function alertLogsButton(user: string) {
  await e2e.event(taskStopped({ time: NOW, taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad', exitCode: 1 }));
  const alert = e2e.slack.messages('CALERTS')[0]!;
  const button = (alert.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
    .find((b) => b.type === 'actions')!
    .elements!.find((b) => b.action_id === 'alert:logs')!;
  const click = () =>
    e2e.click({ action_id: button.action_id, value: button.value, user_id: user, channel_id: 'CALERTS', message_ts: alert.ts });
  return { alert, click };
}

describe('private by default (prod sets nothing)', () => {
  beforeEach(() => start());

  it('the answer is ephemeral: the channel sees nothing', async () => {
    const ack = await e2e.slash('logs web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('only you will see them');
    await e2e.drain();
    expect(lastResponse().response_type).toBe('ephemeral');
    expect(JSON.stringify(lastResponse().blocks)).toContain('secret-ish line 2');
    expect(channelPosts('CPROD')).toHaveLength(0);
  });

  it('the overflow file goes to a direct message with the requester, never to the channel', async () => {
    lineCount = 400;
    await e2e.slash('logs web --limit 400', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    const files = e2e.slack.files();
    expect(files).toHaveLength(1);
    expect(dmOf('UDEV1')).toBeDefined();
    expect(files[0]!.channel_id).toMatch(/^D/);
    expect(files.some((f) => f.channel_id === 'CPROD')).toBe(false);
    expect(JSON.stringify(lastResponse().blocks)).toContain('in the file I sent you in a direct message');
  });

  it('--public shares this one answer and its file with the channel', async () => {
    lineCount = 400;
    const ack = await e2e.slash('logs web --limit 400 --public', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).not.toContain('only you will see them');
    await e2e.drain();
    expect(e2e.slack.responses()[0]!.response_type).toBe('in_channel');
    expect(e2e.slack.files()[0]!.channel_id).toBe('CPROD');
  });

  it('--public and --private together are refused', async () => {
    const ack = await e2e.slash('logs web --public --private', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('--private and --public contradict each other');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it("the alert's Logs button answers only the clicker (ephemeral in the thread), the file in a direct message", async () => {
    const { alert, click } = await alertLogsButton('UDEV1');
    await click();
    await e2e.drain();
    expect(e2e.slack.messages('CALERTS').filter((m) => m.thread_ts === alert.ts && m.ts !== alert.ts)).toHaveLength(0);
    const eph = e2e.slack.ephemerals('CALERTS').filter((x) => x.user === 'UDEV1' && x.thread_ts === alert.ts);
    expect(JSON.stringify(eph)).toContain('alert line 49');
    lineCount = 400;
    await click();
    await e2e.drain();
    expect(e2e.slack.files().map((f) => f.channel_id)).toEqual([expect.stringMatching(/^D/)]);
  });

  it("answers the Logs button in the clicker's language (only they see it)", async () => {
    e2e.slack.setUserLocale('UDEV2', 'ko-KR');
    const { alert, click } = await alertLogsButton('UDEV2');
    await click();
    expect(
      e2e.slack
        .responses()
        .map((r) => r.text)
        .join('\n'),
    ).toContain('마지막 로그 50줄을 가져오는 중입니다');
    await e2e.drain();
    const eph = e2e.slack.ephemerals('CALERTS').filter((x) => x.user === 'UDEV2' && x.thread_ts === alert.ts);
    expect(JSON.stringify(eph)).toContain('마지막 로그 50줄');
    lineCount = 400;
    await click();
    await e2e.drain();
    const dmNote = e2e.slack
      .ephemerals('CALERTS')
      .filter((x) => x.user === 'UDEV2')
      .at(-1)!;
    expect(JSON.stringify(dmNote)).toContain('DM으로 보낸 파일에 있습니다');
    expect(e2e.slack.files()[0]!.title).toContain('마지막 로그 50줄');
  });
});

describe('public where the environment says so', () => {
  beforeEach(() => start((d) => (d.environments.staging.visibility = 'public')));

  it('the channel sees the answer and the file; --private keeps one answer to the requester', async () => {
    lineCount = 400;
    await e2e.slash('logs web-staging --limit 400', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    await e2e.drain();
    expect(e2e.slack.responses()[0]!.response_type).toBe('in_channel');
    expect(e2e.slack.files()[0]!.channel_id).toBe('CSTAGING');
    await e2e.slash('logs web-staging --private', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastResponse().response_type).toBe('ephemeral');
  });
});

describe('configuration', () => {
  beforeEach(() => start());

  it('environments.<env>.visibility: logs private and other reads public by default; one word sets both', () => {
    expect(fixtureConfig().environments.prod!.visibility).toEqual({ reads: 'public', logs: 'private' });
    expect(fixtureConfig((d) => (d.environments.prod.visibility = 'public')).environments.prod!.visibility).toEqual({
      reads: 'public',
      logs: 'public',
    });
    expect(fixtureConfig((d) => (d.environments.prod.visibility = { logs: 'public' })).environments.prod!.visibility).toEqual({
      reads: 'public',
      logs: 'public',
    });
    expect(() => fixtureConfig((d) => (d.environments.prod.visibility = 'everyone'))).toThrow(/environments\.prod\.visibility/);
  });
});
