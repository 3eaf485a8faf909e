/**
 * Script result codes → what a person reads. The one place these answers are written: the
 * buttons, the slash commands, the executor's startExecution and the refusals of submitRequest
 * all come through here, so the same situation always reads the same.
 */
import { code, mention, oneLine, principal, truncate } from '../slack/text';
import { BotError, type ErrorCode } from '../errors';
import { guardText, requestLink, requestVerbTitle } from './format';
import type { GuardInfo } from './guards';
import type { ChangeRequest } from './types';
import { unconfirmedEnd } from './model';
import { formatDuration } from '../i18n';
import { defineMessages, type Localized, type Text } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
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
  'RETRO_NOT_RUN',
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

export const codesText = defineMessages('approvals.codes', {
  nobodyElse: { en: 'nobody else is configured as an approver', ko: '다른 승인자가 설정되어 있지 않습니다' },
  by: { en: ' by {users}', ko: ' (승인: {users})' },
  // Where a request stands.
  statePending: {
    en: 'This request is waiting for approval ({given}/{needed}).',
    ko: '이 요청은 승인을 기다리고 있습니다 ({given}/{needed}).',
  },
  stateAutoApproved: { en: 'This request needed no approval and is starting.', ko: '이 요청은 승인이 필요 없어 시작하는 중입니다.' },
  stateApproved: { en: 'This request was already approved{by} and is starting.', ko: '이 요청은 이미 승인되었고{by} 시작하는 중입니다.' },
  stateRunning: { en: 'This request is already running{approved}.', ko: '이 요청은 이미 실행 중입니다{approved}.' },
  approvedParen: { en: ' (approved{by})', ko: '{by}' },
  stateSucceeded: { en: 'This request already ran and succeeded{ago}.', ko: '이 요청은 이미 실행되어 성공했습니다{ago}.' },
  agoParen: { en: ' ({duration} ago)', ko: ' ({duration} 전)' },
  stateFailed: { en: 'This request already ended: it failed{why}.', ko: '이 요청은 이미 끝났습니다. 실패했습니다{why}.' },
  stateUnconfirmed: { en: 'This request already ended: not confirmed{why}.', ko: '이 요청은 이미 끝났습니다. 결과 확인 안 됨{why}.' },
  stateRejected: { en: 'This request was rejected by {user}{why}.', ko: '이 요청은 {user} 님이 거절했습니다{why}.' },
  stateExpired: {
    en: 'This request expired {at} without enough approvals.',
    ko: '이 요청은 승인을 충분히 받지 못해 {at}에 만료되었습니다.',
  },
  stateCancelled: { en: 'This request was cancelled by {user}.', ko: '이 요청은 {user} 님이 취소했습니다.' },
  thisService: { en: 'this service', ko: '이' },
  serviceIn: { en: '{service} in {env}', ko: '{env}의 {service}' },
  // The answers.
  notFound: {
    en: 'I have no record of this request any more (it ended long ago, or the approvals store was reset), so nothing was changed. If the change is still needed, request it again.',
    ko: '이 요청의 기록이 더는 없습니다 (오래전에 끝났거나 승인 저장소가 초기화되었습니다). 바뀐 것은 없습니다. 아직 필요한 변경이면 다시 요청해 주세요.',
  },
  nothingChanged: { en: '{state} Nothing was changed.', ko: '{state} 바뀐 것은 없습니다.' },
  noLongerOpen: {
    en: 'This request is no longer open. Nothing was changed.',
    ko: '이 요청은 더 이상 열려 있지 않습니다. 바뀐 것은 없습니다.',
  },
  neverStarted: { en: '{state} It never started, so there is nothing to record.', ko: '{state} 시작된 적이 없어 기록할 것이 없습니다.' },
  neverStartedBare: { en: 'This request never started.', ko: '이 요청은 시작된 적이 없습니다.' },
  expired: {
    en: 'This request expired{at} before enough approvals came in, so nothing was approved.{again}',
    ko: '이 요청은 승인을 충분히 받기 전에{at} 만료되어 승인된 것이 없습니다.{again}',
  },
  expiredAgain: { en: ' {user} can request it again if it is still needed.', ko: ' 아직 필요하면 {user} 님이 다시 요청할 수 있습니다.' },
  selfApproval: {
    en: 'You asked for this change, so you cannot approve it yourself. Another approver has to: {approvers}.',
    ko: '직접 요청한 변경은 스스로 승인할 수 없습니다. 다른 승인자가 승인해야 합니다: {approvers}.',
  },
  selfReject: {
    en: 'You asked for this change: use *Cancel* to withdraw it instead of rejecting it.',
    ko: '직접 요청한 변경입니다. 거절 대신 *취소*로 철회하세요.',
  },
  alreadyApproved: {
    en: 'You already approved this request{at}. It needs {needed} approvals from different people; {given} so far.',
    ko: '이미 이 요청을 승인했습니다{at}. 서로 다른 사람의 승인 {needed}개가 필요하며, 지금까지 {given}개입니다.',
  },
  notAuthorized: {
    en: 'You are not (or no longer) an approver in {env}, so nothing was recorded. Approvers: {approvers}. An admin can add you in chatops.yml (`environments.{envName}.approvers`).',
    ko: '{env}의 승인자가 아니므로(또는 더 이상 아니므로) 아무것도 기록하지 않았습니다. 승인자: {approvers}. 관리자가 chatops.yml(`environments.{envName}.approvers`)에 추가할 수 있습니다.',
  },
  notRequester: {
    en: 'Only {user}, who asked for this change, can cancel it.{reject}',
    ko: '이 변경을 요청한 {user} 님만 취소할 수 있습니다.{reject}',
  },
  approversReject: { en: ' Approvers can reject it instead.', ko: ' 승인자는 대신 거절할 수 있습니다.' },
  locked: {
    en: '{target} is locked {guard}. Nothing was changed. It can run after `/ecs unlock {service}`.',
    ko: '{target} 서비스가 잠겨 있습니다 — {guard}. 바뀐 것은 없습니다. `/ecs unlock {service}` 후에 실행할 수 있습니다.',
  },
  frozen: {
    en: '{env} is frozen {guard}. No change runs there until an approver runs `/ecs unfreeze {envName}`. Nothing was changed.',
    ko: '{env} 환경이 동결되어 있습니다 — {guard}. 승인자가 `/ecs unfreeze {envName}` 명령을 실행할 때까지 어떤 변경도 실행되지 않습니다. 바뀐 것은 없습니다.',
  },
  notCanceller: {
    en: 'Only {user}, who asked for this change, or an approver in {env} can cancel it before it starts. Approvers: {approvers}.',
    ko: '시작 전에 이 변경을 취소할 수 있는 사람은 요청한 {user} 님이나 {env} 환경의 승인자뿐입니다. 승인자: {approvers}.',
  },
  startExpired: {
    en: 'This approval lapsed: the change was approved{approvedAt} but had not started by {startBy}, and an approval is only valid that long. Nothing was changed; request it again if it is still needed.',
    ko: '승인 유효 기간이 지났습니다: 변경이{approvedAt} 승인되었지만 {startBy}까지 시작하지 않았고, 승인은 그때까지만 유효합니다. 바뀐 것은 없습니다. 아직 필요하면 다시 요청하세요.',
  },
  itsStartDeadline: { en: 'its start deadline', ko: '시작 기한' },
  busyOpen: {
    en: 'Another change to {target} is open. Nothing was changed.',
    ko: '{target} 서비스에 대한 다른 변경이 진행 중입니다. 바뀐 것은 없습니다.',
  },
  asked: { en: 'asked by {user} {duration} ago', ko: '{user} 님이 {duration} 전에 요청' },
  busyPending: {
    en: 'There is already a {verb} request for {service} waiting for approval: {link} ({asked}). Approve, reject or cancel it before asking again.',
    ko: '{service}에 대한 {verb} 요청이 이미 승인을 기다리고 있습니다: {link} ({asked}). 다시 요청하기 전에 그 요청을 승인, 거절 또는 취소하세요.',
  },
  busyRunning: {
    en: 'A {verb} of {service} is running now: {link} ({asked}). Wait until it finishes, then try again.',
    ko: '{service} {verb} 작업이 지금 실행 중입니다: {link} ({asked}). 끝난 뒤에 다시 시도하세요.',
  },
  busyStarting: {
    en: 'A {verb} of {service} is starting now: {link} ({asked}). Wait until it finishes, then try again.',
    ko: '{service} {verb} 작업이 지금 시작하는 중입니다: {link} ({asked}). 끝난 뒤에 다시 시도하세요.',
  },
  busyScheduled: {
    en: 'A {verb} of {service} is scheduled to start {at}: {link} ({asked}). Cancel it, or wait until it finishes, then try again.',
    ko: '{service} {verb} 작업이 {at}에 시작하도록 예약되어 있습니다: {link} ({asked}). 그 요청을 취소하거나 끝날 때까지 기다린 뒤 다시 시도하세요.',
  },
  alreadyRunning: { en: 'This request is already running.', ko: '이 요청은 이미 실행 중입니다.' },
  alreadyLockedByYou: {
    en: 'You already locked {target} {at} ({duration} ago). `/ecs unlock {service}` releases it.',
    ko: '{target} 서비스는 이미 직접 잠갔습니다 ({at}, {duration} 전). `/ecs unlock {service}` 명령으로 풀 수 있습니다.',
  },
  alreadyLocked: { en: '{target} is already locked {guard}.', ko: '{target} 서비스는 이미 잠겨 있습니다 — {guard}.' },
  changeRunning: {
    en: 'A change to {target} is running{request} and holds its lock. Lock it after the change finishes.',
    ko: '{target} 서비스에 대한 변경이 실행 중이며{request} 잠금을 잡고 있습니다. 변경이 끝난 뒤에 잠그세요.',
  },
  requestParen: { en: ' (request {id})', ko: ' (요청 {id})' },
  notLocked: { en: '{target} is not locked, so there is nothing to unlock.', ko: '{target} 서비스는 잠겨 있지 않아 풀 것이 없습니다.' },
  changeLock: {
    en: '{target} is held by a running change{request}, not by a manual lock. It is released when the change finishes.',
    ko: '{target} 서비스는 수동 잠금이 아니라 실행 중인 변경이 잡고 있습니다{request}. 변경이 끝나면 풀립니다.',
  },
  notLockOwner: {
    en: '{target} is locked {guard}. Only {owner} or an approver can unlock it (approvers in {env}: {approvers}).',
    ko: '{target} 서비스가 잠겨 있습니다 — {guard}. {owner} 또는 승인자만 풀 수 있습니다 ({env} 승인자: {approvers}).',
  },
  theLocker: { en: 'the person who locked it', ko: '잠근 사람' },
  alreadyFrozen: { en: '{env} is already frozen {guard}.', ko: '{env} 환경은 이미 동결되어 있습니다 — {guard}.' },
  notFrozen: { en: '{env} is not frozen, so there is nothing to unfreeze.', ko: '{env} 환경은 동결되어 있지 않아 해제할 것이 없습니다.' },
  unknownCode: {
    en: 'The approvals store answered {code}, which I do not know. Nothing was changed.',
    ko: '승인 저장소가 알 수 없는 응답을 보냈습니다: {code}. 바뀐 것은 없습니다.',
  },
  requestTitle: { en: '{verb} request: {service} → {env}', ko: '{verb} 요청: {service} → {env}' },
  runTitle: { en: 'Run {task}', ko: '{task} 실행' },
});

