/**
 * Fault injection on the worker's change path (session 9 review): a "did not run" decision whose
 * card could not be updated, a change settled by the tick after its worker stopped, and a rollout
 * whose service can no longer be read. Each must end truthful, with nothing left running.
 */
import { RegisterTaskDefinitionCommand, ServerException, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { META } from '../helpers/fake-ecs';
import type { E2E } from '../helpers/e2e';
import { awsException } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({ logs: ['boom'] });

async function requestAndApprove(): Promise<{ id: string; ts: string }> {
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  return req;
}

const executeJobs = (e: E2E) => e.pending.filter((j) => (j as { kind: string }).kind === 'execute');
const replies = (req: { ts: string }) => thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
const throttle = () => awsException('ThrottlingException', 'Rate exceeded');

describe('a "did not run" decision whose status card could not be updated', () => {
  it("Lambda's retry of the job does not run the change the thread said did not run; it finishes the request and repairs the card", async () => {
    const req = await requestAndApprove();
    const job = structuredClone(executeJobs(h.e2e)[0]);
    // ECS keeps throttling DescribeServices past every retry: nothing can be checked, nothing is changed.
    for (let i = 0; i < 4; i++) h.world.failNext('DescribeServices', throttle());
    // The thread reply saying so goes out; the card's update fails (Slack has a bad moment).
    h.e2e.slack.failNext('chat.update', 'fatal_error', 2); // the request message's re-render (best effort), then the card
    await expect(h.e2e.drain()).rejects.toThrow();
    expect(replies(req)).toContain('Deploy did not run.');

    // Lambda retries the invocation a minute later; ECS answers again.
    h.clock.advance(60_000);
    h.e2e.pending.push(job);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand).length).toBe(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand).length).toBe(0);
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(textOf(h.e2e.slack.message('CPROD', r!.statusTs!))).toContain('failed');
    expect(replies(req)).not.toContain('Deployment started');
  });
});

describe('the worker stopped before the service was updated (its retries ran out)', () => {
  it('the tick that fails the request also puts its status card in its final state', async () => {
    const req = await requestAndApprove();
    h.world.failNext('UpdateService', new ServerException({ message: 'Internal error', $metadata: { ...META, httpStatusCode: 500 } }));
    await expect(h.e2e.drain()).rejects.toThrow();
    const before = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(textOf(h.e2e.slack.message('CPROD', before.statusTs!))).toContain('trying again shortly');
    h.clock.advance(7 * 60_000);
    await h.e2e.tick();
    const r = await getRequest(h.e2e.rt.redis, req.id);
    expect(r?.state).toBe('failed');
    expect(replies(req)).toContain('The worker stopped before the service was updated');
    const card = textOf(h.e2e.slack.message('CPROD', r!.statusTs!));
    expect(card).not.toContain('trying again shortly');
    expect(card).toContain('failed');
  });
});
