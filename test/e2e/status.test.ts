/**
 * `/ecs status` end to end: slash command into the Slack Lambda handler, the hand-off drained
 * into the worker handler, ECS/ECR stubbed with the documented response shapes, the answer read
 * from the local Slack server. Each test also counts the AWS calls.
 */
import {
  AccessDeniedException,
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  ServerException,
} from '@aws-sdk/client-ecs';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { configFile, prodOnlyDoc } from '../helpers/config';
import { lastAnswer as answerText, lastResponse, setupE2E, type E2E, useE2E } from '../helpers/e2e';
import { getFreePort } from '../helpers/redis';
import {
  deploymentWith,
  digestOf,
  MIN,
  NOW,
  REGISTRY,
  serviceWith,
  serviceEvent,
  task,
  tdArn,
  taskDefinitionWith,
  taskIdOf,
} from '../helpers/aws-fixtures';

const ecsMock = mockClient(ECSClient);
const ecrMock = mockClient(ECRClient);
afterAll(() => {
  ecsMock.restore();
  ecrMock.restore();
});

/** The text of every block of the last answer posted through response_url. */
function lastAnswer(e2e: E2E): { text: string; body: Record<string, unknown> } {
  return { text: answerText(e2e), body: lastResponse(e2e) };
}

/** A prod web service in the middle of a deployment, with a crash-looping task and noisy events. */
function stubDeployingWeb(): void {
  const oldTd = tdArn('web-prod', 42);
  const newTd = tdArn('web-prod', 43);
  const events = [
    serviceEvent(1, '(service web-prod) has started 1 tasks: (task 0123456789abcdef0123456789abcdef).'),
    serviceEvent(3, '(service web-prod) has stopped 1 running tasks: (task ' + taskIdOf(9) + ').'),
    ...Array.from({ length: 12 }, (_, i) => serviceEvent(60 + i * 360, '(service web-prod) has reached a steady state.', `steady-${i}`)),
  ];
  ecsMock.on(DescribeServicesCommand).resolves({
    services: [
      serviceWith({
        name: 'web-prod',
        revision: 43,
        desired: 3,
        running: 3,
        pending: 1,
        events,
        deployments: [
          deploymentWith({
            id: 'ecs-svc/2222222222222222222',
            taskDefinition: newTd,
            desiredCount: 3,
            runningCount: 1,
            pendingCount: 1,
            failedTasks: 2,
            rolloutState: 'IN_PROGRESS',
            rolloutStateReason: 'ECS deployment ecs-svc/2222222222222222222 in progress.',
            createdAt: new Date(NOW - 4 * MIN),
            updatedAt: new Date(NOW - MIN),
          }),
          deploymentWith({ id: 'ecs-svc/1111111111111111111', status: 'ACTIVE', taskDefinition: oldTd, desiredCount: 2, runningCount: 2 }),
        ],
      }),
    ],
    failures: [],
  });
  ecsMock
    .on(DescribeTaskDefinitionCommand, { taskDefinition: newTd })
    .resolves({ taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 43, image: `${REGISTRY}/shop/web:v1.4.3` }), tags: [] });
  ecsMock
    .on(DescribeTaskDefinitionCommand, { taskDefinition: oldTd })
    .resolves({ taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 42, image: `${REGISTRY}/shop/web:v1.4.2` }), tags: [] });
  const running = [
    task({ id: taskIdOf(1), td: newTd, deploymentId: 'ecs-svc/2222222222222222222', digest: digestOf('v1.4.3') }),
    task({ id: taskIdOf(2), td: oldTd, deploymentId: 'ecs-svc/1111111111111111111', digest: digestOf('v1.4.2') }),
    task({ id: taskIdOf(3), td: oldTd, deploymentId: 'ecs-svc/1111111111111111111', digest: digestOf('v1.4.2') }),
  ];
  const stopped = [
    task({
      id: taskIdOf(9),
      td: newTd,
      deploymentId: 'ecs-svc/2222222222222222222',
      stopped: {
        minutesAgo: 3,
        stopCode: 'EssentialContainerExited',
        reason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      },
    }),
    task({
      id: taskIdOf(8),
      td: oldTd,
      stopped: {
        minutesAgo: 200,
        stopCode: 'ServiceSchedulerInitiated',
        reason: 'Scaling activity initiated by (deployment ecs-svc/0)',
        exitCode: 0,
      },
    }),
  ];
  ecsMock.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: running.map((t) => t.taskArn!) });
  ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: stopped.map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [...running, ...stopped], failures: [] });
}

