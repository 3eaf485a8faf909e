/**
 * Reading a rollout: the one function that turns ECS's view of a service into "in progress",
 * "completed", "failed" or "stuck". The events consumer, the deadline tick and the local
 * watcher all call it, so a thread reads the same whoever noticed the change.
 *
 * Success is strict (the waiter's "one deployment, running == desired" is also true after the
 * circuit breaker rolled back): the tracked deployment must be PRIMARY, run the planned task
 * definition and have rolloutState COMPLETED. A FAILED rollout, or the tracked deployment gone
 * or demoted while the old task definition is PRIMARY again, is a failure. A tracked deployment on
 * the planned task definition that reached COMPLETED and was then replaced by someone else's is a
 * completion (it completed before it was replaced).
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import type { ChangeVerb } from '../config/schema';
import { arnTail } from '../aws/arn';
import { explainEcsReason } from '../aws/ecs-reasons';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('deploy.progress', {
  countMoved: {
    en: 'The desired count is now {desired}, not {target}: something else changed it (Application Auto Scaling or another change).',
    ko: '원하는 작업 수가 {target}개가 아니라 {desired}개입니다. 다른 무언가(Application Auto Scaling이나 다른 변경)가 바꿨습니다.',
  },
  scaleOverdue: {
    en: '{running} of {target} tasks running after the deadline.',
    ko: '기한이 지났는데 작업 {target}개 중 {running}개만 실행 중입니다.',
  },
  goneRolledBack: {
    en: 'Deployment {id} is gone and the service runs {td} again: ECS rolled it back.',
    ko: '배포({id})가 사라지고 서비스가 다시 {td} 작업 정의를 실행합니다. ECS가 롤백했습니다.',
  },
  gone: {
    en: 'Deployment {id} no longer exists; the service now runs {td}.',
    ko: '배포({id})가 더 이상 없습니다. 서비스는 지금 {td} 작업 정의를 실행합니다.',
  },
  failed: { en: 'The deployment failed (rolloutState FAILED).', ko: '배포가 실패했습니다 (rolloutState FAILED).' },
  rollingBack: { en: 'ECS is rolling the service back to {td}.', ko: 'ECS가 서비스를 {td} 작업 정의로 롤백하는 중입니다.' },
  replacedByRollback: {
    en: 'Deployment {id} was replaced by a rollback to {td}.',
    ko: '배포({id})가 {td} 작업 정의로 돌아가는 롤백으로 대체되었습니다.',
  },
  replaced: {
    en: 'Deployment {id} was replaced by another deployment ({other} to {td}).',
    ko: '배포({id})가 다른 배포({other}, 대상 {td})로 대체되었습니다.',
  },
  otherTd: {
    en: 'Deployment {id} runs {td}, not the planned {planned}.',
    ko: '배포({id})가 계획한 작업 정의({planned})가 아니라 {td} 작업 정의를 실행합니다.',
  },
  overdue: {
    en: '{running} of {desired} new tasks running{failed} after the deadline, and the circuit breaker has not stopped the rollout.',
    ko: '기한이 지났는데 새 작업 {desired}개 중 {running}개만 실행 중이고{failed}, 서킷 브레이커도 롤아웃을 멈추지 않았습니다.',
  },
  overdueFailed: { en: ', {n} failed', ko: ' {n}개는 실패했으며' },
  unknown: { en: '(unknown)', ko: '(알 수 없음)' },
});

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
  /**
   * Someone's Abort of this change was carried out (or is being): a deployment that completed and
   * was then replaced was replaced by the abort, which took the service back; the change did not hold.
   */
  aborted?: boolean;
}

export interface Counts {
  desired: number;
  running: number;
  pending: number;
  failed: number;
  /** ECS is taking the service back to this task definition: the counts are of that rollback, not of new tasks. */
  back?: string;
}

export interface Assessment {
  phase: Phase;
  counts: Counts;
  /** Why it failed or is stuck, in ECS's words where there are some, each followed by what it means when known (plain text, not escaped). */
  reasons: string[];
  /** ECS brought back the task definition that ran before (circuit breaker or abort). */
  rolledBack: boolean;
  /** The task definition the service's PRIMARY deployment runs now. */
  primaryTaskDefinition?: string;
}

const n = (v: number | undefined): number => v ?? 0;

