/**
 * The worker part of `/ecs cost`. Every Cost Explorer request costs $0.01 and the data only
 * refreshes a few times a day, so each exact request is cached in Redis for hours (keyed by the
 * SHA-256 of the request) together with when it was fetched; the answer says how old it is.
 * An environment's daily cost is one request grouped by AWS service and the service tag, kept
 * per calendar month (environmentDaily): it answers the environment (total, ECS / ECR split, per
 * service) and each of its services, for every period. Forecasts are asked as they are (one per
 * environment or service scope): they cannot be grouped, and are never derived here.
 * A Redis outage only costs money: the answer still comes, straight from Cost Explorer.
 */
import { createHash } from 'node:crypto';
import type { GetCostAndUsageRequest, GetCostForecastRequest, ResultByTime } from '@aws-sdk/client-cost-explorer';
import { keys } from '../redis/keys';
import { cacheAnswer, spendOnce, type Fetched } from './cost-spend';
import { getCostAndUsage, getCostForecast } from '../aws/cost-explorer';
import { isUnavailableApi } from '../aws/errors';
import { describeServices } from '../aws/ecs';
import { FARGATE_PRICES_AS_OF } from '../aws/fargate-pricing';
import { code, notificationText } from '../slack/text';
import { envAccess, servicesIn } from '../config/load';
import type { AwsAccess } from '../aws/clients';
import type { ResolvedService } from '../config/schema';
import { isBotError } from '../errors';
import type { Runtime } from '../runtime';
import type { CostArgs } from './cost';
import { answer, audienceOf, clusterHint, describeConfiguredService } from './readers.run';
import { costMessage, costText, money, type Breakdown, type CostView } from './render/cost';
import { costChart } from '../charts/specs';
import { attachChart, chartText, type Chart } from './chart.run';
import type { Locale } from '../i18n/locale';
import {
  anyEstimated,
  byUsageTypeRequest,
  CE_SERVICE,
  costPeriods,
  bothPeriods,
  compactResults,
  dailyAmounts,
  environmentDailyRequest,
  expandResults,
  forecastRequest,
  isoDay,
  isServiceGroup,
  monthSlices,
  resultsIn,
  stableJson,
  sum,
  tagBreakdown,
  totalsByKey,
  type CompactResults,
  type CostPeriods,
  type CostScope,
  type DateRange,
} from './render/cost-plan';
import { describeDistinctTaskDefinitions } from './status.run';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';
import { estimateService, type Estimate } from './render/cost-estimate';

type CostAndUsage = { ResultsByTime: ResultByTime[]; truncated: boolean };
type Forecast = { amount: number };
/** One month of the environment's daily results as cached (compact: see compactResults). */
type CompactMonth = { results: CompactResults; truncated: boolean };

/** The SHA-256 naming one exact Cost Explorer request (its cache entry and its flight). */
function requestHash(operation: string, input: unknown): string {
  return createHash('sha256').update(stableJson({ operation, input })).digest('hex');
}

/** The cache key of one exact Cost Explorer request. */
export function costCacheKey(operation: string, input: unknown): string {
  return keys.costCache(requestHash(operation, input));
}

/** One exact request: cached, shared with identical ones in flight, counted against the asker's budget (./cost-spend.ts). */
function cached<T>(rt: Runtime, src: Sources, operation: string, input: unknown, fetch: () => Promise<T>): Promise<Fetched<T>> {
  return spendOnce(rt, src.user, requestHash(operation, input), fetch);
}

/** Tracks the Cost Explorer results one answer used: the oldest fetch time, cache use, truncation. */
class Sources {
  private readonly fetched: Array<Fetched<unknown>> = [];
  truncated = false;
  /** Requests whose answers this answer cached itself (months asked together): not "cached" when read back. */
  readonly storedHere = new Set<string>();
  /** Who asked: the calls this answer makes count against their hourly budget. */
  constructor(readonly user: string) {}
  add<T>(f: Fetched<T>, hash?: string): Fetched<T> {
    this.fetched.push(hash && f.cached && this.storedHere.has(hash) ? { ...f, cached: false } : f);
    return f;
  }
  get dataAsOf(): number | undefined {
    return this.fetched.length ? Math.min(...this.fetched.map((f) => f.fetchedAt)) : undefined;
  }
  get cached(): boolean {
    return this.fetched.some((f) => f.cached);
  }
}

