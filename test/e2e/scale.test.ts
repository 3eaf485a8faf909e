/**
 * `/ecs scale` and `/ecs restart` end to end: same request, lock, execution and reporting path
 * as deploy, with UpdateService desiredCount / forceNewDeployment and no task definition.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { getRequest } from '../../src/approvals';
import { setupE2E, type E2E } from '../helpers/e2e';
import { approve, buildWorld, Clock, deploymentEvent, lastResponse, requestMessage, stubImages, stubLogs, textOf, thread } from '../helpers/deploy-e2e';
import type { FakeEcs } from '../helpers/fake-ecs';

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

describe('/ecs scale', () => {
  it('in prod: approved, desired count set, reported until the tasks reach the new count', async () => {
    await e2e.slash('scale web 8 --reason "campaign traffic"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    const req = requestMessage(e2e, 'CPROD');
    expect(textOf(req.message)).toContain('Desired tasks: 4 → 8 (allowed 2–40)');
    await approve(e2e, req);
    await e2e.drain();

    const updates = ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({ cluster: 'prod', service: 'web-prod', desiredCount: 8 });
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    const r = (await getRequest(e2e.rt.redis, req.id))!;
    expect(r.state).toBe('running');
    expect(textOf(e2e.slack.message('CPROD', r.statusTs!))).toContain('4/8 tasks running');
    expect(thread(e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Desired count set to 8');

    // The tick watches the count climb (no deployment events for scaling).
    const s = world.service('prod', 'web-prod');
    Object.assign(s, { runningCount: 6, pendingCount: 2 });
    clock.advance(60_000);
    await e2e.tick();
    expect(textOf(e2e.slack.message('CPROD', r.statusTs!))).toContain('6/8 tasks running, 2 pending');
    Object.assign(s, { runningCount: 8, pendingCount: 0 });
    clock.advance(60_000);
    await e2e.tick();
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('`web` runs 8 tasks');
  });

  it('refuses a count the service already has', async () => {
    await e2e.slash('scale web 4', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('`web` is already set to 4 desired tasks (4 running); nothing to change.');
    expect(e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('--dry-run shows from and to', async () => {
    await e2e.slash('scale web 12 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('Desired tasks: 4 → 12');
    expect(ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});

describe('/ecs restart', () => {
  it('in staging runs at once: a new deployment of the same task definition, tracked to completion', async () => {
    await e2e.slash('restart web-staging --reason "stuck connections"', { channel_id: 'CSTAGING', user_id: 'UANY' });
    await e2e.drain();
    const updates = ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({ cluster: 'staging', service: 'web-staging', forceNewDeployment: true });
    const req = requestMessage(e2e, 'CSTAGING');
    const r = (await getRequest(e2e.rt.redis, req.id))!;
    const dep = r.execution!.deploymentId as string;
    expect(dep).not.toBe('ecs-svc/7777777777777777777'); // a new deployment, not the one at rest
    world.complete('staging', 'web-staging');
    await e2e.event(deploymentEvent(clock, world.service('staging', 'web-staging').serviceArn!, dep, 'SERVICE_DEPLOYMENT_COMPLETED'));
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(e2e, 'CSTAGING', req.ts).map(textOf).join('\n')).toContain('Restart completed');
  });

  it('refuses a service with no tasks', async () => {
    const s = world.service('staging', 'web-staging');
    s.desiredCount = 0;
    await e2e.slash('restart web-staging', { channel_id: 'CSTAGING', user_id: 'UANY' });
    await e2e.drain();
    expect(lastResponse(e2e)).toContain('has 0 desired tasks, so there is nothing to restart');
  });
});
