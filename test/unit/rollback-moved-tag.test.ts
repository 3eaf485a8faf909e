/** A rollback's target tag that moved since the target last ran (src/deploy/planner.ts): pure, no mocks. */
import { lastRanDigest, movedTagWarning } from '../../src/deploy/planner';

const TD39 = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web-prod:39';
const [A, B] = ['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64)];
const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web';

describe('what a target last ran (ECS history)', () => {
  it('the newest deployment that recorded a digest for the task definition; none: undefined', () => {
    const history = [
      { createdAt: 1, sources: [], ran: { [TD39]: A } },
      { createdAt: 3, sources: [], ran: { [TD39]: B } },
      { createdAt: 5, sources: [] },
    ];
    expect(lastRanDigest(TD39, history)).toBe(B);
    expect(lastRanDigest(TD39, [{ createdAt: 1, sources: [] }])).toBeUndefined();
    expect(lastRanDigest(TD39, [])).toBeUndefined();
  });
});

describe('the moved-tag warning', () => {
  const base = { alias: 'web', td: TD39, image: `${REPO}:v1.1.9`, now: A, ran: B };

  it('en and ko: the tag, both digests (12 hex), the revision, and the deploy command for what ran', () => {
    expect(movedTagWarning(base)!('en')).toBe(
      '`v1.1.9` names another image now (`sha256:aaaaaaaaaaaa`) than when `web-prod:39` last ran (`sha256:bbbbbbbbbbbb`): the rollback runs the one it names now. ' +
        `To return to exactly what ran then, deploy that digest: \`/ecs deploy web ${B}\``,
    );
    expect(movedTagWarning(base)!('ko')).toBe(
      '`v1.1.9` 태그가 가리키는 이미지(`sha256:aaaaaaaaaaaa`)가 `web-prod:39` 작업 정의가 마지막으로 실행될 때의 이미지(`sha256:bbbbbbbbbbbb`)와 다릅니다. ' +
        `롤백하면 지금 가리키는 이미지가 실행됩니다. 그때 실행하던 이미지로 정확히 되돌리려면 그 다이제스트를 배포하세요: \`/ecs deploy web ${B}\``,
    );
  });

  it('nothing when the tag names what ran, when either digest is unknown, or when the target pins a digest', () => {
    expect(movedTagWarning({ ...base, now: B })).toBeUndefined();
    expect(movedTagWarning({ ...base, now: undefined })).toBeUndefined();
    expect(movedTagWarning({ ...base, ran: undefined })).toBeUndefined();
    expect(movedTagWarning({ ...base, image: `${REPO}@${A}` })).toBeUndefined();
    expect(movedTagWarning({ ...base, image: undefined })).toBeUndefined();
  });
});
