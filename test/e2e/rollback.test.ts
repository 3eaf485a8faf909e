/**
 * `/ecs rollback` end to end: the target comes from ECS's deployment history (the task
 * definition that ran before the last deploy, not "revision minus one"), or `--to`; no task
 * definition is registered; same approval, lock and reporting path as deploy.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { AccessDeniedException, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { getRequest } from '../../src/approvals';
import { setupE2E, type E2E } from '../helpers/e2e';
import { deployment, revisionArn, SERVICE_ARN, serviceDeployment, serviceRevision, taskDefinition, tdArn } from '../helpers/deploy-fixtures';
import { approve, buildWorld, Clock, deploymentEvent, lastResponse, requestMessage, stubImages, stubLogs, textOf, thread } from '../helpers/deploy-e2e';
import { META, type FakeEcs } from '../helpers/fake-ecs';

const ecsMock = mockClient(ECSClient);
const ecrMock = mockClient(ECRClient);
const logsMock = mockClient(CloudWatchLogsClient);

let e2e: E2E;
let clock: Clock;
let world: FakeEcs;

beforeEach(async () => {
  clock = new Clock();
  e2e = await setupE2E({ now: clock.now });
  world = buildWorld(clock);
  world.install(ecsMock);
  stubImages(ecrMock, clock);
  stubLogs(logsMock, clock, []);
  // web-prod runs :42, deployed from :39 (:40 and :41 were registered but never ran); before that a restart of :39.
  world.addTaskDefinition(taskDefinition(39, {}, '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.1.9'));
  world.addTaskDefinition(taskDefinition(40));
  const ago = (h: number) => new Date(clock.now() - h * 3600_000);
  world.setHistory(
    'prod',
    'web-prod',
    [
      serviceDeployment('d3', revisionArn('r42b'), [revisionArn('r42')], { createdAt: ago(1) }), // a restart of :42
      serviceDeployment('d2', revisionArn('r42'), [revisionArn('r39')], { createdAt: ago(24) }), // the last deploy: :39 → :42
      serviceDeployment('d1', revisionArn('r39b'), [revisionArn('r39')], { createdAt: ago(48) }),
    ],
    [
      serviceRevision('r42b', tdArn('web-prod', 42)),
      serviceRevision('r42', tdArn('web-prod', 42)),
      serviceRevision('r39', tdArn('web-prod', 39)),
      serviceRevision('r39b', tdArn('web-prod', 39)),
    ],
  );
});

afterEach(async () => {
  ecsMock.reset();
  ecrMock.reset();
  logsMock.reset();
  await e2e.close();
});

afterAll(() => {
  ecsMock.restore();
  ecrMock.restore();
  logsMock.restore();
});

describe('/ecs rollback', () => {
  it('returns to what ran before the last deploy (web-prod:39, not :41), approved, tracked to completion', async () => {
    await e2e.slash('rollback web --reason "5xx after v1.2.2"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    const req = requestMessage(e2e, 'CPROD');
    const text = textOf(req.message);
    expect(text).toContain('`web-prod:42` (now) → `web-prod:39` (what ran before the last deploy)');
    expect(text).toContain('`shop/web:v1.2.2` → `shop/web:v1.1.9`');
    expect(text).toContain('~ containerDefinitions[web].image:');

    await approve(e2e, req, 'ULEAD2');
    await e2e.drain();
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({ cluster: 'prod', service: 'web-prod', taskDefinition: tdArn('web-prod', 39) });
    const r = (await getRequest(e2e.rt.redis, req.id))!;
    world.complete('prod', 'web-prod');
    await e2e.event(deploymentEvent(clock, SERVICE_ARN, r.execution!.deploymentId as string, 'SERVICE_DEPLOYMENT_COMPLETED'));
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Roll back completed');
  });

  it('--to a revision of the same family', async () => {
    await e2e.slash('rollback web --to 40 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('`web-prod:42` (now) → `web-prod:40` (asked for with --to)');
  });

  it('--to a revision that does not exist, or the one running, is refused clearly', async () => {
    await e2e.slash('rollback web --to 7', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('Task definition `web-prod:7` does not exist');
    await e2e.slash('rollback web --to 42', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('`web` already runs `web-prod:42`; there is nothing to roll back to.');
  });

  it('a deregistered target is refused', async () => {
    world.addTaskDefinition(taskDefinition(39, { status: 'INACTIVE', deregisteredAt: new Date() }));
    await e2e.slash('rollback web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('`web-prod:39` is `INACTIVE` (deregistered)');
  });

  it('without a readable history it asks for --to', async () => {
    world.failNext('ListServiceDeployments', new AccessDeniedException({ message: 'not authorized to perform: ecs:ListServiceDeployments', $metadata: META }));
    await e2e.slash('rollback web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    const answer = lastResponse(e2e);
    expect(answer).toContain('I could not find the task definition `web` ran before `web-prod:42`');
    expect(answer).toContain('AccessDeniedException');
    expect(answer).toContain('/ecs rollback web --to &lt;revision&gt;');
  });

  it('during a rollout in progress: back to what ran before it, even though a rollout is running', async () => {
    world.addTaskDefinition(taskDefinition(43));
    const s = world.service('prod', 'web-prod');
    s.deployments = [
      deployment({ id: 'ecs-svc/4343', taskDefinition: tdArn('web-prod', 43), rolloutState: 'IN_PROGRESS', runningCount: 1 }),
      deployment({ id: 'ecs-svc/4242', taskDefinition: tdArn('web-prod', 42), status: 'ACTIVE', runningCount: 4 }),
    ];
    s.taskDefinition = tdArn('web-prod', 43);
    await e2e.slash('rollback web --dry-run', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.drain();
    const answer = lastResponse(e2e);
    expect(answer).toContain('`web-prod:43` (now) → `web-prod:42` (what ran before the rollout in progress)');
  });
});
