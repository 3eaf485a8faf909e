import type { TaskContainer, TaskDetail } from './ecs-events';
/**
 * Which stopped tasks are failures worth an alert, and what went wrong in plain words.
 * Pure: a function of the event's detail and the environment's alert settings. In src/aws (a leaf)
 * so alerts and the rollout card (src/deploy/card.ts) both read a stopped task the same way.
 *
 * Stop codes: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html (stopCode);
 * error messages: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
 */

export type FailureKind =
  /** Out of memory: OutOfMemoryError in a reason, or exit code 137 (SIGKILL). */
  | 'oom'
  /** CannotPullContainerError: the image could not be pulled. */
  | 'image-pull'
  /** ResourceInitializationError: secrets, registry auth or log setup could not be fetched. */
  | 'secrets'
  /** Load balancer or container health checks failed and ECS replaced the task. */
  | 'health-check'
  /** CannotStartContainerError / CannotCreateContainerError. */
  | 'cannot-start'
  /** TaskFailedToStart for any other reason (placement, network, Fargate capacity…). */
  | 'failed-to-start'
  /** An essential container exited with a non-zero code. */
  | 'exit'
  /** A routine stop (scale-in, deployment, user, Spot) reported because includeRoutineStops is on. */
  | 'routine';

export interface TaskFailure {
  kind: FailureKind;
  /** Groups failures in an incident ("OutOfMemoryError ×7"): stable and short. */
  reasonKey: string;
  /** How the reason is written in the summary. */
  reasonLabel: string;
  /** The container that failed, when one can be named. */
  container?: string;
  exitCode?: number | null;
  /** The container's own reason (e.g. "OutOfMemoryError: Container killed due to memory usage"). */
  containerReason?: string;
  stopCode?: string;
  stoppedReason?: string;
}

type StopDecision = { alert: true; failure: TaskFailure } | { alert: false; why: string };

interface ClassifyOptions {
  /** environments.<env>.alerts.includeRoutineStops */
  includeRoutineStops: boolean;
  /** The service's main container (chatops.yml `container`), preferred when several failed. */
  serviceContainer?: string;
}

/** Exit codes a container returns when ECS stops it on purpose (SIGTERM, or SIGKILL after stopTimeout). */
const STOP_SIGNAL_EXITS = new Set([137, 143]);

const ERROR_NAME = /\b([A-Z][A-Za-z]+Error)\b/;

function exitOf(c: TaskContainer): number | undefined {
  return typeof c.exitCode === 'number' ? c.exitCode : undefined;
}

function isOom(c: TaskContainer): boolean {
  return /OutOfMemory/i.test(c.reason ?? '') || exitOf(c) === 137;
}

/** The container to blame: OOM first, then a non-zero exit, then one with a reason; the service's container wins ties. */
function culprit(containers: readonly TaskContainer[], preferred?: string): TaskContainer | undefined {
  const rank = (c: TaskContainer): number => {
    if (/OutOfMemory/i.test(c.reason ?? '')) return 0;
    const code = exitOf(c);
    if (code !== undefined && code !== 0) return 1;
    if (c.reason) return 2;
    return 3;
  };
  const sorted = [...containers].sort((a, b) => rank(a) - rank(b) || Number(b.name === preferred) - Number(a.name === preferred));
  const first = sorted[0];
  return first && rank(first) < 3 ? first : (containers.find((c) => c.name === preferred) ?? first);
}

function withContainer(
  failure: Omit<TaskFailure, 'container' | 'exitCode' | 'containerReason' | 'stopCode' | 'stoppedReason'>,
  d: TaskDetail,
  c: TaskContainer | undefined,
): TaskFailure {
  return {
    ...failure,
    container: c?.name,
    exitCode: c ? (typeof c.exitCode === 'number' ? c.exitCode : null) : undefined,
    containerReason: c?.reason,
    stopCode: d.stopCode,
    stoppedReason: d.stoppedReason,
  };
}

/** Failure kind and grouping key for an error text (stoppedReason or a container's reason). */
function kindFromText(text: string): { kind: FailureKind; key: string } | undefined {
  if (/CannotPullContainerError/i.test(text)) return { kind: 'image-pull', key: 'CannotPullContainerError' };
  if (/ResourceInitializationError/i.test(text)) return { kind: 'secrets', key: 'ResourceInitializationError' };
  if (/OutOfMemory/i.test(text)) return { kind: 'oom', key: 'OutOfMemoryError' };
  if (/CannotStartContainerError/i.test(text)) return { kind: 'cannot-start', key: 'CannotStartContainerError' };
  if (/CannotCreateContainerError/i.test(text)) return { kind: 'cannot-start', key: 'CannotCreateContainerError' };
  if (/health ?checks?/i.test(text))
    return { kind: 'health-check', key: /ELB|load balancer|target/i.test(text) ? 'ELB health checks' : 'container health checks' };
  return undefined;
}

const labelFor = (key: string): string => (key === 'ELB health checks' || key === 'container health checks' ? `failed ${key}` : key);

