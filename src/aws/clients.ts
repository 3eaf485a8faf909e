/**
 * AWS SDK clients, created lazily (first use, per region and credentials) and reused for the life of
 * the process. No endpoint is ever set here: the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>
 * settings keep working, so the bot runs against any AWS-compatible endpoint.
 *
 * Credentials: the function's own role, or, for an environment with `roleArn` (chatops.yml), that
 * role's (STS AssumeRole, cached until five minutes before they expire and shared by every client of
 * the environment). A session that carries out or aborts an approved change is its own short session,
 * naming the request, the requester and the approvers (./session.ts), so CloudTrail shows who asked and
 * who approved. Clients of such a role tag their errors with the role (`chatopsRole`), so an access
 * denied answer names the role to fix, not the bot's.
 *
 * The SDK packages are loaded with require() inside the accessors so that the Slack-facing
 * function, which never calls AWS services, does not pay for loading them at cold start (STS
 * included: nothing is assumed until an AWS call for the environment is made).
 * Every client has connection and request timeouts and a bounded number of attempts
 * (AWS_TIMEOUTS), and every request honours the budget of the work it is part of (./budget.ts):
 * nothing waits for AWS forever.
 */
import type * as EcsSdk from '@aws-sdk/client-ecs';
import type * as EcrSdk from '@aws-sdk/client-ecr';
import type * as LogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as CeSdk from '@aws-sdk/client-cost-explorer';
import type * as AutoScalingSdk from '@aws-sdk/client-application-auto-scaling';
import type * as CloudWatchSdk from '@aws-sdk/client-cloudwatch';
import type * as StsSdk from '@aws-sdk/client-sts';
import type { Locale } from '../i18n';
import type * as StsAdapter from './sts';
import { sessionKey, type RoleMarked, type RoleTarget, type SessionIdentity } from './session';
import type * as HttpHandlerPkg from '@smithy/node-http-handler';
import { budgetSignal } from './budget';

type ECSClient = EcsSdk.ECSClient;
type ECRClient = EcrSdk.ECRClient;
type CloudWatchLogsClient = LogsSdk.CloudWatchLogsClient;
type CostExplorerClient = CeSdk.CostExplorerClient;
type ApplicationAutoScalingClient = AutoScalingSdk.ApplicationAutoScalingClient;
type CloudWatchClient = CloudWatchSdk.CloudWatchClient;

/**
 * How to reach an environment's account: its role (none = the function's own credentials), the
 * environment's name (for answers), and, for a change, the people the session speaks for.
 * An environment from chatops.yml (`svc.env`, `envAccess(config, name)`) has this shape.
 */
export interface AwsAccess {
  roleArn?: string;
  externalId?: string;
  name?: string;
  session?: SessionIdentity;
}

export interface AwsClients {
  ecs(region: string, access?: AwsAccess): ECSClient;
  ecr(region: string, access?: AwsAccess): ECRClient;
  logs(region: string, access?: AwsAccess): CloudWatchLogsClient;
  /** CloudWatch metrics (GetMetricData for /ecs rightsize). */
  cloudwatch(region: string, access?: AwsAccess): CloudWatchClient;
  /** Cost Explorer's API lives in us-east-1 whatever the workload's region. */
  costExplorer(access?: AwsAccess): CostExplorerClient;
  autoScaling(region: string, access?: AwsAccess): ApplicationAutoScalingClient;
}

