/**
 * Small pure formatters of the approval workflow, shared by the request message, the answers
 * (codes.ts) and /ecs history: links to a request message, who holds a lock or freeze. The
 * generic text helpers (mentions, quotes, verb titles) are in src/slack/text.ts.
 */
import { formatDuration } from '../i18n';
import { code, escapeMrkdwn, mention, oneLine } from '../slack/text';
import { slackDate } from '../slack/time';
import type { GuardInfo } from './guards';
import type { ChangeRequest } from './types';

/** Link to the request message (Slack resolves /archives links for members of the workspace). */
export function requestLink(req: Pick<ChangeRequest, 'id' | 'channel' | 'messageTs'>, label = `request ${req.id}`): string {
  if (!req.messageTs || !req.channel) return code(label);
  return `<https://slack.com/archives/${req.channel}/p${req.messageTs.replace('.', '')}|${escapeMrkdwn(label)}>`;
}

/** "by <@U1> since <date> (12 min ago): “reason”" for a lock or a freeze. */
export function guardText(g: GuardInfo, now: number): string {
  const why = g.reason ? `: “${oneLine(g.reason)}”` : ' (no reason given)';
  return `by ${mention(g.by)} since ${slackDate(g.since)} (${formatDuration(now - g.since)} ago)${why}`;
}
