/**
 * The request message and the reject modal: pure functions of the request and the time.
 * The message is posted once (a normal channel message, in the workspace's language, the thread
 * parent of the executor's status card) and re-rendered in place on every transition. It says each
 * thing once: the change in one line, the checks one line each, who asked and why, the approvals,
 * where it stands. Everything else (full image reference, task definition diff) is behind its
 * Details button. Approve / Reject / Cancel while pending, Cancel while approved but not started.
 */
import type { KnownBlock } from '@slack/types';
import { actions, context, header, section, type ButtonSpec, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, escapeMrkdwn, LIMITS, mention, notificationText, oneLine, principal, truncate } from '../slack/text';
import { requestTitle } from './codes';
import type { ChangeRequest, RequestState } from './types';
import { endedUnstarted, unconfirmedEnd } from './model';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { slackDate } from '../slack/time';
import { requestDetails, requestView } from './view';
import { gatesText } from './gates-text';
import { approveConfirm } from './confirm';

/** Button action ids (registered under the prefix in ./actions.ts); the value is the request id. */
export const ACTION_PREFIX = 'approval:';
export const ACTION = {
  approve: 'approval:approve',
  reject: 'approval:reject',
  cancel: 'approval:cancel',
  details: 'approval:details',
  /** Approve a break-glass request after the fact (release gates). */
  retro: 'approval:retro',
} as const;
/** callback_id of the reject modal; private_metadata carries the request id. */
export const REJECT_VIEW = 'approval:reject';
/** block_id / action_id of the reason input in the reject modal. */
export const REJECT_REASON = { block: 'reason', action: 'reason' } as const;
export const REJECT_REASON_MAX = 500;

