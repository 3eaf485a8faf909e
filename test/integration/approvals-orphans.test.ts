/**
 * A service removed, renamed or moved in chatops.yml while it has open requests: the ticks keep
 * reading its indexes (the registry of indexed services, src/approvals/indexes.ts) until they are
 * empty, and end each request truthfully: a pending one expires at its time, an approved or
 * scheduled one fails at once with the reason, a running one is settled, break-glass reminders go
 * on (or end when the environment is gone); each card says the service is no longer configured.
 * Then the registry forgets the service. Real Redis, the local Slack API, a fake clock.
 */
import { approveRequest, expireDue, lapseDue } from '../../src/approvals/clicks';
import { runningRequests, startExecution } from '../../src/approvals/execution';
import { remindRetro, startDueScheduled } from '../../src/approvals/gates';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import type { ChangeRequest } from '../../src/approvals/types';
import { onTick } from '../../src/deploy/events';
import { keys } from '../../src/redis/keys';
import { parseRequestId } from '../../src/approvals/ids';
import { luaTransitions } from '../../src/approvals/transitions';
import type { Runtime } from '../../src/runtime';
import { fixtureGroups } from '../helpers/config';
import { submitInput, useStoreHarness } from './approvals-runtime';

const HOUR = 3600_000;
const MIN = 60_000;

const h = useStoreHarness(() => ({ groups: fixtureGroups() }));
beforeEach(() => {
  h.slack.setUserGroup('SLEADS', ['ULEAD1']);
});

/** The runtime as a process with a chatops.yml that no longer names prod/web (or no longer has prod at all). */
function removed(what: 'service' | 'environment'): Runtime {
  const c = h.rt.config;
  if (what === 'service') {
    const { web: _gone, ...services } = c.services;
    return { ...h.rt, config: { ...c, services } };
  }
  const services = Object.fromEntries(Object.entries(c.services).filter(([, s]) => s.environment !== 'prod'));
  const { prod: _prod, ...environments } = c.environments;
  return { ...h.rt, config: { ...c, services, environments } };
}

async function registered(): Promise<string[]> {
  return (await h.rt.redis.smembers(keys.indexedServices())).sort();
}

/** Any index of prod/web still holding something. */
async function webIndexes(): Promise<number> {
  const all = [keys.pendingIndex, keys.approvedIndex, keys.runningIndex, keys.scheduledIndex, keys.retroIndex];
  let n = 0;
  for (const k of all) n += await h.rt.redis.zcard(k('prod', 'web'));
  return n;
}

/** The request's card (the request message) as Slack shows it now. */
function card(req: ChangeRequest): string {
  return JSON.stringify(h.slack.message(req.channel, req.messageTs!)?.blocks ?? []);
}

function thread(req: ChangeRequest): string[] {
  return h.slack
    .messages(req.channel)
    .filter((m) => m.thread_ts === req.messageTs)
    .map((m) => JSON.stringify(m.blocks ?? m.text));
}

/** The detail of prod/web's newest audit entry. */
async function lastAuditDetail(): Promise<string | undefined> {
  const [[, last]] = (await h.rt.redis.xrevrange(keys.serviceAudit('prod', 'web'), '+', '-', 'COUNT', 1)) as [[string, string[]]];
  return last[last.indexOf('detail') + 1];
}

/** A tick of the process with the whole configuration ran before the change of chatops.yml: it registered the services. */
async function tickBeforeTheChange(): Promise<void> {
  await expireDue(h.rt);
  expect(await registered()).toContain('prod.web');
}

