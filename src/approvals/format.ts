/**
 * Small pure formatters of the approval workflow, shared by the request message, the answers
 * (codes.ts) and /ecs history: links to a request message, who holds a lock or freeze, the verb a
 * request is shown with. The
 * generic text helpers (mentions, quotes, verb titles) are in src/slack/text.ts.
 */
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import type { ChangeVerb } from '../config/schema';
import { code, escapeMrkdwn, mention, messageUrl, oneLine, verbTitle } from '../slack/text';
import { slackDate } from '../slack/time';
import { guardReason, type GuardInfo } from './guards';
import type { ChangeRequest } from './types';

const M = defineMessages('approvals.format', {
  request: { en: 'request {id}', ko: '요청 {id}' },
  guard: { en: 'by {user} since {since} ({duration} ago){why}', ko: '{user} 님, {since}부터 ({duration} 전){why}' },
  noReason: { en: ' (no reason given)', ko: ', 사유 없음' },
  reason: { en: ': “{reason}”', ko: ', 사유: “{reason}”' },
});

/** Link to the request message. */
export function requestLink(req: Pick<ChangeRequest, 'id' | 'channel' | 'messageTs'>, label?: string, locale: Locale = 'en'): string {
  const text = label ?? M.in(locale)('request', { id: req.id });
  if (!req.messageTs || !req.channel) return code(text);
  return `<${messageUrl(req.channel, req.messageTs)}|${escapeMrkdwn(text)}>`;
}

/** "by <@U1> since <date> (12 min ago): “reason”" for a lock or a freeze. */
export function guardText(g: GuardInfo, now: number, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const reason = guardReason(g, locale);
  const why = reason ? t('reason', { reason: oneLine(reason) }) : t('noReason');
  return t('guard', { user: mention(g.by, locale), since: slackDate(g.since), duration: formatDuration(now - g.since, locale), why });
}

/** The verb a change request is shown with: a resize's request is a deploy request (deploy approvals), named as the resize it is. */
export function shownVerb(req: { verb: ChangeVerb; plan?: unknown }): ChangeVerb | 'resize' {
  return (req.plan as { verb?: unknown } | null | undefined)?.verb === 'resize' ? 'resize' : req.verb;
}

/** A change request's verb title ({@link shownVerb}). */
export function requestVerbTitle(req: { verb: ChangeVerb; plan?: unknown }, locale: Locale = 'en'): string {
  return verbTitle(shownVerb(req), locale);
}