export const messageText = defineMessages('approvals.message', {
  approved: { en: ' (approved)', ko: ' (승인됨)' },
  running: { en: ' (running)', ko: ' (실행 중)' },
  succeeded: { en: ' (succeeded)', ko: ' (성공)' },
  failed: { en: ' (failed)', ko: ' (실패)' },
  unconfirmed: { en: ' (not confirmed)', ko: ' (결과 확인 안 됨)' },
  rejected: { en: ' (rejected)', ko: ' (거절됨)' },
  expired: { en: ' (expired)', ko: ' (만료됨)' },
  cancelled: { en: ' (cancelled)', ko: ' (취소됨)' },
  approvalsNone: { en: '*Approvals:* none needed in {env}', ko: '*승인:* {env} 환경은 승인이 필요 없음' },
  approvalsHead: { en: '*Approvals:* {given} of {needed}', ko: '*승인:* {needed}개 중 {given}개' },
  approvalsWaiting: { en: ', waiting for an approval{from}', ko: ', 승인 대기 중{from}' },
  approvalsFrom: { en: ' from {who}', ko: ' ({who})' },
  waiting: {
    en: ':hourglass_flowing_sand: *Waiting for {n} more {n|approval|approvals}* from an approver other than the requester.',
    ko: ':hourglass_flowing_sand: *승인 {n}개를 더 기다리는 중* — 요청자가 아닌 승인자가 승인해야 합니다.',
  },
  autoApproved: {
    en: ':+1: *No approval needed* in {env}: starting now. Progress is posted in the thread.',
    ko: ':+1: {env} 환경은 *승인이 필요 없어* 지금 시작합니다. 진행 상황은 스레드에 올라옵니다.',
  },
  approvedBy: { en: ' by {users}', ko: ' ({users})' },
  approvedNow: {
    en: ':+1: *Approved*{by}: starting now. Progress is posted in the thread.',
    ko: ':+1: *승인됨*{by}: 지금 시작합니다. 진행 상황은 스레드에 올라옵니다.',
  },
  runningSince: {
    en: ':arrows_counterclockwise: *Running* since{at}{approved}. Progress is in the thread.',
    ko: ':arrows_counterclockwise: *실행 중*{at}{approved}. 진행 상황은 스레드에 있습니다.',
  },
  approvedParen: { en: ' (approved by {users})', ko: ' ({users} 승인)' },
  approvedParenNoOne: { en: ' (approved)', ko: ' (승인됨)' },
  succeededLine: { en: ':white_check_mark: *Succeeded*{at}{detail}', ko: ':white_check_mark: *성공*{at}{detail}' },
  failedLine: { en: ':x: *Failed*{at}{detail}', ko: ':x: *실패*{at}{detail}' },
  unconfirmedLine: { en: ':grey_question: *Not confirmed*{at}{detail}', ko: ':grey_question: *결과 확인 안 됨*{at}{detail}' },
  rejectedLine: { en: ':no_entry: *Rejected* by {user}{at}{why}', ko: ':no_entry: {user} 님이 *거절*{at}{why}' },
  expiredLine: {
    en: ':hourglass: *Expired*{at}: not enough approvals within {ttl}. Request it again if it is still needed.',
    ko: ':hourglass: *만료됨*{at}: {ttl} 안에 승인을 충분히 받지 못했습니다. 아직 필요하면 다시 요청하세요.',
  },
  cancelledLine: {
    en: ':heavy_multiplication_x: *Cancelled* by {user}{at}{why}',
    ko: ':heavy_multiplication_x: {user} 님이 *취소*{at}{why}',
  },
  stateUnknown: { en: 'State: {state} (as of {duration} ago)', ko: '상태: {state} ({duration} 전 기준)' },
  expires: { en: ' · Expires {at} (in {duration})', ko: ' · {at} 만료 ({duration} 남음)' },
  mustStartBy: { en: ' · Must start by {at}, or it fails', ko: ' · {at}까지 시작하지 않으면 실패합니다' },
  expiringNow: { en: ' · Expiring now', ko: ' · 곧 만료' },
  noReason: { en: '_no reason given_', ko: '_사유 없음_' },
  requestedBy: { en: '*Requested by* {user} {at}', ko: '*요청자* {user} {at}' },
  reasonLine: { en: '*Reason:* {reason}', ko: '*사유:* {reason}' },
  requestId: { en: 'Request {id}{expiry}', ko: '요청 {id}{expiry}' },
  unconfigured: {
    en: ':warning: chatops.yml no longer names {service} in {env} (removed, renamed or moved since this request).',
    ko: ':warning: chatops.yml에 {env}의 {service} 서비스가 더 이상 없습니다(이 요청 이후 삭제·이름 변경·이동됨).',
  },
  approve: { en: 'Approve', ko: '승인' },
  reject: { en: 'Reject', ko: '거절' },
  cancel: { en: 'Cancel', ko: '취소' },
  details: { en: 'Details', ko: '상세' },
  fallback: { en: '{title}: {state}, requested by {user}', ko: '{title}: {state}, 요청자 {user}' },
  pending: { en: 'pending', ko: '승인 대기' },
  approvedState: { en: 'approved', ko: '승인됨' },
  runningState: { en: 'running', ko: '실행 중' },
  succeededState: { en: 'succeeded', ko: '성공' },
  failedState: { en: 'failed', ko: '실패' },
  unconfirmedState: { en: 'not confirmed', ko: '결과 확인 안 됨' },
  rejectedState: { en: 'rejected', ko: '거절됨' },
  expiredState: { en: 'expired', ko: '만료됨' },
  cancelledState: { en: 'cancelled', ko: '취소됨' },
  scheduledState: { en: 'scheduled', ko: '예약됨' },
  // The reject modal.
  modalTitle: { en: 'Reject request', ko: '요청 거절' },
  modalSubmit: { en: 'Reject', ko: '거절' },
  modalClose: { en: 'Back', ko: '돌아가기' },
  modalRequestedBy: { en: 'Requested by {user}', ko: '요청자 {user}' },
  modalLabel: { en: 'Why are you rejecting it?', ko: '거절 사유' },
  modalHint: { en: 'Shown on the request message and kept in the audit trail.', ko: '요청 메시지에 표시되고 감사 기록에 남습니다.' },
  modalPlaceholder: { en: 'e.g. wait until the incident is over', ko: '예: 장애가 끝날 때까지 기다려 주세요' },
  // Details without a view (requests of older versions).
  diffTitle: { en: '*Task definition changes*', ko: '*작업 정의 변경 사항*' },
  detailsOf: { en: 'Details of {title}', ko: '{title} 상세' },
});
const M = messageText;

