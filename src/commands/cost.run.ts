/**
 * The worker part of `/ecs cost`. Every Cost Explorer request costs $0.01 and the data only
 * refreshes a few times a day, so each exact request is cached in Redis for hours (keyed by the
 * SHA-256 of the request) together with when it was fetched; the answer says how old it is.
 * A Redis outage only costs money: the answer still comes, straight from Cost Explorer.
 */
import { createHash } from 'node:crypto';
import type { GetCostAndUsageRequest, GetCostForecastRequest, ResultByTime } from '@aws-sdk/client-cost-explorer';
import { keys } from '../redis/keys';
import { spendOnce, type Fetched } from './cost-spend';
import { getCostAndUsage, getCostForecast } from '../aws/cost-explorer';
import { isUnavailableApi } from '../aws/errors';
import { describeServices } from '../aws/ecs';
import { FARGATE_PRICES_AS_OF } from '../aws/fargate-pricing';
import { code } from '../slack/text';
import { envAccess, servicesIn } from '../config/load';
import type { AwsAccess } from '../aws/clients';
import type { ResolvedService } from '../config/schema';
import { isBotError } from '../errors';
import type { Runtime } from '../runtime';
import type { CostArgs } from './cost';
import { answer, audienceOf, clusterHint, describeConfiguredService } from './readers.run';
import { costMessage, costText, type Breakdown, type CostView } from './render/cost';
import type { Locale } from '../i18n/locale';
import {
  anyEstimated,
  byAwsServiceRequest,
  byServiceTagRequest,
  byUsageTypeRequest,
  CE_SERVICE,
  costPeriods,
  dailyAmounts,
  forecastRequest,
  isoDay,
  isServiceGroup,
  stableJson,
  sum,
  tagBreakdown,
  totalsByKey,
  type CostPeriods,
  type CostScope,
} from './render/cost-plan';
import { describeDistinctTaskDefinitions } from './status.run';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';
import { estimateService, type Estimate } from './render/cost-estimate';

type CostAndUsage = { ResultsByTime: ResultByTime[]; truncated: boolean };
type Forecast = { amount: number };

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
  /** Who asked: the calls this answer makes count against their hourly budget. */
  constructor(readonly user: string) {}
  add<T>(f: Fetched<T>): Fetched<T> {
    this.fetched.push(f);
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
          : err.userMessageIn(locale).replace(/[*_`]/g, '');
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
  const q1 = await costAndUsage(rt, src, access, byAwsServiceRequest(scope, p));
  const daily = dailyAmounts(q1.ResultsByTime, p.current);
  const total = sum(daily);
  const previous = { total: sum(dailyAmounts(q1.ResultsByTime, p.previous)), label: p.previousLabel };
  const split = [...totalsByKey(q1.ResultsByTime, p.current, (k) => k[0])].map(([k, amount]) => ({
    label: AWS_SERVICE_LABEL[k] ?? k,
    amount,
  }));
  const forecast = await monthEnd(rt, src, access, forecastRequest(scope, p), daily, p, locale);

  let breakdown: Breakdown;
  const configured = servicesIn(rt.config, envName);
  if (a.by === 'usage-type') {
    const q4 = await costAndUsage(rt, src, access, byUsageTypeRequest(scope, p));
    breakdown = {
      kind: 'usage-type',
      title: t('byUsageType'),
      rows: [...totalsByKey(q4.ResultsByTime, undefined, (k) => k[0])].map(([label, amount]) => ({ label, amount })),
    };
  } else {
    const q2 = await costAndUsage(rt, src, access, byServiceTagRequest(scope, p));
    const tags = tagBreakdown(q2.ResultsByTime, p.current, env.cluster);
    if (tags.hasData) {
      const names = new Set(configured.map((s) => s.service));
      const rows = configured.map((s) => ({ label: s.alias, amount: tags.byService.get(s.service) ?? 0, detail: code(s.service) }));
      const other = [...tags.byService].filter(([n]) => !names.has(n)).reduce((n, [, v]) => n + v, 0);
      breakdown = { kind: 'tags', title: t('byServiceTags'), rows, untagged: tags.untagged, other };
    } else if (configured.length) {
      breakdown = {
        kind: 'estimate',
        title: t('byServiceEstimate'),
        rows: await estimates(rt, configured, p, locale),
        region: env.region,
        pricesAsOf: FARGATE_PRICES_AS_OF,
      };
    } else {
      breakdown = { kind: 'none', note: t('noServices', { env: code(envName) }) };
    }
  }
  return {
    scopeLabel: envName,
    periodLabel: p.label,
    total,
    previous,
    daily,
    today: p.period === 'mtd' ? isoDay(now) : undefined,
    split,
    forecast,
    breakdown,
    estimated: anyEstimated(q1.ResultsByTime, p.current),
    dataAsOf: src.dataAsOf,
    cached: src.cached,
    truncated: src.truncated,
    now,
  };
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
  const t = costText.in(locale);
  const env = svc.env;
  const access = svc.env;
  const envScope: CostScope = { region: env.region, accountId: env.accountId, cluster: env.cluster };
  const scope: CostScope = { ...envScope, serviceName: svc.service };
  const scopeLabel = `${svc.alias} (${svc.environment})`;
  // The same request as the environment's per-service breakdown: one cache entry serves both.
  const q2 = await costAndUsage(rt, src, access, byServiceTagRequest(envScope, p));
  const tags = tagBreakdown(q2.ResultsByTime, p.current, env.cluster);
  if (!tags.hasData) {
    const rows = await estimates(rt, [svc], p, locale);
    return {
      scopeLabel,
      periodLabel: p.label,
      breakdown: {
        kind: 'estimate',
        title: t('serviceEstimate'),
        rows,
        region: env.region,
        pricesAsOf: FARGATE_PRICES_AS_OF,
      },
      estimated: false,
      dataAsOf: src.dataAsOf,
      cached: src.cached,
      truncated: src.truncated,
      now,
    };
  }
  const mine = isServiceGroup(env.cluster, svc.service);
  const daily = dailyAmounts(q2.ResultsByTime, p.current, mine);
  const total = sum(daily);
  const previous = { total: sum(dailyAmounts(q2.ResultsByTime, p.previous, mine)), label: p.previousLabel };
  const forecast = await monthEnd(rt, src, access, forecastRequest(scope, p), daily, p, locale);
  let breakdown: Breakdown | undefined;
  if (a.by === 'usage-type') {
    const q4 = await costAndUsage(rt, src, access, byUsageTypeRequest(scope, p));
    breakdown = {
      kind: 'usage-type',
      title: t('byUsageType'),
      rows: [...totalsByKey(q4.ResultsByTime, undefined, (k) => k[0])].map(([label, amount]) => ({ label, amount })),
    };
  }
  return {
    scopeLabel,
    periodLabel: p.label,
    total,
    previous,
    daily,
    today: p.period === 'mtd' ? isoDay(now) : undefined,
    forecast,
    breakdown,
    estimated: anyEstimated(q2.ResultsByTime, p.current),
    dataAsOf: src.dataAsOf,
    cached: src.cached,
    truncated: src.truncated,
    now,
  };
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
}
