/**
 * The approval indexes in each service's slot (issue 11): every transition SCRIPT keeps its
 * service's indexes itself, so what the script answers and what the indexes hold agree the moment
 * it returns, with no write after it (these tests call the scripts alone, through
 * luaTransitions, and never the callers that used to write the indexes after them). The ticks read
 * every configured service's indexes and the legacy global ones of the old scheme, which they drain;
 * the environment's history merges its services' streams with the legacy copy stream, without
 * duplicates. Real Redis, no mocks.
 */
import { approveRequest, expireDue, lapseDue } from '../../src/approvals/clicks';
import { readAudit } from '../../src/approvals/audit';
import { finishExecution, recordExecution, runningRequests, startExecution } from '../../src/approvals/execution';
import { remindRetro, retroApproveRequest, startDueScheduled } from '../../src/approvals/gates';
import { freezeEnvironment } from '../../src/approvals/locks';
import { requestFields } from '../../src/approvals/model';
import { parseRequestId, type RequestRef } from '../../src/approvals/ids';
import { luaTransitions, type Transition } from '../../src/approvals/transitions';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import { servicesIn } from '../../src/config/load';
import { keys } from '../../src/redis/keys';
import { fixtureGroups } from '../helpers/config';
import { submitInput, type StoreHarness, useStoreHarness } from './approvals-runtime';

const HOUR = 3600_000;
const MIN = 60_000;
const DEADLINE = 10 * MIN;

/** Every test: a fresh store harness (real Redis, the local Slack API, a fake clock). */
const h = useStoreHarness(() => ({ groups: fixtureGroups() }));

/** Where request `id` is indexed in its service's indexes: index name → score. */
async function indexed(h: StoreHarness, id: string): Promise<Record<string, number>> {
  const ref = parseRequestId(id)!;
  const out: Record<string, number> = {};
  const all = {
    pending: keys.pendingIndex(ref.environment, ref.service),
    approved: keys.approvedIndex(ref.environment, ref.service),
    running: keys.runningIndex(ref.environment, ref.service),
    scheduled: keys.scheduledIndex(ref.environment, ref.service),
    retro: keys.retroIndex(ref.environment, ref.service),
  };
  for (const [name, key] of Object.entries(all)) {
    const score = await h.rt.redis.zscore(key, id);
    if (score !== null) out[name] = Number(score);
  }
  return out;
}

let n = 0;
/** Create through the create script alone (no caller code around it). */
async function createByScript(
  h: StoreHarness,
  over: {
    state?: 'pending' | 'approved' | 'scheduled';
    startAt?: number;
    breakGlass?: string;
    retroAt?: number;
    service?: string;
    /** The open request the caller saw (the script retries without it). */
    seenActive?: string;
  } = {},
): Promise<{ ref: RequestRef; t: Transition }> {
  const now = h.clock.now();
  n += 1;
  const service = over.service ?? 'web';
  const ref = { id: `prod.${service}.idx${n}${now.toString(36)}`, environment: 'prod', service };
  const state = over.state ?? 'pending';
  const fields = requestFields(
    {
      verb: 'deploy',
      environment: 'prod',
      service,
      plan: { verb: 'deploy', image: 'img', tag: 'v1' },
      summary: 's',
      requester: 'UDEV1',
      channel: 'CPROD',
      expiresAt: now + HOUR,
      approvalsNeeded: 1,
      ...(state === 'approved' ? { approvedAt: now, startBy: now + DEADLINE } : {}),
      ...(over.startAt !== undefined ? { startAt: over.startAt } : {}),
      ...(over.breakGlass !== undefined ? { breakGlass: over.breakGlass } : {}),
    },
    `inv-${n}`,
  );
  const t = await luaTransitions(h.rt.redis).create({
    ref,
    invocationId: `inv-${n}`,
    seenActive: over.seenActive ?? '',
    state,
    now,
    ttlMs: 40 * 24 * HOUR,
    invocationTtlMs: HOUR,
    auditSummary: 's',
    fields,
    ...(over.retroAt !== undefined ? { retroAt: over.retroAt } : {}),
  });
  return { ref, t };
}

