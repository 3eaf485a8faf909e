/**
 * Role sessions that speak for people: the names, source identity and session tags STS accepts
 * (lengths and character sets from the STS API reference), and the answers an STS refusal becomes.
 */
import { roleParts, roleSessionName, sessionTags, sourceIdentity, type SessionIdentity } from '../../src/aws/session';
import { assumeRoleError } from '../../src/aws/sts';
import { awsException } from '../helpers/aws-fixtures';

const NAME = /^[\w+=,.@-]{2,64}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const identity = (over: Partial<SessionIdentity> = {}): SessionIdentity => ({
  requestId: 'r-7f3a9c21',
  requester: 'UDEV1',
  approvers: ['ULEAD1', 'ULEAD2'],
  environment: 'prod',
  verb: 'deploy',
  action: 'execute',
  ...over,
});

describe('role session identity', () => {
  it('names a read session and a change session, within STS limits', () => {
    expect(roleSessionName()).toBe('ecs-chatops');
    expect(roleSessionName(identity())).toBe('ecs-chatops-r-7f3a9c21');
    expect(roleSessionName(identity({ action: 'abort', actor: 'ULEAD1' }))).toBe('ecs-chatops-abort-r-7f3a9c21');
  });

  it('puts the requester in the source identity, and whoever aborted for an abort', () => {
    expect(sourceIdentity(identity())).toBe('slack.UDEV1');
    expect(sourceIdentity(identity({ action: 'abort', actor: 'ULEAD2' }))).toBe('slack.ULEAD2');
  });

  it('tags the session with the request, the requester and the approvers', () => {
    expect(sessionTags(identity())).toEqual([
      { Key: 'chatops:request', Value: 'r-7f3a9c21' },
      { Key: 'chatops:environment', Value: 'prod' },
      { Key: 'chatops:verb', Value: 'deploy' },
      { Key: 'chatops:action', Value: 'execute' },
      { Key: 'chatops:requester', Value: 'UDEV1' },
      { Key: 'chatops:approvers', Value: 'ULEAD1 ULEAD2' },
    ]);
    const none = sessionTags(identity({ approvers: [] })).find((t) => t.Key === 'chatops:approvers');
    expect(none?.Value).toBe('-');
    expect(sessionTags(identity({ action: 'abort', actor: 'ULEAD1' })).at(-1)).toEqual({ Key: 'chatops:aborted-by', Value: 'ULEAD1' });
  });

  it('stays within the limits whatever the ids look like', () => {
    const odd = identity({
      requestId: 'r/'.repeat(80) + ' ünïcødé <script>',
      requester: 'W' + 'X'.repeat(300),
      approvers: Array.from({ length: 40 }, (_, i) => `U${'9'.repeat(10)}${i}`),
      environment: 'prod env#1',
    });
    expect(roleSessionName(odd)).toMatch(NAME);
    expect(sourceIdentity(odd)).toMatch(NAME);
    expect(sourceIdentity(odd).startsWith('aws:')).toBe(false);
    expect(roleSessionName(identity({ requestId: '' }))).toMatch(NAME);
    for (const t of sessionTags(odd)) {
      expect(t.Key).toMatch(TAG_KEY);
      expect(t.Key.toLowerCase().startsWith('aws:')).toBe(false);
      expect(t.Value).toMatch(TAG_VALUE);
    }
    expect(sessionTags(odd).length).toBeLessThanOrEqual(50);
  });

  it('reads the account and name of a role ARN', () => {
    expect(roleParts('arn:aws:iam::222222222222:role/path/ecs-chatops-target')).toEqual({
      account: '222222222222',
      name: 'ecs-chatops-target',
    });
  });
});

describe('an STS refusal as an answer', () => {
  const target = { roleArn: 'arn:aws:iam::222222222222:role/ecs-chatops-target', externalId: 'chatops-7' };
  const bot = 'arn:aws:sts::111111111111:assumed-role/ecs-chatops-prod-WorkerRole-1AB2/ecs-chatops-prod-worker';

  it('names the role, the account, the bot role, and the trust or permission that is missing', () => {
    const err = assumeRoleError(
      awsException('AccessDenied', `User: ${bot} is not authorized to perform: sts:AssumeRole on resource: ${target.roleArn}`),
      target,
      'prod',
      'en',
    );
    expect(err.code).toBe('AWS_ACCESS_DENIED');
    expect(err.userMessage).toContain('`arn:aws:iam::222222222222:role/ecs-chatops-target`');
    expect(err.userMessage).toContain('account `222222222222`');
    expect(err.userMessage).toContain(`asked by \`${bot}\``);
    expect(err.userMessage).toContain("trust policy does not trust the bot's role");
    expect(err.userMessage).toContain('`sts:AssumeRole`');
    expect(err.hint).toContain('`environments.prod.externalId`');
    expect(err.hint).toContain('cloudformation/target-account-role.yml');
  });

  it('says when the trust policy does not allow session tags or a source identity', () => {
    for (const action of ['sts:TagSession', 'sts:SetSourceIdentity']) {
      const err = assumeRoleError(
        awsException('AccessDenied', `User: ${bot} is not authorized to perform: ${action} on resource: ${target.roleArn}`),
        target,
        'prod',
        'en',
      );
      expect(err.userMessage).toContain(`does not allow \`${action}\``);
      expect(err.userMessage).toContain('who asked and who approved');
      expect(err.hint).toContain('sts:SetSourceIdentity');
    }
  });

  it('answers in Korean for a Korean workspace', () => {
    const err = assumeRoleError(awsException('AccessDenied', 'not authorized to perform: sts:AssumeRole'), target, 'prod', 'ko');
    expect(err.userMessage).toContain('계정 `222222222222`의 역할');
    expect(err.hint).toContain('신뢰 정책');
  });

  it('explains a disabled STS region and passes other failures through the usual mapping', () => {
    expect(assumeRoleError(awsException('RegionDisabledException', 'STS is not activated'), target, 'prod', 'en').userMessage).toContain(
      'STS is not activated in this region for account `222222222222`',
    );
    const throttled = assumeRoleError(awsException('Throttling', 'Rate exceeded'), target, 'prod', 'en');
    expect(throttled.code).toBe('AWS_THROTTLED');
  });
});
