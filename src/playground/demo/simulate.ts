/**
 * The page's "Simulate" menu: ECS events as EventBridge delivers them (the documented shapes of
 * "ECS Task State Change", "ECS Deployment State Change" and "ECS Service Action"), built from
 * the demo world and handed to the same events handler the `events` Lambda runs.
 */
import { randomUUID } from 'node:crypto';
import type { EcsEvent } from '../../aws/ecs-events';
import type { DemoService, DemoWorld } from './world';

export interface SimulationContext {
  world: DemoWorld;
  now: number;
  /**
   * The deployment a rollout event is about: the service's newest deployment as the AWS side knows
   * it now (a deploy made from the page shows up here), else the demo data's primary one.
   */
  currentDeployment?(cluster: string, service: string): { id: string; taskDefinitionRevision?: number } | undefined;
}

export interface Simulation {
  id: string;
  label: string;
  /** One line for the menu's tooltip. */
  description: string;
  build(ctx: SimulationContext): EcsEvent[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoSeconds = (ms: number): string => iso(ms).replace(/\.\d{3}Z$/, 'Z');

function where(world: DemoWorld, serviceName: string): { svc: DemoService; account: string; region: string } {
  const svc = world.services.find((s) => s.name === serviceName);
  if (!svc) throw new Error(`demo world has no service ${serviceName}`);
  const cluster = world.clusters.find((c) => c.name === svc.cluster)!;
  return { svc, account: cluster.accountId, region: cluster.region };
}

function envelope(
  detailType: string,
  account: string,
  region: string,
  time: number,
  resources: string[],
  detail: Record<string, unknown>,
): EcsEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ecs',
    account,
    time: isoSeconds(time),
    region,
    resources,
    detail,
  } as EcsEvent;
}

function taskStopped(
  ctx: SimulationContext,
  serviceName: string,
  o: { container: string; exitCode: number; reason?: string; stopCode?: string; stoppedReason?: string },
): EcsEvent {
  const { svc, account, region } = where(ctx.world, serviceName);
  const td = svc.taskDefinitions.at(-1)!;
  const c = td.containers.find((x) => x.name === o.container) ?? td.containers[0]!;
  const id = randomUUID().replace(/-/g, '');
  const taskArn = `arn:aws:ecs:${region}:${account}:task/${svc.cluster}/${id}`;
  const t = ctx.now;
  return envelope('ECS Task State Change', account, region, t, [taskArn], {
    attachments: [{ id: randomUUID(), type: 'eni', status: 'DELETED', details: [] }],
    availabilityZone: `${region}b`,
    clusterArn: `arn:aws:ecs:${region}:${account}:cluster/${svc.cluster}`,
    containers: [
      {
        containerArn: `arn:aws:ecs:${region}:${account}:container/${svc.cluster}/${id}/${randomUUID()}`,
        lastStatus: 'STOPPED',
        name: c.name,
        image: `${account}.dkr.ecr.${region}.amazonaws.com/${c.repository}:${c.tag}`,
        taskArn,
        exitCode: o.exitCode,
        ...(o.reason ? { reason: o.reason } : {}),
        cpu: String(c.cpu),
        memory: String(c.memory),
      },
    ],
    createdAt: iso(t - 3_600_000),
    launchType: svc.launchType,
    cpu: td.cpu,
    memory: td.memory,
    desiredStatus: 'STOPPED',
    group: `service:${svc.name}`,
    lastStatus: 'STOPPED',
    startedBy: svc.deployments[0]?.id ?? 'ecs-svc/0',
    stopCode: o.stopCode ?? 'EssentialContainerExited',
    stoppedReason: o.stoppedReason ?? 'Essential container in task exited',
    stoppingAt: iso(t - 2000),
    executionStoppedAt: iso(t - 1500),
    stoppedAt: iso(t - 1000),
    updatedAt: iso(t - 1000),
    startedAt: iso(t - 3_500_000),
    taskArn,
    taskDefinitionArn: `arn:aws:ecs:${region}:${account}:task-definition/${td.family}:${td.revision}`,
    version: 6,
    platformVersion: '1.4.0',
  });
}