function costAndUsage(rt: Runtime, src: Sources, access: AwsAccess, input: GetCostAndUsageRequest): Promise<CostAndUsage> {
  return cached(rt, src, 'GetCostAndUsage', input, async () => {
    const res = await getCostAndUsage(rt.aws.costExplorer(access), input);
    return { ResultsByTime: res.ResultsByTime ?? [], truncated: res.truncated };
  }).then((f) => {
    src.add(f);
    if (f.data.truncated) src.truncated = true;
    return f.data;
  });
}

/**
 * The environment's daily results (environmentDailyRequest) over `range`, one cache entry per
 * calendar month: the months are looked up newest first, and the first one missing is asked
 * together with every older month the range needs (one request), each kept as its own entry. So
 * the environment and each of its services, and every period, share what was asked once, and a
 * month already asked is not asked again when the current month is.
 */
async function environmentDaily(
  rt: Runtime,
  src: Sources,
  access: AwsAccess,
  scope: CostScope,
  range: DateRange,
  now: number,
): Promise<ResultByTime[]> {
  const slices = monthSlices(range, now);
  const out: ResultByTime[] = [];
  for (const [i, slice] of slices.entries()) {
    const input = environmentDailyRequest(scope, slice);
    const hash = requestHash('GetCostAndUsage', input);
    const f = await spendOnce<CompactMonth>(rt, src.user, hash, async () => {
      const older = slices.slice(i);
      const res = await getCostAndUsage(
        rt.aws.costExplorer(access),
        environmentDailyRequest(scope, { start: older.at(-1)!.start, end: slice.end }),
      );
      const all = res.ResultsByTime ?? [];
      const fetchedAt = rt.now();
      await Promise.all(
        older.slice(1).map((o) => {
          const h = requestHash('GetCostAndUsage', environmentDailyRequest(scope, o));
          src.storedHere.add(h);
          return cacheAnswer<CompactMonth>(rt, h, { results: compactResults(resultsIn(all, o)), truncated: res.truncated }, fetchedAt);
        }),
      );
      return { results: compactResults(resultsIn(all, slice)), truncated: res.truncated };
    });
    src.add(f, hash);
    if (f.data.truncated) src.truncated = true;
    out.push(...expandResults(f.data.results));
  }
  return out;
}

/** Month end = actual cost before today + the forecast from today; a forecast failure is a line, not an error. */
async function monthEnd(
  rt: Runtime,
  src: Sources,
  access: AwsAccess,
  input: GetCostForecastRequest | undefined,
  daily: ReadonlyArray<{ date: string; amount: number }>,
  p: CostPeriods,
  locale: Locale,
): Promise<CostView['forecast']> {
  if (!input) return undefined;
  try {
    const f = await cached<Forecast>(rt, src, 'GetCostForecast', input, async () => {
      const res = await getCostForecast(rt.aws.costExplorer(access), input);
      return { amount: Number(res.Total?.Amount ?? 0) || 0 };
    });
    src.add(f);
    const before = sum(daily.filter((d) => d.date < input.TimePeriod!.Start!));
    return { monthEnd: before + f.data.amount, monthLabel: p.monthLabel };
  } catch (err) {
    if (!isBotError(err)) throw err;
    rt.log.info('no cost forecast', { code: err.code, detail: err.message });
    const why =
      err.code === 'NOT_FOUND'
        ? costText.in(locale)('noForecastHistory')
        : isUnavailableApi(err)
          ? costText.in(locale)('noForecastApi')
          : notificationText(err.userMessageIn(locale));
    return { unavailable: why, monthLabel: p.monthLabel };
  }
}

