/**
 * Interactive components on the Bolt app: one listener each for button clicks (and selects), modal
 * submissions, global shortcuts and the Slack events features registered for, dispatched through
 * the tables features register into (src/hooks/actions.ts). A click on a button no handler knows
 * (an old message from an earlier version) gets a clear answer instead of Bolt's 404.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { findAction, findShortcut, findSlackEvents, findView, slackEventTypes } from '../hooks/actions';
import type { Runtime } from '../runtime';
import { section, type SlackMessage } from '../slack/blocks';
import type { Locale } from '../i18n/locale';
import { notificationText } from '../slack/text';
import { noticeModal } from '../slack/modal';
import { errorReply } from '../slack/reply';
import { runCommand, submitCommand } from './slash';
import { withFollowUp } from '../commands/recheck';
import { defineMessages } from '../i18n/catalog';
import { answerWithin } from '../slack/click-budget';
import { listenerBudget } from './budget';
import { markEvent } from './event-claim';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';

const M = defineMessages('edge.interactivity', {
  staleButton: {
    en: ':grey_question: This button is no longer valid (it belongs to an older message). Run the command again.',
    ko: ':grey_question: 더 이상 쓸 수 없는 버튼입니다 (예전 메시지의 버튼입니다). 명령을 다시 실행하세요.',
  },
  unknownShortcut: {
    en: ':grey_question: This shortcut is not one this bot handles (the Slack app may list an old one). Type `/ecs help` for what the bot can do.',
    ko: ':grey_question: 이 봇이 처리하지 않는 바로가기입니다 (Slack 앱에 예전 바로가기가 남아 있을 수 있습니다). `/ecs help`로 할 수 있는 일을 확인하세요.',
  },
});

/**
 * How long a click waits for the clicker's cached language (one Redis read, usually memoized in the
 * process) before answering in the workspace's: well inside Slack's 3-second window for the answer.
 */
export const CLICK_LOCALE_MS = 250;

