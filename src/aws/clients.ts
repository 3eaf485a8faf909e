/**
 * AWS SDK clients, created lazily (first use, per region) and reused for the life of the process.
 * No endpoint is ever set here: the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>
 * settings keep working, so the bot runs against any AWS-compatible endpoint.
 *
 * The SDK packages are loaded with require() inside the accessors so that the Slack-facing
 * function, which never calls AWS services, does not pay for loading them at cold start.
 * Every client has connection and request timeouts and a bounded number of attempts
 * (AWS_TIMEOUTS), and every request honours the budget of the work it is part of (./budget.ts):
 * nothing waits for AWS forever.
 */
import type * as EcsSdk from '@aws-sdk/client-ecs';
import type * as EcrSdk from '@aws-sdk/client-ecr';
import type * as LogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as CeSdk from '@aws-sdk/client-cost-explorer';
import type * as LambdaSdk from '@aws-sdk/client-lambda';
import type * as AutoScalingSdk from '@aws-sdk/client-application-auto-scaling';
import type * as HttpHandlerPkg from '@smithy/node-http-handler';
import { budgetSignal } from './budget';

type ECSClient = EcsSdk.ECSClient;
type ECRClient = EcrSdk.ECRClient;
type CloudWatchLogsClient = LogsSdk.CloudWatchLogsClient;
type CostExplorerClient = CeSdk.CostExplorerClient;
type LambdaClient = LambdaSdk.LambdaClient;
type ApplicationAutoScalingClient = AutoScalingSdk.ApplicationAutoScalingClient;

export interface AwsClients {
  ecs(region: string): ECSClient;
  ecr(region: string): ECRClient;
  logs(region: string): CloudWatchLogsClient;
  /** Cost Explorer's API lives in us-east-1 whatever the workload's region. */
  costExplorer(): CostExplorerClient;
  lambda(): LambdaClient;
  autoScaling(region: string): ApplicationAutoScalingClient;
}

/** Connection and request timeouts, and attempts, per kind of client. */
interface Timeouts {
  /** ms to establish the TCP (and TLS) connection. */
  connectionTimeout: number;
  /** ms for one whole attempt (request sent → response read). */
  requestTimeout: number;
  maxAttempts: number;
}

/**
 * What fits each client. Reads of ECS, ECR, Logs and Auto Scaling answer in well under a second:
 * 2 s to connect and 5 s per attempt, 3 attempts, so a dead endpoint is given up in about 16 s
 * and a command (20 s budget, src/hooks/jobs.ts) can still answer within Slack's patience. Cost
 * Explorer is slower (8 s per attempt, 2 attempts). The hand-off to the worker runs inside
 * Slack's 3-second ack: 700 ms to connect, 1 s per attempt, 2 attempts.
 */
export const AWS_TIMEOUTS = {
  read: { connectionTimeout: 2_000, requestTimeout: 5_000, maxAttempts: 3 },
  costExplorer: { connectionTimeout: 2_000, requestTimeout: 8_000, maxAttempts: 2 },
  handOff: { connectionTimeout: 700, requestTimeout: 1_000, maxAttempts: 2 },
} as const satisfies Record<string, Timeouts>;

/* eslint-disable @typescript-eslint/no-require-imports -- deferred loading keeps the SDK off the ack path's cold start */

/**
 * The SDK's Node HTTP handler with the given timeouts (throwOnRequestTimeout: without it the SDK
 * only logs a warning when requestTimeout passes), which also honours the current budget
 * (./budget.ts): when the budget runs out, the request in flight is aborted and no retry starts.
 */
function httpHandler(t: Timeouts) {
  const { NodeHttpHandler } = require('@smithy/node-http-handler') as typeof HttpHandlerPkg;
  const inner = new NodeHttpHandler({
    connectionTimeout: t.connectionTimeout,
    requestTimeout: t.requestTimeout,
    throwOnRequestTimeout: true,
  });
  return {
    metadata: inner.metadata,
    handle: (request: Parameters<typeof inner.handle>[0], options: Parameters<typeof inner.handle>[1] = {}) =>
      inner.handle(request, { ...options, abortSignal: budgetSignal(options.abortSignal as AbortSignal | undefined) }),
    updateHttpClientConfig: (
      key: Parameters<typeof inner.updateHttpClientConfig>[0],
      value: Parameters<typeof inner.updateHttpClientConfig>[1],
    ) => inner.updateHttpClientConfig(key, value),
    httpHandlerConfigs: () => inner.httpHandlerConfigs(),
    destroy: () => inner.destroy(),
  };
}

function settings(t: Timeouts) {
  return { maxAttempts: t.maxAttempts, retryMode: 'adaptive' as const, requestHandler: httpHandler(t) };
}

export function createAwsClients(): AwsClients {
  const cache = new Map<string, unknown>();
  function get<T>(key: string, make: () => T): T {
    let c = cache.get(key) as T | undefined;
    if (!c) {
      c = make();
      cache.set(key, c);
    }
    return c;
  }
  const read = () => settings(AWS_TIMEOUTS.read);
  return {
    ecs: (region) => get(`ecs:${region}`, () => new (require('@aws-sdk/client-ecs') as typeof EcsSdk).ECSClient({ region, ...read() })),
    ecr: (region) => get(`ecr:${region}`, () => new (require('@aws-sdk/client-ecr') as typeof EcrSdk).ECRClient({ region, ...read() })),
    logs: (region) =>
      get(
        `logs:${region}`,
        () => new (require('@aws-sdk/client-cloudwatch-logs') as typeof LogsSdk).CloudWatchLogsClient({ region, ...read() }),
      ),
    costExplorer: () =>
      get(
        'ce',
        () =>
          new (require('@aws-sdk/client-cost-explorer') as typeof CeSdk).CostExplorerClient({
            region: 'us-east-1',
            ...settings(AWS_TIMEOUTS.costExplorer),
          }),
      ),
    autoScaling: (region) =>
      get(
        `aas:${region}`,
        () =>
          new (require('@aws-sdk/client-application-auto-scaling') as typeof AutoScalingSdk).ApplicationAutoScalingClient({
            region,
            ...read(),
          }),
      ),
    lambda: () =>
      get('lambda', () => new (require('@aws-sdk/client-lambda') as typeof LambdaSdk).LambdaClient(settings(AWS_TIMEOUTS.handOff))),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */
