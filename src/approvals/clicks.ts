/**
 * The request message's clicks (approve, reject, cancel; the reject modal asks first whether a
 * reject would be refused anyway), the expiry tick and the start-deadline tick, on top of the Redis transitions
 * (./transitions.ts). The Lua scripts decide (state, expiry, self-approval, double approval, role
 * at click time); this module reads the role, re-renders the message and dispatches the execution.
 */
import { storeOp } from '../redis/client';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import type { Runtime } from '../runtime';
import { answerText } from './codes';
import type { Localized } from '../i18n/catalog';
import { guardFromHash } from './guards';
import { parseRequestId, type RequestRef } from './ids';
import type { Transition } from './transitions';
import type { ChangeRequest } from './types';
import { cancelledBeforeStartNotice, handOffLostReason, lapsedNotice, lapseReason } from './unstarted';
import {
  abortRequest,
  bestEffort,
  ctxFor,
  dispatchExecute,
  getRequest,
  queueDropFromIndexes,
  postInThread,
  refreshMessage,
  refreshWithin,
  startDeadlineOf,
  transit,
} from './workflow';
import { startScheduled } from './gates';
import { HAND_OFF_NEEDS, lookupWithin, noBudget, RESERVE, type ClickBudget } from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';

/** The outcome of a click (approve / reject / cancel): `message` is the answer for the clicker when not ok. */
/** The outcome of a click; `message` (for the clicker, in their language) when not ok. */
/** `cardLate`: the click went through but the request message could not be updated within the click's budget. */
export type ClickResult =
  | { ok: true; code: string; request: ChangeRequest; cardLate?: boolean }
  | { ok: false; code: string; message: Localized; request?: ChangeRequest };

/**
 * A group lookup's bound inside a click: Slack's own timeout, cut so that the transition, the
 * hand-off and a failed hand-off's abort still fit after it.
 */
function lookupBound(budget: ClickBudget, after: number): { withinMs: number } | undefined {
  return lookupWithin(budget, WITHIN_ACK_TIMEOUT_MS, after);
}

function clickRefusal(rt: Runtime, ref: RequestRef, code: string, user: string, reply?: Transition): ClickResult {
  const request = reply?.request;
  const guard = reply && Object.keys(reply.extra).length ? guardFromHash(reply.extra) : undefined;
  return { ok: false, code, message: answerText(code, ctxFor(rt, ref, { request, guard, user })), ...(request ? { request } : {}) };
}

/**
 * Claim the hand-off of an approved request to the worker, once (keys.handOffClaim, SET NX): the
 * approving click claims it in the write after its script (approveRequest), and so may a repeat of
 * that click when its reply was lost (here). `onError` when Redis cannot say.
 */
async function claimHandOff(rt: Runtime, id: string, onError: boolean): Promise<boolean> {
  try {
    return (await rt.redis.set(keys.handOffClaim(id), String(rt.now()), 'EX', TRACK_TTL_SECONDS, 'NX')) === 'OK';
  } catch (err) {
    rt.log.warn('approvals: could not claim the hand-off', { requestId: id, err });
    return onError;
  }
}

/**
 * Approve button. The last needed approval approves the request and dispatches the execution.
 * Within a click's budget (src/slack/click-budget.ts): the group lookup leaves room for the
 * transition and the hand-off; the card refresh before the hand-off is cosmetic (the worker
 * re-renders the card when it starts the change, startExecution) and gets only what the hand-off
 * and the answer do not need; the hand-off is essential (its failure fails the request). The
 * refresh stays before the hand-off, so the worker's "running" render comes after it. A refresh
 * cut short is not cancelled (./workflow.ts refreshWithin): it was started before the hand-off and
 * normally reaches Slack long before the worker starts; should it land later (a Lambda frozen
 * mid-request), the card shows "approved" until the worker's next render of it (the change's end).
 */
