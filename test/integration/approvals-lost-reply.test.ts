/**
 * An approving click whose reply is lost (Redis failed over or timed out after running the
 * script; ioredis may also resend it): the request is approved in Redis but the bot never handed
 * it to the worker. Clicking again hands it off (once per click, and the start script runs it
 * once); if nobody clicks, the expiry tick fails it instead of leaving the service blocked.
 */
import { approveRequest, expireDue } from '../../src/approvals/clicks';
import { startExecution } from '../../src/approvals/execution';
import { parseRequestId } from '../../src/approvals/ids';
import { luaTransitions } from '../../src/approvals/transitions';
import { getRequest, submitRequest, type SubmitInput } from '../../src/approvals/workflow';
import { keys } from '../../src/redis/keys';
import { useWorkerDb } from '../helpers/redis';
import { storeHarness, type StoreHarness } from './approvals-runtime';
import { fixtureGroups } from '../helpers/config';

const HOUR = 3600_000;
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
  let h: StoreHarness;
  beforeAll(() => {
    useWorkerDb();
  });
  beforeEach(async () => {
    h = await storeHarness({ groups: fixtureGroups() });
  });
  afterEach(async () => {
    await h.close();
  });

  it('is handed off when the approver clicks again, and runs once', async () => {
    const req = await submitRequest(h.rt, input());
    await approveReplyLost(h, req.id, 'ULEAD1');
    expect(h.jobs).toHaveLength(0);

    const again = await approveRequest(h.rt, req.id, 'ULEAD1');
    expect(again).toMatchObject({ ok: true, code: 'APPROVED' });
    expect(h.jobs).toEqual([expect.objectContaining({ kind: 'execute', id: `exec-${req.id}`, requestId: req.id })]);
    expect(await h.rt.redis.zscore(keys.pendingByExpiry(), req.id)).toBeNull();
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

  it('a repeat of an approving click whose reply arrived hands nothing off again', async () => {
    const req = await submitRequest(h.rt, input());
    expect(await approveRequest(h.rt, req.id, 'ULEAD1')).toMatchObject({ ok: true, code: 'APPROVED' });
    const repeats = await Promise.all([1, 2, 3].map(() => approveRequest(h.rt, req.id, 'ULEAD1')));
    expect(repeats.map((r) => r.code)).toEqual(['NOT_PENDING', 'NOT_PENDING', 'NOT_PENDING']);
    expect(h.jobs).toHaveLength(1);
  });

  it('is failed by the expiry tick when nobody clicks again, which frees the service', async () => {
    const req = await submitRequest(h.rt, input());
    await approveReplyLost(h, req.id, 'ULEAD1');
    h.clock.advance(2 * HOUR);
    expect(await expireDue(h.rt)).toEqual([]);
    const after = await getRequest(h.rt.redis, req.id);
    expect(after).toMatchObject({ state: 'failed' });
    expect(after!.decisionReason ?? JSON.stringify(after)).toContain('hand-off to the worker was lost');
    expect(h.jobs).toHaveLength(0);
    expect(await h.rt.redis.get(keys.activeRequest('prod', 'web'))).toBeNull();
    // The service takes a new request.
    expect((await submitRequest(h.rt, input())).state).toBe('pending');
  });
});
