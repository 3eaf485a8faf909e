/**
 * The worker's re-check of an approved request's authorization when it starts (loaded by
 * startExecution, ./execution.ts, for every approved request but a break-glass one). The roles are
 * asked through rt.access (the one authorization wrapper, user groups read from Slack now); the
 * decision is policy/recheck.ts (pure); the refusal fails the request before anything is sent to
 * AWS, with the reason on its card and a note in its thread. A user group Slack does not answer for
 * is asked again a few times; when it still cannot be read and only its answer could have let the
 * change start, the change does not start either ("could not check"), in the same way.
 */
import type { Runtime } from '../runtime';
import { defineMessages, type Localized } from '../i18n/catalog';
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention, notificationText } from '../slack/text';
import { requestVerbTitle } from './format';
import { isSlackRateLimited, slackErrorCodeOf } from '../slack/gateway';
import type { Locale } from '../i18n';
import type { Role } from '../policy/authorize';
import { approversToAsk, recheckAtStart, type HeldAnswer, type StartingRequest } from '../policy/recheck';
import type { ChangeRequest } from './types';

const M = defineMessages('approvals.reauthorize', {
  reason: {
    en: 'not started: since it was approved, {why}. Nothing was changed. Request it again (and have it approved again) if it is still wanted.',
    ko: '시작하지 못함: 승인된 뒤로 {why}. 아무것도 바뀌지 않았습니다. 여전히 필요하면 다시 요청하고 다시 승인을 받으세요.',
  },
  notice: {
    en: ':no_entry: This {title} did not start{when}: {why} (chatops.yml and the user groups as they are now). Nothing was changed, and {service} is free for new requests. Request it again if it is still needed.',
    ko: ':no_entry: 이 {title} 요청은{when} 시작하지 않았습니다: {why} (지금의 chatops.yml과 사용자 그룹 기준). 아무것도 바뀌지 않았고 {service} 서비스는 새 요청을 받을 수 있습니다. 아직 필요하면 다시 요청하세요.',
  },
  noticeText: { en: '{title} did not start: no longer authorized', ko: '{title}이(가) 시작되지 않음: 더 이상 권한 없음' },
  atScheduled: { en: ' at its scheduled time', ko: ' 예약된 시각에' },
  unverifiedReason: {
    en: 'not started: I could not check with Slack whether {who} may still request or approve changes in `{env}` ({cause}), and a change never runs on roles nobody could check. Nothing was changed. Request it again once Slack answers.',
    ko: '시작하지 못함: {who} 님이 아직 `{env}` 환경에서 변경을 요청하거나 승인할 수 있는지 Slack에서 확인하지 못했습니다({cause}). 확인하지 못한 권한으로는 변경을 실행하지 않습니다. 아무것도 바뀌지 않았습니다. Slack이 응답하면 다시 요청하세요.',
  },
  unverifiedNotice: {
    en: ':warning: This {title} did not start{when}: I could not check with Slack whether {who} may still request or approve changes in `{env}` ({cause}). It does not run on roles nobody could check: nothing was changed, and {service} is free for new requests. Request it again once Slack answers.',
    ko: ':warning: 이 {title} 요청은{when} 시작하지 않았습니다: {who} 님이 아직 `{env}` 환경에서 변경을 요청하거나 승인할 수 있는지 Slack에서 확인하지 못했습니다({cause}). 확인하지 못한 권한으로는 실행하지 않으므로 아무것도 바뀌지 않았고, {service} 서비스는 새 요청을 받을 수 있습니다. Slack이 응답하면 다시 요청하세요.',
  },
  unverifiedText: { en: '{title} did not start: roles could not be checked', ko: '{title}이(가) 시작되지 않음: 권한을 확인하지 못함' },
  causeNoAnswer: { en: 'Slack did not answer in time', ko: 'Slack이 제때 응답하지 않음' },
  causeRateLimited: { en: 'Slack was limiting how often the bot may call it', ko: 'Slack이 봇의 호출 횟수를 제한함' },
  causeHttp: { en: 'Slack answered with an error of its own, HTTP {status}', ko: 'Slack이 자체 오류로 응답함, HTTP {status}' },
  causeScope: {
    en: 'the Slack app lacks the usergroups:read scope: reinstall it from slack-manifest.yml',
    ko: 'Slack 앱에 usergroups:read 권한이 없음: slack-manifest.yml로 다시 설치해야 함',
  },
  causeToken: { en: "Slack refused the bot's token", ko: 'Slack이 봇 토큰을 거부함' },
  causeRefused: { en: 'Slack refused to list the user group: {code}', ko: 'Slack이 사용자 그룹 조회를 거부함: {code}' },
  title: { en: '{verb} of {service}', ko: '{service} {verb}' },
});

/** Rounds of asking a role Slack did not answer for, and the pauses between them. */
const LOOKUP_PAUSES_MS = [1_000, 3_000];

export interface StartRefusal {
  /** NOT_AUTHORIZED: no longer allowed; UNVERIFIED: the roles could not be checked. */
  code: 'NOT_AUTHORIZED' | 'UNVERIFIED';
  /** For the request's card (decisionReason), any language. */
  reason: Localized;
  /** The thread note. */
  notice(locale: Locale): SlackMessage;
}

