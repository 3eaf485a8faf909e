/** Issue 10, item 9: the edge's pre-check and workspace rule as pure functions (the e2e test drives them through the handler). */
import { preVerify } from '../../src/edge/verify';
import { foreignWorkspace } from '../../src/edge/workspace';
import { apiGatewayV2Event, blockActionsPayload, signBody, slashCommandBody } from '../helpers/signing';

const SECRET = 'unit-secret';
const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const sec = NOW / 1000;

function signed(body: string, ts = sec, opts: { base64?: boolean; secret?: string } = {}) {
  const h = signBody(opts.secret ?? SECRET, body, ts);
  return apiGatewayV2Event(
    body,
    { 'x-slack-signature': h['X-Slack-Signature'], 'x-slack-request-timestamp': h['X-Slack-Request-Timestamp'] },
    opts,
  );
}

describe('preVerify', () => {
  const body = slashCommandBody({ text: 'status web' });

  it('accepts a signed request within ±5 minutes, also base64-encoded', () => {
    expect(preVerify(signed(body), SECRET, NOW)).toEqual({ ok: true });
    expect(preVerify(signed(body, sec + 300), SECRET, NOW)).toEqual({ ok: true });
    expect(preVerify(signed(body, sec - 300), SECRET, NOW)).toEqual({ ok: true });
    expect(preVerify(signed(body, sec, { base64: true }), SECRET, NOW)).toEqual({ ok: true });
  });

  it('refuses a timestamp more than 5 minutes away in either direction, missing or not a number', () => {
    expect(preVerify(signed(body, sec + 301), SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
    expect(preVerify(signed(body, sec + 86_400), SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
    expect(preVerify(signed(body, sec - 301), SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
    expect(preVerify(apiGatewayV2Event(body), SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
    const e = signed(body);
    e.headers['x-slack-request-timestamp'] = `${sec}.5`;
    expect(preVerify(e, SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
  });

  it('refuses a wrong secret, a changed body, a malformed signature header', () => {
    expect(preVerify(signed(body, sec, { secret: 'other' }), SECRET, NOW)).toEqual({ ok: false, reason: 'signature' });
    const changed = signed(body);
    changed.body = body.replace('web', 'worker');
    expect(preVerify(changed, SECRET, NOW)).toEqual({ ok: false, reason: 'signature' });
    const short = signed(body);
    short.headers['x-slack-signature'] = 'v0=abc';
    expect(preVerify(short, SECRET, NOW)).toEqual({ ok: false, reason: 'signature' });
  });

  it("lets Slack's unsigned SSL check through (Bolt answers it with an empty 200), and nothing that carries more", () => {
    expect(preVerify(apiGatewayV2Event('ssl_check=1&token=x'), SECRET, NOW)).toEqual({ ok: true });
    expect(preVerify(apiGatewayV2Event('ssl_check=1&payload=%7B%7D'), SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
    expect(preVerify(apiGatewayV2Event('ssl_check=1&command=%2Fecs'), SECRET, NOW)).toEqual({ ok: false, reason: 'timestamp' });
  });
});

describe('foreignWorkspace', () => {
  const click = (team: string, userTeam = team, enterprise?: string) => {
    const p = blockActionsPayload({ team_id: team });
    p.user.team_id = userTeam;
    if (enterprise) p.enterprise = { id: enterprise, name: 'Acme' };
    return p;
  };

  it('nothing configured: every workspace passes (config warns about it)', () => {
    expect(foreignWorkspace({}, { team_id: 'T9' })).toBeUndefined();
  });

  it('teamId: the request and the acting user must both be of that workspace', () => {
    expect(foreignWorkspace({ teamId: 'T1' }, { team_id: 'T1' })).toBeUndefined();
    expect(foreignWorkspace({ teamId: 'T1' }, { team_id: 'T2' })).toEqual({ teamId: 'T2' });
    expect(foreignWorkspace({ teamId: 'T1' }, click('T1'))).toBeUndefined();
    expect(foreignWorkspace({ teamId: 'T1' }, click('T1', 'T2'))).toEqual({ teamId: 'T2' });
    expect(foreignWorkspace({ teamId: 'T1' }, {})).toEqual({ teamId: '(none)' });
  });

  it('enterpriseId: the org must be named and match; users of the same org in another workspace pass', () => {
    const cfg = { teamId: 'T1', enterpriseId: 'E1' };
    expect(foreignWorkspace(cfg, click('T1', 'T7', 'E1'))).toBeUndefined();
    expect(foreignWorkspace(cfg, click('T1', 'T1', 'E2'))).toMatchObject({ enterpriseId: 'E2' });
    expect(foreignWorkspace(cfg, click('T1'))).toMatchObject({ enterpriseId: '(none)' });
    expect(foreignWorkspace(cfg, { team_id: 'T5', enterprise_id: 'E1' })).toEqual({ teamId: 'T5' });
  });
});
