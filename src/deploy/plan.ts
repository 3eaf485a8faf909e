/**
 * Plans: the exact change a request will make, computed before anything mutates and stored in
 * the request (the approval store keeps it as opaque JSON; `parsePlan` reads it back). One
 * shape per verb over a common base, so deploy, rollback, scale and restart share one executor.
 *
 * Everything here is pure: the AWS lookups happen in ./planner.ts, the rendering in ./render.ts.
 */
import { z } from 'zod';
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import type { ChangeVerb } from '../config/schema';
import { BotError } from '../errors';
import { code, plural } from '../slack/text';
import { formatDuration } from '../i18n';
import { shortDigest } from './refs';
import { arnTail } from '../aws/arn';

const base = {
  environment: z.string(),
  alias: z.string(),
  region: z.string(),
  cluster: z.string(),
  serviceName: z.string(),
  serviceArn: z.string(),
  /** The task definition the service ran when the plan was made (what it runs now). */
  currentTaskDefinition: z.string(),
  /** The service's desired count when the plan was made. */
  desiredCount: z.number().int(),
  /** The image digest the service's tasks ran (the plan's container), when they all ran one. */
  runningDigest: z.string().optional(),
  madeAt: z.number(),
};

export const deployPlanSchema = z.object({
  verb: z.literal('deploy'),
  ...base,
  container: z.string(),
  /** ECR repository name (chatops.yml `repository`). */
  repository: z.string(),
  /** The tag asked for (absent when a digest was given). */
  tag: z.string().optional(),
  /** The digest pinned when the request was made: exactly this image is deployed. */
  digest: z.string(),
  /** `<registry>/<repository>@sha256:…` */
  image: z.string(),
  /** The container's image in the current task definition. */
  previousImage: z.string(),
  imagePushedAt: z.number().optional(),
});

export const rollbackPlanSchema = z.object({
  verb: z.literal('rollback'),
  ...base,
  /** The task definition the service will run again. */
  targetTaskDefinition: z.string(),
  /** How the target was chosen: ECS's deployment history, the bot's own records, `--to`, or the rollout in progress. */
  source: z.enum(['history', 'records', 'explicit', 'in-progress']),
  container: z.string(),
  previousImage: z.string().optional(),
  targetImage: z.string().optional(),
});

export const scalePlanSchema = z.object({
  verb: z.literal('scale'),
  ...base,
  from: z.number().int(),
  to: z.number().int(),
});

export const restartPlanSchema = z.object({
  verb: z.literal('restart'),
  ...base,
});

export const planSchema = z.discriminatedUnion('verb', [deployPlanSchema, rollbackPlanSchema, scalePlanSchema, restartPlanSchema]);

export type DeployPlan = z.infer<typeof deployPlanSchema>;
export type RollbackPlan = z.infer<typeof rollbackPlanSchema>;
export type ScalePlan = z.infer<typeof scalePlanSchema>;
export type RestartPlan = z.infer<typeof restartPlanSchema>;
export type ChangePlan = z.infer<typeof planSchema>;

