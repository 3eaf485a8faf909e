/**
 * AWS failures → answers a person can act on: the one place that classifies them. Every adapter
 * in src/aws/ passes failures through `awsError` (or `callAws`), so the same failure reads the
 * same everywhere:
 *
 *   timeouts (the SDK's request timeouts, a budget that ran out)     AWS_TIMEOUT
 *   connection refused, reset, DNS, unreachable network               AWS_UNREACHABLE / CONFIG
 *   missing, expired or rejected credentials                          AWS_CREDENTIALS
 *   an API the endpoint does not have (UnknownOperation, 404,
 *   an HTML or other non-JSON answer)                                 AWS_UNSUPPORTED
 *   access denied                                                     AWS_ACCESS_DENIED
 *   throttling                                                        AWS_THROTTLED
 *   anything else AWS answered                                        AWS (its code and its words)
 *
 * What reaches Slack is our own sentence, the operation, and at most AWS's own error message,
 * escaped and on one line; never the SDK's parser messages, stack traces or the raw response.
 */
import { BotError, type ErrorCode } from '../errors';
import { defineMessages, format, textIn, type Localized, type ParamValue, type Text } from '../i18n/catalog';
import { escapeMrkdwn, oneLine } from '../slack/text';
import { currentBudget } from './budget';
import { roleOfError, roleParts } from './session';

