/**
 * What every entry, verb and feature is handed: the process's runtime and the interfaces it is made
 * of. Types only (a leaf of the floor plan, docs/architecture.md); the one place that builds a
 * Runtime from the environment is src/handlers/compose.ts.
 */
import type { AwsClients } from './aws/clients';
import type { Config } from './config/schema';
import type { Logger } from './log';
import type { Doing, Role } from './policy/authorize';
import type { RedisClient } from './redis/client';
import type { SlackGateway } from './slack/gateway';
import type { People } from './slack/people';

/** Work for the worker: a kind and an id (the idempotency key); the rest is the kind's own (src/hooks/jobs.ts). */
export interface Job {
  kind: string;
  id: string;
  [field: string]: unknown;
}

/**
 * Hands a job on: from the Slack-facing function, an async Lambda invocation of the worker
 * (src/aws/lambda.ts); in the worker, events and scheduled functions (and locally), in-process
 * after the current job (inProcessDispatcher, src/hooks/jobs.ts).
 */
export interface Dispatcher {
  /**
   * `withinMs`: the hand-off's time within a click's budget (src/slack/click-budget.ts): the Lambda
   * dispatcher fits its attempts into it; the in-process one returns at once anyway.
   */
  dispatch(job: Job, opts?: { withinMs?: number }): Promise<void>;
  /** Resolves when every job dispatched in this process has run (Lambda handlers await it before returning). */
  idle?(): Promise<void>;
}

/**
 * "Does this user hold role X": the one authorization wrapper (src/edge/authz.ts), used by the
 * slash-command path, the buttons and the verbs that decide by role. User-group membership is read
 * from Slack (cached briefly), so someone removed from a group loses the right within the cache TTL.
 */
export interface Access {
  /**
   * Whether `userId` holds `role` in `environment` (no channel check: buttons on the bot's own
   * messages). `withinMs`: how long a user-group lookup may wait for Slack (a click's budget); past
   * it the lookup counts as failed (the cached membership within its grace, else a refusal).
   */
  holds(environment: string, userId: string, role: Role, opts?: { withinMs?: number }): Promise<boolean>;
  /** Whether `userId` holds one of `roles` (asked in order); `withinMs` as for `holds`, for all of them together. */
  holdsAny(environment: string, userId: string, roles: readonly Role[], opts?: { withinMs?: number }): Promise<boolean>;
  /**
   * Throws FORBIDDEN unless the channel is one of the environment's and `userId` holds one of
   * `roles` there; the refusal names the first role, or what the person tried (`doing`) when the
   * role's own words (approve changes) are not it.
   */
  ensure(
    environment: string,
    channelId: string,
    userId: string,
    roles: readonly Role[],
    opts?: { withinMs?: number; doing?: Doing },
  ): Promise<void>;
}

export interface Runtime {
  config: Config;
  log: Logger;
  slack: SlackGateway;
  /** One node or a Redis Cluster (src/redis/client.ts createRedisFromEnv). */
  redis: RedisClient;
  aws: AwsClients;
  dispatcher: Dispatcher;
  access: Access;
  /** Whose language: the workspace's for channel messages, a person's own for what only they see. */
  people: People;
  signingSecret: string;
  /**
   * The key worker jobs are signed with (HMAC-SHA256): JOB_SIGNING_KEY, or derived from the signing
   * secret. Only the bot's functions read it; the worker runs no job it does not verify.
   */
  jobKey: string;
  botToken: string;
  /**
   * GIT_TOKENS, as read (a secret: a JSON map of Git host → token): the worker asks those hosts for a
   * request's commit list (src/deploy/git-api.ts validates it). Unset: no host is asked.
   */
  gitTokens?: string | undefined;
  mode: 'lambda' | 'local';
  now(): number;
  /**
   * Wait `ms` (a timer; the tests hand in their own, moved with their clock). Used where the bot
   * deliberately waits, e.g. spacing out an alert's updates (src/alerts/sync.ts).
   */
  sleep(ms: number): Promise<void>;
}
