/**
 * `/ecs cost` answers, pure: the total for the period and its change against the previous one,
 * a daily Unicode bar chart, the month-end forecast, and a breakdown (per service from the
 * ECS-managed tags, or a labelled Fargate estimate, or by usage type).
 */
import type { KnownBlock } from '@slack/types';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link } from '../../slack/text';
import { costAllocationTagsUrl, costExplorerUrl } from '../../aws/console';
import { ago, sectionsOf } from './common';
import type { DailyAmount } from './cost-plan';
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';

export const costText = defineMessages('commands.render.cost', {
  noSpend: { en: 'no spend in either period', ko: '두 기간 모두 비용 없음' },
  newSpend: { en: 'new spend (nothing in the previous period)', ko: '새 비용 (이전 기간에는 없음)' },
  noChange: { en: 'no change', ko: '변화 없음' },
  today: { en: '  (today, so far)', ko: '  (오늘, 지금까지)' },
  tagsHint: {
    en: 'For per-service numbers from your bill, turn on `enableECSManagedTags` on the services and activate the AWS-generated cost allocation tags `aws:ecs:serviceName` and `aws:ecs:clusterName` ({link}); data appears within 24 hours, from then on.',
    ko: '청구서 기준의 서비스별 금액을 보려면 서비스에 `enableECSManagedTags`를 켜고, AWS가 만드는 비용 할당 태그 `aws:ecs:serviceName`, `aws:ecs:clusterName`을 활성화하세요 ({link}). 그때부터의 데이터가 24시간 안에 나옵니다.',
  },
  tagsLink: { en: 'Billing → Cost allocation tags', ko: 'Billing → Cost allocation tags', same: true },
  otherServices: { en: '• _other services in the cluster_ {amount}{pct}', ko: '• _클러스터의 다른 서비스_ {amount}{pct}' },
  untagged: {
    en: '• _without the service tag_ {amount}{pct} (tasks without managed tags, EC2 capacity, or spend before the tags were active)',
    ko: '• _서비스 태그 없음_ {amount}{pct} (관리형 태그가 없는 작업, EC2 용량, 또는 태그 활성화 전 비용)',
  },
  smallerTypes: { en: '_… and {n} smaller usage types ({amount})_', ko: '_… 그 밖의 작은 사용 유형 {n}개 ({amount})_' },
  noUsage: { en: '_No usage in this period._', ko: '_이 기간에는 사용량이 없습니다._' },
  perDay: { en: ' · ≈ {amount}/day', ko: ' · 하루 ≈ {amount}' },
  estimateUnavailable: { en: '• *{service}* estimate unavailable: {reason}', ko: '• *{service}* 추정 불가: {reason}' },
  unknown: { en: 'unknown', ko: '알 수 없음' },
  estimateNote: {
    en: 'Estimate: tasks running now × task CPU and memory × Fargate on-demand price for {region} (price table of {asOf}); not from your bill. {hint}',
    ko: '추정: 지금 실행 중인 작업 수 × 작업 CPU·메모리 × {region}의 Fargate 온디맨드 가격 ({asOf} 가격표 기준). 청구서 금액이 아닙니다. {hint}',
  },
  title: { en: 'ECS cost · {scope} · {period}', ko: 'ECS 비용 · {scope} · {period}' },
  // After the total; the period is in the header above, so the line does not repeat it.
  vs: { en: ' · {change} vs {amount} in {label}', ko: ' · {label} {amount} 대비 {change}' },
  forecast: { en: '*Forecast for {month}:* {amount}', ko: '*{month} 예측:* {amount}' },
  forecastUnavailable: { en: '_Forecast for {month} unavailable: {why}_', ko: '_{month} 예측 불가: {why}_' },
  daily: { en: '*Daily*', ko: '*일별*' },
  asOf: {
    en: 'Cost Explorer data as of {ago}{cached} · unblended cost in USD{estimated}',
    ko: 'Cost Explorer 데이터 {ago} 기준{cached} · 비혼합 비용, USD{estimated}',
  },
  cached: { en: ' (cached; Cost Explorer refreshes a few times a day)', ko: ' (캐시. Cost Explorer는 하루 몇 번 갱신됩니다)' },
  estimated: { en: ' · recent days are still estimated by AWS', ko: ' · 최근 며칠은 아직 AWS 추정치입니다' },
  truncated: {
    en: ':warning: Cost Explorer returned more pages than I read; totals may be low.',
    ko: ':warning: Cost Explorer 결과를 다 읽지 못했습니다. 합계가 실제보다 적을 수 있습니다.',
  },
  openCe: { en: 'Open Cost Explorer', ko: 'Cost Explorer 열기' },
  fallbackTotal: { en: 'ECS cost of {scope}, {period}: {amount}', ko: '{scope} ECS 비용, {period}: {amount}' },
  fallback: { en: 'ECS cost of {scope}, {period}', ko: '{scope} ECS 비용, {period}' },
  // Breakdown titles (set by the worker part).
  byUsageType: { en: '*By usage type*', ko: '*사용 유형별*' },
  byServiceTags: { en: '*By service* (ECS cost-allocation tags)', ko: '*서비스별* (ECS 비용 할당 태그)' },
  byServiceEstimate: {
    en: '*By service (estimate)*: the `aws:ecs:serviceName` tag has no cost data',
    ko: '*서비스별 (추정)*: `aws:ecs:serviceName` 태그에 비용 데이터가 없습니다',
  },
  serviceEstimate: {
    en: '*Estimate*: the `aws:ecs:serviceName` tag has no cost data, so Cost Explorer cannot split this service out',
    ko: '*추정*: `aws:ecs:serviceName` 태그에 비용 데이터가 없어 Cost Explorer가 이 서비스만 따로 나눌 수 없습니다',
  },
  noServices: { en: 'No services are configured for {env}.', ko: '{env} 환경에 설정된 서비스가 없습니다.' },
  noForecastApi: {
    en: 'Cost Explorer forecasts are not available to the bot here',
    ko: '이 환경에서는 봇이 Cost Explorer 예측을 쓸 수 없습니다',
  },
  noForecastHistory: {
    en: 'Cost Explorer does not have enough history to forecast yet',
    ko: 'Cost Explorer에 아직 예측할 만큼의 이력이 없습니다',
  },
});
const M = costText;

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** $1,234.56; "<$0.01" for a real but tiny amount. */
export function money(n: number): string {
  if (n > 0 && n < 0.005) return '<$0.01';
  return usd.format(Math.abs(n) < 0.005 ? 0 : n);
}

