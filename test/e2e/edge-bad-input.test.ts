/**
 * The foundation's bad inputs and faults, through the Slack Lambda handler: each gets a clear
 * ephemeral answer within the ack, nothing is handed off twice, and the Slack-facing path makes
 * no ECS / ECR / Logs / Cost Explorer call before it returns.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { resetSlackHandler } from '../../src/handlers/slack';
import { BOT_TOKEN, SIGNING_SECRET, useE2E } from '../helpers/e2e';
import { createRuntime, setRuntime } from '../../src/handlers/compose';
import { FIXTURE_CONFIG } from '../helpers/config';
import { dbSize } from '../helpers/redis';

const ecs = mockClient(ECSClient);
const ecr = mockClient(ECRClient);
const logs = mockClient(CloudWatchLogsClient);
const ce = mockClient(CostExplorerClient);
const awsCalls = () => ecs.calls().length + ecr.calls().length + logs.calls().length + ce.calls().length;

describe('the Slack edge: bad input and faults', () => {
  const e2e = useE2E(() => ({}), [ecs, ecr, logs, ce]);

  const prodDev = { channel_id: 'CPROD', user_id: 'UDEV1' };

  it('hands read and change commands to the worker without any AWS service call before returning', async () => {
    for (const text of [
      'status web',
      'logs web --since 2h',
      'cost prod',
      'images web',
      'history web',
      'deploy web v1.2.3',
      'scale web 4',
      'restart web',
      'rollback web',
    ]) {
      const res = await e2e.slash(text, prodDev);
      expect(res.status).toBe(200);
      expect(res.body && res.body.response_type).toBe('ephemeral');
    }
    expect(awsCalls()).toBe(0);
    expect(e2e.handedOff).toHaveLength(9);
    expect(e2e.handedOff.every((j) => (j as { kind: string }).kind === 'command')).toBe(true);
  });

  it('answers an unknown verb with the closest matches and without handing off', async () => {
    const res = await e2e.slash('deplyo web v1', prodDev);
    expect(res.text).toContain('There is no command `deplyo`');
    expect(res.text).toContain('`deploy`');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('answers an unknown service with the closest matches', async () => {
    const res = await e2e.slash('status wbe', prodDev);
    expect(res.text).toContain("I don't know a service or environment called `wbe`");
    expect(res.text).toContain('`web`');
    const res2 = await e2e.slash('deploy wrker v1', prodDev);
    expect(res2.text).toContain("I don't know a service called `wrker`");
    expect(res2.text).toContain('`worker`');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('answers a missing argument with the usage', async () => {
    const res = await e2e.slash('deploy web', prodDev);
    expect(res.text).toMatch(/Missing/);
    expect(res.text).toContain('/ecs deploy &lt;service&gt;');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('answers extra junk and unknown flags with the usage', async () => {
    const junk = await e2e.slash('scale web 4 please now', prodDev);
    expect(junk.text).toContain('Unexpected extra input: `please now`');
    expect(junk.text).toContain('/ecs scale');
    const flag = await e2e.slash('logs web --sinc 2h', prodDev);
    expect(flag.text).toContain('Unknown flag `--sinc`');
    expect(flag.text).toContain('Did you mean --since?');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('refuses a 5,000-character argument without echoing it', async () => {
    const res = await e2e.slash(`deploy web ${'a'.repeat(5000)}`, prodDev);
    expect(res.status).toBe(200);
    expect(res.text).toContain('the most I accept is 2000');
    expect(res.text.length).toBeLessThan(2000);
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('echoes mrkdwn and <!channel> escaped, never as a mention', async () => {
    const res = await e2e.slash('status <!channel>', prodDev);
    expect(res.text).not.toContain('<!channel>');
    expect(res.text).toContain('@channel');
    const res2 = await e2e.slash('deploy web *bold*<http://evil.example|click>', prodDev);
    expect(res2.text).not.toContain('<http://evil.example');
  });

  it('refuses a command from a channel that is not allowed, naming the right one', async () => {
    const res = await e2e.slash('deploy web v1', { channel_id: 'CRANDOM', user_id: 'UDEV1' });
    expect(res.text).toContain('not allowed in this channel');
    expect(res.text).toContain('<#CPROD>');
    expect(e2e.handedOff).toHaveLength(0);
    expect(await dbSize(e2e.rt.redis)).toBe(0);
  });

  it('refuses a user without the role, and accepts one who has it through a user group', async () => {
    e2e.slack.setUserGroup('SDEVS', ['UGROUPMEMBER']);
    const denied = await e2e.slash('deploy web v1', { channel_id: 'CPROD', user_id: 'UOUTSIDER' });
    expect(denied.text).toContain('You are not allowed to request changes in `prod`');
    expect(e2e.handedOff).toHaveLength(0);
    const allowed = await e2e.slash('deploy web v1', { channel_id: 'CPROD', user_id: 'UGROUPMEMBER' });
    expect(allowed.text).toContain('Preparing');
    expect(e2e.handedOff).toHaveLength(1);
  });

  it('answers within the 3 seconds when Slack is slow to list a user group, and says what happened', async () => {
    e2e.slack.handle('usergroups.users.list', async () => {
      await new Promise((r) => setTimeout(r, 2500));
      return { ok: true, users: ['USLOW'] };
    });
    const started = Date.now();
    const res = await e2e.slash('deploy web v1', { channel_id: 'CPROD', user_id: 'USLOW' });
    // Not a speed measurement: the hard 3-second contract with Slack.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.text).toContain('I could not check your membership of user group');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('handles a Slack retry of a request already handled exactly once', async () => {
    const trigger = '1111.2222.retry';
    const first = await e2e.slash('status web', { ...prodDev, trigger_id: trigger });
    const retry = await e2e.slash('status web', { ...prodDev, trigger_id: trigger }, { retryNum: 1 });
    expect(first.text).toContain('Looking up');
    expect(retry.status).toBe(200);
    expect(retry.body).toBe('');
    expect(e2e.handedOff).toHaveLength(1);
    await e2e.drain();
    // A duplicate delivery of the job itself is also ignored by the worker.
    e2e.pending.push(e2e.handedOff[0]);
    await e2e.drain();
    expect(e2e.logs.some((l) => l.msg === 'job already ran; duplicate delivery ignored')).toBe(true);
  });

  it('refuses a change clearly when Redis is down, well inside the 3 seconds, and hands nothing off', async () => {
    const rt = createRuntime({
      env: {
        ...process.env,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: e2e.slack.apiUrl,
        WORKER_FUNCTION: 'w',
        CHATOPS_CONFIG: FIXTURE_CONFIG,
        REDIS_URL: 'redis://127.0.0.1:1',
      },
      config: e2e.config,
      profile: 'edge',
    });
    setRuntime(rt, 'edge');
    resetSlackHandler();
    try {
      const started = Date.now();
      const change = await e2e.slash('deploy web v1', prodDev);
      // Not a timing assertion on speed, only the hard 3-second contract with Slack.
      expect(Date.now() - started).toBeLessThan(3000);
      expect(change.text).toContain("I can't reach the approvals store (Redis) right now, so nothing was changed");
      expect(e2e.handedOff).toHaveLength(0);
      // A read-only command still goes through (no duplicate check).
      const read = await e2e.slash('status web', prodDev);
      expect(read.text).toContain('Looking up');
      expect(e2e.handedOff).toHaveLength(1);
    } finally {
      rt.redis.disconnect();
    }
  });
});
