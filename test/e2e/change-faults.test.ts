/**
 * Fault injection on the worker's change path (session 9 review): a "did not run" decision whose
 * card could not be updated, a change settled by the tick after its worker stopped, and a rollout
 * whose service can no longer be read. Each must end truthful, with nothing left running.
 */
import { RegisterTaskDefinitionCommand, ServerException, StopServiceDeploymentCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { META } from '../helpers/fake-ecs';
import { awsException, tdArn } from '../helpers/aws-fixtures';
import { approve, executeJobs, replies, requestAndApprove, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { getRequest } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import { readAudit } from '../../src/approvals/audit';
import { deploymentEvent } from '../fixtures/events/samples';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { lastAnswer } from '../helpers/e2e';
import { appHomeOpened } from '../helpers/signing';
import { messageUrl } from '../../src/slack/text';
import { FAST_WORKER_SLACK_RETRIES } from '../helpers/slack-bound';

const h = useDeployHarness({
  logs: ['boom'],
  env: () => FAST_WORKER_SLACK_RETRIES,
  before: ({ e2e }) => {
    e2e.slack.setUserGroup('SDEVS', []);
    e2e.slack.setUserGroup('SLEADS', []);
  },
});

const throttle = () => awsException('ThrottlingException', 'Rate exceeded');

describe('a "did not run" decision whose status card could not be updated', () => {
  it("Lambda's retry of the job does not run the change the thread said did not run; it finishes the request and repairs the card", async () => {
    const req = await requestAndApprove(h.e2e);
    const job = structuredClone(executeJobs(h.e2e)[0]);
    // ECS keeps throttling DescribeServices past every retry: nothing can be checked, nothing is changed.
    for (let i = 0; i < 4; i++) h.world.failNext('DescribeServices', throttle());
    // The thread reply saying so goes out; the card's update fails (Slack has a bad moment).
    h.e2e.slack.failNext('chat.update', 'fatal_error', 2); // the request message's re-render (best effort), then the card
    await expect(h.e2e.drain()).rejects.toThrow();
    expect(replies(h.e2e, req)).toContain('Deploy did not run.');

    // Lambda retries the invocation a minute later; ECS answers again.
    h.clock.advance(60_000);
    h.e2e.pending.push(job);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand).length).toBe(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand).length).toBe(0);
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('failed');
    expect(replies(h.e2e, req)).not.toContain('Deployment started');
  });
});

describe('the worker stopped before the service was updated (its retries ran out)', () => {
  it('the tick that fails the request also puts its status card in its final state', async () => {
    const req = await requestAndApprove(h.e2e);
    h.world.failNext('UpdateService', new ServerException({ message: 'Internal error', $metadata: { ...META, httpStatusCode: 500 } }));
    await expect(h.e2e.drain()).rejects.toThrow();
    const before = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(textOf(h.e2e.slack.message('CPROD', before.statusTs!))).toContain('trying again shortly');
    h.clock.advance(7 * 60_000);
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(replies(h.e2e, req)).toContain('The worker stopped before the service was updated');
    const card = textOf(h.e2e.slack.message('CPROD', r!.statusTs!));
    expect(card).not.toContain('trying again shortly');
    expect(card).toContain('failed');
  });
});

describe('a rollout whose service can no longer be read', () => {
  it('deleted while it rolls out: the tick gives up after the give-up time, says why, and frees the service', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.execution?.deploymentId).toBeDefined();
    // Someone deletes the service (console, IaC) in the middle of the rollout.
    h.world.service('prod', 'web-prod').status = 'INACTIVE';
    h.clock.advance(5 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running'); // one failed read is not an answer
    h.clock.advance(60 * 60_000); // past 3 deadlines (15 min each in prod)
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    const text = replies(h.e2e, req);
    expect(text).toContain('Deploy failed');
    expect(text).toContain('I could not read the service for 1h 5m, so I stopped tracking the change');
    expect(text).toContain('Service `web-prod` in cluster `prod` is INACTIVE (deleted).');
    // Nobody knows what runs there now: the new task definition is not said to be unused.
    expect(text).not.toContain('stays registered but unused');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('failed');
    expect(await h.e2e.rt.redis.exists('lock:{svc:prod:web}')).toBe(0);
  });
});

