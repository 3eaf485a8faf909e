/**
 * `/ecs status <environment>`: one line per configured service, worst first, pure (the
 * single-service answer and the health rules are in ./status.ts).
 */
import type { KnownBlock } from '@slack/types';
import type { Cluster, Failure, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { GuardInfo } from '../../approvals/guards';
import { serviceUrl } from '../../aws/console';
import { aliasNote } from '../../config/aliases';
import { shortDigest } from '../../deploy/refs';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link } from '../../slack/text';
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';
import { parseImage, sectionsOf, taskDefName, utcTime } from './common';
import { containerImage, guardLines, HEALTH_MARK, healthOf, healthWord, tagOfDigest, type Health } from './status';

const M = defineMessages('commands.render.status-env', {
  notFound: {
    en: '{mark} *{name}*{aliases} — not found in cluster {cluster} ({reason}): check `services.{alias}.service`',
    ko: '{mark} *{name}*{aliases} — 클러스터 {cluster}에 없음 ({reason}): `services.{alias}.service`를 확인하세요',
  },
  imageUnknown: { en: '_image unknown_', ko: '_이미지 알 수 없음_' },
  pending: { en: ', {n} pending', ko: ', 대기 {n}' },
  line: {
    en: '{mark} *{name}*{aliases} {health} · {running}/{desired} running{pending} · {image} · {td}{lock}',
    ko: '{mark} *{name}*{aliases} {health} · {running}/{desired} 실행 중{pending} · {image} · {td}{lock}',
  },
  title: { en: '{env}: {n} {n|service|services}', ko: '{env}: 서비스 {n}개' },
  tally: { en: '{mark} {n} {health}', ko: '{mark} {health} {n}' },
  noServices: {
    en: 'No services are configured for {env}. Add them under `services:` in chatops.yml.',
    ko: '{env} 환경에 설정된 서비스가 없습니다. chatops.yml의 `services:`에 추가하세요.',
  },
  footer: {
    en: 'cluster {cluster} in {region} · as of {time} UTC · `/ecs status &lt;service&gt;` for details',
    ko: '클러스터 {cluster} ({region}) · {time} UTC 기준 · 자세한 내용은 `/ecs status &lt;service&gt;`',
  },
  guardsUnavailable: {
    en: ':warning: Lock and freeze state unavailable (the bot cannot reach Redis).',
    ko: ':warning: 잠금·동결 상태를 확인할 수 없습니다 (봇이 Redis에 연결하지 못함).',
  },
  fallbackBad: { en: '{env}: {n} services, {bad} need attention', ko: '{env}: 서비스 {n}개, 확인 필요 {bad}개' },
  fallbackGood: { en: '{env}: {n} services, all healthy', ko: '{env}: 서비스 {n}개, 모두 정상' },
});

export interface EnvironmentRow {
  alias: string;
  /** The service's aliases in chatops.yml, shown briefly after its name. */
  aliases?: readonly string[] | undefined;
  serviceName: string;
  container: string;
  service?: Service;
  failure?: Failure;
  taskDefinition?: TaskDefinition;
  /** ECR's tags of the digest the task definition pins (`repo@sha256:…`, as deploys register), if read. */
  imageTags?: readonly string[];
  lock?: GuardInfo;
}

/** The cluster as DescribeClusters (STATISTICS, SETTINGS) shows it, or why it could not be read. */
export type ClusterView = { cluster: Cluster } | { error: string };

interface EnvironmentStatusInput {
  /** The cluster's own view (capacity providers, task counts, Container Insights). */
  clusterView?: ClusterView;
  environment: string;
  cluster: string;
  region: string;
  rows: readonly EnvironmentRow[];
  frozen?: GuardInfo;
  guardsUnavailable?: boolean;
  now: number;
}

const text = defineMessages('status-cluster', {
  cluster: {
    en: '*Cluster* {cluster}: {running} running, {pending} pending {pending|task|tasks} · {services} active {services|service|services}',
    ko: '*클러스터* {cluster}: 실행 중 {running}, 대기 {pending} · 활성 서비스 {services}',
  },
  split: { en: '({fargate} Fargate, {ec2} EC2)', ko: '(Fargate {fargate}, EC2 {ec2})' },
  providers: { en: 'Capacity providers: {list}', ko: '용량 공급자: {list}' },
  defaultStrategy: { en: 'default strategy {strategy}', ko: '기본 전략 {strategy}' },
  noProviders: { en: 'Capacity providers: none (launch types only)', ko: '용량 공급자: 없음(시작 유형만 사용)' },
  insights: { en: 'Container Insights {state}', ko: 'Container Insights 상태: {state}' },
  on: { en: 'on', ko: '켜짐' },
  off: { en: 'off', ko: '꺼짐' },
  notSteady: { en: '*Not steady:* {list}', ko: '*안정 상태 아님:* {list}' },
  allSteady: { en: 'Every configured service is steady.', ko: '설정된 모든 서비스가 안정 상태입니다.' },
  unavailable: { en: ':warning: The cluster view is unavailable: {why}', ko: ':warning: 클러스터 정보를 볼 수 없습니다: {why}' },
});

function statistic(c: Cluster, key: string): number {
  return Number(c.statistics?.find((s) => s.name === key)?.value ?? 0) || 0;
}

