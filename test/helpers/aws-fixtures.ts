/**
 * AWS responses for the tests, in the documented shapes (as the SDK deserializes them: Dates for
 * timestamps), in one place. Factories return fresh objects.
 *
 * - For the change verbs: `taskDefinition(revision, over)`, `service(over)`, `deployment(over)`,
 *   `imageDetail`, `stoppedTask`, `serviceDeployment`, `serviceRevision`, `awsException`: one
 *   service (web-prod in cluster prod), overridable field by field.
 * - For the read-only verbs (status, logs, cost, images): `serviceWith(o)`, `taskDefinitionWith(o)`,
 *   `deploymentWith(o)`, `task`, `image`, `logEvent`, `dailyResults`, from a few options, with
 *   realistic values (ARN formats, stop codes, messages ECS really writes) relative to a fixed NOW.
 */
import type { Deployment, Service, ServiceDeployment, ServiceEvent, ServiceRevision, Task, TaskDefinition, Tag } from '@aws-sdk/client-ecs';
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { ResultByTime } from '@aws-sdk/client-cost-explorer';
import type { DeployPlan } from '../../src/deploy/plan';

export const ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
const CLUSTER = 'prod';
const SERVICE = 'web-prod';
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
export const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${SERVICE}`;
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
export const DIGEST = 'sha256:3f1c7e5a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e';
export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/web-task`;
export const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;

export const tdArn = (family: string, revision: number): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

/** What every change plan of prod/web carries: the service as planned at `madeAt`, 4 tasks of web-prod:42. */
export function planBase(madeAt: number) {
  return {
    environment: 'prod',
    alias: 'web',
    region: REGION,
    cluster: CLUSTER,
    serviceName: SERVICE,
    serviceArn: SERVICE_ARN,
    currentTaskDefinition: tdArn(SERVICE, 42),
    desiredCount: 4,
    madeAt,
  };
}

/** A deploy of web to `v1.2.3` (pinned to DIGEST, pushed 2 hours before `madeAt`) from `v1.2.2`. */
export function deployPlanAt(madeAt: number): DeployPlan {
  return {
    verb: 'deploy',
    ...planBase(madeAt),
    container: 'web',
    repository: 'shop/web',
    tag: 'v1.2.3',
    digest: DIGEST,
    image: `${REGISTRY}/shop/web@${DIGEST}`,
    previousImage: `${REGISTRY}/shop/web:v1.2.2`,
    imagePushedAt: madeAt - 2 * 3600_000,
  };
}

/** A task definition exactly as DescribeTaskDefinition returns it, read-only fields included. */
export function taskDefinition(revision = 42, over: Partial<TaskDefinition> = {}, image = `${REGISTRY}/shop/web:v1.2.2`): TaskDefinition {
  return {
    taskDefinitionArn: tdArn('web-prod', revision),
    family: 'web-prod',
    revision,
    taskRoleArn: TASK_ROLE,
    executionRoleArn: EXEC_ROLE,
    networkMode: 'awsvpc',
    status: 'ACTIVE',
    containerDefinitions: [
      {
        name: 'web',
        image,
        cpu: 0,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'http', appProtocol: 'http' }],
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'DB_PASSWORD', value: 'hunter2' },
        ],
        secrets: [{ name: 'API_TOKEN', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token` }],
        mountPoints: [],
        volumesFrom: [],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web-prod', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'ecs' },
        },
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: 30, timeout: 5, retries: 3 },
        systemControls: [],
      },
      {
        name: 'datadog-agent',
        image: 'public.ecr.aws/datadog/agent:7',
        cpu: 0,
        essential: false,
        environment: [{ name: 'DD_SITE', value: 'datadoghq.eu' }],
        mountPoints: [],
        volumesFrom: [],
        portMappings: [],
      },
    ],
    volumes: [],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [
      { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
      { name: 'ecs.capability.execution-role-awslogs' },
    ],
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    registeredAt: new Date('2025-11-20T10:00:00Z'),
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`,
    ...over,
  };
}

export const TAGS: Tag[] = [
  { key: 'team', value: 'shop' },
  { key: 'cost-center', value: '42' },
];