describe('the ticks see the requests of a service chatops.yml no longer names, until its indexes are empty', () => {
  it('pending: expires at its time (not before), its card says the service is gone; then the registry forgets it', async () => {
    const req = await submitRequest(h.rt, submitInput());
    await tickBeforeTheChange();
    const rt = removed('service');
    expect(await expireDue(rt)).toEqual([]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'pending' });

    h.clock.advance(2 * HOUR);
    expect(await expireDue(rt)).toEqual([req.id]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'expired' });
    expect(card(req)).toContain('chatops.yml no longer names `web` in `prod`');
    expect(await webIndexes()).toBe(0);

    await expireDue(rt);
    expect(await registered()).not.toContain('prod.web');
    // The configured ones stay.
    expect(await registered()).toContain('prod.worker');
  });

  it('approved: fails at once with the reason (it can never start), freeing the service', async () => {
    const req = await submitRequest(h.rt, submitInput());
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    await tickBeforeTheChange();
    const rt = removed('service');

    expect(await lapseDue(rt)).toEqual([req.id]);
    const failed = await getRequest(h.rt.redis, req.id);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.decisionReason).toContain('chatops.yml no longer names `web` in `prod`');
    expect(card(req)).toContain('no longer names');
    // Said in its thread too, like the other failures.
    expect(thread(req).filter((m) => m.includes('did not start: chatops.yml no longer names `web` in `prod`'))).toHaveLength(1);
    expect(await h.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
    expect(await webIndexes()).toBe(0);

    await lapseDue(rt);
    expect(await registered()).not.toContain('prod.web');
  });

  it('approved, already failed but still in a stale index: removed, not counted as lapsed, nothing said again', async () => {
    const req = await submitRequest(h.rt, submitInput());
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    await tickBeforeTheChange();
    const rt = removed('service');
    expect(await lapseDue(rt)).toEqual([req.id]);
    const said = thread(req).length;
    // A stale member (a lost write of the old scheme, a restore): the request failed already.
    await h.rt.redis.zadd(keys.approvedIndex('prod', 'web'), 1, req.id);

    expect(await lapseDue(rt)).toEqual([]);
    expect(await h.rt.redis.zscore(keys.approvedIndex('prod', 'web'), req.id)).toBeNull();
    expect(thread(req)).toHaveLength(said);
  });

  it('scheduled (`--at`): not started, failed with the reason before its time', async () => {
    const at = h.clock.now() + HOUR;
    const req = await submitRequest(h.rt, submitInput({ startAt: at }));
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'scheduled' });
    await tickBeforeTheChange();
    const rt = removed('service');

    expect(await startDueScheduled(rt)).toEqual([]);
    const failed = await getRequest(h.rt.redis, req.id);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.decisionReason).toContain('no longer names `web` in `prod`');
    expect(card(req)).toContain('no longer names');
    expect(thread(req).join('\n')).toContain('did not start: chatops.yml no longer names `web` in `prod`');
    expect(h.jobs).toEqual([]);
    expect(await webIndexes()).toBe(0);

    await startDueScheduled(rt);
    expect(await registered()).not.toContain('prod.web');
  });

  it('running, the service removed: still followed (runningRequests), its environment kept', async () => {
    const req = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    await tickBeforeTheChange();
    expect((await runningRequests(removed('service'))).map((r) => r.id)).toEqual([req.id]);
    // Still registered while it runs.
    expect(await registered()).toContain('prod.web');
  });

  it('running, the environment removed: settled from its record once its attempt is over (outcome unknown), the service freed', async () => {
    const req = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    expect((await startExecution(h.rt, req.id, h.clock.now() + MIN)).ok).toBe(true);
    await tickBeforeTheChange();
    const rt = removed('environment');

    // Its attempt may still be going on: left alone.
    await onTick(rt);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'running' });

    h.clock.advance(5 * MIN);
    await onTick(rt);
    const done = await getRequest(h.rt.redis, req.id);
    expect(done).toMatchObject({ state: 'failed' });
    expect(done?.decisionReason).toContain('outcome unknown: chatops.yml no longer names the environment `prod`');
    expect(card(req)).toContain('no longer names `web` in `prod`');
    expect(thread(req).join('\n')).toContain('outcome unknown');
    expect(await h.rt.redis.exists(keys.serviceLock('prod', 'web'))).toBe(0);
    expect(await webIndexes()).toBe(0);

    await onTick(rt);
    expect(await registered()).not.toContain('prod.web');
  });

  it('break-glass, the service removed: the reminders go on and say why; the environment removed: they end with a final note', async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    const first = Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id));
    await tickBeforeTheChange();

    h.clock.set(first);
    expect(await remindRetro(removed('service'))).toBe(1);
    const note = thread(req).find((m) => m.includes('Still waiting for an approval after the fact'));
    expect(note).toContain('no longer names `web` in `prod`');
    expect(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id))).toBeGreaterThan(first);

    h.clock.set(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id)));
    const rt = removed('environment');
    expect(await remindRetro(rt)).toBe(0);
    const ended = await getRequest(h.rt.redis, req.id);
    expect(ended?.retroExpiredAt).toBe(h.clock.now());
    expect(thread(req).join('\n')).toContain('no longer names the environment `prod`');
    expect(card(req)).toContain('no longer names `web` in `prod`');

    expect(await lastAuditDetail()).toBe('environment prod no longer in chatops.yml');

    // What is left of it (the approved break-glass request whose work never started) fails too; then the service is forgotten.
    await lapseDue(rt);
    expect(await webIndexes()).toBe(0);
    await remindRetro(rt);
    expect(await registered()).not.toContain('prod.web');
  });
});

