/**
 * The request message's clicks (approve, reject, cancel; the reject modal asks first whether a
 * reject would be refused anyway), the expiry tick and the start-deadline tick, on top of the Redis transitions
 * (./transitions.ts). The Lua scripts decide (state, expiry, self-approval, double approval, role
 * at click time); this module reads the role, re-renders the message and dispatches the execution.
 */
import { randomBytes } from 'node:crypto';
import { storeOp } from '../redis/client';
import { dropEntry, dueEntries, type IndexEntry } from './indexes';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import { answerText } from './codes';
import type { Localized } from '../i18n/catalog';
import { guardFromHash } from './guards';
import { parseRequestId, type RequestRef } from './ids';
import type { Transition } from './transitions';
import type { ChangeRequest } from './types';
import { cancelledBeforeStartNotice, lapsedNotice, lapseReason } from './unstarted';
import {
  ctxFor,
  dispatchExecute,
  failUnconfigured,
  getRequest,
  noteInThread,
  postInThread,
  refreshMessage,
  refreshWithin,
  startDeadlineOf,
  transit,
} from './workflow';
import { startScheduled } from './gates';
import { gatesText } from './gates-text';
import { closedForApproval, closedText, nextOpen, type Closed } from '../policy/windows';
import type { WindowsConfig } from '../config/gates';
import { slackDate } from '../slack/time';
import { mention } from '../slack/text';
import { dispatchWithin, HAND_OFF_NEEDS, lookupWithin, noBudget, RESERVE, type ClickBudget } from '../slack/click-budget';
import type { RequestNoteJob } from './notice';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';

/** The outcome of a click (approve / reject / cancel): `message` is the answer for the clicker when not ok. */
/** The outcome of a click; `message` (for the clicker, in their language) when not ok. */
/** `cardLate`: the click went through but the request message could not be updated within the click's budget. */
/** `note`: what the clicker should know although the click went through (e.g. the change window is closed). */
export type ClickResult =
  | { ok: true; code: string; request: ChangeRequest; cardLate?: boolean; note?: Localized }
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
 * Approve button. The last needed approval approves the request and dispatches the execution.
 * Within a click's budget (src/slack/click-budget.ts): the group lookup leaves room for the
 * transition and the hand-off; the card refresh before the hand-off is cosmetic (the worker
 * re-renders the card when it starts the change, startExecution) and gets only what the hand-off
 * and the answer do not need; the hand-off is essential (its failure fails the request). The
 * refresh stays before the hand-off, so the worker's "running" render comes after it. A refresh
 * cut short is not cancelled (./workflow.ts refreshWithin): it was started before the hand-off and
 * normally reaches Slack long before the worker starts; should it land later (a Lambda frozen
 * mid-request), the card shows "approved" until the tick approvals-rerender renders the request's
 * current state over it (a refresh cut short is queued for it).
 */
export async function approveRequest(
  rt: Runtime,
  id: string,
  user: string,
  budget: ClickBudget = noBudget(),
  known?: ChangeRequest,
): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', { now: rt.now() }) };
  const authorized = await rt.access.holds(ref.environment, user, 'approver', lookupBound(budget, RESERVE.transition + HAND_OFF_NEEDS));
  const now = rt.now();
  const deadline = startDeadlineOf(rt, ref.environment);
  // The change windows: a last approval while they are closed would start the request now, and the
  // worker would only fail it (execution.ts). Decided on the request the click already read (its
  // verb, break-glass and start time never change); read here only for a caller without it, and
  // only where the environment has windows.
  const w = rt.config.environments[ref.environment]?.gates.windows;
  const seen = w && !known ? await storeOp(() => getRequest(rt.redis, id)) : known;
  const closed = seen ? closedForApproval(w, seen, now) : undefined;
  // The script checks the freeze (the service's copy), decides (the window refuses only the last
  // needed approval), moves the request between its service's indexes and, when it approves,
  // claims the hand-off: all in one step.
  // The click's token goes with a follow-up too: should the answer be lost, the worker hands off what this click approved.
  const token = randomBytes(6).toString('hex');
  const reply = await transit(rt, (x) => x.approve(ref, user, now, authorized, deadline, token, closed !== undefined), undefined, true, {
    t: 'request',
    op: 'approve',
    id,
    user,
    token,
  });
  const req = reply.request;
  switch (reply.code) {
    case 'WINDOW_CLOSED': {
      rt.log.info('approvals: approval refused, the change window is closed', { requestId: id, user });
      return {
        ok: false,
        code: reply.code,
        message: windowClosedAnswer(w!, closed!, ref.environment, req, now),
        ...(req ? { request: req } : {}),
      };
    }
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
      // The script claimed the hand-off with the approval: this click hands it off.
      await dispatchExecute(rt, req!, budget);
      return { ok: true, code: reply.code, request: req!, cardLate: !cardUpdated };
    }
    case 'APPROVAL_RECORDED': {
      // The card is the only place this approval shows: all but the answer's reserve.
      const cardUpdated = await refreshWithin(rt, req, budget, RESERVE.answer);
      // Recorded while the change window is closed: the last needed approval will be refused until it opens.
      const note = closed ? windowClosedNote(w!, closed, ref.environment, req!, now) : undefined;
      return { ok: true, code: reply.code, request: req!, cardLate: !cardUpdated, ...(note ? { note } : {}) };
    }
    case 'EXPIRED':
      await refreshWithin(rt, req, budget, RESERVE.answer);
      return clickRefusal(rt, ref, reply.code, user, reply);
    case 'NOT_PENDING':
      // Approved with this user's approval but not started, and the hand-off claimed by this very
      // click (ioredis resent the script after the reply to its first run was lost) or longer ago
      // than the approving click needs to hand off (HAND_OFF_REPEAT_MS: that click's reply, or its
      // hand-off, was lost). The script claimed it again for this click: hand it off now (the start
      // script runs it once).
      if (req?.state === 'approved' && reply.extra.handoff === '1') {
        rt.log.info('approvals: approved request handed off again', { requestId: id, user });
        const cardUpdated = await refreshWithin(rt, req, budget, HAND_OFF_NEEDS);
        await dispatchExecute(rt, req, budget);
        return { ok: true, code: 'APPROVED', request: req, cardLate: !cardUpdated };
      }
      return clickRefusal(rt, ref, reply.code, user, reply);
    default:
      return clickRefusal(rt, ref, reply.code, user, reply);
  }
}