function approversText(ctx: AnswerContext, locale: Locale): string {
  const list = ctx.approvers?.filter((p) => p !== ctx.user) ?? [];
  return list.length ? list.map((p) => principal(p, locale)).join(', ') : codesText.in(locale)('nobodyElse');
}

function approvalsText(req: ChangeRequest, locale: Locale): string {
  if (!req.approvals.length) return '';
  return codesText.in(locale)('by', { users: req.approvals.map((a) => mention(a.user, locale)).join(', ') });
}

/** One sentence on where a request stands (for clicks on a request that moved on). */
export function stateSentence(req: ChangeRequest, now: number, locale: Locale = 'en'): string {
  const t = codesText.in(locale);
  switch (req.state) {
    case 'pending':
      return t('statePending', { given: req.approvals.length, needed: req.approvalsNeeded });
    case 'approved':
      return req.approvalsNeeded === 0 || req.breakGlass ? t('stateAutoApproved') : t('stateApproved', { by: approvalsText(req, locale) });
    case 'scheduled': {
      const g = gatesText.in(locale);
      const by = req.approvals.length ? g('approvedBy', { users: req.approvals.map((a) => mention(a.user, locale)).join(', ') }) : '';
      return g('scheduledSentence', { by, at: slackDate(req.startAt ?? now) });
    }
    case 'running':
      return t('stateRunning', { approved: req.approvals.length ? t('approvedParen', { by: approvalsText(req, locale) }) : '' });
    case 'succeeded':
      return t('stateSucceeded', { ago: req.finishedAt ? t('agoParen', { duration: formatDuration(now - req.finishedAt, locale) }) : '' });
    case 'failed':
      return t(unconfirmedEnd(req) ? 'stateUnconfirmed' : 'stateFailed', {
        why: req.decisionReason ? `: ${truncate(req.decisionReason, 500)}` : '',
      });
    case 'rejected':
      return t('stateRejected', {
        user: mention(req.decidedBy ?? '?', locale),
        why: req.decisionReason ? `: “${oneLine(req.decisionReason)}”` : '',
      });
    case 'expired':
      return t('stateExpired', { at: slackDate(req.expiresAt) });
    case 'cancelled':
      return t('stateCancelled', { user: mention(req.decidedBy ?? '?', locale) });
  }
}

