/**
 * One incident per service: what the alert message shows, as stored in the incident hash
 * (src/alerts/store.ts) and read back. Pure: the facts taken from an event, the parsed view of
 * the hash, and the wording of its summary ("7 tasks failed in 12 minutes: OutOfMemoryError ×7").
 */
import type { ResolvedService } from '../config/schema';
import { imageTagOf, type FailureKind, type TaskFailure } from '../aws/task-stop';
import { arnTail } from '../aws/arn';
import type { TaskDetail } from '../aws/ecs-events';
import { defineMessages, tokenText } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

/**
 * Labels kept in the incident (reason labels, who recovered it) are catalog tokens when they are
 * words (`M.token`), so the stored incident is shown in the channel's language; error names
 * (OutOfMemoryError) are kept as they are.
 */
export const incidentText = defineMessages('alerts.incident', {
  SERVICE_TASK_PLACEMENT_FAILURE: { en: 'ECS could not place a task', ko: 'ECS가 작업을 배치하지 못함' },
  SERVICE_TASK_CONFIGURATION_FAILURE: {
    en: 'ECS could not place a task (configuration error)',
    ko: 'ECS가 작업을 배치하지 못함 (설정 오류)',
  },
  SERVICE_TASK_START_IMPAIRED: { en: 'ECS cannot start tasks consistently', ko: 'ECS가 작업을 안정적으로 시작하지 못함' },
  SERVICE_DISCOVERY_INSTANCE_UNHEALTHY: { en: 'a task is unhealthy in service discovery', ko: '서비스 디스커버리에서 작업이 비정상' },
  VPC_LATTICE_TARGET_UNHEALTHY: { en: 'a VPC Lattice target is unhealthy', ko: 'VPC Lattice 대상이 비정상' },
  SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED: {
    en: 'a daemon task no longer meets its placement constraints',
    ko: '데몬 작업이 배치 제약을 더 이상 충족하지 않음',
  },
  ECS_OPERATION_THROTTLED: { en: 'the service scheduler is throttled by ECS API limits', ko: '서비스 스케줄러가 ECS API 한도에 걸림' },
  SERVICE_DISCOVERY_OPERATION_THROTTLED: {
    en: 'the service scheduler is throttled by Cloud Map API limits',
    ko: '서비스 스케줄러가 Cloud Map API 한도에 걸림',
  },
  serviceDown: { en: 'service down', ko: '서비스 중단' },
  exitCode: { en: 'exit code {code}', ko: '종료 코드 {code}' },
  elbChecksFailed: { en: 'failed ELB health checks', ko: 'ELB 헬스 체크 실패' },
  containerChecksFailed: { en: 'failed container health checks', ko: '컨테이너 헬스 체크 실패' },
  recoveredDeployment: { en: 'deployment {id} completed', ko: '배포 {id} 완료' },
  recoveredSteady: { en: 'the service reached a steady state', ko: '서비스가 안정 상태가 됨' },
  recoveredScaledToZero: { en: 'the service was scaled to 0', ko: '서비스 작업 수가 0이 됨' },
  recoveredRunning: { en: '{running} of {desired} tasks running again', ko: '작업 {desired}개 중 {running}개가 다시 실행 중' },
  lessThanMinute: { en: 'less than a minute', ko: '1분 미만' },
  spanMinutes: { en: '{n} {n|minute|minutes}', ko: '{n}분' },
  spanHours: { en: '{n} {n|hour|hours}', ko: '{n}시간' },
  spanHoursMinutes: { en: '{h} {h|hour|hours} {m} {m|minute|minutes}', ko: '{h}시간 {m}분' },
  spanDays: { en: '{n} {n|day|days}', ko: '{n}일' },
  taskFailed: { en: '1 task failed', ko: '작업 1개 실패' },
  tasksFailedIn: { en: '{n} tasks failed in {span}', ko: '{span} 동안 작업 {n}개 실패' },
  withReasons: { en: '{head}: {reasons}', ko: '{head}: {reasons}', same: true },
  serviceWasDown: {
    en: 'Service was down: {running} of {desired} tasks running',
    ko: '서비스 중단이었음: 작업 {desired}개 중 {running}개 실행',
  },
  serviceIsDown: { en: 'Service down: {running} of {desired} tasks running', ko: '서비스 중단: 작업 {desired}개 중 {running}개 실행' },
  aTaskFailed: { en: 'a task failed', ko: '작업 1개 실패' },
  nTasksFailed: { en: '{n} tasks failed', ko: '작업 {n}개 실패' },
  deploymentFailedWord: { en: 'deployment failed', ko: '배포 실패' },
  deploymentFailed: { en: 'Deployment {id} failed', ko: '배포 {id} 실패' },
  trouble: { en: 'trouble', ko: '문제 발생' },
  recovered: { en: '✅ Recovered: {title}: {what}', ko: '✅ 복구됨: {title}: {what}' },
  isDown: { en: '🔴 {title} is down{what}', ko: '🔴 {title} 중단{what}' },
  tasksHeadline: { en: '🔥 {title}: {what}', ko: '🔥 {title}: {what}', same: true },
  deployHeadline: { en: '❌ {title}: deployment failed', ko: '❌ {title}: 배포 실패' },
  otherHeadline: { en: '⚠️ {title}: {what}', ko: '⚠️ {title}: {what}', same: true },
  acknowledged: { en: '{headline} · 👀 on it', ko: '{headline} · 👀 확인 중' },
});
const M = incidentText;

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
  /**
   * What the failure means in plain words (explain.ts), in the workspace's language, written by the
   * worker when the incident records the task. Incidents recorded before it have none.
   */
  explanation?: string;
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
  /** What ECS's reason means in plain words (src/aws/ecs-reasons.ts), in the workspace's language, written by the worker; none for a reason not recognised. */
  explanation?: string;
}

