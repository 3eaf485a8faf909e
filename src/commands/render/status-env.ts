/**
 * `/ecs status <environment>`: one line per configured service, worst first, pure (the
 * single-service answer and the health rules are in ./status.ts).
 */
import type { KnownBlock } from '@slack/types';
import type { Cluster, Failure, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { defineMessages, type Locale } from '../../i18n';
import type { GuardInfo } from '../../approvals/guards';
import { serviceUrl } from '../../aws/console';
import { shortDigest } from '../../deploy/refs';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link, plural } from '../../slack/text';
import { parseImage, sectionsOf, taskDefName, utcTime } from './common';
import { containerImage, guardLines, HEALTH_MARK, HEALTH_WORD, healthOf, type Health } from './status';

export interface EnvironmentRow {
  alias: string;
  serviceName: string;
  container: string;
  service?: Service;
  failure?: Failure;
  taskDefinition?: TaskDefinition;
  lock?: GuardInfo;
}

/** The cluster as DescribeClusters (STATISTICS, SETTINGS) shows it, or why it could not be read. */
export type ClusterView = { cluster: Cluster } | { error: string };

interface EnvironmentStatusInput {
  /** The cluster's own view (capacity providers, task counts, Container Insights). */
  clusterView?: ClusterView;
  locale?: Locale;
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
      ? t('notSteady', { list: unsteady.map((r) => `${escapeMrkdwn(r.alias)} (${HEALTH_WORD[environmentRowHealth(r)]})`).join(', ') })
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

function environmentLine(row: EnvironmentRow, region: string, cluster: string, withLink: boolean): string {
  const health = environmentRowHealth(row);
  const nameLink = withLink ? link(serviceUrl(region, cluster, row.serviceName), row.alias) : escapeMrkdwn(row.alias);
  if (!row.service) {
    const reason = row.failure?.reason ?? 'MISSING';
    return `${HEALTH_MARK[health]} *${nameLink}* — not found in cluster ${code(cluster)} (${escapeMrkdwn(reason)}): check \`services.${escapeMrkdwn(row.alias)}.service\``;
  }
  const s = row.service;
  const img = parseImage(containerImage(row.taskDefinition, row.container));
  const imgText = img.tag ? code(img.tag) : img.digest ? code('@' + shortDigest(img.digest)) : '_image unknown_';
  const pending = s.pendingCount ? `, ${s.pendingCount} pending` : '';
  const lock = row.lock ? ' :lock:' : '';
  return `${HEALTH_MARK[health]} *${nameLink}* ${HEALTH_WORD[health]} · ${s.runningCount ?? 0}/${s.desiredCount ?? 0} running${pending} · ${imgText} · ${code(taskDefName(s.taskDefinition))}${lock}`;
}

export function environmentStatusMessage(input: EnvironmentStatusInput): SlackMessage {
  const { now } = input;
  const blocks: KnownBlock[] = [header(`${input.environment}: ${plural(input.rows.length, 'service')}`)];
  const counts = new Map<Health, number>();
  for (const r of input.rows) counts.set(environmentRowHealth(r), (counts.get(environmentRowHealth(r)) ?? 0) + 1);
  const order: Health[] = ['down', 'failed', 'degraded', 'deploying', 'missing', 'inactive', 'idle', 'steady'];
  const tally = order.filter((h) => counts.get(h)).map((h) => `${HEALTH_MARK[h]} ${counts.get(h)} ${HEALTH_WORD[h]}`);
  const top: string[] = [];
  if (input.frozen) top.push(...guardLines({ frozen: input.frozen }, input.environment, now));
  if (tally.length) top.push(tally.join('   '));
  if (top.length) blocks.push(section(top.join('\n')));
  if (input.clusterView) blocks.push(section(clusterLines(input.clusterView, input.rows, input.locale ?? 'en').join('\n')));

  if (input.rows.length === 0) {
    blocks.push(section(`No services are configured for ${code(input.environment)}. Add them under \`services:\` in chatops.yml.`));
  } else {
    // Worst first, then by name, so trouble is at the top of a long list.
    const rank = new Map(order.map((h, i) => [h, i]));
    const rows = [...input.rows].sort(
      (a, b) => rank.get(environmentRowHealth(a))! - rank.get(environmentRowHealth(b))! || a.alias.localeCompare(b.alias),
    );
    blocks.push(...sectionsOf(rows.map((r) => environmentLine(r, input.region, input.cluster, rows.length <= LINKS_UP_TO))));
  }
  const ctx = [
    `cluster ${code(input.cluster)} in ${code(input.region)} · as of ${utcTime(now)} UTC · \`/ecs status &lt;service&gt;\` for details`,
  ];
  if (input.guardsUnavailable) ctx.push(':warning: Lock and freeze state unavailable (the bot cannot reach Redis).');
  blocks.push(context(...ctx));
  const bad = input.rows.filter((r) => ['down', 'failed', 'degraded', 'missing'].includes(environmentRowHealth(r))).length;
  return { text: `${input.environment}: ${input.rows.length} services${bad ? `, ${bad} need attention` : ', all healthy'}`, blocks };
}