describe('every transition script keeps its service indexes itself (no write after it)', () => {
  let x: ReturnType<typeof luaTransitions>;
  beforeEach(() => {
    x = luaTransitions(h.rt.redis);
  });

  it('create → pending (by expiresAt); approve → approved (by startBy) with the hand-off claimed; start → running; finish → out', async () => {
    const { ref, t } = await createByScript(h);
    expect(t.code).toBe('OK');
    expect(await indexed(h, ref.id)).toEqual({ pending: t.request!.expiresAt });

    const a = await x.approve(ref, 'ULEAD1', h.clock.now(), true, DEADLINE);
    expect(a.code).toBe('APPROVED');
    expect(await indexed(h, ref.id)).toEqual({ approved: a.request!.startBy });
    expect(await h.rt.redis.get(keys.handOffClaim('prod', 'web', ref.id))).toMatch(new RegExp(`^${h.clock.now()}:[0-9a-f]{12}$`));

    h.clock.advance(1000);
    const s = await x.start(ref, h.clock.now(), HOUR, 'r', 'late', h.clock.now() + MIN);
    expect(s.code).toBe('OK');
    expect(await indexed(h, ref.id)).toEqual({ running: s.request!.startedAt });

    const f = await x.finish(ref, 'succeeded', 'done', h.clock.now());
    expect(f.code).toBe('OK');
    expect(await indexed(h, ref.id)).toEqual({});
  });

  it('reject, cancel, expire and abort take a request out of every index', async () => {
    const r = await createByScript(h);
    expect((await x.reject(r.ref, 'ULEAD1', h.clock.now(), true, 'no')).code).toBe('OK');
    expect(await indexed(h, r.ref.id)).toEqual({});

    const c = await createByScript(h, { startAt: h.clock.now() + HOUR });
    expect(await indexed(h, c.ref.id)).toEqual({ pending: c.t.request!.expiresAt, scheduled: h.clock.now() + HOUR });
    expect((await x.cancel(c.ref, 'UDEV1', h.clock.now(), '', false)).code).toBe('OK');
    expect(await indexed(h, c.ref.id)).toEqual({});

    // Expired by the tick, which tells the requester: out of every index at once.
    const e = await createByScript(h);
    h.clock.advance(HOUR);
    expect((await x.expire(e.ref, h.clock.now(), true)).code).toBe('OK');
    expect(await indexed(h, e.ref.id)).toEqual({});

    // Expired by a click (no telling): still due in the pending index, until the tick tells its requester (once).
    const k = await createByScript(h);
    h.clock.advance(HOUR);
    expect((await x.expire(k.ref, h.clock.now())).code).toBe('OK');
    expect(await indexed(h, k.ref.id)).toEqual({ pending: k.t.request!.expiresAt });
    expect((await x.expire(k.ref, h.clock.now())).code).toBe('NOT_PENDING');
    expect(await indexed(h, k.ref.id)).toEqual({ pending: k.t.request!.expiresAt });
    expect((await x.expire(k.ref, h.clock.now(), true)).code).toBe('UNTOLD');
    expect(await indexed(h, k.ref.id)).toEqual({});
    expect((await x.expire(k.ref, h.clock.now(), true)).code).toBe('NOT_PENDING');

    const b = await createByScript(h, { state: 'approved' });
    expect(await indexed(h, b.ref.id)).toEqual({ approved: h.clock.now() + DEADLINE });
    expect((await x.abort(b.ref, h.clock.now(), 'bot', 'why')).code).toBe('OK');
    expect(await indexed(h, b.ref.id)).toEqual({});
  });

  it('lapse, start past startBy, and a create that expires a stale request on the way', async () => {
    const l = await createByScript(h, { state: 'approved' });
    h.clock.advance(DEADLINE);
    expect((await x.lapse(l.ref, h.clock.now(), 'late')).code).toBe('OK');
    expect(await indexed(h, l.ref.id)).toEqual({});

    const s = await createByScript(h, { state: 'approved' });
    h.clock.advance(DEADLINE);
    expect((await x.start(s.ref, h.clock.now(), HOUR, 'r', 'late', h.clock.now() + MIN)).code).toBe('START_EXPIRED');
    expect(await indexed(h, s.ref.id)).toEqual({});

    const stale = await createByScript(h);
    h.clock.advance(HOUR);
    const first = await createByScript(h);
    expect(first.t.code).toBe('RETRY');
    const now = h.clock.now();
    const { t: fresh } = await createByScript(h, { seenActive: stale.ref.id });
    expect(fresh).toMatchObject({ code: 'OK', extra: { expired: stale.ref.id } });
    // Expired on the way, its requester not told: due until the expiry tick tells them.
    expect(await indexed(h, stale.ref.id)).toEqual({ pending: stale.t.request!.expiresAt });
    expect((await x.expire(stale.ref, h.clock.now(), true)).code).toBe('UNTOLD');
    expect(await indexed(h, stale.ref.id)).toEqual({});
    expect(await indexed(h, fresh.request!.id)).toEqual({ pending: now + HOUR });
  });

  it('a scheduled request: approve → scheduled (by startAt); wake → approved (by startBy)', async () => {
    const at = h.clock.now() + HOUR;
    const { ref } = await createByScript(h, { startAt: at });
    const a = await x.approve(ref, 'ULEAD1', h.clock.now(), true, DEADLINE);
    expect(a.request!.state).toBe('scheduled');
    expect(await indexed(h, ref.id)).toEqual({ scheduled: at });
    h.clock.set(at);
    expect((await x.wake(ref, h.clock.now(), DEADLINE)).code).toBe('OK');
    expect(await indexed(h, ref.id)).toEqual({ approved: at + DEADLINE });
  });

  it('break-glass: in the retro index from its creation until the approval after the fact (or the asking stops)', async () => {
    const remind = h.clock.now() + HOUR;
    const one = await createByScript(h, { state: 'approved', breakGlass: 'outage', retroAt: remind });
    expect(await indexed(h, one.ref.id)).toEqual({ approved: h.clock.now() + DEADLINE, retro: remind });
    h.clock.advance(MIN);
    expect((await x.abort(one.ref, h.clock.now(), 'bot', 'x')).code).toBe('OK');
    // Failed before it started: it never ran, so the reminder tick is to stop the asking at once (due now).
    expect(await indexed(h, one.ref.id)).toEqual({ retro: h.clock.now() });
    // Nothing to approve after the fact; the asking stops (the reminder tick's retro-expire).
    expect((await x.retroApprove(one.ref, 'ULEAD1', h.clock.now(), true)).code).toBe('RETRO_NOT_RUN');
    expect((await x.retroExpire(one.ref, h.clock.now(), 'it did not run')).code).toBe('OK');
    expect(await indexed(h, one.ref.id)).toEqual({});

    const two = await createByScript(h, { state: 'approved', breakGlass: 'outage', retroAt: remind, service: 'worker' });
    expect((await x.retroExpire(two.ref, h.clock.now(), 'gave up')).code).toBe('OK');
    expect(await indexed(h, two.ref.id)).toEqual({ approved: h.clock.now() + DEADLINE });
  });

  it('a refusal repairs an index that disagrees with the request', async () => {
    const { ref, t } = await createByScript(h);
    await h.rt.redis.zrem(keys.pendingIndex('prod', 'web'), ref.id);
    await h.rt.redis.zadd(keys.runningIndex('prod', 'web'), 1, ref.id);
    expect((await x.approve(ref, 'UDEV1', h.clock.now(), true, DEADLINE)).code).toBe('SELF_APPROVAL');
    expect(await indexed(h, ref.id)).toEqual({ pending: t.request!.expiresAt });
  });
});

