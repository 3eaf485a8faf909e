/**
 * IAM coverage, both ways, on the deployed topology: a scripted run of every flow (read
 * commands, a deploy with 0 approvals, a deploy approved through an Approve click, rollback,
 * scale, restart, an abort, a failed rollout, alerts and their Logs button (also for a stream that
 * cannot be read), a job Lambda gave up on and its on-failure queue, a blue/green deploy paused at
 * the traffic-shift gate, one-off tasks (`/ecs run`) stopped at their time limit, scheduled ticks)
 * through the built bundles, each function signing with its own credentials; then
 *   (a) every AWS call each function made, and every log write Lambda made for it, is allowed
 *       by that function's role in the packaged template (action and resource, conditions);
 *   (b) every action × resource the role allows was used by some flow of that function (a resource
 *       chatops.yml names: the action was used on one of its statement's resources);
 *   (c) every resource a role names is one chatops.yml lists (scripts/iam-resources.cjs), the
 *       function's own, or "*" where AWS requires it; so a call outside them (another cluster's
 *       service, another log group, another repository, another role to pass) is refused.
 * Staging runs behind a role to assume (chatops.yml roleArn/externalId; the role as
 * cloudformation/target-account-role.yml creates it): AssumeRole is asked of the function's role and
 * of the target role's trust policy, every call made with a session of it is checked against the
 * target role's policy, and every grant of that policy is used by some staging flow, both ways too.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AwsFault } from '../../src/loopback/aws/fault';
import { authorizationsFor } from '../../src/loopback/aws/iam';
import type { AwsCall } from '../../src/loopback/aws/server';
import {
  ACCOUNT,
  GIT_TOKENS_PARAM,
  REGION,
  SECRETS_KEY,
  STAGE,
  TOPOLOGY_CONFIG,
  useSeededTopology,
  type FunctionKey,
} from '../helpers/topology';
import {
  disallowed,
  scopedArns,
  targetDisallowed,
  targetUnusedGrants,
  targetUsesOf,
  unusedGrants,
  usesOf,
  type TargetUse,
  type Use,
} from '../helpers/topology/coverage';
import { commandAnswer, requestIn, textOf, threadOf } from '../helpers/topology/slack';
import { pngSize } from '../helpers/png';
import { STAR_ONLY, targetRoleParameters } from '../helpers/iam';
import { testRedis } from '../helpers/redis';
import { parseRequestId } from '../../src/approvals/ids';
import { keys } from '../../src/redis/keys';

const t = useSeededTopology({ afterEach: 'no failures or denials' });

async function approveLatest(channel: string, user = 'ULEAD1') {
  const req = requestIn(t.slack, channel);
  const res = await t.click({ action_id: 'approval:approve', value: req.id, user_id: user, channel_id: channel, message_ts: req.ts });
  expect(res.status).toBe(200);
  await t.settle();
  return req;
}

const command = (text: string, channel?: string, user?: string) => commandAnswer(t, text, channel, user);

describe('a scripted run of every flow', () => {
  it('read commands: status, logs, images, history, cost', async () => {
    expect(await command('status web')).toContain('web in prod: steady, 4/4 running');
    const task = t.world.ecs.tasks('prod', 'web-prod', 'RUNNING')[0]!;
    t.world.logs.put('/ecs/web-prod', `ecs/web/${task.taskArn!.split('/').pop()}`, ['GET /cart 200', 'ERROR timeout talking to db']);
    expect(await command('logs web')).toContain('ERROR timeout talking to db');
    expect(await command('images web')).toContain('v1.2.3');
    expect(await command('history web')).toContain('web-prod:42');
    expect(await command('cost prod')).toMatch(/\$\d/);
    expect(await command('status prod')).toContain('*Cluster* `prod`');
    expect(await command('tasks web')).toContain('running tasks');
    expect(await command('taskdef web')).toContain('web-prod:42');
    expect(await command('rightsize web')).toContain('Right-sizing web (prod)');
    // Both charts were drawn by the packaged worker (its WebAssembly renderer and font from dist/charts/, as
    // serverless.yml packages them) and uploaded as PNGs: no AWS call of their own, nothing denied.
    const charts = t.slack.files().filter((f) => f.filename.endsWith('.png'));
    expect(charts.map((f) => f.filename)).toEqual([expect.stringMatching(/^cost-prod-\d{4}-\d\d-\d\d\.png$/), 'rightsize-web-prod.png']);
    for (const f of charts) expect(pngSize(f.bytes!)).toEqual({ width: 800, height: 400 });
  });

  it('an image pushed by CI is announced once, with the size ECR reports (events function)', async () => {
    const digest = t.world.ecr.push('shop/web', { tags: ['v2.0.0'], findings: { HIGH: 1 } });
    t.putEvent({
      version: '0',
      id: 'ecr-push-topology-1',
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'eu-west-1',
      resources: [],
      detail: { result: 'SUCCESS', 'repository-name': 'shop/web', 'image-digest': digest, 'action-type': 'PUSH', 'image-tag': 'v2.0.0' },
    });
    await t.settle();
    const posted = t.slack.messages('CPROD').filter((m) => textOf(m).includes('New image: shop/web v2.0.0'));
    expect(posted).toHaveLength(1);
  });

  it('a deploy with 0 approvals runs at once and is tracked to COMPLETED', async () => {
    expect(await command('deploy web-staging v1.2.3', 'CSTAGING', 'UANY')).toContain('Deploying `web-staging` in `staging` now');
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/succeeded/i);
    // Staging is behind its role: CloudTrail's UpdateService names the request and who asked.
    const update = t.aws.calls.filter((c) => c.service === 'ecs' && c.action === 'UpdateService' && c.input.cluster === 'staging').at(-1)!;
    const session = t.world.sts.session(update.accessKeyId);
    expect(t.functionOf(update.accessKeyId)).toBe('worker');
    expect(session).toMatchObject({
      roleArn: t.targetRole.roleArn,
      externalId: 'ecs-chatops-staging',
      sourceIdentity: 'slack.UANY',
      tags: { 'chatops:request': requestIn(t.slack, 'CSTAGING').id, 'chatops:requester': 'UANY', 'chatops:environment': 'staging' },
    });
  });

  it('staging behind its role: read commands, scale, an abort, an alert and its Logs button, a paused blue/green deploy, each through a session of the role', async () => {
    const before = t.aws.calls.length;
    expect(await command('status staging', 'CSTAGING', 'UANY')).toContain('*Cluster* `staging`');
    expect(await command('status web-staging', 'CSTAGING', 'UANY')).toContain('web-staging in staging');
    expect(await command('tasks web-staging', 'CSTAGING', 'UANY')).toContain('running tasks');
    expect(await command('taskdef web-staging', 'CSTAGING', 'UANY')).toContain('web-staging:');
    expect(await command('rightsize web-staging', 'CSTAGING', 'UANY')).toContain('Right-sizing web-staging (staging)');
    expect(await command('images web-staging', 'CSTAGING', 'UANY')).toContain('v1.2.3');
    expect(await command('history web-staging', 'CSTAGING', 'UANY')).toContain('web-staging:');
    await command('scale web-staging 3', 'CSTAGING', 'UANY');
    t.world.ecs.settle();
    await t.settle();
    expect(t.world.ecs.service('staging', 'web-staging')).toMatchObject({ desiredCount: 3 });
    await command('rollback web-staging', 'CSTAGING', 'UANY');
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/succeeded/i);

    await command('deploy web-staging v1.2.2', 'CSTAGING', 'UANY');
    const req = requestIn(t.slack, 'CSTAGING');
    const card = threadOf(t.slack, 'CSTAGING', req.ts).find((m) => textOf(m).includes('deploy:abort'));
    expect(card).toBeDefined();
    const res = await t.click({
      action_id: 'deploy:abort',
      value: req.id,
      user_id: 'UANY',
      channel_id: 'CSTAGING',
      message_ts: card!.ts,
      text: 'Abort and roll back',
    });
    expect(res.status).toBe(200);
    await t.settle();
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();

    t.world.ecs.crashTask('staging', 'web-staging', { exitCode: 137, logLines: ['panic: staging out of memory'] });
    await t.settle();
    const alert = t.slack.messages('CALERTSSTG').at(-1);
    expect(textOf(alert)).toContain('panic: staging out of memory');
    const actions = (alert!.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const logs = actions.elements!.find((e) => e.action_id === 'alert:logs')!;
    await t.click({
      action_id: logs.action_id,
      value: logs.value,
      block_id: 'alert:staging:web-staging',
      user_id: 'UANY',
      channel_id: 'CALERTSSTG',
      message_ts: alert!.ts,
      message: { ts: alert!.ts, blocks: alert!.blocks },
    });
    await t.settle();
    t.world.ecs.settle();
    await t.settle();

    // A blue/green deploy behind the role pauses at the traffic-shift gate; an approver shifts the traffic.
    await command('deploy worker-staging v3.1.0', 'CSTAGING', 'UANY');
    const bg = requestIn(t.slack, 'CSTAGING');
    t.world.ecs.step('staging', 'worker-staging');
    await t.settle();
    t.tick();
    await t.settle();
    const pause = threadOf(t.slack, 'CSTAGING', bg.ts).filter((m) => textOf(m).includes('Deployment paused at'));
    expect(pause).toHaveLength(1);
    const pressValue = /"value":"([^"]+:[0-9a-f]{12})"/.exec(JSON.stringify(pause[0]!.blocks))![1]!;
    await t.click({ action_id: 'gate:shift', value: pressValue, user_id: 'ULEAD1', channel_id: 'CSTAGING', message_ts: pause[0]!.ts });
    await t.settle();
    expect(
      threadOf(t.slack, 'CSTAGING', bg.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('<@ULEAD1> pressed *Shift production traffic*');
    t.world.ecs.complete('staging', 'worker-staging');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/succeeded/i);

    // Every staging ECS call was made with a session of the role, none with a function's own key.
    const staging = t.aws.calls
      .slice(before)
      .filter((c) => c.service === 'ecs' && (c.input.cluster === 'staging' || c.input.clusters?.[0] === 'staging'));
    expect(staging.length).toBeGreaterThan(0);
    expect(staging.filter((c) => !t.world.sts.session(c.accessKeyId))).toEqual([]);
  });

  it('a deploy refused for an image never scanned asks how the registry scans (staging: behind its role; prod: the worker role), only then', async () => {
    const scanning = () => t.aws.calls.filter((c) => c.service === 'ecr' && c.action === 'GetRegistryScanningConfiguration');
    // A deploy that is not refused does not ask.
    await command('deploy web-staging v1.2.3', 'CSTAGING', 'UANY');
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(scanning()).toHaveLength(0);

    t.world.ecr.push('shop/web', { tags: ['v2.1.0-unscanned'] });
    const staging = await command('deploy web-staging v2.1.0-unscanned', 'CSTAGING', 'UANY');
    expect(staging).toContain('the image has never been scanned');
    expect(staging).toContain('aws ecr start-image-scan --region eu-west-1 --registry-id 123456789012 --repository-name shop/web');
    expect(scanning()).toHaveLength(1);
    expect(t.world.sts.session(scanning()[0]!.accessKeyId)).toMatchObject({ roleArn: t.targetRole.roleArn });

    t.world.ecr.setScanning('ENHANCED');
    try {
      const prod = await command('deploy web v2.1.0-unscanned');
      expect(prod).toContain('This registry uses enhanced scanning (Amazon Inspector)');
      expect(prod).not.toContain('start-image-scan');
      expect(scanning()).toHaveLength(2);
      expect(t.functionOf(scanning()[1]!.accessKeyId)).toBe('worker');
    } finally {
      t.world.ecr.setScanning('BASIC');
    }
  });

  it('a deploy approved with the Approve button, tracked to COMPLETED', async () => {
    await command('deploy web v1.2.3');
    const req = await approveLatest('CPROD');
    t.world.ecs.step('prod', 'web-prod');
    await t.settle();
    t.tick(); // the deadline tick refreshes the running deploy
    await t.settle();
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toMatch(/completed/i);
  });

  it('rollback, scale and restart, each approved, each tracked to the end', async () => {
    await command('rollback web');
    await approveLatest('CPROD');
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toMatch(/web-prod:42$/);
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);

    await command('scale web 6');
    await approveLatest('CPROD');
    t.world.ecs.settle();
    await t.settle();
    expect(t.world.ecs.service('prod', 'web-prod')).toMatchObject({ desiredCount: 6, runningCount: 6 });

    await command('restart web');
    await approveLatest('CPROD');
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);
  });

  it('Abort on a rollout in progress stops it with a rollback', async () => {
    await command('deploy web v1.2.3');
    await approveLatest('CPROD');
    const req = requestIn(t.slack, 'CPROD');
    const card = threadOf(t.slack, 'CPROD', req.ts).find((m) => textOf(m).includes('deploy:abort'));
    expect(card).toBeDefined();
    const res = await t.click({
      action_id: 'deploy:abort',
      value: req.id,
      user_id: 'UDEV1',
      channel_id: 'CPROD',
      message_ts: card!.ts,
      text: 'Abort and roll back',
    });
    expect(res.status).toBe(200);
    await t.settle();
    t.world.ecs.complete('prod', 'web-prod');
    await t.settle();
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('aborted');
  });

  // Staging (behind its role) and prod (the bot's own roles): each failing path is taken with both kinds of credentials.
  const WHERE = {
    staging: { env: 'staging', service: 'web-staging', channel: 'CSTAGING', user: 'UANY', tag: 'v0.9.0-bad' },
    prod: { env: 'prod', service: 'web-prod', channel: 'CPROD', user: 'UDEV1', tag: 'v0.9.1-bad' },
  } as const;

  /** A deploy of an image that will not start, running (prod: approved). */
  async function badDeploy(where: keyof typeof WHERE) {
    const w = WHERE[where];
    if (where === 'prod' && !t.world.ecr.digestOf(`${t.world.ecr.registry}/shop/web:${w.tag}`))
      t.world.ecr.push('shop/web', { tags: [w.tag], findings: {} });
    await command(`deploy ${where === 'prod' ? 'web' : 'web-staging'} ${w.tag}`, w.channel, w.user);
    return where === 'prod' ? approveLatest(w.channel) : requestIn(t.slack, w.channel);
  }

  it.each(['staging', 'prod'] as const)(
    'a rollout the circuit breaker fails (%s): the events function explains it in the thread, with the failed tasks and their last log lines',
    async (where) => {
      const w = WHERE[where];
      const req = await badDeploy(where);
      t.world.ecs.step(w.env, w.service);
      t.world.ecs.failRollout(w.env, w.service, { logLines: [`Error: DATABASE_URL is not set in ${where}`] });
      await t.settle();
      t.world.ecs.complete(w.env, w.service);
      await t.settle();
      const thread = threadOf(t.slack, w.channel, req.ts)
        .map((m) => textOf(m))
        .join('\n');
      expect(thread).toContain(`DATABASE_URL is not set in ${where}`);
      expect(textOf(requestIn(t.slack, w.channel).message)).toMatch(/failed/i);
    },
  );

  it.each(['staging', 'prod'] as const)(
    'EventBridge loses the events of a failing rollout (%s): the scheduled tick finds the failure and explains it',
    async (where) => {
      const w = WHERE[where];
      const req = await badDeploy(where);
      t.dropEvents(true);
      t.world.ecs.step(w.env, w.service);
      t.world.ecs.failRollout(w.env, w.service, { logLines: [`Error: REDIS_URL is not set in ${where}`] });
      t.world.ecs.complete(w.env, w.service);
      t.dropEvents(false);
      const eventsBefore = t.invocations('events').length;
      t.tick();
      await t.settle();
      expect(t.invocations('events').length).toBe(eventsBefore);
      const thread = threadOf(t.slack, w.channel, req.ts)
        .map((m) => textOf(m))
        .join('\n');
      expect(thread).toContain(`REDIS_URL is not set in ${where}`);
      expect(textOf(requestIn(t.slack, w.channel).message)).toMatch(/failed/i);
    },
  );

  it('a task that crashes raises an alert with its last log lines; the Logs button fetches more', async () => {
    t.world.ecs.crashTask('prod', 'worker-prod', { exitCode: 137, logLines: ['panic: out of memory'] });
    await t.settle();
    const alert = t.slack.messages('CWORKERTEAM').at(-1);
    expect(textOf(alert)).toContain('panic: out of memory');
    const actions = (alert!.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const logs = actions.elements!.find((e) => e.action_id === 'alert:logs')!;
    const res = await t.click({
      action_id: logs.action_id,
      value: logs.value,
      block_id: 'alert:prod:worker',
      user_id: 'UDEV1',
      channel_id: 'CWORKERTEAM',
      message_ts: alert!.ts,
      message: { ts: alert!.ts, blocks: alert!.blocks },
    });
    expect(res.status).toBe(200);
    await t.settle();
    // prod's read answers are private (the default visibility): only the clicker sees the lines, in the thread.
    expect(
      t.slack
        .ephemerals('CWORKERTEAM')
        .filter((m) => m.user === 'UDEV1' && m.thread_ts === alert!.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('panic: out of memory');

    // Pressed again once the stream cannot be read: the worker asks whether the group is there (DescribeLogStreams).
    t.aws.failNext('logs', 'GetLogEvents', new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.'));
    await t.click({
      action_id: logs.action_id,
      value: logs.value,
      block_id: 'alert:prod:worker',
      user_id: 'UDEV2',
      channel_id: 'CWORKERTEAM',
      message_ts: alert!.ts,
      message: { ts: alert!.ts, blocks: alert!.blocks },
    });
    await t.settle();
    expect(
      t.slack
        .ephemerals('CWORKERTEAM')
        .filter((m) => m.user === 'UDEV2' && m.thread_ts === alert!.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('there is no log stream for this task yet');
    t.world.ecs.settle();
    await t.settle();
  });

  it('an alert for a task whose log stream cannot be read says whether the group is there (the events function asks)', async () => {
    t.aws.failNext('logs', 'GetLogEvents', new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.'));
    t.world.ecs.crashTask('staging', 'web-staging', { exitCode: 1 });
    await t.settle();
    expect(textOf(t.slack.messages('CALERTSSTG').at(-1))).toContain('there is no log stream for this task yet');
    // The same in prod, where the events function asks with its own role (staging asks with the target role).
    t.world.ecs.settle();
    await t.settle();
    t.aws.failNext('logs', 'GetLogEvents', new AwsFault('ResourceNotFoundException', 'The specified log stream does not exist.'));
    t.world.ecs.crashTask('prod', 'web-prod', { exitCode: 1 });
    await t.settle();
    expect(textOf(t.slack.messages('CALERTS').at(-1))).toContain('there is no log stream for this task yet');
    t.world.ecs.settle();
    await t.settle();
  });

  it("a job Lambda gives up on goes to the worker's on-failure queue, and the scheduled function settles it", async () => {
    await command('deploy web v1.2.3');
    t.lambda.crashNext(t.functions.worker.name, 2);
    const req = await approveLatest('CPROD');
    expect(t.lambda.gaveUp.at(-1)).toMatchObject({ condition: 'RetriesExhausted', delivered: true });
    expect(t.invocations('scheduled').at(-1)).toMatchObject({ source: 'sqs', result: { ok: true } });
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/failed/i);
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('Lambda gave up on the work');
  });

  it('a blue/green deploy pauses at the traffic-shift gate: events and ticks see the pause, Shift production traffic continues it', async () => {
    await command('deploy worker v3.1.0');
    await approveLatest('CPROD');
    const req = requestIn(t.slack, 'CPROD');
    // A task of the new revision starts (an ECS task event for the events function), and the tick runs.
    t.world.ecs.step('prod', 'worker-prod');
    await t.settle();
    t.tick();
    await t.settle();
    const pause = threadOf(t.slack, 'CPROD', req.ts).filter((m) => textOf(m).includes('Deployment paused at'));
    expect(pause).toHaveLength(1);
    expect(textOf(pause[0])).toContain('`POST_TEST_TRAFFIC_SHIFT`');
    const value = /"value":"([^"]+:[0-9a-f]{12})"/.exec(JSON.stringify(pause[0]!.blocks))![1]!;
    const res = await t.click({ action_id: 'gate:shift', value, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: pause[0]!.ts });
    expect(res.status).toBe(200);
    await t.settle();
    expect(
      threadOf(t.slack, 'CPROD', req.ts)
        .map((m) => textOf(m))
        .join('\n'),
    ).toContain('<@ULEAD1> pressed *Shift production traffic*');
    t.world.ecs.complete('prod', 'worker-prod');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CPROD').message)).toMatch(/succeeded/i);
  });

  it('/ecs run in prod (approved) and in staging (behind its role), each stopped at its time limit: the tick notices, the worker stops it', async () => {
    const redis = testRedis();
    try {
      for (const [text, channel, user, cluster, overMs] of [
        ['run web migrate', 'CPROD', 'UDEV1', 'prod', 16 * 60_000],
        ['run web-staging migrate', 'CSTAGING', 'UANY', 'staging', 31 * 60_000],
      ] as const) {
        t.world.ecs.scriptRun({ runSteps: Infinity });
        await command(text, channel, user);
        if (channel === 'CPROD') await approveLatest('CPROD');
        const req = requestIn(t.slack, channel);
        const task = t.world.ecs.runTasks(cluster).at(-1)!;
        expect(task.startedBy).toBe(`ecs-chatops:${req.id}`);
        const ref = parseRequestId(req.id)!;
        await redis.hset(keys.request(ref.environment, ref.service, ref.id), 'x.runStartedAt', String(Date.now() - overMs));
        t.tick();
        await t.settle();
        expect(t.world.ecs.runTask(task.taskArn!).desiredStatus).toBe('STOPPED');
        t.world.ecs.completeRun(task.taskArn!);
        await t.settle();
        expect(textOf(requestIn(t.slack, channel).message)).toMatch(/failed/i);
      }
    } finally {
      await redis.quit();
    }
  });

  it('scheduled ticks', async () => {
    t.tick();
    await t.settle();
    t.tick();
    await t.settle();
    expect(t.invocations('scheduled').every((i) => i.result?.ok)).toBe(true);
  });
});

describe('IAM coverage', () => {
  it('(a) every call each function made, and every log write Lambda made for it, is allowed by its role: action and resource', () => {
    const uses = usesOf(t);
    for (const fn of ['slack', 'worker', 'events', 'scheduled'] as const)
      expect(uses.some((u) => u.fn === fn && u.call !== 'platform')).toBe(true);
    expect(disallowed(t, uses)).toEqual([]);
  });

  it('(b) every action the role allows, on every resource it names, is used by some flow of that function', () => {
    expect(unusedGrants(t, usesOf(t), scopedArns(TOPOLOGY_CONFIG))).toEqual([]);
  });

  const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ecs-chatops/${STAGE}/${name}`;
  /** The SSM parameters each function reads its secrets from: only the slack function the signing secret, only the worker GIT_TOKENS. */
  const secretsOf = (fn: FunctionKey) =>
    [
      ...(fn === 'slack' ? ['slack-signing-secret'] : []),
      'slack-bot-token',
      'redis-url',
      'job-signing-key',
      ...(fn === 'worker' ? ['git-tokens'] : []),
    ].map(parameter);

  it('secrets: each role may read exactly its own parameters, and decrypt them with the key only through SSM', () => {
    for (const fn of ['slack', 'worker', 'events', 'scheduled'] as const) {
      const st = t.functions[fn].statements;
      const read = st.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('ssm:')));
      expect(read.map((s) => s.Action)).toEqual(['ssm:GetParameters']);
      expect([read[0]!.Resource].flat().sort()).toEqual(secretsOf(fn).sort());
      const kms = st.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('kms:')));
      expect(kms).toEqual([
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Resource: SECRETS_KEY,
          Condition: { StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } },
        }),
      ]);
      // No secret value is in the function's configuration: names of parameters only.
      const env = t.functions[fn].env;
      for (const v of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'REDIS_URL', 'JOB_SIGNING_KEY', 'GIT_TOKENS'])
        expect(env[v]).toBeUndefined();
      expect(env.SLACK_BOT_TOKEN_PARAM).toBe(`/ecs-chatops/${STAGE}/slack-bot-token`);
      expect(env.SLACK_SIGNING_SECRET_PARAM).toBe(fn === 'slack' ? `/ecs-chatops/${STAGE}/slack-signing-secret` : undefined);
      expect(env.GIT_TOKENS_PARAM).toBe(fn === 'worker' ? GIT_TOKENS_PARAM : undefined);
    }
    // Every function read its secrets from SSM, decrypting them (the calls (a) checked against its role).
    const reads = t.aws.calls.filter((c) => c.service === 'ssm' && c.action === 'GetParameters' && c.status === 200);
    expect(new Set(reads.map((c) => t.functionOf(c.accessKeyId)))).toEqual(new Set(['slack', 'worker', 'events', 'scheduled']));
    expect(reads.every((c) => c.input.WithDecryption === true)).toBe(true);
  });

  it('(c) every resource a role names is one chatops.yml lists, the function\'s own, or "*" where AWS requires it', () => {
    const scoped = scopedArns(TOPOLOGY_CONFIG);
    const own = (fn: FunctionKey) =>
      new Set([
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${t.functions[fn].name}:*`,
        t.functions.worker.arn,
        ...t.queues.map((q) => q.arn),
        t.targetRole.roleArn,
        ...secretsOf(fn),
        SECRETS_KEY,
      ]);
    const outside: string[] = [];
    for (const fn of ['slack', 'worker', 'events', 'scheduled'] as const) {
      for (const s of t.functions[fn].statements) {
        for (const r of [s.Resource ?? []].flat()) {
          const actions = [s.Action ?? []].flat();
          const ok = r === '*' ? actions.every((a) => STAR_ONLY.has(a)) : scoped.has(r) || own(fn).has(r);
          if (!ok) outside.push(`${fn}: ${s.Sid} ${actions.join(',')} on ${r}`);
        }
      }
    }
    expect(outside).toEqual([]);
    // ListTasks on "*" is held to the configured clusters by its condition.
    const listTasks = t.functions.worker.statements.find((s) => [s.Action].flat().includes('ecs:ListTasks'))!;
    expect(listTasks.Condition).toEqual({ ArnEquals: { 'ecs:cluster': [`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`] } });
  });

  it('(c) ECR and Logs are exact: the registry chatops.yml names (no "*" account), the named log group and the logGroupPrefix, never the whole region', () => {
    const resourcesOf = (fn: FunctionKey, prefix: string) =>
      [
        ...new Set(
          t.functions[fn].statements
            .filter((s) => [s.Action].flat().some((a) => String(a).startsWith(prefix)))
            .flatMap((s) => [s.Resource ?? []].flat())
            .filter((r) => !r.includes(':log-group:/aws/lambda/')),
        ),
      ].sort();
    const repo = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
    const group = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
    // "*" only for GetRegistryScanningConfiguration, which reads the caller's own registry (no resource-level permissions).
    const ecrStar = t.functions.worker.statements.filter(
      (s) => [s.Resource ?? []].flat().includes('*') && [s.Action].flat().some((a) => String(a).startsWith('ecr:')),
    );
    expect(ecrStar.map((s) => s.Action)).toEqual(['ecr:GetRegistryScanningConfiguration']);
    expect(resourcesOf('worker', 'ecr:').filter((r) => r !== '*')).toEqual([repo('shop/web'), repo('shop/worker')]);
    expect(resourcesOf('events', 'ecr:')).toEqual([repo('shop/web')]);
    for (const fn of ['worker', 'events'] as const)
      expect(resourcesOf(fn, 'logs:')).toEqual(
        [group('/ecs/web-prod'), group('/ecs/web-prod:log-stream:*'), group('/ecs/worker-*'), group('/ecs/worker-*:log-stream:*')].sort(),
      );
    // The target role of staging: the same registry, in its parameters.
    expect(t.targetRole.parameters.RepositoryArns!.split(',').sort()).toEqual([repo('shop/web'), repo('shop/worker')]);
    expect(t.targetRole.parameters.LogGroupArns).toBe(group('/ecs/*'));
    expect(t.targetRole.parameters.LogStreamArns).toBe(group('/ecs/*:log-stream:*'));
    // Every ECR call asked the configured registry (registryId), which is what the roles name; except
    // GetRegistryScanningConfiguration, which takes none (the worker trusts its answer only for that registry).
    const ecrCalls = t.aws.calls.filter((c) => c.service === 'ecr' && c.action !== 'GetRegistryScanningConfiguration');
    expect(ecrCalls.length).toBeGreaterThan(0);
    expect(
      ecrCalls
        .filter((c) => c.input.registryId !== ACCOUNT)
        .map((c) => `${t.functionOf(c.accessKeyId)} ${c.action} ${c.input.repositoryName}`),
    ).toEqual([]);
  });

  it('(c) a call outside the scoped resources is refused: another cluster, service, log group, repository or role', () => {
    const call = (service: string, action: string, input: Record<string, unknown>) =>
      ({ service, action, input, region: REGION }) as unknown as AwsCall;
    const attacks: Array<[FunctionKey, AwsCall]> = [
      ['worker', call('ecs', 'UpdateService', { cluster: 'payments', service: 'api', desiredCount: 0 })],
      ['worker', call('ecs', 'UpdateService', { cluster: 'prod', service: 'payments-prod', desiredCount: 0 })],
      [
        'worker',
        call('ecs', 'StopServiceDeployment', {
          serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/payments/api/x1`,
        }),
      ],
      ['worker', call('ecs', 'DescribeServices', { cluster: 'prod', services: ['payments-prod'] })],
      ['worker', call('ecs', 'ListTasks', { cluster: 'payments', serviceName: 'api' })],
      ['worker', call('ecs', 'DescribeTasks', { cluster: 'payments', tasks: ['t1'] })],
      // The configured cluster and service, in another region.
      ['worker', { ...call('ecs', 'UpdateService', { cluster: 'prod', service: 'web-prod' }), region: 'us-east-1' } as AwsCall],
      ['worker', call('ecs', 'RegisterTaskDefinition', { family: 'x', taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/admin` })],
      ['worker', call('logs', 'FilterLogEvents', { logGroupName: '/aws/lambda/payments-prod' })],
      ['worker', call('logs', 'GetLogEvents', { logGroupName: '/aws/lambda/payments-prod', logStreamName: 's' })],
      ['events', call('logs', 'GetLogEvents', { logGroupName: '/ecs/payments', logStreamName: 'ecs/api/t1' })],
      ['scheduled', call('logs', 'FilterLogEvents', { logGroupName: '/ecs/payments' })],
      ['worker', call('ecr', 'DescribeImages', { repositoryName: 'payments/api' })],
      // The configured repository in another account's registry; a log group outside the prefix.
      ['worker', call('ecr', 'DescribeImages', { repositoryName: 'shop/web', registryId: '210987654321' })],
      ['events', call('ecr', 'DescribeImages', { repositoryName: 'shop/web', registryId: '210987654321' })],
      ['worker', call('logs', 'FilterLogEvents', { logGroupName: '/ecs/workers-prod' })],
      ['events', call('logs', 'GetLogEvents', { logGroupName: '/ecs/other-prod', logStreamName: 'ecs/worker/t1' })],
      ['events', call('ecr', 'DescribeImages', { repositoryName: 'shop/worker' })],
      ['scheduled', call('ecs', 'DescribeServices', { cluster: 'payments', services: ['api'] })],
      // /ecs run: another cluster's, or from a function that is not the worker.
      ['worker', call('ecs', 'RunTask', { cluster: 'payments', taskDefinition: 'web-prod', launchType: 'FARGATE' })],
      ['worker', call('ecs', 'StopTask', { cluster: 'payments', task: 't1' })],
      ['events', call('ecs', 'RunTask', { cluster: 'prod', taskDefinition: 'web-prod', launchType: 'FARGATE' })],
      ['scheduled', call('ecs', 'StopTask', { cluster: 'prod', task: 't1' })],
      // Another function's secret, or another stage's.
      ['worker', call('ssm', 'GetParameters', { Names: [`/ecs-chatops/${STAGE}/slack-signing-secret`] })],
      ['events', call('ssm', 'GetParameters', { Names: ['/ecs-chatops/prod/slack-bot-token'] })],
    ];
    const uses: Use[] = attacks.flatMap(([fn, c]) =>
      authorizationsFor(c, ACCOUNT)
        .filter((auth) => auth.action !== 'ecs:RegisterTaskDefinition')
        .map((auth) => ({ fn, call: `${c.service}:${c.action}`, auth })),
    );
    expect(disallowed(t, uses)).toHaveLength(uses.length);
  });

  it('the worker, events and scheduled functions each assumed the staging role; the worker also tagged sessions and set their source identity', () => {
    const assumed = t.aws.calls.filter((c) => c.service === 'sts' && c.action === 'AssumeRole' && c.status === 200);
    expect(new Set(assumed.map((c) => t.functionOf(c.accessKeyId)))).toEqual(new Set(['worker', 'events', 'scheduled']));
    expect(assumed.filter((c) => c.input.Tags?.length).map((c) => t.functionOf(c.accessKeyId))).toEqual(expect.arrayContaining(['worker']));
    expect(assumed.filter((c) => c.input.Tags?.length && t.functionOf(c.accessKeyId) !== 'worker')).toEqual([]);
  });

  it('(a) for the staging role: every call made with one of its sessions is allowed by its policy', () => {
    const uses = targetUsesOf(t);
    expect(uses.length).toBeGreaterThan(0);
    expect(targetDisallowed(t, uses)).toEqual([]);
  });

  it('(b) for the staging role: every action its policy allows, on every resource, is used by some staging flow', () => {
    // What chatops.yml lists for staging (one service among several counts as used with the others of its statement).
    const scoped = new Set(Object.values(t.targetRole.parameters).flatMap((v) => v.split(',')));
    expect(targetUnusedGrants(t, targetUsesOf(t), scoped)).toEqual([]);
  });

  it('(c) for the staging role, deployed with what `npm run target-role -- staging` prints: a call outside staging is refused', () => {
    expect(t.targetRole.parameters).toMatchObject(targetRoleParameters(parseYaml(readFileSync(TOPOLOGY_CONFIG, 'utf8')), 'staging'));
    // The sessions of the role, asking for what chatops.yml does not list for staging (same account).
    const session = (action: string, resource: string): TargetUse => ({ fn: 'worker', call: action, auth: { action, resource } });
    const ecs = (rest: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${rest}`;
    const attacks = [
      session('ecs:UpdateService', ecs('service/prod/web-prod')),
      session('ecs:UpdateService', ecs('service/staging/payments-staging')),
      session('ecs:DescribeServices', ecs('service/payments/api')),
      session('ecs:DescribeClusters', ecs('cluster/prod')),
      session('ecs:DescribeTasks', ecs('task/prod/t1')),
      session('ecs:StopServiceDeployment', ecs('service-deployment/prod/web-prod/x1')),
      // /ecs run in another cluster than staging's.
      {
        ...session('ecs:RunTask', ecs('task-definition/web-prod:42')),
        auth: { action: 'ecs:RunTask', resource: ecs('task-definition/web-prod:42'), context: { 'ecs:cluster': ecs('cluster/prod') } },
      },
      {
        ...session('ecs:StopTask', ecs('task/prod/t1')),
        auth: { action: 'ecs:StopTask', resource: ecs('task/prod/t1'), context: { 'ecs:cluster': ecs('cluster/prod') } },
      },
      session('ecs:DescribeServiceRevisions', ecs('service-revision/payments/api/1')),
      session('ecr:DescribeImages', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments/api`),
      session('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`),
      // Outside its logGroupPrefix (/ecs/), and the repository in another registry.
      session('logs:FilterLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/payments`),
      session('logs:GetLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/payments/api:log-stream:ecs/api/t1`),
      session('ecr:DescribeImages', `arn:aws:ecr:${REGION}:210987654321:repository/shop/web`),
    ];
    expect(targetDisallowed(t, attacks)).toHaveLength(attacks.length);
    // ListTasks on "*" is held to staging's cluster by its condition.
    const listTasks = t.targetRole.statements.find((s) => [s.Action].flat().includes('ecs:ListTasks'))!;
    expect(listTasks.Condition).toEqual({ ArnEquals: { 'ecs:cluster': [ecs('cluster/staging')] } });
  });
});
