/**
 * One-off tasks in the fake ECS world (src/loopback/aws/world/ecs.ts), talked to as the bot's worker
 * does (the real ECS and Logs clients over the loopback endpoint): RunTask as ECS answers it (the
 * service's task definition, network configuration and launch type copied, a command override,
 * startedBy and group kept, idempotent by client token, ECS's refusals, a scripted capacity
 * failure), the task's life step by step with its EventBridge events, its exit code and last log
 * lines, a start failure, StopTask; service tasks as before.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { AwsWorld, type EcsEventEnvelope } from '../../src/loopback/aws/world';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };
const saved = { ...process.env };

let aws: AwsEndpoint;
let world: AwsWorld;
let events: EcsEventEnvelope[];
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
let tdArn: string;

beforeAll(async () => {
  aws = await startAwsEndpoint();
  Object.assign(process.env, aws.env(), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  ecs = new ECSClient({ region: REGION, credentials, maxAttempts: 1 });
  logs = new CloudWatchLogsClient({ region: REGION, credentials, maxAttempts: 1 });
});
afterAll(async () => {
  process.env = saved;
  await aws.close();
});
beforeEach(() => {
  world = new AwsWorld({ region: REGION, account: ACCOUNT });
  world.install(aws);
  events = [];
  world.ecs.onEvent((e) => events.push(e));
  tdArn = world.addFargateService({
    cluster: 'prod',
    name: 'web-prod',
    container: 'web',
    repository: 'shop/web',
    tag: 'v1',
    desiredCount: 2,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/web-task`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
  });
});

/** What the worker sends for `/ecs run web migrate`: the service's task definition, launch type and network, a command override. */
const runInput = (over: Partial<RunTaskCommandInput> = {}): RunTaskCommandInput => ({
  cluster: 'prod',
  taskDefinition: tdArn,
  count: 1,
  startedBy: 'ecs-chatops:req-1',
  clientToken: 'req-1',
  launchType: 'FARGATE',
  platformVersion: 'LATEST',
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
  overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
  group: 'chatops:migrate',
  ...over,
});

const taskEvents = () =>
  events.filter((e) => e['detail-type'] === 'ECS Task State Change' && !String(e.detail.group).startsWith('service:'));

