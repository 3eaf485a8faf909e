/**
 * `/ecs history`: the bot's audit trail (who asked, who approved, how it ended) merged with ECS's
 * own list of service deployments, so deployments made elsewhere (console, CI, another tool)
 * show up marked as such. Pure: the worker part (src/commands/history.run.ts) reads Redis and ECS.
 *
 * A request and an ECS deployment are the same change when
 *  1. the request recorded the deployment (execution.serviceDeploymentArn / deploymentId, or the
 *     keys.botDeployment mark that recordExecution writes), or
 *  2. the deployment targets the task definition the request ran and was created while it ran;
 * never for a scale, which starts no deployment (the one it follows was made by another change).
 */
import type { KnownBlock } from '@slack/types';
import { context, header, section, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn, mention, oneLine, truncate } from '../slack/text';
import { arnTail } from '../aws/arn';
import type { AuditEntry } from './audit';
import type { ChangeRequest, GateNote } from './types';
import { breakGlassApprovalText, historyGatesLine } from './history-gates';
import { endedUnstarted, UNCONFIRMED_AUDIT, unconfirmedEnd } from './model';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { slackDate } from '../slack/time';
import { verbTitle } from '../slack/text';
import { shownVerb } from './format';
import type { ChangeVerb } from '../config/schema';

export interface BotRun {
  requestId: string;
  verb: string;
  requester: string;
  reason?: string;
  approvers: string[];
  /** No approval was needed (auto-approved). */
  autoApproved: boolean;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Request state as last recorded. */
  state: string;
  /** Rejection / cancellation reason, or the outcome detail. */
  detail?: string;
  decidedBy?: string;
  summary?: string;
  /** Image deployed (plan), e.g. `…/shop/web@sha256:…`, and the tag asked for. */
  image?: string;
  tag?: string;
  /** Task definition the change ran (execution facts, else the plan). */
  taskDefinition?: string;
  /** ECS ids the request recorded (deployment id, service deployment ARN). */
  deploymentIds: string[];
  /** Release gates: the card's gate lines, and what happened at the gates. */
  gates?: GateNote[];
  breakGlass?: string;
  retro?: { state: 'approved' | 'expired'; by: string[] };
  /** Failed because the tracker gave up, not because ECS said so (src/approvals/model.ts unconfirmedEnd). */
  unconfirmed?: boolean;
  /** Its record says it ended having changed nothing (src/approvals/model.ts endedUnstarted: e.g. its worker's notStarted fact). */
  notRun?: boolean;
  scheduledFor?: number;
  /** Presses on the traffic-shift gate, oldest first. */
  shifts?: Array<{ actor: string; event: string; at: number }>;
  autoLocked?: boolean;
  acknowledgedBy?: string;
}

export interface EcsDeploymentRow {
  /** Service deployment ARN (ListServiceDeployments) or deployment id (DescribeServices). */
  id: string;
  createdAt?: number;
  finishedAt?: number;
  status: string;
  statusReason?: string;
  taskDefinition?: string;
  image?: string;
  /** The tag the task definition's image named, when it named one (`image` then has the digest it named then). */
  tag?: string;
}

