/**
 * Authorization held again at a scheduled start (pure; the worker's part only,
 * src/approvals/reauthorize.run.ts, imports it). A request made with `--at` waits, approved, until
 * its time: by then chatops.yml (as loaded now) or a user group may have changed. The requester must
 * still be one who may request changes in the environment, from the request's channel, and the
 * approvals it holds must still come from people who may approve them there: enough of them (the
 * number the request needs) must still count. Who holds which role is asked through the one
 * authorization wrapper (rt.access, policy ./authorize.ts hasRole); this decides from the answers.
 */
import type { EnvironmentConfig } from '../config/schema';
import { defineMessages, type Localized } from '../i18n/catalog';
import { mention } from '../slack/text';

const M = defineMessages('policy.recheck', {
  requesterGone: {
    en: '{user} may no longer request changes in `{env}` (chatops.yml `environments.{env}.requesters`)',
    ko: '{user} 님은 이제 `{env}` 환경에서 변경을 요청할 수 없습니다(chatops.yml `environments.{env}.requesters`)',
  },
  channelGone: {
    en: '`{env}` no longer takes changes from {channel} (chatops.yml `environments.{env}.channels`)',
    ko: '`{env}` 환경은 이제 {channel} 채널의 변경을 받지 않습니다(chatops.yml `environments.{env}.channels`)',
  },
  approversGone: {
    en: '{users} may no longer approve changes in `{env}` (chatops.yml `environments.{env}.approvers`), so only {valid} of the {needed} approvals it needs still count',
    ko: '{users} 님은 이제 `{env}` 환경의 변경을 승인할 수 없어(chatops.yml `environments.{env}.approvers`), 필요한 승인 {needed}개 중 {valid}개만 유효합니다',
  },
});

/** What the start needs to know of the request. */
export interface StartingRequest {
  environment: string;
  channel: string;
  requester: string;
  approvalsNeeded: number;
  approvals: ReadonlyArray<{ user: string }>;
}

/** The role answers, asked now: does the requester still hold `requester`, does each approver still hold `approver`. */
export interface HeldNow {
  requester: boolean;
  approvers: ReadonlyMap<string, boolean>;
}

export type StartRecheck =
  { ok: true; stale: string[] } | { ok: false; why: Localized; requester: boolean; channel: boolean; stale: string[]; valid: number };

/** The approvers whose role must be asked (each once, not the requester: their approval never counts). */
export function approversToAsk(req: StartingRequest): string[] {
  return [...new Set(req.approvals.map((a) => a.user).filter((u) => u !== req.requester))];
}

/**
 * May the scheduled request `req` still start under `env` (the environment's configuration now)?
 * `ok` with `stale` (approvers who no longer qualify, while enough others still count), or why not:
 * the requester, the channel, or too few approvals that still count (naming who no longer qualifies).
 */
export function recheckAtStart(env: EnvironmentConfig, req: StartingRequest, held: HeldNow): StartRecheck {
  const users = approversToAsk(req);
  const stale = users.filter((u) => held.approvers.get(u) !== true);
  const valid = users.length - stale.length;
  const requesterOk = held.requester;
  const channelOk = env.channels.includes(req.channel);
  const approvalsOk = valid >= req.approvalsNeeded;
  if (requesterOk && channelOk && approvalsOk) return { ok: true, stale };
  const env_ = req.environment;
  const why: Localized = (locale) => {
    const t = M.in(locale);
    const parts: string[] = [];
    if (!requesterOk) parts.push(t('requesterGone', { user: mention(req.requester, locale), env: env_ }));
    if (!channelOk) parts.push(t('channelGone', { env: env_, channel: `<#${req.channel}>` }));
    if (!approvalsOk)
      parts.push(
        t('approversGone', {
          users: stale.map((u) => mention(u, locale)).join(', '),
          env: env_,
          valid,
          needed: req.approvalsNeeded,
        }),
      );
    return parts.join('; ');
  };
  return { ok: false, why, requester: requesterOk, channel: channelOk, stale, valid };
}
