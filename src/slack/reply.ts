/**
 * The one place errors become Slack replies. Known errors (BotError) explain what was wrong,
 * the usage and what to try; anything else becomes a short apology with a reference that
 * matches the log line.
 */
import { randomUUID } from 'node:crypto';
import { isBotError, type BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import type { Logger } from '../log';
import type { SlackGateway } from './gateway';
import { context, section, type SlackMessage } from './blocks';
import { escapeMrkdwn, notificationText } from './text';
import type { Invocation } from './invocation';
import { answerModal } from './modal';
import { mayHaveLanded } from './failures';

const ICON: Partial<Record<BotError['code'], string>> = {
  FORBIDDEN: ':no_entry:',
  STORE_UNAVAILABLE: ':warning:',
  AWS_THROTTLED: ':hourglass:',
  AWS_ACCESS_DENIED: ':lock:',
  AWS_TIMEOUT: ':hourglass:',
  AWS_UNREACHABLE: ':electric_plug:',
  AWS_CREDENTIALS: ':key:',
  REFUSED: ':no_entry_sign:',
  CONFLICT: ':traffic_light:',
};

export const replyText = defineMessages('reply', {
  usage: { en: '*Usage:* {usage}', ko: '*사용법:* {usage}' },
  helpHint: { en: '`/ecs help` lists every command.', ko: '`/ecs help`로 모든 명령을 볼 수 있습니다.' },
  internal: {
    en: ':boom: Something went wrong on my side (ref `{ref}`). Nothing was changed by this error. Try again, and if it keeps happening, give the ref to whoever runs the bot.',
    ko: ':boom: 봇 내부에서 문제가 생겼습니다 (참조 `{ref}`). 이 오류로 바뀐 것은 없습니다. 다시 시도해 보고, 계속 되풀이되면 봇 운영자에게 참조 번호를 전해 주세요.',
  },
  internalText: { en: 'Something went wrong (ref {ref})', ko: '문제가 생겼습니다 (참조 {ref})' },
});

/** An error as a Slack reply in the reader's language (`locale`: theirs for an answer to one person). */
export function errorReply(err: unknown, log: Logger, locale: Locale = 'en'): SlackMessage {
  const t = replyText.in(locale);
  if (isBotError(err)) {
    const icon = ICON[err.code] ?? ':warning:';
    const message = err.userMessageIn(locale);
    const hint = err.hintIn(locale);
    const blocks = [section(`${icon} ${message}`)];
    if (err.usage) blocks.push(section(t('usage', { usage: '`' + escapeMrkdwn(err.usage) + '`' })));
    if (hint) blocks.push(context(hint));
    if (err.code === 'BAD_INPUT' || err.code === 'UNKNOWN_VERB' || err.code === 'UNKNOWN_SERVICE') {
      if (!hint) blocks.push(context(t('helpHint')));
    }
    log.info('answered with error', { code: err.code, detail: err.message });
    return { text: notificationText(message), blocks };
  }
  const ref = randomUUID().slice(0, 8);
  log.error('unexpected error', { ref, err });
  return { text: t('internalText', { ref }), blocks: [section(t('internal', { ref }))] };
}

/**
 * Answer the person who ran a command, from the worker: in the modal it was submitted from, through
 * the command's response_url, or, when there is none (a button, a synthesized invocation) or it
 * stopped working (30 minutes, 5 uses) or refused it, with the bot token — a channel post for public answers, an
 * ephemeral one otherwise. `failed`: the answer is a refusal (a modal keeps the form to go back to).
 */
export async function answerInvocation(
  rt: { slack: SlackGateway; log: Logger },
  inv: Pick<Invocation, 'id' | 'responseUrl' | 'channelId' | 'userId' | 'view'>,
  msg: SlackMessage,
  opts: { inChannel: boolean; failed?: boolean },
): Promise<void> {
  if (inv.view) {
    try {
      const { externalId, title, locale } = inv.view;
      await rt.slack.updateView({ externalId }, answerModal(msg, { title, locale, failed: opts.failed === true }));
      return;
    } catch (err) {
      rt.log.warn('the modal is gone; answering in the channel instead', { invocation: inv.id, err });
    }
  }
  if (inv.responseUrl) {
    try {
      await rt.slack.respond(inv.responseUrl, msg, { inChannel: opts.inChannel });
      return;
    } catch (err) {
      // Sent without an answer: it may have shown, and a second answer might show twice (the gateway logged it).
      if (mayHaveLanded(err)) return;
      rt.log.warn('response_url failed; answering with the bot token instead', { invocation: inv.id, err });
    }
  }
  if (opts.inChannel) await rt.slack.post(inv.channelId, msg);
  else await rt.slack.ephemeral(inv.channelId, inv.userId, msg);
}