export function deployment(over: Partial<Deployment> = {}): Deployment {
  return {
    id: 'ecs-svc/1111111111111111111',
    status: 'PRIMARY',
    taskDefinition: tdArn('web-prod', 42),
    desiredCount: 4,
    pendingCount: 0,
    runningCount: 4,
    failedTasks: 0,
    createdAt: new Date('2025-11-20T10:05:00Z'),
    updatedAt: new Date('2025-11-20T10:09:00Z'),
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/1111111111111111111 completed.',
    ...over,
  };
}

/** A service as DescribeServices / UpdateService return it. */
export function service(over: Partial<Service> = {}): Service {
  const deployments = over.deployments ?? [deployment()];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  return {
    serviceArn: SERVICE_ARN,
    serviceName: SERVICE,
    clusterArn: CLUSTER_ARN,
    status: 'ACTIVE',
    desiredCount: primary?.desiredCount ?? 4,
    runningCount: primary?.runningCount ?? 4,
    pendingCount: 0,
    launchType: 'FARGATE',
    taskDefinition: primary?.taskDefinition ?? tdArn('web-prod', 42),
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deploymentController: { type: 'ECS' },
    currentServiceDeployment: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/${SERVICE}/abcDEF123`,
    events: [{ id: 'e1', createdAt: new Date('2025-11-20T10:09:00Z'), message: `(service ${SERVICE}) has reached a steady state.` }],
    createdAt: new Date('2025-01-01T00:00:00Z'),
    schedulingStrategy: 'REPLICA',
    ...over,
    deployments,
  };
}

/** ECR DescribeImages → imageDetails[0] for a tag. */
export function imageDetail(over: Partial<ImageDetail> = {}): ImageDetail {
  return {
    registryId: ACCOUNT,
    repositoryName: 'shop/web',
    imageDigest: DIGEST,
    imageTags: ['v1.2.3'],
    imageSizeInBytes: 98_765_432,
    imagePushedAt: new Date('2025-11-25T09:00:00Z'),
    imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
    imageScanFindingsSummary: { imageScanCompletedAt: new Date('2025-11-25T09:01:00Z'), findingSeverityCounts: { HIGH: 1, MEDIUM: 3 } },
    ...over,
  };
}

/** A stopped task as DescribeTasks returns it. */
export function stoppedTask(id: string, over: Partial<Task> = {}, exitCode = 1): Task {
  return {
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${id}`,
    clusterArn: CLUSTER_ARN,
    taskDefinitionArn: tdArn('web-prod', 43),
    group: `service:${SERVICE}`,
    startedBy: 'ecs-svc/2222222222222222222',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    launchType: 'FARGATE',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    createdAt: new Date('2025-11-25T10:00:10Z'),
    startedAt: new Date('2025-11-25T10:00:40Z'),
    stoppingAt: new Date('2025-11-25T10:01:00Z'),
    stoppedAt: new Date('2025-11-25T10:01:05Z'),
    containers: [
      { name: 'web', exitCode, reason: undefined, lastStatus: 'STOPPED', image: `${REGISTRY}/shop/web@${DIGEST}` },
      { name: 'datadog-agent', exitCode: 0, lastStatus: 'STOPPED' },
    ],
    ...over,
  };
}

export function serviceDeployment(id: string, target: string, sources: string[], over: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/${SERVICE}/${id}`,
    serviceArn: SERVICE_ARN,
    clusterArn: CLUSTER_ARN,
    createdAt: new Date('2025-11-20T10:05:00Z'),
    startedAt: new Date('2025-11-20T10:05:01Z'),
    finishedAt: new Date('2025-11-20T10:09:00Z'),
    targetServiceRevision: { arn: target, requestedTaskCount: 4, runningTaskCount: 4, pendingTaskCount: 0 },
    sourceServiceRevisions: sources.map((arn) => ({ arn, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 })),
    status: 'SUCCESSFUL',
    deploymentCircuitBreaker: { status: 'MONITORING_COMPLETE', failureCount: 0, threshold: 3 },
    ...over,
  };
}

export const revisionArn = (n: string): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${CLUSTER}/${SERVICE}/${n}`;

export function serviceRevision(id: string, taskDefinitionArn: string): ServiceRevision {
  return {
    serviceRevisionArn: revisionArn(id),
    serviceArn: SERVICE_ARN,
    clusterArn: CLUSTER_ARN,
    taskDefinition: taskDefinitionArn,
    launchType: 'FARGATE',
    createdAt: new Date('2025-11-20T10:05:00Z'),
  };
}

/** An AWS SDK service exception as the SDK throws it (name, $fault, $metadata). */
export function awsException(name: string, message: string, fault: 'client' | 'server' = 'client', status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
  });
}

