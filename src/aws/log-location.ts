/**
 * Where one container of one task writes its logs, read from the task definition's awslogs
 * options: `<awslogs-stream-prefix>/<container>/<task id>` in `awslogs-group` (or the service's
 * configured log group). Pure; used by alerts and by the deploy thread's failure reasons. Why the
 * stream cannot be known is a Localized text: written in the reader's language when it is shown.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { defineMessages, type Localized } from '../i18n/catalog';

const M = defineMessages('aws.log-location', {
  notInTaskDefinition: {
    en: 'container {container} is not in task definition {td}',
    ko: '{container} 컨테이너가 작업 정의 {td}에 없습니다',
  },
  noLogConfiguration: {
    en: 'container {container} has no log configuration, so its output is not kept',
    ko: '{container} 컨테이너에 로그 설정이 없어 출력이 남지 않습니다',
  },
  otherDriver: {
    en: 'container {container} logs through {driver}, not CloudWatch Logs (awslogs)',
    ko: '{container} 컨테이너는 CloudWatch Logs(awslogs)가 아닌 {driver}(으)로 로그를 보냅니다',
  },
  unknownDriver: { en: 'an unknown driver', ko: '알 수 없는 드라이버' },
  noGroup: { en: 'container {container} has no awslogs-group', ko: '{container} 컨테이너에 awslogs-group이 없습니다' },
  noPrefix: {
    en: 'container {container} has no awslogs-stream-prefix, so its stream cannot be named',
    ko: '{container} 컨테이너에 awslogs-stream-prefix가 없어 로그 스트림 이름을 알 수 없습니다',
  },
  outsidePrefix: {
    en: 'log group {group} is outside logGroupPrefix {prefix} of chatops.yml, so the bot may not read it',
    ko: '로그 그룹 {group}이(가) chatops.yml의 logGroupPrefix {prefix} 밖에 있어 봇이 읽을 수 없습니다',
  },
  otherRegion: {
    en: "log group {group} is in region {region}, but the bot's roles read logs only in the environment's region {envRegion}: set awslogs-region to {envRegion} in the task definition",
    ko: '로그 그룹 {group}은(는) {region} 리전에 있지만 봇의 역할은 환경의 리전 {envRegion}의 로그만 읽습니다. 작업 정의의 awslogs-region을 {envRegion}(으)로 바꾸세요',
  },
});

/**
 * Why logs in `region` may not be read: the roles grant log groups only in the environment's region
 * (scripts/iam-resources.cjs), so a task definition sending its logs elsewhere (`awslogs-region`)
 * is refused here, clearly, rather than by IAM with an access-denied error. Undefined when it may be read.
 */
export function outsideEnvironmentRegion(group: string, region: string, envRegion: string): Localized | undefined {
  return region !== envRegion ? M.lazy('otherRegion', { group, region, envRegion }) : undefined;
}

/**
 * Why a log group found in a task definition may not be read: the roles read only groups that start
 * with the service's `logGroupPrefix` (scripts/iam-resources.cjs), so a group outside it is refused
 * here, clearly, rather than by IAM. Undefined when it may be read (or no prefix is configured).
 */
export function outsideLogGroupPrefix(group: string, prefix: string | undefined): Localized | undefined {
  return prefix !== undefined && !group.startsWith(prefix) ? M.lazy('outsidePrefix', { group, prefix }) : undefined;
}

export interface LogLocation {
  region: string;
  group: string;
  stream: string;
}

type LocationResult = { ok: true; loc: LogLocation } | { ok: false; error: Localized; group?: string };

/** Where a container of a task writes its logs, from the task definition. Pure. */
export function logLocation(
  td: TaskDefinition,
  container: string,
  taskId: string,
  /** The environment's region: the only one whose logs the roles read. */
  defaultRegion: string,
  groupOverride?: string,
  /** The service's `logGroupPrefix` (chatops.yml): a group of the task definition outside it is not read. */
  groupPrefix?: string,
): LocationResult {
  const def = td.containerDefinitions?.find((c) => c.name === container);
  if (!def) return { ok: false, error: M.lazy('notInTaskDefinition', { container, td: `${td.family ?? ''}:${td.revision ?? ''}` }) };
  const lc = def.logConfiguration;
  if (!lc) return { ok: false, error: M.lazy('noLogConfiguration', { container }) };
  if (lc.logDriver !== 'awslogs')
    return {
      ok: false,
      error: M.lazy('otherDriver', { container, driver: lc.logDriver ?? M.lazy('unknownDriver') }),
      group: groupOverride,
    };
  const opts = lc.options ?? {};
  const group = groupOverride ?? opts['awslogs-group'];
  if (!group) return { ok: false, error: M.lazy('noGroup', { container }) };
  const outside = groupOverride === undefined ? outsideLogGroupPrefix(group, groupPrefix) : undefined;
  if (outside) return { ok: false, error: outside, group };
  const region = opts['awslogs-region'] || defaultRegion;
  const elsewhere = outsideEnvironmentRegion(group, region, defaultRegion);
  if (elsewhere) return { ok: false, error: elsewhere, group };
  const prefix = opts['awslogs-stream-prefix'];
  if (!prefix) return { ok: false, error: M.lazy('noPrefix', { container }), group };
  return { ok: true, loc: { region, group, stream: `${prefix}/${container}/${taskId}` } };
}
