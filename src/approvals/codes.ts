/**
 * Script result codes → what a person reads. The one place these answers are written: the
 * buttons, the slash commands, the executor's startExecution and the refusals of submitRequest
 * all come through here, so the same situation always reads the same.
 */
import { code, mention, oneLine, principal, truncate, verbTitle } from '../slack/text';
import { BotError, type ErrorCode } from '../errors';
import { guardText, requestLink } from './format';
import type { GuardInfo } from './guards';
import type { ChangeRequest } from './types';
import { formatDuration, type Locale } from '../i18n';
import { slackDate } from '../slack/time';
import { gatesText } from './gates-text';

export const CODES = [
  // transitions
  'NOT_FOUND',
  'NOT_PENDING',
  'EXPIRED',
  'SELF_APPROVAL',
  'SELF_REJECT',
  'ALREADY_APPROVED',
  'NOT_AUTHORIZED',
  'NOT_REQUESTER',
  'NOT_CANCELLER',
  'START_EXPIRED',
  'LOCKED',
  'FROZEN',
  'BUSY',
  'ALREADY_RUNNING',
  'NOT_APPROVED',
  'NOT_RUNNING',
  'NOT_STARTED',
  'NOT_OPEN',
  // locks and freezes
  'ALREADY_LOCKED',
  'CHANGE_RUNNING',
  'NOT_LOCKED',
  'CHANGE_LOCK',
  'NOT_LOCK_OWNER',
  'ALREADY_FROZEN',
  'NOT_FROZEN',
  // release gates
  'NOT_BREAK_GLASS',
  'RETRO_DONE',
  'NOT_SCHEDULED',
  'NOT_DUE',
] as const;
type RefusalCode = (typeof CODES)[number];

export interface AnswerContext {
  now: number;
  /** Who clicked or typed. */
  user?: string;
  /** The request as the script left it (or, for BUSY, the request that is in the way). */
  request?: ChangeRequest;
  /** The lock or freeze involved. */
  guard?: GuardInfo;
  environment?: string;
  /** Service alias. */
  service?: string;
  /** Approver principals of the environment (for "who can do it instead"). */
  approvers?: readonly string[];
  /** The language of the answer (the release-gate answers; the others are being moved into the catalog). */
  locale?: Locale;
}

function approversText(ctx: AnswerContext): string {
  const list = ctx.approvers?.filter((p) => p !== ctx.user) ?? [];
  return list.length ? list.map(principal).join(', ') : 'nobody else is configured as an approver';
}

function approvalsText(req: ChangeRequest): string {
  if (!req.approvals.length) return '';
  return ` by ${req.approvals.map((a) => mention(a.user)).join(', ')}`;
}

/** One sentence on where a request stands (for clicks on a request that moved on). */
export function stateSentence(req: ChangeRequest, now: number, locale: Locale = 'en'): string {
  switch (req.state) {
    case 'pending':
      return `This request is waiting for approval (${req.approvals.length}/${req.approvalsNeeded}).`;
    case 'approved':
      return req.approvalsNeeded === 0 || req.breakGlass
        ? 'This request needed no approval and is starting.'
        : `This request was already approved${approvalsText(req)} and is starting.`;
    case 'scheduled': {
      const t = gatesText.in(locale);
      const by = req.approvals.length ? t('approvedBy', { users: req.approvals.map((a) => mention(a.user)).join(', ') }) : '';
      return t('scheduledSentence', { by, at: slackDate(req.startAt ?? now) });
    }
    case 'running':
      return `This request is already running${req.approvals.length ? ` (approved${approvalsText(req)})` : ''}.`;
    case 'succeeded':
      return `This request already ran and succeeded${req.finishedAt ? ` (${formatDuration(now - req.finishedAt)} ago)` : ''}.`;
    case 'failed':
      return `This request already ended: it failed${req.decisionReason ? `: ${truncate(req.decisionReason, 500)}` : ''}.`;
    case 'rejected':
      return `This request was rejected by ${mention(req.decidedBy ?? '?')}${req.decisionReason ? `: “${oneLine(req.decisionReason)}”` : ''}.`;
    case 'expired':
      return `This request expired ${slackDate(req.expiresAt)} without enough approvals.`;
    case 'cancelled':
      return `This request was cancelled by ${mention(req.decidedBy ?? '?')}.`;
  }
}

function target(ctx: AnswerContext): string {
  const svc = ctx.service ?? ctx.request?.service;
  const env = ctx.environment ?? ctx.request?.environment;
  return svc ? `${code(svc)}${env ? ` in ${code(env)}` : ''}` : env ? code(env) : 'this service';
}

