/**
 * The approval workflow's Redis transitions: every state change of a change request, a lock or a
 * freeze is one Lua script (./lua/*.lua, run by src/redis/scripts.ts) over keys that share one hash
 * tag, and nothing else. This interface is all the workflow (./workflow.ts, ./clicks.ts, ./locks.ts)
 * knows of them; test/integration/approvals-transitions.test.ts is its contract, run against a real
 * Redis.
 *
 *   req:{svc:prod:web}:<id>      the request (hash; ./model.ts)
 *   active:{svc:prod:web}        id of the service's open request (pending / approved / running)
 *   lock:{svc:prod:web}          manual lock (/ecs lock) or change lock (held while running)
 *   audit:{svc:prod:web}         the service's audit stream
 *   reqinv:{svc:prod:web}:<inv>  invocation → request id (idempotent creation)
 *   lease:{svc:prod:web}:<id>    the token of the worker executing a running request
 *   freeze:{env:prod}            the freeze of an environment; audit:{env:prod} its audit stream
 *   freeze:{svc:prod:web}        the freeze of the environment as the service sees it (a copy: ./freeze-copies.ts)
 *   approvals:{svc:prod:web}:pending|approved|running|scheduled|retro
 *                                the service's approval indexes: every request script re-indexes the
 *                                request it answers about (lua/includes/common.lua reindex)
 *   approvals:{svc:prod:web}:handoff:<id>  the hand-off claim (the approve script)
 *
 * Each method answers the script's result code (./codes.ts turns codes into sentences), the request
 * as the script left it, the script's extra fields (the lock that refused, an existing request id…)
 * and the audit entries it wrote, which the caller publishes (./audit.ts).
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/client';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { requestKeys, parseRequestId, type RequestRef } from './ids';
import { factPairs, fromHash } from './model';
import { HOLD_TTL_SECONDS } from '../redis/bounds';

/** A manual lock, an automatic lock and a freeze end by themselves after this (src/redis/bounds.ts). */
const HOLD_TTL_MS = HOLD_TTL_SECONDS * 1000;
/** The hand-off claim (keys.handOffClaim) is kept this long (src/redis/bounds.ts). */
export const HAND_OFF_CLAIM_TTL_MS = TRACK_TTL_SECONDS * 1000;
/**
 * A repeat of the approving click may hand the request off again once the claim is this old and the
 * request has still not started. The approving click hands off within Slack's 3 seconds (its budget
 * is 2.5 s, src/slack/click-budget.ts), so a later repeat is a person trying again after that
 * click's reply (or its hand-off) was lost, and must not be told "it is starting" while nothing
 * was handed off. A quicker one is a double click. A second hand-off is harmless and cheap: the
 * worker claims the job id `exec-<id>` once (src/hooks/jobs.ts claimJob) and the start script runs
 * a request once.
 */
export const HAND_OFF_REPEAT_MS = 3_000;
import { runApprovalScript, SCRIPTS, type RawAuditEntry, type ScriptReply } from './scripts';
import type { ChangeRequest } from './types';

export interface Transition {
  code: string;
  /** The request after the script (undefined when there is none, or for locks and freezes). */
  request?: ChangeRequest;
  /** Script-specific fields: a lock or freeze hash, `id` of an existing request, `expired`… */
  extra: Record<string, string>;
  /** Audit entries the script wrote; the caller logs them (./audit.ts logAudit). */
  audit: RawAuditEntry[];
}

export interface CreateInput {
  ref: RequestRef;
  /** Makes creation idempotent: the same invocation never creates two requests. */
  invocationId: string;
  /** The active-request pointer the caller believes ('' when it has not read it): RETRY (extra.active: the pointer now) when it is not. */
  seenActive: string;
  state: 'pending' | 'approved' | 'scheduled';
  now: number;
  /** How long the request hash lives. */
  ttlMs: number;
  /** How long the invocation keeps pointing at its request. */
  invocationTtlMs: number;
  /** One line for the audit entry. */
  auditSummary: string;
  /** The request's fields (./model.ts requestFields). */
  fields: readonly string[];
  /** A break-glass request's first reminder (its score in the service's retro index). */
  retroAt?: number;
}

