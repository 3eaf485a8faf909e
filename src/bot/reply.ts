/**
 * The one place errors become Slack replies. Known errors (BotError) explain what was wrong,
 * the usage and what to try; anything else becomes a short apology with a reference that
 * matches the log line.
 */
import { randomUUID } from 'node:crypto';
import { isBotError, type BotError } from '../errors';
import type { Logger } from '../log';
import { context, section, type SlackMessage } from './blocks/message';
import { escapeMrkdwn } from './blocks/text';

const ICON: Partial<Record<BotError['code'], string>> = {
  FORBIDDEN: ':no_entry:',
  STORE_UNAVAILABLE: ':warning:',
  AWS_THROTTLED: ':hourglass:',
  AWS_ACCESS_DENIED: ':lock:',
  REFUSED: ':no_entry_sign:',
  CONFLICT: ':traffic_light:',
};

export function errorReply(err: unknown, log: Logger): SlackMessage {
  if (isBotError(err)) {
    const icon = ICON[err.code] ?? ':warning:';
    const blocks = [section(`${icon} ${err.userMessage}`)];
    if (err.usage) blocks.push(section(`*Usage:* \`${escapeMrkdwn(err.usage)}\``));
    if (err.hint) blocks.push(context(err.hint));
    if (err.code === 'BAD_INPUT' || err.code === 'UNKNOWN_VERB' || err.code === 'UNKNOWN_SERVICE') {
      if (!err.hint) blocks.push(context('`/ecs help` lists every command.'));
    }
    log.info('answered with error', { code: err.code, detail: err.message });
    return { text: stripMrkdwn(err.userMessage), blocks };
  }
  const ref = randomUUID().slice(0, 8);
  log.error('unexpected error', { ref, err });
  const text = `:boom: Something went wrong on my side (ref \`${ref}\`). Nothing was changed by this error. Try again, and if it keeps happening, give the ref to whoever runs the bot.`;
  return { text: `Something went wrong (ref ${ref})`, blocks: [section(text)] };
}

function stripMrkdwn(s: string): string {
  return s.replace(/[*_`]/g, '');
}
