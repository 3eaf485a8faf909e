/**
 * The note in a rejected request's thread: its requester is told, by a mention, who rejected it and
 * why, and that nothing changed. Before, only the card changed, although the requester's answer said
 * progress comes in the thread. Posted by the worker, not within the reject form's ack: the form's
 * submission hands a `notice` job naming the request (./clicks.ts rejectRequest), and the worker
 * reads the request and posts this once, keyed `<request id>:rejected` (./notice.run.ts: the notice's
 * claim and look-then-post, in the request's thread). Not in the Slack bundle.
 */
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention, oneLine } from '../slack/text';
import { defineMessages, type Locale } from '../i18n';
import { requestVerbTitle } from './format';
import type { ChangeRequest } from './types';

const M = defineMessages('approvals.rejected', {
  note: {
    en: ':no_entry: {requester}: {user} rejected this {title}: “{reason}”. Nothing was changed.',
    ko: ':no_entry: {requester} 님, {user} 님이 이 {title} 요청을 거절했습니다: “{reason}”. 아무것도 바뀌지 않았습니다.',
  },
  text: { en: '{title} rejected by {user}', ko: '{user} 님이 {title} 요청을 거절함' },
  title: { en: '{verb} of {service}', ko: '{service} {verb}' },
});

type Rejected = Pick<ChangeRequest, 'verb' | 'service' | 'requester'> &
  Partial<Pick<ChangeRequest, 'plan' | 'decidedBy' | 'decisionReason'>>;

/** The key of the note (a request's keyed post: `<id>:<name>`, as ./keyed-post.ts postKeyed names it). */
export const REJECTED_NOTE = 'rejected';

/** The note. Pure. */
export function rejectedNotice(req: Rejected, locale: Locale): SlackMessage {
  const t = M.in(locale);
  const title = (service: string) => t('title', { verb: requestVerbTitle(req, locale), service });
  const user = mention(req.decidedBy ?? '?', locale);
  const text = t('note', {
    requester: mention(req.requester, locale),
    user,
    title: title(code(req.service)),
    reason: oneLine(req.decisionReason ?? ''),
  });
  return { text: t('text', { title: title(req.service), user }), blocks: [section(text)], locale };
}
