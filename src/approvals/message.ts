/**
 * The request message and the reject modal: pure functions of the request and the time.
 * The message is posted once (a normal channel message, the thread parent of the executor's
 * status card) and re-rendered in place on every transition; buttons while pending (approve,
 * reject, cancel) and while approved but not started (cancel).
 */
import type { KnownBlock } from '@slack/types';
import { actions, context, header, section, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, escapeMrkdwn, LIMITS, mention, oneLine, plural, principal, truncate } from '../slack/text';
import { requestTitle } from './codes';
import type { ChangeRequest, RequestState } from './types';
import { formatDuration, type Locale } from '../i18n';
import { slackDate } from '../slack/time';
import { gatesText } from './gates-text';
import { approveConfirm } from './confirm';

/** Button action ids (registered under the prefix in ./actions.ts); the value is the request id. */
export const ACTION_PREFIX = 'approval:';
export const ACTION = {
  approve: 'approval:approve',
  reject: 'approval:reject',
  cancel: 'approval:cancel',
  /** Approve a break-glass request after the fact (release gates). */
  retro: 'approval:retro',
} as const;
/** callback_id of the reject modal; private_metadata carries the request id. */
export const REJECT_VIEW = 'approval:reject';
/** block_id / action_id of the reason input in the reject modal. */
export const REJECT_REASON = { block: 'reason', action: 'reason' } as const;
export const REJECT_REASON_MAX = 500;

const HEAD: Record<RequestState, { icon: string; suffix: string }> = {
  pending: { icon: ':raised_hand:', suffix: '' },
  approved: { icon: ':+1:', suffix: ' (approved)' },
  scheduled: { icon: ':calendar:', suffix: '' },
  running: { icon: ':arrows_counterclockwise:', suffix: ' (running)' },
  succeeded: { icon: ':white_check_mark:', suffix: ' (succeeded)' },
  failed: { icon: ':x:', suffix: ' (failed)' },
  rejected: { icon: ':no_entry:', suffix: ' (rejected)' },
  expired: { icon: ':hourglass:', suffix: ' (expired)' },
  cancelled: { icon: ':heavy_multiplication_x:', suffix: ' (cancelled)' },
};

interface MessageOptions {
  /** Approver principals of the environment, shown while approvals are missing. */
  approvers?: readonly string[];
  /** The workspace's language (the release-gate lines and the Approve button's confirmation dialog). */
  locale?: Locale;
  /** Break-glass: how often the thread asks for the approval after the fact, and until when (ms after creation). */
  retro?: { remindEvery: number; deadline: number };
}

function approvalsLine(req: ChangeRequest, opts: MessageOptions): string {
  if (req.approvalsNeeded === 0) return `*Approvals:* none needed in ${code(req.environment)}`;
  const given = req.approvals.map((a) => `${mention(a.user)} (${slackDate(a.at, '{time}')})`);
  const head = `*Approvals:* ${req.approvals.length} of ${req.approvalsNeeded}`;
  if (given.length) return `${head}: ${given.join(', ')}`;
  const who = opts.approvers?.length ? ` from ${opts.approvers.slice(0, 8).map(principal).join(', ')}` : '';
  return req.state === 'pending' ? `${head}, waiting for an approval${who}` : head;
}

function approvedBy(req: ChangeRequest): string {
  return req.approvals.length ? ` by ${req.approvals.map((a) => mention(a.user)).join(', ')}` : '';
}

/** The state line: what happened, by whom, why. */
export function stateLine(req: ChangeRequest, now: number, locale: Locale = 'en'): string {
  const why = req.decisionReason ? `: “${oneLine(req.decisionReason, 1000)}”` : '';
  const at = (ms: number | undefined) => (ms ? ` ${slackDate(ms)}` : '');
  switch (req.state) {
    case 'pending': {
      const missing = Math.max(1, req.approvalsNeeded - req.approvals.length);
      return `:hourglass_flowing_sand: *Waiting for ${plural(missing, 'more approval')}* from an approver other than the requester.`;
    }
    case 'approved':
      return req.approvalsNeeded === 0
        ? `:+1: *No approval needed* in ${code(req.environment)}: starting now. Progress is posted in the thread.`
        : `:+1: *Approved*${approvedBy(req)}: starting now. Progress is posted in the thread.`;
    case 'scheduled':
      return gatesText.in(locale)('stateScheduled', {
        at: slackDate(req.startAt ?? now),
        left: formatDuration(Math.max(0, (req.startAt ?? now) - now), locale),
      });
    case 'running':
      return `:arrows_counterclockwise: *Running* since${at(req.startedAt)}${req.approvalsNeeded ? ` (approved${approvedBy(req)})` : ''}. Progress is in the thread.`;
    // Outcome details are written by the bot (executor / abort) as mrkdwn with user input escaped.
    case 'succeeded':
      return `:white_check_mark: *Succeeded*${at(req.finishedAt)}${req.decisionReason ? `: ${truncate(req.decisionReason, 1500)}` : ''}`;
    case 'failed':
      return `:x: *Failed*${at(req.finishedAt)}${req.decisionReason ? `: ${truncate(req.decisionReason, 1500)}` : ''}`;
    case 'rejected':
      return `:no_entry: *Rejected* by ${mention(req.decidedBy ?? '?')}${at(req.finishedAt)}${why}`;
    case 'expired':
      return `:hourglass: *Expired*${at(req.finishedAt ?? req.expiresAt)}: not enough approvals within ${formatDuration(req.expiresAt - req.createdAt)}. Request it again if it is still needed.`;
    case 'cancelled':
      return `:heavy_multiplication_x: *Cancelled* by ${mention(req.decidedBy ?? '?')}${at(req.finishedAt)}${why}`;
  }
  return `State: ${code(String(req.state))} (as of ${formatDuration(now - req.updatedAt)} ago)`;
}

