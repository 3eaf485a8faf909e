/**
 * ECS events from EventBridge, as the alerts read them: lenient schemas for the three detail
 * types we subscribe to (ECS adds fields over time, so unknown fields pass through), and the
 * mapping of an event to a service configured in chatops.yml. Pure: no I/O.
 *
 * Shapes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html,
 * ecs_service_deployment_events.html, ecs_service_events.html (samples in test/fixtures/events/).
 */
import { z } from 'zod';
import type { Config, ResolvedService } from '../config/schema';
import { findService } from '../config/load';
import { arnTail } from '../aws/arn';
import type { EcsEvent } from '../hooks/events';

export const TASK_STATE_CHANGE = 'ECS Task State Change';
export const DEPLOYMENT_STATE_CHANGE = 'ECS Deployment State Change';
export const SERVICE_ACTION = 'ECS Service Action';

const containerSchema = z
  .object({
    name: z.string().optional(),
    // null appears while a container has not exited; absent for containers that never started.
    exitCode: z.number().int().nullish(),
    reason: z.string().optional(),
    lastStatus: z.string().optional(),
    image: z.string().optional(),
    imageDigest: z.string().optional(),
  })
  .passthrough();

export const taskDetailSchema = z
  .object({
    clusterArn: z.string().min(1),
    taskArn: z.string().min(1),
    taskDefinitionArn: z.string().optional(),
    group: z.string().optional(),
    startedBy: z.string().optional(),
    lastStatus: z.string().min(1),
    desiredStatus: z.string().optional(),
    stopCode: z.string().optional(),
    stoppedReason: z.string().optional(),
    stoppedAt: z.string().optional(),
    containers: z.array(containerSchema).default([]),
    version: z.number().int().optional(),
  })
  .passthrough();

export const deploymentDetailSchema = z
  .object({
    eventType: z.string().optional(),
    eventName: z.string().min(1),
    deploymentId: z.string().min(1),
    updatedAt: z.string().optional(),
    reason: z.string().optional(),
    clusterArn: z.string().optional(),
  })
  .passthrough();

export const serviceActionDetailSchema = z
  .object({
    eventType: z.string().optional(),
    eventName: z.string().min(1),
    clusterArn: z.string().optional(),
    createdAt: z.string().optional(),
    reason: z.string().optional(),
    capacityProviderArns: z.array(z.string()).optional(),
  })
  .passthrough();

export type TaskDetail = z.infer<typeof taskDetailSchema>;
export type TaskContainer = z.infer<typeof containerSchema>;
export type DeploymentDetail = z.infer<typeof deploymentDetailSchema>;
export type ServiceActionDetail = z.infer<typeof serviceActionDetailSchema>;

interface Envelope {
  id: string;
  /** Event time in epoch ms (the envelope's `time`), when present and valid. */
  time?: number;
  region?: string;
  account?: string;
  resources: string[];
}

export type AlertEvent =
  | ({ kind: 'task'; detail: TaskDetail } & Envelope)
  | ({ kind: 'deployment'; detail: DeploymentDetail } & Envelope)
  | ({ kind: 'service-action'; detail: ServiceActionDetail } & Envelope);

export type ParseResult =
  | { ok: true; event: AlertEvent }
  | { ok: false; skip: 'not-ecs' | 'other-type'; detailType: string }
  | { ok: false; skip: 'malformed'; detailType: string; issues: string[] };

function toMs(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Validate the detail of the event types alerts use; anything else is skipped, never an error. */
export function parseAlertEvent(event: EcsEvent): ParseResult {
  const detailType = event['detail-type'];
  if (event.source !== 'aws.ecs') return { ok: false, skip: 'not-ecs', detailType };
  const env: Envelope = {
    id: event.id,
    time: toMs(event.time),
    region: event.region,
    account: event.account,
    resources: Array.isArray(event.resources) ? event.resources.filter((r): r is string => typeof r === 'string') : [],
  };
  const schema =
    detailType === TASK_STATE_CHANGE
      ? taskDetailSchema
      : detailType === DEPLOYMENT_STATE_CHANGE
        ? deploymentDetailSchema
        : detailType === SERVICE_ACTION
          ? serviceActionDetailSchema
          : undefined;
  if (!schema) return { ok: false, skip: 'other-type', detailType };
  const res = schema.safeParse(event.detail);
  if (!res.success) {
    const issues = res.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(detail)'}: ${i.message}`);
    return { ok: false, skip: 'malformed', detailType, issues };
  }
  if (detailType === TASK_STATE_CHANGE) return { ok: true, event: { kind: 'task', detail: res.data as TaskDetail, ...env } };
  if (detailType === DEPLOYMENT_STATE_CHANGE)
    return { ok: true, event: { kind: 'deployment', detail: res.data as DeploymentDetail, ...env } };
  return { ok: true, event: { kind: 'service-action', detail: res.data as ServiceActionDetail, ...env } };
}

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** e.g. "cluster/prod", "service/prod/web-prod", "task/prod/abc". */
  resource: string;
}

