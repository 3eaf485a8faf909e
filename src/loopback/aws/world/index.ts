/**
 * A fake AWS world for the loopback endpoint: ECS, ECR, CloudWatch Logs, Cost Explorer and
 * Application Auto Scaling of one account and region, wired together (tasks report the digests
 * of ECR images, containers write awslogs lines, cost follows the services' tasks).
 *
 *   const world = new AwsWorld({ region: 'eu-west-1', account: '123456789012' });
 *   world.addFargateService({ cluster: 'prod', name: 'web-prod', container: 'web', repository: 'shop/web', tag: 'v1.2.2', desiredCount: 4 });
 *   world.ecr.push('shop/web', { tags: ['v1.2.3'], findings: { HIGH: 1 } });
 *   world.install(endpoint);                 // endpoint.handleAll(world.handlers())
 *   world.ecs.onEvent((e) => …);             // EventBridge events as ECS sends them
 *   world.ecs.complete('prod', 'web-prod');  // move a rollout on
 *
 * Nothing here is imported by the Lambda handlers: it is for tests and the local playground only.
 */
import type { KeyValuePair, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { IamLookup } from '../iam';
import type { AwsEndpoint, AwsHandlerTable } from '../server';
import { AutoScalingWorld } from './autoscaling';
import { context, type WorldOptions } from './common';
import { CostWorld } from './cost';
import { EcrWorld, type PushOptions } from './ecr';
import { EcsWorld, type ServiceSeed as EcsServiceSeed } from './ecs';
import { LogsWorld } from './logs';
import { MetricsWorld } from './metrics';
import { SsmWorld } from './ssm';
import { StsWorld } from './sts';

export { AutoScalingWorld } from './autoscaling';
export { CostWorld, type LineItem } from './cost';
export { EcrWorld, type PushOptions } from './ecr';
export { EcsWorld, type RunOutcome, type RunScript, type ServiceChange, type ServiceSeed, type TaskFailure } from './ecs';
export { LogsWorld, type LogLine } from './logs';
export { StsWorld, type StsSession } from './sts';
export { AWS_MANAGED_SSM_KEY, SsmWorld, type ParameterSeed } from './ssm';
export type { EcsEventEnvelope } from './events';

export interface FargateServiceSpec {
  cluster: string;
  name: string;
  /** Task definition family (default: the service name). */
  family?: string;
  /** The essential container's name. */
  container: string;
  /** ECR repository of the container's image. */
  repository: string;
  /** The image tag the service runs (pushed to ECR when missing). */
  tag: string;
  /** Scan results of that image when it is pushed here. */
  image?: PushOptions;
  desiredCount: number;
  cpu?: string;
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  /** awslogs group (default /ecs/<name>), stream prefix `ecs`. */
  logGroup?: string;
  environment?: KeyValuePair[];
  /** Extra containers (sidecars), as registered. */
  sidecars?: TaskDefinition['containerDefinitions'];
  /** Task definition tags. */
  tags?: Tag[];
  /** Revisions registered before the current one (each running the same image), default 0. */
  olderRevisions?: number;
  createdAt?: Date;
  /** Blue/green deployments that pause at this lifecycle stage (a PAUSE lifecycle hook; the traffic-shift gate). */
  pauseAt?: EcsServiceSeed['pauseAt'];
}

export class AwsWorld {
  readonly logs: LogsWorld;
  readonly ecr: EcrWorld;
  readonly ecs: EcsWorld;
  readonly cost: CostWorld;
  readonly autoScaling: AutoScalingWorld;
  /** SSM Parameter Store (the bot's secrets). */
  readonly ssm: SsmWorld;
  readonly metrics: MetricsWorld;
  readonly sts: StsWorld;
  readonly region: string;
  readonly account: string;

  constructor(o: WorldOptions) {
    const ctx = context(o);
    this.region = ctx.region;
    this.account = ctx.account;
    this.logs = new LogsWorld(o);
    this.ecr = new EcrWorld(o);
    this.ecs = new EcsWorld({ ...o, ecr: this.ecr, logs: this.logs });
    this.cost = new CostWorld({ ...o, ecs: this.ecs });
    this.autoScaling = new AutoScalingWorld(o);
    this.ssm = new SsmWorld(o);
    this.metrics = new MetricsWorld();
    this.sts = new StsWorld(o);
  }

  /** Every operation of the world, by service signing name and action (for AwsEndpoint.handleAll). */
  handlers(): AwsHandlerTable {
    return {
      ecs: this.ecs.handlers(),
      ecr: this.ecr.handlers(),
      logs: this.logs.handlers(),
      ce: this.cost.handlers(),
      'application-autoscaling': this.autoScaling.handlers(),
      monitoring: this.metrics.handlers(),
      sts: this.sts.handlers(),
      ssm: this.ssm.handlers(),
    };
  }

  /** What the loopback IAM needs to know of this world (authorizationsFor's lookup): parameters' KMS keys, task definitions' roles. */
  iamLookup(): IamLookup {
    return { parameterKey: (n) => this.ssm.keyOf(n), taskDefinition: (ref) => this.ecs.taskDefinitionRoles(ref) };
  }

  install(endpoint: Pick<AwsEndpoint, 'handleAll'>): void {
    endpoint.handleAll(this.handlers());
  }

  /** Registers the task definition (with older revisions if asked), pushes the image if needed and adds the service at rest. Returns the task definition ARN. */
  addFargateService(spec: FargateServiceSpec): string {
    const family = spec.family ?? spec.name;
    const image = `${this.ecr.registry}/${spec.repository}:${spec.tag}`;
    if (!this.ecr.digestOf(image)) this.ecr.push(spec.repository, { tags: [spec.tag], ...spec.image });
    const logGroup = spec.logGroup ?? `/ecs/${spec.name}`;
    this.logs.createGroup(logGroup);
    const td = (revision?: number): TaskDefinition & { family: string } => ({
      family,
      ...(revision ? { revision } : {}),
      ...(spec.taskRoleArn ? { taskRoleArn: spec.taskRoleArn } : {}),
      ...(spec.executionRoleArn ? { executionRoleArn: spec.executionRoleArn } : {}),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: spec.cpu ?? '512',
      memory: spec.memory ?? '1024',
      runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
      containerDefinitions: [
        {
          name: spec.container,
          image,
          cpu: 0,
          essential: true,
          portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
          environment: spec.environment ?? [],
          mountPoints: [],
          volumesFrom: [],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': logGroup, 'awslogs-region': this.region, 'awslogs-stream-prefix': 'ecs' },
          },
        },
        ...(spec.sidecars ?? []),
      ],
      volumes: [],
      placementConstraints: [],
      ...(spec.createdAt ? { registeredAt: spec.createdAt } : {}),
    });
    for (let i = 0; i < (spec.olderRevisions ?? 0); i++) this.ecs.addTaskDefinition(td(), spec.tags ?? []);
    const arn = this.ecs.addTaskDefinition(td(), spec.tags ?? []);
    this.ecs.addService(spec.cluster, {
      name: spec.name,
      taskDefinition: arn,
      desiredCount: spec.desiredCount,
      ...(spec.createdAt ? { createdAt: spec.createdAt } : {}),
      ...(spec.pauseAt ? { pauseAt: spec.pauseAt } : {}),
    });
    return arn;
  }
}