const ICON: Record<RequestState, string> = {
  pending: ':raised_hand:',
  approved: ':+1:',
  scheduled: ':calendar:',
  running: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
  cancelled: ':heavy_multiplication_x:',
};

interface MessageOptions {
  /** Approver principals of the environment, shown while approvals are missing. */
  approvers?: readonly string[];
  /** The workspace's language (the release-gate lines and the Approve button's confirmation dialog). */
  locale?: Locale;
  /** Break-glass: how often the thread asks for the approval after the fact, and until when (ms after creation). */
  retro?: { remindEvery: number; deadline: number };
  /** chatops.yml no longer names the request's service in its environment (removed, renamed or moved since). */
  unconfigured?: boolean;
}

/** The state as a word: "pending", "running"… ("승인 대기", "실행 중"…). */
export function stateWord(state: RequestState, locale: Locale): string {
  const key = {
    pending: 'pending',
    approved: 'approvedState',
    running: 'runningState',
    succeeded: 'succeededState',
    failed: 'failedState',
    rejected: 'rejectedState',
    expired: 'expiredState',
    cancelled: 'cancelledState',
    scheduled: 'scheduledState',
  } as const;
  return M.in(locale)(key[state] ?? 'pending');
}

function approvalsLine(req: ChangeRequest, opts: MessageOptions, locale: Locale): string {
  const t = M.in(locale);
  if (req.approvalsNeeded === 0) return t('approvalsNone', { env: code(req.environment) });
  const given = req.approvals.map((a) => `${mention(a.user, locale)} (${slackDate(a.at, '{time}')})`);
  const head = t('approvalsHead', { given: req.approvals.length, needed: req.approvalsNeeded });
  if (given.length) return `${head}: ${given.join(', ')}`;
  const who = opts.approvers?.length
    ? t('approvalsFrom', {
        who: opts.approvers
          .slice(0, 8)
          .map((p) => principal(p, locale))
          .join(', '),
      })
    : '';
  return req.state === 'pending' ? head + t('approvalsWaiting', { from: who }) : head;
}

function approvedBy(req: ChangeRequest, locale: Locale): string {
  return req.approvals.length ? M.in(locale)('approvedBy', { users: req.approvals.map((a) => mention(a.user, locale)).join(', ') }) : '';
}

/** The state line: what happened, by whom, why. */
export function stateLine(req: ChangeRequest, now: number, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const why = req.decisionReason ? `: “${oneLine(req.decisionReason, 1000)}”` : '';
  const at = (ms: number | undefined) => (ms ? ` ${slackDate(ms)}` : '');
  switch (req.state) {
    case 'pending':
      return t('waiting', { n: Math.max(1, req.approvalsNeeded - req.approvals.length) });
    case 'approved':
      return req.approvalsNeeded === 0
        ? t('autoApproved', { env: code(req.environment) })
        : t('approvedNow', { by: approvedBy(req, locale) });
    case 'scheduled':
      return gatesText.in(locale)('stateScheduled', {
        at: slackDate(req.startAt ?? now),
        left: formatDuration(Math.max(0, (req.startAt ?? now) - now), locale),
      });
    case 'running':
      return t('runningSince', {
        at: at(req.startedAt),
        approved: !req.approvalsNeeded
          ? ''
          : req.approvals.length
            ? t('approvedParen', { users: req.approvals.map((a) => mention(a.user, locale)).join(', ') })
            : t('approvedParenNoOne'),
      });
    // Outcome details are written by the bot (executor / abort) as mrkdwn with user input escaped.
    case 'succeeded':
      return t('succeededLine', { at: at(req.finishedAt), detail: req.decisionReason ? `: ${truncate(req.decisionReason, 1500)}` : '' });
    case 'failed':
      return t(unconfirmedEnd(req) ? 'unconfirmedLine' : 'failedLine', {
        at: at(req.finishedAt),
        detail: req.decisionReason ? `: ${truncate(req.decisionReason, 1500)}` : '',
      });
    case 'rejected':
      return t('rejectedLine', { user: mention(req.decidedBy ?? '?', locale), at: at(req.finishedAt), why });
    case 'expired':
      return t('expiredLine', { at: at(req.finishedAt ?? req.expiresAt), ttl: formatDuration(req.expiresAt - req.createdAt, locale) });
    case 'cancelled':
      return t('cancelledLine', { user: mention(req.decidedBy ?? '?', locale), at: at(req.finishedAt), why });
  }
  return t('stateUnknown', { state: code(String(req.state)), duration: formatDuration(now - req.updatedAt, locale) });
}