export function parseArn(arn: string | undefined): Arn | undefined {
  if (!arn) return undefined;
  const m = /^arn:([\w-]+):([\w-]+):([\w-]*):(\d*):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

/** The last path segment of an ARN (task id, service name, "family:revision"). */
export const lastSegment = arnTail;

export interface Target {
  service: ResolvedService;
  /** Region and cluster name as seen in the event. */
  region: string;
  cluster: string;
}

export type TargetResult = { ok: true; target: Target } | { ok: false; why: string };

interface Place {
  region: string;
  account: string;
  cluster?: string;
  serviceName?: string;
}

/** Where the event happened: region, account, cluster and (for service-level events) the ECS service name. */
export function placeOf(ev: AlertEvent): Place | undefined {
  if (ev.kind === 'task') {
    const c = parseArn(ev.detail.clusterArn);
    if (!c || !c.resource.startsWith('cluster/')) return undefined;
    const group = ev.detail.group ?? '';
    return {
      region: c.region,
      account: c.account,
      cluster: c.resource.slice('cluster/'.length),
      serviceName: group.startsWith('service:') ? group.slice('service:'.length) : undefined,
    };
  }
  // Service-level events: resources[0] is the service ARN, new format `service/<cluster>/<name>`
  // or the old format `service/<name>` (then the cluster comes from detail.clusterArn, if any).
  const svcArn = ev.resources.map(parseArn).find((a) => a?.service === 'ecs' && a.resource.startsWith('service/'));
  const clusterArn = parseArn(ev.detail.clusterArn);
  if (!svcArn && !clusterArn) return undefined;
  const parts = svcArn ? svcArn.resource.split('/') : [];
  const cluster =
    parts.length >= 3 ? parts[1] : clusterArn?.resource.startsWith('cluster/') ? clusterArn.resource.slice('cluster/'.length) : undefined;
  return {
    region: svcArn?.region ?? clusterArn!.region,
    account: svcArn?.account ?? clusterArn!.account,
    cluster,
    serviceName: parts.length >= 2 ? parts[parts.length - 1] : undefined,
  };
}

function clusterMatches(
  envCluster: string,
  region: string,
  account: string,
  cluster: string | undefined,
  envRegion: string,
  envAccount: string | undefined,
): boolean {
  if (region !== envRegion) return false;
  if (envAccount && account && envAccount !== account) return false;
  if (cluster === undefined) return true;
  // chatops.yml may hold the cluster's name or its full ARN.
  const configured = envCluster.startsWith('arn:') ? lastSegment(envCluster) : envCluster;
  return configured === cluster;
}

/**
 * The configured service an event is about: the environment whose cluster (and region, and account
 * when configured) matches, then the service with that ECS name in it.
 */
export function resolveTarget(config: Config, ev: AlertEvent): TargetResult {
  const place = placeOf(ev);
  if (!place) return { ok: false, why: 'the event names no cluster or service' };
  if (!place.serviceName) return { ok: false, why: 'the task does not belong to a service' };
  const envs = Object.entries(config.environments).filter(([, e]) =>
    clusterMatches(e.cluster, place.region, place.account, place.cluster, e.region, e.accountId),
  );
  if (envs.length === 0) return { ok: false, why: `cluster ${place.cluster ?? '(unknown)'} in ${place.region} is not in chatops.yml` };
  const matches = Object.entries(config.services)
    .filter(([, s]) => s.service === place.serviceName && envs.some(([name]) => name === s.environment))
    .map(([alias]) => findService(config, alias)!);
  if (matches.length === 0)
    return { ok: false, why: `service ${place.serviceName} in cluster ${place.cluster ?? '(unknown)'} is not in chatops.yml` };
  if (matches.length > 1)
    return {
      ok: false,
      why: `service ${place.serviceName} matches several entries of chatops.yml (${matches.map((m) => m.alias).join(', ')}); the event names no cluster`,
    };
  const service = matches[0]!;
  return { ok: true, target: { service, region: place.region, cluster: place.cluster ?? lastSegment(service.env.cluster) } };
}

/** Where a service's alerts go: its own alertChannel, else its environment's alert channel, else the environment's first channel. */
export function alertChannelFor(svc: ResolvedService): string {
  return svc.alertChannel ?? svc.env.alerts.channel ?? svc.env.channels[0]!;
}
