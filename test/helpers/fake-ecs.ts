/**
 * A small stateful stand-in for the ECS API, installed on an aws-sdk-client-mock stub, so the
 * change verbs' end-to-end tests can run whole flows: RegisterTaskDefinition creates the next
 * revision, UpdateService starts a PRIMARY deployment (the old one becomes ACTIVE), and the test
 * then moves the rollout on (complete, circuit-breaker rollback, progress) and feeds the events.
 *
 * Every answer has the documented response shape (DescribeServices with `failures`,
 * deployments with rolloutState, UpdateService returning the service, currentServiceDeployment,
 * DescribeTaskDefinition with `tags` for include TAGS, ListServiceDeployments briefs,
 * DescribeServiceDeployments with source/target revisions, DescribeServiceRevisions), and
 * failures are the SDK's own exception classes. Faults are queued per operation.
 */
import {
  ClientException,
  ConflictException,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceDeploymentNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type Deployment,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type ServiceDeployment,
  type ServiceRevision,
  type Tag,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type EcsStub = AwsClientStub<ECSClient>;

export const META = { httpStatusCode: 400, requestId: 'fake-request', attempts: 1, totalRetryDelay: 0 };

interface FakeEcsOptions {
  region: string;
  account: string;
  now: () => number;
}

type Op = 'RegisterTaskDefinition' | 'UpdateService' | 'StopServiceDeployment' | 'DescribeServices' | 'ListServiceDeployments';

export class FakeEcs {
  readonly services = new Map<string, Service>();
  readonly taskDefinitions = new Map<string, { taskDefinition: TaskDefinition; tags: Tag[] }>();
  readonly stopped = new Map<string, Task[]>();
  readonly running = new Map<string, Task[]>();
  readonly history = new Map<string, { deployments: ServiceDeployment[]; revisions: ServiceRevision[] }>();
  readonly registered: RegisterTaskDefinitionCommandInput[] = [];
  private faults = new Map<Op, unknown[]>();
  private afterApply = new Map<Op, unknown[]>();
  private during = new Map<Op, Array<() => Promise<void>>>();

  /** Deployments this world started (their ids count up from a fixed base, distinct and the same in every run). */
  private deploymentSeq = 0;

  constructor(readonly o: FakeEcsOptions) {}

  private nextId(base: bigint): string {
    return `ecs-svc/${base + BigInt(this.deploymentSeq++)}`;
  }

  arn(kind: string, path: string): string {
    return `arn:aws:ecs:${this.o.region}:${this.o.account}:${kind}/${path}`;
  }

  tdArn(family: string, revision: number): string {
    return this.arn('task-definition', `${family}:${revision}`);
  }

  /** The next `op` call throws `err` (queue several for several calls). */
  failNext(op: Op, err: unknown): void {
    const q = this.faults.get(op) ?? [];
    q.push(err);
    this.faults.set(op, q);
  }

  /** The next `op` call takes effect, then throws `err` (the answer was lost: an unknown outcome). */
  failAfterApply(op: Op, err: unknown): void {
    const q = this.afterApply.get(op) ?? [];
    q.push(err);
    this.afterApply.set(op, q);
  }

  /**
   * The next `op` call first awaits `fn` (what happens elsewhere while ECS takes the call: a click,
   * another job), then takes effect as usual. Only UpdateService awaits it.
   */
  whileApplying(op: Op, fn: () => Promise<void>): void {
    const q = this.during.get(op) ?? [];
    q.push(fn);
    this.during.set(op, q);
  }

  private fault(op: Op): void {
    const q = this.faults.get(op);
    if (q?.length) throw q.shift();
  }

  private lost(op: Op): void {
    const q = this.afterApply.get(op);
    if (q?.length) throw q.shift();
  }

  addTaskDefinition(td: TaskDefinition, tags: Tag[] = []): string {
    const arn = td.taskDefinitionArn ?? this.tdArn(td.family!, td.revision!);
    this.taskDefinitions.set(arn, { taskDefinition: { ...td, taskDefinitionArn: arn }, tags });
    return arn;
  }

  addService(cluster: string, svc: Service): void {
    this.services.set(`${cluster}/${svc.serviceName}`, svc);
  }

  service(cluster: string, name: string): Service {
    const s = this.services.get(`${cluster}/${name}`);
    if (!s) throw new Error(`no fake service ${cluster}/${name}`);
    return s;
  }

  private primary(s: Service): Deployment {
    return s.deployments!.find((d) => d.status === 'PRIMARY')!;
  }

  /** The rollout of the PRIMARY deployment finished: one deployment left, all tasks running. */
  complete(cluster: string, name: string): void {
    const s = this.service(cluster, name);
    const p = this.primary(s);
    Object.assign(p, {
      rolloutState: 'COMPLETED',
      rolloutStateReason: `ECS deployment ${p.id} completed.`,
      runningCount: p.desiredCount,
      pendingCount: 0,
      updatedAt: new Date(this.o.now()),
    });
    s.deployments = [p];
    Object.assign(s, { runningCount: p.desiredCount, pendingCount: 0, taskDefinition: p.taskDefinition });
  }

  /** Some of the new tasks are running. */
  progress(cluster: string, name: string, running: number, failed = 0): void {
    const s = this.service(cluster, name);
    const p = this.primary(s);
    Object.assign(p, {
      runningCount: running,
      pendingCount: Math.max(0, (p.desiredCount ?? 0) - running),
      failedTasks: failed,
      updatedAt: new Date(this.o.now()),
    });
    s.runningCount = running + s.deployments!.filter((d) => d !== p).reduce((n, d) => n + (d.runningCount ?? 0), 0);
  }

  /**
   * The circuit breaker tripped: the PRIMARY deployment FAILED and ECS started a rollback to the
   * task definition of the previous (ACTIVE) deployment, which becomes a new PRIMARY.
   */
  circuitBreakerRollback(cluster: string, name: string, failedTasks = 3): string {
    const s = this.service(cluster, name);
    const failed = this.primary(s);
    const previous = s.deployments!.find((d) => d.status === 'ACTIVE')!;
    Object.assign(failed, {
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      runningCount: 0,
      pendingCount: 0,
      failedTasks,
      desiredCount: 0,
      updatedAt: new Date(this.o.now()),
    });
    const rollback: Deployment = {
      id: this.nextId(9000000000000000000n),
      status: 'PRIMARY',
      taskDefinition: previous.taskDefinition,
      desiredCount: s.desiredCount,
      runningCount: previous.runningCount,
      pendingCount: 0,
      failedTasks: 0,
      createdAt: new Date(this.o.now()),
      updatedAt: new Date(this.o.now()),
      launchType: 'FARGATE',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment detected failure. Rolling back to ${previous.taskDefinition}.`,
    };
    s.deployments = [rollback, failed];
    s.taskDefinition = rollback.taskDefinition;
    return rollback.id!;
  }

  setStopped(cluster: string, name: string, tasks: Task[]): void {
    this.stopped.set(`${cluster}/${name}`, tasks);
  }

  /** Tasks ListTasks (desiredStatus RUNNING) and DescribeTasks answer with for a service. */
  setRunning(cluster: string, name: string, tasks: Task[]): void {
    this.running.set(`${cluster}/${name}`, tasks);
  }

  setHistory(cluster: string, name: string, deployments: ServiceDeployment[], revisions: ServiceRevision[]): void {
    this.history.set(`${cluster}/${name}`, { deployments, revisions });
  }

  private newDeployment(s: Service, taskDefinition: string): Deployment {
    const now = new Date(this.o.now());
    const d: Deployment = {
      id: this.nextId(2000000000000000000n),
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: s.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment in progress.',
    };
    for (const old of s.deployments ?? []) if (old.status === 'PRIMARY') old.status = 'ACTIVE';
    s.deployments = [d, ...(s.deployments ?? [])];
    s.taskDefinition = taskDefinition;
    s.currentServiceDeployment = this.arn('service-deployment', `${this.clusterOf(s)}/${s.serviceName}/${d.id!.slice(8)}`);
    return d;
  }

  private clusterOf(s: Service): string {
    return (s.clusterArn ?? '').slice((s.clusterArn ?? '').lastIndexOf('/') + 1);
  }

  private copy<T>(v: T): T {
    return structuredClone(v);
  }

  install(mock: EcsStub): void {
    mock.on(DescribeServicesCommand).callsFake((input: { cluster: string; services: string[] }) => {
      this.fault('DescribeServices');
      const found = input.services.map((n) => this.services.get(`${input.cluster}/${n}`)).filter((s): s is Service => !!s);
      const missing = input.services.filter((n) => !this.services.has(`${input.cluster}/${n}`));
      return {
        services: this.copy(found),
        failures: missing.map((n) => ({ arn: this.arn('service', `${input.cluster}/${n}`), reason: 'MISSING' })),
      };
    });
    mock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string; include?: string[] }) => {
      let entry = this.taskDefinitions.get(input.taskDefinition);
      if (!entry && !input.taskDefinition.startsWith('arn:')) {
        const [family, rev] = input.taskDefinition.split(':');
        const candidates = [...this.taskDefinitions.values()].filter(
          (e) => e.taskDefinition.family === family && e.taskDefinition.status === 'ACTIVE',
        );
        entry = rev
          ? candidates.find((e) => e.taskDefinition.revision === Number(rev))
          : candidates.sort((a, b) => b.taskDefinition.revision! - a.taskDefinition.revision!)[0];
      }
      if (!entry) throw new ClientException({ message: 'Unable to describe task definition.', $metadata: META });
      return {
        taskDefinition: this.copy(entry.taskDefinition),
        ...(input.include?.includes('TAGS') ? { tags: this.copy(entry.tags) } : {}),
      };
    });
    mock.on(RegisterTaskDefinitionCommand).callsFake((input: RegisterTaskDefinitionCommandInput) => {
      this.fault('RegisterTaskDefinition');
      for (const ro of [
        'taskDefinitionArn',
        'revision',
        'status',
        'requiresAttributes',
        'compatibilities',
        'registeredAt',
        'registeredBy',
      ]) {
        if (ro in input) throw new ClientException({ message: `Unexpected key '${ro}' found in params`, $metadata: META });
      }
      this.registered.push(this.copy(input));
      const revision =
        Math.max(
          0,
          ...[...this.taskDefinitions.values()]
            .filter((e) => e.taskDefinition.family === input.family)
            .map((e) => e.taskDefinition.revision!),
        ) + 1;
      const { tags, ...rest } = input;
      const td: TaskDefinition = {
        ...this.copy(rest),
        taskDefinitionArn: this.tdArn(input.family!, revision),
        revision,
        status: 'ACTIVE',
        compatibilities: ['EC2', 'FARGATE'],
        requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
        registeredAt: new Date(this.o.now()),
        registeredBy: `arn:aws:sts::${this.o.account}:assumed-role/ecs-chatops-worker/worker`,
      };
      this.addTaskDefinition(td, tags ?? []);
      this.lost('RegisterTaskDefinition');
      return { taskDefinition: this.copy(td), tags: tags ?? [] };
    });
    mock
      .on(UpdateServiceCommand)
      .callsFake(
        async (input: {
          cluster: string;
          service: string;
          taskDefinition?: string;
          desiredCount?: number;
          forceNewDeployment?: boolean;
        }) => {
          await this.during.get('UpdateService')?.shift()?.();
          this.fault('UpdateService');
          const s = this.services.get(`${input.cluster}/${input.service}`);
          if (!s)
            throw Object.assign(new ClientException({ message: 'Service not found.', $metadata: META }), {
              name: 'ServiceNotFoundException',
            });
          if (input.desiredCount !== undefined) {
            s.desiredCount = input.desiredCount;
            const p = this.primary(s);
            p.desiredCount = input.desiredCount;
            p.pendingCount = Math.max(0, input.desiredCount - (p.runningCount ?? 0));
          }
          if (input.taskDefinition && !this.taskDefinitions.has(input.taskDefinition)) {
            throw new ClientException({ message: 'TaskDefinition not found.', $metadata: META });
          }
          if ((input.taskDefinition && input.taskDefinition !== s.taskDefinition) || input.forceNewDeployment) {
            this.newDeployment(s, input.taskDefinition ?? s.taskDefinition!);
          }
          this.lost('UpdateService');
          return { service: this.copy(s) };
        },
      );
    mock.on(StopServiceDeploymentCommand).callsFake((input: { serviceDeploymentArn: string; stopType?: string }) => {
      this.fault('StopServiceDeployment');
      const s = [...this.services.values()].find((x) => x.currentServiceDeployment === input.serviceDeploymentArn);
      if (!s) throw new ServiceDeploymentNotFoundException({ message: 'The service deployment does not exist.', $metadata: META });
      const cluster = this.clusterOf(s);
      // Only an ongoing deployment can be stopped (PENDING / IN_PROGRESS roll back; one already rolling
      // back goes on doing so); a finished one is a conflict.
      const target = s.deployments!.find((d) => s.currentServiceDeployment!.endsWith(`/${d.id!.slice(8)}`)) ?? this.primary(s);
      if (target.rolloutState === 'FAILED') return { serviceDeploymentArn: input.serviceDeploymentArn };
      if (target.rolloutState === 'COMPLETED' || target.status !== 'PRIMARY') {
        throw new ConflictException({
          message: 'The service deployment cannot be stopped in its current state.',
          $metadata: META,
        });
      }
      this.circuitBreakerRollback(cluster, s.serviceName!, 0);
      const failed = s.deployments!.find((d) => d.rolloutState === 'FAILED')!;
      failed.rolloutStateReason = 'Service deployment rolled back because of a stop request.';
      return { serviceDeploymentArn: input.serviceDeploymentArn };
    });
    mock.on(ListTasksCommand).callsFake((input: { cluster: string; serviceName: string; desiredStatus?: string }) => {
      const tasks =
        input.desiredStatus === 'STOPPED'
          ? (this.stopped.get(`${input.cluster}/${input.serviceName}`) ?? [])
          : (this.running.get(`${input.cluster}/${input.serviceName}`) ?? []);
      return { taskArns: tasks.map((t) => t.taskArn!) };
    });
    mock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => {
      const all = [...this.stopped.values(), ...this.running.values()].flat();
      return { tasks: this.copy(all.filter((t) => input.tasks.includes(t.taskArn!))), failures: [] };
    });
    mock.on(ListServiceDeploymentsCommand).callsFake((input: { cluster: string; service: string }) => {
      this.fault('ListServiceDeployments');
      const h = this.history.get(`${input.cluster}/${input.service}`);
      return {
        serviceDeployments: (h?.deployments ?? []).map((d) => ({
          serviceDeploymentArn: d.serviceDeploymentArn,
          serviceArn: d.serviceArn,
          clusterArn: d.clusterArn,
          createdAt: d.createdAt,
          startedAt: d.startedAt,
          finishedAt: d.finishedAt,
          targetServiceRevisionArn: d.targetServiceRevision?.arn,
          status: d.status,
        })),
      };
    });
    mock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns: string[] }) => {
      const all = [...this.history.values()].flatMap((h) => h.deployments);
      return {
        serviceDeployments: this.copy(all.filter((d) => input.serviceDeploymentArns.includes(d.serviceDeploymentArn!))),
        failures: [],
      };
    });
    mock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => {
      const all = [...this.history.values()].flatMap((h) => h.revisions);
      return { serviceRevisions: this.copy(all.filter((r) => input.serviceRevisionArns.includes(r.serviceRevisionArn!))), failures: [] };
    });
  }
}
