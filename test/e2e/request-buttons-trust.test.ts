/**
 * Issue 10, item 5 (the request message's buttons, the reject form, the Abort button): each acts on
 * the request looked up by its id, only from the request's channel, with the clicker's role
 * re-checked; the reject form only when it was opened from the request's Reject button. Signed
 * payloads through the real Slack handler, real Redis, the local Slack server, FakeEcs.
 */
import { StopServiceDeploymentCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { approve, requestMessage, useDeployHarness } from '../helpers/deploy-e2e';

describe('request buttons (approve, reject, cancel, abort)', () => {
  const h = useDeployHarness();

  async function pendingDeploy(): Promise<{ id: string; ts: string }> {
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    return requestMessage(h.e2e, 'CPROD');
  }

  const whispers = () =>
    h.e2e.slack
      .responses()
      .map((b) => String(b.text))
      .join('\n');

  it('Approve clicked from another channel than the request’s is refused and approves nothing', async () => {
    const req = await pendingDeploy();
    await approve(h.e2e, req, 'ULEAD1', 'CSTAGING');
    expect((await getRequest(h.e2e.rt.redis, req.id))!.state).toBe('pending');
    expect(whispers()).toContain('belongs to a request in another channel');
    await approve(h.e2e, req, 'ULEAD1', 'CPROD');
    expect((await getRequest(h.e2e.rt.redis, req.id))!.state).toBe('approved');
  });

  it('Approve clicked on another message of the request’s channel than its card is refused; on the card it approves', async () => {
    const req = await pendingDeploy();
    // Another bot message in the same channel carrying the request's Approve button (e.g. an orphaned copy of the card).
    const { ts: other } = await h.e2e.rt.slack.post('CPROD', { text: 'copy', blocks: [] });
    await h.e2e.click({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: other });
    await h.e2e.click({ action_id: 'approval:reject', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: other });
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))!).toMatchObject({ state: 'pending', approvals: [] });
    expect(h.e2e.slack.callsTo('views.open')).toHaveLength(0);
    expect(whispers()).toContain('This button is not on the request’s own message, so I did nothing. Use the buttons on <https://');
    await approve(h.e2e, req, 'ULEAD1', 'CPROD');
    expect((await getRequest(h.e2e.rt.redis, req.id))!.state).toBe('approved');
  });

  it('Cancel from another channel is refused', async () => {
    const req = await pendingDeploy();
    await h.e2e.click({ action_id: 'approval:cancel', value: req.id, user_id: 'UDEV1', channel_id: 'CSTAGING', message_ts: req.ts });
    expect((await getRequest(h.e2e.rt.redis, req.id))!.state).toBe('pending');
  });

  it('a reject form nobody opened from the request (a forged submission) is refused', async () => {
    const req = await pendingDeploy();
    const res = await h.e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: req.id,
      user_id: 'ULEAD1',
      values: { reason: { reason: { type: 'plain_text_input', value: 'looks wrong to me' } } },
    });
    expect(res.statusCode).toBe(200);
    expect((await getRequest(h.e2e.rt.redis, req.id))!.state).toBe('pending');
    // Opened from the Reject button in the request's channel, the same submission rejects.
    await h.e2e.click({ action_id: 'approval:reject', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    await h.e2e.submitView({
      callback_id: 'approval:reject',
      private_metadata: req.id,
      user_id: 'ULEAD1',
      values: { reason: { reason: { type: 'plain_text_input', value: 'looks wrong to me' } } },
    });
    expect((await getRequest(h.e2e.rt.redis, req.id))!.state).toBe('rejected');
  });

  it('Abort from another channel than the request’s is refused and dispatches nothing', async () => {
    const req = await pendingDeploy();
    await approve(h.e2e, req);
    await h.e2e.drain();
    const running = (await getRequest(h.e2e.rt.redis, req.id))!;
    expect(running.state).toBe('running');
    await h.e2e.click({
      action_id: 'deploy:abort',
      value: running.id,
      user_id: 'ULEAD1',
      channel_id: 'CSTAGING',
      message_ts: running.statusTs!,
    });
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(whispers()).toContain('belongs to a request in another channel');
  });
});
