import { explainEcsReason } from '../../src/aws/ecs-reasons';
import { endedFact, factsSchema } from '../../src/deploy/tracker';
import { factPairs } from '../../src/approvals/model';
import { REQUEST_FACT_MAX_BYTES } from '../../src/redis/bounds';
import { deployPlanAt, tdArn } from '../helpers/aws-fixtures';

const tdArnOf = (rev: number) => tdArn('web-prod', rev);

const view = (reasons: string[]) => ({
  requestId: 'r1',
  plan: deployPlanAt(0),
  phase: 'failed' as const,
  deadlineMs: 60_000,
  reasons,
  stoppedTasks: [],
  rolledBack: true,
  abortedBy: 'U1',
  counts: {
    desired: 4,
    running: 2,
    pending: 2,
    failed: 3,
    back: `arn:aws:ecs:eu-west-1:111111111111:task-definition/${'w'.repeat(255)}:42`,
  },
});

describe('the recorded end of a rollout (execution fact "ended")', () => {
  it('stays within the request fact bound however long the reasons are, and reads back as it was recorded', () => {
    const long = '서비스 배포가 실패했습니다 '.repeat(200);
    const fact = endedFact(view([long, long, long, long, long]), 123);
    expect(Buffer.byteLength(JSON.stringify(fact), 'utf8')).toBeLessThanOrEqual(REQUEST_FACT_MAX_BYTES);
    expect(() => factPairs({ ended: fact })).not.toThrow();
    expect(fact.reasons).toHaveLength(3);
    expect(fact.reasons[0]!.startsWith('서비스 배포가')).toBe(true);
    expect(factsSchema.parse({ ended: JSON.parse(JSON.stringify(fact)) }).ended).toEqual(fact);
  });

  it('keeps a first reason of a few hundred bytes whole (the give-up text in Korean with its why)', () => {
    const first = '한'.repeat(220); // 660 bytes
    const fact = endedFact(
      { ...view([first, 'x'.repeat(1000)]), counts: { desired: 4, running: 4, pending: 0, failed: 2, back: tdArnOf(42) } },
      5,
    );
    expect(fact.counts?.back).toBe('web-prod:42');
    expect(fact.reasons[0]).toBe(first);
    expect(Buffer.byteLength(JSON.stringify(fact), 'utf8')).toBeLessThanOrEqual(REQUEST_FACT_MAX_BYTES);
  });

  it('keeps short reasons whole', () => {
    const fact = endedFact(view(['The deployment failed: tasks failed to start.']), 5);
    expect(fact).toMatchObject({
      phase: 'failed',
      reasons: ['The deployment failed: tasks failed to start.'],
      rolledBack: true,
      abortedBy: 'U1',
      at: 5,
    });
  });

  it("keeps the plain-words line of ECS's reason whole, in the card's language (cut, it stopped mid-sentence)", () => {
    const breaker = 'ECS deployment circuit breaker: tasks failed to start.';
    const rollingBack = '서비스가 이전 작업 정의 `web-prod:41`로 돌아가는 중입니다.';
    for (const locale of ['ko', 'en'] as const) {
      const means = explainEcsReason(breaker, locale)!;
      const fact = endedFact({ ...view([breaker, means, rollingBack]), locale }, 5);
      expect(fact.reasons).toEqual([breaker, means, rollingBack]);
      // With the longest first reason ECS could give, the line is still whole and the fact within its bound.
      const long = endedFact({ ...view([breaker + ' (tasks: ' + 'x'.repeat(1800) + ')', means, rollingBack]), locale }, 5);
      expect(long.reasons[1]).toBe(means);
      expect(Buffer.byteLength(JSON.stringify(long), 'utf8')).toBeLessThanOrEqual(REQUEST_FACT_MAX_BYTES);
    }
  });
});
