/**
 * Who may do what, where. Pure: the caller resolves the user's user-group memberships first
 * (groupsToResolve tells which groups matter) and passes them in.
 */
import type { Config, EnvironmentConfig } from '../config/schema';
import { defineMessages, type Localized } from '../i18n/catalog';
import { principal } from '../slack/text';

const M = defineMessages('policy.authorize', {
  unknownEnvironment: { en: 'Environment `{env}` is not configured.', ko: '`{env}` 환경은 설정되어 있지 않습니다.' },
  wrongChannel: {
    en: 'Commands for `{env}` are not allowed in this channel. Use {channels}.',
    ko: '이 채널에서는 `{env}` 환경 명령을 쓸 수 없습니다. {channels} 채널을 이용하세요.',
  },
  channelIsFor: { en: 'This channel is for `{env}`: {services}.', ko: '이 채널은 `{env}` 환경용입니다: {services}.' },
  notAllowed: {
    en: 'You are not allowed to {what} `{env}`. {who} Ask an admin to add you in chatops.yml (environments.{env}.{field}).',
    ko: '`{env}` 환경에서 {what} 권한이 없습니다. {who} 관리자에게 chatops.yml(environments.{env}.{field})에 추가해 달라고 요청하세요.',
  },
  needs: { en: 'That needs: {who}.', ko: '필요한 권한: {who}.' },
  nobody: { en: 'Nobody is configured for that role.', ko: '이 역할에는 아무도 설정되어 있지 않습니다.' },
  reader: { en: 'read from', ko: '조회할' },
  requester: { en: 'request changes in', ko: '변경을 요청할' },
  approver: { en: 'approve changes in', ko: '변경을 승인할' },
  breakGlass: { en: 'break glass in', ko: '긴급 실행(break-glass)할' },
  shifter: { en: 'shift production traffic in', ko: '운영 트래픽을 전환할' },
  freeze: { en: 'freeze or unfreeze', ko: '변경 동결을 걸거나 풀' },
});

/**
 * reader / requester / approver: the environment's lists. breakGlass: who may run a change without
 * waiting for approval (`gates.breakGlass.users`, nobody when not configured). shifter: who may press
 * Shift production traffic / Roll back on a paused deployment (`gates.trafficShift.approvers`,
 * default the approvers).
 */
export type Role = 'reader' | 'requester' | 'approver' | 'breakGlass' | 'shifter';

/** What a person tried, when a refusal should name it instead of the role's own words: `/ecs freeze` and `/ecs unfreeze` need an approver. */
export type Doing = 'freeze';

export function principalsFor(env: EnvironmentConfig, role: Role): readonly string[] {
  if (role === 'reader') return env.readers;
  if (role === 'requester') return env.requesters;
  if (role === 'breakGlass') return env.gates.breakGlass?.users ?? [];
  if (role === 'shifter') return env.gates.trafficShift?.approvers ?? env.approvers;
  return env.approvers;
}

/** The user-group IDs whose membership decides this question (none when the user is listed directly or "*"). */
export function groupsToResolve(env: EnvironmentConfig, role: Role, userId: string): string[] {
  const list = principalsFor(env, role);
  if (list.includes('*') || list.includes(userId)) return [];
  return list.filter((p) => p.startsWith('S'));
}

type Decision = { ok: true } | { ok: false; reason: Localized };

interface AuthorizeInput {
  config: Config;
  environment: string;
  channelId: string;
  userId: string;
  role: Role;
  /** The user-groups (among groupsToResolve) that the user belongs to. */
  userGroups: ReadonlySet<string>;
  doing?: Doing;
}

const roleField: Record<Role, string> = {
  reader: 'readers',
  requester: 'requesters',
  approver: 'approvers',
  breakGlass: 'gates.breakGlass.users',
  shifter: 'gates.trafficShift.approvers',
};

export function hasRole(env: EnvironmentConfig, role: Role, userId: string, userGroups: ReadonlySet<string>): boolean {
  const list = principalsFor(env, role);
  return list.includes('*') || list.includes(userId) || list.some((p) => userGroups.has(p));
}

export function authorize(input: AuthorizeInput): Decision {
  const env = input.config.environments[input.environment];
  if (!env) return { ok: false, reason: M.lazy('unknownEnvironment', { env: input.environment }) };
  if (!env.channels.includes(input.channelId)) {
    const where = env.channels.map((c) => `<#${c}>`).join(', ');
    // The channel's own environment and its services: what was probably meant (`web` typed in #staging).
    const here = Object.keys(input.config.environments).find((e) => input.config.environments[e]!.channels.includes(input.channelId));
    const services = Object.keys(input.config.services).filter((s) => input.config.services[s]!.environment === here);
    const reason = M.lazy('wrongChannel', { env: input.environment, channels: where });
    if (!here || !services.length) return { ok: false, reason };
    const list =
      services
        .slice(0, 5)
        .map((s) => `\`${s}\``)
        .join(', ') + (services.length > 5 ? ', …' : '');
    return { ok: false, reason: (locale) => `${reason(locale)} ${M.in(locale)('channelIsFor', { env: here, services: list })}` };
  }
  if (!hasRole(env, input.role, input.userId, input.userGroups)) {
    const principals = principalsFor(env, input.role);
    const role = input.role;
    const doing = input.doing ?? role;
    return {
      ok: false,
      reason: (locale) => {
        const t = M.in(locale);
        const who = principals.map((p) => principal(p, locale)).join(', ');
        return t('notAllowed', {
          what: t(doing),
          env: input.environment,
          who: who ? t('needs', { who }) : t('nobody'),
          field: roleField[role],
        });
      },
    };
  }
  return { ok: true };
}

/**
 * The channel an alert's button (Status, Roll back, Mute 1 h) runs its command in. An alert is
 * posted in its service's alert channel (chatops.yml), which need not be one of the environment's
 * command channels: a press there, on the bot's own alert for that service, runs the command as if
 * typed in the environment's first channel, so the same role rules apply and a change's request card
 * goes where the change workflow keeps it (an environment channel: its approvals and its start are
 * checked against that). Anywhere else (an environment channel, or a channel that is no longer the
 * alert channel) it runs where it was pressed, under the ordinary channel rule. A command typed in the
 * alert channel never comes here: it keeps that rule.
 */
export function alertCommandChannel(env: EnvironmentConfig, pressedIn: string, alertChannel: string): string {
  return pressedIn === alertChannel && !env.channels.includes(pressedIn) ? env.channels[0]! : pressedIn;
}