export interface ActionFacts {
  eventName: string;
  reason?: string;
  at: number;
  /** As DeployFacts.explanation. */
  explanation?: string;
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

/** Signals counted in-process while Redis was unreachable (all kinds), and the time of the first. */
export interface OutageCount {
  n: number;
  since: number;
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
  /**
   * The message was first posted while Redis was unreachable (pipeline.ts, postWithoutStore) and
   * taken over by this incident when Redis answered again: what that message had counted, from when.
   */
  outage?: OutageCount;
  ts?: string;
  channel?: string;
  rev: number;
  shown: number;
  /** When the message was last posted or updated (ms); the next update waits for the spacing. */
  shownAt?: number;
  recoveredAt?: number;
  /** Why it recovered (a catalog token or plain text). */
  recoveredBy?: string;
  /** Who clicked "I'm on it", and when. */
  ackBy?: string;
  ackAt?: number;
  /**
   * Incidents of the service replaced before their first post reached Slack (signal-4.lua, `e:<gen>`),
   * newest first, at most 3, and how many older ones (`eMore`): this message tells them.
   */
  earlier?: EarlierIncident[];
  earlierMore?: number;
}

/** An incident that never reached Slack, told in the message of the one that replaced it. */
export type EarlierIncident = Pick<
  IncidentView,
  'gen' | 'count' | 'reasons' | 'firstFailAt' | 'lastFailAt' | 'openedAt' | 'state' | 'down'
>;

function earlierOf(h: Record<string, string>): EarlierIncident[] {
  const out: EarlierIncident[] = [];
  for (const [field, value] of Object.entries(h)) {
    const gen = /^e:(\d+)$/.exec(field)?.[1];
    const e = gen ? json<{ count?: number; from?: number; to?: number; r?: unknown; over?: boolean; down?: DownFacts }>(value) : undefined;
    if (!e) continue;
    const reasons = (Array.isArray(e.r) ? (e.r as [string, SignalKind, number][]) : []).map(([label, kind, n]) => ({
      key: label,
      label,
      kind,
      n,
    }));
    out.push({
      gen: Number(gen),
      count: num(String(e.count)),
      reasons,
      firstFailAt: num(String(e.from)),
      lastFailAt: num(String(e.to)),
      openedAt: num(String(e.from)),
      state: e.over ? 'recovered' : 'open',
      down: e.down,
    });
  }
  return out.sort((a, b) => b.gen - a.gen);
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
    reasonLabel: taskLabel(failure),
  };
}

/**
 * A task failure's label: our words (an exit code, failed health checks) as catalog tokens, shown in
 * the channel's language (labelText); ECS's error names (OutOfMemoryError) as they are.
 */
function taskLabel(failure: TaskFailure): string {
  if (failure.kind === 'exit' && typeof failure.exitCode === 'number')
    return incidentText.token('exitCode', { code: String(failure.exitCode) });
  if (failure.kind === 'health-check' && failure.reasonKey === 'ELB health checks') return incidentText.token('elbChecksFailed');
  if (failure.kind === 'health-check' && failure.reasonKey === 'container health checks')
    return incidentText.token('containerChecksFailed');
  return failure.reasonLabel;
}

const ACTION_EVENTS = new Set([
  'SERVICE_TASK_PLACEMENT_FAILURE',
  'SERVICE_TASK_CONFIGURATION_FAILURE',
  'SERVICE_TASK_START_IMPAIRED',
  'SERVICE_DISCOVERY_INSTANCE_UNHEALTHY',
  'VPC_LATTICE_TARGET_UNHEALTHY',
  'SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED',
  'ECS_OPERATION_THROTTLED',
  'SERVICE_DISCOVERY_OPERATION_THROTTLED',
] as const);
type ActionEvent = typeof ACTION_EVENTS extends Set<infer T> ? T : never;

/** Service action events that are signals of trouble (WARN and ERROR types); INFO ones are not. */
export function isTroubleAction(eventName: string, eventType: string | undefined): boolean {
  if ((ACTION_EVENTS as Set<string>).has(eventName)) return true;
  return eventType === 'WARN' || eventType === 'ERROR';
}