/** The user-facing sentence(s) for a refusal code (mrkdwn, user input escaped). */
export function answerFor(c: string, ctx: AnswerContext): string {
  const req = ctx.request;
  const g = ctx.guard;
  const svc = ctx.service ?? req?.service ?? '';
  const env = ctx.environment ?? req?.environment ?? '';
  switch (c as RefusalCode) {
    case 'NOT_FOUND':
      return 'I have no record of this request any more (it ended long ago, or the approvals store was reset), so nothing was changed. If the change is still needed, request it again.';
    case 'NOT_PENDING':
    case 'NOT_APPROVED':
    case 'NOT_RUNNING':
    case 'NOT_OPEN':
      return req
        ? `${stateSentence(req, ctx.now, ctx.locale)} Nothing was changed.`
        : 'This request is no longer open. Nothing was changed.';
    case 'NOT_STARTED':
      return req
        ? `${stateSentence(req, ctx.now, ctx.locale)} It never started, so there is nothing to record.`
        : 'This request never started.';
    case 'EXPIRED':
      return `This request expired${req ? ` ${slackDate(req.expiresAt)}` : ''} before enough approvals came in, so nothing was approved.${req ? ` ${mention(req.requester)} can request it again if it is still needed.` : ''}`;
    case 'SELF_APPROVAL':
      return `You asked for this change, so you cannot approve it yourself. Another approver has to: ${approversText(ctx)}.`;
    case 'SELF_REJECT':
      return 'You asked for this change: use *Cancel* to withdraw it instead of rejecting it.';
    case 'ALREADY_APPROVED': {
      const mine = req?.approvals.find((a) => a.user === ctx.user);
      return `You already approved this request${mine ? ` (${slackDate(mine.at, '{time}')})` : ''}. It needs ${req?.approvalsNeeded ?? '?'} approvals from different people; ${req?.approvals.length ?? '?'} so far.`;
    }
    case 'NOT_AUTHORIZED':
      return `You are not (or no longer) an approver in ${code(env)}, so nothing was recorded. Approvers: ${approversText(ctx)}. An admin can add you in chatops.yml (\`environments.${env}.approvers\`).`;
    case 'NOT_CANCELLER':
      return `Only ${mention(req?.requester ?? '?')}, who asked for this change, or an approver in ${code(env)} can cancel it before it starts. Approvers: ${approversText(ctx)}.`;
    case 'START_EXPIRED':
      return `This approval lapsed: the change was approved${req?.approvedAt ? ` ${slackDate(req.approvedAt)}` : ''} but had not started by ${req?.startBy ? slackDate(req.startBy) : 'its start deadline'}, and an approval is only valid that long. Nothing was changed; request it again if it is still needed.`;
    case 'NOT_REQUESTER':
      return `Only ${mention(req?.requester ?? '?')}, who asked for this change, can cancel it.${ctx.approvers ? ' Approvers can reject it instead.' : ''}`;
    case 'LOCKED':
      if (g?.kind === 'rollback')
        return gatesText.in(ctx.locale ?? 'en')('lockedAfterRollback', {
          target: target(ctx),
          since: `${slackDate(g.since)} (${formatDuration(ctx.now - g.since)} ago)`,
          reason: oneLine(g.reason ?? ''),
          service: svc,
        });
      return `${target(ctx)} is locked ${g ? guardText(g, ctx.now) : ''}. Nothing was changed. It can run after \`/ecs unlock ${svc}\`.`;
    case 'FROZEN':
      return `${code(env)} is frozen ${g ? guardText(g, ctx.now) : ''}. No change runs there until an approver runs \`/ecs unfreeze ${env}\`. Nothing was changed.`;
    case 'BUSY': {
      if (!req) return `Another change to ${target(ctx)} is open. Nothing was changed.`;
      const asked = `asked by ${mention(req.requester)} ${formatDuration(ctx.now - req.createdAt)} ago`;
      if (req.state === 'pending') {
        return `There is already a ${req.verb} request for ${code(req.service)} waiting for approval: ${requestLink(req)} (${asked}). Approve, reject or cancel it before asking again.`;
      }
      return `A ${req.verb} of ${code(req.service)} is ${req.state === 'running' ? 'running' : 'starting'} now: ${requestLink(req)} (${asked}). Wait until it finishes, then try again.`;
    }
    case 'ALREADY_RUNNING':
      return 'This request is already running.';
    case 'ALREADY_LOCKED':
      return g && g.by === ctx.user
        ? `You already locked ${target(ctx)} ${slackDate(g.since)} (${formatDuration(ctx.now - g.since)} ago). \`/ecs unlock ${svc}\` releases it.`
        : `${target(ctx)} is already locked ${g ? guardText(g, ctx.now) : ''}.`;
    case 'CHANGE_RUNNING':
      return `A change to ${target(ctx)} is running${g?.request ? ` (request ${code(g.request)})` : ''} and holds its lock. Lock it after the change finishes.`;
    case 'NOT_LOCKED':
      return `${target(ctx)} is not locked, so there is nothing to unlock.`;
    case 'CHANGE_LOCK':
      return `${target(ctx)} is held by a running change${g?.request ? ` (request ${code(g.request)})` : ''}, not by a manual lock. It is released when the change finishes.`;
    case 'NOT_LOCK_OWNER':
      return `${target(ctx)} is locked ${g ? guardText(g, ctx.now) : ''}. Only ${g ? mention(g.by) : 'the person who locked it'} or an approver can unlock it (approvers in ${code(env)}: ${approversText(ctx)}).`;
    case 'ALREADY_FROZEN':
      return `${code(env)} is already frozen ${g ? guardText(g, ctx.now) : ''}.`;
    case 'NOT_FROZEN':
      return `${code(env)} is not frozen, so there is nothing to unfreeze.`;
    case 'NOT_BREAK_GLASS':
      return gatesText.in(ctx.locale ?? 'en')('notBreakGlass');
    case 'RETRO_DONE':
      return gatesText.in(ctx.locale ?? 'en')('retroAlready');
    case 'NOT_SCHEDULED':
    case 'NOT_DUE':
      return req ? `${stateSentence(req, ctx.now, ctx.locale)} Nothing was changed.` : gatesText.in(ctx.locale ?? 'en')('notScheduled');
  }
  return `The approvals store answered ${code(c)}, which I do not know. Nothing was changed.`;
}

