/**
 * Shared setup for the change verbs' end-to-end tests: a FakeEcs world with the services of
 * test/fixtures/chatops.test.yml, ECR images, CloudWatch Logs lines, a movable clock, and
 * helpers to find the request message, click its buttons, read the thread and build the
 * EventBridge events ECS sends (documented shapes, §3.8 of the reference facts).
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeImagesCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  ImageNotFoundException,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { StoredMessage } from './slack-server';
import { setupE2E, type E2E } from './e2e';
import { FakeClock } from './clock';
import { configFile } from './config';
import { FakeEcs, META } from './fake-ecs';
import {
  ACCOUNT,
  DIGEST,
  REGION,
  REGISTRY,
  TAGS,
  deployment,
  imageDetail,
  revisionArn,
  service,
  serviceDeployment,
  serviceRevision,
  taskDefinition,
  tdArn,
} from './aws-fixtures';

const STAGING_CLUSTER = 'staging';

/** The services of the test config, at rest: web-prod on web-prod:42 (4 tasks), worker-prod on worker-prod:10, web-staging on web-staging:7. */
function buildWorld(clock: FakeClock): FakeEcs {
  const ecs = new FakeEcs({ region: REGION, account: ACCOUNT, now: clock.now });
  const at = new Date(clock.now() - 3 * 24 * 3600_000);
  ecs.addTaskDefinition(taskDefinition(41, { registeredAt: at }, `${REGISTRY}/shop/web:v1.2.1`), TAGS);
  ecs.addTaskDefinition(taskDefinition(42, { registeredAt: at }), TAGS);
  ecs.addService('prod', service({ deployments: [deployment({ createdAt: at, updatedAt: at })] }));

  const workerTd = taskDefinition(
    10,
    { family: 'worker-prod', taskDefinitionArn: ecs.tdArn('worker-prod', 10), registeredAt: at },
    `${REGISTRY}/shop/worker:v3.0.0`,
  );
  workerTd.containerDefinitions = [{ ...workerTd.containerDefinitions![0]!, name: 'worker' }];
  ecs.addTaskDefinition(workerTd, []);
  ecs.addService(
    'prod',
    service({
      serviceName: 'worker-prod',
      serviceArn: ecs.arn('service', 'prod/worker-prod'),
      currentServiceDeployment: ecs.arn('service-deployment', 'prod/worker-prod/wrk1'),
      deployments: [
        deployment({
          id: 'ecs-svc/1010101010101010101',
          taskDefinition: workerTd.taskDefinitionArn,
          desiredCount: 2,
          runningCount: 2,
          createdAt: at,
        }),
      ],
    }),
  );

  const stagingTd = taskDefinition(
    7,
    { family: 'web-staging', taskDefinitionArn: ecs.tdArn('web-staging', 7), registeredAt: at },
    `${REGISTRY}/shop/web:v1.2.2`,
  );
  ecs.addTaskDefinition(stagingTd, []);
  ecs.addService(
    STAGING_CLUSTER,
    service({
      serviceName: 'web-staging',
      serviceArn: ecs.arn('service', 'staging/web-staging'),
      clusterArn: ecs.arn('cluster', 'staging'),
      currentServiceDeployment: ecs.arn('service-deployment', 'staging/web-staging/stg1'),
      deployments: [
        deployment({
          id: 'ecs-svc/7777777777777777777',
          taskDefinition: stagingTd.taskDefinitionArn,
          desiredCount: 2,
          runningCount: 2,
          createdAt: at,
        }),
      ],
    }),
  );
  return ecs;
}

/**
 * ECS's deployment history of web-prod as the rollback tests have it: its last deploy, a day ago, took
 * it from web-prod:39 to :42 (so a rollback returns to :39; the test registers :39 itself).
 */
export function webDeployedFrom39(world: FakeEcs, clock: FakeClock): void {
  world.setHistory(
    'prod',
    'web-prod',
    [serviceDeployment('d2', revisionArn('r42'), [revisionArn('r39')], { createdAt: new Date(clock.now() - 24 * 3600_000) })],
    [serviceRevision('r42', tdArn('web-prod', 42)), serviceRevision('r39', tdArn('web-prod', 39))],
  );
}

