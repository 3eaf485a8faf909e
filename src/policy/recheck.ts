/**
 * Authorization held again when an approved change starts (pure; the worker's part only,
 * src/approvals/reauthorize.run.ts, imports it). Between the request and its start (a scheduled
 * `--at` start, a hand-off Lambda delivered late or again, or simply approvals that took an hour)
 * chatops.yml (as loaded now) or a user group may have changed. The requester must still be one who
 * may request changes in the environment, from the request's channel, and enough of its approvals
 * must still come from people who may approve them there: as many as the environment needs now
 * (`approvals.<verb>`, plus the extra approval the request's cost gate asked for). A configuration
 * that now needs fewer is fine; one that needs more than the request collected is not. Who holds
 * which role is asked through the one authorization wrapper (rt.access, policy ./authorize.ts
 * hasRole); this decides from the answers. An answer that could not be had (Slack did not answer)
 * never counts as a yes: the change runs only when the answers it has are enough.
 */
import type { ChangeVerb, EnvironmentConfig } from '../config/schema';
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
  approversGoneOnly: {
    en: '{users} may no longer approve changes in `{env}` (chatops.yml `environments.{env}.approvers`)',
    ko: '{users} 님은 이제 `{env}` 환경의 변경을 승인할 수 없습니다(chatops.yml `environments.{env}.approvers`)',
  },
  moreNeeded: {
    en: '`{env}` now needs {needed} {needed|approval|approvals} for this change (chatops.yml `environments.{env}.approvals.{verb}`; {was} when it was requested), and only {valid} of its approvals {valid|counts|count}',
    ko: '`{env}` 환경은 이제 이 변경에 승인 {needed}개가 필요한데(chatops.yml `environments.{env}.approvals.{verb}`, 요청할 때는 {was}개), 유효한 승인은 {valid}개뿐입니다',
  },
});

/** What the start needs to know of the request. */
export interface StartingRequest {
  environment: string;
  verb: ChangeVerb;
  channel: string;
  requester: string;
  /** The approvals it needed when it was requested (the environment's then, plus its gates'). */
  approvalsNeeded: number;
  /** The approvals its release gates added (the cost gate's); undefined for a request stored before this was kept. */
  extraApprovals?: number;
  approvals: ReadonlyArray<{ user: string }>;
}

/**
 * A role answer asked now: true (holds it), false (does not), or 'unknown' (it could not be asked:
 * a user group Slack did not answer for). A user missing from `approvers` does not hold it.
 */
export type HeldAnswer = boolean | 'unknown';

export interface HeldNow {
  requester: HeldAnswer;
  approvers: ReadonlyMap<string, HeldAnswer>;
}

export type StartRecheck =
  | { ok: true; stale: string[]; needed: number }
  | {
      ok: false;
      /** The answers it has are not enough, but the ones that could not be had might have been: nobody can say. */
      unverified: string[];
      needed: number;
    }
  | {
      ok: false;
      unverified?: undefined;
      why: Localized;
      requester: boolean;
      channel: boolean;
      stale: string[];
      valid: number;
      needed: number;
    };

/** The approvers whose role must be asked (each once, not the requester: their approval never counts). */
export function approversToAsk(req: StartingRequest): string[] {
  return [...new Set(req.approvals.map((a) => a.user).filter((u) => u !== req.requester))];
}

/**
 * How many approvals `req` needs under `env` as configured now: the environment's `approvals.<verb>`
 * plus what its gates added. A request stored without its gates' part keeps at least what it needed
 * then (its own part cannot be told apart from the environment's).
 */
export function approvalsNeededNow(env: EnvironmentConfig, req: StartingRequest): number {
  const base = env.approvals[req.verb];
  return req.extraApprovals === undefined ? Math.max(base, req.approvalsNeeded) : base + req.extraApprovals;
}

/**
 * May the approved request `req` still start under `env` (the environment's configuration now)?
 * `ok` with `stale` (approvers who no longer qualify, while enough others still count); `unverified`
 * (who could not be checked, when only their answers could have let it start); or why not: the
 * requester, the channel, or too few approvals that still count for what the environment needs now.
 */
export function recheckAtStart(env: EnvironmentConfig, req: StartingRequest, held: HeldNow): StartRecheck {
  const users = approversToAsk(req);
  const answer = (u: string): HeldAnswer => held.approvers.get(u) ?? false;
  const unknown = users.filter((u) => answer(u) === 'unknown');
  const stale = users.filter((u) => answer(u) === false);
  const valid = users.length - stale.length - unknown.length;
  const needed = approvalsNeededNow(env, req);
  const channelOk = env.channels.includes(req.channel);
  if (held.requester === true && channelOk && valid >= needed) return { ok: true, stale, needed };
  // Counting every unknown answer as a yes: if that would be enough, only Slack could have said.
  const requesterMaybe = held.requester !== false;
  const validMaybe = valid + unknown.length;
  if (requesterMaybe && channelOk && validMaybe >= needed)
    return { ok: false, unverified: [...(held.requester === 'unknown' ? [req.requester] : []), ...unknown], needed };
  const approvalsOk = validMaybe >= needed;
  const raised = needed > req.approvalsNeeded;
  const env_ = req.environment;
  const why: Localized = (locale) => {
    const t = M.in(locale);
    const parts: string[] = [];
    const who = stale.map((u) => mention(u, locale)).join(', ');
    if (!requesterMaybe) parts.push(t('requesterGone', { user: mention(req.requester, locale), env: env_ }));
    if (!channelOk) parts.push(t('channelGone', { env: env_, channel: `<#${req.channel}>` }));
    if (!approvalsOk && raised) {
      parts.push(t('moreNeeded', { env: env_, needed, verb: req.verb, was: req.approvalsNeeded, valid: validMaybe }));
      if (stale.length) parts.push(t('approversGoneOnly', { users: who, env: env_ }));
    } else if (!approvalsOk) parts.push(t('approversGone', { users: who, env: env_, valid: validMaybe, needed }));
    return parts.join('; ');
  };
  return { ok: false, why, requester: requesterMaybe, channel: channelOk, stale, valid: validMaybe, needed };
}