/* ---- The read-only verbs' fixtures ---- */

/** 2025-05-17T12:00:00Z: the read-only verbs' fixtures are relative to it, so snapshots are stable. */
export const NOW = Date.UTC(2025, 4, 17, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const digestOf = (seed: string): string =>
  'sha256:' + Buffer.from(seed.padEnd(32, '0')).toString('hex').slice(0, 64).padEnd(64, 'a');
/** A 32-hex task id whose first 8 characters (what answers show) differ per n. */
export const taskIdOf = (n: number): string => n.toString(16).padStart(8, '0') + 'f'.repeat(24);

function serviceArn(cluster: string, name: string): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${name}`;
}
function taskArn(cluster: string, id: string): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/${id}`;
}

export function deploymentWith(over: Partial<Deployment> & { id: string; taskDefinition: string }): Deployment {
  return {
    status: 'PRIMARY',
    desiredCount: 3,
    runningCount: 3,
    pendingCount: 0,
    failedTasks: 0,
    createdAt: new Date(NOW - 2 * DAY),
    updatedAt: new Date(NOW - 2 * DAY + 5 * MIN),
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/1111111111111111111 completed.',
    ...over,
  };
}

export function serviceEvent(minutesAgo: number, message: string, id = `e-${minutesAgo}-${message.length}`): ServiceEvent {
  return { id, createdAt: new Date(NOW - minutesAgo * MIN), message };
}

interface ServiceOptions {
  cluster?: string;
  name: string;
  family?: string;
  revision?: number;
  desired?: number;
  running?: number;
  pending?: number;
  deployments?: Deployment[];
  events?: ServiceEvent[];
  circuitBreaker?: { enable: boolean; rollback: boolean };
  status?: string;
}

export function serviceWith(o: ServiceOptions): Service {
  const cluster = o.cluster ?? 'prod';
  const td = tdArn(o.family ?? o.name, o.revision ?? 42);
  const desired = o.desired ?? 3;
  const running = o.running ?? desired;
  return {
    serviceArn: serviceArn(cluster, o.name),
    serviceName: o.name,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`,
    status: o.status ?? 'ACTIVE',
    desiredCount: desired,
    runningCount: running,
    pendingCount: o.pending ?? 0,
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    taskDefinition: td,
    deploymentConfiguration: {
      deploymentCircuitBreaker: o.circuitBreaker ?? { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deployments: o.deployments ?? [
      deploymentWith({
        id: 'ecs-svc/1111111111111111111',
        taskDefinition: td,
        desiredCount: desired,
        runningCount: running,
        pendingCount: o.pending ?? 0,
      }),
    ],
    events: o.events ?? [serviceEvent(10, `(service ${o.name}) has reached a steady state.`)],
    createdAt: new Date(NOW - 90 * DAY),
    deploymentController: { type: 'ECS' },
    enableECSManagedTags: true,
    propagateTags: 'SERVICE',
    schedulingStrategy: 'REPLICA',
  };
}

interface TaskDefOptions {
  family: string;
  revision: number;
  container?: string;
  image: string;
  cpu?: string;
  memory?: string;
  arch?: 'X86_64' | 'ARM64';
  logDriver?: string;
  logOptions?: Record<string, string>;
  extraContainers?: string[];
}

export function taskDefinitionWith(o: TaskDefOptions): TaskDefinition {
  const container = o.container ?? 'web';
  return {
    taskDefinitionArn: tdArn(o.family, o.revision),
    family: o.family,
    revision: o.revision,
    status: 'ACTIVE',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    cpu: o.cpu ?? '512',
    memory: o.memory ?? '1024',
    runtimePlatform: { cpuArchitecture: o.arch ?? 'X86_64', operatingSystemFamily: 'LINUX' },
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    containerDefinitions: [
      {
        name: container,
        image: o.image,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: {
          logDriver: (o.logDriver ?? 'awslogs') as 'awslogs',
          options: o.logOptions ?? { 'awslogs-group': `/ecs/${o.family}`, 'awslogs-region': REGION, 'awslogs-stream-prefix': 'ecs' },
        },
      },
      ...(o.extraContainers ?? []).map((name) => ({
        name,
        image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0',
        essential: false,
      })),
    ],
    registeredAt: new Date(NOW - 3 * DAY),
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`,
  };
}