export async function approveRequest(rt: Runtime, id: string, user: string, budget: ClickBudget = noBudget()): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', { now: rt.now() }) };
  const authorized = await rt.access.holds(ref.environment, user, 'approver', lookupBound(budget, RESERVE.transition + HAND_OFF_NEEDS));
  const now = rt.now();
  const deadline = startDeadlineOf(rt, ref.environment);
  // The script checks the freeze (the service's copy) and decides; the one write after it (transit)
  // updates the indexes and claims the hand-off. A crash between the two leaves an approved request
  // in the pending index: the expiry tick fails it (the hand-off was lost), as for a lost reply.
  let claim = -1;
  const reply = await transit(
    rt,
    (x) => x.approve(ref, user, now, authorized, deadline),
    undefined,
    (t, pipe) => {
      if (t.code !== 'APPROVED' && t.code !== 'EXPIRED') return;
      pipe.zrem(keys.pendingByExpiry(), id);
      if (t.code !== 'APPROVED' || t.request?.state !== 'approved') return;
      pipe.zadd(keys.approvedByStartBy(), t.request.startBy ?? now + deadline, id);
      pipe.set(keys.handOffClaim(id), String(now), 'EX', TRACK_TTL_SECONDS, 'NX');
      claim = 2;
    },
  );
  const req = reply.request;
  switch (reply.code) {
    case 'APPROVED': {
      // A request with a start time waits for the scheduler (release gates); one approved after its time starts now.
      if (req!.state === 'scheduled') {
        const startsNow = (req!.startAt ?? 0) <= rt.now();
        // Its card says "scheduled" only through this refresh: it gets all but the answer's reserve (and the start's).
        const cardUpdated = await refreshWithin(rt, req, budget, RESERVE.answer + (startsNow ? HAND_OFF_NEEDS : 0));
        if (startsNow) await startScheduled(rt, req!, budget);
        return { ok: true, code: reply.code, request: req!, cardLate: !cardUpdated };
      }
      const cardUpdated = await refreshWithin(rt, req, budget, HAND_OFF_NEEDS);
      // Not claimed only when a repeat of this very click (its reply lost) already handed it off;
      // when Redis could not say, hand it off (the start script runs it once anyway).
      const [err, claimed] = reply.after[claim] ?? [new Error('no reply'), null];
      if (err || claimed === 'OK') await dispatchExecute(rt, req!, budget);
      return { ok: true, code: reply.code, request: req!, cardLate: !cardUpdated };
    }
    case 'APPROVAL_RECORDED': {
      // The card is the only place this approval shows: all but the answer's reserve.
      const cardUpdated = await refreshWithin(rt, req, budget, RESERVE.answer);
      return { ok: true, code: reply.code, request: req!, cardLate: !cardUpdated };
    }
    case 'EXPIRED':
      await refreshWithin(rt, req, budget, RESERVE.answer);
      return clickRefusal(rt, ref, reply.code, user, reply);
    case 'NOT_PENDING':
      // Approved with this user's approval but not started, and never handed off: this click's
      // approval went through earlier and its reply was lost (a Redis failover or timeout; ioredis
      // may also resend the script). Hand it off now (the start script would run it once anyway).
      if (req?.state === 'approved' && req.approvals.some((a) => a.user === user) && (await claimHandOff(rt, id, false))) {
        rt.log.info('approvals: approved request handed off again', { requestId: id, user });
        await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
        const cardUpdated = await refreshWithin(rt, req, budget, HAND_OFF_NEEDS);
        await dispatchExecute(rt, req, budget);
        return { ok: true, code: 'APPROVED', request: req, cardLate: !cardUpdated };
      }
      return clickRefusal(rt, ref, reply.code, user, reply);
    default:
      return clickRefusal(rt, ref, reply.code, user, reply);
  }
}

/**
 * Before opening the reject modal: would this user's reject be refused anyway? Answers at once
 * instead of after they typed a reason. The reject script re-checks everything on submission.
 */
