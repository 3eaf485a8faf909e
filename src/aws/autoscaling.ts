/** Application Auto Scaling: the min / max a service's desired count is kept within, if any. */
import { DescribeScalableTargetsCommand, type ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { callAws, awsActions } from './errors';
import { defineMessages, type Localized } from '../i18n/catalog';

const M = defineMessages('aws.autoscaling', {
  outside: {
    en: "{to} is outside this service's autoscaling range ({min}–{max}): autoscaling will move it back into the range at its next scaling activity. Change the scalable target to keep {to}.",
    ko: '{to}개는 이 서비스의 오토스케일링 범위({min}–{max}) 밖입니다. 다음 스케일링 때 오토스케일링이 범위 안으로 되돌립니다. {to}개를 유지하려면 스케일링 대상(scalable target)을 바꾸세요.',
  },
});

interface ScalableRange {
  min: number;
  max: number;
}

/** The registered scalable target of an ECS service, or undefined when autoscaling is not set up. */
export async function serviceScalableRange(
  client: ApplicationAutoScalingClient,
  cluster: string,
  service: string,
): Promise<ScalableRange | undefined> {
  const res = await callAws(
    { action: awsActions.lazy('autoscalingRange', { service }), permission: 'application-autoscaling:DescribeScalableTargets' },
    () =>
      client.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ResourceIds: [`service/${cluster}/${service}`],
          ScalableDimension: 'ecs:service:DesiredCount',
        }),
      ),
  );
  const t = res.ScalableTargets?.[0];
  if (!t || t.MinCapacity === undefined || t.MaxCapacity === undefined) return undefined;
  return { min: t.MinCapacity, max: t.MaxCapacity };
}

/**
 * A warning when a manual count falls outside the autoscaling range (autoscaling will move it back):
 * a catalog token (kept in the request, written in each reader's language by `tokenText`).
 */
export function autoscalingWarning(to: number, range: ScalableRange | undefined): Localized | undefined {
  if (!range) return undefined;
  if (to < range.min || to > range.max) return M.lazy('outside', { to, min: range.min, max: range.max });
  return undefined;
}
