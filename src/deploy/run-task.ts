/**
 * Carrying out and following a one-off task (`/ecs run`), worker side: the 'execute' job of an
 * approved run request starts the task (RunTask), and from then on whoever notices it — the ECS
 * events consumer (its Task State Change events), the scheduled tick, the local watcher — calls
 * `refreshRun`, which reads the task and reports it in the request's thread: one status card
 * updated in place, a started reply, and the final reply (completed when the command's container
 * exited 0; failed with the exit code, ECS's reason and the container's last log lines otherwise).
 *
 * The same rules as a service change (./execute.ts, ./tracker.ts):
 * - Nothing starts that was not approved as shown: the task definition is the one the request
 *   showed; when the service has moved on since, the run does not start and says why.
 * - RunTask is sent only while the worker holds the request's lease, and the attempt is recorded
 *   first; its client token is the request id, so a retry after an unknown outcome gets the task
 *   the first call started, never a second one (and the tasks the request started are looked for
 *   by `startedBy` before any retry).
 * - Everything waits with a limit: a task still running past its `timeout` is stopped (StopTask)
 *   and reported as failed; one ECS no longer lists, or that cannot be read past the give-up time,
 *   ends as "not confirmed", freeing the service.
 * - The end is recorded once (the execution fact `ended`) before anyone is told, and each report
 *   is repeatable: a failure to post leaves the request running and the next event or tick posts it.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { Runtime } from '../runtime';
import type { Logger } from '../log';
import { BotError } from '../errors';
import { describeService, describeTaskDefinition, describeTasks } from '../aws/ecs';
import { listTasksStartedBy, runActions, runTaskRaw, stopTaskRaw } from '../aws/ecs-run';
import { passRoleDenied } from '../aws/ecs-write';
import { awsError } from '../aws/errors';
import { arnTail } from '../aws/arn';
import { envAccess } from '../config/load';
import { code, oneLine } from '../slack/text';
import { formatDuration } from '../i18n';
import { defineMessages, textIn, type Text } from '../i18n/catalog';
import type { ChangeRequest } from '../approvals/types';
import { getRequest } from '../approvals/workflow';
import { finishExecution, leaseHeld, pressExecution, recordExecution } from '../approvals/execution';
import { UNCONFIRMED_AUDIT } from '../approvals/model';
import { cutUtf8 } from '../redis/bounds';
import { isAwsUnanswered, isDefiniteRefusal, isRetryable } from './apply';
import { withThrottleRetry } from './retry';
import { changeAccess } from './session';
import { relevantStoppedTasks, type StoppedTaskInfo } from './progress';
import { audienceOf, containerLogLines, factsOf, notStartedFact, postOnce, showCard, startedAtOf, type NotStarted } from './tracker';
import { parseRunPlan, runOutcome, runTaskInput, startedByOf, type RunOutcome, type RunPlan } from './run-plan';
import {
  runFailureWhy,
  runFinalMilestone,
  runNotStartedMilestone,
  runStartedMilestone,
  runStatusCard,
  runStopFailedText,
  runStoppingMilestone,
  type RunEnded,
  type RunPhase,
  type RunView,
} from './run-render';
import type { Lease } from './execute';

const M = defineMessages('deploy.run-task', {
  unreadablePlan: {
    en: 'the stored plan could not be read by this version of the bot; nothing was started',
    ko: '이 버전의 봇이 저장된 계획을 읽지 못했습니다. 아무것도 시작하지 않았습니다',
  },
  moved: {
    en: 'The service runs {now} now, not {planned} as the request showed, so the approved run no longer describes it.',
    ko: '요청한 뒤에 서비스의 작업 정의가 바뀌어 (요청: {planned}, 지금: {now}) 승인된 실행이 더 이상 맞지 않습니다.',
  },
  notActive: { en: 'Service {service} is {status}.', ko: '{service} 서비스가 {status} 상태입니다.' },
  requestAgain: {
    en: 'Nothing was started. Request it again: {command} makes a new plan from what runs now.',
    ko: '아무것도 시작하지 않았습니다. {command} 명령으로 다시 요청하면 지금 실행 중인 것으로 새 계획을 세웁니다.',
  },
  placement: {
    en: 'ECS could not place the task: {failures}.',
    ko: 'ECS가 작업을 배치하지 못했습니다: {failures}.',
  },
  placementHint: {
    en: 'Nothing was started. Check the cluster’s capacity (`/ecs status {service}`) and request it again.',
    ko: '아무것도 시작하지 않았습니다. 클러스터 용량을 확인하고(`/ecs status {service}`) 다시 요청하세요.',
  },
  noTask: { en: 'RunTask answered without a task.', ko: 'RunTask가 작업 없이 응답했습니다.' },
  notAccepted: {
    en: 'AWS did not accept RunTask after {n} attempts. The last attempt: {why}',
    ko: 'AWS가 {n}번 시도한 RunTask를 받아들이지 않았습니다. 마지막 시도: {why}',
  },
  passRole: {
    en: "The bot's role may not pass the task definition's roles to ECS (`iam:PassRole`), so AWS refused to start the task.",
    ko: '봇 역할에 작업 정의의 역할을 ECS에 넘길 권한(`iam:PassRole`)이 없어 AWS가 작업 시작을 거부했습니다.',
  },
  passRoleHint: {
    en: "List the task definition's roles in the environment's `taskRoles` in chatops.yml (the worker role may pass exactly those).",
    ko: 'chatops.yml의 환경 `taskRoles`에 작업 정의의 역할을 넣으세요 (워커 역할은 거기 있는 역할만 넘길 수 있습니다).',
  },
  gone: {
    en: 'ECS no longer lists task {task}, so how it ended is unknown. Check the task in the ECS console.',
    ko: 'ECS 목록에서 작업 {task} 항목이 사라져 어떻게 끝났는지 알 수 없습니다. ECS 콘솔에서 작업을 확인하세요.',
  },
  unreadable: {
    en: 'I could not read task {task} for {duration}, so I stopped following it and released the service. {why}',
    ko: '{duration} 동안 작업 {task} 정보를 읽지 못해 추적을 멈추고 서비스를 풀었습니다. {why}',
  },
  notStopping: {
    en: 'Task {task} was asked to stop {duration} ago and is still not stopped, so I stopped following it and released the service. Check the task in the ECS console.',
    ko: '작업 {task}에 {duration} 전에 중지를 요청했는데 아직 멈추지 않아, 추적을 멈추고 서비스를 풀었습니다. ECS 콘솔에서 작업을 확인하세요.',
  },
  didNotRun: { en: 'did not start: {message}', ko: '시작하지 않음: {message}' },
  exitedZero: { en: '{task} exited 0', ko: '{task} 종료 코드 0' },
  stalled: {
    en: 'The worker stopped before the task was started (it was interrupted and its retries ran out). Nothing was started.',
    ko: '작업을 시작하기 전에 워커가 멈췄습니다 (중단된 뒤 재시도도 모두 실패했습니다). 아무것도 시작하지 않았습니다.',
  },
  stalledUnknown: {
    en: 'The worker stopped while starting the task (it was interrupted and its retries ran out), and ECS lists no task of this request.',
    ko: '작업을 시작하는 중에 워커가 멈췄고 (중단된 뒤 재시도도 모두 실패했습니다), ECS에 이 요청의 작업이 없습니다.',
  },
});

/** RunTask attempts (across job retries) before the run is failed. */
const MAX_RUN_ATTEMPTS = 3;
/** After the run's time limit (the stop included), this long more before a task that cannot be read is given up. */
const GIVE_UP_AFTER_LIMIT_MS = 30 * 60_000;
/** A task asked to stop that is still not stopped after this is given up (ECS stops one within minutes). */
const STOP_GIVE_UP_MS = 15 * 60_000;
/** A task DescribeTasks does not list this soon after RunTask is not taken for gone (ECS reads are eventually consistent). */
const MISSING_GRACE_MS = 5 * 60_000;
/** The longest ECS reason kept in the recorded end. */
const REASON_MAX_BYTES = 400;

