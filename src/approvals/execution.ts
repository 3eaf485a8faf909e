/**
 * The executor's side of the approval workflow (src/deploy/ calls it): approved → running,
 * execution facts, running → succeeded | failed, and the running requests for the deadline tick.
 * Each step is one transition (./transitions.ts) through `transit`.
 */
import { storeOp } from '../redis/client';
import { BOT_DEPLOYMENT_TTL_SECONDS, keys } from '../redis/keys';
import { pipelineBySlot } from '../redis/slots';
import { dropEntry, dueEntries, type IndexEntry } from './indexes';
import type { Runtime } from '../runtime';
import { answerText, refusal } from './codes';
import { defineMessages, type Localized } from '../i18n/catalog';
import { guardFromHash } from './guards';
import { parseRequestId } from './ids';
import { factPairs } from './model';
import type { ChangeRequest } from './types';
import {
  abortRequest,
  bestEffort,
  ctxFor,
  failUnconfigured,
  getRequest,
  getRequests,
  noteInThread,
  refOrThrow,
  refreshMessage,
  startDeadlineOf,
  transit,
} from './workflow';
import { notConfiguredReason, stoppedNotice } from './unstarted';
import { lateStartNotice, lateStartReason, workerFailedNotice, workerFailedReason } from './start-refused';
import { slackDate } from '../slack/time';
import type { Locale } from '../i18n/locale';
import { isConfigured } from '../config/load';
import { mention, notificationText } from '../slack/text';
import { section, type SlackMessage } from '../slack/blocks';
import { closedForApproval, closedText } from '../policy/windows';

/** The change lock expires on its own after this (a safety net when a run never finishes). */
const MIN_CHANGE_LOCK_TTL_MS = 2 * 3600_000;

const M = defineMessages('approvals.execution', {
  frozen: {
    en: 'not started: {env} was frozen by {user} before it could run. It will not start by itself: once an approver unfreezes it, request it again.',
    ko: '시작하지 못함: 실행 전에 {user} 님이 {env} 환경을 동결했습니다. 저절로 시작되지 않으니 승인자가 동결을 해제한 뒤 다시 요청하세요.',
  },
  locked: {
    en: 'not started: {service} was locked by {user} before it could run. It will not start by itself: once it is unlocked, request it again.',
    ko: '시작하지 못함: 실행 전에 {user} 님이 {service} 서비스를 잠갔습니다. 저절로 시작되지 않으니 잠금이 풀린 뒤 다시 요청하세요.',
  },
  startingNow: {
    en: ':calendar: Scheduled start: starting now (planned for {at}).',
    ko: ':calendar: 예약된 시작: 지금 시작합니다 ({at} 예정).',
  },
  someone: { en: 'someone', ko: '누군가' },
  windowClosed: {
    en: 'not started: the change window of `{env}` closed before it could start ({why}). Request it again with `--at next-window`.',
    ko: '시작하지 못함: 시작하기 전에 `{env}`의 변경 허용 시간이 닫혔습니다 ({why}). `--at next-window`로 다시 요청하세요.',
  },
});

/** When the caller does not say how long its attempt may run (tests, tools): the worker's timeout. */
const DEFAULT_ATTEMPT_MS = 3 * 60_000;

type StartResult = { ok: true; request: ChangeRequest } | { ok: false; code: string; message: Localized };

/**
 * approved → running, exactly once, taking the service's change lock (same script);
 * `attemptUntil` is when the starting attempt ends at the latest (its invocation's deadline).
 * Called by the executor's 'execute' job before it changes anything; a duplicate delivery gets
 * ALREADY_RUNNING. A request that can no longer start (service locked by hand or environment
 * frozen since the approval) fails with the reason and its message says so.
 */
