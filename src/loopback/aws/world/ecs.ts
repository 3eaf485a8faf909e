/**
 * ECS of the fake world (adapted from test/helpers/fake-ecs.ts, which stubs the SDK client in
 * process; this one answers over the wire): clusters of services, task definitions with tags,
 * tasks, and deployments that progress.
 *
 *   RegisterTaskDefinition creates the next revision; UpdateService with a new task definition
 *   (or forceNewDeployment) starts a PRIMARY deployment and the old one becomes ACTIVE; a desired
 *   count changes the running tasks. The world then moves on only when told: step() starts or
 *   stops one task per service that is not at rest, complete() runs the rollout to COMPLETED,
 *   failRollout() trips the circuit breaker (the new tasks exit 1, the deployment FAILS and a
 *   rollback deployment to the previous task definition starts). Every change emits the
 *   EventBridge events ECS sends (./events.ts) to onEvent listeners, writes the containers' log
 *   lines to the Logs world (awslogs options of the task definition), and keeps ECS's deployment
 *   history (ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions).
 *
 * Answers have the documented shapes: DescribeServices with `failures` (MISSING), deployments
 * with rolloutState, currentServiceDeployment, DescribeTaskDefinition with `tags` for include
 * TAGS, ListTasks/DescribeTasks (stopped tasks kept for an hour), StopServiceDeployment. A service
 * seeded with `pauseAt` deploys blue/green with a PAUSE lifecycle hook: each new deployment's service
 * deployment waits at that stage (`lifecycleStage`, `lifecycleHookDetails` AWAITING_ACTION with a
 * hookId and an expiry) until ContinueServiceDeployment CONTINUE (the hook SUCCEEDED) or ROLLBACK
 * (a rollback deployment, as a stop with rollback); a hook no longer waiting is refused.
 * Errors are ECS's: ClusterNotFoundException, ServiceNotFoundException, ClientException
 * ("Unable to describe task definition."), ServiceDeploymentNotFoundException, InvalidParameterException.
 *
 * Standalone tasks: RunTask starts tasks of a task definition (PROVISIONING, `group` and
 * `startedBy` kept, overrides, the awsvpc network interface), idempotent by client token, refused
 * as ECS refuses (see runTaskCall) or answered with `failures` when scripted (scriptRun). Each
 * step moves them PROVISIONING → PENDING → RUNNING (a RUNNING event, the containers' start lines)
 * → STOPPED (a STOPPED event: EssentialContainerExited with the scripted exit code and last log
 * lines, or TaskFailedToStart). StopTask sets desiredStatus STOPPED (UserInitiated, its reason;
 * an event for a RUNNING task) and the task is STOPPED at the next step. ListTasks filters by
 * startedBy, family and desiredStatus; DescribeTasks answers them with the services' tasks. ECS also
 * sends events for PROVISIONING and PENDING: the fake does not (the bot's rule matches RUNNING and
 * STOPPED only).
 */
import type {
  Attachment,
  ContainerDefinition,
  Deployment,
  Failure,
  RegisterTaskDefinitionCommandInput,
  RunTaskCommandInput,
  Service,
  ServiceDeployment,
  ServiceRevision,
  Tag,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { AwsFault } from '../fault';
import type { AwsCall, AwsHandler } from '../server';
import { context, copy, hexId, nameOf, page, requireString, type WorldContext, type WorldOptions } from './common';
import type { EcrWorld } from './ecr';
import { deploymentStateChange, serviceAction, taskStateChange, type EcsEventEnvelope } from './events';
import type { LogsWorld } from './logs';

export interface EcsWorldOptions extends WorldOptions {
  /** Resolves container images to digests (tasks report imageDigest for ECR images). */
  ecr?: EcrWorld;
  /** Where containers' awslogs lines go. */
  logs?: LogsWorld;
}

/** The network every seeded Fargate service runs in: two private subnets, one security group. */
const SERVICE_NETWORK = {
  awsvpcConfiguration: {
    subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60729'],
    securityGroups: ['sg-0123456789abcdef0'],
    assignPublicIp: 'DISABLED' as const,
  },
};

export interface ServiceSeed {
  name: string;
  /** Task definition ARN the service runs (registered with addTaskDefinition). */
  taskDefinition: string;
  desiredCount: number;
  /** When the service and its deployment were created (default: a day ago). */
  createdAt?: Date;
  tags?: Tag[];
  /** Deployment circuit breaker with rollback (default true). */
  circuitBreaker?: boolean;
  deploymentController?: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  status?: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  /** Deploy blue/green, pausing at this lifecycle stage (a PAUSE hook, 60 minutes, then ROLLBACK). */
  pauseAt?: 'POST_SCALE_UP' | 'POST_TEST_TRAFFIC_SHIFT' | 'PRE_PRODUCTION_TRAFFIC_SHIFT' | 'POST_PRODUCTION_TRAFFIC_SHIFT';
}

export interface ServiceChange {
  taskDefinition?: string;
  desiredCount?: number;
  forceNewDeployment?: boolean;
}

export interface TaskFailure {
  exitCode?: number;
  /** The container's last log lines before it stopped. */
  logLines?: string[];
  /** Default: EssentialContainerExited (ServiceSchedulerInitiated for exit code 0). */
  stopCode?: 'EssentialContainerExited' | 'TaskFailedToStart' | 'ServiceSchedulerInitiated' | 'UserInitiated' | 'SpotInterruption';
  stoppedReason?: string;
  /** The essential containers' `reason` (e.g. "OutOfMemoryError: Container killed due to memory usage"). */
  containerReason?: string;
  /** It never ran (TaskFailedToStart): its containers get no exit code. */
  neverRan?: boolean;
}

/**
 * How the next task(s) RunTask starts will go (scriptRun). The default is a clean run: PROVISIONING
 * at RunTask; PENDING at the next step; RUNNING at the one after (the containers write their
 * `starting …` / `… ready` lines, a RUNNING event); its essential containers exit 0 one step later
 * (STOPPED, EssentialContainerExited, a STOPPED event).
 */
export interface RunScript {
  /** The essential containers' exit code when the task ends on its own (default 0). */
  exitCode?: number;
  /** Steps the task stays RUNNING before its essential containers exit (default 1, at least 1); Infinity: until StopTask or exitRun. */
  runSteps?: number;
  /** Lines the essential containers write to their awslogs streams before they exit (as the task's last lines). */
  logLines?: string[];
  /** The essential containers' `reason` when they exit (e.g. "OutOfMemoryError: Container killed due to memory usage"). */
  containerReason?: string;
  /** It never runs: at the step after PENDING it stops with TaskFailedToStart and this stoppedReason (e.g. "CannotPullContainerError: …"). */
  startFailure?: string;
  /** RunTask starts nothing and answers this in `failures` (one per task asked for), e.g. { reason: 'Capacity is unavailable at this time. …' }. */
  capacityFailure?: Failure;
  /** The essential containers' exit code when StopTask stops the running task (default 143: SIGTERM). */
  stopExitCode?: number;
}

/** How a run task ends when a test ends it (exitRun). */
export interface RunOutcome {
  /** Default: the task's script's exitCode (0 unless scripted). */
  exitCode?: number;
  logLines?: string[];
  containerReason?: string;
}

/** A task RunTask started (not a service's): its cluster, its script, where it is in its life. */
interface RunState {
  cluster: string;
  task: Task;
  script: RunScript;
  /** Steps left in RUNNING before its essential containers exit. */
  left: number;
  /** StopTask was called: it stops at the next step. */
  stopping: boolean;
}

type Listener = (event: EcsEventEnvelope) => void;

interface SvcState {
  cluster: string;
  service: Service;
  tasks: Task[];
  history: ServiceDeployment[];
  /** Deployment id → its service deployment ARN. */
  deploymentArns: Map<string, string>;
  /** Deployments that are the circuit breaker's (or a stop's) rollback. */
  rollbacks: Set<string>;
}

const READ_ONLY_TD_KEYS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
];

/** Whether `ref` (a task ARN or id) names `t`. */
const sameTask = (t: Task, ref: string): boolean => t.taskArn === ref || t.taskArn!.endsWith(`/${ref}`);

const taskIdOf = (t: Task): string => t.taskArn!.slice(t.taskArn!.lastIndexOf('/') + 1);

/** JSON with sorted keys: two requests with the same parameters have the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The family of a task definition ARN (`…:task-definition/web-prod:3` → `web-prod`). */
const familyOf = (tdArn: string): string => tdArn.slice(tdArn.lastIndexOf('/') + 1).replace(/:\d+$/, '');