describe('the ticks read every service index and drain the legacy global ones', () => {
  it('expiry tick: due requests of several services, and a legacy member (re-indexed when not due, removed either way)', async () => {
    const web = await submitRequest(h.rt, submitInput());
    const worker = await submitRequest(h.rt, submitInput({ service: 'worker' }));
    // A request the old scheme indexed: in the legacy index only.
    await h.rt.redis.zrem(keys.pendingIndex('prod', 'worker'), worker.id);
    await h.rt.redis.zadd(keys.legacyPendingIndex(), worker.expiresAt, worker.id);
    // A legacy member of a request that is gone.
    await h.rt.redis.zadd(keys.legacyPendingIndex(), 1, 'prod.web.gone000000');
    h.clock.advance(2 * HOUR);
    expect((await expireDue(h.rt)).sort()).toEqual([web.id, worker.id].sort());
    expect(await getRequest(h.rt.redis, worker.id)).toMatchObject({ state: 'expired' });
    expect(await h.rt.redis.exists(keys.legacyPendingIndex())).toBe(0);
    expect(await h.rt.redis.zcard(keys.pendingIndex('prod', 'web'))).toBe(0);
    expect(await h.rt.redis.zcard(keys.pendingIndex('prod', 'worker'))).toBe(0);

    // A legacy member with a stale score (not due after all) moves to its service's index.
    const later = await submitRequest(h.rt, submitInput());
    await h.rt.redis.zrem(keys.pendingIndex('prod', 'web'), later.id);
    await h.rt.redis.zadd(keys.legacyPendingIndex(), 0, later.id);
    expect(await expireDue(h.rt)).toEqual([]);
    expect(await h.rt.redis.exists(keys.legacyPendingIndex())).toBe(0);
    expect(await indexed(h, later.id)).toEqual({ pending: later.expiresAt });
  });

  it('start-deadline tick: a legacy member lapses and is removed', async () => {
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const req = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    const approved = (await getRequest(h.rt.redis, req.id))!;
    await h.rt.redis.zrem(keys.approvedIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyApprovedIndex(), approved.startBy!, req.id);
    h.clock.set(approved.startBy! + 1);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'failed' });
    expect(await h.rt.redis.exists(keys.legacyApprovedIndex())).toBe(0);
  });

  it('runningRequests: the services’ running requests and a legacy one; stale legacy members removed', async () => {
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const web = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, web.id, 'ULEAD1');
    expect((await startExecution(h.rt, web.id)).ok).toBe(true);
    const worker = await submitRequest(h.rt, submitInput({ service: 'worker' }));
    await approveRequest(h.rt, worker.id, 'ULEAD1');
    expect((await startExecution(h.rt, worker.id)).ok).toBe(true);
    await h.rt.redis.zrem(keys.runningIndex('prod', 'worker'), worker.id);
    await h.rt.redis.zadd(keys.legacyRunningIndex(), 1, worker.id);
    await h.rt.redis.zadd(keys.legacyRunningIndex(), 2, 'prod.web.gone000000');
    expect((await runningRequests(h.rt)).map((r) => r.id).sort()).toEqual([web.id, worker.id].sort());
    expect(await h.rt.redis.zrange(keys.legacyRunningIndex(), '0', '-1')).toEqual([worker.id]);
  });

  it('scheduler tick: a legacy scheduled member starts and is removed', async () => {
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const at = h.clock.now() + HOUR;
    const req = await submitRequest(h.rt, submitInput({ startAt: at }));
    await approveRequest(h.rt, req.id, 'ULEAD1');
    await h.rt.redis.zrem(keys.scheduledIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyScheduledIndex(), at, req.id);
    h.clock.set(at);
    expect(await startDueScheduled(h.rt)).toEqual([req.id]);
    expect(await h.rt.redis.exists(keys.legacyScheduledIndex())).toBe(0);
    expect(await indexed(h, req.id)).toEqual({ approved: at + DEADLINE });
    expect(h.jobs.map((j) => j.kind)).toEqual(['execute']);
  });

  it('reminder tick: a legacy retro member is reminded and moves to its service index', async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    const score = Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id));
    expect(score).toBeGreaterThan(h.clock.now());
    await h.rt.redis.zrem(keys.retroIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyRetroIndex(), score, req.id);
    h.clock.set(score);
    expect(await remindRetro(h.rt)).toBe(1);
    expect(await h.rt.redis.exists(keys.legacyRetroIndex())).toBe(0);
    expect(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id))).toBeGreaterThan(score);
  });
});

