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
import { BotError } from '../errors';
import { defineMessages, textIn, type Text } from '../i18n/catalog';
import { escapeMrkdwn, oneLine } from '../slack/text';
import { currentBudget } from './budget';
import { roleOfError, roleParts } from './session';

const text = defineMessages('aws-errors', {
  roleDenied: {
    en: 'AWS denied access while I tried to {action}: role {role} in account {account}, which the bot uses for this environment, needs {perm}.',
    ko: '{action} 중 AWS가 접근을 거부했습니다. 봇이 이 환경에 쓰는 계정 {account}의 역할 {role}에 {perm} 권한이 필요합니다.',
  },
  somePermission: { en: 'the permission named in the refusal', ko: '거부 메시지에 적힌 권한' },
  roleHint: {
    en: "Add it to that role in the target account (cloudformation/target-account-role.yml grants everything the bot calls), not to the bot's own role.",
    ko: '봇 자신의 역할이 아니라 대상 계정의 그 역할에 추가하세요(cloudformation/target-account-role.yml이 봇이 호출하는 모든 권한을 부여합니다).',
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
  lookUpImage: { en: 'look up {ref} in {repository}', ko: '{repository}에서 {ref} 조회' },
  listImages: { en: 'list images in {repository}', ko: '{repository}의 이미지 목록 조회' },
  autoscalingRange: { en: 'read the autoscaling range of {service}', ko: '{service} 서비스의 오토스케일링 범위 조회' },
  readLogs: { en: 'read logs from {group}', ko: '{group} 로그 읽기' },
  readCosts: { en: 'read costs from Cost Explorer', ko: 'Cost Explorer 비용 조회' },
});

interface AwsErrorContext {
  /** What we were doing, e.g. "describe service web-prod" (the answers below are English for now). */
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
function waitedSeconds(ctx: AwsErrorContext): number | undefined {
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
  const what = escapeMrkdwn(action);
  const op = operationOf(ctx);
  const log = `${action}: ${name}: ${detail.slice(0, 500)}`;
  const net = networkCode(err);

  if (net === 'ECONNREFUSED') {
    return new BotError('AWS_UNREACHABLE', `${action}: connection refused (${detail})`, {
      userMessage: `AWS refused the connection while I tried to ${what}: nothing answers at the AWS endpoint the bot uses.`,
      hint: 'Nothing was changed by this command. Check AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) if you set one, and the region in chatops.yml.',
      cause: err,
    });
  }
  if (net === 'ECONNRESET' || net === 'EPIPE' || net === 'ECONNABORTED') {
    return new BotError('AWS_UNREACHABLE', `${action}: connection reset (${detail})`, {
      userMessage: `The connection to AWS was cut before AWS answered while I tried to ${what}.`,
      hint: 'Try again in a minute. If it keeps happening, something between the bot and AWS (a proxy, a firewall, a NAT gateway) is closing connections.',
      cause: err,
    });
  }
  if (net === 'ENOTFOUND' || net === 'EAI_AGAIN' || name === 'UnknownEndpoint' || name === 'EndpointError' || /getaddrinfo/.test(detail)) {
    return new BotError('CONFIG', `${action}: endpoint unreachable (${detail})`, {
      userMessage: `I could not find the AWS endpoint (its host name does not resolve) while I tried to ${what}.`,
      hint: 'Check the region in chatops.yml (and AWS_ENDPOINT_URL if you set one), and that the bot can resolve DNS names.',
      cause: err,
    });
  }
  if (net === 'EHOSTUNREACH' || net === 'ENETUNREACH') {
    return new BotError('AWS_UNREACHABLE', `${action}: network unreachable (${detail})`, {
      userMessage: `I could not reach AWS (no network route) while I tried to ${what}.`,
      hint: 'In a VPC the bot needs a NAT gateway or VPC endpoints for the AWS services it calls.',
      cause: err,
    });
  }
  if (TIMEOUT.has(name) || net === 'ETIMEDOUT') {
    const s = waitedSeconds(ctx);
    return new BotError('AWS_TIMEOUT', `${action}: no answer${s ? ` within ${s} s` : ''} (${name}: ${detail})`, {
      userMessage: `AWS did not answer ${s ? `within ${s} s` : 'in time'} while I tried to ${what}.`,
      hint: 'Nothing was changed by this command. AWS may be slow or unreachable from the bot right now; try again in a minute.',
      cause: err,
    });
  }
  if (CREDENTIALS_MISSING.has(name)) {
    return new BotError('AWS_CREDENTIALS', `${action}: no credentials (${detail})`, {
      userMessage: `The bot has no AWS credentials, so I could not ${what}.`,
      hint: "On Lambda they come from the function's role. Running locally, set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, before `npm start`.",
      cause: err,
    });
  }
  if (CREDENTIALS_EXPIRED.has(name)) {
    return new BotError('AWS_CREDENTIALS', `${action}: credentials expired (${detail})`, {
      userMessage: `The bot's AWS credentials have expired, so I could not ${what}.`,
      hint: 'Running locally, refresh them (e.g. `aws sso login`) and restart the bot. On Lambda the next attempt gets fresh ones; if it persists, check the clock of the machine running the bot.',
      cause: err,
    });
  }
  if (CREDENTIALS_REJECTED.has(name)) {
    return new BotError('AWS_CREDENTIALS', `${action}: credentials rejected (${name}: ${detail})`, {
      userMessage: `AWS did not accept the bot's credentials (\`${name}\`) while I tried to ${what}.`,
      hint: 'Check the access key and secret the bot runs with (and that they belong to this AWS partition), and the clock of the machine running the bot.',
      cause: err,
    });
  }
  if (UNSUPPORTED.has(name) || notAnAwsAnswer(err)) {
    const status = e.$metadata?.httpStatusCode;
    const answered = UNSUPPORTED.has(name)
      ? `\`${name}\``
      : status && status !== 200
        ? `HTTP ${status} with a page that is not an AWS answer`
        : 'with something that is not an AWS answer';
    return new BotError('AWS_UNSUPPORTED', `${action}: operation unsupported (${name}, HTTP ${status ?? '?'})`, {
      userMessage: `The AWS endpoint does not support ${op ? `\`${op}\`` : 'this operation'} (it answered ${answered}), so I could not ${what}.`,
      hint: 'If AWS_ENDPOINT_URL points at an AWS-compatible service, it lacks this API. Otherwise a proxy is answering instead of AWS, or the region in chatops.yml is wrong.',
      cause: err,
    });
  }
  if (THROTTLE.has(name)) {
    return new BotError('AWS_THROTTLED', `${action}: throttled (${name})`, {
      userMessage: `AWS is throttling requests (\`${name}\`) while I tried to ${what}. I retried with backoff; try again in a minute.`,
      cause: err,
    });
  }
  if (DENIED.has(name)) {
    const perm = ctx.permission ?? /not authorized to perform: ([\w:-]+)/.exec(detail)?.[1];
    const role = roleOfError(err);
    if (role) {
      const t = text.in(role.locale);
      const { account } = roleParts(role.roleArn);
      return new BotError('AWS_ACCESS_DENIED', `${action}: access denied with ${role.roleArn} (${detail})`, {
        userMessage: t('roleDenied', {
          action: escapeMrkdwn(textIn(ctx.action, role.locale)),
          role: `\`${role.roleArn}\``,
          account: `\`${account}\``,
          perm: perm ? `\`${escapeMrkdwn(perm)}\`` : t('somePermission'),
        }),
        hint: t('roleHint'),
        cause: err,
      });
    }
    return new BotError('AWS_ACCESS_DENIED', `${action}: access denied (${detail})`, {
      userMessage: `AWS denied access while I tried to ${what}${perm ? `: the bot's role needs \`${escapeMrkdwn(perm)}\`` : ''}.`,
      hint: 'Add the permission to the function role in serverless.yml and redeploy the bot.',
      cause: err,
    });
  }
  if (name === 'ClusterNotFoundException') {
    return new BotError('CONFIG', `${action}: cluster not found`, {
      userMessage: `The ECS cluster was not found while I tried to ${what}.`,
      hint: `Check the cluster name and region${ctx.configHint ? ` in \`${ctx.configHint}\`` : ''} in chatops.yml.`,
      cause: err,
    });
  }
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new BotError('AWS', log, {
      userMessage: `AWS had an internal error (\`${escapeMrkdwn(name)}\`) while I tried to ${what}.`,
      hint: 'Nothing was changed by this command. Try again in a minute.',
      cause: err,
    });
  }
  if (e.$fault === 'client') {
    // An answer from AWS we have no special words for: its code and its own message, escaped.
    return new BotError('AWS', log, {
      userMessage: `AWS answered \`${escapeMrkdwn(name)}\` while I tried to ${what}: ${oneLine(detail, 300)}`,
      cause: err,
    });
  }
  // Not an AWS answer and not a known network failure: say so, without the SDK's internals.
  return new BotError('AWS', log, {
    userMessage: `The request to AWS failed before AWS answered while I tried to ${what}.`,
    hint: 'Try again in a minute. If it keeps happening, whoever runs the bot finds the details in its logs.',
    cause: err,
  });
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
