/**
 * The two charts the bot draws, pure: `/ecs cost`'s daily cost with the month-end forecast spread
 * over the days left, and `/ecs rightsize`'s hourly CPU and memory utilization against the
 * reservation (100 %) and the recommended size. Plain data in (no command types: this is a leaf),
 * a ChartSpec out for ./svg.ts.
 */
import type { ChartSpec, Point, Rule, Series, Tick } from './svg';

const DAY_MS = 86_400_000;

export const COLORS = Object.freeze({
  cost: '#2a7ab0',
  forecast: '#8a5cc2',
  cpu: '#1264a3',
  memory: '#e8912d',
  reserved: '#616061',
  next: '#2bac76',
});

const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const mmdd = (t: number): string => new Date(t).toISOString().slice(5, 10);

/** About `max` labelled ticks, every `k` days, from the first day. */
export function dayTicks(first: number, last: number, max = 8): Tick[] {
  if (!Number.isFinite(first) || !Number.isFinite(last) || last < first) return [];
  const days = Math.round((last - first) / DAY_MS) + 1;
  const k = Math.max(1, Math.ceil(days / max));
  const out: Tick[] = [];
  for (let i = 0; i < days; i += k) out.push({ at: first + i * DAY_MS, label: mmdd(first + i * DAY_MS) });
  return out;
}

export interface CostChartInput {
  /** "prod" or "web (prod)". */
  scope: string;
  daily: ReadonlyArray<{ date: string; amount: number }>;
  /** YYYY-MM-DD of today when the period runs to today (month to date). */
  today?: string;
  /** Month-end total (actual before today + Cost Explorer's forecast from today). */
  forecastMonthEnd?: number;
}

/**
 * Daily bars; with a forecast, what is left of it (month end − actual before today) spread evenly
 * over today and the rest of the month as outlined bars, so both share one $/day scale.
 */
export function costChart(i: CostChartInput): ChartSpec {
  const days = i.daily.filter((d) => Number.isFinite(dayOf(d.date)));
  const actual: Point[] = days.map((d) => ({ x: dayOf(d.date), y: Number.isFinite(d.amount) ? Math.max(0, d.amount) : 0 }));
  const series: Series[] = [{ kind: 'bars', label: 'actual USD/day', color: COLORS.cost, points: actual }];
  let last = actual.length ? actual[actual.length - 1]!.x : NaN;
  const first = actual.length ? actual[0]!.x : NaN;
  if (i.today && i.forecastMonthEnd !== undefined && Number.isFinite(i.forecastMonthEnd)) {
    const today = dayOf(i.today);
    const d = new Date(today);
    const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - DAY_MS;
    const before = days.filter((x) => x.date < i.today!).reduce((n, x) => n + (Number.isFinite(x.amount) ? x.amount : 0), 0);
    const left = Math.round((monthEnd - today) / DAY_MS) + 1;
    const perDay = Math.max(0, i.forecastMonthEnd - before) / left;
    const points: Point[] = Array.from({ length: left }, (_, k) => ({ x: today + k * DAY_MS, y: perDay }));
    series.push({ kind: 'bars', label: 'forecast USD/day', color: COLORS.forecast, dashed: true, points });
    last = Number.isFinite(last) ? Math.max(last, monthEnd) : monthEnd;
  }
  const min = Number.isFinite(first) ? first : Number.isFinite(last) ? last : 0;
  const max = Number.isFinite(last) ? last : min;
  return {
    title: `${i.scope} · ECS USD/day · ${Number.isFinite(first) ? `${mmdd(min)} – ${mmdd(max)}` : 'no data'}`,
    x: { min, max, ticks: dayTicks(min, max), barWidth: DAY_MS },
    y: { prefix: '$' },
    series,
  };
}

export interface UtilizationSeries {
  timestamps: readonly number[];
  values: readonly number[];
}

export interface RightsizeChartInput {
  /** "web (prod)". */
  scope: string;
  days: number;
  cpuAvg: UtilizationSeries;
  cpuMax: UtilizationSeries;
  memAvg: UtilizationSeries;
  memMax: UtilizationSeries;
  /** The recommended reservation as a percent of today's (e.g. 50 for half the CPU). */
  next?: { cpuPct: number; memoryPct: number };
}

const points = (s: UtilizationSeries): Point[] => s.timestamps.map((t, k) => ({ x: t, y: s.values[k]! }));

/** Utilization in percent of the reservation: the reservation is the 100 % line; a recommendation its own lines. */
export function rightsizeChart(i: RightsizeChartInput): ChartSpec {
  const series: Series[] = [
    { kind: 'line', label: 'CPU max', color: COLORS.cpu, points: points(i.cpuMax) },
    { kind: 'line', label: 'CPU avg', color: COLORS.cpu, faint: true, points: points(i.cpuAvg) },
    { kind: 'line', label: 'MEM max', color: COLORS.memory, points: points(i.memMax) },
    { kind: 'line', label: 'MEM avg', color: COLORS.memory, faint: true, points: points(i.memAvg) },
  ];
  const rules: Rule[] = [{ y: 100, label: 'reserved 100%', color: COLORS.reserved, dashed: true }];
  const pct = (n: number) => `${Math.round(n)}%`;
  if (i.next && Math.round(i.next.cpuPct) !== 100)
    rules.push({ y: i.next.cpuPct, label: `new CPU ${pct(i.next.cpuPct)}`, color: COLORS.next, dashed: true });
  if (i.next && Math.round(i.next.memoryPct) !== 100)
    rules.push({ y: i.next.memoryPct, label: `new MEM ${pct(i.next.memoryPct)}`, color: COLORS.next, dashed: true });
  const all = series.flatMap((s) => s.points.map((p) => p.x)).filter(Number.isFinite);
  const min = all.length ? Math.min(...all) : 0;
  const max = all.length ? Math.max(...all) : min;
  const startDay = Math.floor(min / DAY_MS) * DAY_MS;
  return {
    title: `${i.scope} · CPU / MEM, % of reservation · ${i.days} d`,
    x: { min, max, ticks: dayTicks(startDay, max).filter((t) => t.at >= min) },
    y: { atLeast: 100, suffix: '%' },
    series,
    rules,
  };
}
