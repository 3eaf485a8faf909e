/**
 * The demo world, alive: DEMO_WORLD (./world.ts) planted in the stateful AWS world of
 * src/loopback/aws/world, one world per region (each region's clusters are one account's), plus
 * one Cost Explorer (a global service) with the demo's daily costs. The loopback endpoint serves
 * it to the bot; `tick()` moves it on (rollouts start and stop one task per service per tick, and
 * running containers keep logging); every EventBridge event ECS would send reaches `onEvent`
 * listeners.
 *
 * Seeding replays history on the world's clock: each release of a service is registered and
 * rolled out at its time, each incident stops a task at its time (and the scheduler replaces it),
 * so ECS's deployment history, stopped tasks, log streams and image digests agree with each
 * other as they would in an account.
 */
import type { KeyValuePair, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { AwsCall, AwsHandlerTable } from '../../loopback/aws/server';
import { AwsWorld, CostWorld, type EcsEventEnvelope, type PushOptions } from '../../loopback/aws/world';
import type { DemoCluster, DemoService, DemoWorld } from './world';

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
/** World time one rollout step takes while history is replayed. */
const SEED_STEP_MS = 30_000;
/** Lines a running task has already written when the playground starts. */
const BACKFILL_LINES = 40;

const REGION_CODES: Record<string, string> = { 'eu-west-1': 'EUW1', 'eu-central-1': 'EUC1', 'us-east-1': 'USE1' };

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const taskIdOf = (task: Pick<Task, 'taskArn'>): string => task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1);
const toKeyValues = (o: Record<string, string>): KeyValuePair[] => Object.entries(o).map(([name, value]) => ({ name, value }));
const toTags = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));

type Listener = (event: EcsEventEnvelope) => void;

export interface DemoServiceRef {
  demo: DemoService;
  cluster: DemoCluster;
  world: AwsWorld;
}

export class DemoAws {
  /** By region. */
  readonly worlds = new Map<string, AwsWorld>();
  readonly cost: CostWorld;
  private readonly listeners = new Set<Listener>();
  /** While history is replayed, the worlds' clock; afterwards undefined (the real clock). */
  private seedAt: number | undefined;
  private readonly lastLog = new Map<string, { at: number; next: number }>();

  constructor(
    readonly demo: DemoWorld,
    private readonly realNow: () => number = Date.now,
  ) {
    const now = () => this.seedAt ?? this.realNow();
    for (const c of demo.clusters) {
      if (!this.worlds.has(c.region)) this.worlds.set(c.region, new AwsWorld({ region: c.region, account: c.accountId, now }));
    }
    // Cost Explorer answers from us-east-1 for every account of the organization; no costs are derived from ECS (the demo's are data).
    this.cost = new CostWorld({ region: 'us-east-1', account: demo.clusters[0]!.accountId, now, services: [] });
    this.seed(this.realNow());
    for (const w of this.worlds.values()) w.ecs.onEvent((e) => this.emit(e));
  }

  /* ------------------------------------------------------------ the endpoint's side */

  /** Every operation, routed to the world of the call's region (SigV4 scope); Cost Explorer is global. */
  handlers(): AwsHandlerTable {
    const tables = new Map([...this.worlds].map(([region, w]) => [region, w.handlers()]));
    const routed: AwsHandlerTable = {};
    const any = [...tables.values()][0]!;
    for (const [service, actions] of Object.entries(any)) {
      routed[service] = {};
      for (const action of Object.keys(actions)) {
        routed[service][action] = (call: AwsCall) => this.regional(tables, call.region)[service]![action]!(call);
      }
    }
    routed.ce = this.cost.handlers();
    return routed;
  }

  private regional(tables: Map<string, AwsHandlerTable>, region: string): AwsHandlerTable {
    let t = tables.get(region);
    if (!t) {
      // Another region of the account: nothing runs there.
      const w = new AwsWorld({ region, account: this.demo.clusters[0]!.accountId, now: () => this.seedAt ?? this.realNow() });
      this.worlds.set(region, w);
      t = w.handlers();
      tables.set(region, t);
    }
    return t;
  }

  /** EventBridge: every ECS event of every region; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An event ECS sends that the world has no operation for (e.g. SERVICE_TASK_START_IMPAIRED). */
  emit(event: EcsEventEnvelope): void {
    if (this.seedAt !== undefined) return;
    for (const l of this.listeners) l(event);
  }

