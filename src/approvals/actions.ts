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
import { notificationText, plainText } from '../slack/text';

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
  staleButton: {
    en: ':grey_question: This button is no longer valid (it belongs to an older message). Run the command again.',
    ko: ':grey_question: 더 이상 쓸 수 없는 버튼입니다 (예전 메시지의 버튼입니다). 명령을 다시 실행하세요.',
  },
  reasonTooShort: {
    en: 'Say why you reject it (at least 3 characters): the requester sees it.',
    ko: '거절 사유를 3자 이상 써 주세요. 요청자가 보게 됩니다.',
  },
  reasonTooLong: { en: 'Keep the reason under {max} characters.', ko: '사유는 {max}자 이내로 써 주세요.' },
});

async function answer(ctx: ActionContext, res: ClickResult): Promise<void> {
  if (res.ok) return;
  await ctx.whisper(`${iconFor(res.code)} ${res.message(ctx.locale)}`);
  // A request no longer on record: its buttons would only ever answer this; take them away.
  if (res.code === 'NOT_FOUND') await clearStaleButtons(ctx);
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
  if (ctx.body.response_url) await ctx.rt.slack.respond(ctx.body.response_url, msg, { replaceOriginal: false });
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

/** Handles every `approval:*` button. */
export async function handleApprovalAction(ctx: ActionContext): Promise<void> {
  const { rt, action, userId } = ctx;
  const id = action.value ?? '';
  switch (action.action_id) {
    case ACTION.approve:
      return answer(ctx, await approveRequest(rt, id, userId));
    case ACTION.cancel:
      return answer(ctx, await cancelRequest(rt, id, userId));
    case ACTION.details:
      return showDetails(ctx, id);
    case ACTION.retro:
      return answer(ctx, await retroApproveRequest(rt, id, userId));
    case ACTION.reject: {
      const check = await checkCanReject(rt, id, userId);
      if (!check.ok) return answer(ctx, check);
      const triggerId = ctx.body.trigger_id;
      if (!triggerId) {
        await ctx.whisper(M.in(ctx.locale)('noTrigger'));
        return;
      }
      await rt.slack.openView(triggerId, rejectModal(check.request, ctx.locale));
      return;
    }
    default:
      await ctx.whisper(M.in(ctx.locale)('staleButton'));
  }
}

/** The reject modal's submission: the reason is required; the reject script decides. */
export const rejectView: ViewDef = {
  callbackId: REJECT_VIEW,
  async handle(rt: Runtime, view, userId, { locale }) {
    const t = M.in(locale);
    const reason = view.state.values[REJECT_REASON.block]?.[REJECT_REASON.action]?.value?.trim() ?? '';
    if (reason.length < 3) return { errors: { [REJECT_REASON.block]: t('reasonTooShort') } };
    if (reason.length > REJECT_REASON_MAX) return { errors: { [REJECT_REASON.block]: t('reasonTooLong', { max: REJECT_REASON_MAX }) } };
    const res = await rejectRequest(rt, view.private_metadata, userId, reason);
    if (res.ok) return;
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