export interface Transitions {
  /** none → pending | approved | scheduled. Codes: OK (extra.expired: a stale pending request expired on the way), EXISTS (extra.id), FROZEN (extra: the freeze), LOCKED (extra: the lock), BUSY (request: the open one), RETRY (extra.active: the pointer is not what the caller passed). */
  create(input: CreateInput): Promise<Transition>;
  /**
   * One approval; the last needed one approves the request, which must then start within
   * `startDeadlineMs` (startBy), and the hand-off is claimed for this click (`clickToken`, random by
   * default: a resend of the same script carries the same one). Codes: APPROVED, APPROVAL_RECORDED, EXPIRED, FROZEN (extra: the freeze), SELF_APPROVAL,
   * ALREADY_APPROVED, NOT_AUTHORIZED, LOCKED, NOT_PENDING, NOT_FOUND, WINDOW_CLOSED (`windowClosed`:
   * the change windows are closed now for this request, and this would be the last needed approval;
   * nothing recorded).
   */
  approve(
    ref: RequestRef,
    user: string,
    now: number,
    authorized: boolean,
    startDeadlineMs: number,
    clickToken?: string,
    windowClosed?: boolean,
  ): Promise<Transition>;
  /** pending → rejected. Codes: OK, EXPIRED, SELF_REJECT, NOT_AUTHORIZED, NOT_PENDING, NOT_FOUND. */
  reject(ref: RequestRef, user: string, now: number, authorized: boolean, reason: string): Promise<Transition>;
  /**
   * pending → cancelled by the requester; approved (not started) → cancelled by the requester or an
   * approver (`approver`: the user holds the role now). Codes: OK, EXPIRED, NOT_REQUESTER,
   * NOT_CANCELLER, NOT_PENDING, NOT_FOUND.
   */
  cancel(ref: RequestRef, user: string, now: number, reason: string, approver: boolean): Promise<Transition>;
  /**
   * pending → expired once due. Codes: OK, NOT_DUE, NOT_PENDING, NOT_FOUND; with `tells` (the expiry
   * tick, which tells the requester) also UNTOLD: expired earlier by a click or a new request, its
   * requester not told yet (now marked told). Without `tells` the request stays due until the tick tells them.
   */
  expire(ref: RequestRef, now: number, tells?: boolean): Promise<Transition>;
  /** pending | approved → failed with a reason. Codes: OK, NOT_OPEN, NOT_FOUND. */
  abort(ref: RequestRef, now: number, actor: string, reason: string): Promise<Transition>;
  /**
   * approved → running, taking the change lock and noting until when the starting attempt may run
   * (attemptUntil); past its startBy the request lapses instead
   * (approved → failed with `lapseReason`). Codes: OK, ALREADY_RUNNING, START_EXPIRED, FROZEN (extra: the freeze; nothing
   * changed), LOCKED, NOT_APPROVED, NOT_FOUND.
   */
  start(
    ref: RequestRef,
    now: number,
    lockTtlMs: number,
    lockReason: string,
    lapseReason: string,
    attemptUntil: number,
  ): Promise<Transition>;
  /**
   * approved → failed once its startBy passed, freeing the service (audited `lapsed`). A request
   * approved before requests had a startBy of their own lapses `startDeadlineMs` after its approval
   * when given (without it: NOT_DUE). Codes: OK, NOT_DUE, NOT_APPROVED, NOT_FOUND.
   */
  lapse(ref: RequestRef, now: number, reason: string, startDeadlineMs?: number): Promise<Transition>;
  /**
   * The executing worker's lease on a running request: acquire (raising attemptUntil to `until`),
   * renew, check ("still running and mine", extending it) or release. Codes: OK, HELD, NOT_RUNNING, NOT_FOUND.
   */
  lease(ref: RequestRef, op: 'acquire' | 'renew' | 'check' | 'release', token: string, ttlMs: number, until?: number): Promise<Transition>;
  /** Merge execution facts (audited). Codes: OK, UNCHANGED, NOT_STARTED, NOT_FOUND. */
  record(ref: RequestRef, now: number, event: string, detail: string, facts: Record<string, unknown>): Promise<Transition>;
  /**
   * running → succeeded | failed, releasing the change lock; with `autoLock` the service is locked
   * in the same step (kind rollback; extra.autolocked). Codes: OK, ALREADY, NOT_RUNNING, NOT_FOUND.
   */
  finish(
    ref: RequestRef,
    outcome: 'succeeded' | 'failed',
    detail: string,
    now: number,
    autoLock?: { reason: string; ttlMs?: number },
  ): Promise<Transition>;
  /** Set the ts of the request message or of the status card. Codes: OK, NOT_FOUND. */
  setField(ref: RequestRef, field: 'messageTs' | 'statusTs' | 'stuckTs', value: string, now: number): Promise<Transition>;
  /** A manual lock. Codes: OK (extra: the lock), ALREADY_LOCKED, CHANGE_RUNNING. */
  lock(environment: string, service: string, user: string, reason: string | undefined, now: number): Promise<Transition>;
  /** Remove a manual lock (`approver`: the user may remove someone else's). Codes: OK (extra: the removed lock), NOT_LOCKED, CHANGE_LOCK, NOT_LOCK_OWNER. */
  unlock(environment: string, service: string, user: string, approver: boolean, now: number): Promise<Transition>;
  /** Freeze an environment. Codes: OK (extra: the freeze), ALREADY_FROZEN. */
  freeze(environment: string, user: string, reason: string | undefined, now: number): Promise<Transition>;
  /** Lift a freeze. Codes: OK (extra: the lifted freeze), NOT_FROZEN. */
  unfreeze(environment: string, user: string, now: number): Promise<Transition>;
  /** scheduled → approved once startAt is reached. Codes: OK, NOT_DUE, NOT_SCHEDULED, LOCKED (extra: the lock), NOT_FOUND. */
  wake(ref: RequestRef, now: number, startDeadlineMs: number): Promise<Transition>;
  /**
   * The scheduler's move of an overdue pending `--at` request's scheduled-index member to `until`,
   * only while it is pending and its startAt has passed (no audit: the request does not change).
   * Codes: OK, NOT_DUE, NOT_PENDING, NOT_FOUND.
   */
  defer(ref: RequestRef, now: number, until: number): Promise<Transition>;
  /** An approval after the fact of a break-glass request. Codes: RETRO_APPROVED, APPROVAL_RECORDED, NOT_BREAK_GLASS, RETRO_DONE, RETRO_NOT_RUN, SELF_APPROVAL, ALREADY_APPROVED, NOT_AUTHORIZED, NOT_FOUND. */
  retroApprove(ref: RequestRef, user: string, now: number, authorized: boolean): Promise<Transition>;
  /** Stop asking for the approval after the fact. Codes: OK, RETRO_DONE, NOT_BREAK_GLASS, NOT_FOUND. */
  retroExpire(ref: RequestRef, now: number, detail: string): Promise<Transition>;
  /** /ecs lock!: lock, taking over someone else's lock. Codes: OK (extra: the lock and prev.*), CHANGE_RUNNING. */
  steal(environment: string, service: string, user: string, reason: string, now: number): Promise<Transition>;
  /** Lock after a rollback the bot did not track. Codes: OK (extra: the lock), ALREADY_LOCKED. */
  autolock(
    environment: string,
    service: string,
    reason: string,
    now: number,
    ttlMs: number | undefined,
    about: string,
  ): Promise<Transition>;
  /** Record a traffic-shift press (actor: the person). Codes: OK, UNCHANGED, NOT_STARTED, NOT_FOUND. */
  press(ref: RequestRef, now: number, user: string, event: string, detail: string, fact: string, value: unknown): Promise<Transition>;
}

