/**
 * Making plans (worker side): the AWS lookups each change verb needs, then the pure plan,
 * summary and diff. Nothing here changes anything; the same plan is shown by --dry-run and
 * stored in the request that approvers see.
 */
import type { ECRClient, ImageDetail } from '@aws-sdk/client-ecr';
import type { ECSClient, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import { BotError } from '../errors';
import { defineMessages, tokenText, writtenToken, type Localized } from '../i18n/catalog';
import { code } from '../slack/text';
import { describeService, describeTaskDefinition, describeTasks, listServiceTasks, type TaskDefinitionWithTags } from '../aws/ecs';
import { autoscalingWarning, serviceScalableRange } from '../aws/autoscaling';
import { describeImage, findImage, imageLabels, registryScanning, type RegistryScanning } from '../aws/ecr';
import { awsErrorName, isUnavailableApi } from '../aws/errors';
import { recentChanges } from '../approvals/audit';
import { describeServiceDeployments, describeServiceRevisions, listServiceDeployments } from '../aws/ecs-write';
import { diffObjects, renderDiff } from './diff';
import {
  assertChangeable,
  changeThatRan,
  imagePolicyKinds,
  imagePolicyProblems,
  previousFromDeployments,
  previousFromHistory,
  previousFromRecords,
  rolloutInProgress,
  type ChangePlan,
  type DeployPlan,
  type HistoryEntry,
  type PlanChecks,
  type ResizePlan,
  type RestartPlan,
  type RollbackPlan,
  type ScalePlan,
} from './plan';
import { planSummary, sizeText } from './render';
import { FARGATE_CPU_OPTIONS, fargateMemoryOptions, isFargateSize } from '../aws/fargate-pricing';
import { ecrRepositoryOf, pinnedImageUri, shortDigest, splitImage, type ImageSelector } from './refs';
import { rollbackPolicy, type ReturningImage } from './rollback-policy';
import {
  alertRollbackRefusal,
  alertRollbackRefusalText,
  type AlertRollbackRefusal,
  type AlertScope,
  type ChangeSince,
} from './alert-rollback';
import { withThrottleRetry } from './retry';
import type { RunPlan } from './run-plan';
import { familyRevision, findContainer, registrationInput, revisionArn, roleProblems, rolesOf, withImage, withSize } from './taskdef';
import { arnTail } from '../aws/arn';
import { changesCost, costDelta, type CostDelta } from './cost-delta';
import { pausesDeployments } from './traffic-model';
import type { AwsAccess } from '../aws/clients';
import { commitsOf, rollbackCommitsOf, type Commits } from './commits';
import { commitListOf, gitKindsOf } from './git-api';
import { taskPlatform, type Platform } from '../aws/image-manifest';

const M = defineMessages('deploy.planner', {
  imageRefused: {
    en: "I can't deploy {ref} ({digest}) to {env}:\n{problems}",
    ko: '{ref}({digest}) 이미지를 {env} 환경에 배포할 수 없습니다:\n{problems}',
  },
  archivedNext: {
    en: 'Restore it in ECR, or deploy another tag (`/ecs images {alias}` lists them).',
    ko: 'ECR에서 이미지를 복원하거나 다른 태그를 배포하세요 (태그 목록: `/ecs images {alias}`).',
  },
  neverScannedNext: {
    en: 'Scan it (ECR console › Scan, or `aws ecr start-image-scan {args}`) and try again when the scan is done; scan on push does this for every new image.',
    ko: '이미지를 스캔하고(ECR 콘솔의 Scan, 또는 `aws ecr start-image-scan {args}`) 스캔이 끝나면 다시 시도하세요. 푸시할 때 스캔을 켜 두면 새 이미지마다 자동으로 스캔됩니다.',
  },
  neverScannedEnhancedNext: {
    en: "This registry uses enhanced scanning (Amazon Inspector), which scans only the repositories its scanning rules match. Ask an admin to add {repository} to the registry's enhanced scanning rules (ECR console › Private registry › Scanning), then push the image again or wait for the scan.",
    ko: '이 레지스트리는 향상된 스캐닝(Amazon Inspector)을 써서, 스캔 규칙에 맞는 리포지토리만 스캔합니다. 관리자에게 {repository} 리포지토리를 레지스트리의 향상된 스캐닝 규칙에 추가해 달라고 요청한 뒤(ECR 콘솔 › 프라이빗 레지스트리 › 스캐닝), 이미지를 다시 푸시하거나 스캔을 기다리세요.',
  },
  neverScannedAnyNext: {
    en: "Have it scanned and try again when the scan is done: with basic scanning, Scan in the ECR console (scan on push does this for every new image); with enhanced scanning (Amazon Inspector), the registry's scanning rules must include the repository.",
    ko: '이미지를 스캔하고 스캔이 끝나면 다시 시도하세요. 기본 스캐닝이면 ECR 콘솔에서 Scan을 누르고(푸시할 때 스캔을 켜 두면 새 이미지마다 자동으로 스캔됩니다), 향상된 스캐닝(Amazon Inspector)이면 레지스트리의 스캔 규칙에 이 리포지토리가 들어 있어야 합니다.',
  },
  eligibilityExpiredNext: {
    en: 'Amazon Inspector no longer rescans this image (its scan duration ended): push the image again (a new push is scanned) or deploy a newer tag (`/ecs images {alias}`).',
    ko: 'Amazon Inspector가 이 이미지를 더 이상 다시 스캔하지 않습니다(스캔 기간 종료). 이미지를 다시 푸시하거나(새로 푸시하면 스캔됩니다) 더 새 태그를 배포하세요 (`/ecs images {alias}`).',
  },
  beingScannedNext: {
    en: 'Try again when the scan is done, usually within minutes (`/ecs images {alias}` shows it).',
    ko: '스캔이 끝나면 다시 시도하세요. 보통 몇 분 안에 끝납니다 (`/ecs images {alias}`에서 확인).',
  },
  noUsableScanNext: {
    en: 'ECR could not scan this image: deploy one it can scan, or ask an admin whether `images.requireScan` should apply here.',
    ko: 'ECR이 이 이미지를 스캔하지 못했습니다. 스캔할 수 있는 이미지를 배포하거나, 여기에 `images.requireScan`이 맞는지 관리자에게 물어보세요.',
  },
  blocksCriticalNext: {
    en: 'Fix the critical findings and push a new image (`/ecs images {alias}` shows which tags have none).',
    ko: '심각 등급 발견 사항을 고쳐 새 이미지를 푸시하세요 (발견 사항이 없는 태그: `/ecs images {alias}`).',
  },
  imagePolicy: { en: 'The policy is `images` in chatops.yml.', ko: '정책은 chatops.yml의 `images`입니다.' },
  noTaskDefinition: {
    en: 'ECS returned service {service} without a task definition.',
    ko: 'ECS가 {service} 서비스를 작업 정의 없이 돌려주었습니다.',
  },
  noDigest: { en: 'ECR returned {ref} without a digest.', ko: 'ECR이 {ref} 이미지를 다이제스트 없이 돌려주었습니다.' },
  sameImage: {
    en: 'The service already runs exactly this image; the deploy replaces every task with an identical one.',
    ko: '서비스가 이미 정확히 이 이미지를 실행 중입니다. 배포하면 모든 작업이 똑같은 작업으로 교체됩니다.',
  },
  noSuchRevision: {
    en: "Task definition {td} does not exist, so I can't roll {service} back to it.",
    ko: '작업 정의 {td}이(가) 없어서 {service} 서비스를 그 버전으로 되돌릴 수 없습니다.',
  },
  noSuchRevisionHint: {
    en: '{service} runs {current} now; `/ecs history {alias}` lists the revisions it ran before.',
    ko: '{service} 서비스는 지금 {current} 작업 정의를 실행 중입니다. 전에 실행한 리비전은 `/ecs history {alias}` 명령으로 볼 수 있습니다.',
  },
  alreadyOn: {
    en: '{service} already runs {td}; there is nothing to roll back to.',
    ko: '{service} 서비스는 이미 {td} 작업 정의를 실행 중이라 되돌릴 것이 없습니다.',
  },
  alreadyOnHint: {
    en: 'Name another revision with `--to`, or use `/ecs restart {service}` to replace its tasks.',
    ko: '`--to`로 다른 리비전을 지정하거나, 작업을 교체하려면 `/ecs restart {service}` 명령을 쓰세요.',
  },
  tagMoved: {
    en: '{tag} names another image now ({now}) than when {td} last ran ({ran}): the rollback runs the one it names now. To return to exactly what ran then, deploy that digest: {command}',
    ko: '{tag} 태그가 가리키는 이미지({now})가 {td} 작업 정의가 마지막으로 실행될 때의 이미지({ran})와 다릅니다. 롤백하면 지금 가리키는 이미지가 실행됩니다. 그때 실행하던 이미지로 정확히 되돌리려면 그 다이제스트를 배포하세요: {command}',
  },
  rolloutInProgress: {
    en: 'A rollout to {td} is in progress; rolling back returns to what ran before it.',
    ko: '{td} 작업 정의로 롤아웃이 진행 중입니다. 롤백하면 그 전에 실행하던 버전으로 돌아갑니다.',
  },
  noPrevious: {
    en: "I could not find the task definition {service} ran before {td}: ECS's deployment history does not show it, and the bot did not deploy it itself.",
    ko: '{service} 서비스가 {td} 전에 실행하던 작업 정의를 찾지 못했습니다. ECS 배포 이력에 나오지 않고, 봇이 직접 배포한 것도 아닙니다.',
  },
  noPreviousNoHistory: {
    en: "I could not find the task definition {service} ran before {td}: ECS's deployment history is not available to the bot here, and the bot did not deploy it itself.",
    ko: '{service} 서비스가 {td} 전에 실행하던 작업 정의를 찾지 못했습니다. 여기서는 봇이 ECS 배포 이력을 볼 수 없고, 봇이 직접 배포한 것도 아닙니다.',
  },
  noPreviousHint: {
    en: 'Name the revision to return to: `/ecs rollback {service} --to &lt;revision&gt;`.',
    ko: '되돌아갈 리비전을 지정하세요: `/ecs rollback {service} --to &lt;revision&gt;`',
  },
  fromRecords: {
    en: "ECS's deployment history does not show what ran before {td}; the target comes from the bot's own record of the change that deployed it.",
    ko: 'ECS 배포 이력에 {td} 전에 실행하던 버전이 나오지 않아, 그것을 배포한 변경에 대한 봇 자체 기록에서 대상을 가져왔습니다.',
  },
  fromRecordsNoHistory: {
    en: "ECS's deployment history is not available to the bot here, so the target comes from the bot's own record of the change that deployed {td}.",
    ko: '여기서는 봇이 ECS 배포 이력을 볼 수 없어, {td}을(를) 배포한 변경에 대한 봇 자체 기록에서 대상을 가져왔습니다.',
  },
  inactive: {
    en: 'Task definition {td} is {status} (deregistered), and ECS does not start new tasks from it.',
    ko: '작업 정의 {td}이(가) {status} 상태(등록 해제됨)라 ECS가 새 작업을 시작하지 않습니다.',
  },
  inactiveHint: {
    en: 'Pick an ACTIVE revision with `--to`, or deploy the image it used with `/ecs deploy {service} &lt;tag&gt;`.',
    ko: '`--to`로 ACTIVE 리비전을 고르거나, 그 버전의 이미지를 `/ecs deploy {service} &lt;tag&gt;`로 배포하세요.',
  },
  rollbackRefused: {
    en: "I can't roll {service} back to {td}:\n• {problems}",
    ko: '{service} 서비스를 {td}(으)로 되돌릴 수 없습니다:\n• {problems}',
  },
  rollbackRefusedHint: {
    en: 'A rollback passes the same checks as a deploy (`taskRoles` and `images` in chatops.yml). Pick another revision with `--to`, or deploy a fixed image.',
    ko: '롤백도 배포와 같은 검사(chatops.yml의 `taskRoles`, `images`)를 거칩니다. `--to`로 다른 리비전을 고르거나, 고친 이미지를 배포하세요.',
  },
  sameCount: {
    en: '{service} is already set to {n} desired {n|task|tasks} ({running} running); nothing to change.',
    ko: '{service} 서비스는 이미 원하는 작업 수가 {n}개입니다 ({running}개 실행 중). 바꿀 것이 없습니다.',
  },
  sameCountHint: {
    en: 'Use `/ecs restart {service}` to replace its tasks.',
    ko: '작업을 교체하려면 `/ecs restart {service}` 명령을 쓰세요.',
  },
  noAutoscaling: { en: 'I could not check the autoscaling range ({error}).', ko: '오토스케일링 범위를 확인하지 못했습니다 ({error}).' },
  noTasks: {
    en: '{service} has 0 desired tasks, so there is nothing to restart.',
    ko: '{service} 서비스의 원하는 작업 수가 0개라 재시작할 것이 없습니다.',
  },
  noTasksHint: {
    en: 'Start tasks with `/ecs scale {service} &lt;count&gt;`.',
    ko: '`/ecs scale {service} &lt;count&gt;`로 작업을 시작하세요.',
  },
});

export interface Prepared {
  /** A service change, or a one-off task (`/ecs run`, ./run-plan.ts). */
  plan: ChangePlan | RunPlan;
  /** mrkdwn, ≤ 2,500 characters, in the workspace's language: the audit trail's and /ecs history's summary. */
  summary: string;
  /** The task definition diff, when the change has one. */
  details?: string;
  /** Extra lines for the dry-run answer. */
  notes: string[];
  /** Release gates: what the change does to the bill (a scale, a change of task CPU or memory). */
  cost?: CostDelta;
  /** Release gates: the stages at which the service's deployments pause for a decision (PAUSE lifecycle hooks). */
  pauseStages?: string[];
}

/** The stages a service's deployments pause at (a PAUSE hook on a blue/green, canary or linear strategy). */
function pauseStagesOf(service: Service): string[] | undefined {
  if (!pausesDeployments(service)) return undefined;
  const stages = (service.deploymentConfiguration?.lifecycleHooks ?? [])
    .filter((h) => h.targetType === 'PAUSE')
    .flatMap((h) => h.lifecycleStages ?? []);
  return [...new Set(stages)];
}

/** The cost delta of running `after` × tasksTo instead of `before` × tasksFrom; only when it changes something. */
function costOf(svc: ResolvedService, service: Service, before: TaskDefinition, after: TaskDefinition, tasksFrom: number, tasksTo: number) {
  const d = costDelta({
    region: svc.env.region,
    service,
    before: { taskDefinition: before, tasks: tasksFrom },
    after: { taskDefinition: after, tasks: tasksTo },
  });
  return changesCost(d) ? d : undefined;
}

/**
 * A change that rolls out another task definition (deploy, rollback): its summary and diff, what it
 * does to the bill (`before` → `after` at the same task count), and where the service's deployments pause.
 */
function rolloutPrepared(
  rt: Runtime,
  plan: ChangePlan,
  details: string,
  svc: ResolvedService,
  service: Service,
  before: TaskDefinition,
  after: TaskDefinition,
  tasks: number,
): Prepared {
  const cost = costOf(svc, service, before, after, tasks, tasks);
  const pauseStages = pauseStagesOf(service);
  return {
    plan,
    summary: planSummary(plan, rt.people.workspace),
    details,
    notes: [],
    ...(cost ? { cost } : {}),
    ...(pauseStages ? { pauseStages } : {}),
  };
}

/** Where the service is and what it runs now, as every plan has it (a one-off task's too: src/commands/run.run.ts). */
export function planBase(svc: ResolvedService, service: Service, now: number) {
  if (!service.taskDefinition || !service.serviceArn) {
    throw new BotError('AWS', `service ${svc.service} has no task definition`, {
      userMessage: M.lazy('noTaskDefinition', { service: code(svc.service) }),
    });
  }
  return {
    environment: svc.environment,
    alias: svc.alias,
    region: svc.env.region,
    cluster: svc.env.cluster,
    serviceName: service.serviceName ?? svc.service,
    serviceArn: service.serviceArn,
    currentTaskDefinition: service.taskDefinition,
    desiredCount: service.desiredCount ?? 0,
    madeAt: now,
  };
}

/**
 * The image digest the service's tasks of its current task definition run (the configured
 * container), when they all run the same one; undefined when there are none, they differ, or ECS
 * does not report it. Two calls (ListTasks, DescribeTasks of up to 10 tasks).
 */
export async function runningImageDigest(
  ecs: ECSClient,
  where: { cluster: string; serviceName: string; container: string; taskDefinition?: string },
): Promise<string | undefined> {
  const arns = await withThrottleRetry(() => listServiceTasks(ecs, where.cluster, where.serviceName, 'RUNNING'));
  if (!arns.length) return undefined;
  const tasks = await withThrottleRetry(() => describeTasks(ecs, where.cluster, arns.slice(0, 10)));
  const digests = new Set(
    tasks
      .filter((t) => !where.taskDefinition || t.taskDefinitionArn === where.taskDefinition)
      .map((t) => t.containers?.find((c) => c.name === where.container)?.imageDigest),
  );
  if (digests.size !== 1) return undefined;
  return [...digests][0] ?? undefined;
}

async function withRunningDigest<T extends { cluster: string; serviceName: string; currentTaskDefinition: string }>(
  rt: Runtime,
  ecs: ECSClient,
  svc: ResolvedService,
  b: T,
): Promise<T & { runningDigest?: string }> {
  try {
    const d = await runningImageDigest(ecs, { ...b, container: svc.container, taskDefinition: b.currentTaskDefinition });
    return d ? { ...b, runningDigest: d } : b;
  } catch (err) {
    // Only the start-time re-check uses it: a plan without it still checks the task definition and the count.
    rt.log.warn('running image digest unavailable', { service: svc.alias, err });
    return b;
  }
}

async function loadService(rt: Runtime, svc: ResolvedService): Promise<{ ecs: ECSClient; service: Service }> {
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  const service = await withThrottleRetry(() => describeService(ecs, svc.env.cluster, svc.service, `services.${svc.alias}.service`));
  return { ecs, service };
}

/**
 * The roles check of the request: which roles the task definition passes, and which are not in
 * taskRoles. Only registering a task definition passes roles (iam:PassRole): a rollback to an
 * existing revision (`registers` false) registers nothing, so its unchanged roles are just unchanged.
 */
export function rolesCheck(
  current: TaskDefinition,
  next: { taskRoleArn?: string; executionRoleArn?: string },
  allowed: readonly string[],
  registers = true,
): PlanChecks['roles'] {
  const roles = rolesOf(next);
  const now = rolesOf(current);
  const unlisted =
    allowed.length && registers
      ? [roles.taskRoleArn, roles.executionRoleArn].filter((r): r is string => Boolean(r) && !allowed.includes(r!))
      : [];
  return {
    ...(roles.taskRoleArn ? { task: roles.taskRoleArn } : {}),
    ...(roles.executionRoleArn ? { execution: roles.executionRoleArn } : {}),
    scoped: allowed.length > 0 && registers,
    unlisted,
    changed: roles.taskRoleArn !== now.taskRoleArn || roles.executionRoleArn !== now.executionRoleArn,
  };
}

/** The registry's scan type as the refusal's hint needs it; `unknown`: it could not be read, or it is another registry's. */
export type ScanType = 'BASIC' | 'ENHANCED' | 'unknown';

type Problem = ReturnType<typeof imagePolicyKinds>[number];

/** Scan statuses only enhanced scanning (Amazon Inspector) gives, whose next step depends on how the registry scans now. */
const ENHANCED_ONLY_EXPIRED = 'SCAN_ELIGIBILITY_EXPIRED';

/**
 * Does the refusal's next step depend on the registry's scan type? Only for an image never scanned
 * (StartImageScan, or the enhanced scanning rules) or one Inspector stopped rescanning: only then is
 * GetRegistryScanningConfiguration worth a call.
 */
export function needsScanType(image: Pick<ImageDetail, 'imageScanStatus'>, kinds: readonly Problem[]): boolean {
  return kinds.some(
    (k) => k.kind === 'neverScanned' || (k.kind === 'noUsableScan' && image.imageScanStatus?.status === ENHANCED_ONLY_EXPIRED),
  );
}

/**
 * The scan type of the image's registry from GetRegistryScanningConfiguration's answer, which is about
 * the caller's own registry (in the client's region): `unknown` when that is not the image's registry
 * (a registry in another account) or the answer does not say.
 */
export function scanTypeOf(answer: RegistryScanning, imageRegistryId: string | undefined): ScanType {
  if (imageRegistryId && answer.registryId !== imageRegistryId) return 'unknown';
  return answer.scanType === 'BASIC' || answer.scanType === 'ENHANCED' ? answer.scanType : 'unknown';
}

/** What to do next about one rule an image breaks (its catalog entry), given how the registry scans. */
export function nextStep(problem: Problem, scanStatus: string | undefined, scanType: ScanType) {
  switch (problem.kind) {
    case 'archived':
      return 'archivedNext';
    case 'neverScanned':
      // StartImageScan is basic scanning's; enhanced scanning scans what its rules match, by itself.
      return scanType === 'BASIC' ? 'neverScannedNext' : scanType === 'ENHANCED' ? 'neverScannedEnhancedNext' : 'neverScannedAnyNext';
    case 'beingScanned':
      return 'beingScannedNext';
    case 'noUsableScan':
      // A registry back on basic scanning scans the image again on request.
      if (scanStatus === ENHANCED_ONLY_EXPIRED) return scanType === 'BASIC' ? 'neverScannedNext' : 'eligibilityExpiredNext';
      return 'noUsableScanNext';
    case 'blocksCritical':
      return 'blocksCriticalNext';
  }
}

/**
 * Refuse an image the environment's policy does not allow: which rule it breaks, and for each what
 * to do next (scan it, wait for the scan, fix the findings, restore it), with the scan command for
 * this very image where the registry uses basic scanning (`scanType`, see needsScanType).
 */
export function assertImageAllowed(
  image: ImageDetail,
  svc: ResolvedService,
  ref: string,
  registryRegion: string,
  scanType: ScanType,
): void {
  const kinds = imagePolicyKinds(image, svc.env.images);
  if (!kinds.length) return;
  const digest = image.imageDigest ?? '';
  const args = [
    `--region ${registryRegion}`,
    ...(svc.registry?.accountId ? [`--registry-id ${svc.registry.accountId}`] : []),
    `--repository-name ${svc.repository ?? ''}`,
    `--image-id imageDigest=${digest}`,
  ].join(' ');
  const userMessage: Localized = (l) =>
    M.in(l)('imageRefused', {
      ref: code(ref),
      digest: code('sha256:' + shortDigest(digest)),
      env: code(svc.environment),
      problems: imagePolicyProblems(image, svc.env.images, l)
        .map((p) => `• ${p}`)
        .join('\n'),
    });
  const status = image.imageScanStatus?.status;
  const hint: Localized = (l) => {
    const t = M.in(l);
    const next = [...new Set(kinds.map((k) => nextStep(k, status, scanType)))].map((key) =>
      t(key, { alias: svc.alias, args, repository: code(svc.repository ?? '') }),
    );
    return [...next, t('imagePolicy')].join(' ');
  };
  throw new BotError('REFUSED', `image policy refused ${ref}`, { userMessage, hint });
}

/**
 * The scan type of the image's registry, asked only when a refusal's hint depends on it (GetRegistryScanningConfiguration,
 * bounded): `unknown` when it cannot be read (denied, unavailable, slow) or the answer is another registry's.
 */
async function refusalScanType(rt: Runtime, ecr: ECRClient, image: ImageDetail, svc: ResolvedService): Promise<ScanType> {
  try {
    return scanTypeOf(await registryScanning(ecr), image.registryId ?? svc.registry?.accountId);
  } catch (err) {
    rt.log.warn('registry scanning configuration unavailable; the refusal says how to scan in general', { service: svc.alias, err });
    return 'unknown';
  }
}

/** The bound of the commits lookup (every ECR call and the download): 3 s; ECR_LABELS_TIMEOUT_MS (tests) replaces it. */
function labelsBoundMs(): number {
  const ms = Number(process.env.ECR_LABELS_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 3_000;
}

type Labels = Record<string, string> | undefined;

/**
 * Reads the OCI labels of the configured container's images (the commits of a deploy and of a
 * rollback), best-effort and bounded (labelsBoundMs, each lookup): any failure (denied, throttled,
 * slow) is "unknown" and a warning in the log, never a failed plan. `at`: an image by digest in a
 * repository (`configured`: the one chatops.yml names); `ofTaskDefinition`: the image a task
 * definition runs for the container, by the digest it pins, else `otherwise`: for the image running now
 * what its tasks report, never its tag's digest looked up now (a tag, `latest`, may have moved since
 * the tasks pulled it); for a rollback's target the digest its tag names now, which is what the
 * rollback will run. The same image is read once.
 */
function labelReader(rt: Runtime, svc: ResolvedService) {
  const timeoutMs = labelsBoundMs();
  type Where = { region: string; repositoryName: string; registryId?: string };
  const configured: Where | undefined = svc.repository
    ? {
        region: svc.registry?.region ?? svc.env.region,
        repositoryName: svc.repository,
        ...(svc.registry ? { registryId: svc.registry.accountId } : {}),
      }
    : undefined;
  const read = new Map<string, Promise<Labels>>();
  const at = (where: Where, digest: string, platform: Platform): Promise<Labels> => {
    const key = [where.registryId, where.region, where.repositoryName, digest, platform.os, platform.architecture].join(' ');
    const known = read.get(key);
    if (known) return known;
    const labels = (async () => {
      try {
        return await imageLabels(rt.aws.ecr(where.region, svc.env), where.repositoryName, digest, {
          ...(where.registryId ? { registryId: where.registryId } : {}),
          platform,
          timeoutMs,
        });
      } catch (err) {
        rt.log.warn('image labels unavailable; the request shows no commit for that image', { service: svc.alias, digest, err });
        return undefined;
      }
    })();
    read.set(key, labels);
    return labels;
  };
  const ofTaskDefinition = async (td: TaskDefinition, otherwise?: string): Promise<Labels> => {
    const image = td.containerDefinitions?.find((c) => c.name === svc.container)?.image;
    const { repository, digest } = splitImage(image);
    const isConfigured = !!svc.repository && (repository === svc.repository || repository.endsWith(`/${svc.repository}`));
    const where = ecrRepositoryOf(image) ?? (isConfigured ? configured : undefined);
    const resolved = digest ?? otherwise;
    return where && resolved ? at(where, resolved, taskPlatform(td.runtimePlatform)) : undefined;
  };
  return { configured, at, ofTaskDefinition };
}

/**
 * The commits a deploy goes from and to, from the OCI labels of the new image and of the image that
 * runs now (labelReader's ofTaskDefinition: the digest the current task definition pins, else the
 * one its running tasks report).
 */
async function deployCommits(
  rt: Runtime,
  svc: ResolvedService,
  image: ImageDetail,
  current: TaskDefinition,
  runningDigest: string | undefined,
): Promise<Commits | undefined> {
  const labels = labelReader(rt, svc);
  const [to, from] = await Promise.all([
    labels.at(labels.configured!, image.imageDigest!, taskPlatform(current.runtimePlatform)),
    labels.ofTaskDefinition(current, runningDigest),
  ]);
  return withCommitList(rt, svc, commitsOf(to, from, gitKindsOf(rt)));
}

/**
 * The commits a rollback undoes, from the OCI labels of the image that runs now (the digest the
 * current task definition pins, else the one its running tasks report) and of the target's: the
 * digest it pins, else `targetDigest`, the digest its tag names in ECR now (returningImages read it
 * for the rollback policy). That is what the rollback runs: ECS resolves a tag when the deployment
 * starts, so a tag moved since the target last ran brings back the image it names now.
 */
async function rollbackCommits(
  rt: Runtime,
  svc: ResolvedService,
  current: TaskDefinition,
  target: TaskDefinition,
  runningDigest: string | undefined,
  targetDigest: Promise<string | undefined>,
): Promise<Commits | undefined> {
  const labels = labelReader(rt, svc);
  const [running, back] = await Promise.all([
    labels.ofTaskDefinition(current, runningDigest),
    targetDigest.then((d) => labels.ofTaskDefinition(target, d)),
  ]);
  return withCommitList(rt, svc, rollbackCommitsOf(running, back, gitKindsOf(rt)));
}

/**
 * The commits check with the list of the commits between its two (what a deploy brings, what a
 * rollback undoes), asked of the Git host once the labels are known, when GIT_TOKENS configures the
 * host of its compare link (src/deploy/git-api.ts: bounded, best-effort: without it, the check as it was).
 */
async function withCommitList(rt: Runtime, svc: ResolvedService, c: Commits | undefined): Promise<Commits | undefined> {
  const found = c && (await commitListOf(rt, c, svc.alias));
  return found ? { ...c, list: found.list, total: found.total } : c;
}

export async function planDeploy(rt: Runtime, svc: ResolvedService, sel: ImageSelector): Promise<Prepared> {
  const now = rt.now();
  const repository = svc.repository!;
  const ref = sel.tag ?? sel.digest!;
  // The registry chatops.yml names (a shared registry account), else the environment's own.
  const registryRegion = svc.registry?.region ?? svc.env.region;
  const ecr = rt.aws.ecr(registryRegion, svc.env);
  const [image, { ecs, service }] = await Promise.all([
    withThrottleRetry(() => describeImage(ecr, repository, sel, svc.registry?.accountId)),
    loadService(rt, svc),
  ]);
  assertChangeable(service, 'deploy', svc.alias, now);
  const kinds = imagePolicyKinds(image, svc.env.images);
  const scanType = needsScanType(image, kinds) ? await refusalScanType(rt, ecr, image, svc) : 'unknown';
  assertImageAllowed(image, svc, ref, registryRegion, scanType);
  if (!image.imageDigest) throw new BotError('AWS', 'image without digest', { userMessage: M.lazy('noDigest', { ref: code(ref) }) });
  const b0 = planBase(svc, service, now);
  const described = withThrottleRetry(() => describeTaskDefinition(ecs, b0.currentTaskDefinition));
  const running = withRunningDigest(rt, ecs, svc, b0);
  // The commits of the two images (OCI labels), read while the rest is planned; best-effort and bounded.
  const commits = Promise.all([described, running]).then(
    ([td, r]) => deployCommits(rt, svc, image, td.taskDefinition, r.runningDigest),
    () => undefined,
  );
  const [b, current] = await Promise.all([running, described]);
  const container = findContainer(current.taskDefinition, svc.container);
  const imageUri = pinnedImageUri({
    currentImage: container.image,
    repository,
    registryId: image.registryId ?? svc.registry?.accountId ?? '',
    region: registryRegion,
    digest: image.imageDigest,
  });
  const before = registrationInput(current.taskDefinition, current.tags);
  const after = withImage(before, svc.container, imageUri);
  const problems = roleProblems(rolesOf(current.taskDefinition), rolesOf(after), svc.env.taskRoles);
  if (problems.length)
    throw new BotError('REFUSED', 'role change', { userMessage: (l) => problems.map((p) => tokenText(p, l)).join('\n') });
  const warnings: string[] = [];
  if (container.image === imageUri) warnings.push(writtenToken(M.lazy('sameImage')));
  const plan: DeployPlan = {
    verb: 'deploy',
    ...b,
    container: svc.container,
    repository,
    ...(svc.registry ? { registryId: svc.registry.accountId, registryRegion } : {}),
    ...(sel.tag ? { tag: sel.tag } : {}),
    digest: image.imageDigest,
    image: imageUri,
    previousImage: container.image ?? '',
    ...(image.imagePushedAt ? { imagePushedAt: image.imagePushedAt.getTime() } : {}),
    checks: {
      scan: {
        ...(image.imageScanStatus?.status ? { status: image.imageScanStatus.status } : {}),
        counts: { ...(image.imageScanFindingsSummary?.findingSeverityCounts ?? {}) },
      },
      roles: rolesCheck(current.taskDefinition, after, svc.env.taskRoles),
      warnings,
    },
  };
  const found = await commits;
  if (found) plan.checks!.commits = found;
  const details = renderDiff(diffObjects(before, after));
  const costed = { ...current.taskDefinition, cpu: after.cpu, memory: after.memory };
  return rolloutPrepared(rt, plan, details, svc, service, current.taskDefinition, costed, b.desiredCount);
}

/**
 * ECS's deployment history as (target, sources) task definitions: ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions (3 calls for up to 20 deployments).
 */
async function deploymentHistory(ecs: ECSClient, cluster: string, service: string, container: string, max = 20): Promise<HistoryEntry[]> {
  const briefs = await withThrottleRetry(() => listServiceDeployments(ecs, cluster, service, max));
  const arns = briefs
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, max)
    .map((d) => d.serviceDeploymentArn)
    .filter((a): a is string => !!a);
  if (!arns.length) return [];
  const deployments = await withThrottleRetry(() => describeServiceDeployments(ecs, arns));
  const revisionArns = [
    ...new Set(
      deployments
        .flatMap((d) => [d.targetServiceRevision?.arn, ...(d.sourceServiceRevisions ?? []).map((s) => s.arn)])
        .filter((a): a is string => !!a),
    ),
  ];
  const revisions = revisionArns.length ? await withThrottleRetry(() => describeServiceRevisions(ecs, revisionArns)) : [];
  const tdOf = new Map(revisions.map((r) => [r.serviceRevisionArn ?? '', r.taskDefinition ?? '']));
  const digestOf = new Map(
    revisions.map((r) => [r.serviceRevisionArn ?? '', r.containerImages?.find((c) => c.containerName === container)?.imageDigest]),
  );
  return deployments.map((d) => {
    const arns = [d.targetServiceRevision?.arn, ...(d.sourceServiceRevisions ?? []).map((s) => s.arn)].filter((a): a is string => !!a);
    const ran = Object.fromEntries(arns.flatMap((a) => (tdOf.get(a) && digestOf.get(a) ? [[tdOf.get(a)!, digestOf.get(a)!]] : [])));
    return {
      createdAt: (d.createdAt ?? d.startedAt)?.getTime() ?? 0,
      status: d.status,
      target: tdOf.get(d.targetServiceRevision?.arn ?? '') || undefined,
      sources: (d.sourceServiceRevisions ?? []).map((s) => tdOf.get(s.arn ?? '') ?? '').filter(Boolean),
      ...(Object.keys(ran).length ? { ran } : {}),
    };
  });
}

/** The digest `container` last ran under task definition `td`, as ECS's deployment history records it (newest first). */
export function lastRanDigest(td: string, history: readonly HistoryEntry[]): string | undefined {
  return [...history].sort((a, b) => b.createdAt - a.createdAt).find((h) => h.ran?.[td])?.ran?.[td];
}

/**
 * A rollback's target names a tag (`image`) that names another digest in ECR now (`now`) than the one
 * its container last ran (`ran`, ECS's history): the rollback runs the image the tag names now
 * (ECS resolves a tag when a deployment starts). The warning, or undefined when nothing moved or either is unknown.
 */
export function movedTagWarning(v: {
  alias: string;
  td: string;
  image: string | undefined;
  now: string | undefined;
  ran: string | undefined;
}): Localized | undefined {
  const { tag, digest } = splitImage(v.image);
  if (!tag || digest || !v.now || !v.ran || v.now === v.ran) return undefined;
  return M.lazy('tagMoved', {
    tag: code(tag),
    td: code(arnTail(v.td)),
    now: code(`sha256:${shortDigest(v.now)}`),
    ran: code(`sha256:${shortDigest(v.ran)}`),
    command: code(`/ecs deploy ${v.alias} ${v.ran}`),
  });
}

/** From the bot's own records (Redis): what its last change that deployed `current` replaced. */
async function botRecordsTarget(rt: Runtime, svc: ResolvedService, current: string): Promise<string | undefined> {
  try {
    return previousFromRecords(current, await recentChanges(rt.redis, svc.environment, svc.alias));
  } catch (err) {
    rt.log.warn("rollback: the bot's records are unreadable", { service: svc.alias, err });
    return undefined;
  }
}

async function describeTarget(ecs: ECSClient, arn: string, alias: string, current: string): Promise<TaskDefinitionWithTags> {
  try {
    return await withThrottleRetry(() => describeTaskDefinition(ecs, arn));
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    if (awsErrorName(cause) === 'ClientException' || (err instanceof BotError && err.code === 'NOT_FOUND')) {
      const { family, revision } = familyRevision(arn);
      throw new BotError('NOT_FOUND', `task definition ${arn} not found`, {
        userMessage: M.lazy('noSuchRevision', { td: code(`${family}:${revision ?? '?'}`), service: code(alias) }),
        hint: M.lazy('noSuchRevisionHint', { service: code(alias), current: code(arnTail(current)), alias }),
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * A rollback asked for from an alert (`alert`: its incident as on record, ./alert-rollback.ts) is
 * refused when it would not roll back away from the revision the alert is about: the service runs
 * another one now (`since` the bot's change that put it there, when the bot made it), or the target is it.
 */
async function refuseFromAlert(rt: Runtime, svc: ResolvedService, refusal: AlertRollbackRefusal): Promise<never> {
  let since: ChangeSince | undefined;
  if (refusal.why === 'moved') {
    const found = await recentChanges(rt.redis, svc.environment, svc.alias).then(
      (changes) => changeThatRan(refusal.current, changes, ['succeeded', 'running'])?.change,
      (err: unknown) => {
        rt.log.warn("rollback from an alert: the bot's records are unreadable", { service: svc.alias, err });
        return undefined;
      },
    );
    if (found) since = { id: found.id, verb: found.verb, channel: found.channel, messageTs: found.messageTs };
  }
  rt.log.info('rollback from an alert refused', { service: svc.alias, ...refusal });
  const { message, hint } = alertRollbackRefusalText(refusal, svc.alias, since);
  throw new BotError('REFUSED', `rollback from the alert refused: ${refusal.why}`, { userMessage: message, hint });
}

export async function planRollback(rt: Runtime, svc: ResolvedService, to?: number, alert?: AlertScope): Promise<Prepared> {
  const now = rt.now();
  const { ecs, service } = await loadService(rt, svc);
  // From an alert: before anything else, whether the service still runs the revision it is about.
  const fromAlert = alert && service.taskDefinition ? alertRollbackRefusal(alert, service.taskDefinition) : undefined;
  if (fromAlert) await refuseFromAlert(rt, svc, fromAlert);
  assertChangeable(service, 'rollback', svc.alias, now);
  const b = await withRunningDigest(rt, ecs, svc, planBase(svc, service, now));
  const current = b.currentTaskDefinition;
  /** Warnings of the request, as catalog tokens. */
  const notes: string[] = [];
  let target: string | undefined;
  let source: RollbackPlan['source'];
  /** ECS's deployment history, when the target came from it. */
  let history: HistoryEntry[] = [];
  if (to !== undefined) {
    if (familyRevision(current).revision === to) {
      throw new BotError('REFUSED', 'already on that revision', {
        userMessage: M.lazy('alreadyOn', { service: code(svc.alias), td: code(arnTail(current)) }),
        hint: M.lazy('alreadyOnHint', { service: svc.alias }),
      });
    }
    target = revisionArn(current, to);
    source = 'explicit';
  } else if (rolloutInProgress(service) && previousFromDeployments(service)) {
    target = previousFromDeployments(service);
    source = 'in-progress';
    notes.push(writtenToken(M.lazy('rolloutInProgress', { td: code(arnTail(current)) })));
  } else {
    source = 'history';
    let historyAvailable = true;
    try {
      history = await deploymentHistory(ecs, b.cluster, b.serviceName, svc.container);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (!isUnavailableApi(err) && !isUnavailableApi(cause) && awsErrorName(cause) !== 'InvalidParameterException') throw err;
      historyAvailable = false;
      rt.log.warn('rollback: ECS deployment history unavailable; using the bot records', { service: svc.alias, err });
    }
    target = previousFromHistory(current, history);
    if (!target) {
      // ECS's history is unavailable (or does not say): what the bot's own last change to `current` replaced.
      target = await botRecordsTarget(rt, svc, current);
      if (target) {
        source = 'records';
        const td = code(arnTail(current));
        notes.push(writtenToken(historyAvailable ? M.lazy('fromRecords', { td }) : M.lazy('fromRecordsNoHistory', { td })));
      }
    }
    if (!target) {
      throw new BotError('NOT_FOUND', `no previous task definition for ${svc.service}`, {
        userMessage: M.lazy(historyAvailable ? 'noPrevious' : 'noPreviousNoHistory', {
          service: code(svc.alias),
          td: code(arnTail(current)),
        }),
        hint: M.lazy('noPreviousHint', { service: svc.alias }),
        usage: '/ecs rollback <service> [--to <revision>] [--reason "…"] [--dry-run]',
      });
    }
  }
  const toAlerted = alert ? alertRollbackRefusal(alert, current, target!) : undefined;
  if (toAlerted) await refuseFromAlert(rt, svc, toAlerted);
  const [cur, tgt] = await Promise.all([
    withThrottleRetry(() => describeTaskDefinition(ecs, current)),
    describeTarget(ecs, target!, svc.alias, current),
  ]);
  if (tgt.taskDefinition.status && tgt.taskDefinition.status !== 'ACTIVE') {
    throw new BotError('REFUSED', `target ${target} is ${tgt.taskDefinition.status}`, {
      userMessage: M.lazy('inactive', { td: code(arnTail(target)), status: code(tgt.taskDefinition.status) }),
      hint: M.lazy('inactiveHint', { service: svc.alias }),
    });
  }
  // The same policy as a deploy: roles (taskRoles) and every image the rollback brings back.
  const returning = returningImages(rt, svc.env, cur.taskDefinition, tgt.taskDefinition);
  // The commits it undoes (OCI labels of the two images), read while the rest is planned; best-effort and bounded.
  const tagDigest = returning.then(
    (all) => {
      const found = all.find((i) => i.container === svc.container)?.found;
      return typeof found === 'object' ? found.imageDigest : undefined;
    },
    () => undefined,
  );
  const commits = rollbackCommits(rt, svc, cur.taskDefinition, tgt.taskDefinition, b.runningDigest, tagDigest).catch(() => undefined);
  const targetImage = tgt.taskDefinition.containerDefinitions?.find((c) => c.name === svc.container)?.image;
  // A revision named with --to that names a tag: what it last ran is in ECS's history, read now (best-effort:
  // without it the request goes on without the moved-tag warning).
  const ranHistory =
    source === 'explicit' && splitImage(targetImage).tag && !splitImage(targetImage).digest
      ? deploymentHistory(ecs, b.cluster, b.serviceName, svc.container).catch((err: unknown) => {
          rt.log.warn('rollback: ECS deployment history unavailable for the moved-tag check', { service: svc.alias, err });
          return [];
        })
      : Promise.resolve(history);
  const images = await returning;
  // A tag that moved since the target last ran: the rollback runs what it names now; say so, and how to run what ran.
  const moved = movedTagWarning({
    alias: svc.alias,
    td: target!,
    image: targetImage,
    now: await tagDigest,
    ran: lastRanDigest(target!, await ranHistory),
  });
  if (moved) notes.push(writtenToken(moved));
  const policyInput = {
    currentRoles: rolesOf(cur.taskDefinition),
    targetRoles: rolesOf(tgt.taskDefinition),
    taskRoles: svc.env.taskRoles,
    images,
    policy: svc.env.images,
  };
  const policy = rollbackPolicy(policyInput);
  if (policy.problems.length) {
    throw new BotError('REFUSED', `rollback policy refused ${target}`, {
      userMessage: M.lazy('rollbackRefused', {
        service: code(svc.alias),
        td: code(arnTail(target)),
        problems: (locale) => rollbackPolicy(policyInput, locale).problems.join('\n• '),
      }),
      hint: M.lazy('rollbackRefusedHint'),
    });
  }
  const curImage = cur.taskDefinition.containerDefinitions?.find((c) => c.name === svc.container)?.image;
  const plan: RollbackPlan = {
    verb: 'rollback',
    ...b,
    targetTaskDefinition: tgt.taskDefinition.taskDefinitionArn ?? target!,
    source: source!,
    container: svc.container,
    ...(curImage ? { previousImage: curImage } : {}),
    ...(targetImage ? { targetImage } : {}),
    checks: { roles: rolesCheck(cur.taskDefinition, tgt.taskDefinition, svc.env.taskRoles, false), images: policy.images, warnings: notes },
  };
  const found = await commits;
  if (found) plan.checks!.commits = found;
  const details = renderDiff(diffObjects(registrationInput(cur.taskDefinition), registrationInput(tgt.taskDefinition)));
  return rolloutPrepared(rt, plan, details, svc, service, cur.taskDefinition, tgt.taskDefinition, b.desiredCount);
}

/** The images of `target`'s containers that differ from what runs now, as ECR describes them (at most 10 lookups). */
async function returningImages(rt: Runtime, access: AwsAccess, current: TaskDefinition, target: TaskDefinition): Promise<ReturningImage[]> {
  const now = new Map((current.containerDefinitions ?? []).map((c) => [c.name ?? '', c.image ?? '']));
  const changed = (target.containerDefinitions ?? []).filter((c) => c.image && now.get(c.name ?? '') !== c.image).slice(0, 10);
  return Promise.all(
    changed.map(async (c): Promise<ReturningImage> => {
      const image = c.image!;
      const ecr = ecrRepositoryOf(image);
      if (!ecr) return { container: c.name ?? '?', image, found: 'not-ecr' };
      const { tag, digest } = splitImage(image);
      const found = await withThrottleRetry(() =>
        findImage(rt.aws.ecr(ecr.region, access), ecr.repositoryName, digest ? { digest } : { tag: tag ?? 'latest' }, ecr.registryId),
      );
      return { container: c.name ?? '?', image, found: found ?? 'missing' };
    }),
  );
}

export async function planScale(rt: Runtime, svc: ResolvedService, to: number): Promise<Prepared> {
  const now = rt.now();
  const { ecs, service } = await loadService(rt, svc);
  assertChangeable(service, 'scale', svc.alias, now);
  const b = await withRunningDigest(rt, ecs, svc, planBase(svc, service, now));
  if (b.desiredCount === to) {
    throw new BotError('REFUSED', 'same count', {
      userMessage: M.lazy('sameCount', { service: code(svc.alias), n: to, running: service.runningCount ?? 0 }),
      hint: M.lazy('sameCountHint', { service: svc.alias }),
    });
  }
  const warnings: string[] = [];
  try {
    const range = await serviceScalableRange(rt.aws.autoScaling(svc.env.region, svc.env), svc.env.cluster, svc.service);
    const w = autoscalingWarning(to, range);
    if (w) warnings.push(writtenToken(w));
  } catch (err) {
    // The range only decides a warning: say it could not be checked, and go on.
    rt.log.warn('autoscaling range unavailable', { service: svc.alias, err });
    const cause = err instanceof BotError ? (err.cause ?? err) : err;
    warnings.push(writtenToken(M.lazy('noAutoscaling', { error: err instanceof BotError && !err.cause ? err.code : awsErrorName(cause) })));
  }
  const plan: ScalePlan = { verb: 'scale', ...b, from: b.desiredCount, to, checks: { bounds: svc.scale, warnings } };
  // The cost of the change (release gates): the task size of the task definition the service runs.
  let cost: CostDelta | undefined;
  try {
    const td = (await withThrottleRetry(() => describeTaskDefinition(rt.aws.ecs(svc.env.region, svc.env), b.currentTaskDefinition)))
      .taskDefinition;
    cost = costOf(svc, service, td, td, b.desiredCount, to);
  } catch (err) {
    rt.log.warn('cost of the change unavailable', { service: svc.alias, err });
  }
  return { plan, summary: planSummary(plan, rt.people.workspace), notes: [], ...(cost ? { cost } : {}) };
}

export async function planRestart(rt: Runtime, svc: ResolvedService): Promise<Prepared> {
  const now = rt.now();
  const { ecs, service } = await loadService(rt, svc);
  assertChangeable(service, 'restart', svc.alias, now);
  const b = await withRunningDigest(rt, ecs, svc, planBase(svc, service, now));
  if (b.desiredCount === 0) {
    throw new BotError('REFUSED', 'no tasks', {
      userMessage: M.lazy('noTasks', { service: code(svc.alias) }),
      hint: M.lazy('noTasksHint', { service: svc.alias }),
    });
  }
  const plan: RestartPlan = { verb: 'restart', ...b, checks: { warnings: [] } };
  return { plan, summary: planSummary(plan, rt.people.workspace), notes: [] };
}

const resizeText = defineMessages('deploy-resize', {
  noTaskSize: {
    en: 'Task definition {td} sets no task-level CPU and memory, so there is no task size to change.',
    ko: '작업 정의 {td}에 작업 수준 CPU와 메모리가 없어 바꿀 작업 크기가 없습니다.',
  },
  same: {
    en: '{alias} already runs with {size}; nothing to change.',
    ko: '{alias} 서비스는 이미 {size} 크기로 실행 중입니다. 바꿀 것이 없습니다.',
  },
  invalid: {
    en: '{size} is not a valid Fargate task size. With {cpu} CPU units the memory may be {options}.',
    ko: '{size}: 올바른 Fargate 작업 크기가 아닙니다. CPU {cpu} 단위에서 메모리는 {options} 중 하나여야 합니다.',
  },
  invalidCpu: {
    en: '{cpu} CPU units is not a Fargate size: Fargate CPU is one of {options} units.',
    ko: 'CPU {cpu} 단위는 Fargate 크기가 아닙니다. Fargate CPU는 {options} 단위 중 하나입니다.',
  },
  hint: {
    en: '`/ecs rightsize {alias}` recommends a size from what the service uses.',
    ko: '서비스 사용량에 맞는 크기 추천: `/ecs rightsize {alias}`',
  },
  warnSmaller: {
    en: 'The new size has less {what} than what runs now: check `/ecs rightsize {alias}` for the measured peaks.',
    ko: '새 크기는 지금보다 {what} 예약이 적습니다. 측정된 최대치는 `/ecs rightsize {alias}`에서 확인하세요.',
  },
  lessCpu: { en: 'CPU', ko: 'CPU', same: true },
  lessMemory: { en: 'memory', ko: '메모리' },
  lessBoth: { en: 'CPU and memory', ko: 'CPU와 메모리' },
});

/** A new revision of what runs now with only the task CPU (units) and memory (MiB) changed: a deploy request. */
export async function planResize(rt: Runtime, svc: ResolvedService, to: { cpu: number; memory: number }): Promise<Prepared> {
  const now = rt.now();
  // Refusals are read by the requester alone, in their language (errorReply writes them).
  const t = resizeText.lazy;
  const { ecs, service } = await loadService(rt, svc);
  assertChangeable(service, 'deploy', svc.alias, now);
  const b = planBase(svc, service, now);
  const current = await withThrottleRetry(() => describeTaskDefinition(ecs, b.currentTaskDefinition));
  const td = current.taskDefinition;
  const from = { cpu: Number(td.cpu), memory: Number(td.memory) };
  if (!td.cpu || !td.memory || !Number.isFinite(from.cpu) || !Number.isFinite(from.memory)) {
    throw new BotError('REFUSED', 'no task-level size', { userMessage: t('noTaskSize', { td: code(arnTail(b.currentTaskDefinition)) }) });
  }
  const size = sizeText(to);
  if (from.cpu === to.cpu && from.memory === to.memory) {
    throw new BotError('REFUSED', 'same size', { userMessage: t('same', { alias: code(svc.alias), size }) });
  }
  const fargate =
    (td.requiresCompatibilities ?? []).includes('FARGATE') ||
    service.launchType === 'FARGATE' ||
    !!service.capacityProviderStrategy?.length;
  if (fargate && !isFargateSize(to.cpu, to.memory)) {
    const options = fargateMemoryOptions(to.cpu);
    throw new BotError('BAD_INPUT', 'invalid fargate size', {
      userMessage: options.length
        ? t('invalid', { size, cpu: to.cpu, options: options.map((m) => code(String(m))).join(', ') })
        : t('invalidCpu', { cpu: code(String(to.cpu)), options: FARGATE_CPU_OPTIONS.map((c) => code(String(c))).join(', ') }),
      hint: t('hint', { alias: svc.alias }),
    });
  }
  const before = registrationInput(td, current.tags);
  const after = withSize(before, to.cpu, to.memory);
  const warnings: string[] = [];
  // What shrinks, by name: a step up in memory that lowers the CPU is not "smaller".
  const less = to.cpu < from.cpu ? (to.memory < from.memory ? 'lessBoth' : 'lessCpu') : to.memory < from.memory ? 'lessMemory' : undefined;
  if (less) warnings.push(writtenToken(resizeText.lazy('warnSmaller', { alias: svc.alias, what: resizeText.lazy(less) })));
  const plan: ResizePlan = { verb: 'resize', ...b, from, to, checks: { roles: rolesCheck(td, after, svc.env.taskRoles), warnings } };
  return { plan, summary: planSummary(plan, rt.people.workspace), details: renderDiff(diffObjects(before, after)), notes: [] };
}