/** What the executor records for a run, besides the common facts (startedAt, updateAttempts, notStarted, ended). */
interface RunFacts {
  startedAt?: number;
  updateAttempts?: number;
  notStarted?: NotStarted;
  runTaskArn?: string;
  /** When RunTask answered with the task: the time limit counts from here. */
  runStartedAt?: number;
  /** When the bot asked ECS to stop the task at its time limit. */
  runStopAt?: number;
  ended?: RunEnded;
}

function runFactsOf(req: Pick<ChangeRequest, 'execution'>): RunFacts {
  const ex = (req.execution ?? {}) as Record<string, unknown>;
  const common = factsOf(req);
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const ended = ex.ended as RunEnded | undefined;
  return {
    ...(common.startedAt !== undefined ? { startedAt: common.startedAt } : {}),
    ...(common.updateAttempts !== undefined ? { updateAttempts: common.updateAttempts } : {}),
    ...(common.notStarted ? { notStarted: common.notStarted } : {}),
    ...(str(ex.runTaskArn) ? { runTaskArn: str(ex.runTaskArn) } : {}),
    ...(num(ex.runStartedAt) !== undefined ? { runStartedAt: num(ex.runStartedAt) } : {}),
    ...(num(ex.runStopAt) !== undefined ? { runStopAt: num(ex.runStopAt) } : {}),
    ...(ended && (ended.phase === 'completed' || ended.phase === 'failed') && typeof ended.at === 'number' ? { ended } : {}),
  };
}

