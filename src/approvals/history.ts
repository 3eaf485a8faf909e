/**
 * `/ecs history`: the bot's audit trail (who asked, who approved, how it ended) merged with ECS's
 * own list of service deployments, so deployments made elsewhere (console, CI, another tool)
 * show up marked as such. Pure: the worker part (src/commands/history.run.ts) reads Redis and ECS.
 *
 * A request and an ECS deployment are the same change when
 *  1. the request recorded the deployment (execution.serviceDeploymentArn / deploymentId, or the
 *     keys.botDeployment mark that recordExecution writes), or
 *  2. the deployment targets the task definition the request ran and was created while it ran.
 */
import type { KnownBlock } from '@slack/types';
import { context, header, section, type SlackMessage } from '../slack/blocks';
import { code, escapeMrkdwn, mention, oneLine, truncate } from '../slack/text';
import { arnTail } from '../aws/arn';
import type { AuditEntry } from './audit';
import type { ChangeRequest, GateNote } from './types';
import { breakGlassApprovalText, historyGatesLine } from './history-gates';
import { formatDuration, type Locale } from '../i18n';
import { slackDate } from '../slack/time';

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
    field(plan, 'currentTaskDefinition');
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
        verb: req.verb,
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
  const loose: HistoryRow[] = [];
  for (const d of deployments) {
    const marked = marks.get(d.id);
    let run = runs.find((r) => r.requestId === marked) ?? runs.find((r) => r.deploymentIds.includes(d.id));
    if (!run && d.taskDefinition && d.createdAt !== undefined) {
      const created = d.createdAt;
      run = runs.find(
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

const OUTCOME: Record<string, string> = {
  pending: ':raised_hand: waiting for approval',
  approved: ':+1: approved, starting',
  running: ':arrows_counterclockwise: running',
  succeeded: ':white_check_mark: succeeded',
  failed: ':x: failed',
  rejected: ':no_entry: rejected',
  expired: ':hourglass: expired without approval',
  cancelled: ':heavy_multiplication_x: cancelled',
};

const ECS_STATUS: Record<string, string> = {
  SUCCESSFUL: ':white_check_mark: successful',
  IN_PROGRESS: ':arrows_counterclockwise: in progress',
  PENDING: ':arrows_counterclockwise: pending',
  STOPPED: ':x: stopped',
  STOP_REQUESTED: ':x: stop requested',
  ROLLBACK_REQUESTED: ':leftwards_arrow_with_hook: rollback requested',
  ROLLBACK_IN_PROGRESS: ':leftwards_arrow_with_hook: rolling back',
  ROLLBACK_SUCCESSFUL: ':leftwards_arrow_with_hook: rolled back',
  ROLLBACK_FAILED: ':x: rollback failed',
  PRIMARY: ':arrows_counterclockwise: primary',
  ACTIVE: ':arrows_counterclockwise: active',
};

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

function runLine(row: HistoryRow, locale: Locale = 'en'): string {
  const r = row.run!;
  const what = [imageText(r.image, r.tag), r.taskDefinition ? code(arnTail(r.taskDefinition)) : ''].filter(Boolean).join(' → ');
  const verb = r.verb ? r.verb.charAt(0).toUpperCase() + r.verb.slice(1) : 'Change';
  let outcome = OUTCOME[r.state] ?? code(r.state);
  if (r.state === 'rejected' || r.state === 'cancelled') outcome += r.decidedBy ? ` by ${mention(r.decidedBy)}` : '';
  if (r.detail)
    outcome += r.state === 'rejected' || r.state === 'cancelled' ? `: “${oneLine(r.detail, 200)}”` : `: ${truncate(r.detail, 300)}`;
  const approved = r.breakGlass
    ? breakGlassApprovalText(r, locale)
    : r.autoApproved
      ? 'no approval needed'
      : r.approvers.length
        ? `approved by ${r.approvers.map(mention).join(', ')}`
        : 'no approvals';
  const reason = r.reason ? ` (“${oneLine(r.reason, 150)}”)` : '';
  const head = `*${slackDate(r.createdAt)}* · ${verb}${what ? ` ${what}` : r.summary ? ` — ${truncate(r.summary, 300)}` : ''}`;
  const ecs = row.ecs ? ` · ECS: ${ECS_STATUS[row.ecs.status] ?? escapeMrkdwn(row.ecs.status)}` : '';
  const took = r.startedAt && r.finishedAt ? ` in ${formatDuration(r.finishedAt - r.startedAt)}` : '';
  const gates = historyGatesLine(r, locale);
  return `${head}\n${outcome}${took}${ecs}\nAsked by ${mention(r.requester)}${reason} · ${approved} · request \`${escapeMrkdwn(r.requestId)}\`${gates ? `\n${gates}` : ''}`;
}

function ecsLine(row: HistoryRow, auditAvailable: boolean): string {
  const d = row.ecs!;
  const what = [imageText(d.image), d.taskDefinition ? code(arnTail(d.taskDefinition)) : ''].filter(Boolean).join(' → ') || 'a deployment';
  const status = ECS_STATUS[d.status] ?? escapeMrkdwn(d.status);
  const why = d.statusReason ? `: ${oneLine(d.statusReason, 200)}` : '';
  const who = row.botRequestId
    ? `:robot_face: Made by the bot (request \`${escapeMrkdwn(row.botRequestId)}\`, no longer in the audit trail)`
    : auditAvailable
      ? ':warning: *Not made by the bot* (console, CI or another tool)'
      : ':grey_question: Origin unknown (the audit trail could not be read)';
  return `*${d.createdAt ? slackDate(d.createdAt) : 'unknown time'}* · ${who}\n${what} — ${status}${why}`;
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
  /** The workspace's language (the release-gate marks). */
  locale?: Locale;
  now: number;
}

export function historyMessage(v: HistoryView): SlackMessage {
  const blocks: KnownBlock[] = [header(`History: ${v.service} (${v.environment})`)];
  for (const n of v.notes) blocks.push(context(`:warning: ${n}`));
  if (!v.rows.length) {
    blocks.push(
      section(`No deployments of ${code(v.service)} on record: the bot's audit trail has no request for it and ECS lists no deployment.`),
    );
  }
  const audit = v.auditAvailable !== false;
  for (const row of v.rows) blocks.push(section(row.run ? runLine(row, v.locale) : ecsLine(row, audit)));
  const bots = v.rows.filter((r) => r.run || r.botRequestId).length;
  const others = v.rows.length - bots;
  const split = audit ? `${bots} through the bot, ${others} not made by the bot` : `${others} from ECS, origin unknown`;
  blocks.push(context(`Newest first, up to ${v.limit}. ${split}. \`/ecs history ${v.service} --limit N\` shows more (up to 50).`));
  const text = `History of ${v.service} in ${v.environment}: ${v.rows.length} entries (${split})`;
  return { text, blocks };
}
