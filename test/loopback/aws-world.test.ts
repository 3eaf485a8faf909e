/**
 * The fake AWS world (src/loopback/aws/world) behind the loopback endpoint, read with the real SDK
 * clients: a deploy's lifecycle in ECS (new revision, deployment, tasks, events, ECS's own
 * history, circuit-breaker rollback), ECR images and scans, container logs, cost, autoscaling.
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CostExplorerClient, GetCostAndUsageCommand, GetCostForecastCommand } from '@aws-sdk/client-cost-explorer';
import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  ScanNotFoundException,
} from '@aws-sdk/client-ecr';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { AwsWorld, type EcsEventEnvelope } from '../../src/loopback/aws/world';
import { matchesPattern } from '../../src/loopback/aws/world/logs';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };
const saved = { ...process.env };

let aws: AwsEndpoint;
let world: AwsWorld;
let events: EcsEventEnvelope[];
let ecs: ECSClient;

beforeAll(async () => {
  aws = await startAwsEndpoint();
  Object.assign(process.env, aws.env(), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  ecs = new ECSClient({ region: REGION, credentials, maxAttempts: 1 });
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
  world.addFargateService({
    cluster: 'prod',
    name: 'web-prod',
    container: 'web',
    repository: 'shop/web',
    tag: 'v1',
    desiredCount: 2,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/web-task`,
    tags: [{ key: 'team', value: 'shop' }],
  });
});

describe('ECS', () => {
  it('a service at rest: one COMPLETED deployment, its tasks running with the ECR digest, in ECS history', async () => {
    const { services, failures } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web-prod', 'nope'] }));
    expect(failures).toEqual([{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/nope`, reason: 'MISSING' }]);
    const s = services![0]!;
    expect(s).toMatchObject({
      serviceName: 'web-prod',
      desiredCount: 2,
      runningCount: 2,
      taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web-prod:1`,
    });
    expect(s.deployments).toHaveLength(1);
    expect(s.deployments![0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 2 });
    expect(s.deployments![0]!.createdAt).toBeInstanceOf(Date);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'web-prod', desiredStatus: 'RUNNING' }));
    expect(taskArns).toHaveLength(2);
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: taskArns! }));
    expect(tasks![0]!.containers![0]!.imageDigest).toBe(world.ecr.digestOf(`${world.ecr.registry}/shop/web:v1`));
    const history = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'web-prod' }));
    expect(history.serviceDeployments).toHaveLength(1);
    expect(history.serviceDeployments![0]!.status).toBe('SUCCESSFUL');
  });

  it('register, update, roll out: deployment events, task events, history with source and target revisions', async () => {
    const { taskDefinition: current, tags } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'web-prod', include: ['TAGS'] }),
    );
    expect(tags).toEqual([{ key: 'team', value: 'shop' }]);
    const reg = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web-prod',
        taskRoleArn: current!.taskRoleArn,
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ ...current!.containerDefinitions![0]!, image: `${world.ecr.registry}/shop/web:v2` }],
        tags,
      }),
    );
    expect(reg.taskDefinition!.revision).toBe(2);
    const upd = await ecs.send(
      new UpdateServiceCommand({ cluster: 'prod', service: 'web-prod', taskDefinition: reg.taskDefinition!.taskDefinitionArn }),
    );
    const primary = upd.service!.deployments!.find((d) => d.status === 'PRIMARY')!;
    expect(primary).toMatchObject({ rolloutState: 'IN_PROGRESS', runningCount: 0 });
    expect(upd.service!.deployments!.find((d) => d.status === 'ACTIVE')!.runningCount).toBe(2);
    expect(events.map((e) => e.detail.eventName)).toEqual(['SERVICE_DEPLOYMENT_IN_PROGRESS']);

    world.ecs.complete('prod', 'web-prod');
    const kinds = events.map((e) =>
      e['detail-type'] === 'ECS Task State Change' ? `task ${e.detail.lastStatus}` : String(e.detail.eventName),
    );
    expect(kinds).toEqual([
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      'task RUNNING',
      'task RUNNING',
      'task STOPPED',
      'task STOPPED',
      'SERVICE_DEPLOYMENT_COMPLETED',
      'SERVICE_STEADY_STATE',
    ]);
    const after = world.ecs.service('prod', 'web-prod');
    expect(after.deployments).toHaveLength(1);
    expect(after.deployments![0]).toMatchObject({ id: primary.id, rolloutState: 'COMPLETED', runningCount: 2 });

    const briefs = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'web-prod' }))).serviceDeployments!;
    expect(briefs.map((b) => b.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    const [sd] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [briefs[0]!.serviceDeploymentArn!] })))
      .serviceDeployments!;
    const revs = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [sd!.targetServiceRevision!.arn!, sd!.sourceServiceRevisions![0]!.arn!] }),
    );
    expect(revs.serviceRevisions!.map((r) => r.taskDefinition!.split('/').pop())).toEqual(['web-prod:2', 'web-prod:1']);
    const stopped = await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'web-prod', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toHaveLength(2);
  });

  it('the circuit breaker fails a rollout and rolls back; the failed containers logged their last lines', async () => {
    const td2 = world.ecs.addTaskDefinition({
      ...world.ecs.taskDefinition(world.ecs.service('prod', 'web-prod').taskDefinition!)!,
      family: 'web-prod',
      revision: undefined,
      taskDefinitionArn: undefined,
    });
    await ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web-prod', taskDefinition: td2 }));
    world.ecs.step('prod', 'web-prod');
    const rollbackId = world.ecs.failRollout('prod', 'web-prod', { logLines: ['Error: cannot connect to db'] });
    const s = world.ecs.service('prod', 'web-prod');
    expect(s.deployments!.map((d) => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'IN_PROGRESS'],
      ['ACTIVE', 'FAILED'],
    ]);
    expect(s.deployments![0]!.id).toBe(rollbackId);
    expect(s.taskDefinition).toMatch(/web-prod:1$/);
    const failed = events.find((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_FAILED');
    expect(failed?.detail.reason).toContain('circuit breaker');
    const crashed = events.find((e) => e.detail.lastStatus === 'STOPPED' && e.detail.stopCode === 'EssentialContainerExited')!;
    const taskId = String(crashed.detail.taskArn).split('/').pop();
    const logs = new CloudWatchLogsClient({ region: REGION, credentials, maxAttempts: 1 });
    const got = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/web-prod', logStreamName: `ecs/web/${taskId}`, startFromHead: false, limit: 2 }),
    );
    expect(got.events!.map((e) => e.message)).toEqual(['web ready', 'Error: cannot connect to db']);
    world.ecs.complete('prod', 'web-prod');
    const briefs = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'web-prod' }))).serviceDeployments!;
    expect(briefs[0]!.status).toBe('ROLLBACK_SUCCESSFUL');
  });

  it('StopServiceDeployment with ROLLBACK rolls back the deployment in progress', async () => {
    const td2 = world.ecs.addTaskDefinition({
      ...world.ecs.taskDefinition(world.ecs.service('prod', 'web-prod').taskDefinition!)!,
      family: 'web-prod',
      revision: undefined,
      taskDefinitionArn: undefined,
    });
    const upd = await ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web-prod', taskDefinition: td2 }));
    await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: upd.service!.currentServiceDeployment!, stopType: 'ROLLBACK' }),
    );
    expect(world.ecs.service('prod', 'web-prod').taskDefinition).toMatch(/web-prod:1$/);
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: upd.service!.currentServiceDeployment!, stopType: 'ROLLBACK' })),
    ).rejects.toMatchObject({
      name: 'ConflictException',
    });
  });

  it('scaling starts and stops tasks without a new deployment', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web-prod', desiredCount: 3 }));
    world.ecs.settle();
    expect(world.ecs.service('prod', 'web-prod')).toMatchObject({ desiredCount: 3, runningCount: 3 });
    expect(world.ecs.service('prod', 'web-prod').deployments).toHaveLength(1);
    await ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web-prod', desiredCount: 1 }));
    world.ecs.settle();
    expect(world.ecs.tasks('prod', 'web-prod', 'RUNNING')).toHaveLength(1);
  });

  it('a crashed task: its exit code and container reason in DescribeTasks and its event; the scheduler replaces it', async () => {
    const crashed = world.ecs.crashTask('prod', 'web-prod', {
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [crashed.taskArn!] }));
    expect(tasks![0]).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' });
    expect(tasks![0]!.containers![0]).toMatchObject({ exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' });
    expect(events.at(-1)!.detail).toMatchObject({
      lastStatus: 'STOPPED',
      containers: [expect.objectContaining({ reason: expect.stringMatching(/^OutOfMemoryError/) })],
    });
    world.ecs.settle();
    expect(world.ecs.tasks('prod', 'web-prod', 'RUNNING')).toHaveLength(2);
  });
});

describe('ECR', () => {
  it('images by tag, scan findings, BatchGetImage failures; a never-scanned image has no scan', async () => {
    world.ecr.push('shop/web', { tags: ['v2'], findings: { CRITICAL: 2, HIGH: 1 } });
    const ecr = new ECRClient({ region: REGION, credentials, maxAttempts: 1 });
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v2' }] }));
    expect(imageDetails![0]!.imageScanFindingsSummary!.findingSeverityCounts).toEqual({ CRITICAL: 2, HIGH: 1 });
    const scan = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'shop/web', imageId: { imageTag: 'v2' } }));
    expect(scan.imageScanStatus!.status).toBe('COMPLETE');
    await expect(
      ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'shop/web', imageId: { imageTag: 'v1' } })),
    ).rejects.toBeInstanceOf(ScanNotFoundException);
    const batch = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v2' }, { imageTag: 'v9' }] }),
    );
    expect(batch.images).toHaveLength(1);
    expect(batch.failures).toEqual([
      { imageId: { imageTag: 'v9' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
    ]);
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'nope' }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
  });
});

describe('ECR registry scanning', () => {
  it('GetRegistryScanningConfiguration: BASIC with no rules by default; ENHANCED when set, with its statuses on images', async () => {
    const ecr = new ECRClient({ region: REGION, credentials, maxAttempts: 1 });
    expect(await ecr.send(new GetRegistryScanningConfigurationCommand({}))).toMatchObject({
      registryId: ACCOUNT,
      scanningConfiguration: { scanType: 'BASIC', rules: [] },
    });
    world.ecr.setScanning('ENHANCED');
    expect(await ecr.send(new GetRegistryScanningConfigurationCommand({}))).toMatchObject({
      registryId: ACCOUNT,
      scanningConfiguration: {
        scanType: 'ENHANCED',
        rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
      },
    });
    world.ecr.push('shop/web', { tags: ['v3'], scanStatus: 'ACTIVE', findings: { HIGH: 2 } });
    world.ecr.push('shop/web', { tags: ['v4'], scanStatus: 'SCAN_ELIGIBILITY_EXPIRED' });
    const { imageDetails } = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v3' }, { imageTag: 'v4' }] }),
    );
    expect(imageDetails![0]).toMatchObject({
      imageScanStatus: { status: 'ACTIVE' },
      imageScanFindingsSummary: { findingSeverityCounts: { HIGH: 2 } },
    });
    expect(imageDetails![1]!.imageScanStatus!.status).toBe('SCAN_ELIGIBILITY_EXPIRED');
    expect(imageDetails![1]!.imageScanFindingsSummary).toBeUndefined();
  });
});

describe('CloudWatch Logs', () => {
  it('FilterLogEvents by stream prefix and pattern, newest first; a missing group is ResourceNotFoundException', async () => {
    world.logs.put('/ecs/web-prod', 'ecs/web/abc', [
      { message: 'GET /health 200', timestamp: 1_000 },
      { message: 'ERROR timeout talking to db', timestamp: 2_000 },
      { message: 'GET /cart 500', timestamp: 3_000 },
    ]);
    const logs = new CloudWatchLogsClient({ region: REGION, credentials, maxAttempts: 1 });
    const res = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/ecs/web-prod',
        logStreamNamePrefix: 'ecs/web/',
        startTime: 0,
        endTime: 10_000,
        filterPattern: '?ERROR ?500',
        startFromHead: false,
      } as never),
    );
    expect(res.events!.map((e) => e.message)).toEqual(['GET /cart 500', 'ERROR timeout talking to db']);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(matchesPattern('"timeout talking" -health', 'ERROR timeout talking to db')).toBe(true);
    expect(matchesPattern('"timeout talking" -db', 'ERROR timeout talking to db')).toBe(false);
  });
});

describe('Cost Explorer and Application Auto Scaling', () => {
  it('daily ECS cost by service tag, from the services’ tasks; a forecast from the last two weeks', async () => {
    const ce = new CostExplorerClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const res = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: day(-3), End: day(-1) },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        Filter: {
          And: [
            { Dimensions: { Key: 'SERVICE', Values: ['Amazon Elastic Container Service'] } },
            { Dimensions: { Key: 'REGION', Values: [REGION] } },
          ],
        },
        GroupBy: [
          { Type: 'TAG', Key: 'aws:ecs:clusterName' },
          { Type: 'TAG', Key: 'aws:ecs:serviceName' },
        ],
      }),
    );
    expect(res.ResultsByTime).toHaveLength(2);
    const g = res.ResultsByTime![0]!.Groups![0]!;
    expect(g.Keys).toEqual(['aws:ecs:clusterName$prod', 'aws:ecs:serviceName$web-prod']);
    // 2 tasks × (0.5 vCPU × 0.04048 + 1 GB × 0.004445) × 24 h
    expect(Number(g.Metrics!.UnblendedCost!.Amount)).toBeCloseTo(2 * (0.5 * 0.04048 + 0.004445) * 24, 6);
    const f = await ce.send(
      new GetCostForecastCommand({ TimePeriod: { Start: day(0), End: day(2) }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' }),
    );
    expect(Number(f.Total!.Amount)).toBeGreaterThan(0);
  });

  it('scalable targets of ECS services', async () => {
    world.autoScaling.register('prod', 'web-prod', 2, 10);
    const aas = new ApplicationAutoScalingClient({ region: REGION, credentials, maxAttempts: 1 });
    const res = await aas.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        ResourceIds: ['service/prod/web-prod'],
        ScalableDimension: 'ecs:service:DesiredCount',
      }),
    );
    expect(res.ScalableTargets).toEqual([
      expect.objectContaining({ ResourceId: 'service/prod/web-prod', MinCapacity: 2, MaxCapacity: 10 }),
    ]);
  });
});
