/**
 * The Home tab end to end: `app_home_opened` into the Slack Lambda handler (published from Redis at
 * once, no ECS call there), the services' health read by the worker and cached, Approve / Reject in
 * the Home tab running the request message's own handlers, refreshes after changes handed to the
 * worker once (debounced) and published only for the viewers whose Home changed; at scale (60
 * services, 30 requests waiting) within Slack's limits, checked by the local Slack API server.
 */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { submitRequest, type SubmitInput } from '../../src/approvals/workflow';
import { deployment, REGISTRY, service, taskDefinition, tdArn } from '../helpers/aws-fixtures';
import { configFile, fixtureGroups } from '../helpers/config';
import { setupE2E, type E2E } from '../helpers/e2e';
import { requestMessage, useDeployHarness } from '../helpers/deploy-e2e';
import { appHomeOpened } from '../helpers/signing';
import type { SlackBody } from '../helpers/slack-server';

const h = useDeployHarness({ groups: fixtureGroups() });

type Job = { kind: string; status?: boolean; scheduled?: boolean };
const jobs = (e2e: E2E, kind: string) => (e2e.handedOff as Job[]).filter((j) => j.kind === kind);
const homeText = (e2e: E2E, user: string) => JSON.stringify(e2e.slack.homeView(user)?.blocks ?? null);
const publishes = (e2e: E2E, user: string) =>
  e2e.slack.callsTo('views.publish').filter((c) => c.body.user_id === user && (c.response as { ok?: boolean } | undefined)?.ok === true)
    .length;