describe('a rollout ECS never finishes', () => {
  it('past the give-up time the thread, the status card and the request say "not confirmed", never "failed", and the service is freed', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    // Every new task runs, but ECS never says the deployment completed (nor failed).
    h.world.progress('prod', 'web-prod', 4);
    h.clock.advance(30 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    h.clock.advance(35 * 60_000); // past 3 deadlines (20 min each in prod)
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    const text = replies(h.e2e, req);
    expect(text).toContain('Deploy not confirmed* in 1h 5m: ECS had not said it completed or failed when I stopped tracking it');
    expect(text).toContain("Still not finished after 1h 5m, so I stopped tracking it and released the service's change lock.");
    expect(text).not.toContain('Deploy failed');
    expect(text).not.toContain('this change failed');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('not confirmed');
    const head = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(head).toContain('(not confirmed)');
    expect(head).toContain('*Not confirmed*');
    expect(head).not.toContain('*Failed*');
    // Its notification text (what a push or a screen reader gives) too.
    expect(requestMessage(h.e2e, 'CPROD').message.text).toMatch(/: not confirmed, requested by/);
    expect(await h.e2e.rt.redis.exists('lock:{svc:prod:web}')).toBe(0);
  });

  /** A deploy the tracker gave up on: ECS never said it completed, past three deadlines. */
  async function givenUp(): Promise<{ id: string; ts: string; statusTs: string }> {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    h.world.progress('prod', 'web-prod', 4);
    h.clock.advance(30 * 60_000);
    await h.e2e.tick();
    h.clock.advance(35 * 60_000);
    await h.e2e.tick();
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(r.state).toBe('failed');
    return { ...req, statusTs: r.statusTs! };
  }

  it('/ecs history says "not confirmed" for it, never "failed"', async () => {
    const req = await givenUp();
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastAnswer(h.e2e);
    expect(answer).toContain(req.id);
    expect(answer).toContain(':grey_question: not confirmed');
    expect(answer).not.toContain(':x: failed');
    // Once the request hash is gone, the audit trail alone still says so.
    await h.e2e.rt.redis.del(keys.request('prod', 'web', req.id));
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const fromAudit = lastAnswer(h.e2e);
    expect(fromAudit).toContain(req.id);
    expect(fromAudit).toContain(':grey_question: not confirmed');
    expect(fromAudit).not.toContain(':x: failed');
  });

  it('a late Abort click and a late Approve click say it ended "not confirmed", never "failed"', async () => {
    const req = await givenUp();
    await h.e2e.click({ action_id: 'deploy:abort', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.statusTs });
    await h.e2e.drain();
    expect(lastAnswer(h.e2e)).toContain('This change already ended (not confirmed); there is nothing to abort.');
    await h.e2e.click({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    await h.e2e.drain();
    const approved = lastAnswer(h.e2e);
    expect(approved).toContain('This request already ended: not confirmed');
    expect(approved).not.toContain('it failed');
  });

  it('guard: the Home tab lists only open changes, so it shows the given-up one nowhere (and never as failed)', async () => {
    const req = await givenUp();
    await h.e2e.slackEvent(appHomeOpened('UDEV1'));
    await h.e2e.drain();
    const home = JSON.stringify(h.e2e.slack.homeView('UDEV1')?.blocks ?? null);
    expect(home).toContain('prod · ');
    expect(home).not.toContain(req.id);
    expect(home).not.toContain(messageUrl('CPROD', req.ts));
    expect(home).not.toMatch(/failed/i);
  });
});

describe('a stalled start whose service can no longer be read', () => {
  it('the tick gives up after the give-up time instead of trying every minute forever', async () => {
    const req = await requestAndApprove(h.e2e);
    h.world.failNext('UpdateService', new ServerException({ message: 'Internal error', $metadata: { ...META, httpStatusCode: 500 } }));
    await expect(h.e2e.drain()).rejects.toThrow();
    h.world.service('prod', 'web-prod').status = 'INACTIVE';
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    h.clock.advance(60 * 60_000);
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(replies(h.e2e, req)).toContain('I could not read the service for 1h 10m');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('failed');
  });
});

/** ULEAD1 presses Abort on the change's status card. */
const pressAbort = (running: { id: string; statusTs?: string }) =>
  h.e2e.click({
    action_id: 'deploy:abort',
    value: running.id,
    user_id: 'ULEAD1',
    channel_id: 'CPROD',
    message_ts: running.statusTs!,
    text: 'Abort and roll back',
  });

describe('Abort while Slack has a bad moment', () => {
  it('ECS took the abort but its thread reply failed: the thread never says the abort did not work, and the change ends aborted', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    await pressAbort(running);
    h.e2e.slack.failNext('chat.postMessage', 'fatal_error'); // the "aborted the rollout" reply
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect(replies(h.e2e, req)).not.toContain('it did not work');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.execution?.abortedBy).toBe('ULEAD1');
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(replies(h.e2e, req)).toContain('aborted by <@ULEAD1>');
    expect(replies(h.e2e, req)).not.toContain('The rollout goes on');
  });
});