function target(ctx: AnswerContext, locale: Locale): string {
  const svc = ctx.service ?? ctx.request?.service;
  const env = ctx.environment ?? ctx.request?.environment;
  const t = codesText.in(locale);
  return svc ? (env ? t('serviceIn', { service: code(svc), env: code(env) }) : code(svc)) : env ? code(env) : t('thisService');
}

/** The user-facing sentence(s) for a refusal code (mrkdwn, user input escaped), in `locale`. */
export function answerFor(c: string, ctx: AnswerContext, locale: Locale = ctx.locale ?? 'en'): string {
  const t = codesText.in(locale);
  const req = ctx.request;
  const g = ctx.guard;
  const svc = ctx.service ?? req?.service ?? '';
  const env = ctx.environment ?? req?.environment ?? '';
  const guard = g ? guardText(g, ctx.now, locale) : '';
  switch (c as RefusalCode) {
    case 'NOT_FOUND':
      return t('notFound');
    case 'NOT_PENDING':
    case 'NOT_APPROVED':
    case 'NOT_RUNNING':
    case 'NOT_OPEN':
      return req ? t('nothingChanged', { state: stateSentence(req, ctx.now, locale) }) : t('noLongerOpen');
    case 'NOT_STARTED':
      return req ? t('neverStarted', { state: stateSentence(req, ctx.now, locale) }) : t('neverStartedBare');
    case 'EXPIRED':
      return t('expired', {
        at: req ? ` ${slackDate(req.expiresAt)}` : '',
        again: req ? t('expiredAgain', { user: mention(req.requester, locale) }) : '',
      });
    case 'SELF_APPROVAL':
      return t('selfApproval', { approvers: approversText(ctx, locale) });
    case 'SELF_REJECT':
      return t('selfReject');
    case 'ALREADY_APPROVED': {
      const mine = req?.approvals.find((a) => a.user === ctx.user);
      return t('alreadyApproved', {
        at: mine ? ` (${slackDate(mine.at, '{time}')})` : '',
        needed: req?.approvalsNeeded ?? '?',
        given: req?.approvals.length ?? '?',
      });
    }
    case 'NOT_AUTHORIZED':
      return t('notAuthorized', { env: code(env), envName: env, approvers: approversText(ctx, locale) });
    case 'NOT_CANCELLER':
      return t('notCanceller', { user: mention(req?.requester ?? '?', locale), env: code(env), approvers: approversText(ctx, locale) });
    case 'START_EXPIRED':
      return t('startExpired', {
        approvedAt: req?.approvedAt ? ` ${slackDate(req.approvedAt)}` : '',
        startBy: req?.startBy ? slackDate(req.startBy) : t('itsStartDeadline'),
      });
    case 'NOT_REQUESTER':
      return t('notRequester', { user: mention(req?.requester ?? '?', locale), reject: ctx.approvers ? t('approversReject') : '' });
    case 'LOCKED':
      if (g?.kind === 'rollback')
        return gatesText.in(locale)('lockedAfterRollback', {
          target: target(ctx, locale),
          since: `${slackDate(g.since)}${t('agoParen', { duration: formatDuration(ctx.now - g.since, locale) })}`,
          reason: oneLine(g.reason ?? ''),
          service: svc,
        });
      return t('locked', { target: target(ctx, locale), guard, service: svc });
    case 'FROZEN':
      return t('frozen', { env: code(env), envName: env, guard });
    case 'BUSY': {
      if (!req) return t('busyOpen', { target: target(ctx, locale) });
      const asked = t('asked', { user: mention(req.requester, locale), duration: formatDuration(ctx.now - req.createdAt, locale) });
      const params = {
        verb: requestVerbTitle(req, locale).toLowerCase(),
        service: code(req.service),
        link: requestLink(req, undefined, locale),
        asked,
      };
      if (req.state === 'pending') return t('busyPending', params);
      // Approved ahead of its start time (`--at`): not starting yet.
      if (req.state === 'scheduled') return t('busyScheduled', { ...params, at: slackDate(req.startAt ?? ctx.now) });
      return t(req.state === 'running' ? 'busyRunning' : 'busyStarting', params);
    }
    case 'ALREADY_RUNNING':
      return t('alreadyRunning');
    case 'ALREADY_LOCKED':
      return g && g.by === ctx.user
        ? t('alreadyLockedByYou', {
            target: target(ctx, locale),
            at: slackDate(g.since),
            duration: formatDuration(ctx.now - g.since, locale),
            service: svc,
          })
        : t('alreadyLocked', { target: target(ctx, locale), guard });
    case 'CHANGE_RUNNING':
      return t('changeRunning', { target: target(ctx, locale), request: g?.request ? t('requestParen', { id: code(g.request) }) : '' });
    case 'NOT_LOCKED':
      return t('notLocked', { target: target(ctx, locale) });
    case 'CHANGE_LOCK':
      return t('changeLock', { target: target(ctx, locale), request: g?.request ? t('requestParen', { id: code(g.request) }) : '' });
    case 'NOT_LOCK_OWNER':
      return t('notLockOwner', {
        target: target(ctx, locale),
        guard,
        owner: g ? mention(g.by, locale) : t('theLocker'),
        env: code(env),
        approvers: approversText(ctx, locale),
      });
    case 'ALREADY_FROZEN':
      return t('alreadyFrozen', { env: code(env), guard });
    case 'NOT_FROZEN':
      return t('notFrozen', { env: code(env) });
    case 'NOT_BREAK_GLASS':
      return gatesText.in(locale)('notBreakGlass');
    case 'RETRO_DONE':
      return gatesText.in(locale)('retroAlready');
    case 'RETRO_NOT_RUN':
      return gatesText.in(locale)('retroNotRun');
    case 'NOT_SCHEDULED':
    case 'NOT_DUE':
      return req ? t('nothingChanged', { state: stateSentence(req, ctx.now, locale) }) : gatesText.in(locale)('notScheduled');
  }
  return t('unknownCode', { code: code(c) });
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
  RETRO_NOT_RUN: 'CONFLICT',
  NOT_SCHEDULED: 'CONFLICT',
  NOT_DUE: 'CONFLICT',
};

