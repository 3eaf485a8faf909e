/**
 * ECS adapters for the change verbs: RegisterTaskDefinition, UpdateService, StopServiceDeployment,
 * ContinueServiceDeployment (the traffic-shift gate),
 * and the service-deployment history reads rollback needs (ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions). One SDK operation per function,
 * returning the SDK's own shapes; failures go through awsError, except where a caller must
 * branch on ECS's answer (then the raw error is rethrown and the caller maps it).
 */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceRevision,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { BotError } from '../errors';
import { code } from '../slack/text';
import { awsError, awsErrorName, callAws, isAccessDenied, awsActions } from './errors';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('aws.ecs-write', {
  passRole: {
    en: "AWS refused to register the new task definition: the bot's role may not pass {role} to ECS (`iam:PassRole`).",
    ko: 'AWS가 새 작업 정의 등록을 거부했습니다. 봇 역할에는 {role} 역할을 ECS에 넘길 권한(`iam:PassRole`)이 없습니다.',
  },
  theRoles: { en: 'the task or execution role', ko: '작업·실행' },
  passRoleHint: {
    en: "Allow `iam:PassRole` on that role (condition `iam:PassedToService = ecs-tasks.amazonaws.com`) for the worker role, and list it in the environment's `taskRoles` in chatops.yml.",
    ko: '워커 역할에 그 역할에 대한 `iam:PassRole`을 허용하고(조건 `iam:PassedToService = ecs-tasks.amazonaws.com`), chatops.yml의 환경 `taskRoles`에도 넣으세요.',
  },
});

/** The PassRole denial ECS relays from IAM when the worker may not hand a role to ECS tasks. */
export function passRoleDenied(err: unknown): { role?: string } | undefined {
  const msg = (err as Error)?.message ?? '';
  if (!/iam:PassRole/i.test(msg)) return undefined;
  if (!isAccessDenied(err) && awsErrorName(err) !== 'ClientException') return undefined;
  return { role: /on resource:?\s*(arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+)/.exec(msg)?.[1] };
}

/**
 * Register a new revision. An access-denied answer naming iam:PassRole becomes an error that
 * names the permission and the role, because that is what the operator has to grant.
 */
export async function registerTaskDefinition(
  ecs: ECSClient,
  input: RegisterTaskDefinitionCommandInput,
): Promise<{ taskDefinition: TaskDefinition; tags: Tag[] }> {
  try {
    const res = await ecs.send(new RegisterTaskDefinitionCommand(input));
    if (!res.taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition answered without a task definition ARN');
    return { taskDefinition: res.taskDefinition, tags: res.tags ?? [] };
  } catch (err) {
    const pr = passRoleDenied(err);
    if (pr) {
      throw new BotError('AWS_ACCESS_DENIED', `iam:PassRole denied registering ${input.family}`, {
        userMessage: (l) => M.in(l)('passRole', { role: pr.role ? code(pr.role) : M.in(l)('theRoles') }),
        hint: M.lazy('passRoleHint'),
        cause: err,
      });
    }
    throw awsError(err, {
      action: awsActions.lazy('registerTaskDefinition', { family: input.family ?? '' }),
      permission: isAccessDenied(err) ? undefined : 'ecs:RegisterTaskDefinition',
    });
  }
}

export interface UpdateServiceChange {
  cluster: string;
  service: string;
  taskDefinition?: string;
  desiredCount?: number;
  forceNewDeployment?: boolean;
}

/** UpdateService; the raw SDK error is rethrown so the executor can tell "refused" from "unknown outcome". */
export async function updateServiceRaw(ecs: ECSClient, change: UpdateServiceChange): Promise<Service> {
  const res = await ecs.send(
    new UpdateServiceCommand({
      cluster: change.cluster,
      service: change.service,
      ...(change.taskDefinition ? { taskDefinition: change.taskDefinition } : {}),
      ...(change.desiredCount !== undefined ? { desiredCount: change.desiredCount } : {}),
      ...(change.forceNewDeployment ? { forceNewDeployment: true } : {}),
    }),
  );
  if (!res.service) throw new Error('UpdateService answered without a service');
  return res.service;
}

/** StopServiceDeployment with rollback; the raw SDK error is rethrown (callers fall back to UpdateService). */
export async function stopServiceDeploymentRaw(ecs: ECSClient, serviceDeploymentArn: string): Promise<string | undefined> {
  const res = await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn, stopType: 'ROLLBACK' }));
  return res.serviceDeploymentArn;
}

/**
 * ContinueServiceDeployment: act on a paused lifecycle hook (a PAUSE hook of a blue/green, canary or
 * linear deployment) with CONTINUE or ROLLBACK. The raw SDK error is rethrown: the caller tells a
 * hook that is no longer waiting from an API that is not available here.
 */
export async function continueServiceDeploymentRaw(
  ecs: ECSClient,
  serviceDeploymentArn: string,
  hookId: string,
  action: 'CONTINUE' | 'ROLLBACK',
): Promise<string | undefined> {
  const res = await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn, hookId, action }));
  return res.serviceDeploymentArn;
}

/** The newest service deployments of a service (one page, up to `max`). */
export async function listServiceDeployments(
  ecs: ECSClient,
  cluster: string,
  service: string,
  max = 20,
): Promise<ServiceDeploymentBrief[]> {
  const res = await callAws({ action: awsActions.lazy('listDeployments', { service }), permission: 'ecs:ListServiceDeployments' }, () =>
    ecs.send(new ListServiceDeploymentsCommand({ cluster, service, maxResults: Math.min(100, max) })),
  );
  return res.serviceDeployments ?? [];
}

/** DescribeServiceDeployments takes at most 20 ARNs per call. */
export async function describeServiceDeployments(ecs: ECSClient, arns: readonly string[]): Promise<ServiceDeployment[]> {
  const out: ServiceDeployment[] = [];
  for (let i = 0; i < arns.length; i += 20) {
    const batch = arns.slice(i, i + 20);
    const res = await callAws({ action: awsActions.lazy('describeDeployments'), permission: 'ecs:DescribeServiceDeployments' }, () =>
      ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [...batch] })),
    );
    out.push(...(res.serviceDeployments ?? []));
  }
  return out;
}

/** DescribeServiceRevisions takes at most 20 ARNs per call. */
export async function describeServiceRevisions(ecs: ECSClient, arns: readonly string[]): Promise<ServiceRevision[]> {
  const out: ServiceRevision[] = [];
  for (let i = 0; i < arns.length; i += 20) {
    const batch = arns.slice(i, i + 20);
    const res = await callAws({ action: awsActions.lazy('describeRevisions'), permission: 'ecs:DescribeServiceRevisions' }, () =>
      ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...batch] })),
    );
    out.push(...(res.serviceRevisions ?? []));
  }
  return out;
}
