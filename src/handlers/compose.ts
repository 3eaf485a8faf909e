/**
 * The composition root: builds the Runtime from the environment (config validated at cold start,
 * Slack, Redis, AWS clients, the dispatcher, the authorization wrapper) and registers every
 * feature's job kinds, buttons, event consumers and ticks (registerAll). Every entry point uses it,
 * so the same behaviour exists on Lambda and locally. A runtime is built once per process and
 * reused across invocations.
 */
import { registerAlerts } from '../alerts/register';
import { registerApprovals } from '../approvals/register';
import { createHmac, randomBytes } from 'node:crypto';
import { currentBudget } from '../aws/budget';
import { createAwsClients } from '../aws/clients';
import { lambdaDispatcher } from '../aws/lambda';
import { createAsyncInvoker } from '../aws/lambda-invoke';
import { registerCommands } from '../commands/job';
import { configWarnings, loadConfigFile } from '../config/load';
import type { Config } from '../config/schema';
import { registerChanges } from '../deploy/register';
import { registerImages } from '../images/register';
import { createAccess } from '../edge/authz';
import { invocationDeadline, inProcessDispatcher, runJob, signingDispatcher } from '../hooks/jobs';
import { BotError, errorText } from '../errors';
import { log as rootLog, registerSecret } from '../log';
import { createRedisFromEnv, type RedisClient, type RedisProfile } from '../redis/client';
import { redisPassword } from '../redis/url';
import type { Dispatcher, Runtime } from '../runtime';
import { createDirectory } from '../slack/directory';
import { createSlackGateway, type SlackGateway } from '../slack/gateway';
import type { SharedPauses } from '../slack/patient.run';
import { createPeople } from '../slack/people';
import { redisLocaleCache } from '../redis/locale-cache';
import { registerSurfaces } from '../surfaces/register';

let registered = false;

/** Register every feature's job kinds, buttons, event consumers and ticks (src/hooks/). Idempotent. */
export function registerAll(): void {
  if (registered) return;
  registered = true;
  registerCommands();
  registerApprovals();
  registerAlerts();
  registerChanges();
  registerImages();
  registerSurfaces();
}

/** Names of required variables that are missing or empty. */
export function missingEnv(env: NodeJS.ProcessEnv, names: readonly string[]): string[] {
  return names.filter((n) => !env[n] || !env[n]!.trim());
}

