/**
 * Red-team pass on "never run a change nobody (authorized) approved": attempts an attacker or a
 * careless user would make, each through the real paths (signed slash commands and block_actions
 * into the Slack Lambda handler, jobs into the worker handler, real Redis, the local Slack API
 * server, FakeEcs). Attempts already covered elsewhere are listed in the session's report; these
 * are the ones no suite made.
 */
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeImagesCommand as EcrDescribeImages } from '@aws-sdk/client-ecr';
import { handler as slackHandler } from '../../src/handlers/slack';
import { handler as workerHandler } from '../../src/handlers/worker';
import { blockActionsPayload } from '../../src/loopback/slack/signing';
import { getRequest } from '../../src/approvals/workflow';
import { DIGEST, imageDetail } from '../helpers/aws-fixtures';
import { fixtureGroups } from '../helpers/config';
import { HOME_TAB_CLICK, SIGNING_SECRET } from '../helpers/e2e';
import { signedActionEvent } from '../helpers/signing';
import { approve, lastResponse, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({ groups: fixtureGroups() });

const updates = () => h.ecsMock.commandCalls(UpdateServiceCommand);
const registrations = () => h.ecsMock.commandCalls(RegisterTaskDefinitionCommand);
const executeJobs = () => h.e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'execute');

async function pendingDeploy(): Promise<{ id: string; ts: string }> {
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
  return req;
}

describe('tampered Approve values', () => {
  it('a made-up request id (well-formed or not) approves nothing and hands nothing off', async () => {
    const req = await pendingDeploy();
    for (const value of ['prod.web.zzzzzzzzzz', 'prod.web', '', `${req.id}x`, 'staging.web-staging.abcdefgh']) {
      const res = await h.e2e.click({ action_id: 'approval:approve', value, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
      expect(res.statusCode).toBe(200);
      expect(lastResponse(h.e2e)).toMatch(/no record of this request|no longer on record/);
    }
    expect(executeJobs()).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
  });

  it('the requester approving their own request from the Home tab (no channel to check) is refused like on the card', async () => {
    const req = await pendingDeploy();
    await h.e2e.click({
      action_id: 'approval:approve',
      value: req.id,
      user_id: 'UDEV1',
      payload: HOME_TAB_CLICK,
    });
    expect(executeJobs()).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
    const notice = h.e2e.slack.callsTo('views.open').at(-1)!;
    expect(JSON.stringify(notice.body.view.blocks)).toContain('You asked for this change, so you cannot approve it yourself');
  });
});

describe('replayed and retried Approve clicks', () => {
  it('the same signed click delivered again (a replay within the 5 minutes, a retry header) counts once and runs the change once', async () => {
    const req = await pendingDeploy();
    const event = signedActionEvent(
      SIGNING_SECRET,
      blockActionsPayload({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts }),
    );
    const retried = signedActionEvent(
      SIGNING_SECRET,
      blockActionsPayload({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts }),
      { retryNum: 1 },
    );
    expect((await slackHandler(event as never, {})).statusCode).toBe(200);
    expect((await slackHandler(event as never, {})).statusCode).toBe(200);
    expect((await slackHandler(retried as never, {})).statusCode).toBe(200);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.approvals.map((a) => a.user)).toEqual(['ULEAD1']);
    // Later (past the hand-off repeat time), the same replay finds the change running: nothing more.
    h.clock.advance(60_000);
    expect((await slackHandler(event as never, {})).statusCode).toBe(200);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
  });
});

describe('worker jobs for a request nobody approved', () => {
  it('an execute job signed by the bot for a pending request changes nothing; the real approval still runs it', async () => {
    const req = await pendingDeploy();
    // The bot's own dispatcher signs it: as if a hand-off were made (or replayed) before any approval.
    await h.e2e.rt.dispatcher.dispatch({ kind: 'execute', id: `exec-${req.id}`, requestId: req.id } as never);
    await h.e2e.drain();
    expect(updates()).toHaveLength(0);
    expect(registrations()).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  });

  it('an unsigned execute job (a forged invocation of the worker) is dropped before anything reads the request', async () => {
    const req = await pendingDeploy();
    await approve(h.e2e, req);
    h.e2e.pending.splice(0);
    await workerHandler({ kind: 'execute', id: `exec-${req.id}`, requestId: req.id } as never);
    expect(updates()).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('approved');
    expect(h.e2e.logs.some((l) => /unsigned|signature/i.test(JSON.stringify(l)))).toBe(true);
  });
});

describe('what runs is what was approved', () => {
  it('the tag moved to another image after the request: the approved digest is deployed, not the tag re-resolved', async () => {
    const req = await pendingDeploy();
    const planned = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(JSON.stringify(planned.plan)).toContain(DIGEST);
    expect(textOf(h.e2e.slack.message('CPROD', req.ts))).toContain(DIGEST.slice(7, 19));
    // Someone pushes another image under v1.2.3 before the approval.
    const moved = 'sha256:' + 'e'.repeat(64);
    h.ecrMock.on(EcrDescribeImages).callsFake((input: { imageIds?: Array<{ imageTag?: string; imageDigest?: string }> }) => {
      const id = input.imageIds?.[0];
      if (id?.imageTag === 'v1.2.3') return { imageDetails: [imageDetail({ imageDigest: moved })], failures: [] };
      return { imageDetails: [imageDetail({ imageDigest: id?.imageDigest ?? DIGEST })], failures: [] };
    });
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(registrations()).toHaveLength(1);
    const images = registrations()[0]!.args[0].input.containerDefinitions!.map((c) => c.image);
    expect(images).toContain(`222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web@${DIGEST}`);
    expect(JSON.stringify(images)).not.toContain(moved);
  });
});

describe('what runs is what was approved: the desired count', () => {
  it('a scale approved after someone changed the desired count in the console is refused, nothing changed', async () => {
    await h.e2e.slash('scale web 6', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    h.world.service('prod', 'web-prod').desiredCount = 8;
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(updates()).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(JSON.stringify(h.e2e.slack.messages('CPROD').map(textOf))).toContain('its desired count is 8 now, not 4');
  });
});

describe('--at is no way around the approval', () => {
  it('a pending request past its start time is not started by the scheduler; it starts only once approved', async () => {
    const start = new Date(h.clock.now() + 30 * 60_000).toISOString().slice(0, 16) + 'Z';
    await h.e2e.slash(`scale web 6 --at ${start}`, { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
    // Its time comes and goes, ticks run: nobody approved it, so nothing starts.
    for (const minutes of [31, 40, 50]) {
      h.clock.set(Date.parse(start) + (minutes - 30) * 60_000);
      await h.e2e.tick();
      await h.e2e.drain();
    }
    expect(updates()).toHaveLength(0);
    expect(executeJobs()).toHaveLength(0);
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
    // Approved (within its start grace): it starts now.
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.args[0].input).toMatchObject({ service: 'web-prod', desiredCount: 6 });
  });
});
