/**
 * An approving click whose reply is lost (Redis failed over or timed out after running the
 * script; ioredis may also resend it): the request is approved in Redis (and its hand-off claimed
 * by the script) but the bot never handed it to the worker. Clicking again once the claim is older
 * than HAND_OFF_REPEAT_MS hands it off (once per click, and the start script runs it once); if
 * nobody clicks, the start-deadline tick fails it instead of leaving the service blocked. The old
 * scheme's leftover (an approved request still in the legacy pending index) is lapsed by the expiry
 * tick once its start deadline has passed, else handed to the start-deadline tick.
 */
import { approveRequest, expireDue, lapseDue } from '../../src/approvals/clicks';
import { startExecution } from '../../src/approvals/execution';
import { parseRequestId } from '../../src/approvals/ids';
import { HAND_OFF_REPEAT_MS, luaTransitions } from '../../src/approvals/transitions';
import { getRequest, submitRequest, type SubmitInput } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import { type StoreHarness, useStoreHarness } from './approvals-runtime';
import { fixtureGroups } from '../helpers/config';

const HOUR = 3600_000;
const MIN = 60_000;

/** The event of prod/web's newest audit entry. */
async function lastAuditEvent(h: StoreHarness): Promise<string | undefined> {
  const [[, last]] = (await h.rt.redis.xrevrange(keys.serviceAudit('prod', 'web'), '+', '-', 'COUNT', 1)) as [[string, string[]]];
  return last[last.indexOf('event') + 1];
}

/** The texts of the request's thread replies. */
function threadTexts(h: StoreHarness, req: { channel: string; messageTs?: string }): string[] {
  return h.slack
    .messages(req.channel)
    .filter((m) => m.thread_ts === req.messageTs && m.ts !== req.messageTs)
    .map((m) => `${m.text ?? ''} ${JSON.stringify(m.blocks ?? [])}`);
}
let n = 0;
function input(): SubmitInput {
  n += 1;
  return {
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: { verb: 'deploy', image: 'shop/web@sha256:' + 'b'.repeat(64), tag: 'v2' },
    summary: 'Deploy `v2` to *web*',
    requester: 'UDEV1',
    channel: 'CPROD',
    invocationId: `lost-${n}`,
  };
}

/** The approve script runs in Redis, the bot never sees its reply. */
async function approveReplyLost(h: StoreHarness, id: string, user: string): Promise<void> {
  const reply = await luaTransitions(h.rt.redis).approve(parseRequestId(id)!, user, h.clock.now(), true, 10 * 60_000);
  expect(reply.code).toBe('APPROVED');
}

