/**
 * What `/ecs cost` may spend (src/commands/cost-spend.ts), against the real Redis: identical
 * requests in flight share one Cost Explorer call (and its failure), and each call counts against
 * the hour's budget of the person and of the workspace.
 */
import { LimitExceededException, type CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { BotError } from '../../src/errors';
import { costFailureError, costFailureOf, getCostAndUsage, readCostFailure } from '../../src/aws/cost-explorer';
import { spendOnce, spendOneCall } from '../../src/commands/cost-spend';
import { withBudget } from '../../src/aws/budget';
import { keys } from '../../src/redis/keys';
import { fixtureConfig } from '../helpers/config';
import { storeHarness, T0, type StoreHarness } from './approvals-runtime';

const HOUR = 3_600_000;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Cost Explorer call that takes `ms` and counts how often it was made. */
function slowCall<T>(value: T, ms = 300): { calls: number; fetch: () => Promise<T> } {
  const c = {
    calls: 0,
    fetch: async () => {
      c.calls++;
      await delay(ms);
      return value;
    },
  };
  return c;
}

describe('cost spend', () => {
  let h: StoreHarness;
  beforeEach(async () => {
    h = await storeHarness({
      config: fixtureConfig((doc) => {
        doc.limits = { costCallsPerUserPerHour: 3, costCallsPerHour: 5 };
      }),
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it('20 identical requests at once make one call; all get its answer, one of them fresh', async () => {
    const call = slowCall({ total: 42 });
    const users = Array.from({ length: 20 }, (_, i) => `U${i}`);
    const answers = await Promise.all(users.map((u) => spendOnce(h.rt, u, 'h-same', call.fetch)));
    expect(call.calls).toBe(1);
    expect(answers.map((a) => a.data)).toEqual(users.map(() => ({ total: 42 })));
    expect(answers.filter((a) => !a.cached)).toHaveLength(1);
    // Counted once, against the one who asked it.
    const budget = await h.rt.redis.hgetall(keys.costBudget('2025-11-25T13'));
    expect(budget.all).toBe('1');
    // Nothing left in flight.
    expect(await h.rt.redis.exists(keys.costFlight('h-same'))).toBe(0);
  });

  it('a failure answers the requests that waited for it, and only them: the next question asks again', async () => {
    let calls = 0;
    // Through the adapter, as /ecs cost calls it: AWS's throttling becomes the bot's own answer.
    const ce = {
      send: async () => {
        calls++;
        await delay(300);
        throw new LimitExceededException({ message: 'Rate exceeded', $metadata: { requestId: 'req-42' } });
      },
    } as unknown as CostExplorerClient;
    const throttled = () =>
      getCostAndUsage(ce, { TimePeriod: { Start: '2025-05-01', End: '2025-05-18' }, Granularity: 'DAILY', Metrics: [] });
    const settled = await Promise.allSettled(['U1', 'U2', 'U3', 'U4'].map((u) => spendOnce(h.rt, u, 'h-fail', throttled)));
    expect(calls).toBe(1);
    const errors = settled.map((s) => (s.status === 'rejected' ? (s.reason as BotError) : undefined));
    expect(errors.map((e) => e?.code)).toEqual(Array(4).fill('AWS_THROTTLED'));
    // Each waiting caller reads it in whichever language they read: the failure was kept in none.
    for (const e of errors) {
      expect(e!.userMessageIn('en')).toBe(
        'AWS is throttling requests (`LimitExceededException`) while I tried to read costs from Cost Explorer. I retried with backoff; try again in a minute.',
      );
      expect(e!.userMessageIn('ko')).toBe(
        'Cost Explorer 비용 조회 중 AWS가 요청을 제한하고 있습니다(`LimitExceededException`). 간격을 두고 재시도했으니 1분 뒤에 다시 시도하세요.',
      );
    }
    // What the failed call left for them (for a few seconds): a reason and its parameters, in no language.
    expect(await h.rt.redis.get(keys.costFlight('h-fail'))).toMatch(
      /^failed:[0-9a-f]{16}:\{"code":"AWS_THROTTLED","reason":"throttled","name":"LimitExceededException"\}$/,
    );

    const later = slowCall({ total: 1 }, 10);
    expect((await spendOnce(h.rt, 'U1', 'h-fail', later.fetch)).data).toEqual({ total: 1 });
    expect(later.calls).toBe(1);
  });

  it('a timeout through the adapter is kept with the seconds AWS was waited for (from the call budget), for the callers that waited', async () => {
    const ce = {
      send: async () => {
        await delay(300);
        throw Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
      },
    } as unknown as CostExplorerClient;
    const err = await withBudget(10_000, () =>
      getCostAndUsage(ce, { TimePeriod: { Start: '2025-05-01', End: '2025-05-18' }, Granularity: 'DAILY', Metrics: [] }),
    ).catch((e: unknown) => e as BotError);
    expect((err as BotError).code).toBe('AWS_TIMEOUT');
    expect(costFailureOf(err)).toEqual({ code: 'AWS_TIMEOUT', reason: 'timeout', s: 1 });
    expect(costFailureError(costFailureOf(err)).userMessageIn('en')).toBe(
      'AWS did not answer within 1 s while I tried to read costs from Cost Explorer.',
    );
  });

  it('a stored failure is read back with well-formed parameters only: no text of its own reaches a reader', () => {
    expect(readCostFailure({ code: 'AWS', reason: 'unknown', name: '<!channel> at Object.<anonymous> (/var/task/worker.js:1:2)' })).toEqual(
      {
        code: 'AWS',
        reason: 'unknown',
      },
    );
    expect(readCostFailure({ code: 'AWS', reason: 'english text' })).toBeUndefined();
    const unknown = costFailureError({ code: 'AWS', reason: 'unknown', name: 'InternalServerException' });
    expect(unknown.userMessageIn('ko')).toBe('Cost Explorer가 응답하지 못했습니다 (`InternalServerException`).');
    expect(unknown.hintIn('ko')).toContain('1분 뒤에 다시 시도하세요');
    const role = costFailureError({
      code: 'AWS_ACCESS_DENIED',
      reason: 'accessDenied',
      perm: 'ce:GetCostAndUsage',
      role: 'arn:aws:iam::222222222222:role/chatops-target',
    });
    expect(role.userMessageIn('ko')).toContain(
      '계정 `222222222222`의 역할 `arn:aws:iam::222222222222:role/chatops-target`에 `ce:GetCostAndUsage` 권한이 필요합니다',
    );
    expect(role.hintIn('ko')).toContain('대상 계정의 그 역할에 추가하세요');
    const slow = costFailureError({ code: 'AWS_TIMEOUT', reason: 'timeout', s: 10 });
    expect(slow.userMessageIn('ko')).toBe('Cost Explorer 비용 조회 중 AWS가 10초 안에 응답하지 않았습니다.');
    expect(slow.userMessageIn('en')).toBe('AWS did not answer within 10 s while I tried to read costs from Cost Explorer.');
    // Anything but a mapped AWS failure (a bug, say) leaves no words of its own.
    expect(costFailureOf(new TypeError('x is undefined'))).toEqual({ code: 'AWS', reason: 'unknown' });
  });

  it('a cached answer costs nothing; each fresh call counts; the person’s budget refuses the 4th with the time it resets', async () => {
    for (const hash of ['a', 'b', 'c']) await spendOnce(h.rt, 'UDEV1', hash, slowCall(hash, 1).fetch);
    // The same three again: from the cache, not counted.
    for (const hash of ['a', 'b', 'c']) expect((await spendOnce(h.rt, 'UDEV1', hash, slowCall('x', 1).fetch)).cached).toBe(true);
    const fourth = slowCall('d', 1);
    const refused = await spendOnce(h.rt, 'UDEV1', 'd', fourth.fetch).catch((e: unknown) => e as BotError);
    expect(fourth.calls).toBe(0);
    expect(refused).toBeInstanceOf(BotError);
    expect((refused as BotError).code).toBe('REFUSED');
    expect((refused as BotError).userMessage).toContain('You have used this hour’s Cost Explorer budget:* 3 of 3 calls');
    expect((refused as BotError).userMessage).toContain(`<!date^${(T0 + HOUR) / 1000}^{time}|`);
    expect((refused as BotError).hint).toContain('limits.costCallsPerUserPerHour');
    // Someone else still may; and a refusal leaves nothing in flight for them.
    expect((await spendOnce(h.rt, 'UDEV2', 'd', fourth.fetch)).data).toBe('d');
    // The next hour starts afresh.
    h.clock.advance(HOUR);
    expect((await spendOnce(h.rt, 'UDEV1', 'e', slowCall('e', 1).fetch)).data).toBe('e');
  });

  it('the workspace budget refuses everyone once spent, and says whose budget it is', async () => {
    for (const [user, hash] of [
      ['U1', '1'],
      ['U2', '2'],
      ['U3', '3'],
      ['U4', '4'],
      ['U5', '5'],
    ] as const)
      await spendOnce(h.rt, user, hash, slowCall(hash, 1).fetch);
    const refused = await spendOneCall(h.rt, 'U6').catch((e: unknown) => e as BotError);
    expect((refused as BotError).userMessage).toContain('This workspace has used this hour’s Cost Explorer budget:* 5 of 5 calls');
    expect((refused as BotError).hint).toContain('limits.costCallsPerHour');
    expect(await h.rt.redis.ttl(keys.costBudget('2025-11-25T13'))).toBeGreaterThan(3600);
  });

  it("the refusal is written in its reader's language (a Korean reader, in a Korean workspace too)", async () => {
    await h.close();
    h = await storeHarness({
      config: fixtureConfig((doc) => {
        doc.slack = { ...doc.slack, language: 'ko' };
        doc.limits = { costCallsPerUserPerHour: 1, costCallsPerHour: 5 };
      }),
    });
    await spendOneCall(h.rt, 'U1');
    const refused = (await spendOneCall(h.rt, 'U1').catch((e: unknown) => e)) as BotError;
    // Written where it becomes a reply (errorReply), in the asker's language: not fixed to the workspace's.
    expect(refused.userMessageIn('ko')).toContain('이번 시간의 Cost Explorer 예산을 모두 썼습니다');
    expect(refused.userMessageIn('en')).toContain('You have used this hour’s Cost Explorer budget');
  });

  it('without Redis the call goes straight to Cost Explorer (unshared, uncounted)', async () => {
    await h.close();
    h = await storeHarness({ redisUrl: 'redis://127.0.0.1:1', flush: false });
    const call = slowCall({ total: 7 }, 1);
    const got = await spendOnce(h.rt, 'U1', 'h-down', call.fetch);
    expect(got).toMatchObject({ data: { total: 7 }, cached: false });
    expect(call.calls).toBe(1);
  });
});
