/**
 * After "I can't tell whether this went through" (a change's Redis command sent and not answered in
 * time, test/e2e/redis-silent-answers.test.ts), the bot finds out once Redis answers again and tells
 * the same person where they acted (src/commands/recheck.ts, recheck.run.ts). The bot's Redis is
 * behind the fault proxy (test/helpers/redis-fault-proxy.ts); the test reads Redis directly:
 *   - deaf from the change's script on: the script ran, its answer never came: "did go through";
 *   - silent from the change's script on: it never reached Redis: "did not go through";
 *   - Redis down until the follow-up's deadline: "still can't tell", and where to look.
 * For an Approve click (the hand-off the lost answer skipped is made by the follow-up) and /ecs mute.
 */
import { createHash } from 'node:crypto';
import { SCRIPTS } from '../../src/approvals/scripts';
import { getRequest } from '../../src/approvals/workflow';
import { requestLink } from '../../src/approvals/format';
import { definedScripts } from '../../src/redis/scripts';
import { keys } from '../../src/redis/keys';
import { RECHECK_WITHIN_MS } from '../../src/commands/recheck.run';
import '../../src/alerts/store';
import { fixtureGroups } from '../helpers/config';
import { requestDeploy, useDeployHarness } from '../helpers/deploy-e2e';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS } from '../helpers/redis-fault-proxy';
import { clickRequestButton, HOME_TAB_CLICK } from '../helpers/e2e';
import { redisSeenDown } from '../helpers/model';