async function estimates(rt: Runtime, configured: readonly ResolvedService[], p: CostPeriods, locale: Locale): Promise<Estimate[]> {
  const first = configured[0];
  if (!first) return [];
  const env = first.env;
  const ecs = rt.aws.ecs(env.region, env);
  let services;
  if (configured.length === 1) {
    services = [await describeConfiguredService(rt, first)];
  } else {
    services = (await describeServices(ecs, env.cluster, [...new Set(configured.map((s) => s.service))], clusterHint(env.name))).services;
  }
  const tds = await describeDistinctTaskDefinitions(
    ecs,
    services.map((s) => s.taskDefinition),
  );
  return configured.map((svc) => {
    const service = services.find((s) => s.serviceName === svc.service);
    return estimateService(
      {
        alias: svc.alias,
        serviceName: svc.service,
        service,
        taskDefinition: service?.taskDefinition ? tds[service.taskDefinition] : undefined,
        region: env.region,
        hours: p.hours,
      },
      locale,
    );
  });
}

const AWS_SERVICE_LABEL: Record<string, string> = { [CE_SERVICE.ecs]: 'ECS', [CE_SERVICE.ecr]: 'ECR' };

/** Where the answer's Cost Explorer data came from: how old it is, whether cached, whether cut short. */
function provenance(src: Sources, now: number): Pick<CostView, 'dataAsOf' | 'cached' | 'truncated' | 'now'> {
  return { dataAsOf: src.dataAsOf, cached: src.cached, truncated: src.truncated, now };
}

/**
 * The actual cost of a scope in the period (its daily amounts, total, the previous period and the
 * month-end forecast), from the environment's daily results; `mine` picks a service's share.
 */
async function actuals(
  rt: Runtime,
  src: Sources,
  access: AwsAccess,
  scope: CostScope,
  results: ResultByTime[],
  p: CostPeriods,
  now: number,
  locale: Locale,
  mine?: (keys: readonly string[]) => boolean,
): Promise<Pick<CostView, 'total' | 'previous' | 'daily' | 'today' | 'forecast' | 'estimated'>> {
  const daily = dailyAmounts(results, p.current, mine);
  const previous = { total: sum(dailyAmounts(results, p.previous, mine)), label: p.previousLabel };
  const forecast = await monthEnd(rt, src, access, forecastRequest(scope, p), daily, p, locale);
  return {
    total: sum(daily),
    previous,
    daily,
    today: p.period === 'mtd' ? isoDay(now) : undefined,
    forecast,
    estimated: anyEstimated(results, p.current),
  };
}

/** `--by usage-type`: the period's cost of the scope by usage type (one more request). */
async function usageTypeBreakdown(
  rt: Runtime,
  src: Sources,
  access: AwsAccess,
  scope: CostScope,
  p: CostPeriods,
  locale: Locale,
): Promise<Breakdown> {
  const q4 = await costAndUsage(rt, src, access, byUsageTypeRequest(scope, p));
  return {
    kind: 'usage-type',
    title: costText.in(locale)('byUsageType'),
    rows: [...totalsByKey(q4.ResultsByTime, undefined, (k) => k[0])].map(([label, amount]) => ({ label, amount })),
  };
}

/** Without cost allocation tags: what the services would cost at Fargate list prices. */
async function estimateBreakdown(
  rt: Runtime,
  configured: readonly ResolvedService[],
  p: CostPeriods,
  title: string,
  region: string,
  locale: Locale,
): Promise<Breakdown> {
  return { kind: 'estimate', title, rows: await estimates(rt, configured, p, locale), region, pricesAsOf: FARGATE_PRICES_AS_OF };
}

async function environmentCost(
  rt: Runtime,
  envName: string,
  a: CostArgs,
  p: CostPeriods,
  src: Sources,
  now: number,
  locale: Locale,
): Promise<CostView> {
  const t = costText.in(locale);
  const env = rt.config.environments[envName]!;
  const access = envAccess(rt.config, envName);
  const scope: CostScope = { region: env.region, accountId: env.accountId, cluster: env.cluster };
  const results = await environmentDaily(rt, src, access, scope, bothPeriods(p), now);
  const split = [...totalsByKey(results, p.current, (k) => k[0])].map(([k, amount]) => ({
    label: AWS_SERVICE_LABEL[k] ?? k,
    amount,
  }));
  const actual = await actuals(rt, src, access, scope, results, p, now, locale);

  let breakdown: Breakdown;
  const configured = servicesIn(rt.config, envName);
  if (a.by === 'usage-type') {
    breakdown = await usageTypeBreakdown(rt, src, access, scope, p, locale);
  } else {
    const tags = tagBreakdown(results, p.current);
    if (tags.hasData) {
      const names = new Set(configured.map((s) => s.service));
      const rows = configured.map((s) => ({ label: s.alias, amount: tags.byService.get(s.service) ?? 0, detail: code(s.service) }));
      const other = [...tags.byService].filter(([n]) => !names.has(n)).reduce((n, [, v]) => n + v, 0);
      breakdown = { kind: 'tags', title: t('byServiceTags'), rows, untagged: tags.untagged, other };
    } else if (configured.length) {
      breakdown = await estimateBreakdown(rt, configured, p, t('byServiceEstimate'), env.region, locale);
    } else {
      breakdown = { kind: 'none', note: t('noServices', { env: code(envName) }) };
    }
  }
  return { scopeLabel: envName, periodLabel: p.label, ...actual, split, breakdown, ...provenance(src, now) };
}

