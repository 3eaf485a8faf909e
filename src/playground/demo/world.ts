/**
 * The content of the playground's demo AWS world, as data: two clusters, their services with task
 * definitions, deployments, service events and recently stopped tasks; ECR tags with scan results;
 * CloudWatch log lines; Cost Explorer-style daily costs. Times are relative ("minutes ago") so the
 * world is always recent. The AWS-compatible endpoint on loopback (src/loopback/aws/) serves it
 * through the bot's own adapters; nothing here knows about HTTP or the SDK.
 */
import { createHash } from 'node:crypto';

export interface DemoCluster {
  name: string;
  accountId: string;
  region: string;
  /** chatops.yml environment this cluster is. */
  environment: string;
}

export interface DemoContainer {
  name: string;
  /** Repository name (ECR, in the cluster's account and region) and tag. */
  repository: string;
  tag: string;
  cpu: number;
  memory: number;
  port?: number;
  essential: boolean;
  logGroup: string;
  /** awslogs-stream-prefix: streams are <prefix>/<container>/<task id>. */
  streamPrefix: string;
  environment?: Record<string, string>;
}

export interface DemoTaskDefinition {
  family: string;
  revision: number;
  cpu: string;
  memory: string;
  taskRoleArn?: string;
  executionRoleArn: string;
  containers: DemoContainer[];
  registeredMinutesAgo: number;
}

export interface DemoDeployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinitionRevision: number;
  rolloutState: 'COMPLETED' | 'IN_PROGRESS' | 'FAILED';
  rolloutStateReason?: string;
  createdMinutesAgo: number;
  updatedMinutesAgo: number;
  /** Who started it: ecs-chatops records this in the deployment's tags; a console change has none. */
  startedBy?: string;
}

export interface DemoStoppedTask {
  taskId: string;
  taskDefinitionRevision: number;
  stoppedMinutesAgo: number;
  stopCode: 'EssentialContainerExited' | 'TaskFailedToStart' | 'ServiceSchedulerInitiated' | 'UserInitiated';
  stoppedReason: string;
  container: string;
  exitCode?: number;
  containerReason?: string;
}

export interface DemoService {
  cluster: string;
  name: string;
  launchType: 'FARGATE';
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  /** Every revision of the family, oldest first; deployments name the one that runs. */
  taskDefinitions: DemoTaskDefinition[];
  deployments: DemoDeployment[];
  /** Newest first, as DescribeServices returns them. */
  events: Array<{ minutesAgo: number; message: string }>;
  runningTaskIds: string[];
  stoppedTasks: DemoStoppedTask[];
  circuitBreaker: { enable: boolean; rollback: boolean };
  /** Application Auto Scaling target, if any. */
  autoScaling?: { min: number; max: number };
  tags: Record<string, string>;
}

export interface DemoImage {
  tags: string[];
  digest: string;
  pushedMinutesAgo: number;
  sizeBytes: number;
  scan:
    | {
        status: 'COMPLETE';
        findings: Partial<Record<'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL', number>>;
        completedMinutesAgo: number;
      }
    | { status: 'IN_PROGRESS' | 'FAILED' }
    /** Never scanned: DescribeImageScanFindings answers ScanNotFoundException. */
    | { status: 'NONE' };
}

export interface DemoRepository {
  name: string;
  accountId: string;
  region: string;
  images: DemoImage[];
}

export interface DemoLogStream {
  /** <prefix>/<container>/<task id> */
  name: string;
  /** Oldest first. */
  lines: Array<{ secondsAgo: number; message: string }>;
}

export interface DemoLogGroup {
  name: string;
  region: string;
  streams: DemoLogStream[];
}

export interface DemoCosts {
  currency: 'USD';
  /** Daily unblended cost per service (tag aws:ecs:serviceName), split by usage type; today's day is partial. */
  services: Array<{ cluster: string; service: string; daily: Record<string, number> }>;
  /** ECR storage and data transfer per day. */
  ecrDaily: number;
  /** Multipliers for the last N days, oldest first (a weekly rhythm and a step when web scaled up). */
  trend: number[];
}

export interface DemoWorld {
  clusters: DemoCluster[];
  services: DemoService[];
  repositories: DemoRepository[];
  logGroups: DemoLogGroup[];
  costs: DemoCosts;
}

/** A stable, realistic-looking sha256 digest for a repository and tag. */
export function demoDigest(repository: string, tag: string): string {
  return `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`;
}

