/**
 * Interactive components on the Bolt app: one listener for button clicks and one for modal
 * submissions, dispatched through the table features register into (src/hooks/actions.ts). A click
 * on a button no handler knows (an old message from an earlier version) gets a clear answer instead
 * of Bolt's 404.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { findAction, findView } from '../hooks/actions';
import type { Runtime } from '../runtime';
import { section } from '../slack/blocks';
import { errorReply } from '../slack/reply';
import { submitCommand } from './slash';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('edge.interactivity', {
  staleButton: {
    en: ':grey_question: This button is no longer valid (it belongs to an older message). Run the command again.',
    ko: ':grey_question: 더 이상 쓸 수 없는 버튼입니다 (예전 메시지의 버튼입니다). 명령을 다시 실행하세요.',
  },
});

export function installInteractivity(app: App, rt: Runtime): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions' }, async ({ ack, body, action, respond }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id ?? body.container?.channel_id;
    // Answers to the clicker only: their language when cached, else the workspace's (no users.info inside the ack).
    const locale = await rt.people.cachedLocaleOf(userId);
    const whisper = async (text: string) => {
      if (body.response_url) await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: [section(text)] as never });
      else if (channelId) await rt.slack.ephemeral(channelId, userId, { text, blocks: [section(text)] });
    };
    const def = findAction(action.action_id);
    if (!def) {
      await whisper(M.in(locale)('staleButton'));
      return;
    }
    try {
      await def.handle({
        rt,
        body,
        action,
        userId,
        channelId,
        locale,
        messageTs: body.message?.ts ?? body.container?.message_ts,
        whisper,
        async submitCommand(inv) {
          const reply = await submitCommand(rt, inv);
          if (reply === '') return undefined;
          const { response_type: _ignored, ...msg } = reply;
          return { ...msg, locale };
        },
      });
    } catch (err) {
      const reply = errorReply(err, rt.log.child({ action: action.action_id, user: userId }), locale);
      await whisper(reply.blocks.length ? (reply.blocks[0] as { text: { text: string } }).text.text : reply.text).catch(() => undefined);
    }
  });
  app.view({ type: 'view_submission' }, async ({ ack, view, body }) => {
    const def = findView(view.callback_id);
    if (!def) {
      await ack();
      return;
    }
    const locale = await rt.people.cachedLocaleOf(body.user.id);
    try {
      const res = await def.handle(rt, view, body.user.id, locale);
      if (res && res.errors) await ack({ response_action: 'errors', errors: res.errors });
      else await ack();
    } catch (err) {
      const reply = errorReply(err, rt.log, locale);
      const firstBlock = Object.keys(view.state.values)[0] ?? 'reason';
      await ack({ response_action: 'errors', errors: { [firstBlock]: reply.text.slice(0, 150) } });
    }
  });
}