function deploymentEvent(ctx: SimulationContext, serviceName: string, outcome: 'completed' | 'failed'): EcsEvent {
  const { svc, account, region } = where(ctx.world, serviceName);
  const current = ctx.currentDeployment?.(svc.cluster, svc.name) ?? svc.deployments.find((d) => d.status === 'PRIMARY');
  const deploymentId = current?.id ?? 'ecs-svc/0';
  return envelope(
    'ECS Deployment State Change',
    account,
    region,
    ctx.now,
    [`arn:aws:ecs:${region}:${account}:service/${svc.cluster}/${svc.name}`],
    {
      eventType: outcome === 'completed' ? 'INFO' : 'ERROR',
      eventName: outcome === 'completed' ? 'SERVICE_DEPLOYMENT_COMPLETED' : 'SERVICE_DEPLOYMENT_FAILED',
      deploymentId,
      updatedAt: iso(ctx.now),
      reason:
        outcome === 'completed' ? `ECS deployment ${deploymentId} completed.` : 'ECS deployment circuit breaker: tasks failed to start.',
    },
  );
}

function serviceAction(ctx: SimulationContext, serviceName: string, eventName: string, eventType: 'WARN' | 'INFO' | 'ERROR'): EcsEvent {
  const { svc, account, region } = where(ctx.world, serviceName);
  return envelope('ECS Service Action', account, region, ctx.now, [`arn:aws:ecs:${region}:${account}:service/${svc.cluster}/${svc.name}`], {
    eventType,
    eventName,
    clusterArn: `arn:aws:ecs:${region}:${account}:cluster/${svc.cluster}`,
    createdAt: iso(ctx.now),
  });
}

export const SIMULATIONS: Simulation[] = [
  {
    id: 'task-oom',
    label: 'web: a task runs out of memory',
    description: 'ECS Task State Change: STOPPED, exit 137, OutOfMemoryError (an alert in #oncall)',
    build: (ctx) => [
      taskStopped(ctx, 'web-prod', { container: 'web', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }),
    ],
  },
  {
    id: 'task-crash',
    label: 'worker: a task crashes (exit 1)',
    description: 'ECS Task State Change: STOPPED, essential container exited with code 1',
    build: (ctx) => [taskStopped(ctx, 'worker-prod', { container: 'worker', exitCode: 1 })],
  },
  {
    id: 'task-start-failed',
    label: 'web: a task fails to start (image pull)',
    description: 'ECS Task State Change: STOPPED, TaskFailedToStart, CannotPullContainerError',
    build: (ctx) => [
      taskStopped(ctx, 'web-prod', {
        container: 'web',
        exitCode: 0,
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v9.9.9: not found',
      }),
    ],
  },
  {
    id: 'rollout-completed',
    label: 'web: the rollout completes',
    description: 'ECS Deployment State Change: SERVICE_DEPLOYMENT_COMPLETED for the newest deployment of web-prod',
    build: (ctx) => [deploymentEvent(ctx, 'web-prod', 'completed')],
  },
  {
    id: 'rollout-failed',
    label: 'web: the rollout fails (circuit breaker)',
    description: 'ECS Deployment State Change: SERVICE_DEPLOYMENT_FAILED for the newest deployment of web-prod',
    build: (ctx) => [deploymentEvent(ctx, 'web-prod', 'failed')],
  },
  {
    id: 'start-impaired',
    label: 'worker: tasks keep failing to start',
    description: 'ECS Service Action: SERVICE_TASK_START_IMPAIRED',
    build: (ctx) => [serviceAction(ctx, 'worker-prod', 'SERVICE_TASK_START_IMPAIRED', 'WARN')],
  },
];
