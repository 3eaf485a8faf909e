/**
 * The release gates on the approval workflow's side (issue 13), on top of the Redis transitions
 * (./transitions.ts, one Lua script each):
 *
 *   scheduled starts   `--at`: a request approved ahead of its time waits in `scheduled`; the
 *                      scheduler tick wakes it (scheduled → approved) once its time came, after
 *                      checking the change window again, and hands it to the worker (whose start
 *                      re-checks the plan). Too late (SCHEDULED_START_GRACE_MS) or window closed:
 *                      it fails with the reason. Index: approvals:{svc:<env>:<alias>}:scheduled.
 *   break-glass        announced in the audit channel; the thread asks for the approval after the
 *                      fact every `remindEvery` until it comes or `retroDeadline` passes (then the
 *                      audit trail says it was never approved). Index: approvals:{svc:<env>:<alias>}:retro.
 *
 * Every waiting state here has an expiry and a cleaner: a scheduled request fails once its start
 * is SCHEDULED_START_GRACE_MS late; the request hash outlives it by REQUEST_RETENTION_MS; the
 * reminders stop at retroDeadline; index members whose request is gone or final are removed. The
 * scripts keep each service's indexes (./indexes.ts); the ticks also drain the legacy global ones.
 */
import type { ChangeRequest } from './types';
import type { Runtime } from '../runtime';
import { storeOp } from '../redis/client';
import { dropEntry, dueEntries } from './indexes';
import { section } from '../slack/blocks';
import { code, mention, notificationText, oneLine, principal } from '../slack/text';
import { slackDate } from '../slack/time';
import { formatDuration } from '../i18n';
import type { Localized } from '../i18n/catalog';
import { closedBecause, closedText, windowsApply } from '../policy/windows';
import { answerFor } from './codes';
import { gatesText } from './gates-text';
import { guardFromHash } from './guards';
import { requestLink, requestVerbTitle } from './format';
import { parseRequestId } from './ids';
import type { ClickResult } from './clicks';
import { retroSettings, SCHEDULED_START_GRACE_MS } from './gate-settings';
import {
  abortRequest,
  bestEffort,
  ctxFor,
  dispatchExecute,
  failUnconfigured,
  getRequest,
  noteInThread,
  refreshWithin,
  startDeadlineOf,
  transit,
} from './workflow';
import { HAND_OFF_NEEDS, lookupWithin, noBudget, RESERVE, type ClickBudget } from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import { postKeyed, postKeyedAt } from './keyed-post';
import { stoppedNotice } from './unstarted';

function lang(rt: Runtime) {
  return rt.config.slack.language;
}

export async function threadPost(rt: Runtime, req: ChangeRequest, text: string): Promise<void> {
  await rt.slack.post(
    req.channel,
    { text: notificationText(text), blocks: [section(text)] },
    req.messageTs ? { threadTs: req.messageTs } : {},
  );
}

/* ------------------------------------------------------------------ scheduled starts */

/**
 * Start a scheduled request whose time has come: the change window is checked again (the
 * configuration or a blackout may have changed), then scheduled → approved and the execute job.
 * Returns what happened, for the tick's log.
 */
