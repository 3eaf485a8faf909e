/**
 * Cost Explorer of the fake world: daily line items (service, region, account, usage type,
 * cost-allocation tags, amount), by default derived from the ECS world's services (Fargate vCPU
 * and GB hours of their desired tasks, at on-demand Linux/x86 prices) plus any added by hand.
 * GetCostAndUsage filters them with CE's expression language (And / Or / Not, Dimensions,
 * Tags), groups by up to two dimensions or tags (tag keys answer as `key$value`), by day or
 * month, and marks the last two days Estimated. GetCostForecast extends the last 14 days.
 */
import type { Expression, GroupDefinition } from '@aws-sdk/client-cost-explorer';
import { AwsFault } from '../fault';
import type { AwsHandler } from '../server';
import { context, type WorldContext, type WorldOptions } from './common';
import type { EcsWorld } from './ecs';

export interface LineItem {
  /** YYYY-MM-DD */
  date: string;
  service: string;
  usageType: string;
  amount: number;
  region?: string;
  account?: string;
  tags?: Record<string, string>;
}

export interface ServiceCostSource {
  cluster: string;
  name: string;
}

export interface CostWorldOptions extends WorldOptions {
  /** Services whose Fargate cost is derived from the ECS world (all of them when omitted). */
  ecs?: EcsWorld;
  services?: ServiceCostSource[];
  /** Days of history derived from ECS (default 70). */
  historyDays?: number;
}

const DAY = 86_400_000;
const ECS_SERVICE = 'Amazon Elastic Container Service';
/** Fargate on-demand, Linux/x86, eu-west-1 (per hour). */
const VCPU_HOUR = 0.04048;
const GB_HOUR = 0.004445;

const REGION_CODES: Record<string, string> = {
  'us-east-1': 'USE1',
  'us-east-2': 'USE2',
  'us-west-1': 'USW1',
  'us-west-2': 'USW2',
  'eu-west-1': 'EUW1',
  'eu-west-2': 'EUW2',
  'eu-west-3': 'EUW3',
  'eu-central-1': 'EUC1',
  'eu-north-1': 'EUN1',
  'ap-northeast-1': 'APN1',
  'ap-southeast-1': 'APS1',
  'ap-southeast-2': 'APS2',
};

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const parseDay = (d: string): number => Date.parse(`${d}T00:00:00Z`);

function dimensionOf(item: LineItem, key: string, ctx: WorldContext): string | undefined {
  switch (key) {
    case 'SERVICE':
      return item.service;
    case 'REGION':
      return item.region ?? ctx.region;
    case 'LINKED_ACCOUNT':
      return item.account ?? ctx.account;
    case 'USAGE_TYPE':
      return item.usageType;
    case 'RECORD_TYPE':
      return 'Usage';
    default:
      return undefined;
  }
}

function matches(item: LineItem, e: Expression | undefined, ctx: WorldContext): boolean {
  if (!e) return true;
  if (e.And) return e.And.every((x) => matches(item, x, ctx));
  if (e.Or) return e.Or.some((x) => matches(item, x, ctx));
  if (e.Not) return !matches(item, e.Not, ctx);
  if (e.Dimensions) {
    const v = dimensionOf(item, e.Dimensions.Key ?? '', ctx);
    return v !== undefined && (e.Dimensions.Values ?? []).includes(v);
  }
  if (e.Tags) {
    const v = item.tags?.[e.Tags.Key ?? ''];
    if (e.Tags.MatchOptions?.includes('ABSENT')) return v === undefined;
    return v !== undefined && (e.Tags.Values ?? []).includes(v);
  }
  if (e.CostCategories) return false;
  throw new AwsFault('ValidationException', 'Expression is empty or has an unknown operator.');
}

function groupKey(item: LineItem, g: GroupDefinition, ctx: WorldContext): string {
  if (g.Type === 'TAG') return `${g.Key}$${item.tags?.[g.Key ?? ''] ?? ''}`;
  return dimensionOf(item, g.Key ?? '', ctx) ?? 'NoValue';
}

export class CostWorld {
  private readonly ctx: WorldContext;
  private readonly items: LineItem[] = [];

  constructor(private readonly o: CostWorldOptions) {
    this.ctx = context(o);
  }

  addLineItem(item: LineItem): void {
    this.items.push({ ...item });
  }