export function installInteractivity(app: App, rt: Runtime): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions' }, async ({ ack, body, action, respond }) => {
    const budget = listenerBudget(rt, action.action_id, body.user.id);
    const userId = body.user.id;
    // Answers to the clicker only are in their language when it is cached (a handler may ask Slack
    // within a bound of its own: alert buttons, approval-card refusals).
    // The read starts before the ack and is bounded (CLICK_LOCALE_MS): under load a slow read
    // answers in the workspace's language rather than late or not at all. What the channel sees
    // (the request message, its thread) stays in the workspace's language: the handlers use
    // rt.people.workspace for it.
    const localeP = rt.people.cachedLocaleOf(userId, { withinMs: CLICK_LOCALE_MS });
    await ack();
    const channelId = body.channel?.id ?? body.container?.channel_id;
    const locale = await localeP;
    const send = async (text: string) => {
      if (body.response_url) await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: [section(text)] as never });
      else if (channelId) await rt.slack.ephemeral(channelId, userId, { text, blocks: [section(text)] });
      // A click in the Home tab or in a modal: no channel to answer in, so the answer opens as a small
      // modal (on top of the modal the click came from).
      else if (body.trigger_id) {
        const notice = noticeModal(text, locale);
        if (body.view?.type === 'modal') await rt.slack.pushView(body.trigger_id, notice);
        else await rt.slack.openView(body.trigger_id, notice);
      }
    };
    // Every answer to the clicker (refusals, errors, notes) within what the click has left, never
    // under the answer's own reserve (a late answer beats none): Bolt's respond() has no timeout of
    // its own, so a response_url that does not answer would otherwise hold the click's response.
    // An answer cut short is logged (the budget's onShort) and may still arrive.
    const whisper = async (text: string) => {
      await answerWithin(budget, WITHIN_ACK_TIMEOUT_MS, () => send(text));
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
        budget,
        async submitCommand(inv) {
          const reply = await submitCommand(rt, inv, { budget });
          if (reply === '') return undefined;
          const { response_type: _ignored, ...msg } = reply;
          return { ...msg, locale };
        },
      });
    } catch (err) {
      const shown = await withFollowUp(rt, err, { userId, locale, responseUrl: body.response_url, channelId }, budget);
      const reply = errorReply(shown, rt.log.child({ action: action.action_id, user: userId }), locale);
      await whisper(reply.blocks.length ? (reply.blocks[0] as { text: { text: string } }).text.text : reply.text).catch(() => undefined);
    }
  });
  app.view({ type: 'view_submission' }, async ({ ack, view, body }) => {
    const budget = listenerBudget(rt, view.callback_id, body.user.id);
    const def = findView(view.callback_id);
    if (!def) {
      await ack();
      return;
    }
    const locale = await rt.people.cachedLocaleOf(body.user.id, { withinMs: CLICK_LOCALE_MS });
    const openedAt = {};
    try {
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      const res = await def.handle(rt, view, body.user.id, {
        triggerId,
        locale,
        budget,
        openedAt,
        submitCommand: (inv) => runCommand(rt, inv, { budget }),
      });
      if (res?.errors) await ack({ response_action: 'errors', errors: res.errors });
      else if (res?.push) await ack({ response_action: 'push', view: res.push as never });
      else if (res?.update) await ack({ response_action: 'update', view: res.update as never });
      else await ack();
    } catch (err) {
      // A reject whose answer was lost: followed up where its Reject button was clicked (src/approvals/actions.ts).
      const reply = errorReply(await withFollowUp(rt, err, { userId: body.user.id, locale, ...openedAt }, budget), rt.log, locale);
      const firstBlock = Object.keys(view.state.values)[0] ?? 'reason';
      await ack({ response_action: 'errors', errors: { [firstBlock]: reply.text.slice(0, 150) } });
    }
  });

  app.shortcut({ type: 'shortcut' }, async ({ ack, shortcut }) => {
    // On Lambda Slack gets the answer when the listener returns: the shortcut's Slack calls (views.open
    // with a trigger valid for 3 seconds, an answer in a direct message) take their bounds from this.
    const budget = listenerBudget(rt, `shortcut ${shortcut.callback_id}`, shortcut.user.id);
    await ack();
    const userId = shortcut.user.id;
    const log = rt.log.child({ shortcut: shortcut.callback_id, user: userId });
    // A shortcut has no channel to answer in: what went wrong goes to the person's direct message
    // with the bot, in their cached language, within what the shortcut has left.
    const tell = async (reply: (locale: Locale) => SlackMessage): Promise<void> => {
      const locale = await rt.people.cachedLocaleOf(userId, { withinMs: CLICK_LOCALE_MS }).catch(() => rt.people.workspace);
      await answerWithin(budget, WITHIN_ACK_TIMEOUT_MS, () => rt.slack.post(userId, reply(locale))).catch((err) =>
        log.warn('shortcut: could not tell the person what went wrong', { err }),
      );
    };
    const def = findShortcut(shortcut.callback_id);
    if (!def) {
      log.warn('shortcut nobody handles');
      const text = (locale: Locale) => M.in(locale)('unknownShortcut');
      await tell((locale) => ({ text: notificationText(text(locale)), blocks: [section(text(locale))], locale }));
      return;
    }
    try {
      await def.handle({ rt, userId, triggerId: shortcut.trigger_id, budget });
    } catch (err) {
      await tell((locale) => errorReply(err, log, locale));
    }
  });
  for (const type of slackEventTypes()) {
    app.event(type, async ({ event, body, context }) => {
      const budget = listenerBudget(rt, `event ${type}`, String((event as { user?: unknown }).user ?? ''));
      // Slack sends a delivery again when it got no answer within 3 seconds (x-slack-retry-reason
      // http_timeout), whether or not the first one is still running, and that one may have died. Each
      // delivery claims the event (./event-claim.ts): such a redelivery runs only when it gets the
      // claim (the first one's lapsed unfinished), and is answered at once while the first holds it,
      // after it finished, or when the store cannot say (as before: better once than twice). A first
      // delivery, or a retry for another reason, runs at once, its claim taken alongside.
      const eventId = (body as { event_id?: unknown }).event_id;
      const claim = typeof eventId === 'string' && eventId ? markEvent(rt, eventId, budget) : Promise.resolve(undefined);
      if (Number(context.retryNum ?? 0) > 0 && context.retryReason === 'http_timeout' && !(await claim)) {
        // claimed: false (the first delivery holds or handled it), undefined (the store did not say).
        rt.log.info('slack event: a retry after a late answer, skipped', { type, eventId, claimed: await claim });
        return;
      }
      for (const def of findSlackEvents(type)) {
        try {
          await def.handle(rt, event as unknown as Record<string, unknown>, { budget });
        } catch (err) {
          rt.log.error('slack event handler failed', { type, err });
        }
      }
      if (await claim) await markEvent(rt, eventId as string, budget, true);
    });
  }
}