/** ECR: v1.2.3 (scanned, 1 high) and v0.9.0-bad (2 critical) in shop/web; other tags are ImageNotFoundException. */
export function stubImages(ecr: AwsClientStub<ECRClient>, clock: FakeClock, extra: ImageDetail[] = [], faults: unknown[] = []): void {
  const images = [
    imageDetail({ imagePushedAt: new Date(clock.now() - 2 * 3600_000) }),
    imageDetail({
      imageDigest: 'sha256:' + 'c'.repeat(64),
      imageTags: ['v0.9.0-bad'],
      imagePushedAt: new Date(clock.now() - 5 * 3600_000),
      imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 2, HIGH: 4 } },
    }),
    imageDetail({ imageDigest: 'sha256:' + 'b'.repeat(64), imageTags: ['v1.2.2'], imagePushedAt: new Date(clock.now() - 24 * 3600_000) }),
    ...extra,
  ];
  ecr
    .on(DescribeImagesCommand)
    .callsFake((input: { repositoryName: string; imageIds?: Array<{ imageTag?: string; imageDigest?: string }>; filter?: unknown }) => {
      if (faults.length) throw faults.shift();
      if (!input.imageIds) return { imageDetails: images.filter((i) => i.repositoryName === input.repositoryName) };
      const id = input.imageIds[0]!;
      const found = images.find(
        (i) =>
          i.repositoryName === input.repositoryName &&
          (id.imageDigest ? i.imageDigest === id.imageDigest : i.imageTags?.includes(id.imageTag!)),
      );
      if (!found) {
        throw new ImageNotFoundException({
          message: `The image with imageId {imageDigest:'null', imageTag:'${id.imageTag}'} does not exist within the repository with name '${input.repositoryName}' in the registry with id '${ACCOUNT}'`,
          $metadata: META,
        });
      }
      return { imageDetails: [found], failures: [] };
    });
}

/**
 * ECR GetRegistryScanningConfiguration (documented shape): the caller's registry (`registryId`, default
 * the fixtures' account) and its scan type (default BASIC, no rules, as a new registry's); or a failure.
 */
export function stubScanning(ecr: AwsClientStub<ECRClient>, scanType: 'BASIC' | 'ENHANCED' | Error = 'BASIC', registryId = ACCOUNT): void {
  const stub = ecr.on(GetRegistryScanningConfigurationCommand);
  if (scanType instanceof Error) {
    stub.rejects(scanType);
    return;
  }
  stub.resolves({
    registryId,
    scanningConfiguration: {
      scanType,
      rules:
        scanType === 'ENHANCED'
          ? [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'shop/worker', filterType: 'WILDCARD' }] }]
          : [],
    },
  });
}

function stubLogs(logs: AwsClientStub<CloudWatchLogsClient>, clock: FakeClock, lines: string[]): void {
  logs.on(FilterLogEventsCommand).callsFake((input: { logStreamNamePrefix?: string }) => ({
    events: lines.map((message, i) => ({
      logStreamName: input.logStreamNamePrefix,
      timestamp: clock.now() - (lines.length - i) * 1000,
      message,
      ingestionTime: clock.now(),
      eventId: `e${i}`,
    })),
    searchedLogStreams: [],
  }));
}

export interface DeployHarness {
  /** The harness of the running test (a new one for each test). */
  readonly e2e: E2E;
  readonly clock: FakeClock;
  /** The fake ECS of the running test, built by buildWorld and installed on ecsMock. */
  readonly world: FakeEcs;
  readonly ecsMock: AwsClientStub<ECSClient>;
  readonly ecrMock: AwsClientStub<ECRClient>;
  readonly logsMock: AwsClientStub<CloudWatchLogsClient>;
  readonly autoScalingMock: AwsClientStub<ApplicationAutoScalingClient>;
  /**
   * Closes the running test's harness and starts a fresh one (clock, E2E harness, FakeEcs world,
   * stubs): for a test that runs many independent cases itself (a fast-check property's runs).
   */
  restart(): Promise<void>;
}

interface DeployHarnessOptions {
  /** The CloudWatch Logs lines every log stream answers with (default: none). */
  logs?: string[];
  /** A chatops.yml for the handlers (test/helpers/config.ts configFile); default the fixture. */
  configPath?: string;
  /** User groups the local Slack API answers for (setupE2E's `groups`). */
  groups?: Record<string, string[]>;
  /** Environment of the handlers (setupE2E's `env`), read when each test starts (e.g. REDIS_URL through a fault proxy). */
  env?: () => Record<string, string>;
  /** Extra setup, run at the end of each beforeEach (the harness is ready). */
  before?: (h: DeployHarness) => void | Promise<void>;
  /** setupE2E's workerRedisCommandTimeoutMs (a suite behind the Redis fault proxy: WORKER_REDIS_BOUND_MS). */
  workerRedisCommandTimeoutMs?: number;
  /** setupE2E's workerRedisBackoffScale (a suite whose Redis is down for a while: WORKER_REDIS_BACKOFF_SCALE). */
  workerRedisBackoffScale?: number;
}

