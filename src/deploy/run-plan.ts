/**
 * One-off tasks (`/ecs run <service> <task>`), pure: the plan a request carries (what runs, where,
 * how long at most), the RunTask call it makes, and how a task ECS reports maps to its outcome.
 *
 * A run plan is not a ChangePlan: it changes no service, so the deploy executor and tracker never
 * read one (parsePlan refuses it), and the run's own executor (./run-task.ts) never reads theirs.
 * The task runs the task definition the service runs (the one shown on the request; the executor
 * refuses to start when the service has moved on since), with the service's network configuration
 * and capacity, and the command chatops.yml lists: nothing typed in Slack reaches the command.
 */
import * as z from 'zod';
import type { RunTaskCommandInput, Service, Task } from '@aws-sdk/client-ecs';
import { lazySchema } from '../config/lazy-schema';

/** `startedBy` of the tasks the bot runs: this and the request id (ListTasks finds them by it; ≤ 128 characters). */
export const RUN_STARTED_BY = 'ecs-chatops:';
/** `group` of the tasks the bot runs: this and the task's name (not `service:…`: the service's alerts and rollouts leave them alone). */
export const RUN_GROUP = 'chatops:';

export const runPlanSchema = lazySchema(() =>
  z.object({
    verb: z.literal('run'),
    // Where the service is, as a service change's plan has it (plan.ts base; not shared: plan.ts is in the Slack bundle).
    environment: z.string(),
    alias: z.string(),
    region: z.string(),
    cluster: z.string(),
    serviceName: z.string(),
    serviceArn: z.string(),
    /** The task's name in chatops.yml (`services.<alias>.tasks`). */
    task: z.string(),
    description: z.string().optional(),
    container: z.string(),
    command: z.array(z.string()),
    /** The task definition the service ran when the plan was made: the one that runs. */
    taskDefinition: z.string(),
    launchType: z.string().optional(),
    capacityProviderStrategy: z
      .array(z.object({ capacityProvider: z.string(), weight: z.number().optional(), base: z.number().optional() }))
      .optional(),
    platformVersion: z.string().optional(),
    awsvpc: z
      .object({
        subnets: z.array(z.string()),
        securityGroups: z.array(z.string()).optional(),
        assignPublicIp: z.enum(['ENABLED', 'DISABLED']).optional(),
      })
      .optional(),
    /** Stopped (StopTask) and failed when it runs longer than this. */
    timeoutMs: z.number().int().positive(),
    madeAt: z.number(),
  }),
);
export type RunPlan = z.infer<typeof runPlanSchema>;

