/**
 * The request message's buttons and the reject modal. Slack-facing: Redis and Slack only, and
 * everything the clicker needs to know comes back as an ephemeral answer in their language. The
 * Lua scripts decide (state, expiry, self-approval, double approval, role at click time); this
 * module only asks and relays.
 */
import type { KnownBlock } from '@slack/types';
import type { ActionContext } from '../hooks/actions';
import type { ViewDef } from '../hooks/actions';
import { defineMessages } from '../i18n/catalog';
import { section, type SlackMessage } from '../slack/blocks';
import type { Runtime } from '../runtime';
import { iconFor } from './codes';
import { ACTION, detailsMessage, rejectModal, REJECT_REASON, REJECT_REASON_MAX, REJECT_VIEW, withoutButtons } from './message';
import { approveRequest, cancelRequest, checkCanReject, rejectRequest, type ClickResult } from './clicks';
import { retroApproveRequest } from './gates';
import { getRequest } from './workflow';
import { clickPlace } from './click-place';
import { requestLink } from './format';
import type { ChangeRequest } from './types';
import { code, notificationText, plainText } from '../slack/text';
import { storeOp } from '../redis/client';
import { keys } from '../redis/keys';
import { RESERVE, respondWithin } from '../slack/click-budget';
import { unlessMayHaveLanded } from '../slack/failures';
import { viewCallWithin } from '../slack/view-calls';

const M = defineMessages('approvals.actions', {
  noLongerOnRecord: {
    en: ':grey_question: This request is no longer on record; nothing can be approved here.',
    ko: ':grey_question: 이 요청의 기록이 더 이상 없어 여기서는 아무것도 승인할 수 없습니다.',
  },
  noLongerOnRecordText: { en: 'Request no longer on record', ko: '기록이 없는 요청' },
  noTrigger: {
    en: ':warning: Slack did not send what I need to open the reject form. Click *Reject* again.',
    ko: ':warning: Slack이 거절 양식을 여는 데 필요한 정보를 보내지 않았습니다. *거절*을 다시 눌러 주세요.',
  },
  rejectFormExpired: {
    en: ':hourglass: The reject form could not open in time (Slack allows 3 seconds for that). Click *Reject* again.',
    ko: ':hourglass: 거절 양식을 제때 열지 못했습니다(Slack은 3초를 허용합니다). *거절*을 다시 눌러 주세요.',
  },
  rejectFormNotConfirmed: {
    en: ':hourglass: Slack did not confirm in time that the reject form opened. If it does not appear, click *Reject* again.',
    ko: ':hourglass: Slack이 거절 양식을 열었는지 제때 확인해 주지 않았습니다. 양식이 나타나지 않으면 *거절*을 다시 눌러 주세요.',
  },
  rejectFormRefused: {
    en: ':warning: Slack refused to open the reject form ({code}). Click *Reject* again in a moment.',
    ko: ':warning: Slack이 거절 양식 열기를 거부했습니다({code}). 잠시 후 *거절*을 다시 눌러 주세요.',
  },
  staleButton: {
    en: ':grey_question: This button is no longer valid (it belongs to an older message). Run the command again.',
    ko: ':grey_question: 더 이상 쓸 수 없는 버튼입니다 (예전 메시지의 버튼입니다). 명령을 다시 실행하세요.',
  },
  reasonTooShort: {
    en: 'Say why you reject it (at least 3 characters): the requester sees it.',
    ko: '거절 사유를 3자 이상 써 주세요. 요청자가 보게 됩니다.',
  },
  otherChannel: {
    en: ':no_entry: This button belongs to a request in another channel ({channel}), so I did nothing.',
    ko: ':no_entry: 다른 채널({channel})의 요청에 속한 버튼이라 아무것도 하지 않았습니다.',
  },
  otherMessage: {
    en: ':no_entry: This button is not on the request’s own message, so I did nothing. Use the buttons on {link} (or in your Home tab).',
    ko: ':no_entry: 요청 자체의 메시지에 있는 버튼이 아니라서 아무것도 하지 않았습니다. {link}의 버튼(또는 홈 탭)을 이용하세요.',
  },
  formExpired: {
    en: 'This form is no longer valid: click Reject on the request again.',
    ko: '더 이상 유효하지 않은 양식입니다. 요청의 *거절*을 다시 눌러 주세요.',
  },
  reasonTooLong: { en: 'Keep the reason under {max} characters.', ko: '사유는 {max}자 이내로 써 주세요.' },
  approvedCardLate: {
    en: ':white_check_mark: Approved, and the change was handed to the worker. The request message could not be updated right away; it will show the change when it starts.',
    ko: ':white_check_mark: 승인했고 변경을 워커에 넘겼습니다. 요청 메시지를 바로 고치지 못했습니다. 변경이 시작되면 메시지에 표시됩니다.',
  },
  scheduledCardLate: {
    en: ':white_check_mark: Approved; the change starts at its scheduled time. The request message could not be updated right away, so it may still show the request as pending.',
    ko: ':white_check_mark: 승인했습니다. 변경은 예약된 시각에 시작합니다. 요청 메시지를 바로 고치지 못해 아직 대기 중으로 보일 수 있습니다.',
  },
  recordedCardLate: {
    en: ':white_check_mark: Your approval is recorded. The request message could not be updated right away, so it may not show your approval until its next update.',
    ko: ':white_check_mark: 승인이 기록되었습니다. 요청 메시지를 바로 고치지 못해 다음에 메시지가 바뀔 때까지 승인이 보이지 않을 수 있습니다.',
  },
  doneCardLate: {
    en: ':white_check_mark: Done. The request message could not be updated right away, so it may still show the earlier state; its buttons answer with what the request is now.',
    ko: ':white_check_mark: 처리했습니다. 요청 메시지를 바로 고치지 못해 이전 상태로 보일 수 있습니다. 메시지의 버튼은 요청의 지금 상태로 답합니다.',
  },
});

