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
import { retroApproveRequest } from './gates';
import { plainText } from '../slack/text';
import { storeOp } from '../redis/client';
import { keys } from '../redis/keys';
import { getRequest } from './workflow';

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

/** How long a reject form opened from the Reject button may be submitted. */
const REJECT_FORM_TTL_SECONDS = 3600;

/**
 * The request a click acts on must be in the channel the click comes from (its message is there):
 * a button replayed from elsewhere is refused. True when the click may go on (including when the
 * request is gone: the transitions answer that). A click in the clicker's own Home tab has no
 * channel: it goes on, and the transitions check the clicker's role as for any click.
 */
async function clickedInRequestChannel(ctx: ActionContext, id: string): Promise<boolean> {
  const view = (ctx.body as { view?: { type?: string } }).view;
  if (!ctx.channelId && view?.type === 'home') return true;
  const req = await storeOp(() => getRequest(ctx.rt.redis, id));
  if (!req || req.channel === ctx.channelId) return true;
  ctx.rt.log.warn('request button refused: clicked outside the request channel', {
    action: ctx.action.action_id,
    request: id,
    user: ctx.userId,
    channel: ctx.channelId,
    requestChannel: req.channel,
  });
  await ctx.whisper(`:no_entry: This button belongs to a request in another channel (<#${req.channel}>), so I did nothing.`);
  return false;
}

/** Handles every `approval:*` button. */
export async function handleApprovalAction(ctx: ActionContext): Promise<void> {
  const { rt, action, userId } = ctx;
  const id = action.value ?? '';
  if (!(await clickedInRequestChannel(ctx, id))) return;
  switch (action.action_id) {
    case ACTION.approve:
      return answer(ctx, await approveRequest(rt, id, userId));
    case ACTION.cancel:
      return answer(ctx, await cancelRequest(rt, id, userId));
    case ACTION.retro:
      return answer(ctx, await retroApproveRequest(rt, id, userId));
    case ACTION.reject: {
      const check = await checkCanReject(rt, id, userId);
      if (!check.ok) return answer(ctx, check);
      const triggerId = ctx.body.trigger_id;
      if (!triggerId) {
        await ctx.whisper(':warning: Slack did not send what I need to open the reject form. Click *Reject* again.');
        return;
      }
      // The form's submission carries the request id back; it is only honoured for a form opened here.
      await storeOp(() => rt.redis.set(keys.rejectForm(id, userId), '1', 'EX', REJECT_FORM_TTL_SECONDS));
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
    // Only a form this user opened from the request's Reject button (a forged submission names any request).
    const opened = await storeOp(() => rt.redis.del(keys.rejectForm(view.private_metadata, userId)));
    if (opened !== 1) {
      rt.log.warn('reject form refused: not opened from the Reject button', { request: view.private_metadata, user: userId });
      return { errors: { [REJECT_REASON.block]: 'This form is no longer valid: click Reject on the request again.' } };
    }
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