/** Why a user-group lookup failed, in plain words (the SDK's text stays in the log); also for the traffic-shift press (deploy/traffic.run.ts). */
export function lookupCause(err: unknown): Localized {
  const slackCode = slackErrorCodeOf(err);
  if (slackCode === 'missing_scope') return M.lazy('causeScope');
  if (slackCode && ['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive'].includes(slackCode))
    return M.lazy('causeToken');
  if (isSlackRateLimited(err) || slackCode === 'ratelimited') return M.lazy('causeRateLimited');
  if (slackCode) return M.lazy('causeRefused', { code: code(slackCode) });
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const status = (e as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return M.lazy('causeHttp', { status });
  }
  return M.lazy('causeNoAnswer');
}

/**
 * A role asked through rt.access (`ask`), asked again after each of LOOKUP_PAUSES_MS when a user
 * group cannot be read: its answer, or the last lookup error (the answer is then unknown, never a yes).
 */
export async function askWithRetries(rt: Runtime, ask: () => Promise<boolean>): Promise<{ held: boolean } | { failure: unknown }> {
  for (let round = 0; ; round++) {
    try {
      return { held: await ask() };
    } catch (err) {
      if (round >= LOOKUP_PAUSES_MS.length) return { failure: err };
      rt.log.warn('approvals: a role could not be checked with Slack; asking again', { round, err });
      await rt.sleep(LOOKUP_PAUSES_MS[round]!);
    }
  }
}

/** The role answers for `asks` ([user, role]): true, false, or 'unknown' (askWithRetries); `failure` is a lookup error. */
async function askRoles(
  rt: Runtime,
  environment: string,
  asks: ReadonlyArray<readonly [string, Role]>,
): Promise<{ answers: HeldAnswer[]; failure?: unknown }> {
  let failure: unknown;
  const answers = await Promise.all(
    asks.map(async ([user, role]): Promise<HeldAnswer> => {
      const r = await askWithRetries(rt, () => rt.access.holds(environment, user, role));
      if ('held' in r) return r.held;
      failure = r.failure;
      return 'unknown';
    }),
  );
  return { answers, ...(failure !== undefined ? { failure } : {}) };
}

/**
 * Why approved request `req` may no longer start under the configuration and user groups as they
 * are now, or undefined when it may. Nothing runs on an unknown answer: when a user group cannot be
 * read and only its answer could let the change start, the refusal says the roles could not be checked.
 */
export async function refusalAtStart(rt: Runtime, req: ChangeRequest): Promise<StartRefusal | undefined> {
  const env = rt.config.environments[req.environment];
  if (!env) return undefined; // startExecution refuses an unconfigured service before this
  const starting: StartingRequest = req;
  const users = approversToAsk(starting);
  const asks = [[req.requester, 'requester'] as const, ...users.map((u) => [u, 'approver'] as const)];
  const { answers, failure } = await askRoles(rt, req.environment, asks);
  const [requester, ...rest] = answers;
  const held = { requester: requester!, approvers: new Map(users.map((u, i) => [u, rest[i]!] as const)) };
  const decision = recheckAtStart(env, starting, held);
  if (decision.ok) {
    if (decision.stale.length)
      rt.log.info('approvals: some approvers no longer qualify; enough others still do', { requestId: req.id, stale: decision.stale });
    return undefined;
  }
  const t = (locale: Locale) => M.in(locale);
  const title = (locale: Locale, plain: boolean) =>
    t(locale)('title', { verb: requestVerbTitle(req, locale), service: plain ? req.service : code(req.service) });
  const when = (locale: Locale) => (req.startAt !== undefined ? t(locale)('atScheduled') : '');
  if (decision.unverified) {
    rt.log.warn('approvals: start refused, the roles could not be checked with Slack', {
      requestId: req.id,
      unverified: decision.unverified,
      err: failure,
    });
    const cause = lookupCause(failure);
    const params = (locale: Locale) => ({
      who: decision.unverified.map((u) => mention(u, locale)).join(', '),
      env: req.environment,
      cause: cause(locale),
    });
    return {
      code: 'UNVERIFIED',
      reason: (locale) => t(locale)('unverifiedReason', params(locale)),
      notice(locale) {
        const text = t(locale)('unverifiedNotice', {
          ...params(locale),
          title: title(locale, false),
          when: when(locale),
          service: code(req.service),
        });
        return { text: notificationText(t(locale)('unverifiedText', { title: title(locale, true) })), blocks: [section(text)], locale };
      },
    };
  }
  rt.log.warn('approvals: start refused, no longer authorized', {
    requestId: req.id,
    requester: decision.requester,
    channel: decision.channel,
    stale: decision.stale,
    valid: decision.valid,
    needed: decision.needed,
  });
  const why = decision.why;
  return {
    code: 'NOT_AUTHORIZED',
    reason: (locale) => t(locale)('reason', { why: why(locale) }),
    notice(locale) {
      const text = t(locale)('notice', { title: title(locale, false), when: when(locale), why: why(locale), service: code(req.service) });
      return { text: notificationText(t(locale)('noticeText', { title: title(locale, true) })), blocks: [section(text)], locale };
    },
  };
}
