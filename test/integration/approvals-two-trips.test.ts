/**
 * What the one-round-trip transitions rely on (issue 11): the freeze as each service sees it (the
 * copies the create / approve / start scripts check), their re-sync by the tick, the environment's
 * history merged from its services' streams (no copy written after the script), the optimistic
 * create (no read of the active pointer first), and the start-deadline tick re-indexing a running
 * request the old scheme left in the legacy approved index.
 */
import { keys } from '../../src/redis/keys';
import { freezeEnvironment, unfreezeEnvironment } from '../../src/approvals/locks';
import { resyncFreezeCopies } from '../../src/approvals/freeze-copies';
import { submitInput, useStoreHarness } from './approvals-runtime';
import { fixtureGroups } from '../helpers/config';
import { approveRequest, lapseDue } from '../../src/approvals/clicks';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import { startExecution } from '../../src/approvals/execution';
import { readAudit } from '../../src/approvals/audit';
import { servicesIn } from '../../src/config/load';
import { BotError } from '../../src/errors';

const input = submitInput;

async function refusalText(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BotError) return err.userMessage;
    throw err;
  }
  return 'no refusal';
}

describe('two round trips per transition: what they rely on (real Redis)', () => {
  const h = useStoreHarness(() => ({ groups: fixtureGroups() }));

  const prodAliases = () =>
    Object.entries(h.rt.config.services)
      .filter(([, s]) => s.environment === 'prod')
      .map(([a]) => a);

  it('a freeze is copied to every service of its environment, and only there; unfreeze removes the copies', async () => {
    await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');
    const freeze = await h.rt.redis.hgetall(keys.envFreeze('prod'));
    expect(freeze.by).toBe('ULEAD1');
    expect(prodAliases().length).toBeGreaterThan(1);
    for (const alias of prodAliases()) expect(await h.rt.redis.hgetall(keys.serviceFreeze('prod', alias))).toEqual(freeze);
    const elsewhere = Object.entries(h.rt.config.services).filter(([, s]) => s.environment !== 'prod');
    for (const [alias, s] of elsewhere) expect(await h.rt.redis.exists(keys.serviceFreeze(s.environment, alias))).toBe(0);

    await unfreezeEnvironment(h.rt, 'prod', 'ULEAD1');
    for (const alias of prodAliases()) expect(await h.rt.redis.exists(keys.serviceFreeze('prod', alias))).toBe(0);
  });

  it('the scripts refuse through the copy: create, approve (pending) and start (approved, then failed)', async () => {
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const pending = await submitRequest(h.rt, input());
    const approvedOne = await submitRequest(h.rt, input({ service: 'worker' }));
    await approveRequest(h.rt, approvedOne.id, 'ULEAD1');
    await freezeEnvironment(h.rt, 'prod', 'ULEAD2', 'incident');

    expect(await refusalText(submitRequest(h.rt, input({ service: 'web', invocationId: 'cmd-other' })))).toContain(
      'is frozen by <@ULEAD2>',
    );
    const click = await approveRequest(h.rt, pending.id, 'ULEAD1');
    expect(click).toMatchObject({ ok: false, code: 'FROZEN' });
    expect((await getRequest(h.rt.redis, pending.id))!.state).toBe('pending');
    expect(await startExecution(h.rt, approvedOne.id)).toMatchObject({ ok: false, code: 'FROZEN' });
    expect(await getRequest(h.rt.redis, approvedOne.id)).toMatchObject({ state: 'failed' });
  });

  it('the tick re-syncs a copy that is missing (a service added while frozen, a lost write) and one left over', async () => {
    await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');
    await h.rt.redis.del(keys.serviceFreeze('prod', 'web'));
    // Without the copy the script cannot see the freeze...
    await expect(submitRequest(h.rt, input({ invocationId: 'cmd-a' }))).resolves.toMatchObject({ state: 'pending' });
    // ...until the tick puts it back.
    expect(await resyncFreezeCopies(h.rt)).toBe(1);
    expect(await h.rt.redis.hgetall(keys.serviceFreeze('prod', 'web'))).toEqual(await h.rt.redis.hgetall(keys.envFreeze('prod')));
    expect(await resyncFreezeCopies(h.rt)).toBe(0);

    // A copy left over after the freeze is gone (an unfreeze whose copy write failed) is removed.
    await h.rt.redis.del(keys.envFreeze('prod'));
    expect(await resyncFreezeCopies(h.rt)).toBe(prodAliases().length);
    for (const alias of prodAliases()) expect(await h.rt.redis.exists(keys.serviceFreeze('prod', alias))).toBe(0);
  });

  it('the environment history merges the request copies with the freezes, newest first', async () => {
    await submitRequest(h.rt, input());
    h.clock.advance(1000);
    await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');
    // Nothing is copied after the script any more: the history reads the service's stream.
    expect(await h.rt.redis.exists(keys.legacyEnvRequestAudit('prod'))).toBe(0);
    const entries = await readAudit(h.rt.redis, 'prod', { services: servicesIn(h.rt.config, 'prod').map((s) => s.alias), limit: 10 });
    expect(entries.map((e) => e.event)).toEqual(['frozen', 'created']);
    expect(
      (await readAudit(h.rt.redis, 'prod', { services: servicesIn(h.rt.config, 'prod').map((s) => s.alias), limit: 1 })).map(
        (e) => e.event,
      ),
    ).toEqual(['frozen']);
  });

  it('create passes over an open request it did not read first: BUSY, and a stale pending one is expired', async () => {
    const first = await submitRequest(h.rt, input());
    expect(await refusalText(submitRequest(h.rt, input()))).toContain('already a deploy request for `web` waiting for approval');
    expect((await getRequest(h.rt.redis, first.id))!.state).toBe('pending');
    h.clock.advance(2 * 3600_000);
    const second = await submitRequest(h.rt, input());
    expect(second.state).toBe('pending');
    expect((await getRequest(h.rt.redis, first.id))!.state).toBe('expired');
    // Still due (its requester is told by the expiry tick), by its own expiry time.
    expect(Number(await h.rt.redis.zscore(keys.pendingIndex('prod', 'web'), first.id))).toBe(first.expiresAt);
    expect(await h.rt.redis.zscore(keys.pendingIndex('prod', 'web'), second.id)).not.toBeNull();
  });

  it('a running request left in the legacy approved index (a write after its start script lost, old scheme) is re-indexed and drained by the start-deadline tick', async () => {
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const req = await submitRequest(h.rt, input());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    expect(await h.rt.redis.get(keys.handOffClaim('prod', 'web', req.id))).not.toBeNull();
    const startBy = Number(await h.rt.redis.zscore(keys.approvedIndex('prod', 'web'), req.id));
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    // As the old scheme could leave it: in the legacy approved index, in no running index.
    await h.rt.redis.zrem(keys.runningIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyApprovedIndex(), startBy, req.id);
    h.clock.advance(startBy - h.rt.now() + 1);
    expect(await lapseDue(h.rt)).toEqual([]);
    expect(await h.rt.redis.zscore(keys.runningIndex('prod', 'web'), req.id)).not.toBeNull();
    expect(await h.rt.redis.exists(keys.legacyApprovedIndex())).toBe(0);
    expect((await getRequest(h.rt.redis, req.id))!.state).toBe('running');
  });
});