/** The sentences of AWS failures, also for a failure told again from a language-neutral record (src/aws/cost-explorer.ts). */
export const awsErrorText = defineMessages('aws-errors', {
  roleDenied: {
    en: 'AWS denied access while I tried to {action}: role {role} in account {account}, which the bot uses for this environment, needs {perm}.',
    ko: '{action} 중 AWS가 접근을 거부했습니다. 봇이 이 환경에 쓰는 계정 {account}의 역할 {role}에 {perm} 권한이 필요합니다.',
  },
  somePermission: { en: 'the permission named in the refusal', ko: '거부 메시지에 적힌 권한' },
  roleHint: {
    en: "Add it to that role in the target account (cloudformation/target-account-role.yml grants everything the bot calls), not to the bot's own role.",
    ko: '봇 자신의 역할이 아니라 대상 계정의 그 역할에 추가하세요(cloudformation/target-account-role.yml이 봇이 호출하는 모든 권한을 부여합니다).',
  },
  refused: {
    en: 'AWS refused the connection while I tried to {action}: nothing answers at the AWS endpoint the bot uses.',
    ko: '{action} 중 AWS가 연결을 거부했습니다. 봇이 쓰는 AWS 엔드포인트에서 아무것도 응답하지 않습니다.',
  },
  refusedHint: {
    en: 'Nothing was changed by this command. Check AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) if you set one, and the region in chatops.yml.',
    ko: '이 명령으로 바뀐 것은 없습니다. AWS_ENDPOINT_URL(또는 AWS_ENDPOINT_URL_<SERVICE>)을 설정했다면 그 값과 chatops.yml의 리전을 확인하세요.',
  },
  reset: {
    en: 'The connection to AWS was cut before AWS answered while I tried to {action}.',
    ko: '{action} 중 AWS가 응답하기 전에 연결이 끊겼습니다.',
  },
  resetHint: {
    en: 'Try again in a minute. If it keeps happening, something between the bot and AWS (a proxy, a firewall, a NAT gateway) is closing connections.',
    ko: '1분 뒤에 다시 시도하세요. 계속 되풀이되면 봇과 AWS 사이의 무언가(프록시, 방화벽, NAT 게이트웨이)가 연결을 끊고 있는 것입니다.',
  },
  noHost: {
    en: 'I could not find the AWS endpoint (its host name does not resolve) while I tried to {action}.',
    ko: '{action} 중 AWS 엔드포인트를 찾지 못했습니다(호스트 이름을 DNS에서 찾을 수 없습니다).',
  },
  noHostHint: {
    en: 'Check the region in chatops.yml (and AWS_ENDPOINT_URL if you set one), and that the bot can resolve DNS names.',
    ko: 'chatops.yml의 리전(설정했다면 AWS_ENDPOINT_URL도)과 봇이 DNS 이름을 조회할 수 있는지 확인하세요.',
  },
  noRoute: {
    en: 'I could not reach AWS (no network route) while I tried to {action}.',
    ko: '{action} 중 AWS에 닿지 못했습니다(네트워크 경로가 없습니다).',
  },
  noRouteHint: {
    en: 'In a VPC the bot needs a NAT gateway or VPC endpoints for the AWS services it calls.',
    ko: 'VPC 안에서는 봇이 호출하는 AWS 서비스로 가는 NAT 게이트웨이나 VPC 엔드포인트가 필요합니다.',
  },
  timeoutWithin: {
    en: 'AWS did not answer within {s} s while I tried to {action}.',
    ko: '{action} 중 AWS가 {s}초 안에 응답하지 않았습니다.',
  },
  timeout: {
    en: 'AWS did not answer in time while I tried to {action}.',
    ko: '{action} 중 AWS가 제때 응답하지 않았습니다.',
  },
  timeoutHint: {
    en: 'Nothing was changed by this command. AWS may be slow or unreachable from the bot right now; try again in a minute.',
    ko: '이 명령으로 바뀐 것은 없습니다. 지금 AWS가 느리거나 봇에서 닿지 않는 상태일 수 있으니 1분 뒤에 다시 시도하세요.',
  },
  noCredentials: {
    en: 'The bot has no AWS credentials, so I could not {action}.',
    ko: '봇에 AWS 자격 증명이 없어 {action}에 실패했습니다.',
  },
  noCredentialsHint: {
    en: "On Lambda they come from the function's role. Running locally, set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, before `npm start`.",
    ko: 'Lambda에서는 함수의 역할에서 받습니다. 로컬에서 실행할 때는 `npm start` 전에 AWS_PROFILE이나 AWS_ACCESS_KEY_ID와 AWS_SECRET_ACCESS_KEY를 설정하세요.',
  },
  expired: {
    en: "The bot's AWS credentials have expired, so I could not {action}.",
    ko: '봇의 AWS 자격 증명이 만료되어 {action}에 실패했습니다.',
  },
  expiredHint: {
    en: 'Running locally, refresh them (e.g. `aws sso login`) and restart the bot. On Lambda the next attempt gets fresh ones; if it persists, check the clock of the machine running the bot.',
    ko: '로컬에서 실행 중이라면 자격 증명을 갱신하고(예: `aws sso login`) 봇을 다시 시작하세요. Lambda에서는 다음 시도 때 새 자격 증명을 받습니다. 그래도 계속되면 봇이 도는 머신의 시계를 확인하세요.',
  },
  rejected: {
    en: "AWS did not accept the bot's credentials ({name}) while I tried to {action}.",
    ko: '{action} 중 AWS가 봇의 자격 증명을 받아들이지 않았습니다({name}).',
  },
  rejectedHint: {
    en: 'Check the access key and secret the bot runs with (and that they belong to this AWS partition), and the clock of the machine running the bot.',
    ko: '봇이 쓰는 액세스 키와 시크릿(이 AWS 파티션의 것인지도), 그리고 봇이 도는 머신의 시계를 확인하세요.',
  },
  unsupported: {
    en: 'The AWS endpoint does not support {op} (it answered {answered}), so I could not {action}.',
    ko: 'AWS 엔드포인트가 {op}을(를) 지원하지 않아 {action}에 실패했습니다({answered}).',
  },
  thisOperation: { en: 'this operation', ko: '이 작업' },
  answeredCode: { en: '{name}', ko: '응답: {name}' },
  answeredPage: { en: 'HTTP {status} with a page that is not an AWS answer', ko: 'AWS 응답이 아닌 페이지로 HTTP {status} 응답' },
  answeredOther: { en: 'with something that is not an AWS answer', ko: 'AWS 응답이 아닌 내용으로 응답' },
  unsupportedHint: {
    en: 'If AWS_ENDPOINT_URL points at an AWS-compatible service, it lacks this API. Otherwise a proxy is answering instead of AWS, or the region in chatops.yml is wrong.',
    ko: 'AWS_ENDPOINT_URL이 AWS 호환 서비스를 가리킨다면 그 서비스에 이 API가 없는 것입니다. 아니라면 AWS 대신 프록시가 응답하고 있거나 chatops.yml의 리전이 잘못되었습니다.',
  },
  throttled: {
    en: 'AWS is throttling requests ({name}) while I tried to {action}. I retried with backoff; try again in a minute.',
    ko: '{action} 중 AWS가 요청을 제한하고 있습니다({name}). 간격을 두고 재시도했으니 1분 뒤에 다시 시도하세요.',
  },
  denied: {
    en: 'AWS denied access while I tried to {action}.',
    ko: '{action} 중 AWS가 접근을 거부했습니다.',
  },
  deniedNeeds: {
    en: "AWS denied access while I tried to {action}: the bot's role needs {perm}.",
    ko: '{action} 중 AWS가 접근을 거부했습니다. 봇의 역할에 {perm} 권한이 필요합니다.',
  },
  deniedHint: {
    en: 'Add the permission to the function role in serverless.yml and redeploy the bot.',
    ko: 'serverless.yml의 함수 역할에 그 권한을 추가하고 봇을 다시 배포하세요.',
  },
  noCluster: {
    en: 'The ECS cluster was not found while I tried to {action}.',
    ko: '{action} 중 ECS 클러스터를 찾지 못했습니다.',
  },
  noClusterHint: {
    en: 'Check the cluster name and region in chatops.yml.',
    ko: 'chatops.yml의 클러스터 이름과 리전을 확인하세요.',
  },
  noClusterHintAt: {
    en: 'Check the cluster name and region in {setting} in chatops.yml.',
    ko: 'chatops.yml의 {setting}에 있는 클러스터 이름과 리전을 확인하세요.',
  },
  internal: {
    en: 'AWS had an internal error ({name}) while I tried to {action}.',
    ko: '{action} 중 AWS 내부 오류가 났습니다({name}).',
  },
  internalHint: {
    en: 'Nothing was changed by this command. Try again in a minute.',
    ko: '이 명령으로 바뀐 것은 없습니다. 1분 뒤에 다시 시도하세요.',
  },
  answered: {
    en: 'AWS answered {name} while I tried to {action}: {detail}',
    ko: '{action} 중 AWS가 {name}(으)로 응답했습니다: {detail}',
  },
  failedBefore: {
    en: 'The request to AWS failed before AWS answered while I tried to {action}.',
    ko: '{action} 중 AWS가 응답하기 전에 요청이 실패했습니다.',
  },
  failedBeforeHint: {
    en: 'Try again in a minute. If it keeps happening, whoever runs the bot finds the details in its logs.',
    ko: '1분 뒤에 다시 시도하세요. 계속 되풀이되면 봇 운영자가 로그에서 자세한 내용을 볼 수 있습니다.',
  },
});

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
  continueDeployment: { en: 'continue or roll back the paused deployment', ko: '일시 중지된 배포의 계속 진행 또는 롤백' },
  lookUpImage: { en: 'look up {ref} in {repository}', ko: '{repository}에서 {ref} 조회' },
  listImages: { en: 'list images in {repository}', ko: '{repository}의 이미지 목록 조회' },
  autoscalingRange: { en: 'read the autoscaling range of {service}', ko: '{service} 서비스의 오토스케일링 범위 조회' },
  readLogs: { en: 'read logs from {group}', ko: '{group} 로그 읽기' },
  readCosts: { en: 'read costs from Cost Explorer', ko: 'Cost Explorer 비용 조회' },
  describeCluster: { en: 'describe cluster {cluster}', ko: '클러스터 {cluster} 조회' },
  readDeploymentHistory: { en: 'read the deployment history', ko: '배포 이력 조회' },
});

