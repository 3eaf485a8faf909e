/**
 * `/ecs tasks`, `/ecs taskdef` and the cluster view of `/ecs status <environment>` end to end
 * through the Lambda handlers, ECS stubbed with the documented shapes (DescribeTasks with the ENI
 * attachment and capacity provider, DescribeTaskDefinition, DescribeClusters with STATISTICS and
 * SETTINGS).
 */
import {
  ClientException,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { lastAnswer, useE2E } from '../helpers/e2e';
import { redisLocaleCache } from '../../src/redis/locale-cache';
import { logEvent, NOW, REGISTRY, serviceWith, task, taskDefinition, taskIdOf, tdArn } from '../helpers/aws-fixtures';

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);

/** A running Fargate (Spot) task with its ENI attachment, as DescribeTasks returns it. */
function running(n: number, over: Partial<Task> = {}): Task {
  const t = task({ id: taskIdOf(n), td: tdArn('web-prod', 42) });
  return {
    ...t,
    availabilityZone: n % 2 ? 'eu-west-1a' : 'eu-west-1b',
    capacityProviderName: n === 3 ? 'FARGATE_SPOT' : 'FARGATE',
    containers: t.containers!.map((c) => ({ ...c, image: `${REGISTRY}/shop/web:v1.4.2` })),
    attachments: [
      {
        id: `eni-att-${n}`,
        type: 'ElasticNetworkInterface',
        status: 'ATTACHED',
        details: [
          { name: 'subnetId', value: 'subnet-0a1b2c' },
          { name: 'networkInterfaceId', value: `eni-0${n}` },
          { name: 'privateIPv4Address', value: `10.0.1.${10 + n}` },
        ],
      },
    ],
    startedAt: new Date(NOW - n * 3_600_000),
    ...over,
  };
}