describe('RunTask', () => {
  it('starts a PROVISIONING task with its group, startedBy and overrides; steps to RUNNING and STOPPED (exit 0), with their events', async () => {
    const res = await ecs.send(new RunTaskCommand(runInput()));
    expect(res.failures).toEqual([]);
    expect(res.tasks).toHaveLength(1);
    const task = res.tasks![0]!;
    expect(task).toMatchObject({
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
      taskDefinitionArn: tdArn,
      group: 'chatops:migrate',
      startedBy: 'ecs-chatops:req-1',
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
      containers: [expect.objectContaining({ name: 'web', lastStatus: 'PENDING' })],
    });
    expect(task.taskArn).toMatch(new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/[0-9a-f]{32}$`));
    expect(task.createdAt).toBeInstanceOf(Date);
    expect(task.attachments![0]!.details).toContainEqual({ name: 'subnetId', value: 'subnet-a' });
    expect(world.ecs.runTaskInputs).toEqual([runInput()]);
    expect(taskEvents()).toEqual([]);

    world.ecs.step();
    expect(world.ecs.runTask(task.taskArn!).lastStatus).toBe('PENDING');
    world.ecs.step();
    const running = (await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [task.taskArn!] }))).tasks![0]!;
    expect(running).toMatchObject({ lastStatus: 'RUNNING', containers: [expect.objectContaining({ lastStatus: 'RUNNING' })] });
    expect(running.startedAt).toBeInstanceOf(Date);
    expect(taskEvents().map((e) => e.detail.lastStatus)).toEqual(['RUNNING']);
    // Listed by its startedBy among the cluster's running tasks; a service's list is its own.
    const byStarter = await ecs.send(new ListTasksCommand({ cluster: 'prod', startedBy: 'ecs-chatops:req-1' }));
    expect(byStarter.taskArns).toEqual([task.taskArn]);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod' }))).taskArns).toHaveLength(3);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'web-prod' }))).taskArns).toHaveLength(2);

    world.ecs.settle();
    const stopped = world.ecs.runTask(task.taskArn!);
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [expect.objectContaining({ lastStatus: 'STOPPED', exitCode: 0 })],
    });
    const [, end] = taskEvents();
    expect(end!.detail).toMatchObject({
      taskArn: task.taskArn,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
      group: 'chatops:migrate',
      startedBy: 'ecs-chatops:req-1',
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [expect.objectContaining({ name: 'web', exitCode: 0, lastStatus: 'STOPPED' })],
      overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
    });
    expect(typeof end!.detail.stoppedAt).toBe('string');
    expect(Number(end!.detail.version)).toBeGreaterThan(Number(taskEvents()[0]!.detail.version));
    expect((await ecs.send(new ListTasksCommand({ cluster: 'prod', startedBy: 'ecs-chatops:req-1' }))).taskArns).toEqual([]);
    expect(
      (await ecs.send(new ListTasksCommand({ cluster: 'prod', startedBy: 'ecs-chatops:req-1', desiredStatus: 'STOPPED' }))).taskArns,
    ).toEqual([task.taskArn]);
    // The service did not move.
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web-prod'] }));
    expect(services![0]).toMatchObject({ runningCount: 2, desiredCount: 2 });
  });

  it('the same client token and parameters answer the same task and start nothing; other parameters are a ConflictException', async () => {
    const first = await ecs.send(new RunTaskCommand(runInput()));
    const again = await ecs.send(new RunTaskCommand(runInput()));
    expect(again.tasks!.map((t) => t.taskArn)).toEqual(first.tasks!.map((t) => t.taskArn));
    expect(world.ecs.runTasks()).toHaveLength(1);
    const other = ecs.send(
      new RunTaskCommand(runInput({ overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'seed'] }] } })),
    );
    await expect(other).rejects.toBeInstanceOf(ConflictException);
    await expect(other).rejects.toMatchObject({ resourceIds: [first.tasks![0]!.taskArn] });
    // The token is per cluster, and another token starts another task.
    await ecs.send(new RunTaskCommand(runInput({ clientToken: 'req-2', startedBy: 'ecs-chatops:req-2' })));
    expect(world.ecs.runTasks('prod')).toHaveLength(2);
    expect(world.ecs.runTaskInputs).toHaveLength(4);
  });

  it('refuses as ECS does: an unknown cluster or task definition, a container the task definition lacks, no network, launch type and strategy', async () => {
    await expect(ecs.send(new RunTaskCommand(runInput({ cluster: 'payments' })))).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(
      ecs.send(new RunTaskCommand(runInput({ taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/nope:1` }))),
    ).rejects.toBeInstanceOf(ClientException);
    await expect(
      ecs.send(new RunTaskCommand(runInput({ overrides: { containerOverrides: [{ name: 'migrator', command: ['x'] }] } }))),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Override for container named migrator is not a container in the TaskDefinition.',
    });
    await expect(ecs.send(new RunTaskCommand(runInput({ networkConfiguration: undefined })))).rejects.toThrow(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
    await expect(
      ecs.send(new RunTaskCommand(runInput({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }))),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(ecs.send(new RunTaskCommand(runInput({ launchType: undefined })))).rejects.toThrow(
      'No Container Instances were found in your cluster.',
    );
    expect(world.ecs.runTasks()).toEqual([]);
    expect(world.ecs.runTaskInputs).toHaveLength(6);
    expect(taskEvents()).toEqual([]);
  });

  it('a capacity provider strategy (copied from the service) runs on that provider', async () => {
    const res = await ecs.send(
      new RunTaskCommand(
        runInput({
          launchType: undefined,
          capacityProviderStrategy: [
            { capacityProvider: 'FARGATE', weight: 0, base: 0 },
            { capacityProvider: 'FARGATE_SPOT', weight: 1 },
          ],
        }),
      ),
    );
    expect(res.tasks![0]).toMatchObject({ capacityProviderName: 'FARGATE_SPOT', launchType: 'FARGATE' });
  });

  it("a run task's tags are described only with include TAGS", async () => {
    const { tasks } = await ecs.send(new RunTaskCommand(runInput({ tags: [{ key: 'chatops:request', value: 'req-1' }] })));
    const arn = tasks![0]!.taskArn!;
    expect((await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [arn] }))).tasks![0]!.tags).toBeUndefined();
    expect((await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [arn], include: ['TAGS'] }))).tasks![0]!.tags).toEqual([
      { key: 'chatops:request', value: 'req-1' },
    ]);
  });
});

