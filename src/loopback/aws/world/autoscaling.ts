/** Application Auto Scaling of the fake world: scalable targets of ECS services (DescribeScalableTargets). */
import type { AwsHandler } from '../server';
import { context, page, type WorldContext, type WorldOptions } from './common';

export interface ScalableTarget {
  /** `service/<cluster>/<service>` */
  resourceId: string;
  min: number;
  max: number;
}

export class AutoScalingWorld {
  private readonly ctx: WorldContext;
  private readonly targets = new Map<string, ScalableTarget & { createdAt: Date }>();

  constructor(o: WorldOptions) {
    this.ctx = context(o);
  }

  /** Registers (or changes) the scalable target of an ECS service's desired count. */
  register(cluster: string, service: string, min: number, max: number): void {
    const resourceId = `service/${cluster}/${service}`;
    this.targets.set(resourceId, { resourceId, min, max, createdAt: new Date(this.ctx.now()) });
  }

  deregister(cluster: string, service: string): void {
    this.targets.delete(`service/${cluster}/${service}`);
  }

  handlers(): Record<string, AwsHandler> {
    return {
      DescribeScalableTargets: (call) => {
        const ns = call.input.ServiceNamespace as string | undefined;
        const ids = call.input.ResourceIds as string[] | undefined;
        const dim = call.input.ScalableDimension as string | undefined;
        const all = ns === 'ecs' ? [...this.targets.values()] : [];
        const picked = all
          .filter((t) => !ids?.length || ids.includes(t.resourceId))
          .filter(() => !dim || dim === 'ecs:service:DesiredCount')
          .map((t) => ({
            ServiceNamespace: 'ecs',
            ResourceId: t.resourceId,
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: t.min,
            MaxCapacity: t.max,
            RoleARN: `arn:aws:iam::${this.ctx.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
            CreationTime: t.createdAt,
            SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
            ScalableTargetARN: `arn:aws:application-autoscaling:${this.ctx.region}:${this.ctx.account}:scalable-target/${t.resourceId.replace(/\//g, '')}`,
          }));
        const p = page(picked, call.input.NextToken, Math.min(50, Number(call.input.MaxResults) || 50));
        return { ScalableTargets: p.items, ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
      },
    };
  }
}