/**
 * How long a refused click waits for the clicker's language when the bot has not learnt it yet
 * (someone who never used it: users.info, cached for the next time) before answering in the
 * workspace's. A refusal's path is short (one script or read, then this answer), so it fits in
 * Slack's 3 seconds with room to spare.
 */
export const REFUSAL_LOCALE_MS = 500;

/**
 * The clicker's answer: nothing when the request message shows what happened; a short note when the
 * click went through but the message could not be updated within the click's budget; the refusal.
 */
async function answer(ctx: ActionContext, res: ClickResult): Promise<void> {
  if (res.ok) {
    const notes = [res.cardLate ? M.in(ctx.locale)(lateNote(res)) : '', res.note ? res.note(ctx.locale) : ''].filter(Boolean);
    // ctx.whisper is bounded by the click's budget (src/edge/interactivity.ts).
    if (notes.length) await ctx.whisper(notes.join('\n')).catch((err) => ctx.rt.log.warn('could not answer the clicker', { err }));
    return;
  }
  // Within what the click has left, keeping the answer's own time.
  const locale = await ctx.rt.people.localeOf(ctx.userId, {
    withinMs: ctx.budget.boundFor('refusalLocale', REFUSAL_LOCALE_MS, RESERVE.answer),
  });
  await ctx.whisper(`${iconFor(res.code)} ${res.message(locale)}`);
  // A request no longer on record: its buttons would only ever answer this; take them away.
  if (res.code === 'NOT_FOUND') await clearStaleButtons(ctx);
}

function lateNote(res: ClickResult & { ok: true }): 'approvedCardLate' | 'scheduledCardLate' | 'recordedCardLate' | 'doneCardLate' {
  if (res.code === 'APPROVED') return res.request.state === 'scheduled' ? 'scheduledCardLate' : 'approvedCardLate';
  if (res.code === 'APPROVAL_RECORDED') return 'recordedCardLate';
  return 'doneCardLate';
}

