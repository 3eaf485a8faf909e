/**
 * Documented AWS response shapes for the read-only verbs' tests (status, logs, cost, images):
 * ECS services, deployments, task definitions and tasks; ECR image details; CloudWatch Logs
 * events; Cost Explorer results. Values are realistic (ARN formats, stop codes, messages ECS
 * really writes), times are relative to a fixed NOW so snapshots are stable.
 */
import type { Deployment, Service, ServiceEvent, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { ResultByTime } from '@aws-sdk/client-cost-explorer';

/** 2025-05-17T12:00:00Z */
export const NOW = Date.UTC(2025, 4, 17, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const REGION = 'eu-west-1';
const ACCOUNT = '222222222222';
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export const digestOf = (seed: string): string =>
  'sha256:' + Buffer.from(seed.padEnd(32, '0')).toString('hex').slice(0, 64).padEnd(64, 'a');
/** A 32-hex task id whose first 8 characters (what answers show) differ per n. */
export const taskIdOf = (n: number): string => n.toString(16).padStart(8, '0') + 'f'.repeat(24);

function serviceArn(cluster: string, name: string): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${name}`;
}
export function taskDefArn(family: string, revision: number): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;
}
function taskArn(cluster: string, id: string): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/${id}`;
}

export function deployment(over: Partial<Deployment> & { id: string; taskDefinition: string }): Deployment {
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

export function service(o: ServiceOptions): Service {
  const cluster = o.cluster ?? 'prod';
  const td = taskDefArn(o.family ?? o.name, o.revision ?? 42);
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
      deployment({
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

export function taskDefinition(o: TaskDefOptions): TaskDefinition {
  const container = o.container ?? 'web';
  return {
    taskDefinitionArn: taskDefArn(o.family, o.revision),
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
