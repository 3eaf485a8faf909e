/**
 * Plans: the exact change a request will make, computed before anything mutates and stored in
 * the request (the approval store keeps it as opaque JSON; `parsePlan` reads it back). One
 * shape per verb over a common base, so deploy, rollback, scale and restart share one executor.
 *
 * Everything here is pure: the AWS lookups happen in ./planner.ts, the rendering in ./render.ts.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import type { ChangeVerb } from '../config/schema';
import { BotError } from '../errors';
import { code } from '../slack/text';
import { formatDuration } from '../i18n';
import { defineMessages, type Localized } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { shortDigest } from './refs';
import { arnTail } from '../aws/arn';

const M = defineMessages('deploy.plan', {
  driftTaskDefinition: { en: 'it runs {now} now, not {planned}', ko: '지금은 {planned}이(가) 아니라 {now}을(를) 실행 중입니다' },
  driftCount: { en: 'its desired count is {now} now, not {planned}', ko: '원하는 작업 수가 {planned}개가 아니라 지금 {now}개입니다' },
  driftImage: { en: 'its tasks run image {now} now, not {planned}', ko: '작업이 {planned}이(가) 아니라 지금 {now} 이미지를 실행 중입니다' },
  notActive: {
    en: 'Service {service} is {status}, so it cannot be changed.',
    ko: '{service} 서비스가 {status} 상태라 변경할 수 없습니다.',
  },
  notActiveHint: {
    en: 'A DRAINING or INACTIVE service is being deleted. Check the service name in chatops.yml.',
    ko: 'DRAINING이나 INACTIVE 상태의 서비스는 삭제되는 중입니다. chatops.yml의 서비스 이름을 확인하세요.',
  },
  codeDeploy: {
    en: 'Its deployments are blue/green through AWS CodeDeploy: start them from CodeDeploy (or your pipeline).',
    ko: '이 서비스는 AWS CodeDeploy로 블루/그린 배포를 합니다. CodeDeploy(또는 파이프라인)에서 시작하세요.',
  },
  external: {
    en: 'Its deployments are managed outside ECS (EXTERNAL controller, task sets): use the tool that owns them.',
    ko: '이 서비스의 배포는 ECS 밖에서 관리됩니다 (EXTERNAL 컨트롤러, 작업 세트). 그 도구를 쓰세요.',
  },
  controller: {
    en: "I can't {verb} {service}: it uses the {controller} deployment controller, and ECS only lets UpdateService change the task definition of services with the rolling (`ECS`) controller.",
    ko: '{service} 서비스는 {controller} 배포 컨트롤러를 써서 {verb} 작업을 할 수 없습니다. ECS는 롤링(`ECS`) 컨트롤러를 쓰는 서비스만 UpdateService로 작업 정의를 바꿀 수 있습니다.',
  },
  controllerHint: { en: '{how} `/ecs scale` still works for it.', ko: '{how} `/ecs scale`은 이 서비스에도 쓸 수 있습니다.' },
  inProgress: {
    en: 'A rollout of {service} is already in progress (deployment {deployment} to {td}{since}).',
    ko: '{service} 서비스의 롤아웃이 이미 진행 중입니다 (배포 {deployment}, 대상 {td}{since}).',
  },
  startedAgo: { en: ' started {duration} ago', ko: ', {duration} 전 시작' },
  inProgressHint: {
    en: 'Wait for it to finish (`/ecs status {service}`), or roll it back with `/ecs rollback {service}`.',
    ko: '끝날 때까지 기다리거나(`/ecs status {service}`), `/ecs rollback {service}` 명령으로 되돌리세요.',
  },
  noFindings: { en: 'no findings', ko: '발견 사항 없음' },
  severity: { en: '{n} {level}', ko: '{level} {n}개' },
  critical: { en: 'critical', ko: '심각' },
  high: { en: 'high', ko: '높음' },
  medium: { en: 'medium', ko: '중간' },
  low: { en: 'low', ko: '낮음' },
  archived: {
    en: 'The image is {status} in ECR and cannot be pulled until it is restored.',
    ko: '이미지가 ECR에서 {status} 상태라 복원하기 전에는 가져올 수 없습니다.',
  },
  neverScanned: { en: 'has never been scanned', ko: '스캔된 적이 없습니다' },
  beingScanned: { en: 'is still being scanned', ko: '아직 스캔 중입니다' },
  noUsableScan: { en: 'has no usable scan result ({status})', ko: '쓸 수 있는 스캔 결과가 없습니다 ({status})' },
  requiresScan: {
    en: 'This environment requires a vulnerability scan, and the image {what}.',
    ko: '이 환경은 취약점 스캔을 요구하는데, 이미지가 {what}.',
  },
  blocksCritical: {
    en: 'The image has {n} critical {n|finding|findings} ({findings}), and this environment blocks critical findings.',
    ko: '이미지에 심각 등급 발견 사항이 {n}개 있습니다 ({findings}). 이 환경은 심각 등급 발견 사항이 있으면 막습니다.',
  },
});

/** An image a rollback brings back: in ECR (with its scan), missing from ECR, or from another registry. */
const imageCheckSchema = lazySchema(() =>
  z.object({
    container: z.string(),
    image: z.string(),
    found: z.enum(['ecr', 'missing', 'not-ecr']),
    scan: z.object({ status: z.string().optional(), counts: z.record(z.string(), z.number()).default({}) }).optional(),
  }),
);
export type ImageCheck = z.infer<typeof imageCheckSchema>;

