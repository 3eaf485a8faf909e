/**
 * Release gate 6, the cost of a change, end to end through the Lambda handlers: a scale request
 * shows its cost delta from the task definition's CPU and memory and the region's Fargate price; a
 * change of task size (a rollback to a bigger revision) shows the same; above prod's monthly limit
 * the request needs one more approval and does not run before it.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { TAGS, taskDefinition } from '../helpers/aws-fixtures';
import { configFile } from '../helpers/config';
import { approve, lastResponse, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({
  configPath: configFile((doc) => {
    doc.environments.prod.gates = { cost: { extraApprovalAbove: 100 } };
  }),
  before: (x) => x.e2e.slack.setUserGroup('SLEADS', []),
});

// web-prod:42 is 0.5 vCPU / 1 GB x86 on Fargate in eu-west-1: $0.024685 an hour, $18.02 a month per task.

async function request(text: string, channel = 'CPROD') {
  await h.e2e.slash(text, { channel_id: channel, user_id: 'UDEV1' });
  await h.e2e.drain();
  return requestMessage(h.e2e, channel);
}

describe('the cost of a change', () => {
  it('shows the delta of a scale on the card; below the limit one approval runs it', async () => {
    const req = await request('scale web 6');
    expect(textOf(req.message)).toContain('Cost: +2 tasks ≈ +$1.18/day, +$36/month (Fargate on-demand in eu-west-1, an estimate).');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.approvalsNeeded).toBe(1);
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });

  it('above the monthly limit it needs one more approval, and does not run on the first', async () => {
    const req = await request('scale web 12 --reason "campaign"');
    const card = textOf(req.message);
    expect(card).toContain('Cost: +8 tasks ≈ +$4.74/day, +$144/month (Fargate on-demand in eu-west-1, an estimate).');
    expect(card).toContain('That is above `prod`’s limit of $100/month, so it needs one more approval (2 in all).');
    expect(card).toContain('*Approvals:* 0 of 2');
    await approve(h.e2e, req, 'ULEAD1');
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('pending');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    await approve(h.e2e, req, 'ULEAD2');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toMatchObject({ desiredCount: 12 });
    // /ecs history keeps the cost line.
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Gates: Cost: +8 tasks ≈ +$4.74/day, +$144/month');
  });

  it('shows savings, and a dry run shows the cost too', async () => {
    await h.e2e.slash('scale web 2 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Cost: −2 tasks ≈ −$1.18/day, −$36/month');
    const req = await request('scale web 2');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.approvalsNeeded).toBe(1);
  });

  it('a change of task CPU and memory shows the same delta', async () => {
    h.world.addTaskDefinition(taskDefinition(40, { cpu: '1024', memory: '2048' }), TAGS);
    const req = await request('rollback web --to 40');
    expect(textOf(req.message)).toContain('Cost: task size 0.5 vCPU / 1 GB → 1 vCPU / 2 GB × 4 tasks ≈ +$2.37/day, +$72/month');
  });

  it('where there is no cost gate the card still shows the delta, and nothing more is needed', async () => {
    const req = await request('scale web-staging 3', 'CSTAGING');
    expect(textOf(h.e2e.slack.message('CSTAGING', req.ts))).toContain('Cost: +1 task ≈ +$0.59/day, +$18/month');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.approvalsNeeded).toBe(0);
  });
});
