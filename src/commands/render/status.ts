/**
 * `/ecs status` answers: pure functions of the ECS response shapes (DescribeServices,
 * DescribeTaskDefinition, DescribeTasks) and the lock/freeze state, so they can be
 * snapshot-tested and proven within Slack's limits without any AWS.
 */
import type { KnownBlock } from '@slack/types';
import type { Deployment, Service, ServiceEvent, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { guardReason, type GuardInfo } from '../../approvals/guards';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link, oneLine } from '../../slack/text';
import { serviceUrl, taskUrl } from '../../aws/console';
import { ago, parseImage, sectionsOf, taskDefName, utcTime } from './common';
import { arnTail, shortTaskId } from '../../aws/arn';
import { classifyEcsReason, ecsReasonText } from '../../aws/ecs-reasons';
import { stoppedTaskExplanation } from '../../aws/task-stop-explain';
import { shortDigest } from '../../deploy/refs';
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';
import { HEALTH_MARK, type Health } from './health';

export const statusText = defineMessages('commands.render.status', {
  steady: { en: 'steady', ko: '정상' },
  deploying: { en: 'deploying', ko: '배포 중' },
  degraded: { en: 'degraded', ko: '성능 저하' },
  down: { en: 'down', ko: '중단' },
  failed: { en: 'deployment failed', ko: '배포 실패' },
  idle: { en: 'scaled to 0', ko: '작업 0개' },
  inactive: { en: 'inactive', ko: '비활성' },
  missing: { en: 'not found', ko: '찾을 수 없음' },
  imageUnknown: { en: '_image unknown_', ko: '_이미지 알 수 없음_' },
  digest: { en: 'digest {digest}', ko: '다이제스트 {digest}' },
  digests: { en: 'digests {digests} (tasks run different builds)', ko: '다이제스트 {digests} (작업마다 빌드가 다름)' },
  noDigestYet: { en: '_digest not reported yet_', ko: '_다이제스트 아직 보고 안 됨_' },
  frozen: { en: ':snowflake: *{env} is frozen* by {who}', ko: ':snowflake: *{env} 환경 동결됨* — {who}' },
  locked: { en: ':lock: *Locked* {change}by {who}', ko: ':lock: *잠김* {change}— {who}' },
  changeRunning: { en: '(a change is running) ', ko: '(변경 실행 중) ' },
  started: { en: 'started {ago}', ko: '{ago} 시작' },
  updated: { en: ', updated {ago}', ko: ', {ago} 갱신' },
  counts: { en: '{running}/{desired} running, {pending} pending{failed}', ko: '{running}/{desired} 실행 중, 대기 {pending}{failed}' },
  failedTasks: { en: ', *{n} failed*', ko: ', *실패 {n}*' },
  cbNotAvailable: {
    en: '*Circuit breaker:* not available with the `{controller}` deployment controller',
    ko: '*서킷 브레이커:* `{controller}` 배포 컨트롤러에서는 쓸 수 없음',
  },
  cbRollsBack: { en: '*Circuit breaker:* on, rolls back a failed deployment', ko: '*서킷 브레이커:* 켜짐, 실패한 배포를 롤백' },
  cbStops: {
    en: '*Circuit breaker:* on, stops a failed deployment without rolling back',
    ko: '*서킷 브레이커:* 켜짐, 실패한 배포를 롤백 없이 멈춤',
  },
  cbOff: {
    en: '*Circuit breaker:* off: a failing deployment keeps retrying until someone stops it',
    ko: '*서킷 브레이커:* 꺼짐 — 실패하는 배포는 누군가 멈출 때까지 계속 재시도합니다',
  },
  alarms: { en: '*Alarms:* {alarms}{rollback}', ko: '*알람:* {alarms}{rollback}' },
  rollbackOnAlarm: { en: ' (roll back on alarm)', ko: ' (알람 시 롤백)' },
  exit: { en: 'exit {code}', ko: '종료 코드 {code}' },
  noExit: { en: 'no exit code', ko: '종료 코드 없음' },
  stoppedAgo: { en: 'stopped {ago}', ko: '{ago} 중지' },
  stoppedMany: { en: '({n} tasks) stopped, the latest {ago}', ko: '(작업 {n}개) 중지, 가장 최근 {ago}' },
  stoppedSpan: { en: '({n} tasks) stopped, the latest {ago}, the first {first}', ko: '(작업 {n}개) 중지, 가장 최근 {ago}, 처음 {first}' },
  title: { en: '{service} in {env}', ko: '{env}의 {service}' },
  summary: {
    en: '{mark} *{health}* · *{running}* running / {desired} desired / {pending} pending',
    ko: '{mark} *{health}* · 실행 *{running}* / 원하는 수 {desired} / 대기 {pending}',
  },
  tdAndImage: { en: '*Task definition* {td} · *image* {image}', ko: '*작업 정의* {td} · *이미지* {image}' },
  deployments: { en: '*Deployments* ({n})', ko: '*배포* ({n})' },
  andMoreKinds: { en: '_… and {n} other kinds of stop_', ko: '_… 그 밖의 중지 {n}종류_' },
  stoppedLastHour: { en: '*Stopped in the last hour* ({n})', ko: '*최근 1시간 동안 중지됨* ({n})' },
  recentEvents: { en: '*Recent events*', ko: '*최근 이벤트*' },
  openConsole: { en: 'Open {name} in the ECS console', ko: 'ECS 콘솔에서 {name} 열기' },
  footer: { en: '{link} · cluster {cluster} · as of {time} UTC', ko: '{link} · 클러스터 {cluster} · {time} UTC 기준' },
  guardsUnavailable: {
    en: ':warning: Lock and freeze state unavailable (the bot cannot reach Redis).',
    ko: ':warning: 잠금·동결 상태를 확인할 수 없습니다 (봇이 Redis에 연결하지 못함).',
  },
  fallback: {
    en: '{service} in {env}: {health}, {running}/{desired} running',
    ko: '{env}의 {service}: {health}, {running}/{desired} 실행 중',
  },
});
const M = statusText;

