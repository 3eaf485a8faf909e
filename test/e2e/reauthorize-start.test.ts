/**
 * The roles held again when an approved change starts, end to end through the Lambda handlers: not
 * only a scheduled (`--at`) start but every start (an immediate one whose hand-off reaches the
 * worker late, or again), under chatops.yml as the worker loaded it and the user groups as Slack
 * answers then: the requester and enough approvers must still hold their roles, as many approvals
 * as the environment needs now, and a role Slack cannot answer for does not count (the change fails
 * with "could not check", visibly, and the service is free). src/approvals/reauthorize.run.ts,
 * src/policy/recheck.ts.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { keys } from '../../src/redis/keys';
import { getRequest } from '../../src/approvals/workflow';
import type { ChangeRequest } from '../../src/approvals/types';
import { configFile, type ConfigEdit } from '../helpers/config';
import { approve, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({ groups: { SLEADS: [], SDEVS: ['UDEV3'] } });

const updates = () => h.ecsMock.commandCalls(UpdateServiceCommand);

async function request(text: string, user = 'UDEV1'): Promise<ReturnType<typeof requestMessage>> {
  await h.e2e.slash(text, { channel_id: 'CPROD', user_id: user });
  await h.e2e.drain();
  return requestMessage(h.e2e, 'CPROD');
}

/** The final approval is recorded and its hand-off made, but the worker has not received it yet. */
async function approvedNotStarted(req: { id: string; ts: string }, user = 'ULEAD1'): Promise<void> {
  await approve(h.e2e, req, user);
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('approved');
  expect(h.e2e.pending).toHaveLength(1);
}

/** chatops.yml deployed again (`edit` of the test's; none: the worker only starts anew, its group cache empty). */
const redeploy = (edit: ConfigEdit = () => undefined) => h.e2e.redeployWorker(configFile(edit));

/** The worker receives the job: nothing reaches ECS, the request failed; it, as stored. */
async function refusedAtStart(req: { id: string }): Promise<ChangeRequest | undefined> {
  await h.e2e.drain();
  expect(updates()).toHaveLength(0);
  const failed = await getRequest(h.e2e.rt.redis, req.id);
  expect(failed?.state).toBe('failed');
  return failed;
}

