/**
 * `/ecs status` answers: pure functions of the ECS response shapes (DescribeServices,
 * DescribeTaskDefinition, DescribeTasks) and the lock/freeze state, so they can be
 * snapshot-tested and proven within Slack's limits without any AWS.
 */
import type { KnownBlock } from '@slack/types';
import type { Deployment, Service, ServiceEvent, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { GuardInfo } from '../../approvals/guards';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link, oneLine } from '../../slack/text';
import { serviceUrl, taskUrl } from '../../aws/console';
import { ago, parseImage, sectionsOf, shortTaskId, taskDefName, utcTime } from './common';
import { arnTail } from '../../aws/arn';
import { shortDigest } from '../../deploy/refs';

export type Health = 'steady' | 'deploying' | 'degraded' | 'down' | 'failed' | 'idle' | 'inactive' | 'missing';

export const HEALTH_MARK: Record<Health, string> = {
  steady: ':large_green_circle:',
  deploying: ':large_blue_circle:',
  degraded: ':large_yellow_circle:',
  down: ':red_circle:',
  failed: ':x:',
  idle: ':white_circle:',
  inactive: ':black_circle:',
  missing: ':grey_question:',
};

export const HEALTH_WORD: Record<Health, string> = {
  steady: 'steady',
  deploying: 'deploying',
  degraded: 'degraded',
  down: 'down',
  failed: 'deployment failed',
  idle: 'scaled to 0',
  inactive: 'inactive',
  missing: 'not found',
};

/**
 * down: desired > 0 and nothing running; failed: a deployment's rollout FAILED (circuit breaker);
 * deploying: more than one deployment or the primary still rolling out; degraded: running < desired.
 */
export function healthOf(svc: Service): Health {
  if (svc.status && svc.status !== 'ACTIVE') return 'inactive';
  const desired = svc.desiredCount ?? 0;
  const running = svc.runningCount ?? 0;
  const deployments = svc.deployments ?? [];
  if (desired > 0 && running === 0) return 'down';
  if (deployments.some((d) => d.rolloutState === 'FAILED')) return 'failed';
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS') return 'deploying';
  if (running < desired) return 'degraded';
  if (desired === 0) return 'idle';
  return 'steady';
}

interface EventGroup {
  message: string;
  count: number;
  latest: number;
  earliest: number;
}

/**
 * Identical service events collapsed into one line with a count ("(×12) … steady state"),
 * newest group first, at most `max` groups.
 */
export function dedupeEvents(events: readonly ServiceEvent[], max = 8): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const e of events) {
    const message = (e.message ?? '').trim();
    if (!message) continue;
    const at = e.createdAt?.getTime() ?? 0;
    const g = groups.get(message);
    if (g) {
      g.count++;
      g.latest = Math.max(g.latest, at);
      g.earliest = Math.min(g.earliest, at);
    } else {
      groups.set(message, { message, count: 1, latest: at, earliest: at });
    }
  }
  return [...groups.values()].sort((a, b) => b.latest - a.latest).slice(0, max);
}

/** Image of `container` in a task definition, or of its first container. */
export function containerImage(td: TaskDefinition | undefined, container: string): string | undefined {
  const defs = td?.containerDefinitions ?? [];
  return (defs.find((c) => c.name === container) ?? defs[0])?.image;
}

