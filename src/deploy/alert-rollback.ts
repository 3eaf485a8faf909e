/**
 * A rollback asked for from an alert's Roll back button (src/alerts/buttons.ts: `/ecs rollback <svc>`
 * run with the alert message as `Invocation.alert`) rolls back away from the revision the alert is
 * about, or is not requested at all. The alert's revision is its first failed task's task definition
 * (the one its message shows), as the incident recorded it. Refused, and nothing requested:
 * - the service no longer runs that revision (rolled back already, deployed since): a rollback now
 *   would return it to whatever ran before *that*, which may well be the alert's revision (after a
 *   rollback, "what ran before" is the revision that failed);
 * - the rollback's target is that revision;
 * - the incident recorded no revision (a failed deployment, a service action, "down") and is over
 *   (recovered, or no longer the service's): nothing tells what rolling back from it would mean now.
 * Planning (./planner.ts planRollback) decides it, in the worker, against what ECS says runs now; the
 * request's start re-checks that the service still runs what the plan started from (./plan.ts drift),
 * so a request planned from the alert's revision cannot start once the service left it.
 *
 * Pure; the texts are worker-only (planner.ts).
 */
import { arnTail } from '../aws/arn';
import { defineMessages, type Localized } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { code, link, messageUrl } from '../slack/text';

/** The alert a rollback was asked for from, as its incident is on record when the worker plans it. */
export interface AlertScope {
  /** The task definition the alert is about (ARN or `family:revision`); absent when the incident recorded none. */
  taskDefinition?: string;
  /** The incident recovered, or it is no longer the service's (replaced by a newer one, expired). */
  over: boolean;
}

/** The incident fields alertScopeOf reads (src/alerts/incident.ts IncidentView). */
export interface AlertIncidentFacts {
  state: 'open' | 'recovered';
  channel?: string;
  ts?: string;
  first?: { taskDefinitionArn?: string; taskDefinition?: string };
}

/**
 * The scope of a rollback asked for from the alert message `alert`, given the service's incident on
 * record (undefined: none). The incident is that alert's when it was posted there (`ts`; before its ts
 * is recorded, the channel alone, as the button's own check in src/alerts/buttons.ts); otherwise the
 * alert is over and its revision unknown here.
 */
export function alertScopeOf(incident: AlertIncidentFacts | undefined, alert: { channel: string; ts: string }): AlertScope {
  if (!incident || incident.channel !== alert.channel || (incident.ts && incident.ts !== alert.ts)) return { over: true };
  const td = incident.first?.taskDefinitionArn || incident.first?.taskDefinition;
  return { ...(td ? { taskDefinition: td } : {}), over: incident.state === 'recovered' };
}

export type AlertRollbackRefusal =
  /** The service runs `current`, not the alert's revision `alerted`. */
  | { why: 'moved'; alerted: string; current: string }
  /** The rollback would return the service to the alert's revision. */
  | { why: 'target'; alerted: string }
  /** No revision on record, and the alert is over. */
  | { why: 'over'; current: string };

const sameRevision = (a: string, b: string): boolean => arnTail(a) === arnTail(b);

/**
 * Whether a rollback of a service running `current` to `target` (not known yet: undefined) may be
 * asked for from an alert of scope `alert`; the refusal when not.
 */
export function alertRollbackRefusal(alert: AlertScope, current: string, target?: string): AlertRollbackRefusal | undefined {
  const alerted = alert.taskDefinition;
  if (!alerted) return alert.over ? { why: 'over', current } : undefined;
  if (!sameRevision(current, alerted)) return { why: 'moved', alerted, current };
  if (target !== undefined && sameRevision(target, alerted)) return { why: 'target', alerted };
  return undefined;
}

const M = defineMessages('deploy.alert-rollback', {
  moved: {
    en: '{service} no longer runs {alerted} (the revision this alert is about): it runs {current}{since}. Nothing to roll back, so I requested nothing.',
    ko: '{service} 서비스는 더 이상 이 알림의 리비전({alerted})을 실행하지 않습니다. {since}지금 실행 중인 리비전은 {current}입니다. 되돌릴 것이 없어 아무것도 요청하지 않았습니다.',
  },
  sinceRollback: { en: ' since the rollback {request}', ko: '롤백({request}) 이후 ' },
  sinceDeploy: { en: ' since the deploy {request}', ko: '배포({request}) 이후 ' },
  sinceChange: { en: ' since {request}', ko: '{request} 이후 ' },
  request: { en: 'request {id}', ko: '요청 {id}' },
  target: {
    en: 'This rollback would return {service} to {alerted}, the revision this alert is about, so I requested nothing.',
    ko: '이 롤백은 {service} 서비스를 이 알림의 리비전({alerted})으로 되돌리는 것이라 아무것도 요청하지 않았습니다.',
  },
  over: {
    en: 'This alert is over and does not say which revision failed, so I requested nothing: a rollback now would return {service} from {current} to what ran before it.',
    ko: '끝난 알림이고 어느 리비전이 실패했는지 기록이 없어 아무것도 요청하지 않았습니다. 지금 롤백하면 {service} 서비스가 지금 리비전({current})에서 그 전 리비전으로 돌아갑니다.',
  },
  hint: {
    en: 'To roll back what runs now, type `/ecs rollback {alias}`.',
    ko: '지금 실행 중인 것을 되돌리려면 `/ecs rollback {alias}` 명령을 쓰세요.',
  },
});

/** The change that put the service on its current revision, when the bot made it: for the refusal's "since …". */
export interface ChangeSince {
  id: string;
  verb: string;
  channel?: string;
  messageTs?: string;
}

/** The refusal's words, in the clicker's language when written, and its hint. */
export function alertRollbackRefusalText(
  refusal: AlertRollbackRefusal,
  alias: string,
  since?: ChangeSince,
): { message: Localized; hint: Localized } {
  const service = code(alias);
  const hint = M.lazy('hint', { alias });
  if (refusal.why === 'target') return { message: M.lazy('target', { service, alerted: code(arnTail(refusal.alerted)) }), hint };
  if (refusal.why === 'over') return { message: M.lazy('over', { service, current: code(arnTail(refusal.current)) }), hint };
  const sinceText = (locale: Locale): string => {
    if (!since) return '';
    const t = M.in(locale);
    const label = t('request', { id: since.id });
    const request = since.channel && since.messageTs ? link(messageUrl(since.channel, since.messageTs), label) : label;
    return t(since.verb === 'rollback' ? 'sinceRollback' : since.verb === 'deploy' ? 'sinceDeploy' : 'sinceChange', { request });
  };
  return {
    message: M.lazy('moved', {
      service,
      alerted: code(arnTail(refusal.alerted)),
      current: code(arnTail(refusal.current)),
      since: sinceText,
    }),
    hint,
  };
}