/**
 * What was checked when the request was made, shown on the request message one line each.
 * Warnings are catalog tokens (`part.token`), so a stored request is shown in any language.
 */
export const checksSchema = lazySchema(() =>
  z.object({
    /** Deploy: the image's last scan (ECR status and severity counts). */
    scan: z.object({ status: z.string().optional(), counts: z.record(z.string(), z.number()).default({}) }).optional(),
    /** The roles the new task definition passes to ECS; `scoped` when the environment lists taskRoles. */
    roles: z
      .object({
        task: z.string().optional(),
        execution: z.string().optional(),
        scoped: z.boolean(),
        /** Roles not in taskRoles. */
        unlisted: z.array(z.string()).default([]),
        /** The roles differ from what the service runs now (rollback). */
        changed: z.boolean().default(false),
      })
      .optional(),
    /** Rollback: each image it brings back and what ECR said of it (the rollback policy passed). */
    images: z.array(imageCheckSchema).optional(),
    /**
     * The git commits of the images (their OCI labels; src/deploy/commits.ts). Deploy: the running (`from`) and the new
     * image's (`to`), the compare page of what it brings. Rollback (`back`): the running one's and the target's (`to`,
     * absent when unknown), the compare page of what it undoes. `to` and `back` optional: plans stored before load.
     * `list`, `total`: the commits between them, from the Git host (src/deploy/commit-list.ts), when it was asked.
     */
    commits: z
      .object({
        to: z.string().optional(),
        from: z.string().optional(),
        url: z.string().optional(),
        back: z.boolean().optional(),
        list: z.array(z.string()).optional(),
        total: z.number().optional(),
      })
      .optional(),
    /** Scale: the bounds of chatops.yml. */
    bounds: z.object({ min: z.number(), max: z.number() }).optional(),
    warnings: z.array(z.string()).default([]),
  }),
);
export type PlanChecks = z.infer<typeof checksSchema>;

/** The fields every plan has (a function: the schemas are built with the plan schemas, on first use). */
const base = () => ({
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
  /** What was checked when the plan was made (absent in plans of older versions). */
  checks: checksSchema.optional(),
});

export const deployPlanSchema = lazySchema(() =>
  z.object({
    verb: z.literal('deploy'),
    ...base(),
    container: z.string(),
    /** ECR repository name (chatops.yml `repository`). */
    repository: z.string(),
    /** The registry holding it (chatops.yml `registry`): its account and region; absent: the environment's own. */
    registryId: z.string().optional(),
    registryRegion: z.string().optional(),
    /** The tag asked for (absent when a digest was given). */
    tag: z.string().optional(),
    /** The digest pinned when the request was made: exactly this image is deployed. */
    digest: z.string(),
    /** `<registry>/<repository>@sha256:…` */
    image: z.string(),
    /** The container's image in the current task definition. */
    previousImage: z.string(),
    imagePushedAt: z.number().optional(),
  }),
);

export const rollbackPlanSchema = lazySchema(() =>
  z.object({
    verb: z.literal('rollback'),
    ...base(),
    /** The task definition the service will run again. */
    targetTaskDefinition: z.string(),
    /** How the target was chosen: ECS's deployment history, the bot's own records, `--to`, or the rollout in progress. */
    source: z.enum(['history', 'records', 'explicit', 'in-progress']),
    container: z.string(),
    previousImage: z.string().optional(),
    targetImage: z.string().optional(),
  }),
);

export const scalePlanSchema = lazySchema(() =>
  z.object({
    verb: z.literal('scale'),
    ...base(),
    from: z.number().int(),
    to: z.number().int(),
  }),
);

export const restartPlanSchema = lazySchema(() =>
  z.object({
    verb: z.literal('restart'),
    ...base(),
  }),
);

const taskSize = lazySchema(() => z.object({ cpu: z.number().int().positive(), memory: z.number().int().positive() }));

