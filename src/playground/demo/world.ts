/**
 * The content of the playground's demo AWS world, as data: two clusters in two accounts and
 * regions (prod in eu-west-1, staging in eu-central-1), their services with the releases that
 * led to today's task definitions, a task that ran out of memory a while ago, ECR tags with scan
 * results, what the containers log, and Cost Explorer-style daily costs. Times are relative
 * ("minutes ago") so the world is always recent.
 *
 * Nothing here knows about HTTP or the SDK: ./seed.ts plants it in the stateful world of
 * src/loopback/aws/world (one per region), which the bot reaches through AWS_ENDPOINT_URL.
 */

export interface DemoCluster {
  name: string;
  accountId: string;
  region: string;
  /** chatops.yml environment this cluster is. */
  environment: string;
}

/** One release of a service: a task definition revision running `tag`, deployed `minutesAgo`. */
export interface DemoRelease {
  revision: number;
  tag: string;
  minutesAgo: number;
  /** Task memory (MiB) of this revision, when it differs from the service's. */
  memory?: string;
}

/** A task that stopped on its own, `minutesAgo` (the scheduler replaced it). */
export interface DemoIncident {
  minutesAgo: number;
  exitCode: number;
  stopCode?: 'EssentialContainerExited' | 'TaskFailedToStart';
  stoppedReason?: string;
  containerReason?: string;
  /** The container's last lines before it stopped. */
  logLines: string[];
}

export interface DemoService {
  cluster: string;
  name: string;
  desiredCount: number;
  container: string;
  /** ECR repository of the container's image (in the cluster's account and region). */
  repository: string;
  cpu: string;
  memory: string;
  port?: number;
  environment: Record<string, string>;
  taskRoleArn?: string;
  executionRoleArn: string;
  /** Oldest first; the last one runs. Each was a deployment that completed. */
  releases: DemoRelease[];
  incidents: DemoIncident[];
  /** What a running task logs, in a loop (one line every `logEverySeconds`). */
  logLines: string[];
  logEverySeconds: number;
  autoScaling?: { min: number; max: number };
  tags: Record<string, string>;
}

export type DemoScan =
  | { status: 'COMPLETE'; findings: Partial<Record<'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL', number>> }
  | { status: 'IN_PROGRESS' | 'FAILED' }
  /** Enhanced scanning (Amazon Inspector) only: waiting for its scan, rescans stopped, findings unavailable. */
  | { status: 'PENDING' | 'SCAN_ELIGIBILITY_EXPIRED' | 'FINDINGS_UNAVAILABLE' }
  /** Never scanned: DescribeImageScanFindings answers ScanNotFoundException. */
  | { status: 'NONE' };

export interface DemoImage {
  tags: string[];
  pushedMinutesAgo: number;
  sizeBytes: number;
  scan: DemoScan;
  /** Labels of the image config (the OCI revision and source labels CI sets; the request card shows the commits). */
  labels?: Record<string, string>;
  /** A multi-platform image (an OCI index of linux/amd64 and linux/arm64), as buildx pushes one. */
  index?: boolean;
}

/** The OCI labels CI (docker/metadata-action) puts on shop/web's images: the commit and the repository. */
const webCommit = (revision: string): Record<string, string> => ({
  'org.opencontainers.image.revision': revision,
  'org.opencontainers.image.source': 'https://github.com/acme/shop',
});

export interface DemoRepository {
  name: string;
  /** Region of the copy (each region's registry has its own). */
  region: string;
  images: DemoImage[];
}

export interface DemoCosts {
  currency: 'USD';
  /** Daily unblended cost per service (tag aws:ecs:serviceName), by usage type; today's day is partial. */
  services: Array<{ cluster: string; service: string; daily: Record<string, number> }>;
  /** ECR storage and data transfer per day, per region. */
  ecrDaily: Record<string, number>;
  /** Multipliers for the last N days, oldest first, ending today (a weekly rhythm and a step when web scaled up). */
  trend: number[];
}

export interface DemoWorld {
  clusters: DemoCluster[];
  services: DemoService[];
  repositories: DemoRepository[];
  /** The scan type of each region's registry (GetRegistryScanningConfiguration); a region not named: BASIC. */
  registryScanning?: Record<string, 'BASIC' | 'ENHANCED'>;
  costs: DemoCosts;
}

const PROD = { accountId: '222222222222', region: 'eu-west-1' };
const STAGING = { accountId: '111111111111', region: 'eu-central-1' };

