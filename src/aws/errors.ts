/**
 * AWS SDK errors → answers a person can act on. Every adapter in src/aws/ passes failures
 * through `awsError`, so throttling, access denied and wrong region/cluster read the same
 * everywhere. The SDK itself already retried throttling with adaptive backoff (clients.ts).
 */
import { BotError } from '../errors';
import { defineMessages, textIn, type Text } from '../i18n/catalog';
import { escapeMrkdwn } from '../slack/text';

/** What the bot was doing when AWS answered (the `action` of an AwsErrorContext), a verb phrase in each language. */
export const awsActions = defineMessages('aws.actions', {
  describeServices: { en: 'describe services in cluster {cluster}', ko: '클러스터 {cluster}의 서비스 조회' },
  describeTaskDefinition: { en: 'describe task definition {td}', ko: '작업 정의 {td} 조회' },
  listTasks: { en: 'list tasks of {service}', ko: '{service} 서비스의 작업 목록 조회' },
  describeTasks: { en: 'describe tasks', ko: '작업 조회' },
  registerTaskDefinition: { en: 'register a new revision of task definition {family}', ko: '작업 정의 {family}의 새 리비전 등록' },
  listDeployments: { en: 'list the deployment history of {service}', ko: '{service} 서비스의 배포 이력 조회' },
  describeDeployments: { en: 'describe service deployments', ko: '서비스 배포 조회' },
  describeRevisions: { en: 'describe service revisions', ko: '서비스 리비전 조회' },
  updateService: { en: 'update service {service}', ko: '{service} 서비스 업데이트' },
  updateServiceBack: { en: 'update service {service} back', ko: '{service} 서비스 되돌리기' },
  stopDeployment: { en: 'stop the deployment', ko: '배포 중지' },
  lookUpImage: { en: 'look up {ref} in {repository}', ko: '{repository}에서 {ref} 조회' },
  listImages: { en: 'list images in {repository}', ko: '{repository}의 이미지 목록 조회' },
  autoscalingRange: { en: 'read the autoscaling range of {service}', ko: '{service} 서비스의 오토스케일링 범위 조회' },
  readLogs: { en: 'read logs from {group}', ko: '{group} 로그 읽기' },
  readCosts: { en: 'read costs from Cost Explorer', ko: 'Cost Explorer 비용 조회' },
});

const M = defineMessages('aws.errors', {
  throttled: {
    en: 'AWS is throttling requests ({name}) while I tried to {action}. I retried with backoff; try again in a minute.',
    ko: '{action} 중에 AWS가 요청을 제한했습니다 ({name}). 간격을 두고 다시 시도했지만 실패했습니다. 1분 뒤에 다시 해 보세요.',
  },
  denied: { en: 'AWS denied access while I tried to {action}{perm}.', ko: '{action} 중에 AWS가 접근을 거부했습니다{perm}.' },
  needsPerm: { en: ": the bot's role needs {perm}", ko: '. 봇 역할에 {perm} 권한이 필요합니다' },
  deniedHint: {
    en: 'Add the permission to the worker role in serverless.yml and redeploy the bot.',
    ko: 'serverless.yml의 워커 역할에 권한을 추가하고 봇을 다시 배포하세요.',
  },
  noCluster: { en: 'The ECS cluster was not found while I tried to {action}.', ko: '{action} 중에 ECS 클러스터를 찾지 못했습니다.' },
  noClusterHint: {
    en: 'Check the cluster name and region{where} in chatops.yml.',
    ko: 'chatops.yml에서 클러스터 이름과 리전을 확인하세요{where}.',
  },
  inConfig: { en: ' in {key}', ko: ' ({key})' },
  unreachable: { en: 'I could not reach AWS while I tried to {action}.', ko: '{action} 중에 AWS에 연결하지 못했습니다.' },
  unreachableHint: {
    en: 'Check the region in chatops.yml (and AWS_ENDPOINT_URL if you set one).',
    ko: 'chatops.yml의 리전(설정했다면 AWS_ENDPOINT_URL도)을 확인하세요.',
  },
  other: { en: 'AWS answered {name} while I tried to {action}: {detail}', ko: '{action} 중에 AWS가 {name} 오류로 답했습니다: {detail}' },
});

interface AwsErrorContext {
  /** What we were doing, e.g. "describe service web-prod" (an `awsActions` entry). */
  action: Text;
  /** The IAM action this call needs, e.g. "ecs:DescribeServices". */
  permission?: string;
  /** Where the value that may be wrong comes from, e.g. "environments.prod.cluster". */
  configHint?: string;
}

const THROTTLE = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
]);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
]);

export function awsErrorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; Code?: string; code?: string };
    return e.name ?? e.Code ?? e.code ?? 'Error';
  }
  return 'Error';
}

export function isThrottle(err: unknown): boolean {
  return THROTTLE.has(awsErrorName(err));
}

export function isAccessDenied(err: unknown): boolean {
  return DENIED.has(awsErrorName(err));
}

/** Map an SDK error; already-mapped BotErrors pass through unchanged. */
export function awsError(err: unknown, ctx: AwsErrorContext): BotError {
  if (err instanceof BotError) return err;
  const name = awsErrorName(err);
  const detail = (err as Error)?.message ?? String(err);
  const action = ctx.action;
  const logAction = textIn(action, 'en');
  if (THROTTLE.has(name)) {
    return new BotError('AWS_THROTTLED', `${logAction}: throttled (${name})`, {
      userMessage: M.lazy('throttled', { name, action }),
      cause: err,
    });
  }
  if (DENIED.has(name)) {
    const perm = ctx.permission ?? /not authorized to perform: ([\w:-]+)/.exec(detail)?.[1];
    return new BotError('AWS_ACCESS_DENIED', `${logAction}: access denied (${detail})`, {
      userMessage: (l) => M.in(l)('denied', { action, perm: perm ? M.in(l)('needsPerm', { perm: `\`${perm}\`` }) : '' }),
      hint: M.lazy('deniedHint'),
      cause: err,
    });
  }
  if (name === 'ClusterNotFoundException') {
    const key = ctx.configHint;
    return new BotError('CONFIG', `${logAction}: cluster not found`, {
      userMessage: M.lazy('noCluster', { action }),
      hint: (l) => M.in(l)('noClusterHint', { where: key ? M.in(l)('inConfig', { key: `\`${key}\`` }) : '' }),
      cause: err,
    });
  }
  if (name === 'UnknownEndpoint' || name === 'EndpointError' || /getaddrinfo|ENOTFOUND/.test(detail)) {
    return new BotError('CONFIG', `${logAction}: endpoint unreachable (${detail})`, {
      userMessage: M.lazy('unreachable', { action }),
      hint: M.lazy('unreachableHint'),
      cause: err,
    });
  }
  return new BotError('AWS', `${logAction}: ${name}: ${detail}`, {
    userMessage: M.lazy('other', { name: `\`${name}\``, action, detail: escapeMrkdwn(detail.slice(0, 300)) }),
    cause: err,
  });
}

/** Call AWS and map any failure. */
export async function callAws<T>(ctx: AwsErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsError(err, ctx);
  }
}
