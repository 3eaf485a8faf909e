/**
 * Alerts end to end: ECS events through the events Lambda handler (src/handlers/events.ts, what
 * dist/events.js bundles) and the scheduled handler, the real Redis, the local Slack API server,
 * and AWS stubbed with aws-sdk-client-mock answering the documented response shapes.
 */
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type DescribeTaskDefinitionCommandOutput,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { keys } from '../../src/redis/keys';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { alertButton, clickAlertButton, setupE2E, type E2E } from '../helpers/e2e';
import { configFile } from '../helpers/config';
import { appHomeOpened } from '../helpers/signing';
import type { StoredMessage } from '../helpers/slack-server';
import { deploymentEvent, docSample, serviceAction, STAGING, taskStopped, type Json, OOM, PULL_FAILED } from '../fixtures/events/samples';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

let now = T0;
let e2e: E2E;
let ecs: ReturnType<typeof mockClient>;
let logs: ReturnType<typeof mockClient>;

function taskDefinition(family: string, container: string, group: string): DescribeTaskDefinitionCommandOutput {
  return {
    $metadata: {},
    taskDefinition: {
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:222222222222:task-definition/${family}:42`,
      family,
      revision: 42,
      status: 'ACTIVE',
      containerDefinitions: [
        {
          name: container,
          image: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/${family}:1.4.2`,
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': group, 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
    tags: [],
  };
}

function logEvents(input: GetLogEventsCommandInput) {
  const n = input.limit ?? 10;
  return {
    events: Array.from({ length: n }, (_, i) => ({
      timestamp: T0 - (n - i) * 1000,
      message: `log line ${i + 1} of ${n} from ${input.logStreamName}\n`,
      ingestionTime: T0,
    })),
    nextForwardToken: 'f/0001',
    nextBackwardToken: 'b/0001',
  };
}

beforeEach(async () => {
  now = T0;
  e2e = await setupE2E({ now: () => now });
  clearTaskDefinitionCache();
  ecs = mockClient(ECSClient);
  logs = mockClient(CloudWatchLogsClient);
  ecs.on(DescribeTaskDefinitionCommand).resolves(taskDefinition('web', 'web', '/ecs/web'));
  logs.on(GetLogEventsCommand).callsFake(logEvents);
});

afterEach(async () => {
  ecs.restore();
  logs.restore();
  await e2e.close();
});

const posts = () => e2e.slack.callsTo('chat.postMessage').filter((c) => !c.rateLimited && !c.down && !c.failed);
/** Top-level messages (not thread replies) of a channel. */
const alerts = (channel = 'CALERTS') => e2e.slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const replies = (parent: StoredMessage) =>
  e2e.slack.messages(parent.channel).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
const textOf = (m: StoredMessage | undefined) => (m ? `${m.text}\n${JSON.stringify(m.blocks)}` : '');
const logLines = (msg: string) => e2e.logs.filter((l) => l.msg === msg);

function only<T>(list: T[]): T {
  expect(list).toHaveLength(1);
  return list[0]!;
}

describe('a failed task', () => {
  it('posts one alert with everything needed to act, in the environment alert channel', async () => {
    const ev = taskStopped({ time: now, taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad', ...OOM });
    await expect(e2e.event(ev)).resolves.toEqual({ ok: true });

    const msg = only(alerts('CALERTS'));
    const text = textOf(msg);
    expect(msg.text).toBe('🔥 web (prod): a task failed — OutOfMemoryError');
    for (const needle of [
      'web-prod', // the ECS service
      '`prod`', // environment
      'c13b4cb40f1f4fe4a2971f76ae5a47ad', // task id
      'web:42', // task definition revision
      '1.4.2', // image tag
      'container `web`',
      'exit 137',
      'EssentialContainerExited',
      'OutOfMemoryError: Container killed due to memory usage',
      'ran out of memory', // plain words
      '`/ecs rightsize web` shows its memory use over the last 14 days.', // and the command that shows its use
      'log line 10 of 10 from ecs/web/c13b4cb40f1f4fe4a2971f76ae5a47ad', // the last 10 lines
      'ecs/v2/clusters/prod/tasks/c13b4cb40f1f4fe4a2971f76ae5a47ad/configuration?region=eu-west-1',
      'log-group/$252Fecs$252Fweb/log-events/ecs$252Fweb$252Fc13b4cb40f1f4fe4a2971f76ae5a47ad',
      '"alert:logs"',
      '"alert:status"',
      '"alert:rollback"',
    ]) {
      expect(text).toContain(needle);
    }
    expect(text).not.toContain('log line 1 of 11');
    // The log stream was read once, exactly where awslogs writes it.
    const call = only(logs.commandCalls(GetLogEventsCommand));
    expect(call.args[0].input).toEqual({
      logGroupName: '/ecs/web',
      logStreamName: 'ecs/web/c13b4cb40f1f4fe4a2971f76ae5a47ad',
      limit: 10,
      startFromHead: false,
    });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
  });

  it('routes per service and per environment', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves(taskDefinition('worker', 'worker', '/ecs/worker-prod'));
    await e2e.event(taskStopped({ time: now, service: 'worker-prod', container: 'worker', exitCode: 1, taskDefinition: 'worker:42' }));
    await e2e.event(taskStopped({ time: now, where: STAGING, service: 'web-staging', exitCode: 1, taskDefinition: 'web:7' }));
    expect(textOf(only(alerts('CWORKERTEAM')))).toContain('worker (prod)');
    expect(textOf(only(alerts('CALERTSSTG')))).toContain('web-staging (staging)');
    expect(alerts('CALERTS')).toHaveLength(0);
    // The worker's configured logGroup overrides the task definition's.
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input.logGroupName).toBe('/ecs/worker-prod');
  });

  it('posts once when the same event, or the same task, is delivered again', async () => {
    const ev = taskStopped({ time: now, ...OOM });
    await e2e.event(ev);
    await e2e.event(ev);
    await e2e.event({ ...ev, id: 'another-delivery-id', detail: { ...ev.detail, version: ev.detail.version + 1 } });
    expect(posts()).toHaveLength(1);
    expect(alerts()[0]!.text).toBe('🔥 web (prod): a task failed — OutOfMemoryError');
    // The same event again: its consumers are marked as finished with it, so none runs (src/hooks/events.ts);
    // the same task in another event: the alert's own de-duplication (by task).
    expect(logLines('event retried: consumers that finished it on an earlier attempt are skipped')).toHaveLength(1);
    expect(logLines('duplicate ECS event ignored')).toHaveLength(1);
  });
});

describe('one incident per service', () => {
  it('updates the count and summary, and replies in the thread only when the reason is new', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    now += 5 * MIN;
    await e2e.event(taskStopped({ time: now, ...OOM }));
    now += 7 * MIN;
    await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    now += MIN;
    await e2e.event(taskStopped({ time: now, ...OOM }));

    expect(posts().filter((c) => !c.body.thread_ts)).toHaveLength(1);
    const alert = only(alerts());
    expect(alert.text).toContain('4 tasks failed in 13 minutes: OutOfMemoryError ×3, CannotPullContainerError');
    const reply = only(replies(alert));
    expect(textOf(reply)).toContain('New failure reason:* CannotPullContainerError');
    expect(textOf(reply)).toContain('could not pull the image');
    // Logs read for the first failure and for the new reason; the task definition once (cached per process).
    expect(logs.commandCalls(GetLogEventsCommand)).toHaveLength(2);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
  });

  it('turns a burst of 200 failures into one message with the right count, through 429s', async () => {
    e2e.slack.rateLimitNext('chat.postMessage', 1);
    e2e.slack.rateLimitNext('chat.update', 1);
    const events = Array.from({ length: 200 }, (_, i) => taskStopped({ time: now, taskId: `burst${String(i).padStart(27, '0')}`, ...OOM }));
    await Promise.all(events.map((ev) => e2e.event(ev)));

    expect(posts()).toHaveLength(1);
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(1);
    const alert = only(alerts());
    expect(alert.text).toContain('200 tasks failed in less than a minute: OutOfMemoryError ×200');
    expect(replies(alert)).toHaveLength(0);
    // Updates are coalesced: a handful, not 199.
    expect(e2e.slack.callsTo('chat.update').filter((c) => !c.rateLimited).length).toBeLessThanOrEqual(3);
    // Only the opener read the logs.
    expect(logs.commandCalls(GetLogEventsCommand)).toHaveLength(1);
  });

  it('closes the incident when a deployment completes: a "recovered" reply and header; the next failure opens a new one', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await e2e.event(taskStopped({ time: now, ...OOM }));
    now += 4 * MIN;
    await e2e.event(deploymentEvent('completed', { time: now, deploymentId: 'ecs-svc/8000000000000000001' }));

    const alert = only(alerts());
    expect(alert.text).toMatch(/^✅ Recovered: web \(prod\): 2 tasks failed/);
    expect(textOf(alert)).toContain('recovered <!date');
    expect(only(replies(alert)).text).toBe(
      '✅ Recovered: deployment ecs-svc/8000000000000000001 completed. 2 tasks failed in less than a minute: OutOfMemoryError ×2.',
    );

    // A redelivered COMPLETED changes nothing; a new failure is a new incident.
    await e2e.event(deploymentEvent('completed', { time: now, deploymentId: 'ecs-svc/8000000000000000001' }));
    now += MIN;
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    expect(alerts()).toHaveLength(2);
    expect(alerts()[1]!.text).toContain('🔥 web (prod): a task failed');
    expect(replies(alert)).toHaveLength(1);
  });

  it('ignores a COMPLETED that is older than the last failure (out-of-order delivery)', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    await e2e.event(deploymentEvent('completed', { time: now - 2 * MIN }));
    expect(alerts()[0]!.text).toMatch(/^🔥/);
    expect(replies(alerts()[0]!)).toHaveLength(0);
  });
});

