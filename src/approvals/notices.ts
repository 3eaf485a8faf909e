/**
 * Messages for /ecs lock, unlock, freeze and unfreeze: the channel notice everyone sees (in the
 * workspace's language) and the short confirmation for the person who typed it (in theirs). Pure.
 */
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention, notificationText, oneLine } from '../slack/text';
import { guardText } from './format';
import { guardReason, type GuardInfo } from './guards';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

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

const M = defineMessages('approvals.notices', {
  serviceIn: { en: '{service} in {env}', ko: '{env}의 {service}' },
  reason: { en: ': “{reason}”', ko: ' (사유: “{reason}”)' },
  locked: {
    en: ':lock: {user} locked {what}{reason}. New changes to it by anyone else are refused until `/ecs unlock {service}`.',
    ko: ':lock: {user} 님이 {what} 서비스를 잠갔습니다{reason}. `/ecs unlock {service}` 전까지 다른 사람의 새 변경은 거절됩니다.',
  },
  frozen: {
    en: ':snowflake: {user} froze {what}{reason}. Every change there is refused until an approver runs `/ecs unfreeze {env}`.',
    ko: ':snowflake: {user} 님이 {what} 환경을 동결했습니다{reason}. 승인자가 `/ecs unfreeze {env}` 명령을 실행할 때까지 모든 변경이 거절됩니다.',
  },
  lockedBy: { en: ' (locked by {user} {duration} ago{reason})', ko: ' ({user} 님이 {duration} 전에 잠금{reason})' },
  unlocked: {
    en: ':unlock: {user} unlocked {what}{whose}. Changes can be requested again.',
    ko: ':unlock: {user} 님이 {what} 서비스 잠금을 풀었습니다{whose}. 다시 변경을 요청할 수 있습니다.',
  },
  unfrozen: {
    en: ':sunny: {user} unfroze {what} (frozen {guard}). Changes can run again.',
    ko: ':sunny: {user} 님이 {what} 환경 동결을 해제했습니다 (동결: {guard}). 다시 변경을 실행할 수 있습니다.',
  },
  doneLocked: { en: ':lock: Locked {what}.', ko: ':lock: {what} 서비스를 잠갔습니다.' },
  doneUnlocked: { en: ':unlock: Unlocked {what}.', ko: ':unlock: {what} 서비스 잠금을 풀었습니다.' },
  doneFrozen: { en: ':snowflake: Froze {what}.', ko: ':snowflake: {what} 환경을 동결했습니다.' },
  doneUnfrozen: { en: ':sunny: Unfroze {what}.', ko: ':sunny: {what} 환경 동결을 해제했습니다.' },
  toldChannel: { en: ' I told the channel.', ko: ' 채널에도 알렸습니다.' },
  notAnnounced: {
    en: ' (I could not post the notice in this channel; invite the bot with `/invite` so others see it.)',
    ko: ' (이 채널에 알림을 올리지 못했습니다. 다른 사람도 볼 수 있게 `/invite`로 봇을 초대해 주세요.)',
  },
});

function what(i: GuardNoticeInput, locale: Locale): string {
  return i.service ? M.in(locale)('serviceIn', { service: code(i.service), env: code(i.environment) }) : code(i.environment);
}

/** The notice posted in the channel, in the workspace's language. */
export function guardNotice(i: GuardNoticeInput, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const why = guardReason(i.guard, locale);
  const reason = why ? t('reason', { reason: oneLine(why) }) : '';
  const user = mention(i.user, locale);
  let text: string;
  switch (i.action) {
    case 'locked':
      text = t('locked', { user, what: what(i, locale), reason, service: i.service ?? '' });
      break;
    case 'frozen':
      text = t('frozen', { user, what: what(i, locale), reason, env: i.environment });
      break;
    case 'unlocked': {
      const whose =
        i.guard.by === i.user
          ? ''
          : t('lockedBy', { user: mention(i.guard.by, locale), duration: formatDuration(i.now - i.guard.since, locale), reason });
      text = t('unlocked', { user, what: what(i, locale), whose });
      break;
    }
    case 'unfrozen':
      text = t('unfrozen', { user, what: what(i, locale), guard: guardText(i.guard, i.now, locale) });
      break;
  }
  return { text: notificationText(text), blocks: [section(text)], locale };
}

const DONE = { locked: 'doneLocked', unlocked: 'doneUnlocked', frozen: 'doneFrozen', unfrozen: 'doneUnfrozen' } as const;

/** The ephemeral confirmation, in the reader's language; `announced` is false when the channel notice could not be posted. */
export function guardConfirmation(i: GuardNoticeInput, announced: boolean, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const text = t(DONE[i.action], { what: what(i, locale) }) + (announced ? t('toldChannel') : t('notAnnounced'));
  return { text: notificationText(text), blocks: [section(text)], locale };
}