interface HistoryRow {
  at: number;
  run?: BotRun;
  /** The ECS deployment: for a bot run, the one it made (when matched); alone, one the bot did not make. */
  ecs?: EcsDeploymentRow;
  /** An ECS deployment marked as the bot's whose request is no longer in the audit trail. */
  botRequestId?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function field(obj: unknown, name: string): string | undefined {
  return obj && typeof obj === 'object' ? str((obj as Record<string, unknown>)[name]) : undefined;
}

/** The facts history shows, from the plan (src/deploy/plan.ts) and the execution facts (src/deploy/execute.ts). */
function changeFacts(req: ChangeRequest): Pick<BotRun, 'image' | 'tag' | 'taskDefinition' | 'deploymentIds'> {
  const ex = req.execution ?? {};
  const plan = req.plan;
  const image = field(plan, 'image') ?? field(plan, 'targetImage');
  const tag = field(plan, 'tag');
  const taskDefinition =
    field(ex, 'targetTaskDefinition') ??
    field(ex, 'registeredTaskDefinition') ??
    field(ex, 'taskDefinitionArn') ??
    field(plan, 'targetTaskDefinition') ??
    field(plan, 'currentTaskDefinition') ??
    // A one-off task (`/ecs run`): the task definition it ran.
    field(plan, 'taskDefinition');
  const deploymentIds = [field(ex, 'serviceDeploymentArn'), field(ex, 'deploymentId')].filter((v): v is string => v !== undefined);
  return { ...(image ? { image } : {}), ...(tag ? { tag } : {}), ...(taskDefinition ? { taskDefinition } : {}), deploymentIds };
}

const FINAL_EVENTS = new Set(['succeeded', 'failed', 'rejected', 'expired', 'cancelled', 'aborted']);

/**
 * One run per request in the audit entries (newest first), completed from the request hashes
 * still on record. Requests whose hash is gone keep what the audit trail says.
 */
export function runsFromAudit(entries: readonly AuditEntry[], requests: ReadonlyMap<string, ChangeRequest | undefined>): BotRun[] {
  const byId = new Map<string, BotRun>();
  const order: string[] = [];
  // Oldest first so later entries overwrite earlier ones.
  for (const e of [...entries].sort((a, b) => a.at - b.at || a.streamId.localeCompare(b.streamId))) {
    if (!e.requestId) continue;
    let run = byId.get(e.requestId);
    if (!run) {
      run = {
        requestId: e.requestId,
        verb: e.verb,
        requester: '',
        approvers: [],
        autoApproved: false,
        createdAt: e.at,
        state: e.state,
        deploymentIds: [],
      };
      byId.set(e.requestId, run);
      order.push(e.requestId);
    }
    run.state = e.state || run.state;
    switch (e.event) {
      case 'created':
        run.createdAt = e.at;
        run.requester = e.actor;
        if (e.detail) run.reason = e.detail;
        if (e.summary) run.summary = e.summary;
        if (e.gates) {
          try {
            const g = JSON.parse(e.gates) as GateNote[];
            if (Array.isArray(g)) run.gates = g;
          } catch {
            // an unreadable gates field: the history shows the rest
          }
        }
        break;
      case 'auto-approved':
        run.autoApproved = true;
        break;
      case 'approval':
      case 'approved':
        if (!run.approvers.includes(e.actor)) run.approvers.push(e.actor);
        break;
      case 'started':
        run.startedAt = e.at;
        break;
      // Release gates
      case 'break-glass':
        run.breakGlass = e.detail;
        break;
      case 'retro-approval':
      case 'retro-approved':
        if (!run.approvers.includes(e.actor)) run.approvers.push(e.actor);
        if (e.event === 'retro-approved') run.retro = { state: 'approved', by: [...run.approvers] };
        break;
      case 'retro-expired':
        run.retro = { state: 'expired', by: [...run.approvers] };
        break;
      case 'did not run':
        // Its worker recorded that the change does not run, before touching the service (the notStarted fact).
        run.notRun = true;
        break;
      case 'scheduled':
        if (Number(e.detail)) run.scheduledFor = Number(e.detail);
        break;
      case 'traffic-shifted':
      case 'traffic-rolled-back':
      case 'traffic-press-late':
        (run.shifts ??= []).push({ actor: e.actor, event: String(e.event), at: e.at });
        break;
      case 'auto-locked':
        run.autoLocked = true;
        break;
      case 'rollout ended':
        // The tracker gave up on it (src/deploy/tracker.ts finalize): its `failed` reads "not confirmed".
        if (e.detail.startsWith(UNCONFIRMED_AUDIT)) run.unconfirmed = true;
        break;
      case 'acknowledged':
        run.acknowledgedBy = e.actor;
        break;
      default:
        if (FINAL_EVENTS.has(String(e.event))) {
          run.finishedAt = e.at;
          if (e.detail) run.detail = e.detail;
          if (e.event === 'rejected' || e.event === 'cancelled') run.decidedBy = e.actor;
        }
    }
  }
  return order
    .map((id) => {
      const run = byId.get(id)!;
      const req = requests.get(id);
      if (!req) return run;
      return {
        ...run,
        verb: shownVerb(req),
        requester: req.requester || run.requester,
        ...(req.reason ? { reason: req.reason } : {}),
        approvers: req.approvals.length ? req.approvals.map((a) => a.user) : run.approvers,
        autoApproved: run.autoApproved || req.approvalsNeeded === 0,
        createdAt: req.createdAt || run.createdAt,
        ...(req.startedAt ? { startedAt: req.startedAt } : {}),
        ...(req.finishedAt ? { finishedAt: req.finishedAt } : {}),
        state: req.state,
        ...(req.decisionReason ? { detail: req.decisionReason } : {}),
        ...(req.decidedBy ? { decidedBy: req.decidedBy } : {}),
        summary: req.summary || run.summary,
        ...changeFacts(req),
        ...(req.gates ? { gates: req.gates } : {}),
        ...(req.breakGlass ? { breakGlass: req.breakGlass } : {}),
        ...(endedUnstarted(req) ? { notRun: true } : {}),
        ...(unconfirmedEnd(req) ? { unconfirmed: true } : {}),
        ...(req.retroApprovedAt ? { retro: { state: 'approved' as const, by: req.approvals.map((a) => a.user) } } : {}),
        ...(req.retroExpiredAt ? { retro: { state: 'expired' as const, by: req.approvals.map((a) => a.user) } } : {}),
        ...(req.startAt ? { scheduledFor: req.startAt } : {}),
      };
    })
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** Match window around a run for deployments matched by task definition. */
const SLACK_MS = 2 * 60_000;

/**
 * Merge runs and ECS deployments, newest first, at most `limit` rows. `marks` maps ECS ids
 * (service deployment ARN or deployment id) the bot recorded as its own to the request id.
 */
export function mergeHistory(
  runs: readonly BotRun[],
  deployments: readonly EcsDeploymentRow[],
  marks: ReadonlyMap<string, string>,
  now: number,
  limit: number,
): HistoryRow[] {
  const rows = new Map<string, HistoryRow>(runs.map((r) => [r.requestId, { at: r.createdAt, run: r }]));
  // A scale starts no deployment: the one it recorded (which earlier versions also marked as the bot's) is someone else's.
  const deploying = runs.filter((r) => r.verb !== 'scale');
  const loose: HistoryRow[] = [];
  for (const d of deployments) {
    const markedBy = marks.get(d.id);
    const marked = runs.some((r) => r.requestId === markedBy && r.verb === 'scale') ? undefined : markedBy;
    let run = deploying.find((r) => r.requestId === marked) ?? deploying.find((r) => r.deploymentIds.includes(d.id));
    if (!run && d.taskDefinition && d.createdAt !== undefined) {
      const created = d.createdAt;
      run = deploying.find(
        (r) =>
          r.startedAt !== undefined &&
          r.taskDefinition === d.taskDefinition &&
          created >= r.startedAt - SLACK_MS &&
          created <= (r.finishedAt ?? now) + SLACK_MS,
      );
    }
    const row = run ? rows.get(run.requestId) : undefined;
    if (row && !row.ecs) {
      row.ecs = d;
      continue;
    }
    loose.push({ at: d.createdAt ?? 0, ecs: d, ...(marked ? { botRequestId: marked } : {}) });
  }
  return [...rows.values(), ...loose].sort((a, b) => b.at - a.at).slice(0, Math.max(1, limit));
}

const M = defineMessages('approvals.history', {
  pending: { en: ':raised_hand: waiting for approval', ko: ':raised_hand: 승인 대기 중' },
  approved: { en: ':+1: approved, starting', ko: ':+1: 승인됨, 시작 중' },
  running: { en: ':arrows_counterclockwise: running', ko: ':arrows_counterclockwise: 실행 중' },
  succeeded: { en: ':white_check_mark: succeeded', ko: ':white_check_mark: 성공' },
  failed: { en: ':x: failed', ko: ':x: 실패' },
  unconfirmed: { en: ':grey_question: not confirmed', ko: ':grey_question: 결과 확인 안 됨' },
  rejected: { en: ':no_entry: rejected', ko: ':no_entry: 거절됨' },
  expired: { en: ':hourglass: expired without approval', ko: ':hourglass: 승인 없이 만료' },
  cancelled: { en: ':heavy_multiplication_x: cancelled', ko: ':heavy_multiplication_x: 취소됨' },
  SUCCESSFUL: { en: ':white_check_mark: successful', ko: ':white_check_mark: 성공' },
  IN_PROGRESS: { en: ':arrows_counterclockwise: in progress', ko: ':arrows_counterclockwise: 진행 중' },
  PENDING: { en: ':arrows_counterclockwise: pending', ko: ':arrows_counterclockwise: 대기 중' },
  STOPPED: { en: ':x: stopped', ko: ':x: 중지됨' },
  STOP_REQUESTED: { en: ':x: stop requested', ko: ':x: 중지 요청됨' },
  ROLLBACK_REQUESTED: { en: ':leftwards_arrow_with_hook: rollback requested', ko: ':leftwards_arrow_with_hook: 롤백 요청됨' },
  ROLLBACK_IN_PROGRESS: { en: ':leftwards_arrow_with_hook: rolling back', ko: ':leftwards_arrow_with_hook: 롤백 중' },
  ROLLBACK_SUCCESSFUL: { en: ':leftwards_arrow_with_hook: rolled back', ko: ':leftwards_arrow_with_hook: 롤백됨' },
  ROLLBACK_FAILED: { en: ':x: rollback failed', ko: ':x: 롤백 실패' },
  PRIMARY: { en: ':arrows_counterclockwise: primary', ko: ':arrows_counterclockwise: 기본(PRIMARY)' },
  ACTIVE: { en: ':arrows_counterclockwise: active', ko: ':arrows_counterclockwise: 활성(ACTIVE)' },
  change: { en: 'Change', ko: '변경' },
  by: { en: ' by {user}', ko: ' ({user})' },
  noApproval: { en: 'no approval needed', ko: '승인 필요 없음' },
  approvedBy: { en: 'approved by {users}', ko: '승인: {users}' },
  noApprovals: { en: 'no approvals', ko: '승인 없음' },
  took: { en: ' in {duration}', ko: ' · {duration} 걸림' }, // after an outcome that may end in parentheses
  ecs: { en: ' · ECS: {status}', ko: ' · ECS: {status}', same: true },
  askedBy: { en: 'Asked by {user}{reason} · {approved} · request {id}', ko: '요청자 {user}{reason} · {approved} · 요청 {id}' },
  aDeployment: { en: 'a deployment', ko: '배포' },
  madeByBot: {
    en: ':robot_face: Made by the bot (request {id}, no longer in the audit trail)',
    ko: ':robot_face: 봇이 한 배포 (요청 {id}, 감사 기록에는 더 이상 없음)',
  },
  notByBot: {
    en: ':warning: *Not made by the bot* (console, CI or another tool)',
    ko: ':warning: *봇이 하지 않은 배포* (콘솔, CI 또는 다른 도구)',
  },
  unknownOrigin: {
    en: ':grey_question: Origin unknown (the audit trail could not be read)',
    ko: ':grey_question: 출처 알 수 없음 (감사 기록을 읽지 못함)',
  },
  unknownTime: { en: 'unknown time', ko: '시각 알 수 없음' },
  title: { en: 'History: {service} ({env})', ko: '배포 이력: {service} ({env})' },
  none: {
    en: "No deployments of {service} on record: the bot's audit trail has no request for it and ECS lists no deployment.",
    ko: '{service}의 배포 기록이 없습니다. 봇의 감사 기록에 요청이 없고 ECS에도 배포가 없습니다.',
  },
  splitAudit: { en: '{bots} through the bot, {others} not made by the bot', ko: '봇으로 {bots}건, 봇이 아닌 곳에서 {others}건' },
  splitUnknown: { en: '{others} from ECS, origin unknown', ko: 'ECS 기록 {others}건, 출처 알 수 없음' },
  footer: {
    en: 'Newest first, up to {limit}. {split}. `/ecs history {service} --limit N` shows more (up to 50).',
    ko: '최신순, 최대 {limit}건. {split}. 더 보려면 `/ecs history {service} --limit N` (최대 50).',
  },
  fallback: { en: 'History of {service} in {env}: {n} entries ({split})', ko: '{env}의 {service} 배포 이력: {n}건 ({split})' },
});

const OUTCOMES = new Set(['pending', 'approved', 'running', 'succeeded', 'failed', 'rejected', 'expired', 'cancelled']);
const ECS_STATUSES = new Set([
  'SUCCESSFUL',
  'IN_PROGRESS',
  'PENDING',
  'STOPPED',
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
  'PRIMARY',
  'ACTIVE',
]);

function ecsStatus(status: string, locale: Locale): string {
  return ECS_STATUSES.has(status) ? M.in(locale)(status as 'SUCCESSFUL') : escapeMrkdwn(status);
}

/** "`v1.2.3` (sha256:abcdef123456)" / "`shop/web@sha256:abcdef123456`" */
export function imageText(image: string | undefined, tag?: string): string {
  if (!image && !tag) return '';
  const digest = /@sha256:([a-f0-9]{12})/.exec(image ?? '')?.[1];
  if (tag) return `${code(tag)}${digest ? ` (sha256:${digest})` : ''}`;
  const repoTail = (image ?? '')
    .split('/')
    .slice(-2)
    .join('/')
    .replace(/@sha256:[a-f0-9]+$/, '');
  return code(digest ? `${repoTail}@sha256:${digest}` : repoTail);
}

const VERBS = new Set(['deploy', 'rollback', 'scale', 'restart', 'resize', 'run']);

function runLine(row: HistoryRow, locale: Locale): string {
  const t = M.in(locale);
  const r = row.run!;
  const what = [imageText(r.image, r.tag), r.taskDefinition ? code(arnTail(r.taskDefinition)) : ''].filter(Boolean).join(' → ');
  const verb = VERBS.has(r.verb) ? verbTitle(r.verb as ChangeVerb | 'resize', locale) : r.verb ? escapeMrkdwn(r.verb) : t('change');
  let outcome = r.unconfirmed && r.state === 'failed' ? t('unconfirmed') : OUTCOMES.has(r.state) ? t(r.state as 'pending') : code(r.state);
  if (r.state === 'rejected' || r.state === 'cancelled') outcome += r.decidedBy ? t('by', { user: mention(r.decidedBy, locale) }) : '';
  if (r.detail)
    outcome += r.state === 'rejected' || r.state === 'cancelled' ? `: “${oneLine(r.detail, 200)}”` : `: ${truncate(r.detail, 300)}`;
  const approved = r.breakGlass
    ? breakGlassApprovalText(r, locale)
    : r.autoApproved
      ? t('noApproval')
      : r.approvers.length
        ? t('approvedBy', { users: r.approvers.map((u) => mention(u, locale)).join(', ') })
        : t('noApprovals');
  const reason = r.reason ? ` (“${oneLine(r.reason, 150)}”)` : '';
  const head = `*${slackDate(r.createdAt)}* · ${verb}${what ? ` ${what}` : r.summary ? ` — ${truncate(r.summary, 300)}` : ''}`;
  const ecs = row.ecs ? t('ecs', { status: ecsStatus(row.ecs.status, locale) }) : '';
  const took = r.startedAt && r.finishedAt ? t('took', { duration: formatDuration(r.finishedAt - r.startedAt, locale) }) : '';
  const asked = t('askedBy', { user: mention(r.requester, locale), reason, approved, id: `\`${escapeMrkdwn(r.requestId)}\`` });
  const gates = historyGatesLine(r, locale);
  return `${head}\n${outcome}${took}${ecs}\n${asked}${gates ? `\n${gates}` : ''}`;
}

function ecsLine(row: HistoryRow, auditAvailable: boolean, locale: Locale): string {
  const t = M.in(locale);
  const d = row.ecs!;
  const what =
    [imageText(d.image, d.tag), d.taskDefinition ? code(arnTail(d.taskDefinition)) : ''].filter(Boolean).join(' → ') || t('aDeployment');
  const status = ecsStatus(d.status, locale);
  const why = d.statusReason ? `: ${oneLine(d.statusReason, 200)}` : '';
  const who = row.botRequestId
    ? t('madeByBot', { id: `\`${escapeMrkdwn(row.botRequestId)}\`` })
    : auditAvailable
      ? t('notByBot')
      : t('unknownOrigin');
  return `*${d.createdAt ? slackDate(d.createdAt) : t('unknownTime')}* · ${who}\n${what} — ${status}${why}`;
}

interface HistoryView {
  service: string;
  environment: string;
  rows: readonly HistoryRow[];
  limit: number;
  /** What could not be read (Redis, ECS), each a sentence. */
  notes: readonly string[];
  /** False when the audit trail could not be read: ECS rows are then of unknown origin. Default true. */
  auditAvailable?: boolean;
  now: number;
}

/** The /ecs history answer, in `locale` (the workspace's when public, the reader's when private). */
export function historyMessage(v: HistoryView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [header(t('title', { service: v.service, env: v.environment }))];
  for (const n of v.notes) blocks.push(context(`:warning: ${n}`));
  if (!v.rows.length) blocks.push(section(t('none', { service: code(v.service) })));
  const audit = v.auditAvailable !== false;
  for (const row of v.rows) blocks.push(section(row.run ? runLine(row, locale) : ecsLine(row, audit, locale)));
  const bots = v.rows.filter((r) => r.run || r.botRequestId).length;
  const others = v.rows.length - bots;
  const split = audit ? t('splitAudit', { bots, others }) : t('splitUnknown', { others });
  blocks.push(context(t('footer', { limit: v.limit, split, service: v.service })));
  const text = t('fallback', { service: v.service, env: v.environment, n: v.rows.length, split });
  return { text, blocks, locale };
}