interface TaskOptions {
  cluster?: string;
  id: string;
  td: string;
  deploymentId?: string;
  container?: string;
  digest?: string;
  stopped?: { minutesAgo: number; stopCode: string; reason: string; exitCode?: number; containerReason?: string };
}

export function task(o: TaskOptions): Task {
  const cluster = o.cluster ?? 'prod';
  const arn = taskArn(cluster, o.id);
  const container = o.container ?? 'web';
  const base: Task = {
    taskArn: arn,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`,
    taskDefinitionArn: o.td,
    group: 'service:web-prod',
    startedBy: o.deploymentId ?? 'ecs-svc/1111111111111111111',
    launchType: 'FARGATE',
    cpu: '512',
    memory: '1024',
    createdAt: new Date(NOW - 2 * HOUR),
    startedAt: new Date(NOW - 2 * HOUR + MIN),
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'HEALTHY',
    containers: [
      {
        containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/${cluster}/${o.id}/c1`,
        taskArn: arn,
        name: container,
        image: `${REGISTRY}/shop/web:v1`,
        imageDigest: o.digest ?? digestOf('v1'),
        lastStatus: 'RUNNING',
        healthStatus: 'HEALTHY',
      },
    ],
  };
  if (o.stopped) {
    const at = new Date(NOW - o.stopped.minutesAgo * MIN);
    return {
      ...base,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      healthStatus: 'UNKNOWN',
      stopCode: o.stopped.stopCode as Task['stopCode'],
      stoppedReason: o.stopped.reason,
      stoppingAt: at,
      stoppedAt: at,
      executionStoppedAt: at,
      containers: base.containers!.map((c) => ({
        ...c,
        lastStatus: 'STOPPED',
        exitCode: o.stopped!.exitCode,
        reason: o.stopped!.containerReason,
      })),
    };
  }
  return base;
}

export function image(o: {
  tag: string | string[];
  digest?: string;
  pushedDaysAgo: number;
  sizeMb?: number;
  critical?: number;
  high?: number;
  scan?: 'COMPLETE' | 'IN_PROGRESS' | 'FAILED' | 'none';
}): ImageDetail {
  const tags = Array.isArray(o.tag) ? o.tag : [o.tag];
  const scanned = (o.scan ?? 'COMPLETE') === 'COMPLETE';
  const counts: Record<string, number> = {};
  if (o.critical) counts.CRITICAL = o.critical;
  if (o.high) counts.HIGH = o.high;
  if (scanned) counts.MEDIUM = 3;
  return {
    registryId: ACCOUNT,
    repositoryName: 'shop/web',
    imageDigest: o.digest ?? digestOf(tags[0]!),
    imageTags: tags,
    imageSizeInBytes: (o.sizeMb ?? 180) * 1024 * 1024,
    imagePushedAt: new Date(NOW - o.pushedDaysAgo * DAY),
    imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    ...(o.scan === 'none'
      ? {}
      : { imageScanStatus: { status: o.scan ?? 'COMPLETE', description: 'The scan was completed successfully.' } }),
    ...(scanned
      ? {
          imageScanFindingsSummary: {
            imageScanCompletedAt: new Date(NOW - o.pushedDaysAgo * DAY + MIN),
            vulnerabilitySourceUpdatedAt: new Date(NOW - 3 * DAY),
            findingSeverityCounts: counts,
          },
        }
      : {}),
  };
}

export function logEvent(t: number, message: string, stream = `ecs/web/${taskIdOf(1)}`): FilteredLogEvent {
  return { logStreamName: stream, timestamp: t, message, ingestionTime: t + 500, eventId: `${t}${message.length}`.padEnd(56, '0') };
}