const taskId = (seed: string): string => createHash('md5').update(seed).digest('hex');

const PROD = { accountId: '222222222222', region: 'eu-west-1' };
const STAGING = { accountId: '111111111111', region: 'eu-west-1' };
const EXEC_ROLE = 'arn:aws:iam::222222222222:role/ecs-task-execution';

function webTaskDef(family: string, revision: number, tag: string, minutesAgo: number, memory = '1024'): DemoTaskDefinition {
  return {
    family,
    revision,
    cpu: '512',
    memory,
    taskRoleArn: 'arn:aws:iam::222222222222:role/web-task',
    executionRoleArn: EXEC_ROLE,
    registeredMinutesAgo: minutesAgo,
    containers: [
      {
        name: 'web',
        repository: 'shop/web',
        tag,
        cpu: 512,
        memory: Number(memory),
        port: 8080,
        essential: true,
        logGroup: `/ecs/${family}`,
        streamPrefix: 'ecs',
        environment: { NODE_ENV: 'production', LOG_FORMAT: 'json' },
      },
    ],
  };
}

function workerTaskDef(revision: number, tag: string, minutesAgo: number): DemoTaskDefinition {
  return {
    family: 'worker-prod',
    revision,
    cpu: '1024',
    memory: '2048',
    taskRoleArn: 'arn:aws:iam::222222222222:role/web-task',
    executionRoleArn: EXEC_ROLE,
    registeredMinutesAgo: minutesAgo,
    containers: [
      {
        name: 'worker',
        repository: 'shop/worker',
        tag,
        cpu: 1024,
        memory: 2048,
        essential: true,
        logGroup: '/ecs/worker-prod',
        streamPrefix: 'ecs',
        environment: { QUEUE: 'orders', CONCURRENCY: '8' },
      },
    ],
  };
}

const WEB_TASKS = [0, 1, 2, 3].map((i) => taskId(`web-prod-${i}`));
const WORKER_TASKS = [0, 1].map((i) => taskId(`worker-prod-${i}`));
const STAGING_TASKS = [taskId('web-staging-0')];
const OOM_TASK = taskId('web-prod-oom');

const WEB_LOG_LINES = [
  '{"level":"info","msg":"listening","port":8080,"version":"v1.2.2"}',
  '{"level":"info","msg":"GET /health 200","ms":2}',
  '{"level":"info","msg":"GET /api/products?page=2 200","ms":41}',
  '{"level":"info","msg":"POST /api/cart 201","ms":63,"user":"c_81723"}',
  '{"level":"warn","msg":"slow query","table":"orders","ms":1240}',
  '{"level":"info","msg":"GET /api/products/4711 200","ms":18}',
  '{"level":"error","msg":"payment provider timeout","provider":"acmepay","attempt":1,"ms":5000}',
  '{"level":"info","msg":"POST /api/checkout 200","ms":812,"order":"o_99120"}',
  '{"level":"info","msg":"connecting to db","url":"postgres://shop:s3cr3t-Pa55@db.internal:5432/shop"}',
  '{"level":"info","msg":"GET /health 200","ms":1}',
  '{"level":"info","msg":"cache warm","keys":1840,"ms":312}',
  '{"level":"warn","msg":"retrying request","provider":"acmepay","attempt":2}',
];

const WORKER_LOG_LINES = [
  'INFO  worker started (queue=orders concurrency=8)',
  'INFO  job 81237 send-receipt done in 212ms',
  'INFO  job 81238 sync-inventory done in 1840ms',
  'WARN  job 81239 sync-inventory retry 1/5: 503 from warehouse API',
  'INFO  job 81239 sync-inventory done in 2210ms',
  'INFO  job 81240 send-receipt done in 198ms',
  'ERROR job 81241 charge-card failed: card_declined (not retried)',
  'INFO  heartbeat ok (lag=0.4s, in-flight=3)',
];

const OOM_LOG_LINES = [
  '{"level":"info","msg":"GET /api/reports/export 200","ms":5300}',
  '{"level":"warn","msg":"heap usage high","heapUsedMb":871,"limitMb":1024}',
  '{"level":"warn","msg":"heap usage high","heapUsedMb":958,"limitMb":1024}',
  '<--- Last few GCs --->',
  'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
];

function stream(prefix: string, container: string, id: string, lines: string[], everySeconds: number, endSecondsAgo = 5): DemoLogStream {
  const n = lines.length * 4;
  return {
    name: `${prefix}/${container}/${id}`,
    lines: Array.from({ length: n }, (_, i) => ({
      secondsAgo: endSecondsAgo + (n - 1 - i) * everySeconds,
      message: lines[i % lines.length]!,
    })),
  };
}

