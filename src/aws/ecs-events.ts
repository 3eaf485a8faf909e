/**
 * ECS events as EventBridge delivers them, read by every consumer (deploy progress, alerts): the
 * envelope, lenient schemas for the three detail types the bot subscribes to (ECS adds fields over
 * time, so unknown fields pass through), and ARNs. Pure: no I/O.
 *
 * Shapes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html,
 * ecs_service_deployment_events.html, ecs_service_events.html (samples in test/fixtures/events/).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';

/** An event as EventBridge hands it to the events function (src/handlers/events.ts checks the envelope). */
export interface EcsEvent {
  id: string;
  'detail-type': string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: Record<string, unknown>;
}

const TASK_STATE_CHANGE = 'ECS Task State Change';
const DEPLOYMENT_STATE_CHANGE = 'ECS Deployment State Change';
const SERVICE_ACTION = 'ECS Service Action';

const containerSchema = lazySchema(() =>
  z
    .object({
      name: z.string().optional(),
      // null appears while a container has not exited; absent for containers that never started.
      exitCode: z.number().int().nullish(),
      reason: z.string().optional(),
      lastStatus: z.string().optional(),
      image: z.string().optional(),
      imageDigest: z.string().optional(),
    })
    .passthrough(),
);

export const taskDetailSchema = lazySchema(() =>
  z
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
    .passthrough(),
);

const deploymentDetailSchema = lazySchema(() =>
  z
    .object({
      eventType: z.string().optional(),
      eventName: z.string().min(1),
      deploymentId: z.string().min(1),
      updatedAt: z.string().optional(),
      reason: z.string().optional(),
      clusterArn: z.string().optional(),
    })
    .passthrough(),
);

const serviceActionDetailSchema = lazySchema(() =>
  z
    .object({
      eventType: z.string().optional(),
      eventName: z.string().min(1),
      clusterArn: z.string().optional(),
      createdAt: z.string().optional(),
      reason: z.string().optional(),
      capacityProviderArns: z.array(z.string()).optional(),
    })
    .passthrough(),
);

export type TaskDetail = z.infer<typeof taskDetailSchema>;
export type TaskContainer = z.infer<typeof containerSchema>;
export type DeploymentDetail = z.infer<typeof deploymentDetailSchema>;
export type ServiceActionDetail = z.infer<typeof serviceActionDetailSchema>;

export interface Envelope {
  id: string;
  /** Event time in epoch ms (the envelope's `time`), when present and valid. */
  time?: number;
  region?: string;
  account?: string;
  resources: string[];
}

export type ParsedEcsEvent =
  | ({ kind: 'task'; detail: TaskDetail } & Envelope)
  | ({ kind: 'deployment'; detail: DeploymentDetail } & Envelope)
  | ({ kind: 'service-action'; detail: ServiceActionDetail } & Envelope);

type ParseResult =
  | { ok: true; event: ParsedEcsEvent }
  | { ok: false; skip: 'not-ecs' | 'other-type'; detailType: string }
  | { ok: false; skip: 'malformed'; detailType: string; issues: string[] };

function toMs(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Validate the detail of the three event types the bot subscribes to; anything else is skipped, never an error. */
export function parseEcsEvent(event: EcsEvent): ParseResult {
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

interface Arn {
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