function expiryText(req: ChangeRequest, now: number, locale: Locale): string {
  if (req.state === 'approved' && req.startBy) return M.in(locale)('mustStartBy', { at: slackDate(req.startBy, '{time}') });
  if (req.state !== 'pending') return '';
  const left = req.expiresAt - now;
  const t = M.in(locale);
  return left > 0 ? t('expires', { at: slackDate(req.expiresAt, '{time}'), duration: formatDuration(left, locale) }) : t('expiringNow');
}

/** The release-gate lines of the card: each gate's note, break-glass and its approval after the fact. */
function gateBlocks(req: ChangeRequest, opts: MessageOptions, locale: Locale): KnownBlock[] {
  const t = gatesText.in(locale);
  const blocks: KnownBlock[] = [];
  if (req.gates?.length) blocks.push(section([t('gatesHeading'), ...req.gates.map((g) => `• ${g.text}`)].join('\n')));
  if (req.state === 'pending' && req.startAt) blocks.push(section(t('pendingStartsAt', { at: slackDate(req.startAt) })));
  if (req.breakGlass && endedUnstarted(req) && !req.retroApprovedAt) {
    // It never ran: nothing to approve after the fact (the reminder tick stops asking and says so in the thread).
    blocks.push(section(t('breakGlassNotRun', { user: mention(req.requester, locale), reason: oneLine(req.breakGlass, 500) })));
  } else if (req.breakGlass) {
    const lines = [t('breakGlassLine', { user: mention(req.requester, locale), reason: oneLine(req.breakGlass, 500) })];
    if (req.retroApprovedAt) {
      lines.push(
        t('retroDone', { users: req.approvals.map((a) => mention(a.user, locale)).join(', '), at: slackDate(req.retroApprovedAt) }),
      );
    } else if (req.retroExpiredAt) {
      lines.push(t('retroExpired', { at: slackDate(req.retroExpiredAt) }));
    } else {
      const who = opts.approvers?.length
        ? t('retroFrom', {
            approvers: opts.approvers
              .slice(0, 8)
              .map((p) => principal(p, locale))
              .join(', '),
          })
        : '';
      lines.push(
        t('retroWaiting', {
          given: req.approvals.length,
          needed: req.approvalsNeeded,
          who,
          every: formatDuration(opts.retro?.remindEvery ?? 3600_000, locale),
          until: slackDate(req.createdAt + (opts.retro?.deadline ?? 7 * 24 * 3600_000)),
        }),
      );
    }
    blocks.push(section(lines.join('\n')));
  }
  return blocks;
}