/** What a service action event means, as a label to keep (a token for the known ones, else its name). */
export function actionLabel(eventName: string): string {
  return (ACTION_EVENTS as Set<string>).has(eventName) ? M.token(eventName as ActionEvent) : eventName;
}

/**
 * A stored label in `locale`. Incidents opened before labels were tokens (2026-12-04) hold the English
 * words of taskLabel; those read in the channel's language too.
 */
export function labelText(label: string, locale: Locale): string {
  const exit = /^exit code (\d+)$/.exec(label);
  if (exit) return incidentText.in(locale)('exitCode', { code: exit[1]! });
  if (label === 'failed ELB health checks') return incidentText.in(locale)('elbChecksFailed');
  if (label === 'failed container health checks') return incidentText.in(locale)('containerChecksFailed');
  return tokenText(label, locale);
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
  const earlier = earlierOf(h);
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
    ...(h.outage ? { outage: json<OutageCount>(h.outage) } : {}),
    ts: h.ts || undefined,
    channel: h.channel || undefined,
    rev: num(h.rev),
    shown: num(h.shown, -1),
    shownAt: h.shownAt ? num(h.shownAt) : undefined,
    recoveredAt: h.recoveredAt ? num(h.recoveredAt) : undefined,
    recoveredBy: h.recoveredBy || undefined,
    ackBy: h.ackBy || undefined,
    ackAt: h.ackAt ? num(h.ackAt) : undefined,
    ...(earlier.length ? { earlier, earlierMore: num(h.eMore) } : {}),
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

/** "less than a minute", "12 minutes", "2 hours 5 minutes", "3 days" ("1분 미만", "12분", "2시간 5분", "3일"). */
export function spanWords(ms: number, locale: Locale = 'en'): string {
  const t = M.in(locale);
  // Whole minutes: seconds add nothing to how long an incident lasted.
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return t('lessThanMinute');
  if (minutes < 60) return t('spanMinutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? t('spanHoursMinutes', { h: hours, m: minutes % 60 }) : t('spanHours', { n: hours });
  return t('spanDays', { n: Math.floor(hours / 24) });
}

/** "OutOfMemoryError ×7, exit code 1" for the task failures of an incident. */
export function taskReasonsSummary(v: Pick<IncidentView, 'reasons'>, locale: Locale = 'en'): string {
  return v.reasons
    .filter((r) => r.kind === 'task')
    .map((r) => (r.n > 1 ? `${labelText(r.label, locale)} ×${r.n}` : labelText(r.label, locale)))
    .join(', ');
}

/** "7 tasks failed in 12 minutes: OutOfMemoryError ×7" (or "1 task failed: OutOfMemoryError"). Empty without task failures. */
export function taskSummary(v: Omit<EarlierIncident, 'gen' | 'state' | 'down'>, locale: Locale = 'en'): string {
  if (v.count === 0) return '';
  const t = M.in(locale);
  const reasons = taskReasonsSummary(v, locale);
  const head =
    v.count === 1
      ? t('taskFailed')
      : t('tasksFailedIn', { n: v.count, span: spanWords(v.lastFailAt - (v.firstFailAt || v.openedAt), locale) });
  return reasons ? t('withReasons', { head, reasons }) : head;
}

/** The other signals of the incident, one line each, plain text. */
export function signalLines(v: Pick<IncidentView, 'down' | 'state' | 'reasons'>, locale: Locale = 'en'): string[] {
  const t = M.in(locale);
  const out: string[] = [];
  if (v.down)
    out.push(t(v.state === 'recovered' ? 'serviceWasDown' : 'serviceIsDown', { running: v.down.running, desired: v.down.desired }));
  for (const r of v.reasons) {
    if (r.kind === 'deploy') out.push(`${labelText(r.label, locale)}${r.n > 1 ? ` ×${r.n}` : ''}`);
    if (r.kind === 'action') out.push(`${labelText(r.label, locale)} ×${r.n}`);
  }
  return out;
}

function serviceTitle(svc: Pick<ResolvedService, 'alias' | 'environment'>): string {
  return `${svc.alias} (${svc.environment})`;
}

/** The header of the alert message, from the state of the incident (and who is on it). */
export function headline(v: IncidentView, svc: Pick<ResolvedService, 'alias' | 'environment'>, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const title = serviceTitle(svc);
  const what =
    v.count > 0
      ? v.count === 1
        ? t('aTaskFailed')
        : t('nTasksFailed', { n: v.count })
      : v.down
        ? t('serviceDown')
        : v.deploy
          ? t('deploymentFailedWord')
          : v.action
            ? labelText(actionLabel(v.action.eventName), locale)
            : t('trouble');
  let line: string;
  if (v.state === 'recovered') line = t('recovered', { title, what });
  else if (v.down) line = t('isDown', { title, what: v.count > 0 ? `: ${what}` : '' });
  else if (v.count > 0) line = t('tasksHeadline', { title, what });
  else if (v.deploy) line = t('deployHeadline', { title });
  else line = t('otherHeadline', { title, what });
  return v.ackBy && v.state !== 'recovered' ? t('acknowledged', { headline: line }) : line;
}