/** Read a stored plan back; undefined when it is not one of ours (or from an incompatible version). */
export function parsePlan(value: unknown): ChangePlan | undefined {
  const r = planSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

/**
 * The task definition the service should run once the change is done: the registered one for a
 * deploy (known only after registering), the target for a rollback, the current one otherwise.
 */
export function plannedTaskDefinition(plan: ChangePlan, registered?: string): string | undefined {
  if (plan.verb === 'deploy') return registered;
  if (plan.verb === 'rollback') return plan.targetTaskDefinition;
  return plan.currentTaskDefinition;
}

export function primaryDeployment(service: Pick<Service, 'deployments'>): Deployment | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

/** A rollout that is still going on (another deploy, or a restart someone started). */
export function rolloutInProgress(service: Pick<Service, 'deployments'>): Deployment | undefined {
  const deps = service.deployments ?? [];
  const primary = primaryDeployment(service);
  if (primary?.rolloutState === 'IN_PROGRESS') return primary;
  if (deps.length > 1) return primary ?? deps[0];
  return undefined;
}

/**
 * Refuse changes the service cannot take: not ACTIVE; a deployment controller other than ECS
 * (UpdateService cannot change the task definition of CodeDeploy or external services);
 * another rollout in progress (except for a rollback, which is how you stop a bad one).
 */
export function assertChangeable(service: Service, verb: ChangeVerb, alias: string, now: number): void {
  if (service.status && service.status !== 'ACTIVE') {
    throw new BotError('REFUSED', `service ${service.serviceName} is ${service.status}`, {
      userMessage: `Service ${code(alias)} is ${code(service.status)}, so it cannot be changed.`,
      hint: 'A DRAINING or INACTIVE service is being deleted. Check the service name in chatops.yml.',
    });
  }
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS' && verb !== 'scale') {
    const how =
      controller === 'CODE_DEPLOY'
        ? 'Its deployments are blue/green through AWS CodeDeploy: start them from CodeDeploy (or your pipeline).'
        : 'Its deployments are managed outside ECS (EXTERNAL controller, task sets): use the tool that owns them.';
    throw new BotError('REFUSED', `service ${service.serviceName} uses the ${controller} deployment controller`, {
      userMessage: `I can't ${verb} ${code(alias)}: it uses the ${code(controller)} deployment controller, and ECS only lets UpdateService change the task definition of services with the rolling (\`ECS\`) controller.`,
      hint: `${how} \`/ecs scale\` still works for it.`,
    });
  }
  if (verb !== 'rollback') {
    const running = rolloutInProgress(service);
    if (running) {
      const since = running.createdAt ? ` started ${formatDuration(now - running.createdAt.getTime())} ago` : '';
      throw new BotError('CONFLICT', `rollout in progress on ${service.serviceName}`, {
        userMessage: `A rollout of ${code(alias)} is already in progress (deployment ${code(running.id ?? '?')} to ${code(arnTail(running.taskDefinition))}${since}).`,
        hint: `Wait for it to finish (\`/ecs status ${alias}\`), or roll it back with \`/ecs rollback ${alias}\`.`,
      });
    }
  }
}

/** The service as the executor finds it at start, against which the plan is re-checked. */
export interface ServiceNow {
  taskDefinition?: string;
  desiredCount?: number;
  /** The image digest its tasks run now (undefined when unknown or mixed). */
  runningDigest?: string;
}

/**
 * What moved since the plan was made (one sentence each; empty when nothing did): the task
 * definition, the desired count, the image digest the tasks run. An approval covers the plan as
 * it was shown, so any of these moving means the change must be requested again.
 */
export function planDrift(plan: ChangePlan, now: ServiceNow): string[] {
  const moved: string[] = [];
  if (now.taskDefinition !== plan.currentTaskDefinition) {
    moved.push(`it runs ${code(arnTail(now.taskDefinition) || '?')} now, not ${code(arnTail(plan.currentTaskDefinition))}`);
  }
  if (now.desiredCount !== undefined && now.desiredCount !== plan.desiredCount) {
    moved.push(`its desired count is ${now.desiredCount} now, not ${plan.desiredCount}`);
  }
  if (plan.runningDigest && now.runningDigest && now.runningDigest !== plan.runningDigest) {
    moved.push(
      `its tasks run image ${code(`sha256:${shortDigest(now.runningDigest)}`)} now, not ${code(`sha256:${shortDigest(plan.runningDigest)}`)}`,
    );
  }
  return moved;
}

interface ImagePolicy {
  blockCritical: boolean;
  requireScan: boolean;
}

const SCANNED = new Set(['COMPLETE', 'ACTIVE']);

/** Severity counts of an image's last scan, e.g. "2 critical, 5 high". */
export function findingsText(image: Pick<ImageDetail, 'imageScanFindingsSummary'>): string {
  const counts = image.imageScanFindingsSummary?.findingSeverityCounts ?? {};
  const parts = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)
    .filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s.toLowerCase()}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

