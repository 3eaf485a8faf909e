/**
 * Release gate 5, auto-lock after a rollback, and `/ecs lock!`, end to end through the Lambda
 * handlers: a rollback by the circuit breaker, by Abort, by `/ecs rollback`, or of a deployment made
 * outside the bot locks the service until someone acknowledges it (the button on the failure
 * message, or `/ecs unlock`); `/ecs lock!` takes over someone else's lock and tells them directly.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { keys } from '../../src/redis/keys';
import { getRequest } from '../../src/approvals/workflow';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { approve, lastResponse, requestMessage, textOf, thread, useAutoLockHarness } from '../helpers/deploy-e2e';
import { deploymentEvent, STAGING } from '../fixtures/events/samples';

const h = useAutoLockHarness();

const lockOf = () => h.e2e.rt.redis.hgetall(keys.serviceLock('prod', 'web'));

async function runningDeploy(alias = 'web', channel = 'CPROD'): Promise<{ id: string; ts: string; deploymentId: string }> {
  await h.e2e.slash(`deploy ${alias} v1.2.3`, { channel_id: channel, user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, channel);
  if (channel === 'CPROD') await approve(h.e2e, req);
  await h.e2e.drain();
  const running = (await getRequest(h.e2e.rt.redis, req.id))!;
  expect(running.state).toBe('running');
  return { ...req, deploymentId: running.execution!.deploymentId as string };
}

describe('auto-lock after a rollback', () => {
  it('the circuit breaker rolled back: locked; refusals say why; the button on the failure message acknowledges', async () => {
    const req = await runningDeploy();
    h.clock.advance(3 * 60_000);
    h.world.circuitBreakerRollback('prod', 'web-prod');
    await h.e2e.event(deploymentEvent('failed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: req.deploymentId }));
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(await lockOf()).toMatchObject({ by: 'bot', kind: 'rollback', request: req.id });
    expect((await lockOf()).reason).toMatch(/^ECS rolled the deployment back: /);

    const failure = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Deploy failed'))!;
    expect(textOf(failure)).toContain('`web` in `prod` is now locked, so the same image is not deployed again by reflex');
    expect(textOf(failure)).toContain('lock:ack');

    // Once ECS finished the rollback, deploying the same image again by reflex is refused, with the reason.
    h.world.complete('prod', 'web-prod');
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`web` in `prod` was locked automatically after a rollback');
    expect(lastResponse(h.e2e)).toContain('`/ecs unlock web`');

    // Someone who is neither requester nor approver cannot acknowledge it; a requester can.
    await h.e2e.click({ action_id: 'lock:ack', value: 'prod.web', user_id: 'UOUTSIDER', channel_id: 'CPROD', message_ts: failure.ts });
    expect(lastResponse(h.e2e)).toContain('needs a requester or an approver there');
    expect((await lockOf()).kind).toBe('rollback');
    await h.e2e.click({
      action_id: 'lock:ack',
      value: 'prod.web',
      user_id: 'UDEV3',
      channel_id: 'CPROD',
      message_ts: failure.ts,
      message: { blocks: failure.blocks, text: failure.text },
    } as never);
    expect(await lockOf()).toEqual({});
    expect(h.e2e.slack.messages('CPROD').map(textOf)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('<@UDEV3> acknowledged the rollback of `web` in `prod` and unlocked it. Changes can be requested again.'),
      ]),
    );
    expect(textOf(h.e2e.slack.message('CPROD', failure.ts))).not.toContain('lock:ack');
    const events = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).map(([, f]) => f[f.indexOf('event') + 1]);
    expect(events).toEqual(expect.arrayContaining(['failed', 'auto-locked', 'acknowledged']));

    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain(':lock: locked after the rollback, acknowledged by <@UDEV3>');
  });

  it('Abort rolled it back: locked too', async () => {
    const req = await runningDeploy();
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    await h.e2e.click({ action_id: 'deploy:abort', value: req.id, user_id: 'UDEV1', channel_id: 'CPROD', message_ts: running.statusTs! });
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect((await lockOf()).reason).toBe('the deployment was aborted and rolled back');
  });

  it('a completed /ecs rollback locks; /ecs unlock by a requester acknowledges it', async () => {
    await h.e2e.slash('rollback web --to 41 --reason "bad release"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    await h.e2e.drain();
    h.world.complete('prod', 'web-prod');
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(await lockOf()).toMatchObject({ kind: 'rollback', reason: 'rolled back with `/ecs rollback`' });
    expect(textOf(thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Roll back completed')))).toContain('lock:ack');

    const ack = await h.e2e.slash('unlock web', { channel_id: 'CPROD', user_id: 'UDEV2' }); // a requester, not the holder, not an approver
    expect(ack.text).toContain('Unlocked `web` in `prod`');
    expect(await lockOf()).toEqual({});
  });

  it('a failed deployment made outside the bot locks the service and posts the notice with the button', async () => {
    await h.e2e.event(
      deploymentEvent('failed', {
        time: h.clock.now(),
        serviceArn: SERVICE_ARN,
        deploymentId: 'ecs-svc/5555555555555555555',
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
      }),
    );
    expect(await lockOf()).toMatchObject({ by: 'bot', kind: 'rollback', deployment: 'ecs-svc/5555555555555555555' });
    const notice = h.e2e.slack.messages('CALERTS').find((m) => textOf(m).includes('is locked automatically'));
    expect(textOf(notice)).toContain(
      'ECS deployment `ecs-svc/5555555555555555555` failed: ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(textOf(notice)).toContain('lock:ack');
    // The same event again: already locked, no second notice.
    await h.e2e.event(
      deploymentEvent('failed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: 'ecs-svc/5555555555555555555' }),
    );
    expect(h.e2e.slack.messages('CALERTS').filter((m) => textOf(m).includes('is locked automatically'))).toHaveLength(1);
  });

  it('does not lock where the gate is off (staging)', async () => {
    const req = await runningDeploy('web-staging', 'CSTAGING');
    h.world.circuitBreakerRollback('staging', 'web-staging');
    h.clock.advance(60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(await h.e2e.rt.redis.exists(keys.serviceLock('staging', 'web-staging'))).toBe(0);
    await h.e2e.event(
      deploymentEvent('failed', {
        time: h.clock.now(),
        where: STAGING,
        service: 'web-staging',
        deploymentId: 'ecs-svc/6666666666666666666',
      }),
    );
    expect(await h.e2e.rt.redis.exists(keys.serviceLock('staging', 'web-staging'))).toBe(0);
  });
});

describe('/ecs lock!', () => {
  it('takes over someone else’s lock and tells them directly', async () => {
    await h.e2e.slash('lock web --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const ack = await h.e2e.slash('lock! web --reason "hotfix for the checkout outage"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(ack.text).toContain('You hold the lock on `web` in `prod` now. I told <@UDEV1> directly.');
    expect(await lockOf()).toMatchObject({ by: 'UDEV2', reason: 'hotfix for the checkout outage', kind: 'manual' });
    const dm = h.e2e.slack.messages('UDEV1');
    expect(dm).toHaveLength(1);
    expect(textOf(dm[0])).toContain(
      '<@UDEV2> took over your lock on `web` in `prod` in <#CPROD>: “hotfix for the checkout outage”. Your lock (“db migration”) is gone',
    );
    expect(h.e2e.slack.messages('CPROD').map(textOf)).toEqual(
      expect.arrayContaining([expect.stringContaining('<@UDEV2> took over the lock on `web` in `prod` from <@UDEV1> (“db migration”)')]),
    );
    const taken = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).pop()!;
    expect(taken[1]).toEqual(expect.arrayContaining(['event', 'lock-taken-over', 'actor', 'UDEV2']));
  });

  it('mentions the previous holder in the channel when a direct message fails', async () => {
    await h.e2e.slash('lock web --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    h.e2e.slack.setMissingChannels(['UDEV1']);
    const ack = await h.e2e.slash('lock! web --reason "hotfix now"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(ack.text).toContain('I could not message <@UDEV1> directly, so the channel notice mentions them.');
  });

  it('needs a reason, and never takes a running change’s lock', async () => {
    const bare = await h.e2e.slash('lock! web', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(bare.text).toContain('Taking over a lock needs a reason the previous holder will read');
    await runningDeploy();
    const busy = await h.e2e.slash('lock! web --reason "mine now"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(busy.text).toContain('A change to `web` in `prod` is running');
    expect((await lockOf()).kind).toBe('change');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });

  it('takes over the automatic lock after a rollback', async () => {
    await h.e2e.event(
      deploymentEvent('failed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: 'ecs-svc/7777777777777777770' }),
    );
    const ack = await h.e2e.slash('lock! web --reason "investigating"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('You hold the lock on `web` in `prod` now.');
    expect(await lockOf()).toMatchObject({ by: 'UDEV1', kind: 'manual' });
    expect(h.e2e.slack.messages('CPROD').map(textOf)).toEqual(expect.arrayContaining([expect.stringContaining('from the bot')]));
  });
});