describe('the audit detail when break-glass reminders stop for a removed environment', () => {
  it("follows the workspace's language, like the other audit and thread texts", async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    await tickBeforeTheChange();
    h.clock.set(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id)));
    const rt = removed('environment');
    const ko: Runtime = { ...rt, config: { ...rt.config, slack: { ...rt.config.slack, language: 'ko' } } };
    expect(await remindRetro(ko)).toBe(0);
    expect((await getRequest(h.rt.redis, req.id))?.retroExpiredAt).toBe(h.clock.now());
    expect(await lastAuditDetail()).toBe('chatops.yml에 prod 환경이 더 이상 없음');
  });
});

describe('a service removed before any tick registered it (or before the registry existed): found by the sweep', () => {
  it('the first tick with the new configuration finds its indexes, handles its request, and the service is forgotten after', async () => {
    const req = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    // No tick ran with the configuration that named prod/web.
    expect(await h.rt.redis.exists(keys.indexedServices())).toBe(0);
    const rt = removed('service');

    expect(await lapseDue(rt)).toEqual([req.id]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'failed' });
    expect(await h.rt.redis.ttl(keys.indexSweeps())).toBeGreaterThan(0);
    await lapseDue(rt);
    expect(await registered()).not.toContain('prod.web');
    expect(await h.rt.redis.scard(keys.indexSweeps())).toBe(1);
  });
});

describe('the registry of indexed services', () => {
  it('holds the configured services with an expiry, written by the ticks (not by the transitions)', async () => {
    await submitRequest(h.rt, submitInput());
    expect(await h.rt.redis.exists(keys.indexedServices())).toBe(0);
    await lapseDue(h.rt);
    const all = Object.entries(h.rt.config.services).map(([alias, s]) => `${s.environment}.${alias}`);
    expect(await registered()).toEqual(all.sort());
    const ttl = await h.rt.redis.pttl(keys.indexedServices());
    expect(ttl).toBeGreaterThan(29 * 24 * HOUR);
    expect(ttl).toBeLessThanOrEqual(30 * 24 * HOUR);
  });
});

describe('the scheduler tick: overdue pending `--at` requests do not take the batch of the starts that are due', () => {
  it('a due scheduled start is made in the same tick although overdue pending requests fill the batch', async () => {
    const t0 = h.clock.now();
    const web = await submitRequest(h.rt, submitInput({ startAt: t0 + MIN }));
    const worker = await submitRequest(h.rt, submitInput({ service: 'worker', startAt: t0 + MIN }));
    const due = await submitRequest(
      h.rt,
      submitInput({ environment: 'staging', service: 'web-staging', channel: 'CSTAGING', startAt: t0 + 2 * MIN }),
    );
    expect(due.state).toBe('scheduled');
    h.clock.set(t0 + 2 * MIN);

    // A batch of 2: the two pending requests (waiting for an approval, their time passed) come first by score.
    expect(await startDueScheduled(h.rt, 2)).toEqual([due.id]);
    expect(h.jobs.map((j) => j.requestId)).toEqual([due.id]);
    // Still pending and still in the scheduler's index (an approval starts them at once).
    for (const r of [web, worker]) {
      expect(await getRequest(h.rt.redis, r.id)).toMatchObject({ state: 'pending' });
      expect(await h.rt.redis.zscore(keys.scheduledIndex('prod', r.service), r.id)).not.toBeNull();
    }
  });
});