const ERROR_CODE: Record<RefusalCode, ErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  NOT_PENDING: 'CONFLICT',
  NOT_APPROVED: 'CONFLICT',
  NOT_RUNNING: 'CONFLICT',
  NOT_OPEN: 'CONFLICT',
  NOT_STARTED: 'CONFLICT',
  EXPIRED: 'CONFLICT',
  SELF_APPROVAL: 'REFUSED',
  SELF_REJECT: 'REFUSED',
  ALREADY_APPROVED: 'CONFLICT',
  NOT_AUTHORIZED: 'FORBIDDEN',
  NOT_REQUESTER: 'FORBIDDEN',
  NOT_CANCELLER: 'FORBIDDEN',
  START_EXPIRED: 'CONFLICT',
  LOCKED: 'REFUSED',
  FROZEN: 'REFUSED',
  BUSY: 'CONFLICT',
  ALREADY_RUNNING: 'CONFLICT',
  ALREADY_LOCKED: 'CONFLICT',
  CHANGE_RUNNING: 'CONFLICT',
  NOT_LOCKED: 'CONFLICT',
  CHANGE_LOCK: 'REFUSED',
  NOT_LOCK_OWNER: 'FORBIDDEN',
  ALREADY_FROZEN: 'CONFLICT',
  NOT_FROZEN: 'CONFLICT',
  NOT_BREAK_GLASS: 'CONFLICT',
  RETRO_DONE: 'CONFLICT',
  NOT_SCHEDULED: 'CONFLICT',
  NOT_DUE: 'CONFLICT',
};

/** The same answer as a BotError (for slash commands and the API's refusals). */
export function refusal(c: string, ctx: AnswerContext, hint?: string): BotError {
  const userMessage = answerFor(c, ctx);
  return new BotError(ERROR_CODE[c as RefusalCode] ?? 'INTERNAL', `approvals: ${c}${ctx.request ? ` (${ctx.request.id})` : ''}`, {
    userMessage,
    hint,
  });
}

/** A short title for a request: "Deploy request: web → prod". */
export function requestTitle(req: Pick<ChangeRequest, 'verb' | 'service' | 'environment'>): string {
  return `${verbTitle(req.verb)} request: ${req.service} → ${req.environment}`;
}

/** The emoji that opens an answer, by how the situation reads. */
export function iconFor(c: string): string {
  const kind = ERROR_CODE[c as RefusalCode];
  if (c === 'LOCKED') return ':lock:';
  if (c === 'FROZEN') return ':snowflake:';
  if (c === 'EXPIRED' || c === 'START_EXPIRED') return ':hourglass:';
  if (kind === 'FORBIDDEN') return ':no_entry:';
  if (kind === 'REFUSED') return ':no_entry_sign:';
  if (kind === 'CONFLICT') return ':information_source:';
  return ':warning:';
}