describe("the environment's history: its services' streams, its own, and the legacy copies", () => {
  const prod = () => servicesIn(h.rt.config, 'prod').map((s) => s.alias);

  it('merges them newest first, without the legacy copies of entries the service streams still hold', async () => {
    // The old scheme: an entry copied to the legacy stream, whose original is no longer kept.
    await h.rt.redis.xadd(
      keys.legacyEnvRequestAudit('prod'),
      '*',
      ...['at', String(h.clock.now()), 'event', 'created', 'id', 'prod.web.old0000000', 'env', 'prod', 'service', 'web'],
      ...['actor', 'UOLD', 'state', 'pending', 'detail', '', 'src', '1-1'],
    );
    h.clock.advance(1000);
    const web = await submitRequest(h.rt, submitInput());
    // …and the old scheme's copy of this one too (its original is in the web stream).
    const [[srcId, fields]] = (await h.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')) as Array<[string, string[]]>;
    await h.rt.redis.xadd(keys.legacyEnvRequestAudit('prod'), '*', ...fields, 'src', srcId);
    h.clock.advance(1000);
    const worker = await submitRequest(h.rt, submitInput({ service: 'worker' }));
    h.clock.advance(1000);
    await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');

    const all = await readAudit(h.rt.redis, 'prod', { services: prod(), limit: 10 });
    expect(all.map((e) => [e.event, e.requestId])).toEqual([
      ['frozen', ''],
      ['created', worker.id],
      ['created', web.id],
      ['created', 'prod.web.old0000000'],
    ]);
    expect((await readAudit(h.rt.redis, 'prod', { services: prod(), limit: 2 })).map((e) => e.event)).toEqual(['frozen', 'created']);
    // Another environment's services are not in it.
    await submitRequest(h.rt, submitInput({ environment: 'staging', service: 'web-staging', channel: 'CSTAGING' }));
    expect(await readAudit(h.rt.redis, 'prod', { services: prod(), limit: 10 })).toHaveLength(4);
  });
});

describe('review: a break-glass reminder time belongs to the request created with it', () => {
  /** A break-glass request of the old scheme: its reminder only in the legacy retro index. */
  async function legacyBreakGlass(service = 'web'): Promise<{ id: string; score: number }> {
    const r = await submitRequest(h.rt, submitInput({ breakGlass: 'outage', service }));
    const score = Number(await h.rt.redis.zscore(keys.retroIndex('prod', service), r.id));
    await h.rt.redis.zrem(keys.retroIndex('prod', service), r.id);
    await h.rt.redis.zadd(keys.legacyRetroIndex(), score, r.id);
    return { id: r.id, score };
  }

  it('a break-glass create refused BUSY, or lapsing the open request on the way, does not give that request its own reminder time', async () => {
    const open = await legacyBreakGlass();
    expect((await startExecution(h.rt, open.id)).ok).toBe(true);
    h.clock.advance(10 * MIN);
    await expect(submitRequest(h.rt, submitInput({ breakGlass: 'again', requester: 'UDEV2' }))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), open.id)).toBeNull();

    // An approved break-glass request past its startBy (its hand-off lost), lapsed by the next create.
    const stale = await legacyBreakGlass('worker');
    h.clock.advance(DEADLINE);
    const next = await submitRequest(h.rt, submitInput({ breakGlass: 'again', requester: 'UDEV2', service: 'worker' }));
    expect(await getRequest(h.rt.redis, stale.id)).toMatchObject({ state: 'failed' });
    // Not the new request's reminder time: it never ran, so it is due at once (its lapse), for the
    // reminder tick to stop its asking with a note that it did not run.
    expect(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'worker'), stale.id))).toBe(h.clock.now());
    expect(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'worker'), next.id))).toBeGreaterThan(h.clock.now());
  });
});