/** Digests the running tasks of one deployment report for `container`, with how many tasks run each. */
export function runningDigests(
  tasks: readonly Task[],
  deploymentId: string | undefined,
  container: string,
): Array<{ digest: string; tasks: number }> {
  const counts = new Map<string, number>();
  for (const t of tasks) {
    if (t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED') continue;
    if (deploymentId && t.startedBy && t.startedBy !== deploymentId) continue;
    const c = t.containers?.find((x) => x.name === container) ?? t.containers?.[0];
    if (c?.imageDigest) counts.set(c.imageDigest, (counts.get(c.imageDigest) ?? 0) + 1);
  }
  return [...counts].map(([digest, n]) => ({ digest, tasks: n })).sort((a, b) => b.tasks - a.tasks);
}

/** "`v1.4.2` · digest `abcdef123456`", from the task definition's image and the digests tasks report. */
export function imageLine(
  image: string | undefined,
  digests: ReadonlyArray<{ digest: string; tasks: number }>,
  tagsByDigest: Readonly<Record<string, readonly string[]>> = {},
): string {
  if (!image) return '_image unknown_';
  const ref = parseImage(image);
  const pinned = ref.digest;
  const tag = ref.tag ?? (pinned ? tagsByDigest[pinned]?.[0] : undefined);
  const parts: string[] = [tag ? code(tag) : code(arnTail(ref.repository) || ref.repository)];
  const shown = digests.length ? digests : pinned ? [{ digest: pinned, tasks: 0 }] : [];
  if (shown.length === 1) parts.push(`digest ${code(shortDigest(shown[0]!.digest))}`);
  else if (shown.length > 1)
    parts.push(
      `digests ${shown
        .slice(0, 3)
        .map((d) => `${code(shortDigest(d.digest))} ×${d.tasks}`)
        .join(', ')} (tasks run different builds)`,
    );
  else parts.push('_digest not reported yet_');
  return parts.join(' · ');
}

interface GuardState {
  frozen?: GuardInfo;
  lock?: GuardInfo;
  /** Redis could not be read: the answer says so instead of claiming there is no lock. */
  unavailable?: boolean;
}

export function guardLines(g: GuardState | undefined, environment: string, now: number): string[] {
  if (!g) return [];
  const out: string[] = [];
  const who = (x: GuardInfo) => `<@${escapeMrkdwn(x.by)}> ${ago(x.since, now)}${x.reason ? `: ${escapeMrkdwn(x.reason)}` : ''}`;
  if (g.frozen) out.push(`:snowflake: *${escapeMrkdwn(environment)} is frozen* by ${who(g.frozen)}`);
  if (g.lock) out.push(`:lock: *Locked* ${g.lock.kind === 'change' ? '(a change is running) ' : ''}by ${who(g.lock)}`);
  return out;
}

function deploymentLine(d: Deployment, tds: Readonly<Record<string, TaskDefinition>>, container: string, now: number): string {
  const td = d.taskDefinition ? tds[d.taskDefinition] : undefined;
  const img = parseImage(containerImage(td, container));
  const imgText = img.tag ? ` ${code(img.tag)}` : img.digest ? ` ${code('@' + shortDigest(img.digest))}` : '';
  const state = d.rolloutState ? ` ${escapeMrkdwn(d.rolloutState)}` : '';
  const counts = `${d.runningCount ?? 0}/${d.desiredCount ?? 0} running, ${d.pendingCount ?? 0} pending${d.failedTasks ? `, *${d.failedTasks} failed*` : ''}`;
  // A finished rollout's "updated" time and "deployment completed" reason add nothing.
  const live = d.rolloutState !== 'COMPLETED';
  const when = `started ${ago(d.createdAt, now)}${live && d.updatedAt && d.createdAt && d.updatedAt.getTime() - d.createdAt.getTime() > 5_000 ? `, updated ${ago(d.updatedAt, now)}` : ''}`;
  const reason = live && d.rolloutStateReason ? `\n      _${oneLine(d.rolloutStateReason, 200)}_` : '';
  return `• *${escapeMrkdwn(d.status ?? '?')}* ${code(taskDefName(d.taskDefinition))}${imgText} —${state} ${counts} · ${when}${reason}`;
}

export function circuitBreakerLine(svc: Service): string {
  const controller = svc.deploymentController?.type ?? 'ECS';
  const cfg = svc.deploymentConfiguration;
  const parts: string[] = [];
  if (controller !== 'ECS') {
    parts.push(`*Circuit breaker:* not available with the ${code(controller)} deployment controller`);
  } else if (cfg?.deploymentCircuitBreaker?.enable) {
    parts.push(
      `*Circuit breaker:* on, ${cfg.deploymentCircuitBreaker.rollback ? 'rolls back a failed deployment' : 'stops a failed deployment without rolling back'}`,
    );
  } else {
    parts.push('*Circuit breaker:* off: a failing deployment keeps retrying until someone stops it');
  }
  if (cfg?.alarms?.enable && cfg.alarms.alarmNames?.length) {
    parts.push(
      `*Alarms:* ${cfg.alarms.alarmNames
        .slice(0, 5)
        .map((a) => code(a))
        .join(', ')}${cfg.alarms.rollback ? ' (roll back on alarm)' : ''}`,
    );
  }
  return parts.join('\n');
}

function stoppedTaskLine(t: Task, region: string, cluster: string, now: number): string {
  const id = arnTail(t.taskArn);
  const exits = (t.containers ?? [])
    .filter((c) => c.exitCode !== undefined || c.reason)
    .slice(0, 3)
    .map(
      (c) =>
        `${escapeMrkdwn(c.name ?? '?')}: ${c.exitCode !== undefined ? `exit ${c.exitCode}` : 'no exit code'}${c.reason ? ` (${oneLine(c.reason, 120)})` : ''}`,
    );
  return [
    `• ${link(taskUrl(region, cluster, id), shortTaskId(id))} stopped ${ago(t.stoppedAt ?? t.stoppingAt, now)}`,
    t.stopCode ? code(t.stopCode) : undefined,
    t.stoppedReason ? oneLine(t.stoppedReason, 160) : undefined,
    exits.length ? exits.join(', ') : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Tasks that stopped within `windowMs` before `now`, newest first. */
export function recentlyStopped(tasks: readonly Task[], now: number, windowMs = 3_600_000): Task[] {
  return tasks
    .filter((t) => t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED')
    .filter((t) => {
      const at = (t.stoppedAt ?? t.stoppingAt)?.getTime();
      return at === undefined || now - at <= windowMs;
    })
    .sort((a, b) => ((b.stoppedAt ?? b.stoppingAt)?.getTime() ?? 0) - ((a.stoppedAt ?? a.stoppingAt)?.getTime() ?? 0));
}

interface ServiceStatusInput {
  alias: string;
  environment: string;
  cluster: string;
  region: string;
  /** The container deploys replace (config); its image is the one shown. */
  container: string;
  service: Service;
  /** Task definitions by ARN (each described once). */
  taskDefinitions: Readonly<Record<string, TaskDefinition>>;
  /** Running tasks (a sample) and recently stopped tasks, from DescribeTasks. */
  tasks: readonly Task[];
  /** ECR tags of digests the task definition pins (looked up when the image has no tag). */
  tagsByDigest?: Readonly<Record<string, readonly string[]>>;
  guards?: GuardState;
  now: number;
}

const MAX_STOPPED = 10;
const MAX_EVENTS = 8;

export function serviceStatusMessage(input: ServiceStatusInput): SlackMessage {
  const { service: svc, now } = input;
  const health = healthOf(svc);
  const deployments = [...(svc.deployments ?? [])].sort((a, b) => (a.status === 'PRIMARY' ? -1 : b.status === 'PRIMARY' ? 1 : 0));
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const currentTd = svc.taskDefinition ?? primary?.taskDefinition;
  const image = containerImage(currentTd ? input.taskDefinitions[currentTd] : undefined, input.container);
  const digests = runningDigests(input.tasks, primary?.id, input.container);
  const name = svc.serviceName ?? input.alias;

  const blocks: KnownBlock[] = [header(`${input.alias} in ${input.environment}`)];
  const summary = [
    `${HEALTH_MARK[health]} *${HEALTH_WORD[health]}* · *${svc.runningCount ?? 0}* running / ${svc.desiredCount ?? 0} desired / ${svc.pendingCount ?? 0} pending`,
    `*Task definition* ${code(taskDefName(currentTd))} · *image* ${imageLine(image, digests, input.tagsByDigest)}`,
    ...guardLines(input.guards, input.environment, now),
  ];
  blocks.push(section(summary.join('\n')));

  if (deployments.length) {
    blocks.push(
      ...sectionsOf(
        deployments.map((d) => deploymentLine(d, input.taskDefinitions, input.container, now)),
        `*Deployments* (${deployments.length})`,
      ),
    );
  }
  blocks.push(section(circuitBreakerLine(svc)));

  const stopped = recentlyStopped(input.tasks, now);
  if (stopped.length) {
    const lines = stopped.slice(0, MAX_STOPPED).map((t) => stoppedTaskLine(t, input.region, input.cluster, now));
    if (stopped.length > MAX_STOPPED) lines.push(`_… and ${stopped.length - MAX_STOPPED} more_`);
    blocks.push(...sectionsOf(lines, `*Stopped in the last hour* (${stopped.length})`));
  }

  const events = dedupeEvents(svc.events ?? [], MAX_EVENTS);
  if (events.length) {
    const lines = events.map((g) => `• ${ago(g.latest, now)} ${g.count > 1 ? `(×${g.count}) ` : ''}${oneLine(g.message, 280)}`);
    blocks.push(...sectionsOf(lines, '*Recent events*'));
  }

  const ctx = [
    `${link(serviceUrl(input.region, input.cluster, name), `Open ${name} in the ECS console`)} · cluster ${code(input.cluster)} · as of ${utcTime(now)} UTC`,
  ];
  if (input.guards?.unavailable) ctx.push(':warning: Lock and freeze state unavailable (the bot cannot reach Redis).');
  blocks.push(context(...ctx));

  const text = `${input.alias} in ${input.environment}: ${HEALTH_WORD[health]}, ${svc.runningCount ?? 0}/${svc.desiredCount ?? 0} running`;
  return { text, blocks };
}