describe('Abort pressed after the end of the rollout was decided (its card update failed)', () => {
  it('is too late: nothing is rolled back and the change ends as the thread said', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    h.world.complete('prod', 'web-prod');
    h.e2e.slack.failNext('chat.update', 'fatal_error');
    await h.e2e.tick().catch(() => undefined);
    expect(replies(h.e2e, req)).toContain('Deploy completed');
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(running.state).toBe('running');
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand).length;
    await pressAbort(running);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(updates);
    expect(replies(h.e2e, req)).toContain('asked to abort, but the change already completed');
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('succeeded');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('completed');
  });
});

describe("someone else's deployment from outside the bot", () => {
  it('after our rollout completed (its event not yet seen): the change ends completed, not failed', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    h.world.complete('prod', 'web-prod');
    // CI deploys web-prod:44 a few seconds later, before the bot heard of the completion.
    const s = h.world.service('prod', 'web-prod');
    const ours = s.deployments![0]!;
    ours.status = 'ACTIVE';
    s.deployments = [
      {
        ...ours,
        id: 'ecs-svc/5555555555555555555',
        status: 'PRIMARY',
        taskDefinition: tdArn('web-prod', 44),
        rolloutState: 'IN_PROGRESS',
        runningCount: 0,
      },
      ours,
    ];
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('succeeded');
    expect(replies(h.e2e, req)).toContain('Deploy completed');
    expect(replies(h.e2e, req)).not.toContain('was replaced by another deployment');
  });

  it("after our rollout completed and theirs completed too (ours gone from the list): ECS's record of ours says completed", async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const ex = (await getRequest(h.e2e.rt.redis, req.id))!.execution!;
    h.world.complete('prod', 'web-prod');
    // CI deployed web-prod:44 and it finished too before the bot looked: ECS lists only theirs.
    const s = h.world.service('prod', 'web-prod');
    const theirs = 'ecs-svc/5555555555555555555';
    s.deployments = [{ ...s.deployments![0]!, id: theirs, taskDefinition: tdArn('web-prod', 44), rolloutState: 'COMPLETED' }];
    s.taskDefinition = tdArn('web-prod', 44);
    const sd = (arn: string, status: 'SUCCESSFUL') => ({
      serviceDeploymentArn: arn,
      serviceArn: s.serviceArn,
      clusterArn: s.clusterArn,
      status,
    });
    h.world.setHistory(
      'prod',
      'web-prod',
      [sd(ex.serviceDeploymentArn as string, 'SUCCESSFUL'), sd(`${s.clusterArn}/x/5555555555555555555`, 'SUCCESSFUL')],
      [],
    );
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('succeeded');
    expect(replies(h.e2e, req)).toContain('Deploy completed');
    expect(replies(h.e2e, req)).not.toContain('failed');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('completed');
  });

  it("ours gone from the list and ECS's record of it does not say it succeeded: the change ends failed as before", async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const s = h.world.service('prod', 'web-prod');
    s.deployments = [
      { ...s.deployments![0]!, id: 'ecs-svc/5555555555555555555', taskDefinition: tdArn('web-prod', 44), rolloutState: 'COMPLETED' },
    ];
    s.taskDefinition = tdArn('web-prod', 44);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(replies(h.e2e, req)).toContain('Deploy failed');
  });

  it('while our rollout runs: the change ends failed, naming the other deployment', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    h.world.progress('prod', 'web-prod', 1);
    const s = h.world.service('prod', 'web-prod');
    const ours = s.deployments![0]!;
    ours.status = 'ACTIVE';
    s.deployments = [
      { ...ours, id: 'ecs-svc/5555555555555555555', status: 'PRIMARY', taskDefinition: tdArn('web-prod', 44), runningCount: 0 },
      ...s.deployments!,
    ];
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(replies(h.e2e, req)).toContain('was replaced by another deployment (ecs-svc/5555555555555555555 to web-prod:44)');
    expect(replies(h.e2e, req)).toContain('Deploy failed');
  });
});

