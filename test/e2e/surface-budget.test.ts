/**
 * The time budget (src/slack/click-budget.ts) on the paths that are not clicks: the deploy form
 * opened by a typed `/ecs deploy` and by the "Deploy to ECS" shortcut (views.open, trigger valid 3
 * seconds), a choice in the form (views.update), and `app_home_opened` (views.publish, where a late
 * answer makes Slack send the event again). Signed requests into the Slack Lambda handler, real
 * Redis, the local Slack API with the method hanging (`handle`): the handler returns, the bound the
 * call got is the budget's (read from the log, computed on the runtime's clock, which a Slack call
 * before it moves), and the person is told the truth. Nothing here asserts how long anything took.
 */
import { fixtureGroups } from '../helpers/config';
import { setupE2E, type E2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';
import type { SlackBody } from '../helpers/slack-server';
import { appHomeOpened } from '../helpers/signing';
import { CLICK_BUDGET_MS, RESERVE } from '../../src/slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../../src/slack/gateway';
import { keys } from '../../src/redis/keys';
import { registerShortcut } from '../../src/hooks/actions';
import { BotError } from '../../src/errors';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const MIN = 60_000;

describe('the form, the shortcut and the Home tab answer within their budget when Slack hangs', () => {
  let e2e: E2E;
  let clock: FakeClock;
  /** Answers the calls held by a hanging handler (after the test, or when a test lets Slack answer late). */
  const release: Array<(answer?: unknown) => void> = [];
  const hang = () => new Promise<unknown>((resolve) => release.push((answer) => resolve(answer ?? { ok: false, error: 'released' })));
  const cut = () => e2e.logs.filter((l) => l.msg === 'click budget: step cut short');

  beforeEach(async () => {
    clock = new FakeClock(T0);
    e2e = await setupE2E({ now: clock.now, groups: fixtureGroups() });
  });
  afterEach(async () => {
    for (const r of release.splice(0)) r();
    await e2e.close();
  });

  /** users.info (the reader's language, not cached yet) answers, having taken `ms` of the runtime's clock. */
  const slowLocaleLookup = (ms: number) =>
    e2e.slack.handle('users.info', (body: SlackBody) => {
      clock.advance(ms);
      return { ok: true, user: { id: body.user, locale: 'en-US' } };
    });

  it('/ecs deploy typed without arguments, views.open hanging: the ack says the form may not have opened, within what the command had left', async () => {
    slowLocaleLookup(1_500);
    e2e.slack.handle('views.open', hang);

    const res = await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(res.text).toContain('Slack did not confirm in time that the deploy form opened. If it does not appear, try again');
    expect(res.text).toContain('/ecs deploy <service> <tag> --reason');
    expect(res.text).not.toContain('Slack API error');
    // views.open got what was left after the lookup, minus the answer's reserve: under Slack's own timeout.
    const bound = CLICK_BUDGET_MS - 1_500 - RESERVE.answer;
    expect(bound).toBeLessThan(WITHIN_ACK_TIMEOUT_MS);
    expect(cut()).toEqual([expect.objectContaining({ step: 'openView', outcome: 'cutShort', boundMs: bound })]);
    expect(e2e.slack.callsTo('views.open')).toHaveLength(1);
  });

  it('the shortcut, views.open hanging: the listener returns and the person is told in a direct message', async () => {
    slowLocaleLookup(1_500);
    e2e.slack.handle('views.open', hang);

    const res = await e2e.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UDEV2' });

    expect(res.statusCode).toBe(200);
    const dm = e2e.slack.messages('UDEV2');
    expect(dm).toHaveLength(1);
    expect(dm[0]!.text).toContain('Slack did not confirm in time that the deploy form opened');
    expect(dm[0]!.text).toContain('/ecs deploy <service> <tag> --reason');
    expect(cut()).toEqual([
      expect.objectContaining({ step: 'openView', outcome: 'cutShort', boundMs: CLICK_BUDGET_MS - 1_500 - RESERVE.answer }),
    ]);
  });

  it('the shortcut whose trigger Slack refuses (expired) gets the same one answer, never the SDK text', async () => {
    e2e.slack.expireTriggers();
    await e2e.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UDEV2' });
    const dm = e2e.slack.messages('UDEV2');
    expect(dm).toHaveLength(1);
    expect(dm[0]!.text).toContain('The deploy form could not open in time');
    expect(dm[0]!.text).not.toContain('expired_trigger_id');
  });

  it('a shortcut nobody handles, or one whose handler fails: the person is told in a direct message, never nothing', async () => {
    registerShortcut({
      callbackId: 'test_refuses',
      handle: async () => {
        throw new BotError('CONFLICT', 'test refusal', { userMessage: 'The service is busy with another change.' });
      },
    });
    registerShortcut({
      callbackId: 'test_breaks',
      handle: async () => {
        throw new Error('a bug');
      },
    });
    await e2e.shortcut({ callback_id: 'old_shortcut', user_id: 'UDEV2' });
    await e2e.shortcut({ callback_id: 'test_refuses', user_id: 'UDEV2' });
    await e2e.shortcut({ callback_id: 'test_breaks', user_id: 'UDEV2' });
    const dm = e2e.slack.messages('UDEV2').map((m) => m.text ?? '');
    expect(dm).toHaveLength(3);
    expect(dm[0]).toContain('This shortcut is not one this bot handles');
    expect(dm[1]).toContain('The service is busy with another change.');
    expect(dm[2]).toMatch(/Something went wrong.*ref [0-9a-f]{8}/);
    expect(dm.join('\n')).not.toContain('a bug');
  });

  it('views.open refused with an error: the person reads the error code in the one answer, not the SDK text', async () => {
    e2e.slack.failNext('views.open', 'internal_error');
    const res = await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.text).toContain('Slack refused to open the deploy form (`internal_error`)');
    expect(res.text).not.toContain('Slack API error');
  });

  it('usergroups.users.list hanging while the form opens: it opens with what is known, and names the environment it could not check', async () => {
    // UOTHER may request in prod through the SDEVS group only; staging is open to everyone.
    e2e.slack.handle('usergroups.users.list', hang);

    await e2e.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UOTHER' });

    const open = e2e.slack.callsTo('views.open').at(-1)!;
    expect(open.response).toMatchObject({ ok: true });
    const blocks = JSON.stringify(open.body.view.blocks);
    expect(blocks).toContain('Slack did not answer in time about your user groups in `prod`');
    const envs = (open.body.view.blocks as SlackBody[]).find((b) => b.block_id === 'env')!.element.options as SlackBody[];
    expect(envs.map((o) => o.value)).toEqual(['staging']);
    expect(e2e.slack.messages('UOTHER')).toHaveLength(0);
  });

  it('the form opens but the Invoke asking for its tags stalls: one attempt within what is left, then the person is told the form will not fill', async () => {
    // staging has one service: the form opened from its channel chooses it and asks the worker for its tags.
    e2e.lambda.stallNext('lambda', 'Invoke', 2);

    const res = await e2e.slash('deploy', { channel_id: 'CSTAGING', user_id: 'UDEV1' });

    expect(e2e.slack.callsTo('views.open').at(-1)!.response).toMatchObject({ ok: true });
    expect(res.text).toContain('The deploy form is open, but I could not start loading the image tags');
    expect(res.text).not.toContain('nothing was done');
    expect(e2e.lambda.callsOf({ service: 'lambda', action: 'Invoke' })).toHaveLength(1);
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('a choice in the form, views.update hanging: cut at its bound (the tags hand-off keeps its reserve), the person told to choose again', async () => {
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const opened = e2e.slack.callsTo('views.open').at(-1)!;
    const viewId = (opened.response as SlackBody).view.id as string;
    const view = e2e.slack.view(viewId)!;
    // The person's language is asked from Slack again on this click (its cache lapsed): that takes 1 s of the click's clock.
    await e2e.rt.redis.del(keys.userLocale('UDEV1'));
    clock.advance(6 * MIN);
    slowLocaleLookup(1_000);
    e2e.slack.handle('views.update', hang);

    const values = {
      env: { 'deployform:env': { type: 'static_select', selected_option: { value: 'prod' } } },
      'service:prod': { 'deployform:service': { type: 'static_select', selected_option: { value: 'web' } } },
    };
    const res = await e2e.click({
      action_id: 'deployform:service',
      block_id: 'service:prod',
      user_id: 'UDEV1',
      actions: [
        {
          type: 'static_select',
          action_id: 'deployform:service',
          block_id: 'service:prod',
          selected_option: { value: 'web' },
          action_ts: '1.2',
        },
      ],
      payload: {
        container: { type: 'view', view_id: viewId },
        channel: undefined,
        message: undefined,
        response_url: undefined,
        view: { ...view, state: { values } },
      },
    });

    expect(res.statusCode).toBe(200);
    const bound = CLICK_BUDGET_MS - 1_000 - RESERVE.handOff;
    expect(bound).toBeLessThan(WITHIN_ACK_TIMEOUT_MS);
    expect(cut()).toEqual([expect.objectContaining({ step: 'updateView', outcome: 'cutShort', boundMs: bound })]);
    // The answer is pushed on top of the form (no channel to answer in); no tags asked for a form Slack did not confirm.
    const push = e2e.slack.lastCall('views.push')!;
    expect(push.response).toMatchObject({ ok: true });
    expect(JSON.stringify(push.body.view.blocks)).toContain('Slack did not confirm in time that the form was updated');
    expect(JSON.stringify(push.body.view.blocks)).not.toContain('Slack API error');
    expect(e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'deploy-form-tags')).toHaveLength(0);
  });

  it('app_home_opened, views.publish hanging: the ack does not wait past the budget, the health refresh is still handed off, no view recorded as shown', async () => {
    await e2e.rt.redis.hset(keys.homeShown(), 'UVIEW', 'the-hash-of-an-older-view');
    slowLocaleLookup(1_000);
    e2e.slack.handle('views.publish', hang);

    const res = await e2e.slackEvent(appHomeOpened('UVIEW'));

    expect(res.statusCode).toBe(200);
    // The health is stale (never read): its hand-off keeps its reserve after the publish.
    const bound = CLICK_BUDGET_MS - 1_000 - RESERVE.handOff;
    expect(bound).toBeLessThan(WITHIN_ACK_TIMEOUT_MS);
    expect(cut()).toEqual([expect.objectContaining({ step: 'publishHome', outcome: 'cutShort', boundMs: bound })]);
    expect(e2e.handedOff).toEqual([expect.objectContaining({ kind: 'home-refresh', status: true })]);
    // What Slack shows is unknown: no "last shown" for this reader, so the next refresh publishes again.
    expect(await e2e.rt.redis.hget(keys.homeShown(), 'UVIEW')).toBeNull();

    // Slack takes the publish late: still not recorded (a later publish may have landed meanwhile).
    for (const r of release.splice(0)) r({ ok: true });
    await e2e.rt.redis.ping();
    await e2e.rt.redis.ping();
    expect(await e2e.rt.redis.hget(keys.homeShown(), 'UVIEW')).toBeNull();
    expect(await e2e.rt.redis.zscore(keys.homeViewers(), 'UVIEW')).not.toBeNull();
  });

  it('a redelivery of app_home_opened after a late answer (x-slack-retry-reason http_timeout) is answered at once, not published twice', async () => {
    await e2e.slackEvent(appHomeOpened('UVIEW'), { eventId: 'EvLATE' });
    const handedOff = e2e.handedOff.length;
    const res = await e2e.slackEvent(appHomeOpened('UVIEW'), { retryNum: 1, eventId: 'EvLATE' });
    expect(res.statusCode).toBe(200);
    expect(e2e.slack.callsTo('views.publish')).toHaveLength(1);
    expect(e2e.handedOff).toHaveLength(handedOff);
    expect(e2e.logs.some((l) => l.msg === 'slack event: a retry after a late answer, skipped')).toBe(true);
  });

  it('the Home tab Refresh button, views.publish hanging: the clicker is told the tab may not have been refreshed', async () => {
    await e2e.slackEvent(appHomeOpened('UVIEW'));
    const home = e2e.slack.homeView('UVIEW')!;
    await e2e.rt.redis.del(keys.userLocale('UVIEW'));
    clock.advance(6 * MIN);
    slowLocaleLookup(1_000);
    e2e.slack.handle('views.publish', hang);

    const res = await e2e.click({
      action_id: 'home:refresh',
      value: 'refresh',
      user_id: 'UVIEW',
      payload: {
        container: { type: 'view', view_id: home.id },
        channel: undefined,
        message: undefined,
        response_url: undefined,
        view: home,
      },
    });

    expect(res.statusCode).toBe(200);
    // The health is still stale (its refresh was handed off, not run): the same bound as when the tab was opened.
    expect(cut()).toEqual([
      expect.objectContaining({ step: 'publishHome', outcome: 'cutShort', boundMs: CLICK_BUDGET_MS - 1_000 - RESERVE.handOff }),
    ]);
    const notice = e2e.slack.lastCall('views.open')!;
    expect(notice.response).toMatchObject({ ok: true });
    expect(JSON.stringify(notice.body.view.blocks)).toContain('Slack did not confirm that your Home tab was refreshed');
  });
});
