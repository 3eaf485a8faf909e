/**
 * The request message's buttons end to end: signed block_actions / view_submission payloads into
 * the Slack Lambda handler, the real Redis, the local Slack API server. A request is created with
 * the store's API (the change verbs call the same function), then people click.
 */
import { handler as workerHandler } from '../../src/handlers/worker';
import { configFile, fixtureGroups } from '../helpers/config';
import { setupE2E, useE2E } from '../helpers/e2e';
import { flushRedis } from '../helpers/redis';
import type { SlackBody } from '../helpers/slack-server';
import type { ChangeRequest } from '../../src/approvals/types';
import { submitRequest, getRequest, type SubmitInput } from '../../src/approvals/workflow';
import { startExecution, finishExecution } from '../../src/approvals/execution';
import { FakeClock } from '../helpers/clock';
import { planBase } from '../helpers/aws-fixtures';
import { standInExecuteJob } from '../helpers/execute-stand-in';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);

function input(over: Partial<SubmitInput> = {}): SubmitInput {
  return {
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: { verb: 'deploy', tag: 'v1.2.3' },
    summary: 'Deploy `v1.2.3` to `web`',
    requester: 'UDEV1',
    reason: 'hotfix',
    channel: 'CPROD',
    invocationId: `cmd-${Math.random().toString(36).slice(2)}`,
    ...over,
  };
}

