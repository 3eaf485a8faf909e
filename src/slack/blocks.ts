/**
 * A Slack message as our builders produce it, and `fitMessage`, the one place that
 * guarantees a message stays within Block Kit limits: a long message is shortened,
 * never rejected by Slack.
 */
import type { KnownBlock } from '@slack/types';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { LIMITS, truncate, truncateLines } from './text';

const M = defineMessages('slack.blocks', {
  leftOut: {
    en: '_… {n} more {n|part|parts} left out to fit in one Slack message._',
    ko: '_… 메시지 하나에 담으려고 {n}개 부분을 생략했습니다._',
  },
});

export interface SlackMessage {
  /** Fallback text for notifications and clients without blocks. */
  text: string;
  blocks: KnownBlock[];
  /** The language it is written in (for what fitMessage adds); English when not set. */
  locale?: Locale;
}

export const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
export const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true },
});
export const context = (...texts: string[]): KnownBlock => ({
  type: 'context',
  elements: texts.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn' as const, text: t })),
});

/** A confirmation dialog shown before a button acts (Block Kit confirmation dialog object). */
export interface ConfirmSpec {
  /** plain text, ≤ 100 */
  title: string;
  /** mrkdwn, ≤ 300 */
  text: string;
  /** plain text, ≤ 30 */
  confirm: string;
  /** plain text, ≤ 30 */
  deny: string;
  style?: 'primary' | 'danger';
}

export const CONFIRM_LIMITS = { title: 100, text: 300, button: 30 } as const;

export interface ButtonSpec {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  url?: string;
  confirm?: ConfirmSpec;
}

/** A confirmation dialog object within Slack's limits. */
export function confirmObject(c: ConfirmSpec) {
  return {
    title: { type: 'plain_text' as const, text: truncate(c.title, CONFIRM_LIMITS.title) },
    text: { type: 'mrkdwn' as const, text: truncate(c.text, CONFIRM_LIMITS.text) },
    confirm: { type: 'plain_text' as const, text: truncate(c.confirm, CONFIRM_LIMITS.button) },
    deny: { type: 'plain_text' as const, text: truncate(c.deny, CONFIRM_LIMITS.button) },
    ...(c.style ? { style: c.style } : {}),
  };
}

export const actions = (blockId: string | undefined, buttons: ButtonSpec[]): KnownBlock => ({
  type: 'actions',
  ...(blockId ? { block_id: blockId } : {}),
  elements: buttons.slice(0, 25).map((b) => ({
    type: 'button' as const,
    text: { type: 'plain_text' as const, text: truncate(b.text, LIMITS.buttonText), emoji: true },
    action_id: b.actionId,
    value: truncate(b.value, LIMITS.buttonValue),
    ...(b.style ? { style: b.style } : {}),
    ...(b.url ? { url: b.url } : {}),
    ...(b.confirm ? { confirm: confirmObject(b.confirm) } : {}),
  })),
});

/** Characters of text a block carries (what Slack counts toward msg_blocks_too_long). */
export function blockTextLength(block: KnownBlock): number {
  let n = 0;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') return;
    if (Array.isArray(v)) return v.forEach(visit);
    if (v && typeof v === 'object') {
      for (const [k, val] of Object.entries(v)) {
        if (k === 'text' && typeof val === 'string') n += val.length;
        else visit(val);
      }
    }
  };
  visit(block);
  return n;
}

function clampBlock(block: KnownBlock, locale: Locale): KnownBlock {
  if (block.type === 'section') {
    const b = { ...block };
    if (b.text) b.text = { ...b.text, text: truncateLines(b.text.text, LIMITS.sectionText, locale) || ' ' };
    if (b.fields) b.fields = b.fields.slice(0, LIMITS.fields).map((f) => ({ ...f, text: truncate(f.text, LIMITS.fieldText) || ' ' }));
    return b;
  }
  if (block.type === 'header') return { ...block, text: { ...block.text, text: truncate(block.text.text, LIMITS.headerText) || ' ' } };
  if (block.type === 'context')
    return {
      ...block,
      elements: block.elements
        .slice(0, LIMITS.contextElements)
        .map((e) => ('text' in e && typeof e.text === 'string' ? { ...e, text: truncate(e.text, LIMITS.sectionText) || ' ' } : e)),
    };
  return block;
}

/**
 * Enforce Slack's limits: at most 50 blocks, section text ≤ 3000, header ≤ 150,
 * total block text under the (undocumented) ~12k ceiling, fallback text ≤ 3000.
 * Blocks that do not fit are dropped from the end and replaced by one note.
 */
export function fitMessage(msg: SlackMessage, totalBudget: number = LIMITS.totalText): SlackMessage {
  const locale = msg.locale ?? 'en';
  const clamped = msg.blocks.map((b) => clampBlock(b, locale));
  const kept: KnownBlock[] = [];
  let used = 0;
  // Keep trailing action blocks (buttons) when we must cut: they are how people act on the message.
  const trailingActions = clamped.length > 0 && clamped[clamped.length - 1]!.type === 'actions' ? clamped[clamped.length - 1]! : undefined;
  const body = trailingActions ? clamped.slice(0, -1) : clamped;
  const reserveBlocks = trailingActions ? 2 : 1;
  let dropped = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    const len = blockTextLength(b);
    if (kept.length >= LIMITS.blocks - reserveBlocks || used + len > totalBudget - 200) {
      dropped = body.length - i;
      break;
    }
    kept.push(b);
    used += len;
  }
  if (dropped > 0) kept.push(context(M.in(locale)('leftOut', { n: dropped })));
  if (trailingActions) kept.push(trailingActions);
  return { text: truncate(msg.text, LIMITS.text), blocks: kept, ...(msg.locale ? { locale: msg.locale } : {}) };
}
