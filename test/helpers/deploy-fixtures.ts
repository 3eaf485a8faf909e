/**
 * ECS / ECR responses for the change verbs' tests, in the documented shapes (as the SDK
 * deserializes them: Dates for timestamps). Factories return fresh objects; pass overrides.
 *
 * Shapes: DescribeTaskDefinition (with include TAGS), DescribeServices (deployments with
 * rolloutState, deploymentController, currentServiceDeployment), UpdateService (the service),
 * RegisterTaskDefinition, DescribeTasks (stopped tasks), ECR DescribeImages (imageDetails with
 * scan summaries), ListServiceDeployments / DescribeServiceDeployments / DescribeServiceRevisions.
 */
import type { Deployment, Service, ServiceDeployment, ServiceRevision, Task, TaskDefinition, Tag } from '@aws-sdk/client-ecs';
import type { ImageDetail } from '@aws-sdk/client-ecr';

export const ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
const CLUSTER = 'prod';
const SERVICE = 'web-prod';
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
export const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${SERVICE}`;
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
export const DIGEST = 'sha256:3f1c7e5a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e';
export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/web-task`;
export const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;

export const tdArn = (family: string, revision: number): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

/** A task definition exactly as DescribeTaskDefinition returns it, read-only fields included. */
export function taskDefinition(revision = 42, over: Partial<TaskDefinition> = {}, image = `${REGISTRY}/shop/web:v1.2.2`): TaskDefinition {
  return {
    taskDefinitionArn: tdArn('web-prod', revision),
    family: 'web-prod',
    revision,
    taskRoleArn: TASK_ROLE,
    executionRoleArn: EXEC_ROLE,
    networkMode: 'awsvpc',
    status: 'ACTIVE',
    containerDefinitions: [
      {
        name: 'web',
        image,
        cpu: 0,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'http', appProtocol: 'http' }],
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'DB_PASSWORD', value: 'hunter2' },
        ],
        secrets: [{ name: 'API_TOKEN', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token` }],
        mountPoints: [],
        volumesFrom: [],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web-prod', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'ecs' },
        },
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: 30, timeout: 5, retries: 3 },
        systemControls: [],
      },
      {
        name: 'datadog-agent',
        image: 'public.ecr.aws/datadog/agent:7',
        cpu: 0,
        essential: false,
        environment: [{ name: 'DD_SITE', value: 'datadoghq.eu' }],
        mountPoints: [],
        volumesFrom: [],
        portMappings: [],
      },
    ],
    volumes: [],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [
      { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
      { name: 'ecs.capability.execution-role-awslogs' },
    ],
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    registeredAt: new Date('2025-11-20T10:00:00Z'),
    registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`,
    ...over,
  };
}

export const TAGS: Tag[] = [
  { key: 'team', value: 'shop' },
  { key: 'cost-center', value: '42' },
];

export function deployment(over: Partial<Deployment> = {}): Deployment {
  return {
    id: 'ecs-svc/1111111111111111111',
    status: 'PRIMARY',
    taskDefinition: tdArn('web-prod', 42),
    desiredCount: 4,
    pendingCount: 0,
    runningCount: 4,
    failedTasks: 0,
    createdAt: new Date('2025-11-20T10:05:00Z'),
    updatedAt: new Date('2025-11-20T10:09:00Z'),
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/1111111111111111111 completed.',
    ...over,
  };
}

/** A service as DescribeServices / UpdateService return it. */
export function service(over: Partial<Service> = {}): Service {
  const deployments = over.deployments ?? [deployment()];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  return {
    serviceArn: SERVICE_ARN,
    serviceName: SERVICE,
    clusterArn: CLUSTER_ARN,
    status: 'ACTIVE',
    desiredCount: primary?.desiredCount ?? 4,
    runningCount: primary?.runningCount ?? 4,
    pendingCount: 0,
    launchType: 'FARGATE',
    taskDefinition: primary?.taskDefinition ?? tdArn('web-prod', 42),
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deploymentController: { type: 'ECS' },
    currentServiceDeployment: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/${SERVICE}/abcDEF123`,
    events: [{ id: 'e1', createdAt: new Date('2025-11-20T10:09:00Z'), message: `(service ${SERVICE}) has reached a steady state.` }],
    createdAt: new Date('2025-01-01T00:00:00Z'),
    schedulingStrategy: 'REPLICA',
    ...over,
    deployments,
  };
}

/** ECR DescribeImages → imageDetails[0] for a tag. */
export function imageDetail(over: Partial<ImageDetail> = {}): ImageDetail {
  return {
    registryId: ACCOUNT,
    repositoryName: 'shop/web',
    imageDigest: DIGEST,
    imageTags: ['v1.2.3'],
    imageSizeInBytes: 98_765_432,
    imagePushedAt: new Date('2025-11-25T09:00:00Z'),
    imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
    imageScanFindingsSummary: { imageScanCompletedAt: new Date('2025-11-25T09:01:00Z'), findingSeverityCounts: { HIGH: 1, MEDIUM: 3 } },
    ...over,
  };
}

/** A stopped task as DescribeTasks returns it. */
export function stoppedTask(id: string, over: Partial<Task> = {}, exitCode = 1): Task {
  return {
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${id}`,
    clusterArn: CLUSTER_ARN,
    taskDefinitionArn: tdArn('web-prod', 43),
    group: `service:${SERVICE}`,
    startedBy: 'ecs-svc/2222222222222222222',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    launchType: 'FARGATE',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    createdAt: new Date('2025-11-25T10:00:10Z'),
    startedAt: new Date('2025-11-25T10:00:40Z'),
    stoppingAt: new Date('2025-11-25T10:01:00Z'),
    stoppedAt: new Date('2025-11-25T10:01:05Z'),
    containers: [
      { name: 'web', exitCode, reason: undefined, lastStatus: 'STOPPED', image: `${REGISTRY}/shop/web@${DIGEST}` },
      { name: 'datadog-agent', exitCode: 0, lastStatus: 'STOPPED' },
    ],
    ...over,
  };
}

export function serviceDeployment(id: string, target: string, sources: string[], over: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/${SERVICE}/${id}`,
    serviceArn: SERVICE_ARN,
    clusterArn: CLUSTER_ARN,
    createdAt: new Date('2025-11-20T10:05:00Z'),
    startedAt: new Date('2025-11-20T10:05:01Z'),
    finishedAt: new Date('2025-11-20T10:09:00Z'),
    targetServiceRevision: { arn: target, requestedTaskCount: 4, runningTaskCount: 4, pendingTaskCount: 0 },
    sourceServiceRevisions: sources.map((arn) => ({ arn, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 })),
    status: 'SUCCESSFUL',
    deploymentCircuitBreaker: { status: 'MONITORING_COMPLETE', failureCount: 0, threshold: 3 },
    ...over,
  };
}

export const revisionArn = (n: string): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${CLUSTER}/${SERVICE}/${n}`;

export function serviceRevision(id: string, taskDefinitionArn: string): ServiceRevision {
  return {
    serviceRevisionArn: revisionArn(id),
    serviceArn: SERVICE_ARN,
    clusterArn: CLUSTER_ARN,
    taskDefinition: taskDefinitionArn,
    launchType: 'FARGATE',
    createdAt: new Date('2025-11-20T10:05:00Z'),
  };
}

/** An AWS SDK service exception as the SDK throws it (name, $fault, $metadata). */
export function awsException(name: string, message: string, fault: 'client' | 'server' = 'client', status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
  });
}
