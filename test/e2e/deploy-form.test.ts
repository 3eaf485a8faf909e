/**
 * The deploy form end to end, through the Slack Lambda handler and the worker: opened by
 * `/ecs deploy` without arguments, by the "Deploy to ECS" shortcut and by the Home tab's button;
 * filled with ECR tags by the worker (`views.update`); submitted into the same path as the typed
 * command (same checks, same request, confirm dialog on Approve); wrong choices and a tag deleted
 * meanwhile answered inside the modal; a trigger that expired answered with the command to type.
 * The local Slack API server holds the views as Slack would (trigger expiry, the pushed view).
 */
import { DescribeImagesCommand, ImageNotFoundException, type ImageDetail } from '@aws-sdk/client-ecr';
import { getRequest } from '../../src/approvals/workflow';
import { ACCOUNT, imageDetail } from '../helpers/aws-fixtures';
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { configFile, fixtureGroups } from '../helpers/config';
import { setupE2E, type E2E } from '../helpers/e2e';
import { META } from '../helpers/fake-ecs';
import type { SlackBody } from '../helpers/slack-server';
import { appHomeOpened } from '../helpers/signing';

const MIN = 60_000;
let images: ImageDetail[] = [];

const h = useDeployHarness({
  groups: fixtureGroups(),
  before: ({ ecrMock, clock }) => {
    images = [
      imageDetail({ imageTags: ['v1.2.3'], imagePushedAt: new Date(clock.now() - 2 * 3600_000) }),
      imageDetail({
        imageDigest: 'sha256:' + 'b'.repeat(64),
        imageTags: ['v1.2.2'],
        imagePushedAt: new Date(clock.now() - 26 * 3600_000),
        imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 0, HIGH: 2 } },
      }),
    ];
    // ECR as the tests leave it at the moment of the call (a test deletes a tag by editing `images`).
    ecrMock
      .on(DescribeImagesCommand)
      .callsFake((input: { repositoryName: string; imageIds?: Array<{ imageTag?: string; imageDigest?: string }> }) => {
        const repo = images.filter((i) => (i.repositoryName ?? 'shop/web') === input.repositoryName);
        if (!input.imageIds) return { imageDetails: repo };
        const id = input.imageIds[0]!;
        const found = repo.find((i) => (id.imageDigest ? i.imageDigest === id.imageDigest : i.imageTags?.includes(id.imageTag!)));
        if (!found) {
          throw new ImageNotFoundException({
            message: `The image with imageId {imageDigest:'null', imageTag:'${id.imageTag}'} does not exist within the repository with name '${input.repositoryName}' in the registry with id '${ACCOUNT}'`,
            $metadata: META,
          });
        }
        return { imageDetails: [found], failures: [] };
      });
  },
});

/** What the person chose so far, as Slack keeps it in view.state.values. */
type Values = Record<string, Record<string, SlackBody>>;

function selected(values: Values, blockId: string, actionId: string, value: string): Values {
  return {
    ...values,
    [blockId]: { [actionId]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } } },
  };
}

/** The form, as Slack holds it now (the root view of the stack). */
function form(e2e: E2E, viewId: string): SlackBody {
  const v = e2e.slack.view(viewId);
  if (!v) throw new Error(`no view ${viewId}`);
  return v;
}

const inputIds = (view: SlackBody) => (view.blocks as SlackBody[]).filter((b) => b.type === 'input').map((b) => b.block_id as string);
const optionsOf = (view: SlackBody, blockId: string) =>
  ((view.blocks as SlackBody[]).find((b) => b.block_id === blockId)?.element?.options ?? []).map((o: SlackBody) => o.value as string);

/** The person picks `value` in a select of the form (block_actions from the modal). */
async function pick(
  e2e: E2E,
  viewId: string,
  user: string,
  blockId: string,
  actionId: string,
  value: string,
  values: Values,
): Promise<Values> {
  const view = form(e2e, viewId);
  const next = selected(values, blockId, actionId, value);
  const res = await e2e.click({
    action_id: actionId,
    block_id: blockId,
    user_id: user,
    actions: [{ type: 'static_select', action_id: actionId, block_id: blockId, selected_option: { value }, action_ts: '1.2' }],
    payload: {
      container: { type: 'view', view_id: viewId },
      channel: undefined,
      message: undefined,
      response_url: undefined,
      view: { ...view, state: { values: next } },
    },
  });
  expect(res.statusCode).toBe(200);
  return next;
}

/** The id of the view the last views.open opened (the form). */
const openedViewId = (e2e: E2E) => (e2e.slack.callsTo('views.open').at(-1)!.response as SlackBody).view.id as string;

/** `user` picks prod, then web, in the form: what is chosen so far. */
const pickProdWeb = (e2e: E2E, viewId: string, user: string) =>
  pick(e2e, viewId, user, 'service:prod', 'deployform:service', 'web', selected({}, 'env', 'deployform:env', 'prod'));

