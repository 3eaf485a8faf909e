/**
 * `/ecs deploy` end to end through the Lambda handlers: the slash command (Slack function), the
 * plan (worker), the request message and the Approve click (Slack function, approvals), the
 * execution (worker), progress from ECS events (events function) and deadlines (scheduled
 * function). Real Redis, the local Slack API server, ECS/ECR/Logs stubbed with the documented
 * response shapes (a stateful fake ECS: test/helpers/fake-ecs.ts).
 */
import {
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { keys } from '../../src/redis/keys';
import { DIGEST, REGISTRY, SERVICE_ARN, TAGS, stoppedTask, tdArn } from '../helpers/aws-fixtures';
import {
  approve,
  details,
  lastResponse,
  requestAndApprove,
  requestMessage,
  taskEvent,
  textOf,
  thread,
  useDeployHarness,
} from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({
  logs: [
    'Listening on :8080',
    'Error: connect ECONNREFUSED 10.0.1.5:5432',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)',
  ],
});

const NEW_IMAGE = `${REGISTRY}/shop/web@${DIGEST}`;

/** /ecs deploy web v1.2.3 in prod, approved by ULEAD1, executed. Returns the request. */
async function deployApproved(): Promise<{ id: string; ts: string }> {
  const ack = await h.e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  expect(ack.text).toContain('Preparing the deploy of `web` to `v1.2.3` in `prod`…');
  expect(h.ecsMock.calls()).toHaveLength(0); // the Slack-facing path never calls AWS
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  return req;
}

