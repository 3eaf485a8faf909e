/**
 * `/ecs run`, worker part: read the service and its task definition, plan the run (what runs, where,
 * for how long at most), then answer a dry run or post the approval request.
 */
import type { Runtime } from '../runtime';
import { BotError } from '../errors';
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import type { ResolvedService } from '../config/schema';
import { describeService, describeTaskDefinition } from '../aws/ecs';
import { arnTail } from '../aws/arn';
import { withThrottleRetry } from '../deploy/retry';
import { findContainer } from '../deploy/taskdef';
import { planBase, rolesCheck, type Prepared } from '../deploy/planner';
import { rolloutInProgress } from '../deploy/plan';
import { launchOf, type RunPlan } from '../deploy/run-plan';
import { runSummary } from '../deploy/run-render';
import { submitPrepared } from './change.run';
import type { RunArgs } from './run';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

const M = defineMessages('commands.run-plan', {
  notActive: {
    en: 'Service {service} is {status}, so nothing can run as its task.',
    ko: '{service} 서비스가 {status} 상태라 그 작업으로 실행할 수 없습니다.',
  },
  noTask: {
    en: '{service} no longer has the one-off task {task} in chatops.yml.',
    ko: 'chatops.yml에서 {service} 서비스의 {task} 작업이 없어졌습니다.',
  },
  containerHint: {
    en: 'Its containers: {names}. Set `services.{alias}.tasks.{task}.container` in chatops.yml to one of them.',
    ko: '컨테이너: {names}. chatops.yml의 `services.{alias}.tasks.{task}.container`를 그중 하나로 정하세요.',
  },

  rollout: {
    en: ':warning: A rollout of {service} is in progress: the task runs {td}, the task definition it rolls out.',
    ko: ':warning: {service} 서비스의 롤아웃이 진행 중입니다. 작업은 롤아웃 대상인 작업 정의 {td}에서 실행됩니다.',
  },
  unlisted: {
    en: ':warning: Roles: {roles} not in `taskRoles` (RunTask may be refused: the bot may pass only those to ECS)',
    ko: ':warning: `taskRoles`에 없는 역할: {roles} (RunTask가 거부될 수 있습니다. 봇은 거기 있는 역할만 ECS에 넘길 수 있습니다)',
  },
});

export async function runTask(parsed: Parsed<RunArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planRun(rt, parsed.service!, parsed.args.task);
  await submitPrepared(rt, inv, prepared, parsed.args);
}

/** The plan of a run of `task` (a name chatops.yml lists for the service), from the service as it runs now. */
export async function planRun(rt: Runtime, svc: ResolvedService, task: string): Promise<Prepared> {
  const cfg = svc.tasks?.[task];
  if (!cfg)
    throw new BotError('CONFIG', `service ${svc.alias} has no task ${task}`, {
      userMessage: M.lazy('noTask', { service: code(svc.alias), task: code(task) }),
    });
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  const service = await withThrottleRetry(() => describeService(ecs, svc.env.cluster, svc.service, `services.${svc.alias}.service`));
  if (service.status && service.status !== 'ACTIVE')
    throw new BotError('REFUSED', `service ${svc.service} is ${service.status}`, {
      userMessage: M.lazy('notActive', { service: code(svc.alias), status: code(service.status) }),
    });
  // Where the service is and the task definition it runs (refused when it runs none), as every plan has them.
  const { currentTaskDefinition, desiredCount: _count, madeAt, ...where } = planBase(svc, service, rt.now());
  const container = cfg.container ?? svc.container;
  const { taskDefinition: td } = await withThrottleRetry(() => describeTaskDefinition(ecs, currentTaskDefinition));
  try {
    findContainer(td, container);
  } catch (err) {
    if (err instanceof BotError)
      throw new BotError(err.code, err.message, {
        userMessage: err.text,
        hint: M.lazy('containerHint', {
          names: (td.containerDefinitions ?? []).map((c) => code(c.name ?? '?')).join(', '),
          alias: svc.alias,
          task,
        }),
      });
    throw err;
  }
  const plan: RunPlan = {
    verb: 'run',
    ...where,
    task,
    ...(cfg.description ? { description: cfg.description } : {}),
    container,
    command: cfg.command,
    taskDefinition: currentTaskDefinition,
    ...launchOf(service),
    timeoutMs: cfg.timeout,
    madeAt,
  };
  const w = rt.people.workspace;
  const warnings: string[] = [];
  if (rolloutInProgress(service)) warnings.push(M.in(w)('rollout', { service: code(svc.alias), td: code(arnTail(currentTaskDefinition)) }));
  // The roles RunTask passes to ECS (iam:PassRole): the worker may pass only those in taskRoles.
  const unlisted = rolesCheck(td, td, svc.env.taskRoles)?.unlisted ?? [];
  if (unlisted.length) warnings.push(M.in(w)('unlisted', { roles: unlisted.map((r) => code(r)).join(', ') }));
  return { plan, summary: [runSummary(plan, w), ...warnings].join('\n'), notes: warnings };
}