/** A stored plan as a run plan; undefined when it is not one. */
export function parseRunPlan(value: unknown): RunPlan | undefined {
  const r = runPlanSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** Whether a stored plan says it is a run (whatever else it holds): such a request is never a service change. */
export function isRunRequest(req: { verb: string; plan?: unknown }): boolean {
  return req.verb === 'run' || (req.plan as { verb?: unknown } | null | undefined)?.verb === 'run';
}

export const startedByOf = (requestId: string): string => `${RUN_STARTED_BY}${requestId}`.slice(0, 128);

/** The request id a task's `startedBy` names, when the bot started it. */
export function requestIdOfStartedBy(startedBy: string | undefined): string | undefined {
  return startedBy?.startsWith(RUN_STARTED_BY) && startedBy.length > RUN_STARTED_BY.length
    ? startedBy.slice(RUN_STARTED_BY.length)
    : undefined;
}

/** Where and how the service's tasks run, as the run copies it: capacity (or launch type), platform version, network. */
export function launchOf(
  service: Pick<Service, 'launchType' | 'capacityProviderStrategy' | 'platformVersion' | 'networkConfiguration'>,
): Pick<RunPlan, 'launchType' | 'capacityProviderStrategy' | 'platformVersion' | 'awsvpc'> {
  const strategy = (service.capacityProviderStrategy ?? [])
    .filter((s) => s.capacityProvider)
    .map((s) => ({
      capacityProvider: s.capacityProvider!,
      ...(s.weight !== undefined ? { weight: s.weight } : {}),
      ...(s.base !== undefined ? { base: s.base } : {}),
    }));
  const vpc = service.networkConfiguration?.awsvpcConfiguration;
  return {
    ...(strategy.length ? { capacityProviderStrategy: strategy } : service.launchType ? { launchType: service.launchType } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(vpc?.subnets?.length
      ? {
          awsvpc: {
            subnets: [...vpc.subnets],
            ...(vpc.securityGroups?.length ? { securityGroups: [...vpc.securityGroups] } : {}),
            ...(vpc.assignPublicIp ? { assignPublicIp: vpc.assignPublicIp } : {}),
          },
        }
      : {}),
  };
}

/**
 * The RunTask call of request `requestId`. Its client token is the request id: a repeat (the job
 * retried after an unknown outcome) returns the task the first call started instead of a second one.
 */
export function runTaskInput(plan: RunPlan, requestId: string): RunTaskCommandInput {
  return {
    cluster: plan.cluster,
    taskDefinition: plan.taskDefinition,
    count: 1,
    startedBy: startedByOf(requestId),
    group: `${RUN_GROUP}${plan.task}`.slice(0, 255),
    clientToken: requestId.slice(0, 64),
    ...(plan.capacityProviderStrategy ? { capacityProviderStrategy: plan.capacityProviderStrategy } : {}),
    ...(plan.launchType && !plan.capacityProviderStrategy ? { launchType: plan.launchType as RunTaskCommandInput['launchType'] } : {}),
    ...(plan.platformVersion ? { platformVersion: plan.platformVersion } : {}),
    ...(plan.awsvpc ? { networkConfiguration: { awsvpcConfiguration: plan.awsvpc } } : {}),
    overrides: { containerOverrides: [{ name: plan.container, command: plan.command }] },
  };
}

/** A command as one line, each argument with spaces or quotes in quotes: `npm run migrate -- --to "v 2"`. */
export function commandLine(command: readonly string[]): string {
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** How a task ended, read from ECS's description of it. */
export interface RunOutcome {
  phase: 'completed' | 'failed';
  /** The command's container's exit code, when it ran to an exit. */
  exitCode?: number;
  /** ECS's stop code (EssentialContainerExited, TaskFailedToStart, UserInitiated, …). */
  stopCode?: string;
  /** ECS's words: the task's stoppedReason, and the container's reason when it has one. */
  reason?: string;
  /** The task never started its containers (an image pull, a secret, capacity). */
  neverStarted: boolean;
  startedAt?: number;
  stoppedAt?: number;
}

/**
 * The outcome of a STOPPED task: completed only when the command's container exited 0; any other
 * exit code, a container that never ran, or a stop (a timeout, a person, ECS) is failed.
 * Undefined while the task is not stopped.
 */
export function runOutcome(task: Task, container: string): RunOutcome | undefined {
  if (task.lastStatus !== 'STOPPED') return undefined;
  const c = task.containers?.find((x) => x.name === container);
  const exitCode = typeof c?.exitCode === 'number' ? c.exitCode : undefined;
  const reasons = [task.stoppedReason, c?.reason].filter((r): r is string => !!r && r.trim().length > 0);
  const reason = [...new Set(reasons)].join(' — ') || undefined;
  const startedAt = task.startedAt ? new Date(task.startedAt).getTime() : undefined;
  const stoppedAt = task.stoppedAt ? new Date(task.stoppedAt).getTime() : undefined;
  return {
    phase: exitCode === 0 ? 'completed' : 'failed',
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(reason ? { reason } : {}),
    neverStarted: task.stopCode === 'TaskFailedToStart' || (exitCode === undefined && startedAt === undefined),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
}