/**
 * Decide whether a task state change is an alert.
 *
 * Alerts: TaskFailedToStart; an essential container that exited non-zero; out of memory; failed
 * health checks; image pull errors; secrets that could not be fetched.
 * Not alerts (unless includeRoutineStops): tasks still running, scale-in and deployment stops
 * (ServiceSchedulerInitiated with exit 0, or the 137/143 a container returns when it is told to stop),
 * UserInitiated stops, Spot interruptions, exit code 0.
 */
export function classifyTaskStop(d: TaskDetail, opts: ClassifyOptions): StopDecision {
  if (d.lastStatus !== 'STOPPED') return { alert: false, why: `task is ${d.lastStatus}, not STOPPED` };
  const containers = d.containers ?? [];
  const c = culprit(containers, opts.serviceContainer);
  const stopCode = d.stopCode ?? '';
  const stoppedReason = d.stoppedReason ?? '';
  const fromReason = kindFromText(stoppedReason) ?? (c?.reason ? kindFromText(c.reason) : undefined);
  const routine = (why: string): StopDecision => {
    if (!opts.includeRoutineStops) return { alert: false, why };
    const key = stopCode || 'stopped';
    return { alert: true, failure: withContainer({ kind: 'routine', reasonKey: key, reasonLabel: key }, d, c) };
  };

  if (stopCode === 'TaskFailedToStart') {
    const k = fromReason ?? { kind: 'failed-to-start' as const, key: ERROR_NAME.exec(stoppedReason)?.[1] ?? 'TaskFailedToStart' };
    return { alert: true, failure: withContainer({ kind: k.kind, reasonKey: k.key, reasonLabel: labelFor(k.key) }, d, c) };
  }

  // OOM wins over everything else, whoever stopped the task.
  const oom = containers.find((x) => /OutOfMemory/i.test(x.reason ?? ''));
  if (oom)
    return { alert: true, failure: withContainer({ kind: 'oom', reasonKey: 'OutOfMemoryError', reasonLabel: 'OutOfMemoryError' }, d, oom) };

  if (fromReason && fromReason.kind !== 'oom') {
    return {
      alert: true,
      failure: withContainer({ kind: fromReason.kind, reasonKey: fromReason.key, reasonLabel: labelFor(fromReason.key) }, d, c),
    };
  }

  if (stopCode === 'UserInitiated') return routine('stopped by a user (UserInitiated)');
  if (stopCode === 'SpotInterruption' || stopCode === 'TerminationNotice') return routine(`stopped by AWS (${stopCode})`);

  const code = c ? exitOf(c) : undefined;
  if (stopCode === 'ServiceSchedulerInitiated') {
    // The scheduler stopped it (scale-in, deployment, rebalancing): the container's 143/137 is its answer to the stop signal.
    if (code === undefined || code === 0 || STOP_SIGNAL_EXITS.has(code))
      return routine(`stopped by the service scheduler (${stoppedReason || 'scale-in or deployment'})`);
  }
  if (code !== undefined && code !== 0) {
    if (c && isOom(c))
      return { alert: true, failure: withContainer({ kind: 'oom', reasonKey: 'OutOfMemoryError', reasonLabel: 'OutOfMemoryError' }, d, c) };
    const key = `exit code ${code}`;
    return { alert: true, failure: withContainer({ kind: 'exit', reasonKey: key, reasonLabel: key }, d, c) };
  }
  if (code === 0) return routine('the containers exited with code 0');
  return routine(`stopped without a failure (${stopCode || 'no stop code'}${stoppedReason ? `: ${stoppedReason}` : ''})`);
}

/** "1.4.2" from "…/shop/web:1.4.2"; a short digest for "…@sha256:…"; undefined for neither. */
export function imageTagOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1).slice(0, 19);
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return image.slice(colon + 1);
  return 'latest';
}

/** What a stopped task is read from: the rollout's StoppedTaskInfo, or ECS's Task (/ecs status, /ecs tasks). */
export interface StoppedTaskLike {
  stopCode?: string;
  stoppedReason?: string;
  containers?: ReadonlyArray<{ name?: string; exitCode?: number | null; reason?: string }>;
}

/** A stopped task as the event detail classifyTaskStop reads. */
export function stoppedDetail(task: StoppedTaskLike): TaskDetail {
  return {
    clusterArn: '',
    taskArn: '',
    lastStatus: 'STOPPED',
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containers: (task.containers ?? []).map((c) => ({ name: c.name, exitCode: c.exitCode, reason: c.reason })),
  };
}

/**
 * Whether a stopped task was stopped for running out of memory, as an alert would say: an
 * OutOfMemoryError, or exit 137 the task did not get for being told to stop.
 */
export function stoppedForMemory(task: StoppedTaskLike): boolean {
  const decision = classifyTaskStop(stoppedDetail(task), { includeRoutineStops: false });
  return decision.alert && decision.failure.kind === 'oom';
}
