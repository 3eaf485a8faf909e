import type { TaskContainer, TaskDetail } from '../aws/ecs-events';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
/**
 * Which stopped tasks are failures worth an alert, and what went wrong in plain words.
 * Pure: a function of the event's detail and the environment's alert settings.
 *
 * Stop codes: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html (stopCode);
 * error messages: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
 */

export type FailureKind =
  /** Out of memory: OutOfMemoryError in a reason, or exit code 137 (SIGKILL). */
  | 'oom'
  /** CannotPullContainerError: the image could not be pulled. */
  | 'image-pull'
  /** ResourceInitializationError: secrets, registry auth or log setup could not be fetched. */
  | 'secrets'
  /** Load balancer or container health checks failed and ECS replaced the task. */
  | 'health-check'
  /** CannotStartContainerError / CannotCreateContainerError. */
  | 'cannot-start'
  /** TaskFailedToStart for any other reason (placement, network, Fargate capacity…). */
  | 'failed-to-start'
  /** An essential container exited with a non-zero code. */
  | 'exit'
  /** A routine stop (scale-in, deployment, user, Spot) reported because includeRoutineStops is on. */
  | 'routine';

export interface TaskFailure {
  kind: FailureKind;
  /** Groups failures in an incident ("OutOfMemoryError ×7"): stable and short. */
  reasonKey: string;
  /** How the reason is written in the summary. */
  reasonLabel: string;
  /** The container that failed, when one can be named. */
  container?: string;
  exitCode?: number | null;
  /** The container's own reason (e.g. "OutOfMemoryError: Container killed due to memory usage"). */
  containerReason?: string;
  stopCode?: string;
  stoppedReason?: string;
}

type StopDecision = { alert: true; failure: TaskFailure } | { alert: false; why: string };

interface ClassifyOptions {
  /** environments.<env>.alerts.includeRoutineStops */
  includeRoutineStops: boolean;
  /** The service's main container (chatops.yml `container`), preferred when several failed. */
  serviceContainer?: string;
}

/** Exit codes a container returns when ECS stops it on purpose (SIGTERM, or SIGKILL after stopTimeout). */
const STOP_SIGNAL_EXITS = new Set([137, 143]);

const ERROR_NAME = /\b([A-Z][A-Za-z]+Error)\b/;

function exitOf(c: TaskContainer): number | undefined {
  return typeof c.exitCode === 'number' ? c.exitCode : undefined;
}

function isOom(c: TaskContainer): boolean {
  return /OutOfMemory/i.test(c.reason ?? '') || exitOf(c) === 137;
}

/** The container to blame: OOM first, then a non-zero exit, then one with a reason; the service's container wins ties. */
function culprit(containers: readonly TaskContainer[], preferred?: string): TaskContainer | undefined {
  const rank = (c: TaskContainer): number => {
    if (/OutOfMemory/i.test(c.reason ?? '')) return 0;
    const code = exitOf(c);
    if (code !== undefined && code !== 0) return 1;
    if (c.reason) return 2;
    return 3;
  };
  const sorted = [...containers].sort((a, b) => rank(a) - rank(b) || Number(b.name === preferred) - Number(a.name === preferred));
  const first = sorted[0];
  return first && rank(first) < 3 ? first : (containers.find((c) => c.name === preferred) ?? first);
}

function withContainer(
  failure: Omit<TaskFailure, 'container' | 'exitCode' | 'containerReason' | 'stopCode' | 'stoppedReason'>,
  d: TaskDetail,
  c: TaskContainer | undefined,
): TaskFailure {
  return {
    ...failure,
    container: c?.name,
    exitCode: c ? (typeof c.exitCode === 'number' ? c.exitCode : null) : undefined,
    containerReason: c?.reason,
    stopCode: d.stopCode,
    stoppedReason: d.stoppedReason,
  };
}

/** Failure kind and grouping key for an error text (stoppedReason or a container's reason). */
function kindFromText(text: string): { kind: FailureKind; key: string } | undefined {
  if (/CannotPullContainerError/i.test(text)) return { kind: 'image-pull', key: 'CannotPullContainerError' };
  if (/ResourceInitializationError/i.test(text)) return { kind: 'secrets', key: 'ResourceInitializationError' };
  if (/OutOfMemory/i.test(text)) return { kind: 'oom', key: 'OutOfMemoryError' };
  if (/CannotStartContainerError/i.test(text)) return { kind: 'cannot-start', key: 'CannotStartContainerError' };
  if (/CannotCreateContainerError/i.test(text)) return { kind: 'cannot-start', key: 'CannotCreateContainerError' };
  if (/health ?checks?/i.test(text))
    return { kind: 'health-check', key: /ELB|load balancer|target/i.test(text) ? 'ELB health checks' : 'container health checks' };
  return undefined;
}

const labelFor = (key: string): string => (key === 'ELB health checks' || key === 'container health checks' ? `failed ${key}` : key);