export async function startExecution(rt: Runtime, id: string, attemptUntil = rt.now() + DEFAULT_ATTEMPT_MS): Promise<StartResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerText('NOT_FOUND', { now: rt.now() }) };
  const now = rt.now();
  const envCfg = rt.config.environments[ref.environment];
  // The configuration no longer names the service in this environment (removed, renamed or moved
  // since the request): the roles no longer allow changing it and nobody expects it to change. It
  // fails with the reason before anything is touched.
  if (!isConfigured(rt.config, ref.environment, ref.service) || !envCfg) {
    // Failed with the reason, its message re-rendered and its thread told (as the ticks do).
    const failed = await failUnconfigured(rt, id);
    rt.log.warn('approvals: execution refused, the service is no longer configured', { requestId: id, state: failed.request?.state });
    return { ok: false, code: 'NOT_CONFIGURED', message: notConfiguredReason(ref.environment, ref.service) };
  }
  const lockTtl = Math.max(MIN_CHANGE_LOCK_TTL_MS, 3 * (envCfg?.deployDeadline ?? 0));
  const seen = await storeOp(() => getRequest(rt.redis, id));
  // Every start holds the roles again (chatops.yml as loaded now, the user groups as Slack answers
  // now), not only a scheduled one: an approval may be an hour old, the hand-off may reach the worker
  // late or twice (Lambda retries an async invoke for hours), and the requester's role was checked
  // when they asked. Its requester must still be one, and enough of its approvals must still come
  // from approvers: as many as the environment needs now. A role Slack cannot answer for does not
  // count: the change does not start unverified (./reauthorize.run.ts, policy/recheck.ts). A
  // break-glass change runs without approval by design; a start past its startBy lapses below.
  if (seen?.state === 'approved' && !seen.breakGlass && !(seen.startBy !== undefined && now >= seen.startBy)) {
    const refused = await (await import('./reauthorize.run')).refusalAtStart(rt, seen);
    if (refused) {
      const w = rt.people.workspace;
      // Only the call that failed it says so: a job delivered twice at once refuses once in the thread.
      const t = await transit(rt, (x) => x.abort(ref, rt.now(), 'bot', refused.reason(w)));
      if (t.code === 'OK' && t.request) {
        await refreshMessage(rt, t.request);
        await noteInThread(rt, t.request, 'refused-at-start', refused.notice(w), { requestAgain: true });
      }
      return { ok: false, code: refused.code, message: refused.reason };
    }
  }
  // The change windows (release gates) hold at the start, not only when the request was made: a
  // request made inside the window and approved (or handed off again) after it closed does not run
  // outside it. Break-glass runs past the windows. Nothing else moves it out of `approved` meanwhile
  // but the abort script, which fails it only while it has not started.
  const closed = windowClosedAtStart(rt, id, seen, now);
  if (closed) {
    const failed = await stopAtStart(rt, id, 'window-closed', closed(rt.people.workspace), 'next-window');
    rt.log.warn('approvals: execution refused, the change window is closed', { requestId: id, state: failed?.state });
    return { ok: false, code: 'WINDOW_CLOSED', message: closed };
  }

  const deadline = startDeadlineOf(rt, ref.environment);
  // The script checks the freeze (the service's copy) and moves the request from its service's
  // approved index to its running index (or out of both when it lapsed), in one step.
  const reply = await transit(rt, (x) =>
    x.start(ref, now, lockTtl, `change running: ${id}`, lateStartReason(deadline, rt.people.workspace), attemptUntil),
  );
  const req = reply.request;
  if (reply.code === 'OK' && req) {
    await refreshMessage(rt, req);
    // A scheduled start is said once it did start (not when the scheduler woke it: the start may still be refused).
    if (req.startAt !== undefined) await noteInThread(rt, req, 'scheduled-start', startingNotice(req.startAt, rt.people.workspace));
    return { ok: true, request: req };
  }
  if (reply.code === 'FROZEN') {
    // Approved, but the environment was frozen since: it fails with the reason.
    const frozen = guardFromHash(reply.extra);
    const w = rt.people.workspace;
    const failed = await stopAtStart(
      rt,
      id,
      'frozen',
      M.in(w)('frozen', { env: `\`${ref.environment}\``, user: mention(frozen?.by ?? '', w) }),
    );
    return { ok: false, code: 'FROZEN', message: answerText('FROZEN', ctxFor(rt, ref, { guard: frozen, request: failed })) };
  }
  if (reply.code === 'START_EXPIRED' && req) {
    await refreshMessage(rt, req);
    await noteInThread(rt, req, 'late-start', lateStartNotice(req, deadline, now, rt.people.workspace), { requestAgain: true });
    rt.log.warn('approvals: execution refused, the approval lapsed before it started', { requestId: id });
    return { ok: false, code: reply.code, message: answerText(reply.code, ctxFor(rt, ref, { request: req })) };
  }
  if (reply.code === 'LOCKED') {
    const guard = guardFromHash(reply.extra);
    const w = rt.people.workspace;
    const failed = await stopAtStart(
      rt,
      id,
      'locked',
      M.in(w)('locked', { service: `\`${ref.service}\``, user: guard ? mention(guard.by, w) : M.in(w)('someone') }),
    );
    return { ok: false, code: 'LOCKED', message: answerText('LOCKED', ctxFor(rt, ref, { guard, request: failed })) };
  }
  rt.log.info('approvals: execution not started', { requestId: id, code: reply.code, state: req?.state });
  return { ok: false, code: reply.code, message: answerText(reply.code, ctxFor(rt, ref, { request: req })) };
}