/**
 * A new revision of the task definition that runs now with only the task-level CPU and memory
 * changed (`/ecs resize`, the Request resize button of `/ecs rightsize`). It is a deploy: the request
 * is a deploy request (deploy approvals), the revision is registered once and rolled out like one.
 */
export const resizePlanSchema = lazySchema(() =>
  z.object({
    verb: z.literal('resize'),
    ...base(),
    /** Task-level CPU units and memory (MiB) now, and after. */
    from: taskSize,
    to: taskSize,
  }),
);

export const planSchema = lazySchema(() =>
  z.discriminatedUnion('verb', [deployPlanSchema, rollbackPlanSchema, scalePlanSchema, restartPlanSchema, resizePlanSchema]),
);

export type DeployPlan = z.infer<typeof deployPlanSchema>;
export type RollbackPlan = z.infer<typeof rollbackPlanSchema>;
export type ScalePlan = z.infer<typeof scalePlanSchema>;
export type RestartPlan = z.infer<typeof restartPlanSchema>;
export type ResizePlan = z.infer<typeof resizePlanSchema>;
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
  if (registersTaskDefinition(plan)) return registered;
  if (plan.verb === 'rollback') return plan.targetTaskDefinition;
  return plan.currentTaskDefinition;
}

/** The verb of the request that carries a plan (its approvals, its title): a resize is a deploy. */
export function requestVerb(plan: { verb: ChangePlan['verb'] | 'run' }): ChangeVerb {
  return plan.verb === 'resize' ? 'deploy' : plan.verb;
}