describe('deploy in prod: request, approval, execution, progress, completion', () => {
  it('runs the whole flow and reports COMPLETED only when ECS says so', async () => {
    const ack = await h.e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.status).toBe(200);
    await h.e2e.drain();

    // The request: the pinned digest, the diff, Approve / Reject / Cancel; nothing changed yet.
    const req = requestMessage(h.e2e, 'CPROD');
    const requestText = textOf(req.message);
    // The card says the change once, in one line; the full plan and the diff are behind Details.
    expect(requestText).toContain('`shop/web v1.2.2 → v1.2.3 (sha256:3f1c7e5a9b2d)`');
    expect(requestText).not.toContain(DIGEST);
    expect(requestText).toContain('approval:approve');
    const full = await details(h.e2e, req);
    expect(full).toContain(`Pinned to \`${DIGEST}\``);
    expect(full).toContain('copied from `web-prod:42` (what runs now)');
    expect(full).toContain(`~ containerDefinitions[web].image: shop/web:v1.2.2 → shop/web@sha256:${DIGEST.slice(7, 19)}`);
    expect(
      h.e2e.slack
        .responses()
        .map((r) => r.text ?? '')
        .join('\n'),
    ).toContain('needs 1 approval');
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    const planned = await getRequest(h.e2e.rt.redis, req.id);
    expect(planned?.state).toBe('pending');
    expect(planned?.plan).toMatchObject({
      verb: 'deploy',
      digest: DIGEST,
      image: NEW_IMAGE,
      currentTaskDefinition: tdArn('web-prod', 42),
      container: 'web',
      serviceArn: SERVICE_ARN,
    });

    // Planning cost: one ECR lookup of the image, one DescribeServices, one DescribeTaskDefinition; and the commits
    // lookup of the new image's manifest (src/deploy/commits.ts; no manifest stubbed here, and no running task reports
    // the digest it runs, so the running side is not asked: a tag's digest now is no proof of what runs).
    expect(h.ecrMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeImagesCommand', 'BatchGetImageCommand']);
    expect(h.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(h.ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);

    // Approved by a lead: the execute job runs in the worker.
    await approve(h.e2e, req);
    await h.e2e.drain();
    // Execution cost: the digest re-checked, the service and task definition read again, one
    // registration, one update; the first card comes from the UpdateService answer (no extra read).
    expect(h.ecrMock.calls()).toHaveLength(3); // the 2 of planning, and the digest re-checked
    expect(h.ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(2);
    expect(h.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(2);
    expect(h.ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);

    const registers = h.ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    expect(registers).toHaveLength(1);
    const input = registers[0]!.args[0].input;
    expect(Object.keys(input).sort()).toEqual([
      'containerDefinitions',
      'cpu',
      'executionRoleArn',
      'family',
      'memory',
      'networkMode',
      'requiresCompatibilities',
      'runtimePlatform',
      'tags',
      'taskRoleArn',
    ]);
    expect(input.containerDefinitions!.find((c) => c.name === 'web')!.image).toBe(NEW_IMAGE);
    expect(input.containerDefinitions!.find((c) => c.name === 'datadog-agent')!.image).toBe('public.ecr.aws/datadog/agent:7');
    expect(input.tags).toEqual(TAGS);
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({ cluster: 'prod', service: 'web-prod', taskDefinition: tdArn('web-prod', 43) });

    const running = await getRequest(h.e2e.rt.redis, req.id);
    expect(running?.state).toBe('running');
    const deploymentId = running!.execution!.deploymentId as string;
    expect(deploymentId).toMatch(/^ecs-svc\/\d+$/);
    expect(running!.execution).toMatchObject({
      registeredTaskDefinition: tdArn('web-prod', 43),
      targetTaskDefinition: tdArn('web-prod', 43),
    });
    expect(await h.e2e.rt.redis.get(keys.botDeployment(deploymentId))).toBe(req.id);

    // The thread: one status card (updated in place) and milestones.
    let replies = thread(h.e2e, 'CPROD', req.ts);
    const card = h.e2e.slack.message('CPROD', running!.statusTs!)!;
    expect(card.thread_ts).toBe(req.ts);
    expect(textOf(card)).toContain('in progress');
    expect(textOf(card)).toContain('0/4 new tasks running');
    expect(textOf(card)).toContain('deploy:abort');
    expect(replies.map((m) => m.text)).toEqual(
      expect.arrayContaining(['Task definition registered: web-prod:43.', expect.stringMatching(/^Deployment started: ecs-svc\/\d+\./)]),
    );

    // A task of the new revision starts: the card follows.
    h.world.progress('prod', 'web-prod', 2);
    h.clock.advance(30_000);
    await h.e2e.event(
      taskEvent(h.clock, {
        cluster: 'prod',
        service: 'web-prod',
        taskId: 'aaaa1111',
        taskDefinitionArn: tdArn('web-prod', 43),
        lastStatus: 'RUNNING',
      }),
    );
    expect(h.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(3); // one DescribeServices per event
    expect(textOf(h.e2e.slack.message('CPROD', running!.statusTs!))).toContain('2/4 new tasks running, 2 pending');

    // ECS reports the deployment COMPLETED; DescribeServices agrees.
    h.world.complete('prod', 'web-prod');
    h.clock.advance(60_000);
    await h.e2e.event(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: deploymentId }));

    const done = await getRequest(h.e2e.rt.redis, req.id);
    expect(done?.state).toBe('succeeded');
    const finalCard = h.e2e.slack.message('CPROD', running!.statusTs!)!;
    expect(textOf(finalCard)).toContain('completed');
    expect(textOf(finalCard)).not.toContain('deploy:abort');
    replies = thread(h.e2e, 'CPROD', req.ts);
    expect(replies.filter((m) => textOf(m).includes('Deploy completed'))).toHaveLength(1);
    const completed = replies.find((m) => textOf(m).includes('Deploy completed'))!;
    expect(textOf(completed)).toContain('`web` runs `web-prod:43` on 4 tasks');
    // The end of the change reaches the requester and the approver; a success stays in the thread.
    expect(textOf(completed)).toContain('<@UDEV1>');
    expect(textOf(completed)).toContain('<@ULEAD1>');
    expect(completed.subtype).toBeUndefined();
    // Only one status card was ever posted: the rest were chat.update calls on it.
    expect(replies.filter((m) => textOf(m).includes('Deploying `web`') || textOf(m).includes('Deploy of `web`'))).toHaveLength(1);
    expect(h.e2e.slack.callsTo('chat.update').filter((c) => c.body.ts === running!.statusTs).length).toBeGreaterThanOrEqual(2);

    // A duplicate of the same event changes nothing.
    const posts = h.e2e.slack.callsTo('chat.postMessage').length;
    await h.e2e.event(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: deploymentId }));
    expect(h.e2e.slack.callsTo('chat.postMessage')).toHaveLength(posts);
  });

  it('a circuit-breaker rollback is a failure with the real reasons, never a success', async () => {
    const req = await deployApproved();
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    const deploymentId = running.execution!.deploymentId as string;

    // Tasks of web-prod:43 crash; the circuit breaker fails the deployment and rolls back to :42.
    h.world.setStopped('prod', 'web-prod', [
      stoppedTask('0f1e2d3c4b5a69788796a5b4c3d2e1f0', { stoppedAt: new Date(h.clock.now() + 60_000) }, 1),
      stoppedTask('1f1e2d3c4b5a69788796a5b4c3d2e1f1', {
        stoppedAt: new Date(h.clock.now() + 30_000),
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth',
        containers: [{ name: 'web', lastStatus: 'STOPPED', reason: 'CannotStartContainerError' }],
      }),
      stoppedTask(
        'old00000000000000000000000000000',
        {
          taskDefinitionArn: tdArn('web-prod', 42),
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
        },
        0,
      ),
    ]);
    h.clock.advance(3 * 60_000);
    const rollbackId = h.world.circuitBreakerRollback('prod', 'web-prod');
    // The rollback deployment's own IN_PROGRESS event is not ours: it must not confuse the thread.
    await h.e2e.event(
      deploymentEvent('in-progress', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: rollbackId,
        reason: `ECS deployment ${rollbackId} in progress. Rolling back.`,
      }),
    );
    await h.e2e.event(
      deploymentEvent('failed', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: deploymentId,
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
      }),
    );

    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    const replies = thread(h.e2e, 'CPROD', req.ts);
    const all = replies.map(textOf).join('\n');
    expect(all).not.toContain('Deploy completed');
    const final = replies.find((m) => textOf(m).includes('Deploy failed'))!;
    const t = textOf(final);
    expect(t).toContain('the service is back on `web-prod:42`');
    expect(t).toContain('ECS deployment circuit breaker: tasks failed to start.');
    expect(t).toContain('`EssentialContainerExited` Essential container in task exited — `web` exit 1');
    expect(t).toContain('`TaskFailedToStart` ResourceInitializationError: unable to pull secrets or registry auth');
    // What each stop means, in plain words as alerts say it.
    expect(t).toContain('Container web is essential and exited with code 1: a generic application error');
    expect(t).toContain('ECS could not prepare the task, most often because it could not fetch its secrets');
    expect(t).toContain('ECONNREFUSED 10.0.1.5:5432');
    expect(t).not.toContain('ServiceSchedulerInitiated'); // the old revision's routine stop is not a reason
    // A failure mentions the requester and the approver and is also broadcast to the channel.
    expect(t).toContain('<@UDEV1>');
    expect(t).toContain('<@ULEAD1>');
    expect(final.subtype).toBe('thread_broadcast');
    // The failure details are said once in the thread (the final reply), not again on the card.
    expect(
      replies.concat(h.e2e.slack.message('CPROD', running.statusTs!)!).filter((m) => textOf(m).includes('ECONNREFUSED 10.0.1.5:5432')),
    ).toHaveLength(1);
    expect(textOf(h.e2e.slack.message('CPROD', running.statusTs!))).toContain('failed');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toMatch(/failed/i);
  });

  it('a rollout past the deadline is reported stuck once, with a Roll back button; the tick keeps tracking it', async () => {
    const req = await deployApproved();
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    h.world.progress('prod', 'web-prod', 1);
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    expect(thread(h.e2e, 'CPROD', req.ts).some((m) => textOf(m).includes('looks stuck'))).toBe(false);

    h.clock.advance(11 * 60_000); // past the 20m deadline of prod
    await h.e2e.tick();
    await h.e2e.tick();
    const stuck = thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Still not done after 20m'));
    expect(stuck).toHaveLength(1);
    expect(textOf(stuck[0])).toContain('"action_id":"deploy:abort"');
    expect(textOf(stuck[0])).toContain('Roll back');
    expect(textOf(h.e2e.slack.message('CPROD', running.statusTs!))).toContain('stuck');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');

    // It completes late: the same thread says so.
    h.world.complete('prod', 'web-prod');
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  });

  it('events of services without a running change cost no AWS call', async () => {
    await h.e2e.event(
      taskEvent(h.clock, {
        cluster: 'prod',
        service: 'worker-prod',
        taskId: 'w1',
        taskDefinitionArn: h.world.tdArn('worker-prod', 10),
        lastStatus: 'STOPPED',
        exitCode: 1,
      }),
    );
    await h.e2e.event(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: 'ecs-svc/123' }));
    expect(h.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('--dry-run shows the plan and the diff and changes nothing', async () => {
    await h.e2e.slash('deploy web v1.2.3 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('Dry run');
    expect(answer).toContain('nothing was changed');
    expect(answer).toContain(`~ containerDefinitions[web].image: shop/web:v1.2.2 → shop/web@sha256:${DIGEST.slice(7, 19)}`);
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('--dry-run says when a lock or a freeze would refuse the real request', async () => {
    await h.e2e.slash('lock web --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.slash('freeze prod --reason "release freeze"', { channel_id: 'CPROD', user_id: 'ULEAD1' });
    await h.e2e.slash('deploy web v1.2.3 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('Dry run');
    expect(answer).toContain('is locked by <@UDEV2>');
    expect(answer).toContain('db migration');
    expect(answer).toContain('is frozen by <@ULEAD1>');
    expect(answer).toContain('the real request would be refused');
  });
});

describe('deploy refusals, before anything changes', () => {
  it('an unknown tag lists the most recent tags', async () => {
    await h.e2e.slash('deploy web v9.9.9', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('has no image with tag `v9.9.9`');
    expect(answer).toContain('Most recent tags: `v1.2.3`, `v0.9.0-bad`, `v1.2.2`');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('critical findings are refused in prod (images.blockCritical)', async () => {
    await h.e2e.slash('deploy web v0.9.0-bad', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('2 critical findings (2 critical, 4 high), and this environment blocks critical findings');
    // What to do next, for this rule (not "wait for the scan": it was scanned).
    expect(lastResponse(h.e2e)).toContain('Fix the critical findings and push a new image (`/ecs images web` shows which tags have none).');
    expect(lastResponse(h.e2e)).not.toContain('wait for the scan');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('a CodeDeploy service is refused with an explanation', async () => {
    h.world.service('prod', 'web-prod').deploymentController = { type: 'CODE_DEPLOY' };
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('it uses the `CODE_DEPLOY` deployment controller');
    expect(answer).toContain('CodeDeploy');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it("a scale's card names the deployment it keeps with that deployment's own start, read from ECS", async () => {
    const s = h.world.service('prod', 'web-prod');
    const kept = s.deployments!.find((d) => d.status === 'PRIMARY')!;
    kept.createdAt = new Date(h.clock.now() - 3 * 86_400_000);
    const req = await requestAndApprove(h.e2e, 'scale web 8');
    await h.e2e.drain();
    h.clock.advance(60_000);
    await h.e2e.tick();
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(r.state).toBe('running');
    const card = JSON.stringify(h.e2e.slack.message('CPROD', r.statusTs!)!.blocks);
    const since = Math.floor(kept.createdAt.getTime() / 1000);
    expect(card).toContain(`Deployment \`${kept.id}\` (unchanged, since <!date^${since}^`);
    // The final card is drawn from the recorded end (no service read): it keeps the start too.
    h.world.complete('prod', 'web-prod');
    await h.e2e.tick();
    const done = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(done.state).toBe('succeeded');
    const final = JSON.stringify(h.e2e.slack.message('CPROD', done.statusTs!)!.blocks);
    expect(final).toContain(`Deployment \`${kept.id}\` (unchanged, since <!date^${since}^`);
    // It followed that deployment but did not make it: alerts and /ecs history do not call it the bot's.
    expect(await h.e2e.rt.redis.get(keys.botDeployment(kept.id!))).toBeNull();
  });

  it('a locked service and a frozen environment are refused', async () => {
    const { lockService, freezeEnvironment, unlockService } = await import('../../src/approvals/locks');
    await lockService(h.e2e.rt, 'prod', 'web', 'ULEAD1', 'DB migration');
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toMatch(/locked/i);
    expect(lastResponse(h.e2e)).toContain('DB migration');
    await unlockService(h.e2e.rt, 'prod', 'web', 'ULEAD1');
    await freezeEnvironment(h.e2e.rt, 'prod', 'ULEAD1', 'release freeze');
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toMatch(/frozen/i);
    expect(h.e2e.slack.messages('CPROD').filter((m) => /Request `/.test(textOf(m)))).toHaveLength(0);
  });

  it('another change of the same service is refused: a rollout in progress, or a request already open', async () => {
    await deployApproved();
    await h.e2e.slash('scale web 8', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('A rollout of `web` is already in progress');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);

    // worker-prod is at rest, but a request for it is waiting for approval.
    await h.e2e.slash('restart worker', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    await h.e2e.slash('restart worker', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('There is already a restart request for `worker` waiting for approval');
    expect(h.e2e.slack.messages('CPROD').filter((m) => /Request `prod\.worker\./.test(textOf(m)))).toHaveLength(1);
  });

  it('a user who is not a requester is refused at the edge', async () => {
    h.e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
    const ack = await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'USTRANGER' });
    expect(ack.text).toContain('You are not allowed to request changes in `prod`');
    expect(h.e2e.handedOff).toHaveLength(0);
  });
});

describe('deploy in staging (no approval needed)', () => {
  it('runs at once through the same path', async () => {
    await h.e2e.slash('deploy web-staging v1.2.3', { channel_id: 'CSTAGING', user_id: 'UANYONE' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Deploying `web-staging` in `staging` now');
    const registers = h.ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    expect(registers).toHaveLength(1);
    expect(registers[0]!.args[0].input.family).toBe('web-staging');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'staging',
      service: 'web-staging',
      taskDefinition: h.world.tdArn('web-staging', 8),
    });
    const req = requestMessage(h.e2e, 'CSTAGING');
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(r.state).toBe('running');
    h.world.complete('staging', 'web-staging');
    await h.e2e.event(
      deploymentEvent('completed', {
        time: h.clock.now(),
        serviceArn: h.world.service('staging', 'web-staging').serviceArn!,
        deploymentId: r.execution!.deploymentId as string,
      }),
    );
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(h.ecsMock.commandCalls(DescribeServicesCommand).every((c) => c.args[0].input.cluster === 'staging')).toBe(true);
  });
});