/**
 * A start refused for a reason the card shows (frozen, locked, the change window closed): failed with
 * it, and said in the thread too (keyed `name`), with the same request one click away (`again`:
 * `--at next-window` added for a closed window).
 */
async function stopAtStart(rt: Runtime, id: string, name: string, reason: string, again: true | 'next-window' = true) {
  const failed = await abortRequest(rt, id, reason);
  if (failed?.state === 'failed' && failed.decisionReason === reason)
    await noteInThread(rt, failed, name, stoppedNotice(failed, reason, rt.people.workspace), { requestAgain: again });
  return failed;
}

function startingNotice(at: number, locale: Locale): SlackMessage {
  const text = M.in(locale)('startingNow', { at: slackDate(at) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

/**
 * Why request `id` may not start now because its environment's change windows are closed (the
 * reason, in any language), or undefined when it may: no windows for its verb, break-glass, or open.
 * `req`: the request as startExecution read it.
 */
function windowClosedAtStart(rt: Runtime, id: string, req: ChangeRequest | undefined, now: number): Localized | undefined {
  const ref = refOrThrow(id);
  const w = rt.config.environments[ref.environment]?.gates.windows;
  if (!w) return undefined;
  if (!req || req.state !== 'approved') return undefined;
  // As at the approve click, but a request with a start time is checked too: the scheduler started it
  // inside a window, and a late hand-off of it must not run outside one either.
  const closed = closedForApproval(w, { verb: req.verb, breakGlass: req.breakGlass }, now);
  if (!closed) return undefined;
  return (locale) => M.in(locale)('windowClosed', { env: ref.environment, why: closedText(w, closed, locale) });
}

/**
 * Merge execution facts into request.execution (audited; recording the same facts again changes
 * nothing). `deploymentId` / `serviceDeploymentArn` facts also mark the ECS deployment as the
 * bot's (keys.botDeployment), so alerts and /ecs history can tell it from deployments made elsewhere;
 * not a scale's: it changes the task count of the deployment it finds, and starts none.
 */
export async function recordExecution(
  rt: Runtime,
  id: string,
  facts: Record<string, unknown>,
  auditEvent = 'recorded',
): Promise<ChangeRequest> {
  const ref = refOrThrow(id);
  factPairs(facts); // a bad fact name is a bug: throw it here, not as "store unavailable"
  const detail = JSON.stringify(facts).slice(0, 500);
  const reply = await transit(rt, (x) => x.record(ref, rt.now(), auditEvent, detail, facts));
  const req = reply.request;
  if ((reply.code !== 'OK' && reply.code !== 'UNCHANGED') || !req) throw refusal(reply.code, ctxFor(rt, ref, { request: req }));
  const deploymentIds = [facts.deploymentId, facts.serviceDeploymentArn].filter((v): v is string => typeof v === 'string' && v.length > 0);
  // A scale starts no ECS deployment: the one it records (to follow) is someone else's, not the bot's.
  if (deploymentIds.length && req.verb !== 'scale') {
    // Each mark has its own slot (tagged by the ECS id): one pipeline per slot, sent together.
    await storeOp(() =>
      pipelineBySlot(rt.redis, deploymentIds, keys.botDeployment, (pipe, d) =>
        pipe.set(keys.botDeployment(d), id, 'EX', BOT_DEPLOYMENT_TTL_SECONDS),
      ),
    );
  }
  return req;
}

/**
 * Record the execution fact `name` once, with `user` as the audit actor: a press on a paused
 * deployment's traffic-shift gate (release gates), or the end of a rollout decided by the tracker
 * (`ended`, actor `bot`). The first one recorded stays; recording again changes nothing.
 */
export async function pressExecution(
  rt: Runtime,
  id: string,
  user: string,
  event: string,
  detail: string,
  name: string,
  value: unknown,
): Promise<ChangeRequest | undefined> {
  const ref = refOrThrow(id);
  const reply = await transit(rt, (x) => x.press(ref, rt.now(), user, event, detail.slice(0, 500), name, value));
  if (reply.code !== 'OK' && reply.code !== 'UNCHANGED')
    rt.log.warn('execution fact not recorded', { requestId: id, fact: name, event, code: reply.code });
  return reply.request;
}

/** Remember the ts of the executor's status card (thread reply), or of its "still not done" reply (`stuckTs`): their buttons work only there. */
export async function setStatusTs(rt: Runtime, id: string, ts: string, field: 'statusTs' | 'stuckTs' = 'statusTs'): Promise<void> {
  const ref = refOrThrow(id);
  const reply = await transit(rt, (x) => x.setField(ref, field, ts, rt.now()));
  if (reply.code !== 'OK') throw refusal(reply.code, ctxFor(rt, ref));
}

/**
 * running → succeeded | failed; releases the change lock, audited, re-renders the request message.
 * `detail` is shown on the message (mrkdwn; escape user input). Repeating the same outcome is a no-op.
 * `autoLock` (release gates, after a rollback): the service is locked in the same step until someone
 * acknowledges it; `autoLocked` on the result says whether it was.
 */
export async function finishExecution(
  rt: Runtime,
  id: string,
  outcome: 'succeeded' | 'failed',
  detail: string,
  autoLock?: { reason: string; ttlMs?: number },
): Promise<ChangeRequest & { autoLocked?: boolean }> {
  const ref = refOrThrow(id);
  const reply = await transit(rt, (x) => x.finish(ref, outcome, detail, rt.now(), autoLock));
  const req = reply.request;
  if ((reply.code !== 'OK' && reply.code !== 'ALREADY') || !req) throw refusal(reply.code, ctxFor(rt, ref, { request: req }));
  if (reply.code === 'OK') await refreshMessage(rt, req);
  return reply.extra.autolocked === '1' ? { ...req, autoLocked: true } : req;
}

/**
 * Requests running now (for the executor's deadline tick and local watcher): every service's
 * running index and the legacy one (./indexes.ts). Members whose request is no longer running are
 * removed (the scripts keep the services' indexes; this drains the legacy one).
 */
export async function runningRequests(rt: Runtime): Promise<ChangeRequest[]> {
  const entries = await storeOp(() => dueEntries(rt, 'running', '+inf', 500));
  if (!entries.length) return [];
  const loaded = await storeOp(() => getRequests(rt.redis, [...new Set(entries.map((e) => e.id))]));
  const running = new Map<string, ChangeRequest>();
  const stale: IndexEntry[] = [];
  for (const entry of entries) {
    const req = loaded.get(entry.id);
    if (req?.state === 'running') running.set(req.id, req);
    // A legacy member was added just before the start script (the old scheme): keep approved ones (a start in flight).
    else if (!(entry.legacy && req?.state === 'approved')) stale.push(entry);
  }
  for (const entry of stale) await bestEffort(rt, 'clean the running index', () => dropEntry(rt, entry));
  return [...running.values()];
}

/* ------------------------------------------------------------------ the executor's lease */

export type LeaseOp = 'acquire' | 'renew' | 'check' | 'release';

/**
 * The executing worker's lease on a running request (one script: ./lua/lease-2.lua). `acquire`
 * also raises the request's attemptUntil to `until` (when this attempt ends at the latest);
 * `check` answers OK only while the request is still running and the lease is `token`'s.
 */
export async function leaseOp(
  rt: Runtime,
  id: string,
  op: LeaseOp,
  token: string,
  ttlMs: number,
  until?: number,
): Promise<{ code: string; request?: ChangeRequest }> {
  const ref = refOrThrow(id);
  const t = await transit(rt, (x) => x.lease(ref, op, token, ttlMs, until));
  return { code: t.code, ...(t.request ? { request: t.request } : {}) };
}

/** Whether some worker holds the lease of request `id` now. */
export async function leaseHeld(rt: Runtime, id: string): Promise<boolean> {
  const ref = refOrThrow(id);
  return (await storeOp(() => rt.redis.exists(keys.changeLease(ref.environment, ref.service, ref.id)))) === 1;
}

/* ------------------------------------------------------------------ lost worker invocations */

/**
 * The worker's invocation for request `id` failed for good (Lambda's on-failure destination): an
 * approved request that never started is failed now, freeing the service, and its thread is told
 * why. A running request is left to the deadline tick, which settles it once its attempt is over.
 * Returns the state the request was in ('gone' when there is none).
 */
export async function failNeverStarted(rt: Runtime, id: string, why: Localized): Promise<string> {
  const req = await storeOp(() => getRequest(rt.redis, id));
  if (!req) return 'gone';
  if (req.state !== 'approved') return req.state;
  const failed = await abortRequest(rt, id, workerFailedReason(why(rt.people.workspace), rt.people.workspace));
  if (failed?.state === 'failed')
    await noteInThread(rt, failed, 'worker-failed', workerFailedNotice(failed, why(rt.people.workspace), rt.people.workspace), {
      requestAgain: true,
    });
  return req.state;
}
