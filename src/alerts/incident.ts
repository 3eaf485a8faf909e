/**
 * One incident per service: what the alert message shows, as stored in the incident hash
 * (src/alerts/store.ts) and read back. Pure: the facts taken from an event, the parsed view of
 * the hash, and the wording of its summary ("7 tasks failed in 12 minutes: OutOfMemoryError ×7").
 */
import type { ResolvedService } from '../config/schema';
import { imageTagOf, type FailureKind, type TaskFailure } from './classify';
import { arnTail } from '../aws/arn';
import type { TaskDetail } from '../aws/ecs-events';

/** What a stopped task tells us, kept with the incident (ECS forgets stopped tasks within an hour). */
export interface TaskFacts {
  taskId: string;
  taskArn: string;
  region: string;
  cluster: string;
  /** "family:revision" */
  taskDefinition?: string;
  taskDefinitionArn?: string;
  image?: string;
  imageTag?: string;
  container?: string;
  exitCode?: number | null;
  containerReason?: string;
  stopCode?: string;
  stoppedReason?: string;
  /** epoch ms */
  stoppedAt?: number;
  /** "ecs-svc/…": the deployment that started the task. */
  startedBy?: string;
  kind: FailureKind;
  reasonKey: string;
  reasonLabel: string;
}

/** The last lines of the failed container, fetched when the event arrived. */
export interface LogExcerpt {
  region: string;
  group?: string;
  stream?: string;
  lines?: string[];
  /** Why there are no lines (group deleted, not awslogs, access denied…). */
  error?: string;
}

export interface DeployFacts {
  deploymentId: string;
  reason?: string;
  at: number;
}

export interface ActionFacts {
  eventName: string;
  reason?: string;
  at: number;
}

export interface DownFacts {
  since: number;
  desired: number;
  running: number;
}

export type SignalKind = 'task' | 'deploy' | 'action' | 'down';

export interface ReasonCount {
  key: string;
  label: string;
  kind: SignalKind;
  n: number;
}

export interface IncidentView {
  gen: number;
  state: 'open' | 'recovered';
  openedAt: number;
  lastAt: number;
  /** First task failure (event time). 0 when none. */
  firstFailAt: number;
  /** Last task failure, failed deployment or service action (not "still down"). 0 when none. */
  lastFailAt: number;
  /** Tasks that failed. */
  count: number;
  reasons: ReasonCount[];
  /** The reason of the latest signal (its label is in `reasons`). */
  lastReason?: string;
  first?: TaskFacts;
  logs?: LogExcerpt;
  deploy?: DeployFacts;
  action?: ActionFacts;
  down?: DownFacts;
  /** Request id, when the failing tasks come from a deployment the bot started. */
  botRequest?: string;
  ts?: string;
  channel?: string;
  rev: number;
  shown: number;
  recoveredAt?: number;
  recoveredBy?: string;
}

/** The facts worth keeping from a stopped task. */
export function taskFacts(d: TaskDetail, failure: TaskFailure, where: { region: string; cluster: string }): TaskFacts {
  const container = d.containers.find((c) => c.name === failure.container);
  const tdArn = d.taskDefinitionArn;
  const stoppedAt = d.stoppedAt ? Date.parse(d.stoppedAt) : NaN;
  return {
    taskId: arnTail(d.taskArn),
    taskArn: d.taskArn,
    region: where.region,
    cluster: where.cluster,
    taskDefinition: tdArn ? arnTail(tdArn) : undefined,
    taskDefinitionArn: tdArn,
    image: container?.image,
    imageTag: imageTagOf(container?.image),
    container: failure.container,
    exitCode: failure.exitCode,
    containerReason: failure.containerReason,
    stopCode: failure.stopCode,
    stoppedReason: failure.stoppedReason,
    stoppedAt: Number.isFinite(stoppedAt) ? stoppedAt : undefined,
    startedBy: d.startedBy,
    kind: failure.kind,
    reasonKey: failure.reasonKey,
    reasonLabel: failure.reasonLabel,
  };
}

const ACTION_LABELS: Record<string, string> = {
  SERVICE_TASK_PLACEMENT_FAILURE: 'ECS could not place a task',
  SERVICE_TASK_CONFIGURATION_FAILURE: 'ECS could not place a task (configuration error)',
  SERVICE_TASK_START_IMPAIRED: 'ECS cannot start tasks consistently',
  SERVICE_DISCOVERY_INSTANCE_UNHEALTHY: 'a task is unhealthy in service discovery',
  VPC_LATTICE_TARGET_UNHEALTHY: 'a VPC Lattice target is unhealthy',
  SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED: 'a daemon task no longer meets its placement constraints',
  ECS_OPERATION_THROTTLED: 'the service scheduler is throttled by ECS API limits',
  SERVICE_DISCOVERY_OPERATION_THROTTLED: 'the service scheduler is throttled by Cloud Map API limits',
};

/** Service action events that are signals of trouble (WARN and ERROR types); INFO ones are not. */
export function isTroubleAction(eventName: string, eventType: string | undefined): boolean {
  if (ACTION_LABELS[eventName]) return true;
  return eventType === 'WARN' || eventType === 'ERROR';
}

export function actionLabel(eventName: string): string {
  return ACTION_LABELS[eventName] ?? eventName;
}

function num(v: string | undefined, dflt = 0): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) ? n : dflt;
}