/**
 * The setup shared by the change verbs' end-to-end test files. Call it once at the top level of
 * a test file: it mocks ECS, ECR and CloudWatch Logs, and registers the hooks that give each
 * test a fresh clock, E2E harness and FakeEcs world (ECR images and log lines stubbed), then
 * reset the mocks and close the harness after it, and restore the mocks after the file. The
 * returned object's getters read the running test's values.
 */
export function useDeployHarness(opts: DeployHarnessOptions = {}): DeployHarness {
  const ecsMock = mockClient(ECSClient);
  const ecrMock = mockClient(ECRClient);
  const logsMock = mockClient(CloudWatchLogsClient);
  const autoScalingMock = mockClient(ApplicationAutoScalingClient);
  let e2e: E2E | undefined;
  let clock: FakeClock | undefined;
  let world: FakeEcs | undefined;
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useDeployHarness: \`${name}\` is only available inside a test (or its hooks)`);
    return value;
  };
  const h: DeployHarness = {
    get e2e() {
      return ready(e2e, 'e2e');
    },
    get clock() {
      return ready(clock, 'clock');
    },
    get world() {
      return ready(world, 'world');
    },
    ecsMock,
    ecrMock,
    logsMock,
    autoScalingMock,
    restart: async () => {
      await stop();
      await start();
    },
  };

  const start = async (): Promise<void> => {
    clock = new FakeClock();
    e2e = await setupE2E({
      now: clock.now,
      ...(opts.configPath ? { configPath: opts.configPath } : {}),
      groups: opts.groups,
      ...(opts.env ? { env: opts.env() } : {}),
      workerRedisCommandTimeoutMs: opts.workerRedisCommandTimeoutMs,
      workerRedisBackoffScale: opts.workerRedisBackoffScale,
    });
    world = buildWorld(clock);
    world.install(ecsMock);
    stubImages(ecrMock, clock);
    stubScanning(ecrMock);
    stubLogs(logsMock, clock, opts.logs ?? []);
    // No autoscaling unless a test registers a scalable target.
    autoScalingMock.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    await opts.before?.(h);
  };
  const stop = async (): Promise<void> => {
    ecsMock.reset();
    ecrMock.reset();
    logsMock.reset();
    autoScalingMock.reset();
    const closing = e2e;
    e2e = undefined;
    await closing?.close();
  };

  beforeEach(start);
  afterEach(stop);

  afterAll(() => {
    ecsMock.restore();
    ecrMock.restore();
    logsMock.restore();
    autoScalingMock.restore();
  });

  return h;
}

/**
 * useDeployHarness for the auto-lock suites: prod locks a service after a rollback (gates.autoLock
 * afterRollback), UDEV3 is a developer (SDEVS) and no one a lead (SLEADS empty); `env` as useDeployHarness's.
 */
export function useAutoLockHarness(opts: Pick<DeployHarnessOptions, 'env'> = {}): DeployHarness {
  return useDeployHarness({
    ...opts,
    configPath: configFile((doc) => {
      doc.environments.prod.gates = { autoLock: { afterRollback: true } };
    }),
    before: (x) => {
      x.e2e.slack.setUserGroup('SDEVS', ['UDEV3']);
      x.e2e.slack.setUserGroup('SLEADS', []);
    },
  });
}