/** The service takes a new request (no active request left behind, nothing locked). */
async function serviceIsFree(): Promise<void> {
  expect(await h.e2e.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
  const before = h.e2e.slack.messages('CPROD').length;
  const again = await request('restart web');
  expect(h.e2e.slack.messages('CPROD').length).toBeGreaterThan(before);
  expect((await getRequest(h.e2e.rt.redis, again.id))?.state).toBe('pending');
}

/** An `--at` time an hour from now (UTC, minutes). */
const inAnHour = () => new Date(h.clock.now() + 3600_000).toISOString().slice(0, 16) + 'Z';

const threadText = (req: { ts: string }) => thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');

describe('an immediate start whose hand-off reaches the worker late', () => {
  it("does not run once the approver's role was removed from chatops.yml meanwhile", async () => {
    const req = await request('scale web 6');
    await approvedNotStarted(req);
    // Lambda delivers the job minutes later; chatops.yml was deployed again without ULEAD1 in between.
    redeploy((doc) => void (doc.environments.prod.approvers = ['ULEAD2', 'SLEADS']));
    h.clock.advance(5 * 60_000);
    const failed = await refusedAtStart(req);
    expect(failed?.decisionReason).toBe(
      'not started: since it was approved, <@ULEAD1> may no longer approve changes in `prod` (chatops.yml `environments.prod.approvers`), so only 0 of the 1 approvals it needs still count. Nothing was changed. Request it again (and have it approved again) if it is still wanted.',
    );
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain('Failed');
    const note = threadText(req);
    expect(note).toContain(':no_entry: This Scale of `web` did not start: <@ULEAD1> may no longer approve');
    expect(note).not.toContain('scheduled time');
    await serviceIsFree();
  });

  it('does not run once the approver left the user group that let them approve', async () => {
    h.e2e.slack.setUserGroup('SLEADS', ['ULEAD9']);
    const req = await request('scale web 6');
    await approvedNotStarted(req, 'ULEAD9');
    h.e2e.slack.setUserGroup('SLEADS', []);
    // The worker, started anew (no cached membership), asks Slack.
    redeploy();
    expect((await refusedAtStart(req))?.decisionReason).toContain('<@ULEAD9> may no longer approve changes in `prod`');
  });

  it('does not run once the requester may no longer request changes', async () => {
    const req = await request('restart web', 'UDEV3');
    await approvedNotStarted(req);
    h.e2e.slack.setUserGroup('SDEVS', []);
    redeploy();
    expect((await refusedAtStart(req))?.decisionReason).toContain('<@UDEV3> may no longer request changes in `prod`');
  });

  it('the job delivered twice at once refuses once: one note in the thread', async () => {
    const req = await request('scale web 6');
    await approvedNotStarted(req);
    h.e2e.pending.push(structuredClone(h.e2e.pending[0]));
    redeploy((doc) => void (doc.environments.prod.approvers = ['ULEAD2', 'SLEADS']));
    await h.e2e.drainConcurrently();
    expect(updates()).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(thread(h.e2e, 'CPROD', req.ts).filter((m) => textOf(m).includes('did not start'))).toHaveLength(1);
  });

  it('runs when the roles still hold (guard)', async () => {
    const req = await request('scale web 6');
    await approvedNotStarted(req);
    h.clock.advance(5 * 60_000);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  });
});

describe('the approvals the environment needs now', () => {
  it('refuses a change approved once when chatops.yml now needs two, saying how many and what to do (en)', async () => {
    const req = await request('scale web 6');
    await approvedNotStarted(req);
    redeploy((doc) => void (doc.environments.prod.approvals.scale = 2));
    const failed = await refusedAtStart(req);
    expect(failed?.decisionReason).toBe(
      'not started: since it was approved, `prod` now needs 2 approvals for this change (chatops.yml `environments.prod.approvals.scale`; 1 when it was requested), and only 1 of its approvals counts. Nothing was changed. Request it again (and have it approved again) if it is still wanted.',
    );
    expect(threadText(req)).toContain('`prod` now needs 2 approvals for this change');
    await serviceIsFree();
  });

  it('refuses in Korean when the workspace writes Korean', async () => {
    const req = await request('scale web 6');
    await approvedNotStarted(req);
    h.e2e.redeployWorker(
      configFile((doc) => {
        doc.slack.language = 'ko';
        doc.environments.prod.approvals.scale = 2;
      }),
    );
    expect((await refusedAtStart(req))?.decisionReason).toBe(
      '시작하지 못함: 승인된 뒤로 `prod` 환경은 이제 이 변경에 승인 2개가 필요한데(chatops.yml `environments.prod.approvals.scale`, 요청할 때는 1개), 유효한 승인은 1개뿐입니다. 아무것도 바뀌지 않았습니다. 여전히 필요하면 다시 요청하고 다시 승인을 받으세요.',
    );
    expect(threadText(req)).toContain(
      ':no_entry: 이 `web` 스케일 요청은 시작하지 않았습니다: `prod` 환경은 이제 이 변경에 승인 2개가 필요한데',
    );
  });

  it('a scheduled change that needed no approval does not run once its environment needs one', async () => {
    await h.e2e.slash(`restart web-staging --at ${inAnHour()}`, { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    await h.e2e.drain();
    const card = requestMessage(h.e2e, 'CSTAGING');
    expect((await getRequest(h.e2e.rt.redis, card.id))?.state).toBe('scheduled');
    redeploy((doc) => void (doc.environments.staging.approvals.restart = 1));
    h.clock.advance(3600_000 + 30_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect(updates()).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, card.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain('`staging` now needs 1 approval for this change');
    expect(thread(h.e2e, 'CSTAGING', card.ts).map(textOf).join('\n')).toContain('did not start at its scheduled time');
  });

  it('runs when the environment now needs fewer (guard)', async () => {
    const req = await request('scale web 6');
    await approvedNotStarted(req);
    redeploy((doc) => void (doc.environments.prod.approvals.scale = 0));
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
  });
});

describe('a start whose roles Slack cannot confirm', () => {
  it('a scheduled start does not run, says why on the card and in the thread, and frees the service', async () => {
    const req = await request(`restart web --at ${inAnHour()}`, 'UDEV3');
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('scheduled');
    h.clock.advance(3600_000 + 30_000);
    // Slack answers every user-group lookup with 429 (the first try and the worker's two more).
    h.e2e.slack.rateLimitNext('usergroups.users.list', 60, 3);
    const lookups = h.e2e.slack.callsTo('usergroups.users.list').length;
    await h.e2e.tick();
    await h.e2e.drain();
    expect(updates()).toHaveLength(0);
    expect(h.e2e.slack.callsTo('usergroups.users.list').length - lookups).toBe(3);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toBe(
      'not started: I could not check with Slack whether <@UDEV3> may still request or approve changes in `prod` (Slack was limiting how often the bot may call it), and a change never runs on roles nobody could check. Nothing was changed. Request it again once Slack answers.',
    );
    const card = textOf(h.e2e.slack.message('CPROD', req.ts));
    expect(card).toContain('Failed');
    expect(card).toContain('I could not check with Slack whether');
    const note = threadText(req);
    expect(note).toContain(':warning: This Restart of `web` did not start at its scheduled time: I could not check with Slack');
    expect(note).not.toMatch(/ratelimited|slack_webapi|Error:/);
    await serviceIsFree();
  });

  it('an immediate start does not run either; an HTTP error is said as one', async () => {
    const req = await request('restart web', 'UDEV3');
    await approvedNotStarted(req);
    redeploy();
    h.e2e.slack.handle('usergroups.users.list', () => {
      throw new Error('Slack is down');
    });
    const failed = await refusedAtStart(req);
    expect(failed?.decisionReason).toContain('(Slack answered with an error of its own, HTTP 500)');
    expect(await h.e2e.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(0);
  });

  it('a lookup Slack refuses once is asked again, and the change runs (guard)', async () => {
    const req = await request('restart web', 'UDEV3');
    await approvedNotStarted(req);
    redeploy();
    h.e2e.slack.failNext('usergroups.users.list', 'fatal_error', 1);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
  });

  it('a lookup whose answer does not matter does not stop it (guard)', async () => {
    // Requested under two approvals (ULEAD9 through SLEADS, ULEAD1 by name); at the start one is enough.
    redeploy((doc) => void (doc.environments.prod.approvals.scale = 2));
    h.e2e.slack.setUserGroup('SLEADS', ['ULEAD9']);
    const req = await request('scale web 6');
    await approve(h.e2e, req, 'ULEAD9');
    await approve(h.e2e, req, 'ULEAD1');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('approved');
    redeploy();
    h.e2e.slack.rateLimitNext('usergroups.users.list', 60, 3);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
  });
});

describe('Request again: the refusal note carries the same request as a button', () => {
  /** The note's Request again button (fails the test when the note has none). */
  function againButton(req: { ts: string }): { note: { ts: string }; action_id: string; value: string } {
    for (const m of thread(h.e2e, 'CPROD', req.ts)) {
      for (const b of (m.blocks ?? []) as Array<{
        type: string;
        elements?: Array<{ action_id: string; value: string; text: { text: string } }>;
      }>) {
        const button = b.type === 'actions' ? b.elements?.find((e) => e.text.text === 'Request again') : undefined;
        if (button) return { note: m, action_id: button.action_id, value: button.value };
      }
    }
    throw new Error(`no Request again button in the thread: ${threadText(req)}`);
  }

  it('one click by someone who may request posts the same change, with its reason, for approval again', async () => {
    const req = await request('scale web 6 --reason "peak traffic"');
    await approvedNotStarted(req);
    redeploy((doc) => void (doc.environments.prod.approvers = ['ULEAD2', 'SLEADS']));
    await refusedAtStart(req);
    const button = againButton(req);
    expect(JSON.parse(button.value)).toEqual({ c: 'scale web 6 --reason "peak traffic"' });
    // The requester clicks it under the note, in the request's thread.
    const res = await h.e2e.click({
      action_id: button.action_id,
      value: button.value,
      user_id: 'UDEV1',
      channel_id: 'CPROD',
      message_ts: button.note.ts,
    });
    expect(res.statusCode).toBe(200);
    await h.e2e.drain();
    const again = requestMessage(h.e2e, 'CPROD');
    expect(again.id).not.toBe(req.id);
    const stored = await getRequest(h.e2e.rt.redis, again.id);
    expect(stored).toMatchObject({ state: 'pending', verb: 'scale', service: 'web', requester: 'UDEV1', reason: 'peak traffic' });
    expect((stored?.plan as { to: number }).to).toBe(6);
    expect(updates()).toHaveLength(0);
  });

  it('a click by someone who may not request changes is refused like the typed command', async () => {
    const req = await request('restart web', 'UDEV3');
    await approvedNotStarted(req);
    h.e2e.slack.setUserGroup('SDEVS', []);
    redeploy();
    await refusedAtStart(req);
    const button = againButton(req);
    const before = await h.e2e.rt.redis.exists(keys.activeRequest('prod', 'web'));
    await h.e2e.click({
      action_id: button.action_id,
      value: button.value,
      user_id: 'UDEV3',
      channel_id: 'CPROD',
      message_ts: button.note.ts,
    });
    await h.e2e.drain();
    expect(requestMessage(h.e2e, 'CPROD').id).toBe(req.id);
    expect(await h.e2e.rt.redis.exists(keys.activeRequest('prod', 'web'))).toBe(before);
    expect(lastResponse(h.e2e)).toContain('You are not allowed to request changes in `prod`.');
  });

  it('the note of a start Slack could not confirm carries it too', async () => {
    const req = await request('restart web', 'UDEV3');
    await approvedNotStarted(req);
    redeploy();
    h.e2e.slack.handle('usergroups.users.list', () => {
      throw new Error('Slack is down');
    });
    await refusedAtStart(req);
    expect(JSON.parse(againButton(req).value)).toEqual({ c: 'restart web' });
  });
});
