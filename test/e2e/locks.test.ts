/**
 * /ecs lock, unlock, freeze, unfreeze end to end through the Slack Lambda handler: answered in the
 * ack (Redis only), announced in the channel, and refusing changes with who / why / since.
 */
import { readAudit } from '../../src/approvals/audit';
import { servicesIn } from '../../src/config/load';
import { readGuards } from '../../src/approvals/guards';
import { setupE2E, useE2E } from '../helpers/e2e';
import { approveRequest } from '../../src/approvals/clicks';
import { submitRequest } from '../../src/approvals/workflow';
import { FakeClock } from '../helpers/clock';
import { allKeys } from '../helpers/redis';
import { fixtureGroups } from '../helpers/config';
import { refusalOf } from '../helpers/refusal';
import { slackClientOptions } from '../../src/slack/gateway';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const MIN = 60_000;

describe('locks and freezes through the Slack Lambda handler', () => {
  const clock = new FakeClock(T0);

  beforeEach(() => {
    clock.set(T0);
  });
  const e2e = useE2E(() => ({ now: clock.now, groups: fixtureGroups() }));

  const prod = (user: string) => ({ channel_id: 'CPROD', user_id: user });

  it('does not wait for Slack to take the channel notice: answers with the Slack call still unanswered; the lock holds', async () => {
    // Slack takes the notice but does not answer until the test is over: the answer must come from
    // the edge's own bound on that call, not from Slack. No wall-clock assertion (a loaded machine
    // stretches any bound); the bound itself: one attempt, well inside Slack's 3 seconds. (Whether the
    // local Slack server, in this same loaded process, even read the request before the client gave up
    // is not guaranteed, so it is not asserted.)
    expect(slackClientOptions({}, 'withinAck')).toMatchObject({ retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    expect(slackClientOptions({}, 'withinAck').timeout).toBeLessThanOrEqual(1_500);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let answered = false;
    e2e.slack.handle('chat.postMessage', async () => {
      await held;
      answered = true;
      return { ok: true, channel: 'CPROD', ts: '1700000000.000999' };
    });
    try {
      const res = await e2e.slash('lock web --reason "db migration"', prod('UDEV1'));
      expect(answered).toBe(false);
      expect(res.text).toContain('Locked `web` in `prod`.');
      // The notice may have landed: the worker is handed it, to look for it and post it only when it is not there
      // (test/e2e/notices-handoff.test.ts); the person is not told of it.
      expect(res.text).not.toContain('I could not post the notice');
      expect(e2e.handedOff).toEqual([expect.objectContaining({ kind: 'notice', channel: 'CPROD', triedAt: expect.any(Number) })]);
      expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toMatchObject({ by: 'UDEV1', kind: 'manual' });
    } finally {
      release();
    }
  });

  it('locks a service, tells the channel, and refuses changes with who, why and since', async () => {
    const res = await e2e.slash('lock web --reason "migrating the <!channel> orders table"', prod('UDEV1'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(res.text).toContain('Locked `web` in `prod`. I told the channel.');
    const [notice] = e2e.slack.messages('CPROD');
    // The grammar already turns Slack's <!channel> into inert text; the notice escapes what is left.
    expect(JSON.stringify(notice!.blocks)).toContain(
      ':lock: <@UDEV1> locked `web` in `prod`: “migrating the @channel orders table”. New changes to it by anyone else are refused until `/ecs unlock web`.',
    );
    // The notification says the same without mrkdwn.
    expect(notice!.text).toBe(
      '<@UDEV1> locked web in prod: “migrating the @channel orders table”. New changes to it by anyone else are refused until /ecs unlock web.',
    );
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toMatchObject({
      by: 'UDEV1',
      kind: 'manual',
      since: T0,
      reason: 'migrating the @channel orders table',
    });
    expect(e2e.handedOff).toHaveLength(0);

    clock.advance(12 * MIN);
    const err = await refusalOf(
      submitRequest(e2e.rt, {
        verb: 'deploy',
        environment: 'prod',
        service: 'web',
        plan: {},
        summary: 'x',
        requester: 'UDEV2',
        channel: 'CPROD',
        invocationId: 'cmd-x',
      }),
    );
    expect(err.userMessage).toContain('`web` in `prod` is locked by <@UDEV1> since <!date^');
    expect(err.userMessage).toContain('(12m ago): “migrating the @channel orders table”');

    const again = await e2e.slash('lock web', prod('UDEV2'));
    expect(again.text).toContain('is already locked by <@UDEV1>');
  });

  it("unlocking someone else's lock needs an approver (who need not be a requester)", async () => {
    await e2e.slash('lock web --reason db', prod('UDEV1'));
    const dev = await e2e.slash('unlock web', prod('UDEV2'));
    expect(dev.text).toContain('Only <@UDEV1> or an approver can unlock it');
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toBeDefined();

    const lead = await e2e.slash('unlock web', prod('ULEAD1'));
    expect(lead.text).toContain('Unlocked `web` in `prod`.');
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toBeUndefined();
    expect(
      e2e.slack
        .messages('CPROD')
        .map((m) => JSON.stringify(m.blocks))
        .pop(),
    ).toContain('<@ULEAD1> unlocked `web` in `prod` (locked by <@UDEV1> 0s ago: “db”)');
    const audit = await readAudit(e2e.rt.redis, 'prod', { service: 'web', limit: 5 });
    expect(audit.map((a) => [a.event, a.actor])).toEqual([
      ['unlocked', 'ULEAD1'],
      ['locked', 'UDEV1'],
    ]);
  });

  it('a pending request cannot be approved while its service is locked; the answer says by whom', async () => {
    const req = await submitRequest(e2e.rt, {
      verb: 'scale',
      environment: 'prod',
      service: 'web',
      plan: {},
      summary: 'scale 2 → 4',
      requester: 'UDEV1',
      channel: 'CPROD',
      invocationId: 'cmd-y',
    });
    await e2e.slash('lock web --reason "load test"', prod('UDEV2'));
    const res = await approveRequest(e2e.rt, req.id, 'ULEAD1');
    expect(res).toMatchObject({ ok: false, code: 'LOCKED' });
    expect(!res.ok && res.message('en')).toContain('locked by <@UDEV2>');
  });

  it('freeze is for approvers; it refuses every change in the environment until unfrozen', async () => {
    const dev = await e2e.slash('freeze prod --reason "Black Friday"', prod('UDEV1'));
    expect(dev.text).toContain('You are not allowed to freeze or unfreeze `prod`');
    const lead = await e2e.slash('freeze prod --reason "Black Friday"', prod('ULEAD1'));
    expect(lead.text).toContain('Froze `prod`. I told the channel.');
    expect(JSON.stringify(e2e.slack.messages('CPROD').pop()!.blocks)).toContain(':snowflake: <@ULEAD1> froze `prod`: “Black Friday”');
    const err = await refusalOf(
      submitRequest(e2e.rt, {
        verb: 'restart',
        environment: 'prod',
        service: 'worker',
        plan: {},
        summary: 'restart',
        requester: 'UDEV1',
        channel: 'CPROD',
        invocationId: 'cmd-z',
      }),
    );
    expect(err.code).toBe('REFUSED');
    expect(err.userMessage).toContain('`prod` is frozen by <@ULEAD1>');
    expect(err.userMessage).toContain('“Black Friday”');

    expect((await e2e.slash('freeze prod', prod('ULEAD2'))).text).toContain('`prod` is already frozen by <@ULEAD1>');
    expect((await e2e.slash('unfreeze prod', prod('ULEAD2'))).text).toContain('Unfroze `prod`.');
    expect((await e2e.slash('unfreeze prod', prod('ULEAD2'))).text).toContain('`prod` is not frozen');
    const envAudit = await readAudit(e2e.rt.redis, 'prod', { services: servicesIn(e2e.rt.config, 'prod').map((s) => s.alias), limit: 5 });
    expect(envAudit.map((a) => a.event)).toEqual(['unfrozen', 'frozen']);
  });

  it.each([
    ['lock', 'Missing service, e.g. `/ecs lock web`.'],
    ['lock wbe', "I don't know a service called `wbe`."],
    ['lock wbe', 'Services: `web`, `worker`, `web-staging`.'],
    [
      'lock web --reason migrating the DB',
      'A reason of several words goes in quotes after --reason, e.g. `/ecs lock web --reason \\"migrating the DB\\"`',
    ],
    ['lock web --reason', '--reason: needs a value'],
    ['lock web --force', 'Unknown flag `--force`'],
    ['unlock web now', 'Unexpected extra input: `now`'],
    ['unlock', 'Missing service, e.g. `/ecs unlock web`.'],
    ['unfreeze', 'Missing environment, e.g. `/ecs unfreeze prod`.'],
    ['unfreeze prod staging', 'Unexpected extra input: `staging`'],
    ['freeze', 'Missing environment, e.g. `/ecs freeze prod`.'],
    ['freeze prdo', "I don't know an environment called `prdo`."],
    ['freeze prdo', 'Environments: `staging`, `prod`.'],
    ['unfreeze prod --reason x', 'Unknown flag `--reason`'],
  ])('/ecs %s is answered with what to type', async (text, expected) => {
    const res = await e2e.slash(text, prod('ULEAD1'));
    expect(res.status).toBe(200);
    expect(res.text).toContain(expected);
    expect(await allKeys(e2e.rt.redis, 'lock:*')).toEqual([]);
    expect(await allKeys(e2e.rt.redis, 'freeze:*')).toEqual([]);
  });

  it('refuses a lock from a channel of another environment', async () => {
    const res = await e2e.slash('lock web', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    expect(res.text).toContain('Commands for `prod` are not allowed in this channel');
  });

  it('a retried delivery of the same command locks once and announces once', async () => {
    const first = await e2e.slash('lock worker --reason deploy-freeze', { ...prod('UDEV1'), trigger_id: 'trig-lock-1' });
    const retry = await e2e.slash('lock worker --reason deploy-freeze', { ...prod('UDEV1'), trigger_id: 'trig-lock-1' }, { retryNum: 1 });
    expect(first.text).toContain('Locked `worker`');
    expect(retry.body).toBe('');
    expect(e2e.slack.messages('CPROD')).toHaveLength(1);
  });

  it('still locks when the channel notice cannot be posted, and says so (not handed to the worker: Slack would refuse it again)', async () => {
    e2e.slack.failNext('chat.postMessage', 'not_in_channel');
    const res = await e2e.slash('lock web', prod('UDEV1'));
    expect(res.text).toContain('Locked `web` in `prod`. (I could not post the notice in this channel');
    expect(e2e.handedOff).toEqual([]);
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toBeDefined();
  });
});

describe('locks when Redis is down', () => {
  it('refuses clearly', async () => {
    const e2e = await setupE2E({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const res = await e2e.slash('lock web --reason x', { channel_id: 'CPROD', user_id: 'UDEV1' });
      expect(res.status).toBe(200);
      expect(res.text).toContain("I can't reach the approvals store (Redis) right now, so nothing was changed.");
      expect(e2e.slack.messages()).toHaveLength(0);
    } finally {
      e2e.rt.redis.disconnect();
      await e2e.close();
      await new Promise((r) => setTimeout(r, 1_050)); // ioredis's lingering 1 s commandTimeout timer
    }
  });
});
