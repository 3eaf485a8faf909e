/**
 * AWS SDK clients, created lazily (first use, per region) and reused for the life of the process.
 * No endpoint is ever set here: the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>
 * settings keep working, so the bot runs against any AWS-compatible endpoint.
 *
 * The SDK packages are loaded with require() inside the accessors so that the Slack-facing
 * function, which never calls AWS services, does not pay for loading them at cold start.
 */
import type * as EcsSdk from '@aws-sdk/client-ecs';
import type * as EcrSdk from '@aws-sdk/client-ecr';
import type * as LogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as CeSdk from '@aws-sdk/client-cost-explorer';
import type * as AutoScalingSdk from '@aws-sdk/client-application-auto-scaling';

type ECSClient = EcsSdk.ECSClient;
type ECRClient = EcrSdk.ECRClient;
type CloudWatchLogsClient = LogsSdk.CloudWatchLogsClient;
type CostExplorerClient = CeSdk.CostExplorerClient;
type ApplicationAutoScalingClient = AutoScalingSdk.ApplicationAutoScalingClient;

export interface AwsClients {
  ecs(region: string): ECSClient;
  ecr(region: string): ECRClient;
  logs(region: string): CloudWatchLogsClient;
  /** Cost Explorer's API lives in us-east-1 whatever the workload's region. */
  costExplorer(): CostExplorerClient;
  autoScaling(region: string): ApplicationAutoScalingClient;
}

const common = { maxAttempts: 5, retryMode: 'adaptive' as const };

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
  /* eslint-disable @typescript-eslint/no-require-imports -- deferred loading keeps the SDK off the ack path's cold start */
  return {
    ecs: (region) => get(`ecs:${region}`, () => new (require('@aws-sdk/client-ecs') as typeof EcsSdk).ECSClient({ region, ...common })),
    ecr: (region) => get(`ecr:${region}`, () => new (require('@aws-sdk/client-ecr') as typeof EcrSdk).ECRClient({ region, ...common })),
    logs: (region) =>
      get(
        `logs:${region}`,
        () => new (require('@aws-sdk/client-cloudwatch-logs') as typeof LogsSdk).CloudWatchLogsClient({ region, ...common }),
      ),
    costExplorer: () =>
      get(
        'ce',
        () => new (require('@aws-sdk/client-cost-explorer') as typeof CeSdk).CostExplorerClient({ region: 'us-east-1', ...common }),
      ),
    autoScaling: (region) =>
      get(
        `aas:${region}`,
        () =>
          new (require('@aws-sdk/client-application-auto-scaling') as typeof AutoScalingSdk).ApplicationAutoScalingClient({
            region,
            ...common,
          }),
      ),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