export { HEALTH_MARK, type Health } from './health';

/** The health as a word: "steady", "deploying"… ("정상", "배포 중"…). */
export function healthWord(h: Health, locale: Locale): string {
  return M.in(locale)(h);
}

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

export interface EventGroup {
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

/** The tag to name a pinned digest by: a version rather than `latest` when the digest has both. */
export function tagOfDigest(tags: readonly string[] | undefined): string | undefined {
  return tags?.find((t) => t !== 'latest') ?? tags?.[0];
}

/** "`v1.4.2` · digest `abcdef123456`", from the task definition's image and the digests tasks report. */
export function imageLine(
  image: string | undefined,
  digests: ReadonlyArray<{ digest: string; tasks: number }>,
  tagsByDigest: Readonly<Record<string, readonly string[]>> = {},
  locale: Locale = 'en',
): string {
  const t = M.in(locale);
  if (!image) return t('imageUnknown');
  const ref = parseImage(image);
  const pinned = ref.digest;
  const tag = ref.tag ?? (pinned ? tagOfDigest(tagsByDigest[pinned]) : undefined);
  const parts: string[] = [tag ? code(tag) : code(arnTail(ref.repository) || ref.repository)];
  const shown = digests.length ? digests : pinned ? [{ digest: pinned, tasks: 0 }] : [];
  if (shown.length === 1) parts.push(t('digest', { digest: code(shortDigest(shown[0]!.digest)) }));
  else if (shown.length > 1)
    parts.push(
      t('digests', {
        digests: shown
          .slice(0, 3)
          .map((d) => `${code(shortDigest(d.digest))} ×${d.tasks}`)
          .join(', '),
      }),
    );
  else parts.push(t('noDigestYet'));
  return parts.join(' · ');
}

interface GuardState {
  frozen?: GuardInfo;
  lock?: GuardInfo;
  /** Redis could not be read: the answer says so instead of claiming there is no lock. */
  unavailable?: boolean;
}

export function guardLines(g: GuardState | undefined, environment: string, now: number, locale: Locale = 'en'): string[] {
  if (!g) return [];
  const t = M.in(locale);
  const out: string[] = [];
  const who = (x: GuardInfo) => {
    const why = guardReason(x, locale);
    return `<@${escapeMrkdwn(x.by)}> ${ago(x.since, now, locale)}${why ? `: ${escapeMrkdwn(why)}` : ''}`;
  };
  if (g.frozen) out.push(t('frozen', { env: escapeMrkdwn(environment), who: who(g.frozen) }));
  if (g.lock) out.push(t('locked', { change: g.lock.kind === 'change' ? t('changeRunning') : '', who: who(g.lock) }));
  return out;
}

/** A plain-words line on its own indented line, when this answer has not said it yet (`said`): each meaning once. */
function sayOnce(meaning: string | undefined, said: Set<string>): string {
  if (!meaning || said.has(meaning)) return '';
  said.add(meaning);
  return `\n      ${escapeMrkdwn(meaning)}`;
}

/** The plain-words line for ECS's `text` (src/aws/ecs-reasons.ts), when it is a recognised reason: one line per reason, not per event. */
function meaningLine(text: string | undefined, locale: Locale, said: Set<string>): string {
  const reason = classifyEcsReason(text);
  return reason ? sayOnce(ecsReasonText(reason, locale), said) : '';
}

/** The recent events, newest first (dedupeEvents), ECS's words as they are, each recognised reason explained once under its first event. */
export function eventLines(groups: readonly EventGroup[], now: number, locale: Locale, said: Set<string> = new Set()): string[] {
  return groups.map(
    (g) =>
      `• ${ago(g.latest, now, locale)} ${g.count > 1 ? `(×${g.count}) ` : ''}${oneLine(g.message, 280)}${meaningLine(g.message, locale, said)}`,
  );
}

function deploymentLine(
  d: Deployment,
  tds: Readonly<Record<string, TaskDefinition>>,
  container: string,
  now: number,
  locale: Locale,
  said: Set<string>,
  tagsByDigest: Readonly<Record<string, readonly string[]>> = {},
): string {
  const t = M.in(locale);
  const td = d.taskDefinition ? tds[d.taskDefinition] : undefined;
  const img = parseImage(containerImage(td, container));
  // A pinned digest is named by its tag when it is known (as the image line above names it).
  const tag = img.tag ?? (img.digest ? tagOfDigest(tagsByDigest[img.digest]) : undefined);
  const imgText = tag ? ` ${code(tag)}` : img.digest ? ` ${code('@' + shortDigest(img.digest))}` : '';
  const state = d.rolloutState ? ` ${escapeMrkdwn(d.rolloutState)}` : '';
  const counts = t('counts', {
    running: d.runningCount ?? 0,
    desired: d.desiredCount ?? 0,
    pending: d.pendingCount ?? 0,
    failed: d.failedTasks ? t('failedTasks', { n: d.failedTasks }) : '',
  });
  // A finished rollout's "updated" time and "deployment completed" reason add nothing.
  const live = d.rolloutState !== 'COMPLETED';
  const updated =
    live && d.updatedAt && d.createdAt && d.updatedAt.getTime() - d.createdAt.getTime() > 5_000
      ? t('updated', { ago: ago(d.updatedAt, now, locale) })
      : '';
  const when = t('started', { ago: ago(d.createdAt, now, locale) }) + updated;
  // ECS's words as they are, and what they mean when they are one of the common reasons (src/aws/ecs-reasons.ts).
  const reason =
    (live && d.rolloutStateReason ? `\n      _${oneLine(d.rolloutStateReason, 200)}_` : '') +
    (live ? meaningLine(d.rolloutStateReason, locale, said) : '');
  return `• *${escapeMrkdwn(d.status ?? '?')}* ${code(taskDefName(d.taskDefinition))}${imgText} —${state} ${counts} · ${when}${reason}`;
}

export function circuitBreakerLine(svc: Service, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const controller = svc.deploymentController?.type ?? 'ECS';
  const cfg = svc.deploymentConfiguration;
  const parts: string[] = [];
  if (controller !== 'ECS') {
    parts.push(t('cbNotAvailable', { controller: escapeMrkdwn(controller) }));
  } else if (cfg?.deploymentCircuitBreaker?.enable) {
    parts.push(t(cfg.deploymentCircuitBreaker.rollback ? 'cbRollsBack' : 'cbStops'));
  } else {
    parts.push(t('cbOff'));
  }
  if (cfg?.alarms?.enable && cfg.alarms.alarmNames?.length) {
    parts.push(
      t('alarms', {
        alarms: cfg.alarms.alarmNames
          .slice(0, 5)
          .map((a) => code(a))
          .join(', '),
        rollback: cfg.alarms.rollback ? t('rollbackOnAlarm') : '',
      }),
    );
  }
  return parts.join('\n');
}

/**
 * Stopped tasks, one line per kind of stop: ECS's words (stop code, reason, exit codes), then what
 * the stop means in plain words as alerts say it (stoppedTaskExplanation), when this answer has not
 * said it yet; a routine stop (scaling, a deployment replacing tasks, a user's StopTask) gets no
 * such line. Tasks stopped for the same words share one line ("4 tasks stopped, latest 1 min ago"),
 * so a deployment that replaced four tasks is one line, not four. Newest first.
 */
function stoppedTaskLines(
  tasks: readonly Task[],
  input: { alias: string; region: string; cluster: string },
  now: number,
  locale: Locale,
  said: Set<string>,
): string[] {
  const t = M.in(locale);
  const groups = new Map<string, { tasks: Task[]; words: string[] }>();
  for (const task of tasks) {
    const exits = (task.containers ?? [])
      .filter((c) => c.exitCode !== undefined || c.reason)
      .slice(0, 3)
      .map(
        (c) =>
          `${escapeMrkdwn(c.name ?? '?')}: ${c.exitCode !== undefined ? t('exit', { code: c.exitCode }) : t('noExit')}${c.reason ? ` (${oneLine(c.reason, 120)})` : ''}`,
      );
    const words = [
      task.stopCode ? code(task.stopCode) : undefined,
      task.stoppedReason ? oneLine(task.stoppedReason, 160) : undefined,
      exits.length ? exits.join(', ') : undefined,
    ].filter((w): w is string => Boolean(w));
    const key = words.join('\u0000');
    const group = groups.get(key);
    if (group) group.tasks.push(task);
    else groups.set(key, { tasks: [task], words });
  }
  return [...groups.values()].map(({ tasks: same, words }) => {
    const links = same.slice(0, MAX_LINKED).map((task) => {
      const id = arnTail(task.taskArn);
      return link(taskUrl(input.region, input.cluster, id), shortTaskId(id));
    });
    const more = same.length > MAX_LINKED ? ` +${same.length - MAX_LINKED}` : '';
    // Newest first: the latest and, when it reads differently, the first (how long a crash loop has gone on).
    const ago_ = ago(same[0]!.stoppedAt ?? same[0]!.stoppingAt, now, locale);
    const first = ago(same.at(-1)!.stoppedAt ?? same.at(-1)!.stoppingAt, now, locale);
    const when =
      same.length === 1
        ? t('stoppedAgo', { ago: ago_ })
        : first === ago_
          ? t('stoppedMany', { n: same.length, ago: ago_ })
          : t('stoppedSpan', { n: same.length, ago: ago_, first });
    return [`• ${links.join(', ')}${more} ${when}`, ...words]
      .join(' · ')
      .concat(sayOnce(stoppedTaskExplanation(same[0]!, locale, input.alias), said));
  });
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

/** Lines of stopped tasks (one per kind of stop), and task links on one such line. */
const MAX_STOPPED = 10;
const MAX_LINKED = 3;
const MAX_EVENTS = 8;

/** The /ecs status answer for one service, in `locale` (the workspace's when public, the reader's when private). */
export function serviceStatusMessage(input: ServiceStatusInput, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const { service: svc, now } = input;
  const health = healthOf(svc);
  const deployments = [...(svc.deployments ?? [])].sort((a, b) => (a.status === 'PRIMARY' ? -1 : b.status === 'PRIMARY' ? 1 : 0));
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const currentTd = svc.taskDefinition ?? primary?.taskDefinition;
  const image = containerImage(currentTd ? input.taskDefinitions[currentTd] : undefined, input.container);
  const digests = runningDigests(input.tasks, primary?.id, input.container);
  const name = svc.serviceName ?? input.alias;

  const blocks: KnownBlock[] = [header(t('title', { service: input.alias, env: input.environment }))];
  const summary = [
    t('summary', {
      mark: HEALTH_MARK[health],
      health: healthWord(health, locale),
      running: svc.runningCount ?? 0,
      desired: svc.desiredCount ?? 0,
      pending: svc.pendingCount ?? 0,
    }),
    t('tdAndImage', { td: code(taskDefName(currentTd)), image: imageLine(image, digests, input.tagsByDigest, locale) }),
    ...guardLines(input.guards, input.environment, now, locale),
  ];
  blocks.push(section(summary.join('\n')));

  // Each meaning is said once in the answer, under the first line that has it (deployments, stopped tasks, then events).
  const said = new Set<string>();
  if (deployments.length) {
    blocks.push(
      ...sectionsOf(
        deployments.map((d) => deploymentLine(d, input.taskDefinitions, input.container, now, locale, said, input.tagsByDigest)),
        t('deployments', { n: deployments.length }),
      ),
    );
  }
  blocks.push(section(circuitBreakerLine(svc, locale)));

  const stopped = recentlyStopped(input.tasks, now);
  if (stopped.length) {
    const all = stoppedTaskLines(stopped, input, now, locale, said);
    const lines = all.slice(0, MAX_STOPPED);
    if (all.length > MAX_STOPPED) lines.push(t('andMoreKinds', { n: all.length - MAX_STOPPED }));
    blocks.push(...sectionsOf(lines, t('stoppedLastHour', { n: stopped.length })));
  }

  const events = dedupeEvents(svc.events ?? [], MAX_EVENTS);
  if (events.length) {
    blocks.push(...sectionsOf(eventLines(events, now, locale, said), t('recentEvents')));
  }

  const ctx = [
    t('footer', {
      link: link(serviceUrl(input.region, input.cluster, name), t('openConsole', { name })),
      cluster: code(input.cluster),
      time: utcTime(now),
    }),
  ];
  if (input.guards?.unavailable) ctx.push(t('guardsUnavailable'));
  blocks.push(context(...ctx));

  const text = t('fallback', {
    service: input.alias,
    env: input.environment,
    health: healthWord(health, locale),
    running: svc.runningCount ?? 0,
    desired: svc.desiredCount ?? 0,
  });
  return { text, blocks, locale };
}
