/** Issue 10, item 7: the rollback policy as a pure function (the e2e test drives it through the planner). */
import { imageCheckLine, rollbackPolicy, sameImagesLine, type ReturningImage } from '../../src/deploy/rollback-policy';
import { imageDetail, REGISTRY, TASK_ROLE, EXEC_ROLE } from '../helpers/aws-fixtures';

const OTHER = 'arn:aws:iam::222222222222:role/other';
const roles = { taskRoleArn: TASK_ROLE, executionRoleArn: EXEC_ROLE };
const strict = { blockCritical: true, requireScan: true };
const img = (found: ReturningImage['found'], image = `${REGISTRY}/shop/web:v1`): ReturningImage => ({ container: 'web', image, found });

describe('rollbackPolicy', () => {
  it('roles: unchanged passes; a change to a role outside taskRoles is refused (also when taskRoles is empty); inside passes', () => {
    expect(rollbackPolicy({ currentRoles: roles, targetRoles: roles, taskRoles: [], images: [], policy: strict })).toEqual({
      problems: [],
      images: [],
    });
    expect(sameImagesLine('en')).toBe(':white_check_mark: Images: the same as what runs now');
    const changed = { ...roles, taskRoleArn: OTHER };
    expect(rollbackPolicy({ currentRoles: roles, targetRoles: changed, taskRoles: [], images: [], policy: strict }).problems).toHaveLength(
      1,
    );
    expect(
      rollbackPolicy({ currentRoles: roles, targetRoles: changed, taskRoles: [TASK_ROLE], images: [], policy: strict }).problems,
    ).toHaveLength(1);
    const ok = rollbackPolicy({ currentRoles: roles, targetRoles: changed, taskRoles: [OTHER], images: [], policy: strict });
    expect(ok.problems).toEqual([]);
    // Refusals are written in the reader's language.
    expect(
      rollbackPolicy({ currentRoles: roles, targetRoles: changed, taskRoles: [], images: [], policy: strict }, 'ko').problems[0],
    ).not.toBe(rollbackPolicy({ currentRoles: roles, targetRoles: changed, taskRoles: [], images: [], policy: strict }, 'en').problems[0]);
  });

  it('images: critical findings, no scan where one is required, not in ECR or another registry where one is required', () => {
    const run = (i: ReturningImage, policy = strict) =>
      rollbackPolicy({ currentRoles: roles, targetRoles: roles, taskRoles: [], images: [i], policy });
    expect(run(img(imageDetail({ imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 1 } } }))).problems[0]).toContain(
      '1 critical finding',
    );
    expect(run(img(imageDetail({ imageScanStatus: undefined, imageScanFindingsSummary: undefined }))).problems[0]).toContain(
      'never been scanned',
    );
    expect(run(img('missing')).problems[0]).toContain('is not in ECR');
    expect(run(img('not-ecr', 'docker.io/library/nginx:1')).problems[0]).toContain('`library/nginx:1`');
    expect(run(img('missing'), { blockCritical: true, requireScan: false })).toMatchObject({ problems: [] });
    const [checked] = run(img(imageDetail())).images;
    expect(imageCheckLine(checked!, 'en')).toBe(':white_check_mark: Image `shop/web:v1` (container `web`): scanned, 1 high, 3 medium');
    expect(imageCheckLine(checked!, 'ko')).toContain('스캔됨');
    const [missing] = run(img('missing'), { blockCritical: true, requireScan: false }).images;
    expect(imageCheckLine(missing!, 'en')).toContain('is not in ECR (deleted, or never pushed there): not checked');
  });
});