async function serviceCost(
  rt: Runtime,
  svc: ResolvedService,
  a: CostArgs,
  p: CostPeriods,
  src: Sources,
  now: number,
  locale: Locale,
): Promise<CostView> {
  const env = svc.env;
  const access = svc.env;
  const envScope: CostScope = { region: env.region, accountId: env.accountId, cluster: env.cluster };
  const scope: CostScope = { ...envScope, serviceName: svc.service };
  const scopeLabel = `${svc.alias} (${svc.environment})`;
  // The environment's own requests: the same cache entries serve the environment and each service.
  const results = await environmentDaily(rt, src, access, envScope, bothPeriods(p), now);
  const tags = tagBreakdown(results, p.current);
  if (!tags.hasData) {
    const breakdown = await estimateBreakdown(rt, [svc], p, costText.in(locale)('serviceEstimate'), env.region, locale);
    return { scopeLabel, periodLabel: p.label, breakdown, estimated: false, ...provenance(src, now) };
  }
  const actual = await actuals(rt, src, access, scope, results, p, now, locale, isServiceGroup(svc.service));
  const breakdown = a.by === 'usage-type' ? await usageTypeBreakdown(rt, src, access, scope, p, locale) : undefined;
  return { scopeLabel, periodLabel: p.label, ...actual, breakdown, ...provenance(src, now) };
}

export async function runCost(parsed: Parsed<CostArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const now = rt.now();
  const audience = await audienceOf(rt, inv, parsed);
  const p = costPeriods(parsed.args.period, now, audience.locale);
  const src = new Sources(inv.userId);
  const view = parsed.service
    ? await serviceCost(rt, parsed.service, parsed.args, p, src, now, audience.locale)
    : await environmentCost(rt, parsed.environment, parsed.args, p, src, now, audience.locale);
  await answer(rt, inv, costMessage(view, audience.locale), audience);
  const chart = costChartOf(view, audience.locale);
  if (chart) await attachChart(rt, inv, audience, chart);
}

/** The chart of a cost answer with daily amounts (not of an estimate, nor of a period without spend). */
export function costChartOf(view: CostView, locale: Locale): Chart | undefined {
  const daily = view.daily ?? [];
  const monthEnd = view.forecast && 'monthEnd' in view.forecast ? view.forecast.monthEnd : undefined;
  if (!daily.length || (!daily.some((d) => d.amount > 0) && !monthEnd)) return undefined;
  const t = chartText.in(locale);
  const spec = costChart({ scope: view.scopeLabel, daily, today: view.today, forecastMonthEnd: monthEnd });
  const forecastBars = spec.series.find((s) => s.dashed);
  const from = daily[0]!.date;
  const to = daily[daily.length - 1]!.date;
  const max = Math.max(...daily.map((d) => d.amount));
  const perDay = forecastBars?.points[0]?.y;
  return {
    spec,
    filename: `cost-${view.scopeLabel.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, '')}-${to}.png`,
    title: t('costTitle', { scope: view.scopeLabel }),
    caption: t('costCaption', { scope: view.scopeLabel, forecast: forecastBars ? t('costForecast') : '' }),
    alt: t('costAlt', {
      scope: view.scopeLabel,
      from,
      to,
      max: money(max),
      forecast: perDay !== undefined ? t('costAltForecast', { perDay: money(perDay) }) : '',
    }),
  };
}
