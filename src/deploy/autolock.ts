/**
 * Auto-lock after a rollback (gate 5), the deploy side: why a finished change locks its service (the
 * lock itself is taken by the finish script, src/approvals/lua/finish-4.lua), the note and button on
 * the final message, and the consumer that locks a service when ECS reports a failed deployment the
 * bot did not start (the circuit breaker rolled back a deployment made in the console or by CI).
 */
import type { KnownBlock } from '@slack/types';
import type { Runtime } from '../runtime';
import { keys } from '../redis/keys';
import { section } from '../slack/blocks';
import { code, oneLine } from '../slack/text';
import { defineMessages, type Locale } from '../i18n';
import { parseEcsEvent, type EcsEvent } from '../aws/ecs-events';
import { ackButton, autoLockService } from '../approvals/gate-locks';
import type { ChangePlan } from './plan';

export type RollbackCause = 'person' | 'breaker' | 'abort' | 'gate';

const text = defineMessages('deploy.autolock', {
  person: { en: 'rolled back with `/ecs rollback`', ko: '`/ecs rollback`으로 롤백됨' },
  breaker: { en: 'ECS rolled the deployment back: {why}', ko: 'ECS가 배포를 롤백함: {why}' },
  abort: { en: 'the deployment was aborted and rolled back', ko: '배포가 중단되고 롤백됨' },
  gate: { en: 'rolled back at the traffic-shift gate', ko: '트래픽 전환 게이트에서 롤백됨' },
  finalNote: {
    en: ':lock: {what} is now locked, so the same image is not deployed again by reflex. Check it, then acknowledge: *Acknowledge and unlock* or `/ecs unlock {service}`.',
    ko: ':lock: 같은 이미지가 반사적으로 다시 배포되지 않도록 {what}이(가) 잠겼습니다. 확인한 뒤 *확인 후 잠금 해제* 또는 `/ecs unlock {service}` 명령으로 처리하세요.',
  },
});

/** The reason stored on the automatic lock (shown in every refusal while it holds). */
export function autoLockReason(cause: RollbackCause, view: { reasons: readonly string[] }, locale: Locale): string {
  const t = text.in(locale);
  if (cause === 'breaker') return t('breaker', { why: oneLine(view.reasons[0] ?? '', 200) });
  return t(cause);
}

/** The lock note and the acknowledge button for the final message of a change that locked its service. */
export function autoLockBlocks(plan: Pick<ChangePlan, 'alias' | 'environment'>, locale: Locale): KnownBlock[] {
  return [
    section(text.in(locale)('finalNote', { what: `${code(plan.alias)} in ${code(plan.environment)}`, service: plan.alias })),
    ackButton(plan.environment, plan.alias, locale),
  ];
}

/**
 * ECS Deployment State Change SERVICE_DEPLOYMENT_FAILED for a configured service, not started by
 * the bot (its own are locked when their request finishes): lock the service until acknowledged,
 * where gates.autoLock is on. The alert about the failure is the alerts feature's.
 */
export async function onDeploymentFailed(event: EcsEvent, rt: Runtime): Promise<void> {
  const parsed = parseEcsEvent(event);
  if (!parsed.ok || parsed.event.kind !== 'deployment') return;
  const ev = parsed.event;
  if (ev.detail.eventName !== 'SERVICE_DEPLOYMENT_FAILED') return;
  if (await rt.redis.get(keys.botDeployment(ev.detail.deploymentId))) return;
  const serviceArn = ev.resources.find((r) => r.includes(':service/'));
  const path = serviceArn?.slice(serviceArn.indexOf(':service/') + ':service/'.length) ?? '';
  const [cluster, serviceName] = path.includes('/') ? path.split('/') : ['', path];
  const region = ev.region ?? serviceArn?.split(':')[3];
  for (const [alias, svc] of Object.entries(rt.config.services)) {
    const env = rt.config.environments[svc.environment];
    if (!env?.gates.autoLock?.afterRollback) continue;
    if (svc.service !== serviceName || (cluster && env.cluster !== cluster) || (region && env.region !== region)) continue;
    const channel = svc.alertChannel ?? env.alerts.channel ?? env.channels[0]!;
    const locked = await autoLockService(rt, {
      environment: svc.environment,
      service: alias,
      deploymentId: ev.detail.deploymentId,
      ...(ev.detail.reason ? { reason: ev.detail.reason } : {}),
      channel,
    });
    rt.log.info('auto-lock after a failed deployment made outside the bot', {
      service: alias,
      deploymentId: ev.detail.deploymentId,
      locked,
    });
  }
}