interface AwsErrorContext {
  /** What we were doing, e.g. "describe service web-prod": an `awsActions` entry, so the answer reads in the reader's language. */
  action: Text;
  /** The IAM action this call needs, e.g. "ecs:DescribeServices" (also names the operation). */
  permission?: string;
  /** Where the value that may be wrong comes from, e.g. "environments.prod.cluster". */
  configHint?: string;
  /** When the call started (callAws sets it): how long AWS was waited for. */
  startedAt?: number;
}

const THROTTLE = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'AuthorizationError', 'UnauthorizedException']);
const CREDENTIALS_MISSING = new Set(['CredentialsProviderError', 'CredentialsError', 'TokenProviderError']);
const CREDENTIALS_EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'TokenRefreshRequired', 'RequestExpired']);
const CREDENTIALS_REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AuthFailure',
]);
const UNSUPPORTED = new Set(['UnknownOperationException', 'UnknownOperation', 'InvalidAction', 'NotImplemented', 'OperationNotSupported']);
const TIMEOUT = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

interface ErrLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const asErr = (err: unknown): ErrLike => (err && typeof err === 'object' ? (err as ErrLike) : {});

export function awsErrorName(err: unknown): string {
  const e = asErr(err);
  return e.name ?? e.Code ?? e.code ?? 'Error';
}

