/**
 * The playground's demo world (src/playground/demo/): DEMO_WORLD planted in the loopback AWS world,
 * one world per region, read with the real SDK clients as the bot reads it: today's services and
 * the history that led to them, the OOM incident with its last log lines, ECR scans, costs per
 * account; time moving rollouts on; the simulate menu acting on the world so that ECS sends the
 * events, naming rollouts by their real deployment ids.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient, ScanNotFoundException } from '@aws-sdk/client-ecr';
import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import type { EcsEventEnvelope } from '../../src/loopback/aws/world';
import { demoConfig } from '../../src/playground/demo/config';
import { DemoAws } from '../../src/playground/demo/seed';
import { simulate, simulations } from '../../src/playground/demo/simulate';
import { DEMO_WORLD, OOM_REASON } from '../../src/playground/demo/world';

const credentials = { accessKeyId: 'playground', secretAccessKey: 'playground' };
const saved = { ...process.env };
const PROD = 'eu-west-1';
const STAGING = 'eu-central-1';

let aws: AwsEndpoint;
let demo: DemoAws;
let events: EcsEventEnvelope[];
const ecs = (region = PROD) => new ECSClient({ region, credentials, maxAttempts: 1 });

beforeAll(async () => {
  aws = await startAwsEndpoint();
  Object.assign(process.env, aws.env(), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
});
afterAll(async () => {
  process.env = saved;
  await aws.close();
});
beforeEach(() => {
  demo = new DemoAws(DEMO_WORLD);
  aws.handleAll(demo.handlers());
  events = [];
  demo.onEvent((e) => events.push(e));
});

describe('the demo world agrees with the demo chatops.yml', () => {
  it('every configured service runs in its environment’s cluster, account and region, from its repository there', async () => {
    const config = demoConfig();
    for (const svc of Object.values(config.services)) {
      const env = config.environments[svc.environment]!;
      const { services } = await ecs(env.region).send(new DescribeServicesCommand({ cluster: env.cluster, services: [svc.service] }));
      expect(services).toHaveLength(1);
      expect(services![0]!.serviceArn).toBe(`arn:aws:ecs:${env.region}:${env.accountId}:service/${env.cluster}/${svc.service}`);
      const images = await new ECRClient({ region: env.region, credentials, maxAttempts: 1 }).send(
        new DescribeImagesCommand({ repositoryName: svc.repository! }),
      );
      expect(images.imageDetails!.length).toBeGreaterThan(0);
      expect(DEMO_WORLD.services.find((x) => x.name === svc.service)!.container).toBe(svc.container);
    }
  });

  it('the README’s deploy example works: web’s v1.2.3 exists in prod’s registry, scanned without critical findings', async () => {
    const ecr = new ECRClient({ region: PROD, credentials, maxAttempts: 1 });
    const { imageScanFindings } = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'shop/web', imageId: { imageTag: 'v1.2.3' } }),
    );
    expect(imageScanFindings!.findingSeverityCounts).toEqual({ MEDIUM: 2, LOW: 5 });
    await expect(
      ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'shop/worker', imageId: { imageTag: 'v3.5.0' } })),
    ).rejects.toBeInstanceOf(ScanNotFoundException);
  });
});

describe('history replayed on the world’s clock', () => {
  it('web-prod runs its last release on every task, after deployments that ECS remembers', async () => {
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'shop-prod', services: ['web-prod'] }));
    const s = services![0]!;
    expect(s).toMatchObject({ desiredCount: 4, runningCount: 4, pendingCount: 0 });
    expect(s.taskDefinition).toBe('arn:aws:ecs:eu-west-1:222222222222:task-definition/web-prod:42');
    expect(s.deployments).toEqual([expect.objectContaining({ status: 'PRIMARY', rolloutState: 'COMPLETED' })]);
    const history = await ecs().send(new ListServiceDeploymentsCommand({ cluster: 'shop-prod', service: 'web-prod' }));
    expect(history.serviceDeployments!.map((d) => d.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    const ages = history.serviceDeployments!.map((d) => (Date.now() - d.createdAt!.getTime()) / 86_400_000);
    expect(Math.round(ages[0]!)).toBe(2);
    expect(Math.round(ages[1]!)).toBe(9);
    // A task of :42 reports the digest of v1.2.2 as ECR knows it.
    const running = await ecs().send(new ListTasksCommand({ cluster: 'shop-prod', serviceName: 'web-prod' }));
    const { tasks } = await ecs().send(new DescribeTasksCommand({ cluster: 'shop-prod', tasks: running.taskArns! }));
    const { imageDetails } = await new ECRClient({ region: PROD, credentials, maxAttempts: 1 }).send(
      new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1.2.2' }] }),
    );
    expect(new Set(tasks!.map((t) => t.containers![0]!.imageDigest))).toEqual(new Set([imageDetails![0]!.imageDigest]));
  });

  it('the OOM incident: a stopped task with exit 137 and its reason, its last lines in its log stream, and a replacement', async () => {
    const stopped = await ecs().send(new ListTasksCommand({ cluster: 'shop-prod', serviceName: 'web-prod', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toHaveLength(1);
    const { tasks } = await ecs().send(new DescribeTasksCommand({ cluster: 'shop-prod', tasks: stopped.taskArns! }));
    const t = tasks![0]!;
    expect(t.stopCode).toBe('EssentialContainerExited');
    expect(t.containers![0]).toMatchObject({ exitCode: 137, reason: OOM_REASON });
    expect(Math.round((Date.now() - t.stoppedAt!.getTime()) / 60_000)).toBe(41);
    const taskId = t.taskArn!.split('/').pop();
    const logs = await new CloudWatchLogsClient({ region: PROD, credentials, maxAttempts: 1 }).send(
      new FilterLogEventsCommand({ logGroupName: '/ecs/web-prod', logStreamNames: [`ecs/web/${taskId}`] }),
    );
    expect(logs.events!.at(-1)!.message).toContain('JavaScript heap out of memory');
  });

  it('running tasks have been logging', async () => {
    const logs = await new CloudWatchLogsClient({ region: PROD, credentials, maxAttempts: 1 }).send(
      new FilterLogEventsCommand({ logGroupName: '/ecs/worker-prod', startTime: Date.now() - 15 * 60_000 }),
    );
    expect(logs.events!.length).toBeGreaterThan(20);
    expect(logs.events!.some((e) => e.message!.includes('sync-inventory'))).toBe(true);
  });

  it('each region is its own: staging’s cluster is in eu-central-1 only', async () => {
    await expect(
      ecs(STAGING).send(new DescribeServicesCommand({ cluster: 'shop-staging', services: ['web-staging'] })),
    ).resolves.toMatchObject({
      services: [expect.objectContaining({ serviceArn: 'arn:aws:ecs:eu-central-1:111111111111:service/shop-staging/web-staging' })],
    });
    await expect(
      ecs(PROD).send(new DescribeServicesCommand({ cluster: 'shop-staging', services: ['web-staging'] })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(
      ecs('us-west-2').send(new DescribeServicesCommand({ cluster: 'shop-prod', services: ['web-prod'] })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
  });

  it('costs are the demo’s, per account and region, by the ECS-managed tags', async () => {
    const ce = new CostExplorerClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: day(8), End: day(1) },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        Filter: {
          And: [
            { Dimensions: { Key: 'SERVICE', Values: ['Amazon Elastic Container Service'] } },
            { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['222222222222'] } },
          ],
        },
        GroupBy: [{ Type: 'TAG', Key: 'aws:ecs:serviceName' }],
      }),
    );
    const keys = new Set(out.ResultsByTime!.flatMap((r) => r.Groups!.map((g) => g.Keys![0])));
    expect(keys).toEqual(new Set(['aws:ecs:serviceName$web-prod', 'aws:ecs:serviceName$worker-prod']));
  });
});

describe('time and the simulate menu', () => {
  /** A new deployment of web-prod on its current task definition (as a restart makes): a rollout in progress. */
  async function forceWebRollout(): Promise<void> {
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'shop-prod', services: ['web-prod'] }));
    await ecs().send(
      new UpdateServiceCommand({
        cluster: 'shop-prod',
        service: 'web-prod',
        taskDefinition: services![0]!.taskDefinition,
        forceNewDeployment: true,
      }),
    );
  }

  it('a rollout moves on with each tick, and ECS’s events reach the listeners', async () => {
    await forceWebRollout();
    const id = demo.rolloutInProgress('web-prod')!.id;
    expect(events.map((e) => e.detail.eventName)).toEqual(['SERVICE_DEPLOYMENT_IN_PROGRESS']);
    let ticks = 0;
    while (demo.rolloutInProgress('web-prod') && ticks < 50) {
      demo.tick();
      ticks++;
    }
    // 4 new tasks start, 4 old ones stop, then the deployment completes.
    expect(ticks).toBe(9);
    expect(events.filter((e) => e['detail-type'] === 'ECS Task State Change')).toHaveLength(8);
    expect(events.find((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED')!.detail.deploymentId).toBe(id);
  });

  it('rollout items exist only while a rollout is in progress, named by its real deployment id, and act on it', async () => {
    expect(simulations(demo).filter((s) => s.id.startsWith('rollout'))).toEqual([
      expect.objectContaining({ id: 'rollout-none', disabled: true }),
    ]);
    expect(simulate(demo, 'rollout-complete:web-prod')).toEqual({ ok: false, error: 'web has no rollout in progress' });
    await forceWebRollout();
    const id = demo.rolloutInProgress('web-prod')!.id;
    const items = simulations(demo).filter((s) => s.id.startsWith('rollout'));
    expect(items.map((s) => s.label)).toEqual([`web: rollout ${id} completes now`, `web: rollout ${id} fails (circuit breaker)`]);

    expect(simulate(demo, 'rollout-fail:web-prod')).toEqual({ ok: true });
    const failed = events.find((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_FAILED')!;
    expect(failed.detail.deploymentId).toBe(id);
    // The circuit breaker rolls back: a new rollout, with its own id, is what the menu offers now.
    const rollback = demo.rolloutInProgress('web-prod')!.id;
    expect(rollback).not.toBe(id);
    expect(simulate(demo, 'rollout-complete:web-prod')).toEqual({ ok: true });
    expect(events.filter((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED').at(-1)!.detail.deploymentId).toBe(rollback);
  });

  it('every fixed simulation makes ECS send events about the demo clusters', () => {
    for (const item of simulations(demo).filter((s) => !s.disabled)) {
      const before = events.length;
      expect(simulate(demo, item.id)).toEqual({ ok: true });
      const sent = events.slice(before);
      expect(sent.length).toBeGreaterThan(0);
      for (const e of sent) {
        expect(e.source).toBe('aws.ecs');
        expect(e.resources[0]).toMatch(/^arn:aws:ecs:eu-west-1:222222222222:(task|service)\/shop-prod\//);
      }
    }
    expect(events.find((e) => e['detail-type'] === 'ECS Service Action')!.detail.eventName).toBe('SERVICE_TASK_START_IMPAIRED');
    const oom = events.find((e) => (e.detail.containers as Array<{ exitCode?: number }> | undefined)?.[0]?.exitCode === 137)!;
    expect((oom.detail.containers as Array<{ reason?: string }>)[0]!.reason).toBe(OOM_REASON);
    expect(simulate(demo, 'nope')).toEqual({ ok: false, error: 'no simulation "nope"' });
  });
});