/** All text of a stored message (fallback text and blocks). */
export function textOf(m: StoredMessage | undefined): string {
  if (!m) return '';
  return `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
}

/** The newest request message (the one with request buttons or a request header) in `channel`. */
export function requestMessage(e2e: E2E, channel: string): { id: string; ts: string; message: StoredMessage } {
  const msgs = e2e.slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i]!;
    const id = /(?:Request|요청) `([a-z0-9_.-]+)`/.exec(textOf(m))?.[1];
    if (id) return { id, ts: m.ts, message: m };
  }
  throw new Error(`no request message in ${channel}; messages: ${msgs.map((m) => m.text).join(' | ')}`);
}

/** Replies in the request's thread, oldest first. */
export function thread(e2e: E2E, channel: string, ts: string): StoredMessage[] {
  return e2e.slack.messages(channel).filter((m) => m.thread_ts === ts && m.ts !== ts);
}

export async function approve(e2e: E2E, req: { id: string; ts: string }, user = 'ULEAD1', channel = 'CPROD'): Promise<void> {
  const res = await e2e.click({ action_id: 'approval:approve', value: req.id, user_id: user, channel_id: channel, message_ts: req.ts });
  if (res.statusCode !== 200) throw new Error(`approve click answered ${res.statusCode}`);
}

/** `/ecs deploy web v1.2.3 --reason "…"` in prod by UDEV1, its request posted for approval (prod needs one); the request's id. */
export async function requestDeploy(e2e: E2E, reason: string): Promise<string> {
  await e2e.slash(`deploy web v1.2.3 --reason "${reason}"`, { channel_id: 'CPROD', user_id: 'UDEV1' });
  await e2e.drain();
  return requestMessage(e2e, 'CPROD').id;
}

/** `/ecs <command>` (by default `deploy web v1.2.3`) in prod by UDEV1, approved by ULEAD1; the execute job is left pending (not run). */
export async function requestAndApprove(e2e: E2E, command = 'deploy web v1.2.3'): Promise<{ id: string; ts: string }> {
  await e2e.slash(command, { channel_id: 'CPROD', user_id: 'UDEV1' });
  await e2e.drain();
  const req = requestMessage(e2e, 'CPROD');
  await approve(e2e, req);
  return req;
}

/** The execute jobs waiting to be delivered to the worker. */
export const executeJobs = (e: E2E) => e.pending.filter((j) => (j as { kind: string }).kind === 'execute');

/** Every reply in a prod request's thread, as one text. */
export const replies = (e2e: E2E, req: { ts: string }): string => thread(e2e, 'CPROD', req.ts).map(textOf).join('\n');

/** Clicks the request's Details button and returns what the clicker was shown (the full plan and diff). */
export async function details(e2e: E2E, req: { id: string; ts: string }, user = 'ULEAD1', channel = 'CPROD'): Promise<string> {
  const before = e2e.slack.responses().length;
  const res = await e2e.click({ action_id: 'approval:details', value: req.id, user_id: user, channel_id: channel, message_ts: req.ts });
  if (res.statusCode !== 200) throw new Error(`details click answered ${res.statusCode}`);
  await e2e.drain();
  if (e2e.slack.responses().length === before) throw new Error('the Details click answered nothing');
  return lastResponse(e2e);
}

/** The last answer posted to a response_url (dry runs, refusals, "request posted"). */
/** A command typed in `channel` by `user`, run through the worker: the last answer posted to its response_url. */
export async function slashAnswer(e2e: E2E, text: string, user = 'UDEV1', channel = 'CPROD'): Promise<string> {
  await e2e.slash(text, { channel_id: channel, user_id: user });
  await e2e.drain();
  return lastResponse(e2e);
}

export function lastResponse(e2e: E2E): string {
  const r = e2e.slack.responses();
  const b = r[r.length - 1];
  return b ? `${b.text ?? ''}\n${JSON.stringify(b.blocks ?? [])}` : '';
}

let eventSeq = 0;

/** EventBridge "ECS Task State Change" for a service task (documented shape, trimmed to what matters). */
export function taskEvent(
  clock: FakeClock,
  o: { cluster: string; service: string; taskId: string; taskDefinitionArn: string; lastStatus: 'RUNNING' | 'STOPPED'; exitCode?: number },
) {
  return {
    version: '0',
    id: `evt-task-${++eventSeq}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: new Date(clock.now()).toISOString(),
    region: REGION,
    resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/${o.cluster}/${o.taskId}`],
    detail: {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${o.cluster}`,
      taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${o.cluster}/${o.taskId}`,
      taskDefinitionArn: o.taskDefinitionArn,
      group: `service:${o.service}`,
      startedBy: 'ecs-svc/2000000000000000001',
      lastStatus: o.lastStatus,
      desiredStatus: o.lastStatus,
      launchType: 'FARGATE',
      version: 3,
      containers: [
        {
          name: 'web',
          lastStatus: o.lastStatus,
          ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}),
          image: `${REGISTRY}/shop/web@${DIGEST}`,
        },
      ],
      ...(o.lastStatus === 'STOPPED' ? { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' } : {}),
      createdAt: new Date(clock.now() - 60_000).toISOString(),
      updatedAt: new Date(clock.now()).toISOString(),
    },
  };
}
