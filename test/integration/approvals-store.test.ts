/**
 * The approval store against the real Redis and the local Slack API server: every transition,
 * its refusals, its audit entries, and the races (concurrent approvals, duplicate execute jobs).
 */
import { keys } from '../../src/redis/keys';
import { freezeEnvironment, lockService, unfreezeEnvironment, unlockService } from '../../src/approvals/locks';
import { flushRedis } from '../helpers/redis';
import { storeHarness, submitInput, T0, useStoreHarness } from './approvals-runtime';
import { approveRequest, cancelRequest, checkCanReject, expireDue, rejectRequest } from '../../src/approvals/clicks';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import { finishExecution, recordExecution, runningRequests, setStatusTs, startExecution } from '../../src/approvals/execution';
import { readAudit } from '../../src/approvals/audit';
import { servicesIn } from '../../src/config/load';
import { readGuards } from '../../src/approvals/guards';
import { fixtureConfig, fixtureGroups } from '../helpers/config';
import { refusalOf } from '../helpers/refusal';
import { InvokeError } from '../../src/aws/lambda-invoke';

const HOUR = 3600_000;

const input = submitInput;

describe('approval store (real Redis)', () => {
  const h = useStoreHarness(() => ({ groups: fixtureGroups() }));

  describe('submitRequest', () => {
    it('creates a pending request, posts the request message with buttons and stores its ts', async () => {
      const req = await submitRequest(h.rt, input());
      expect(req).toMatchObject({
        state: 'pending',
        approvalsNeeded: 1,
        requester: 'UDEV1',
        channel: 'CPROD',
        createdAt: T0,
        expiresAt: T0 + HOUR,
      });
      expect(req.id).toMatch(/^prod\.web\.[a-z0-9]+$/);
      const msgs = h.slack.messages('CPROD');
      expect(msgs).toHaveLength(1);
      expect(req.messageTs).toBe(msgs[0]!.ts);
      const actions = JSON.stringify(msgs[0]!.blocks);
      expect(actions).toContain('approval:approve');
      expect(actions).toContain('approval:reject');
      expect(actions).toContain('approval:cancel');
      expect(h.jobs).toHaveLength(0);
      expect(await getRequest(h.rt.redis, req.id)).toEqual(req);
      expect(await h.rt.redis.zscore(keys.pendingIndex('prod', 'web'), req.id)).toBe(String(T0 + HOUR));
    });

    it('audits the creation in the service stream, the environment stream and one JSON log line', async () => {
      const req = await submitRequest(h.rt, input());
      const svc = await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 10 });
      expect(svc.map((e) => e.event)).toEqual(['created']);
      expect(svc[0]).toMatchObject({
        requestId: req.id,
        actor: 'UDEV1',
        verb: 'deploy',
        environment: 'prod',
        service: 'web',
        state: 'pending',
        detail: 'hotfix for checkout',
        at: T0,
      });
      const env = await readAudit(h.rt.redis, 'prod', { services: servicesIn(h.rt.config, 'prod').map((s) => s.alias), limit: 10 });
      expect(env.map((e) => [e.event, e.requestId])).toEqual([['created', req.id]]);
      const lines = h.logs.filter((l) => l.msg === 'audit');
      expect(lines).toEqual([
        expect.objectContaining({
          event: 'created',
          requestId: req.id,
          actor: 'UDEV1',
          environment: 'prod',
          service: 'web',
          state: 'pending',
        }),
      ]);
    });

    it('is idempotent per invocation: the same invocation returns the same request and posts once', async () => {
      const i = input();
      const a = await submitRequest(h.rt, i);
      const b = await submitRequest(h.rt, i);
      expect(b.id).toBe(a.id);
      expect(h.slack.messages('CPROD')).toHaveLength(1);
    });

    it('refuses a second request for a service with a pending one, naming and linking it', async () => {
      const first = await submitRequest(h.rt, input());
      h.clock.advance(3 * 60_000);
      const err = await refusalOf(submitRequest(h.rt, input({ requester: 'UDEV2' })));
      expect(err.code).toBe('CONFLICT');
      expect(err.userMessage).toContain('already a deploy request for `web` waiting for approval');
      expect(err.userMessage).toContain(`https://slack.com/archives/CPROD/p${first.messageTs!.replace('.', '')}`);
      expect(err.userMessage).toContain('<@UDEV1>');
      expect(err.userMessage).toContain('3m ago');
      expect(h.slack.messages('CPROD')).toHaveLength(1);
      // another service is not affected
      await expect(submitRequest(h.rt, input({ service: 'worker' }))).resolves.toMatchObject({ state: 'pending' });
    });

    it('refuses while the environment is frozen, with who, why and since (reason escaped)', async () => {
      await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'release <!channel> freeze');
      h.clock.advance(10 * 60_000);
      const err = await refusalOf(submitRequest(h.rt, input()));
      expect(err.code).toBe('REFUSED');
      expect(err.userMessage).toContain('`prod` is frozen by <@ULEAD1>');
      expect(err.userMessage).toContain('(10m ago)');
      expect(err.userMessage).toContain('release &lt;!channel&gt; freeze');
      expect(err.userMessage).not.toContain('<!channel>');
      expect(err.userMessage).toContain('/ecs unfreeze prod');
      expect(h.slack.messages()).toHaveLength(0);
      expect(await h.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
    });

    it('refuses while the service is locked by hand', async () => {
      await lockService(h.rt, 'prod', 'web', 'UDEV2', 'migrating the DB');
      const err = await refusalOf(submitRequest(h.rt, input()));
      expect(err.code).toBe('REFUSED');
      expect(err.userMessage).toContain('`web` in `prod` is locked by <@UDEV2>');
      expect(err.userMessage).toContain('migrating the DB');
      expect(err.userMessage).toContain('/ecs unlock web');
      expect(await h.rt.redis.zcard(keys.pendingIndex('prod', 'web'))).toBe(0);
    });

    it('creates the request approved and dispatches the execution at once where no approval is needed', async () => {
      const req = await submitRequest(h.rt, input({ environment: 'staging', service: 'web-staging', channel: 'CSTAGING' }));
      expect(req.state).toBe('approved');
      expect(req.approvalsNeeded).toBe(0);
      expect(h.jobs).toEqual([{ kind: 'execute', id: `exec-${req.id}`, requestId: req.id, auth: expect.any(Object) }]);
      const audit = await readAudit(h.rt.redis, 'staging', { service: 'web-staging', limit: 10 });
      expect(audit.map((e) => e.event)).toEqual(['auto-approved', 'created']);
      expect(JSON.stringify(h.slack.messages('CSTAGING')[0]!.blocks)).not.toContain('approval:approve');
    });

    it('fails the request (never leaves it open) when the request message cannot be posted', async () => {
      h.slack.failNext('chat.postMessage', 'channel_not_found');
      const err = await refusalOf(submitRequest(h.rt, input()));
      expect(err.code).toBe('SLACK');
      expect(err.hint).toContain('Invite the bot');
      expect(await h.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
      const [aborted] = await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 1 });
      expect(aborted).toMatchObject({ event: 'aborted', state: 'failed' });
      await expect(submitRequest(h.rt, input())).resolves.toMatchObject({ state: 'pending' });
    });

    it('fails an auto-approved request when the worker cannot be invoked', async () => {
      h.failDispatch.next = true;
      const err = await refusalOf(submitRequest(h.rt, input({ environment: 'staging', service: 'web-staging', channel: 'CSTAGING' })));
      expect(err.code).toBe('INTERNAL');
      const msg = h.slack.messages('CSTAGING')[0]!;
      expect(msg.text).toContain('failed');
      expect(JSON.stringify(msg.blocks)).toContain('the worker could not be invoked');
      expect(await h.rt.redis.exists(keys.activeRequest('staging', 'web-staging'))).toBe(0);
    });

    it('a hand-off whose answer did not come in time, but which the worker started: not failed, not reported as nothing done', async () => {
      // As when the Invoke times out on our side after Lambda queued it and the worker already ran the start script.
      const dispatch = h.rt.dispatcher.dispatch;
      h.rt.dispatcher.dispatch = async (job) => {
        expect(await startExecution(h.rt, String((job as { requestId?: string }).requestId))).toMatchObject({ ok: true });
        throw new InvokeError('Lambda Invoke took longer than 300 ms', true);
      };
      try {
        const req = await submitRequest(h.rt, input({ environment: 'staging', service: 'web-staging', channel: 'CSTAGING' }));
        expect(req.state).toBe('approved');
      } finally {
        h.rt.dispatcher.dispatch = dispatch;
      }
      const stored = await getRequest(h.rt.redis, (await h.rt.redis.get(keys.activeRequest('staging', 'web-staging')))!);
      expect(stored?.state).toBe('running');
      expect(h.logs.map((l) => l.msg)).toContain('approvals: the hand-off was not confirmed in time, but the worker started the change');
    });

    it('expires a pending request past its time that blocks the service, then creates the new one', async () => {
      const old = await submitRequest(h.rt, input());
      h.clock.set(old.expiresAt + 1);
      const fresh = await submitRequest(h.rt, input({ requester: 'UDEV2' }));
      expect(fresh.state).toBe('pending');
      expect((await getRequest(h.rt.redis, old.id))!.state).toBe('expired');
      const oldMsg = h.slack.message('CPROD', old.messageTs!)!;
      expect(JSON.stringify(oldMsg.blocks)).not.toContain('approval:approve');
      expect(oldMsg.text).toContain('expired');
    });

    it('lapses an approved request that never started and that the start-deadline tick did not fail, then creates the new one', async () => {
      const old = await submitRequest(h.rt, input());
      expect((await approveRequest(h.rt, old.id, 'ULEAD1')).ok).toBe(true);
      const approved = (await getRequest(h.rt.redis, old.id))!;
      expect(approved.state).toBe('approved');
      // As if the tick that fails unstarted requests had not run (or had lost the index member):
      await h.rt.redis.zrem(keys.approvedIndex('prod', 'web'), old.id);
      // Before its start deadline it still holds the service…
      await expect(refusalOf(submitRequest(h.rt, input({ requester: 'UDEV2' })))).resolves.toMatchObject({ code: 'CONFLICT' });
      // …after it, the next request for the service lapses it on the way.
      h.clock.set(Number(approved.startBy) + 1);
      const fresh = await submitRequest(h.rt, input({ requester: 'UDEV2', invocationId: 'cmd-after-lapse' }));
      expect(fresh.state).toBe('pending');
      expect((await getRequest(h.rt.redis, old.id))!.state).toBe('failed');
      const [lapsed] = await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 3 }).then((a) => a.filter((e) => e.event === 'lapsed'));
      expect(lapsed).toMatchObject({ requestId: old.id });
    });

    it('answers STORE_UNAVAILABLE when Redis cannot be reached, and posts nothing', async () => {
      const down = await storeHarness({ redisUrl: 'redis://127.0.0.1:1', flush: false });
      try {
        const err = await refusalOf(submitRequest(down.rt, input()));
        expect(err.code).toBe('STORE_UNAVAILABLE');
        expect(err.userMessage).toContain("can't reach the approvals store");
        expect(down.slack.calls).toHaveLength(0);
      } finally {
        await down.close();
      }
    });
  });

  describe('approvals', () => {
    it('refuses the requester, a non-approver, then the first approver approves and the execution is dispatched once', async () => {
      const req = await submitRequest(h.rt, input());
      expect(await approveRequest(h.rt, req.id, 'UDEV1')).toMatchObject({ ok: false, code: 'SELF_APPROVAL' });
      expect(await approveRequest(h.rt, req.id, 'UDEV2')).toMatchObject({ ok: false, code: 'NOT_AUTHORIZED' });
      const ok = await approveRequest(h.rt, req.id, 'ULEAD1');
      expect(ok).toMatchObject({ ok: true, code: 'APPROVED', request: { state: 'approved', approvals: [{ user: 'ULEAD1', at: T0 }] } });
      expect(h.jobs).toEqual([{ kind: 'execute', id: `exec-${req.id}`, requestId: req.id, auth: expect.any(Object) }]);
      const late = await approveRequest(h.rt, req.id, 'ULEAD2');
      expect(late).toMatchObject({ ok: false, code: 'NOT_PENDING' });
      expect(!late.ok && late.message('en')).toContain('already approved by <@ULEAD1>');
      expect(h.jobs).toHaveLength(1);
      const msg = h.slack.message('CPROD', req.messageTs!)!;
      expect(msg.update_count).toBe(1);
      expect(JSON.stringify(msg.blocks)).not.toContain('approval:approve');
      const events = (await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 10 })).map((e) => e.event);
      expect(events).toEqual(['approved', 'created']);
    });

    it('with two approvals at once exactly one approves and one execution is dispatched', async () => {
      for (let round = 0; round < 5; round++) {
        await flushRedis(h.rt.redis);
        h.jobs.length = 0;
        const req = await submitRequest(h.rt, input());
        const results = await Promise.all([approveRequest(h.rt, req.id, 'ULEAD1'), approveRequest(h.rt, req.id, 'ULEAD2')]);
        expect(results.filter((r) => r.ok).map((r) => r.code)).toEqual(['APPROVED']);
        expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(['NOT_PENDING']);
        expect(h.jobs).toHaveLength(1);
      }
    });

    it('needs distinct approvers when more than one approval is required', async () => {
      const cfg = fixtureConfig((doc) => {
        doc.environments.prod.approvals.deploy = 2;
      });
      const two = await storeHarness({ config: cfg, groups: { SLEADS: [] } });
      try {
        const req = await submitRequest(two.rt, input());
        expect(req.approvalsNeeded).toBe(2);
        expect(await approveRequest(two.rt, req.id, 'ULEAD1')).toMatchObject({
          ok: true,
          code: 'APPROVAL_RECORDED',
          request: { state: 'pending' },
        });
        const again = await approveRequest(two.rt, req.id, 'ULEAD1');
        expect(again).toMatchObject({ ok: false, code: 'ALREADY_APPROVED' });
        expect(!again.ok && again.message('en')).toContain('1 so far');
        expect(two.jobs).toHaveLength(0);
        expect(await approveRequest(two.rt, req.id, 'ULEAD2')).toMatchObject({ ok: true, code: 'APPROVED' });
        expect(two.jobs).toHaveLength(1);
        const text = JSON.stringify(two.slack.message('CPROD', req.messageTs!)!.blocks);
        expect(text).toContain('2 of 2');
      } finally {
        await two.close();
      }
    });

    it('re-checks group membership at click time: a user who left the approvers group is refused', async () => {
      const req = await submitRequest(h.rt, input());
      h.slack.setUserGroup('SLEADS', ['UFORMER']);
      h.slack.setUserGroup('SDEVS', []);
      // UOTHER is in no group: refused. (The directory caches per process; a fresh lookup happens here.)
      expect(await approveRequest(h.rt, req.id, 'UOTHER')).toMatchObject({ ok: false, code: 'NOT_AUTHORIZED' });
      expect(await approveRequest(h.rt, req.id, 'UFORMER')).toMatchObject({ ok: true, code: 'APPROVED' });
    });

    it('refuses an approval after expiry and expires the request on the way', async () => {
      const req = await submitRequest(h.rt, input());
      h.clock.set(req.expiresAt);
      const res = await approveRequest(h.rt, req.id, 'ULEAD1');
      expect(res).toMatchObject({ ok: false, code: 'EXPIRED' });
      expect((await getRequest(h.rt.redis, req.id))!.state).toBe('expired');
      expect(h.jobs).toHaveLength(0);
      expect(h.slack.message('CPROD', req.messageTs!)!.text).toContain('expired');
    });

    it('refuses approval while the service is locked or the environment frozen, keeping the request pending', async () => {
      const req = await submitRequest(h.rt, input());
      await lockService(h.rt, 'prod', 'web', 'UDEV2', 'db migration');
      const locked = await approveRequest(h.rt, req.id, 'ULEAD1');
      expect(locked).toMatchObject({ ok: false, code: 'LOCKED' });
      expect(!locked.ok && locked.message('en')).toContain('locked by <@UDEV2>');
      await unlockService(h.rt, 'prod', 'web', 'UDEV2');
      await freezeEnvironment(h.rt, 'prod', 'ULEAD2', 'incident');
      const frozen = await approveRequest(h.rt, req.id, 'ULEAD1');
      expect(frozen).toMatchObject({ ok: false, code: 'FROZEN' });
      expect((await getRequest(h.rt.redis, req.id))!.state).toBe('pending');
      await unfreezeEnvironment(h.rt, 'prod', 'ULEAD2');
      expect(await approveRequest(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: true, code: 'APPROVED' });
    });

    it('answers NOT_FOUND for an unknown or malformed id', async () => {
      expect(await approveRequest(h.rt, 'prod.web.zzzzzzzz', 'ULEAD1')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect(await approveRequest(h.rt, '../../etc', 'ULEAD1')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    });
  });

  describe('reject and cancel', () => {
    it('an approver rejects with a reason; the requester may not reject; nobody approves afterwards', async () => {
      const req = await submitRequest(h.rt, input());
      expect(await checkCanReject(h.rt, req.id, 'UDEV1')).toMatchObject({ ok: false, code: 'SELF_REJECT' });
      expect(await checkCanReject(h.rt, req.id, 'UDEV2')).toMatchObject({ ok: false, code: 'NOT_AUTHORIZED' });
      expect(await checkCanReject(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: true });
      const res = await rejectRequest(h.rt, req.id, 'ULEAD1', 'not during the sale');
      expect(res).toMatchObject({ ok: true, request: { state: 'rejected', decidedBy: 'ULEAD1', decisionReason: 'not during the sale' } });
      const after = await approveRequest(h.rt, req.id, 'ULEAD2');
      expect(!after.ok && after.message('en')).toContain('rejected by <@ULEAD1>: “not during the sale”');
      expect(JSON.stringify(h.slack.message('CPROD', req.messageTs!)!.blocks)).toContain('Rejected');
      await expect(submitRequest(h.rt, input())).resolves.toMatchObject({ state: 'pending' });
    });

    it('only the requester cancels', async () => {
      const req = await submitRequest(h.rt, input());
      const other = await cancelRequest(h.rt, req.id, 'ULEAD1');
      expect(other).toMatchObject({ ok: false, code: 'NOT_REQUESTER' });
      expect(!other.ok && other.message('en')).toContain('Only <@UDEV1>');
      expect(await cancelRequest(h.rt, req.id, 'UDEV1')).toMatchObject({ ok: true, request: { state: 'cancelled', decidedBy: 'UDEV1' } });
      expect(await cancelRequest(h.rt, req.id, 'UDEV1')).toMatchObject({ ok: false, code: 'NOT_PENDING' });
      expect(await h.rt.redis.zscore(keys.pendingIndex('prod', 'web'), req.id)).toBeNull();
    });
  });

  describe('expiry tick', () => {
    it('expires due requests only, removes their buttons and keeps the rest', async () => {
      const a = await submitRequest(h.rt, input());
      h.clock.advance(30 * 60_000);
      const b = await submitRequest(h.rt, input({ service: 'worker' }));
      h.clock.set(a.expiresAt + 1);
      expect(await expireDue(h.rt)).toEqual([a.id]);
      expect((await getRequest(h.rt.redis, a.id))!.state).toBe('expired');
      expect((await getRequest(h.rt.redis, b.id))!.state).toBe('pending');
      const msg = h.slack.message('CPROD', a.messageTs!)!;
      expect(JSON.stringify(msg.blocks)).not.toContain('approval:approve');
      expect(JSON.stringify(msg.blocks)).toContain('Expired');
      expect(await expireDue(h.rt)).toEqual([]);
      const [latest] = await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 1 });
      expect(latest).toMatchObject({ event: 'expired', actor: 'bot' });
    });
  });

  describe('execution', () => {
    async function approved(): Promise<string> {
      const req = await submitRequest(h.rt, input());
      await approveRequest(h.rt, req.id, 'ULEAD1');
      return req.id;
    }

    it('starts exactly once when the execute job arrives twice at the same time, taking the change lock', async () => {
      const id = await approved();
      const [a, b] = await Promise.all([startExecution(h.rt, id), startExecution(h.rt, id)]);
      expect([a.ok, b.ok].sort()).toEqual([false, true]);
      const refused = (a.ok ? b : a) as { ok: false; code: string };
      expect(refused.code).toBe('ALREADY_RUNNING');
      const guards = await readGuards(h.rt.redis, 'prod', ['web']);
      expect(guards.locks.web).toMatchObject({ kind: 'change', request: id, by: 'UDEV1' });
      expect((await runningRequests(h.rt)).map((r) => r.id)).toEqual([id]);
      // a manual lock cannot take over, nor can the change lock be unlocked by hand
      await expect(lockService(h.rt, 'prod', 'web', 'UDEV2', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(unlockService(h.rt, 'prod', 'web', 'ULEAD1')).rejects.toMatchObject({ code: 'REFUSED' });
    });

    it('records facts idempotently and marks the ECS deployment as the bot’s', async () => {
      const id = await approved();
      await startExecution(h.rt, id);
      await recordExecution(
        h.rt,
        id,
        { deploymentId: 'ecs-svc/123', serviceDeploymentArn: 'arn:aws:ecs:eu-west-1:2:service-deployment/prod/web-prod/abc' },
        'service updated',
      );
      const before = await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 50 });
      const again = await recordExecution(h.rt, id, { deploymentId: 'ecs-svc/123' }, 'service updated');
      expect(await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 50 })).toHaveLength(before.length);
      expect(again.execution).toEqual({
        deploymentId: 'ecs-svc/123',
        serviceDeploymentArn: 'arn:aws:ecs:eu-west-1:2:service-deployment/prod/web-prod/abc',
      });
      expect(await h.rt.redis.get(keys.botDeployment('ecs-svc/123'))).toBe(id);
      expect(await h.rt.redis.ttl(keys.botDeployment('ecs-svc/123'))).toBeGreaterThan(13 * 24 * 3600);
      await recordExecution(h.rt, id, { nested: { a: [1, 2], b: null } });
      expect((await getRequest(h.rt.redis, id))!.execution!.nested).toEqual({ a: [1, 2], b: null });
    });

    it('finishes once, releases the lock and the service, and updates the message', async () => {
      const id = await approved();
      await startExecution(h.rt, id);
      await setStatusTs(h.rt, id, '1700000000.000999');
      h.clock.advance(5 * 60_000);
      const done = await finishExecution(h.rt, id, 'succeeded', 'rolled out `web:42`');
      expect(done).toMatchObject({
        state: 'succeeded',
        statusTs: '1700000000.000999',
        finishedAt: h.clock.now(),
        decisionReason: 'rolled out `web:42`',
      });
      expect(await finishExecution(h.rt, id, 'succeeded', 'again')).toMatchObject({
        state: 'succeeded',
        decisionReason: 'rolled out `web:42`',
      });
      await expect(finishExecution(h.rt, id, 'failed', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await readGuards(h.rt.redis, 'prod', ['web'])).locks.web).toBeUndefined();
      expect(await runningRequests(h.rt)).toEqual([]);
      const req = (await getRequest(h.rt.redis, id))!;
      expect(h.slack.message('CPROD', req.messageTs!)!.text).toContain('succeeded');
      await expect(submitRequest(h.rt, input())).resolves.toMatchObject({ state: 'pending' });
    });

    it('does not start a request that is not approved', async () => {
      const req = await submitRequest(h.rt, input());
      const res = await startExecution(h.rt, req.id);
      expect(res).toMatchObject({ ok: false, code: 'NOT_APPROVED' });
      expect(await startExecution(h.rt, 'prod.web.nope')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect(await runningRequests(h.rt)).toEqual([]);
    });

    it('fails an approved request instead of starting it when the service was locked or the environment frozen since', async () => {
      const id = await approved();
      await lockService(h.rt, 'prod', 'web', 'UDEV2', 'hands off');
      const res = await startExecution(h.rt, id);
      expect(res).toMatchObject({ ok: false, code: 'LOCKED' });
      expect(!res.ok && res.message('en')).toContain('locked by <@UDEV2>');
      const failed = (await getRequest(h.rt.redis, id))!;
      expect(failed).toMatchObject({ state: 'failed' });
      expect(failed.decisionReason).toContain('was locked by <@UDEV2>');
      // the manual lock is untouched
      expect((await readGuards(h.rt.redis, 'prod', ['web'])).locks.web).toMatchObject({ kind: 'manual', by: 'UDEV2' });

      await unlockService(h.rt, 'prod', 'web', 'UDEV2');
      const id2 = await approved();
      await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');
      expect(await startExecution(h.rt, id2)).toMatchObject({ ok: false, code: 'FROZEN' });
      expect((await getRequest(h.rt.redis, id2))!.state).toBe('failed');
      // Each said once in its request's thread too (a second start of the same request says nothing more).
      expect(await startExecution(h.rt, id2)).toMatchObject({ ok: false });
      const notes = h.slack.callsTo('chat.postMessage').map((c) => String(c.body.text ?? ''));
      expect(notes.filter((t) => t.startsWith('Not started: `web` was locked by <@UDEV2>'))).toHaveLength(1);
      expect(notes.filter((t) => t.startsWith('Not started: `prod` was frozen by <@ULEAD1>'))).toHaveLength(1);
    });

    it('a running duplicate job is not failed by a freeze that came later', async () => {
      const id = await approved();
      expect((await startExecution(h.rt, id)).ok).toBe(true);
      await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'incident');
      expect(await startExecution(h.rt, id)).toMatchObject({ ok: false, code: 'ALREADY_RUNNING' });
      expect((await getRequest(h.rt.redis, id))!.state).toBe('running');
    });

    it('replaces a stale change lock left by a run that never finished', async () => {
      const first = await approved();
      await startExecution(h.rt, first);
      // the run vanished: its request is gone (e.g. the store lost it), the change lock stayed
      await h.rt.redis.del(keys.request('prod', 'web', first), keys.activeRequest('prod', 'web'));
      const second = await approved();
      const res = await startExecution(h.rt, second);
      expect(res.ok).toBe(true);
      expect((await readGuards(h.rt.redis, 'prod', ['web'])).locks.web).toMatchObject({ kind: 'change', request: second });
    });
  });

  describe('locks and freezes', () => {
    it('lock, refuse a second lock, unlock by the holder', async () => {
      const g = await lockService(h.rt, 'prod', 'web', 'UDEV1', 'migrating');
      expect(g).toMatchObject({ by: 'UDEV1', reason: 'migrating', since: T0, kind: 'manual' });
      await expect(lockService(h.rt, 'prod', 'web', 'UDEV2', undefined)).rejects.toMatchObject({
        code: 'CONFLICT',
        userMessage: expect.stringContaining('already locked by <@UDEV1>'),
      });
      await expect(unlockService(h.rt, 'prod', 'web', 'UDEV1')).resolves.toMatchObject({ by: 'UDEV1' });
      await expect(unlockService(h.rt, 'prod', 'web', 'UDEV1')).rejects.toMatchObject({
        code: 'CONFLICT',
        userMessage: expect.stringContaining('not locked'),
      });
      const events = (await readAudit(h.rt.redis, 'prod', { service: 'web', limit: 10 })).map((e) => [e.event, e.actor]);
      expect(events).toEqual([
        ['unlocked', 'UDEV1'],
        ['locked', 'UDEV1'],
      ]);
    });

    it("unlocking someone else's lock needs an approver", async () => {
      await lockService(h.rt, 'prod', 'web', 'UDEV1', 'migrating');
      const err = await refusalOf(unlockService(h.rt, 'prod', 'web', 'UDEV2'));
      expect(err.code).toBe('FORBIDDEN');
      expect(err.userMessage).toContain('Only <@UDEV1> or an approver can unlock it');
      await expect(unlockService(h.rt, 'prod', 'web', 'ULEAD2')).resolves.toMatchObject({ by: 'UDEV1' });
    });

    it('freeze and unfreeze are audited in the environment stream', async () => {
      await freezeEnvironment(h.rt, 'prod', 'ULEAD1', 'sale');
      await expect(freezeEnvironment(h.rt, 'prod', 'ULEAD2', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
      await unfreezeEnvironment(h.rt, 'prod', 'ULEAD2');
      await expect(unfreezeEnvironment(h.rt, 'prod', 'ULEAD2')).rejects.toMatchObject({
        userMessage: expect.stringContaining('not frozen'),
      });
      const env = await readAudit(h.rt.redis, 'prod', { services: servicesIn(h.rt.config, 'prod').map((s) => s.alias), limit: 10 });
      expect(env.map((e) => [e.event, e.actor, e.detail])).toEqual([
        ['unfrozen', 'ULEAD2', 'freeze of ULEAD1: sale'],
        ['frozen', 'ULEAD1', 'sale'],
      ]);
      expect(h.logs.filter((l) => l.msg === 'audit').map((l) => l.event)).toEqual(['frozen', 'unfrozen']);
    });
  });
});