/** The request message, in `opts.locale` (the channel's: the workspace's language). */
export function requestMessage(req: ChangeRequest, now: number, opts: MessageOptions = {}): SlackMessage {
  const locale = opts.locale ?? 'en';
  const t = M.in(locale);
  const g = gatesText.in(locale);
  const unconfirmed = unconfirmedEnd(req);
  const suffix =
    req.state === 'scheduled'
      ? g('headScheduled')
      : req.state === 'pending' || !(req.state in ICON)
        ? ''
        : t(unconfirmed ? 'unconfirmed' : (req.state as Exclude<RequestState, 'pending' | 'scheduled'>));
  const title = requestTitle(req, locale);
  const blocks: KnownBlock[] = [header(`${unconfirmed ? ':grey_question:' : (ICON[req.state] ?? ICON.pending)} ${title}${suffix}`)];
  const view = requestView(req, locale);
  if (view) {
    blocks.push(section(view.change));
    if (view.checks.length) blocks.push(section(view.checks.join('\n')));
  } else {
    // A request of an older version: its summary as it was written.
    blocks.push(section(req.summary.trim() || `${req.verb} ${code(req.service)} / ${code(req.environment)}`));
  }
  const reason = req.reason?.trim() ? `“${oneLine(req.reason, 1000)}”` : t('noReason');
  blocks.push(
    section(
      [
        t('requestedBy', { user: mention(req.requester, locale), at: slackDate(req.createdAt) }),
        t('reasonLine', { reason }),
        approvalsLine(req, opts, locale),
      ].join('\n'),
    ),
  );
  blocks.push(...gateBlocks(req, opts, locale));
  blocks.push(section(stateLine(req, now, locale)));
  if (opts.unconfigured) blocks.push(context(t('unconfigured', { service: code(req.service), env: code(req.environment) })));
  blocks.push(context(t('requestId', { id: `\`${escapeMrkdwn(req.id)}\``, expiry: expiryText(req, now, locale) })));
  const buttons: ButtonSpec[] = [];
  if (req.state === 'scheduled') buttons.push({ text: g('cancelScheduled'), actionId: ACTION.cancel, value: req.id });
  if (req.breakGlass && !req.retroApprovedAt && !req.retroExpiredAt && !endedUnstarted(req)) {
    buttons.push({ text: g('retroButton'), actionId: ACTION.retro, value: req.id, style: 'primary' });
  }
  if (req.state === 'pending') {
    buttons.push(
      {
        text: t('approve'),
        actionId: ACTION.approve,
        value: req.id,
        style: 'primary',
        ...(req.approvalsNeeded > 0 ? { confirm: approveConfirm(req, locale) } : {}),
      },
      { text: t('reject'), actionId: ACTION.reject, value: req.id, style: 'danger' },
      { text: t('cancel'), actionId: ACTION.cancel, value: req.id },
    );
  } else if (req.state === 'approved') {
    // Approved but not started yet: the requester or an approver may still call it off.
    buttons.push({ text: t('cancel'), actionId: ACTION.cancel, value: req.id });
  }
  buttons.push({ text: t('details'), actionId: ACTION.details, value: req.id });
  blocks.push(actions(undefined, buttons));
  const text = t('fallback', {
    title,
    state: unconfirmed ? t('unconfirmedState') : stateWord(req.state, locale),
    user: mention(req.requester, locale),
  });
  return { text: notificationText(text), blocks, locale };
}

/** The full plan of a request for one reader (the Details button): every fact, the checks and the diff. */
export function detailsMessage(req: ChangeRequest, now: number, locale: Locale): SlackMessage {
  const fromView = requestDetails(req, locale, now);
  if (fromView) return fromView;
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(req.summary.trim() || code(req.id))];
  if (req.details?.trim()) blocks.push(section(`${t('diffTitle')}\n${codeBlock(req.details, LIMITS.sectionText - 40, locale)}`));
  return { text: t('detailsOf', { title: requestTitle(req, locale) }), blocks, locale };
}

/** The reject modal (views.open with the click's trigger_id), in the clicker's language. */
export function rejectModal(req: ChangeRequest, locale: Locale = 'en'): Record<string, unknown> {
  const t = M.in(locale);
  const view = requestView(req, locale);
  return {
    type: 'modal',
    callback_id: REJECT_VIEW,
    private_metadata: req.id,
    title: { type: 'plain_text', text: t('modalTitle') },
    submit: { type: 'plain_text', text: t('modalSubmit') },
    close: { type: 'plain_text', text: t('modalClose') },
    blocks: [
      section(`*${escapeMrkdwn(requestTitle(req, locale))}*\n${t('modalRequestedBy', { user: mention(req.requester, locale) })}`),
      section(truncate((view?.change ?? req.summary).trim() || ' ', 2000)),
      {
        type: 'input',
        block_id: REJECT_REASON.block,
        label: { type: 'plain_text', text: t('modalLabel') },
        hint: { type: 'plain_text', text: t('modalHint') },
        element: {
          type: 'plain_text_input',
          action_id: REJECT_REASON.action,
          multiline: true,
          min_length: 3,
          max_length: REJECT_REASON_MAX,
          placeholder: { type: 'plain_text', text: t('modalPlaceholder') },
        },
      },
    ],
  };
}

/**
 * A request message whose request is no longer on record (the click found nothing): the same
 * blocks without buttons, plus a note. Used to clear stale buttons.
 */
export function withoutButtons(blocks: readonly KnownBlock[], note: string, fallback: string): SlackMessage {
  return { text: fallback, blocks: [...blocks.filter((b) => b.type !== 'actions'), context(note)] };
}