describe('deployments and service actions', () => {
  it("alerts on a failed deployment the bot did not start, and leaves the bot's own to its request thread", async () => {
    await e2e.rt.redis.set(keys.botDeployment('ecs-svc/1111111111111111111'), 'prod.web.r1');
    await e2e.event(deploymentEvent('failed', { time: now, deploymentId: 'ecs-svc/1111111111111111111' }));
    expect(posts()).toHaveLength(0);
    expect(only(logLines('failed deployment started by the bot: left to its request thread'))).toMatchObject({ request: 'prod.web.r1' });

    await e2e.event(deploymentEvent('failed', { time: now, deploymentId: 'ecs-svc/2222222222222222222' }));
    const alert = only(alerts());
    expect(alert.text).toBe('❌ web (prod): deployment failed — Deployment ecs-svc/2222222222222222222 failed');
    expect(textOf(alert)).toContain('ECS deployment circuit breaker: task failed to start.');
  });

  it('adds a failed deployment to an open incident as a thread reply', async () => {
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    await e2e.event(deploymentEvent('failed', { time: now, deploymentId: 'ecs-svc/3333333333333333333' }));
    const alert = only(alerts());
    expect(textOf(only(replies(alert)))).toContain('Deployment ecs-svc/3333333333333333333 failed.');
    expect(alert.text).toContain('Deployment ecs-svc/3333333333333333333 failed');
  });

  it('alerts on a task placement failure, grouping repeats', async () => {
    await e2e.event(serviceAction('task-placement-failure', { time: now }));
    await e2e.event(serviceAction('task-placement-failure', { time: now }));
    const alert = only(alerts());
    expect(alert.text).toBe('⚠️ web (prod): ECS could not place a task — ECS could not place a task ×2');
    expect(textOf(alert)).toContain('RESOURCE:FARGATE');
  });
});

