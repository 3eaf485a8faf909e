/**
 * Approved requests that never started: what their thread is told when the approval lapses (the
 * start-deadline tick), when chatops.yml no longer names their service, when someone cancels them
 * before they start, or when their start is refused for a reason the card shows (stoppedNotice). What
 * only the worker says (a late job, Lambda giving up) is ./start-refused.ts. Pure.
 */
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention } from '../slack/text';
import { requestVerbTitle } from './format';
import { slackDate } from '../slack/time';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import type { Localized } from '../i18n/catalog';
import type { ChangeRequest } from './types';

type Req = Pick<ChangeRequest, 'verb' | 'service' | 'approvedAt' | 'startBy'> & Partial<Pick<ChangeRequest, 'plan'>>;

const M = defineMessages('approvals.unstarted', {
  lapseReason: {
    en: 'not started within {deadline} of the approval (the work was lost before it began), so the approval lapsed and the service is free again. Nothing was changed.',
    ko: '승인 후 {deadline} 안에 시작하지 않았습니다(시작 전에 작업을 잃었습니다). 그래서 승인이 만료되었고 서비스는 다시 비었습니다. 아무것도 바뀌지 않았습니다.',
  },
  notConfigured: {
    en: 'not started: chatops.yml no longer names {service} in {env} (removed, renamed or moved since the request), so the bot does not change it. Request it again if it is still wanted.',
    ko: '시작하지 못함: chatops.yml에 {env}의 {service} 서비스가 더 이상 없습니다(요청 이후 삭제·이름 변경·이동됨). 그래서 봇이 바꾸지 않습니다. 여전히 필요하면 다시 요청하세요.',
  },
  title: { en: '{verb} of {service}', ko: '{service} {verb}' },
  lapsed: {
    en: ':hourglass: This {title} was approved{when} but never started: the bot lost the work before it began (for example the worker could not reach Redis, or stopped first). An approval must start within {deadline}, so I failed the request and {service} is free for new requests. Nothing was changed on the service; request it again if it is still needed.',
    ko: ':hourglass: 이 {title} 요청은{when} 승인되었지만 시작하지 못했습니다. 시작 전에 봇이 작업을 잃었습니다(예: 워커가 Redis에 닿지 못했거나 먼저 멈춤). 승인은 {deadline} 안에 시작해야 하므로 요청을 실패 처리했고, {service} 서비스는 새 요청을 받을 수 있습니다. 서비스는 바뀌지 않았으니 아직 필요하면 다시 요청하세요.',
  },
  lapsedText: { en: '{title} never started; the request failed', ko: '{title}이(가) 시작되지 않아 요청이 실패했습니다' },
  cancelled: {
    en: ':heavy_multiplication_x: {user} cancelled this {title} before it started. Nothing was changed on the service.',
    ko: ':heavy_multiplication_x: {user} 님이 이 {title} 요청을 시작 전에 취소했습니다. 서비스는 바뀌지 않았습니다.',
  },
  notConfiguredThread: {
    en: ':x: This {title} did not start: chatops.yml no longer names {service} in {env}. Nothing was changed; request it again if it is still needed.',
    ko: ':x: 이 {title} 요청은 시작하지 않았습니다: chatops.yml에 {env}의 {service} 서비스가 더 이상 없습니다. 바뀐 것은 없으니 아직 필요하면 다시 요청하세요.',
  },
  cancelledText: { en: '{title} cancelled before it started', ko: '{title}이(가) 시작 전에 취소되었습니다' },
  stopped: { en: '{people}: {text}', ko: '{people} 님, {text}' },
});

/** Why the request failed (decisionReason, shown on the request message), in the workspace's language. */
export function lapseReason(deadlineMs: number, locale: Locale = 'en'): string {
  return M.in(locale)('lapseReason', { deadline: formatDuration(deadlineMs, locale) });
}

/**
 * The reason when a request can no longer start because chatops.yml no longer names its service in
 * its environment (the worker's refusal, and the ticks that end such a request before its time).
 */
export function notConfiguredReason(environment: string, service: string): Localized {
  return M.lazy('notConfigured', { service: `\`${service}\``, env: `\`${environment}\`` });
}

function title(req: Req, locale: Locale, plain = false): string {
  return M.in(locale)('title', { verb: requestVerbTitle(req, locale), service: plain ? req.service : code(req.service) });
}

/** The thread reply when the start-deadline tick fails an approved request that never started. */
export function lapsedNotice(req: Req, deadlineMs: number, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const when = req.approvedAt ? ` ${slackDate(req.approvedAt)}` : '';
  const text = t('lapsed', { title: title(req, locale), when, deadline: formatDuration(deadlineMs, locale), service: code(req.service) });
  return { text: t('lapsedText', { title: title(req, locale, true) }), blocks: [section(text)], locale };
}

/** The thread reply when a tick fails an approved or scheduled request because chatops.yml no longer names its service. */
export function notConfiguredNotice(req: Req & Pick<ChangeRequest, 'environment'>, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const text = t('notConfiguredThread', { title: title(req, locale), service: code(req.service), env: code(req.environment) });
  return { text: t('lapsedText', { title: title(req, locale, true) }), blocks: [section(text)], locale };
}

/**
 * The thread reply when an approved (or scheduled) request is refused at its start for a reason its
 * card shows (frozen, locked, the change window closed): `reason` (the card's), said to its requester
 * and approvers by a mention.
 */
export function stoppedNotice(req: Pick<ChangeRequest, 'requester' | 'approvals'>, reason: string, locale: Locale = 'en'): SlackMessage {
  const text = reason.charAt(0).toUpperCase() + reason.slice(1);
  const people = [...new Set([req.requester, ...req.approvals.map((a) => a.user)])].map((u) => mention(u, locale)).join(' ');
  return { text, blocks: [section(`:no_entry: ${M.in(locale)('stopped', { people, text })}`)], locale };
}

/** The thread reply when someone cancels an approved request before it starts. */
export function cancelledBeforeStartNotice(req: Req, user: string, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const text = t('cancelled', { user: mention(user, locale), title: title(req, locale) });
  return { text: t('cancelledText', { title: title(req, locale, true) }), blocks: [section(text)], locale };
}
