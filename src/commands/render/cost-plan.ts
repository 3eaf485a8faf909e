/**
 * `/ecs cost` planning, pure: which dates a period covers (UTC, end exclusive as Cost Explorer
 * wants), the exact Cost Explorer requests (so they can be cached by their content), and how
 * results are summed. No I/O; unit-tested with fixed clocks.
 */
import type { Expression, GetCostAndUsageRequest, GetCostForecastRequest, ResultByTime } from '@aws-sdk/client-cost-explorer';
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';

const M = defineMessages('commands.render.cost-plan', {
  mtd: { en: 'month to date ({range})', ko: '이번 달 누계 ({range})' },
  sameDaysOf: { en: 'the same days of {month} ({range})', ko: '{month}의 같은 기간 ({range})' },
  lastDays: { en: 'the last {n} days ({range})', ko: '최근 {n}일 ({range})' },
  daysBefore: { en: 'the {n} days before ({range})', ko: '그 전 {n}일 ({range})' },
  monthYear: { en: '{month} {year}', ko: '{year}년 {month}' },
});

export const PERIODS = ['mtd', '7d', '30d', 'last-month'] as const;
export type Period = (typeof PERIODS)[number];

/** SERVICE dimension values in Cost Explorer (Fargate compute is billed under ECS). */
export const CE_SERVICE = {
  ecs: 'Amazon Elastic Container Service',
  ecr: 'Amazon EC2 Container Registry (ECR)',
} as const;

/** ECS-managed cost-allocation tags (with `enableECSManagedTags` on the service). */
const TAG_CLUSTER = 'aws:ecs:clusterName';
const TAG_SERVICE = 'aws:ecs:serviceName';

const METRIC = 'UnblendedCost';

const DAY = 86_400_000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export interface DateRange {
  /** YYYY-MM-DD, inclusive. */
  start: string;
  /** YYYY-MM-DD, exclusive. */
  end: string;
}

export interface CostPeriods {
  period: Period;
  current: DateRange;
  /** The previous period of the same length (for last-month: the month before). */
  previous: DateRange;
  /** "month to date (May 1–17)" */
  label: string;
  /** "the same days of April (Apr 1–17)" */
  previousLabel: string;
  /**
   * Month to date only: today to the end of the month, for GetCostForecast (which accepts today
   * as its first day). Month end = actual cost before today + this forecast.
   */
  forecast?: DateRange;
  /** "May 2025", for the forecast line. */
  monthLabel: string;
  /** Hours the current period covers up to now (for estimates). */
  hours: number;
}

export const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);
const dayStart = (t: number): number => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), new Date(t).getUTCDate());
const monthStart = (t: number, offset = 0): number => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + offset, 1);
const parseDay = (d: string): number => Date.parse(d + 'T00:00:00Z');

/** The name of a month: "May" / "5월". */
function monthWord(m: number, locale: Locale): string {
  return locale === 'ko' ? `${m + 1}월` : MONTHS[m]!;
}

/** "May 1–17", "Apr 28 – May 4" for an end-exclusive range ("5월 1–17일", "4월 28일 – 5월 4일"). */
export function rangeLabel(r: DateRange, locale: Locale = 'en'): string {
  const s = new Date(parseDay(r.start));
  const e = new Date(parseDay(r.end) - DAY);
  if (locale === 'ko') {
    const m = (d: Date) => `${d.getUTCMonth() + 1}월`;
    if (s.getTime() === e.getTime()) return `${m(s)} ${s.getUTCDate()}일`;
    if (s.getUTCMonth() === e.getUTCMonth() && s.getUTCFullYear() === e.getUTCFullYear())
      return `${m(s)} ${s.getUTCDate()}–${e.getUTCDate()}일`;
    return `${m(s)} ${s.getUTCDate()}일 – ${m(e)} ${e.getUTCDate()}일`;
  }
  const mon = (d: Date) => MONTHS[d.getUTCMonth()]!.slice(0, 3);
  if (s.getTime() === e.getTime()) return `${mon(s)} ${s.getUTCDate()}`;
  if (s.getUTCMonth() === e.getUTCMonth() && s.getUTCFullYear() === e.getUTCFullYear())
    return `${mon(s)} ${s.getUTCDate()}–${e.getUTCDate()}`;
  return `${mon(s)} ${s.getUTCDate()} – ${mon(e)} ${e.getUTCDate()}`;
}