export function isThrottle(err: unknown): boolean {
  return THROTTLE.has(awsErrorName(err));
}

export function isAccessDenied(err: unknown): boolean {
  return DENIED.has(awsErrorName(err));
}

/** The operation of an IAM action: "ecs:DescribeServices" → "DescribeServices". */
function operationOf(ctx: AwsErrorContext): string | undefined {
  return ctx.permission?.split(':')[1];
}

/** The Node network error code of an SDK failure (also when the SDK wrapped the error in a plain one). */
function networkCode(err: unknown): string | undefined {
  const e = asErr(err);
  const known = /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNABORTED)\b/;
  if (e.code && known.test(e.code)) return e.code;
  const m = known.exec(e.message ?? '');
  if (m) return m[1];
  if (/socket hang up/i.test(e.message ?? '')) return 'ECONNRESET';
  return e.cause ? networkCode(e.cause) : undefined;
}

/** The endpoint answered something that is not an AWS answer: an HTML page, plain text, a bare 404. */
function notAnAwsAnswer(err: unknown): boolean {
  const e = asErr(err);
  if (e.name === 'SyntaxError' || /Deserialization error|is not valid JSON|Unexpected token/i.test(e.message ?? '')) return true;
  return e.$metadata?.httpStatusCode === 404 && (e.name === 'Unknown' || e.name === 'UnknownError' || e.name === 'NotFound');
}

/**
 * The ECS/ECR/Logs/Cost Explorer operation is not available to the bot: the endpoint lacks it
 * (an AWS-compatible endpoint, a partition without it), or the role predates it. Callers that
 * can do without the operation (rollback, history, the cost forecast) degrade instead of failing.
 */
export function isUnavailableApi(err: unknown): boolean {
  if (err instanceof BotError) return err.code === 'AWS_UNSUPPORTED' || err.code === 'AWS_ACCESS_DENIED';
  const name = awsErrorName(err);
  return UNSUPPORTED.has(name) || DENIED.has(name) || notAnAwsAnswer(err) || name === 'UnsupportedFeatureException';
}

/** Seconds AWS was waited for, when known. */
/** How long AWS was waited for, in whole seconds (the call's or the budget's start); also for a failure told again (src/aws/cost-explorer.ts). */
export function waitedSeconds(ctx: AwsErrorContext): number | undefined {
  const from = ctx.startedAt ?? currentBudget()?.startedAt;
  return from === undefined ? undefined : Math.max(1, Math.round((Date.now() - from) / 1000));
}