  /** One step of time: every service not at rest starts or stops one task; running containers log. Returns whether ECS changed. */
  tick(): boolean {
    let changed = false;
    for (const w of this.worlds.values()) changed = w.ecs.step() || changed;
    this.keepLogging(this.realNow());
    return changed;
  }

  /* ------------------------------------------------------------ lookups */

  /** A service of the demo by its ECS name. */
  service(name: string): DemoServiceRef {
    const demo = this.demo.services.find((s) => s.name === name);
    if (!demo) throw new Error(`the demo world has no service ${name}`);
    const cluster = this.demo.clusters.find((c) => c.name === demo.cluster)!;
    return { demo, cluster, world: this.worlds.get(cluster.region)! };
  }

  /** The deployment of a service that is rolling out now (its real id), if any. */
  rolloutInProgress(name: string): { id: string; taskDefinition: string } | undefined {
    const { demo, world } = this.service(name);
    const p = world.ecs.service(demo.cluster, demo.name).deployments?.find((d) => d.status === 'PRIMARY');
    return p?.rolloutState === 'IN_PROGRESS' ? { id: p.id!, taskDefinition: p.taskDefinition! } : undefined;
  }

  /** Writes lines to the awslogs stream of a task of a service (the demo's log group `/ecs/<service>`, prefix `ecs`). */
  logTo(ref: DemoServiceRef, task: Pick<Task, 'taskArn'>, lines: ReadonlyArray<{ message: string; timestamp?: number }>): void {
    ref.world.logs.put(`/ecs/${ref.demo.name}`, `ecs/${ref.demo.container}/${taskIdOf(task)}`, lines);
  }

  /* ------------------------------------------------------------ seeding */

  private seed(now: number): void {
    try {
      for (const c of this.demo.clusters) this.worlds.get(c.region)!.ecs.addCluster(c.name);
      this.seedImages(now);
      for (const s of this.demo.services) this.seedService(this.service(s.name), now);
      this.seedCosts(now);
    } finally {
      this.seedAt = undefined;
    }
  }

  private seedImages(now: number): void {
    for (const [region, scanType] of Object.entries(this.demo.registryScanning ?? {})) this.worlds.get(region)?.ecr.setScanning(scanType);
    for (const repo of this.demo.repositories) {
      const world = this.worlds.get(repo.region);
      if (!world) throw new Error(`repository ${repo.name}: no cluster in ${repo.region}`);
      world.ecr.addRepository(repo.name);
      for (const img of [...repo.images].sort((a, b) => b.pushedMinutesAgo - a.pushedMinutesAgo)) {
        const pushedAt = new Date(now - img.pushedMinutesAgo * MINUTE);
        this.seedAt = pushedAt.getTime();
        const scan: Partial<PushOptions> =
          img.scan.status === 'COMPLETE'
            ? { findings: { ...img.scan.findings } as Record<string, number> }
            : img.scan.status === 'NONE'
              ? {}
              : { scanStatus: img.scan.status };
        world.ecr.push(repo.name, {
          tags: img.tags,
          pushedAt,
          sizeBytes: img.sizeBytes,
          ...scan,
          ...(img.labels ? { labels: img.labels } : {}),
          ...(img.index ? { index: true } : {}),
        });
      }
    }
  }

