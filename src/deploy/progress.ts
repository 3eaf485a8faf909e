/**
 * Reading a rollout: the one function that turns ECS's view of a service into "in progress",
 * "completed", "failed" or "stuck". The events consumer, the deadline tick and the local
 * watcher all call it, so a thread reads the same whoever noticed the change.
 *
 * Success is strict (the waiter's "one deployment, running == desired" is also true after the
 * circuit breaker rolled back): the tracked deployment must be PRIMARY, run the planned task
 * definition and have rolloutState COMPLETED. A FAILED rollout, or the tracked deployment gone
 * or demoted while the old task definition is PRIMARY again, is a failure.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import type { ChangeVerb } from '../config/schema';
import { arnTail } from '../aws/arn';

export type Phase = 'in_progress' | 'completed' | 'failed' | 'stuck';

export interface Tracking {
  verb: ChangeVerb;
  /** The deployment the change started (from the UpdateService response). */
  deploymentId?: string;
  /** The task definition the service must end on. */
  targetTaskDefinition: string;
  /** What it ran before (a rollback to it is a failure of this change). */
  previousTaskDefinition: string;
  /** For scale: the desired count asked for. */
  targetCount?: number;
  startedAt: number;
  /** A rollout still in progress this long after startedAt is stuck. */
  deadlineMs: number;
}

export interface Counts {
  desired: number;
  running: number;
  pending: number;
  failed: number;
}

export interface Assessment {
  phase: Phase;
  counts: Counts;
  /** Why it failed or is stuck, in ECS's words where there are some (plain text, not escaped). */
  reasons: string[];
  /** ECS brought back the task definition that ran before (circuit breaker or abort). */
  rolledBack: boolean;
  /** The task definition the service's PRIMARY deployment runs now. */
  primaryTaskDefinition?: string;
}

const n = (v: number | undefined): number => v ?? 0;

export function assessRollout(service: Service, t: Tracking, now: number): Assessment {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const primaryTd = primary?.taskDefinition ?? service.taskDefinition;
  const overdue = now - t.startedAt > t.deadlineMs;
  const base = { rolledBack: false, primaryTaskDefinition: primaryTd };

  if (t.verb === 'scale') {
    const counts: Counts = {
      desired: n(service.desiredCount),
      running: n(service.runningCount),
      pending: n(service.pendingCount),
      failed: n(primary?.failedTasks),
    };
    const target = t.targetCount ?? counts.desired;
    if (counts.desired !== target) {
      return {
        ...base,
        phase: 'failed',
        counts,
        reasons: [
          `The desired count is now ${counts.desired}, not ${target}: something else changed it (Application Auto Scaling or another change).`,
        ],
      };
    }
    if (counts.running === target && counts.pending === 0) return { ...base, phase: 'completed', counts, reasons: [] };
    return {
      ...base,
      phase: overdue ? 'stuck' : 'in_progress',
      counts,
      reasons: overdue ? [`${counts.running} of ${target} tasks running after the deadline.`] : [],
    };
  }

  const tracked = t.deploymentId ? deployments.find((d) => d.id === t.deploymentId) : undefined;
  if (!tracked) {
    const counts: Counts = { desired: n(primary?.desiredCount ?? service.desiredCount), running: 0, pending: 0, failed: 0 };
    const back = primaryTd === t.previousTaskDefinition;
    return {
      ...base,
      phase: 'failed',
      counts,
      rolledBack: back,
      reasons: [
        back
          ? `Deployment ${t.deploymentId ?? '(unknown)'} is gone and the service runs ${arnTail(primaryTd)} again: ECS rolled it back.`
          : `Deployment ${t.deploymentId ?? '(unknown)'} no longer exists; the service now runs ${arnTail(primaryTd) || '(unknown)'}.`,
      ],
    };
  }

  const counts: Counts = {
    desired: n(tracked.desiredCount),
    running: n(tracked.runningCount),
    pending: n(tracked.pendingCount),
    failed: n(tracked.failedTasks),
  };
  const backToPrevious =
    primary !== tracked && primaryTd === t.previousTaskDefinition && t.previousTaskDefinition !== t.targetTaskDefinition;

  if (tracked.rolloutState === 'FAILED') {
    const reasons = [tracked.rolloutStateReason || 'The deployment failed (rolloutState FAILED).'];
    if (backToPrevious) reasons.push(`ECS is rolling the service back to ${arnTail(primaryTd)}.`);
    return { ...base, phase: 'failed', counts, reasons, rolledBack: backToPrevious };
  }
  if (tracked.status !== 'PRIMARY') {
    return {
      ...base,
      phase: 'failed',
      counts,
      rolledBack: backToPrevious,
      reasons: [
        backToPrevious
          ? `Deployment ${tracked.id} was replaced by a rollback to ${arnTail(primaryTd)}.`
          : `Deployment ${tracked.id} was replaced by another deployment (${primary?.id ?? '?'} to ${arnTail(primaryTd) || '?'}).`,
      ],
    };
  }
  if (tracked.taskDefinition !== t.targetTaskDefinition) {
    return {
      ...base,
      phase: 'failed',
      counts,
      reasons: [`Deployment ${tracked.id} runs ${arnTail(tracked.taskDefinition)}, not the planned ${arnTail(t.targetTaskDefinition)}.`],
    };
  }
  if (tracked.rolloutState === 'COMPLETED') return { ...base, phase: 'completed', counts, reasons: [] };
  // No rolloutState (e.g. behind a Classic Load Balancer): steady state with only our deployment left.
  if (tracked.rolloutState === undefined && deployments.length === 1 && counts.running === counts.desired && counts.pending === 0) {
    return { ...base, phase: 'completed', counts, reasons: [] };
  }
  if (overdue) {
    const why = [
      `${counts.running} of ${counts.desired} new tasks running${counts.failed ? `, ${counts.failed} failed` : ''} after the deadline, and the circuit breaker has not stopped the rollout.`,
    ];
    const impaired = (service.events ?? []).find((e) => /unable to place|unable to consistently start|insufficient/i.test(e.message ?? ''));
    if (impaired?.message) why.push(impaired.message);
    return { ...base, phase: 'stuck', counts, reasons: why };
  }
  return { ...base, phase: 'in_progress', counts, reasons: [] };
}

