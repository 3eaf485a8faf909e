/**
 * An approved request's authorization held again when it starts (src/policy/recheck.ts, pure): the
 * requester, the channel and enough approvals that still come from approvers, as many as the
 * configuration as it is now needs; an answer Slack could not give never counts as a yes.
 */
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { textIn } from '../../src/i18n/catalog';
import { approvalsNeededNow, approversToAsk, recheckAtStart, type HeldAnswer, type StartingRequest } from '../../src/policy/recheck';
import type { EnvironmentConfig } from '../../src/config/schema';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const prod = config.environments.prod!;

const req = (over: Partial<StartingRequest> = {}): StartingRequest => ({
  environment: 'prod',
  verb: 'scale',
  // prod needs 1 approval to scale; the cost gate asked for one more.
  extraApprovals: 1,
  channel: 'CPROD',
  requester: 'UDEV1',
  approvalsNeeded: 2,
  approvals: [{ user: 'ULEAD1' }, { user: 'ULEAD2' }],
  ...over,
});
const held = (requester: HeldAnswer, approvers: Record<string, HeldAnswer>) => ({
  requester,
  approvers: new Map(Object.entries(approvers)),
});

describe('re-check at the start of an approved change', () => {
  it('starts when the requester and enough approvers still hold their roles', () => {
    expect(recheckAtStart(prod, req(), held(true, { ULEAD1: true, ULEAD2: true }))).toEqual({ ok: true, stale: [], needed: 2 });
  });

  it('starts when an approver left but enough others still count, naming the stale one', () => {
    const r = req({ approvalsNeeded: 1, extraApprovals: 0 });
    expect(recheckAtStart(prod, r, held(true, { ULEAD1: false, ULEAD2: true }))).toEqual({ ok: true, stale: ['ULEAD1'], needed: 1 });
  });

  it('refuses when the requester may no longer request changes, in en and ko', () => {
    const d = recheckAtStart(prod, req(), held(false, { ULEAD1: true, ULEAD2: true }));
    expect(d.ok).toBe(false);
    if (d.ok || d.unverified) return;
    expect(textIn(d.why, 'en')).toBe('<@UDEV1> may no longer request changes in `prod` (chatops.yml `environments.prod.requesters`)');
    expect(textIn(d.why, 'ko')).toContain('<@UDEV1> 님은 이제 `prod` 환경에서 변경을 요청할 수 없습니다');
  });

  it('refuses when too few approvals still count, naming who no longer qualifies and the count', () => {
    const d = recheckAtStart(prod, req(), held(true, { ULEAD1: true, ULEAD2: false }));
    expect(d).toMatchObject({ ok: false, stale: ['ULEAD2'], valid: 1 });
    if (d.ok || d.unverified) return;
    expect(textIn(d.why, 'en')).toBe(
      '<@ULEAD2> may no longer approve changes in `prod` (chatops.yml `environments.prod.approvers`), so only 1 of the 2 approvals it needs still count',
    );
    expect(textIn(d.why, 'ko')).toContain('필요한 승인 2개 중 1개만 유효합니다');
  });

  it('an approver missing from the answers does not count (nothing is assumed)', () => {
    const d = recheckAtStart(prod, req({ approvalsNeeded: 1, extraApprovals: 0, approvals: [{ user: 'ULEAD1' }] }), held(true, {}));
    expect(d).toMatchObject({ ok: false, stale: ['ULEAD1'], valid: 0 });
  });

  it('refuses when the environment no longer takes changes from the request channel, and says every reason', () => {
    const d = recheckAtStart(prod, req({ channel: 'COLD' }), held(false, { ULEAD1: false, ULEAD2: false }));
    expect(d.ok).toBe(false);
    if (d.ok || d.unverified) return;
    const en = textIn(d.why, 'en');
    expect(en).toContain('may no longer request changes');
    expect(en).toContain('`prod` no longer takes changes from <#COLD> (chatops.yml `environments.prod.channels`)');
    expect(en).toContain('<@ULEAD1>, <@ULEAD2> may no longer approve');
    expect(textIn(d.why, 'ko')).toContain('<#COLD> 채널의 변경을 받지 않습니다');
  });

  it('a request that needs no approval is decided by its requester alone', () => {
    const none = { ...prod, approvals: { ...prod.approvals, scale: 0 } };
    expect(recheckAtStart(none, req({ approvalsNeeded: 0, extraApprovals: 0, approvals: [] }), held(true, {}))).toEqual({
      ok: true,
      stale: [],
      needed: 0,
    });
  });

  it('asks each approver once, never the requester', () => {
    expect(approversToAsk(req({ approvals: [{ user: 'ULEAD1' }, { user: 'ULEAD1' }, { user: 'UDEV1' }] }))).toEqual(['ULEAD1']);
  });

  describe('as many approvals as the environment needs now', () => {
    const needing = (n: number): EnvironmentConfig => ({ ...prod, approvals: { ...prod.approvals, scale: n } });
    const one = req({ approvalsNeeded: 1, extraApprovals: 0, approvals: [{ user: 'ULEAD1' }] });

    it('refuses when chatops.yml now needs more approvals than the request collected, saying how many (en + ko)', () => {
      const d = recheckAtStart(needing(2), one, held(true, { ULEAD1: true }));
      expect(d).toMatchObject({ ok: false, stale: [], valid: 1, needed: 2 });
      if (d.ok || d.unverified) return;
      expect(textIn(d.why, 'en')).toBe(
        '`prod` now needs 2 approvals for this change (chatops.yml `environments.prod.approvals.scale`; 1 when it was requested), and only 1 of its approvals counts',
      );
      expect(textIn(d.why, 'ko')).toBe(
        '`prod` 환경은 이제 이 변경에 승인 2개가 필요한데(chatops.yml `environments.prod.approvals.scale`, 요청할 때는 1개), 유효한 승인은 1개뿐입니다',
      );
    });

    it('a change that needed no approval does not start once its environment needs one', () => {
      const auto = req({ approvalsNeeded: 0, extraApprovals: 0, approvals: [] });
      expect(recheckAtStart(needing(0), auto, held(true, {}))).toMatchObject({ ok: true });
      expect(recheckAtStart(needing(1), auto, held(true, {}))).toMatchObject({ ok: false, needed: 1, valid: 0 });
    });

    it('raised and an approver gone: both are said', () => {
      const d = recheckAtStart(needing(3), req(), held(true, { ULEAD1: true, ULEAD2: false }));
      expect(d).toMatchObject({ ok: false, stale: ['ULEAD2'], valid: 1, needed: 4 });
      if (d.ok || d.unverified) return;
      expect(textIn(d.why, 'en')).toBe(
        '`prod` now needs 4 approvals for this change (chatops.yml `environments.prod.approvals.scale`; 2 when it was requested), and only 1 of its approvals counts; <@ULEAD2> may no longer approve changes in `prod` (chatops.yml `environments.prod.approvers`)',
      );
    });

    it('starts when the environment now needs fewer, even with an approver gone', () => {
      const two = req({ approvalsNeeded: 2, extraApprovals: 0 });
      expect(recheckAtStart(needing(1), two, held(true, { ULEAD1: false, ULEAD2: true }))).toEqual({
        ok: true,
        stale: ['ULEAD1'],
        needed: 1,
      });
    });

    it("the cost gate's extra approval stays on top of what the environment needs now", () => {
      expect(approvalsNeededNow(needing(2), req())).toBe(3);
      expect(approvalsNeededNow(needing(0), req())).toBe(1);
    });

    it('a request stored before its gates’ part was kept needs at least what it needed then', () => {
      const legacy = req({ extraApprovals: undefined });
      expect(approvalsNeededNow(needing(1), legacy)).toBe(2);
      expect(approvalsNeededNow(needing(3), legacy)).toBe(3);
    });
  });

  describe('an answer Slack could not give', () => {
    it('never counts: when only it could let the change start, the refusal names who could not be checked', () => {
      expect(recheckAtStart(prod, req(), held(true, { ULEAD1: true, ULEAD2: 'unknown' }))).toEqual({
        ok: false,
        unverified: ['ULEAD2'],
        needed: 2,
      });
      expect(recheckAtStart(prod, req(), held('unknown', { ULEAD1: true, ULEAD2: true }))).toEqual({
        ok: false,
        unverified: ['UDEV1'],
        needed: 2,
      });
    });

    it('is not needed when the answers that were had are enough', () => {
      const r = req({ approvalsNeeded: 1, extraApprovals: 0 });
      expect(recheckAtStart(prod, r, held(true, { ULEAD1: 'unknown', ULEAD2: true }))).toEqual({ ok: true, stale: [], needed: 1 });
    });

    it('does not hide a refusal that holds whatever Slack would have said', () => {
      const d = recheckAtStart(prod, req(), held(false, { ULEAD1: 'unknown', ULEAD2: true }));
      expect(d).toMatchObject({ ok: false, requester: false, stale: [] });
      if (d.ok || d.unverified) return;
      expect(textIn(d.why, 'en')).toBe('<@UDEV1> may no longer request changes in `prod` (chatops.yml `environments.prod.requesters`)');
    });
  });
});