/** Sentences for each reason the environment's image policy refuses this image (empty = allowed). */
export function imagePolicyProblems(
  image: Pick<ImageDetail, 'imageScanStatus' | 'imageScanFindingsSummary' | 'imageStatus'>,
  policy: ImagePolicy,
): string[] {
  const problems: string[] = [];
  if (image.imageStatus === 'ARCHIVED' || image.imageStatus === 'ACTIVATING') {
    problems.push(`The image is ${image.imageStatus.toLowerCase()} in ECR and cannot be pulled until it is restored.`);
  }
  const status = image.imageScanStatus?.status;
  const scanned = status !== undefined && SCANNED.has(status);
  if (policy.requireScan && !scanned) {
    const what =
      status === undefined
        ? 'has never been scanned'
        : status === 'IN_PROGRESS' || status === 'PENDING'
          ? 'is still being scanned'
          : `has no usable scan result (${status}${image.imageScanStatus?.description ? `: ${image.imageScanStatus.description}` : ''})`;
    problems.push(`This environment requires a vulnerability scan, and the image ${what}.`);
  }
  const critical = image.imageScanFindingsSummary?.findingSeverityCounts?.CRITICAL ?? 0;
  if (policy.blockCritical && critical > 0) {
    problems.push(
      `The image has ${plural(critical, 'critical finding')} (${findingsText(image)}), and this environment blocks critical findings.`,
    );
  }
  return problems;
}

/** Refuse an image the policy does not allow, saying which rule and what to do. */
export function assertImageAllowed(image: ImageDetail, policy: ImagePolicy, ref: string, envName: string): void {
  const problems = imagePolicyProblems(image, policy);
  if (!problems.length) return;
  throw new BotError('REFUSED', `image policy refused ${ref}`, {
    userMessage: `I can't deploy ${code(ref)} (${code('sha256:' + shortDigest(image.imageDigest))}) to ${code(envName)}:\n• ${problems.join('\n• ')}`,
    hint: 'Fix the findings and push a new image, or wait for the scan to finish and try again. The policy is `images` in chatops.yml.',
  });
}

export interface HistoryEntry {
  createdAt: number;
  status?: string;
  /** Task definition of the deployment's target revision. */
  target?: string;
  /** Task definitions of the revisions it replaced. */
  sources: string[];
}

/**
 * The task definition that ran before the last deploy of `current`: the newest deployment
 * that brought `current` into service from something else. Deployments that kept the task
 * definition (restarts, scaling) and deployments that did not leave `current` running
 * (rolled back, stopped) are skipped. Not "revision minus one".
 */
export function previousFromHistory(current: string, history: readonly HistoryEntry[]): string | undefined {
  const sorted = [...history].sort((a, b) => b.createdAt - a.createdAt);
  for (const h of sorted) {
    if (h.target !== current) continue;
    if (h.status && !['SUCCESSFUL', 'IN_PROGRESS', 'PENDING'].includes(h.status)) continue;
    const src = h.sources.find((s) => s && s !== current);
    if (src) return src;
  }
  return undefined;
}

/** One of the bot's own past changes, as its request records it (src/approvals/audit.ts recentChanges). */
export interface RecordedChange {
  state: string;
  plan: unknown;
  execution?: Record<string, unknown>;
  finishedAt?: number;
  updatedAt: number;
}

/**
 * The task definition that ran before the bot's last change that brought `current` into
 * service: the newest succeeded deploy or rollback whose target is `current` recorded, in its
 * plan, what it replaced. Works without ECS's deployment history (an endpoint or an IAM policy
 * without ListServiceDeployments); undefined when the bot did not make `current` run.
 */
export function previousFromRecords(current: string, changes: readonly RecordedChange[]): string | undefined {
  const newestFirst = [...changes].sort((a, b) => (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt));
  for (const c of newestFirst) {
    if (c.state !== 'succeeded') continue;
    const plan = parsePlan(c.plan);
    if (!plan || (plan.verb !== 'deploy' && plan.verb !== 'rollback')) continue;
    const ex = c.execution ?? {};
    const target =
      (typeof ex.targetTaskDefinition === 'string' ? ex.targetTaskDefinition : undefined) ??
      plannedTaskDefinition(plan, typeof ex.registeredTaskDefinition === 'string' ? ex.registeredTaskDefinition : undefined);
    if (target === current && plan.currentTaskDefinition !== current) return plan.currentTaskDefinition;
  }
  return undefined;
}

/** During a rollout the service's other deployment runs what was there before. */
export function previousFromDeployments(service: Pick<Service, 'deployments' | 'taskDefinition'>): string | undefined {
  const primary = primaryDeployment(service);
  const other = (service.deployments ?? []).filter(
    (d) => d !== primary && d.taskDefinition && d.taskDefinition !== primary?.taskDefinition,
  );
  other.sort((a, b) => (b.runningCount ?? 0) - (a.runningCount ?? 0));
  return other[0]?.taskDefinition;
}
