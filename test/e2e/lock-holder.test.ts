/**
 * A lock by hand keeps everyone else's changes out, not its holder's: the holder locks a service for a
 * migration and deploys it; the running change holds the lock for them (the service lock key carries
 * it, src/approvals/lua/start-10.lua) and gives it back, as it was, when the change ends. Anyone
 * else is refused throughout. Through the real handlers (Slack function, worker), ECS and ECR stubbed.
 */
import { readGuards } from '../../src/approvals/guards';
import { getRequest } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import { approve, lastResponse, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { SERVICE_ARN } from '../helpers/aws-fixtures';
import { deploymentEvent } from '../fixtures/events/samples';
import { HOLD_TTL_SECONDS } from '../../src/redis/bounds';
import { fixtureGroups } from '../helpers/config';

const h = useDeployHarness({ groups: fixtureGroups() });
const prod = (user: string) => ({ channel_id: 'CPROD', user_id: user });
const LOCK = keys.serviceLock('prod', 'web');
const lockOf = async () => (await readGuards(h.e2e.rt.redis, 'prod', ['web'])).locks.web;

/** UDEV1 locks web and deploys it, approved by a lead: the change runs, holding the lock. */
async function holderDeploying(): Promise<{ id: string; ts: string }> {
  await h.e2e.slash('lock web --reason migration', prod('UDEV1'));
  await h.e2e.slash('deploy web v1.2.3', prod('UDEV1'));
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  return req;
}

/** ECS completes the request's deployment and says so (EventBridge). */
async function completes(id: string): Promise<void> {
  h.world.complete('prod', 'web-prod');
  h.clock.advance(60_000);
  const deploymentId = (await getRequest(h.e2e.rt.redis, id))!.execution!.deploymentId as string;
  await h.e2e.event(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId }));
}

it("the holder's own change goes through their lock; the lock is theirs again, as it was, when the change ends", async () => {
  await h.e2e.slash('lock web --reason "orders table migration"', prod('UDEV1'));
  const locked = await lockOf();
  expect(locked).toMatchObject({ by: 'UDEV1', kind: 'manual', reason: 'orders table migration' });

  // Someone else: refused, as before.
  await h.e2e.slash('deploy web v1.2.3', prod('UDEV2'));
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain('is locked by <@UDEV1>');

  // The holder: the request is posted (it was refused: "locked by <@UDEV1>"), approved by a lead, and runs.
  await h.e2e.slash('deploy web v1.2.3 --dry-run', prod('UDEV1'));
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).not.toContain('locked');
  await h.e2e.slash('deploy web v1.2.3', prod('UDEV1'));
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  expect(h.world.service('prod', 'web-prod').taskDefinition).toMatch(/web-prod:43$/);
  // While it runs, the lock reads as the holder's (status, Home, refusals): who, why, since.
  expect(await lockOf()).toEqual(locked);
  expect(await h.e2e.rt.redis.hget(LOCK, 'request')).toBe(req.id);
  // Locking it again names that lock, not the change.
  expect((await h.e2e.slash('lock web', prod('UDEV2'))).text).toContain('`web` in `prod` is already locked by <@UDEV1>');
  expect((await h.e2e.slash('lock web', prod('UDEV1'))).text).toContain('You already locked `web` in `prod`');

  await completes(req.id);
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  expect(await lockOf()).toEqual(locked);
  const ttl = await h.e2e.rt.redis.pttl(LOCK);
  expect(ttl).toBeGreaterThan(0);

  // Still locked for everyone else.
  await h.e2e.slash('scale web 6', prod('UDEV2'));
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain('is locked by <@UDEV1>');
});

it('unlocking while the change runs drops the lock it holds (the change goes on); nothing comes back when it ends', async () => {
  const req = await holderDeploying();
  const other = await h.e2e.slash('unlock web', prod('UDEV2'));
  expect(other.text).toContain('Only <@UDEV1> or an approver can unlock it');
  const mine = await h.e2e.slash('unlock web', prod('UDEV1'));
  expect(mine.text).toContain('Unlocked `web` in `prod`.');
  // What is left is the change's own lock, released when it ends, with its own safety net again (not the held lock's 30 days).
  expect(await lockOf()).toMatchObject({ kind: 'change', request: req.id });
  const own = Number(await h.e2e.rt.redis.hget(LOCK, 'own'));
  expect(own).toBeGreaterThan(h.clock.now());
  const ttl = await h.e2e.rt.redis.pttl(LOCK);
  expect(ttl).toBeGreaterThan(own - h.clock.now() - 60_000);
  expect(ttl).toBeLessThanOrEqual(own - h.clock.now());
  await completes(req.id);
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  expect(await lockOf()).toBeUndefined();
});

it('a held lock whose time left was not recorded still ends by itself once given back (30 days)', async () => {
  const req = await holderDeploying();
  await h.e2e.rt.redis.hset(LOCK, 'held.ttl', '');
  await completes(req.id);
  expect(await lockOf()).toMatchObject({ by: 'UDEV1', kind: 'manual' });
  const ttl = await h.e2e.rt.redis.pttl(LOCK);
  expect(ttl).toBeGreaterThan((HOLD_TTL_SECONDS - 60) * 1000);
  expect(ttl).toBeLessThanOrEqual(HOLD_TTL_SECONDS * 1000);
});

it('lock! while the change runs takes over the lock it holds: the change goes on, and the new lock is the one given back', async () => {
  const req = await holderDeploying();
  const ack = await h.e2e.slash('lock! web --reason "hotfix for the checkout outage"', prod('UDEV2'));
  expect(ack.text).toContain('You hold the lock on `web` in `prod` now. I told <@UDEV1> directly.');
  expect(textOf(h.e2e.slack.messages('UDEV1')[0])).toContain('<@UDEV2> took over your lock on `web` in `prod`');
  expect(await lockOf()).toMatchObject({ by: 'UDEV2', kind: 'manual', reason: 'hotfix for the checkout outage' });
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  // The lock outlives the change lock's own safety net: a change that is never settled does not take it along.
  expect(await h.e2e.rt.redis.pttl(LOCK)).toBeGreaterThan((HOLD_TTL_SECONDS - 60) * 1000);

  await completes(req.id);
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  expect(await lockOf()).toMatchObject({ by: 'UDEV2', kind: 'manual', reason: 'hotfix for the checkout outage' });
  // The former holder is refused now.
  await h.e2e.slash('scale web 6', prod('UDEV1'));
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain('is locked by <@UDEV2>');
});

it('the change lock lives at least as long as the lock it holds', async () => {
  await holderDeploying();
  const held = Number(await h.e2e.rt.redis.hget(LOCK, 'held.ttl'));
  expect(held).toBeGreaterThan(3 * 3600_000);
  expect(await h.e2e.rt.redis.pttl(LOCK)).toBeGreaterThanOrEqual(held - 60_000);
});
