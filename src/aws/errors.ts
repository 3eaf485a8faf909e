/**
 * AWS SDK errors → answers a person can act on. Every adapter in src/aws/ passes failures
 * through `awsError`, so throttling, access denied and wrong region/cluster read the same
 * everywhere. The SDK itself already retried throttling with adaptive backoff (clients.ts).
 */
import { BotError } from '../errors';

interface AwsErrorContext {
  /** What we were doing, e.g. "describe service web-prod". */
  action: string;
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
  if (THROTTLE.has(name)) {
    return new BotError('AWS_THROTTLED', `${ctx.action}: throttled (${name})`, {
      userMessage: `AWS is throttling requests (${name}) while I tried to ${ctx.action}. I retried with backoff; try again in a minute.`,
      cause: err,
    });
  }
  if (DENIED.has(name)) {
    const perm = ctx.permission ?? /not authorized to perform: ([\w:-]+)/.exec(detail)?.[1];
    return new BotError('AWS_ACCESS_DENIED', `${ctx.action}: access denied (${detail})`, {
      userMessage: `AWS denied access while I tried to ${ctx.action}${perm ? `: the bot's role needs \`${perm}\`` : ''}.`,
      hint: 'Add the permission to the worker role in serverless.yml and redeploy the bot.',
      cause: err,
    });
  }
  if (name === 'ClusterNotFoundException') {
    return new BotError('CONFIG', `${ctx.action}: cluster not found`, {
      userMessage: `The ECS cluster was not found while I tried to ${ctx.action}.`,
      hint: `Check the cluster name and region${ctx.configHint ? ` in \`${ctx.configHint}\`` : ''} in chatops.yml.`,
      cause: err,
    });
  }
  if (name === 'UnknownEndpoint' || name === 'EndpointError' || /getaddrinfo|ENOTFOUND/.test(detail)) {
    return new BotError('CONFIG', `${ctx.action}: endpoint unreachable (${detail})`, {
      userMessage: `I could not reach AWS while I tried to ${ctx.action}.`,
      hint: 'Check the region in chatops.yml (and AWS_ENDPOINT_URL if you set one).',
      cause: err,
    });
  }
  return new BotError('AWS', `${ctx.action}: ${name}: ${detail}`, {
    userMessage: `AWS answered \`${name}\` while I tried to ${ctx.action}: ${detail.slice(0, 300)}`,
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