/** One DAILY ResultByTime per day from `start` (inclusive) for `days` days. */
export function dailyResults(
  startIso: string,
  amounts: ReadonlyArray<number | Record<string, number>>,
  groupKey?: (k: string) => string[],
): ResultByTime[] {
  const start = Date.parse(startIso + 'T00:00:00Z');
  return amounts.map((a, i): ResultByTime => {
    const s = new Date(start + i * DAY).toISOString().slice(0, 10);
    const e = new Date(start + (i + 1) * DAY).toISOString().slice(0, 10);
    if (typeof a === 'number') {
      return {
        TimePeriod: { Start: s, End: e },
        Total: { UnblendedCost: { Amount: a.toFixed(10), Unit: 'USD' } },
        Groups: [],
        Estimated: true,
      };
    }
    return {
      TimePeriod: { Start: s, End: e },
      Total: {},
      Groups: Object.entries(a).map(([k, v]) => ({
        Keys: groupKey ? groupKey(k) : [k],
        Metrics: { UnblendedCost: { Amount: v.toFixed(10), Unit: 'USD' } },
      })),
      Estimated: true,
    };
  });
}

/** Characters of block text a message carries, block by block (what Slack counts). */
function blockTexts(msg: { blocks: unknown[] }): number[] {
  return msg.blocks.map((b) => {
    let n = 0;
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'text' && typeof x === 'string') n += x.length;
          else visit(x);
        }
      }
    };
    visit(b);
    return n;
  });
}

/**
 * Slack's limits, checked the way Slack checks them: at most 50 blocks, section text ≤ 3,000,
 * header ≤ 150, context ≤ 10 elements, and about 12,000 characters of block text in total (we
 * keep under 11,000). Returns the sizes for further assertions.
 */
export function expectWithinSlackLimits(msg: { text: string; blocks: unknown[] }): { blocks: number; total: number } {
  const blocks = msg.blocks as Array<{ type: string; text?: { text: string }; elements?: unknown[] }>;
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks) {
    if (b.type === 'section' && b.text) {
      expect(b.text.text.length).toBeGreaterThan(0);
      expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
    if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'context') expect(b.elements!.length).toBeLessThanOrEqual(10);
  }
  const total = blockTexts(msg).reduce((a, n) => a + n, 0);
  expect(total).toBeLessThanOrEqual(11_000);
  expect(msg.text.length).toBeLessThanOrEqual(3000);
  return { blocks: blocks.length, total };
}

/** `/ecs status web` in the middle of a rollout: a new revision starting, one task stopped (OOM), the old one steady, a lock by hand. */
export function webStatusInput() {
  const newTd = tdArn('web-prod', 43);
  const oldTd = tdArn('web-prod', 42);
  return {
    alias: 'web',
    environment: 'prod',
    cluster: 'prod',
    region: 'eu-west-1',
    container: 'web',
    service: serviceWith({
      name: 'web-prod',
      revision: 43,
      pending: 1,
      deployments: [
        deploymentWith({
          id: 'ecs-svc/2',
          taskDefinition: newTd,
          runningCount: 1,
          pendingCount: 1,
          failedTasks: 2,
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/2 in progress.',
          createdAt: new Date(NOW - 4 * MIN),
          updatedAt: new Date(NOW - MIN),
        }),
        deploymentWith({ id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: oldTd, desiredCount: 2, runningCount: 2 }),
      ],
      events: [
        serviceEvent(2, '(service web-prod) has started 1 tasks: (task abc).'),
        ...Array.from({ length: 4 }, (_, i) => serviceEvent(60 * (i + 1), '(service web-prod) has reached a steady state.', `s${i}`)),
      ],
    }),
    taskDefinitions: {
      [newTd]: taskDefinitionWith({ family: 'web-prod', revision: 43, image: `${REGISTRY}/shop/web:v1.4.3` }),
      [oldTd]: taskDefinitionWith({ family: 'web-prod', revision: 42, image: `${REGISTRY}/shop/web:v1.4.2` }),
    },
    tasks: [
      task({ id: taskIdOf(1), td: newTd, deploymentId: 'ecs-svc/2', digest: digestOf('v1.4.3') }),
      task({
        id: taskIdOf(9),
        td: newTd,
        deploymentId: 'ecs-svc/2',
        stopped: {
          minutesAgo: 3,
          stopCode: 'EssentialContainerExited',
          reason: 'Essential container in task exited',
          exitCode: 137,
          containerReason: 'OutOfMemoryError',
        },
      }),
    ],
    guards: { lock: { by: 'ULEAD1', since: NOW - 30 * MIN, reason: 'migration <!channel>', kind: 'manual' as const } },
    now: NOW,
  };
}