describe('Slack down when an approved change starts', () => {
  it('the change still runs (the card and the milestones are reporting); the card is put right once Slack is back', async () => {
    const req = await requestAndApprove(h.e2e);
    h.e2e.slack.setDown(true);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand).length).toBe(1);
    let r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('running');
    expect(r?.execution?.deploymentId).toBeDefined();

    h.e2e.slack.setDown(false);
    h.clock.advance(60_000);
    await h.e2e.tick();
    r = await getRequest(h.e2e.rt.redis, req.id);
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('in progress');
    h.world.complete('prod', 'web-prod');
    h.clock.advance(60_000);
    await h.e2e.tick();
    r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('succeeded');
    expect(replies(h.e2e, req)).toContain('Deploy completed');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('completed');
  }, 90_000); // every Slack call of the worker is retried (with backoff) while Slack is down
});

describe('the end of a rollout whose status card could not be updated', () => {
  it('a completed scale stays completed when autoscaling moves the desired count before the next tick', async () => {
    await h.e2e.slash('scale web 8', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    await h.e2e.drain();
    const s = h.world.service('prod', 'web-prod');
    Object.assign(s, { runningCount: 8, pendingCount: 0 });
    h.clock.advance(60_000);
    // The tick sees the count reached: the "completed" reply goes out, the card's update fails.
    h.e2e.slack.failNext('chat.update', 'fatal_error');
    await h.e2e.tick().catch(() => undefined);
    expect(replies(h.e2e, req)).toContain('`web` runs 8 tasks');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');

    // Autoscaling scales in before the next tick looks.
    Object.assign(s, { desiredCount: 6, runningCount: 6 });
    h.clock.advance(60_000);
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('succeeded');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('completed');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).not.toContain('failed');
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => /Scale (completed|failed)/.test(textOf(m)))).toHaveLength(1);
    expect(replies(h.e2e, req)).not.toContain('desired count');
  });
});