export interface StoppedTaskInfo {
  taskId: string;
  taskDefinition: string;
  stopCode?: string;
  stoppedReason?: string;
  stoppedAt?: number;
  containers: Array<{ name: string; exitCode?: number; reason?: string }>;
  /** Last log lines of the containers that failed, oldest first. */
  logLines?: string[];
}

/**
 * The stopped tasks that explain a failure: tasks of `taskDefinition` that stopped after the
 * change started, newest first, at most `max`.
 */
export function relevantStoppedTasks(tasks: readonly Task[], taskDefinition: string, since: number, max = 3): StoppedTaskInfo[] {
  return tasks
    .filter((t) => t.taskDefinitionArn === taskDefinition && t.lastStatus === 'STOPPED')
    .filter((t) => (t.stoppedAt?.getTime() ?? t.stoppingAt?.getTime() ?? now0(t)) >= since - 60_000)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
    .slice(0, max)
    .map((t) => ({
      taskId: arnTail(t.taskArn),
      taskDefinition: t.taskDefinitionArn ?? '',
      stopCode: t.stopCode,
      stoppedReason: t.stoppedReason,
      stoppedAt: t.stoppedAt?.getTime(),
      containers: (t.containers ?? []).map((c) => ({ name: c.name ?? '?', exitCode: c.exitCode, reason: c.reason })),
    }));
}

/** Tasks without a stop time (still stopping) count as recent. */
function now0(t: Task): number {
  return t.createdAt?.getTime() ?? Number.MAX_SAFE_INTEGER;
}

/** Containers worth showing logs for: those that exited non-zero or with a reason; else the first. */
export function failedContainers(task: StoppedTaskInfo): string[] {
  const bad = task.containers.filter((c) => (c.exitCode !== undefined && c.exitCode !== 0) || c.reason);
  return (bad.length ? bad : task.containers.slice(0, 1)).map((c) => c.name);
}