const buttons = (view: SlackBody | undefined) =>
  ((view?.blocks ?? []) as SlackBody[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements as SlackBody[]);

/** A click in the Home tab: no channel, no message, no response_url; the view is the container. */
function homeClick(e2e: E2E, user: string, actionId: string, value: string) {
  const view = e2e.slack.homeView(user)!;
  return e2e.click({
    action_id: actionId,
    value,
    user_id: user,
    payload: {
      container: { type: 'view', view_id: view.id },
      channel: undefined,
      message: undefined,
      response_url: undefined,
      view: { id: view.id, type: 'home', hash: view.hash, blocks: view.blocks, state: { values: {} } },
    },
  });
}

describe('the Home tab', () => {
  it('opening it: published at once from Redis by the Slack function, then the worker reads ECS and it shows every service', async () => {
    const { e2e } = h;
    const res = await e2e.slackEvent(appHomeOpened('UDEV1'));
    expect(res.statusCode).toBe(200);
    // Published before any worker ran, and the Slack function did not call ECS.
    expect(h.ecsMock.calls()).toHaveLength(0);
    const first = e2e.slack.homeView('UDEV1')!;
    expect(first.type).toBe('home');
    expect(homeText(e2e, 'UDEV1')).toContain('being read from ECS');
    expect(jobs(e2e, 'home-refresh')).toEqual([expect.objectContaining({ status: true })]);

    await e2e.drain();
    const text = homeText(e2e, 'UDEV1');
    expect(text).toContain('prod · 2 services');
    expect(text).toMatch(/:large_green_circle: \*web\* steady · 4\/4 · `v1\.2\.2`/);
    expect(text).toContain('*worker* steady · 2/2 · `v3.0.0`');
    expect(text).toContain('*web-staging* steady');
    expect(h.ecsMock.commandCalls(DescribeServicesCommand).length).toBeGreaterThan(0);

    // Opened again within a minute: published from the cache, ECS not asked again.
    const describes = h.ecsMock.commandCalls(DescribeServicesCommand).length;
    await e2e.slackEvent(appHomeOpened('UDEV1'));
    expect(jobs(e2e, 'home-refresh')).toHaveLength(1);
    await e2e.drain();
    expect(h.ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(describes);
    expect(publishes(e2e, 'UDEV1')).toBe(3);
  });

  it('a deployed (digest-pinned) image is named by its ECR tag, as /ecs status names it', async () => {
    const { e2e, world } = h;
    const digest = 'sha256:' + 'b'.repeat(64); // v1.2.2 in the harness's ECR
    world.addTaskDefinition(taskDefinition(43, {}, `${REGISTRY}/shop/web@${digest}`));
    world.service('prod', 'web-prod').taskDefinition = tdArn('web-prod', 43);
    await e2e.slackEvent(appHomeOpened('UDEV1'));
    await e2e.drain();
    expect(homeText(e2e, 'UDEV1')).toMatch(/\*web\* steady · 4\/4 · `v1\.2\.2`/);
    expect(homeText(e2e, 'UDEV1')).not.toContain('@bbbbbbbbbbbb');
  });

  it('a reader who may approve nothing sees no approvals, only their own request and its state', async () => {
    const { e2e } = h;
    await e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    await e2e.slackEvent(appHomeOpened('UDEV1'));
    const view = e2e.slack.homeView('UDEV1');
    expect(buttons(view).map((b) => b.action_id)).toEqual(['home:deploy', 'home:refresh']);
    const text = homeText(e2e, 'UDEV1');
    expect(text).not.toContain('Waiting for your approval');
    expect(text).toContain('Your open requests (1)');
    expect(text).toContain('waiting for 1 more approval');
  });

  it('Approve in the Home tab runs the channel workflow (confirmed first), then the Home is refreshed through the worker', async () => {
    const { e2e } = h;
    await e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    const req = requestMessage(e2e, 'CPROD');
    await e2e.slackEvent(appHomeOpened('ULEAD1'));
    await e2e.drain();
    const approve = buttons(e2e.slack.homeView('ULEAD1')).find((b) => b.action_id === 'approval:approve')!;
    expect(approve.value).toBe(req.id);
    expect(approve.confirm.text.text).toContain('`v1.2.3`');
    expect(approve.confirm.text.text).toContain('`web`');
    expect(approve.confirm.text.text).toContain('`prod`');
    expect(homeText(e2e, 'ULEAD1')).toContain('Waiting for your approval (1)');

    const before = e2e.handedOff.length;
    const res = await homeClick(e2e, 'ULEAD1', 'approval:approve', req.id);
    expect(res.statusCode).toBe(200);
    // The channel's workflow: the request message now says approved, and the execution was handed off.
    expect(JSON.stringify(e2e.slack.message('CPROD', req.ts)!.blocks)).toContain('Approved');
    const after = (e2e.handedOff as Job[]).slice(before).map((j) => j.kind);
    expect(after.sort()).toEqual(['execute', 'home-refresh']);

    await e2e.drain();
    const text = homeText(e2e, 'ULEAD1');
    expect(buttons(e2e.slack.homeView('ULEAD1')).map((b) => b.action_id)).not.toContain('approval:approve');
    expect(text).toContain('Rollouts running now (1)');
    // The rollout's progress as the tracker last read it from ECS.
    expect(text).toMatch(/Deploy web → prod\*: \d+\/4 running/);
    expect(text).toContain(`/archives/CPROD/p${req.ts.replace('.', '')}`);
    // A handful of refresh jobs for the many transitions (approved, started, facts recorded, status
    // card, progress): the approval's, and at most one more, depending on whether the executor's
    // changes arrived while the first still held its marker (it then makes another pass itself).
    const refreshes = jobs(e2e, 'home-refresh').filter((j) => j.scheduled).length;
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect(refreshes).toBeLessThanOrEqual(2);
  });

  it('a refused click in the Home tab answers in a small modal (there is no channel there), and Reject opens the reason form', async () => {
    const { e2e } = h;
    await e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    const req = requestMessage(e2e, 'CPROD');
    await e2e.slackEvent(appHomeOpened('ULEAD1'));
    await e2e.drain();
    await homeClick(e2e, 'ULEAD1', 'approval:reject', req.id);
    expect(e2e.slack.callsTo('views.open').at(-1)!.body.view.callback_id).toBe('approval:reject');

    // Someone approves in the channel; ULEAD1's Home still shows the button until the refresh.
    await e2e.click({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD2', channel_id: 'CPROD', message_ts: req.ts });
    await homeClick(e2e, 'ULEAD1', 'approval:approve', req.id);
    const notice = e2e.slack.callsTo('views.open').at(-1)!;
    expect(notice.response).toMatchObject({ ok: true });
    expect(notice.body.view.callback_id).toBeUndefined();
    expect(JSON.stringify(notice.body.view.blocks)).toMatch(/approved|no longer|not pending/i);
  });

  it('a change reaches only the viewers it concerns: one refresh job, published for the approver, not for a bystander', async () => {
    const { e2e } = h;
    await e2e.slackEvent(appHomeOpened('ULEAD1'));
    await e2e.slackEvent(appHomeOpened('UDEV2'));
    await e2e.drain();
    const lead = publishes(e2e, 'ULEAD1');
    const dev2 = publishes(e2e, 'UDEV2');

    await e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(publishes(e2e, 'ULEAD1')).toBe(lead + 1);
    expect(publishes(e2e, 'UDEV2')).toBe(dev2);
    expect(homeText(e2e, 'ULEAD1')).toContain('Waiting for your approval (1)');

    // A lock and an unlock while nobody drains: one refresh job; everyone sees the lock list as it is now.
    const scheduled = jobs(e2e, 'home-refresh').filter((j) => j.scheduled).length;
    await e2e.slash('lock worker --reason "migrating"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await e2e.slash('freeze prod --reason "release"', { channel_id: 'CPROD', user_id: 'ULEAD2' });
    expect(jobs(e2e, 'home-refresh').filter((j) => j.scheduled)).toHaveLength(scheduled + 1);
    await e2e.drain();
    for (const user of ['ULEAD1', 'UDEV2']) {
      expect(homeText(e2e, user)).toContain('Locks and freezes (2)');
      expect(homeText(e2e, user)).toContain('migrating');
    }
  });

  it('nobody opened the Home tab: changes cost nothing (no refresh job, no publish)', async () => {
    const { e2e } = h;
    await e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    await e2e.tick();
    expect(jobs(e2e, 'home-refresh')).toHaveLength(0);
    expect(e2e.slack.callsTo('views.publish')).toHaveLength(0);
  });
});

describe("the Home tab shows the services' aliases", () => {
  let e2e: E2E;
  beforeEach(async () => {
    const path = configFile((doc) => {
      doc.services.web.aliases = ['웹', '프론트'];
      doc.services.worker.aliases = ['워커'];
    });
    e2e = await setupE2E({ configPath: path, groups: fixtureGroups() });
  });
  afterEach(async () => {
    await e2e.close();
  });

  it('after each name, from chatops.yml, published through the local Slack API server', async () => {
    await e2e.slackEvent(appHomeOpened('UDEV1'));
    await e2e.drain();
    const text = homeText(e2e, 'UDEV1');
    expect(text).toMatch(/:large_green_circle: \*web\* \(웹, 프론트\) steady · 4\/4/);
    expect(text).toContain('*worker* (워커) steady · 2/2');
    expect(text).toContain('*web-staging* steady');
  });
});

describe('the Home tab at scale', () => {
  const SERVICES = 60;
  let e2e: E2E;
  beforeEach(async () => {
    const path = configFile((doc) => {
      for (let i = 0; i < SERVICES; i++) {
        doc.services[`svc-${String(i).padStart(2, '0')}`] = {
          environment: 'prod',
          service: `svc-${String(i).padStart(2, '0')}`,
          container: 'web',
          repository: 'shop/web',
        };
      }
    });
    e2e = await setupE2E({ configPath: path, groups: fixtureGroups() });
    h.ecsMock.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      // Every third service is down (nothing running).
      services: input.services.map((name) =>
        service({
          serviceName: name,
          serviceArn: `arn:aws:ecs:eu-west-1:222222222222:service/prod/${name}`,
          deployments: [deployment({ desiredCount: 4, runningCount: Number(name.replace(/\D/g, '') || 1) % 3 === 0 ? 0 : 4 })],
        }),
      ),
      failures: [],
    }));
  });
  afterEach(async () => {
    await e2e.close();
  });

  it('60 services and 30 requests waiting for one approver: within 100 blocks, most urgent first, "and 25 more"', async () => {
    for (let i = 0; i < 30; i++) {
      const input: SubmitInput = {
        verb: 'deploy',
        environment: 'prod',
        service: `svc-${String(i).padStart(2, '0')}`,
        plan: { verb: 'deploy', tag: `v1.${i}.0`, digest: 'sha256:' + 'a'.repeat(64) },
        summary: `Deploy \`v1.${i}.0\` to \`svc-${i}\``,
        requester: i % 2 ? 'UDEV1' : 'UDEV2',
        reason: `change ${i}`,
        channel: 'CPROD',
        invocationId: `cmd-scale-${i}`,
      };
      await submitRequest(e2e.rt, input);
    }
    await e2e.slackEvent(appHomeOpened('ULEAD1'));
    await e2e.drain();
    const view = e2e.slack.homeView('ULEAD1')!;
    // The local Slack API server refuses views over Slack's limits; this one was accepted.
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Waiting for your approval (30)');
    expect(buttons(view).filter((b) => b.action_id === 'approval:approve')).toHaveLength(5);
    expect(text).toContain('…and 25 more waiting');
    expect(text).toContain('prod · 62 services');
    for (let i = 0; i < SERVICES; i++) expect(text).toContain(`*svc-${String(i).padStart(2, '0')}*`);
    // Down services (nothing running) first.
    expect(text.indexOf(':red_circle: *svc-00* down')).toBeLessThan(text.indexOf('*svc-01* steady'));
  });
});