async function clearStaleButtons(ctx: ActionContext): Promise<void> {
  const blocks = (ctx.body.message as { blocks?: unknown } | undefined)?.blocks;
  if (!ctx.channelId || !ctx.messageTs || !Array.isArray(blocks)) return;
  // The message is the channel's: its note is in the workspace's language.
  const t = M.in(ctx.rt.people.workspace);
  const msg = withoutButtons(blocks as KnownBlock[], t('noLongerOnRecord'), t('noLongerOnRecordText'));
  await ctx.rt.slack
    .update(ctx.channelId, ctx.messageTs, msg)
    .catch((err) => ctx.rt.log.warn('could not clear stale approval buttons', { err }));
}

/** A message for the clicker only (through the click's response_url, else an ephemeral post). */
async function reply(ctx: ActionContext, msg: SlackMessage): Promise<void> {
  if (ctx.body.response_url)
    await ctx.rt.slack
      .respond(ctx.body.response_url, msg, { replaceOriginal: false, ...respondWithin(ctx.budget) })
      .catch(unlessMayHaveLanded);
  else if (ctx.channelId) await ctx.rt.slack.ephemeral(ctx.channelId, ctx.userId, msg);
}

/** The Details button: the full plan, for the clicker only, in their language. */
async function showDetails(ctx: ActionContext, id: string): Promise<void> {
  const req = id ? await getRequest(ctx.rt.redis, id) : undefined;
  if (!req) {
    await ctx.whisper(M.in(ctx.locale)('noLongerOnRecord'));
    return;
  }
  await reply(ctx, detailsMessage(req, ctx.rt.now(), ctx.locale));
}

/** How long a reject form opened from the Reject button may be submitted. */
const REJECT_FORM_TTL_SECONDS = 3600;

/**
 * The request a click acts on must be clicked on its own message (./click-place.ts): in its channel,
 * on its card (the ts the request stored), or in the clicker's own Home tab; a button replayed from
 * elsewhere is refused. True when the click may go on (including when the request is gone: the
 * transitions answer that). A Home-tab click goes on, and the transitions check the clicker's role
 * as for any click. Answers the request as read here (undefined for a Home-tab click or when it is
 * gone): the approve click checks the change windows with it instead of reading it again.
 */
async function clickedOnRequest(ctx: ActionContext, id: string): Promise<{ go: boolean; request?: ChangeRequest }> {
  const view = (ctx.body as { view?: { type?: string } }).view;
  if (!ctx.channelId && view?.type === 'home') return { go: true };
  const req = await storeOp(() => getRequest(ctx.rt.redis, id));
  if (!req) return { go: true };
  const place = clickPlace(req, { channelId: ctx.channelId, messageTs: ctx.messageTs, viewType: view?.type });
  if (place === 'ok') return { go: true, request: req };
  ctx.rt.log.warn('request button refused: not clicked on the request message', {
    action: ctx.action.action_id,
    request: id,
    user: ctx.userId,
    channel: ctx.channelId,
    requestChannel: req.channel,
    messageTs: ctx.messageTs,
    requestTs: req.messageTs,
  });
  const t = M.in(ctx.locale);
  await ctx.whisper(
    place === 'otherChannel'
      ? t('otherChannel', { channel: `<#${req.channel}>` })
      : t('otherMessage', { link: requestLink(req, undefined, ctx.locale) }),
  );
  return { go: false };
}