/**
 * Decide whether a task state change is an alert.
 *
 * Alerts: TaskFailedToStart; an essential container that exited non-zero; out of memory; failed
 * health checks; image pull errors; secrets that could not be fetched.
 * Not alerts (unless includeRoutineStops): tasks still running, scale-in and deployment stops
 * (ServiceSchedulerInitiated with exit 0, or the 137/143 a container returns when it is told to stop),
 * UserInitiated stops, Spot interruptions, exit code 0.
 */
export function classifyTaskStop(d: TaskDetail, opts: ClassifyOptions): StopDecision {
  if (d.lastStatus !== 'STOPPED') return { alert: false, why: `task is ${d.lastStatus}, not STOPPED` };
  const containers = d.containers ?? [];
  const c = culprit(containers, opts.serviceContainer);
  const stopCode = d.stopCode ?? '';
  const stoppedReason = d.stoppedReason ?? '';
  const fromReason = kindFromText(stoppedReason) ?? (c?.reason ? kindFromText(c.reason) : undefined);
  const routine = (why: string): StopDecision => {
    if (!opts.includeRoutineStops) return { alert: false, why };
    const key = stopCode || 'stopped';
    return { alert: true, failure: withContainer({ kind: 'routine', reasonKey: key, reasonLabel: key }, d, c) };
  };

  if (stopCode === 'TaskFailedToStart') {
    const k = fromReason ?? { kind: 'failed-to-start' as const, key: ERROR_NAME.exec(stoppedReason)?.[1] ?? 'TaskFailedToStart' };
    return { alert: true, failure: withContainer({ kind: k.kind, reasonKey: k.key, reasonLabel: labelFor(k.key) }, d, c) };
  }

  // OOM wins over everything else, whoever stopped the task.
  const oom = containers.find((x) => /OutOfMemory/i.test(x.reason ?? ''));
  if (oom)
    return { alert: true, failure: withContainer({ kind: 'oom', reasonKey: 'OutOfMemoryError', reasonLabel: 'OutOfMemoryError' }, d, oom) };

  if (fromReason && fromReason.kind !== 'oom') {
    return {
      alert: true,
      failure: withContainer({ kind: fromReason.kind, reasonKey: fromReason.key, reasonLabel: labelFor(fromReason.key) }, d, c),
    };
  }

  if (stopCode === 'UserInitiated') return routine('stopped by a user (UserInitiated)');
  if (stopCode === 'SpotInterruption' || stopCode === 'TerminationNotice') return routine(`stopped by AWS (${stopCode})`);

  const code = c ? exitOf(c) : undefined;
  if (stopCode === 'ServiceSchedulerInitiated') {
    // The scheduler stopped it (scale-in, deployment, rebalancing): the container's 143/137 is its answer to the stop signal.
    if (code === undefined || code === 0 || STOP_SIGNAL_EXITS.has(code))
      return routine(`stopped by the service scheduler (${stoppedReason || 'scale-in or deployment'})`);
  }
  if (code !== undefined && code !== 0) {
    if (c && isOom(c))
      return { alert: true, failure: withContainer({ kind: 'oom', reasonKey: 'OutOfMemoryError', reasonLabel: 'OutOfMemoryError' }, d, c) };
    const key = `exit code ${code}`;
    return { alert: true, failure: withContainer({ kind: 'exit', reasonKey: key, reasonLabel: key }, d, c) };
  }
  if (code === 0) return routine('the containers exited with code 0');
  return routine(`stopped without a failure (${stopCode || 'no stop code'}${stoppedReason ? `: ${stoppedReason}` : ''})`);
}