describe('an approving click whose reply was lost', () => {
  const h = useStoreHarness(() => ({ groups: fixtureGroups() }));

  it('is handed off when the approver clicks again, and runs once', async () => {
    const req = await submitRequest(h.rt, input());
    await approveReplyLost(h, req.id, 'ULEAD1');
    expect(h.jobs).toHaveLength(0);

    // Right after the approval, a repeat is taken for a double click: the approving click hands off.
    expect(await approveRequest(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: false, code: 'NOT_PENDING' });
    expect(h.jobs).toHaveLength(0);
    h.clock.advance(HAND_OFF_REPEAT_MS);
    const again = await approveRequest(h.rt, req.id, 'ULEAD1');
    expect(again).toMatchObject({ ok: true, code: 'APPROVED' });
    expect(h.jobs).toEqual([expect.objectContaining({ kind: 'execute', id: `exec-${req.id}`, requestId: req.id })]);
    // The approve script moved it between its service's indexes itself.
    expect(await h.rt.redis.zscore(keys.pendingIndex('prod', 'web'), req.id)).toBeNull();
    expect(await h.rt.redis.zscore(keys.approvedIndex('prod', 'web'), req.id)).not.toBeNull();
    // A second repeat right after this one hands nothing off again.
    expect(await approveRequest(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: false, code: 'NOT_PENDING' });
    expect(h.jobs).toHaveLength(1);
    // The message lost its buttons.
    expect(JSON.stringify(h.slack.message('CPROD', req.messageTs!)!.blocks)).not.toContain('approval:approve');

    // Someone else's click changes nothing and hands nothing off.
    const other = await approveRequest(h.rt, req.id, 'ULEAD2');
    expect(other).toMatchObject({ ok: false, code: 'NOT_PENDING' });
    expect(h.jobs).toHaveLength(1);

    // However many execute jobs arrive, it starts once.
    const starts = await Promise.all([startExecution(h.rt, req.id), startExecution(h.rt, req.id)]);
    expect(starts.filter((s) => s.ok)).toHaveLength(1);
    // Once running, a click hands nothing off.
    expect(await approveRequest(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: false, code: 'NOT_PENDING' });
    expect(h.jobs).toHaveLength(1);
  });

  it('the same click resent by ioredis (the reply to its first run lost) hands it off; another click then does not', async () => {
    const req = await submitRequest(h.rt, input());
    const x = luaTransitions(h.rt.redis);
    const ref = parseRequestId(req.id)!;
    expect((await x.approve(ref, 'ULEAD1', h.clock.now(), true, 10 * 60_000, 'click-1')).code).toBe('APPROVED');
    // The resend: same script, same arguments.
    expect(await x.approve(ref, 'ULEAD1', h.clock.now(), true, 10 * 60_000, 'click-1')).toMatchObject({
      code: 'NOT_PENDING',
      extra: { handoff: '1' },
    });
    // A different click of the same approver right after it: a double click, nothing to hand off.
    expect((await x.approve(ref, 'ULEAD1', h.clock.now(), true, 10 * 60_000, 'click-2')).extra).toEqual({});
  });

  it('a repeat of an approving click whose reply arrived hands nothing off again', async () => {
    const req = await submitRequest(h.rt, input());
    expect(await approveRequest(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: true, code: 'APPROVED' });
    const repeats = await Promise.all([1, 2, 3].map(() => approveRequest(h.rt, req.id, 'ULEAD1')));
    expect(repeats.map((r) => r.code)).toEqual(['NOT_PENDING', 'NOT_PENDING', 'NOT_PENDING']);
    expect(h.jobs).toHaveLength(1);
    // Later repeats may hand it off again, once per HAND_OFF_REPEAT_MS, however many come at once.
    h.clock.advance(HAND_OFF_REPEAT_MS);
    const later = await Promise.all([1, 2, 3].map(() => approveRequest(h.rt, req.id, 'ULEAD1')));
    expect(later.map((r) => r.code).sort()).toEqual(['APPROVED', 'NOT_PENDING', 'NOT_PENDING']);
    expect(h.jobs).toHaveLength(2);
  });

  it('is failed by the start-deadline tick when nobody clicks again, which frees the service', async () => {
    const req = await submitRequest(h.rt, input());
    await approveReplyLost(h, req.id, 'ULEAD1');
    h.clock.advance(2 * HOUR);
    expect(await expireDue(h.rt)).toEqual([]);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'failed' });
    expect(h.jobs).toHaveLength(0);
    expect(await h.rt.redis.get(keys.activeRequest('prod', 'web'))).toBeNull();
    expect((await submitRequest(h.rt, input())).state).toBe('pending');
  });

  it('left in the legacy pending index by the old scheme (its write after the script lost), the expiry tick re-indexes it and the start-deadline tick fails it', async () => {
    const req = await submitRequest(h.rt, input());
    await approveReplyLost(h, req.id, 'ULEAD1');
    // The old scheme: the pending index member was removed by the write after the script, which was lost.
    await h.rt.redis.zrem(keys.approvedIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyPendingIndex(), req.expiresAt, req.id);
    // Its approval is still valid at its expiry (startBy later): never aborted then.
    const { startBy } = (await getRequest(h.rt.redis, req.id))!;
    h.clock.set(Math.max(req.expiresAt, startBy! - 1000));
    expect(await expireDue(h.rt)).toEqual([]);
    expect(await h.rt.redis.exists(keys.legacyPendingIndex())).toBe(0);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'approved' });
    expect(Number(await h.rt.redis.zscore(keys.approvedIndex('prod', 'web'), req.id))).toBe(startBy);
    h.clock.set(startBy! + 1);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    expect(h.jobs).toHaveLength(0);
    expect(await h.rt.redis.get(keys.activeRequest('prod', 'web'))).toBeNull();
  });

  it('left in the legacy pending index without a start deadline (written before startBy existed), the expiry tick lapses it like the start-deadline tick', async () => {
    const req = await submitRequest(h.rt, input());
    await approveReplyLost(h, req.id, 'ULEAD1');
    await h.rt.redis.hdel(keys.request('prod', 'web', req.id), 'startBy');
    await h.rt.redis.zrem(keys.approvedIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyPendingIndex(), req.expiresAt, req.id);
    h.clock.advance(2 * HOUR);
    expect(await expireDue(h.rt)).toEqual([]);
    expect(await h.rt.redis.exists(keys.legacyPendingIndex())).toBe(0);
    const after = await getRequest(h.rt.redis, req.id);
    expect(after).toMatchObject({ state: 'failed' });
    expect(after!.decisionReason).toContain('not started within 10m of the approval');
    expect(h.jobs).toHaveLength(0);
    expect(await h.rt.redis.get(keys.activeRequest('prod', 'web'))).toBeNull();
    // Audited as a lapse (its start deadline passed), not as an abort; its thread says it never started.
    expect(await lastAuditEvent(h)).toBe('lapsed');
    expect(threadTexts(h, req).join('\n')).toContain('never started');
    // The service takes a new request.
    expect((await submitRequest(h.rt, input())).state).toBe('pending');
  });

  /**
   * A request approved a minute before it would have expired (its hand-off may still be under way), as
   * an older version stored it: no startBy, indexed only in the legacy pending index.
   */
  async function approvedJustBeforeExpiryInLegacyIndex() {
    const req = await submitRequest(h.rt, input());
    h.clock.set(req.expiresAt - MIN);
    await approveReplyLost(h, req.id, 'ULEAD1');
    await h.rt.redis.hdel(keys.request('prod', 'web', req.id), 'startBy');
    await h.rt.redis.zrem(keys.approvedIndex('prod', 'web'), req.id);
    await h.rt.redis.zadd(keys.legacyPendingIndex(), req.expiresAt, req.id);
    return { req, approvedAt: (await getRequest(h.rt.redis, req.id))!.approvedAt! };
  }

  it('left in the legacy pending index without a start deadline, approved just before its expiry: not failed while its approval is valid, so its job arriving in time starts it', async () => {
    const { req, approvedAt } = await approvedJustBeforeExpiryInLegacyIndex();

    h.clock.set(req.expiresAt);
    expect(await expireDue(h.rt)).toEqual([]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'approved' });
    expect(await h.rt.redis.exists(keys.legacyPendingIndex())).toBe(0);
    // Handed to the start-deadline tick: in the legacy approved index, by when it lapses.
    expect(Number(await h.rt.redis.zscore(keys.legacyApprovedIndex(), req.id))).toBe(approvedAt + 10 * MIN);
    // Its job arrives in time: it starts.
    h.clock.set(approvedAt + 5 * MIN);
    expect((await startExecution(h.rt, req.id)).ok).toBe(true);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'running' });
  });

  it('left in the legacy pending index without a start deadline, approved just before its expiry and never started: lapsed by the start-deadline tick', async () => {
    const { req, approvedAt } = await approvedJustBeforeExpiryInLegacyIndex();
    h.clock.set(req.expiresAt);
    expect(await expireDue(h.rt)).toEqual([]);

    h.clock.set(approvedAt + 10 * MIN);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'failed' });
    expect(await h.rt.redis.exists(keys.legacyApprovedIndex())).toBe(0);
    expect(await lastAuditEvent(h)).toBe('lapsed');
    expect(await h.rt.redis.get(keys.activeRequest('prod', 'web'))).toBeNull();
  });
});
