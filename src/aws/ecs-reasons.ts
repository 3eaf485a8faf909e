/**
 * ECS's own words about a service (a service action event's `reason`, a deployment's
 * `rolloutStateReason`, a service event message) are English. Shown as they are (they are the
 * truth), they get one short line in plain words next to them, in the reader's language: what it
 * means and what to check. Only for the reasons recognised here; any other text gets no line, never
 * a guess. Pure; worker-side (the alert pipeline writes the line into the incident's facts, so the
 * Slack function re-renders the alert without these texts).
 */
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('aws.ecs-reasons', {
  cpu: {
    en: 'No container instance has enough free CPU for the task. Add instances (or let the capacity provider scale out), or give the task less CPU.',
    ko: '작업에 필요한 CPU가 남은 컨테이너 인스턴스가 없습니다. 인스턴스를 늘리거나(용량 공급자 스케일 아웃) 작업의 CPU를 줄이세요.',
  },
  memory: {
    en: 'No container instance has enough free memory for the task. Add instances (or let the capacity provider scale out), or give the task less memory.',
    ko: '작업에 필요한 메모리가 남은 컨테이너 인스턴스가 없습니다. 인스턴스를 늘리거나(용량 공급자 스케일 아웃) 작업의 메모리를 줄이세요.',
  },
  port: {
    en: 'Every container instance already uses a host port the task needs. Use dynamic host ports or awsvpc networking, or add instances.',
    ko: '모든 컨테이너 인스턴스가 작업에 필요한 호스트 포트를 이미 쓰고 있습니다. 동적 호스트 포트나 awsvpc 네트워킹을 쓰거나 인스턴스를 늘리세요.',
  },
  noInstance: {
    en: "No container instance met the task's needs (free CPU, memory or ports, placement constraints, attributes). Check the cluster's instances and the task's constraints.",
    ko: '작업의 요구 사항(남은 CPU·메모리·포트, 배치 제약, 속성)을 충족하는 컨테이너 인스턴스가 없습니다. 클러스터의 인스턴스와 작업의 배치 제약을 확인하세요.',
  },
  noCapacity: {
    en: "The cluster (or its capacity provider) has no container instances to run the task. Check the capacity provider's Auto Scaling group (desired and maximum size) and that its instances join the cluster.",
    ko: '클러스터(또는 용량 공급자)에 작업을 실행할 컨테이너 인스턴스가 없습니다. 용량 공급자의 Auto Scaling 그룹(원하는 크기와 최대 크기)과 인스턴스가 클러스터에 등록되는지 확인하세요.',
  },
  fargateCapacity: {
    en: "Fargate has no capacity for the task in the service's Availability Zones right now. ECS keeps trying; subnets in more Availability Zones help.",
    ko: '지금 서비스의 가용 영역에 이 작업을 위한 Fargate 용량이 없습니다. ECS가 계속 시도하며, 더 많은 가용 영역의 서브넷을 쓰면 도움이 됩니다.',
  },
  network: {
    en: "The task could not get a network interface or an IP address: the subnet has no free IP addresses, or the instance no free ENI. Check the free IPs of the service's subnets, or the instance type's ENI limit.",
    ko: '작업이 네트워크 인터페이스나 IP 주소를 받지 못했습니다. 서브넷에 남은 IP가 없거나 인스턴스에 남은 ENI가 없습니다. 서비스 서브넷의 남은 IP나 인스턴스 유형의 ENI 한도를 확인하세요.',
  },
  breaker: {
    en: "The circuit breaker stopped the deployment: too many of its new tasks failed. The stopped tasks' reasons and logs say why; with rollback on, the service returns to the last completed deployment.",
    ko: '새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다. 중지된 작업의 이유와 로그에 원인이 있습니다. 롤백이 켜져 있으면 서비스는 마지막으로 완료된 배포로 돌아갑니다.',
  },
  startImpaired: {
    en: 'ECS keeps failing to start tasks of this service. Check why its last tasks stopped, and their logs.',
    ko: 'ECS가 이 서비스의 작업을 계속 시작하지 못하고 있습니다. 마지막으로 중지된 작업의 이유와 로그를 확인하세요.',
  },
  deployFailed: {
    en: "ECS marked the deployment failed and stopped launching its tasks. The stopped tasks' reasons and logs say why; with rollback on, the service returns to the last completed deployment.",
    ko: 'ECS가 배포를 실패로 표시하고 새 작업 시작을 멈췄습니다. 중지된 작업의 이유와 로그에 원인이 있습니다. 롤백이 켜져 있으면 서비스는 마지막으로 완료된 배포로 돌아갑니다.',
  },
});

export type EcsReason = keyof typeof M.entries;

/** The recognised reasons, most specific first: the first that matches names the text. */
const PATTERNS: ReadonlyArray<[EcsReason, RegExp]> = [
  [
    'network',
    /InsufficientFreeAddressesInSubnet|free (?:ip|private ip)? ?addresses|no (?:more )?(?:available |free )?ip addresses|RESOURCE:ENI|insufficient (?:eni|elastic network interface)|network interface limit|eni limit/i,
  ],
  ['cpu', /insufficient cpu|RESOURCE:CPU\b/i],
  ['memory', /insufficient memory|RESOURCE:MEMORY\b/i],
  ['port', /already using a port required by your task|RESOURCE:PORTS/i],
  [
    'noCapacity',
    /no container instances were found in your (?:cluster|capacity provider)|capacity provider .*has no (?:capacity|container instances)/i,
  ],
  ['fargateCapacity', /RESOURCE:FARGATE|capacity is unavailable at this time/i],
  ['noInstance', /no container instance met all of its requirements/i],
  ['breaker', /circuit breaker/i],
  ['startImpaired', /unable to consistently start tasks/i],
  ['deployFailed', /\bdeployment (?:has )?failed\b|deployment detected failure/i],
];

/** What the events themselves say when their text is one not recognised above. */
const BY_EVENT: Readonly<Record<string, EcsReason>> = {
  SERVICE_TASK_START_IMPAIRED: 'startImpaired',
  SERVICE_DEPLOYMENT_FAILED: 'deployFailed',
};

/**
 * Which common ECS reason `text` is (with the event it came with, e.g. SERVICE_DEPLOYMENT_FAILED);
 * undefined for a text not recognised, unless the event alone says what happened.
 */
export function classifyEcsReason(text: string | undefined, eventName?: string): EcsReason | undefined {
  const found = text ? PATTERNS.find(([, re]) => re.test(text))?.[0] : undefined;
  return found ?? (eventName ? BY_EVENT[eventName] : undefined);
}

/** The plain-words line for a recognised reason, in `locale` (plain text: callers escape it). */
export function ecsReasonText(reason: EcsReason, locale: Locale): string {
  return M.in(locale)(reason);
}

/** The plain-words line for ECS's `text`, in `locale` (plain text: callers escape it); undefined when none is known. */
export function explainEcsReason(text: string | undefined, locale: Locale, eventName?: string): string | undefined {
  const reason = classifyEcsReason(text, eventName);
  return reason ? M.in(locale)(reason) : undefined;
}