/** How the rollout stands; `locale` is the language of the reasons (the card's: the workspace's). */
export function assessRollout(service: Service, t: Tracking, now: number, locale: Locale = 'en'): Assessment {
  const say = M.in(locale);
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
        reasons: [say('countMoved', { desired: counts.desired, target })],
      };
    }
    if (counts.running === target && counts.pending === 0) return { ...base, phase: 'completed', counts, reasons: [] };
    return {
      ...base,
      phase: overdue ? 'stuck' : 'in_progress',
      counts,
      reasons: overdue ? [say('scaleOverdue', { running: counts.running, target })] : [],
    };
  }

  const tracked = t.deploymentId ? deployments.find((d) => d.id === t.deploymentId) : undefined;
  const unknown = say('unknown');
  /** While ECS takes the service back, the progress shown is that of the way back (not the failed deployment's 0 of 0). */
  const backCounts = (failed = 0): Counts => ({
    desired: n(primary?.desiredCount ?? service.desiredCount),
    running: n(primary?.runningCount),
    pending: n(primary?.pendingCount),
    failed,
    back: primaryTd,
  });
  if (!tracked) {
    const back = primaryTd === t.previousTaskDefinition;
    const counts: Counts = back
      ? backCounts()
      : { desired: n(primary?.desiredCount ?? service.desiredCount), running: 0, pending: 0, failed: 0 };
    return {
      ...base,
      phase: 'failed',
      counts,
      rolledBack: back,
      reasons: [
        back
          ? say('goneRolledBack', { id: t.deploymentId ?? unknown, td: arnTail(primaryTd) })
          : say('gone', { id: t.deploymentId ?? unknown, td: arnTail(primaryTd) || unknown }),
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
    // ECS's reason as it is, then what it means where it is one of the common ones (the circuit breaker…).
    const means = explainEcsReason(tracked.rolloutStateReason, locale);
    const reasons = [tracked.rolloutStateReason || say('failed'), ...(means ? [means] : [])];
    if (backToPrevious) reasons.push(say('rollingBack', { td: arnTail(primaryTd) }));
    return { ...base, phase: 'failed', counts: backToPrevious ? backCounts(counts.failed) : counts, reasons, rolledBack: backToPrevious };
  }
  if (
    tracked.status !== 'PRIMARY' &&
    tracked.rolloutState === 'COMPLETED' &&
    tracked.taskDefinition === t.targetTaskDefinition &&
    !t.aborted
  ) {
    // It reached steady state before someone else's deployment replaced it (its event came late or
    // was missed): this change completed; what came after it is theirs. (Replaced by this change's
    // own Abort, it did not hold: a failure, below.)
    return { ...base, phase: 'completed', counts, reasons: [] };
  }
  if (tracked.status !== 'PRIMARY') {
    return {
      ...base,
      phase: 'failed',
      counts: backToPrevious ? backCounts(counts.failed) : counts,
      rolledBack: backToPrevious,
      reasons: [
        backToPrevious
          ? say('replacedByRollback', { id: tracked.id ?? '?', td: arnTail(primaryTd) })
          : say('replaced', { id: tracked.id ?? '?', other: primary?.id ?? '?', td: arnTail(primaryTd) || '?' }),
      ],
    };
  }
  if (tracked.taskDefinition !== t.targetTaskDefinition) {
    return {
      ...base,
      phase: 'failed',
      counts,
      reasons: [say('otherTd', { id: tracked.id ?? '?', td: arnTail(tracked.taskDefinition), planned: arnTail(t.targetTaskDefinition) })],
    };
  }
  if (tracked.rolloutState === 'COMPLETED') return { ...base, phase: 'completed', counts, reasons: [] };
  // No rolloutState (e.g. behind a Classic Load Balancer): steady state with only our deployment left.
  if (tracked.rolloutState === undefined && deployments.length === 1 && counts.running === counts.desired && counts.pending === 0) {
    return { ...base, phase: 'completed', counts, reasons: [] };
  }
  if (overdue) {
    const why = [
      say('overdue', {
        running: counts.running,
        desired: counts.desired,
        failed: counts.failed ? say('overdueFailed', { n: counts.failed }) : '',
      }),
    ];
    const impaired = (service.events ?? []).find((e) => /unable to place|unable to consistently start|insufficient/i.test(e.message ?? ''));
    if (impaired?.message) {
      const means = explainEcsReason(impaired.message, locale);
      why.push(impaired.message, ...(means ? [means] : []));
    }
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
