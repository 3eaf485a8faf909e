/**
 * A scheduled request's authorization held again when it starts (src/policy/recheck.ts, pure): the
 * requester, the channel and enough approvals that still come from approvers, under the configuration
 * as it is now.
 */
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { textIn } from '../../src/i18n/catalog';
import { approversToAsk, recheckAtStart, type StartingRequest } from '../../src/policy/recheck';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const prod = config.environments.prod!;

const req = (over: Partial<StartingRequest> = {}): StartingRequest => ({
  environment: 'prod',
  channel: 'CPROD',
  requester: 'UDEV1',
  approvalsNeeded: 2,
  approvals: [{ user: 'ULEAD1' }, { user: 'ULEAD2' }],
  ...over,
});
const held = (requester: boolean, approvers: Record<string, boolean>) => ({ requester, approvers: new Map(Object.entries(approvers)) });

describe('re-check at a scheduled start', () => {
  it('starts when the requester and enough approvers still hold their roles', () => {
    expect(recheckAtStart(prod, req(), held(true, { ULEAD1: true, ULEAD2: true }))).toEqual({ ok: true, stale: [] });
  });

  it('starts when an approver left but enough others still count, naming the stale one', () => {
    const r = req({ approvalsNeeded: 1 });
    expect(recheckAtStart(prod, r, held(true, { ULEAD1: false, ULEAD2: true }))).toEqual({ ok: true, stale: ['ULEAD1'] });
  });

  it('refuses when the requester may no longer request changes, in en and ko', () => {
    const d = recheckAtStart(prod, req(), held(false, { ULEAD1: true, ULEAD2: true }));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(textIn(d.why, 'en')).toBe('<@UDEV1> may no longer request changes in `prod` (chatops.yml `environments.prod.requesters`)');
    expect(textIn(d.why, 'ko')).toContain('<@UDEV1> 님은 이제 `prod` 환경에서 변경을 요청할 수 없습니다');
  });

  it('refuses when too few approvals still count, naming who no longer qualifies and the count', () => {
    const d = recheckAtStart(prod, req(), held(true, { ULEAD1: true, ULEAD2: false }));
    expect(d).toMatchObject({ ok: false, stale: ['ULEAD2'], valid: 1 });
    if (d.ok) return;
    expect(textIn(d.why, 'en')).toBe(
      '<@ULEAD2> may no longer approve changes in `prod` (chatops.yml `environments.prod.approvers`), so only 1 of the 2 approvals it needs still count',
    );
    expect(textIn(d.why, 'ko')).toContain('필요한 승인 2개 중 1개만 유효합니다');
  });

  it('an approver missing from the answers does not count (nothing is assumed)', () => {
    const d = recheckAtStart(prod, req({ approvalsNeeded: 1, approvals: [{ user: 'ULEAD1' }] }), held(true, {}));
    expect(d).toMatchObject({ ok: false, stale: ['ULEAD1'], valid: 0 });
  });

  it('refuses when the environment no longer takes changes from the request channel, and says every reason', () => {
    const d = recheckAtStart(prod, req({ channel: 'COLD' }), held(false, { ULEAD1: false, ULEAD2: false }));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    const en = textIn(d.why, 'en');
    expect(en).toContain('may no longer request changes');
    expect(en).toContain('`prod` no longer takes changes from <#COLD> (chatops.yml `environments.prod.channels`)');
    expect(en).toContain('<@ULEAD1>, <@ULEAD2> may no longer approve');
    expect(textIn(d.why, 'ko')).toContain('<#COLD> 채널의 변경을 받지 않습니다');
  });

  it('a request that needs no approval is decided by its requester alone', () => {
    expect(recheckAtStart(prod, req({ approvalsNeeded: 0, approvals: [] }), held(true, {}))).toEqual({ ok: true, stale: [] });
  });

  it('asks each approver once, never the requester', () => {
    expect(approversToAsk(req({ approvals: [{ user: 'ULEAD1' }, { user: 'ULEAD1' }, { user: 'UDEV1' }] }))).toEqual(['ULEAD1']);
  });
});
