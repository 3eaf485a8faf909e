/**
 * What a failed task's stop means, in plain words a tired person can act on, in English or Korean.
 * Worker-only (the alert pipeline, the thread replies and the rollout card's stopped tasks): the
 * explanation is written once, in the workspace's language, when the incident records the failed
 * task (TaskFacts.explanation), so the Slack function can re-render the alert without these texts
 * (kept out of dist/slack.js).
 */
import { classifyTaskStop, stoppedDetail, type StoppedTaskLike, type TaskFailure } from './task-stop';
import { explainEcsReason } from './ecs-reasons';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('alerts.explain', {
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
  whoContainer: { en: 'Container {container}', ko: '{container} 컨테이너' },
  whoAny: { en: 'The container', ko: '컨테이너' },
  oom: {
    en: "{who} ran out of memory and was killed{exit}. Raise its memory (or the task's) in the task definition, or look for a leak or a load spike.",
    ko: '{who}의 메모리가 부족해 강제 종료되었습니다{exit}. 작업 정의에서 컨테이너(또는 작업)의 메모리를 늘리거나, 메모리 누수나 부하 급증을 확인하세요.',
  },
  oomUse: {
    en: ' `/ecs rightsize {alias}` shows its memory use over the last 14 days.',
    ko: ' 최근 14일 메모리 사용량: `/ecs rightsize {alias}`',
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
    ko: '필수 {who}이(가) 종료 코드 {code}(으)로 종료되어 ECS가 작업을 중지했습니다.{meaning} 대개 마지막 로그에 이유가 있습니다.',
  },
  // Korean: its own sentence, as a meaning may hold parentheses of its own.
  meaning: { en: ': {meaning}', ko: ' 종료 코드의 뜻: {meaning}.' },
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

/**
 * Two or three sentences a tired person can act on, in `locale`. Plain text but for an inline-code
 * command (callers escape it). With the service's `alias` (an alert), running out of memory also
 * names the command that shows the service's memory use.
 */
export function explainFailure(f: TaskFailure, locale: Locale = 'en', alias?: string): string {
  const t = M.in(locale);
  const who = f.container ? t('whoContainer', { container: f.container }) : t('whoAny');
  switch (f.kind) {
    case 'oom':
      return t('oom', { who, exit: f.exitCode === 137 ? t('oomExit') : '' }) + (alias ? t('oomUse', { alias }) : '');
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

/**
 * What a stopped task's stop means in plain words, in `locale`: the alerts' explanation
 * (explainFailure) for a failure, or for a task that failed to start the line of
 * src/aws/ecs-reasons.ts its reason is one of (IPs, capacity…). Nothing for a routine stop
 * (scaling, a deployment replacing tasks, a user's StopTask) or a reason not known.
 * Shared by the rollout card and replies (src/deploy/card.ts), /ecs status and /ecs tasks --stopped.
 * With the service's `alias`, running out of memory also names `/ecs rightsize` (as alerts do).
 */
export function stoppedTaskExplanation(task: StoppedTaskLike, locale: Locale, alias?: string): string | undefined {
  const decision = classifyTaskStop(stoppedDetail(task), { includeRoutineStops: false });
  if (!decision.alert) return undefined;
  // The alerts' generic "could not start" line says no more than ECS's reason on the line above.
  if (decision.failure.kind === 'failed-to-start') return explainEcsReason(task.stoppedReason, locale);
  return explainFailure(decision.failure, locale, alias);
}