describe('noise posts nothing', () => {
  const cases: Array<[string, () => Json]> = [
    [
      'a deployment scale-in (ServiceSchedulerInitiated, exit 0)',
      () =>
        taskStopped({
          time: now,
          exitCode: 0,
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
        }),
    ],
    [
      'a task stopped by a user',
      () => taskStopped({ time: now, exitCode: 143, stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }),
    ],
    ['exit code 0', () => taskStopped({ time: now, exitCode: 0 })],
    [
      'a running task (the documented sample, moved to prod)',
      () => {
        const e = docSample('task-state-change');
        e.detail.clusterArn = 'arn:aws:ecs:eu-west-1:222222222222:cluster/prod';
        e.detail.group = 'service:web-prod';
        return e;
      },
    ],
    ['a deployment in progress', () => deploymentEvent('in-progress', { time: now })],
    ['a rollback in progress', () => deploymentEvent('rollback-in-progress', { time: now })],
    ['a completed deployment without an incident', () => deploymentEvent('completed', { time: now })],
    ['a steady state', () => serviceAction('steady-state', { time: now })],
    ['a capacity provider steady state', () => serviceAction('capacity-provider-steady-state', { time: now })],
    ['a failure older than the incident window', () => taskStopped({ time: now - 31 * MIN, exitCode: 1 })],
    ['a failed deployment older than the incident window', () => deploymentEvent('failed', { time: now - 31 * MIN })],
  ];

  it.each(cases)('%s', async (_name, make) => {
    await expect(e2e.event(make())).resolves.toEqual({ ok: true });
    expect(e2e.slack.calls).toHaveLength(0);
  });
});