describe('the scheduler tick: moving an overdue pending `--at` request is one step with its check', () => {
  it('an approval landing between its read and its move is not undone: the scheduled start stays due and is made', async () => {
    const t0 = h.clock.now();
    const req = await submitRequest(h.rt, submitInput({ startAt: t0 + MIN }));
    expect(req.state).toBe('pending');
    h.clock.set(t0 + 2 * MIN);
    const ref = parseRequestId(req.id)!;
    const requestKey = keys.request('prod', 'web', ref.id);
    // The tick reads the request (pending); the last approval lands right after that read (its click's own start lost).
    let approved = false;
    const redis = new Proxy(h.rt.redis, {
      get(target, prop) {
        if (prop === 'hgetall')
          return async (key: string) => {
            const hash = await target.hgetall(key);
            if (key === requestKey && !approved) {
              approved = true;
              const a = await luaTransitions(target).approve(ref, 'ULEAD1', h.clock.now(), true, 10 * MIN);
              expect(a.request?.state).toBe('scheduled');
            }
            return hash;
          };
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    expect(await startDueScheduled({ ...h.rt, redis })).toEqual([]);
    expect(approved).toBe(true);
    // Still due at its start time (not moved 15 minutes ahead): the next tick starts it.
    expect(Number(await h.rt.redis.zscore(keys.scheduledIndex('prod', 'web'), req.id))).toBe(t0 + MIN);
    expect(await startDueScheduled(h.rt)).toEqual([req.id]);
  });

  it('one still pending is moved ahead, out of the next batches, and keeps its start time once approved', async () => {
    const t0 = h.clock.now();
    const req = await submitRequest(h.rt, submitInput({ startAt: t0 + MIN }));
    h.clock.set(t0 + 2 * MIN);
    expect(await startDueScheduled(h.rt)).toEqual([]);
    expect(Number(await h.rt.redis.zscore(keys.scheduledIndex('prod', 'web'), req.id))).toBeGreaterThan(h.clock.now());
    const a = await approveRequest(h.rt, req.id, 'ULEAD1');
    expect(a.ok).toBe(true);
    expect(h.jobs.map((j) => j.requestId)).toEqual([req.id]);
  });
});

describe('the start-deadline tick: an approved request without a startBy (from before start deadlines) in the legacy index', () => {
  it('lapses the start deadline after its approval, freeing its service, instead of being dropped', async () => {
    const req = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    const approved = (await getRequest(h.rt.redis, req.id))!;
    // As the old scheme left it: no startBy, indexed only in the legacy approved index (by its approval time).
    await h.rt.redis.hdel(keys.request('prod', 'web', req.id), 'startBy');
    await h.rt.redis.zrem(keys.approvedIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyApprovedIndex(), approved.approvedAt!, req.id);

    // Before its deadline: kept (in the legacy index, by when it lapses).
    expect(await lapseDue(h.rt)).toEqual([]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'approved' });
    h.clock.set(approved.approvedAt! + 10 * MIN);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    const failed = await getRequest(h.rt.redis, req.id);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.decisionReason).toContain('not started within 10m of the approval');
    expect(await h.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
    expect(await h.rt.redis.exists(keys.legacyApprovedIndex())).toBe(0);
    expect(thread(req).join('\n')).toContain('never started');
    // Audited as a lapse (the start deadline passed), not as an abort.
    const [[, last]] = (await h.rt.redis.xrevrange(keys.serviceAudit('prod', 'web'), '+', '-', 'COUNT', 1)) as [[string, string[]]];
    expect(last[last.indexOf('event') + 1]).toBe('lapsed');
  });
});