/** Submit the form; the HTTP answer is applied to the views as Slack would. */
async function submit(e2e: E2E, viewId: string, user: string, values: Values) {
  const view = form(e2e, viewId);
  const res = await e2e.submitView({
    callback_id: view.callback_id,
    view_id: viewId,
    user_id: user,
    private_metadata: view.private_metadata,
    values,
    view: { hash: view.hash },
  });
  expect(res.statusCode).toBe(200);
  const ack = res.body ? (JSON.parse(res.body) as SlackBody) : undefined;
  const top = e2e.slack.answerViewSubmission(viewId, ack);
  return { ack, top };
}

describe('the deploy form', () => {
  it('/ecs deploy without arguments: the form opens at once, the worker fills the tags, submitting makes the same request as typing it', async () => {
    const { e2e } = h;
    const res = await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const open = e2e.slack.callsTo('views.open').at(-1)!;
    expect(open.response).toMatchObject({ ok: true });
    const viewId = (open.response as SlackBody).view.id as string;
    // The channel's environment is chosen; its services are the ones UDEV1 may deploy.
    expect(inputIds(form(e2e, viewId))).toEqual(['env', 'service:prod', 'reason']);
    expect(optionsOf(form(e2e, viewId), 'service:prod')).toEqual(['web', 'worker']);
    expect(h.ecrMock.calls()).toHaveLength(0);

    let values = await pickProdWeb(e2e, viewId, 'UDEV1');
    expect(JSON.stringify(form(e2e, viewId).blocks)).toContain('Loading the recent tags of `shop/web`');
    expect(h.ecrMock.calls()).toHaveLength(0);
    await e2e.drain();
    const filled = form(e2e, viewId);
    expect(optionsOf(filled, 'image:prod:web')).toEqual(['v1.2.3', 'v1.2.2']);
    expect(JSON.stringify(filled.blocks)).toContain('pushed 2h ago');
    expect(JSON.stringify(filled.blocks)).toContain(':large_orange_circle: 2 high');

    values = selected(values, 'image:prod:web', 'deployform:image', 'v1.2.3');
    values = { ...values, reason: { 'deployform:reason': { type: 'plain_text_input', value: 'checkout "fix" & more' } } };
    const { ack, top } = await submit(e2e, viewId, 'UDEV1', values);
    expect(ack).toMatchObject({ response_action: 'push' });
    expect(JSON.stringify(top!.blocks)).toContain('Checking `v1.2.3` in ECR');
    const command = (e2e.pending as Array<{ kind: string; invocation?: { text: string; channelId: string } }>).find(
      (j) => j.kind === 'command',
    )!;
    expect(command.invocation).toMatchObject({ text: expect.stringMatching(/^deploy web v1\.2\.3 --reason=/), channelId: 'CPROD' });

    await e2e.drain();
    // The request exactly as `/ecs deploy web v1.2.3 --reason …` makes it, with the Approve confirmation.
    const req = requestMessage(e2e, 'CPROD');
    const stored = await getRequest(e2e.rt.redis, req.id);
    expect(stored).toMatchObject({ requester: 'UDEV1', verb: 'deploy', service: 'web', reason: 'checkout "fix" & more', state: 'pending' });
    expect(textOf(req.message)).toContain('&amp; more');
    const approve = (req.message.blocks as SlackBody[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements as SlackBody[])
      .find((b) => b.action_id === 'approval:approve')!;
    expect(approve.confirm.text.text).toMatch(/Deploy `v1\.2\.3` \(sha256:[0-9a-f]{12}\) to `web` in `prod`/);
    // The pushed view now shows the outcome; Done closes the whole modal.
    const answer = e2e.slack.view(top!.id)!;
    expect(JSON.stringify(answer.blocks)).toContain(`Request \`${req.id}\` to deploy \`web\` is posted in <#CPROD> and needs 1 approval`);
    expect(answer.clear_on_close).toBe(true);
    expect(e2e.slack.responses()).toHaveLength(0);
  });

  it('`ｄｅｐｌｏｙ` typed alone with an IME (full-width, a trailing ideographic space) opens the form as `deploy` does', async () => {
    const { e2e } = h;
    const res = await e2e.slash('ｄｅｐｌｏｙ\u3000', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(e2e.slack.callsTo('views.open')).toHaveLength(1);
    expect(inputIds(form(e2e, openedViewId(e2e)))).toEqual(['env', 'service:prod', 'reason']);
  });

  it('a tag deleted after the list was loaded: ECR says so in the worker, inside the modal, and nothing is requested', async () => {
    const { e2e } = h;
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    let values = await pickProdWeb(e2e, viewId, 'UDEV1');
    await e2e.drain();
    images = images.filter((i) => !i.imageTags?.includes('v1.2.3'));

    values = selected(values, 'image:prod:web', 'deployform:image', 'v1.2.3');
    const { ack, top } = await submit(e2e, viewId, 'UDEV1', values);
    expect(ack).toMatchObject({ response_action: 'push' });
    await e2e.drain();
    const answer = e2e.slack.view(top!.id)!;
    expect(JSON.stringify(answer.blocks)).toContain('has no image with tag `v1.2.3`');
    expect(JSON.stringify(answer.blocks)).toContain('`v1.2.2`');
    // Back returns to the form, choices intact.
    expect(answer.close.text).toBe('Back');
    expect(answer.clear_on_close).toBe(false);
    expect(e2e.slack.view(viewId)).toBeDefined();
    expect(e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('a tag deleted and the list refreshed since: answered under the tag field (response_action errors), nothing handed off', async () => {
    const { e2e, clock } = h;
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    let values = await pickProdWeb(e2e, viewId, 'UDEV1');
    await e2e.drain();
    values = selected(values, 'image:prod:web', 'deployform:image', 'v1.2.3');

    // Meanwhile the tag is deleted and someone else's form reads the repository again.
    images = images.filter((i) => !i.imageTags?.includes('v1.2.3'));
    clock.advance(2 * MIN);
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV2' });
    const other = openedViewId(e2e);
    await pickProdWeb(e2e, other, 'UDEV2');
    await e2e.drain();

    const before = e2e.handedOff.length;
    const { ack } = await submit(e2e, viewId, 'UDEV1', values);
    expect(ack).toEqual({
      response_action: 'errors',
      errors: {
        'image:prod:web': '`v1.2.3` is no longer in ECR (deleted since the list was loaded). Choose another tag.'.replace(/`/g, ''),
      },
    });
    expect(e2e.handedOff).toHaveLength(before);
  });

  it('a refusal of the workflow (the environment is frozen) comes back into the modal, with Back to the form', async () => {
    const { e2e } = h;
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    const values = await pickProdWeb(e2e, viewId, 'UDEV1');
    await e2e.drain();
    await e2e.slash('freeze prod --reason "release day"', { channel_id: 'CPROD', user_id: 'ULEAD1' });
    const { top } = await submit(e2e, viewId, 'UDEV1', selected(values, 'image:prod:web', 'deployform:image', 'v1.2.2'));
    await e2e.drain();
    const answer = e2e.slack.view(top!.id)!;
    expect(JSON.stringify(answer.blocks)).toContain('frozen');
    expect(answer.close.text).toBe('Back');
    expect(e2e.slack.messages('CPROD').filter((m) => /Request `/.test(textOf(m)))).toHaveLength(0);
  });

  it('wrong choices are answered under the field: no environment, a service of another environment, no tag yet, no permission', async () => {
    const { e2e } = h;
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    expect((await submit(e2e, viewId, 'UDEV1', {})).ack).toMatchObject({
      response_action: 'errors',
      errors: { env: 'Choose an environment.' },
    });
    // (an errors answer keeps the view: submit again)
    const env = selected({}, 'env', 'deployform:env', 'prod');
    expect((await submit(e2e, viewId, 'UDEV1', env)).ack).toMatchObject({ errors: { 'service:prod': 'Choose a service.' } });
    const staging = selected(env, 'service:prod', 'deployform:service', 'web-staging');
    expect((await submit(e2e, viewId, 'UDEV1', staging)).ack).toMatchObject({
      errors: { 'service:prod': expect.stringContaining('web-staging') },
    });
    const web = selected(env, 'service:prod', 'deployform:service', 'web');
    expect((await submit(e2e, viewId, 'UDEV1', web)).ack).toMatchObject({
      errors: { 'service:prod': expect.stringContaining('still loading') },
    });
    // Someone who is no requester in prod (the form could have been opened before they lost the role).
    const all = selected(web, 'image:prod:web', 'deployform:image', 'v1.2.3');
    expect((await submit(e2e, viewId, 'UOTHER', all)).ack).toMatchObject({ errors: { env: 'You may not request deploys in prod.' } });
    expect(e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'command')).toHaveLength(0);
  });

  it('an altered private_metadata (another channel as the origin) cannot post the request elsewhere; it still needs its approval', async () => {
    const { e2e } = h;
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    let values = await pickProdWeb(e2e, viewId, 'UDEV1');
    await e2e.drain();
    values = selected(values, 'image:prod:web', 'deployform:image', 'v1.2.3');
    const view = form(e2e, viewId);
    for (const origin of ['CSTAGING', 'CRANDOM']) {
      const res = await e2e.submitView({
        callback_id: view.callback_id,
        view_id: viewId,
        user_id: 'UDEV1',
        private_metadata: JSON.stringify({ c: origin }),
        values,
        view: { hash: view.hash },
      });
      expect(res.statusCode).toBe(200);
    }
    const commands = (e2e.pending as Array<{ kind: string; invocation?: { channelId: string } }>).filter((j) => j.kind === 'command');
    expect(commands.map((c) => c.invocation!.channelId)).toEqual(['CPROD', 'CPROD']);
    await e2e.drain();
    expect(e2e.slack.messages('CSTAGING')).toHaveLength(0);
    expect(e2e.slack.messages('CRANDOM')).toHaveLength(0);
    const req = requestMessage(e2e, 'CPROD');
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('pending');
  });

  it('a trigger that expired: /ecs deploy answers with the command to type; the shortcut answers in a direct message', async () => {
    const { e2e } = h;
    e2e.slack.expireTriggers();
    const res = await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(res.text).toContain('could not open in time');
    expect(res.text).toContain('/ecs deploy <service> <tag> --reason');

    const sc = await e2e.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UDEV2' });
    expect(sc.statusCode).toBe(200);
    const dm = e2e.slack.messages('UDEV2');
    expect(dm).toHaveLength(1);
    expect(dm[0]!.text).toContain('/ecs deploy <service> <tag> --reason');
  });

  it('the shortcut and the Home button open the form with every environment the person may deploy; one service is chosen for them', async () => {
    const { e2e } = h;
    await e2e.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    const envs = ((form(e2e, viewId).blocks as SlackBody[]).find((b) => b.block_id === 'env')!.element.options as SlackBody[]).map(
      (o) => o.text.text,
    );
    expect(envs).toEqual(['staging · runs without approval', 'prod · needs 1 approval']);
    expect(inputIds(form(e2e, viewId))).toEqual(['env', 'reason']);
    // staging has one service: choosing the environment chooses it and asks for its tags.
    await pick(e2e, viewId, 'UDEV1', 'env', 'deployform:env', 'staging', {});
    expect(inputIds(form(e2e, viewId))).toEqual(['env', 'service:staging', 'reason']);
    await e2e.drain();
    expect(optionsOf(form(e2e, viewId), 'image:staging:web-staging')).toEqual(['v1.2.3', 'v1.2.2']);
    expect(JSON.stringify(form(e2e, viewId).blocks)).toContain('<#CSTAGING>');

    await e2e.slackEvent(appHomeOpened('UDEV2'));
    const home = e2e.slack.homeView('UDEV2')!;
    await e2e.click({
      action_id: 'home:deploy',
      value: 'deploy',
      user_id: 'UDEV2',
      payload: {
        container: { type: 'view', view_id: home.id },
        channel: undefined,
        message: undefined,
        response_url: undefined,
        view: home,
      },
    });
    const opened = e2e.slack.callsTo('views.open').at(-1)!;
    expect(opened.response).toMatchObject({ ok: true });
    expect(opened.body.view.callback_id).toBe('deploy-form');
  });

  it('a select that cannot be answered (Slack refused the update) gets a notice pushed on top of the form', async () => {
    const { e2e } = h;
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const viewId = openedViewId(e2e);
    e2e.slack.failNext('views.update', 'internal_error');
    await pickProdWeb(e2e, viewId, 'UDEV1');
    const push = e2e.slack.lastCall('views.push')!;
    expect(push.response).toMatchObject({ ok: true });
    expect(JSON.stringify(push.body.view.blocks)).toContain('internal_error');
    expect(e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'deploy-form-tags')).toHaveLength(0);
  });

  it('in Korean for a reader whose Slack speaks Korean', async () => {
    const { e2e } = h;
    e2e.slack.setUserLocale('UDEV1', 'ko-KR');
    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const view = (e2e.slack.callsTo('views.open').at(-1)!.response as SlackBody).view;
    expect(view.title.text).toBe('ECS에 배포');
    expect(view.submit.text).toBe('배포 요청');
  });
});

describe('the deploy form for someone who may deploy nowhere', () => {
  let e2e: E2E;
  beforeEach(async () => {
    e2e = await setupE2E({ configPath: configFile((doc) => (doc.environments.staging.requesters = ['UDEV1'])) });
    e2e.slack.setUserGroup('SDEVS', []);
  });
  afterEach(async () => {
    await e2e.close();
  });

  it('says so in the modal, with what to ask for', async () => {
    await e2e.shortcut({ callback_id: 'deploy_to_ecs', user_id: 'UNOBODY' });
    const open = e2e.slack.callsTo('views.open').at(-1)!;
    expect(open.response).toMatchObject({ ok: true });
    expect(open.body.view.callback_id).toBeUndefined();
    expect(JSON.stringify(open.body.view.blocks)).toContain('You may not request deploys in any environment');
    expect(e2e.handedOff).toHaveLength(0);
  });
});