describe('scripted outcomes', () => {
  it('a failing run: its exit code, container reason and last log lines in its stream (<prefix>/<container>/<task id>)', async () => {
    world.ecs.scriptRun({ exitCode: 3, runSteps: 2, logLines: ['migrating 0042_orders', 'Error: relation "orders" already exists'] });
    const { tasks } = await ecs.send(new RunTaskCommand(runInput()));
    const arn = tasks![0]!.taskArn!;
    world.ecs.step(); // PENDING
    world.ecs.step(); // RUNNING
    world.ecs.step(); // still running (2 steps)
    expect(world.ecs.runTask(arn).lastStatus).toBe('RUNNING');
    world.ecs.step();
    const t = world.ecs.runTask(arn);
    expect(t).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [expect.objectContaining({ exitCode: 3 })],
    });
    const where = world.ecs.logStreamOf(arn)!;
    expect(where).toEqual({ group: '/ecs/web-prod', stream: `ecs/web/${arn.split('/').pop()}` });
    const got = await logs.send(
      new GetLogEventsCommand({ logGroupName: where.group, logStreamName: where.stream, startFromHead: false, limit: 2 }),
    );
    expect(got.events!.map((e) => e.message)).toEqual(['migrating 0042_orders', 'Error: relation "orders" already exists']);
    expect(taskEvents().at(-1)!.detail.containers).toEqual([expect.objectContaining({ exitCode: 3 })]);
  });

  it('a task that fails to start: TaskFailedToStart with its reason, no exit code, no RUNNING event', async () => {
    world.ecs.scriptRun({ startFailure: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)' });
    const { tasks } = await ecs.send(new RunTaskCommand(runInput()));
    world.ecs.settle();
    const t = world.ecs.runTask(tasks![0]!.taskArn!);
    expect(t).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
    });
    expect(t.containers![0]!.exitCode).toBeUndefined();
    expect(taskEvents().map((e) => [e.detail.lastStatus, e.detail.stopCode])).toEqual([['STOPPED', 'TaskFailedToStart']]);
  });

  it('no capacity: RunTask answers `failures` and starts nothing; the token stays free, the next call runs', async () => {
    world.ecs.scriptRun({
      capacityFailure: { reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' },
    });
    const res = await ecs.send(new RunTaskCommand(runInput()));
    expect(res.tasks).toEqual([]);
    expect(res.failures).toEqual([
      { reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' },
    ]);
    expect(world.ecs.runTasks()).toEqual([]);
    const retry = await ecs.send(new RunTaskCommand(runInput()));
    expect(retry.tasks).toHaveLength(1);
  });

  it('exitRun ends a run task now, starting it first when it has not', async () => {
    const { tasks } = await ecs.send(new RunTaskCommand(runInput()));
    const t = world.ecs.exitRun(tasks![0]!.taskArn!, {
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    expect(t.containers![0]).toMatchObject({ exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' });
    expect(taskEvents().map((e) => e.detail.lastStatus)).toEqual(['RUNNING', 'STOPPED']);
    expect(() => world.ecs.exitRun(tasks![0]!.taskArn!)).toThrow('already STOPPED');
  });
});

describe('StopTask', () => {
  it('a run task that would run on: desiredStatus STOPPED now (UserInitiated, the reason), STOPPED at the next step (exit 143)', async () => {
    world.ecs.scriptRun({ runSteps: Infinity });
    const { tasks } = await ecs.send(new RunTaskCommand(runInput()));
    const arn = tasks![0]!.taskArn!;
    world.ecs.settle();
    expect(world.ecs.runTask(arn).lastStatus).toBe('RUNNING');
    const { task } = await ecs.send(new StopTaskCommand({ cluster: 'prod', task: arn, reason: 'ecs-chatops: run timed out after 30m' }));
    expect(task).toMatchObject({
      taskArn: arn,
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'ecs-chatops: run timed out after 30m',
    });
    expect(taskEvents().map((e) => [e.detail.lastStatus, e.detail.desiredStatus])).toEqual([
      ['RUNNING', 'RUNNING'],
      ['RUNNING', 'STOPPED'],
    ]);
    world.ecs.step();
    expect(world.ecs.runTask(arn)).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'ecs-chatops: run timed out after 30m',
      containers: [expect.objectContaining({ exitCode: 143 })],
    });
    expect(taskEvents().at(-1)!.detail).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated' });
    // Stopping it again answers it as it is.
    const again = await ecs.send(new StopTaskCommand({ cluster: 'prod', task: arn }));
    expect(again.task).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: 'ecs-chatops: run timed out after 30m' });
    expect(taskEvents()).toHaveLength(3);
  });

  it('an unknown task is an InvalidParameterException; an unknown cluster a ClusterNotFoundException', async () => {
    await expect(ecs.send(new StopTaskCommand({ cluster: 'prod', task: 'f'.repeat(32) }))).rejects.toThrow(
      'The referenced task was not found.',
    );
    await expect(ecs.send(new StopTaskCommand({ cluster: 'payments', task: 'f'.repeat(32) }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
  });

  it("a service's task stops at once (UserInitiated) and the scheduler replaces it", async () => {
    const victim = world.ecs.tasks('prod', 'web-prod', 'RUNNING')[0]!;
    const { task } = await ecs.send(new StopTaskCommand({ cluster: 'prod', task: victim.taskArn! }));
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' });
    world.ecs.settle();
    expect(world.ecs.tasks('prod', 'web-prod', 'RUNNING')).toHaveLength(2);
  });
});