/** The approver's answer when the change window refuses their (last needed) approval. */
function windowClosedAnswer(w: WindowsConfig, closed: Closed, env: string, req: ChangeRequest | undefined, now: number): Localized {
  const next = nextOpen(w, now);
  return (locale) => {
    const t = gatesText.in(locale);
    return t('approveWindowClosed', {
      env,
      why: closedText(w, closed, locale),
      next: next !== undefined ? t('approveWindowNext', { at: slackDate(next) }) : '',
      requester: req ? mention(req.requester, locale) : '',
    });
  };
}

/** The approver's answer when their approval (not the last needed) is recorded while the change window is closed. */
function windowClosedNote(w: WindowsConfig, closed: Closed, env: string, req: ChangeRequest, now: number): Localized {
  const next = nextOpen(w, now);
  return (locale) => {
    const t = gatesText.in(locale);
    return t('approveRecordedWindowClosed', {
      given: req.approvals.length,
      needed: req.approvalsNeeded,
      env,
      why: closedText(w, closed, locale),
      next: next !== undefined ? t('approveWindowNext', { at: slackDate(next) }) : '',
    });
  };
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
  const reply = await transit(rt, (x) => x.expire(ref, rt.now()));
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
  const reply = await transit(rt, (x) => x.reject(ref, user, rt.now(), authorized, reason), undefined, true, {
    t: 'request',
    op: 'reject',
    id,
    user,
  });
  const req = reply.request;
  const ok = reply.code === 'OK';
  // The card first, leaving the hand-off of the requester's note its time.
  const cardUpdated =
    ok || reply.code === 'EXPIRED' ? await refreshWithin(rt, req, budget, RESERVE.answer + (ok ? RESERVE.handOff : 0)) : true;
  if (!ok) return clickRefusal(rt, ref, reply.code, user, reply);
  // Its requester is told in its thread, by the worker (./notice.run.ts, ./rejected.run.ts): not within the ack.
  const note: RequestNoteJob = { kind: 'notice', id: `notice:${id}:rejected`, request: id, note: 'rejected' };
  await dispatchWithin(rt.dispatcher, note, budget).catch((err) =>
    rt.log.warn('approvals: the rejection note was not handed to the worker', { requestId: id, err }),
  );
  return { ok: true, code: 'OK', request: req!, cardLate: !cardUpdated };
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
    transit(rt, (x) => x.cancel(ref, user, rt.now(), reason, approver), undefined, true, { t: 'request', op: 'cancel', id, user });
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

/**
 * Expire every pending request past its time (the scheduled tick), found in every service's pending
 * index and in the legacy one (./indexes.ts). The expire script re-checks the request and re-indexes
 * it (a member not due after all gets its real score back); a legacy member is removed once handled.
 * Returns the ids expired.
 */
export async function expireDue(rt: Runtime, batch = 100): Promise<string[]> {
  const now = rt.now();
  const entries = await storeOp(() => dueEntries(rt, 'pending', now, batch));
  const expired: string[] = [];
  for (const entry of entries) {
    const id = entry.id;
    const ref = parseRequestId(id);
    if (!ref) {
      await dropEntry(rt, entry);
      continue;
    }
    const reply = await transit(rt, (x) => x.expire(ref, now, true));
    const req = reply.request;
    if (entry.legacy && reply.code === 'NOT_PENDING' && req?.state === 'approved' && req.startBy === undefined) {
      // Approved, still in the legacy pending index, and without a start deadline (written before
      // startBy existed): no service index holds it, so nothing else would ever fail it if its
      // hand-off was lost. It is the start-deadline tick's case (lapseDue: the lapse script, by its
      // approval time plus the deadline): lapsed now if that has passed, else moved to the legacy
      // approved index by when it lapses (added before this member is dropped: a crash between the
      // two leaves it in both, and the next tick does the same again). With a startBy (the usual
      // case), the expire script re-indexed it by its startBy and the start-deadline tick has it.
      await lapseEntry(rt, ref, entry, now);
      continue;
    }
    // The script keeps the service's index; a legacy member, or one whose request is gone, is removed here.
    if (entry.legacy || reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
    // UNTOLD: a click or a new request expired it on the way; its card was updated then (again here,
    // in case that update was lost), its requester is told now.
    if (reply.code === 'OK' || reply.code === 'UNTOLD') {
      expired.push(id);
      await refreshMessage(rt, req);
      // Its requester is told in its thread, with the same request one click away (tick code, lazily).
      if (req) await (await import('./expired.run')).noteExpired(rt, req);
    }
  }
  if (expired.length) rt.log.info('approvals: expired requests', { count: expired.length, ids: expired });
  return expired;
}

/* ------------------------------------------------------------------ start deadline */

/**
 * The start-deadline end of the approved request `entry` names (the lapse script re-checks it):
 * failed, audited `lapsed`, its message re-rendered and its thread told, once it did not start by
 * its startBy. One without a startBy (approved before requests had one of their own, so only a
 * legacy index holds it) lapses its environment's start deadline after its approval; until then it
 * is kept in the legacy approved index, by when it lapses (added before `entry` is dropped: a crash
 * between the two leaves it in both, and the next tick does the same again). A legacy entry, or one
 * whose request is gone, is dropped; a service index entry is the script's to keep. Whether it lapsed.
 */
async function lapseEntry(rt: Runtime, ref: RequestRef, entry: IndexEntry, now: number): Promise<boolean> {
  const deadline = startDeadlineOf(rt, ref.environment);
  const reply = await transit(rt, (x) => x.lapse(ref, now, lapseReason(deadline, rt.people.workspace), deadline));
  const req = reply.request;
  if (reply.code === 'NOT_DUE' && entry.legacy && req?.state === 'approved' && req.startBy === undefined) {
    const legacy = keys.legacyApprovedIndex();
    await rt.redis.zadd(legacy, (req.approvedAt ?? req.updatedAt) + deadline, entry.id);
    if (entry.key !== legacy) await dropEntry(rt, entry);
    return false;
  }
  if (entry.legacy || reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
  if (reply.code !== 'OK' || !req) return false;
  await refreshMessage(rt, req);
  await noteInThread(rt, req, 'lapsed', lapsedNotice(req, deadline, rt.people.workspace), { requestAgain: true });
  return true;
}

/**
 * Fail every approved request that did not start by its startBy (the scheduled tick): its execute
 * job was lost, so nothing would ever start or free it. Each gets a thread reply saying why. Found
 * in every service's approved index and in the legacy one; the lapse script re-checks and re-indexes
 * (a request that started after all goes to its running index). An approved request of a service
 * chatops.yml no longer names fails at once, with that reason (./indexes.ts reads those services'
 * indexes until they are empty). Returns the ids that lapsed or failed.
 */
export async function lapseDue(rt: Runtime, batch = 100): Promise<string[]> {
  const now = rt.now();
  // A service no longer configured: its approved requests can never start (the worker refuses them),
  // so they fail now, not at their start deadline.
  const entries = await storeOp(() => dueEntries(rt, 'approved', now, batch, { orphansUpTo: '+inf' }));
  const lapsed: string[] = [];
  for (const entry of entries) {
    const id = entry.id;
    const ref = parseRequestId(id);
    if (!ref) {
      await dropEntry(rt, entry);
      continue;
    }
    if (entry.orphan) {
      // The abort script re-indexes it (out of the approved index); one that started meanwhile is left running.
      const reply = await failUnconfigured(rt, id);
      if (reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
      // Only what this tick failed (an already failed request still in a stale index is not counted).
      if (reply.code === 'OK') lapsed.push(id);
      continue;
    }
    if (await lapseEntry(rt, ref, entry, now)) lapsed.push(id);
  }
  if (lapsed.length) rt.log.warn('approvals: approved requests never started; failed them', { count: lapsed.length, ids: lapsed });
  return lapsed;
}
