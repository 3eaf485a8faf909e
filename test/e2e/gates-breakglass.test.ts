/**
 * Release gate 4, break-glass, end to end through the Lambda handlers: an allowed user runs a change
 * now with a mandatory reason — past the approval, the closed change window and the promotion order,
 * each said on the card. It is announced in the audit channel, marked in history, and the thread asks
 * for the approval after the fact (the scheduled tick's reminders) until it is given, or until the
 * deadline, after which the audit trail says it never was.
 */
import { InvalidParameterException, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { META } from '../helpers/fake-ecs';
import { keys } from '../../src/redis/keys';
import { getRequest } from '../../src/approvals/workflow';
import { recordExecution, startExecution } from '../../src/approvals/execution';
import * as execute from '../../src/deploy/execute';
import * as abortRun from '../../src/deploy/abort.run';
import { parseRequestId } from '../../src/approvals/ids';
import type { Runtime } from '../../src/runtime';
import { configFile, fixtureGroups } from '../helpers/config';
import { lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({
  groups: fixtureGroups(),
  configPath: configFile((doc) => {
    doc.environments.prod.gates = {
      breakGlass: { users: ['UDEV2'], auditChannel: 'CAUDIT', remindEvery: '1h', retroDeadline: '4h' },
      promotion: { from: 'staging' },
      windows: { timeZone: 'Asia/Seoul', allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' }] },
    };
  }),
});

const HOUR = 3600_000;
const SATURDAY_NOON = Date.parse('2026-12-05T12:00+09:00');

const reminders = (ts: string) =>
  thread(h.e2e, 'CPROD', ts).filter((m) => (m.text ?? '').startsWith('Still waiting for an approval after the fact'));

async function breakGlass(text: string, user = 'UDEV2'): Promise<{ id: string; ts: string }> {
  await h.e2e.slash(text, { channel_id: 'CPROD', user_id: user });
  await h.e2e.drain();
  return requestMessage(h.e2e, 'CPROD');
}

describe('break-glass', () => {
  beforeEach(() => {
    h.clock.set(SATURDAY_NOON);
  });

  it('runs at once past approval, window and promotion; announces it; asks for the approval after the fact until given', async () => {
    const req = await breakGlass('deploy web v1.2.3 --break-glass "checkout is down for everyone"');
    // It ran: nobody approved, outside the window, a digest staging never saw.
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    const running = await getRequest(h.e2e.rt.redis, req.id);
    expect(running).toMatchObject({ state: 'running', breakGlass: 'checkout is down for everyone', approvalsNeeded: 1, approvals: [] });
    expect(lastResponse(h.e2e)).toContain('Break-glass: deploy `web` in `prod` runs now without approval');

    // The card: break-glass, each bypassed gate, and the button for the approval after the fact.
    const card = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(card).toContain('*Break-glass* by <@UDEV2>: “checkout is down for everyone”. It ran without waiting for approval.');
    expect(card).toContain('Promotion: *bypassed by break-glass* (`v1.2.3` `sha256:3f1c7e5a9b2d` never completed healthy in `staging`)');
    expect(card).toContain('Change window: *bypassed by break-glass* (now is outside the change windows');
    expect(card).toContain('*Approval after the fact:* 0 of 1, waiting');
    expect(card).toContain('approval:retro');
    expect(card).not.toContain('approval:approve');

    // The audit channel and the thread.
    const audit = h.e2e.slack.messages('CAUDIT');
    expect(audit).toHaveLength(1);
    expect(textOf(audit[0])).toContain('<@UDEV2> *broke glass* in `prod`: Deploy `web`. Reason: “checkout is down for everyone”.');
    expect(textOf(audit[0])).toContain(`/archives/CPROD/p${req.ts.replace('.', '')}`);
    expect(thread(h.e2e, 'CPROD', req.ts).map((m) => m.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('Started without waiting for approval (break-glass by <@UDEV2>)')]),
    );
    const events = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).map(([, f]) => f[f.indexOf('event') + 1]);
    expect(events.slice(0, 2)).toEqual(['created', 'break-glass']);

    // An hour later the tick asks again; the one who broke glass cannot approve it themselves.
    h.clock.advance(HOUR);
    await h.e2e.tick();
    expect(reminders(req.ts)).toHaveLength(1);
    expect(reminders(req.ts)[0]!.text).toContain('(0 of 1)');
    await h.e2e.click({ action_id: 'approval:retro', value: req.id, user_id: 'UDEV2', channel_id: 'CPROD', message_ts: req.ts });
    expect(lastResponse(h.e2e)).toContain('You broke glass for this change, so you cannot approve it after the fact yourself');

    // A lead approves it after the fact: the reminders stop.
    await h.e2e.click({ action_id: 'approval:retro', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    const approved = await getRequest(h.e2e.rt.redis, req.id);
    expect(approved?.retroApprovedAt).toBe(h.clock.now());
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('*Approved after the fact* by <@ULEAD1>');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).not.toContain('approval:retro');
    expect(thread(h.e2e, 'CPROD', req.ts).map((m) => m.text)).toEqual(
      expect.arrayContaining(['<@ULEAD1> approved this break-glass change after the fact (1/1).']),
    );
    h.clock.advance(2 * HOUR);
    await h.e2e.tick();
    expect(reminders(req.ts)).toHaveLength(1);
    expect(await h.e2e.rt.redis.zscore(keys.retroIndex('prod', 'web'), req.id)).toBeNull();

    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('approved after the fact by <@ULEAD1>');
    expect(lastResponse(h.e2e)).toContain(':rotating_light: *break-glass*: “checkout is down for everyone”');
  });

  it('refuses someone who may not break glass, a missing reason, and break-glass with --at', async () => {
    await h.e2e.slash('restart web --break-glass "the cache is poisoned"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('You may not break glass in `prod`. Who may: <@UDEV2>.');
    expect(lastResponse(h.e2e)).toContain('environments.prod.gates.breakGlass.users');
    const bare = await h.e2e.slash('restart web --break-glass', { channel_id: 'CPROD', user_id: 'UDEV2' });
    expect(bare.text).toContain('`--break-glass` needs the reason in quotes');
    expect(bare.text).toContain('`/ecs restart &lt;service&gt;');
    await h.e2e.slash('restart web --break-glass "the cache is poisoned" --at next-window', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`--break-glass` runs the change now; it cannot be combined with `--at`');
    await h.e2e.slash('restart web-staging --break-glass "the cache is poisoned"', { channel_id: 'CSTAGING', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Break-glass is not enabled in `staging`');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(h.e2e.slack.messages('CAUDIT')).toHaveLength(0);
  });

  it('in a frozen environment: says it is frozen and who can unfreeze it, not to run it again without --break-glass', async () => {
    await h.e2e.slash('freeze prod', { channel_id: 'CPROD', user_id: 'ULEAD1' });
    await h.e2e.drain();
    // Someone who may not break glass: was "Run it again without `--break-glass`", which the freeze refuses too.
    for (const user of ['UDEV1', 'UDEV2']) {
      await h.e2e.slash('scale web 8 --break-glass "checkout is down"', { channel_id: 'CPROD', user_id: user });
      await h.e2e.drain();
      const answer = lastResponse(h.e2e);
      expect(answer).toContain('`prod` is frozen');
      expect(answer).toContain('Approvers in `prod`, who can unfreeze it: <@ULEAD1>, <@ULEAD2>, <!subteam^SLEADS>.');
      expect(answer).not.toContain('without `--break-glass`');
    }
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('stops asking at the deadline and records that it was never approved after the fact', async () => {
    const req = await breakGlass('restart web --break-glass "the cache is poisoned"');
    for (let i = 1; i <= 3; i++) {
      h.clock.advance(HOUR);
      await h.e2e.tick();
    }
    expect(reminders(req.ts)).toHaveLength(3);
    h.clock.advance(HOUR);
    await h.e2e.tick();
    expect(reminders(req.ts)).toHaveLength(3);
    const given = await getRequest(h.e2e.rt.redis, req.id);
    expect(given?.retroExpiredAt).toBe(h.clock.now());
    expect(thread(h.e2e, 'CPROD', req.ts).pop()?.text).toContain('Nobody approved this break-glass change after the fact within 4h');
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('*Never approved after the fact*');
    await h.e2e.click({ action_id: 'approval:retro', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    expect(lastResponse(h.e2e)).toContain('already approved after the fact (or asking for it stopped)');
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('*never approved after the fact*');
  });

  it('one the worker decided not to run (ECS refused the update, nothing changed) is not asked for an approval after the fact', async () => {
    h.world.failNext('UpdateService', new InvalidParameterException({ message: 'The service is being deleted.', $metadata: META }));
    const req = await breakGlass('deploy web v1.2.3 --break-glass "checkout is down for everyone"');
    // The worker's own run: registered, UpdateService refused, the change failed as not run.
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.execution?.notStarted).toBeDefined();
    await notAskedAfterTheFact(req);
    await h.e2e.click({ action_id: 'approval:retro', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    expect((await getRequest(h.e2e.rt.redis, req.id))?.retroApprovedAt).toBeUndefined();
  });

  /** The request's id, as the worker's job names it, with its parts (its Redis key). */
  const requestKey = (id: string) => {
    const ref = parseRequestId(id)!;
    return keys.request(ref.environment, ref.service, ref.id);
  };

  /** A break-glass change whose worker (its 'execute' job) does `run` instead of its usual run; the request as it is then. */
  async function breakGlassRunBy(
    text: string,
    run: (rt: Runtime, id: string) => Promise<void>,
  ): Promise<{ id: string; ts: string; state?: string }> {
    const worker = jest.spyOn(execute, 'executeRequest').mockImplementationOnce(run);
    let calls = 0;
    try {
      await breakGlass(text);
      calls = worker.mock.calls.length;
    } finally {
      worker.mockRestore();
    }
    expect(calls).toBe(1);
    const req = requestMessage(h.e2e, 'CPROD');
    return { ...req, state: (await getRequest(h.e2e.rt.redis, req.id))?.state };
  }

  /**
   * A break-glass change handed to the worker, which takes it (approved → running, as its first step)
   * and stops there: its invocation ends and is not tried again. `attempted`: it had recorded an
   * UpdateService attempt (as it does just before sending one) when it stopped.
   */
  async function startedThenStopped(text: string, attempted: boolean): Promise<{ id: string; ts: string }> {
    const req = await breakGlassRunBy(text, async (rt, id) => {
      expect((await startExecution(rt, id, h.clock.now() + 3 * 60_000)).ok).toBe(true);
      if (attempted) await recordExecution(rt, id, { updateAttempts: 1 }, 'updating service');
    });
    expect(req.state).toBe('running');
    return req;
  }

  /** No reminder in three hours; one thread note that it changed nothing; the card asks for nothing. */
  async function notAskedAfterTheFact(req: { id: string; ts: string }): Promise<void> {
    for (let i = 1; i <= 3; i++) {
      h.clock.advance(HOUR);
      await h.e2e.tick();
    }
    expect(reminders(req.ts)).toHaveLength(0);
    const notes = thread(h.e2e, 'CPROD', req.ts).filter((m) =>
      (m.text ?? '').includes('This break-glass change did not run (nothing was changed), so no approval after the fact is needed'),
    );
    expect(notes).toHaveLength(1);
    const card = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(card).toContain('It did not run, so no approval after the fact is needed.');
    expect(card).not.toContain('approval:retro');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.execution?.notStarted).toBeDefined();
  }

  it('one whose worker started it and stopped before sending any UpdateService (nothing changed) is not asked after the fact', async () => {
    const req = await startedThenStopped('deploy web v1.2.3 --break-glass "checkout is down for everyone"', false);
    // Its attempt is over and nobody holds it: the tick settles it from the worker's record (no UpdateService sent).
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(thread(h.e2e, 'CPROD', req.ts).map((m) => m.text ?? '')).toEqual(
      expect.arrayContaining([expect.stringContaining('did not run')]),
    );
    await notAskedAfterTheFact(req);
  });

  it('one whose worker could not read its stored plan (nothing sent to ECS) is not asked after the fact', async () => {
    const run = execute.executeRequest;
    const req = await breakGlassRunBy('deploy web v1.2.3 --break-glass "checkout is down for everyone"', async (rt, id) => {
      // As a plan written by another version of the bot would be to this one.
      await rt.redis.hset(requestKey(id), 'plan', JSON.stringify({ verb: 'teleport' }));
      await run(rt, id);
    });
    expect(req.state).toBe('failed');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    await notAskedAfterTheFact(req);
  });

  it('one whose worker stopped before any UpdateService, settled by a tick that cannot read its plan, is not asked after the fact', async () => {
    const req = await startedThenStopped('deploy web v1.2.3 --break-glass "checkout is down for everyone"', false);
    // As a plan written by another version of the bot would be to the tick's.
    await h.e2e.rt.redis.hset(requestKey(req.id), 'plan', JSON.stringify({ verb: 'teleport' }));
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    await notAskedAfterTheFact(req);
  });

  it('one whose worker found its lease gone right before UpdateService (none sent) is not asked after the fact', async () => {
    // The worker's real run, which stalls past its lease just before its last check (the lease expires,
    // as when its renewals cannot reach Redis): it stops without sending UpdateService.
    const begin = abortRun.beginUpdate;
    const stalled = jest.spyOn(abortRun, 'beginUpdate').mockImplementationOnce(async (rt, id) => {
      const ref = parseRequestId(id)!;
      await rt.redis.del(keys.changeLease(ref.environment, ref.service, ref.id));
      return begin(rt, id);
    });
    let req: { id: string; ts: string };
    try {
      req = await breakGlass('deploy web v1.2.3 --break-glass "checkout is down for everyone"');
      expect(stalled).toHaveBeenCalledTimes(1);
    } finally {
      stalled.mockRestore();
    }
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    // Its attempt is over and nobody holds it: the tick settles it as not run.
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    await notAskedAfterTheFact(req);
  });

  it('one whose worker had sent an UpdateService when it stopped (it may have changed the service) is still asked after the fact', async () => {
    const req = await startedThenStopped('restart worker --break-glass "the cache is poisoned"', true);
    h.clock.advance(10 * 60_000);
    await h.e2e.tick();
    const settled = await getRequest(h.e2e.rt.redis, req.id);
    expect(settled?.state).toBe('failed');
    expect(settled?.execution?.notStarted).toBeUndefined();
    for (let i = 1; i <= 2; i++) {
      h.clock.advance(HOUR);
      await h.e2e.tick();
    }
    expect(reminders(req.ts)).toHaveLength(2);
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('approval:retro');
  });
});