export async function startScheduled(
  rt: Runtime,
  req: ChangeRequest,
  budget: ClickBudget = noBudget(),
): Promise<'started' | 'not-due' | 'failed' | 'gone'> {
  const now = rt.now();
  const t = gatesText.in(lang(rt));
  const ref = parseRequestId(req.id);
  if (!ref || req.state !== 'scheduled') return 'gone';
  const startAt = req.startAt ?? now;
  if (now < startAt) return 'not-due';
  const late = now - startAt;
  if (late > SCHEDULED_START_GRACE_MS) {
    await abortRequest(
      rt,
      req.id,
      t('startMissed', {
        at: slackDate(startAt),
        late: formatDuration(late, lang(rt)),
        grace: formatDuration(SCHEDULED_START_GRACE_MS, lang(rt)),
      }),
    );
    return 'failed';
  }
  const w = rt.config.environments[req.environment]?.gates.windows;
  if (windowsApply(w, req.verb)) {
    const closed = closedBecause(w, now);
    if (closed) {
      await abortRequest(rt, req.id, t('windowClosedAtStart', { env: req.environment, why: closedText(w, closed, lang(rt)) }));
      return 'failed';
    }
  }
  // The wake script moves it from its service's scheduled index to the approved one (by when it must
  // have started, as an approval does): a lost execute job is failed by the start-deadline tick.
  const deadline = startDeadlineOf(rt, req.environment);
  const reply = await transit(rt, (x) => x.wake(ref, now, deadline));
  if (reply.code === 'NOT_DUE') return 'not-due';
  if (reply.code === 'LOCKED') {
    // It will not start by itself (unlocking does not wake it): the card and its thread say so, to its requester and approvers.
    const guard = guardFromHash(reply.extra);
    const reason = t('notStartedLocked', { service: code(req.service), user: mention(guard?.by ?? 'bot', lang(rt)) });
    const failed = await abortRequest(rt, req.id, reason);
    if (failed?.state === 'failed' && failed.decisionReason === reason)
      await noteInThread(rt, failed, 'locked', stoppedNotice(failed, reason, lang(rt)), { requestAgain: true });
    return 'failed';
  }
  if (reply.code !== 'OK' || !reply.request) return 'gone';
  // Inside a click (approved after its start time): the card is cosmetic (the worker renders it when
  // it starts, and says in the thread that the scheduled start began), the hand-off keeps its reserve.
  await refreshWithin(rt, reply.request, budget, HAND_OFF_NEEDS);
  await dispatchExecute(rt, reply.request, budget);
  return 'started';
}

/**
 * A pending `--at` request past its start time waits for its approval (which starts it at once) or
 * its expiry: the scheduler has nothing to do with it. Its index member is moved this far ahead so
 * that it does not take a place in every tick's batch (the next transition puts its startAt back;
 * within the start grace, so a start lost between the approval and the wake is still made in time).
 */
const OVERDUE_PENDING_RESCORE_MS = SCHEDULED_START_GRACE_MS / 2;
/** Reads of the scheduled indexes per tick when a batch was taken by overdue pending requests. */
const SCHEDULER_PASSES = 3;

/**
 * The scheduler tick: every scheduled request whose time came, from every service's scheduled index
 * and the legacy one. Members that ended are removed; a legacy member once handled. Overdue pending
 * members are moved ahead (OVERDUE_PENDING_RESCORE_MS) and the indexes read again, so they cannot
 * starve the starts that are due.
 */
export async function startDueScheduled(rt: Runtime, batch = 50): Promise<string[]> {
  const started: string[] = [];
  for (let pass = 0; pass < SCHEDULER_PASSES; pass++) {
    const { read, moved } = await schedulerPass(rt, batch, started);
    if (!moved || read < batch) break;
  }
  if (started.length) rt.log.info('scheduler: started scheduled requests', { ids: started });
  return started;
}