export const DEMO_WORLD: DemoWorld = {
  clusters: [
    { name: 'shop-prod', ...PROD, environment: 'prod' },
    { name: 'shop-staging', ...STAGING, environment: 'staging' },
  ],
  services: [
    {
      cluster: 'shop-prod',
      name: 'web-prod',
      launchType: 'FARGATE',
      desiredCount: 4,
      runningCount: 4,
      pendingCount: 0,
      taskDefinitions: [webTaskDef('web-prod', 41, 'v1.2.1', 9 * 1440), webTaskDef('web-prod', 42, 'v1.2.2', 2 * 1440)],
      deployments: [
        {
          id: 'ecs-svc/4722009614532813542',
          status: 'PRIMARY',
          taskDefinitionRevision: 42,
          rolloutState: 'COMPLETED',
          rolloutStateReason: 'ECS deployment ecs-svc/4722009614532813542 completed.',
          createdMinutesAgo: 2 * 1440,
          updatedMinutesAgo: 2 * 1440 - 6,
          startedBy: 'U0DANA',
        },
      ],
      events: [
        { minutesAgo: 12, message: '(service web-prod) has reached a steady state.' },
        { minutesAgo: 40, message: '(service web-prod) has started 1 tasks: (task ' + WEB_TASKS[3] + ').' },
        { minutesAgo: 41, message: '(service web-prod) has stopped 1 running tasks: (task ' + OOM_TASK + ').' },
        { minutesAgo: 2 * 1440 - 6, message: '(service web-prod) (deployment ecs-svc/4722009614532813542) deployment completed.' },
      ],
      runningTaskIds: WEB_TASKS,
      stoppedTasks: [
        {
          taskId: OOM_TASK,
          taskDefinitionRevision: 42,
          stoppedMinutesAgo: 41,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          container: 'web',
          exitCode: 137,
          containerReason: 'OutOfMemoryError: Container killed due to memory usage',
        },
      ],
      circuitBreaker: { enable: true, rollback: true },
      autoScaling: { min: 2, max: 40 },
      tags: { team: 'shop', 'cost-center': 'web' },
    },
    {
      cluster: 'shop-prod',
      name: 'worker-prod',
      launchType: 'FARGATE',
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      taskDefinitions: [workerTaskDef(16, 'v3.3.9', 20 * 1440), workerTaskDef(17, 'v3.4.0', 6 * 1440)],
      deployments: [
        {
          id: 'ecs-svc/1839926511420934177',
          status: 'PRIMARY',
          taskDefinitionRevision: 17,
          rolloutState: 'COMPLETED',
          createdMinutesAgo: 6 * 1440,
          updatedMinutesAgo: 6 * 1440 - 4,
          // Changed in the console: no startedBy, shown as "outside the bot" in history.
        },
      ],
      events: [{ minutesAgo: 180, message: '(service worker-prod) has reached a steady state.' }],
      runningTaskIds: WORKER_TASKS,
      stoppedTasks: [],
      circuitBreaker: { enable: true, rollback: true },
      tags: { team: 'shop', 'cost-center': 'fulfilment' },
    },
    {
      cluster: 'shop-staging',
      name: 'web-staging',
      launchType: 'FARGATE',
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
      taskDefinitions: [webTaskDef('web-staging', 87, 'v1.2.2', 3 * 1440, '512'), webTaskDef('web-staging', 88, 'v1.2.3', 150, '512')],
      deployments: [
        {
          id: 'ecs-svc/9081726354109283746',
          status: 'PRIMARY',
          taskDefinitionRevision: 88,
          rolloutState: 'COMPLETED',
          createdMinutesAgo: 150,
          updatedMinutesAgo: 146,
          startedBy: 'U0DANA',
        },
      ],
      events: [{ minutesAgo: 146, message: '(service web-staging) has reached a steady state.' }],
      runningTaskIds: STAGING_TASKS,
      stoppedTasks: [],
      circuitBreaker: { enable: true, rollback: true },
      tags: { team: 'shop' },
    },
  ],
  repositories: [
    {
      name: 'shop/web',
      ...PROD,
      images: [
        {
          tags: ['v1.3.0-rc1'],
          pushedMinutesAgo: 30,
          sizeBytes: 98_112_031,
          scan: { status: 'COMPLETE', findings: { CRITICAL: 1, HIGH: 2, MEDIUM: 4 }, completedMinutesAgo: 28 },
        },
        { tags: ['v1.2.4'], pushedMinutesAgo: 8, sizeBytes: 97_004_117, scan: { status: 'IN_PROGRESS' } },
        {
          tags: ['v1.2.3', 'latest'],
          pushedMinutesAgo: 190,
          sizeBytes: 96_884_410,
          scan: { status: 'COMPLETE', findings: { MEDIUM: 2, LOW: 5 }, completedMinutesAgo: 188 },
        },
        {
          tags: ['v1.2.2'],
          pushedMinutesAgo: 2 * 1440 + 30,
          sizeBytes: 96_870_002,
          scan: { status: 'COMPLETE', findings: { HIGH: 1, MEDIUM: 3, LOW: 6 }, completedMinutesAgo: 2 * 1440 + 28 },
        },
        {
          tags: ['v1.2.1'],
          pushedMinutesAgo: 9 * 1440 + 20,
          sizeBytes: 96_511_930,
          scan: { status: 'COMPLETE', findings: { HIGH: 2, MEDIUM: 3, LOW: 6 }, completedMinutesAgo: 9 * 1440 + 18 },
        },
      ].map((i) => ({ ...i, digest: demoDigest('shop/web', i.tags[0]!) })) as DemoImage[],
    },
    {
      name: 'shop/worker',
      ...PROD,
      images: [
        { tags: ['v3.5.0'], pushedMinutesAgo: 120, sizeBytes: 143_200_551, scan: { status: 'NONE' } },
        {
          tags: ['v3.4.1'],
          pushedMinutesAgo: 1440,
          sizeBytes: 142_981_004,
          scan: { status: 'COMPLETE', findings: { LOW: 2 }, completedMinutesAgo: 1438 },
        },
        {
          tags: ['v3.4.0'],
          pushedMinutesAgo: 6 * 1440 + 10,
          sizeBytes: 142_870_313,
          scan: { status: 'COMPLETE', findings: { MEDIUM: 1, LOW: 2 }, completedMinutesAgo: 6 * 1440 + 8 },
        },
        {
          tags: ['v3.3.9'],
          pushedMinutesAgo: 20 * 1440,
          sizeBytes: 141_002_771,
          scan: { status: 'COMPLETE', findings: { HIGH: 1, LOW: 3 }, completedMinutesAgo: 20 * 1440 - 2 },
        },
      ].map((i) => ({ ...i, digest: demoDigest('shop/worker', i.tags[0]!) })) as DemoImage[],
    },
  ],
  logGroups: [
    {
      name: '/ecs/web-prod',
      region: PROD.region,
      streams: [
        ...WEB_TASKS.map((id, i) => stream('ecs', 'web', id, WEB_LOG_LINES, 20 + i * 3)),
        stream('ecs', 'web', OOM_TASK, OOM_LOG_LINES, 30, 41 * 60),
      ],
    },
    { name: '/ecs/worker-prod', region: PROD.region, streams: WORKER_TASKS.map((id) => stream('ecs', 'worker', id, WORKER_LOG_LINES, 45)) },
    { name: '/ecs/web-staging', region: STAGING.region, streams: STAGING_TASKS.map((id) => stream('ecs', 'web', id, WEB_LOG_LINES, 120)) },
  ],
  costs: {
    currency: 'USD',
    services: [
      { cluster: 'shop-prod', service: 'web-prod', daily: { 'EUW1-Fargate-vCPU-Hours:perCPU': 3.95, 'EUW1-Fargate-GB-Hours': 1.73 } },
      { cluster: 'shop-prod', service: 'worker-prod', daily: { 'EUW1-Fargate-vCPU-Hours:perCPU': 1.98, 'EUW1-Fargate-GB-Hours': 0.87 } },
      { cluster: 'shop-staging', service: 'web-staging', daily: { 'EUW1-Fargate-vCPU-Hours:perCPU': 0.49, 'EUW1-Fargate-GB-Hours': 0.11 } },
    ],
    ecrDaily: 0.31,
    // 60 days: weekends lighter; web scaled from 3 to 4 tasks 18 days ago.
    trend: Array.from({ length: 60 }, (_, i) => {
      const weekend = i % 7 === 5 || i % 7 === 6 ? 0.86 : 1;
      const step = i >= 42 ? 1 : 0.78;
      return Math.round(weekend * step * 100) / 100;
    }),
  },
};