describe('faults', () => {
  it('ignores, with a log line, events for a cluster or service not in chatops.yml', async () => {
    for (const name of ['deployment-failed', 'service-action-task-placement-failure', 'service-action-task-start-impaired'] as const) {
      await expect(e2e.event(docSample(name))).resolves.toEqual({ ok: true });
    }
    await e2e.event(taskStopped({ time: now, service: 'billing-prod', exitCode: 1 }));
    expect(e2e.slack.calls).toHaveLength(0);
    const ignored = logLines('ECS event ignored: not in chatops.yml');
    expect(ignored.map((l) => l.why)).toEqual([
      'cluster default in us-west-2 is not in chatops.yml',
      'cluster default in us-west-2 is not in chatops.yml',
      'cluster default in us-west-2 is not in chatops.yml',
      'service billing-prod in cluster prod is not in chatops.yml',
    ]);
  });

  it('drops a malformed event with a log line, without throwing (no retry storm)', async () => {
    await expect(e2e.event({ id: 'x', source: 'aws.ecs' })).resolves.toEqual({ ok: false });
    expect(logLines('malformed event dropped')).toHaveLength(1);
    const bad = taskStopped({ time: now, exitCode: 1 });
    delete bad.detail.taskArn;
    bad.detail.containers = 'not a list';
    await expect(e2e.event(bad)).resolves.toEqual({ ok: true });
    expect(only(logLines('malformed ECS event ignored')).issues).toEqual(
      expect.arrayContaining([expect.stringMatching(/^taskArn/), expect.stringMatching(/^containers/)]),
    );
    expect(e2e.slack.calls).toHaveLength(0);
  });

  it('still posts the alert when the log group is gone, and says so', async () => {
    const gone = Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' });
    logs.on(GetLogEventsCommand).rejects(gone);
    logs.on(DescribeLogStreamsCommand).rejects(gone);
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    const text = textOf(only(alerts()));
    expect(text).toContain('the log group /ecs/web no longer exists');
    expect(text).not.toContain('"alert:logs"');
  });

  it("says so, without asking CloudWatch Logs, when the task definition sends its logs to another region than the environment's", async () => {
    const td = taskDefinition('web', 'web', '/ecs/web');
    td.taskDefinition!.containerDefinitions![0]!.logConfiguration!.options!['awslogs-region'] = 'us-east-1';
    ecs.on(DescribeTaskDefinitionCommand).resolves(td);
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: logs:GetLogEvents'), { name: 'AccessDeniedException' }));
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    const text = textOf(only(alerts()));
    expect(text).toContain("is in region us-east-1, but the bot's roles read logs only in the environment's region eu-west-1");
    expect(text).not.toContain('not authorized');
    expect(logs.commandCalls(GetLogEventsCommand)).toHaveLength(0);
  });

  it('tells "no stream yet for this task" from "the log group is gone" by asking for the group, whatever the error says', async () => {
    // An endpoint that words a missing stream like a missing group: the group is there all the same.
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' }));
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [] });
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    const text = textOf(only(alerts()));
    expect(text).toContain('there is no log stream for this task yet');
    expect(text).not.toContain('no longer exists');
  });

  it('a task that stopped before its container started has no log lines and never will: said so, not "not yet"', async () => {
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' }));
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [] });
    await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    const text = textOf(only(alerts()));
    expect(text).toContain('no log lines: the task stopped before its container started, so it wrote nothing to /ecs/web');
    expect(text).not.toContain('yet');
    // No link to a stream that will never exist; the console's task link stays.
    expect(text).not.toContain('Logs in CloudWatch');
    expect(text).toContain('Task in the ECS console');
  });

  it('says so when the task definition cannot be read either', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: ecs:DescribeTaskDefinition'), { name: 'AccessDeniedException' }),
      );
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    expect(textOf(only(alerts()))).toContain(
      "could not read task definition web:42: AWS denied access while I tried to describe the task definition: the bot's role needs ecs:DescribeTaskDefinition.",
    );
  });

  it('survives a short Slack outage: the client retries, one message, no duplicate', async () => {
    e2e.slack.setDown(true);
    const done = e2e.event(taskStopped({ time: now, exitCode: 1 }));
    await e2e.slack.waitFor((calls) => calls.some((c) => c.down), 5_000, 'a 503');
    e2e.slack.setDown(false);
    await done;
    expect(posts()).toHaveLength(1);
    expect(alerts()).toHaveLength(1);
  });

  it('survives a long Slack outage: nothing lost, posted by the next tick, still once', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [] });
    e2e.slack.setDown(true);
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    expect(posts()).toHaveLength(0);
    expect(only(logLines('alert not delivered to Slack; the next event or the scheduled check retries'))).toMatchObject({ posting: true });
    // More failures while Slack is still down: counted.
    e2e.slack.setDown(false);
    e2e.slack.failNext('chat.postMessage', 'internal_error');
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    expect(posts()).toHaveLength(0);
    now += MIN;
    await e2e.tick();
    const alert = only(alerts());
    expect(alert.text).toContain('2 tasks failed');
    await e2e.tick();
    expect(alerts()).toHaveLength(1);
  }, 30_000);
});

