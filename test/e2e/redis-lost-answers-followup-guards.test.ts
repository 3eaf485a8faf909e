/**
 * The follow-up of "I can't tell whether this went through" (src/commands/recheck.ts, recheck.run.ts)
 * for the changes test/e2e/redis-lost-answers-followup.test.ts does not cover: /ecs lock, unlock,
 * freeze and unfreeze (answered in the Slack function), a request created by a command (a scheduled
 * `--at` change, a break-glass change: created in the worker), a Reject form's submission (the
 * follow-up reaches the clicker where the Reject button was clicked), and a follow-up its worker
 * never delivered (told once by the scheduled tick). The bot's Redis is behind the fault proxy
 * (test/helpers/redis-fault-proxy.ts); Slack is the local Slack server, its response_url endpoint included:
 *   - deaf from the change's script on: the script ran, its answer never came: "did go through";
 *   - silent from the change's script on: it never reached Redis: "did not go through".
 */
import { createHash } from 'node:crypto';
import { SCRIPTS } from '../../src/approvals/scripts';
import { getRequest } from '../../src/approvals/workflow';
import type { ChangeRequest } from '../../src/approvals/types';
import { requestLink } from '../../src/approvals/format';
import { definedScripts } from '../../src/redis/scripts';
import { keys } from '../../src/redis/keys';
import { keyBounds } from '../../src/redis/bounds';
import { RECHECK_WITHIN_MS } from '../../src/commands/recheck.run';
import { configFile, fixtureGroups } from '../helpers/config';
import { requestDeploy, requestMessage, useDeployHarness } from '../helpers/deploy-e2e';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS } from '../helpers/redis-fault-proxy';
import { waitFor } from '../helpers/wait';
import { handler as scheduledHandler } from '../../src/handlers/scheduled';