/** The dates of a period and their labels in `locale`. */
export function costPeriods(period: Period, now: number, locale: Locale = 'en'): CostPeriods {
  const t = M.in(locale);
  const today = dayStart(now);
  const tomorrow = today + DAY;
  const month = monthStart(now);
  const monthName = (ms: number) =>
    t('monthYear', { month: monthWord(new Date(ms).getUTCMonth(), locale), year: new Date(ms).getUTCFullYear() });
  const range = (a: number, b: number): DateRange => ({ start: isoDay(a), end: isoDay(b) });
  switch (period) {
    case 'mtd': {
      const prevStart = monthStart(now, -1);
      const prevEnd = Math.min(prevStart + (tomorrow - month), month);
      const current = range(month, tomorrow);
      const previous = range(prevStart, prevEnd);
      const nextMonth = monthStart(now, 1);
      return {
        period,
        current,
        previous,
        label: t('mtd', { range: rangeLabel(current, locale) }),
        previousLabel: t('sameDaysOf', {
          month: monthWord(new Date(prevStart).getUTCMonth(), locale),
          range: rangeLabel(previous, locale),
        }),
        forecast: range(today, nextMonth),
        monthLabel: monthName(month),
        hours: (now - month) / 3_600_000,
      };
    }
    case '7d':
    case '30d': {
      const days = period === '7d' ? 7 : 30;
      const current = range(today - days * DAY, today);
      const previous = range(today - 2 * days * DAY, today - days * DAY);
      return {
        period,
        current,
        previous,
        label: t('lastDays', { n: days, range: rangeLabel(current, locale) }),
        previousLabel: t('daysBefore', { n: days, range: rangeLabel(previous, locale) }),
        monthLabel: monthName(month),
        hours: days * 24,
      };
    }
    case 'last-month': {
      const start = monthStart(now, -1);
      const current = range(start, month);
      const previous = range(monthStart(now, -2), start);
      return {
        period,
        current,
        previous,
        label: monthName(start),
        previousLabel: monthName(monthStart(now, -2)),
        monthLabel: monthName(start),
        hours: (month - start) / 3_600_000,
      };
    }
  }
}

export interface CostScope {
  region: string;
  accountId?: string;
  cluster: string;
  /** The ECS service name, for a one-service answer. */
  serviceName?: string;
}

/** All of: every expression given (Cost Explorer wants a bare expression when there is one). */
function and(exprs: Expression[]): Expression {
  return exprs.length === 1 ? exprs[0]! : { And: exprs };
}

/** ECS (and optionally ECR) spend in the region: SERVICE, REGION, and LINKED_ACCOUNT when configured. */
function scopeParts(scope: CostScope, services: ReadonlyArray<keyof typeof CE_SERVICE>): Expression[] {
  const parts: Expression[] = [
    { Dimensions: { Key: 'SERVICE', Values: services.map((s) => CE_SERVICE[s]) } },
    { Dimensions: { Key: 'REGION', Values: [scope.region] } },
  ];
  if (scope.accountId) parts.push({ Dimensions: { Key: 'LINKED_ACCOUNT', Values: [scope.accountId] } });
  return parts;
}

/** One service's ECS spend: its cluster and service tags. */
function serviceFilter(scope: CostScope & { serviceName: string }): Expression {
  return and([
    ...scopeParts(scope, ['ecs']),
    { Tags: { Key: TAG_CLUSTER, Values: [scope.cluster] } },
    { Tags: { Key: TAG_SERVICE, Values: [scope.serviceName] } },
  ]);
}

/**
 * The environment's cost: ECS and ECR in its region (and account), without what other clusters'
 * services cost (tagged with another `aws:ecs:clusterName`); cost without the cluster tag (ECR,
 * untagged tasks) stays in. So one request grouped by the service tag alone splits the
 * environment's own services apart, and serves every service's figure too.
 */
function environmentFilter(scope: CostScope): Expression {
  return and([
    ...scopeParts(scope, ['ecs', 'ecr']),
    { Or: [{ Tags: { Key: TAG_CLUSTER, Values: [scope.cluster] } }, { Tags: { Key: TAG_CLUSTER, MatchOptions: ['ABSENT'] } }] },
  ]);
}

/** One calendar month of daily data (the current month up to today), or several in a row. */
export interface MonthSlice extends DateRange {
  /** YYYY-MM */
  month: string;
}

