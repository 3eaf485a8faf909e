/**
 * Issue 10, item 6: the worker runs only the jobs the bot's own functions handed it, re-checks who
 * may run them, and answers only through Slack's response_url. Jobs are delivered to the real
 * worker handler (src/handlers/worker.ts) as Lambda would; real Redis; the local Slack server; a
 * second local server stands for an attacker's URL.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as workerHandler } from '../../src/handlers/worker';
import { signJob } from '../../src/hooks/jobs';
import { setupE2E, type E2E } from '../helpers/e2e';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { NOW, REGISTRY, serviceWith, taskDefinitionWith } from '../helpers/aws-fixtures';

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);
let clock = NOW;
let e2e: E2E;
let attacker: SlackServer;

beforeEach(async () => {
  clock = NOW;
  attacker = await startSlackServer();
  e2e = await setupE2E({ now: () => clock });
  ecsMock
    .on(DescribeServicesCommand)
    .resolves({ services: [serviceWith({ name: 'web-prod', family: 'web-prod', revision: 43 })], failures: [] });
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 43, container: 'web', image: `${REGISTRY}/shop/web:v1` }),
    tags: [],
  });
  logsMock.on(GetLogEventsCommand).resolves({ events: [{ timestamp: NOW, message: 'payments secret stuff' }] });
});

afterEach(async () => {
  ecsMock.reset();
  logsMock.reset();
  await e2e.close();
  await attacker.close();
});

afterAll(() => {
  ecsMock.restore();
  logsMock.restore();
});

const refusals = () => e2e.logs.filter((l) => l.msg === 'job refused');

function invocation(over: Record<string, unknown> = {}) {
  return {
    id: 'cmd-injected-1',
    text: 'status web',
    userId: 'UDEV1',
    channelId: 'CPROD',
    responseUrl: attacker.responseUrl('stolen'),
    receivedAt: NOW,
    ...over,
  };
}

describe('jobs nobody signed are refused and logged', () => {
  it('an injected command job: no AWS call, nothing posted anywhere, refused in the log', async () => {
    await workerHandler({ kind: 'command', id: 'cmd-injected-1', invocation: invocation() });
    expect(ecsMock.calls()).toHaveLength(0);
    expect(attacker.calls).toHaveLength(0);
    expect(e2e.slack.calls).toHaveLength(0);
    expect(refusals()).toEqual([expect.objectContaining({ level: 'error', kind: 'command', id: 'cmd-injected-1', reason: 'unsigned' })]);
  });

  it('an injected alert-logs job cannot read an arbitrary log group', async () => {
    await workerHandler({
      kind: 'alert-logs',
      id: 'alert-logs-evil',
      alias: 'web',
      region: 'eu-west-1',
      group: '/aws/lambda/payments-prod',
      stream: '2026/01/01/[$LATEST]abc',
      taskId: 'abc',
      channel: 'CEVIL',
      threadTs: '1700000000.000100',
      userId: 'UDEV1',
      lines: 500,
      incident: 'prod.web.1',
    });
    expect(logsMock.calls()).toHaveLength(0);
    expect(e2e.slack.calls).toHaveLength(0);
    expect(refusals()).toHaveLength(1);
  });

  it('a job signed by the bot and then changed (response_url, channel or text) is refused', async () => {
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const genuine = e2e.pending.shift() as { id: string; invocation: Record<string, unknown> };
    for (const change of [{ responseUrl: attacker.responseUrl('x') }, { channelId: 'CEVIL' }, { text: 'restart web' }]) {
      await workerHandler({ ...genuine, id: `${genuine.id}-${Object.keys(change)[0]}`, invocation: { ...genuine.invocation, ...change } });
    }
    expect(refusals().map((l) => l.reason)).toEqual(['signature', 'signature', 'signature']);
    expect(ecsMock.calls()).toHaveLength(0);
    expect(attacker.calls).toHaveLength(0);
    // The genuine job still runs.
    await workerHandler(genuine);
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
  });

  it('a genuine job delivered again a day later (a replay after the run-once claim expired) is refused', async () => {
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const genuine = e2e.pending.shift()!;
    clock += 25 * 3_600_000;
    await workerHandler(genuine);
    expect(refusals().map((l) => l.reason)).toEqual(['expired']);
    expect(ecsMock.calls()).toHaveLength(0);
  });

  it('signatures come from a key the handlers derive, never from the job: a job signed with another key is refused', async () => {
    const forged = signJob({ kind: 'command', id: 'cmd-forged', invocation: invocation({ id: 'cmd-forged' }) }, 'a'.repeat(64), clock);
    await workerHandler(forged);
    expect(refusals().map((l) => l.reason)).toEqual(['signature']);
    expect(attacker.calls).toHaveLength(0);
  });
});

describe('the worker re-checks who may run a job', () => {
  it('a signed command for someone who may not make changes is refused in the worker (the edge is not the only check)', async () => {
    e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
    const job = signJob(
      {
        kind: 'command',
        id: 'cmd-r1',
        invocation: invocation({ id: 'cmd-r1', text: 'restart web', userId: 'UNOBODY', responseUrl: e2e.slack.responseUrl('r1') }),
      },
      e2e.rt.jobKey,
      clock,
    );
    await workerHandler(job);
    expect(ecsMock.calls()).toHaveLength(0);
    expect(JSON.stringify(e2e.slack.responses('r1'))).toContain('You are not allowed to request changes in `prod`');
  });

  it('a signed command from a channel that is not one of the environment’s is refused in the worker', async () => {
    const job = signJob(
      {
        kind: 'command',
        id: 'cmd-r2',
        invocation: invocation({ id: 'cmd-r2', channelId: 'CSTAGING', responseUrl: e2e.slack.responseUrl('r2') }),
      },
      e2e.rt.jobKey,
      clock,
    );
    await workerHandler(job);
    expect(ecsMock.calls()).toHaveLength(0);
    expect(JSON.stringify(e2e.slack.responses('r2'))).toContain('Commands for `prod` are not allowed in this channel');
  });
});

describe("response_url: Slack's only", () => {
  it('a signed job whose response_url is not Slack’s is answered with the bot token in the channel instead, and says so in the log', async () => {
    const job = signJob({ kind: 'command', id: 'cmd-u1', invocation: invocation({ id: 'cmd-u1' }) }, e2e.rt.jobKey, clock);
    await workerHandler(job);
    expect(attacker.calls).toHaveLength(0);
    const answers = e2e.slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral');
    // The answer (here an error: ListTasks is not stubbed) goes to the command's channel with the bot token.
    expect(answers.map((c) => c.body.channel)).toEqual(['CPROD']);
    expect(e2e.logs.some((l) => l.msg === 'response_url refused: not a Slack URL')).toBe(true);
  });

  it('the gateway refuses it whoever asks', async () => {
    await expect(e2e.rt.slack.respond('https://hooks.slack.com.evil.example/commands/x', { text: 'hi', blocks: [] })).rejects.toThrow(
      /not a Slack URL/,
    );
    await expect(e2e.rt.slack.respond(attacker.responseUrl('y'), { text: 'hi', blocks: [] })).rejects.toThrow(/not a Slack URL/);
    expect(attacker.calls).toHaveLength(0);
  });
});
