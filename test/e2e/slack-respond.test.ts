/**
 * Answers through a response_url end to end (signed events into the Slack Lambda handler, jobs in
 * the worker, the local Slack over HTTP): a click's answer on the Slack function stays within the
 * click's budget when Slack does not answer it (src/slack/click-budget.ts respondWithin), and a
 * worker's answer that Slack took without answering is not said a second time, neither through the
 * response_url nor with the bot token (src/slack/reply.ts answerInvocation); a refused response_url
 * (404 expired_url) is tried once and the person is answered with the bot token instead.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { submitRequest } from '../../src/approvals/workflow';
import { CLICK_BUDGET_MS } from '../../src/slack/click-budget';
import { useE2E } from '../helpers/e2e';
import { submitInput } from '../integration/approvals-runtime';

const ecsMock = mockClient(ECSClient);
const e2e = useE2E(() => ({}), [ecsMock]);
const logged = (msg: string) => e2e.logs.filter((l) => l.msg === msg);
const NOT_SENT_AGAIN = 'response_url: no answer after sending; not sent again (it may or may not have shown)';

/** An answer the worker gives through the command's response_url: ECS refusing the status read. */
function statusFails(): void {
  ecsMock.on(DescribeServicesCommand).rejects(Object.assign(new Error('no access'), { name: 'AccessDeniedException' }));
}

describe('a click answered through its response_url', () => {
  it("Slack not answering the Details answer: the click's response still leaves within its budget, the answer sent once", async () => {
    const req = await submitRequest(e2e.rt, submitInput());
    const url = e2e.slack.responseUrl('details-1');
    e2e.slack.stallNext('response_url', Infinity, 3);
    const started = Date.now();
    const res = await e2e.click({
      action_id: 'approval:details',
      value: req.id,
      user_id: 'UDEV2',
      channel_id: req.channel,
      message_ts: req.messageTs,
      response_url: url,
    });
    const took = Date.now() - started;
    expect(res.statusCode).toBe(200);
    // Within Slack's 3 seconds: the budget (from the listener's start) and the margin it keeps for what is around it.
    expect(took).toBeLessThan(CLICK_BUDGET_MS + 500);
    expect(e2e.slack.callsTo('response_url')).toHaveLength(1);
    expect(logged(NOT_SENT_AGAIN)).toHaveLength(1);
    expect(e2e.slack.releaseStalls()).toBe(1);
  }, 30_000);
});

describe("a worker's answer through the command's response_url", () => {
  it('taken by Slack without an answer: said once (not again through it, not with the bot token)', async () => {
    statusFails();
    e2e.slack.stallNext('response_url', Infinity);
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(logged(NOT_SENT_AGAIN)).toHaveLength(1);
    expect(e2e.slack.releaseStalls()).toBe(1);
    await e2e.slack.waitFor((calls) => calls.every((c) => c.response !== undefined), 2_000, 'the late answer lands');
    const answers = e2e.slack.callsTo('response_url');
    expect(answers).toHaveLength(1);
    expect(JSON.stringify(answers[0]!.body)).toContain('ecs:DescribeServices');
    expect(e2e.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(0);
  }, 30_000);

  it('refused (404 expired_url): tried once, and the person is answered with the bot token instead', async () => {
    statusFails();
    e2e.slack.failNext('response_url', 'expired_url', 3);
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(e2e.slack.callsTo('response_url')).toHaveLength(1);
    expect(logged('response_url refused; not sent again')).toEqual([expect.objectContaining({ status: 404, error: 'expired_url' })]);
    const ephemerals = e2e.slack.callsTo('chat.postEphemeral');
    expect(ephemerals).toHaveLength(1);
    expect(JSON.stringify(ephemerals[0]!.body)).toContain('ecs:DescribeServices');
  });
});
