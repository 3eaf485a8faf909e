import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { alertCommandChannel, authorize, groupsToResolve, hasRole } from '../../src/policy/authorize';
import { roleFor } from '../../src/commands/types';
import { textIn } from '../../src/i18n/catalog';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const none = new Set<string>();

describe('authorization policy', () => {
  it('maps verb kinds to roles', () => {
    expect(roleFor('read')).toBe('reader');
    expect(roleFor('change')).toBe('requester');
    expect(roleFor('admin')).toBe('approver');
    expect(roleFor('meta')).toBeUndefined();
  });

  it('allows readers everywhere the environment allows commands', () => {
    expect(authorize({ config, environment: 'prod', channelId: 'CPROD', userId: 'URANDOM', role: 'reader', userGroups: none })).toEqual({
      ok: true,
    });
  });

  it('refuses a channel that is not allowed and names the right one', () => {
    const d = authorize({ config, environment: 'prod', channelId: 'CSTAGING', userId: 'UDEV1', role: 'requester', userGroups: none });
    expect(d.ok).toBe(false);
    expect(!d.ok && textIn(d.reason, 'en')).toContain('<#CPROD>');
    expect(!d.ok && textIn(d.reason, 'ko')).toContain('<#CPROD>');
    // What was probably meant: the services of the channel's own environment.
    expect(!d.ok && textIn(d.reason, 'en')).toContain('Use <#CPROD>. This channel is for `staging`: `web-staging`.');
    expect(!d.ok && textIn(d.reason, 'ko')).toContain('이 채널은 `staging` 환경용입니다: `web-staging`.');
    // A channel of no environment: nothing more to say.
    const nowhere = authorize({ config, environment: 'prod', channelId: 'CRANDOM', userId: 'UDEV1', role: 'requester', userGroups: none });
    expect(!nowhere.ok && textIn(nowhere.reason, 'en')).toMatch(/Use <#CPROD>\.$/);
  });

  it('refuses a user without the role and names who has it', () => {
    const d = authorize({ config, environment: 'prod', channelId: 'CPROD', userId: 'URANDOM', role: 'requester', userGroups: none });
    expect(d.ok).toBe(false);
    expect(!d.ok && textIn(d.reason, 'en')).toContain('<!subteam^SDEVS>');
    expect(!d.ok && textIn(d.reason, 'en')).toContain('environments.prod.requesters');
  });

  it('names what the person tried when the role is not it: freezing needs an approver', () => {
    const d = authorize({
      config,
      environment: 'prod',
      channelId: 'CPROD',
      userId: 'UDEV1',
      role: 'approver',
      userGroups: none,
      doing: 'freeze',
    });
    expect(!d.ok && textIn(d.reason, 'en')).toMatch(
      /^You are not allowed to freeze or unfreeze `prod`\. That needs: .*environments\.prod\.approvers/,
    );
    expect(!d.ok && textIn(d.reason, 'ko')).toContain('`prod` 환경에서 변경 동결을 걸거나 풀 권한이 없습니다.');
    const plain = authorize({ config, environment: 'prod', channelId: 'CPROD', userId: 'UDEV1', role: 'approver', userGroups: none });
    expect(!plain.ok && textIn(plain.reason, 'en')).toContain('You are not allowed to approve changes in `prod`');
  });

  it('grants a role through a user group', () => {
    expect(groupsToResolve(config.environments.prod!, 'requester', 'URANDOM')).toEqual(['SDEVS']);
    expect(groupsToResolve(config.environments.prod!, 'requester', 'UDEV1')).toEqual([]);
    expect(
      authorize({ config, environment: 'prod', channelId: 'CPROD', userId: 'URANDOM', role: 'requester', userGroups: new Set(['SDEVS']) }),
    ).toEqual({ ok: true });
    expect(hasRole(config.environments.prod!, 'approver', 'URANDOM', new Set(['SDEVS']))).toBe(false);
  });

  it('treats "*" as everyone', () => {
    expect(hasRole(config.environments.staging!, 'requester', 'UANY', none)).toBe(true);
    expect(groupsToResolve(config.environments.staging!, 'requester', 'UANY')).toEqual([]);
  });
});

describe("an alert button's command channel (alertCommandChannel)", () => {
  const prod = config.environments.prod!;
  const twoChannels = { ...prod, channels: ['CPROD', 'CPROD2'] };

  it("runs in the environment's first channel when pressed in the configured alert channel outside the environment's", () => {
    expect(alertCommandChannel(prod, 'CALERTS', 'CALERTS')).toBe('CPROD');
    expect(alertCommandChannel(twoChannels, 'CALERTS', 'CALERTS')).toBe('CPROD');
  });

  it('runs where it was pressed when that is an environment channel', () => {
    expect(alertCommandChannel(twoChannels, 'CPROD2', 'CPROD2')).toBe('CPROD2');
  });

  it('keeps the channel it was pressed in when that is not (or no longer) the alert channel: the ordinary channel rule refuses it', () => {
    expect(alertCommandChannel(prod, 'CALERTS', 'CNEWALERTS')).toBe('CALERTS');
    expect(authorize({ config, environment: 'prod', channelId: 'CALERTS', userId: 'UDEV1', role: 'requester', userGroups: none }).ok).toBe(
      false,
    );
  });
});