  /** The line items of [start, end) (YYYY-MM-DD), hand-made ones and those derived from ECS. */
  lineItems(start: string, end: string): LineItem[] {
    const today = parseDay(isoDay(this.ctx.now()));
    const from = Math.max(parseDay(start), today - (this.o.historyDays ?? 70) * DAY);
    const to = Math.min(parseDay(end), today + DAY);
    const out = this.items.filter((i) => i.date >= start && i.date < end);
    const ecs = this.o.ecs;
    if (!ecs) return out;
    const prefix = REGION_CODES[this.ctx.region] ?? this.ctx.region.toUpperCase();
    for (const src of this.o.services ?? ecs.serviceNames()) {
      let svc;
      try {
        svc = ecs.service(src.cluster, src.name);
      } catch {
        continue;
      }
      const td = svc.taskDefinition ? ecs.taskDefinition(svc.taskDefinition) : undefined;
      const vcpu = Number(td?.cpu ?? 256) / 1024;
      const gb = Number(td?.memory ?? 512) / 1024;
      const tasks = svc.desiredCount ?? 0;
      const tags = { 'aws:ecs:clusterName': src.cluster, 'aws:ecs:serviceName': src.name };
      for (let t = from; t < to; t += DAY) {
        // Today so far: the hours elapsed.
        const hours = t === today ? Math.max(1, Math.floor((this.ctx.now() - today) / 3_600_000)) : 24;
        const date = isoDay(t);
        out.push({
          date,
          service: ECS_SERVICE,
          usageType: `${prefix}-Fargate-vCPU-Hours:perCPU`,
          amount: tasks * vcpu * hours * VCPU_HOUR,
          tags,
        });
        out.push({ date, service: ECS_SERVICE, usageType: `${prefix}-Fargate-GB-Hours`, amount: tasks * gb * hours * GB_HOUR, tags });
      }
    }
    return out;
  }

  handlers(): Record<string, AwsHandler> {
    return {
      GetCostAndUsage: (call) => {
        const { TimePeriod, Granularity, Metrics, Filter, GroupBy } = call.input as {
          TimePeriod?: { Start?: string; End?: string };
          Granularity?: string;
          Metrics?: string[];
          Filter?: Expression;
          GroupBy?: GroupDefinition[];
        };
        const start = TimePeriod?.Start ?? '';
        const end = TimePeriod?.End ?? '';
        if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end))
          throw new AwsFault('ValidationException', 'Start and End must be dates (YYYY-MM-DD).');
        if (start >= end) throw new AwsFault('ValidationException', 'Start date (and hour) should be before end date (and hour)');
        if (!Metrics?.length) throw new AwsFault('ValidationException', 'Metrics is required.');
        if ((GroupBy?.length ?? 0) > 2) throw new AwsFault('ValidationException', 'You can group by at most two dimensions or tags.');
        const monthly = Granularity === 'MONTHLY';
        const periods: Array<{ Start: string; End: string }> = [];
        for (let t = parseDay(start); t < parseDay(end);) {
          const d = new Date(t);
          const next = monthly ? Math.min(parseDay(end), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) : t + DAY;
          periods.push({ Start: isoDay(t), End: isoDay(next) });
          t = next;
        }
        const items = this.lineItems(start, end).filter((i) => matches(i, Filter, this.ctx));
        const estimatedFrom = isoDay(this.ctx.now() - 2 * DAY);
        const money = (n: number) =>
          Object.fromEntries(Metrics.map((m) => [m, { Amount: n.toFixed(10).replace(/0+$/, '').replace(/\.$/, ''), Unit: 'USD' }]));
        const ResultsByTime = periods.map((p) => {
          const inPeriod = items.filter((i) => i.date >= p.Start && i.date < p.End);
          const base = { TimePeriod: p, Estimated: p.End > estimatedFrom };
          if (!GroupBy?.length) return { ...base, Total: money(inPeriod.reduce((n, i) => n + i.amount, 0)), Groups: [] };
          const groups = new Map<string, { keys: string[]; amount: number }>();
          for (const i of inPeriod) {
            const keys = GroupBy.map((g) => groupKey(i, g, this.ctx));
            const k = keys.join('\0');
            const g = groups.get(k) ?? { keys, amount: 0 };
            g.amount += i.amount;
            groups.set(k, g);
          }
          return { ...base, Total: {}, Groups: [...groups.values()].map((g) => ({ Keys: g.keys, Metrics: money(g.amount) })) };
        });
        return { GroupDefinitions: GroupBy ?? [], ResultsByTime, DimensionValueAttributes: [] };
      },
      GetCostForecast: (call) => {
        const { TimePeriod, Filter, Metric } = call.input as {
          TimePeriod?: { Start?: string; End?: string };
          Filter?: Expression;
          Metric?: string;
        };
        const start = TimePeriod?.Start ?? '';
        const end = TimePeriod?.End ?? '';
        const today = isoDay(this.ctx.now());
        if (start < today) throw new AwsFault('ValidationException', 'Start date must be equal to or later than the current date.');
        if (start >= end) throw new AwsFault('ValidationException', 'Start date (and hour) should be before end date (and hour)');
        if (!Metric) throw new AwsFault('ValidationException', 'Metric is required.');
        const history = this.lineItems(isoDay(this.ctx.now() - 14 * DAY), today).filter((i) => matches(i, Filter, this.ctx));
        if (!history.length) throw new AwsFault('DataUnavailableException', 'Insufficient amount of historical data to generate forecast.');
        const perDay = history.reduce((n, i) => n + i.amount, 0) / 14;
        const days = (parseDay(end) - parseDay(start)) / DAY;
        const total = perDay * days;
        const amount = (n: number) => n.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
        return {
          Total: { Amount: amount(total), Unit: 'USD' },
          ForecastResultsByTime: [
            {
              TimePeriod: { Start: start, End: end },
              MeanValue: amount(total),
              PredictionIntervalLowerBound: amount(total * 0.9),
              PredictionIntervalUpperBound: amount(total * 1.1),
            },
          ],
        };
      },
    };
  }
}