describe('services down (scheduled check)', () => {
  function services(web: { desired: number; running: number }) {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'web-prod',
          serviceArn: 'arn:aws:ecs:eu-west-1:222222222222:service/prod/web-prod',
          status: 'ACTIVE',
          desiredCount: web.desired,
          runningCount: web.running,
          pendingCount: 0,
        },
        {
          serviceName: 'worker-prod',
          serviceArn: 'arn:aws:ecs:eu-west-1:222222222222:service/prod/worker-prod',
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
        },
        {
          serviceName: 'web-staging',
          serviceArn: 'arn:aws:ecs:eu-west-1:111111111111:service/staging/web-staging',
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
        },
      ],
      failures: [],
    });
  }

  it('alerts once when desired > 0 and running = 0 for longer than downAfter, and recovers when running = desired', async () => {
    services({ desired: 2, running: 0 });
    await e2e.tick();
    now += 2 * MIN;
    await e2e.tick();
    expect(posts()).toHaveLength(0);
    now += MIN; // 3 minutes: prod's downAfter
    await e2e.tick();
    const alert = only(alerts());
    expect(alert.text).toBe('🔴 web (prod) is down — Service down: 0 of 2 tasks running');
    now += MIN;
    await e2e.tick();
    expect(posts()).toHaveLength(1);

    // One DescribeServices call per environment per tick, with the configured services.
    const calls = ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input);
    expect(calls.slice(0, 2)).toEqual(
      expect.arrayContaining([
        { cluster: 'prod', services: ['web-prod', 'worker-prod'], include: ['TAGS'] },
        { cluster: 'staging', services: ['web-staging'], include: ['TAGS'] },
      ]),
    );

    services({ desired: 2, running: 2 });
    now += MIN;
    await e2e.tick();
    const closed = only(alerts());
    expect(closed.text).toMatch(/^✅ Recovered: web \(prod\): service down/);
    expect(only(replies(closed)).text).toBe('✅ Recovered: 2 of 2 tasks running again.');
  });

  it("a Korean reader's Home tab names the down incident's last signal in Korean", async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => now, configPath: configFile((d) => (d.slack.language = 'ko')) });
    services({ desired: 2, running: 0 });
    await e2e.tick();
    now += 3 * MIN;
    await e2e.tick();
    expect(only(alerts()).text).toMatch(/^🔴 web \(prod\) 중단/);
    e2e.slack.setUserLocale('UDEV1', 'ko-KR');
    await e2e.slackEvent(appHomeOpened('UDEV1'));
    const home = JSON.stringify(e2e.slack.homeView('UDEV1')?.blocks ?? null);
    expect(home).toContain('(prod): 서비스 중단 · 마지막: 서비스 중단 ·');
    expect(home).not.toContain('service down');
  });

  it('adds "down" to an open incident instead of a second message', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    services({ desired: 2, running: 0 });
    await e2e.tick();
    now += 3 * MIN;
    await e2e.tick();
    const alert = only(alerts());
    expect(alert.text).toMatch(/^🔴 web \(prod\) is down: a task failed/);
    expect(only(replies(alert)).text).toBe('🔴 Service down: 0 of 2 tasks running for 3 minutes.');
  });

  it('shows the first failed task (with its logs) in an incident that "down" opened', async () => {
    services({ desired: 2, running: 0 });
    await e2e.tick();
    now += 3 * MIN;
    await e2e.tick();
    await e2e.event(taskStopped({ time: now, taskId: 'd00000000000000000000000000000001', ...OOM }));
    const alert = only(alerts());
    expect(alert.text).toMatch(/^🔴 web \(prod\) is down: a task failed/);
    expect(textOf(alert)).toContain('log line 10 of 10 from ecs/web/d00000000000000000000000000000001');
    expect(textOf(only(replies(alert)))).toContain('New failure reason:* OutOfMemoryError');
    expect(logs.commandCalls(GetLogEventsCommand)).toHaveLength(1);
  });

  it('closes a task incident on running = desired only after a quiet period', async () => {
    await e2e.event(taskStopped({ time: now, ...OOM }));
    services({ desired: 2, running: 2 });
    now += 2 * MIN;
    await e2e.tick();
    expect(alerts()[0]!.text).toMatch(/^🔥/);
    now += 3 * MIN;
    await e2e.tick();
    expect(alerts()[0]!.text).toMatch(/^✅ Recovered/);
  });
});

