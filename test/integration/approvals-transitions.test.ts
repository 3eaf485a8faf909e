/**
 * The contract of the approval workflow's Redis transitions (src/approvals/transitions.ts): what
 * each transition answers and leaves behind, against a real Redis. `transitionsContract` takes a
 * factory, so any other implementation of `Transitions` must pass the same suite.
 */
import { newRequestId, type RequestRef } from '../../src/approvals/ids';
import { requestFields } from '../../src/approvals/model';
import { luaTransitions, type CreateInput, type Transitions } from '../../src/approvals/transitions';
import type { ChangeRequest } from '../../src/approvals/types';
import type { RedisClient } from '../../src/redis/client';
import { keys } from '../../src/redis/keys';
import { HOLD_TTL_SECONDS } from '../../src/redis/bounds';
import { useFlushedRedis } from '../helpers/redis';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const HOUR = 3600_000;
const ENV = 'prod';
/** The start deadline approvals get in these tests. */
const START = 10 * 60_000;

let seq = 0;

function refFor(service = 'web'): RequestRef {
  return { id: newRequestId(ENV, service, T0 + ++seq), environment: ENV, service };
}

function createInput(ref: RequestRef, over: Partial<CreateInput> & { approvalsNeeded?: number; requester?: string } = {}): CreateInput {
  const { approvalsNeeded = 1, requester = 'UDEV1', ...rest } = over;
  const state = rest.state ?? (approvalsNeeded === 0 ? 'approved' : 'pending');
  return {
    ref,
    invocationId: `cmd-${ref.id}`,
    seenActive: '',
    state,
    now: T0,
    ttlMs: 30 * 24 * HOUR,
    invocationTtlMs: 24 * HOUR,
    auditSummary: 'deploy web',
    fields: requestFields(
      {
        verb: 'deploy',
        environment: ref.environment,
        service: ref.service,
        plan: { verb: 'deploy' },
        summary: 'Deploy `v1` to *web*',
        requester,
        channel: 'CPROD',
        expiresAt: T0 + HOUR,
        approvalsNeeded,
      },
      `cmd-${ref.id}`,
    ),
    ...rest,
  };
}

