/**
 * Faults that must leave nothing lost or half-done (issue 4), each through the Lambda handlers:
 * the worker invoked twice with the same job; ECR / ECS throttling; RegisterTaskDefinition
 * succeeding and UpdateService failing (refused, or an unknown outcome retried); access denied
 * on iam:PassRole; the service changed since the request; Slack rate-limiting the thread updates.
 */
import { DescribeImagesCommand, ImageNotFoundException } from '@aws-sdk/client-ecr';
import {
  AccessDeniedException,
  InvalidParameterException,
  RegisterTaskDefinitionCommand,
  ServerException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { handler as workerHandler } from '../../src/handlers/worker';
import { awsException, deployment, DIGEST, taskDefinition, tdArn, SERVICE_ARN, TASK_ROLE } from '../helpers/aws-fixtures';
import {
  approve,
  executeJobs,
  replies,
  requestAndApprove,
  lastResponse,
  requestMessage,
  stubImages,
  taskEvent,
  textOf,
  thread,
  useDeployHarness,
} from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { META } from '../helpers/fake-ecs';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({ logs: ['boom'] });

const throttle = () => awsException('ThrottlingException', 'Rate exceeded');

describe('the worker invoked twice with the same job', () => {
  it('one after the other: the change runs once', async () => {
    const req = await requestAndApprove(h.e2e);
    expect(executeJobs(h.e2e)).toHaveLength(1);
    h.e2e.pending.push(structuredClone(executeJobs(h.e2e)[0]));
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Task definition registered'))).toHaveLength(1);
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Deployment started'))).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  });

  it('at the same time: the change runs once', async () => {
    const req = await requestAndApprove(h.e2e);
    const job = executeJobs(h.e2e)[0];
    h.e2e.pending.length = 0;
    await Promise.all([workerHandler(structuredClone(job)), workerHandler(structuredClone(job)), workerHandler(structuredClone(job))]);
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(h.world.registered).toHaveLength(1);
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('running');
    expect(r?.execution?.deploymentId).toBeDefined();
  });
});

describe('throttling', () => {
  it('ECR and ECS throttling are retried with backoff; the task definition is registered once', async () => {
    h.ecrMock.reset();
    stubImages(h.ecrMock, h.clock, [], [throttle()]);
    h.world.failNext('DescribeServices', throttle());
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    h.world.failNext('RegisterTaskDefinition', throttle());
    h.world.failNext('RegisterTaskDefinition', throttle());
    h.world.failNext('UpdateService', throttle());
    await h.e2e.drain();
    expect(h.world.registered).toHaveLength(1); // two throttled attempts were rejected, one registration
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(3);
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(2);
    expect(updates.every((u) => u.args[0].input.taskDefinition === tdArn('web-prod', 43))).toBe(true);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  });
});

describe('RegisterTaskDefinition succeeds, UpdateService fails', () => {
  it('refused by ECS: reported in the thread, the request fails, the registered revision is named as unused', async () => {
    const req = await requestAndApprove(h.e2e);
    h.world.failNext(
      'UpdateService',
      new InvalidParameterException({ message: 'The container web does not exist in the task definition.', $metadata: META }),
    );
    await h.e2e.drain();
    expect(h.world.registered).toHaveLength(1);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(r?.execution?.deploymentId).toBeUndefined();
    const text = replies(h.e2e, req);
    expect(text).toContain('Deploy did not run.');
    expect(text).toContain('InvalidParameterException');
    expect(text).toContain('Task definition `web-prod:43` was registered but is not used by the service.');
    expect(h.world.service('prod', 'web-prod').taskDefinition).toBe(tdArn('web-prod', 42));
  });

  it('unknown outcome (5xx): the job fails so Lambda retries it; the retry reuses the registered revision', async () => {
    const req = await requestAndApprove(h.e2e);
    const job = structuredClone(executeJobs(h.e2e)[0]);
    h.world.failNext('UpdateService', new ServerException({ message: 'Internal error', $metadata: { ...META, httpStatusCode: 500 } }));
    await expect(h.e2e.drain()).rejects.toThrow('Internal error');
    let r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('running');
    expect(r?.execution?.registeredTaskDefinition).toBe(tdArn('web-prod', 43));
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain(
      'AWS did not confirm the service update; trying again shortly (attempt 1 of 3). AWS had an internal error (`ServerException`) while I tried to update service web-prod.',
    );

    // Lambda's retry of the same invocation.
    h.e2e.pending.push(job);
    await h.e2e.drain();
    expect(h.world.registered).toHaveLength(1);
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.args[0].input.taskDefinition).toBe(tdArn('web-prod', 43));
    r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('running');
    expect(r?.execution?.deploymentId).toBeDefined();
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Task definition registered'))).toHaveLength(1);
  });

  it('the update went through but its answer was lost: adopted, not repeated', async () => {
    const req = await requestAndApprove(h.e2e);
    h.world.failAfterApply(
      'UpdateService',
      new ServerException({ message: 'Internal error', $metadata: { ...META, httpStatusCode: 500 } }),
    );
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.execution?.deploymentId).toBe(h.world.service('prod', 'web-prod').deployments![0]!.id);
    expect(replies(h.e2e, req)).toContain('Deployment started');
  });

  it('the worker never comes back (retries exhausted): the tick settles the request, nothing changed', async () => {
    const req = await requestAndApprove(h.e2e);
    h.world.failNext('UpdateService', new ServerException({ message: 'Internal error', $metadata: { ...META, httpStatusCode: 500 } }));
    await expect(h.e2e.drain()).rejects.toThrow();
    h.clock.advance(2 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running'); // too early to call it
    h.clock.advance(5 * 60_000);
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(replies(h.e2e, req)).toContain('The worker stopped before the service was updated');
    expect(replies(h.e2e, req)).toContain('`web-prod:43` was registered but is not used');
  });
});

describe('access denied on iam:PassRole', () => {
  it('is reported, naming the permission and the role, before anything changes', async () => {
    const req = await requestAndApprove(h.e2e);
    h.world.failNext(
      'RegisterTaskDefinition',
      new AccessDeniedException({
        message: `User: arn:aws:sts::222222222222:assumed-role/ecs-chatops-worker/worker is not authorized to perform: iam:PassRole on resource: ${TASK_ROLE} because no identity-based policy allows the iam:PassRole action`,
        $metadata: META,
      }),
    );
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(h.world.registered).toHaveLength(0);
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    const text = replies(h.e2e, req);
    expect(text).toContain('`iam:PassRole`');
    expect(text).toContain(TASK_ROLE);
    expect(text).toContain('iam:PassedToService = ecs-tasks.amazonaws.com');
  });
});

describe('the service changed since the request', () => {
  it('is refused, saying what runs now and what the plan was based on', async () => {
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    // Someone deploys web-prod:44 from CI while the request waits for approval.
    h.world.addTaskDefinition(taskDefinition(44));
    const s = h.world.service('prod', 'web-prod');
    s.deployments = [deployment({ id: 'ecs-svc/5555555555555555555', taskDefinition: tdArn('web-prod', 44) })];
    s.taskDefinition = tdArn('web-prod', 44);
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    const text = replies(h.e2e, req);
    expect(text).toContain(
      'The service changed since the request was made, so the approved plan no longer describes it: it runs `web-prod:44` now, not `web-prod:42`.',
    );
    expect(text).toContain('Request it again: `/ecs deploy web v1.2.3`');
  });
});

describe('the approved image is deleted before the change runs', () => {
  it('is refused before anything is registered', async () => {
    const req = await requestAndApprove(h.e2e);
    h.ecrMock.reset();
    stubImages(h.ecrMock, h.clock, [], []);
    // the digest lookup now answers ImageNotFoundException: only shop/web's other images remain
    h.ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: DIGEST }] })
      .rejects(new ImageNotFoundException({ message: 'The image does not exist', $metadata: META }));
    await h.e2e.drain();
    expect(h.world.registered).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(replies(h.e2e, req)).toContain('is no longer in ECR repository `shop/web` (deleted since the request)');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
  });
});

