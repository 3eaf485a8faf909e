/**
 * `/ecs rollback` end to end: the target comes from ECS's deployment history (the task
 * definition that ran before the last deploy, not "revision minus one"), or `--to`; no task
 * definition is registered; same approval, lock and reporting path as deploy.
 */
import { AccessDeniedException, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { deployment, revisionArn, SERVICE_ARN, serviceDeployment, serviceRevision, taskDefinition, tdArn } from '../helpers/aws-fixtures';
import { approve, details, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { META } from '../helpers/fake-ecs';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({
  before: ({ world, clock }) => {
    // web-prod runs :42, deployed from :39 (:40 and :41 were registered but never ran); before that a restart of :39.
    world.addTaskDefinition(taskDefinition(39, {}, '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.1.9'));
    world.addTaskDefinition(taskDefinition(40));
    const ago = (hours: number) => new Date(clock.now() - hours * 3600_000);
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
  },
});

describe('/ecs rollback', () => {
  it('returns to what ran before the last deploy (web-prod:39, not :41), approved, tracked to completion', async () => {
    await h.e2e.slash('rollback web --reason "5xx after v1.2.2"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    expect(textOf(req.message)).toContain('`shop/web v1.2.2 → v1.1.9` · `web-prod:42 → web-prod:39`');
    const text = await details(h.e2e, req);
    expect(text).toContain('`web-prod:42` (now) → `web-prod:39` (what ran before the last deploy)');
    expect(text).toContain('`shop/web:v1.2.2` → `shop/web:v1.1.9`');
    expect(text).toContain('~ containerDefinitions[web].image:');

    await approve(h.e2e, req, 'ULEAD2');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'prod',
      service: 'web-prod',
      taskDefinition: tdArn('web-prod', 39),
    });
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    h.world.complete('prod', 'web-prod');
    await h.e2e.event(
      deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: r.execution!.deploymentId as string }),
    );
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Roll back completed');
  });

  it('--to a revision of the same family', async () => {
    await h.e2e.slash('rollback web --to 40 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`web-prod:42` (now) → `web-prod:40` (asked for with --to)');
  });

  it('--to a revision that does not exist, or the one running, is refused clearly', async () => {
    await h.e2e.slash('rollback web --to 7', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Task definition `web-prod:7` does not exist');
    await h.e2e.slash('rollback web --to 42', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`web` already runs `web-prod:42`; there is nothing to roll back to.');
  });

  it('a deregistered target is refused', async () => {
    h.world.addTaskDefinition(taskDefinition(39, { status: 'INACTIVE', deregisteredAt: new Date() }));
    await h.e2e.slash('rollback web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`web-prod:39` is `INACTIVE` (deregistered)');
  });

  it('without a readable history it asks for --to', async () => {
    h.world.failNext(
      'ListServiceDeployments',
      new AccessDeniedException({ message: 'not authorized to perform: ecs:ListServiceDeployments', $metadata: META }),
    );
    await h.e2e.slash('rollback web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('I could not find the task definition `web` ran before `web-prod:42`');
    // Denied by an IAM policy written before the API existed: unavailable, like an endpoint without it.
    expect(answer).toContain("ECS's deployment history is not available to the bot here, and the bot did not deploy it itself.");
    expect(answer).toContain('/ecs rollback web --to &lt;revision&gt;');
  });

  it('during a rollout in progress: back to what ran before it, even though a rollout is running', async () => {
    h.world.addTaskDefinition(taskDefinition(43));
    const s = h.world.service('prod', 'web-prod');
    s.deployments = [
      deployment({ id: 'ecs-svc/4343', taskDefinition: tdArn('web-prod', 43), rolloutState: 'IN_PROGRESS', runningCount: 1 }),
      deployment({ id: 'ecs-svc/4242', taskDefinition: tdArn('web-prod', 42), status: 'ACTIVE', runningCount: 4 }),
    ];
    s.taskDefinition = tdArn('web-prod', 43);
    await h.e2e.slash('rollback web --dry-run', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('`web-prod:43` (now) → `web-prod:42` (what ran before the rollout in progress)');
  });
});