describe('approval buttons through the Slack Lambda handler', () => {
  const clock = new FakeClock(T0);
  let clicks = 0;

  beforeEach(() => {
    clock.set(T0);
  });
  const e2e = useE2E(() => ({ now: clock.now, groups: fixtureGroups() }));

  /** Click a button of the request message as `user`; returns what the clicker was told. */
  async function click(
    req: ChangeRequest,
    action: 'approve' | 'reject' | 'cancel' | string,
    user: string,
    extra: { trigger_id?: string } = {},
  ) {
    const replyId = `click-${++clicks}`;
    const stored = e2e.slack.message(req.channel, req.messageTs!);
    const res = await e2e.click({
      action_id: action.includes(':') ? action : `approval:${action}`,
      value: req.id,
      user_id: user,
      channel_id: req.channel,
      message_ts: req.messageTs,
      response_url: e2e.slack.responseUrl(replyId),
      ...(stored ? { message: { blocks: stored.blocks } } : {}),
      ...extra,
    });
    expect(res.statusCode).toBe(200);
    const answers = e2e.slack.responses(replyId);
    return { res, answers, text: answers.map((a: SlackBody) => `${a.text}\n${JSON.stringify(a.blocks)}`).join('\n') };
  }

  const executeJobs = () => e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'execute');
  const messageText = (req: ChangeRequest) => JSON.stringify(e2e.slack.message(req.channel, req.messageTs!)!.blocks);

  it('refuses the requester and a non-approver, then the approver approves: message updated, one execution handed off', async () => {
    const req = await submitRequest(e2e.rt, input());
    const self = await click(req, 'approve', 'UDEV1');
    expect(self.text).toContain('You asked for this change, so you cannot approve it yourself');
    expect(self.answers[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const dev = await click(req, 'approve', 'UDEV2');
    expect(dev.text).toContain('You are not (or no longer) an approver in `prod`');
    expect(executeJobs()).toHaveLength(0);

    const ok = await click(req, 'approve', 'ULEAD1');
    expect(ok.answers).toHaveLength(0);
    expect(executeJobs()).toEqual([{ kind: 'execute', id: `exec-${req.id}`, requestId: req.id, auth: expect.any(Object) }]);
    expect(messageText(req)).toContain('*Approved* by <@ULEAD1>');
    expect(messageText(req)).not.toContain('approval:approve');

    const late = await click(req, 'approve', 'ULEAD2');
    expect(late.text).toContain('already approved by <@ULEAD1>');
    expect(executeJobs()).toHaveLength(1);
  });

  it('two approvers clicking at the same moment start exactly one execution; the other is told', async () => {
    const req = await submitRequest(e2e.rt, input());
    const [a, b] = await Promise.all([click(req, 'approve', 'ULEAD1'), click(req, 'approve', 'ULEAD2')]);
    expect(executeJobs()).toHaveLength(1);
    const told = [a, b].filter((r) => r.answers.length);
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toMatch(/already approved by <@ULEAD[12]>/);
    expect((await getRequest(e2e.rt.redis, req.id))!.approvals).toHaveLength(1);
  });

  it('one person clicking Approve twice counts once when two approvals are needed', async () => {
    await e2e.restart({ now: clock.now, configPath: configFile((d) => (d.environments.prod.approvals.deploy = 2)) });
    e2e.slack.setUserGroup('SLEADS', ['ULEADG']);
    const req = await submitRequest(e2e.rt, input());
    await Promise.all([click(req, 'approve', 'ULEAD1'), click(req, 'approve', 'ULEAD1')]);
    const r = (await getRequest(e2e.rt.redis, req.id))!;
    expect(r.approvals.map((x) => x.user)).toEqual(['ULEAD1']);
    expect(r.state).toBe('pending');
    expect(messageText(req)).toContain('1 of 2');
    const again = await click(req, 'approve', 'ULEAD1');
    expect(again.text).toContain('You already approved this request');
    // a member of the approvers' user group gives the second approval
    await click(req, 'approve', 'ULEADG');
    expect(executeJobs()).toHaveLength(1);
  });

  it('a user removed from the approvers group since the request is refused at click time', async () => {
    e2e.slack.setUserGroup('SLEADS', ['UEXLEAD', 'ULEADG']);
    const req = await submitRequest(e2e.rt, input());
    // Membership is read at click time (no lookup happened yet in this process; the directory caches 5 minutes).
    e2e.slack.setUserGroup('SLEADS', ['ULEADG']);
    const res = await click(req, 'approve', 'UEXLEAD');
    expect(res.text).toContain('not (or no longer) an approver');
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('pending');
    expect(e2e.slack.callsTo('usergroups.users.list').map((c) => c.body.usergroup)).toEqual(['SLEADS']);
    expect((await click(req, 'approve', 'ULEADG')).answers).toHaveLength(0);
    expect(executeJobs()).toHaveLength(1);
  });

  it('a click after the time-to-live expires the request and removes the buttons', async () => {
    const req = await submitRequest(e2e.rt, input());
    clock.set(req.expiresAt + 1);
    const res = await click(req, 'approve', 'ULEAD1');
    expect(res.text).toContain('This request expired');
    expect(messageText(req)).toContain('Expired');
    expect(messageText(req)).not.toContain('approval:approve');
    expect(executeJobs()).toHaveLength(0);
  });

  it('the scheduled tick expires requests and updates their message', async () => {
    const req = await submitRequest(e2e.rt, input());
    clock.set(req.expiresAt - 1);
    await e2e.tick();
    expect(messageText(req)).toContain('approval:approve');
    clock.set(req.expiresAt + 1);
    await e2e.tick();
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('expired');
    expect(messageText(req)).toContain('Expired');
    expect(messageText(req)).not.toContain('approval:approve');
  });

  it("the tick's expiry tells the requester in the thread, once, with the same request as a Request again button", async () => {
    const plan = { verb: 'scale', ...planBase(T0), from: 4, to: 6 };
    const req = await submitRequest(e2e.rt, input({ verb: 'scale', plan, reason: 'peak traffic' }));
    clock.set(req.expiresAt + 1);
    await e2e.tick();
    await e2e.tick();
    const notes = e2e.slack.messages('CPROD').filter((m) => m.thread_ts === req.messageTs && m.ts !== req.messageTs);
    expect(notes).toHaveLength(1);
    const text = JSON.stringify(notes[0]!.blocks);
    expect(text).toContain(':hourglass: <@UDEV1> this Scale of `web` expired');
    expect(text).toContain('with 0 of the 1 approvals it needed (requests wait 1h). Nothing was changed.');
    const buttons = (notes[0]!.blocks as Array<{ elements?: Array<{ text: { text: string }; value: string }> }>).flatMap(
      (b) => b.elements ?? [],
    );
    expect(buttons.map((b) => [b.text.text, JSON.parse(b.value)])).toEqual([
      ['Request again', { c: 'scale web 6 --reason "peak traffic"' }],
    ]);
  });

  it('a request a click expired is told about by the next tick, once; its index entry is then gone', async () => {
    const plan = { verb: 'scale', ...planBase(T0), from: 4, to: 6 };
    const req = await submitRequest(e2e.rt, input({ verb: 'scale', plan, reason: 'peak traffic' }));
    const pending = `approvals:{svc:prod:web}:pending`;
    clock.set(req.expiresAt + 1);
    expect((await click(req, 'approve', 'ULEAD1')).text).toContain('This request expired');
    const notes = () => e2e.slack.messages('CPROD').filter((m) => m.thread_ts === req.messageTs && m.ts !== req.messageTs);
    expect(notes()).toHaveLength(0);
    // Still due: the tick has to tell its requester.
    expect(await e2e.rt.redis.zscore(pending, req.id)).not.toBeNull();
    clock.set(req.expiresAt + 60_000);
    await e2e.tick();
    await e2e.tick();
    expect(notes()).toHaveLength(1);
    const text = JSON.stringify(notes()[0]!.blocks);
    expect(text).toContain(':hourglass: <@UDEV1> this Scale of `web` expired');
    // The time it expired (the click's), not the tick's.
    expect(text).toContain(`<!date^${Math.floor((req.expiresAt + 1) / 1000)}^`);
    expect(text).toContain('Request again');
    expect(await e2e.rt.redis.zscore(pending, req.id)).toBeNull();
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('expired');
    expect(messageText(req)).toContain('Expired');
  });

  it('a request its own requester found expired (their click answered so) gets no expiry note from the tick', async () => {
    const req = await submitRequest(e2e.rt, input());
    clock.set(req.expiresAt + 1);
    expect((await click(req, 'cancel', 'UDEV1')).text).toContain('This request expired');
    expect(await e2e.rt.redis.zscore(`approvals:{svc:prod:web}:pending`, req.id)).toBeNull();
    clock.set(req.expiresAt + 60_000);
    await e2e.tick();
    expect(e2e.slack.messages('CPROD').filter((m) => m.thread_ts === req.messageTs && m.ts !== req.messageTs)).toHaveLength(0);
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('expired');
  });

  it('a request a new request for the same service expired on the way is told about by the next tick', async () => {
    const old = await submitRequest(e2e.rt, input());
    clock.set(old.expiresAt + 1);
    const next = await submitRequest(e2e.rt, input({ plan: { verb: 'deploy', tag: 'v1.2.4' }, summary: 'Deploy `v1.2.4` to `web`' }));
    expect((await getRequest(e2e.rt.redis, old.id))!.state).toBe('expired');
    await e2e.tick();
    const notes = e2e.slack.messages('CPROD').filter((m) => m.thread_ts === old.messageTs && m.ts !== old.messageTs);
    expect(notes).toHaveLength(1);
    expect(JSON.stringify(notes[0]!.blocks)).toContain(':hourglass: <@UDEV1> this Deploy of `web` expired');
    // The new request is pending and untouched.
    expect((await getRequest(e2e.rt.redis, next.id))!.state).toBe('pending');
    expect(e2e.slack.messages('CPROD').filter((m) => m.thread_ts === next.messageTs && m.ts !== next.messageTs)).toHaveLength(0);
  });

  it('clicks on a request that already ran, was rejected or cancelled get the state, and nothing runs', async () => {
    const ran = await submitRequest(e2e.rt, input());
    await click(ran, 'approve', 'ULEAD1');
    expect((await startExecution(e2e.rt, ran.id)).ok).toBe(true);
    await finishExecution(e2e.rt, ran.id, 'succeeded', 'rolled out');
    expect((await click(ran, 'approve', 'ULEAD2')).text).toContain('already ran and succeeded');
    expect((await click(ran, 'cancel', 'UDEV1')).text).toContain('already ran and succeeded');

    const cancelled = await submitRequest(e2e.rt, input());
    const notMine = await click(cancelled, 'cancel', 'ULEAD1');
    expect(notMine.text).toContain('Only <@UDEV1>, who asked for this change, can cancel it');
    expect((await click(cancelled, 'cancel', 'UDEV1')).answers).toHaveLength(0);
    expect(messageText(cancelled)).toContain('*Cancelled* by <@UDEV1>');
    expect((await click(cancelled, 'approve', 'ULEAD1')).text).toContain('was cancelled by <@UDEV1>');
    expect(executeJobs()).toHaveLength(1);
  });

  it('reject opens a modal asking why; its submission rejects the request and updates the message', async () => {
    const req = await submitRequest(e2e.rt, input());
    const mine = await click(req, 'reject', 'UDEV1');
    expect(mine.text).toContain('use *Cancel*');
    const notApprover = await click(req, 'reject', 'UDEV2');
    expect(notApprover.text).toContain('not (or no longer) an approver');
    expect(e2e.slack.callsTo('views.open')).toHaveLength(0);

    await click(req, 'reject', 'ULEAD1', { trigger_id: 'trig-reject-1' });
    const [open] = e2e.slack.callsTo('views.open');
    expect(open!.body.trigger_id).toBe('trig-reject-1');
    expect(open!.body.view).toMatchObject({ type: 'modal', callback_id: 'approval:reject', private_metadata: req.id });

    const empty = await e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: req.id,
      user_id: 'ULEAD1',
      values: { reason: { reason: { type: 'plain_text_input', value: '  ' } } },
    });
    expect(JSON.parse(empty.body!)).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('at least 3 characters') },
    });
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('pending');
    // A second approver opens the form too (and submits it after the first one).
    await click(req, 'reject', 'ULEAD2');

    const done = await e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: req.id,
      user_id: 'ULEAD1',
      values: { reason: { reason: { type: 'plain_text_input', value: 'not during the <!channel> sale' } } },
    });
    expect(done.statusCode).toBe(200);
    expect(done.body ?? '').toBe('');
    expect((await getRequest(e2e.rt.redis, req.id))!).toMatchObject({
      state: 'rejected',
      decidedBy: 'ULEAD1',
      decisionReason: 'not during the <!channel> sale',
    });
    expect(messageText(req)).toContain('*Rejected* by <@ULEAD1>');
    expect(messageText(req)).toContain('not during the &lt;!channel&gt; sale');

    // a second approver's late modal submission: closed, and told in the channel
    await e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: req.id,
      user_id: 'ULEAD2',
      values: { reason: { reason: { type: 'plain_text_input', value: 'me too' } } },
    });
    const eph = e2e.slack.ephemerals('CPROD').filter((x) => x.user === 'ULEAD2');
    expect(eph.map((x) => JSON.stringify(x.blocks)).join()).toContain('was rejected by <@ULEAD1>');
    expect(executeJobs()).toHaveLength(0);
  });

  it('a rejection is said in the request thread, by the worker, once: the requester mentioned, who rejected it and why', async () => {
    const req = await submitRequest(e2e.rt, input());
    await click(req, 'reject', 'ULEAD1');
    const thread = () => e2e.slack.messages('CPROD').filter((m) => m.thread_ts === req.messageTs && m.ts !== req.messageTs);
    const posted = e2e.slack.callsTo('chat.postMessage').length;
    const done = await e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: req.id,
      user_id: 'ULEAD1',
      values: { reason: { reason: { type: 'plain_text_input', value: 'not during the sale' } } },
    });
    expect(done.statusCode).toBe(200);
    // Nothing is posted within the form's ack: the note is handed to the worker.
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(posted);
    const notes = e2e.handedOff.filter((j) => (j as { kind: string; request?: string }).request === req.id);
    expect(notes).toEqual([
      { kind: 'notice', id: `notice:${req.id}:rejected`, request: req.id, note: 'rejected', auth: expect.any(Object) },
    ]);
    await e2e.drain();
    expect(thread()).toHaveLength(1);
    expect(JSON.stringify(thread()[0]!.blocks)).toContain(
      ':no_entry: <@UDEV1>: <@ULEAD1> rejected this Deploy of `web`: “not during the sale”. Nothing was changed.',
    );
    // Delivered again (Lambda retries an async invoke): found in the thread, not said twice.
    await workerHandler(notes[0]);
    expect(thread()).toHaveLength(1);
  });

  it('a button of a request no longer on record says so and loses its buttons', async () => {
    const req = await submitRequest(e2e.rt, input());
    await flushRedis(e2e.rt.redis);
    const res = await click(req, 'approve', 'ULEAD1');
    expect(res.text).toContain('no record of this request');
    expect(messageText(req)).not.toContain('approval:approve');
    expect(messageText(req)).toContain('no longer on record');
    const stale = await click(req, 'approval:frobnicate', 'ULEAD1');
    expect(stale.text).toContain('no longer valid');
  });

  it('the duplicated execute job runs once (the state machine decides, not a job claim)', async () => {
    const executed = standInExecuteJob();
    const req = await submitRequest(e2e.rt, input());
    await click(req, 'approve', 'ULEAD1');
    const [job] = executeJobs();
    await Promise.all([workerHandler(job), workerHandler(job)]);
    await workerHandler(job);
    expect(executed.runs).toBe(1);
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('succeeded');
  });
});

describe('approval buttons when Redis is down', () => {
  it('answers "approvals store unavailable, nothing changed"', async () => {
    const e2e = await setupE2E({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const res = await e2e.click({
        action_id: 'approval:approve',
        value: 'prod.web.m3x7k2a9qz',
        user_id: 'ULEAD1',
        channel_id: 'CPROD',
        response_url: e2e.slack.responseUrl('down'),
      });
      expect(res.statusCode).toBe(200);
      const text = JSON.stringify(e2e.slack.responses('down'));
      expect(text).toContain("I can't reach the approvals store (Redis) right now, so nothing was changed.");
      expect(e2e.handedOff).toHaveLength(0);
    } finally {
      e2e.rt.redis.disconnect();
      await e2e.close();
      // ioredis leaves the failed command's 1 s commandTimeout timer running; let it lapse (no open handle).
      await new Promise((r) => setTimeout(r, 1_050));
    }
  });
});