describe("review: the environment's history and the copies the old scheme wrote into the environment's own stream", () => {
  it('drops a copy in audit:{env:E} (written before the copies moved to audit:{index}:env:E) whose original it reads', async () => {
    const web = await submitRequest(h.rt, submitInput());
    const [[srcId, fields]] = (await h.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')) as Array<[string, string[]]>;
    // The scheme before the legacy copy stream: copies (with their original's id, `src`) in the environment's own stream.
    await h.rt.redis.xadd(keys.audit('prod'), '*', ...fields, 'src', srcId);
    // One whose original is no longer in the service stream stays.
    await h.rt.redis.xadd(
      keys.audit('prod'),
      '*',
      ...['at', String(h.clock.now() - HOUR), 'event', 'created', 'id', 'prod.web.old0000000', 'env', 'prod', 'service', 'web'],
      ...['actor', 'UOLD', 'state', 'pending', 'detail', '', 'src', '1-1'],
    );
    h.clock.advance(1000);
    await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');
    const all = await readAudit(h.rt.redis, 'prod', { services: servicesIn(h.rt.config, 'prod').map((s) => s.alias), limit: 10 });
    expect(all.map((e) => [e.event, e.requestId])).toEqual([
      ['frozen', ''],
      ['created', web.id],
      ['created', 'prod.web.old0000000'],
    ]);
  });
});

describe('a service no longer in chatops.yml, at the worker (the ticks: approvals-orphans.test.ts)', () => {
  it('its approved request is not started: it fails with the reason, and the service is free again', async () => {
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const req = await submitRequest(h.rt, submitInput());
    await approveRequest(h.rt, req.id, 'ULEAD1');
    // The worker runs with a configuration that no longer names the service (removed, renamed or moved).
    const { web: _gone, ...services } = h.rt.config.services;
    const without = { ...h.rt, config: { ...h.rt.config, services } };

    const started = await startExecution(without, req.id);

    expect(started).toMatchObject({ ok: false, code: 'NOT_CONFIGURED' });
    if (!started.ok) expect(started.message('en')).toContain('chatops.yml no longer names `web` in `prod`');
    const failed = await getRequest(h.rt.redis, req.id);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.decisionReason).toContain('no longer names');
    // Said in its thread, as when a tick fails it.
    const replies = h.slack.messages(req.channel).filter((m) => m.thread_ts === req.messageTs);
    expect(replies.map((m) => m.text ?? '').join('\n')).toContain('never started');
    expect(JSON.stringify(replies.map((m) => m.blocks))).toContain('did not start: chatops.yml no longer names `web` in `prod`');
    expect(await indexed(h, req.id)).toEqual({});
    // Nothing holds the service: a new request for it (once configured again) is not refused as busy.
    await expect(submitRequest(h.rt, submitInput())).resolves.toMatchObject({ state: 'pending' });
  });
});