/** The request was settled by someone else (the tick failed it, another worker took over): stop, touching nothing. */
class RunSuperseded extends Error {}

class RunNotStarted extends Error {
  constructor(
    readonly text: Text,
    readonly hint?: Text,
  ) {
    super(textIn(text, 'en'));
  }
}

const ecsOf = (rt: Runtime, plan: RunPlan) => rt.aws.ecs(plan.region, envAccess(rt.config, plan.environment));
const againCommand = (plan: RunPlan) => code(`/ecs run ${plan.alias} ${plan.task}`);

/** The unreadable-plan end, as a service change has it: nothing started, recorded, then failed. */
async function failUnreadable(rt: Runtime, req: ChangeRequest): Promise<void> {
  const message = M.in(rt.people.workspace)('unreadablePlan');
  const ex = runFactsOf(req);
  if (!ex.updateAttempts && !ex.notStarted) await recordExecution(rt, req.id, { notStarted: notStartedFact({ message }) }, 'did not run');
  await finishExecution(rt, req.id, 'failed', message);
}

/**
 * Carry out run request `req` (the 'execute' job, with the request's lease held): check that the
 * service still runs what the request showed, record the attempt, RunTask, record the task, and
 * report it. `reportBounded`: the executor's bounded reporting (Slack failing or slow never stops
 * an approved run).
 */