describe('the request message whose re-render Slack did not take', () => {
  it('is rendered again by the tick until it shows the outcome (it never stays "running")', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const runningText = textOf(h.e2e.slack.message('CPROD', req.ts));
    // Slack has a bad moment with the request message only (the card and the thread work).
    let refuse = true;
    h.e2e.slack.handle('chat.update', (body, _call, builtin) =>
      refuse && body.ts === req.ts ? { ok: false, error: 'internal_error' } : builtin!(),
    );
    h.world.complete('prod', 'web-prod');
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(replies(h.e2e, req)).toContain('Deploy completed');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toBe(runningText);

    // Still refused at the next tick: tried again later, not dropped.
    h.clock.advance(61_000);
    await h.e2e.tick();
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toBe(runningText);

    refuse = false;
    h.clock.advance(61_000);
    await h.e2e.tick();
    const shown = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(shown).not.toBe(runningText);
    expect(shown).toMatch(/completed|succeeded/i);
  });

  it('is not queued when the message is gone (deleted): rendering it again cannot help', async () => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    h.e2e.slack.handle('chat.update', (body, _call, builtin) =>
      body.ts === req.ts ? { ok: false, error: 'message_not_found' } : builtin!(),
    );
    h.world.complete('prod', 'web-prod');
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(await h.e2e.rt.redis.zscore(keys.rerenderQueue(), req.id)).toBeNull();
  });
});

describe("a click's own re-render of the request message that Slack did not take", () => {
  it('is queued like the others: the tick renders the approved request (the message does not keep its Approve button)', async () => {
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    const pendingText = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(pendingText).toContain('approval:approve');
    let refuse = true;
    h.e2e.slack.handle('chat.update', (body, _call, builtin) =>
      refuse && body.ts === req.ts ? { ok: false, error: 'internal_error' } : builtin!(),
    );
    await approve(h.e2e, req);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('approved');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toBe(pendingText);
    expect(await h.e2e.rt.redis.zscore(keys.rerenderQueue(), req.id)).not.toBeNull();

    refuse = false;
    h.clock.advance(61_000);
    await h.e2e.tick();
    const shown = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(shown).not.toContain('approval:approve');
    expect(shown).toContain('Approved');
    expect(await h.e2e.rt.redis.zscore(keys.rerenderQueue(), req.id)).toBeNull();
  });

  it('is not queued when the message is gone', async () => {
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    h.e2e.slack.handle('chat.update', (body, _call, builtin) =>
      body.ts === req.ts ? { ok: false, error: 'message_not_found' } : builtin!(),
    );
    await approve(h.e2e, req);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('approved');
    expect(await h.e2e.rt.redis.zscore(keys.rerenderQueue(), req.id)).toBeNull();
  });
});

describe('two refreshes of one running change at once (an ECS event and the tick see the end together)', () => {
  const finishes = async (id: string) =>
    (await readAudit(h.e2e.rt.redis, 'prod', { service: 'web', limit: 50 })).filter(
      (e) => e.requestId === id && (e.state === 'succeeded' || e.state === 'failed'),
    );

  it.each([
    ['completed', 'Deploy completed', 'succeeded'],
    ['failed', 'Deploy failed', 'failed'],
  ] as const)('a rollout %s is finished once: one final reply, one audit entry, the card final', async (how, said, state) => {
    const req = await requestAndApprove(h.e2e);
    await h.e2e.drain();
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    if (how === 'completed') h.world.complete('prod', 'web-prod');
    else h.world.circuitBreakerRollback('prod', 'web-prod');
    h.clock.advance(60_000);
    const event = deploymentEvent(how, {
      time: h.clock.now(),
      serviceArn: SERVICE_ARN,
      deploymentId: String(running.execution!.deploymentId),
    });
    await Promise.all([h.e2e.event(structuredClone(event)), h.e2e.tick(), h.e2e.event(structuredClone(event)), h.e2e.tick()]);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe(state);
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes(said))).toHaveLength(1);
    expect(await finishes(req.id)).toHaveLength(1);
    expect(textOf(h.e2e.slack.message('CPROD', running.statusTs!))).not.toContain('deploy:abort');
  });
});