interface ClientOptions {
  /** Language of the answers an assume-role refusal becomes (the workspace's). */
  locale?: Locale;
  /** Clock for the credentials cache (tests). */
  now?: () => number;
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
 * Explorer is slower (8 s per attempt, 2 attempts), so is CloudWatch GetMetricData (10 s); STS is
 * quick (3 s).
 */
export const AWS_TIMEOUTS = {
  read: { connectionTimeout: 2_000, requestTimeout: 5_000, maxAttempts: 3 },
  costExplorer: { connectionTimeout: 2_000, requestTimeout: 8_000, maxAttempts: 2 },
  /** GetMetricData over two weeks answers in well under a second; a stuck socket must not hold the worker. */
  metrics: { connectionTimeout: 2_000, requestTimeout: 10_000, maxAttempts: 3 },
  /** AssumeRole, at the regional STS endpoint next to the function. */
  sts: { connectionTimeout: 1_000, requestTimeout: 3_000, maxAttempts: 3 },
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

/** Credentials are refreshed this long before they expire (the SDK asks again 5 minutes before, too). */
export const REFRESH_BEFORE_MS = 5 * 60_000;
/** Clients kept at most (per-change sessions make new ones; the oldest are dropped). */
const MAX_CLIENTS = 200;

interface CachedCredentials {
  value?: StsAdapter.RoleCredentials;
  pending?: Promise<StsAdapter.RoleCredentials>;
}

/** What marking a client's errors needs of it (every SDK v3 client has it). */
interface Markable {
  middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

export function createAwsClients(opts: ClientOptions = {}): AwsClients {
  const now = opts.now ?? Date.now;
  const locale = opts.locale ?? 'en';
  const clients = new Map<string, unknown>();
  const credentials = new Map<string, CachedCredentials>();

  function get<T>(key: string, make: () => T): T {
    let c = clients.get(key) as T | undefined;
    if (!c) {
      c = make();
      clients.set(key, c);
      if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    }
    return c;
  }

  function sts(): StsSdk.STSClient {
    return get(
      'sts',
      () =>
        new (require('@aws-sdk/client-sts') as typeof StsSdk).STSClient({
          // The function's own region: the regional STS endpoint next to it.
          region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
          ...settings(AWS_TIMEOUTS.sts),
        }),
    );
  }

  /** The role's credentials, from the cache while they have more than REFRESH_BEFORE_MS left. */
  async function roleCredentials(target: RoleTarget, envName: string, identity?: SessionIdentity): Promise<StsAdapter.RoleCredentials> {
    const key = sessionKey(target, identity);
    let entry = credentials.get(key);
    if (!entry) {
      entry = {};
      credentials.set(key, entry);
      if (credentials.size > MAX_CLIENTS) credentials.delete(credentials.keys().next().value!);
    }
    if (entry.value && entry.value.expiration.getTime() - now() > REFRESH_BEFORE_MS) return entry.value;
    if (!entry.pending) {
      const { assumeRole } = require('./sts') as typeof StsAdapter;
      const e = entry;
      e.pending = assumeRole(sts(), target, envName, locale, identity)
        .then((v) => {
          e.value = v;
          return v;
        })
        .finally(() => {
          e.pending = undefined;
        });
    }
    return entry.pending!;
  }

  /** Client options for an access: nothing for the function's own role, else the role's credentials. */
  function credentialsFor(access: AwsAccess | undefined): { key: string; config: Record<string, unknown> } {
    if (!access?.roleArn) return { key: '', config: {} };
    const target: RoleTarget = { roleArn: access.roleArn, ...(access.externalId ? { externalId: access.externalId } : {}) };
    const envName = access.name ?? '?';
    return {
      key: sessionKey(target, access.session),
      config: { credentials: () => roleCredentials(target, envName, access.session) },
    };
  }

  /** A client of `service` in `region` with the access's credentials; a role's client marks its errors. */
  function client<T extends Markable>(
    service: string,
    region: string,
    access: AwsAccess | undefined,
    make: (config: Record<string, unknown>) => T,
    timeouts: Timeouts = AWS_TIMEOUTS.read,
  ): T {
    const creds = credentialsFor(access);
    return get(`${service}:${region}:${creds.key}`, () => {
      const c = make({ region, ...settings(timeouts), ...creds.config });
      if (access?.roleArn) {
        const mark = { roleArn: access.roleArn, locale };
        c.middlewareStack.add(
          (next) => async (args) => {
            try {
              return await next(args);
            } catch (err) {
              if (err && typeof err === 'object') (err as RoleMarked).chatopsRole = mark;
              throw err;
            }
          },
          { step: 'initialize', name: 'chatopsRoleMark' },
        );
      }
      return c;
    });
  }

  return {
    ecs: (region, access) => client('ecs', region, access, (c) => new (require('@aws-sdk/client-ecs') as typeof EcsSdk).ECSClient(c)),
    ecr: (region, access) => client('ecr', region, access, (c) => new (require('@aws-sdk/client-ecr') as typeof EcrSdk).ECRClient(c)),
    logs: (region, access) =>
      client('logs', region, access, (c) => new (require('@aws-sdk/client-cloudwatch-logs') as typeof LogsSdk).CloudWatchLogsClient(c)),
    cloudwatch: (region, access) =>
      client(
        'cloudwatch',
        region,
        access,
        (c) => new (require('@aws-sdk/client-cloudwatch') as typeof CloudWatchSdk).CloudWatchClient(c),
        AWS_TIMEOUTS.metrics,
      ),
    costExplorer: (access) =>
      client(
        'ce',
        'us-east-1',
        access,
        (c) => new (require('@aws-sdk/client-cost-explorer') as typeof CeSdk).CostExplorerClient(c),
        AWS_TIMEOUTS.costExplorer,
      ),
    autoScaling: (region, access) =>
      client(
        'aas',
        region,
        access,
        (c) => new (require('@aws-sdk/client-application-auto-scaling') as typeof AutoScalingSdk).ApplicationAutoScalingClient(c),
      ),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