const WEB_LOG_LINES = [
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
  'INFO  job 81237 send-receipt done in 212ms',
  'INFO  job 81238 sync-inventory done in 1840ms',
  'WARN  job 81239 sync-inventory retry 1/5: 503 from warehouse API',
  'INFO  job 81239 sync-inventory done in 2210ms',
  'INFO  job 81240 send-receipt done in 198ms',
  'ERROR job 81241 charge-card failed: card_declined (not retried)',
  'INFO  heartbeat ok (lag=0.4s, in-flight=3)',
];

/** The last lines of a web task that runs out of memory (the OOM incident and the simulation). */
export const OOM_LOG_LINES = [
  '{"level":"info","msg":"GET /api/reports/export 200","ms":5300}',
  '{"level":"warn","msg":"heap usage high","heapUsedMb":871,"limitMb":1024}',
  '{"level":"warn","msg":"heap usage high","heapUsedMb":958,"limitMb":1024}',
  '<--- Last few GCs --->',
  'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
];

export const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

const WEB_TASK_ROLE = 'arn:aws:iam::222222222222:role/web-task';
const EXEC_ROLE = 'arn:aws:iam::222222222222:role/ecs-task-execution';

const DAY = 1440;

export const DEMO_WORLD: DemoWorld = {
  clusters: [
    { name: 'shop-prod', ...PROD, environment: 'prod' },
    { name: 'shop-staging', ...STAGING, environment: 'staging' },
  ],
  services: [
    {
      cluster: 'shop-prod',
      name: 'web-prod',
      desiredCount: 4,
      container: 'web',
      repository: 'shop/web',
      cpu: '512',
      memory: '1024',
      port: 8080,
      environment: { NODE_ENV: 'production', LOG_FORMAT: 'json' },
      taskRoleArn: WEB_TASK_ROLE,
      executionRoleArn: EXEC_ROLE,
      releases: [
        { revision: 41, tag: 'v1.2.1', minutesAgo: 9 * DAY },
        { revision: 42, tag: 'v1.2.2', minutesAgo: 2 * DAY },
      ],
      incidents: [
        {
          minutesAgo: 41,
          exitCode: 137,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containerReason: OOM_REASON,
          logLines: OOM_LOG_LINES,
        },
      ],
      logLines: WEB_LOG_LINES,
      logEverySeconds: 20,
      autoScaling: { min: 2, max: 40 },
      tags: { team: 'shop', 'cost-center': 'web' },
    },
    {
      cluster: 'shop-prod',
      name: 'worker-prod',
      desiredCount: 2,
      container: 'worker',
      repository: 'shop/worker',
      cpu: '1024',
      memory: '2048',
      environment: { QUEUE: 'orders', CONCURRENCY: '8' },
      taskRoleArn: WEB_TASK_ROLE,
      executionRoleArn: EXEC_ROLE,
      releases: [
        { revision: 16, tag: 'v3.3.9', minutesAgo: 20 * DAY },
        { revision: 17, tag: 'v3.4.0', minutesAgo: 6 * DAY },
      ],
      incidents: [],
      logLines: WORKER_LOG_LINES,
      logEverySeconds: 45,
      tags: { team: 'shop', 'cost-center': 'fulfilment' },
    },
    {
      cluster: 'shop-staging',
      name: 'web-staging',
      desiredCount: 1,
      container: 'web',
      repository: 'shop/web',
      cpu: '512',
      memory: '512',
      port: 8080,
      environment: { NODE_ENV: 'staging', LOG_FORMAT: 'json' },
      executionRoleArn: 'arn:aws:iam::111111111111:role/ecs-task-execution',
      releases: [
        { revision: 87, tag: 'v1.2.2', minutesAgo: 3 * DAY },
        { revision: 88, tag: 'v1.2.3', minutesAgo: 150 },
      ],
      incidents: [],
      logLines: WEB_LOG_LINES,
      logEverySeconds: 120,
      tags: { team: 'shop' },
    },
  ],
  repositories: [
    {
      name: 'shop/web',
      region: PROD.region,
      images: [
        {
          tags: ['v1.3.0-rc1'],
          labels: webCommit('5e0f4c2a7d9b81e3f6a4c0d2b7e9f1a3c5d7e9b1'),
          pushedMinutesAgo: 30,
          sizeBytes: 98_112_031,
          scan: { status: 'COMPLETE', findings: { CRITICAL: 1, HIGH: 2, MEDIUM: 4 } },
        },
        {
          tags: ['v1.2.4'],
          pushedMinutesAgo: 8,
          sizeBytes: 97_004_117,
          scan: { status: 'IN_PROGRESS' },
          labels: webCommit('b41c9e07d2f35a8e6c1b0d9f4a7e2c5b8d3f6a90'),
        },
        {
          tags: ['v1.2.3', 'latest'],
          labels: webCommit('9f8e7d6c5b4a39281706f5e4d3c2b1a098765432'),
          index: true,
          pushedMinutesAgo: 190,
          sizeBytes: 96_884_410,
          scan: { status: 'COMPLETE', findings: { MEDIUM: 2, LOW: 5 } },
        },
        {
          tags: ['v1.2.2'],
          labels: webCommit('1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d'),
          pushedMinutesAgo: 2 * DAY + 30,
          sizeBytes: 96_870_002,
          scan: { status: 'COMPLETE', findings: { HIGH: 1, MEDIUM: 3, LOW: 6 } },
        },
        {
          tags: ['v1.2.1'],
          pushedMinutesAgo: 9 * DAY + 20,
          sizeBytes: 96_511_930,
          scan: { status: 'COMPLETE', findings: { HIGH: 2, MEDIUM: 3, LOW: 6 } },
        },
      ],
    },
    {
      name: 'shop/worker',
      region: PROD.region,
      images: [
        { tags: ['v3.5.0'], pushedMinutesAgo: 120, sizeBytes: 143_200_551, scan: { status: 'NONE' } },
        { tags: ['v3.4.1'], pushedMinutesAgo: DAY, sizeBytes: 142_981_004, scan: { status: 'COMPLETE', findings: { LOW: 2 } } },
        {
          tags: ['v3.4.0'],
          pushedMinutesAgo: 6 * DAY + 10,
          sizeBytes: 142_870_313,
          scan: { status: 'COMPLETE', findings: { MEDIUM: 1, LOW: 2 } },
        },
        {
          tags: ['v3.3.9'],
          pushedMinutesAgo: 20 * DAY,
          sizeBytes: 141_002_771,
          scan: { status: 'COMPLETE', findings: { HIGH: 1, LOW: 3 } },
        },
      ],
    },
    {
      name: 'shop/web',
      region: STAGING.region,
      images: [
        {
          tags: ['v1.2.4'],
          pushedMinutesAgo: 8,
          sizeBytes: 97_004_117,
          scan: { status: 'IN_PROGRESS' },
          labels: webCommit('b41c9e07d2f35a8e6c1b0d9f4a7e2c5b8d3f6a90'),
        },
        {
          tags: ['v1.2.3'],
          pushedMinutesAgo: 190,
          sizeBytes: 96_884_410,
          scan: { status: 'COMPLETE', findings: { MEDIUM: 2, LOW: 5 } },
          labels: webCommit('9f8e7d6c5b4a39281706f5e4d3c2b1a098765432'),
        },
        {
          tags: ['v1.2.2'],
          labels: webCommit('1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d'),
          pushedMinutesAgo: 3 * DAY + 30,
          sizeBytes: 96_870_002,
          scan: { status: 'COMPLETE', findings: { HIGH: 1, MEDIUM: 3 } },
        },
      ],
    },
  ],
  costs: {
    currency: 'USD',
    services: [
      { cluster: 'shop-prod', service: 'web-prod', daily: { 'EUW1-Fargate-vCPU-Hours:perCPU': 3.95, 'EUW1-Fargate-GB-Hours': 1.73 } },
      { cluster: 'shop-prod', service: 'worker-prod', daily: { 'EUW1-Fargate-vCPU-Hours:perCPU': 1.98, 'EUW1-Fargate-GB-Hours': 0.87 } },
      { cluster: 'shop-staging', service: 'web-staging', daily: { 'EUC1-Fargate-vCPU-Hours:perCPU': 0.53, 'EUC1-Fargate-GB-Hours': 0.12 } },
    ],
    ecrDaily: { [PROD.region]: 0.31, [STAGING.region]: 0.04 },
    // 75 days ending today: weekends lighter; web scaled from 3 to 4 tasks 18 days ago.
    trend: Array.from({ length: 75 }, (_, i) => {
      const daysAgo = 74 - i;
      const weekend = daysAgo % 7 === 2 || daysAgo % 7 === 3 ? 0.86 : 1;
      const step = daysAgo < 18 ? 1 : 0.78;
      return Math.round(weekend * step * 100) / 100;
    }),
  },
};