function expiryText(req: ChangeRequest, now: number): string {
  if (req.state === 'approved' && req.startBy) return ` · Must start by ${slackDate(req.startBy, '{time}')}, or it fails`;
  if (req.state !== 'pending') return '';
  const left = req.expiresAt - now;
  return left > 0 ? ` · Expires ${slackDate(req.expiresAt, '{time}')} (in ${formatDuration(left)})` : ' · Expiring now';
}

/** The release-gate lines of the card: each gate's note, break-glass and its approval after the fact. */
function gateBlocks(req: ChangeRequest, opts: MessageOptions): KnownBlock[] {
  const t = gatesText.in(opts.locale ?? 'en');
  const blocks: KnownBlock[] = [];
  if (req.gates?.length) blocks.push(section([t('gatesHeading'), ...req.gates.map((g) => `• ${g.text}`)].join('\n')));
  if (req.state === 'pending' && req.startAt) blocks.push(section(t('pendingStartsAt', { at: slackDate(req.startAt) })));
  if (req.breakGlass) {
    const lines = [t('breakGlassLine', { user: mention(req.requester), reason: oneLine(req.breakGlass, 500) })];
    if (req.retroApprovedAt) {
      lines.push(t('retroDone', { users: req.approvals.map((a) => mention(a.user)).join(', '), at: slackDate(req.retroApprovedAt) }));
    } else if (req.retroExpiredAt) {
      lines.push(t('retroExpired', { at: slackDate(req.retroExpiredAt) }));
    } else {
      const who = opts.approvers?.length ? t('retroFrom', { approvers: opts.approvers.slice(0, 8).map(principal).join(', ') }) : '';
      lines.push(
        t('retroWaiting', {
          given: req.approvals.length,
          needed: req.approvalsNeeded,
          who,
          every: formatDuration(opts.retro?.remindEvery ?? 3600_000, opts.locale ?? 'en'),
          until: slackDate(req.createdAt + (opts.retro?.deadline ?? 7 * 24 * 3600_000)),
        }),
      );
    }
    blocks.push(section(lines.join('\n')));
  }
  return blocks;
}

export function requestMessage(req: ChangeRequest, now: number, opts: MessageOptions = {}): SlackMessage {
  const head = HEAD[req.state] ?? HEAD.pending;
  const t = gatesText.in(opts.locale ?? 'en');
  const suffix = req.state === 'scheduled' ? t('headScheduled') : head.suffix;
  const blocks: KnownBlock[] = [header(`${head.icon} ${requestTitle(req)}${suffix}`)];
  blocks.push(section(req.summary.trim() || `${req.verb} ${code(req.service)} in ${code(req.environment)}`));
  if (req.details?.trim()) blocks.push(section(codeBlock(req.details, LIMITS.sectionText - 10)));
  const reason = req.reason?.trim() ? `“${oneLine(req.reason, 1000)}”` : '_no reason given_';
  blocks.push(
    section(`*Requested by* ${mention(req.requester)} ${slackDate(req.createdAt)}\n*Reason:* ${reason}\n${approvalsLine(req, opts)}`),
  );
  blocks.push(...gateBlocks(req, opts));
  blocks.push(section(stateLine(req, now, opts.locale)));
  blocks.push(context(`Request \`${escapeMrkdwn(req.id)}\`${expiryText(req, now)}`));
  if (req.state === 'scheduled') {
    blocks.push(actions(undefined, [{ text: t('cancelScheduled'), actionId: ACTION.cancel, value: req.id }]));
  }
  if (req.breakGlass && !req.retroApprovedAt && !req.retroExpiredAt) {
    blocks.push(actions(undefined, [{ text: t('retroButton'), actionId: ACTION.retro, value: req.id, style: 'primary' }]));
  }
  if (req.state === 'pending') {
    blocks.push(
      actions(undefined, [
        {
          text: 'Approve',
          actionId: ACTION.approve,
          value: req.id,
          style: 'primary',
          ...(req.approvalsNeeded > 0 ? { confirm: approveConfirm(req, opts.locale ?? 'en') } : {}),
        },
        { text: 'Reject', actionId: ACTION.reject, value: req.id, style: 'danger' },
        { text: 'Cancel', actionId: ACTION.cancel, value: req.id },
      ]),
    );
  } else if (req.state === 'approved') {
    // Approved but not started yet: the requester or an approver may still call it off.
    blocks.push(actions(undefined, [{ text: 'Cancel', actionId: ACTION.cancel, value: req.id }]));
  }
  const text = `${requestTitle(req)}: ${req.state}, requested by ${mention(req.requester)}`;
  return { text, blocks };
}

/** The reject modal (views.open with the click's trigger_id). */
export function rejectModal(req: ChangeRequest): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: REJECT_VIEW,
    private_metadata: req.id,
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      section(`*${escapeMrkdwn(requestTitle(req))}*\nRequested by ${mention(req.requester)}`),
      section(truncate(req.summary.trim() || ' ', 2000)),
      {
        type: 'input',
        block_id: REJECT_REASON.block,
        label: { type: 'plain_text', text: 'Why are you rejecting it?' },
        hint: { type: 'plain_text', text: 'Shown on the request message and kept in the audit trail.' },
        element: {
          type: 'plain_text_input',
          action_id: REJECT_REASON.action,
          multiline: true,
          min_length: 3,
          max_length: REJECT_REASON_MAX,
          placeholder: { type: 'plain_text', text: 'e.g. wait until the incident is over' },
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