function requireEnv(env: NodeJS.ProcessEnv, names: readonly string[]): void {
  const missing = missingEnv(env, names);
  if (missing.length) {
    throw new BotError('CONFIG', `Missing environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
      userMessage: errorText.lazy('missingSettings'),
    });
  }
}

interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Slack delivers over Socket Mode (local use): no request signing, so no signing secret needed. */
  socketMode?: boolean;
  config?: Config;
  profile: RedisProfile;
  mode?: 'lambda' | 'local';
  /**
   * Default: the Slack-facing function ('edge') hands jobs to the worker function (an async
   * Lambda invocation of WORKER_FUNCTION); every other function ('worker': the worker, events
   * and scheduled functions) runs the jobs it creates itself, in this process after the current
   * job (its handler awaits dispatcher.idle()). So no function invokes itself or the worker: an
   * auto-approved change runs in the worker that already holds it.
   */
  dispatcher?: Dispatcher;
  /** Wraps the in-process dispatcher (the events and scheduled functions route some jobs to the worker: ./worker-jobs.ts). */
  routeJobs?: (local: Dispatcher, env: NodeJS.ProcessEnv) => Dispatcher;
  now?: () => number;
  /** How the runtime waits (default: a timer); the tests pass one that follows their clock. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The Slack gateway (default: built from env, every call within the ack for 'edge'). Tests whose
   * subject is not Slack's time bounds pass one a loaded test machine cannot trip.
   */
  slack?: SlackGateway;
  /**
   * Where the worker's Slack client shares its 429 pauses with the other processes (the worker, events
   * and scheduled functions pass src/redis/slack-pause.ts; the Slack function, whose calls are all
   * within the ack, does not, so that code stays out of its bundle).
   */
  slackPauses?: (redis: RedisClient) => SharedPauses;
}

export function createRuntime(opts: RuntimeOptions): Runtime {
  const env = opts.env ?? process.env;
  // Only the Slack-facing side verifies Slack's signatures; the worker, events and scheduled functions
  // are not given the signing secret (they sign and verify jobs with JOB_SIGNING_KEY).
  requireEnv(env, ['SLACK_BOT_TOKEN', ...(opts.socketMode || opts.profile !== 'edge' ? [] : ['SLACK_SIGNING_SECRET']), 'REDIS_URL']);
  registerSecret(env.SLACK_BOT_TOKEN);
  registerSecret(env.SLACK_SIGNING_SECRET);
  registerSecret(redisPassword(env.REDIS_URL!));
  const config = opts.config ?? loadConfigFile();
  const log = rootLog;
  for (const warning of configWarnings(config)) log.warn('config warning', { warning });
  const aws = createAwsClients({ locale: config.slack.language, ...(opts.now ? { now: opts.now } : {}) });
  const redis = createRedisFromEnv(env, opts.profile);
  // A 429 is waited out only within the work's time: its budget (a job's, an event consumer's, a tick's) and the invocation's;
  // its pause is shared with the other functions' containers through Redis (`slackPauses`).
  const pauses = opts.slackPauses;
  const slack = opts.slack ?? createSlackGateway(env.SLACK_BOT_TOKEN!, log, env, opts.profile === 'edge', workDeadline, pauses?.(redis));
  let dispatcher = opts.dispatcher;
  if (!dispatcher && opts.profile === 'edge') {
    requireEnv(env, ['WORKER_FUNCTION']);
    dispatcher = lambdaDispatcher(env.WORKER_FUNCTION!, createAsyncInvoker({ env }));
  }
  const now = opts.now ?? Date.now;
  const jobKey = jobSigningKey(env);
  registerSecret(jobKey);
  const rt: Runtime = {
    config,
    log,
    slack,
    redis,
    aws,
    // Every job is signed on its way to the worker (or to this process's in-process runner, which
    // runs jobs with this runtime once it is built); runJob runs no job it cannot verify (src/hooks/jobs.ts).
    dispatcher: signingDispatcher(
      dispatcher ??
        (opts.routeJobs ?? ((d) => d))(
          inProcessDispatcher((job) => runJob(job, rt), log),
          env,
        ),
      jobKey,
      now,
    ),
    access: createAccess(config, createDirectory(slack, log, { now })),
    people: createPeople({ workspace: config.slack.language, slack, cache: redisLocaleCache(redis), log, now: opts.now }),
    signingSecret: env.SLACK_SIGNING_SECRET ?? '',
    jobKey,
    botToken: env.SLACK_BOT_TOKEN!,
    gitTokens: env.GIT_TOKENS,
    mode: opts.mode ?? 'lambda',
    now,
    sleep: opts.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)))),
  };
  return rt;
}

/** When the current work must end (epoch ms): the earlier of its budget's end and the invocation's; Infinity when neither is known. */
export const workDeadline = (): number => Math.min(currentBudget()?.deadline ?? Infinity, invocationDeadline() ?? Infinity);

/**
 * The key worker jobs are signed with: JOB_SIGNING_KEY (at least 32 characters) when set, otherwise
 * derived from the Slack signing secret, which only the bot's functions read. Whoever may invoke the
 * worker function but cannot read their environment (or secret store) cannot forge a job.
 */
export function jobSigningKey(env: NodeJS.ProcessEnv): string {
  const own = env.JOB_SIGNING_KEY?.trim();
  if (own) {
    if (own.length < 32) {
      throw new BotError('CONFIG', 'JOB_SIGNING_KEY is shorter than 32 characters', {
        userMessage: errorText.lazy('missingSettings'),
        hint: errorText.lazy('signingKeyHint'),
      });
    }
    return own;
  }
  // Socket Mode (npm start) has no signing secret; its jobs run in this process, so a key of its own will do.
  if (!env.SLACK_SIGNING_SECRET) return randomBytes(32).toString('hex');
  return createHmac('sha256', env.SLACK_SIGNING_SECRET).update('ecs-chatops worker job key v1').digest('hex');
}

/** One runtime per profile: the Slack-facing function's ('edge') and everyone else's ('worker'). */
const current: Partial<Record<RedisProfile, Runtime>> = {};

/** The runtime installed for a profile, if any (src/handlers/secrets.ts rebuilds it when a secret changed). */
export function currentRuntime(profile: RedisProfile): Runtime | undefined {
  return current[profile];
}

/** The process-wide runtime of a profile (created on first use by the Lambda handlers). */
export function getRuntime(profile: RedisProfile, factory: () => Runtime): Runtime {
  return (current[profile] ??= factory());
}

/** Tests and the local server install their own runtime (for one profile, or both). */
export function setRuntime(rt: Runtime | undefined, profile?: RedisProfile): void {
  if (profile) current[profile] = rt;
  else current.edge = current.worker = rt;
}
