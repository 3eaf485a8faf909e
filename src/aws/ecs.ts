/**
 * ECS read adapters: one small function per operation, returning the SDK's own shapes
 * (the types are the documented response shapes, which tests stub).
 */
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Service,
  type Failure,
  type Task,
  type TaskDefinition,
  type Tag,
  type Cluster,
} from '@aws-sdk/client-ecs';
import { BotError } from '../errors';
import { callAws, awsActions } from './errors';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('aws.ecs', {
  noService: {
    en: 'ECS has no service {name} in cluster {cluster} ({reason}).',
    ko: 'ECS 클러스터 {cluster}에 {name} 서비스가 없습니다 ({reason}).',
  },
  checkName: { en: 'Check the service name{where} in chatops.yml.', ko: 'chatops.yml에서 서비스 이름을 확인하세요{where}.' },
  inKey: { en: ' in {key}', ko: ' ({key})' },
  inactive: {
    en: 'Service {name} in cluster {cluster} is INACTIVE (deleted).',
    ko: '클러스터 {cluster}의 {name} 서비스는 INACTIVE(삭제됨) 상태입니다.',
  },
  inactiveHint: {
    en: 'Remove it from chatops.yml or point it at the new service.',
    ko: 'chatops.yml에서 지우거나 새 서비스를 가리키게 하세요.',
  },
  noTd: { en: 'Task definition {td} was not found.', ko: '작업 정의 {td}을(를) 찾지 못했습니다.' },
  noCluster: { en: 'ECS has no active cluster {cluster} ({reason}).', ko: 'ECS에 활성 클러스터 {cluster}이(가) 없습니다({reason}).' },
  checkConfig: { en: 'Check {field} in chatops.yml.', ko: 'chatops.yml의 {field}을(를) 확인하세요.' },
});

interface DescribeServicesResult {
  services: Service[];
  /** Names that ECS reported in `failures` (reason MISSING for an unknown service). */
  failures: Failure[];
}

/** DescribeServices takes at most 10 services per call: batch. */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[],
  configHint?: string,
): Promise<DescribeServicesResult> {
  const services: Service[] = [];
  const failures: Failure[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    const res = await callAws(
      { action: awsActions.lazy('describeServices', { cluster }), permission: 'ecs:DescribeServices', configHint },
      () => ecs.send(new DescribeServicesCommand({ cluster, services: [...batch], include: ['TAGS'] })),
    );
    services.push(...(res.services ?? []));
    failures.push(...(res.failures ?? []));
  }
  return { services, failures };
}

/** One service; MISSING / INACTIVE become a clear NOT_FOUND error naming the config entry. */
export async function describeService(ecs: ECSClient, cluster: string, name: string, configHint?: string): Promise<Service> {
  const { services, failures } = await describeServices(ecs, cluster, [name], configHint);
  const svc = services.find((s) => s.serviceName === name || s.serviceArn?.endsWith(`/${name}`));
  if (!svc || failures.length) {
    const reason = failures[0]?.reason ?? 'MISSING';
    throw new BotError('NOT_FOUND', `service ${name} ${reason} in ${cluster}`, {
      userMessage: M.lazy('noService', { name: `\`${name}\``, cluster: `\`${cluster}\``, reason }),
      hint: (l) => M.in(l)('checkName', { where: configHint ? M.in(l)('inKey', { key: `\`${configHint}\`` }) : '' }),
    });
  }
  if (svc.status === 'INACTIVE') {
    throw new BotError('NOT_FOUND', `service ${name} inactive`, {
      userMessage: M.lazy('inactive', { name: `\`${name}\``, cluster: `\`${cluster}\`` }),
      hint: M.lazy('inactiveHint'),
    });
  }
  return svc;
}

export interface TaskDefinitionWithTags {
  taskDefinition: TaskDefinition;
  tags: Tag[];
}

export async function describeTaskDefinition(ecs: ECSClient, taskDefinition: string): Promise<TaskDefinitionWithTags> {
  const res = await callAws(
    { action: awsActions.lazy('describeTaskDefinition', { td: taskDefinition }), permission: 'ecs:DescribeTaskDefinition' },
    () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] })),
  );
  if (!res.taskDefinition) {
    throw new BotError('NOT_FOUND', `task definition ${taskDefinition} not found`, {
      userMessage: M.lazy('noTd', { td: `\`${taskDefinition}\`` }),
    });
  }
  return { taskDefinition: res.taskDefinition, tags: res.tags ?? [] };
}

/** Task ARNs of a service, RUNNING or STOPPED (ECS keeps stopped tasks for about an hour). */
export async function listServiceTasks(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  desiredStatus: 'RUNNING' | 'STOPPED',
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 5; page++) {
    const res = await callAws({ action: awsActions.lazy('listTasks', { service: serviceName }), permission: 'ecs:ListTasks' }, () =>
      ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus, nextToken, maxResults: 100 })),
    );
    arns.push(...(res.taskArns ?? []));
    nextToken = res.nextToken;
    if (!nextToken) break;
  }
  return arns;
}

/** DescribeTasks takes at most 100 tasks per call: batch. */
export async function describeTasks(ecs: ECSClient, cluster: string, taskArns: readonly string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < taskArns.length; i += 100) {
    const batch = taskArns.slice(i, i + 100);
    const res = await callAws({ action: awsActions.lazy('describeTasks'), permission: 'ecs:DescribeTasks' }, () =>
      ecs.send(new DescribeTasksCommand({ cluster, tasks: [...batch] })),
    );
    tasks.push(...(res.tasks ?? []));
  }
  return tasks;
}

/** The service's tasks in `desiredStatus`, described (the first `max` listed, at most 100: one DescribeTasks call), and how many are listed. */
export async function describeServiceTasks(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  desiredStatus: 'RUNNING' | 'STOPPED',
  max = 100,
): Promise<{ tasks: Task[]; listed: number }> {
  const arns = await listServiceTasks(ecs, cluster, serviceName, desiredStatus);
  return { tasks: arns.length ? await describeTasks(ecs, cluster, arns.slice(0, Math.min(max, 100))) : [], listed: arns.length };
}

/** New read calls are bounded on their own (the ECS client retries; this bounds each attempt chain). */
const READ_TIMEOUT_MS = 10_000;

/**
 * The cluster as ECS sees it: capacity providers and the default strategy, running/pending task
 * counts, active services, and with `include` STATISTICS (Fargate/EC2 task counts) and SETTINGS
 * (whether Container Insights is on). A missing cluster comes back in `failures` (reason MISSING).
 */
export async function describeCluster(ecs: ECSClient, cluster: string, configHint?: string, locale: Locale = 'en'): Promise<Cluster> {
  const res = await callAws(
    { action: awsActions.lazy('describeCluster', { cluster }), permission: 'ecs:DescribeClusters', configHint },
    () =>
      ecs.send(new DescribeClustersCommand({ clusters: [cluster], include: ['STATISTICS', 'SETTINGS'] }), {
        abortSignal: AbortSignal.timeout(READ_TIMEOUT_MS),
      }),
  );
  const found = res.clusters?.[0];
  if (!found || found.status === 'INACTIVE') {
    const reason = res.failures?.[0]?.reason ?? found?.status ?? 'MISSING';
    const t = M.in(locale);
    throw new BotError('NOT_FOUND', `cluster ${cluster} ${reason}`, {
      userMessage: t('noCluster', { cluster: `\`${cluster}\``, reason }),
      hint: configHint ? t('checkConfig', { field: `\`${configHint}\`` }) : undefined,
    });
  }
  return found;
}