/** Handles every `approval:*` button. */
export async function handleApprovalAction(ctx: ActionContext): Promise<void> {
  const { rt, action, userId } = ctx;
  const id = action.value ?? '';
  const clicked = await clickedOnRequest(ctx, id);
  if (!clicked.go) return;
  switch (action.action_id) {
    case ACTION.approve:
      return answer(ctx, await approveRequest(rt, id, userId, ctx.budget, clicked.request));
    case ACTION.cancel:
      return answer(ctx, await cancelRequest(rt, id, userId, '', ctx.budget));
    case ACTION.details:
      return showDetails(ctx, id);
    case ACTION.retro:
      return answer(ctx, await retroApproveRequest(rt, id, userId, ctx.budget));
    case ACTION.reject: {
      const check = await checkCanReject(rt, id, userId, ctx.budget);
      if (!check.ok) return answer(ctx, check);
      const triggerId = ctx.body.trigger_id;
      if (!triggerId) {
        await ctx.whisper(M.in(ctx.locale)('noTrigger'));
        return;
      }
      // The form's submission carries the request id back; it is only honoured for a form opened here.
      // Where the click was: a submission whose answer is lost is followed up there (../commands/recheck.ts).
      const at = JSON.stringify({ u: ctx.body.response_url, c: ctx.channelId });
      await storeOp(() => rt.redis.set(keys.rejectForm(id, userId), at, 'EX', REJECT_FORM_TTL_SECONDS));
      // Within the click's budget (the trigger is valid for 3 seconds); what did not open is said in one line.
      const opened = await viewCallWithin(ctx.budget, 'openView', RESERVE.answer, () =>
        rt.slack.openView(triggerId, rejectModal(check.request, ctx.locale)),
      );
      if (opened.done) return;
      const t = M.in(ctx.locale);
      rt.log.warn('approvals: the reject form did not open', { requestId: id, user: userId, why: opened.why });
      await ctx.whisper(
        opened.why === 'refused'
          ? t('rejectFormRefused', { code: code(opened.code) })
          : t(opened.why === 'expired' ? 'rejectFormExpired' : 'rejectFormNotConfirmed'),
      );
      return;
    }
    default:
      await ctx.whisper(M.in(ctx.locale)('staleButton'));
  }
}

/** The reject modal's submission: the reason is required; the reject script decides. */
export const rejectView: ViewDef = {
  callbackId: REJECT_VIEW,
  async handle(rt: Runtime, view, userId, { locale, budget, openedAt }) {
    const t = M.in(locale);
    const reason = view.state.values[REJECT_REASON.block]?.[REJECT_REASON.action]?.value?.trim() ?? '';
    if (reason.length < 3) return { errors: { [REJECT_REASON.block]: t('reasonTooShort') } };
    if (reason.length > REJECT_REASON_MAX) return { errors: { [REJECT_REASON.block]: t('reasonTooLong', { max: REJECT_REASON_MAX }) } };
    // Only a form this user opened from the request's Reject button (a forged submission names any request).
    const form = keys.rejectForm(view.private_metadata, userId);
    const opened = (await storeOp(() => rt.redis.multi().get(form).del(form).exec()))?.[0]?.[1];
    if (typeof opened !== 'string') {
      rt.log.warn('reject form refused: not opened from the Reject button', { request: view.private_metadata, user: userId });
      return { errors: { [REJECT_REASON.block]: t('formExpired') } };
    }
    try {
      const at = JSON.parse(opened) as { u?: string; c?: string };
      openedAt.responseUrl = at.u;
      openedAt.channelId = at.c;
    } catch {
      // A form opened before its place was kept: a follow-up goes to the request's channel.
    }
    const res = await rejectRequest(rt, view.private_metadata, userId, reason, budget);
    if (res.ok) {
      if (res.cardLate && res.request.channel) {
        const text = M.in(locale)('doneCardLate');
        await rt.slack
          .ephemeral(res.request.channel, userId, { text: notificationText(text), blocks: [section(text)], locale })
          .catch((err) => rt.log.warn('could not answer the reject submission in the channel', { err }));
      }
      return;
    }
    // Close the modal and answer in the request's channel; inside the modal if that is not possible.
    const message = res.message(locale);
    const text = `${iconFor(res.code)} ${message}`;
    if (res.request?.channel) {
      try {
        await rt.slack.ephemeral(res.request.channel, userId, { text: notificationText(text), blocks: [section(text)], locale });
        return;
      } catch (err) {
        rt.log.warn('could not answer the reject submission in the channel', { err });
      }
    }
    return { errors: { [REJECT_REASON.block]: plainText(message).slice(0, 300) } };
  },
};