const faults = useRedisFaultProxy();
const h = useDeployHarness({
  groups: fixtureGroups(),
  env: () => ({ REDIS_URL: faults.proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
  configPath: configFile((doc) => {
    doc.environments.prod.gates = {
      breakGlass: { users: ['UDEV2'], auditChannel: 'CAUDIT', remindEvery: '1h', retroDeadline: '4h' },
      windows: { timeZone: 'Asia/Seoul', allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' }] },
    };
  }),
});

const SATURDAY_NOON = Date.parse('2026-12-05T12:00+09:00');

const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');
/** A script's markers for the proxy: as sent (EVALSHA) or the first time on a connection (EVAL, a line of its own). */
const marks = (lua: string, line: string): [string, string] => {
  expect(lua).toContain(line);
  return [sha1(lua), line];
};
const LOCK = () => marks(SCRIPTS.lock.lua, "answer('CHANGE_RUNNING'");
const UNLOCK = () => marks(SCRIPTS.unlock.lua, "event = 'acknowledged'");
const FREEZE = () => marks(SCRIPTS.freeze.lua, "answer('ALREADY_FROZEN'");
const UNFREEZE = () => marks(SCRIPTS.unfreeze.lua, "'freeze of '");
const CREATE = () => marks(SCRIPTS.create.lua, "answer('EXISTS'");
const STEAL = () => marks(SCRIPTS.steal.lua, "'took over the lock of '");
const RETRO = () => marks(SCRIPTS.retroApprove.lua, "answer('RETRO_NOT_RUN'");
const REJECT = () => marks(SCRIPTS.reject.lua, "answer('SELF_REJECT'");
/** The worker's "about to tell them" (claimed → told). */
const TOLD = () => marks(definedScripts().find((s) => s.name === 'chatops_recheck_told_v1')!.lua, "'s', 'told'");

const CANT_TELL = "I can't tell whether this went through. I'll tell you here once I can check.";

/** Redis answers again: the faulty connections are closed and the clients reconnect. */
function redisBack(): void {
  faults.proxy.set('pass');
  faults.proxy.cut();
}

const texts = (id: string) => h.e2e.slack.responses(id).map((a) => String(a.text));
const channelTexts = (channel: string) => h.e2e.slack.messages(channel).map((m) => String(m.text));

/** `/ecs <text>` typed in CPROD by `user` while Redis is `fault` from `script` on; the ack says it can't tell. */
async function typedUnanswered(text: string, user: string, fault: 'deafFrom' | 'silentFrom', script: [string, string]): Promise<void> {
  faults.proxy[fault](...script);
  const res = await h.e2e.slash(text, { channel_id: 'CPROD', user_id: user, response_url: h.e2e.slack.responseUrl('typed') });
  expect(res.text).toContain(CANT_TELL);
}

/** `/ecs <text>` that Redis answers (the state a test starts from). */
async function typed(text: string, user: string): Promise<void> {
  faults.proxy.set('pass');
  const res = await h.e2e.slash(text, { channel_id: 'CPROD', user_id: user });
  expect(res.text).not.toContain("can't");
}

beforeEach(() => {
  h.clock.set(SATURDAY_NOON);
  faults.proxy.set('pass');
});
afterEach(() => faults.proxy.set('pass'));

describe('/ecs lock, unlock, freeze, unfreeze whose answer was lost: the follow-up', () => {
  it('lock went through: says so, and the channel gets the notice the command never posted', async () => {
    await typedUnanswered('lock web --reason "db migration"', 'UDEV1', 'deafFrom', LOCK());
    expect(channelTexts('CPROD')).toEqual([]);
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual(['Your /ecs lock web did go through.']);
    expect((await faults.direct.hgetall(keys.serviceLock('prod', 'web'))).by).toBe('UDEV1');
    expect(channelTexts('CPROD')).toEqual([expect.stringContaining('<@UDEV1> locked web in prod: “db migration”.')]);
  });

  it('lock did not reach Redis: says so and that web is not locked; nothing is posted', async () => {
    await typedUnanswered('lock web', 'UDEV1', 'silentFrom', LOCK());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual(['Your /ecs lock web did not go through: web is not locked.']);
    expect(await faults.direct.exists(keys.serviceLock('prod', 'web'))).toBe(0);
    expect(channelTexts('CPROD')).toEqual([]);
  });

  it('unlock went through / did not: says which, naming the lock still held', async () => {
    await typed('lock web --reason "db migration"', 'UDEV1');
    await typedUnanswered('unlock web', 'UDEV1', 'silentFrom', UNLOCK());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual([
      expect.stringMatching(/^Your \/ecs unlock web did not go through: web is locked by <@UDEV1> since .+: “db migration”\.$/),
    ]);

    await typedUnanswered('unlock web', 'UDEV1', 'deafFrom', UNLOCK());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed').slice(1)).toEqual(['Your /ecs unlock web did go through.']);
    expect(await faults.direct.exists(keys.serviceLock('prod', 'web'))).toBe(0);
    expect(channelTexts('CPROD').at(-1)).toContain('<@UDEV1> unlocked web in prod. Changes can be requested again.');
  });

  it('lock! (taking over a lock) went through / did not: says which; went through, the channel is told of the take-over', async () => {
    await typed('lock web --reason "db migration"', 'UDEV1');
    await typedUnanswered('lock! web --reason "hotfix"', 'ULEAD1', 'silentFrom', STEAL());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual([
      expect.stringMatching(/^Your \/ecs lock! web did not go through: web is locked by <@UDEV1> since .+: “db migration”\.$/),
    ]);

    await typedUnanswered('lock! web --reason "hotfix"', 'ULEAD1', 'deafFrom', STEAL());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed').slice(1)).toEqual(['Your /ecs lock! web did go through.']);
    expect((await faults.direct.hgetall(keys.serviceLock('prod', 'web'))).by).toBe('ULEAD1');
    expect(channelTexts('CPROD').at(-1)).toContain('<@ULEAD1> took over the lock on web in prod from <@UDEV1> (“db migration”): “hotfix”.');
  });

  it('freeze went through: says so, the services see the freeze, and the channel is told', async () => {
    await typedUnanswered('freeze prod --reason "release day"', 'ULEAD1', 'deafFrom', FREEZE());
    // The script ran; the copies the request scripts check were never written.
    expect(await faults.direct.exists(keys.envFreeze('prod'))).toBe(1);
    expect(await faults.direct.exists(keys.serviceFreeze('prod', 'web'))).toBe(0);
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual(['Your /ecs freeze prod did go through.']);
    expect((await faults.direct.hgetall(keys.serviceFreeze('prod', 'web'))).by).toBe('ULEAD1');
    expect(channelTexts('CPROD')).toEqual([expect.stringContaining('<@ULEAD1> froze prod: “release day”.')]);
  });

  it('freeze did not reach Redis: says so and that prod is not frozen', async () => {
    await typedUnanswered('freeze prod', 'ULEAD1', 'silentFrom', FREEZE());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual(['Your /ecs freeze prod did not go through: prod is not frozen.']);
    expect(await faults.direct.exists(keys.envFreeze('prod'))).toBe(0);
  });

  it('unfreeze went through / did not: says which; went through, the services no longer see the freeze', async () => {
    await typed('freeze prod --reason "release day"', 'ULEAD1');
    await typedUnanswered('unfreeze prod', 'ULEAD1', 'silentFrom', UNFREEZE());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual([
      expect.stringMatching(/^Your \/ecs unfreeze prod did not go through: prod is frozen by <@ULEAD1> since .+: “release day”\.$/),
    ]);

    await typedUnanswered('unfreeze prod', 'ULEAD1', 'deafFrom', UNFREEZE());
    expect(await faults.direct.exists(keys.serviceFreeze('prod', 'web'))).toBe(1);
    redisBack();
    await h.e2e.drain();
    expect(texts('typed').slice(1)).toEqual(['Your /ecs unfreeze prod did go through.']);
    expect(await faults.direct.exists(keys.serviceFreeze('prod', 'web'))).toBe(0);
    expect(channelTexts('CPROD').at(-1)).toContain('<@ULEAD1> unfroze prod (frozen by <@ULEAD1>');
  });
});

describe('a request created by a command whose answer was lost (scheduled, break-glass): the follow-up', () => {
  /**
   * `/ecs <text>` by `user`: its worker part runs while Redis is `fault` from the create script on;
   * once the worker said it can't tell, Redis answers again (the follow-up runs in the same worker
   * invocation, after the command). The answers through the command's response_url after that one.
   */
  async function createUnanswered(text: string, user: string, fault: 'deafFrom' | 'silentFrom'): Promise<string[]> {
    await h.e2e.slash(text, { channel_id: 'CPROD', user_id: user, response_url: h.e2e.slack.responseUrl('create') });
    faults.proxy[fault](...CREATE());
    const drained = h.e2e.drain();
    await waitFor(() => texts('create').some((s) => s.includes(CANT_TELL)), 'the command to say it cannot tell');
    redisBack();
    await drained;
    const said = texts('create');
    return said.slice(said.findIndex((s) => s.includes(CANT_TELL)) + 1);
  }

  it('a scheduled change (--at) that went through: says so, and its card is posted', async () => {
    const said = await createUnanswered('scale web 6 --at next-window --reason "campaign"', 'UDEV1', 'deafFrom');
    const req = requestMessage(h.e2e, 'CPROD');
    const stored = (await getRequest(faults.direct, req.id))!;
    expect(stored).toMatchObject({ state: 'pending', startAt: Date.parse('2026-12-07T10:00+09:00') });
    expect(said).toEqual([`Your request did go through: ${requestLink(stored)} is pending.`]);
  });

  it('a scheduled change (--at) that did not reach Redis: says so and to run it again; nothing was created', async () => {
    const said = await createUnanswered('scale web 6 --at next-window --reason "campaign"', 'UDEV1', 'silentFrom');
    expect(said).toEqual(['Your request for web (prod) did not go through. Run the command again.']);
    expect(await faults.direct.get(keys.activeRequest('prod', 'web'))).toBeNull();
    expect(channelTexts('CPROD')).toEqual([]);
  });

  it('a break-glass change that went through: says so; its card, the audit channel and the change run as the command would have', async () => {
    const said = await createUnanswered('deploy web v1.2.3 --break-glass "checkout is down"', 'UDEV2', 'deafFrom');
    const req = requestMessage(h.e2e, 'CPROD');
    const stored = (await getRequest(faults.direct, req.id))!;
    expect(stored.breakGlass).toBe('checkout is down');
    expect(stored.state).toBe('running');
    expect(said).toEqual([`Your request did go through: ${requestLink(stored)} is approved.`]);
    expect(channelTexts('CAUDIT')).toEqual([
      expect.stringContaining('<@UDEV2> broke glass in prod: Deploy web. Reason: “checkout is down”.'),
    ]);
  });

  it('a break-glass change that did not reach Redis: says so; nothing was created or run', async () => {
    const said = await createUnanswered('deploy web v1.2.3 --break-glass "checkout is down"', 'UDEV2', 'silentFrom');
    expect(said).toEqual(['Your request for web (prod) did not go through. Run the command again.']);
    expect(channelTexts('CPROD')).toEqual([]);
    expect(channelTexts('CAUDIT')).toEqual([]);
  });
});

describe('an approval after the fact of a break-glass change whose answer was lost: the follow-up', () => {
  /** UDEV2 breaks glass (the change runs); ULEAD1 clicks Approve after the fact while Redis is `fault` from its script on. */
  async function retroUnanswered(fault: 'deafFrom' | 'silentFrom'): Promise<ChangeRequest> {
    await h.e2e.slash('deploy web v1.2.3 --break-glass "checkout is down"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const req = (await getRequest(faults.direct, requestMessage(h.e2e, 'CPROD').id))!;
    faults.proxy[fault](...RETRO());
    const said = await h.e2e.click({
      action_id: 'approval:retro',
      value: req.id,
      user_id: 'ULEAD1',
      channel_id: 'CPROD',
      message_ts: req.messageTs,
      response_url: h.e2e.slack.responseUrl('retro'),
    });
    expect(said.statusCode).toBe(200);
    expect(texts('retro').join('\n')).toContain(CANT_TELL);
    redisBack();
    await h.e2e.drain();
    return req;
  }

  it('it went through: says so; the request holds the approval', async () => {
    const req = await retroUnanswered('deafFrom');
    expect(texts('retro').slice(1)).toEqual([`Your approval after the fact of ${requestLink(req)} did go through.`]);
    expect((await getRequest(faults.direct, req.id))!.approvals.map((a) => a.user)).toEqual(['ULEAD1']);
  });

  it('it did not reach Redis: says so and to press it again', async () => {
    const req = await retroUnanswered('silentFrom');
    expect(texts('retro').slice(1)).toEqual([
      `Your approval after the fact of ${requestLink(req)} did not go through. Press Approve after the fact again.`,
    ]);
    expect((await getRequest(faults.direct, req.id))!.approvals).toEqual([]);
  });
});

describe('a Reject form whose answer was lost: the follow-up', () => {
  it('reaches the clicker where they clicked Reject (its response_url), not the request channel', async () => {
    // Inside prod's change window (a deploy request is refused outside).
    h.clock.set(Date.parse('2026-12-07T11:00+09:00'));
    const id = await requestDeploy(h.e2e, 'reject me');
    const req = (await getRequest(faults.direct, id))!;
    const clicked = await h.e2e.click({
      action_id: 'approval:reject',
      value: id,
      user_id: 'ULEAD1',
      channel_id: 'CPROD',
      message_ts: req.messageTs,
      trigger_id: 'trig-reject-lost',
      response_url: h.e2e.slack.responseUrl('reject'),
    });
    expect(clicked.statusCode).toBe(200);
    faults.proxy.deafFrom(...REJECT());
    const submitted = await h.e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: id,
      user_id: 'ULEAD1',
      values: { reason: { reason: { type: 'plain_text_input', value: 'not during the sale' } } },
    });
    expect(JSON.stringify(JSON.parse(submitted.body!))).toContain("I can't tell whether this went through.");
    const ephemeralsBefore = h.e2e.slack.ephemerals('CPROD').length;
    redisBack();
    await h.e2e.drain();
    expect(texts('reject')).toEqual([`Your rejection of ${requestLink(req)} did go through.`]);
    expect(
      h.e2e.slack
        .ephemerals('CPROD')
        .slice(ephemeralsBefore)
        .map((e) => String(e.text)),
    ).toEqual([]);
    expect((await getRequest(faults.direct, id))!).toMatchObject({ state: 'rejected', decidedBy: 'ULEAD1' });
  });
});

describe('a follow-up its worker never delivered', () => {
  it('is told once by the scheduled tick after it lapses: that it could not be checked, and how to see', async () => {
    await typedUnanswered('lock web', 'UDEV1', 'deafFrom', LOCK());
    redisBack();
    const job = h.e2e.pending.find((j) => (j as { kind: string }).kind === 'recheck') as { id: string };
    // The worker runs at the follow-up's deadline (one try), claims it, finds out, and stops before
    // it can record that it tells them (as a worker that dies or times out there): it says nothing.
    h.clock.advance(RECHECK_WITHIN_MS);
    faults.proxy.silentFrom(...TOLD());
    await h.e2e.drain();
    expect(texts('typed')).toEqual([]);
    redisBack();
    const claim = keys.recheckClaim(job.id);
    expect(await faults.direct.hget(claim, 's')).toBe('claimed');
    expect(Number(await faults.direct.call('MEMORY', 'USAGE', claim, 'SAMPLES', '0'))).toBeLessThanOrEqual(keyBounds.recheckClaim.bytes);

    // Not before it lapses (the worker could still be telling them).
    await h.e2e.tick();
    await h.e2e.drain();
    expect(texts('typed')).toEqual([]);
    h.clock.advance(60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    const lapsed =
      'I could not check whether your change went through: the check stopped before it could tell you. See for yourself: /ecs status web.';
    expect(texts('typed')).toEqual([lapsed]);
    // Once: later ticks, and the job delivered again (a Lambda retry), say nothing more.
    h.clock.advance(60_000);
    await h.e2e.tick();
    h.e2e.pending.push(job);
    await h.e2e.drain();
    expect(texts('typed')).toEqual([lapsed]);
    expect(await faults.direct.zscore(keys.recheckDue(), job.id)).toBeNull();
  });

  it('a follow-up Lambda gave up on (never claimed) is told once by the tick', async () => {
    await typedUnanswered('freeze prod', 'ULEAD1', 'deafFrom', FREEZE());
    redisBack();
    // Every attempt of the worker timed out before it claimed the follow-up: Lambda sends it to the on-failure destination.
    const job = h.e2e.pending.splice(0).find((j) => (j as { kind: string }).kind === 'recheck')!;
    const record = {
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: job,
      responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 180.00 seconds' },
    };
    const sqs = { messageId: 'm1', receiptHandle: 'rh1', body: JSON.stringify(record), eventSource: 'aws:sqs', attributes: {} };
    expect(await scheduledHandler({ Records: [sqs] })).toEqual({ batchItemFailures: [] });
    await h.e2e.tick();
    await h.e2e.drain();
    const lapsed =
      'I could not check whether your change went through: the check stopped before it could tell you. See for yourself: /ecs status prod.';
    expect(texts('typed')).toEqual([lapsed]);
    // The record delivered again (SQS at least once), a later tick, a late delivery of the job itself: nothing more.
    await scheduledHandler({ Records: [sqs] });
    h.clock.advance(60_000);
    await h.e2e.tick();
    h.e2e.pending.push(job);
    await h.e2e.drain();
    expect(texts('typed')).toEqual([lapsed]);
  });

  it('a follow-up its worker told is not told again by the tick', async () => {
    await typedUnanswered('lock web', 'UDEV1', 'silentFrom', LOCK());
    redisBack();
    await h.e2e.drain();
    expect(texts('typed')).toEqual(['Your /ecs lock web did not go through: web is not locked.']);
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(texts('typed')).toHaveLength(1);
  });
});
