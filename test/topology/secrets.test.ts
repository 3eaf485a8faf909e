/**
 * The built functions read their secrets from SSM Parameter Store (the loopback's, through
 * AWS_ENDPOINT_URL_SSM) at cold start: a parameter missing when an environment starts fails that
 * start with one log line naming it and no secret in any log, and the next invocation, once the
 * parameter exists, starts normally.
 */
import { BOT_TOKEN, GIT_TOKEN, GIT_TOKENS, JOB_KEY, SIGNING_SECRET, STAGE, useSeededTopology } from '../helpers/topology';

const t = useSeededTopology();

const REDIS_PARAM = `/ecs-chatops/${STAGE}/redis-url`;

it('a parameter missing at cold start: one log line naming it, the start fails, no secret is logged; with it back the next start works', async () => {
  const ok = await t.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  expect(ok.status).toBe(200);
  await t.settle();

  // The Slack-facing function's environment goes away (the next invocation is a cold start) while the
  // Redis URL is missing from the parameter store.
  const redisUrl = t.world.ssm.value(REDIS_PARAM);
  expect(redisUrl).toMatch(/^redis:/);
  t.world.ssm.delete(REDIS_PARAM);
  t.lambda.crashNext(t.functions.slack.name);
  await t.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  const linesBefore = t.logLines('slack').length;
  const failed = await t.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  expect(failed.status).not.toBe(200);
  const lines = t.logLines('slack').slice(linesBefore);
  const secretLines = lines.filter((l) => l.msg === 'cannot read the secrets from SSM: the function cannot start');
  expect(secretLines).toEqual([expect.objectContaining({ level: 'error', error: `SSM parameter not found: ${REDIS_PARAM}` })]);
  expect(t.failures()).toHaveLength(1);

  t.world.ssm.put(REDIS_PARAM, redisUrl!);
  const again = await t.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  expect(again.status).toBe(200);
  await t.settle();

  // No function wrote a secret to its log, in any form.
  for (const fn of ['slack', 'worker', 'events', 'scheduled'] as const) {
    const all = t.lambda.logs(t.functions[fn].name).join('\n');
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, JOB_KEY, GIT_TOKENS, GIT_TOKEN]) expect(all).not.toContain(secret);
  }
});
