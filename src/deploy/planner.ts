/**
 * Making plans (worker side): the AWS lookups each change verb needs, then the pure plan,
 * summary and diff. Nothing here changes anything; the same plan is shown by --dry-run and
 * stored in the request that approvers see.
 */
import type { ECSClient, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import { BotError } from '../errors';
import { code } from '../slack/text';
import { describeService, describeTaskDefinition, describeTasks, listServiceTasks, type TaskDefinitionWithTags } from '../aws/ecs';
import { autoscalingWarning, serviceScalableRange } from '../aws/autoscaling';
import { describeImage, findImage } from '../aws/ecr';
import { awsErrorName, isUnavailableApi } from '../aws/errors';
import { recentChanges } from '../approvals/audit';
import { describeServiceDeployments, describeServiceRevisions, listServiceDeployments } from '../aws/ecs-write';
import { diffObjects, renderDiff } from './diff';
import {
  assertChangeable,
  assertImageAllowed,
  findingsText,
  previousFromDeployments,
  previousFromHistory,
  previousFromRecords,
  rolloutInProgress,
  type ChangePlan,
  type DeployPlan,
  type HistoryEntry,
  type ResizePlan,
  type RestartPlan,
  type RollbackPlan,
  type ScalePlan,
} from './plan';
import { planSummary, sizeText } from './render';
import { defineMessages } from '../i18n';
import { FARGATE_CPU_OPTIONS, fargateMemoryOptions, isFargateSize } from '../aws/fargate-pricing';
import { ecrRepositoryOf, pinnedImageUri, splitImage, type ImageSelector } from './refs';
import { rollbackPolicy, type ReturningImage } from './rollback-policy';
import { withThrottleRetry } from './retry';
import { familyRevision, findContainer, registrationInput, revisionArn, roleProblems, rolesOf, withImage, withSize } from './taskdef';
import { arnTail } from '../aws/arn';
import { changesCost, costDelta, type CostDelta } from './cost-delta';
import { pausesDeployments } from './traffic-model';
import type { AwsAccess } from '../aws/clients';

export interface Prepared {
  plan: ChangePlan;
  /** mrkdwn, ≤ 2,500 characters. */
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

function base(svc: ResolvedService, service: Service, now: number) {
  if (!service.taskDefinition || !service.serviceArn) {
    throw new BotError('AWS', `service ${svc.service} has no task definition`, {
      userMessage: `ECS returned service ${code(svc.service)} without a task definition.`,
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

/** Warn when iam:PassRole is scoped (taskRoles) and the roles the service uses are not in the list. */
function passRoleNotes(td: TaskDefinition, allowed: readonly string[]): string[] {
  if (!allowed.length) return [];
  const roles = rolesOf(td);
  return (['taskRoleArn', 'executionRoleArn'] as const)
    .filter((k) => roles[k] && !allowed.includes(roles[k]!))
    .map(
      (k) =>
        `The ${k === 'taskRoleArn' ? 'task' : 'execution'} role ${code(roles[k]!)} is not in this environment's \`taskRoles\`, so registering may be refused (\`iam:PassRole\`).`,
    );
}

export async function planDeploy(rt: Runtime, svc: ResolvedService, sel: ImageSelector): Promise<Prepared> {
  const now = rt.now();
  const repository = svc.repository!;
  const ref = sel.tag ?? sel.digest!;
  const ecr = rt.aws.ecr(svc.env.region, svc.env);
  const [image, { ecs, service }] = await Promise.all([withThrottleRetry(() => describeImage(ecr, repository, sel)), loadService(rt, svc)]);
  assertChangeable(service, 'deploy', svc.alias, now);
  assertImageAllowed(image, svc.env.images, ref, svc.environment);
  if (!image.imageDigest) throw new BotError('AWS', 'image without digest', { userMessage: `ECR returned ${code(ref)} without a digest.` });
  const b = await withRunningDigest(rt, ecs, svc, base(svc, service, now));
  const current: TaskDefinitionWithTags = await withThrottleRetry(() => describeTaskDefinition(ecs, b.currentTaskDefinition));
  const container = findContainer(current.taskDefinition, svc.container);
  const imageUri = pinnedImageUri({
    currentImage: container.image,
    repository,
    registryId: image.registryId ?? '',
    region: svc.env.region,
    digest: image.imageDigest,
  });
  const before = registrationInput(current.taskDefinition, current.tags);
  const after = withImage(before, svc.container, imageUri);
  const problems = roleProblems(rolesOf(current.taskDefinition), rolesOf(after), svc.env.taskRoles);
  if (problems.length) throw new BotError('REFUSED', 'role change', { userMessage: problems.join('\n') });
  const plan: DeployPlan = {
    verb: 'deploy',
    ...b,
    container: svc.container,
    repository,
    ...(sel.tag ? { tag: sel.tag } : {}),
    digest: image.imageDigest,
    image: imageUri,
    previousImage: container.image ?? '',
    ...(image.imagePushedAt ? { imagePushedAt: image.imagePushedAt.getTime() } : {}),
  };
  const warnings = passRoleNotes(current.taskDefinition, svc.env.taskRoles);
  if (container.image === imageUri)
    warnings.push(`The service already runs exactly this image; the deploy replaces every task with an identical one.`);
  const scanStatus = image.imageScanStatus?.status;
  const scan = scanStatus
    ? `${scanStatus.toLowerCase()}${scanStatus === 'COMPLETE' || scanStatus === 'ACTIVE' ? `, ${findingsText(image)}` : ''}`
    : 'not scanned';
  const summary = planSummary(plan, { now, warnings, scan });
  const details = renderDiff(diffObjects(before, after));
  const cost = costOf(
    svc,
    service,
    current.taskDefinition,
    { ...current.taskDefinition, cpu: after.cpu, memory: after.memory },
    b.desiredCount,
    b.desiredCount,
  );
  const pauseStages = pauseStagesOf(service);
  return { plan, summary, details, notes: [], ...(cost ? { cost } : {}), ...(pauseStages ? { pauseStages } : {}) };
}

/**
 * ECS's deployment history as (target, sources) task definitions: ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions (3 calls for up to 20 deployments).
 */
async function deploymentHistory(ecs: ECSClient, cluster: string, service: string, max = 20): Promise<HistoryEntry[]> {
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
  return deployments.map((d) => ({
    createdAt: (d.createdAt ?? d.startedAt)?.getTime() ?? 0,
    status: d.status,
    target: tdOf.get(d.targetServiceRevision?.arn ?? '') || undefined,
    sources: (d.sourceServiceRevisions ?? []).map((s) => tdOf.get(s.arn ?? '') ?? '').filter(Boolean),
  }));
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

async function describeTarget(ecs: ECSClient, arn: string, alias: string): Promise<TaskDefinitionWithTags> {
  try {
    return await withThrottleRetry(() => describeTaskDefinition(ecs, arn));
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    if (awsErrorName(cause) === 'ClientException' || (err instanceof BotError && err.code === 'NOT_FOUND')) {
      const { family, revision } = familyRevision(arn);
      throw new BotError('NOT_FOUND', `task definition ${arn} not found`, {
        userMessage: `Task definition ${code(`${family}:${revision ?? '?'}`)} does not exist, so I can't roll ${code(alias)} back to it.`,
        hint: '`/ecs status &lt;service&gt;` shows the revision the service runs now; revisions of its family are numbered from 1.',
        cause: err,
      });
    }
    throw err;
  }
}

export async function planRollback(rt: Runtime, svc: ResolvedService, to?: number): Promise<Prepared> {
  const now = rt.now();
  const { ecs, service } = await loadService(rt, svc);
  assertChangeable(service, 'rollback', svc.alias, now);
  const b = await withRunningDigest(rt, ecs, svc, base(svc, service, now));
  const current = b.currentTaskDefinition;
  const notes: string[] = [];
  let target: string | undefined;
  let source: RollbackPlan['source'];
  if (to !== undefined) {
    if (familyRevision(current).revision === to) {
      throw new BotError('REFUSED', 'already on that revision', {
        userMessage: `${code(svc.alias)} already runs ${code(arnTail(current))}; there is nothing to roll back to.`,
        hint: `Name another revision with \`--to\`, or use \`/ecs restart ${svc.alias}\` to replace its tasks.`,
      });
    }
    target = revisionArn(current, to);
    source = 'explicit';
  } else if (rolloutInProgress(service) && previousFromDeployments(service)) {
    target = previousFromDeployments(service);
    source = 'in-progress';
    notes.push(`A rollout to ${code(arnTail(current))} is in progress; rolling back returns to what ran before it.`);
  } else {
    source = 'history';
    let history: HistoryEntry[] = [];
    let historyAvailable = true;
    try {
      history = await deploymentHistory(ecs, b.cluster, b.serviceName);
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
        notes.push(
          historyAvailable
            ? `ECS's deployment history does not show what ran before ${code(arnTail(current))}; the target comes from the bot's own record of the change that deployed it.`
            : `ECS's deployment history is not available to the bot here, so the target comes from the bot's own record of the change that deployed ${code(arnTail(current))}.`,
        );
      }
    }
    if (!target) {
      throw new BotError('NOT_FOUND', `no previous task definition for ${svc.service}`, {
        userMessage: `I could not find the task definition ${code(svc.alias)} ran before ${code(arnTail(current))}: ${historyAvailable ? "ECS's deployment history does not show it" : "ECS's deployment history is not available to the bot here"}, and the bot did not deploy it itself.`,
        hint: `Name the revision to return to: \`/ecs rollback ${svc.alias} --to &lt;revision&gt;\`.`,
        usage: '/ecs rollback <service> [--to <revision>] [--reason "…"] [--dry-run]',
      });
    }
  }
  const [cur, tgt] = await Promise.all([
    withThrottleRetry(() => describeTaskDefinition(ecs, current)),
    describeTarget(ecs, target!, svc.alias),
  ]);
  if (tgt.taskDefinition.status && tgt.taskDefinition.status !== 'ACTIVE') {
    throw new BotError('REFUSED', `target ${target} is ${tgt.taskDefinition.status}`, {
      userMessage: `Task definition ${code(arnTail(target))} is ${code(tgt.taskDefinition.status)} (deregistered), and ECS does not start new tasks from it.`,
      hint: `Pick an ACTIVE revision with \`--to\`, or deploy the image it used with \`/ecs deploy ${svc.alias} &lt;tag&gt;\`.`,
    });
  }
  // The same policy as a deploy: roles (taskRoles) and every image the rollback brings back.
  const images = await returningImages(rt, svc.env, cur.taskDefinition, tgt.taskDefinition);
  const policy = rollbackPolicy({
    currentRoles: rolesOf(cur.taskDefinition),
    targetRoles: rolesOf(tgt.taskDefinition),
    taskRoles: svc.env.taskRoles,
    images,
    policy: svc.env.images,
  });
  if (policy.problems.length) {
    throw new BotError('REFUSED', `rollback policy refused ${target}`, {
      userMessage: `I can't roll ${code(svc.alias)} back to ${code(arnTail(target))}:\n• ${policy.problems.join('\n• ')}`,
      hint: 'A rollback passes the same checks as a deploy (`taskRoles` and `images` in chatops.yml). Pick another revision with `--to`, or deploy a fixed image.',
    });
  }
  const curImage = cur.taskDefinition.containerDefinitions?.find((c) => c.name === svc.container)?.image;
  const tgtImage = tgt.taskDefinition.containerDefinitions?.find((c) => c.name === svc.container)?.image;
  const plan: RollbackPlan = {
    verb: 'rollback',
    ...b,
    targetTaskDefinition: tgt.taskDefinition.taskDefinitionArn ?? target!,
    source: source!,
    container: svc.container,
    ...(curImage ? { previousImage: curImage } : {}),
    ...(tgtImage ? { targetImage: tgtImage } : {}),
  };
  const details = renderDiff(diffObjects(registrationInput(cur.taskDefinition), registrationInput(tgt.taskDefinition)));
  const cost = costOf(svc, service, cur.taskDefinition, tgt.taskDefinition, b.desiredCount, b.desiredCount);
  const pauseStages = pauseStagesOf(service);
  return {
    plan,
    summary: planSummary(plan, { now, warnings: notes, checks: policy.checks }),
    details,
    notes: [],
    ...(cost ? { cost } : {}),
    ...(pauseStages ? { pauseStages } : {}),
  };
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
  const b = await withRunningDigest(rt, ecs, svc, base(svc, service, now));
  if (b.desiredCount === to) {
    throw new BotError('REFUSED', 'same count', {
      userMessage: `${code(svc.alias)} is already set to ${to} desired task${to === 1 ? '' : 's'} (${service.runningCount ?? 0} running); nothing to change.`,
      hint: `Use \`/ecs restart ${svc.alias}\` to replace its tasks.`,
    });
  }
  const plan: ScalePlan = { verb: 'scale', ...b, from: b.desiredCount, to };
  const warnings: string[] = [];
  if (to === 0) warnings.push('Scaling to 0 stops every task: the service will serve nothing.');
  try {
    const range = await serviceScalableRange(rt.aws.autoScaling(svc.env.region, svc.env), svc.env.cluster, svc.service);
    const w = autoscalingWarning(to, range);
    if (w) warnings.push(w);
  } catch (err) {
    // The range only decides a warning: say it could not be checked, and go on.
    rt.log.warn('autoscaling range unavailable', { service: svc.alias, err });
    warnings.push(`I could not check the autoscaling range (${err instanceof BotError ? err.userMessage : 'AWS error'}).`);
  }
  // The cost of the change (release gates): the task size of the task definition the service runs.
  let cost: CostDelta | undefined;
  try {
    const td = (await withThrottleRetry(() => describeTaskDefinition(rt.aws.ecs(svc.env.region, svc.env), b.currentTaskDefinition)))
      .taskDefinition;
    cost = costOf(svc, service, td, td, b.desiredCount, to);
  } catch (err) {
    rt.log.warn('cost of the change unavailable', { service: svc.alias, err });
  }
  return { plan, summary: planSummary(plan, { now, warnings, bounds: svc.scale }), notes: [], ...(cost ? { cost } : {}) };
}

export async function planRestart(rt: Runtime, svc: ResolvedService): Promise<Prepared> {
  const now = rt.now();
  const { ecs, service } = await loadService(rt, svc);
  assertChangeable(service, 'restart', svc.alias, now);
  const b = await withRunningDigest(rt, ecs, svc, base(svc, service, now));
  if (b.desiredCount === 0) {
    throw new BotError('REFUSED', 'no tasks', {
      userMessage: `${code(svc.alias)} has 0 desired tasks, so there is nothing to restart.`,
      hint: `Start tasks with \`/ecs scale ${svc.alias} &lt;count&gt;\`.`,
    });
  }
  const plan: RestartPlan = { verb: 'restart', ...b };
  return { plan, summary: planSummary(plan, { now }), notes: [] };
}

const resizeText = defineMessages('deploy-resize', {
  noTaskSize: {
    en: 'Task definition {td} sets no task-level CPU and memory, so there is no task size to change.',
    ko: '작업 정의 {td}에 작업 수준 CPU와 메모리가 없어 바꿀 작업 크기가 없습니다.',
  },
  same: {
    en: '{alias} already runs with {size}; nothing to change.',
    ko: '{alias}은(는) 이미 {size}(으)로 실행 중입니다. 바꿀 것이 없습니다.',
  },
  invalid: {
    en: '{size} is not a valid Fargate task size. With {cpu} CPU units the memory may be {options}.',
    ko: '{size}은(는) 올바른 Fargate 작업 크기가 아닙니다. CPU {cpu} 단위에서 메모리는 {options} 중 하나여야 합니다.',
  },
  invalidCpu: { en: 'Fargate CPU is one of {options} units.', ko: 'Fargate CPU는 {options} 단위 중 하나입니다.' },
  hint: {
    en: '`/ecs rightsize {alias}` recommends a size from what the service uses.',
    ko: '`/ecs rightsize {alias}`가 서비스 사용량에 맞는 크기를 추천합니다.',
  },
  warnSmaller: {
    en: 'The new size is smaller than what runs now: check `/ecs rightsize {alias}` for the measured peaks.',
    ko: '새 크기가 지금보다 작습니다. 측정된 최대치는 `/ecs rightsize {alias}`에서 확인하세요.',
  },
});

/** A new revision of what runs now with only the task CPU (units) and memory (MiB) changed: a deploy request. */
export async function planResize(rt: Runtime, svc: ResolvedService, to: { cpu: number; memory: number }): Promise<Prepared> {
  const now = rt.now();
  const t = resizeText.in(rt.config.slack.language);
  const { ecs, service } = await loadService(rt, svc);
  assertChangeable(service, 'deploy', svc.alias, now);
  const b = base(svc, service, now);
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
        : t('invalidCpu', { options: FARGATE_CPU_OPTIONS.map((c) => code(String(c))).join(', ') }),
      hint: t('hint', { alias: svc.alias }),
    });
  }
  const before = registrationInput(td, current.tags);
  const after = withSize(before, to.cpu, to.memory);
  const plan: ResizePlan = { verb: 'resize', ...b, from, to };
  const warnings = passRoleNotes(td, svc.env.taskRoles);
  if (to.cpu < from.cpu || to.memory < from.memory) warnings.push(t('warnSmaller', { alias: svc.alias }));
  const summary = planSummary(plan, { now, warnings });
  return { plan, summary, details: renderDiff(diffObjects(before, after)), notes: [] };
}
