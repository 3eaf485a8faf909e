/**
 * `/ecs history` end to end: the slash command into the Slack handler, the hand-off drained into
 * the worker, the bot's audit trail in the real Redis (made with the store's API, as the change
 * verbs do), ECS stubbed with the documented ListServiceDeployments / DescribeServiceRevisions
 * shapes, the answer read from the local Slack server.
 */
import {
  AccessDeniedException,
  DescribeServiceRevisionsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type ServiceRevision,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { runHistory } from '../../src/commands/history.run';
import type { HistoryArgs } from '../../src/commands/history';
import type { Parsed } from '../../src/commands/types';
import { setupE2E, type E2E } from '../helpers/e2e';
import { route } from '../../src/commands/router';
import { approveRequest, rejectRequest } from '../../src/approvals/clicks';
import { submitRequest, type SubmitInput } from '../../src/approvals/workflow';
import { finishExecution, recordExecution, startExecution } from '../../src/approvals/execution';
import { FakeClock } from '../helpers/clock';

const ecsMock = mockClient(ECSClient);

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const MIN = 60_000;
const ACCOUNT = '222222222222';
const REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const td = (rev: number) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/web-prod:${rev}`;
const sdArn = (id: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-deployment/prod/web-prod/${id}`;
const revArn = (id: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-revision/prod/web-prod/${id}`;
const DIGEST = 'sha256:' + 'c'.repeat(64);

function input(over: Partial<SubmitInput> = {}): SubmitInput {
  return {
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: { verb: 'deploy', tag: 'v2.0.1', digest: DIGEST, image: `${REGISTRY}/shop/web@${DIGEST}`, currentTaskDefinition: td(41) },
    summary: 'Deploy `v2.0.1` to `web`',
    requester: 'UDEV1',
    reason: 'release 2.0.1',
    channel: 'CPROD',
    invocationId: `cmd-${Math.random().toString(36).slice(2)}`,
    ...over,
  };
}

function revision(id: string, rev: number, image: string): ServiceRevision {
  return {
    serviceRevisionArn: revArn(id),
    serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/prod/web-prod`,
    clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/prod`,
    taskDefinition: td(rev),
    launchType: 'FARGATE',
    containerImages: [{ containerName: 'web', image, imageDigest: DIGEST }],
    createdAt: new Date(T0),
  };
}

describe('/ecs history', () => {
  let e2e: E2E;
  const clock = new FakeClock(T0);

  beforeEach(async () => {
    clock.set(T0);
    ecsMock.reset();
    e2e = await setupE2E({ now: clock.now });
    e2e.slack.setUserGroup('SLEADS', []);
  });
  afterEach(async () => {
    await e2e.close();
  });

  /** A deploy made through the bot: requested, approved, run, recorded, finished. */
  async function botDeploy(): Promise<string> {
    const req = await submitRequest(e2e.rt, input());
    clock.advance(2 * MIN);
    await approveRequest(e2e.rt, req.id, 'ULEAD1');
    await startExecution(e2e.rt, req.id);
    clock.advance(MIN);
    await recordExecution(
      e2e.rt,
      req.id,
      { targetTaskDefinition: td(42), deploymentId: 'ecs-svc/7000000000000000001', serviceDeploymentArn: sdArn('botDeploy42') },
      'service updated',
    );
    clock.advance(6 * MIN);
    await finishExecution(e2e.rt, req.id, 'succeeded', 'rolled out `web-prod:42`');
    return req.id;
  }

  function lastAnswer(): string {
    const bodies = e2e.slack.responses();
    const body = bodies[bodies.length - 1];
    if (!body) throw new Error(`no answer; calls: ${e2e.slack.calls.map((c) => c.method).join(', ')}`);
    return `${body.text}\n${JSON.stringify(body.blocks)}`;
  }

  it('merges the bot’s requests with ECS’s deployments and marks those the bot did not make', async () => {
    const botId = await botDeploy();
    clock.advance(10 * MIN);
    const rejected = await submitRequest(
      e2e.rt,
      input({ requester: 'UDEV2', reason: 'try 2.0.2', plan: { verb: 'deploy', tag: 'v2.0.2' } }),
    );
    await rejectRequest(e2e.rt, rejected.id, 'ULEAD2', 'wait for the sale to end');
    clock.advance(30 * MIN);

    ecsMock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        {
          serviceDeploymentArn: sdArn('console43'),
          serviceArn: 'x',
          clusterArn: 'y',
          createdAt: new Date(T0 + 40 * MIN),
          startedAt: new Date(T0 + 40 * MIN),
          status: 'ROLLBACK_SUCCESSFUL',
          statusReason: 'Service deployment rolled back because the circuit breaker threshold was exceeded.',
          targetServiceRevisionArn: revArn('43'),
        },
        {
          serviceDeploymentArn: sdArn('botDeploy42'),
          createdAt: new Date(T0 + 3 * MIN),
          finishedAt: new Date(T0 + 9 * MIN),
          status: 'SUCCESSFUL',
          targetServiceRevisionArn: revArn('42'),
        },
      ],
    });
    ecsMock.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [revision('43', 43, `${REGISTRY}/shop/web:hotfix`), revision('42', 42, `${REGISTRY}/shop/web@${DIGEST}`)],
      failures: [],
    });

    const ack = await e2e.slash('history web --limit 5', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(ack.text).toContain('Reading the history of `web` in `prod`');
    expect(e2e.slack.responses()).toHaveLength(0);
    await e2e.drain();

    expect(ecsMock.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input).toMatchObject({ cluster: 'prod', service: 'web-prod' });
    expect(ecsMock.commandCalls(DescribeServiceRevisionsCommand)[0]!.args[0].input.serviceRevisionArns).toEqual([
      revArn('43'),
      revArn('42'),
    ]);
    const text = lastAnswer();
    expect(text).toContain('History: web (prod)');
    // the outside deployment, newest
    expect(text).toContain('*Not made by the bot* (console, CI or another tool)');
    // Its task definition named a tag: the tag, with the digest it named then (the revision records it).
    expect(text).toContain('`hotfix` (sha256:cccccccccccc) → `web-prod:43`');
    expect(text).toContain('rolled back: Service deployment rolled back because the circuit breaker threshold was exceeded.');
    // the rejected request
    expect(text).toContain(':no_entry: rejected by <@ULEAD2>: “wait for the sale to end”');
    expect(text).toContain('Asked by <@UDEV2> (“try 2.0.2”)');
    // the bot's deploy with its ECS deployment attached
    expect(text).toContain('Deploy `v2.0.1` (sha256:cccccccccccc) → `web-prod:42`');
    expect(text).toContain(':white_check_mark: succeeded: rolled out `web-prod:42` in 7m · ECS: :white_check_mark: successful');
    expect(text).toContain(`Asked by <@UDEV1> (“release 2.0.1”) · approved by <@ULEAD1> · request \`${botId}\``);
    expect(text).toContain('2 through the bot, 1 not made by the bot');
    expect(text.indexOf('Not made by the bot')).toBeLessThan(text.indexOf('rejected by'));
    expect(text.indexOf('rejected by')).toBeLessThan(text.indexOf(botId));
  });

  it('still answers from the audit trail when ECS denies the deployment list, naming the permission', async () => {
    await botDeploy();
    ecsMock
      .on(ListServiceDeploymentsCommand)
      .rejects(new AccessDeniedException({ message: 'User is not authorized to perform: ecs:ListServiceDeployments', $metadata: {} }));
    await e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    const text = lastAnswer();
    expect(text).toContain(
      "ECS's own deployment list is not available to the bot here (AWS denied `ecs:ListServiceDeployments` to the bot's role), so this shows the bot's own changes only.",
    );
    expect(text).toContain('approved by <@ULEAD1>');
    expect(text).toContain('1 through the bot, 0 not made by the bot');
  });

  it('says so when there is no history at all', async () => {
    ecsMock.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    await e2e.slash('history worker', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastAnswer()).toContain('No deployments of `worker` on record');
  });

  it.each([
    ['history', 'Missing service, e.g. `/ecs history web`.'],
    ['history web --limit 0', '--limit: the number of deployments must be at least 1'],
    ['history web --limit 51', '--limit: the number of deployments must be at most 50'],
    ['history web --limit many', '--limit: the number of deployments must be a whole number like 3'],
    ['history web --since 3d', 'Unknown flag `--since`'],
    ['history prod', "I don't know a service called `prod`"],
    ['history web worker', 'Unexpected extra input: `worker`'],
  ])('/ecs %s is answered with what to type, nothing handed off', async (cmd, expected) => {
    const res = await e2e.slash(cmd, { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.text).toContain(expected);
    expect(e2e.handedOff).toHaveLength(0);
  });
});