/** ":arrow_up_small: +12.3%" against the previous amount; words when there is nothing to compare. */
export function change(current: number, previous: number, locale: Locale = 'en'): string {
  const t = M.in(locale);
  if (previous < 0.005) return current < 0.005 ? t('noSpend') : t('newSpend');
  const pct = ((current - previous) / previous) * 100;
  if (Math.abs(pct) < 0.05) return t('noChange');
  const sign = pct > 0 ? '+' : '−';
  return `${pct > 0 ? ':arrow_up_small:' : ':arrow_down_small:'} ${sign}${Math.abs(pct).toFixed(1)}%`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `value / max × width` cells, in eighths of a cell. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** One line per day: "05-01 ████████▌            $71.20". Today (partial) is marked. */
export function barChart(days: readonly DailyAmount[], width = 24, today?: string, locale: Locale = 'en'): string {
  const max = Math.max(0, ...days.map((d) => d.amount));
  const amounts = days.map((d) => money(d.amount));
  const w = Math.max(...amounts.map((a) => a.length), 1);
  return days
    .map(
      (d, i) =>
        `${escapeMrkdwn(d.date.slice(5))} ${bar(d.amount, max, width).padEnd(width)} ${amounts[i]!.padStart(w)}${d.date === today ? M.in(locale)('today') : ''}`,
    )
    .join('\n');
}

export interface BreakdownRow {
  label: string;
  amount: number;
  /** e.g. "3 × 0.5 vCPU / 1 GB x86 · $2.14/day" */
  detail?: string;
}

export interface EstimateRow {
  alias: string;
  serviceName: string;
  /** Undefined when no estimate can be made; `reason` says why. */
  amount?: number;
  perDay?: number;
  detail?: string;
  reason?: string;
}

export type Breakdown =
  | { kind: 'tags'; title: string; rows: BreakdownRow[]; untagged: number; other: number }
  | { kind: 'usage-type'; title: string; rows: BreakdownRow[] }
  | { kind: 'estimate'; title: string; rows: EstimateRow[]; region: string; pricesAsOf: string }
  | { kind: 'none'; note: string };

export interface CostView {
  /** "prod" or "web (prod)" */
  scopeLabel: string;
  periodLabel: string;
  /** Actual cost in the period, when Cost Explorer has it for this scope. */
  total?: number;
  previous?: { total: number; label: string };
  daily?: DailyAmount[];
  /** The date of today (UTC), when the period includes it. */
  today?: string;
  /** Split by AWS service, e.g. ECS and ECR. */
  split?: BreakdownRow[];
  forecast?: { monthEnd: number; monthLabel: string } | { unavailable: string; monthLabel: string };
  breakdown?: Breakdown;
  /** AWS marked recent results as estimated. */
  estimated: boolean;
  /** When the oldest Cost Explorer result used was fetched; whether it came from the cache. */
  dataAsOf?: number;
  cached: boolean;
  /** More than the page limit of results existed: totals may be low. */
  truncated?: boolean;
  now: number;
}

function breakdownBlocks(b: Breakdown, total: number | undefined, locale: Locale): KnownBlock[] {
  const t = M.in(locale);
  const pct = (n: number) => (total && total > 0 ? ` (${Math.round((n / total) * 100)}%)` : '');
  switch (b.kind) {
    case 'none':
      return [section(b.note)];
    case 'tags': {
      const rows = [...b.rows].sort((x, y) => y.amount - x.amount);
      const lines = rows.map((r) => `• *${escapeMrkdwn(r.label)}* ${money(r.amount)}${pct(r.amount)}${r.detail ? ` · ${r.detail}` : ''}`);
      if (b.other >= 0.005) lines.push(t('otherServices', { amount: money(b.other), pct: pct(b.other) }));
      if (b.untagged >= 0.005) lines.push(t('untagged', { amount: money(b.untagged), pct: pct(b.untagged) }));
      return sectionsOf(lines, b.title);
    }
    case 'usage-type': {
      const rows = [...b.rows].sort((x, y) => y.amount - x.amount);
      const shown = rows.slice(0, 40);
      const lines = shown.map((r) => `• ${code(r.label)} ${money(r.amount)}${pct(r.amount)}`);
      if (rows.length > shown.length)
        lines.push(t('smallerTypes', { n: rows.length - shown.length, amount: money(rows.slice(40).reduce((n, r) => n + r.amount, 0)) }));
      if (!rows.length) lines.push(t('noUsage'));
      return sectionsOf(lines, b.title);
    }
    case 'estimate': {
      const lines = b.rows.map((r) =>
        r.amount !== undefined
          ? `• *${escapeMrkdwn(r.alias)}* ≈ ${money(r.amount)}${r.detail ? ` · ${r.detail}` : ''}${r.perDay !== undefined ? t('perDay', { amount: money(r.perDay) }) : ''}`
          : t('estimateUnavailable', { service: escapeMrkdwn(r.alias), reason: r.reason ?? t('unknown') }),
      );
      const blocks = sectionsOf(lines, b.title);
      const hint = t('tagsHint', { link: link(costAllocationTagsUrl(), t('tagsLink')) });
      blocks.push(context(t('estimateNote', { region: `\`${b.region}\``, asOf: b.pricesAsOf, hint })));
      return blocks;
    }
  }
}

/** The /ecs cost answer, in `locale` (the view's labels are already in it: see src/commands/cost.run.ts). */
export function costMessage(v: CostView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [header(t('title', { scope: v.scopeLabel, period: v.periodLabel }).slice(0, 150))];
  const lines: string[] = [];
  if (v.total !== undefined) {
    let first = `*${money(v.total)}*`;
    if (v.previous)
      first += t('vs', { change: change(v.total, v.previous.total, locale), label: v.previous.label, amount: money(v.previous.total) });
    lines.push(first);
  }
  if (v.forecast) {
    lines.push(
      'monthEnd' in v.forecast
        ? t('forecast', { month: v.forecast.monthLabel, amount: money(v.forecast.monthEnd) })
        : t('forecastUnavailable', { month: v.forecast.monthLabel, why: v.forecast.unavailable }),
    );
  }
  if (v.split?.length) lines.push(v.split.map((s) => `${escapeMrkdwn(s.label)} ${money(s.amount)}`).join(' · '));
  if (lines.length) blocks.push(section(lines.join('\n')));

  if (v.daily?.length) {
    const chart = barChart(v.daily, 24, v.today, locale);
    blocks.push(section(`${t('daily')}\n\`\`\`${chart}\`\`\``));
  }
  if (v.breakdown) blocks.push(...breakdownBlocks(v.breakdown, v.total, locale));

  const ctx: string[] = [];
  if (v.dataAsOf !== undefined) {
    ctx.push(
      t('asOf', {
        ago: ago(v.dataAsOf, v.now, locale),
        cached: v.cached ? t('cached') : '',
        estimated: v.estimated ? t('estimated') : '',
      }),
    );
  }
  if (v.truncated) ctx.push(t('truncated'));
  ctx.push(link(costExplorerUrl(), t('openCe')));
  blocks.push(context(...ctx));
  const params = { scope: v.scopeLabel, period: v.periodLabel };
  const text = v.total !== undefined ? t('fallbackTotal', { ...params, amount: money(v.total) }) : t('fallback', params);
  return { text, blocks, locale };
}