/** The same answer as a BotError (for slash commands and the API's refusals), written in the reader's language. */
export function refusal(c: string, ctx: AnswerContext, hint?: Text): BotError {
  return new BotError(ERROR_CODE[c as RefusalCode] ?? 'INTERNAL', `approvals: ${c}${ctx.request ? ` (${ctx.request.id})` : ''}`, {
    userMessage: (locale) => answerFor(c, ctx, locale),
    hint,
  });
}

/** The answer for a code as a Localized (a click's answer, written for the clicker). */
export function answerText(c: string, ctx: AnswerContext): Localized {
  return (locale) => answerFor(c, ctx, locale);
}

/** A short title for a request: "Deploy request: web → prod". */
export function requestTitle(req: Pick<ChangeRequest, 'verb' | 'plan' | 'service' | 'environment'>, locale: Locale = 'en'): string {
  // A one-off task's request names the task: "Run migrate request: web → prod".
  const task = req.verb === 'run' ? (req.plan as { task?: unknown } | undefined)?.task : undefined;
  const verb = typeof task === 'string' ? codesText.in(locale)('runTitle', { task }) : requestVerbTitle(req, locale);
  return codesText.in(locale)('requestTitle', { verb, service: req.service, env: req.environment });
}

/** The emoji that opens an answer, by how the situation reads. */
export function iconFor(c: string): string {
  const kind = ERROR_CODE[c as RefusalCode];
  if (c === 'LOCKED') return ':lock:';
  if (c === 'FROZEN') return ':snowflake:';
  if (c === 'WINDOW_CLOSED') return ':clock5:';
  if (c === 'EXPIRED' || c === 'START_EXPIRED') return ':hourglass:';
  if (kind === 'FORBIDDEN') return ':no_entry:';
  if (kind === 'REFUSED') return ':no_entry_sign:';
  if (kind === 'CONFLICT') return ':information_source:';
  return ':warning:';
}
