/**
 * The EventBridge events ECS sends, in their documented shapes (ECS Developer Guide, "Amazon ECS
 * events"): task state changes, deployment state changes and service actions. Timestamps in
 * `detail` are ISO strings, as on EventBridge.
 */
import { randomUUID } from 'node:crypto';
import type { Task } from '@aws-sdk/client-ecs';

export interface EcsEventEnvelope {
  version: '0';
  id: string;
  'detail-type': 'ECS Task State Change' | 'ECS Deployment State Change' | 'ECS Service Action';
  source: 'aws.ecs';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

interface Where {
  account: string;
  region: string;
  at: number;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function envelope(w: Where, type: EcsEventEnvelope['detail-type'], resources: string[], detail: Record<string, unknown>): EcsEventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': type,
    source: 'aws.ecs',
    account: w.account,
    time: isoSeconds(w.at),
    region: w.region,
    resources,
    detail,
  };
}

/** "ECS Task State Change" for a task (its current state; `version` is the task's). */
export function taskStateChange(w: Where, task: Task): EcsEventEnvelope {
  const detail = JSON.parse(JSON.stringify(task)) as Record<string, unknown>;
  detail.updatedAt = new Date(w.at).toISOString();
  return envelope(w, 'ECS Task State Change', [task.taskArn!], detail);
}

export type DeploymentEventName = 'SERVICE_DEPLOYMENT_IN_PROGRESS' | 'SERVICE_DEPLOYMENT_COMPLETED' | 'SERVICE_DEPLOYMENT_FAILED';

/** "ECS Deployment State Change" for a deployment of a service. */
export function deploymentStateChange(
  w: Where,
  serviceArn: string,
  deploymentId: string,
  eventName: DeploymentEventName,
  reason: string,
): EcsEventEnvelope {
  return envelope(w, 'ECS Deployment State Change', [serviceArn], {
    eventType: eventName === 'SERVICE_DEPLOYMENT_FAILED' ? 'ERROR' : 'INFO',
    eventName,
    deploymentId,
    updatedAt: new Date(w.at).toISOString(),
    reason,
  });
}

/** "ECS Service Action" (SERVICE_STEADY_STATE, SERVICE_TASK_START_IMPAIRED, …). */
export function serviceAction(
  w: Where,
  serviceArn: string,
  clusterArn: string,
  eventName: string,
  eventType: 'INFO' | 'WARN' | 'ERROR' = 'INFO',
): EcsEventEnvelope {
  return envelope(w, 'ECS Service Action', [serviceArn], { eventType, eventName, clusterArn, createdAt: new Date(w.at).toISOString() });
}