describe('in a Korean workspace (slack.language: ko)', () => {
  it('writes the alert, its thread replies and the log errors in Korean', async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => now, configPath: configFile((d) => (d.slack.language = 'ko')) });
    const gone = Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' });
    logs.on(GetLogEventsCommand).rejects(gone);
    logs.on(DescribeLogStreamsCommand).rejects(gone);
    await e2e.event(taskStopped({ time: now, ...OOM }));
    now += MIN;
    await e2e.event(taskStopped({ time: now, ...PULL_FAILED }));
    now += 4 * MIN;
    await e2e.event(deploymentEvent('completed', { time: now, deploymentId: 'ecs-svc/8000000000000000001' }));

    const alert = only(alerts());
    const text = textOf(alert);
    expect(text).toContain('메모리가 부족해 강제 종료되었습니다');
    expect(text).toContain('로그 그룹 /ecs/web이(가) 더 이상 없습니다');
    expect(text).not.toMatch(/ran out of memory|no longer exists/);
    const [reason, recovered] = replies(alert);
    expect(textOf(reason)).toContain('*새 실패 원인:* CannotPullContainerError');
    expect(textOf(reason)).toContain('ECS가 이미지를 가져오지 못했습니다');
    expect(textOf(reason)).not.toMatch(/New failure reason|could not pull/);
    expect(recovered!.text).toMatch(/^✅ 복구됨: 배포 ecs-svc\/8000000000000000001 완료\./);
  });

  it('names an exit code and failed health checks in Korean in the alert and in its count of reasons', async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => now, configPath: configFile((d) => (d.slack.language = 'ko')) });
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    now += MIN;
    await e2e.event(taskStopped({ time: now, exitCode: 1 }));
    now += MIN;
    await e2e.event(
      taskStopped({
        time: now,
        exitCode: 0,
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed ELB health checks in (tg)',
      }),
    );
    const all = [only(alerts()), ...replies(only(alerts()))].map(textOf).join('\n');
    expect(only(alerts()).text).toContain('종료 코드 1 ×2');
    expect(all).toContain('ELB 헬스 체크 실패');
    expect(all).not.toMatch(/exit code|원인:\* failed/); // ECS's own words ("Task failed ELB health checks") stay as they are
  });

  it("quotes ECS's own words as they are, each with one Korean line saying what they mean; the Slack function's re-render keeps it", async () => {
    await e2e.close();
    e2e = await setupE2E({ now: () => now, configPath: configFile((d) => (d.slack.language = 'ko')) });
    // The AWS documentation's placement failure (RESOURCE:FARGATE) opens the incident…
    await e2e.event(serviceAction('task-placement-failure', { time: now }));
    const alert = only(alerts());
    const section = (m: StoredMessage) =>
      (m.blocks as Array<{ type: string; text?: { text: string } }>).find((b) => b.type === 'section')!.text!.text.split('\n');
    const lines = section(alert);
    const at = lines.indexOf('> ECS가 작업을 배치하지 못함: RESOURCE:FARGATE');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toBe(
      '_지금 서비스의 가용 영역에 이 작업을 위한 Fargate 용량이 없습니다. ECS가 계속 시도하며, 더 많은 가용 영역의 서브넷을 쓰면 도움이 됩니다._',
    );
    // "I'm on it": the Slack function re-renders the alert from the incident's facts, the Korean line with it.
    await clickAlertButton(e2e, only(alerts()), alertButton(only(alerts()), 'alert:ack'), 'UDEV1');
    const again = only(alerts());
    expect(textOf(again)).toContain('👀');
    expect(section(again)).toContain(
      '_지금 서비스의 가용 영역에 이 작업을 위한 Fargate 용량이 없습니다. ECS가 계속 시도하며, 더 많은 가용 영역의 서브넷을 쓰면 도움이 됩니다._',
    );
    // Its failed deployment (the circuit breaker's words) joins it as a thread reply.
    now += MIN;
    await e2e.event(deploymentEvent('failed', { time: now, deploymentId: 'ecs-svc/4444444444444444444' }));
    const reply = section(only(replies(only(alerts()))));
    expect(reply).toEqual([
      '❌ 배포 ecs-svc/4444444444444444444가 실패했습니다.',
      '> ECS deployment circuit breaker: task failed to start.',
      '새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다. 중지된 작업의 이유와 로그에 원인이 있습니다. 롤백이 켜져 있으면 서비스는 마지막으로 완료된 배포로 돌아갑니다.',
    ]);
    expect(textOf(only(replies(only(alerts()))))).not.toMatch(/circuit breaker stopped|too many of its new tasks/);
    // The alert counts it in Korean words too (its label was English).
    expect(section(only(alerts()))).toContain('• 배포 ecs-svc/4444444444444444444 실패');
    expect(textOf(only(alerts()))).not.toContain('Deployment ecs-svc/4444444444444444444 failed');
  });
});
