/**
 * `/ecs scale` and `/ecs restart` end to end: same request, lock, execution and reporting path
 * as deploy, with UpdateService desiredCount / forceNewDeployment and no task definition.
 */
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { approve, details, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness();

describe('/ecs scale', () => {
  it('in prod: approved, desired count set, reported until the tasks reach the new count', async () => {
    await h.e2e.slash('scale web 8 --reason "campaign traffic"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    expect(textOf(req.message)).toContain('`web`: 4 → 8 tasks');
    expect(textOf(req.message)).toContain('Tasks: 8 is within 2–40');
    expect(await details(h.e2e, req)).toContain('Desired tasks: 4 → 8 (allowed 2–40)');
    await approve(h.e2e, req);
    await h.e2e.drain();

    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({ cluster: 'prod', service: 'web-prod', desiredCount: 8 });
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(r.state).toBe('running');
    expect(textOf(h.e2e.slack.message('CPROD', r.statusTs!))).toContain('4/8 tasks running');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Desired count set to 8');

    // The tick watches the count climb (no deployment events for scaling).
    const s = h.world.service('prod', 'web-prod');
    Object.assign(s, { runningCount: 6, pendingCount: 2 });
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect(textOf(h.e2e.slack.message('CPROD', r.statusTs!))).toContain('6/8 tasks running, 2 pending');
    Object.assign(s, { runningCount: 8, pendingCount: 0 });
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('`web` runs 8 tasks');
    // The card says the outcome once: "Succeeded <time>: `web` runs 8 tasks", not "Succeeded: completed: …".
    const card = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(card).toMatch(/\*Succeeded\* <!date\^\d+\^[^>]*>: `web` runs 8 tasks/);
    expect(card).not.toContain('completed:');
  });

  it('warns in the request when the count is outside the autoscaling range, and says when the range cannot be read', async () => {
    h.autoScalingMock.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/prod/web-prod',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 2,
          MaxCapacity: 10,
          RoleARN: 'arn:aws:iam::222222222222:role/aas',
          CreationTime: new Date(0),
        },
      ],
    });
    await h.e2e.slash('scale web 12', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(textOf(requestMessage(h.e2e, 'CPROD').message)).toContain("outside this service's autoscaling range (2–10)");
    const call = h.autoScalingMock.commandCalls(DescribeScalableTargetsCommand)[0]!.args[0].input;
    expect(call).toEqual({
      ServiceNamespace: 'ecs',
      ResourceIds: ['service/prod/web-prod'],
      ScalableDimension: 'ecs:service:DesiredCount',
    });
  });

  it('still plans the scale when the autoscaling range cannot be read, and says so', async () => {
    h.autoScalingMock
      .on(DescribeScalableTargetsCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    await h.e2e.slash('scale web 6', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(textOf(requestMessage(h.e2e, 'CPROD').message)).toContain('I could not check the autoscaling range');
  });

  it('refuses a count the service already has', async () => {
    await h.e2e.slash('scale web 4', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`web` is already set to 4 desired tasks (4 running); nothing to change.');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('--dry-run shows from and to', async () => {
    await h.e2e.slash('scale web 12 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Desired tasks: 4 → 12');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});

describe('/ecs restart', () => {
  it('in staging runs at once: a new deployment of the same task definition, tracked to completion', async () => {
    await h.e2e.slash('restart web-staging --reason "stuck connections"', { channel_id: 'CSTAGING', user_id: 'UANY' });
    await h.e2e.drain();
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({ cluster: 'staging', service: 'web-staging', forceNewDeployment: true });
    const req = requestMessage(h.e2e, 'CSTAGING');
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    const dep = r.execution!.deploymentId as string;
    expect(dep).not.toBe('ecs-svc/7777777777777777777'); // a new deployment, not the one at rest
    h.world.complete('staging', 'web-staging');
    await h.e2e.event(
      deploymentEvent('completed', {
        time: h.clock.now(),
        serviceArn: h.world.service('staging', 'web-staging').serviceArn!,
        deploymentId: dep,
      }),
    );
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(h.e2e, 'CSTAGING', req.ts).map(textOf).join('\n')).toContain('Restart completed');
  });

  it('refuses a service with no tasks', async () => {
    const s = h.world.service('staging', 'web-staging');
    s.desiredCount = 0;
    await h.e2e.slash('restart web-staging', { channel_id: 'CSTAGING', user_id: 'UANY' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('has 0 desired tasks, so there is nothing to restart');
  });
});