describe('a break-glass request that never ran (failed or cancelled before it started)', () => {
  const thread = (req: { channel: string; messageTs?: string }) =>
    h.slack
      .messages(req.channel)
      .filter((m) => m.thread_ts === req.messageTs)
      .map((m) => m.text ?? '');

  it('gets no reminders: the asking stops at the next tick with a note that it did not run; its card says so', async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    expect(req.state).toBe('approved');
    // Its execute job is lost: it lapses at its start deadline, never having started.
    h.clock.advance(DEADLINE + MIN);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    const asked = thread(req).length;
    // An approver pressing "Approve after the fact" on it is told it did not run; nothing is recorded.
    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const retro = await retroApproveRequest(h.rt, req.id, 'ULEAD1');
    expect(retro).toMatchObject({ ok: false, code: 'RETRO_NOT_RUN' });
    if (!retro.ok) expect(retro.message('ko')).toContain('실행되지 않았으므로');
    expect((await getRequest(h.rt.redis, req.id))?.approvals).toEqual([]);

    expect(await remindRetro(h.rt)).toBe(0);
    const ended = (await getRequest(h.rt.redis, req.id))!;
    expect(ended.retroExpiredAt).toBe(h.clock.now());
    const said = thread(req).slice(asked);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('This break-glass change did not run (nothing was changed), so no approval after the fact is needed');
    const card = JSON.stringify(h.slack.message(req.channel, req.messageTs!)?.blocks ?? []);
    expect(card).toContain('It did not run, so no approval after the fact is needed.');
    expect(card).not.toContain('approval:retro');
    expect(await indexed(h, req.id)).toEqual({});
    const [[, last]] = (await h.rt.redis.xrevrange(keys.serviceAudit('prod', 'web'), '+', '-', 'COUNT', 1)) as [[string, string[]]];
    expect(last[last.indexOf('detail') + 1]).toBe('it did not run: no approval after the fact needed');

    // Nothing more, ever.
    for (let i = 0; i < 3; i++) {
      h.clock.advance(HOUR);
      expect(await remindRetro(h.rt)).toBe(0);
    }
    expect(thread(req).slice(asked)).toHaveLength(1);
  });

  it('one that started but whose worker recorded that it does not run (notStarted), then failed: no reminders, the note that it did not run', async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    const remind = Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id));
    // What the worker does when it decides, before touching the service, that the change does not
    // run (src/deploy/execute.ts: e.g. the service moved since the plan): the fact, then failed.
    await recordExecution(h.rt, req.id, { notStarted: { message: 'The service changed since the request was made.' } }, 'did not run');
    await finishExecution(h.rt, req.id, 'failed', 'did not run: the service changed since the request was made');
    // Due at once (not at its reminder time), for the tick to stop the asking.
    expect(Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id))).toBeLessThan(remind);
    const asked = thread(req).length;

    h.slack.setUserGroup('SLEADS', ['ULEAD1']);
    const retro = await retroApproveRequest(h.rt, req.id, 'ULEAD1');
    expect(retro).toMatchObject({ ok: false, code: 'RETRO_NOT_RUN' });
    expect(await remindRetro(h.rt)).toBe(0);
    expect((await getRequest(h.rt.redis, req.id))?.retroExpiredAt).toBe(h.clock.now());
    const notes = () =>
      thread(req).filter((m) =>
        m.includes('This break-glass change did not run (nothing was changed), so no approval after the fact is needed'),
      );
    expect(notes()).toHaveLength(1);
    expect(
      thread(req)
        .slice(asked)
        .some((m) => m.includes('Still waiting for an approval after the fact')),
    ).toBe(false);
    const card = JSON.stringify(h.slack.message(req.channel, req.messageTs!)?.blocks ?? []);
    expect(card).toContain('It did not run, so no approval after the fact is needed.');
    expect(await indexed(h, req.id)).toEqual({});
    // Nothing more at its old reminder time.
    h.clock.set(remind);
    expect(await remindRetro(h.rt)).toBe(0);
    expect(notes()).toHaveLength(1);
    expect(thread(req).some((m) => m.includes('Still waiting for an approval after the fact'))).toBe(false);
  });

  it('one that fails (without running) while its reminder is being posted gets the did-not-run note at the next tick, not at the next reminder time', async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    const remind = Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id));
    h.clock.set(remind);
    // The worker decides it does not run and fails it while the tick posts the reminder: the fail
    // makes it due at once, between the tick's read and its scheduling of the next reminder.
    let failed = false;
    h.slack.handle('chat.postMessage', async (body, _call, builtin) => {
      if (!failed && String(body.text ?? '').includes('Still waiting for an approval after the fact')) {
        failed = true;
        h.clock.advance(1_000);
        await recordExecution(h.rt, req.id, { notStarted: { message: 'The service changed since the request was made.' } }, 'did not run');
        await finishExecution(h.rt, req.id, 'failed', 'did not run: the service changed since the request was made');
      }
      return builtin!();
    });
    expect(await remindRetro(h.rt)).toBe(1);
    expect(failed).toBe(true);
    h.clock.advance(MIN);
    await remindRetro(h.rt);
    expect(thread(req).filter((m) => m.includes('This break-glass change did not run (nothing was changed)'))).toHaveLength(1);
    expect(await indexed(h, req.id)).toEqual({});
  });

  it('one that ran and failed is still asked for its approval after the fact', async () => {
    const req = await submitRequest(h.rt, submitInput({ breakGlass: 'outage' }));
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    const remind = Number(await h.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id));
    await luaTransitions(h.rt.redis).finish(parseRequestId(req.id)!, 'failed', 'boom', h.clock.now());
    expect(await indexed(h, req.id)).toEqual({ retro: remind });
    h.clock.set(remind);
    expect(await remindRetro(h.rt)).toBe(1);
  });
});
