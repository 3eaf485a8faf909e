/**
 * Small modal views shared by every feature: the answer to a command submitted from a modal (the
 * message it would have sent, in the modal), and a notice opened from a click where there is no
 * channel to answer in (the Home tab). Pure.
 */
import type { KnownBlock } from '@slack/types';
import { defineMessages, type Locale } from '../i18n';
import type { SlackMessage } from './blocks';
import { section } from './blocks';
import { truncate } from './text';

const text = defineMessages('slack-modal', {
  done: { en: 'Done', ko: '완료' },
  back: { en: 'Back', ko: '뒤로' },
  close: { en: 'Close', ko: '닫기' },
  appName: { en: 'ECS ChatOps', ko: 'ECS ChatOps', same: true },
});

/** Slack's limits for views (https://docs.slack.dev/reference/views). */
export const VIEW_LIMITS = { blocks: 100, title: 24, button: 24, privateMetadata: 3000, callbackId: 255, externalId: 255 } as const;

const plain = (t: string, max = 3000) => ({ type: 'plain_text' as const, text: truncate(t, max), emoji: true });

/** Block types a modal may hold (a message block of another kind is left out). */
const MODAL_BLOCKS = new Set(['section', 'context', 'divider', 'header', 'image', 'actions', 'input', 'rich_text']);

/**
 * The answer of a command submitted from a modal, shown in the view pushed on top of the form.
 * A refusal keeps the form underneath ("Back" returns to it, choices intact); a success closes
 * the whole modal ("Done").
 */
export function answerModal(
  msg: SlackMessage,
  opts: { title: string; locale: Locale; failed: boolean; externalId?: string },
): Record<string, unknown> {
  const t = text.in(opts.locale);
  const blocks: KnownBlock[] = msg.blocks.filter((b) => MODAL_BLOCKS.has(b.type)).slice(0, VIEW_LIMITS.blocks);
  return {
    type: 'modal',
    ...(opts.externalId ? { external_id: opts.externalId } : {}),
    title: plain(opts.title, VIEW_LIMITS.title),
    close: plain(opts.failed ? t('back') : t('done'), VIEW_LIMITS.button),
    clear_on_close: !opts.failed,
    blocks: blocks.length ? blocks : [section(msg.text || ' ')],
  };
}

/** A one-section modal: the answer to a click that has no channel to answer in (the Home tab). */
export function noticeModal(mrkdwn: string, locale: Locale): Record<string, unknown> {
  const t = text.in(locale);
  return {
    type: 'modal',
    title: plain(t('appName'), VIEW_LIMITS.title),
    close: plain(t('close'), VIEW_LIMITS.button),
    blocks: [section(mrkdwn)],
  };
}