/** Plans that register a new task definition revision before UpdateService (deploy, resize). */
export function registersTaskDefinition(plan: ChangePlan): plan is DeployPlan | ResizePlan {
  return plan.verb === 'deploy' || plan.verb === 'resize';
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
      userMessage: M.lazy('notActive', { service: code(alias), status: code(service.status) }),
      hint: M.lazy('notActiveHint'),
    });
  }
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS' && verb !== 'scale') {
    const how = controller === 'CODE_DEPLOY' ? M.lazy('codeDeploy') : M.lazy('external');
    throw new BotError('REFUSED', `service ${service.serviceName} uses the ${controller} deployment controller`, {
      userMessage: M.lazy('controller', { verb, service: code(alias), controller: code(controller) }),
      hint: M.lazy('controllerHint', { how }),
    });
  }
  if (verb !== 'rollback') {
    const running = rolloutInProgress(service);
    if (running) {
      const created = running.createdAt?.getTime();
      throw new BotError('CONFLICT', `rollout in progress on ${service.serviceName}`, {
        userMessage: (l) =>
          M.in(l)('inProgress', {
            service: code(alias),
            deployment: code(running.id ?? '?'),
            td: code(arnTail(running.taskDefinition)),
            since: created !== undefined ? M.in(l)('startedAgo', { duration: formatDuration(now - created, l) }) : '',
          }),
        hint: M.lazy('inProgressHint', { service: alias }),
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
 * What moved since the plan was made (one clause each, in any language; empty when nothing did): the task
 * definition, the desired count, the image digest the tasks run. An approval covers the plan as
 * it was shown, so any of these moving means the change must be requested again.
 */
export function planDrift(plan: ChangePlan, now: ServiceNow): Localized[] {
  const moved: Localized[] = [];
  if (now.taskDefinition !== plan.currentTaskDefinition) {
    moved.push(
      M.lazy('driftTaskDefinition', { now: code(arnTail(now.taskDefinition) || '?'), planned: code(arnTail(plan.currentTaskDefinition)) }),
    );
  }
  if (now.desiredCount !== undefined && now.desiredCount !== plan.desiredCount) {
    moved.push(M.lazy('driftCount', { now: now.desiredCount, planned: plan.desiredCount }));
  }
  if (plan.runningDigest && now.runningDigest && now.runningDigest !== plan.runningDigest) {
    moved.push(
      M.lazy('driftImage', {
        now: code(`sha256:${shortDigest(now.runningDigest)}`),
        planned: code(`sha256:${shortDigest(plan.runningDigest)}`),
      }),
    );
  }
  return moved;
}

interface ImagePolicy {
  blockCritical: boolean;
  requireScan: boolean;
}

const SCANNED = new Set(['COMPLETE', 'ACTIVE']);

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

/** Severity counts of a scan, e.g. "2 critical, 5 high" ("심각 2개, 높음 5개"); "no findings" when none. */
export function countsText(counts: Partial<Record<string, number>>, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const parts = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0).map((s) =>
    t('severity', { n: counts[s] ?? 0, level: t(s.toLowerCase() as 'critical' | 'high' | 'medium' | 'low') }),
  );
  return parts.length ? parts.join(', ') : t('noFindings');
}

/** Severity counts of an image's last scan, e.g. "2 critical, 5 high". */
export function findingsText(image: Pick<ImageDetail, 'imageScanFindingsSummary'>, locale: Locale = 'en'): string {
  return countsText(image.imageScanFindingsSummary?.findingSeverityCounts ?? {}, locale);
}

/** Why the environment's image policy refuses an image: one entry per rule it breaks (empty = allowed). */
export type ImagePolicyProblem =
  | { kind: 'archived'; status: string }
  | { kind: 'neverScanned' }
  | { kind: 'beingScanned' }
  | { kind: 'noUsableScan'; status: string }
  | { kind: 'blocksCritical'; critical: number };

export function imagePolicyKinds(
  image: Pick<ImageDetail, 'imageScanStatus' | 'imageScanFindingsSummary' | 'imageStatus'>,
  policy: ImagePolicy,
): ImagePolicyProblem[] {
  const problems: ImagePolicyProblem[] = [];
  if (image.imageStatus === 'ARCHIVED' || image.imageStatus === 'ACTIVATING')
    problems.push({ kind: 'archived', status: image.imageStatus });
  const status = image.imageScanStatus?.status;
  if (policy.requireScan && !(status !== undefined && SCANNED.has(status)))
    problems.push(
      status === undefined
        ? { kind: 'neverScanned' }
        : status === 'IN_PROGRESS' || status === 'PENDING'
          ? { kind: 'beingScanned' }
          : {
              kind: 'noUsableScan',
              status: `${status}${image.imageScanStatus?.description ? `: ${image.imageScanStatus.description}` : ''}`,
            },
    );
  const critical = image.imageScanFindingsSummary?.findingSeverityCounts?.CRITICAL ?? 0;
  if (policy.blockCritical && critical > 0) problems.push({ kind: 'blocksCritical', critical });
  return problems;
}

/** Sentences for each reason the environment's image policy refuses this image (empty = allowed). */
export function imagePolicyProblems(
  image: Pick<ImageDetail, 'imageScanStatus' | 'imageScanFindingsSummary' | 'imageStatus'>,
  policy: ImagePolicy,
  locale: Locale = 'en',
): string[] {
  const t = M.in(locale);
  return imagePolicyKinds(image, policy).map((p) =>
    p.kind === 'archived'
      ? t('archived', { status: p.status.toLowerCase() })
      : p.kind === 'blocksCritical'
        ? t('blocksCritical', { n: p.critical, findings: findingsText(image, locale) })
        : t('requiresScan', { what: p.kind === 'noUsableScan' ? t('noUsableScan', { status: p.status }) : t(p.kind) }),
  );
}

export interface HistoryEntry {
  createdAt: number;
  status?: string;
  /** Task definition of the deployment's target revision. */
  target?: string;
  /** Task definitions of the revisions it replaced. */
  sources: string[];
  /** The digest the configured container ran, by task definition, in its revisions (ECS records it: `containerImages`). */
  ran?: Record<string, string>;
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
 * The bot's newest change in `states` (by when it ended, else last moved) that brought `current`
 * into service: one of `verbs` whose target (recorded, else planned) is `current` and whose plan
 * started from another task definition; with its plan.
 */
export function changeThatRan<C extends RecordedChange>(
  current: string,
  changes: readonly C[],
  states: readonly string[] = ['succeeded'],
  verbs: readonly ChangePlan['verb'][] = ['deploy', 'resize', 'rollback'],
): { change: C; plan: ChangePlan } | undefined {
  const newestFirst = [...changes].sort((a, b) => (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt));
  for (const c of newestFirst) {
    if (!states.includes(c.state)) continue;
    const plan = parsePlan(c.plan);
    if (!plan || !verbs.includes(plan.verb)) continue;
    const ex = c.execution ?? {};
    const target =
      (typeof ex.targetTaskDefinition === 'string' ? ex.targetTaskDefinition : undefined) ??
      plannedTaskDefinition(plan, typeof ex.registeredTaskDefinition === 'string' ? ex.registeredTaskDefinition : undefined);
    if (target === current && plan.currentTaskDefinition !== current) return { change: c, plan };
  }
  return undefined;
}

/**
 * The task definition that ran before the bot's last change that brought `current` into
 * service: the newest succeeded deploy or rollback whose target is `current` recorded, in its
 * plan, what it replaced. Works without ECS's deployment history (an endpoint or an IAM policy
 * without ListServiceDeployments); undefined when the bot did not make `current` run.
 */
export function previousFromRecords(current: string, changes: readonly RecordedChange[]): string | undefined {
  return changeThatRan(current, changes, ['succeeded'], ['deploy', 'rollback'])?.plan.currentTaskDefinition;
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
