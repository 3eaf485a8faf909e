/**
 * Issue 10, item 9: what the Slack-facing Lambda accepts. Requests built exactly as Slack sends
 * them (test/helpers/signing.ts), through the real handler (src/handlers/slack.ts), real Redis and
 * the local Slack server:
 *   - an unsigned malformed body is a 401, never a throw (Bolt parses the body before it checks
 *     the signature);
 *   - a correctly signed request timestamped in the future (24 h, or just over 5 minutes) is refused;
 *     Bolt's AwsLambdaReceiver only refuses timestamps in the past;
 *   - a request from another workspace or Enterprise org than `slack.teamId` / `slack.enterpriseId`
 *     is refused, and nothing is recorded or handed off.
 */
import { handler } from '../../src/handlers/slack';
import { setupE2E, SIGNING_SECRET, type E2E, useE2E } from '../helpers/e2e';
import { configFile, fixtureConfig } from '../helpers/config';
import { apiGatewayV2Event, blockActionsPayload, signBody, signedActionEvent, signedSlashEvent } from '../helpers/signing';

const nowSec = (): number => Math.floor(Date.now() / 1000);
const invoke = (event: unknown) => handler(event as never, {});

describe('malformed bodies never reach a parser unsigned', () => {
  const e2e = useE2E(() => ({}));

  const bodies: Array<[string, string, Record<string, string>]> = [
    ['an interaction whose payload is not JSON', 'payload=%7Bnot-json', {}],
    ['a JSON content type with a body that is not JSON', '{"type": "block_actions", ', { 'content-type': 'application/json' }],
    ['no content type and a body that is not JSON', '<xml/>', { 'content-type': 'text/plain' }],
  ];

  it.each(bodies)('%s, unsigned: 401', async (_what, body, headers) => {
    const res = await invoke(apiGatewayV2Event(body, headers));
    expect(res.statusCode).toBe(401);
    expect(await e2e.rt.redis.dbsize()).toBe(0);
  });

  it.each(bodies)('%s, with a forged signature: 401', async (_what, body, headers) => {
    const signed = signBody('not-the-secret', body);
    const res = await invoke(
      apiGatewayV2Event(body, {
        ...headers,
        'x-slack-signature': signed['X-Slack-Signature'],
        'x-slack-request-timestamp': signed['X-Slack-Request-Timestamp'],
      }),
    );
    expect(res.statusCode).toBe(401);
  });

  it('a malformed body correctly signed (only Slack could send it) is a 400, not a crash', async () => {
    const body = 'payload=%7Bnot-json';
    const signed = signBody(SIGNING_SECRET, body);
    const res = await invoke(
      apiGatewayV2Event(body, {
        'x-slack-signature': signed['X-Slack-Signature'],
        'x-slack-request-timestamp': signed['X-Slack-Request-Timestamp'],
      }),
    );
    expect(res.statusCode).toBe(400);
  });

  it('an empty event (no body, no headers) is a 401', async () => {
    const res = await invoke({ version: '2.0', rawPath: '/slack/events', headers: {}, isBase64Encoded: false });
    expect(res.statusCode).toBe(401);
  });
});

describe('request timestamps: ±5 minutes around now', () => {
  const e2e = useE2E(() => ({}));

  it('a correctly signed command timestamped 24 hours ahead is refused and not recorded', async () => {
    const res = await invoke(signedSlashEvent(SIGNING_SECRET, 'status web', { channel_id: 'CPROD' }, { timestamp: nowSec() + 86_400 }));
    expect(res.statusCode).toBe(401);
    expect(e2e.handedOff).toHaveLength(0);
    expect(await e2e.rt.redis.dbsize()).toBe(0);
    expect(e2e.logs.some((l) => l.msg === 'request refused before Bolt' && l.reason === 'timestamp')).toBe(true);
  });

  it('5 minutes and a few seconds ahead is refused; a few seconds ahead (clock skew) is accepted', async () => {
    const ahead = await invoke(signedSlashEvent(SIGNING_SECRET, 'help', { channel_id: 'CPROD' }, { timestamp: nowSec() + 310 }));
    expect(ahead.statusCode).toBe(401);
    const skew = await invoke(signedSlashEvent(SIGNING_SECRET, 'help', { channel_id: 'CPROD' }, { timestamp: nowSec() + 20 }));
    expect(skew.statusCode).toBe(200);
  });

  it('a timestamp that is not a number is refused', async () => {
    const event = signedSlashEvent(SIGNING_SECRET, 'help', { channel_id: 'CPROD' });
    event.headers['x-slack-request-timestamp'] = '1e12';
    expect((await invoke(event)).statusCode).toBe(401);
  });

  it('Bolt still checks the signature itself (the pre-check adds to it, it does not replace it)', async () => {
    // The documented 5-minute window in the past is still Bolt's: an old request gets Bolt's 401.
    const res = await invoke(signedSlashEvent(SIGNING_SECRET, 'help', {}, { timestamp: nowSec() - 301 }));
    expect(res.statusCode).toBe(401);
  });
});

