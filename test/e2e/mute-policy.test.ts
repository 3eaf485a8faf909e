/**
 * Issue 10, item 10: mute. The attack: a requester muted prod alerts for 7 days without approval,
 * and could repeat it. Now each environment has a maximum (`alerts.muteMax`, default 4h) counted
 * from when the mute in force began, so muting again does not extend it; a longer mute needs an
 * approver; every mute says why and is announced in the alert channel with who and why. Real
 * handlers, real Redis, the local Slack server.
 */
import { keys } from '../../src/redis/keys';
import { setupE2E, type E2E } from '../helpers/e2e';
import { configFile, fixtureConfig } from '../helpers/config';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

let now = T0;
let e2e: E2E;

async function start(edit?: Parameters<typeof configFile>[0]): Promise<void> {
  now = T0;
  e2e = await setupE2E({ now: () => now, ...(edit ? { configPath: configFile(edit) } : {}) });
  e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
  e2e.slack.setUserGroup('SLEADS', ['ULEAD3']);
}

afterEach(async () => {
  await e2e.close();
});

const mute = (text: string, user = 'UDEV1') => e2e.slash(text, { channel_id: 'CPROD', user_id: user });
const stored = () => e2e.rt.redis.hgetall(keys.alertMute('prod', 'web'));
const notices = () => e2e.slack.messages('CALERTS').map((m) => JSON.stringify(m.blocks));

describe('a requester', () => {
  beforeEach(() => start());

  it('cannot mute prod alerts for 7 days: refused, nothing recorded, nothing announced', async () => {
    const res = await mute('mute web 7d --reason "quiet week"');
    expect(res.text).toContain('A requester may mute alerts in `prod` for at most 4h');
    expect(res.text).toContain('A longer mute needs an approver of `prod`');
    // One icon (the refusal's), not the reply's and the message's own (was ":no_entry: :no_entry: A requester …").
    expect(res.body && res.body.blocks?.[0]).toMatchObject({ text: { text: expect.stringMatching(/^:no_entry: A requester/) } });
    expect(await stored()).toEqual({});
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('may mute up to the maximum; muting again does not extend it, shortening does', async () => {
    expect((await mute('mute web 4h --reason "load test"')).text).toContain('are muted for 4h');
    now += 3 * HOUR;
    const again = await mute('mute web 4h --reason "still testing"', 'UDEV2');
    expect(again.text).toContain('A requester may mute alerts in `prod` for at most 4h');
    expect(again.text).toContain('have been muted since');
    expect(again.text).toContain('(by <@UDEV1>)');
    expect(await stored()).toMatchObject({ by: 'UDEV1', until: String(T0 + 4 * HOUR) });
    // Within what is left of the mute in force: fine, and it keeps when the mute began.
    expect((await mute('mute web 30m --reason "almost done"', 'UDEV2')).text).toContain('are muted for 30m');
    expect(await stored()).toMatchObject({ by: 'UDEV2', since: String(T0), until: String(now + 30 * MIN) });
    // Once the mute has ended, a new one starts a new count.
    now += 2 * HOUR;
    expect((await mute('mute web 4h --reason "second run"')).text).toContain('are muted for 4h');
    expect(await stored()).toMatchObject({ since: String(now), until: String(now + 4 * HOUR) });
  });

  it('must say why, and the alert channel is told who and why', async () => {
    const bare = await mute('mute web 2h');
    expect(bare.text).toContain('Say why with --reason');
    expect(await stored()).toEqual({});
    await mute('mute web 2h --reason "noisy retries, fix in #123"');
    expect(notices()).toEqual([expect.stringContaining('<@UDEV1> muted alerts for `web` (`prod`)')]);
    expect(notices()[0]).toContain('noisy retries, fix in #123');
  });

  it('is told when the alert channel could not be told (the mute stands)', async () => {
    e2e.slack.failNext('chat.postMessage', 'not_in_channel');
    const res = await mute('mute web 1h --reason "deploy window"');
    expect(res.text).toContain('are muted for 1h');
    expect(res.text).toContain('I could not tell <#CALERTS>');
    expect(res.text).toContain('not_in_channel');
    expect(await stored()).toMatchObject({ by: 'UDEV1' });
  });
});

describe('an approver', () => {
  beforeEach(() => start());

  it('may mute beyond the maximum (at most 7d), and the announcement says so', async () => {
    const res = await mute('mute web 2d --reason "datacenter move"', 'ULEAD1');
    expect(res.text).toContain('are muted for 2d');
    expect(await stored()).toMatchObject({ by: 'ULEAD1', until: String(T0 + 48 * HOUR) });
    expect(notices()[0]).toContain('<@ULEAD1> muted alerts for `web` (`prod`)');
    expect(notices()[0]).toContain('longer than the 4h a requester may mute in `prod`; <@ULEAD1> set it as an approver');
    expect(e2e.logs.find((l) => l.msg === 'alerts muted')).toMatchObject({ by: 'ULEAD1', asApprover: true });
    expect((await mute('mute web 8d --reason "longer"', 'ULEAD1')).text).toContain('The longest mute is 7d');
  });

  it('through a user group counts as an approver too', async () => {
    expect((await mute('mute web 1d --reason "migration"', 'ULEAD3')).text).toContain('are muted for 24h');
  });
});

describe('the maximum is per environment', () => {
  beforeEach(() => start((d) => (d.environments.prod.alerts.muteMax = '30m')));

  it('prod 30m refuses what staging (default 4h) allows', async () => {
    expect((await mute('mute web 1h --reason "x"')).text).toContain('for at most 30m');
    const stg = await e2e.slash('mute web-staging 1h --reason "x"', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    expect(stg.text).toContain('are muted for 1h');
  });

  it('alerts.muteMax is a duration between 1m and 7d', () => {
    expect(fixtureConfig().environments.prod!.alerts.muteMax).toBe(4 * HOUR);
    expect(() => fixtureConfig((d) => (d.environments.prod.alerts.muteMax = '8d'))).toThrow(/muteMax/);
    expect(() => fixtureConfig((d) => (d.environments.prod.alerts.muteMax = 'soon'))).toThrow(/muteMax/);
  });
});