function json<T>(v: string | undefined): T | undefined {
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

const KINDS: readonly SignalKind[] = ['task', 'deploy', 'action', 'down'];

/** The incident hash as the message builders read it; undefined when there is none. */
export function parseIncident(h: Record<string, string>): IncidentView | undefined {
  if (!h.state) return undefined;
  const reasons: ReasonCount[] = [];
  for (const [field, value] of Object.entries(h)) {
    if (!field.startsWith('r:')) continue;
    const key = field.slice(2);
    const kind = h[`k:${key}`] as SignalKind | undefined;
    reasons.push({ key, label: h[`l:${key}`] || key, kind: kind && KINDS.includes(kind) ? kind : 'task', n: num(value) });
  }
  reasons.sort((a, b) => b.n - a.n || a.label.localeCompare(b.label));
  return {
    gen: num(h.gen),
    state: h.state === 'recovered' ? 'recovered' : 'open',
    openedAt: num(h.openedAt),
    lastAt: num(h.lastAt),
    firstFailAt: num(h.firstFailAt),
    lastFailAt: num(h.lastFailAt),
    count: num(h.count),
    reasons,
    ...(h.lastReason ? { lastReason: h.lastReason } : {}),
    first: json<TaskFacts>(h.first),
    logs: json<LogExcerpt>(h.logs),
    deploy: json<DeployFacts>(h.deploy),
    action: json<ActionFacts>(h.action),
    down: json<DownFacts>(h.down),
    botRequest: h.botRequest || undefined,
    ts: h.ts || undefined,
    channel: h.channel || undefined,
    rev: num(h.rev),
    shown: num(h.shown, -1),
    recoveredAt: h.recoveredAt ? num(h.recoveredAt) : undefined,
    recoveredBy: h.recoveredBy || undefined,
  };
}

/**
 * What the alert's buttons carry: `<environment>.<alias>.<gen>`, a reference to one incident
 * (aliases and environment names have no dots). The buttons act on the incident this names, as
 * recorded in Redis, and on nothing else a click carries.
 */
export function incidentRef(environment: string, alias: string, gen: number): string {
  return `${environment}.${alias}.${gen}`;
}

export function parseIncidentRef(value: string | undefined): { environment: string; alias: string; gen: number } | undefined {
  const m = /^([a-z0-9][a-z0-9_-]{0,39})\.([a-z0-9][a-z0-9_-]{0,39})\.([1-9]\d{0,15})$/.exec(value ?? '');
  return m ? { environment: m[1]!, alias: m[2]!, gen: Number(m[3]) } : undefined;
}

/** "less than a minute", "1 minute", "12 minutes", "2 hours 5 minutes", "3 days". */
export function spanWords(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  const p = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return p(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${p(hours, 'hour')} ${p(minutes % 60, 'minute')}` : p(hours, 'hour');
  return p(Math.floor(hours / 24), 'day');
}

/** "OutOfMemoryError ×7, exit code 1" for the task failures of an incident. */
export function taskReasonsSummary(v: IncidentView): string {
  return v.reasons
    .filter((r) => r.kind === 'task')
    .map((r) => (r.n > 1 ? `${r.label} ×${r.n}` : r.label))
    .join(', ');
}

/** "7 tasks failed in 12 minutes: OutOfMemoryError ×7" (or "1 task failed: OutOfMemoryError"). Empty without task failures. */
export function taskSummary(v: IncidentView): string {
  if (v.count === 0) return '';
  const reasons = taskReasonsSummary(v);
  const head = v.count === 1 ? '1 task failed' : `${v.count} tasks failed in ${spanWords(v.lastFailAt - (v.firstFailAt || v.openedAt))}`;
  return reasons ? `${head}: ${reasons}` : head;
}

/** The other signals of the incident, one line each, plain text. */
export function signalLines(v: IncidentView): string[] {
  const out: string[] = [];
  if (v.down)
    out.push(`${v.state === 'recovered' ? 'Service was down' : 'Service down'}: ${v.down.running} of ${v.down.desired} tasks running`);
  for (const r of v.reasons) {
    if (r.kind === 'deploy') out.push(`${r.label}${r.n > 1 ? ` ×${r.n}` : ''}`);
    if (r.kind === 'action') out.push(`${r.label} ×${r.n}`);
  }
  return out;
}

function serviceTitle(svc: Pick<ResolvedService, 'alias' | 'environment'>): string {
  return `${svc.alias} (${svc.environment})`;
}

/** The header of the alert message, from the state of the incident. */
export function headline(v: IncidentView, svc: Pick<ResolvedService, 'alias' | 'environment'>): string {
  const title = serviceTitle(svc);
  const what =
    v.count > 0
      ? v.count === 1
        ? 'a task failed'
        : `${v.count} tasks failed`
      : v.down
        ? 'service down'
        : v.deploy
          ? 'deployment failed'
          : v.action
            ? actionLabel(v.action.eventName)
            : 'trouble';
  if (v.state === 'recovered') return `✅ Recovered: ${title}: ${what}`;
  if (v.down) return `🔴 ${title} is down${v.count > 0 ? `: ${what}` : ''}`;
  if (v.count > 0) return `🔥 ${title}: ${what}`;
  if (v.deploy) return `❌ ${title}: deployment failed`;
  return `⚠️ ${title}: ${what}`;
}