describe('Slack rate-limits the thread updates', () => {
  it('429 is honoured, unchanged cards are not re-sent, and the final state is always posted', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    const cardUpdates = () => h.e2e.slack.callsTo('chat.update').filter((c) => c.body.ts === r.statusTs);
    const before = cardUpdates().length;

    // Events that change nothing on the card: nothing is sent.
    for (let i = 0; i < 3; i++) {
      h.clock.advance(5_000);
      await h.e2e.event(
        taskEvent(h.clock, {
          cluster: 'prod',
          service: 'web-prod',
          taskId: `t${i}`,
          taskDefinitionArn: tdArn('web-prod', 43),
          lastStatus: 'RUNNING',
        }),
      );
    }
    expect(cardUpdates()).toHaveLength(before);

    // Progress twice within the coalescing window: the second is left for later.
    h.world.progress('prod', 'web-prod', 1);
    await h.e2e.event(
      taskEvent(h.clock, {
        cluster: 'prod',
        service: 'web-prod',
        taskId: 'x1',
        taskDefinitionArn: tdArn('web-prod', 43),
        lastStatus: 'RUNNING',
      }),
    );
    h.world.progress('prod', 'web-prod', 2);
    h.clock.advance(1_000);
    await h.e2e.event(
      taskEvent(h.clock, {
        cluster: 'prod',
        service: 'web-prod',
        taskId: 'x2',
        taskDefinitionArn: tdArn('web-prod', 43),
        lastStatus: 'RUNNING',
      }),
    );
    expect(cardUpdates()).toHaveLength(before + 1);
    expect(textOf(h.e2e.slack.message('CPROD', r.statusTs!))).toContain('1/4 new tasks running');

    // Slack answers 429 (Retry-After: 1) to the final card update and to the final reply: both still land.
    h.world.complete('prod', 'web-prod');
    h.e2e.slack.rateLimitNext('chat.update', 1);
    h.e2e.slack.rateLimitNext('chat.postMessage', 1);
    await h.e2e.event(
      deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: r.execution!.deploymentId as string }),
    );
    expect(h.e2e.slack.callsTo('chat.update').some((c) => c.rateLimited)).toBe(true);
    expect(h.e2e.slack.callsTo('chat.postMessage').some((c) => c.rateLimited)).toBe(true);
    expect(textOf(h.e2e.slack.message('CPROD', r.statusTs!))).toContain('completed');
    expect(replies(h.e2e, req)).toContain('Deploy completed');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  });

  it('when Slack keeps failing, the request stays running and the next tick posts the final state', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    h.world.complete('prod', 'web-prod');
    h.e2e.slack.failNext('chat.postMessage', 'fatal_error');
    // The invocation fails (so Lambda would retry the event); the tick does not wait for that.
    await expect(
      h.e2e.event(
        deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: r.execution!.deploymentId as string }),
      ),
    ).rejects.toThrow('event consumers failed: deploy-progress');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Deploy completed'))).toHaveLength(1);
    expect(textOf(h.e2e.slack.message('CPROD', r.statusTs!))).toContain('completed');
  });
});

it('answers when the requester gives a digest instead of a tag', async () => {
  await h.e2e.slash(`deploy web sha256:${'f'.repeat(64)}`, { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain(`has no image with digest \`sha256:${'f'.repeat(64)}\``);
});
