/**
 * The one handler of command buttons (src/slack/command-button.ts): the clicked button's command runs
 * through the slash-command path as the clicker (ActionContext.submitCommand: parse, authorize, record
 * once, answer or hand off), so a button can never do what typing the command would not.
 */
import type { ActionContext } from '../hooks/actions';
import { defineMessages, type Locale } from '../i18n';
import { readCommandButton } from '../slack/command-button';
import { respondWithin } from '../slack/click-budget';
import { unlessMayHaveLanded } from '../slack/failures';

const text = defineMessages('command-buttons', {
  stale: {
    en: ':grey_question: This button is no longer valid (it belongs to an older message).',
    ko: ':grey_question: 이 버튼은 더 이상 쓸 수 없습니다(예전 메시지의 버튼입니다).',
  },
});

export async function handleCommandButton(ctx: ActionContext): Promise<void> {
  const { rt, body, action, userId } = ctx;
  // The stale-button answer is for the clicker only: in their language.
  const locale: Locale = ctx.locale;
  const cmd = readCommandButton(action.value);
  const channelId = cmd?.ch ?? ctx.channelId;
  if (!cmd || !channelId) {
    await ctx.whisper(text.in(locale)('stale'));
    return;
  }
  const msg = await ctx.submitCommand({
    id: `button-${action.action_ts}-${userId}`,
    text: cmd.c,
    userId,
    userName: body.user.username ?? body.user.name,
    channelId,
    teamId: body.team?.id ?? body.user.team_id,
    responseUrl: body.response_url,
    triggerId: body.trigger_id,
    receivedAt: rt.now(),
  });
  if (!msg) return;
  if (body.response_url)
    await rt.slack.respond(body.response_url, msg, { replaceOriginal: false, ...respondWithin(ctx.budget) }).catch(unlessMayHaveLanded);
  else if (ctx.channelId) await rt.slack.ephemeral(ctx.channelId, userId, msg);
}