export async function executeRun(
  rt: Runtime,
  req: ChangeRequest,
  resumed: boolean,
  log: Logger,
  lease: Lease,
  reportBounded: (what: string, op: () => Promise<unknown>) => Promise<void>,
): Promise<void> {
  const w = rt.people.workspace;
  const plan = parseRunPlan(req.plan);
  if (!plan) {
    await failUnreadable(rt, req);
    return;
  }
  let ex = runFactsOf(req);
  if (ex.notStarted) {
    await finishRunNotStarted(rt, req, plan, ex.notStarted);
    return;
  }
  if (ex.runTaskArn || ex.ended) {
    await refreshRun(rt, req, { force: true });
    return;
  }
  const startedAt = ex.startedAt ?? startedAtOf(req, factsOf(req));
  if (ex.startedAt === undefined) req = await recordExecution(rt, req.id, { startedAt }, 'execution started');
  await reportBounded('show the status card', () => showCard(rt, req, runStatusCard({ plan, phase: 'starting' }, w), { force: true }));
  const ecs = rt.aws.ecs(plan.region, changeAccess(rt, req, plan));
  let task: Task;
  try {
    // 1. The service as it is now: the run is what the request showed, or nothing.
    const service = await withThrottleRetry(() => describeService(ecs, plan.cluster, plan.serviceName));
    if (service.status && service.status !== 'ACTIVE')
      throw new RunNotStarted(
        M.lazy('notActive', { service: code(plan.alias), status: code(service.status) }),
        M.lazy('requestAgain', { command: againCommand(plan) }),
      );
    if (service.taskDefinition && service.taskDefinition !== plan.taskDefinition)
      throw new RunNotStarted(
        M.lazy('moved', { now: code(arnTail(service.taskDefinition)), planned: code(arnTail(plan.taskDefinition)) }),
        M.lazy('requestAgain', { command: againCommand(plan) }),
      );
    // 2. A crashed attempt may have started it: the request's own task, found by its startedBy.
    const found = resumed && ex.updateAttempts ? await findOwnTask(rt, plan, req.id) : undefined;
    task = found ?? (await startTask());
  } catch (err) {
    if (err instanceof RunSuperseded) {
      log.warn('run: the request was settled while this worker ran; nothing was started by it', { reason: err.message });
      return;
    }
    const beforeAny = !runFactsOf(req).updateAttempts;
    if (err instanceof RunNotStarted || (err instanceof BotError && beforeAny && (isAwsUnanswered(err) || !isRetryable(err)))) {
      const message = err instanceof RunNotStarted ? textIn(err.text, w) : (err as BotError).userMessageIn(w);
      const hint = err instanceof RunNotStarted ? (err.hint ? textIn(err.hint, w) : undefined) : (err as BotError).hintIn(w);
      log.info('run: the task was not started', { reason: err.message });
      const why = notStartedFact({ message, ...(hint ? { hint } : {}) });
      req = await recordExecution(rt, req.id, { notStarted: why }, 'did not run');
      await finishRunNotStarted(rt, req, plan, why);
      return;
    }
    throw err;
  }
  // Started: recorded before anyone is told; from here on the events and the tick follow it.
  req = await recordExecution(rt, req.id, { runTaskArn: task.taskArn, runStartedAt: rt.now() }, 'task started');
  await postOnce(rt, req, 'started', runStartedMilestone(plan, task.taskArn!, w)).catch((err: unknown) =>
    log.warn('run: task started, the started reply failed', { err }),
  );
  await refreshRun(rt, req, { force: true, task }).catch((err: unknown) => log.warn('run: task started, the first report failed', { err }));
  if (rt.mode === 'local') {
    const { watchRollout } = await import('./watch');
    // The poll runs what the tick would: the task read, and its stop at the time limit (in this process: npm start has one).
    const refresh = (r: Runtime, id: string) => refreshRun(r, id, { stop: 'here' });
    void watchRollout(rt, req.id, { maxMs: plan.timeoutMs + GIVE_UP_AFTER_LIMIT_MS, refresh }).catch((err) =>
      rt.log.error('local run watcher stopped', { requestId: req.id, err }),
    );
  }

  /** RunTask, recorded as an attempt with the lease's check first; a refusal (nothing started) throws RunNotStarted. */
  async function startTask(): Promise<Task> {
    const attempts = (ex.updateAttempts ?? 0) + 1;
    const attempting = await lease.attempt(attempts);
    if (!attempting) throw new RunSuperseded('the request no longer runs under this worker');
    req = attempting;
    ex = runFactsOf(req);
    try {
      const res = await withThrottleRetry(() => runTaskRaw(ecs, runTaskInput(plan!, req.id)));
      const started = res.tasks.find((t) => t.taskArn);
      if (started) return started;
      const failures = res.failures.map((f) => [f.reason, f.detail].filter(Boolean).join(' ')).filter(Boolean);
      if (failures.length)
        throw new RunNotStarted(
          M.lazy('placement', { failures: oneLine(failures.join('; '), 400) }),
          M.lazy('placementHint', { service: plan!.alias }),
        );
      throw new RunNotStarted(M.lazy('noTask'), M.lazy('requestAgain', { command: againCommand(plan!) }));
    } catch (err) {
      if (err instanceof RunNotStarted) throw err;
      if (passRoleDenied(err)) throw new RunNotStarted(M.lazy('passRole'), M.lazy('passRoleHint'));
      const mapped = awsError(err, {
        action: runActions.lazy('runTask', { td: arnTail(plan!.taskDefinition) }),
        permission: 'ecs:RunTask',
      });
      if (isDefiniteRefusal(err)) throw new RunNotStarted(mapped.text, mapped.hintText);
      // Unknown outcome: the request's task, if the call started it.
      const own = await findOwnTask(rt, plan!, req.id).catch(() => undefined);
      if (own) return own;
      if (attempts >= MAX_RUN_ATTEMPTS)
        throw new RunNotStarted(M.lazy('notAccepted', { n: attempts, why: (l) => mapped.userMessageIn(l) }));
      log.warn('run: RunTask outcome unknown; the job will be retried', { err, attempts });
      throw mapped;
    }
  }
}