export async function checkCanReject(rt: Runtime, id: string, user: string, budget: ClickBudget = noBudget()): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', { now: rt.now() }) };
  const req = await storeOp(() => getRequest(rt.redis, id));
  const ctx = ctxFor(rt, ref, { request: req, user });
  if (!req) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', ctx) };
  if (req.state !== 'pending') return { ok: false, code: 'NOT_PENDING', message: answerText('NOT_PENDING', ctx), request: req };
  if (rt.now() >= req.expiresAt) return expireOne(rt, ref, user);
  if (req.requester === user) return { ok: false, code: 'SELF_REJECT', message: answerText('SELF_REJECT', ctx), request: req };
  // The modal must open within the trigger's 3 seconds: the lookup leaves it (and the form's Redis mark) their time.
  if (!(await rt.access.holds(ref.environment, user, 'approver', lookupBound(budget, RESERVE.openView + RESERVE.transition))))
    return { ok: false, code: 'NOT_AUTHORIZED', message: answerText('NOT_AUTHORIZED', ctx), request: req };
  return { ok: true, code: 'OK', request: req };
}

async function expireOne(rt: Runtime, ref: RequestRef, user: string): Promise<ClickResult> {
  const reply = await transit(
    rt,
    (x) => x.expire(ref, rt.now()),
    undefined,
    (t, pipe) => void (t.code === 'OK' && pipe.zrem(keys.pendingByExpiry(), ref.id)),
  );
  const req = reply.request;
  if (reply.code === 'OK') {
    await refreshMessage(rt, req);
    return clickRefusal(rt, ref, 'EXPIRED', user, reply);
  }
  return clickRefusal(rt, ref, reply.code, user, reply);
}

/** Reject (the modal's submission): an approver, with a reason. */
export async function rejectRequest(
  rt: Runtime,
  id: string,
  user: string,
  reason: string,
  budget: ClickBudget = noBudget(),
): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', { now: rt.now() }) };
  const authorized = await rt.access.holds(ref.environment, user, 'approver', lookupBound(budget, RESERVE.transition + RESERVE.answer));
  const reply = await transit(
    rt,
    (x) => x.reject(ref, user, rt.now(), authorized, reason),
    undefined,
    (t, pipe) => void ((t.code === 'OK' || t.code === 'EXPIRED') && pipe.zrem(keys.pendingByExpiry(), id)),
  );
  const req = reply.request;
  const cardUpdated = reply.code === 'OK' || reply.code === 'EXPIRED' ? await refreshWithin(rt, req, budget, RESERVE.answer) : true;
  return reply.code === 'OK'
    ? { ok: true, code: 'OK', request: req!, cardLate: !cardUpdated }
    : clickRefusal(rt, ref, reply.code, user, reply);
}

/**
 * Cancel button: a pending request by its requester; an approved request that has not started
 * (its work may be lost, or just not wanted any more) by its requester or an approver.
 */
export async function cancelRequest(
  rt: Runtime,
  id: string,
  user: string,
  reason = '',
  budget: ClickBudget = noBudget(),
): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', { now: rt.now() }) };
  const attempt = (approver: boolean) =>
    transit(
      rt,
      (x) => x.cancel(ref, user, rt.now(), reason, approver),
      undefined,
      (t, pipe) => void ((t.code === 'OK' || t.code === 'EXPIRED') && queueDropFromIndexes(pipe, id)),
    );
  // Without reading the request first: the role (a Slack call for user groups) is looked up only when
  // the script says it matters (someone else's approved or scheduled request), and the script re-checks.
  let reply = await attempt(false);
  if (
    reply.code === 'NOT_CANCELLER' &&
    (await rt.access.holds(ref.environment, user, 'approver', lookupBound(budget, RESERVE.transition + RESERVE.answer)))
  )
    reply = await attempt(true);
  const req = reply.request;
  const cardUpdated = reply.code === 'OK' || reply.code === 'EXPIRED' ? await refreshWithin(rt, req, budget, RESERVE.answer) : true;
  if (reply.code === 'OK' && reply.extra.was === 'approved') {
    const notice = cancelledBeforeStartNotice(req!, user, rt.people.workspace);
    // The thread note is cosmetic next to the card (which says cancelled): what is left of the budget.
    await budget.optional('threadNote', WITHIN_ACK_TIMEOUT_MS, RESERVE.answer, () => postInThread(rt, req, notice)).catch(() => undefined);
  }
  return reply.code === 'OK'
    ? { ok: true, code: 'OK', request: req!, cardLate: !cardUpdated }
    : clickRefusal(rt, ref, reply.code, user, reply);
}

