/**
 * Small pure formatters shared by the request message, the answers (codes.ts) and /ecs history:
 * ages, Slack date tokens, links to a request message, who holds a lock or freeze.
 */
import { code, escapeMrkdwn } from '../slack/text';
import { formatDuration } from '../config/duration';
import type { ChangeVerb } from '../config/schema';
import type { GuardInfo } from './guards';
import type { ChangeRequest } from './types';

/** Ages and durations read the same everywhere in the bot: 45s, 12m, 3h 5m, 2d 4h. */
export const formatAge = formatDuration;

import { slackDate as slackTime, utcText } from '../slack/time';

export { slackTime, utcText };

export function mention(user: string): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : user === 'bot' ? 'the bot' : code(user);
}

export function principal(p: string): string {
  if (p === '*') return 'everyone in the channel';
  return p.startsWith('S') ? `<!subteam^${p}>` : `<@${p}>`;
}

const VERB_TITLE: Record<ChangeVerb, string> = { deploy: 'Deploy', rollback: 'Rollback', scale: 'Scale', restart: 'Restart' };

export function verbTitle(verb: ChangeVerb): string {
  return VERB_TITLE[verb] ?? verb;
}

/** Link to the request message (Slack resolves /archives links for members of the workspace). */
export function requestLink(req: Pick<ChangeRequest, 'id' | 'channel' | 'messageTs'>, label = `request ${req.id}`): string {
  if (!req.messageTs || !req.channel) return code(label);
  return `<https://slack.com/archives/${req.channel}/p${req.messageTs.replace('.', '')}|${escapeMrkdwn(label)}>`;
}

/** User-typed free text on one line, escaped (never a mention or a link). */
export function quoteInline(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return escapeMrkdwn(one.length > max ? one.slice(0, max - 1) + '…' : one);
}

/** "by <@U1> since <date> (12 min ago): “reason”" for a lock or a freeze. */
export function guardText(g: GuardInfo, now: number): string {
  const why = g.reason ? `: “${quoteInline(g.reason)}”` : ' (no reason given)';
  return `by ${mention(g.by)} since ${slackTime(g.since)} (${formatAge(now - g.since)} ago)${why}`;
}

/** mrkdwn → plain text (modal errors): mentions, links and dates keep their readable part. */
export function plainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => label ?? `@${id}`)
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `#${label ?? id}`)
    .replace(/<([^|>]+)\|([^>]*)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/[*_`~]/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/:[a-z0-9_+-]+:\s*/g, '');
}