/** The task request `requestId` started (its startedBy), described; undefined when there is none. */
async function findOwnTask(rt: Runtime, plan: RunPlan, requestId: string): Promise<Task | undefined> {
  const ecs = ecsOf(rt, plan);
  const arns = await withThrottleRetry(() => listTasksStartedBy(ecs, plan.cluster, startedByOf(requestId), requestId));
  if (!arns.length) return undefined;
  const tasks = await withThrottleRetry(() => describeTasks(ecs, plan.cluster, arns.slice(0, 1)));
  return tasks.find((t) => t.taskArn);
}

/** End a run that did not start: the reply (why, what to do; broadcast), the card, then the request failed. Repeatable. */
async function finishRunNotStarted(rt: Runtime, req: ChangeRequest, plan: RunPlan, why: NotStarted): Promise<void> {
  const w = rt.people.workspace;
  await postOnce(rt, req, 'final', runNotStartedMilestone(plan, why.message, why.hint, w, audienceOf(req)), { broadcast: true });
  await showCard(rt, req, runStatusCard({ plan, phase: 'failed', note: why.message }, w), { final: true });
  await finishExecution(rt, req.id, 'failed', M.in(w)('didNotRun', { message: why.message }).slice(0, 600));
}

/** The card's phase for a task not yet stopped. */
function livePhase(task: Task, stopAsked: boolean): RunPhase {
  const s = task.lastStatus ?? '';
  if (stopAsked || ['DEACTIVATING', 'STOPPING', 'DEPROVISIONING'].includes(s)) return 'stopping';
  return s === 'RUNNING' ? 'running' : 'pending';
}

export type RunRefreshResult = 'not_running' | 'not_started' | 'in_progress' | 'completed' | 'failed';

/**
 * Bring a run's thread up to date with its task (any number of times, concurrently: the end is
 * recorded once). Stops the task at its time limit. Throws when Slack or AWS could not be reached:
 * callers log it, and the next event or tick tries again.
 */
