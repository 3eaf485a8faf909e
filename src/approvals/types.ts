/**
 * The approval workflow's data, shared by the store (src/approvals/) and the executors of
 * changes (src/deploy/). The store treats `plan` as opaque JSON; the verb that made it
 * interprets it.
 *
 * States: pending → approved → running → succeeded | failed
 *         pending → rejected | expired | cancelled
 *         approved → cancelled (not started yet) | failed (did not start by startBy, or could no longer start)
 *         pending → scheduled → approved → …   (a start time: `--at`, gates.windows)
 *         scheduled → cancelled | failed (the window closed, the start was missed)
 * An environment that needs no approval creates the request directly in `approved` (or
 * `scheduled`); a break-glass request too, and waits for its approval after the fact.
 */
import type { ChangeVerb } from '../config/schema';

export type RequestState = 'pending' | 'approved' | 'scheduled' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'expired' | 'cancelled';

/** The release gates a request passed (or bypassed), as shown on its card and kept in the audit trail. */
export type GateName = 'promotion' | 'window' | 'breakGlass' | 'cost' | 'trafficShift';

export interface GateNote {
  gate: GateName;
  /** One line of mrkdwn written by the bot (user input escaped), in the workspace's language. */
  text: string;
}

export interface Approval {
  user: string;
  at: number;
}

export interface ChangeRequest {
  id: string;
  verb: ChangeVerb;
  environment: string;
  /** Service alias from chatops.yml. */
  service: string;
  /** The exact plan that will run (verb-specific JSON, e.g. the pinned image digest and the task definition ARN it replaces). */
  plan: unknown;
  /** What will change, rendered once at request time (mrkdwn, ≤ 2,500 chars, user input escaped). */
  summary: string;
  /** Optional longer detail (e.g. the task definition diff), shown as a code block. */
  details?: string;
  requester: string;
  reason?: string;
  channel: string;
  /** ts of the request message (the thread parent) once posted. */
  messageTs?: string;
  /** ts of the status card in the thread, once execution starts. */
  statusTs?: string;
  /** ts of the "still not done" reply in the thread (src/deploy/card.ts stuckMilestone), which carries the Roll back button too. */
  stuckTs?: string;
  createdAt: number;
  expiresAt: number;
  approvalsNeeded: number;
  /** Of approvalsNeeded, what its release gates added (the cost gate's extra approval); kept so the start can add it to what the environment needs then. */
  extraApprovals?: number;
  approvals: Approval[];
  state: RequestState;
  /** Who rejected / cancelled, and why; or why it failed. */
  decidedBy?: string;
  decisionReason?: string;
  /** Execution facts written by the executor (task definition registered, deployment id, outcome…). */
  execution?: Record<string, unknown>;
  updatedAt: number;
  /** When it was approved (the last needed approval, or creation when none was needed). */
  approvedAt?: number;
  /** An approved request must start (approved → running) before this, or it lapses (fails, freeing the service). */
  startBy?: number;
  /** Until when the latest execution attempt may run at most (its worker's own timeout): the tick settles a stalled run only after it. */
  attemptUntil?: number;
  /** When execution started (approved → running) and when the request reached a final state. */
  startedAt?: number;
  finishedAt?: number;
  /** The release gates, one line each (src/config/gates.ts). */
  gates?: GateNote[];
  /** Scheduled: the scheduler starts it at this time (after the approvals). */
  startAt?: number;
  /** Break-glass: ran without waiting for approval, for this reason; approvals come after the fact. */
  breakGlass?: string;
  /** Break-glass: when the approvals after the fact were complete, or when asking for them stopped. */
  retroApprovedAt?: number;
  retroExpiredAt?: number;
}