const RUN_TOKEN_TTL_MS = 24 * 3600_000;

let deploymentSeq = 0;
let revisionSeq = 0;

export class EcsWorld {
  private readonly ctx: WorldContext;
  private readonly svcs = new Map<string, SvcState>();
  private readonly clusters = new Set<string>();
  private readonly tds = new Map<string, { taskDefinition: TaskDefinition; tags: Tag[] }>();
  private readonly revisions = new Map<string, ServiceRevision>();
  private readonly listeners = new Set<Listener>();
  private readonly lostAnswers = new Map<string, AwsFault[]>();
  /** Every event emitted, oldest first. */
  readonly events: EcsEventEnvelope[] = [];
  /** Every RegisterTaskDefinition input, as received. */
  readonly registered: RegisterTaskDefinitionCommandInput[] = [];
  /** Every RunTask input, as received (refused ones and idempotent repeats too), oldest first. */
  readonly runTaskInputs: RunTaskCommandInput[] = [];
  /** Tasks RunTask started, oldest first. */
  private readonly runs: RunState[] = [];
  /** Scripts for the next RunTask calls, first in first out. */
  private readonly runScripts: RunScript[] = [];
  /** RunTask client tokens (per cluster, 24 hours): the request's parameters and the tasks it started. */
  private readonly runTokens = new Map<string, { fingerprint: string; taskArns: string[]; at: number }>();

  constructor(private readonly o: EcsWorldOptions) {
    this.ctx = context(o);
  }

  /* ------------------------------------------------------------ naming */

  arn(kind: string, path: string): string {
    return `arn:aws:ecs:${this.ctx.region}:${this.ctx.account}:${kind}/${path}`;
  }

  tdArn(family: string, revision: number): string {
    return this.arn('task-definition', `${family}:${revision}`);
  }

