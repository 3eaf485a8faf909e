/**
 * Release gate 2, the traffic-shift gate, end to end through the Lambda handlers. web-prod deploys
 * blue/green with a PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT. When the deployment pauses
 * (noticed from the ECS deployment event, or the scheduled tick), the request thread shows the stage,
 * the traffic weights and the new revision's health with Shift production traffic and Roll back;
 * the press calls ContinueServiceDeployment with the hook id from DescribeServiceDeployments'
 * lifecycleHookDetails. DescribeServiceDeployments answers in the documented shape of a paused
 * deployment (the SDK's "paused at a lifecycle hook" example), including a hook that timed out.
 */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  type ServiceDeployment,
  type Task,
} from '@aws-sdk/client-ecs';
import { keys } from '../../src/redis/keys';
import { getRequest } from '../../src/approvals/workflow';
import { awsException, SERVICE_ARN, stoppedTask, tdArn } from '../helpers/aws-fixtures';
import { configFile, fixtureGroups } from '../helpers/config';
import { approve, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const h = useDeployHarness({
  logs: ['GET /health 200 2ms', 'GET /checkout 200 41ms'],
  configPath: configFile((doc) => {
    doc.environments.prod.gates = { trafficShift: { approvers: ['ULEAD1', 'ULEAD2'] }, autoLock: {} };
  }),
  groups: fixtureGroups(),
  env: () => SHORT_WORKER_SLACK_BOUND,
});

const HOOK_ID = 'ecs-pause-Xk7rT2mP9sLwQn4vB8fYd3hJ6gA1cE5iO0uR_ZpWq';
const STAGE = 'POST_TEST_TRAFFIC_SHIFT';

/** web-prod deploys blue/green and pauses after test traffic reached the new revision. */
function blueGreen(): void {
  h.world.service('prod', 'web-prod').deploymentConfiguration = {
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: 10,
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: [STAGE], timeoutConfiguration: { action: 'ROLLBACK', timeoutInMinutes: 60 } }],
  };
}

/** DescribeServiceDeployments' answer for the paused deployment, as documented (example "paused at a lifecycle hook"). */
function pausedDeployment(arn: string, status: 'AWAITING_ACTION' | 'TIMED_OUT' | 'SUCCEEDED' = 'AWAITING_ACTION'): ServiceDeployment {
  return {
    serviceDeploymentArn: arn,
    serviceArn: SERVICE_ARN,
    clusterArn: 'arn:aws:ecs:eu-west-1:222222222222:cluster/prod',
    status: 'IN_PROGRESS',
    lifecycleStage: STAGE,
    lifecycleHookDetails: [
      { expiresAt: new Date(h.clock.now() + 3600_000), hookId: HOOK_ID, status, targetType: 'PAUSE', timeoutAction: 'ROLLBACK' },
    ],
    targetServiceRevision: {
      arn: 'arn:aws:ecs:eu-west-1:222222222222:service-revision/prod/web-prod/1234567890123456789',
      pendingTaskCount: 1,
      requestedTaskCount: 2,
      runningTaskCount: 1,
      requestedTestTrafficWeight: 100,
      requestedProductionTrafficWeight: 0,
    },
    sourceServiceRevisions: [
      {
        arn: 'arn:aws:ecs:eu-west-1:222222222222:service-revision/prod/web-prod/1111111111111111111',
        requestedTaskCount: 4,
        runningTaskCount: 4,
        pendingTaskCount: 0,
        requestedTestTrafficWeight: 0,
        requestedProductionTrafficWeight: 100,
      },
    ],
    deploymentConfiguration: h.world.service('prod', 'web-prod').deploymentConfiguration,
    updatedAt: new Date(h.clock.now()),
  };
}

const presses = () => h.ecsMock.commandCalls(ContinueServiceDeploymentCommand);

