/**
 * The shape of chatops.yml, validated once at cold start.
 * See chatops.example.yml for a commented, complete example.
 */
import { z } from 'zod';
import { LOCALES } from '../i18n/locale';
import { parseDuration } from './duration';

/** A Slack user (U…/W…), a user group (S…), or "*" for everyone in an allowed channel. */
const principalId = z
  .string()
  .regex(/^(\*|[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,})$/, 'must be a Slack user ID (U…/W…), a user-group ID (S…), or "*"');

const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID (C…, G… or D…), not a name');

/** A duration like "30m" or "2h", stored as milliseconds. */
const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration; write e.g. 90s, 15m, 2h, 1d` });
    return z.NEVER;
  }
  return ms;
});

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');

export const changeVerbs = ['deploy', 'rollback', 'scale', 'restart'] as const;
export type ChangeVerb = (typeof changeVerbs)[number];

const approvalsNeeded = z
  .object({
    deploy: z.number().int().min(0).max(5).default(1),
    rollback: z.number().int().min(0).max(5).default(1),
    scale: z.number().int().min(0).max(5).default(1),
    restart: z.number().int().min(0).max(5).default(1),
  })
  .strict();

const environment = z
  .object({
    region: awsRegion,
    cluster: z.string().min(1).max(255),
    /** 12-digit account id: used for console links and IAM resource ARNs. */
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'must be the 12-digit AWS account ID')
      .optional(),
    /** Channels where commands for this environment may be run. */
    channels: z.array(channelId).min(1, 'list at least one channel where commands for this environment are allowed'),
    /** Who may run read-only verbs (status, logs, cost, images, history). Default: everyone in an allowed channel. */
    readers: z.array(principalId).default(['*']),
    /**
     * Who sees the answers of read-only verbs (logs included): `public` (the channel) or `private`
     * (only the person who asked). `--public` / `--private` override it for one command.
     */
    readVisibility: z.enum(['public', 'private']).default('public'),
    /** Who may request changes (deploy, rollback, scale, restart, lock, mute). */
    requesters: z.array(principalId).min(1),
    /** Who may approve changes, unlock someone else's lock, freeze and unfreeze. */
    approvers: z.array(principalId).default([]),
    /** How many distinct approvals each verb needs; 0 runs at once (still recorded, audited, locked). */
    approvals: approvalsNeeded.default({ deploy: 1, rollback: 1, scale: 1, restart: 1 }),
    /** How long a request waits for approval before it expires. */
    approvalTtl: duration.default(30 * 60_000),
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
    /** Roles that task definitions in this environment may use (iam:PassRole is scoped to these). */
    taskRoles: z.array(roleArn).default([]),
    alerts: z
      .object({
        channel: channelId.optional(),
        incidentWindow: duration.default(30 * 60_000),
        /** A service with desired > 0 and running = 0 for this long is reported as down. */
        downAfter: duration.default(5 * 60_000),
        /** Also alert on stops that are normally noise (scale-in, user stops, exit 0). */
        includeRoutineStops: z.boolean().default(false),
      })
      .strict()
      .default({ incidentWindow: 30 * 60_000, downAfter: 5 * 60_000, includeRoutineStops: false }),
  })
  .strict();

const service = z
  .object({
    environment: z.string().min(1),
    /** The ECS service name in the environment's cluster. */
    service: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be an ECS service name (letters, digits, _ and -)'),
    /** The container whose image deploy replaces. */
    container: z.string().min(1).max(255),
    /** The ECR repository name (not the URI). */
    repository: z
      .string()
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'must be an ECR repository name such as team/web')
      .optional(),
    scale: z
      .object({ min: z.number().int().min(0), max: z.number().int().min(1).max(5000) })
      .strict()
      .refine((s) => s.min <= s.max, 'min must not be greater than max')
      .default({ min: 0, max: 10 }),
    logGroup: z.string().min(1).optional(),
    alertChannel: channelId.optional(),
  })
  .strict();

const alias = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'aliases are lower-case letters, digits, - and _ (max 40)');

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
        /** The workspace's language for messages everyone sees; a person's own Slack locale wins for what only they see. */
        language: z.enum(LOCALES).default('en'),
      })
      .strict()
      .default({ language: 'en' }),
    environments: z.record(alias, environment).refine((e) => Object.keys(e).length > 0, 'define at least one environment'),
    services: z.record(alias, service),
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
    for (const [name, env] of Object.entries(cfg.environments)) {
      const needsApproval = Object.values(env.approvals).some((n) => n > 0);
      if (needsApproval && env.approvers.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'approvers'],
          message: 'approvals are required here, so list at least one approver',
        });
      }
    }
  });

export type Config = z.output<typeof configSchema>;
export type EnvironmentConfig = Config['environments'][string];
type ServiceConfig = Config['services'][string];

/** A service resolved with its alias and environment. */
export interface ResolvedService extends ServiceConfig {
  alias: string;
  env: EnvironmentConfig & { name: string };
}