export async function refreshRun(
  rt: Runtime,
  idOrReq: string | ChangeRequest,
  opts: { force?: boolean; task?: Task; stop?: 'here' | 'dispatch' } = {},
): Promise<RunRefreshResult> {
  const req = typeof idOrReq === 'string' ? await getRequest(rt.redis, idOrReq) : idOrReq;
  if (!req || req.state !== 'running') return 'not_running';
  const plan = parseRunPlan(req.plan);
  if (!plan) {
    await failUnreadable(rt, req);
    return 'failed';
  }
  const ex = runFactsOf(req);
  if (ex.ended) {
    await finishRunEnded(rt, req, plan, ex.ended);
    return ex.ended.phase;
  }
  if (ex.notStarted) {
    await finishRunNotStarted(rt, req, plan, ex.notStarted);
    return 'failed';
  }
  if (!ex.runTaskArn) return 'not_started';
  const w = rt.people.workspace;
  const now = rt.now();
  const since = ex.runStartedAt ?? startedAtOf(req, factsOf(req));
  let task = opts.task?.taskArn === ex.runTaskArn ? opts.task : undefined;
  if (!task) {
    try {
      [task] = await withThrottleRetry(() => describeTasks(ecsOf(rt, plan), plan.cluster, [ex.runTaskArn!]));
    } catch (err) {
      // One failed read is no answer; past the give-up time it ends as not confirmed, freeing the service.
      if (now - since <= plan.timeoutMs + GIVE_UP_AFTER_LIMIT_MS) throw err;
      const why = err instanceof BotError ? err.userMessageIn(w) : '';
      const text = M.in(w)('unreadable', { task: code(arnTail(ex.runTaskArn)), duration: formatDuration(now - since, w), why });
      return recordEnd(rt, req, plan, { phase: 'failed', reasons: [text], unconfirmed: true, at: now });
    }
  }
  if (!task) {
    // DescribeTasks may not list a task RunTask just started (ECS is eventually consistent): not an answer yet.
    if (now - since < MISSING_GRACE_MS) return 'in_progress';
    // ECS forgets a stopped task after about an hour: its end went unseen.
    return recordEnd(rt, req, plan, {
      phase: 'failed',
      reasons: [M.in(w)('gone', { task: code(arnTail(ex.runTaskArn)) })],
      unconfirmed: true,
      at: now,
    });
  }
  const outcome = runOutcome(task, plan.container);
  if (outcome) {
    const timedOut = ex.runStopAt !== undefined;
    const phase = timedOut ? 'failed' : outcome.phase;
    const ended: RunEnded = { phase, reasons: [], outcome: keptOutcome(outcome), ...(timedOut ? { timedOut } : {}), at: now };
    ended.reasons = [phase === 'completed' ? M.in(w)('exitedZero', { task: code(plan.task) }) : runFailureWhy(plan, ended, w)];
    return recordEnd(rt, req, plan, ended, task);
  }
  // Still going: stopped at its time limit, given up if a stop does not take.
  if (ex.runStopAt === undefined && now - since > plan.timeoutMs) {
    // The tick notices it (an event may come too late or not at all) and hands the stop to the worker,
    // whose role may send StopTask (src/handlers/worker-jobs.ts); the 'run-stop' job sends it.
    if (opts.stop === 'here') await stopAtLimit(rt, req, plan, ex.runTaskArn, task);
    else if (opts.stop === 'dispatch') await rt.dispatcher.dispatch({ kind: 'run-stop', id: `run-stop-${req.id}`, requestId: req.id });
    else await showCard(rt, req, runStatusCard({ plan, phase: livePhase(task, false), taskArn: ex.runTaskArn }, w), { force: opts.force });
    return 'in_progress';
  }
  if (ex.runStopAt !== undefined && now - ex.runStopAt > STOP_GIVE_UP_MS) {
    const text = M.in(w)('notStopping', { task: code(arnTail(ex.runTaskArn)), duration: formatDuration(now - ex.runStopAt, w) });
    return recordEnd(rt, req, plan, { phase: 'failed', reasons: [text], unconfirmed: true, timedOut: true, at: now });
  }
  const view: RunView = {
    plan,
    phase: livePhase(task, ex.runStopAt !== undefined),
    taskArn: ex.runTaskArn,
    startedAt: task.startedAt ? new Date(task.startedAt).getTime() : since,
  };
  await showCard(rt, req, runStatusCard(view, w), { force: opts.force });
  return 'in_progress';
}

