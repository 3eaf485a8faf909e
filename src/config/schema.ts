/**
 * The shape of chatops.yml, validated once at cold start.
 * See chatops.example.yml for a commented, complete example.
 */
import * as z from 'zod';
import { LOCALES } from '../i18n/locale';
import { channelId, duration, principalId } from './fields';
import { gatesSchema } from './gates';
import { ALIAS_FORM, aliasIssues } from './aliases';
import { readRunTasks } from './run-tasks';
export { RUN_TASK_NAME, type RunTaskConfig } from './run-tasks';

/** No mute, whoever sets it, lasts longer than this. */
export const MUTE_CEILING_MS = 7 * 86_400_000;

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');
const accountId = z
  .string({ error: 'must be the 12-digit AWS account ID, in quotes (such as "111122223333")' })
  .regex(/^\d{12}$/, 'must be the 12-digit AWS account ID, in quotes (such as "111122223333")');

/** An ECR repository name (team/web). */
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
/** An ECR repository URI: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<name> (scripts/iam-resources.cjs reads it alike). */
const REPOSITORY_URI = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/(.+)$/;
/** The registry of a repository URI, or undefined for a plain name. */
export function registryOfUri(repository: string): { accountId: string; region: string; name: string } | undefined {
  const m = REPOSITORY_URI.exec(repository);
  return m && REPOSITORY_NAME.test(m[3]!) ? { accountId: m[1]!, region: m[2]!, name: m[3]! } : undefined;
}

/**
 * The ECR registry that holds images: its account, and its region when it is not the environment's.
 * The roles then name exactly `ecr:<region>:<account>:repository/<name>` (scripts/iam-resources.cjs),
 * and every ECR call for the service asks that registry (registryId).
 */
const registry = z.object({ accountId, region: awsRegion.optional() }).strict();