/**
 * The calendar months a range touches, newest first: each from its first day to the next month's
 * (the current month to tomorrow: today so far). A month's slice depends on the month and today
 * only, not on the period asked: mtd, 7d, 30d and last-month share the months they have in common.
 */
export function monthSlices(r: DateRange, now: number): MonthSlice[] {
  const tomorrow = dayStart(now) + DAY;
  const out: MonthSlice[] = [];
  const last = parseDay(r.end) - DAY;
  for (let m = monthStart(parseDay(r.start)); m <= last; m = monthStart(m, 1)) {
    out.push({ month: isoDay(m).slice(0, 7), start: isoDay(m), end: isoDay(Math.min(monthStart(m, 1), tomorrow)) });
  }
  return out.reverse();
}

/**
 * The environment's daily cost over `r` (one month slice, or consecutive ones asked together),
 * grouped by AWS service (ECS / ECR) and the `aws:ecs:serviceName` tag: the total, the ECS / ECR
 * split, every service's figure and what is untagged, from one request.
 */
export function environmentDailyRequest(scope: CostScope, r: DateRange): GetCostAndUsageRequest {
  return {
    TimePeriod: { Start: r.start, End: r.end },
    Granularity: 'DAILY',
    Metrics: [METRIC],
    Filter: environmentFilter(scope),
    GroupBy: [
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'TAG', Key: TAG_SERVICE },
    ],
  };
}

/** The previous period and the current one together (the previous one always comes first). */
export function bothPeriods(p: CostPeriods): DateRange {
  return { start: p.previous.start, end: p.current.end };
}

/** The results of the days in `r`. */
export function resultsIn(results: readonly ResultByTime[], r: DateRange): ResultByTime[] {
  return results.filter((res) => inRange(res.TimePeriod?.Start, r));
}

/** The current period by usage type (Fargate vCPU hours, GB hours, ECR storage…), for an environment or one tagged service. */
export function byUsageTypeRequest(scope: CostScope, p: CostPeriods): GetCostAndUsageRequest {
  return {
    TimePeriod: { Start: p.current.start, End: p.current.end },
    Granularity: 'MONTHLY',
    Metrics: [METRIC],
    Filter: scope.serviceName ? serviceFilter({ ...scope, serviceName: scope.serviceName }) : environmentFilter(scope),
    GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
  };
}

/** Today to the end of this month (month to date only). */
export function forecastRequest(scope: CostScope, p: CostPeriods): GetCostForecastRequest | undefined {
  if (!p.forecast) return undefined;
  return {
    TimePeriod: { Start: p.forecast.start, End: p.forecast.end },
    Metric: 'UNBLENDED_COST',
    Granularity: 'MONTHLY',
    Filter: scope.serviceName ? serviceFilter({ ...scope, serviceName: scope.serviceName }) : environmentFilter(scope),
  };
}

/** A JSON rendering with sorted keys: the same request always hashes the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const amountOf = (m: Record<string, { Amount?: string }> | undefined): number => Number(m?.[METRIC]?.Amount ?? 0) || 0;

const inRange = (day: string | undefined, r: DateRange): boolean => day !== undefined && day >= r.start && day < r.end;

export interface DailyAmount {
  date: string;
  amount: number;
}

/** Every day of a range with the amount of the groups `pick` accepts (all groups, or Total when there are none). */
export function dailyAmounts(
  results: readonly ResultByTime[],
  r: DateRange,
  pick: (keys: readonly string[]) => boolean = () => true,
): DailyAmount[] {
  const byDay = new Map<string, number>();
  for (let t = parseDay(r.start); t < parseDay(r.end); t += DAY) byDay.set(isoDay(t), 0);
  for (const res of results) {
    const day = res.TimePeriod?.Start;
    if (!inRange(day, r)) continue;
    const amount = res.Groups?.length
      ? res.Groups.filter((g) => pick(g.Keys ?? [])).reduce((n, g) => n + amountOf(g.Metrics), 0)
      : amountOf(res.Total);
    byDay.set(day!, (byDay.get(day!) ?? 0) + amount);
  }
  return [...byDay].map(([date, amount]) => ({ date, amount }));
}

export const sum = (days: readonly DailyAmount[]): number => days.reduce((n, d) => n + d.amount, 0);

/** Whether AWS marked any result in the range as estimated (recent, not final). */
export function anyEstimated(results: readonly ResultByTime[], r: DateRange): boolean {
  return results.some((res) => inRange(res.TimePeriod?.Start, r) && res.Estimated === true);
}