/** A deploy of web in prod, approved and running, paused at the hook; the events consumer shows the gate. */
async function pausedDeploy(): Promise<{ id: string; ts: string; arn: string; value: string; pause: () => ReturnType<typeof textOf> }> {
  blueGreen();
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  expect(textOf(req.message)).toContain('Traffic shift: its deployments pause at `POST_TEST_TRAFFIC_SHIFT`');
  await approve(h.e2e, req);
  await h.e2e.drain();
  const running = (await getRequest(h.e2e.rt.redis, req.id))!;
  const arn = running.execution!.serviceDeploymentArn as string;
  expect(arn).toMatch(/service-deployment\/prod\/web-prod\//);
  // ECS reached the pause: the new revision runs one task, test traffic is on it.
  const task: Task = {
    ...stoppedTask('9a8b7c6d5e4f30211203f4e5d6c7b8a9'),
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    taskDefinitionArn: tdArn('web-prod', 43),
    stoppedAt: undefined,
    stopCode: undefined,
    stoppedReason: undefined,
    startedAt: new Date(h.clock.now()),
  };
  h.world.setRunning('prod', 'web-prod', [task]);
  h.world.setHistory('prod', 'web-prod', [pausedDeployment(arn)], []);
  h.clock.advance(60_000);
  await h.e2e.event(
    deploymentEvent('in-progress', {
      time: h.clock.now(),
      serviceArn: SERVICE_ARN,
      deploymentId: running.execution!.deploymentId as string,
    }),
  );
  const message = () => thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Deployment paused at'));
  const pause = () => textOf(message());
  // The buttons' value: the request and the opaque key of the pause.
  const value = /"value":"([^"]+:[0-9a-f]{12})"/.exec(JSON.stringify(message()!.blocks))![1]!;
  expect(value.startsWith(`${req.id}:`)).toBe(true);
  return { ...req, arn, value, pause };
}

/** A click on the paused message's button (also after the buttons are gone: a stale client). */
function press(req: { ts: string; value: string }, which: 'shift' | 'rollback', user: string) {
  const msg = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Deployment paused at'))!;
  return h.e2e.click({ action_id: `gate:${which}`, value: req.value, user_id: user, channel_id: 'CPROD', message_ts: msg.ts });
}

/**
 * A press the worker did not send: nothing reached ECS, the presser (`told.whisper`) and the change's
 * thread (`told.thread`: the click's answer had said it was being sent) were told, and the claim is
 * released: the pause still waits, and `then` goes through.
 */
async function notSentThenPressed(
  req: { id: string; ts: string; value: string },
  told: { user: string; whisper: string; thread: string },
  then: { which: 'shift' | 'rollback'; user: string },
): Promise<void> {
  await h.e2e.drain();
  expect(presses()).toHaveLength(0);
  const whispers = h.e2e.slack.ephemerals('CPROD').filter((e) => e.user === told.user);
  expect(whispers.map((e) => JSON.stringify(e.blocks)).join('\n')).toContain(told.whisper);
  expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain(told.thread);
  expect(await h.e2e.rt.redis.hkeys(keys.changeTrack(req.id))).not.toEqual(expect.arrayContaining([expect.stringMatching(/^press\./)]));
  h.clock.advance(1000);
  await press(req, then.which, then.user);
  await h.e2e.drain();
  expect(presses()).toHaveLength(1);
  expect(presses()[0]!.args[0].input).toMatchObject({ action: then.which === 'shift' ? 'CONTINUE' : 'ROLLBACK' });
}

/** After refused presses: nothing was claimed or sent to ECS; then a press on the pause's own message in the request's channel goes through. */
async function refusedThenPressed(req: { id: string; ts: string; value: string }): Promise<void> {
  await h.e2e.drain();
  expect(presses()).toHaveLength(0);
  expect(await h.e2e.rt.redis.hkeys(keys.changeTrack(req.id))).not.toEqual(expect.arrayContaining([expect.stringMatching(/^press\./)]));
  await press(req, 'shift', 'ULEAD1');
  await h.e2e.drain();
  expect(presses()).toHaveLength(1);
}