export function transitionsContract(name: string, make: (redis: RedisClient) => Transitions): void {
  describe(`approval transitions: ${name}`, () => {
    let redis: RedisClient;
    let t: Transitions;

    useFlushedRedis((client) => (redis = client));
    beforeEach(() => {
      t = make(redis);
    });

    async function created(ref = refFor(), over: Parameters<typeof createInput>[1] = {}): Promise<ChangeRequest> {
      const res = await t.create(createInput(ref, over));
      expect(res.code).toBe('OK');
      return res.request!;
    }

    describe('create', () => {
      it('creates a pending request, points the service at it and writes one audit entry', async () => {
        const ref = refFor();
        const res = await t.create(createInput(ref));
        expect(res.code).toBe('OK');
        expect(res.request).toMatchObject({ id: ref.id, state: 'pending', requester: 'UDEV1', approvalsNeeded: 1, approvals: [] });
        expect(await redis.get(keys.activeRequest(ENV, 'web'))).toBe(ref.id);
        expect(res.audit.map((a) => a.fields.event)).toEqual(['created']);
      });

      it('creates an approved request when no approval is needed (audited as auto-approved)', async () => {
        const res = await t.create(createInput(refFor(), { approvalsNeeded: 0 }));
        expect(res.code).toBe('OK');
        expect(res.request?.state).toBe('approved');
        expect(res.audit.map((a) => a.fields.event)).toContain('auto-approved');
      });

      it('answers EXISTS with the id for the same invocation', async () => {
        const ref = refFor();
        await created(ref);
        const again = await t.create({ ...createInput(refFor()), invocationId: `cmd-${ref.id}`, seenActive: ref.id });
        expect(again.code).toBe('EXISTS');
        expect(again.extra.id).toBe(ref.id);
      });

      it('answers BUSY with the open request for another invocation', async () => {
        const first = await created();
        const res = await t.create(createInput(refFor(), { seenActive: first.id }));
        expect(res.code).toBe('BUSY');
        expect(res.request?.id).toBe(first.id);
      });

      it('answers RETRY when the active pointer moved since it was read', async () => {
        await created();
        const res = await t.create(createInput(refFor(), { seenActive: '' }));
        expect(res.code).toBe('RETRY');
      });

      it('answers LOCKED with the lock when the service is locked by hand', async () => {
        await t.lock(ENV, 'web', 'UOPS1', 'migration', T0);
        const res = await t.create(createInput(refFor()));
        expect(res.code).toBe('LOCKED');
        expect(res.extra).toMatchObject({ by: 'UOPS1', reason: 'migration' });
      });
    });

    describe('approve, reject, cancel, expire', () => {
      it('refuses the requester and a user without the role, then approves', async () => {
        const req = await created();
        const ref = { id: req.id, environment: ENV, service: 'web' };
        expect((await t.approve(ref, 'UDEV1', T0 + 1, true, START)).code).toBe('SELF_APPROVAL');
        expect((await t.approve(ref, 'UOTHER', T0 + 2, false, START)).code).toBe('NOT_AUTHORIZED');
        const ok = await t.approve(ref, 'ULEAD1', T0 + 3, true, START);
        expect(ok.code).toBe('APPROVED');
        expect(ok.request).toMatchObject({ state: 'approved', approvals: [{ user: 'ULEAD1', at: T0 + 3 }] });
        expect((await t.approve(ref, 'ULEAD2', T0 + 4, true, START)).code).toBe('NOT_PENDING');
      });

      it('records approvals until enough, and refuses a second approval by the same user', async () => {
        const req = await created(refFor(), { approvalsNeeded: 2 });
        const ref = { id: req.id, environment: ENV, service: 'web' };
        expect((await t.approve(ref, 'ULEAD1', T0 + 1, true, START)).code).toBe('APPROVAL_RECORDED');
        expect((await t.approve(ref, 'ULEAD1', T0 + 2, true, START)).code).toBe('ALREADY_APPROVED');
        expect((await t.approve(ref, 'ULEAD2', T0 + 3, true, START)).code).toBe('APPROVED');
      });

      it('expires a request past its time, on the tick or on a click', async () => {
        const a = await created(refFor('web'));
        const refA = { id: a.id, environment: ENV, service: 'web' };
        expect((await t.expire(refA, T0 + HOUR - 1)).code).toBe('NOT_DUE');
        const exp = await t.expire(refA, T0 + HOUR);
        expect(exp.code).toBe('OK');
        expect(exp.request?.state).toBe('expired');
        expect(await redis.get(keys.activeRequest(ENV, 'web'))).toBeNull();

        const b = await created(refFor('worker'));
        const late = await t.approve({ id: b.id, environment: ENV, service: 'worker' }, 'ULEAD1', T0 + HOUR, true, START);
        expect(late.code).toBe('EXPIRED');
        expect(late.request?.state).toBe('expired');
      });

      it('rejects with a reason (never by the requester) and cancels only for the requester', async () => {
        const a = await created(refFor('web'));
        const refA = { id: a.id, environment: ENV, service: 'web' };
        expect((await t.reject(refA, 'UDEV1', T0 + 1, true, 'no')).code).toBe('SELF_REJECT');
        expect((await t.reject(refA, 'UOTHER', T0 + 1, false, 'no')).code).toBe('NOT_AUTHORIZED');
        const rej = await t.reject(refA, 'ULEAD1', T0 + 2, true, 'not during the incident');
        expect(rej.code).toBe('OK');
        expect(rej.request).toMatchObject({ state: 'rejected', decidedBy: 'ULEAD1', decisionReason: 'not during the incident' });

        const b = await created(refFor('worker'));
        const refB = { id: b.id, environment: ENV, service: 'worker' };
        expect((await t.cancel(refB, 'ULEAD1', T0 + 1, '', false)).code).toBe('NOT_REQUESTER');
        const can = await t.cancel(refB, 'UDEV1', T0 + 2, '', false);
        expect(can.code).toBe('OK');
        expect(can.request?.state).toBe('cancelled');
      });

      it('answers NOT_FOUND for a request that is not on record', async () => {
        const ref = refFor();
        expect((await t.approve(ref, 'ULEAD1', T0, true, START)).code).toBe('NOT_FOUND');
        expect((await t.expire(ref, T0)).code).toBe('NOT_FOUND');
        expect((await t.abort(ref, T0, 'bot', 'x')).code).toBe('NOT_FOUND');
        expect((await t.setField(ref, 'messageTs', '1.2', T0)).code).toBe('NOT_FOUND');
      });
    });

    describe('execution', () => {
      it('starts an approved request once, taking the change lock; records facts once; finishes once, releasing it', async () => {
        const pending = await created(refFor('web'));
        const ref = { id: pending.id, environment: ENV, service: 'web' };
        expect((await t.start(ref, T0 + 1, 2 * HOUR, 'change running', 'lapsed', T0 + HOUR)).code).toBe('NOT_APPROVED');
        expect((await t.record(ref, T0 + 1, 'recorded', '{}', { a: 1 })).code).toBe('NOT_STARTED');
        await t.approve(ref, 'ULEAD1', T0 + 2, true, START);

        const started = await t.start(ref, T0 + 3, 2 * HOUR, `change running: ${ref.id}`, 'lapsed', T0 + HOUR);
        expect(started.code).toBe('OK');
        expect(started.request).toMatchObject({ state: 'running', startedAt: T0 + 3 });
        expect(await redis.hget(keys.serviceLock(ENV, 'web'), 'kind')).toBe('change');
        expect((await t.start(ref, T0 + 4, 2 * HOUR, 'again', 'lapsed', T0 + HOUR)).code).toBe('ALREADY_RUNNING');

        const rec = await t.record(ref, T0 + 5, 'recorded', '{"deploymentId":"ecs-svc/1"}', { deploymentId: 'ecs-svc/1' });
        expect(rec.code).toBe('OK');
        expect(rec.request?.execution).toEqual({ deploymentId: 'ecs-svc/1' });
        expect((await t.record(ref, T0 + 6, 'recorded', '{}', { deploymentId: 'ecs-svc/1' })).code).toBe('UNCHANGED');

        expect((await t.setField(ref, 'statusTs', '1700000000.000200', T0 + 7)).request?.statusTs).toBe('1700000000.000200');

        const done = await t.finish(ref, 'succeeded', 'rolled out', T0 + 8);
        expect(done.code).toBe('OK');
        expect(done.request).toMatchObject({ state: 'succeeded', finishedAt: T0 + 8 });
        expect(await redis.exists(keys.serviceLock(ENV, 'web'))).toBe(0);
        expect(await redis.get(keys.activeRequest(ENV, 'web'))).toBeNull();
        expect((await t.finish(ref, 'succeeded', 'again', T0 + 9)).code).toBe('ALREADY');
      });

      it('aborts an open request with the reason, and refuses one that already ran', async () => {
        const req = await created(refFor('web'), { approvalsNeeded: 0 });
        const ref = { id: req.id, environment: ENV, service: 'web' };
        const res = await t.abort(ref, T0 + 1, 'bot', 'not started: the worker could not be invoked.');
        expect(res.code).toBe('OK');
        expect(res.request).toMatchObject({ state: 'failed', decisionReason: 'not started: the worker could not be invoked.' });
        expect((await t.abort(ref, T0 + 2, 'bot', 'again')).code).toBe('NOT_OPEN');
        expect((await t.finish(ref, 'failed', 'x', T0 + 3)).code).toBe('ALREADY');
        expect((await t.finish(ref, 'succeeded', 'x', T0 + 3)).code).toBe('NOT_RUNNING');
      });
    });

    describe('approved but not started (issue 9 §2)', () => {
      async function approved(service = 'web', requester = 'UDEV1'): Promise<{ req: ChangeRequest; ref: RequestRef }> {
        const req = await created(refFor(service), { requester });
        const ref = { id: req.id, environment: ENV, service };
        const ok = await t.approve(ref, 'ULEAD1', T0 + 1, true, START);
        expect(ok.code).toBe('APPROVED');
        return { req: ok.request!, ref };
      }

      it('an approval records when it was given and until when the change must start', async () => {
        const { req } = await approved();
        expect(req).toMatchObject({ state: 'approved', approvedAt: T0 + 1, startBy: T0 + 1 + START });
      });

      it('a start past startBy is refused: the approval lapses atomically, freeing the service (audited)', async () => {
        const { ref } = await approved();
        const late = await t.start(ref, T0 + 1 + START, 2 * HOUR, 'change running', 'not started in time', T0 + 2 * HOUR);
        expect(late.code).toBe('START_EXPIRED');
        expect(late.request).toMatchObject({ state: 'failed', decisionReason: 'not started in time', finishedAt: T0 + 1 + START });
        expect(late.audit.map((a) => a.fields.event)).toEqual(['lapsed']);
        expect(await redis.get(keys.activeRequest(ENV, 'web'))).toBeNull();
        expect(await redis.exists(keys.serviceLock(ENV, 'web'))).toBe(0);
        // A start just before the deadline runs, and notes until when its attempt may run.
        const { ref: ref2 } = await approved('worker');
        const ok = await t.start(ref2, T0 + START, 2 * HOUR, 'change running', 'x', T0 + START + 180_000);
        expect(ok.code).toBe('OK');
        expect(ok.request).toMatchObject({ state: 'running', attemptUntil: T0 + START + 180_000 });
      });

      it('the start-deadline tick fails an approved request once due, and nothing else', async () => {
        const { ref } = await approved();
        expect((await t.lapse(ref, T0 + START, 'lapsed')).code).toBe('NOT_DUE');
        const res = await t.lapse(ref, T0 + 1 + START, 'never started');
        expect(res.code).toBe('OK');
        expect(res.request).toMatchObject({ state: 'failed', decisionReason: 'never started' });
        expect(await redis.get(keys.activeRequest(ENV, 'web'))).toBeNull();
        expect((await t.lapse(ref, T0 + 2 * START, 'again')).code).toBe('NOT_APPROVED');

        const pending = await created(refFor('worker'));
        expect((await t.lapse({ id: pending.id, environment: ENV, service: 'worker' }, T0 + HOUR, 'x')).code).toBe('NOT_APPROVED');
      });

      it('an approved request that has not started can be cancelled by its requester or an approver, by nobody else', async () => {
        const a = await approved('web');
        expect((await t.cancel(a.ref, 'UOTHER', T0 + 2, '', false)).code).toBe('NOT_CANCELLER');
        const byApprover = await t.cancel(a.ref, 'ULEAD2', T0 + 3, 'lost', true);
        expect(byApprover.code).toBe('OK');
        expect(byApprover.request).toMatchObject({ state: 'cancelled', decidedBy: 'ULEAD2' });
        expect(await redis.get(keys.activeRequest(ENV, 'web'))).toBeNull();

        const b = await approved('worker');
        expect((await t.cancel(b.ref, 'UDEV1', T0 + 2, '', false)).code).toBe('OK');

        const c = await approved('api');
        await t.start(c.ref, T0 + 2, 2 * HOUR, 'change running', 'x', T0 + HOUR);
        const running = await t.cancel(c.ref, 'ULEAD2', T0 + 3, '', true);
        expect(running.code).toBe('NOT_PENDING');
        expect(running.request?.state).toBe('running');
      });

      it('the execution lease: one holder, renewed and checked only while the request runs, released by its holder', async () => {
        const { ref } = await approved();
        expect((await t.lease(ref, 'acquire', 'w1', 90_000, T0 + HOUR)).code).toBe('NOT_RUNNING');
        await t.start(ref, T0 + 2, 2 * HOUR, 'change running', 'x', T0 + 3 * 60_000);
        const got = await t.lease(ref, 'acquire', 'w1', 90_000, T0 + HOUR);
        expect(got.code).toBe('OK');
        expect(got.request?.attemptUntil).toBe(T0 + HOUR);
        expect(await redis.pttl(keys.changeLease(ENV, 'web', ref.id))).toBeGreaterThan(0);
        expect((await t.lease(ref, 'acquire', 'w2', 90_000, T0 + HOUR)).code).toBe('HELD');
        expect((await t.lease(ref, 'check', 'w2', 90_000)).code).toBe('HELD');
        expect((await t.lease(ref, 'renew', 'w1', 90_000)).code).toBe('OK');
        expect((await t.lease(ref, 'check', 'w1', 90_000)).code).toBe('OK');
        // The tick settles the request meanwhile: the holder's check fails, so it never changes the service.
        await t.finish(ref, 'failed', 'settled', T0 + 4);
        expect((await t.lease(ref, 'check', 'w1', 90_000)).code).toBe('NOT_RUNNING');
        expect((await t.lease(ref, 'release', 'w2', 90_000)).code).toBe('HELD');
        expect((await t.lease(ref, 'release', 'w1', 90_000)).code).toBe('OK');
        expect(await redis.exists(keys.changeLease(ENV, 'web', ref.id))).toBe(0);
      });
    });

    describe('locks and freezes', () => {
      it('locks once, lets the holder or an approver unlock, and never lifts a change lock', async () => {
        const lock = await t.lock(ENV, 'web', 'UOPS1', 'migration', T0);
        expect(lock.code).toBe('OK');
        expect(lock.extra).toMatchObject({ by: 'UOPS1', reason: 'migration', kind: 'manual' });
        expect((await t.lock(ENV, 'web', 'UOPS2', undefined, T0 + 1)).code).toBe('ALREADY_LOCKED');
        expect((await t.unlock(ENV, 'web', 'UOPS2', false, T0 + 2)).code).toBe('NOT_LOCK_OWNER');
        const un = await t.unlock(ENV, 'web', 'ULEAD1', true, T0 + 3);
        expect(un.code).toBe('OK');
        expect(un.extra.by).toBe('UOPS1');
        expect((await t.unlock(ENV, 'web', 'UOPS1', false, T0 + 4)).code).toBe('NOT_LOCKED');

        const req = await created(refFor('web'), { approvalsNeeded: 0 });
        await t.start({ id: req.id, environment: ENV, service: 'web' }, T0 + 5, 2 * HOUR, 'change running', 'lapsed', T0 + HOUR);
        expect((await t.lock(ENV, 'web', 'UOPS1', undefined, T0 + 6)).code).toBe('CHANGE_RUNNING');
        expect((await t.unlock(ENV, 'web', 'ULEAD1', true, T0 + 7)).code).toBe('CHANGE_LOCK');
      });

      it('freezes an environment once and lifts it once, writing the environment audit stream', async () => {
        const f = await t.freeze(ENV, 'ULEAD1', 'Black Friday', T0);
        expect(f.code).toBe('OK');
        expect(f.extra).toMatchObject({ by: 'ULEAD1', reason: 'Black Friday' });
        expect((await t.freeze(ENV, 'ULEAD2', undefined, T0 + 1)).code).toBe('ALREADY_FROZEN');
        expect((await t.unfreeze(ENV, 'ULEAD2', T0 + 2)).code).toBe('OK');
        expect((await t.unfreeze(ENV, 'ULEAD2', T0 + 3)).code).toBe('NOT_FROZEN');
        const entries = await redis.xrange(keys.audit(ENV), '-', '+');
        expect(entries.map(([, f]) => f[f.indexOf('event') + 1])).toEqual(['frozen', 'unfrozen']);
      });
    });

    describe('release gates', () => {
      /** A request with gate fields (a start time, break-glass) in the state the workflow would create it. */
      async function gated(
        state: 'pending' | 'approved' | 'scheduled',
        extra: { startAt?: number; breakGlass?: string; approvalsNeeded?: number },
        ref = refFor('web'),
      ): Promise<{ req: ChangeRequest; ref: RequestRef; audit: string[] }> {
        const base = createInput(ref, { approvalsNeeded: extra.approvalsNeeded ?? 1, state });
        const fields = requestFields(
          {
            verb: 'deploy',
            environment: ENV,
            service: ref.service,
            plan: { verb: 'deploy' },
            summary: 'Deploy',
            requester: 'UDEV1',
            channel: 'CPROD',
            expiresAt: T0 + HOUR,
            approvalsNeeded: extra.approvalsNeeded ?? 1,
            gates: [{ gate: 'window', text: 'Change window: open now.' }],
            ...(extra.startAt !== undefined ? { startAt: extra.startAt } : {}),
            ...(extra.breakGlass !== undefined ? { breakGlass: extra.breakGlass } : {}),
          },
          base.invocationId,
        );
        const res = await t.create({ ...base, fields });
        expect(res.code).toBe('OK');
        return { req: res.request!, ref, audit: res.audit.map((a) => a.fields.event!) };
      }

      it('keeps the gate lines in the request and its created audit entry', async () => {
        const { req } = await gated('pending', {});
        expect(req.gates).toEqual([{ gate: 'window', text: 'Change window: open now.' }]);
        const [entry] = await redis.xrange(keys.serviceAudit(ENV, 'web'), '-', '+');
        expect(entry![1][entry![1].indexOf('gates') + 1]).toBe(JSON.stringify(req.gates));
      });

      it('a request with a start time waits in scheduled after its approval, and wakes only when due', async () => {
        const { req, ref } = await gated('pending', { startAt: T0 + 2 * HOUR });
        const ok = await t.approve(ref, 'ULEAD1', T0 + 1, true, START);
        expect(ok.code).toBe('APPROVED');
        expect(ok.request?.state).toBe('scheduled');
        expect(ok.request?.startBy).toBeUndefined();
        expect(ok.audit.map((a) => a.fields.event)).toEqual(['approved', 'scheduled']);
        expect((await t.create(createInput(refFor('web'), { seenActive: req.id }))).code).toBe('BUSY'); // still the open request
        expect((await t.start(ref, T0 + 2, 2 * HOUR, 'x', 'lapsed', T0 + 2 + HOUR)).code).toBe('NOT_APPROVED');
        expect((await t.wake(ref, T0 + HOUR, START)).code).toBe('NOT_DUE');
        const woke = await t.wake(ref, T0 + 2 * HOUR, START);
        expect(woke.code).toBe('OK');
        expect(woke.request?.state).toBe('approved');
        // Woken, it must start within the start deadline like any approval.
        expect(woke.request).toMatchObject({ approvedAt: T0 + 2 * HOUR, startBy: T0 + 2 * HOUR + START });
        expect((await t.wake(ref, T0 + 2 * HOUR + 1, START)).code).toBe('NOT_SCHEDULED');
      });

      it('creates scheduled when no approval is needed; the requester (or an approver) may cancel it; a lock stops its wake', async () => {
        const a = await gated('scheduled', { startAt: T0 + HOUR, approvalsNeeded: 0 });
        expect(a.audit).toEqual(['created', 'auto-approved', 'scheduled']);
        expect((await t.cancel(a.ref, 'UDEV2', T0 + 1, '', false)).code).toBe('NOT_CANCELLER');
        expect((await t.cancel(a.ref, 'UDEV1', T0 + 2, 'not today', false)).request?.state).toBe('cancelled');
        const b = await gated('scheduled', { startAt: T0 + HOUR, approvalsNeeded: 0 });
        await t.lock(ENV, 'web', 'UOPS1', 'db migration', T0 + 3);
        const locked = await t.wake(b.ref, T0 + HOUR, START);
        expect(locked.code).toBe('LOCKED');
        expect(locked.extra.by).toBe('UOPS1');
        expect((await t.abort(b.ref, T0 + HOUR, 'bot', 'not started: locked')).request?.state).toBe('failed');
      });

      it('break-glass: created approved (audited as break-glass), approved after the fact once, or given up', async () => {
        const { ref, audit } = await gated('approved', { breakGlass: 'checkout is down' });
        expect(audit).toEqual(['created', 'break-glass']);
        expect((await t.retroApprove(ref, 'UDEV1', T0 + 1, true)).code).toBe('SELF_APPROVAL');
        expect((await t.retroApprove(ref, 'UOTHER', T0 + 2, false)).code).toBe('NOT_AUTHORIZED');
        await t.start(ref, T0 + 3, 2 * HOUR, 'change running', 'lapsed', T0 + 3 + HOUR);
        await t.finish(ref, 'succeeded', 'done', T0 + 4);
        const ok = await t.retroApprove(ref, 'ULEAD1', T0 + 5, true);
        expect(ok.code).toBe('RETRO_APPROVED');
        expect(ok.request).toMatchObject({ state: 'succeeded', retroApprovedAt: T0 + 5, approvals: [{ user: 'ULEAD1', at: T0 + 5 }] });
        expect((await t.retroApprove(ref, 'ULEAD2', T0 + 6, true)).code).toBe('RETRO_DONE');
        expect((await t.retroExpire(ref, T0 + 7, 'x')).code).toBe('RETRO_DONE');

        const other = await gated('approved', { breakGlass: 'again' }, refFor('worker'));
        const given = await t.retroExpire(other.ref, T0 + 8, 'no approval after the fact within 7d');
        expect(given.code).toBe('OK');
        expect(given.request?.retroExpiredAt).toBe(T0 + 8);
        expect((await t.retroApprove(other.ref, 'ULEAD1', T0 + 9, true)).code).toBe('RETRO_DONE');
        const normal = await created(refFor('api'));
        expect((await t.retroApprove({ id: normal.id, environment: ENV, service: 'api' }, 'ULEAD1', T0, true)).code).toBe(
          'NOT_BREAK_GLASS',
        );
      });

      it('finishing a rollback takes the automatic lock in the same step; any requester may acknowledge it', async () => {
        const req = await created(refFor('web'), { approvalsNeeded: 0 });
        const ref = { id: req.id, environment: ENV, service: 'web' };
        await t.start(ref, T0 + 1, 2 * HOUR, 'change running', 'lapsed', T0 + 1 + HOUR);
        const done = await t.finish(ref, 'failed', 'rolled back', T0 + 2, { reason: 'rolled back: circuit breaker' });
        expect(done.code).toBe('OK');
        expect(done.extra.autolocked).toBe('1');
        expect(done.audit.map((a) => a.fields.event)).toEqual(['failed', 'auto-locked']);
        expect(await redis.hgetall(keys.serviceLock(ENV, 'web'))).toMatchObject({ by: 'bot', kind: 'rollback', request: req.id });
        // Until acknowledged, at most 30 days (src/redis/bounds.ts HOLD_TTL_SECONDS): a forgotten lock ends by itself.
        const ttl = await redis.pttl(keys.serviceLock(ENV, 'web'));
        expect(ttl).toBeGreaterThan((HOLD_TTL_SECONDS - 60) * 1000);
        expect(ttl).toBeLessThanOrEqual(HOLD_TTL_SECONDS * 1000);
        expect((await t.create(createInput(refFor('web')))).code).toBe('LOCKED');
        const ack = await t.unlock(ENV, 'web', 'UDEV2', false, T0 + 3); // not the holder, not an approver
        expect(ack.code).toBe('OK');
        expect(ack.audit[0]!.fields).toMatchObject({ event: 'acknowledged', id: req.id, actor: 'UDEV2' });
      });

      it('keeps a manual lock taken during the change instead of the automatic one, and honours a TTL', async () => {
        const a = await created(refFor('web'), { approvalsNeeded: 0 });
        const refA = { id: a.id, environment: ENV, service: 'web' };
        await t.start(refA, T0 + 1, 2 * HOUR, 'change running', 'lapsed', T0 + 1 + HOUR);
        await redis.del(keys.serviceLock(ENV, 'web'));
        await t.lock(ENV, 'web', 'UOPS1', 'hands off', T0 + 2);
        expect((await t.finish(refA, 'failed', 'x', T0 + 3, { reason: 'rolled back' })).extra.autolocked).toBeUndefined();
        expect(await redis.hget(keys.serviceLock(ENV, 'web'), 'by')).toBe('UOPS1');

        const b = await created(refFor('worker'), { approvalsNeeded: 0 });
        const refB = { id: b.id, environment: ENV, service: 'worker' };
        await t.start(refB, T0 + 4, 2 * HOUR, 'change running', 'lapsed', T0 + 4 + HOUR);
        await t.finish(refB, 'failed', 'x', T0 + 5, { reason: 'rolled back', ttlMs: HOUR });
        expect(await redis.pttl(keys.serviceLock(ENV, 'worker'))).toBeGreaterThan(HOUR - 5_000);
      });

      it('lock! takes over a manual or automatic lock, not a running change', async () => {
        const fresh = await t.steal(ENV, 'web', 'UDEV1', 'hotfix', T0);
        expect(fresh.code).toBe('OK');
        expect(Object.keys(fresh.extra).some((k) => k.startsWith('prev.'))).toBe(false);
        const taken = await t.steal(ENV, 'web', 'UDEV2', 'my turn', T0 + 1);
        expect(taken.extra).toMatchObject({ by: 'UDEV2', reason: 'my turn', kind: 'manual', 'prev.by': 'UDEV1', 'prev.reason': 'hotfix' });
        expect(taken.audit[0]!.fields.event).toBe('lock-taken-over');
        expect((await t.autolock(ENV, 'web', 'rolled back', T0 + 2, undefined, 'ecs-svc/1')).code).toBe('ALREADY_LOCKED');
        await t.unlock(ENV, 'web', 'UDEV2', false, T0 + 3);
        expect((await t.autolock(ENV, 'web', 'rolled back', T0 + 4, undefined, 'ecs-svc/1')).code).toBe('OK');
        expect((await t.steal(ENV, 'web', 'UDEV1', 'fixing it', T0 + 5)).extra['prev.kind']).toBe('rollback');
        const req = await created(refFor('worker'), { approvalsNeeded: 0 });
        await t.start({ id: req.id, environment: ENV, service: 'worker' }, T0 + 6, 2 * HOUR, 'change running', 'lapsed', T0 + HOUR);
        expect((await t.steal(ENV, 'worker', 'UDEV1', 'mine', T0 + 7)).code).toBe('CHANGE_RUNNING');
      });

      it('records a traffic-shift press once, with the person as the audit actor', async () => {
        const req = await created(refFor('web'), { approvalsNeeded: 0 });
        const ref = { id: req.id, environment: ENV, service: 'web' };
        expect((await t.press(ref, T0, 'ULEAD1', 'traffic-shifted', 'CONTINUE', 'shift.abc', { action: 'CONTINUE' })).code).toBe(
          'NOT_STARTED',
        );
        await t.start(ref, T0 + 1, 2 * HOUR, 'change running', 'lapsed', T0 + 1 + HOUR);
        const p = await t.press(ref, T0 + 2, 'ULEAD1', 'traffic-shifted', 'CONTINUE at POST_TEST_TRAFFIC_SHIFT', 'shift.abc', {
          action: 'CONTINUE',
        });
        expect(p.code).toBe('OK');
        expect(p.audit[0]!.fields).toMatchObject({ event: 'traffic-shifted', actor: 'ULEAD1' });
        expect(p.request?.execution).toEqual({ 'shift.abc': { action: 'CONTINUE' } });
        expect((await t.press(ref, T0 + 3, 'ULEAD2', 'traffic-shifted', 'again', 'shift.abc', { action: 'CONTINUE' })).code).toBe(
          'UNCHANGED',
        );
      });
    });

    it('works again after the server forgot its scripts (SCRIPT FLUSH: EVALSHA falls back to EVAL)', async () => {
      await created(refFor('web'));
      await redis.script('FLUSH');
      const res = await t.create(createInput(refFor('worker')));
      expect(res.code).toBe('OK');
    });
  });
}

transitionsContract('Lua scripts (src/approvals/lua)', (redis) => luaTransitions(redis));
