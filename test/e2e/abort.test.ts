/**
 * The Abort button on a running change's status card, through the Slack and worker handlers:
 * StopServiceDeployment with rollback, the UpdateService fallback, permission and state checks.
 */
import { ServiceDeploymentNotFoundException, StopServiceDeploymentCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { SERVICE_ARN, tdArn } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { META } from '../helpers/fake-ecs';
import type { ChangeRequest } from '../../src/approvals/types';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({
  before: ({ e2e }) => {
    e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
    e2e.slack.setUserGroup('SLEADS', ['ULEAD3']);
  },
});

/** `command` in prod (default a deploy), approved and started: its request message and the running request. */
async function runningDeploy(command = 'deploy web v1.2.3'): Promise<{ req: { id: string; ts: string }; running: ChangeRequest }> {
  await h.e2e.slash(command, { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  const running = (await getRequest(h.e2e.rt.redis, req.id))!;
  expect(running.state).toBe('running');
  return { req, running };
}

function clickAbort(running: ChangeRequest, user: string) {
  return h.e2e.click({
    action_id: 'deploy:abort',
    value: running.id,
    user_id: user,
    channel_id: 'CPROD',
    message_ts: running.statusTs!,
    text: 'Abort and roll back',
  });
}

/** A deploy approved and run, with `during` happening while ECS takes its UpdateService. */
async function deployWhileUpdating(during: (running: ChangeRequest) => Promise<void>): Promise<{ id: string; ts: string }> {
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  h.world.whileApplying('UpdateService', async () => during((await getRequest(h.e2e.rt.redis, req.id))!));
  await approve(h.e2e, req);
  await h.e2e.drain();
  return req;
}

const whispers = () =>
  h.e2e.slack
    .responses()
    .map((b) => String(b.text))
    .join('\n');

describe('Abort on the status card', () => {
  it('the worker runs an abort job only for the user whose click claimed it, who still may (issue 10, item 6)', async () => {
    const { running } = await runningDeploy();
    // Signed by the bot's own dispatcher, but no click claimed it: refused in the worker.
    await h.e2e.rt.dispatcher.dispatch({ kind: 'change-abort', id: 'abort-forged', requestId: running.id, userId: 'ULEAD1' });
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(h.e2e.logs.some((l) => l.msg === 'abort job refused: no matching click or no permission')).toBe(true);
    // A click by someone who then loses the group membership before the worker runs.
    await clickAbort(running, 'UDEV3');
    h.e2e.slack.setUserGroup('SDEVS', []);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, running.id))!.state).toBe('running');
  });

  it('stops the deployment with rollback (StopServiceDeployment) and the change ends as failed, aborted', async () => {
    const { req, running } = await runningDeploy();
    // a member of the requesters' user group may abort
    await clickAbort(running, 'UDEV3');
    expect(whispers()).toContain('Aborting the deploy of `web`');
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0); // the click only dispatches
    await h.e2e.drain();
    const stops = h.ecsMock.commandCalls(StopServiceDeploymentCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.args[0].input).toEqual({ serviceDeploymentArn: running.execution!.serviceDeploymentArn, stopType: 'ROLLBACK' });
    const text = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain('<@UDEV3> aborted the rollout: ECS stops the deployment and rolls back to what ran before.');
    const after = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(after.state).toBe('failed');
    expect(after.execution).toMatchObject({ abortedBy: 'UDEV3', abortMethod: 'stop' });
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('aborted by <@UDEV3>');
    expect(textOf(h.e2e.slack.message('CPROD', running.statusTs!))).toContain('Aborted by <@UDEV3>');
  });

  it('falls back to UpdateService back to the previous task definition when ECS cannot stop the deployment', async () => {
    const { req, running } = await runningDeploy();
    h.world.failNext(
      'StopServiceDeployment',
      new ServiceDeploymentNotFoundException({ message: 'The service deployment does not exist.', $metadata: META }),
    );
    await clickAbort(running, 'ULEAD1');
    await h.e2e.drain();
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.args[0].input).toEqual({ cluster: 'prod', service: 'web-prod', taskDefinition: tdArn('web-prod', 42) });
    const text = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain('the service is updated back to `web-prod:42`');
    expect(text).toContain('StopServiceDeployment was not available (AWS answered ServiceDeploymentNotFoundException');
    // ECS now rolls out :42 again; our deployment was replaced: failed, never completed.
    h.world.complete('prod', 'web-prod');
    await h.e2e.event(
      deploymentEvent('completed', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: h.world.service('prod', 'web-prod').deployments![0]!.id!,
      }),
    );
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).not.toContain('Deploy completed');
  });

  it('a click on another message of the request’s channel (the request, another thread reply) is refused with a link to the status card; nothing is dispatched', async () => {
    const { req, running } = await runningDeploy();
    const other = thread(h.e2e, 'CPROD', req.ts).find((m) => m.ts !== running.statusTs)!;
    for (const ts of [req.ts, other.ts]) {
      await h.e2e.click({ action_id: 'deploy:abort', value: running.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: ts });
      const answer = h.e2e.slack.responses().at(-1)!.text as string;
      expect(answer).toContain('This button is not on the message it belongs to, so I did nothing. Use the one on');
      expect(answer).toContain(`p${running.statusTs!.replace('.', '')}?thread_ts=${req.ts}&cid=CPROD|the status card>`);
    }
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(await h.e2e.rt.redis.hget(`chg:{${running.id}}:track`, 'abort')).toBeNull();
    expect((await getRequest(h.e2e.rt.redis, running.id))!.state).toBe('running');
    // On the status card itself it goes through.
    await clickAbort(running, 'ULEAD1');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
  });

  it('guard: the Roll back button of the "still not done" reply works on that reply too', async () => {
    const { req, running } = await runningDeploy();
    h.world.progress('prod', 'web-prod', 1);
    h.clock.advance(21 * 60_000); // past the 20m deadline of prod
    await h.e2e.tick();
    const stuck = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Still not done after 20m'))!;
    expect(stuck.ts).not.toBe(running.statusTs);
    expect((await getRequest(h.e2e.rt.redis, running.id))!.stuckTs).toBe(stuck.ts);
    await h.e2e.click({ action_id: 'deploy:abort', value: running.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: stuck.ts });
    expect(whispers()).toContain('Aborting the deploy of `web`');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
  });

  it('needs the permission of the change: others are refused and nothing is dispatched', async () => {
    const { running } = await runningDeploy();
    const before = h.e2e.handedOff.length;
    await clickAbort(running, 'UINTRUDER');
    expect(whispers()).toContain('Aborting a change in `prod` needs the same permission as making it');
    expect(h.e2e.handedOff).toHaveLength(before);
  });

  it('a second click while the first abort runs is answered, not repeated; a finished change has nothing to abort', async () => {
    const { req, running } = await runningDeploy();
    await clickAbort(running, 'UDEV1');
    await clickAbort(running, 'UDEV2');
    expect(whispers()).toContain('<@UDEV1> is already aborting this change');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    await clickAbort(running, 'UDEV2');
    expect(whispers()).toContain('This change already failed; there is nothing to abort');
  });
  describe('pressed while ECS takes the update (after the last check before UpdateService)', () => {
    const threadText = (req: { ts: string }) => thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');

    it('the abort job that runs meanwhile does not say the change stops before the update: it is rolled back once ECS has it', async () => {
      const req = await deployWhileUpdating(async (running) => {
        await clickAbort(running, 'UDEV3');
        await h.e2e.drain(); // the abort job, while the executor waits for UpdateService
      });
      const text = threadText(req);
      expect(text).not.toContain('it stops before the service is updated');
      expect(text).toContain('<@UDEV3> aborted the change while the service was being updated');
      expect(text).toContain('<@UDEV3> aborted the rollout');
      expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
      expect((await getRequest(h.e2e.rt.redis, req.id))?.execution).toMatchObject({ abortedBy: 'UDEV3', abortMethod: 'stop' });
    });

    it('is carried out even when the report after the update fails', async () => {
      const req = await deployWhileUpdating(async (running) => {
        await clickAbort(running, 'UDEV3');
        await h.e2e.drain();
        // The "rollout started" milestone, the executor's next Slack message, fails.
        h.e2e.slack.failNext('chat.postMessage', 'internal_error');
      });
      expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
      expect(threadText(req)).toContain('<@UDEV3> aborted the rollout');
      expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    });

    it('is carried out once when its job runs after the update: no second stop, no "asked to abort, but"', async () => {
      const req = await deployWhileUpdating(async (running) => {
        await clickAbort(running, 'UDEV3'); // its job runs after the executor's
      });
      expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1);
      expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
      const said = thread(h.e2e, 'CPROD', req.ts).map(textOf);
      expect(said.filter((t) => t.includes('aborted the rollout'))).toHaveLength(1);
      expect(said.join('\n')).not.toContain('asked to abort, but');
    });
  });
});