/** ContinueServiceDeployment as ECS answers it: the hook is no longer waiting. */
function acceptContinue(): void {
  h.ecsMock.on(ContinueServiceDeploymentCommand).callsFake((input: { serviceDeploymentArn: string; hookId: string }) => {
    const sd = [...h.world.history.values()]
      .flatMap((x) => x.deployments)
      .find((d) => d.serviceDeploymentArn === input.serviceDeploymentArn)!;
    sd.lifecycleHookDetails = sd.lifecycleHookDetails!.map((d) => (d.hookId === input.hookId ? { ...d, status: 'SUCCEEDED' } : d));
    return { serviceDeploymentArn: input.serviceDeploymentArn };
  });
}

describe('the traffic-shift gate', () => {
  it('shows the paused deployment with its stage, weights and health; only a shifter other than the requester shifts; the press is recorded', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    const pause = req.pause();
    expect(pause).toContain(
      '*Deployment paused at `POST_TEST_TRAFFIC_SHIFT`* — waiting for a decision. If nobody decides, ECS takes its timeout action (`ROLLBACK`)',
    );
    expect(pause).toContain('*Traffic:* production — new revision 0%, current 100% · test — new revision 100%');
    expect(pause).toContain('*New revision:* 1 of 2 tasks running, 1 pending');
    expect(pause).toContain('No task of the new revision stopped so far.');
    expect(pause).toContain('*Last log lines* (task `9a8b7c6d`, container `web`)');
    expect(pause).toContain('GET /checkout 200 41ms');
    expect(pause).toContain('Who may press: <@ULEAD1>, <@ULEAD2> (the requester may roll back)');
    expect(pause).toContain('gate:shift');
    expect(pause).toContain('Shift production traffic');
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(textOf(h.e2e.slack.message('CPROD', running.statusTs!))).toContain(
      'Paused at `POST_TEST_TRAFFIC_SHIFT`: waiting for *Shift production traffic* or *Roll back*',
    );

    // More events and ticks while it waits: one message, and past the deploy deadline it is not "stuck".
    h.clock.advance(30 * 60_000);
    await h.e2e.tick();
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('Deployment paused at'))).toHaveLength(1);
    expect(thread(h.e2e, 'CPROD', req.ts).some((m) => textOf(m).includes('looks stuck'))).toBe(false);

    await press(req, 'shift', 'UDEV1');
    expect(lastResponse(h.e2e)).toContain('You asked for this change, so another person has to shift its production traffic');
    await press(req, 'shift', 'UDEV2');
    expect(lastResponse(h.e2e)).toContain('Shifting production traffic in `prod` needs: <@ULEAD1>, <@ULEAD2>');
    await press(req, 'shift', 'ULEAD1');
    expect(lastResponse(h.e2e)).toContain('Sending `CONTINUE` to ECS for the pause at `POST_TEST_TRAFFIC_SHIFT`');
    expect(presses()).toHaveLength(0); // the click only hands it to the worker
    await h.e2e.drain();
    expect(presses()).toHaveLength(1);
    expect(presses()[0]!.args[0].input).toEqual({ serviceDeploymentArn: req.arn, hookId: HOOK_ID, action: 'CONTINUE' });

    const closed = req.pause();
    expect(closed).not.toContain('gate:shift');
    expect(closed).toContain('<@ULEAD1> pressed *Shift production traffic*');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('<@ULEAD1> pressed *Shift production traffic* at `POST_TEST_TRAFFIC_SHIFT`: ECS continues the deployment.'),
      ]),
    );
    const entry = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).find(([, f]) => f.includes('traffic-shifted'))!;
    expect(entry[1]).toEqual(expect.arrayContaining(['actor', 'ULEAD1']));
    await press(req, 'shift', 'ULEAD2');
    expect(lastResponse(h.e2e)).toContain('<@ULEAD1> already pressed *Shift production traffic* on this pause');

    // ECS finishes: the change succeeds; history shows who shifted the traffic.
    h.world.complete('prod', 'web-prod');
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('traffic shifted by <@ULEAD1>');
  });

  it("the press's outcome in the thread, held past the worker's Slack timeout and never shown: posted again after looking, shown once (before: lost)", async () => {
    acceptContinue();
    const req = await pausedDeploy();
    const said = (m: { text?: unknown }) => String(m.text ?? '').includes('pressed Shift production traffic');
    // The outcome's first post: held past the patient client's timeout (SHORT_WORKER_SLACK_BOUND), then refused (Slack never took it).
    let held = false;
    h.e2e.slack.handle('chat.postMessage', async (body, call, builtin) => {
      if (held || !said(body)) return builtin!();
      held = true;
      call.stalled = true;
      await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
      return { ok: false, error: 'fatal_error' };
    });
    await press(req, 'shift', 'ULEAD1');
    await h.e2e.drain();
    await h.e2e.slack.waitFor(
      (calls) => calls.some((c) => c.stalled) && calls.every((c) => !c.stalled || c.response !== undefined),
      15_000,
      'the held post is answered',
    );
    expect(presses()).toHaveLength(1);
    const outcomes = thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('<@ULEAD1> pressed *Shift production traffic* at'));
    expect(outcomes).toHaveLength(1);
    const posts = h.e2e.slack.callsTo('chat.postMessage').filter((c) => said(c.body));
    expect(posts).toHaveLength(2);
    expect(posts.map((c) => c.body.metadata?.event_payload?.key)).toEqual([
      expect.stringMatching(`^${req.id}:press:`),
      posts[0]!.body.metadata?.event_payload?.key,
    ]);
  }, 40_000);

  it('a press on another message of the request’s channel (the request, the status card) is refused with a link to the pause: nothing claimed, nothing sent', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    const msg = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Deployment paused at'))!;
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    for (const ts of [req.ts, running.statusTs!]) {
      for (const which of ['shift', 'rollback'] as const) {
        await h.e2e.click({ action_id: `gate:${which}`, value: req.value, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: ts });
        const answer = JSON.stringify(lastResponse(h.e2e));
        expect(answer).toContain('This button is not on the message it belongs to, so I did nothing');
        expect(answer).toContain(`p${msg.ts.replace('.', '')}?thread_ts=${req.ts}&cid=CPROD|the traffic-shift message`);
      }
    }
    // Nothing claimed or sent; on the pause's own message the same press goes through.
    await refusedThenPressed(req);
  });

  it('a press from another channel than the request’s is refused: nothing claimed, nothing sent to ECS', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    const msg = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Deployment paused at'))!;
    for (const which of ['shift', 'rollback'] as const) {
      await h.e2e.click({ action_id: `gate:${which}`, value: req.value, user_id: 'ULEAD1', channel_id: 'CSTAGING', message_ts: msg.ts });
      expect(lastResponse(h.e2e)).toContain('belongs to a request in another channel (<#CPROD>)');
    }
    // Nothing claimed or sent; from the request's channel the same press goes through.
    await refusedThenPressed(req);
  });

  it("the worker asks the presser's role again under chatops.yml as it is now: a press from someone no longer a shifter is not sent to ECS", async () => {
    acceptContinue();
    const req = await pausedDeploy();
    // ULEAD1 may shift at the click; before the worker sends it, chatops.yml is deployed again without them.
    await press(req, 'shift', 'ULEAD1');
    expect(lastResponse(h.e2e)).toContain('Sending `CONTINUE` to ECS');
    h.e2e.redeployWorker(
      configFile((doc) => {
        doc.environments.prod.gates = { trafficShift: { approvers: ['ULEAD2'] }, autoLock: {} };
      }),
    );
    await notSentThenPressed(
      req,
      {
        user: 'ULEAD1',
        whisper:
          'I did not send your *Shift production traffic* press to ECS: checked again before sending it, under chatops.yml and the user groups as they are now, shifting production traffic in `prod` needs: <@ULEAD2>.',
        thread:
          ':no_entry: <@ULEAD1> pressed *Shift production traffic*, but may no longer press it (chatops.yml and the user groups as they are now): nothing was sent to ECS. The pause still waits for someone who may.',
      },
      { which: 'shift', user: 'ULEAD2' },
    );
  });

  it('a roll-back press is asked again in the worker too: someone no longer an approver or shifter is refused there', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    await press(req, 'rollback', 'ULEAD1');
    h.e2e.redeployWorker(
      configFile((doc) => {
        doc.environments.prod.gates = { trafficShift: { approvers: ['ULEAD2'] }, autoLock: {} };
        doc.environments.prod.approvers = ['ULEAD2', 'SLEADS'];
      }),
    );
    await h.e2e.drain();
    expect(presses()).toHaveLength(0);
    expect(
      h.e2e.slack
        .ephemerals('CPROD')
        .filter((e) => e.user === 'ULEAD1')
        .map((e) => JSON.stringify(e.blocks))
        .join('\n'),
    ).toContain('rolling back in `prod` here needs the requester, an approver or: <@ULEAD2>.');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('<@ULEAD1> pressed *Roll back*, but may no longer press it');
  });

  it('a press whose presser Slack cannot confirm in the worker is not sent; the claim is released and a press once Slack answers goes through', async () => {
    acceptContinue();
    h.e2e.slack.setUserGroup('SLEADS', ['ULEAD3']);
    const req = await pausedDeploy();
    // ULEAD3 may roll back as an approver (SLEADS); the worker, started anew, asks Slack, which answers 429 three times.
    await press(req, 'rollback', 'ULEAD3');
    h.e2e.redeployWorker(
      configFile((doc) => {
        doc.environments.prod.gates = { trafficShift: { approvers: ['ULEAD1', 'ULEAD2'] }, autoLock: {} };
      }),
    );
    h.e2e.slack.rateLimitNext('usergroups.users.list', 60, 3);
    await notSentThenPressed(
      req,
      {
        user: 'ULEAD3',
        whisper:
          'I did not send your *Roll back* press to ECS: I could not check with Slack whether you may still press it (Slack was limiting how often the bot may call it). A press is never sent unchecked.',
        thread:
          ':warning: <@ULEAD3> pressed *Roll back*, but I could not check with Slack whether they may still press it (Slack was limiting how often the bot may call it): nothing was sent to ECS.',
      },
      { which: 'rollback', user: 'ULEAD3' },
    );
  });

  it('Roll back at the gate: ECS rolls back, the change fails and the service is locked', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    await press(req, 'rollback', 'UDEV1'); // the requester may roll back
    await h.e2e.drain();
    expect(presses()[0]!.args[0].input).toEqual({ serviceDeploymentArn: req.arn, hookId: HOOK_ID, action: 'ROLLBACK' });
    expect(req.pause()).toContain('<@UDEV1> pressed *Roll back*');
    h.world.circuitBreakerRollback('prod', 'web-prod', 0);
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(await h.e2e.rt.redis.hgetall(keys.serviceLock('prod', 'web'))).toMatchObject({
      kind: 'rollback',
      reason: 'rolled back at the traffic-shift gate',
    });
  });

  it('a press after the hook already timed out gets a clear answer, and nothing is sent to ECS', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    // ECS timed the hook out (DescribeServiceDeployments says TIMED_OUT) before anyone pressed.
    h.world.setHistory('prod', 'web-prod', [pausedDeployment(req.arn, 'TIMED_OUT')], []);
    await press(req, 'shift', 'ULEAD1');
    await h.e2e.drain();
    expect(presses()).toHaveLength(0);
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          '<@ULEAD1> pressed *Shift production traffic*, but the pause at `POST_TEST_TRAFFIC_SHIFT` had already ended (`TIMED_OUT`, <!date^',
        ),
      ]),
    );
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain(
      'ECS took its timeout action `ROLLBACK`. Nothing was sent to ECS.',
    );
    expect(req.pause()).toContain('The pause ended without a decision (`TIMED_OUT`)');
    expect(req.pause()).not.toContain('gate:shift');
    const late = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).find(([, f]) =>
      f.includes('traffic-press-late'),
    );
    expect(late?.[1]).toEqual(expect.arrayContaining(['actor', 'ULEAD1']));
    // Another press now: the pause's message says it is over.
    await press(req, 'shift', 'ULEAD2');
    expect(lastResponse(h.e2e)).toContain('<@ULEAD1> already pressed');
  });

  it('a press after the pause’s deadline is answered at once; one ECS refuses because it just timed out is answered too', async () => {
    acceptContinue();
    const req = await pausedDeploy();
    h.clock.advance(61 * 60_000);
    await press(req, 'shift', 'ULEAD1');
    expect(lastResponse(h.e2e)).toContain('Too late: the pause at `POST_TEST_TRAFFIC_SHIFT` timed out');
    expect(h.e2e.pending).toHaveLength(0);

    const second = await (async () => {
      h.clock.advance(-61 * 60_000);
      // ECS refuses the call (the hook timed out between our read and the call), then describes it as TIMED_OUT.
      h.ecsMock.on(ContinueServiceDeploymentCommand).callsFake(() => {
        h.world.setHistory('prod', 'web-prod', [pausedDeployment(req.arn, 'TIMED_OUT')], []);
        throw awsException('InvalidParameterException', 'The lifecycle hook is not awaiting action.');
      });
      await press(req, 'rollback', 'ULEAD2');
      await h.e2e.drain();
      return thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    })();
    expect(presses()).toHaveLength(1);
    expect(second).toContain('<@ULEAD2> pressed *Roll back*, but the pause at `POST_TEST_TRAFFIC_SHIFT` had already ended (`TIMED_OUT`');
  });

  it('ECS refusing the press while the pause still waits: the thread gives AWS’s reason in the bot’s words, not the SDK’s', async () => {
    const req = await pausedDeploy();
    h.ecsMock.on(ContinueServiceDeploymentCommand).rejects(awsException('InvalidParameterException', 'The deployment is being updated.'));
    await press(req, 'shift', 'ULEAD1');
    await h.e2e.drain();
    const said = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(said).toContain(
      'AWS answered `InvalidParameterException` while I tried to continue or roll back the paused deployment: The deployment is being updated.',
    );
    expect(said).not.toContain('InvalidParameterException: The deployment');
  });

  it('the tick closes a pause that timed out with nobody pressing', async () => {
    const req = await pausedDeploy();
    h.world.setHistory('prod', 'web-prod', [pausedDeployment(req.arn, 'TIMED_OUT')], []);
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect(req.pause()).toContain('The pause ended without a decision (`TIMED_OUT`)');
    expect(req.pause()).not.toContain('gate:rollback');
  });

  it('says so once where the API is not available, and points to the console', async () => {
    blueGreen();
    h.ecsMock
      .on(DescribeServiceDeploymentsCommand)
      .rejects(awsException('UnsupportedFeatureException', 'The operation is not supported in this Region.'));
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    await h.e2e.drain();
    h.clock.advance(60_000);
    await h.e2e.tick();
    h.clock.advance(60_000);
    await h.e2e.tick();
    const lines = thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('cannot read or act on them here'));
    expect(lines).toHaveLength(1);
    expect(textOf(lines[0])).toContain('Continue or roll back the deployment from the ECS console');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  });

  it('a rolling service makes no extra call while its deploy runs', async () => {
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    await approve(h.e2e, requestMessage(h.e2e, 'CPROD'));
    await h.e2e.drain();
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect(h.ecsMock.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
  });
});