/** The outcome as kept in the recorded end: ECS's reason within its bound. */
function keptOutcome(o: RunOutcome): RunOutcome {
  return o.reason && Buffer.byteLength(o.reason, 'utf8') > REASON_MAX_BYTES
    ? { ...o, reason: `${cutUtf8(o.reason, REASON_MAX_BYTES - 3)}…` }
    : o;
}

/** StopTask at the run's time limit: recorded (the end will say it timed out), then said in the thread. */
async function stopAtLimit(rt: Runtime, req: ChangeRequest, plan: RunPlan, taskArn: string, task: Task): Promise<void> {
  const w = rt.people.workspace;
  try {
    await withThrottleRetry(() =>
      stopTaskRaw(
        ecsOf(rt, plan),
        plan.cluster,
        taskArn,
        `ecs-chatops: ran longer than its ${formatDuration(plan.timeoutMs, 'en')} limit (request ${req.id})`,
      ),
    );
  } catch (err) {
    const why = awsError(err, {
      action: runActions.lazy('stopTask', { task: arnTail(taskArn) }),
      permission: 'ecs:StopTask',
    }).userMessageIn(w);
    rt.log.warn('run: could not stop the task at its time limit; trying again at the next tick', { requestId: req.id, err });
    await showCard(rt, req, runStatusCard({ plan, phase: livePhase(task, false), taskArn, note: runStopFailedText(plan, why, w) }, w), {
      force: true,
    });
    return;
  }
  const stopped = await recordExecution(rt, req.id, { runStopAt: rt.now() }, 'task stop requested');
  await postOnce(rt, stopped, 'stopping', runStoppingMilestone(plan, taskArn, w));
  await showCard(rt, stopped, runStatusCard({ plan, phase: 'stopping', taskArn }, w), { force: true });
}

/** Record the run's end once (the first recorded wins), then finish it from what was recorded. */
async function recordEnd(rt: Runtime, req: ChangeRequest, plan: RunPlan, mine: RunEnded, task?: Task): Promise<'completed' | 'failed'> {
  const audit = `${mine.unconfirmed ? UNCONFIRMED_AUDIT : mine.phase}${mine.reasons[0] ? `: ${mine.reasons[0]}` : ''}`;
  const recorded = await pressExecution(rt, req.id, 'bot', 'run ended', audit, 'ended', mine);
  const ended = recorded ? runFactsOf(recorded).ended : undefined;
  if (!recorded || !ended) throw new Error(`the end of run ${req.id} could not be recorded`);
  await finishRunEnded(rt, recorded, plan, ended, ended.at === mine.at ? task : undefined);
  return ended.phase;
}

/**
 * Finish a run from its recorded end: the final reply (once; a failure is broadcast, with the
 * stopped task's details and its container's last log lines), the card in its final state, then the
 * request finished (freeing the service). Repeatable.
 */
async function finishRunEnded(rt: Runtime, req: ChangeRequest, plan: RunPlan, ended: RunEnded, task?: Task): Promise<void> {
  const w = rt.people.workspace;
  const ex = runFactsOf(req);
  const startedAt = ex.runStartedAt ?? startedAtOf(req, factsOf(req));
  let stopped: StoppedTaskInfo | undefined;
  if (ended.phase === 'failed' && !ended.unconfirmed && ex.runTaskArn) {
    stopped = await stoppedInfo(rt, plan, ex.runTaskArn, startedAt, task).catch((err: unknown) => {
      rt.log.warn('run: cannot read the stopped task for the final reply', { requestId: req.id, err });
      return undefined;
    });
  }
  const took =
    ended.outcome?.startedAt !== undefined && ended.outcome.stoppedAt !== undefined
      ? ended.outcome.stoppedAt - ended.outcome.startedAt
      : undefined;
  await postOnce(rt, req, 'final', runFinalMilestone(plan, ended, took, stopped, w, audienceOf(req)), {
    broadcast: ended.phase === 'failed',
  });
  const phase: RunPhase = ended.unconfirmed ? 'unconfirmed' : ended.phase;
  const view: RunView = {
    plan,
    phase,
    ...(ex.runTaskArn ? { taskArn: ex.runTaskArn } : {}),
    ...(ended.outcome?.startedAt !== undefined ? { startedAt: ended.outcome.startedAt } : {}),
    ...(ended.outcome ? { outcome: ended.outcome } : {}),
  };
  await showCard(rt, req, runStatusCard(view, w), { final: true });
  const detail = ended.reasons[0] ? oneLine(ended.reasons[0], 500) : '';
  const done = await finishExecution(rt, req.id, ended.phase === 'completed' ? 'succeeded' : 'failed', detail);
  rt.log.info('run finished', {
    requestId: req.id,
    phase: ended.phase,
    exitCode: ended.outcome?.exitCode,
    unconfirmed: !!ended.unconfirmed,
    state: done.state,
  });
}