/** The cluster's lines: task counts, capacity providers and the default strategy, Container Insights, services not steady. */
export function clusterLines(view: ClusterView, rows: readonly EnvironmentRow[], locale: Locale): string[] {
  const t = text.in(locale);
  if ('error' in view) return [t('unavailable', { why: view.error })];
  const c = view.cluster;
  const lines: string[] = [];
  const fargate = statistic(c, 'runningFargateTasksCount');
  const ec2 = statistic(c, 'runningEC2TasksCount');
  lines.push(
    `${t('cluster', {
      cluster: code(c.clusterName ?? '?'),
      running: c.runningTasksCount ?? 0,
      pending: c.pendingTasksCount ?? 0,
      services: c.activeServicesCount ?? 0,
    })}${fargate + ec2 > 0 ? ` ${t('split', { fargate, ec2 })}` : ''}`,
  );
  const providers = c.capacityProviders ?? [];
  const strategy = (c.defaultCapacityProviderStrategy ?? [])
    .map((s) => `${s.capacityProvider}:${s.weight ?? 0}${s.base ? ` (base ${s.base})` : ''}`)
    .join(', ');
  lines.push(
    providers.length
      ? `${t('providers', { list: providers.map((p) => code(p)).join(', ') })}${strategy ? ` · ${t('defaultStrategy', { strategy: code(strategy) })}` : ''}`
      : t('noProviders'),
  );
  const insights = c.settings?.find((s) => s.name === 'containerInsights')?.value;
  if (insights)
    lines.push(t('insights', { state: insights === 'disabled' ? t('off') : `${t('on')}${insights === 'enhanced' ? ' (enhanced)' : ''}` }));
  const unsteady = rows.filter((r) => environmentRowHealth(r) !== 'steady' && environmentRowHealth(r) !== 'idle');
  lines.push(
    unsteady.length
      ? t('notSteady', {
          list: unsteady.map((r) => `${escapeMrkdwn(r.alias)} (${healthWord(environmentRowHealth(r), locale)})`).join(', '),
        })
      : t('allSteady'),
  );
  return lines;
}

function environmentRowHealth(row: EnvironmentRow): Health {
  if (!row.service) return 'missing';
  return healthOf(row.service);
}

/** Above this many services the per-line console links (~120 characters each) are left out so more lines fit. */
const LINKS_UP_TO = 30;

function environmentLine(row: EnvironmentRow, region: string, cluster: string, withLink: boolean, locale: Locale): string {
  const t = M.in(locale);
  const health = environmentRowHealth(row);
  const name = withLink ? link(serviceUrl(region, cluster, row.serviceName), row.alias) : escapeMrkdwn(row.alias);
  const aliases = escapeMrkdwn(aliasNote(row.aliases));
  if (!row.service) {
    const reason = row.failure?.reason ?? 'MISSING';
    return t('notFound', {
      mark: HEALTH_MARK[health],
      name,
      aliases,
      cluster: code(cluster),
      reason: escapeMrkdwn(reason),
      alias: escapeMrkdwn(row.alias),
    });
  }
  const s = row.service;
  const img = parseImage(containerImage(row.taskDefinition, row.container));
  const pinnedTag = img.tag ? undefined : tagOfDigest(row.imageTags);
  const image = img.tag
    ? code(img.tag)
    : pinnedTag
      ? code(pinnedTag)
      : img.digest
        ? code('@' + shortDigest(img.digest))
        : t('imageUnknown');
  return t('line', {
    mark: HEALTH_MARK[health],
    name,
    aliases,
    health: healthWord(health, locale),
    running: s.runningCount ?? 0,
    desired: s.desiredCount ?? 0,
    pending: s.pendingCount ? t('pending', { n: s.pendingCount }) : '',
    image,
    td: code(taskDefName(s.taskDefinition)),
    lock: row.lock ? ' :lock:' : '',
  });
}

/** The /ecs status answer for an environment, in `locale`. */
export function environmentStatusMessage(input: EnvironmentStatusInput, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const { now } = input;
  const blocks: KnownBlock[] = [header(t('title', { env: input.environment, n: input.rows.length }))];
  const counts = new Map<Health, number>();
  for (const r of input.rows) counts.set(environmentRowHealth(r), (counts.get(environmentRowHealth(r)) ?? 0) + 1);
  const order: Health[] = ['down', 'failed', 'degraded', 'deploying', 'missing', 'inactive', 'idle', 'steady'];
  const tally = order
    .filter((h) => counts.get(h))
    .map((h) => t('tally', { mark: HEALTH_MARK[h], n: counts.get(h) ?? 0, health: healthWord(h, locale) }));
  const top: string[] = [];
  if (input.frozen) top.push(...guardLines({ frozen: input.frozen }, input.environment, now, locale));
  if (tally.length) top.push(tally.join('   '));
  if (top.length) blocks.push(section(top.join('\n')));
  if (input.clusterView) blocks.push(section(clusterLines(input.clusterView, input.rows, locale).join('\n')));

  if (input.rows.length === 0) {
    blocks.push(section(t('noServices', { env: code(input.environment) })));
  } else {
    // Worst first, then by name, so trouble is at the top of a long list.
    const rank = new Map(order.map((h, i) => [h, i]));
    const rows = [...input.rows].sort(
      (a, b) => rank.get(environmentRowHealth(a))! - rank.get(environmentRowHealth(b))! || a.alias.localeCompare(b.alias),
    );
    blocks.push(...sectionsOf(rows.map((r) => environmentLine(r, input.region, input.cluster, rows.length <= LINKS_UP_TO, locale))));
  }
  const ctx = [t('footer', { cluster: code(input.cluster), region: code(input.region), time: utcTime(now) })];
  if (input.guardsUnavailable) ctx.push(t('guardsUnavailable'));
  blocks.push(context(...ctx));
  const bad = input.rows.filter((r) => ['down', 'failed', 'degraded', 'missing'].includes(environmentRowHealth(r))).length;
  const params = { env: input.environment, n: input.rows.length, bad };
  return { text: bad ? t('fallbackBad', params) : t('fallbackGood', params), blocks, locale };
}