/** The start of the log group names a service's task definitions use (the roles name `<prefix>*`). */
const logGroupPrefix = z
  .string()
  .regex(/^[\w#./-]{1,511}$/, 'must be the start of a log group name, such as /ecs/ (letters, digits, _ - / . #; no wildcard)');

export const changeVerbs = ['deploy', 'rollback', 'scale', 'restart', 'run'] as const;
export type ChangeVerb = (typeof changeVerbs)[number];

const approvalsNeeded = z
  .object({
    deploy: z.number().int().min(0).max(5).default(1),
    rollback: z.number().int().min(0).max(5).default(1),
    scale: z.number().int().min(0).max(5).default(1),
    restart: z.number().int().min(0).max(5).default(1),
    /** A one-off task (`/ecs run`); default: as many as a deploy. */
    run: z.number().int().min(0).max(5).optional(),
  })
  .strict()
  .transform((a) => ({ ...a, run: a.run ?? a.deploy }));

const environment = z
  .object({
    region: awsRegion,
    cluster: z.string().min(1).max(255),
    /** 12-digit account id: used for console links and IAM resource ARNs. */
    accountId: accountId.optional(),
    /** Channels where commands for this environment may be run. */
    channels: z.array(channelId).min(1, 'list at least one channel where commands for this environment are allowed'),
    /** Who may run read-only verbs (status, logs, cost, images, history). Default: everyone in an allowed channel. */
    readers: z.array(principalId).default(['*']),
    /** Who may request changes (deploy, rollback, scale, restart, run, lock, mute). */
    requesters: z.array(principalId).min(1),
    /** Who may approve changes, unlock someone else's lock, freeze and unfreeze. */
    approvers: z.array(principalId).default([]),
    /** How many distinct approvals each verb needs; 0 runs at once (still recorded, audited, locked). */
    approvals: approvalsNeeded.default({ deploy: 1, rollback: 1, scale: 1, restart: 1, run: 1 }),
    /** How long a request waits for approval before it expires. */
    /** At most 7 days: the request record's lifetime is bounded by it (src/redis/bounds.ts). */
    approvalTtl: duration.pipe(z.number().max(7 * 86_400_000, 'must be at most 7d')).default(30 * 60_000),
    /**
     * An approved change must start within this: a later start is refused, and the scheduled tick
     * fails an approved request that never started (its job was lost), freeing the service.
     */
    startDeadline: duration.default(10 * 60_000),
    /** A rollout still in progress after this is reported as stuck. */
    deployDeadline: duration.default(20 * 60_000),
    /** Image policy for deploys. */
    images: z
      .object({
        blockCritical: z.boolean().default(false),
        requireScan: z.boolean().default(false),
      })
      .strict()
      .default({ blockCritical: false, requireScan: false }),
    /**
     * Who sees the answers of read-only verbs: `public` (the channel) or `private` (only the person
     * who asked: ephemeral, any file in a direct message to them). `reads` covers status, cost,
     * images, history, tasks, taskdef and rightsize (default public); `logs` covers `/ecs logs` answers, their overflow
     * files and the alert Logs button's lines, which can carry sensitive output (default private).
     * One word (`visibility: private`) sets both. `--public` / `--private` choose for one command.
     */
    visibility: z
      .preprocess(
        (v) => (typeof v === 'string' ? { reads: v, logs: v } : v),
        z
          .object({
            reads: z.enum(['public', 'private']).default('public'),
            logs: z.enum(['public', 'private']).default('private'),
          })
          .strict(),
      )
      .default({ reads: 'public', logs: 'private' }),
    /**
     * The start shared by the log group names of this environment's task definitions (awslogs-group),
     * for its services that name no `logGroup`: the roles read only `<prefix>*` groups, and a group
     * found outside it is refused with a clear answer instead of an access error.
     */
    logGroupPrefix: logGroupPrefix.optional(),
    /** Roles that task definitions in this environment may use (iam:PassRole is scoped to these). */
    taskRoles: z.array(roleArn).default([]),
    /**
     * The environment lives in another AWS account (or should be reached through its own role): every
     * AWS call for it runs with this role's credentials (STS AssumeRole). serverless.yml grants
     * sts:AssumeRole on exactly the roles listed here; cloudformation/target-account-role.yml creates one.
     */
    roleArn: roleArn.optional(),
    /** The ExternalId the role's trust policy requires (sts:ExternalId), if any. */
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2–1224 characters of letters, digits and + = , . @ : / -')
      .optional(),
    /** Production or not: `/ecs rightsize` suggests Fargate Spot only outside production. Default: production when deploys need approval. */
    production: z.boolean().optional(),
    /** `/ecs rightsize`: how much room above the observed peak a recommended size keeps, in percent. */
    rightsize: z
      .object({ headroom: z.number().int().min(0).max(300).default(30) })
      .strict()
      .default({ headroom: 30 }),
    alerts: z
      .object({
        channel: channelId.optional(),
        incidentWindow: duration.default(30 * 60_000),
        /** A service with desired > 0 and running = 0 for this long is reported as down. */
        downAfter: duration.default(5 * 60_000),
        /** Also alert on stops that are normally noise (scale-in, user stops, exit 0). */
        includeRoutineStops: z.boolean().default(false),
        /**
         * The longest a requester may mute a service's alerts (`/ecs mute`), counted from when the
         * mute in force began, so muting again does not extend it. Longer needs an approver (at most 7d).
         */
        muteMax: duration
          .pipe(z.number().min(60_000, 'must be at least 1m').max(MUTE_CEILING_MS, 'must be at most 7d'))
          .default(4 * 3_600_000),
      })
      .strict()
      .default({ incidentWindow: 30 * 60_000, downAfter: 5 * 60_000, includeRoutineStops: false, muteMax: 4 * 3_600_000 }),
    /** Release gates (./gates.ts): promotion order, traffic shift, change windows, break-glass, auto-lock, cost. */
    gates: gatesSchema.default({}),
  })
  .strict()
  // The account of an environment reached through a role is the role's account (console links, ARNs).
  .transform((e) => (e.roleArn && !e.accountId ? { ...e, accountId: e.roleArn.split(':')[4] } : e));

const service = z
  .object({
    environment: z.string().min(1),
    /** The ECS service name in the environment's cluster. */
    service: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be an ECS service name (letters, digits, _ and -)'),
    /** The container whose image deploy replaces. */
    container: z.string().min(1).max(255),
    /**
     * The ECR repository: its name (team/web), or its URI (<account>.dkr.ecr.<region>.amazonaws.com/team/web),
     * which also says the registry it is in. Read as the name plus `registry`.
     */
    repository: z
      .string()
      .refine(
        // A name with a registry host in it is a URI written wrong (the account is not 12 digits…), not a name.
        (v) => (REPOSITORY_NAME.test(v) && !v.includes('.dkr.ecr')) || registryOfUri(v) !== undefined,
        'must be an ECR repository name such as team/web, or its URI such as 111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/web',
      )
      .optional(),
    /** The registry of `repository` (default: its URI's, else the top-level `registry`). */
    registry: registry.optional(),
    scale: z
      .object({ min: z.number().int().min(0), max: z.number().int().min(1).max(5000) })
      .strict()
      .refine((s) => s.min <= s.max, 'min must not be greater than max')
      .default({ min: 0, max: 10 }),
    logGroup: z.string().min(1).optional(),
    /** Instead of `logGroup`: the start of its task definitions' log group names (default: the environment's). */
    logGroupPrefix: logGroupPrefix.optional(),
    alertChannel: channelId.optional(),
    /** The service `/ecs promote` takes the image from (default: the one in the promotion environment with the same repository). */
    promoteFrom: z.string().min(1).optional(),
    /** Other words that name the service in commands (`웹`); answers and the audit show its name. Checked in ./aliases.ts. */
    aliases: z
      .array(
        z.string().trim().min(1, 'an alias may not be empty').regex(ALIAS_FORM, 'must be letters (any script), digits, _ . - (max 40)'),
      )
      .optional(),
    /** One-off tasks (`/ecs run`), by name: read and checked by ./run-tasks.ts (in the superRefine and transform below). */
    tasks: z.unknown().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const uri = s.repository === undefined ? undefined : registryOfUri(s.repository);
    if (uri && s.registry && (s.registry.accountId !== uri.accountId || (s.registry.region ?? uri.region) !== uri.region))
      ctx.addIssue({
        code: 'custom',
        path: ['registry'],
        message: `the repository URI is in registry ${uri.accountId} (${uri.region}); registry must agree with it, or be left out`,
      });
    if (s.logGroup !== undefined && s.logGroupPrefix !== undefined)
      ctx.addIssue({ code: 'custom', path: ['logGroupPrefix'], message: 'set logGroup or logGroupPrefix, not both' });
    readRunTasks(s.tasks, (path, message) => ctx.addIssue({ code: 'custom', path: ['tasks', ...path], message }));
  })
  // A repository URI is read as its name and its registry; the tasks as ./run-tasks.ts reads them (checked above).
  .transform((s) => {
    const uri = s.repository === undefined ? undefined : registryOfUri(s.repository);
    const tasks = readRunTasks(s.tasks, () => undefined);
    const { tasks: _raw, ...rest } = s;
    const read = { ...rest, ...(tasks ? { tasks } : {}) };
    return uri ? { ...read, repository: uri.name, registry: s.registry ?? { accountId: uri.accountId, region: uri.region } } : read;
  });

/** A tag glob for image announcements: letters, digits, _ . - and the wildcards * and ?. */
const tagGlob = z.string().regex(/^[A-Za-z0-9_.*?-]{1,128}$/, 'must be a tag pattern such as v* or release-?.*');

/** An ECR repository whose pushes are announced in Slack (EventBridge "ECR Image Action" / "ECR Image Scan"). */
const repository = z
  .object({
    /** Where new images are announced. Default: the first channel of the first environment whose services use the repository. */
    channel: channelId.optional(),
    /** Only tags matching one of these patterns are announced (default: every tag). */
    tags: z.array(tagGlob).default([]),
  })
  .strict();

const alias = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'aliases are lower-case letters, digits, - and _ (max 40)');

/**
 * Alerts' share of Slack's rate limits (src/alerts/store.ts, pacing.ts): a whole number from 1 to
 * Slack's documented ceiling (docs.slack.dev/apis/web-api/rate-limits), refused with the range and why.
 */
function alertPace(max: number, dflt: number, why: string) {
  const message = `must be a whole number from 1 to ${max} (${why}); default ${dflt}`;
  return z.number({ error: message }).int(message).min(1, message).max(max, message).default(dflt);
}
const SLACK_UPDATES = 'Slack allows chat.update about 50 a minute per workspace';
const SLACK_POSTS = 'Slack allows about one message a second per channel';
type AlertLimits = Record<
  'alertUpdatesPerMinute' | 'alertUpdatesBurst' | 'alertPostsPerMinutePerChannel' | 'alertPostsBurstPerChannel',
  number
>;
/** No more at once than per minute (checked once the per-minute number itself is valid): a refinement of `limits`. */
function burstWithin(burst: keyof AlertLimits, perMinute: keyof AlertLimits) {
  const params: { path: string[]; message: string } = { path: [burst], message: `must not be more than ${perMinute}` };
  return [(l: AlertLimits) => l[burst] <= l[perMinute] || !(Number.isInteger(l[perMinute]) && l[perMinute] >= 1), params] as const;
}

/** A cold `/ecs cost` makes 2–4 calls: 40 an hour is about ten fresh answers per person; 200 is $2 an hour at most. 20 commands a minute is more than a person types. */
const LIMIT_DEFAULTS = { costCallsPerUserPerHour: 40, costCallsPerHour: 200, commandsPerUserPerMinute: 20 };
/**
 * Alerts' share of Slack's limits by default (src/alerts/store.ts): 30 chat.update a minute for the
 * workspace (Slack's ~50 are shared with request messages and deploy cards), 10 at once; 60 posts a
 * minute per channel (Slack's ~1 a second), 3 at once.
 */
export const ALERT_LIMIT_DEFAULTS = {
  alertUpdatesPerMinute: 30,
  alertUpdatesBurst: 10,
  alertPostsPerMinutePerChannel: 60,
  alertPostsBurstPerChannel: 3,
};

export const configSchema = z
  .object({
    slack: z
      .object({
        /** Set these to skip Bolt's auth.test call at cold start. */
        botId: z
          .string()
          .regex(/^B[A-Z0-9]+$/)
          .optional(),
        botUserId: z
          .string()
          .regex(/^[UW][A-Z0-9]+$/)
          .optional(),
        /**
         * The workspace (T…) the app is installed in. Set it: requests from any other workspace, and
         * clicks by users of another workspace (Slack Connect), are refused.
         */
        teamId: z
          .string()
          .regex(/^T[A-Z0-9]+$/, 'must be a Slack workspace ID (T…)')
          .optional(),
        /** On Enterprise Grid: the org (E…); requests from another org, or from none, are refused. */
        enterpriseId: z
          .string()
          .regex(/^E[A-Z0-9]+$/, 'must be a Slack Enterprise Grid org ID (E…)')
          .optional(),
        /** The workspace's language for messages everyone sees; a person's own Slack locale wins for what only they see. */
        language: z.enum(LOCALES).default('en'),
      })
      .strict()
      .default({ language: 'en' }),
    /** What one person, or the whole workspace, may spend. */
    limits: z
      .object({
        /** Cost Explorer calls ($0.01 each) one person may cause per hour; a cached answer costs none. */
        costCallsPerUserPerHour: z.number().int().min(1).max(10_000).default(LIMIT_DEFAULTS.costCallsPerUserPerHour),
        /** Cost Explorer calls the whole workspace may cause per hour. */
        costCallsPerHour: z.number().int().min(1).max(100_000).default(LIMIT_DEFAULTS.costCallsPerHour),
        /** Commands (slash commands and the buttons that run one) one person may send per minute. */
        commandsPerUserPerMinute: z.number().int().min(1).max(1_000).default(LIMIT_DEFAULTS.commandsPerUserPerMinute),
        /** Alert message updates (chat.update) the whole workspace may send per minute, and at once. */
        alertUpdatesPerMinute: alertPace(50, ALERT_LIMIT_DEFAULTS.alertUpdatesPerMinute, SLACK_UPDATES),
        alertUpdatesBurst: alertPace(50, ALERT_LIMIT_DEFAULTS.alertUpdatesBurst, SLACK_UPDATES),
        /** Alert messages (chat.postMessage: first posts, thread replies) per minute into one channel, and at once. */
        alertPostsPerMinutePerChannel: alertPace(60, ALERT_LIMIT_DEFAULTS.alertPostsPerMinutePerChannel, SLACK_POSTS),
        alertPostsBurstPerChannel: alertPace(10, ALERT_LIMIT_DEFAULTS.alertPostsBurstPerChannel, 'Slack allows only short bursts'),
      })
      .strict()
      .refine(...burstWithin('alertUpdatesBurst', 'alertUpdatesPerMinute'))
      .refine(...burstWithin('alertPostsBurstPerChannel', 'alertPostsPerMinutePerChannel'))
      // The defaults of every field, as when `limits: {}` is written.
      .prefault({}),
    environments: z.record(alias, environment).refine((e) => Object.keys(e).length > 0, 'define at least one environment'),
    services: z.record(alias, service),
    /**
     * The ECR registry holding the services' images (a shared registry account is common): its
     * account, and its region when it is not the environment's. A service's own `registry` (or
     * repository URI) wins. Without any, the roles name repositories in every account.
     */
    registry: registry.optional(),
    /** ECR repositories (names, as in services[*].repository) whose new images are posted with deploy buttons. */
    repositories: z.record(z.string(), repository).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const [name, svc] of Object.entries(cfg.services)) {
      if (!cfg.environments[svc.environment]) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'environment'],
          message: `unknown environment "${svc.environment}"; defined: ${Object.keys(cfg.environments).join(', ')}`,
        });
      }
      if (cfg.environments[name]) {
        ctx.addIssue({ code: 'custom', path: ['services', name], message: `"${name}" is both a service and an environment; rename one` });
      }
    }
    for (const issue of aliasIssues(cfg.services, cfg.environments)) ctx.addIssue({ code: 'custom', ...issue });
    const used = new Set(Object.values(cfg.services).map((s) => s.repository));
    for (const name of Object.keys(cfg.repositories)) {
      if (!used.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['repositories', name],
          message: `no service uses repository "${name}" (services[*].repository), so its images could not be deployed from Slack`,
        });
      }
    }
    for (const [name, env] of Object.entries(cfg.environments)) {
      const from = env.gates.promotion?.from;
      if (from !== undefined && (from === name || !cfg.environments[from])) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'gates', 'promotion', 'from'],
          message: from === name ? 'an environment cannot promote from itself' : `unknown environment "${from}"`,
        });
      }
      if ((env.gates.cost || env.gates.breakGlass) && env.approvers.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'approvers'],
          message: 'the cost gate and break-glass need approvers (extra and after-the-fact approvals), so list at least one',
        });
      }
    }
    for (const [alias, svc] of Object.entries(cfg.services)) {
      if (svc.promoteFrom === undefined) continue;
      const up = cfg.services[svc.promoteFrom];
      if (!up || up.environment === svc.environment) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', alias, 'promoteFrom'],
          message: up ? 'promoteFrom must name a service of another environment' : `unknown service "${svc.promoteFrom}"`,
        });
      }
    }
    for (const [name, env] of Object.entries(cfg.environments)) {
      if (env.externalId && !env.roleArn) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'externalId'],
          message: 'externalId needs roleArn (the role it is passed to)',
        });
      }
      const roleAccount = env.roleArn?.split(':')[4];
      if (roleAccount && env.accountId && roleAccount !== env.accountId) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'roleArn'],
          message: `the role is in account ${roleAccount}, but accountId is ${env.accountId}; the role must be in the environment's account`,
        });
      }
      const needsApproval = Object.values(env.approvals).some((n) => n > 0);
      if (needsApproval && env.approvers.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'approvers'],
          message: 'approvals are required here, so list at least one approver',
        });
      }
    }
  })
  // Each service with its registry (its own, else the file's; the region defaults to its environment's)
  // and, when it names no logGroup, its log group prefix (its own, else its environment's), resolved.
  .transform((cfg) => ({
    ...cfg,
    services: Object.fromEntries(
      Object.entries(cfg.services).map(([alias, s]) => {
        const env = cfg.environments[s.environment];
        const reg = s.registry ?? cfg.registry;
        const prefix = s.logGroup === undefined ? (s.logGroupPrefix ?? env?.logGroupPrefix) : undefined;
        const { registry: _r, logGroupPrefix: _p, ...rest } = s;
        return [
          alias,
          {
            ...rest,
            ...(reg ? { registry: { accountId: reg.accountId, region: reg.region ?? env?.region ?? '' } } : {}),
            ...(prefix !== undefined ? { logGroupPrefix: prefix } : {}),
          },
        ];
      }),
    ),
  }));

export type Config = z.output<typeof configSchema>;
export type EnvironmentConfig = Config['environments'][string];
type ServiceConfig = Config['services'][string];

/** A service resolved with its alias and environment. */
export interface ResolvedService extends ServiceConfig {
  alias: string;
  env: EnvironmentConfig & { name: string };
}
