/**
 * What the worker says when an approved request it was handed does not start: the job reached it
 * after the approval's start deadline, or Lambda gave up on the invocation that should have run it.
 * Worker code (./execution.ts), apart from ./unstarted.ts, whose notices the ticks and clicks in the
 * Slack bundle say. Pure.
 */
import { section, type SlackMessage } from '../slack/blocks';
import { code } from '../slack/text';
import { requestVerbTitle } from './format';
import { slackDate } from '../slack/time';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import type { ChangeRequest } from './types';

type Req = Pick<ChangeRequest, 'verb' | 'service' | 'approvedAt' | 'startBy'> & Partial<Pick<ChangeRequest, 'plan'>>;

const M = defineMessages('approvals.start-refused', {
  lateStartReason: {
    en: 'not started: the work reached the worker more than {deadline} after the approval, when the approval was no longer valid. Nothing was changed.',
    ko: '시작하지 않음: 작업이 승인 후 {deadline}이(가) 지나 승인이 더 이상 유효하지 않을 때 워커에 도착했습니다. 아무것도 바뀌지 않았습니다.',
  },
  workerFailedReason: { en: 'not started: {why}. Nothing was changed.', ko: '시작하지 않음: {why}. 아무것도 바뀌지 않았습니다.' },
  lateStart: {
    en: ":hourglass: This {title} was approved{when}, but its work only reached the worker {late} later, after the approval's start deadline ({deadline}). It did not run: nothing was changed, and {service} is free for new requests. Request it again if it is still needed.",
    ko: ':hourglass: 이 {title} 요청은{when} 승인되었지만, 작업이 승인 시작 기한({deadline})을 넘겨 {late} 뒤에야 워커에 도착했습니다. 실행하지 않았으므로 바뀐 것은 없고, {service} 서비스는 새 요청을 받을 수 있습니다. 아직 필요하면 다시 요청하세요.',
  },
  lateStartText: { en: '{title} did not start in time', ko: '{title}이(가) 제때 시작되지 않았습니다' },
  workerFailed: {
    en: ':x: This {title} was approved but never started: {why}. I failed the request, so {service} is free for new requests. Nothing was changed on the service; request it again if it is still needed.',
    ko: ':x: 이 {title} 요청은 승인되었지만 시작하지 못했습니다: {why}. 요청을 실패 처리했으므로 {service} 서비스는 새 요청을 받을 수 있습니다. 서비스는 바뀌지 않았으니 아직 필요하면 다시 요청하세요.',
  },
  lapsedText: { en: '{title} never started; the request failed', ko: '{title}이(가) 시작되지 않아 요청이 실패했습니다' },
  title: { en: '{verb} of {service}', ko: '{service} {verb}' },
});

function title(req: Req, locale: Locale, plain = false): string {
  return M.in(locale)('title', { verb: requestVerbTitle(req, locale), service: plain ? req.service : code(req.service) });
}

/** The reason when the execute job arrives after the start deadline. */
export function lateStartReason(deadlineMs: number, locale: Locale = 'en'): string {
  return M.in(locale)('lateStartReason', { deadline: formatDuration(deadlineMs, locale) });
}

/** The reason when the worker's invocation failed for good (Lambda's on-failure destination). */
export function workerFailedReason(why: string, locale: Locale = 'en'): string {
  return M.in(locale)('workerFailedReason', { why });
}

/** The thread reply when the execute job reached the worker after the approval's start deadline. */
export function lateStartNotice(req: Req, deadlineMs: number, now: number, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const when = req.approvedAt ? ` ${slackDate(req.approvedAt)}` : '';
  const text = t('lateStart', {
    title: title(req, locale),
    when,
    late: formatDuration(Math.max(0, now - (req.approvedAt ?? now)), locale),
    deadline: formatDuration(deadlineMs, locale),
    service: code(req.service),
  });
  return { text: t('lateStartText', { title: title(req, locale, true) }), blocks: [section(text)], locale };
}

/** The thread reply when Lambda gave up on the worker invocation that should have run it. */
export function workerFailedNotice(req: Req, why: string, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const text = t('workerFailed', { title: title(req, locale), why, service: code(req.service) });
  return { text: t('lapsedText', { title: title(req, locale, true) }), blocks: [section(text)], locale };
}