/** Per-group totals over a range, by the group key at `index` (e.g. SERVICE or USAGE_TYPE). */
export function totalsByKey(
  results: readonly ResultByTime[],
  r: DateRange | undefined,
  keyOf: (keys: readonly string[]) => string | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const res of results) {
    if (r && !inRange(res.TimePeriod?.Start, r)) continue;
    for (const g of res.Groups ?? []) {
      const k = keyOf(g.Keys ?? []);
      if (k === undefined) continue;
      out.set(k, (out.get(k) ?? 0) + amountOf(g.Metrics));
    }
  }
  return out;
}

/** "aws:ecs:serviceName$web-prod" → "web-prod"; "aws:ecs:serviceName$" → "" (untagged). */
function tagValue(key: string | undefined, tag: string): string | undefined {
  if (key === undefined || !key.startsWith(tag + '$')) return undefined;
  return key.slice(tag.length + 1);
}

interface TagBreakdown {
  /** ECS service name → amount, for the environment's cluster. */
  byService: Map<string, number>;
  /** ECS cost without the service tag (untagged tasks, or spend before the tags were activated). */
  untagged: number;
  /** Whether any cost carries the service tag: the tags are active and have data. */
  hasData: boolean;
}

/** The environment's results (AWS service, service tag: environmentDailyRequest) by ECS service over a range. */
export function tagBreakdown(results: readonly ResultByTime[], r: DateRange): TagBreakdown {
  const byService = new Map<string, number>();
  let untagged = 0;
  let hasData = false;
  for (const res of results) {
    if (!inRange(res.TimePeriod?.Start, r)) continue;
    for (const g of res.Groups ?? []) {
      const [service, tag] = g.Keys ?? [];
      if (service !== CE_SERVICE.ecs) continue;
      const s = tagValue(tag, TAG_SERVICE);
      const amount = amountOf(g.Metrics);
      if (!s) {
        untagged += amount;
        continue;
      }
      if (amount > 0) hasData = true;
      byService.set(s, (byService.get(s) ?? 0) + amount);
    }
  }
  return { byService, untagged, hasData };
}

/** Whether an (AWS service, service tag) group is one ECS service's. */
export function isServiceGroup(serviceName: string): (keys: readonly string[]) => boolean {
  return (keys) => keys[0] === CE_SERVICE.ecs && tagValue(keys[1], TAG_SERVICE) === serviceName;
}

/**
 * Daily grouped results as they are cached: each group key string once, each group a row of key
 * indexes and its amount (to a millionth of a dollar). A month of an environment with 50 services
 * fits the cache this way (src/redis/bounds.ts COST_CACHE_MAX_BYTES), where Cost Explorer's own
 * JSON of it would not (test/unit/cost-render.test.ts).
 */
export interface CompactResults {
  keys: string[];
  /** [start, end, estimated (1/0), total without groups, [[key index…, amount]…]] */
  days: Array<[string, string, number, number, number[][]]>;
}

const micro = (n: number): number => Math.round(n * 1e6) / 1e6;

export function compactResults(results: readonly ResultByTime[]): CompactResults {
  const keys: string[] = [];
  const index = new Map<string, number>();
  const id = (k: string): number => {
    let i = index.get(k);
    if (i === undefined) {
      i = keys.push(k) - 1;
      index.set(k, i);
    }
    return i;
  };
  const days = results.map((res): CompactResults['days'][number] => [
    res.TimePeriod?.Start ?? '',
    res.TimePeriod?.End ?? '',
    res.Estimated ? 1 : 0,
    res.Groups?.length ? 0 : micro(amountOf(res.Total)),
    (res.Groups ?? []).map((g) => [...(g.Keys ?? []).map(id), micro(amountOf(g.Metrics))]),
  ]);
  return { keys, days };
}

/** compactResults, read back (amounts in the metric this module asks for). */
export function expandResults(c: CompactResults): ResultByTime[] {
  const money = (n: number) => ({ [METRIC]: { Amount: String(n), Unit: 'USD' } });
  return c.days.map(([start, end, estimated, total, groups]) => ({
    TimePeriod: { Start: start, End: end },
    Estimated: estimated === 1,
    Total: groups.length ? {} : money(total),
    Groups: groups.map((row) => ({ Keys: row.slice(0, -1).map((i) => c.keys[i] ?? ''), Metrics: money(row.at(-1) ?? 0) })),
  }));
}
