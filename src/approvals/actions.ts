/**
 * The request message's buttons and the reject modal. Slack-facing: Redis and Slack only, and
 * everything the clicker needs to know comes back as an ephemeral answer. The Lua scripts decide
 * (state, expiry, self-approval, double approval, role at click time); this module only asks
 * and relays.
 */
import type { KnownBlock } from '@slack/types';
import type { ActionContext } from '../hooks/actions';
import type { ViewDef } from '../hooks/actions';
import { section } from '../slack/blocks';
import type { Runtime } from '../runtime';
import { iconFor } from './codes';
import { ACTION, rejectModal, REJECT_REASON, REJECT_REASON_MAX, REJECT_VIEW, withoutButtons } from './message';
import { approveRequest, cancelRequest, checkCanReject, rejectRequest, type ClickResult } from './clicks';
import { plainText } from '../slack/text';

async function answer(ctx: ActionContext, res: ClickResult): Promise<void> {
  if (res.ok) return;
  await ctx.whisper(`${iconFor(res.code)} ${res.message}`);
  // A request no longer on record: its buttons would only ever answer this; take them away.
  if (res.code === 'NOT_FOUND') await clearStaleButtons(ctx);
}

async function clearStaleButtons(ctx: ActionContext): Promise<void> {
  const blocks = (ctx.body.message as { blocks?: unknown } | undefined)?.blocks;
  if (!ctx.channelId || !ctx.messageTs || !Array.isArray(blocks)) return;
  const msg = withoutButtons(
    blocks as KnownBlock[],
    ':grey_question: This request is no longer on record; nothing can be approved here.',
    'Request no longer on record',
  );
  await ctx.rt.slack
    .update(ctx.channelId, ctx.messageTs, msg)
    .catch((err) => ctx.rt.log.warn('could not clear stale approval buttons', { err }));
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
    case ACTION.reject: {
      const check = await checkCanReject(rt, id, userId);
      if (!check.ok) return answer(ctx, check);
      const triggerId = ctx.body.trigger_id;
      if (!triggerId) {
        await ctx.whisper(':warning: Slack did not send what I need to open the reject form. Click *Reject* again.');
        return;
      }
      await rt.slack.openView(triggerId, rejectModal(check.request));
      return;
    }
    default:
      await ctx.whisper(':grey_question: This button is no longer valid (it belongs to an older message). Run the command again.');
  }
}

/** The reject modal's submission: the reason is required; the reject script decides. */
export const rejectView: ViewDef = {
  callbackId: REJECT_VIEW,
  async handle(rt: Runtime, view, userId) {
    const reason = view.state.values[REJECT_REASON.block]?.[REJECT_REASON.action]?.value?.trim() ?? '';
    if (reason.length < 3)
      return { errors: { [REJECT_REASON.block]: 'Say why you reject it (at least 3 characters): the requester sees it.' } };
    if (reason.length > REJECT_REASON_MAX)
      return { errors: { [REJECT_REASON.block]: `Keep the reason under ${REJECT_REASON_MAX} characters.` } };
    const res = await rejectRequest(rt, view.private_metadata, userId, reason);
    if (res.ok) return;
    // Close the modal and answer in the request's channel; inside the modal if that is not possible.
    const text = `${iconFor(res.code)} ${res.message}`;
    if (res.request?.channel) {
      try {
        await rt.slack.ephemeral(res.request.channel, userId, { text: plainText(res.message), blocks: [section(text)] });
        return;
      } catch (err) {
        rt.log.warn('could not answer the reject submission in the channel', { err });
      }
    }
    return { errors: { [REJECT_REASON.block]: plainText(res.message).slice(0, 300) } };
  },
};
