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

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** $1,234.56; "<$0.01" for a real but tiny amount. */
export function money(n: number): string {
  if (n > 0 && n < 0.005) return '<$0.01';
  return usd.format(Math.abs(n) < 0.005 ? 0 : n);
}

/** ":arrow_up_small: +12.3%" against the previous amount; words when there is nothing to compare. */
export function change(current: number, previous: number): string {
  if (previous < 0.005) return current < 0.005 ? 'no spend in either period' : 'new spend (nothing in the previous period)';
  const pct = ((current - previous) / previous) * 100;
  if (Math.abs(pct) < 0.05) return 'no change';
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
export function barChart(days: readonly DailyAmount[], width = 24, today?: string): string {
  const max = Math.max(0, ...days.map((d) => d.amount));
  const amounts = days.map((d) => money(d.amount));
  const w = Math.max(...amounts.map((a) => a.length), 1);
  return days
    .map(
      (d, i) =>
        `${escapeMrkdwn(d.date.slice(5))} ${bar(d.amount, max, width).padEnd(width)} ${amounts[i]!.padStart(w)}${d.date === today ? '  (today, so far)' : ''}`,
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

const TAGS_HINT = `For per-service numbers from your bill, turn on \`enableECSManagedTags\` on the services and activate the AWS-generated cost allocation tags \`aws:ecs:serviceName\` and \`aws:ecs:clusterName\` (${link(costAllocationTagsUrl(), 'Billing → Cost allocation tags')}); data appears within 24 hours, from then on.`;

function breakdownBlocks(b: Breakdown, total: number | undefined): KnownBlock[] {
  const pct = (n: number) => (total && total > 0 ? ` (${Math.round((n / total) * 100)}%)` : '');
  switch (b.kind) {
    case 'none':
      return [section(b.note)];
    case 'tags': {
      const rows = [...b.rows].sort((x, y) => y.amount - x.amount);
      const lines = rows.map((r) => `• *${escapeMrkdwn(r.label)}* ${money(r.amount)}${pct(r.amount)}${r.detail ? ` · ${r.detail}` : ''}`);
      if (b.other >= 0.005) lines.push(`• _other services in the cluster_ ${money(b.other)}${pct(b.other)}`);
      if (b.untagged >= 0.005)
        lines.push(
          `• _without the service tag_ ${money(b.untagged)}${pct(b.untagged)} (tasks without managed tags, EC2 capacity, or spend before the tags were active)`,
        );
      return sectionsOf(lines, b.title);
    }
    case 'usage-type': {
      const rows = [...b.rows].sort((x, y) => y.amount - x.amount);
      const shown = rows.slice(0, 40);
      const lines = shown.map((r) => `• ${code(r.label)} ${money(r.amount)}${pct(r.amount)}`);
      if (rows.length > shown.length)
        lines.push(
          `_… and ${rows.length - shown.length} smaller usage types (${money(rows.slice(40).reduce((n, r) => n + r.amount, 0))})_`,
        );
      if (!rows.length) lines.push('_No usage in this period._');
      return sectionsOf(lines, b.title);
    }
    case 'estimate': {
      const lines = b.rows.map((r) =>
        r.amount !== undefined
          ? `• *${escapeMrkdwn(r.alias)}* ≈ ${money(r.amount)}${r.detail ? ` · ${r.detail}` : ''}${r.perDay !== undefined ? ` · ≈ ${money(r.perDay)}/day` : ''}`
          : `• *${escapeMrkdwn(r.alias)}* estimate unavailable: ${r.reason ?? 'unknown'}`,
      );
      const blocks = sectionsOf(lines, b.title);
      blocks.push(
        context(
          `Estimate: tasks running now × task CPU and memory × Fargate on-demand price for \`${b.region}\` (price table of ${b.pricesAsOf}); not from your bill. ${TAGS_HINT}`,
        ),
      );
      return blocks;
    }
  }
}

export function costMessage(v: CostView): SlackMessage {
  const blocks: KnownBlock[] = [header(`ECS cost · ${v.scopeLabel} · ${v.periodLabel}`.slice(0, 150))];
  const lines: string[] = [];
  if (v.total !== undefined) {
    let first = `*${money(v.total)}* ${v.periodLabel}`;
    if (v.previous) first += ` · ${change(v.total, v.previous.total)} vs ${v.previous.label} (${money(v.previous.total)})`;
    lines.push(first);
  }
  if (v.forecast) {
    lines.push(
      'monthEnd' in v.forecast
        ? `*Forecast for ${v.forecast.monthLabel}:* ${money(v.forecast.monthEnd)}`
        : `_Forecast for ${v.forecast.monthLabel} unavailable: ${v.forecast.unavailable}_`,
    );
  }
  if (v.split?.length) lines.push(v.split.map((s) => `${escapeMrkdwn(s.label)} ${money(s.amount)}`).join(' · '));
  if (lines.length) blocks.push(section(lines.join('\n')));

  if (v.daily?.length) {
    const chart = barChart(v.daily, 24, v.today);
    blocks.push(section(`*Daily*\n\`\`\`${chart}\`\`\``));
  }
  if (v.breakdown) blocks.push(...breakdownBlocks(v.breakdown, v.total));

  const ctx: string[] = [];
  if (v.dataAsOf !== undefined) {
    ctx.push(
      `Cost Explorer data as of ${ago(v.dataAsOf, v.now)}${v.cached ? ' (cached; Cost Explorer refreshes a few times a day)' : ''} · unblended cost in USD${v.estimated ? ' · recent days are still estimated by AWS' : ''}`,
    );
  }
  if (v.truncated) ctx.push(':warning: Cost Explorer returned more pages than I read; totals may be low.');
  ctx.push(link(costExplorerUrl(), 'Open Cost Explorer'));
  blocks.push(context(...ctx));
  const text =
    v.total !== undefined
      ? `ECS cost of ${v.scopeLabel}, ${v.periodLabel}: ${money(v.total)}`
      : `ECS cost of ${v.scopeLabel}, ${v.periodLabel}`;
  return { text, blocks };
}