/* ------------------------------------------------------------------ expiry */

/** Expire every pending request past its time (the scheduled tick). Returns the ids expired. */
export async function expireDue(rt: Runtime, batch = 100): Promise<string[]> {
  const now = rt.now();
  const ids = await storeOp(() => rt.redis.zrangebyscore(keys.pendingByExpiry(), '-inf', now, 'LIMIT', 0, batch));
  const expired: string[] = [];
  for (const id of ids) {
    const ref = parseRequestId(id);
    if (!ref) {
      await rt.redis.zrem(keys.pendingByExpiry(), id);
      continue;
    }
    const reply = await transit(rt, (x) => x.expire(ref, now));
    const req = reply.request;
    if (reply.code === 'NOT_DUE' && req) {
      await rt.redis.zadd(keys.pendingByExpiry(), req.expiresAt, id);
      continue;
    }
    await rt.redis.zrem(keys.pendingByExpiry(), id);
    if (reply.code === 'OK') {
      expired.push(id);
      await refreshMessage(rt, req);
    } else if (reply.code === 'NOT_PENDING' && req?.state === 'approved') {
      // Approved, yet still listed as pending and not started by its expiry: the reply to the
      // approving click was lost (Redis failover, timeout) before the hand-off, and nobody clicked
      // again. Do not start a change that late: fail it and say so.
      await abortRequest(rt, id, handOffLostReason(rt.people.workspace));
    }
  }
  if (expired.length) rt.log.info('approvals: expired requests', { count: expired.length, ids: expired });
  return expired;
}

/* ------------------------------------------------------------------ start deadline */

/**
 * Fail every approved request that did not start by its startBy (the scheduled tick): its execute
 * job was lost, so nothing would ever start or free it. Each gets a thread reply saying why.
 * Returns the ids that lapsed.
 */
export async function lapseDue(rt: Runtime, batch = 100): Promise<string[]> {
  const now = rt.now();
  const ids = await storeOp(() => rt.redis.zrangebyscore(keys.approvedByStartBy(), '-inf', now, 'LIMIT', 0, batch));
  const lapsed: string[] = [];
  for (const id of ids) {
    const ref = parseRequestId(id);
    if (!ref) {
      await rt.redis.zrem(keys.approvedByStartBy(), id);
      continue;
    }
    const deadline = startDeadlineOf(rt, ref.environment);
    const reply = await transit(rt, (x) => x.lapse(ref, now, lapseReason(deadline, rt.people.workspace)));
    const req = reply.request;
    if (reply.code === 'NOT_DUE' && req?.state === 'approved' && req.startBy) {
      await rt.redis.zadd(keys.approvedByStartBy(), req.startBy, id);
      continue;
    }
    await rt.redis.zrem(keys.approvedByStartBy(), id);
    // Started, but the write after the start script (which moves it to the running index) was lost.
    if (reply.code === 'NOT_APPROVED' && req?.state === 'running') await rt.redis.zadd(keys.runningIndex(), req.startedAt ?? now, id);
    if (reply.code === 'OK' && req) {
      lapsed.push(id);
      await refreshMessage(rt, req);
      await postInThread(rt, req, lapsedNotice(req, deadline, rt.people.workspace));
    }
  }
  if (lapsed.length) rt.log.warn('approvals: approved requests never started; failed them', { count: lapsed.length, ids: lapsed });
  return lapsed;
}