describe('requests from another workspace or Enterprise org', () => {
  let e2e: E2E;
  afterEach(async () => {
    await e2e?.close();
  });

  it('with slack.teamId set: a command from another workspace is refused, nothing recorded or handed off', async () => {
    e2e = await setupE2E({ configPath: configFile((d) => (d.slack.teamId = 'T1')) });
    const res = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', team_id: 'T0EVIL' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('only answers the Slack workspace it was set up for');
    expect(e2e.handedOff).toHaveLength(0);
    expect(await e2e.rt.redis.dbsize()).toBe(0);
    expect(e2e.logs.some((l) => l.msg === 'request from another workspace refused' && l.teamId === 'T0EVIL')).toBe(true);
    // The configured workspace still works.
    const ok = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', team_id: 'T1' });
    expect(ok.text).toContain('Looking up `web` in `prod`');
    expect(e2e.handedOff).toHaveLength(1);
  });

  it('a button click from another workspace, or by a user of another workspace (Slack Connect), is refused', async () => {
    e2e = await setupE2E({ configPath: configFile((d) => (d.slack.teamId = 'T1')) });
    const click = (payload: Record<string, unknown>) =>
      invoke(
        signedActionEvent(
          SIGNING_SECRET,
          blockActionsPayload({ action_id: 'alert:status', value: 'prod.web.1', channel_id: 'CPROD', user_id: 'UDEV1', ...payload }),
        ),
      );
    await click({ team_id: 'T0EVIL' });
    const foreignUser = blockActionsPayload({ action_id: 'alert:status', value: 'prod.web.1', channel_id: 'CPROD', user_id: 'UDEV1' });
    foreignUser.user.team_id = 'T0EVIL';
    await invoke(signedActionEvent(SIGNING_SECRET, foreignUser));
    const refused = e2e.logs.filter((l) => l.msg === 'request from another workspace refused');
    expect(refused).toHaveLength(2);
    expect(e2e.handedOff).toHaveLength(0);
    expect(e2e.slack.calls.filter((c) => c.method !== 'usergroups.users.list')).toHaveLength(0);
  });

  it('with slack.enterpriseId set: another org, or no org at all, is refused', async () => {
    e2e = await setupE2E({
      configPath: configFile((d) => {
        d.slack.teamId = 'T1';
        d.slack.enterpriseId = 'E1';
      }),
    });
    const other = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', team_id: 'T1', enterprise_id: 'E0EVIL' } as never);
    expect(other.text).toContain('only answers the Slack workspace it was set up for');
    const none = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', team_id: 'T1' });
    expect(none.text).toContain('only answers the Slack workspace it was set up for');
    expect(e2e.handedOff).toHaveLength(0);
    const ok = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', team_id: 'T1', enterprise_id: 'E1' } as never);
    expect(ok.text).not.toContain('only answers');
    expect(e2e.handedOff).toHaveLength(1);
  });

  it('the config schema takes slack.teamId / slack.enterpriseId and rejects anything that is not such an id', () => {
    expect(fixtureConfig((d) => Object.assign(d.slack, { teamId: 'T1', enterpriseId: 'E1' })).slack).toMatchObject({
      teamId: 'T1',
      enterpriseId: 'E1',
    });
    expect(() => fixtureConfig((d) => (d.slack.teamId = 'not-a-team'))).toThrow(/slack\.teamId/);
    expect(() => fixtureConfig((d) => (d.slack.enterpriseId = 'T1'))).toThrow(/slack\.enterpriseId/);
  });
});