  private taskDefinition(ref: DemoServiceRef, release: DemoService['releases'][number]): TaskDefinition & { family: string } {
    const s = ref.demo;
    return {
      family: s.name,
      revision: release.revision,
      ...(s.taskRoleArn ? { taskRoleArn: s.taskRoleArn } : {}),
      executionRoleArn: s.executionRoleArn,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: s.cpu,
      memory: release.memory ?? s.memory,
      runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
      containerDefinitions: [
        {
          name: s.container,
          image: `${ref.world.ecr.registry}/${s.repository}:${release.tag}`,
          cpu: 0,
          essential: true,
          portMappings: s.port ? [{ containerPort: s.port, hostPort: s.port, protocol: 'tcp' }] : [],
          environment: toKeyValues(s.environment),
          mountPoints: [],
          volumesFrom: [],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': `/ecs/${s.name}`, 'awslogs-region': ref.cluster.region, 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
      volumes: [],
      placementConstraints: [],
    };
  }

  private seedService(ref: DemoServiceRef, now: number): void {
    const { demo: s, world } = ref;
    const tags = toTags(s.tags);
    world.logs.createGroup(`/ecs/${s.name}`);
    s.releases.forEach((release, i) => {
      this.seedAt = now - release.minutesAgo * MINUTE;
      const arn = world.ecs.addTaskDefinition(this.taskDefinition(ref, release), tags);
      if (i === 0) {
        world.ecs.addService(s.cluster, {
          name: s.name,
          taskDefinition: arn,
          desiredCount: s.desiredCount,
          createdAt: new Date(this.seedAt),
          tags,
        });
      } else {
        world.ecs.updateService(s.cluster, s.name, { taskDefinition: arn });
        this.settle(ref);
      }
    });
    for (const incident of [...s.incidents].sort((a, b) => b.minutesAgo - a.minutesAgo)) {
      const at = now - incident.minutesAgo * MINUTE;
      this.seedAt = at;
      const task = world.ecs.crashTask(s.cluster, s.name, {
        exitCode: incident.exitCode,
        ...(incident.stopCode ? { stopCode: incident.stopCode } : {}),
        ...(incident.stoppedReason ? { stoppedReason: incident.stoppedReason } : {}),
        ...(incident.containerReason ? { containerReason: incident.containerReason } : {}),
      });
      const n = incident.logLines.length;
      this.logTo(
        ref,
        task,
        incident.logLines.map((message, j) => ({ message, timestamp: at - (n - j) * 15_000 })),
      );
      this.settle(ref);
    }
    // What the running tasks have written lately.
    this.seedAt = now;
    world.ecs.tasks(s.cluster, s.name, 'RUNNING').forEach((task, t) => {
      const started = task.startedAt ? new Date(task.startedAt).getTime() : now - DAY_MS;
      const lines = Array.from({ length: BACKFILL_LINES }, (_, j) => ({
        message: s.logLines[(j + t * 3) % s.logLines.length]!,
        timestamp: now - 5_000 - t * 1_300 - (BACKFILL_LINES - 1 - j) * s.logEverySeconds * 1000,
      })).filter((l) => l.timestamp > started);
      this.logTo(ref, task, lines);
    });
    this.lastLog.set(s.name, { at: now, next: BACKFILL_LINES });
    if (s.autoScaling) world.autoScaling.register(s.cluster, s.name, s.autoScaling.min, s.autoScaling.max);
  }

  /** Steps one service to rest, each step taking SEED_STEP_MS of world time. */
  private settle(ref: DemoServiceRef): void {
    for (let i = 0; i < 100 && ref.world.ecs.step(ref.demo.cluster, ref.demo.name); i++) this.seedAt = this.seedAt! + SEED_STEP_MS;
  }

  private seedCosts(now: number): void {
    const { costs, clusters } = this.demo;
    const today = Date.parse(`${isoDay(now)}T00:00:00Z`);
    const todayShare = Math.max(1, Math.floor((now - today) / 3_600_000)) / 24;
    costs.trend.forEach((factor, i) => {
      const daysAgo = costs.trend.length - 1 - i;
      const date = isoDay(now - daysAgo * DAY_MS);
      const share = daysAgo === 0 ? todayShare : 1;
      for (const s of costs.services) {
        const c = clusters.find((x) => x.name === s.cluster)!;
        for (const [usageType, amount] of Object.entries(s.daily)) {
          this.cost.addLineItem({
            date,
            service: 'Amazon Elastic Container Service',
            usageType,
            amount: amount * factor * share,
            region: c.region,
            account: c.accountId,
            tags: { 'aws:ecs:clusterName': s.cluster, 'aws:ecs:serviceName': s.service },
          });
        }
      }
      for (const [region, amount] of Object.entries(costs.ecrDaily)) {
        const c = clusters.find((x) => x.region === region)!;
        this.cost.addLineItem({
          date,
          service: 'Amazon EC2 Container Registry (ECR)',
          usageType: `${REGION_CODES[region] ?? region}-TimedStorage-ByteHrs`,
          amount: amount * share,
          region,
          account: c.accountId,
        });
      }
    });
  }

  /** Running containers keep writing their lines, one every `logEverySeconds` per service (to one task in turn). */
  private keepLogging(now: number): void {
    for (const s of this.demo.services) {
      const last = this.lastLog.get(s.name);
      if (!last || now - last.at < s.logEverySeconds * 1000) continue;
      const ref = this.service(s.name);
      const running = ref.world.ecs.tasks(s.cluster, s.name, 'RUNNING');
      if (!running.length) continue;
      this.logTo(ref, running[last.next % running.length]!, [{ message: s.logLines[last.next % s.logLines.length]!, timestamp: now }]);
      this.lastLog.set(s.name, { at: now, next: last.next + 1 });
    }
  }
}