describe('/ecs history when Redis is down', () => {
  it('shows ECS’s list with unknown origin and says the audit trail is missing', async () => {
    ecsMock.reset();
    ecsMock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: sdArn('x1'), createdAt: new Date(T0), status: 'SUCCESSFUL', targetServiceRevisionArn: revArn('42') },
      ],
    });
    ecsMock.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [revision('42', 42, `${REGISTRY}/shop/web@${DIGEST}`)] });
    const e2e = await setupE2E({ env: { REDIS_URL: 'redis://127.0.0.1:1' }, now: () => T0 });
    try {
      const inv = {
        id: 'cmd-h1',
        text: 'history web',
        userId: 'UDEV1',
        channelId: 'CPROD',
        responseUrl: e2e.slack.responseUrl('h1'),
        receivedAt: T0,
      };
      const { parsed } = route(e2e.rt, inv);
      await runHistory(parsed as unknown as Parsed<HistoryArgs>, e2e.rt, inv);
      const text = JSON.stringify(e2e.slack.responses('h1'));
      expect(text).toContain("The bot's audit trail could not be read (Redis is unreachable)");
      expect(text).toContain('Origin unknown (the audit trail could not be read)');
      expect(text).not.toContain('Not made by the bot');
      expect(text).toContain('`shop/web@sha256:cccccccccccc` → `web-prod:42`');
    } finally {
      e2e.rt.redis.disconnect();
      await e2e.close();
      await new Promise((r) => setTimeout(r, 1_050)); // ioredis's lingering 1 s commandTimeout timer
    }
  });
});
