/**
 * Issue 12: sentences moved into the catalog read in the reader's language — the AWS error
 * answers (with the action in the same language), a change that never started, what moved since a
 * plan was made, the resize details. Pure, no mocks.
 */
import { awsActions, awsError } from '../../src/aws/errors';
import { planDrift } from '../../src/deploy/plan';
import { lapsedNotice } from '../../src/approvals/unstarted';
import { workerFailedNotice } from '../../src/approvals/start-refused';
import type { ChangePlan } from '../../src/deploy/plan';

const HANGUL = /[\uac00-\ud7a3]/;
const ctx = { action: awsActions.lazy('describeServices', { cluster: 'prod' }), permission: 'ecs:DescribeServices' };
const failures: Array<[string, unknown]> = [
  ['timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
  ['reset', Object.assign(new Error('socket hang up'), {})],
  ['dns', Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' })],
  ['no route', Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' })],
  ['no credentials', Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })],
  ['expired', Object.assign(new Error('expired'), { name: 'ExpiredTokenException' })],
  ['rejected', Object.assign(new Error('bad'), { name: 'UnrecognizedClientException' })],
  ['unsupported', Object.assign(new Error('no'), { name: 'UnknownOperationException' })],
  ['throttled', Object.assign(new Error('slow down'), { name: 'ThrottlingException' })],
  ['denied', Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })],
  ['no cluster', Object.assign(new Error('x'), { name: 'ClusterNotFoundException' })],
  ['server', Object.assign(new Error('x'), { name: 'InternalError', $fault: 'server' })],
  ['client', Object.assign(new Error('AWS says no'), { name: 'InvalidParameterException', $fault: 'client' })],
  ['other', new Error('something odd')],
];

describe('AWS error answers in both languages', () => {
  it.each(failures)('%s: English and Korean, with the action in the same language', (_what, err) => {
    const e = awsError(err, ctx);
    const en = e.userMessageIn('en');
    const ko = e.userMessageIn('ko');
    expect(en).toContain('describe services in cluster prod');
    expect(en).not.toMatch(HANGUL);
    expect(ko).toMatch(HANGUL);
    expect(ko).toContain('클러스터 prod의 서비스 조회');
    expect(ko).not.toContain('describe services');
    const hint = e.hintIn('ko');
    if (hint !== undefined) expect(hint).toMatch(HANGUL);
  });
});

describe('a change that never started, in the workspace language', () => {
  const req = { verb: 'deploy' as const, service: 'prod.web', approvedAt: Date.UTC(2026, 11, 1, 12), startBy: undefined };
  it('the lapse notice', () => {
    const en = lapsedNotice(req, 15 * 60_000, 'en');
    const ko = lapsedNotice(req, 15 * 60_000, 'ko');
    expect(JSON.stringify(en.blocks)).toContain('was approved');
    expect(JSON.stringify(en.blocks)).toContain('15m');
    expect(JSON.stringify(ko.blocks)).toContain('15분');
    expect(ko.text).toMatch(HANGUL);
    expect(ko.text).toContain('prod.web');
  });
  it('the worker-failed notice keeps the reason it is given', () => {
    expect(JSON.stringify(workerFailedNotice(req, '워커 실패', 'ko').blocks)).toContain('워커 실패');
  });
});

describe('what moved since the plan', () => {
  it('reads in either language', () => {
    const plan = { currentTaskDefinition: 'arn:aws:ecs:r:1:task-definition/web:4', desiredCount: 2 } as unknown as ChangePlan;
    const moved = planDrift(plan, { taskDefinition: 'arn:aws:ecs:r:1:task-definition/web:5', desiredCount: 3 });
    expect(moved.map((m) => m('en'))).toEqual(['it runs `web:5` now, not `web:4`', 'its desired count is 3 now, not 2']);
    expect(moved.map((m) => m('ko')).every((s) => HANGUL.test(s))).toBe(true);
  });
});