/** Map an SDK error; already-mapped BotErrors pass through unchanged. */
export function awsError(err: unknown, ctx: AwsErrorContext): BotError {
  if (err instanceof BotError) return err;
  const e = asErr(err);
  const name = awsErrorName(err);
  const detail = e.message ?? String(err);
  const action = textIn(ctx.action, 'en');
  const op = operationOf(ctx);
  const log = `${action}: ${name}: ${detail.slice(0, 500)}`;
  const net = networkCode(err);

  const say =
    (key: keyof typeof awsErrorText.entries, params: Record<string, ParamValue> = {}): Localized =>
    (l) =>
      format(awsErrorText.entries[key][l], { action: (al) => escapeMrkdwn(textIn(ctx.action, al)), ...params }, l);
  const fail = (code: ErrorCode, message: string, userMessage: Localized, hint?: Localized) =>
    new BotError(code, message, { userMessage, hint, cause: err });
  const tick = (s: string) => `\`${escapeMrkdwn(s)}\``;

  if (net === 'ECONNREFUSED') {
    return fail('AWS_UNREACHABLE', `${action}: connection refused (${detail})`, say('refused'), say('refusedHint'));
  }
  if (net === 'ECONNRESET' || net === 'EPIPE' || net === 'ECONNABORTED') {
    return fail('AWS_UNREACHABLE', `${action}: connection reset (${detail})`, say('reset'), say('resetHint'));
  }
  if (net === 'ENOTFOUND' || net === 'EAI_AGAIN' || name === 'UnknownEndpoint' || name === 'EndpointError' || /getaddrinfo/.test(detail)) {
    return fail('CONFIG', `${action}: endpoint unreachable (${detail})`, say('noHost'), say('noHostHint'));
  }
  if (net === 'EHOSTUNREACH' || net === 'ENETUNREACH') {
    return fail('AWS_UNREACHABLE', `${action}: network unreachable (${detail})`, say('noRoute'), say('noRouteHint'));
  }
  if (TIMEOUT.has(name) || net === 'ETIMEDOUT') {
    const s = waitedSeconds(ctx);
    return fail(
      'AWS_TIMEOUT',
      `${action}: no answer${s ? ` within ${s} s` : ''} (${name}: ${detail})`,
      s ? say('timeoutWithin', { s }) : say('timeout'),
      say('timeoutHint'),
    );
  }
  if (CREDENTIALS_MISSING.has(name)) {
    return fail('AWS_CREDENTIALS', `${action}: no credentials (${detail})`, say('noCredentials'), say('noCredentialsHint'));
  }
  if (CREDENTIALS_EXPIRED.has(name)) {
    return fail('AWS_CREDENTIALS', `${action}: credentials expired (${detail})`, say('expired'), say('expiredHint'));
  }
  if (CREDENTIALS_REJECTED.has(name)) {
    return fail(
      'AWS_CREDENTIALS',
      `${action}: credentials rejected (${name}: ${detail})`,
      say('rejected', { name: tick(name) }),
      say('rejectedHint'),
    );
  }
  if (UNSUPPORTED.has(name) || notAnAwsAnswer(err)) {
    const status = e.$metadata?.httpStatusCode;
    const answered: Localized = UNSUPPORTED.has(name)
      ? say('answeredCode', { name: tick(name) })
      : status && status !== 200
        ? say('answeredPage', { status })
        : say('answeredOther');
    return fail(
      'AWS_UNSUPPORTED',
      `${action}: operation unsupported (${name}, HTTP ${status ?? '?'})`,
      say('unsupported', { op: op ? tick(op) : say('thisOperation'), answered }),
      say('unsupportedHint'),
    );
  }
  if (THROTTLE.has(name)) {
    return fail('AWS_THROTTLED', `${action}: throttled (${name})`, say('throttled', { name: tick(name) }));
  }
  if (DENIED.has(name)) {
    const perm = ctx.permission ?? /not authorized to perform: ([\w:-]+)/.exec(detail)?.[1];
    const role = roleOfError(err);
    if (role) {
      const t = awsErrorText.in(role.locale);
      const { account } = roleParts(role.roleArn);
      return new BotError('AWS_ACCESS_DENIED', `${action}: access denied with ${role.roleArn} (${detail})`, {
        userMessage: t('roleDenied', {
          action: escapeMrkdwn(textIn(ctx.action, role.locale)),
          role: `\`${role.roleArn}\``,
          account: `\`${account}\``,
          perm: perm ? tick(perm) : t('somePermission'),
        }),
        hint: t('roleHint'),
        cause: err,
      });
    }
    return fail(
      'AWS_ACCESS_DENIED',
      `${action}: access denied (${detail})`,
      perm ? say('deniedNeeds', { perm: tick(perm) }) : say('denied'),
      say('deniedHint'),
    );
  }
  if (name === 'ClusterNotFoundException') {
    return fail(
      'CONFIG',
      `${action}: cluster not found`,
      say('noCluster'),
      ctx.configHint ? say('noClusterHintAt', { setting: `\`${ctx.configHint}\`` }) : say('noClusterHint'),
    );
  }
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return fail('AWS', log, say('internal', { name: tick(name) }), say('internalHint'));
  }
  if (e.$fault === 'client') {
    // An answer from AWS we have no special words for: its code and its own message, escaped.
    return fail('AWS', log, say('answered', { name: tick(name), detail: oneLine(detail, 300) }));
  }
  // Not an AWS answer and not a known network failure: say so, without the SDK's internals.
  return fail('AWS', log, say('failedBefore'), say('failedBeforeHint'));
}

/** Call AWS and map any failure. */
export async function callAws<T>(ctx: AwsErrorContext, fn: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  try {
    return await fn();
  } catch (err) {
    throw awsError(err, { ...ctx, startedAt });
  }
}