/** The stopped task as the final reply shows it, with the last log lines of the command's container. */
async function stoppedInfo(rt: Runtime, plan: RunPlan, taskArn: string, since: number, known?: Task): Promise<StoppedTaskInfo | undefined> {
  const ecs = ecsOf(rt, plan);
  const task = known ?? (await withThrottleRetry(() => describeTasks(ecs, plan.cluster, [taskArn])))[0];
  if (!task) return undefined;
  const [info] = relevantStoppedTasks([task], task.taskDefinitionArn ?? plan.taskDefinition, 0, 1);
  if (!info || !task.startedAt) return info;
  try {
    const td = (await withThrottleRetry(() => describeTaskDefinition(ecs, plan.taskDefinition))).taskDefinition;
    const start = (task.createdAt?.getTime() ?? since) - 60_000;
    const lines = await containerLogLines(
      rt,
      plan,
      td,
      plan.taskDefinition,
      plan.container,
      info.taskId,
      start,
      (info.stoppedAt ?? rt.now()) + 60_000,
    );
    if (lines.length) info.logLines = lines.slice(-10);
  } catch (err) {
    rt.log.warn('run: cannot read the task definition for log lines', { task: info.taskId, err });
  }
  return info;
}

/**
 * A run request's turn in the deadline tick: followed when its task is known; settled when its
 * worker stopped before recording one, once that attempt is certainly over (its invocation's end
 * passed by `settleMarginMs` and no worker holds it). With no RunTask attempt recorded nothing
 * started; with one, the request's task is looked for (its startedBy) and followed when found.
 */
export async function tickRun(rt: Runtime, req: ChangeRequest, settle: { marginMs: number; legacyAttemptMs: number }): Promise<void> {
  const ex = runFactsOf(req);
  if (ex.runTaskArn || ex.ended || ex.notStarted) {
    await refreshRun(rt, req, { stop: 'dispatch' });
    return;
  }
  const startedAt = startedAtOf(req, factsOf(req));
  if (rt.now() < (req.attemptUntil ?? startedAt + settle.legacyAttemptMs) + settle.marginMs) return;
  if (await leaseHeld(rt, req.id)) return;
  const plan = parseRunPlan(req.plan);
  if (!plan) {
    await failUnreadable(rt, req);
    return;
  }
  const w = rt.people.workspace;
  const again = M.in(w)('requestAgain', { command: againCommand(plan) });
  if (ex.updateAttempts) {
    const own = await findOwnTask(rt, plan, req.id);
    if (own?.taskArn) {
      const adopted = await recordExecution(
        rt,
        req.id,
        { runTaskArn: own.taskArn, runStartedAt: own.createdAt?.getTime() ?? rt.now() },
        'task adopted',
      );
      await postOnce(rt, adopted, 'started', runStartedMilestone(plan, own.taskArn, w));
      await refreshRun(rt, adopted, { force: true, task: own });
      return;
    }
  }
  const why = notStartedFact({ message: M.in(w)(ex.updateAttempts ? 'stalledUnknown' : 'stalled'), hint: again });
  const recorded = await recordExecution(rt, req.id, { notStarted: why }, 'did not run');
  await finishRunNotStarted(rt, recorded, plan, why);
}