const M = defineMessages('alerts.classify', {
  exit1: {
    en: 'a generic application error (an unhandled exception, a failed start-up check or bad configuration)',
    ko: '일반적인 애플리케이션 오류 (처리되지 않은 예외, 시작 점검 실패 또는 잘못된 설정)',
  },
  exit2: { en: 'a misused shell command or invalid arguments', ko: '잘못 쓴 셸 명령 또는 잘못된 인수' },
  exit126: { en: 'the command is not executable', ko: '명령을 실행할 수 없음' },
  exit127: {
    en: 'the command was not found in the image (check the entry point and command)',
    ko: '이미지에서 명령을 찾지 못함 (엔트리포인트와 명령을 확인하세요)',
  },
  exit134: {
    en: 'the process aborted (SIGABRT: a failed assertion or a crash in native code)',
    ko: '프로세스 중단 (SIGABRT: 실패한 assertion 또는 네이티브 코드의 크래시)',
  },
  exit137: {
    en: 'the process was killed (SIGKILL), most often for running out of memory',
    ko: '프로세스가 강제 종료됨 (SIGKILL), 대개 메모리 부족 때문',
  },
  exit139: { en: 'the process crashed with a segmentation fault (SIGSEGV)', ko: '세그멘테이션 오류로 프로세스가 크래시됨 (SIGSEGV)' },
  exit143: { en: 'the process was terminated (SIGTERM)', ko: '프로세스가 종료됨 (SIGTERM)' },
  whoContainer: { en: 'Container {container}', ko: '컨테이너 {container}' },
  whoAny: { en: 'The container', ko: '컨테이너' },
  oom: {
    en: "{who} ran out of memory and was killed{exit}. Raise its memory (or the task's) in the task definition, or look for a leak or a load spike.",
    ko: '{who}의 메모리가 부족해 강제 종료되었습니다{exit}. 작업 정의에서 컨테이너(또는 작업)의 메모리를 늘리거나, 메모리 누수나 부하 급증을 확인하세요.',
  },
  imagePull: {
    en: 'ECS could not pull the image. Check that the tag exists in the repository, that the task can reach the registry (NAT gateway or VPC endpoints in private subnets), and that the execution role may pull from it.',
    ko: 'ECS가 이미지를 가져오지 못했습니다. 리포지토리에 태그가 있는지, 작업이 레지스트리에 닿을 수 있는지(프라이빗 서브넷이면 NAT 게이트웨이나 VPC 엔드포인트), 실행 역할에 가져오기 권한이 있는지 확인하세요.',
  },
  secrets: {
    en: "ECS could not prepare the task, most often because it could not fetch its secrets (Secrets Manager / SSM Parameter Store) or registry credentials. Check the execution role's permissions, that the secret exists, and the network route to those services.",
    ko: 'ECS가 작업을 준비하지 못했습니다. 대개 시크릿(Secrets Manager / SSM Parameter Store)이나 레지스트리 자격 증명을 가져오지 못한 경우입니다. 실행 역할의 권한, 시크릿이 있는지, 그 서비스들로 가는 네트워크 경로를 확인하세요.',
  },
  healthCheck: {
    en: 'The task failed its {check} and ECS replaced it. The app may start too slowly for the grace period, listen on another port, or fail the health check path.',
    ko: '작업이 {check}에 실패해 ECS가 교체했습니다. 앱이 유예 기간 안에 시작하지 못했거나, 다른 포트를 쓰고 있거나, 헬스 체크 경로가 실패할 수 있습니다.',
  },
  elbChecks: { en: 'ELB health checks', ko: 'ELB 헬스 체크' },
  containerChecks: { en: 'container health checks', ko: '컨테이너 헬스 체크' },
  cannotStart: {
    en: 'The container runtime could not create or start the container: check the command, mounts, ulimits and the image platform (arm64/x86_64).',
    ko: '컨테이너 런타임이 컨테이너를 만들거나 시작하지 못했습니다. 명령, 마운트, ulimit, 이미지 플랫폼(arm64/x86_64)을 확인하세요.',
  },
  failedToStart: {
    en: 'ECS could not start the task (placement, capacity, network or configuration). The reason below says which.',
    ko: 'ECS가 작업을 시작하지 못했습니다 (배치, 용량, 네트워크 또는 설정). 아래 이유에 어느 쪽인지 나옵니다.',
  },
  exit: {
    en: '{who} is essential and exited with code {code}{meaning}, so ECS stopped the task. The last log lines usually say why.',
    ko: '{who}는 필수 컨테이너인데 종료 코드 {code}{meaning}로 종료되어 ECS가 작업을 중지했습니다. 대개 마지막 로그에 이유가 있습니다.',
  },
  meaning: { en: ': {meaning}', ko: ' ({meaning})' },
  oomExit: { en: ' (exit 137)', ko: ' (종료 코드 137)' },
  routine: {
    en: 'A routine stop, reported because includeRoutineStops is on for this environment.',
    ko: '일상적인 중지입니다. 이 환경에 includeRoutineStops가 켜져 있어 알립니다.',
  },
});

const EXIT_CODES = [1, 2, 126, 127, 134, 137, 139, 143] as const;

export function exitCodeMeaning(code: number, locale: Locale = 'en'): string | undefined {
  return (EXIT_CODES as readonly number[]).includes(code) ? M.in(locale)(`exit${code as (typeof EXIT_CODES)[number]}`) : undefined;
}

/** Two or three sentences a tired person can act on, in `locale`. Mrkdwn-free plain text (callers escape it). */
export function explainFailure(f: TaskFailure, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const who = f.container ? t('whoContainer', { container: f.container }) : t('whoAny');
  switch (f.kind) {
    case 'oom':
      return t('oom', { who, exit: f.exitCode === 137 ? t('oomExit') : '' });
    case 'image-pull':
      return t('imagePull');
    case 'secrets':
      return t('secrets');
    case 'health-check': {
      const check =
        f.reasonKey === 'ELB health checks'
          ? t('elbChecks')
          : f.reasonKey === 'container health checks'
            ? t('containerChecks')
            : f.reasonKey;
      return t('healthCheck', { check });
    }
    case 'cannot-start':
      return t('cannotStart');
    case 'failed-to-start':
      return t('failedToStart');
    case 'exit': {
      const meaning = typeof f.exitCode === 'number' ? exitCodeMeaning(f.exitCode, locale) : undefined;
      return t('exit', { who, code: String(f.exitCode), meaning: meaning ? t('meaning', { meaning }) : '' });
    }
    case 'routine':
      return t('routine');
  }
}

/** "1.4.2" from "…/shop/web:1.4.2"; a short digest for "…@sha256:…"; undefined for neither. */
export function imageTagOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1).slice(0, 19);
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return image.slice(colon + 1);
  return 'latest';
}
