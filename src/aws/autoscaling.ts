/** Application Auto Scaling: the min / max a service's desired count is kept within, if any. */
import { DescribeScalableTargetsCommand, type ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { callAws } from './errors';

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
    { action: `read the autoscaling range of ${service}`, permission: 'application-autoscaling:DescribeScalableTargets' },
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

/** A warning when a manual count falls outside the autoscaling range (autoscaling will move it back). */
export function autoscalingWarning(to: number, range: ScalableRange | undefined): string | undefined {
  if (!range) return undefined;
  if (to < range.min || to > range.max) {
    return `${to} is outside this service's autoscaling range (${range.min}–${range.max}): autoscaling will move it back into the range at its next scaling activity. Change the scalable target to keep ${to}.`;
  }
  return undefined;
}
