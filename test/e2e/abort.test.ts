/**
 * The Abort button on a running change's status card, through the Slack and worker handlers:
 * StopServiceDeployment with rollback, the UpdateService fallback, permission and state checks.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ServiceDeploymentNotFoundException, StopServiceDeploymentCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { getRequest, type ChangeRequest } from '../../src/approvals';
import { setupE2E, type E2E } from '../helpers/e2e';
import { SERVICE_ARN, tdArn } from '../helpers/deploy-fixtures';
import { approve, buildWorld, Clock, deploymentEvent, requestMessage, stubImages, stubLogs, textOf, thread } from '../helpers/deploy-e2e';
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
  e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
  e2e.slack.setUserGroup('SLEADS', ['ULEAD3']);
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

async function runningDeploy(): Promise<{ req: { id: string; ts: string }; running: ChangeRequest }> {
  await e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await e2e.drain();
  const req = requestMessage(e2e, 'CPROD');
  await approve(e2e, req);
  await e2e.drain();
  const running = (await getRequest(e2e.rt.redis, req.id))!;
  expect(running.state).toBe('running');
  return { req, running };
}

function clickAbort(running: ChangeRequest, user: string) {
  return e2e.click({ action_id: 'deploy:abort', value: running.id, user_id: user, channel_id: 'CPROD', message_ts: running.statusTs!, text: 'Abort and roll back' });
}

const whispers = () => e2e.slack.responses().map((b) => String(b.text)).join('\n');

describe('Abort on the status card', () => {
  it('stops the deployment with rollback (StopServiceDeployment) and the change ends as failed, aborted', async () => {
    const { req, running } = await runningDeploy();
    // a member of the requesters' user group may abort
    await clickAbort(running, 'UDEV3');
    expect(whispers()).toContain('Aborting the deploy of `web`');
    expect(ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0); // the click only dispatches
    await e2e.drain();
    const stops = ecsMock.commandCalls(StopServiceDeploymentCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.args[0].input).toEqual({ serviceDeploymentArn: running.execution!.serviceDeploymentArn, stopType: 'ROLLBACK' });
    const text = thread(e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain('<@UDEV3> aborted the rollout');
    const after = (await getRequest(e2e.rt.redis, req.id))!;
    expect(after.state).toBe('failed');
    expect(after.execution).toMatchObject({ abortedBy: 'UDEV3', abortMethod: 'stop' });
    expect(thread(e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('aborted by <@UDEV3>');
    expect(textOf(e2e.slack.message('CPROD', running.statusTs!))).toContain('Aborted by <@UDEV3>');
  });

  it('falls back to UpdateService back to the previous task definition when ECS cannot stop the deployment', async () => {
    const { req, running } = await runningDeploy();
    world.failNext('StopServiceDeployment', new ServiceDeploymentNotFoundException({ message: 'The service deployment does not exist.', $metadata: META }));
    await clickAbort(running, 'ULEAD1');
    await e2e.drain();
    const updates = ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.args[0].input).toEqual({ cluster: 'prod', service: 'web-prod', taskDefinition: tdArn('web-prod', 42) });
    const text = thread(e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain('the service is updated back to `web-prod:42`');
    expect(text).toContain('StopServiceDeployment was not available (ServiceDeploymentNotFoundException');
    // ECS now rolls out :42 again; our deployment was replaced: failed, never completed.
    world.complete('prod', 'web-prod');
    await e2e.event(deploymentEvent(clock, SERVICE_ARN, world.service('prod', 'web-prod').deployments![0]!.id!, 'SERVICE_DEPLOYMENT_COMPLETED'));
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(thread(e2e, 'CPROD', req.ts).map(textOf).join('\n')).not.toContain('Deploy completed');
  });

  it('needs the permission of the change: others are refused and nothing is dispatched', async () => {
    const { running } = await runningDeploy();
    const before = e2e.handedOff.length;
    await clickAbort(running, 'UINTRUDER');
    expect(whispers()).toContain('Aborting a change in `prod` needs the same permission as making it');
    expect(e2e.handedOff).toHaveLength(before);
  });

  it('a second click while the first abort runs is answered, not repeated; a finished change has nothing to abort', async () => {
    const { req, running } = await runningDeploy();
    await clickAbort(running, 'UDEV1');
    await clickAbort(running, 'UDEV2');
    expect(whispers()).toContain('<@UDEV1> is already aborting this change');
    await e2e.drain();
    expect(ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('failed');
    await clickAbort(running, 'UDEV2');
    expect(whispers()).toContain('This change already failed; there is nothing to abort');
  });
});