describe('tasks, task definitions and the cluster view', () => {
  const e2e = useE2E(() => ({ now: () => NOW }), [ecsMock, logsMock]);
  beforeEach(() => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name: 'web-prod', revision: 42 })], failures: [] });
  });

  it('/ecs tasks lists running tasks with revision, image, health, zone, IP, size and capacity', async () => {
    const tasks = [running(1), running(2), running(3)];
    ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks, failures: [] });
    const ack = await e2e.slash('tasks web', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Looking up the running tasks of `web` in `prod`');
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('web: 3 running tasks');
    expect(text).toContain(`*\`${taskIdOf(1).slice(0, 8)}\`* · \`rev 42\` · \`v1.4.2\``);
    expect(text).toContain('healthy · eu-west-1a · `10.0.1.11` · 0.5 vCPU / 1 GB · Fargate');
    expect(text).toContain('`10.0.1.13` · 0.5 vCPU / 1 GB · Fargate Spot');
    // newest first
    expect(text.indexOf(taskIdOf(1).slice(0, 8))).toBeLessThan(text.indexOf(taskIdOf(3).slice(0, 8)));
    expect(ecsMock.commandCalls(ListTasksCommand)[0]!.args[0].input).toMatchObject({
      cluster: 'prod',
      serviceName: 'web-prod',
      desiredStatus: 'RUNNING',
    });
  });

  it('/ecs tasks --stopped shows stop codes, reasons and exit codes; its Logs button runs /ecs logs for that task', async () => {
    const stopped = task({
      id: taskIdOf(7),
      td: tdArn('web-prod', 43),
      stopped: {
        minutesAgo: 12,
        stopCode: 'EssentialContainerExited',
        reason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      },
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [stopped.taskArn!] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stopped], failures: [] });
    await e2e.slash('tasks web --stopped', { channel_id: 'CPROD' });
    await e2e.drain();
    const body = e2e.slack.responses().at(-1)!;
    const text = lastAnswer(e2e);
    expect(text).toContain('web: 1 stopped task');
    expect(text).toContain(
      '`EssentialContainerExited` · Essential container in task exited · web: exit 137 (OutOfMemoryError: Container killed due to memory usage)',
    );
    expect(ecsMock.commandCalls(ListTasksCommand)[0]!.args[0].input.desiredStatus).toBe('STOPPED');

    // The Logs button: the same command a person would type, as the clicker.
    const buttons = (body.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>)
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    expect(buttons.map((b) => b.text.text)).toEqual([`Logs ${taskIdOf(7).slice(0, 8)}`]);
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(43), tags: [] });
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: [logEvent(NOW - 60_000, 'panic: out of memory', `ecs/web/${taskIdOf(7)}`)], searchedLogStreams: [] });
    const res = await e2e.click({ action_id: buttons[0]!.action_id, value: buttons[0]!.value, user_id: 'UDEV1', channel_id: 'CPROD' });
    expect(res.statusCode).toBe(200);
    await e2e.drain();
    expect(logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input.logStreamNamePrefix).toBe(`ecs/web/${taskIdOf(7).slice(0, 8)}`);
    expect(lastAnswer(e2e)).toContain('panic: out of memory');
  });

  it('/ecs taskdef shows what runs, with variable and secret names but never their values', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(42), tags: [] });
    await e2e.slash('taskdef web', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('web: web-prod:42');
    expect(text).toContain('(what the service runs now)');
    expect(text).toContain('*Task size* `0.5 vCPU` / `1 GB` · `awsvpc` · `FARGATE` · `LINUX/X86_64`');
    expect(text).toContain('*Task role* `arn:aws:iam::222222222222:role/web-task`');
    expect(text).toContain(`*web* \`${REGISTRY}/shop/web:v1.2.2\` · essential`);
    expect(text).toContain('ports `8080/tcp (http)`');
    expect(text).toContain('health check `CMD-SHELL curl -f http://localhost:8080/health || exit 1`');
    expect(text).toContain('logs `awslogs` `/ecs/web-prod · ecs/…`');
    expect(text).toContain('env (2): `DB_PASSWORD` `NODE_ENV`');
    expect(text).toContain('secrets (1): `API_TOKEN`');
    expect(text).toContain('*datadog-agent* `public.ecr.aws/datadog/agent:7` · not essential');
    for (const secret of ['hunter2', 'production', 'parameter/web/api-token', 'datadoghq.eu']) expect(text).not.toContain(secret);
  });

  it('/ecs taskdef --diff names changed variables and secrets without values, and shows other changes', async () => {
    const before = taskDefinition(41, {}, `${REGISTRY}/shop/web:v1.2.1`);
    const after = taskDefinition(42);
    after.memory = '2048';
    after.containerDefinitions![0]!.environment = [
      { name: 'NODE_ENV', value: 'staging' },
      { name: 'FEATURE_X', value: 'on' },
    ];
    after.containerDefinitions![0]!.secrets = [
      { name: 'API_TOKEN', valueFrom: 'arn:aws:ssm:eu-west-1:222222222222:parameter/web/api-token-v2' },
    ];
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: tdArn('web-prod', 41) }).resolves({ taskDefinition: before, tags: [] });
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: tdArn('web-prod', 42) }).resolves({ taskDefinition: after, tags: [] });
    await e2e.slash('taskdef web 41 --diff 42', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('web: web-prod:41 → web-prod:42');
    expect(text).toContain(`~ containerDefinitions[web].image: shop/web:v1.2.1 → shop/web:v1.2.2`);
    expect(text).toContain('~ memory: 1024 → 2048');
    expect(text).toContain('~ containerDefinitions[web].environment.NODE_ENV (changed)');
    expect(text).toContain('- containerDefinitions[web].environment.DB_PASSWORD (removed)');
    expect(text).toContain('+ containerDefinitions[web].environment.FEATURE_X (added)');
    expect(text).toContain('~ containerDefinitions[web].secrets.API_TOKEN (changed)');
    for (const value of ['hunter2', 'staging', 'production', 'api-token-v2', ': on']) expect(text).not.toContain(value);
  });

  it('bad input and a revision that does not exist get clear answers', async () => {
    const noService = await e2e.slash('tasks', { channel_id: 'CPROD' });
    expect(noService.text).toContain('Missing service, e.g. /ecs tasks web.');
    const badLimit = await e2e.slash('tasks web --limit 0', { channel_id: 'CPROD' });
    expect(badLimit.text).toContain('--limit: the task count must be at least 1');
    const badRev = await e2e.slash('taskdef web latest', { channel_id: 'CPROD' });
    expect(badRev.text).toContain('the revision must be a whole number');
    // The argument's name is in the typer's language too (a Korean Slack user, learned earlier).
    await redisLocaleCache(e2e.rt.redis).set('UKO', 'ko-KR', 3600);
    const koLimit = await e2e.slash('tasks web --limit 0', { channel_id: 'CPROD', user_id: 'UKO' });
    expect(koLimit.text).toContain('--limit: 작업 수 값은 1 이상이어야 합니다');
    const koRev = await e2e.slash('taskdef web latest', { channel_id: 'CPROD', user_id: 'UKO' });
    expect(koRev.text).toContain('리비전 값은 3처럼 자연수여야 합니다');
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    await e2e.slash('taskdef web 999', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('Task definition `web-prod:999` does not exist (the service runs `web-prod:42`)');
  });

  it('/ecs status <environment> adds the cluster: task counts, capacity providers, Container Insights, services not steady', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        serviceWith({ name: 'web-prod', revision: 42 }),
        serviceWith({ name: 'worker-prod', family: 'worker-prod', revision: 9, desired: 2, running: 1 }),
      ],
      failures: [],
    });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(42), tags: [] });
    ecsMock.on(DescribeClustersCommand).resolves({
      clusters: [
        {
          clusterArn: 'arn:aws:ecs:eu-west-1:222222222222:cluster/prod',
          clusterName: 'prod',
          status: 'ACTIVE',
          registeredContainerInstancesCount: 0,
          runningTasksCount: 12,
          pendingTasksCount: 1,
          activeServicesCount: 5,
          statistics: [
            { name: 'runningFargateTasksCount', value: '11' },
            { name: 'runningEC2TasksCount', value: '0' },
            { name: 'runningFargateSpotTasksCount', value: '1' },
          ],
          settings: [{ name: 'containerInsights', value: 'enabled' }],
          capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
          defaultCapacityProviderStrategy: [
            { capacityProvider: 'FARGATE', weight: 1, base: 1 },
            { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
          ],
        },
      ],
      failures: [],
    });
    await e2e.slash('status prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('*Cluster* `prod`: 12 running, 1 pending task · 5 active services (11 Fargate, 0 EC2)');
    expect(text).toContain('Capacity providers: `FARGATE`, `FARGATE_SPOT` · default strategy `FARGATE:1 (base 1), FARGATE_SPOT:3`');
    expect(text).toContain('Container Insights on');
    expect(text).toContain('*Not steady:* worker (degraded)');
    expect(ecsMock.commandCalls(DescribeClustersCommand)[0]!.args[0].input).toEqual({
      clusters: ['prod'],
      include: ['STATISTICS', 'SETTINGS'],
    });
  });
});
