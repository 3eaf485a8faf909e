/**
 * The expiry tick's note in a request's thread: its requester is told, by a mention, that the
 * request expired without the approvals it needed and that nothing changed; the note carries the
 * Request again button (./again.ts). Before, only the card changed, and nobody was told. Keyed like
 * every tick note (noteInThread): said once. Loaded lazily by expireDue (./clicks.ts): tick code,
 * not in the Slack bundle. A request a click or a new request expired first (a button pressed
 * after its time, a request for the same service) is marked untold by its script and stays due, so
 * the next tick tells its requester too (lua/expire-8.lua UNTOLD).
 */
import type { Runtime } from '../runtime';
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention } from '../slack/text';
import { requestVerbTitle } from './format';
import { slackDate } from '../slack/time';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import type { ChangeRequest } from './types';
import { noteInThread } from './workflow';

const M = defineMessages('approvals.expired', {
  note: {
    en: ':hourglass: {requester} this {title} expired {at} with {got} of the {needed} approvals it needed (requests wait {ttl}). Nothing was changed.',
    ko: ':hourglass: {requester} 이 {title} 요청은 필요한 승인 {needed}개 중 {got}개만 받아 {at} 만료되었습니다(요청은 {ttl} 기다립니다). 아무것도 바뀌지 않았습니다.',
  },
  text: { en: '{title} expired without enough approvals', ko: '{title} 요청이 승인을 다 받지 못해 만료됨' },
  title: { en: '{verb} of {service}', ko: '{service} {verb}' },
});

type Expired = Pick<
  ChangeRequest,
  'verb' | 'service' | 'requester' | 'approvals' | 'approvalsNeeded' | 'createdAt' | 'expiresAt' | 'finishedAt'
> &
  Partial<Pick<ChangeRequest, 'plan'>>;

/** The note. Pure. */
export function expiredNotice(req: Expired, locale: Locale): SlackMessage {
  const t = M.in(locale);
  const title = (service: string) => t('title', { verb: requestVerbTitle(req, locale), service });
  const text = t('note', {
    requester: mention(req.requester, locale),
    title: title(code(req.service)),
    at: slackDate(req.finishedAt ?? req.expiresAt),
    got: req.approvals.length,
    needed: req.approvalsNeeded,
    ttl: formatDuration(req.expiresAt - req.createdAt, locale),
  });
  return { text: t('text', { title: title(req.service) }), blocks: [section(text)], locale };
}

/** Tells the request's thread it expired (never throws: the transition already happened). */
export async function noteExpired(rt: Runtime, req: ChangeRequest): Promise<void> {
  await noteInThread(rt, req, 'expired', expiredNotice(req, rt.people.workspace), { requestAgain: true });
}