async function schedulerPass(rt: Runtime, batch: number, started: string[]): Promise<{ read: number; moved: number }> {
  const now = rt.now();
  // A service no longer configured: its scheduled requests can never start, so they fail now, not at their time.
  const entries = await storeOp(() => dueEntries(rt, 'scheduled', now, batch, { orphansUpTo: '+inf' }));
  let moved = 0;
  for (const entry of entries) {
    const id = entry.id;
    const req = await storeOp(() => getRequest(rt.redis, id));
    // Pending (waiting for approval): the approval or the expiry tick decides; keep it, out of the next
    // batches. The defer script moves it only if it is still pending then (one step with the check).
    const ref = parseRequestId(id);
    if (req?.state === 'pending' && ref) {
      if (entry.score <= now) {
        const reply = await transit(rt, (x) => x.defer(ref, now, now + OVERDUE_PENDING_RESCORE_MS));
        if (reply.code === 'OK') moved += 1;
        // The script (re-)indexed it in its service's index: a legacy member is drained.
        if (entry.legacy || reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
      }
      continue;
    }
    if (req?.state !== 'scheduled') {
      await dropEntry(rt, entry);
      continue;
    }
    try {
      if (entry.orphan) {
        // The abort script takes it out of its service's scheduled index; the thread is told.
        await failUnconfigured(rt, id);
        continue;
      }
      const done = await startScheduled(rt, req);
      if (done === 'started') started.push(id);
      // Handled: the scripts re-indexed it in its service's indexes.
      if (entry.legacy && done !== 'not-due') await dropEntry(rt, entry);
    } catch (err) {
      rt.log.warn('scheduler: could not start a scheduled request', { requestId: id, err });
    }
  }
  return { read: entries.length, moved };
}

/* ------------------------------------------------------------------ break-glass */

export function approverList(rt: Runtime, env: string): string {
  return (rt.config.environments[env]?.approvers ?? []).map((p) => principal(p)).join(', ');
}

/**
 * A break-glass request was created and its message posted: announce it in the audit channel and
 * ask the approvers in the thread. Never throws (the change runs regardless); a failed announcement
 * is said in the thread.
 */
export async function announceBreakGlass(rt: Runtime, req: ChangeRequest): Promise<void> {
  const t = gatesText.in(lang(rt));
  const s = retroSettings(rt, req.environment);
  if (s.auditChannel) {
    const text = t('auditPost', {
      user: mention(req.requester),
      env: req.environment,
      what: `${requestVerbTitle(req)} ${code(req.service)}`,
      reason: oneLine(req.breakGlass ?? '', 500),
      link: requestLink(req),
    });
    try {
      // Said once and not lost (keyed: a post Slack answered late is looked for and tried once more).
      await postKeyedAt(
        rt,
        { channel: s.auditChannel, key: `${req.id}:audit`, about: { requestId: req.id, post: 'audit' } },
        { text: notificationText(text), blocks: [section(text)] },
        { again: true },
      );
    } catch (err) {
      rt.log.warn('break-glass: could not post in the audit channel', { requestId: req.id, err });
      const error = err instanceof Error ? err.message : String(err);
      await bestEffort(rt, 'say the audit post failed', () =>
        threadPost(rt, req, t('auditPostFailed', { channel: s.auditChannel!, error: oneLine(error, 120) })),
      );
    }
  }
  const ask = t('threadBreakGlass', { user: mention(req.requester), approvers: approverList(rt, req.environment) });
  await bestEffort(rt, 'ask for the approval after the fact', () =>
    postKeyed(rt, req, 'break-glass', { text: notificationText(ask), blocks: [section(ask)] }, { again: true }),
  );
}

/** "Approve after the fact" on a break-glass request. */
export async function retroApproveRequest(rt: Runtime, id: string, user: string, budget: ClickBudget = noBudget()): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: (l) => answerFor('NOT_FOUND', { now: rt.now() }, l) };
  const authorized = await rt.access.holds(
    ref.environment,
    user,
    'approver',
    lookupWithin(budget, WITHIN_ACK_TIMEOUT_MS, RESERVE.transition + RESERVE.answer),
  );
  const reply = await transit(rt, (x) => x.retroApprove(ref, user, rt.now(), authorized), undefined, true, {
    t: 'request',
    op: 'retro',
    id,
    user,
  });
  const req = reply.request;
  const t = gatesText.in(lang(rt));
  if (reply.code === 'RETRO_APPROVED' || reply.code === 'APPROVAL_RECORDED') {
    const cardUpdated = await refreshWithin(rt, req, budget, RESERVE.answer);
    await bestEffort(rt, 'say who approved after the fact', () =>
      budget.optional('threadNote', WITHIN_ACK_TIMEOUT_MS, RESERVE.answer, () =>
        threadPost(
          rt,
          req!,
          t('retroApprovedThread', { user: mention(user), progress: `${req!.approvals.length}/${req!.approvalsNeeded}` }),
        ),
      ),
    );
    return { ok: true, code: reply.code, request: req!, cardLate: !cardUpdated };
  }
  // It never ran (a card not yet re-rendered still showed the button): put the card right.
  if (reply.code === 'RETRO_NOT_RUN') await refreshWithin(rt, req, budget, RESERVE.answer);
  const ctx = ctxFor(rt, ref, { request: req, user, locale: lang(rt) });
  const message: Localized = (l) =>
    reply.code === 'SELF_APPROVAL'
      ? gatesText.in(l)('selfRetro', {
          approvers:
            (ctx.approvers ?? [])
              .filter((p) => p !== user)
              .map((p) => principal(p, l))
              .join(', ') || '—',
        })
      : answerFor(reply.code, ctx, l);
  return { ok: false, code: reply.code, message, ...(req ? { request: req } : {}) };
}

/**
 * The reminder tick (the scheduled function only): ./retro-remind.run.ts, loaded when it runs.
 */
export async function remindRetro(rt: Runtime, batch = 50): Promise<number> {
  return (await import('./retro-remind.run')).remindRetro(rt, batch);
}