describe('Abort pressed after ECS completed the rollout, before the bot saw it', () => {
  it('ECS cannot stop a finished deployment, so the service is updated back: the change ends aborted and failed, never completed', async () => {
    const { req, running } = await runningDeploy();
    h.world.complete('prod', 'web-prod'); // no event, no tick: the bot has not seen it
    await clickAbort(running, 'UDEV3');
    await h.e2e.drain();
    const updates = h.ecsMock.commandCalls(UpdateServiceCommand);
    expect(updates.map((u) => u.args[0].input.taskDefinition)).toEqual([tdArn('web-prod', 43), tdArn('web-prod', 42)]);
    await h.e2e.tick();
    await h.e2e.drain();
    const text = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain('the service is updated back to `web-prod:42`');
    expect(text).not.toContain('Deploy completed');
    expect(text).toContain('Deploy failed');
    expect(text).toContain('(aborted by <@UDEV3>)');
    expect(text).toContain('was replaced by a rollback to web-prod:42');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    // ECS's late "completed" event for the deployment changes nothing.
    await h.e2e.event(
      deploymentEvent('completed', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: running.execution!.deploymentId as string,
      }),
    );
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).not.toContain('Deploy completed');
  });
});

describe('Abort pressed after the circuit breaker failed the deployment, before the bot saw it', () => {
  it('sends nothing to ECS, says ECS is already rolling it back, and the change ends failed for ECS\'s reason, not "aborted by" the presser', async () => {
    const { req, running } = await runningDeploy();
    h.world.circuitBreakerRollback('prod', 'web-prod'); // no event, no tick: the bot has not seen it
    await clickAbort(running, 'UDEV3');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1); // the deploy's own
    const text = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain(
      '<@UDEV3> asked to abort, but ECS had already failed this deployment and is rolling it back on its own: ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(text).toContain('Deploy failed');
    expect(text).not.toContain('aborted by');
    const after = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(after.state).toBe('failed');
    expect(after.execution?.abortedBy).toBeUndefined();
    expect(textOf(h.e2e.slack.message('CPROD', running.statusTs!))).not.toContain('Aborted by');
  });
});

describe('Abort pressed after ECS finished a restart, before the bot saw it', () => {
  it('says the restart was already done (nothing to stop), not that the abort failed and the rollout goes on; the change ends completed', async () => {
    const { req, running } = await runningDeploy('restart web --reason "stuck connections"');
    h.world.complete('prod', 'web-prod'); // no event, no tick: the bot has not seen it
    await clickAbort(running, 'UDEV3');
    await h.e2e.drain();
    const text = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(text).toContain(
      'asked to abort, but ECS had already finished this restart: its tasks were replaced and there is nothing to stop.',
    );
    expect(text).not.toContain('it did not work');
    expect(text).not.toContain('The rollout goes on');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1); // the restart's own, nothing after it
    await h.e2e.tick();
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Restart completed');
  });
});