describe('/ecs status through the Lambda handlers', () => {
  // The mocks are restored after the file: the next describe uses them too.
  const e2e = useE2E(() => ({ now: () => NOW }));
  afterEach(() => {
    ecsMock.reset();
    ecrMock.reset();
  });

  it('acks at once and answers one service in the channel, with every part the issue asks for', async () => {
    stubDeployingWeb();
    const ack = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('Looking up `web` in `prod`…');
    expect(ecsMock.calls()).toHaveLength(0); // the Slack-facing path never calls ECS
    await e2e.drain();

    const { text, body } = lastAnswer(e2e);
    expect(body.response_type).toBe('in_channel');
    expect(text).toContain('web in prod');
    expect(text).toContain('deploying');
    expect(text).toMatch(/\*3\* running \/ 3 desired \/ 1 pending/);
    // revision and image as tag and digest (digest reported by the tasks of the primary deployment)
    expect(text).toContain('`web-prod:43`');
    expect(text).toContain('`v1.4.3`');
    expect(text).toContain(digestOf('v1.4.3').slice(7, 19));
    // every deployment with status, rolloutState, counts and age
    expect(text).toContain('*PRIMARY* `web-prod:43` `v1.4.3` — IN_PROGRESS 1/3 running, 1 pending, *2 failed* · started 4m ago');
    expect(text).toContain('*ACTIVE* `web-prod:42` `v1.4.2` — COMPLETED 2/2 running');
    // de-duplicated events
    expect(text).toContain('(×12) (service web-prod) has reached a steady state.');
    expect(text.match(/has reached a steady state/g)).toHaveLength(1);
    // tasks stopped in the last hour, with stop code, reason and exit code; older stops left out
    expect(text).toContain('Stopped in the last hour* (1)');
    expect(text).toContain('`EssentialContainerExited`');
    expect(text).toContain('web: exit 137 (OutOfMemoryError: Container killed due to memory usage)');
    expect(text).not.toContain('ServiceSchedulerInitiated');
    // circuit breaker and console link
    expect(text).toContain('*Circuit breaker:* on, rolls back a failed deployment');
    expect(text).toContain('https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web-prod/health?region=eu-west-1');

    // each call at most once; the two task definitions described once each
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);
    expect(new Set(ecsMock.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).size).toBe(2);
    expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(2);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(1);
    expect(ecrMock.calls()).toHaveLength(0); // the task definition has a tag: no ECR lookup
  });

  it('shows the tag of a digest-pinned image from ECR, and a lock on the service', async () => {
    const digest = digestOf('v2.0.0');
    ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name: 'web-prod', revision: 50 })], failures: [] });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 50, image: `${REGISTRY}/shop/web@${digest}` }),
      tags: [],
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop/web', imageIds: [{ imageDigest: digest }] })
      .resolves({ imageDetails: [{ imageDigest: digest, imageTags: ['v2.0.0'], repositoryName: 'shop/web' }] });
    await e2e.rt.redis.hset('lock:{svc:prod:web}', { by: 'ULEAD1', reason: 'DB migration', since: String(NOW - 30 * MIN), kind: 'manual' });

    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('`v2.0.0` · digest `' + digest.slice(7, 19) + '`');
    expect(text).toContain(':lock: *Locked* by <@ULEAD1> 30m ago: DB migration');
    expect(ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0); // no tasks to describe
  });

  it('still answers when the lock/freeze state cannot be read, and says so', async () => {
    stubDeployingWeb();
    // A value of the wrong type makes HGETALL fail like an unreadable store would.
    await e2e.rt.redis.set('freeze:{env:prod}', 'not-a-hash');
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('deploying');
    expect(text).toContain('Lock and freeze state unavailable');
  });

  it('answers an environment with one line per service, batching DescribeServices by 10', async () => {
    // 23 services in one environment → 3 DescribeServices calls, 23 (distinct) task definitions.
    const services: Record<string, unknown> = {};
    for (let i = 0; i < 23; i++) services[`svc${i}`] = { environment: 'prod', service: `svc${i}-prod`, container: 'web' };
    const path = configFile(prodOnlyDoc(services));
    await e2e.restart({ now: () => NOW, configPath: path });

    ecsMock.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services
        .filter((n) => n !== 'svc7-prod')
        .map((n) => {
          const i = Number(/svc(\d+)/.exec(n)![1]);
          if (i === 3) return serviceWith({ name: n, desired: 2, running: 0 }); // down
          if (i === 4) return serviceWith({ name: n, desired: 4, running: 2 }); // degraded
          return serviceWith({ name: n });
        }),
      failures: input.services
        .filter((n) => n === 'svc7-prod')
        .map((n) => ({ arn: `arn:aws:ecs:eu-west-1:222222222222:service/prod/${n}`, reason: 'MISSING' })),
    }));
    ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
      const family = /task-definition\/([^:]+):/.exec(input.taskDefinition)![1]!;
      return {
        taskDefinition: taskDefinitionWith({ family, revision: 42, image: `${REGISTRY}/shop/${family}:2025.05.${family.length}` }),
        tags: [],
      };
    });

    const ack = await e2e.slash('status', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Looking up every service in `prod`…');
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('prod: 23 services');
    expect(text).toContain(
      ':red_circle: *<https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/svc3-prod/health?region=eu-west-1|svc3>* down · 0/2 running',
    );
    expect(text).toContain('degraded · 2/4 running');
    expect(text).toContain('not found in cluster `prod` (MISSING)');
    expect(text).toContain('`2025.05.');
    // the worst services come first
    expect(text.indexOf('svc3')).toBeLessThan(text.indexOf('svc10'));
    const describe = ecsMock.commandCalls(DescribeServicesCommand);
    expect(describe).toHaveLength(3);
    expect(describe.map((c) => c.args[0].input.services!.length)).toEqual([10, 10, 3]);
    const tdCalls = ecsMock.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition);
    expect(tdCalls).toHaveLength(22);
    expect(new Set(tdCalls).size).toBe(22);
    expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(0);
  });

  it('an environment names a digest-pinned image by its ECR tag (a version before `latest`); the digest when the tag cannot be read', async () => {
    const services = {
      web: { environment: 'prod', service: 'web-prod', container: 'web', repository: 'shop/web' },
      api: { environment: 'prod', service: 'api-prod', container: 'web', repository: 'shop/api' },
      // No repository in chatops.yml: the roles may not read one, so nothing is asked.
      batch: { environment: 'prod', service: 'batch-prod', container: 'web' },
    };
    await e2e.restart({ now: () => NOW, configPath: configFile(prodOnlyDoc(services)) });
    const digest = (family: string) => digestOf(family);
    ecsMock.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services.map((n) => serviceWith({ name: n })),
      failures: [],
    }));
    ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
      const family = /task-definition\/([^:]+):/.exec(input.taskDefinition)![1]!;
      const repo = family.replace('-prod', '');
      return {
        taskDefinition: taskDefinitionWith({ family, revision: 42, image: `${REGISTRY}/shop/${repo}@${digest(family)}` }),
        tags: [],
      };
    });
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop/web' })
      .resolves({ imageDetails: [{ imageDigest: digest('web-prod'), imageTags: ['latest', 'v2.0.0'], repositoryName: 'shop/web' }] });
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop/api' })
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await e2e.slash('status', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toMatch(/\|web>\* steady · [^\n]*`v2\.0\.0` · `web-prod:42`/);
    expect(text).toMatch(new RegExp(`\\|api>\\* steady · [^\\n]*\`@${digest('api-prod').slice(7, 19)}\` · \`api-prod:42\``));
    expect(text).toMatch(new RegExp(`\\|batch>\\* steady · [^\\n]*\`@${digest('batch-prod').slice(7, 19)}\``));
    expect(
      ecrMock
        .commandCalls(DescribeImagesCommand)
        .map((c) => c.args[0].input.repositoryName)
        .sort(),
    ).toEqual(['shop/api', 'shop/web']);
    // DescribeClusters answered nothing usable here (no stub): the line says so without the TypeError's words.
    expect(text).toMatch(/The cluster view is unavailable: Something went wrong \(ref [0-9a-f]{8}\)/);
    expect(text).not.toContain('TypeError');
  });

  it('says clearly when the service does not exist in the cluster (failures: MISSING)', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:222222222222:service/prod/web-prod', reason: 'MISSING' }] });
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('ECS has no service `web-prod` in cluster `prod` (MISSING).');
    expect(text).toContain('services.web.service');
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  it('names the config entry when the cluster does not exist (ClusterNotFoundException)', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }));
    await e2e.slash('status prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('The ECS cluster was not found');
    expect(text).toContain('environments.prod.cluster');
  });

  it('names the missing permission on access denied', async () => {
    ecsMock.on(DescribeServicesCommand).rejects(
      new AccessDeniedException({
        message: 'User: arn:aws:sts::222222222222:assumed-role/bot/worker is not authorized to perform: ecs:DescribeServices',
        $metadata: {},
      }),
    );
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain("the bot's role needs `ecs:DescribeServices`");
  });

  it('tells people to try again in a minute when AWS keeps throttling', async () => {
    const throttled = new ServerException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    Object.assign(throttled, { name: 'ThrottlingException' });
    ecsMock.on(DescribeServicesCommand).rejects(throttled);
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('AWS is throttling requests');
    expect(text).toContain('try again in a minute');
  });

  it('posts to the channel when the response_url no longer works', async () => {
    stubDeployingWeb();
    e2e.slack.failNext('response_url', 'expired_url', 3);
    await e2e.slash('status web', { channel_id: 'CPROD' });
    await e2e.drain();
    const posted = e2e.slack.messages('CPROD');
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]!.blocks)).toContain('web in prod');
  });

  it('suggests the closest name for a typo, without handing anything to the worker', async () => {
    const ack = await e2e.slash('status webb', { channel_id: 'CPROD' });
    expect(ack.text).toContain("I don't know a service or environment called `webb`. Did you mean `web`");
    expect(ack.text).toContain('/ecs status [service | environment]');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('lists the known names when nothing is close', async () => {
    const ack = await e2e.slash('status zzz', { channel_id: 'CPROD' });
    expect(ack.text).toContain("I don't know a service or environment called `zzz`.");
    expect(ack.text).toContain('Services: `web`, `worker`, `web-staging`. Environments: `staging`, `prod`.');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('rejects extra arguments with the usage', async () => {
    const ack = await e2e.slash('status web worker', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Unexpected extra input: `worker`');
    expect(ack.text).toContain('/ecs status [service | environment]');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('asks for a target in a channel that belongs to no environment', async () => {
    const ack = await e2e.slash('status', { channel_id: 'CRANDOM' });
    expect(ack.text).toContain('This channel is not set up for any environment');
    expect(e2e.handedOff).toHaveLength(0);
  });
});

describe('/ecs status with Redis unreachable', () => {
  let e2e: E2E;
  beforeEach(async () => {
    const port = await getFreePort(); // nothing listens there
    e2e = await setupE2E({ now: () => NOW, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  afterEach(async () => {
    ecsMock.reset();
    e2e.rt.redis.disconnect(); // stop reconnecting to the closed port
    await e2e.close();
  });

  it('still answers a read-only command, without lock information, and says so', async () => {
    stubDeployingWeb();
    const ack = await e2e.slash('status web', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Looking up `web` in `prod`…');
    await e2e.drain();
    const { text } = lastAnswer(e2e);
    expect(text).toContain('deploying');
    expect(text).toContain('Lock and freeze state unavailable (the bot cannot reach Redis).');
    expect(e2e.logs.map((l) => l.msg)).toContain('redis unavailable; read-only job runs without the duplicate check');
  });
});
