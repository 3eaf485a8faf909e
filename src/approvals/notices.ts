/**
 * Messages for /ecs lock, unlock, freeze and unfreeze: the channel notice everyone sees and the
 * short confirmation for the person who typed it. Pure.
 */
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention, oneLine } from '../slack/text';
import { guardText } from './format';
import type { GuardInfo } from './guards';
import { formatDuration } from '../i18n';

export type GuardAction = 'locked' | 'unlocked' | 'frozen' | 'unfrozen';

export interface GuardNoticeInput {
  action: GuardAction;
  /** Who typed the command. */
  user: string;
  environment: string;
  /** Service alias, for locks. */
  service?: string;
  /** The lock / freeze set, or the one removed. */
  guard: GuardInfo;
  now: number;
}

function what(i: GuardNoticeInput): string {
  return i.service ? `${code(i.service)} in ${code(i.environment)}` : code(i.environment);
}

/** The notice posted in the channel. */
export function guardNotice(i: GuardNoticeInput): SlackMessage {
  const reason = i.guard.reason ? `: “${oneLine(i.guard.reason)}”` : '';
  let text: string;
  switch (i.action) {
    case 'locked':
      text = `:lock: ${mention(i.user)} locked ${what(i)}${reason}. New changes to it are refused until \`/ecs unlock ${i.service}\`.`;
      break;
    case 'frozen':
      text = `:snowflake: ${mention(i.user)} froze ${what(i)}${reason}. Every change there is refused until an approver runs \`/ecs unfreeze ${i.environment}\`.`;
      break;
    case 'unlocked': {
      const whose =
        i.guard.by === i.user ? '' : ` (locked by ${mention(i.guard.by)} ${formatDuration(i.now - i.guard.since)} ago${reason})`;
      text = `:unlock: ${mention(i.user)} unlocked ${what(i)}${whose}. Changes can be requested again.`;
      break;
    }
    case 'unfrozen':
      text = `:sunny: ${mention(i.user)} unfroze ${what(i)} (frozen ${guardText(i.guard, i.now)}). Changes can run again.`;
      break;
  }
  return { text, blocks: [section(text)] };
}

/** The ephemeral confirmation; `announced` is false when the channel notice could not be posted. */
export function guardConfirmation(i: GuardNoticeInput, announced: boolean): SlackMessage {
  const done: Record<GuardAction, string> = {
    locked: `:lock: Locked ${what(i)}.`,
    unlocked: `:unlock: Unlocked ${what(i)}.`,
    frozen: `:snowflake: Froze ${what(i)}.`,
    unfrozen: `:sunny: Unfroze ${what(i)}.`,
  };
  const tail = announced
    ? ' I told the channel.'
    : ' (I could not post the notice in this channel; invite the bot with `/invite` so others see it.)';
  const text = done[i.action] + tail;
  return { text, blocks: [section(text)] };
}