function transition(reply: ScriptReply): Transition {
  const request = fromHash(reply.request);
  return { code: reply.code, ...(request ? { request } : {}), extra: reply.extra, audit: reply.audit };
}

/** The transitions as Lua scripts on `redis`. */
export function luaTransitions(redis: RedisClient): Transitions {
  const run = async (script: (typeof SCRIPTS)[keyof typeof SCRIPTS], keyList: readonly string[], args: ReadonlyArray<string | number>) =>
    transition(await runApprovalScript(redis, script, keyList, args));
  return {
    create(i) {
      const k = requestKeys(i.ref);
      const seenRef = parseRequestId(i.seenActive);
      // The open request the pointer names, in the same slot (the script re-reads it).
      const seenKey =
        seenRef && seenRef.environment === i.ref.environment && seenRef.service === i.ref.service
          ? keys.request(i.ref.environment, i.ref.service, i.seenActive)
          : k.request;
      return run(
        SCRIPTS.create,
        [
          k.request,
          k.active,
          k.lock,
          keys.requestInvocation(i.ref.environment, i.ref.service, i.invocationId),
          k.audit,
          seenKey,
          k.freeze,
          ...k.indexes,
        ],
        [i.ref.id, i.now, i.state, i.ttlMs, i.invocationTtlMs, i.seenActive, i.auditSummary, i.retroAt ?? '', ...i.fields],
      );
    },
    approve(ref, user, now, authorized, startDeadlineMs, clickToken = randomBytes(6).toString('hex'), windowClosed = false) {
      const k = requestKeys(ref);
      return run(
        SCRIPTS.approve,
        [k.request, k.lock, k.active, k.audit, k.freeze, ...k.indexes, keys.handOffClaim(ref.environment, ref.service, ref.id)],
        [
          user,
          now,
          authorized ? '1' : '0',
          startDeadlineMs,
          HAND_OFF_CLAIM_TTL_MS,
          HAND_OFF_REPEAT_MS,
          clickToken,
          windowClosed ? '1' : '0',
        ],
      );
    },
    reject(ref, user, now, authorized, reason) {
      const k = requestKeys(ref);
      return run(SCRIPTS.reject, [k.request, k.active, k.audit, ...k.indexes], [user, now, authorized ? '1' : '0', reason]);
    },
    cancel(ref, user, now, reason, approver) {
      const k = requestKeys(ref);
      return run(SCRIPTS.cancel, [k.request, k.active, k.audit, ...k.indexes], [user, now, reason, approver ? '1' : '0']);
    },
    expire(ref, now, tells = false) {
      const k = requestKeys(ref);
      return run(SCRIPTS.expire, [k.request, k.active, k.audit, ...k.indexes], [now, tells ? '1' : '0']);
    },
    abort(ref, now, actor, reason) {
      const k = requestKeys(ref);
      return run(SCRIPTS.abort, [k.request, k.lock, k.active, k.audit, ...k.indexes], [now, actor, reason]);
    },
    start(ref, now, lockTtlMs, lockReason, lapseReason, attemptUntil) {
      const k = requestKeys(ref);
      return run(
        SCRIPTS.start,
        [k.request, k.lock, k.active, k.audit, k.freeze, ...k.indexes],
        [now, lockTtlMs, lockReason, lapseReason, attemptUntil],
      );
    },
    lapse(ref, now, reason, startDeadlineMs) {
      const k = requestKeys(ref);
      return run(SCRIPTS.lapse, [k.request, k.lock, k.active, k.audit, ...k.indexes], [now, reason, startDeadlineMs ?? '']);
    },
    lease(ref, op, token, ttlMs, until) {
      return run(
        SCRIPTS.lease,
        [requestKeys(ref).request, keys.changeLease(ref.environment, ref.service, ref.id)],
        [op, token, ttlMs, until ?? 0],
      );
    },
    record(ref, now, event, detail, facts) {
      const k = requestKeys(ref);
      return run(SCRIPTS.record, [k.request, k.audit], [now, event, detail, ...factPairs(facts)]);
    },
    finish(ref, outcome, detail, now, autoLock) {
      const k = requestKeys(ref);
      return run(
        SCRIPTS.finish,
        [k.request, k.lock, k.active, k.audit, ...k.indexes],
        [outcome, detail, now, autoLock?.reason ?? '', Math.min(autoLock?.ttlMs ?? HOLD_TTL_MS, HOLD_TTL_MS)],
      );
    },
    setField(ref, field, value, now) {
      return run(SCRIPTS.setfield, [requestKeys(ref).request], [field, value, now]);
    },
    lock(environment, service, user, reason, now) {
      return run(
        SCRIPTS.lock,
        [keys.serviceLock(environment, service), keys.serviceAudit(environment, service)],
        [user, reason ?? '', now, environment, service, HOLD_TTL_MS],
      );
    },
    unlock(environment, service, user, approver, now) {
      return run(
        SCRIPTS.unlock,
        [keys.serviceLock(environment, service), keys.serviceAudit(environment, service)],
        [user, approver ? '1' : '0', now, environment, service],
      );
    },
    freeze(environment, user, reason, now) {
      return run(
        SCRIPTS.freeze,
        [keys.envFreeze(environment), keys.audit(environment)],
        [user, reason ?? '', now, environment, HOLD_TTL_MS],
      );
    },
    unfreeze(environment, user, now) {
      return run(SCRIPTS.unfreeze, [keys.envFreeze(environment), keys.audit(environment)], [user, now, environment]);
    },
    wake(ref, now, startDeadlineMs) {
      const k = requestKeys(ref);
      return run(SCRIPTS.wake, [k.request, k.lock, k.active, k.audit, ...k.indexes], [now, startDeadlineMs]);
    },
    defer(ref, now, until) {
      const k = requestKeys(ref);
      return run(SCRIPTS.defer, [k.request, ...k.indexes], [now, until]);
    },
    retroApprove(ref, user, now, authorized) {
      const k = requestKeys(ref);
      return run(SCRIPTS.retroApprove, [k.request, k.audit, ...k.indexes], [user, now, authorized ? '1' : '0']);
    },
    retroExpire(ref, now, detail) {
      const k = requestKeys(ref);
      return run(SCRIPTS.retroExpire, [k.request, k.audit, ...k.indexes], [now, detail]);
    },
    steal(environment, service, user, reason, now) {
      return run(
        SCRIPTS.steal,
        [keys.serviceLock(environment, service), keys.serviceAudit(environment, service)],
        [user, reason, now, environment, service, HOLD_TTL_MS],
      );
    },
    autolock(environment, service, reason, now, ttlMs, about) {
      return run(
        SCRIPTS.autolock,
        [keys.serviceLock(environment, service), keys.serviceAudit(environment, service)],
        [reason, now, environment, service, Math.min(ttlMs ?? HOLD_TTL_MS, HOLD_TTL_MS), about],
      );
    },
    press(ref, now, user, event, detail, fact, value) {
      const k = requestKeys(ref);
      factPairs({ [fact]: value });
      return run(SCRIPTS.press, [k.request, k.audit], [now, user, event, detail, fact, JSON.stringify(value)]);
    },
  };
}
