/**
 * A ChangeRequest as a Redis hash, and back. Scalars are plain fields; `plan` is JSON (opaque to
 * the scripts); each approval is a field `a.<user>` = time (so the approve script checks "already
 * approved" with one HEXISTS); each execution fact is a field `x.<name>` = JSON value (so recording
 * the same fact twice changes nothing).
 */
import { changeVerbs, type ChangeVerb } from '../config/schema';
import { REQUEST_FACT_MAX_BYTES } from '../redis/bounds';
import type { Approval, ChangeRequest, GateNote, RequestState } from './types';

const STATES: readonly RequestState[] = [
  'pending',
  'approved',
  'scheduled',
  'running',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'cancelled',
];

/** Fields written at creation (id, state, createdAt, updatedAt, approvalCount are set by the script). */
export function requestFields(
  r: Omit<ChangeRequest, 'id' | 'state' | 'createdAt' | 'updatedAt' | 'approvals'>,
  invocationId: string,
): string[] {
  const f: Record<string, string> = {
    verb: r.verb,
    environment: r.environment,
    service: r.service,
    plan: JSON.stringify(r.plan ?? null),
    summary: r.summary,
    requester: r.requester,
    channel: r.channel,
    expiresAt: String(r.expiresAt),
    approvalsNeeded: String(r.approvalsNeeded),
    invocationId,
  };
  if (r.details !== undefined) f.details = r.details;
  if (r.reason !== undefined) f.reason = r.reason;
  if (r.messageTs !== undefined) f.messageTs = r.messageTs;
  if (r.approvedAt !== undefined) f.approvedAt = String(r.approvedAt);
  if (r.startBy !== undefined) f.startBy = String(r.startBy);
  if (r.gates?.length) f.gates = JSON.stringify(r.gates);
  if (r.startAt !== undefined) f.startAt = String(r.startAt);
  if (r.breakGlass !== undefined) f.breakGlass = r.breakGlass;
  if (r.extraApprovals !== undefined) f.extraApprovals = String(r.extraApprovals);
  return Object.entries(f).flat();
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function gatesOf(v: string | undefined): GateNote[] | undefined {
  const parsed = parseJson(v);
  if (!Array.isArray(parsed)) return undefined;
  const notes = parsed.filter(
    (g): g is GateNote =>
      !!g && typeof g === 'object' && typeof (g as GateNote).gate === 'string' && typeof (g as GateNote).text === 'string',
  );
  return notes.length ? notes : undefined;
}

const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
const str = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/**
 * A request that ended without ever starting (failed or cancelled before it started, rejected,
 * expired), or failed after its worker recorded that the change does not run (the `notStarted`
 * execution fact, decided before the service was touched: src/deploy/execute.ts): nothing of it
 * ran, so a break-glass one needs no approval after the fact. Mirrors includes/common.lua
 * endedNotRun. Pure.
 */
export function endedUnstarted(req: {
  state: string;
  startedAt?: number | undefined;
  execution?: Record<string, unknown> | undefined;
}): boolean {
  if (req.state === 'failed' && req.execution?.notStarted !== undefined) return true;
  return req.startedAt === undefined && UNSTARTED_ENDS.has(req.state);
}
const UNSTARTED_ENDS: ReadonlySet<string> = new Set<RequestState>(['failed', 'cancelled', 'rejected', 'expired']);

/**
 * A failed request whose end ECS never told: the tracker gave up on it (the execution fact
 * `ended.unconfirmed`, src/deploy/tracker.ts), so every place that shows how it ended says "not
 * confirmed", never "failed". Pure.
 */
export function unconfirmedEnd(req: { state: string; execution?: Record<string, unknown> | undefined }): boolean {
  const ended = req.execution?.ended as { unconfirmed?: unknown } | undefined;
  return req.state === 'failed' && ended?.unconfirmed === true;
}
/** How the audit entry of such an end (`rollout ended`) begins, for /ecs history once the request hash is gone. */
export const UNCONFIRMED_AUDIT = 'not confirmed';

/** The request in a hash; undefined when the hash is empty or not a request. */
export function fromHash(h: Record<string, string>): ChangeRequest | undefined {
  if (!h.id || !h.state) return undefined;
  const approvals: Approval[] = [];
  const execution: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('a.')) approvals.push({ user: k.slice(2), at: Number(v) });
    else if (k.startsWith('x.')) execution[k.slice(2)] = parseJson(v);
  }
  approvals.sort((a, b) => a.at - b.at || a.user.localeCompare(b.user));
  const state = (STATES as readonly string[]).includes(h.state) ? (h.state as RequestState) : 'failed';
  const verb = (changeVerbs as readonly string[]).includes(h.verb ?? '') ? (h.verb as ChangeVerb) : 'deploy';
  return {
    id: h.id,
    verb,
    environment: h.environment ?? '',
    service: h.service ?? '',
    plan: parseJson(h.plan),
    summary: h.summary ?? '',
    ...(str(h.details) !== undefined ? { details: h.details } : {}),
    requester: h.requester ?? '',
    ...(str(h.reason) !== undefined ? { reason: h.reason } : {}),
    channel: h.channel ?? '',
    ...(str(h.messageTs) !== undefined ? { messageTs: h.messageTs } : {}),
    ...(str(h.statusTs) !== undefined ? { statusTs: h.statusTs } : {}),
    ...(str(h.stuckTs) !== undefined ? { stuckTs: h.stuckTs } : {}),
    createdAt: num(h.createdAt) ?? 0,
    expiresAt: num(h.expiresAt) ?? 0,
    approvalsNeeded: num(h.approvalsNeeded) ?? 0,
    ...(num(h.extraApprovals) !== undefined ? { extraApprovals: num(h.extraApprovals) } : {}),
    approvals,
    state,
    ...(str(h.decidedBy) !== undefined ? { decidedBy: h.decidedBy } : {}),
    ...(str(h.decisionReason) !== undefined ? { decisionReason: h.decisionReason } : {}),
    ...(Object.keys(execution).length ? { execution } : {}),
    updatedAt: num(h.updatedAt) ?? 0,
    ...(num(h.approvedAt) !== undefined ? { approvedAt: num(h.approvedAt) } : {}),
    ...(num(h.startBy) !== undefined ? { startBy: num(h.startBy) } : {}),
    ...(num(h.attemptUntil) !== undefined ? { attemptUntil: num(h.attemptUntil) } : {}),
    ...(num(h.startedAt) !== undefined ? { startedAt: num(h.startedAt) } : {}),
    ...(num(h.finishedAt) !== undefined ? { finishedAt: num(h.finishedAt) } : {}),
    ...(gatesOf(h.gates) ? { gates: gatesOf(h.gates) } : {}),
    ...(num(h.startAt) !== undefined ? { startAt: num(h.startAt) } : {}),
    ...(str(h.breakGlass) !== undefined ? { breakGlass: h.breakGlass } : {}),
    ...(num(h.retroApprovedAt) !== undefined ? { retroApprovedAt: num(h.retroApprovedAt) } : {}),
    ...(num(h.retroExpiredAt) !== undefined ? { retroExpiredAt: num(h.retroExpiredAt) } : {}),
  };
}

/** Facts → `name, json` pairs for the record script. Names are restricted to a safe alphabet. */
export function factPairs(facts: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(facts)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`invalid execution fact name ${JSON.stringify(name)}`);
    if (value === undefined) continue;
    const json = JSON.stringify(value);
    // The request hash is bounded (src/redis/bounds.ts): facts are small by construction, so a big one is a bug.
    if (Buffer.byteLength(json, 'utf8') > REQUEST_FACT_MAX_BYTES)
      throw new Error(`execution fact ${name} is ${Buffer.byteLength(json, 'utf8')} bytes (at most ${REQUEST_FACT_MAX_BYTES})`);
    out.push(name, json);
  }
  return out;
}