const faults = useRedisFaultProxy();
const h = useDeployHarness({
  groups: fixtureGroups(),
  env: () => ({ REDIS_URL: faults.proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
});

const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');
/** The approve script, as sent (EVALSHA) or the first time on a connection (EVAL). */
const APPROVE = [sha1(SCRIPTS.approve.lua), "answer('SELF_APPROVAL'"];
const MUTE = [sha1(definedScripts().find((s) => s.name === 'chatops_alert_mute_v1')!.lua), "'beyond', h[1]"];

const CANT_TELL = "I can't tell whether this went through. I'll tell you here once I can check.";

/** Redis answers again: the faulty connections are closed and the clients reconnect. */
function redisBack(): void {
  faults.proxy.set('pass');
  faults.proxy.cut();
}

/** Redis stays unreachable past the follow-up's deadline (the worker's client has seen its connection go when the follow-up runs). */
async function redisDownPastDeadline(): Promise<void> {
  faults.proxy.set('down');
  h.clock.advance(RECHECK_WITHIN_MS);
  await redisSeenDown();
}

/** A prod deploy request of web, posted for approval (the fixture's prod needs one approval). */
async function request(): Promise<string> {
  faults.proxy.set('pass');
  return requestDeploy(h.e2e, 'redis answers late');
}

/** ULEAD1 clicks Approve while Redis is `fault` from the approve script on; what they were told at once, and the request's id. */
async function approveUnanswered(fault: 'deafFrom' | 'silentFrom'): Promise<{ id: string; link: string }> {
  const id = await request();
  const req = (await getRequest(faults.direct, id))!;
  faults.proxy[fault](...APPROVE);
  const said = (await clickRequestButton(h.e2e, req, 'approve', 'ULEAD1', 'click')).join('\n');
  expect(said).toContain(CANT_TELL);
  // The follow-up names the request by a link to its card.
  return { id, link: requestLink(req) };
}

/** The answers that reached the clicker through the click's response_url after the first one. */
const followUps = () =>
  h.e2e.slack
    .responses('click')
    .slice(1)
    .map((a) => String(a.text));

describe('an Approve click whose answer was lost: the follow-up', () => {
  afterEach(() => faults.proxy.set('pass'));

  it('it went through: says so, and hands off the change the click approved', async () => {
    const { id, link } = await approveUnanswered('deafFrom');
    // The script ran: approved, and nobody handed the change off.
    expect((await getRequest(faults.direct, id))!.state).toBe('approved');
    expect(h.e2e.pending.filter((j) => (j as { kind: string }).kind === 'execute')).toHaveLength(0);
    redisBack();
    await h.e2e.drain();
    expect(followUps()).toEqual([`Your approval of ${link} did go through (1 of 1; the change is starting).`]);
    const after = (await getRequest(faults.direct, id))!;
    expect(after.approvals.map((a) => a.user)).toEqual(['ULEAD1']);
    expect(after.state).toBe('running');
  });

  it('it did not reach Redis: says it did not go through and to press Approve again; nothing was approved', async () => {
    const { id, link } = await approveUnanswered('silentFrom');
    redisBack();
    await h.e2e.drain();
    expect(followUps()).toEqual([`Your approval of ${link} did not go through. Press Approve again.`]);
    const after = (await getRequest(faults.direct, id))!;
    expect(after.state).toBe('pending');
    expect(after.approvals).toEqual([]);
  });

  it('its answer taken by Slack without an answer: said once (not again with the bot token)', async () => {
    const { link } = await approveUnanswered('deafFrom');
    redisBack();
    // The follow-up's response_url answer is held past the worker's time for it: it may have shown.
    h.e2e.slack.stallNext('response_url', Infinity, 1);
    await h.e2e.drain();
    expect(h.e2e.slack.releaseStalls()).toBe(1);
    await h.e2e.slack.waitFor((calls) => calls.every((c) => c.response !== undefined), 2_000, 'the late answer lands');
    expect(followUps()).toEqual([`Your approval of ${link} did go through (1 of 1; the change is starting).`]);
    const ephemerals = h.e2e.slack.callsTo('chat.postEphemeral').map((c) => JSON.stringify(c.body));
    expect(ephemerals.filter((b) => b.includes('did go through'))).toEqual([]);
  }, 30_000);

  it('Redis still down at the deadline: says it still cannot tell, and where to look', async () => {
    await approveUnanswered('silentFrom');
    await redisDownPastDeadline();
    await h.e2e.drain();
    expect(followUps()).toEqual([expect.stringContaining("I still can't tell whether this went through. Before you try again, look at")]);
    expect(followUps()[0]).toContain('/ecs history');
  });
});

describe('an Approve click in the Home tab whose answer was lost: the follow-up', () => {
  afterEach(() => faults.proxy.set('pass'));

  it('goes to the clicker in a direct message (no channel, no response_url), not to the request channel', async () => {
    const id = await request();
    const req = (await getRequest(faults.direct, id))!;
    faults.proxy.deafFrom(...APPROVE);
    await h.e2e.click({ action_id: 'approval:approve', value: id, user_id: 'ULEAD1', payload: HOME_TAB_CLICK });
    expect(JSON.stringify(h.e2e.slack.callsTo('views.open').at(-1)!.body.view.blocks)).toContain(CANT_TELL);
    redisBack();
    await h.e2e.drain();
    const told = `Your approval of ${requestLink(req)} did go through (1 of 1; the change is starting).`;
    const dms = h.e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === 'ULEAD1');
    expect(dms.map((c) => String(c.body.text))).toEqual([told]);
    const ephemerals = h.e2e.slack.callsTo('chat.postEphemeral').map((c) => JSON.stringify(c.body));
    expect(ephemerals.filter((b) => b.includes('did go through'))).toEqual([]);
  });
});

describe('a Cancel click whose answer was lost: the follow-up', () => {
  afterEach(() => faults.proxy.set('pass'));

  it('it went through: says so, and the card shows the request cancelled', async () => {
    const id = await request();
    const req = (await getRequest(faults.direct, id))!;
    faults.proxy.deafFrom(sha1(SCRIPTS.cancel.lua), "answer('NOT_CANCELLER'");
    expect((await clickRequestButton(h.e2e, req, 'cancel', 'UDEV1', 'click')).join('\n')).toContain(CANT_TELL);
    redisBack();
    await h.e2e.drain();
    expect(followUps()).toEqual([`Your cancellation of ${requestLink(req)} did go through.`]);
    expect((await getRequest(faults.direct, id))!.state).toBe('cancelled');
    const card = h.e2e.slack.messages('CPROD').find((m) => m.ts === req.messageTs)!;
    expect(JSON.stringify(card.blocks)).not.toContain('approval:approve');
  });
});

describe('/ecs mute whose answer was lost: the follow-up', () => {
  afterEach(() => faults.proxy.set('pass'));

  /** UDEV1 mutes web for 2 h while Redis is `fault` from the mute script on; the command's ack. */
  async function muteUnanswered(fault: 'deafFrom' | 'silentFrom'): Promise<string> {
    faults.proxy[fault](...MUTE);
    const res = await h.e2e.slash('mute web 2h --reason "load test"', {
      channel_id: 'CPROD',
      user_id: 'UDEV1',
      response_url: h.e2e.slack.responseUrl('mute'),
    });
    expect(res.text).toContain(CANT_TELL);
    return res.text;
  }
  const said = () => h.e2e.slack.responses('mute').map((a) => String(a.text));
  const notices = () => h.e2e.slack.messages('CALERTS').map((m) => String(m.text));

  it('it went through: says web is muted until when, and the alert channel is told as the command would have', async () => {
    await muteUnanswered('deafFrom');
    expect(notices()).toEqual([]);
    redisBack();
    await h.e2e.drain();
    expect(said()).toEqual([expect.stringMatching(/^Your mute did go through: alerts for web \(prod\) are muted until .+\.$/)]);
    expect((await faults.direct.hgetall(keys.alertMute('prod', 'web'))).by).toBe('UDEV1');
    expect(notices()).toEqual([expect.stringContaining('<@UDEV1> muted alerts for web (prod) until')]);
  });

  it('it did not reach Redis: says it did not go through and web is not muted', async () => {
    await muteUnanswered('silentFrom');
    redisBack();
    await h.e2e.drain();
    expect(said()).toEqual(['Your mute did not go through: alerts for web (prod) are not muted. Run the command again.']);
    expect(await faults.direct.exists(keys.alertMute('prod', 'web'))).toBe(0);
    expect(notices()).toEqual([]);
  });

  it('Redis still down at the deadline: says it still cannot tell, and to look at the alert channel', async () => {
    await muteUnanswered('silentFrom');
    await redisDownPastDeadline();
    await h.e2e.drain();
    expect(said()).toEqual([expect.stringContaining("I still can't tell whether this went through. Before you try again, look at")]);
    expect(said()[0]).toContain('the alert channel');
  });
});
