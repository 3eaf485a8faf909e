/**
 * The worker's re-check of a scheduled request's authorization when it starts (loaded by
 * startExecution, ./execution.ts, only for a request with a start time). The roles are asked
 * through rt.access (the one authorization wrapper, user groups read from Slack now); the decision
 * is policy/recheck.ts (pure); the refusal fails the request before anything is sent to AWS, with
 * the reason on its card and a note in its thread.
 */
import type { Runtime } from '../runtime';
import { defineMessages, type Localized } from '../i18n/catalog';
import { section, type SlackMessage } from '../slack/blocks';
import { code, notificationText, verbTitle } from '../slack/text';
import type { Locale } from '../i18n';
import { approversToAsk, recheckAtStart, type StartingRequest } from '../policy/recheck';
import type { ChangeRequest } from './types';

const M = defineMessages('approvals.reauthorize', {
  reason: {
    en: 'not started: since it was approved, {why}. Nothing was changed. Request it again (and have it approved again) if it is still wanted.',
    ko: '시작하지 못함: 승인된 뒤로 {why}. 아무것도 바뀌지 않았습니다. 여전히 필요하면 다시 요청하고 다시 승인을 받으세요.',
  },
  notice: {
    en: ':no_entry: This {title} did not start at its scheduled time: {why} (chatops.yml and the user groups as they are now). Nothing was changed, and {service} is free for new requests. Request it again if it is still needed.',
    ko: ':no_entry: 이 {title} 요청은 예약된 시각에 시작하지 않았습니다: {why} (지금의 chatops.yml과 사용자 그룹 기준). 아무것도 바뀌지 않았고 {service} 서비스는 새 요청을 받을 수 있습니다. 아직 필요하면 다시 요청하세요.',
  },
  noticeText: { en: '{title} did not start: no longer authorized', ko: '{title}이(가) 시작되지 않음: 더 이상 권한 없음' },
  title: { en: '{verb} of {service}', ko: '{service} {verb}' },
});

export interface StartRefusal {
  /** For the request's card (decisionReason), any language. */
  reason: Localized;
  /** The thread note. */
  notice(locale: Locale): SlackMessage;
}

/**
 * Why scheduled request `req` may no longer start under the configuration and user groups as they
 * are now, or undefined when it may. Throws when a user group cannot be read (the job fails and is
 * retried or settled like any failed start: nothing runs on an unknown answer).
 */
export async function refusalAtStart(rt: Runtime, req: ChangeRequest): Promise<StartRefusal | undefined> {
  const env = rt.config.environments[req.environment];
  if (!env) return undefined; // startExecution refuses an unconfigured service before this
  const starting: StartingRequest = req;
  const users = approversToAsk(starting);
  const [requester, ...answers] = await Promise.all([
    rt.access.holds(req.environment, req.requester, 'requester'),
    ...users.map((u) => rt.access.holds(req.environment, u, 'approver')),
  ]);
  const held = { requester: requester!, approvers: new Map(users.map((u, i) => [u, answers[i]!] as const)) };
  const decision = recheckAtStart(env, starting, held);
  if (decision.ok) {
    if (decision.stale.length)
      rt.log.info('approvals: some approvers no longer qualify; enough others still do', { requestId: req.id, stale: decision.stale });
    return undefined;
  }
  rt.log.warn('approvals: scheduled start refused, no longer authorized', {
    requestId: req.id,
    requester: decision.requester,
    channel: decision.channel,
    stale: decision.stale,
    valid: decision.valid,
  });
  const why = decision.why;
  return {
    reason: (locale) => M.in(locale)('reason', { why: why(locale) }),
    notice(locale) {
      const t = M.in(locale);
      const title = (plain: boolean) => t('title', { verb: verbTitle(req.verb, locale), service: plain ? req.service : code(req.service) });
      const text = t('notice', { title: title(false), why: why(locale), service: code(req.service) });
      return { text: notificationText(t('noticeText', { title: title(true) })), blocks: [section(text)], locale };
    },
  };
}