  /* ------------------------------------------------------------ events */

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EcsEventEnvelope): void {
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  private where() {
    return { account: this.ctx.account, region: this.ctx.region, at: this.ctx.now() };
  }

  /* ------------------------------------------------------------ seeding */

  /** Registers a task definition as given (revision = next of its family unless set). Returns its ARN. */
  addTaskDefinition(td: TaskDefinition & { family: string }, tags: Tag[] = []): string {
    const revision = td.revision ?? this.nextRevision(td.family);
    const arn = td.taskDefinitionArn ?? this.tdArn(td.family, revision);
    this.tds.set(arn, {
      taskDefinition: {
        status: 'ACTIVE',
        registeredAt: new Date(this.ctx.now()),
        compatibilities: ['EC2', 'FARGATE'],
        ...copy(td),
        revision,
        taskDefinitionArn: arn,
      },
      tags: copy(tags),
    });
    return arn;
  }

  taskDefinition(arn: string): TaskDefinition | undefined {
    return copy(this.tds.get(arn)?.taskDefinition);
  }

  /** A task definition by ARN, family:revision or family (its latest ACTIVE revision): its ARN and roles, as the loopback IAM asks (IamLookup). */
  taskDefinitionRoles(ref: string): { taskDefinitionArn: string; taskRoleArn?: string; executionRoleArn?: string } | undefined {
    const td = this.findTd(ref)?.taskDefinition;
    if (!td) return undefined;
    return {
      taskDefinitionArn: td.taskDefinitionArn!,
      ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
      ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
    };
  }

  deregisterTaskDefinition(arn: string): void {
    const e = this.tds.get(arn);
    if (e) Object.assign(e.taskDefinition, { status: 'INACTIVE', deregisteredAt: new Date(this.ctx.now()) });
  }

  private nextRevision(family: string): number {
    return (
      Math.max(0, ...[...this.tds.values()].filter((e) => e.taskDefinition.family === family).map((e) => e.taskDefinition.revision ?? 0)) +
      1
    );
  }

  addCluster(name: string): void {
    this.clusters.add(name);
  }

  /** A service at rest: one COMPLETED deployment with all its tasks running, and that deployment in ECS's history. */
  addService(cluster: string, seed: ServiceSeed): Service {
    if (!this.tds.has(seed.taskDefinition))
      throw new Error(`addService ${seed.name}: task definition ${seed.taskDefinition} is not registered`);
    this.clusters.add(cluster);
    const createdAt = seed.createdAt ?? new Date(this.ctx.now() - 24 * 3600_000);
    const d: Deployment = {
      id: this.nextDeploymentId(),
      status: 'PRIMARY',
      taskDefinition: seed.taskDefinition,
      desiredCount: seed.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt,
      updatedAt: createdAt,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      networkConfiguration: copy(SERVICE_NETWORK),
      rolloutState: 'COMPLETED',
      rolloutStateReason: 'ECS deployment completed.',
    };
    const circuitBreaker = seed.circuitBreaker ?? true;
    const service: Service = {
      serviceArn: this.arn('service', `${cluster}/${seed.name}`),
      serviceName: seed.name,
      clusterArn: this.arn('cluster', cluster),
      status: seed.status ?? 'ACTIVE',
      desiredCount: seed.desiredCount,
      runningCount: 0,
      pendingCount: 0,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      platformFamily: 'Linux',
      // A Fargate service's awsvpc network (a RunTask of its task definition needs one like it).
      networkConfiguration: copy(SERVICE_NETWORK),
      taskDefinition: seed.taskDefinition,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: circuitBreaker, rollback: circuitBreaker },
        maximumPercent: seed.maximumPercent ?? 200,
        minimumHealthyPercent: seed.minimumHealthyPercent ?? 100,
        ...(seed.pauseAt
          ? {
              strategy: 'BLUE_GREEN' as const,
              bakeTimeInMinutes: 5,
              lifecycleHooks: [
                {
                  targetType: 'PAUSE' as const,
                  lifecycleStages: [seed.pauseAt],
                  timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' as const },
                },
              ],
            }
          : {}),
      },
      deploymentController: { type: seed.deploymentController ?? 'ECS' },
      deployments: [d],
      events: [],
      createdAt,
      createdBy: `arn:aws:iam::${this.ctx.account}:role/deployer`,
      schedulingStrategy: 'REPLICA',
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
      enableExecuteCommand: false,
      availabilityZoneRebalancing: 'ENABLED',
      ...(seed.tags ? { tags: copy(seed.tags) } : {}),
    };
    const st: SvcState = { cluster, service, tasks: [], history: [], deploymentArns: new Map(), rollbacks: new Set() };
    this.svcs.set(`${cluster}/${seed.name}`, st);
    this.recordServiceDeployment(st, d, [], createdAt);
    const sd = st.history[0]!;
    Object.assign(sd, { status: 'SUCCESSFUL', finishedAt: new Date(createdAt.getTime() + 4 * 60_000), statusReason: undefined });
    for (let i = 0; i < seed.desiredCount; i++) this.startTask(st, d, { quiet: true, at: createdAt });
    this.recount(st);
    this.serviceEvent(st, `(service ${seed.name}) has reached a steady state.`, createdAt);
    return copy(service);
  }

  /** Every service: cluster and name. */
  serviceNames(): Array<{ cluster: string; name: string }> {
    return [...this.svcs.values()].map((st) => ({ cluster: st.cluster, name: st.service.serviceName! }));
  }

  /** The live state of a service (a copy). */
  service(cluster: string, name: string): Service {
    return copy(this.state(cluster, name).service);
  }

  /** Tasks of a service: RUNNING ones, or STOPPED ones (newest first), or all. */
  tasks(cluster: string, name: string, status?: 'RUNNING' | 'STOPPED'): Task[] {
    const all = this.state(cluster, name).tasks;
    const pick = status ? all.filter((t) => t.desiredStatus === status) : all;
    return copy(status === 'STOPPED' ? [...pick].reverse() : pick);
  }

  /** The service deployments of a service, newest first. */
  serviceDeployments(cluster: string, name: string): ServiceDeployment[] {
    return copy([...this.state(cluster, name).history].reverse());
  }

  private state(cluster: string, name: string): SvcState {
    const s = this.svcs.get(`${cluster}/${name}`);
    if (!s) throw new Error(`no service ${cluster}/${name} in the fake ECS world`);
    return s;
  }

  /** The next `action` call takes effect, then answers `fault` (the answer was lost: an unknown outcome). */
  failAfterApply(action: 'RegisterTaskDefinition' | 'UpdateService', fault: AwsFault): void {
    const q = this.lostAnswers.get(action) ?? [];
    q.push(fault);
    this.lostAnswers.set(action, q);
  }

  private lost(action: string): void {
    const f = this.lostAnswers.get(action)?.shift();
    if (f) throw f;
  }

  /**
   * UpdateService as ECS does it: a new desired count, and a new deployment when the task
   * definition changes or forceNewDeployment is set. Throws an AwsFault when ECS would refuse.
   * Returns the service as UpdateService answers it.
   */
  updateService(cluster: string, name: string, change: ServiceChange): Service {
    const st = this.svcFromInput(cluster, name);
    const s = st.service;
    if (s.deploymentController?.type && s.deploymentController.type !== 'ECS' && change.taskDefinition) {
      throw new AwsFault(
        'InvalidParameterException',
        'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
      );
    }
    let td: string | undefined;
    if (change.taskDefinition) {
      const entry = this.findTd(change.taskDefinition);
      if (!entry) throw new AwsFault('ClientException', 'TaskDefinition not found.');
      if (entry.taskDefinition.status !== 'ACTIVE') throw new AwsFault('ClientException', 'TaskDefinition is inactive');
      td = entry.taskDefinition.taskDefinitionArn;
    }
    if (change.desiredCount !== undefined) {
      if (!Number.isInteger(change.desiredCount) || change.desiredCount < 0)
        throw new AwsFault('InvalidParameterException', 'desiredCount must be a non-negative integer.');
      s.desiredCount = change.desiredCount;
      const p = this.primary(st);
      if (p) p.desiredCount = change.desiredCount;
    }
    if ((td && td !== s.taskDefinition) || change.forceNewDeployment) this.newDeployment(st, td ?? s.taskDefinition!);
    this.recount(st);
    return copy(s);
  }

  /* ------------------------------------------------------------ progress */

  /**
   * One step of every service not at rest (or of one service): a task of the PRIMARY deployment
   * starts, else a task of an older deployment stops, else the deployment completes. Without a
   * service, also one step of every task RunTask started (stepRuns). Returns whether anything changed.
   */
  step(cluster?: string, name?: string): boolean {
    const targets = cluster && name ? [this.state(cluster, name)] : [...this.svcs.values()];
    let changed = false;
    for (const st of targets) changed = this.stepOne(st) || changed;
    if (!(cluster && name)) changed = this.stepRuns() || changed;
    return changed;
  }

  /** Steps until the service is at rest (its rollout COMPLETED, its task count as desired). */
  complete(cluster: string, name: string): void {
    const st = this.state(cluster, name);
    for (let i = 0; i < 1000 && this.stepOne(st); i++);
  }

  /** Steps every service until all are at rest, and every run task until it is STOPPED (or runs until stopped: runSteps Infinity). */
  settle(): void {
    for (let i = 0; i < 10_000 && this.step(); i++);
  }

  private stepOne(st: SvcState): boolean {
    const s = st.service;
    const p = this.primary(st);
    if (!p) return false;
    const running = (d: Deployment) => st.tasks.filter((t) => t.startedBy === d.id && t.desiredStatus === 'RUNNING');
    if ((p.runningCount ?? 0) < (p.desiredCount ?? 0)) {
      this.startTask(st, p);
      this.recount(st);
      return true;
    }
    const old = (s.deployments ?? []).find((d) => d !== p && running(d).length > 0);
    if (old) {
      this.stopTask(st, running(old)[0]!, {
        exitCode: 0,
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${p.id})`,
      });
      this.recount(st);
      return true;
    }
    if ((p.runningCount ?? 0) > (p.desiredCount ?? 0)) {
      const tasks = running(p);
      this.stopTask(st, tasks[tasks.length - 1]!, {
        exitCode: 0,
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${p.id})`,
      });
      this.recount(st);
      return true;
    }
    const leftovers = (s.deployments ?? []).filter((d) => d !== p && d.rolloutState !== 'FAILED');
    const failedOnes = (s.deployments ?? []).filter((d) => d !== p && d.rolloutState === 'FAILED');
    if (p.rolloutState === 'IN_PROGRESS' || leftovers.length || failedOnes.length) {
      const wasInProgress = p.rolloutState === 'IN_PROGRESS';
      Object.assign(p, {
        rolloutState: 'COMPLETED',
        rolloutStateReason: `ECS deployment ${p.id} completed.`,
        updatedAt: new Date(this.ctx.now()),
      });
      s.deployments = [p];
      this.recount(st);
      if (wasInProgress) {
        const sd = this.serviceDeploymentOf(st, p.id!);
        if (sd) {
          const rollback = st.rollbacks.has(p.id!);
          Object.assign(sd, {
            status: rollback ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL',
            finishedAt: new Date(this.ctx.now()),
            updatedAt: new Date(this.ctx.now()),
            ...(rollback ? {} : { statusReason: undefined }),
          });
          if (sd.targetServiceRevision) Object.assign(sd.targetServiceRevision, { runningTaskCount: p.runningCount, pendingTaskCount: 0 });
        }
        this.emit(
          deploymentStateChange(this.where(), s.serviceArn!, p.id!, 'SERVICE_DEPLOYMENT_COMPLETED', `ECS deployment ${p.id} completed.`),
        );
        this.serviceEvent(st, `(service ${s.serviceName}) has reached a steady state.`);
        this.emit(serviceAction(this.where(), s.serviceArn!, s.clusterArn!, 'SERVICE_STEADY_STATE'));
      }
      return true;
    }
    return false;
  }

  /**
   * The circuit breaker trips on the PRIMARY deployment: its new tasks exit (code 1 by default)
   * after writing `logLines`, the deployment FAILS, and (rollback on) a new PRIMARY deployment of
   * the previous task definition starts. Returns the rollback deployment's id (undefined without rollback).
   */
  failRollout(cluster: string, name: string, failure: TaskFailure & { failedTasks?: number } = {}): string | undefined {
    const st = this.state(cluster, name);
    const s = st.service;
    const failed = this.primary(st);
    if (!failed || failed.rolloutState !== 'IN_PROGRESS') throw new Error(`failRollout ${cluster}/${name}: no deployment in progress`);
    const previous = (s.deployments ?? []).find((d) => d !== failed && d.status === 'ACTIVE');
    const attempts = failure.failedTasks ?? 3;
    for (const t of st.tasks.filter((x) => x.startedBy === failed.id && x.desiredStatus === 'RUNNING'))
      this.stopTask(st, t, { exitCode: 1, ...failure });
    for (let i = 0; i < attempts; i++) {
      const t = this.startTask(st, failed);
      this.stopTask(st, t, { exitCode: 1, ...failure });
    }
    const reason = 'ECS deployment circuit breaker: tasks failed to start.';
    Object.assign(failed, {
      rolloutState: 'FAILED',
      rolloutStateReason: reason,
      failedTasks: attempts,
      runningCount: 0,
      pendingCount: 0,
      updatedAt: new Date(this.ctx.now()),
    });
    this.emit(deploymentStateChange(this.where(), s.serviceArn!, failed.id!, 'SERVICE_DEPLOYMENT_FAILED', reason));
    const sd = this.serviceDeploymentOf(st, failed.id!);
    const rollback = s.deploymentConfiguration?.deploymentCircuitBreaker?.rollback && previous;
    if (!rollback) {
      if (sd) Object.assign(sd, { status: 'STOPPED', statusReason: reason, stoppedAt: new Date(this.ctx.now()) });
      this.recount(st);
      return undefined;
    }
    return this.rollBack(st, failed, previous, reason, sd);
  }

  private rollBack(st: SvcState, failed: Deployment, previous: Deployment, reason: string, sd: ServiceDeployment | undefined): string {
    const s = st.service;
    failed.status = 'ACTIVE';
    failed.desiredCount = 0;
    const r: Deployment = {
      id: this.nextDeploymentId(),
      status: 'PRIMARY',
      taskDefinition: previous.taskDefinition,
      desiredCount: s.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: new Date(this.ctx.now()),
      updatedAt: new Date(this.ctx.now()),
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment detected failure. Rolling back to ${previous.id}.`,
    };
    // The rollback's old tasks are the ones still running from the previous deployment.
    for (const t of st.tasks) if (t.startedBy === previous.id && t.desiredStatus === 'RUNNING') t.startedBy = r.id;
    s.deployments = [r, ...(s.deployments ?? []).filter((d) => d !== previous)];
    s.taskDefinition = r.taskDefinition;
    st.rollbacks.add(r.id!);
    if (sd) {
      Object.assign(sd, {
        status: 'ROLLBACK_IN_PROGRESS',
        statusReason: reason,
        updatedAt: new Date(this.ctx.now()),
        rollback: { reason, startedAt: new Date(this.ctx.now()), serviceRevisionArn: sd.sourceServiceRevisions?.[0]?.arn },
      });
      st.deploymentArns.set(r.id!, sd.serviceDeploymentArn!);
    }
    this.recount(st);
    this.emit(
      deploymentStateChange(
        this.where(),
        s.serviceArn!,
        r.id!,
        'SERVICE_DEPLOYMENT_IN_PROGRESS',
        `ECS deployment circuit breaker: rolling back to deploymentId ${previous.id}.`,
      ),
    );
    return r.id!;
  }

  /** A running task of the service crashes (exit code 1 by default); the scheduler starts a replacement at the next step. */
  crashTask(cluster: string, name: string, failure: TaskFailure = {}): Task {
    const st = this.state(cluster, name);
    const t = st.tasks.find((x) => x.desiredStatus === 'RUNNING');
    if (!t) throw new Error(`crashTask ${cluster}/${name}: no running task`);
    this.stopTask(st, t, { exitCode: 1, ...failure });
    this.recount(st);
    return copy(t);
  }

  /**
   * A new task of the service's primary deployment fails to start (TaskFailedToStart: an image that
   * cannot be pulled, secrets that cannot be read): as ECS reports one, it never ran, so its
   * containers have no exit code and wrote no log; the running tasks are untouched.
   */
  failTaskStart(cluster: string, name: string, stoppedReason: string): Task {
    const st = this.state(cluster, name);
    const d = this.primary(st);
    if (!d) throw new Error(`failTaskStart ${cluster}/${name}: no primary deployment`);
    const t = this.startTask(st, d, { quiet: true, neverRan: true });
    this.stopTask(st, t, { stopCode: 'TaskFailedToStart', stoppedReason, neverRan: true });
    return copy(t);
  }

  /* ------------------------------------------------------------ standalone tasks (RunTask) */

  /** The next RunTask call goes as `script` says (one script per call, first in first out; unscripted calls run clean, exit 0). */
  scriptRun(script: RunScript): void {
    const steps = script.runSteps ?? 1;
    if (!(steps === Infinity || (Number.isInteger(steps) && steps >= 1)))
      throw new Error(`scriptRun: runSteps must be a whole number of at least 1, or Infinity (got ${steps})`);
    this.runScripts.push(copy(script));
  }

  /** One step of every task RunTask started (services do not move). Returns whether anything changed. */
  stepRuns(): boolean {
    let changed = false;
    for (const r of this.runs) changed = this.stepRun(r) || changed;
    return changed;
  }

  /** Steps one run task (ARN or id) until it is STOPPED, or until it only waits (runSteps Infinity, not stopping). Returns it. */
  completeRun(task: string): Task {
    const r = this.runState(task);
    for (let i = 0; i < 10_000 && this.stepRun(r); i++);
    return copy(r.task);
  }

  /**
   * A run task's essential containers exit now, as `outcome` says (the exit code defaults to its
   * script's, else 0): a task not RUNNING yet first starts (its RUNNING event), then it is STOPPED
   * (EssentialContainerExited, or UserInitiated when StopTask was called) with its STOPPED event.
   */
  exitRun(task: string, outcome: RunOutcome = {}): Task {
    const r = this.runState(task);
    if (r.task.lastStatus === 'STOPPED') throw new Error(`exitRun ${task}: the task is already STOPPED`);
    if (r.task.lastStatus === 'PROVISIONING') this.pendRun(r);
    if (r.task.lastStatus === 'PENDING') this.startRun(r);
    this.endRun(r, {
      exitCode: outcome.exitCode ?? r.script.exitCode ?? 0,
      logLines: outcome.logLines ?? r.script.logLines,
      containerReason: outcome.containerReason ?? r.script.containerReason,
    });
    return copy(r.task);
  }

  /** A task RunTask started, by ARN or id (a copy). */
  runTask(task: string): Task {
    return copy(this.runState(task).task);
  }

  /** The tasks RunTask started (of one cluster, or all), oldest first. */
  runTasks(cluster?: string): Task[] {
    return copy(this.runs.filter((r) => !cluster || r.cluster === cluster).map((r) => r.task));
  }

  /**
   * Where a container of a task (a service's or a run one; ARN or id) writes with awslogs: its group
   * and stream, `<awslogs-stream-prefix>/<container>/<task id>`. The container defaults to the first
   * essential one; undefined when it does not log with awslogs.
   */
  logStreamOf(task: string, container?: string): { group: string; stream: string } | undefined {
    const all = [...[...this.svcs.values()].flatMap((st) => st.tasks), ...this.runs.map((r) => r.task)];
    const t = all.find((x) => sameTask(x, task));
    if (!t) throw new Error(`no task ${task} in the fake ECS world`);
    const td = this.tds.get(t.taskDefinitionArn!)?.taskDefinition;
    const defs = td?.containerDefinitions ?? [];
    const c = container ? defs.find((d) => d.name === container) : (defs.find((d) => d.essential !== false) ?? defs[0]);
    return c ? this.logTarget(td, c, taskIdOf(t)) : undefined;
  }

  private runState(task: string): RunState {
    const r = this.runs.find((x) => sameTask(x.task, task));
    if (!r) throw new Error(`no task ${task} started by RunTask in the fake ECS world`);
    return r;
  }

  private stepRun(r: RunState): boolean {
    const t = r.task;
    if (t.lastStatus === 'STOPPED') return false;
    if (r.stopping) {
      this.endRun(r, { exitCode: r.script.stopExitCode ?? 143 });
      return true;
    }
    if (t.lastStatus === 'PROVISIONING') this.pendRun(r);
    else if (t.lastStatus === 'PENDING' && r.script.startFailure) this.failRunStart(r, r.script.startFailure);
    else if (t.lastStatus === 'PENDING') this.startRun(r);
    else if (r.left === Infinity) return false;
    else if (--r.left <= 0)
      this.endRun(r, { exitCode: r.script.exitCode ?? 0, logLines: r.script.logLines, containerReason: r.script.containerReason });
    return true;
  }

  /** A task as RunTask answers it: PROVISIONING, its containers PENDING, its network interface PRECREATED. */
  private createRun(cluster: string, td: TaskDefinition, input: RunTaskCommandInput, script: RunScript): RunState {
    const taskId = hexId(32);
    const taskArn = this.arn('task', `${cluster}/${taskId}`);
    const now = new Date(this.ctx.now());
    const provider =
      input.capacityProviderStrategy?.find((p) => (p.weight ?? 0) > 0 || (p.base ?? 0) > 0) ?? input.capacityProviderStrategy?.[0];
    const subnet = input.networkConfiguration?.awsvpcConfiguration?.subnets?.[0];
    const attachments: Attachment[] =
      td.networkMode === 'awsvpc' && subnet
        ? [
            {
              id: `${hexId(8)}-${hexId(4)}-${hexId(4)}-${hexId(4)}-${hexId(12)}`,
              type: 'ElasticNetworkInterface',
              status: 'PRECREATED',
              details: [
                { name: 'subnetId', value: subnet },
                { name: 'networkInterfaceId', value: `eni-${hexId(17)}` },
                { name: 'privateIPv4Address', value: `10.0.${parseInt(hexId(2), 16)}.${parseInt(hexId(2), 16)}` },
              ],
            },
          ]
        : [];
    const task: Task = {
      taskArn,
      clusterArn: this.arn('cluster', cluster),
      taskDefinitionArn: td.taskDefinitionArn,
      group: input.group ?? `family:${td.family}`,
      ...(input.startedBy ? { startedBy: input.startedBy } : {}),
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      launchType: 'FARGATE',
      ...(provider ? { capacityProviderName: provider.capacityProvider } : {}),
      platformVersion: !input.platformVersion || input.platformVersion === 'LATEST' ? '1.4.0' : input.platformVersion,
      platformFamily: 'Linux',
      availabilityZone: `${this.ctx.region}a`,
      cpu: input.overrides?.cpu ?? td.cpu ?? '256',
      memory: input.overrides?.memory ?? td.memory ?? '512',
      createdAt: now,
      version: 1,
      attachments,
      overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...copy(input.overrides ?? {}) },
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      ...(input.tags?.length ? { tags: copy(input.tags) } : {}),
      containers: (td.containerDefinitions ?? []).map((c) => ({
        containerArn: this.arn('container', `${cluster}/${taskId}/${hexId(8)}-${hexId(4)}-${hexId(4)}-${hexId(4)}-${hexId(12)}`),
        taskArn,
        name: c.name,
        image: c.image,
        lastStatus: 'PENDING',
        healthStatus: 'UNKNOWN',
        cpu: String(c.cpu ?? 0),
      })),
    };
    const r: RunState = { cluster, task, script, left: script.runSteps ?? 1, stopping: false };
    this.runs.push(r);
    return r;
  }

  private pendRun(r: RunState): void {
    const now = new Date(this.ctx.now());
    Object.assign(r.task, { lastStatus: 'PENDING', pullStartedAt: now, version: (r.task.version ?? 1) + 1 });
    for (const a of r.task.attachments ?? []) a.status = 'ATTACHED';
  }

  /** RUNNING: the images pulled (with their digests), the containers started and logging, a RUNNING event. */
  private startRun(r: RunState): void {
    const now = new Date(this.ctx.now());
    const t = r.task;
    const td = this.tds.get(t.taskDefinitionArn!)?.taskDefinition;
    Object.assign(t, {
      lastStatus: 'RUNNING',
      pullStoppedAt: now,
      startedAt: now,
      connectivity: 'CONNECTED',
      connectivityAt: now,
      version: (t.version ?? 1) + 1,
    });
    for (const c of t.containers ?? []) {
      c.lastStatus = 'RUNNING';
      if (c.image && this.o.ecr?.digestOf(c.image)) c.imageDigest = this.o.ecr.digestOf(c.image);
    }
    for (const c of td?.containerDefinitions ?? []) {
      const where = this.logTarget(td, c, taskIdOf(t));
      if (where && c.essential !== false)
        this.o.logs?.put(where.group, where.stream, [
          { message: `starting ${c.name} (${t.taskDefinitionArn!.split('/').pop()})`, timestamp: now.getTime() },
          { message: `${c.name} ready`, timestamp: now.getTime() },
        ]);
    }
    this.emit(taskStateChange(this.where(), t));
  }

  /** TaskFailedToStart: it never ran, so no container has an exit code or wrote a line. */
  private failRunStart(r: RunState, stoppedReason: string): void {
    const now = new Date(this.ctx.now());
    for (const c of r.task.containers ?? []) c.lastStatus = 'STOPPED';
    for (const a of r.task.attachments ?? []) a.status = 'DELETED';
    Object.assign(r.task, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason,
      stoppingAt: now,
      stoppedAt: now,
      executionStoppedAt: now,
      version: (r.task.version ?? 1) + 1,
    });
    this.emit(taskStateChange(this.where(), r.task));
  }

  /** STOPPED: its containers exit (an exit code only if it ran), the essential ones write their last lines, a STOPPED event. */
  private endRun(r: RunState, how: { exitCode: number; logLines?: string[]; containerReason?: string }): void {
    const now = new Date(this.ctx.now());
    const t = r.task;
    const ran = t.lastStatus === 'RUNNING';
    const td = this.tds.get(t.taskDefinitionArn!)?.taskDefinition;
    for (const c of t.containers ?? []) {
      const def = td?.containerDefinitions?.find((x) => x.name === c.name);
      const essential = def?.essential !== false;
      Object.assign(c, {
        lastStatus: 'STOPPED',
        ...(ran ? { exitCode: essential ? how.exitCode : 0 } : {}),
        ...(ran && essential && how.containerReason ? { reason: how.containerReason } : {}),
      });
      const where = def && ran && essential ? this.logTarget(td, def, taskIdOf(t)) : undefined;
      if (where && how.logLines?.length)
        this.o.logs?.put(
          where.group,
          where.stream,
          how.logLines.map((message) => ({ message })),
        );
    }
    for (const a of t.attachments ?? []) a.status = 'DELETED';
    Object.assign(t, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: t.stopCode ?? 'EssentialContainerExited',
      stoppedReason: t.stoppedReason ?? 'Essential container in task exited',
      stoppingAt: t.stoppingAt ?? now,
      stoppedAt: now,
      executionStoppedAt: now,
      version: (t.version ?? 1) + 1,
    });
    r.stopping = false;
    this.emit(taskStateChange(this.where(), t));
  }

  /** StopTask of a run task: desiredStatus STOPPED now (UserInitiated, its reason), STOPPED at the next step; a RUNNING one sends an event. */
  private requestStop(r: RunState, reason: string | undefined): Task {
    const t = r.task;
    if (t.lastStatus === 'STOPPED' || r.stopping) return t;
    Object.assign(t, {
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: reason ?? 'Task stopped by user',
      stoppingAt: new Date(this.ctx.now()),
      version: (t.version ?? 1) + 1,
    });
    r.stopping = true;
    if (t.lastStatus === 'RUNNING') this.emit(taskStateChange(this.where(), t));
    return t;
  }

  /* ------------------------------------------------------------ internals */

  private nextDeploymentId(): string {
    return `ecs-svc/${(4_000_000_000_000_000_000n + BigInt(++deploymentSeq) * 7_919n).toString()}`;
  }

  private primary(st: SvcState): Deployment | undefined {
    return st.service.deployments?.find((d) => d.status === 'PRIMARY');
  }

  private recount(st: SvcState): void {
    const s = st.service;
    for (const d of s.deployments ?? []) {
      d.runningCount = st.tasks.filter((t) => t.startedBy === d.id && t.desiredStatus === 'RUNNING').length;
      d.pendingCount = d.status === 'PRIMARY' && d.rolloutState !== 'FAILED' ? Math.max(0, (d.desiredCount ?? 0) - d.runningCount) : 0;
    }
    s.runningCount = (s.deployments ?? []).reduce((n, d) => n + (d.runningCount ?? 0), 0);
    s.pendingCount = this.primary(st)?.pendingCount ?? 0;
  }

  private serviceEvent(st: SvcState, message: string, at = new Date(this.ctx.now())): void {
    const events = st.service.events ?? [];
    events.unshift({ id: hexId(8) + '-' + hexId(4), createdAt: at, message });
    st.service.events = events.slice(0, 100);
  }

  private logTarget(td: TaskDefinition | undefined, c: ContainerDefinition, taskId: string): { group: string; stream: string } | undefined {
    const lc = c.logConfiguration;
    if (lc?.logDriver !== 'awslogs') return undefined;
    const group = lc.options?.['awslogs-group'];
    const prefix = lc.options?.['awslogs-stream-prefix'];
    if (!group || !prefix || !td) return undefined;
    return { group, stream: `${prefix}/${c.name}/${taskId}` };
  }

  /** `neverRan`: provisioned only (no start, no container running, no log): one that is about to fail to start. */
  private startTask(st: SvcState, d: Deployment, opts: { quiet?: boolean; at?: Date; neverRan?: boolean } = {}): Task {
    const td = this.tds.get(d.taskDefinition!)?.taskDefinition;
    const taskId = hexId(32);
    const at = opts.at ?? new Date(this.ctx.now());
    const taskArn = this.arn('task', `${st.cluster}/${taskId}`);
    const task: Task = {
      taskArn,
      clusterArn: st.service.clusterArn,
      taskDefinitionArn: d.taskDefinition,
      group: `service:${st.service.serviceName}`,
      startedBy: d.id,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      connectivity: 'CONNECTED',
      availabilityZone: `${this.ctx.region}a`,
      cpu: td?.cpu ?? '256',
      memory: td?.memory ?? '512',
      createdAt: at,
      pullStartedAt: at,
      ...(opts.neverRan ? { lastStatus: 'PROVISIONING', healthStatus: 'UNKNOWN' } : { pullStoppedAt: at, startedAt: at }),
      connectivityAt: at,
      version: 3,
      containers: (td?.containerDefinitions ?? []).map((c) => ({
        containerArn: this.arn('container', `${st.cluster}/${taskId}/${hexId(8)}-${hexId(4)}-${hexId(4)}-${hexId(4)}-${hexId(12)}`),
        taskArn,
        name: c.name,
        image: c.image,
        ...(c.image && this.o.ecr?.digestOf(c.image) ? { imageDigest: this.o.ecr.digestOf(c.image) } : {}),
        lastStatus: opts.neverRan ? 'PENDING' : 'RUNNING',
        healthStatus: 'UNKNOWN',
        cpu: String(c.cpu ?? 0),
      })),
    };
    st.tasks.push(task);
    if (!opts.neverRan)
      for (const c of td?.containerDefinitions ?? []) {
        const where = this.logTarget(td, c, taskId);
        if (where && c.essential !== false)
          this.o.logs?.put(where.group, where.stream, [
            { message: `starting ${c.name} (${d.taskDefinition!.split('/').pop()})`, timestamp: at.getTime() },
            { message: `${c.name} ready`, timestamp: at.getTime() },
          ]);
      }
    if (!opts.quiet) this.emit(taskStateChange(this.where(), task));
    return task;
  }

  private stopTask(_st: SvcState, task: Task, f: TaskFailure): void {
    const now = new Date(this.ctx.now());
    const td = this.tds.get(task.taskDefinitionArn!)?.taskDefinition;
    const taskId = task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1);
    const exitCode = f.exitCode ?? 1;
    for (const c of task.containers ?? []) {
      const def = td?.containerDefinitions?.find((x) => x.name === c.name);
      const essential = def?.essential !== false;
      Object.assign(c, {
        lastStatus: 'STOPPED',
        ...(f.neverRan ? {} : { exitCode: essential ? exitCode : 0 }),
        ...(essential && f.containerReason ? { reason: f.containerReason } : {}),
      });
      const where = def ? this.logTarget(td, def, taskId) : undefined;
      if (where && essential && f.logLines?.length)
        this.o.logs?.put(
          where.group,
          where.stream,
          f.logLines.map((message) => ({ message })),
        );
    }
    const stopCode = f.stopCode ?? (exitCode === 0 ? 'ServiceSchedulerInitiated' : 'EssentialContainerExited');
    Object.assign(task, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode,
      stoppedReason: f.stoppedReason ?? (stopCode === 'EssentialContainerExited' ? 'Essential container in task exited' : stopCode),
      stoppingAt: now,
      stoppedAt: now,
      executionStoppedAt: now,
      version: (task.version ?? 3) + 2,
    });
    this.emit(taskStateChange(this.where(), task));
  }

  private revisionFor(st: SvcState, taskDefinition: string): string {
    const arn = this.arn('service-revision', `${st.cluster}/${st.service.serviceName}/${(6_000_000_000_000 + ++revisionSeq).toString()}`);
    const td = this.tds.get(taskDefinition)?.taskDefinition;
    this.revisions.set(arn, {
      serviceRevisionArn: arn,
      serviceArn: st.service.serviceArn,
      clusterArn: st.service.clusterArn,
      taskDefinition,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      containerImages: (td?.containerDefinitions ?? []).map((c) => ({
        containerName: c.name,
        image: c.image,
        ...(c.image && this.o.ecr?.digestOf(c.image) ? { imageDigest: this.o.ecr.digestOf(c.image) } : {}),
      })),
      guardDutyEnabled: false,
      createdAt: new Date(this.ctx.now()),
    });
    return arn;
  }

  private recordServiceDeployment(st: SvcState, d: Deployment, sources: Deployment[], at: Date): ServiceDeployment {
    const arn = this.arn('service-deployment', `${st.cluster}/${st.service.serviceName}/${hexId(22)}`);
    const sd: ServiceDeployment = {
      serviceDeploymentArn: arn,
      serviceArn: st.service.serviceArn,
      clusterArn: st.service.clusterArn,
      createdAt: at,
      startedAt: at,
      updatedAt: at,
      sourceServiceRevisions: sources.map((s) => ({
        arn: this.revisionFor(st, s.taskDefinition!),
        requestedTaskCount: 0,
        runningTaskCount: s.runningCount ?? 0,
        pendingTaskCount: 0,
      })),
      targetServiceRevision: {
        arn: this.revisionFor(st, d.taskDefinition!),
        requestedTaskCount: d.desiredCount,
        runningTaskCount: 0,
        pendingTaskCount: 0,
      },
      status: 'IN_PROGRESS',
      deploymentConfiguration: copy(st.service.deploymentConfiguration),
      deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 0, threshold: 3 },
    };
    st.history.push(sd);
    st.deploymentArns.set(d.id!, arn);
    st.service.currentServiceDeployment = arn;
    return sd;
  }

  /** A blue/green deployment with a PAUSE hook waits at its stage for ContinueServiceDeployment. */
  private pauseAtHook(st: SvcState, sd: ServiceDeployment, at: Date): void {
    const hook = st.service.deploymentConfiguration?.lifecycleHooks?.find((h) => h.targetType === 'PAUSE');
    const stage = hook?.lifecycleStages?.[0];
    if (!hook || !stage || st.service.deploymentConfiguration?.strategy === 'ROLLING') return;
    const minutes = hook.timeoutConfiguration?.timeoutInMinutes ?? 1440;
    Object.assign(sd, {
      lifecycleStage: stage === 'PRE_PRODUCTION_TRAFFIC_SHIFT' ? 'POST_TEST_TRAFFIC_SHIFT' : stage,
      lifecycleHookDetails: [
        {
          hookId: `ecs-pause-${hexId(40)}`,
          targetType: 'PAUSE',
          status: 'AWAITING_ACTION',
          expiresAt: new Date(at.getTime() + minutes * 60_000),
          timeoutAction: hook.timeoutConfiguration?.action ?? 'ROLLBACK',
        },
      ],
    });
    Object.assign(sd.targetServiceRevision!, { requestedTestTrafficWeight: 100, requestedProductionTrafficWeight: 0 });
    for (const src of sd.sourceServiceRevisions ?? [])
      Object.assign(src, { requestedTestTrafficWeight: 0, requestedProductionTrafficWeight: 100 });
  }

  private serviceDeploymentOf(st: SvcState, deploymentId: string): ServiceDeployment | undefined {
    const arn = st.deploymentArns.get(deploymentId);
    return st.history.find((h) => h.serviceDeploymentArn === arn);
  }

  private newDeployment(st: SvcState, taskDefinition: string): Deployment {
    const s = st.service;
    const now = new Date(this.ctx.now());
    const d: Deployment = {
      id: this.nextDeploymentId(),
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: s.desiredCount,
      pendingCount: s.desiredCount,
      runningCount: 0,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment in progress.',
    };
    const sources = (s.deployments ?? []).filter((x) => (x.runningCount ?? 0) > 0);
    for (const old of s.deployments ?? []) if (old.status === 'PRIMARY') old.status = 'ACTIVE';
    s.deployments = [d, ...(s.deployments ?? [])];
    s.taskDefinition = taskDefinition;
    const sd = this.recordServiceDeployment(st, d, sources, now);
    this.pauseAtHook(st, sd, now);
    this.recount(st);
    this.serviceEvent(st, `(service ${s.serviceName}) has started 0 tasks: (deployment ${d.id}).`);
    this.emit(
      deploymentStateChange(this.where(), s.serviceArn!, d.id!, 'SERVICE_DEPLOYMENT_IN_PROGRESS', `ECS deployment ${d.id} in progress.`),
    );
    return d;
  }

  private svcFromInput(cluster: string, name: string): SvcState {
    if (!this.clusters.has(cluster)) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
    const st = this.svcs.get(`${cluster}/${nameOf(name)}`);
    if (!st) throw new AwsFault('ServiceNotFoundException', 'Service not found.');
    return st;
  }

  private clusterOf(call: AwsCall): string {
    const c = (call.input.cluster as string | undefined) ?? 'default';
    return nameOf(c);
  }

  private findTd(ref: string): { taskDefinition: TaskDefinition; tags: Tag[] } | undefined {
    const byArn = this.tds.get(ref);
    if (byArn) return byArn;
    if (ref.startsWith('arn:')) return undefined;
    const [family, rev] = ref.split(':');
    const candidates = [...this.tds.values()].filter((e) => e.taskDefinition.family === family);
    if (rev) return candidates.find((e) => e.taskDefinition.revision === Number(rev));
    return candidates
      .filter((e) => e.taskDefinition.status === 'ACTIVE')
      .sort((a, b) => b.taskDefinition.revision! - a.taskDefinition.revision!)[0];
  }

  /* ------------------------------------------------------------ the API */

  /**
   * RunTask as ECS answers it: the cluster, the task definition (ClientException when unknown or
   * inactive), launch type or capacity provider strategy (not both; neither: no container instances
   * on a Fargate cluster), the awsvpc network configuration, container overrides that name the task
   * definition's containers, and the client token (the same token and parameters within 24 hours
   * answer the same tasks and start nothing; other parameters: ConflictException with resourceIds).
   */
  private runTaskCall(call: AwsCall): { tasks: Task[]; failures: Failure[] } {
    const input = call.input as RunTaskCommandInput;
    this.runTaskInputs.push(copy(input));
    const cluster = this.clusterOf(call);
    if (!this.clusters.has(cluster)) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
    const ref = requireString(call, 'taskDefinition');
    const count = input.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 10)
      throw new AwsFault('InvalidParameterException', 'count must be an integer between 1 and 10.');
    const token = input.clientToken;
    if (token !== undefined && !/^[\x21-\x7e]{1,64}$/.test(token))
      throw new AwsFault('InvalidParameterException', 'clientToken must be 1 to 64 ASCII characters in the range 33-126.');
    if ((input.startedBy?.length ?? 0) > 128) throw new AwsFault('InvalidParameterException', 'startedBy must be at most 128 characters.');
    if ((input.group?.length ?? 0) > 255) throw new AwsFault('InvalidParameterException', 'group must be at most 255 characters.');

    const key = token ? `${cluster}\n${token}` : undefined;
    const fingerprint = canonical({ ...input, cluster, clientToken: undefined });
    const seen = key ? this.runTokens.get(key) : undefined;
    if (seen && this.ctx.now() - seen.at < RUN_TOKEN_TTL_MS) {
      if (seen.fingerprint !== fingerprint)
        throw new AwsFault('ConflictException', 'The clientToken is already in use with a different RunTask request.', 400, {
          resourceIds: seen.taskArns,
        });
      return { tasks: seen.taskArns.map((a) => copy(this.runState(a).task)), failures: [] };
    }

    const strategy = input.capacityProviderStrategy ?? [];
    if (input.launchType && strategy.length)
      throw new AwsFault(
        'InvalidParameterException',
        'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
      );
    // The fake's clusters are Fargate only: no container instances, no default capacity provider strategy.
    if ((!input.launchType && !strategy.length) || (input.launchType && input.launchType !== 'FARGATE'))
      throw new AwsFault('InvalidParameterException', 'No Container Instances were found in your cluster.');
    const unknown = strategy.find((p) => p.capacityProvider !== 'FARGATE' && p.capacityProvider !== 'FARGATE_SPOT');
    if (unknown)
      throw new AwsFault(
        'InvalidParameterException',
        `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`,
      );
    const entry = this.findTd(ref);
    if (!entry) throw new AwsFault('ClientException', 'TaskDefinition not found.');
    const td = entry.taskDefinition;
    if (td.status !== 'ACTIVE') throw new AwsFault('ClientException', 'TaskDefinition is inactive');
    if (td.requiresCompatibilities?.length && !td.requiresCompatibilities.includes('FARGATE'))
      throw new AwsFault('InvalidParameterException', 'Task definition does not support launch_type FARGATE.');
    if (td.networkMode === 'awsvpc') {
      const vpc = input.networkConfiguration?.awsvpcConfiguration;
      if (!vpc)
        throw new AwsFault('InvalidParameterException', "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
      if (!vpc.subnets?.length) throw new AwsFault('InvalidParameterException', 'subnets can not be empty.');
    }
    for (const o of input.overrides?.containerOverrides ?? []) {
      if (!td.containerDefinitions?.some((c) => c.name === o.name))
        throw new AwsFault('InvalidParameterException', `Override for container named ${o.name} is not a container in the TaskDefinition.`);
    }

    const script = this.runScripts.shift() ?? {};
    // Nothing placed: no task, no event, and the token stays free for a retry.
    if (script.capacityFailure) return { tasks: [], failures: Array.from({ length: count }, () => copy(script.capacityFailure!)) };
    const started = Array.from({ length: count }, () => this.createRun(cluster, td, input, script));
    if (key) this.runTokens.set(key, { fingerprint, taskArns: started.map((r) => r.task.taskArn!), at: this.ctx.now() });
    return { tasks: started.map((r) => copy(r.task)), failures: [] };
  }

  handlers(): Record<string, AwsHandler> {
    return {
      // The cluster's own view: its services' task counts, Fargate capacity providers, Container Insights off.
      DescribeClusters: (call) => {
        const names = ((call.input.clusters ?? ['default']) as string[]).map(nameOf);
        const include = (call.input.include ?? []) as string[];
        return {
          clusters: names
            .filter((n) => this.clusters.has(n))
            .map((n) => {
              const svcs = [...this.svcs.entries()].filter(([k]) => k.startsWith(`${n}/`)).map(([, v]) => v.service);
              const runs = this.runs.filter((r) => r.cluster === n).map((r) => r.task.lastStatus);
              const running = svcs.reduce((x, s) => x + (s.runningCount ?? 0), 0) + runs.filter((s) => s === 'RUNNING').length;
              return {
                clusterArn: this.arn('cluster', n),
                clusterName: n,
                status: 'ACTIVE',
                runningTasksCount: running,
                pendingTasksCount:
                  svcs.reduce((x, s) => x + (s.pendingCount ?? 0), 0) + runs.filter((s) => s === 'PROVISIONING' || s === 'PENDING').length,
                activeServicesCount: svcs.length,
                registeredContainerInstancesCount: 0,
                capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
                defaultCapacityProviderStrategy: [],
                ...(include.includes('STATISTICS')
                  ? {
                      statistics: [
                        { name: 'runningFargateTasksCount', value: String(running) },
                        { name: 'runningEC2TasksCount', value: '0' },
                      ],
                    }
                  : {}),
                ...(include.includes('SETTINGS') ? { settings: [{ name: 'containerInsights', value: 'disabled' }] } : {}),
              };
            }),
          failures: names.filter((n) => !this.clusters.has(n)).map((n) => ({ arn: this.arn('cluster', n), reason: 'MISSING' })),
        };
      },
      DescribeServices: (call) => {
        const cluster = this.clusterOf(call);
        if (!this.clusters.has(cluster)) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
        const names = ((call.input.services ?? []) as string[]).map(nameOf);
        if (!names.length || names.length > 10)
          throw new AwsFault('InvalidParameterException', 'services should have between 1 and 10 items.');
        const withTags = ((call.input.include ?? []) as string[]).includes('TAGS');
        const found = names.map((n) => this.svcs.get(`${cluster}/${n}`)).filter((s): s is SvcState => !!s);
        return {
          services: found.map((st) => {
            const { tags, ...rest } = copy(st.service);
            return withTags && tags ? { ...rest, tags } : rest;
          }),
          failures: names
            .filter((n) => !this.svcs.has(`${cluster}/${n}`))
            .map((n) => ({ arn: this.arn('service', `${cluster}/${n}`), reason: 'MISSING' })),
        };
      },
      DescribeTaskDefinition: (call) => {
        const entry = this.findTd(requireString(call, 'taskDefinition'));
        if (!entry) throw new AwsFault('ClientException', 'Unable to describe task definition.');
        return {
          taskDefinition: copy(entry.taskDefinition),
          ...(((call.input.include ?? []) as string[]).includes('TAGS') ? { tags: copy(entry.tags) } : {}),
        };
      },
      RegisterTaskDefinition: (call) => {
        const input = call.input as RegisterTaskDefinitionCommandInput;
        for (const key of READ_ONLY_TD_KEYS) {
          if (key in input) throw new AwsFault('ClientException', `Unexpected key '${key}' found in params`);
        }
        if (!input.family || !input.containerDefinitions?.length)
          throw new AwsFault('ClientException', 'Family and container definitions are required.');
        this.registered.push(copy(input));
        const { tags, ...rest } = input;
        const revision = this.nextRevision(input.family);
        const arn = this.addTaskDefinition(
          {
            ...copy(rest),
            family: input.family,
            revision,
            requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
            registeredBy: call.accessKeyId ? `arn:aws:sts::${this.ctx.account}:assumed-role/caller/${call.accessKeyId}` : undefined,
          } as TaskDefinition & { family: string },
          tags ?? [],
        );
        this.lost('RegisterTaskDefinition');
        return { taskDefinition: copy(this.tds.get(arn)!.taskDefinition), tags: copy(tags ?? []) };
      },
      UpdateService: (call) => {
        const input = call.input as ServiceChange;
        const service = this.updateService(this.clusterOf(call), requireString(call, 'service'), input);
        this.lost('UpdateService');
        return { service };
      },
      StopServiceDeployment: (call) => {
        const arn = requireString(call, 'serviceDeploymentArn');
        const st = [...this.svcs.values()].find((x) => x.history.some((h) => h.serviceDeploymentArn === arn));
        const sd = st?.history.find((h) => h.serviceDeploymentArn === arn);
        if (!st || !sd) throw new AwsFault('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
        if (sd.status !== 'IN_PROGRESS' && sd.status !== 'PENDING') {
          throw new AwsFault('ConflictException', `The service deployment is in ${sd.status} status and cannot be stopped.`);
        }
        const p = this.primary(st)!;
        const previous = (st.service.deployments ?? []).find((d) => d !== p && d.status === 'ACTIVE');
        const reason = 'Service deployment rolled back because of a stop request.';
        if (call.input.stopType === 'ROLLBACK' && previous) {
          Object.assign(p, { rolloutState: 'FAILED', rolloutStateReason: reason, updatedAt: new Date(this.ctx.now()) });
          for (const t of st.tasks.filter((x) => x.startedBy === p.id && x.desiredStatus === 'RUNNING')) {
            this.stopTask(st, t, { exitCode: 0, stopCode: 'UserInitiated', stoppedReason: 'Service deployment stopped' });
          }
          this.rollBack(st, p, previous, reason, sd);
        } else {
          Object.assign(sd, { status: 'STOPPED', statusReason: 'Service deployment stopped.', stoppedAt: new Date(this.ctx.now()) });
        }
        return { serviceDeploymentArn: arn };
      },
      ContinueServiceDeployment: (call) => {
        const arn = requireString(call, 'serviceDeploymentArn');
        const hookId = requireString(call, 'hookId');
        const st = [...this.svcs.values()].find((x) => x.history.some((h) => h.serviceDeploymentArn === arn));
        const sd = st?.history.find((h) => h.serviceDeploymentArn === arn);
        if (!st || !sd) throw new AwsFault('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
        const hook = sd.lifecycleHookDetails?.find((h) => h.hookId === hookId);
        if (!hook) throw new AwsFault('InvalidParameterException', 'The lifecycle hook does not exist for this service deployment.');
        if (hook.status !== 'AWAITING_ACTION')
          throw new AwsFault('InvalidParameterException', `The lifecycle hook is ${hook.status}, not awaiting action.`);
        hook.status = 'SUCCEEDED';
        sd.updatedAt = new Date(this.ctx.now());
        if (call.input.action === 'ROLLBACK') {
          const p = this.primary(st)!;
          const previous = (st.service.deployments ?? []).find((d) => d !== p && d.status === 'ACTIVE');
          const reason = 'Service deployment rolled back at a lifecycle hook.';
          Object.assign(p, { rolloutState: 'FAILED', rolloutStateReason: reason, updatedAt: new Date(this.ctx.now()) });
          for (const t of st.tasks.filter((x) => x.startedBy === p.id && x.desiredStatus === 'RUNNING')) {
            this.stopTask(st, t, { exitCode: 0, stopCode: 'UserInitiated', stoppedReason: 'Service deployment rolled back' });
          }
          if (previous) this.rollBack(st, p, previous, reason, sd);
        } else {
          sd.lifecycleStage = 'PRODUCTION_TRAFFIC_SHIFT';
          Object.assign(sd.targetServiceRevision!, { requestedProductionTrafficWeight: 100 });
          for (const src of sd.sourceServiceRevisions ?? []) src.requestedProductionTrafficWeight = 0;
        }
        return { serviceDeploymentArn: arn };
      },
      RunTask: (call) => this.runTaskCall(call),
      StopTask: (call) => {
        const cluster = this.clusterOf(call);
        if (!this.clusters.has(cluster)) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
        const ref = requireString(call, 'task');
        const reason = call.input.reason as string | undefined;
        const r = this.runs.find((x) => x.cluster === cluster && sameTask(x.task, ref));
        if (r) return { task: copy(this.requestStop(r, reason)) };
        // A service's task stops at once (its containers exit 0); the scheduler replaces it at the next step.
        for (const st of this.svcs.values()) {
          const t = st.cluster === cluster ? st.tasks.find((x) => sameTask(x, ref)) : undefined;
          if (!t) continue;
          if (t.lastStatus !== 'STOPPED') {
            this.stopTask(st, t, { exitCode: 0, stopCode: 'UserInitiated', stoppedReason: reason ?? 'Task stopped by user' });
            this.recount(st);
          }
          return { task: copy(t) };
        }
        throw new AwsFault('InvalidParameterException', 'The referenced task was not found.');
      },
      ListTasks: (call) => {
        const cluster = this.clusterOf(call);
        if (!this.clusters.has(cluster)) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
        const serviceName = call.input.serviceName as string | undefined;
        const startedBy = call.input.startedBy as string | undefined;
        const family = call.input.family as string | undefined;
        const desired = (call.input.desiredStatus as string | undefined) ?? 'RUNNING';
        const hourAgo = this.ctx.now() - 3600_000;
        const states = [...this.svcs.values()].filter(
          (st) => st.cluster === cluster && (!serviceName || st.service.serviceName === nameOf(serviceName)),
        );
        if (serviceName && !states.length) throw new AwsFault('ServiceNotFoundException', 'Service not found.');
        // A service's tasks; without serviceName, the cluster's run tasks after them.
        const runs = serviceName ? [] : this.runs.filter((r) => r.cluster === cluster).map((r) => r.task);
        const arns = [...states.flatMap((st) => st.tasks), ...runs]
          .filter((t) => t.desiredStatus === desired && (desired !== 'STOPPED' || (t.stoppedAt?.getTime() ?? 0) >= hourAgo))
          .filter((t) => (!startedBy || t.startedBy === startedBy) && (!family || familyOf(t.taskDefinitionArn!) === family))
          .map((t) => t.taskArn!);
        const p = page(
          desired === 'STOPPED' ? arns.reverse() : arns,
          call.input.nextToken,
          Math.min(100, Number(call.input.maxResults) || 100),
        );
        return { taskArns: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
      },
      DescribeTasks: (call) => {
        const cluster = this.clusterOf(call);
        if (!this.clusters.has(cluster)) throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
        const wanted = (call.input.tasks ?? []) as string[];
        if (!wanted.length || wanted.length > 100) throw new AwsFault('InvalidParameterException', 'Tasks cannot be empty.');
        const all = [
          ...[...this.svcs.values()].filter((st) => st.cluster === cluster).flatMap((st) => st.tasks),
          ...this.runs.filter((r) => r.cluster === cluster).map((r) => r.task),
        ];
        const tasks: Task[] = [];
        const failures: Array<{ arn: string; reason: string }> = [];
        for (const w of wanted) {
          const t = all.find((x) => x.taskArn === w || x.taskArn!.endsWith(`/${w}`));
          if (t) {
            // Tags only with include TAGS (a run task's, given to RunTask).
            const { tags, ...rest } = copy(t);
            tasks.push(tags && ((call.input.include ?? []) as string[]).includes('TAGS') ? { ...rest, tags } : rest);
          } else failures.push({ arn: w.startsWith('arn:') ? w : this.arn('task', `${cluster}/${w}`), reason: 'MISSING' });
        }
        return { tasks, failures };
      },
      ListServiceDeployments: (call) => {
        const st = this.svcFromInput(this.clusterOf(call), requireString(call, 'service'));
        const briefs = [...st.history].reverse().map((d) => ({
          serviceDeploymentArn: d.serviceDeploymentArn,
          serviceArn: d.serviceArn,
          clusterArn: d.clusterArn,
          startedAt: d.startedAt,
          createdAt: d.createdAt,
          finishedAt: d.finishedAt,
          targetServiceRevisionArn: d.targetServiceRevision?.arn,
          status: d.status,
          statusReason: d.statusReason,
        }));
        const p = page(briefs, call.input.nextToken, Math.min(100, Number(call.input.maxResults) || 20));
        return { serviceDeployments: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
      },
      DescribeServiceDeployments: (call) => {
        const arns = (call.input.serviceDeploymentArns ?? []) as string[];
        const all = [...this.svcs.values()].flatMap((st) => st.history);
        return {
          serviceDeployments: copy(arns.map((a) => all.find((d) => d.serviceDeploymentArn === a)).filter(Boolean)),
          failures: arns.filter((a) => !all.some((d) => d.serviceDeploymentArn === a)).map((arn) => ({ arn, reason: 'MISSING' })),
        };
      },
      DescribeServiceRevisions: (call) => {
        const arns = (call.input.serviceRevisionArns ?? []) as string[];
        return {
          serviceRevisions: copy(arns.map((a) => this.revisions.get(a)).filter(Boolean)),
          failures: arns.filter((a) => !this.revisions.has(a)).map((arn) => ({ arn, reason: 'MISSING' })),
        };
      },
    };
  }
}
