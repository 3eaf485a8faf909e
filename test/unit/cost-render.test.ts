/** `/ecs cost`: periods, exact requests, sums, estimates and the message. Pure; fixed clocks; no mocks. */
import type { ResultByTime } from '@aws-sdk/client-cost-explorer';
import { fitMessage } from '../../src/slack/blocks';
import { cost } from '../../src/commands/cost';
import { parseArgs } from '../../src/commands/grammar';
import { bar, barChart, change, costMessage, money, type CostView } from '../../src/commands/render/cost';
import {
  bothPeriods,
  byUsageTypeRequest,
  compactResults,
  costPeriods,
  dailyAmounts,
  environmentDailyRequest,
  expandResults,
  forecastRequest,
  isServiceGroup,
  monthSlices,
  rangeLabel,
  resultsIn,
  stableJson,
  tagBreakdown,
} from '../../src/commands/render/cost-plan';
import { COST_CACHE_MAX_BYTES } from '../../src/redis/bounds';
import { hourlyTaskPrice } from '../../src/aws/fargate-pricing';
import { parseConfig } from '../../src/config/load';
import { prodOnlyDoc } from '../helpers/config';
import { dailyResults, expectWithinSlackLimits, NOW, serviceWith, taskDefinitionWith, REGISTRY } from '../helpers/aws-fixtures';
import { estimateService } from '../../src/commands/render/cost-estimate';

describe('costPeriods', () => {
  it('month to date: this month through today, the same days of last month, forecast from today', () => {
    expect(costPeriods('mtd', NOW)).toEqual({
      period: 'mtd',
      current: { start: '2025-05-01', end: '2025-05-18' },
      previous: { start: '2025-04-01', end: '2025-04-18' },
      label: 'month to date (May 1–17)',
      previousLabel: 'the same days of April (Apr 1–17)',
      forecast: { start: '2025-05-17', end: '2025-06-01' },
      monthLabel: 'May 2025',
      hours: 396,
    });
  });
  it('month to date on March 31 compares with all of February, not past it', () => {
    const p = costPeriods('mtd', Date.UTC(2025, 2, 31, 8));
    expect(p.previous).toEqual({ start: '2025-02-01', end: '2025-03-01' });
    expect(p.forecast).toEqual({ start: '2025-03-31', end: '2025-04-01' });
    expect(p.current.end).toBe('2025-04-01'); // end exclusive, not past the start of next month
  });
  it('month to date on the 1st', () => {
    const p = costPeriods('mtd', Date.UTC(2025, 5, 1, 0, 30));
    expect(p.current).toEqual({ start: '2025-06-01', end: '2025-06-02' });
    expect(p.previous).toEqual({ start: '2025-05-01', end: '2025-05-02' });
    expect(p.label).toBe('month to date (Jun 1)');
  });
  it('7d and 30d are whole days before today', () => {
    expect(costPeriods('7d', NOW)).toMatchObject({
      current: { start: '2025-05-10', end: '2025-05-17' },
      previous: { start: '2025-05-03', end: '2025-05-10' },
      hours: 168,
    });
    expect(costPeriods('30d', NOW)).toMatchObject({
      current: { start: '2025-04-17', end: '2025-05-17' },
      previous: { start: '2025-03-18', end: '2025-04-17' },
      label: 'the last 30 days (Apr 17 – May 16)',
    });
    expect(costPeriods('7d', NOW).forecast).toBeUndefined();
  });
  it('last month in January is December of the year before', () => {
    expect(costPeriods('last-month', Date.UTC(2025, 0, 10))).toMatchObject({
      current: { start: '2024-12-01', end: '2025-01-01' },
      previous: { start: '2024-11-01', end: '2024-12-01' },
      label: 'December 2024',
      previousLabel: 'November 2024',
      hours: 744,
    });
  });
  it('rangeLabel', () => {
    expect(rangeLabel({ start: '2025-05-01', end: '2025-05-02' })).toBe('May 1');
    expect(rangeLabel({ start: '2025-04-28', end: '2025-05-05' })).toBe('Apr 28 – May 4');
  });
});

describe('requests', () => {
  const scope = { region: 'eu-west-1', accountId: '222222222222', cluster: 'prod' };
  const p = costPeriods('mtd', NOW);
  it('are exactly what Cost Explorer is asked (snapshot)', () => {
    expect({
      environmentDaily: environmentDailyRequest(scope, { start: '2025-04-01', end: '2025-05-18' }),
      forecastEnv: forecastRequest(scope, p),
      byUsageTypeEnv: byUsageTypeRequest(scope, p),
      byUsageTypeService: byUsageTypeRequest({ ...scope, serviceName: 'web-prod' }, p),
      forecastService: forecastRequest({ ...scope, serviceName: 'web-prod' }, p),
    }).toMatchSnapshot();
  });
  it('leave out LINKED_ACCOUNT without an account id, and use a bare expression for one condition', () => {
    const r = environmentDailyRequest({ region: 'eu-west-1', cluster: 'prod' }, p.current);
    expect(JSON.stringify(r.Filter)).not.toContain('LINKED_ACCOUNT');
    expect(JSON.stringify(forecastRequest({ region: 'eu-west-1', cluster: 'prod', serviceName: 'web-prod' }, p)!.Filter)).not.toContain(
      'LINKED_ACCOUNT',
    );
  });
  it("the environment's request keeps its cluster's tagged cost and what has no cluster tag, not other clusters'", () => {
    const r = environmentDailyRequest(scope, p.current);
    expect(r.Filter!.And).toContainEqual({
      Or: [{ Tags: { Key: 'aws:ecs:clusterName', Values: ['prod'] } }, { Tags: { Key: 'aws:ecs:clusterName', MatchOptions: ['ABSENT'] } }],
    });
    expect(r.GroupBy).toEqual([
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'TAG', Key: 'aws:ecs:serviceName' },
    ]);
    // The environment's forecast and usage-type breakdown cover what its total covers.
    expect(forecastRequest(scope, p)!.Filter).toEqual(r.Filter);
    expect(byUsageTypeRequest(scope, p).Filter).toEqual(r.Filter);
  });
  it('no forecast outside month to date', () => {
    expect(forecastRequest(scope, costPeriods('30d', NOW))).toBeUndefined();
  });
  it('stableJson: the same request hashes the same whatever the key order', () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(stableJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: 2 }));
  });
});

describe('monthSlices', () => {
  it('month to date: this month to tomorrow and all of last month, newest first', () => {
    expect(monthSlices(bothPeriods(costPeriods('mtd', NOW)), NOW)).toEqual([
      { month: '2025-05', start: '2025-05-01', end: '2025-05-18' },
      { month: '2025-04', start: '2025-04-01', end: '2025-05-01' },
    ]);
  });
  it('every period asks the same month slices: 7d inside this month, 30d over three months, last month over two', () => {
    expect(monthSlices(bothPeriods(costPeriods('7d', NOW)), NOW)).toEqual([{ month: '2025-05', start: '2025-05-01', end: '2025-05-18' }]);
    expect(monthSlices(bothPeriods(costPeriods('30d', NOW)), NOW).map((s) => s.month)).toEqual(['2025-05', '2025-04', '2025-03']);
    expect(monthSlices(bothPeriods(costPeriods('last-month', NOW)), NOW)).toEqual([
      { month: '2025-04', start: '2025-04-01', end: '2025-05-01' },
      { month: '2025-03', start: '2025-03-01', end: '2025-04-01' },
    ]);
  });
  it('across a year end, and on the 1st of a month', () => {
    expect(monthSlices(bothPeriods(costPeriods('mtd', Date.UTC(2025, 0, 1, 9))), Date.UTC(2025, 0, 1, 9))).toEqual([
      { month: '2025-01', start: '2025-01-01', end: '2025-01-02' },
      { month: '2024-12', start: '2024-12-01', end: '2025-01-01' },
    ]);
  });
});

describe('sums', () => {
  const range = { start: '2025-05-01', end: '2025-05-04' };
  it('dailyAmounts fills missing days with 0 and ignores days outside the range', () => {
    const results = dailyResults('2025-04-30', [5, 1, 2]);
    expect(dailyAmounts(results, range)).toEqual([
      { date: '2025-05-01', amount: 1 },
      { date: '2025-05-02', amount: 2 },
      { date: '2025-05-03', amount: 0 },
    ]);
  });
  const ECS = 'Amazon Elastic Container Service';
  const ECR = 'Amazon EC2 Container Registry (ECR)';
  const key = (k: string) => k.split('|');
  const results: ResultByTime[] = dailyResults(
    '2025-05-01',
    [
      { [`${ECS}|aws:ecs:serviceName$web-prod`]: 10, [`${ECS}|aws:ecs:serviceName$`]: 2, [`${ECR}|aws:ecs:serviceName$`]: 4 },
      { [`${ECS}|aws:ecs:serviceName$web-prod`]: 11, [`${ECS}|aws:ecs:serviceName$api`]: 1, [`${ECR}|aws:ecs:serviceName$`]: 4 },
    ],
    key,
  );
  it('tagBreakdown: per ECS service, untagged ECS apart, ECR (never tagged by ECS) in neither', () => {
    const t = tagBreakdown(results, range);
    expect(Object.fromEntries(t.byService)).toEqual({ 'web-prod': 21, api: 1 });
    expect(t.untagged).toBe(2);
    expect(t.hasData).toBe(true);
    const onlyUntagged = tagBreakdown(dailyResults('2025-05-01', [{ [`${ECS}|aws:ecs:serviceName$`]: 9 }], key), range);
    expect(onlyUntagged.hasData).toBe(false);
  });
  it('one request serves the environment (all groups, split by AWS service) and each service (its groups)', () => {
    expect(dailyAmounts(results, range).map((d) => d.amount)).toEqual([16, 16, 0]);
    expect(dailyAmounts(results, range, isServiceGroup('web-prod')).map((d) => d.amount)).toEqual([10, 11, 0]);
    expect(dailyAmounts(results, range, isServiceGroup('api')).map((d) => d.amount)).toEqual([0, 1, 0]);
    expect(resultsIn(results, { start: '2025-05-02', end: '2025-05-03' }).map((r) => r.TimePeriod!.Start)).toEqual(['2025-05-02']);
  });
});

describe('compactResults', () => {
  const ECS = 'Amazon Elastic Container Service';
  const ECR = 'Amazon EC2 Container Registry (ECR)';
  /** A month of an environment with `n` tagged services, as Cost Explorer answers it. */
  const month = (n: number): ResultByTime[] =>
    Array.from({ length: 31 }, (_, d) => {
      const day = `2025-05-${String(d + 1).padStart(2, '0')}`;
      const next = d === 30 ? '2025-06-01' : `2025-05-${String(d + 2).padStart(2, '0')}`;
      const amount = (x: number) => ({ UnblendedCost: { Amount: x.toFixed(10), Unit: 'USD' } });
      return {
        TimePeriod: { Start: day, End: next },
        Estimated: d > 28,
        Total: {},
        Groups: [
          ...Array.from({ length: n }, (_, i) => ({
            Keys: [ECS, `aws:ecs:serviceName$service-number-${i}-prod`],
            Metrics: amount(1.2345678901 * (i + 1)),
          })),
          { Keys: [ECS, 'aws:ecs:serviceName$'], Metrics: amount(0.5) },
          { Keys: [ECR, 'aws:ecs:serviceName$'], Metrics: amount(2) },
        ],
      };
    });
  it('reads back to the same sums, per day, per service and per AWS service', () => {
    const raw = month(3);
    const back = expandResults(JSON.parse(JSON.stringify(compactResults(raw))));
    const range = { start: '2025-05-01', end: '2025-06-01' };
    const cents = (xs: Array<{ amount: number }>) => xs.map((x) => x.amount.toFixed(4));
    expect(cents(dailyAmounts(back, range))).toEqual(cents(dailyAmounts(raw, range)));
    const services = (t: ReturnType<typeof tagBreakdown>) => [...t.byService].map(([k, v]) => [k, v.toFixed(4)]);
    expect(services(tagBreakdown(back, range))).toEqual(services(tagBreakdown(raw, range)));
    expect(tagBreakdown(back, range).untagged).toBeCloseTo(tagBreakdown(raw, range).untagged, 6);
    expect(back.map((r) => r.Estimated)).toEqual(raw.map((r) => r.Estimated));
    expect(back[0]!.Groups![0]!.Keys).toEqual([ECS, 'aws:ecs:serviceName$service-number-0-prod']);
    // A result without groups keeps its total.
    const totals = dailyResults('2025-05-01', [3, 4]);
    expect(dailyAmounts(expandResults(compactResults(totals)), { start: '2025-05-01', end: '2025-05-03' }).map((d) => d.amount)).toEqual([
      3, 4,
    ]);
  });
  it('a month of an environment with 50 services fits the cache; as Cost Explorer answers it, it would not', () => {
    const raw = month(50);
    expect(Buffer.byteLength(JSON.stringify(raw))).toBeGreaterThan(COST_CACHE_MAX_BYTES);
    expect(Buffer.byteLength(JSON.stringify(compactResults(raw)))).toBeLessThan(COST_CACHE_MAX_BYTES * 0.6);
  });
});

describe('estimateService', () => {
  const td = (over: Parameters<typeof taskDefinitionWith>[0] extends infer T ? Partial<T> : never = {}) =>
    taskDefinitionWith({ family: 'web-prod', revision: 1, image: `${REGISTRY}/shop/web:v1`, ...over });
  const base = { alias: 'web', serviceName: 'web-prod', region: 'eu-west-1', hours: 24 };

  it('running tasks × size × price × hours, labelled', () => {
    const e = estimateService({
      ...base,
      service: serviceWith({ name: 'web-prod', desired: 3 }),
      taskDefinition: td({ cpu: '256', memory: '512' }),
    });
    const hourly = 0.25 * 0.04048 + 0.5 * 0.004445;
    expect(e.amount).toBeCloseTo(hourly * 3 * 24, 10);
    expect(e.detail).toBe('3 × 0.25 vCPU / 0.5 GB x86');
  });
  it('ARM is 20 % cheaper', () => {
    expect(hourlyTaskPrice('eu-west-1', { cpuUnits: 1024, memoryMiB: 2048, arch: 'ARM64' })).toBeCloseTo(0.03238 + 2 * 0.00356, 10);
  });
  it('an unknown region says so rather than guessing', () => {
    expect(estimateService({ ...base, region: 'af-south-1', service: serviceWith({ name: 'web-prod' }), taskDefinition: td() })).toEqual({
      alias: 'web',
      serviceName: 'web-prod',
      reason: 'the bot has no Fargate price for `af-south-1`',
    });
  });
  it('EC2 capacity, Windows, no task size, missing service: each says why', () => {
    expect(
      estimateService({ ...base, service: { ...serviceWith({ name: 'web-prod' }), launchType: 'EC2' }, taskDefinition: td() }).reason,
    ).toContain('EC2 capacity');
    expect(
      estimateService({
        ...base,
        service: serviceWith({ name: 'web-prod' }),
        taskDefinition: { ...td(), runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' } },
      }).reason,
    ).toContain('Windows');
    expect(
      estimateService({ ...base, service: serviceWith({ name: 'web-prod' }), taskDefinition: { ...td(), cpu: undefined } }).reason,
    ).toContain('no task-level CPU and memory');
    expect(estimateService({ ...base }).reason).toContain('not found');
  });
  it('Fargate Spot is an upper bound', () => {
    const s = {
      ...serviceWith({ name: 'web-prod' }),
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    };
    expect(estimateService({ ...base, service: s, taskDefinition: td() }).detail).toContain('Fargate Spot priced as on-demand');
  });
});

describe('formatting', () => {
  it('money', () => {
    expect(money(1234.567)).toBe('$1,234.57');
    expect(money(0)).toBe('$0.00');
    expect(money(0.001)).toBe('<$0.01');
  });
  it('change', () => {
    expect(change(110, 100)).toBe(':arrow_up_small: +10.0%');
    expect(change(90, 100)).toBe(':arrow_down_small: −10.0%');
    expect(change(100, 100)).toBe('no change');
    expect(change(5, 0)).toBe('new spend (nothing in the previous period)');
    expect(change(0, 0)).toBe('no spend in either period');
  });
  it('bars in eighths of a cell', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 10, 4)).toBe('▍');
    expect(bar(0, 10, 4)).toBe('');
    expect(bar(0.0001, 10, 4)).toBe('▏'); // never invisible when there is spend
  });
  it('barChart aligns amounts and marks today', () => {
    expect(
      barChart(
        [
          { date: '2025-05-16', amount: 1000 },
          { date: '2025-05-17', amount: 250 },
        ],
        8,
        '2025-05-17',
      ),
    ).toBe('05-16 ████████ $1,000.00\n05-17 ██         $250.00  (today, so far)');
  });
});

const view = (): CostView => ({
  scopeLabel: 'prod',
  periodLabel: 'month to date (May 1–17)',
  total: 714,
  previous: { total: 544, label: 'the same days of April (Apr 1–17)' },
  daily: Array.from({ length: 17 }, (_, i) => ({ date: `2025-05-${String(i + 1).padStart(2, '0')}`, amount: 30 + (i % 5) * 3 })),
  today: '2025-05-17',
  split: [
    { label: 'ECS', amount: 680 },
    { label: 'ECR', amount: 34 },
  ],
  forecast: { monthEnd: 1302, monthLabel: 'May 2025' },
  breakdown: {
    kind: 'tags',
    title: '*By service*',
    rows: [
      { label: 'web', amount: 510, detail: '`web-prod`' },
      { label: 'worker', amount: 136 },
    ],
    untagged: 34,
    other: 0,
  },
  estimated: true,
  dataAsOf: NOW - 2 * 3_600_000,
  cached: true,
  now: NOW,
});

describe('costMessage', () => {
  it('an environment month to date (snapshot)', () => {
    const msg = costMessage(view());
    expect(msg).toMatchSnapshot();
    expectWithinSlackLimits(msg);
  });
  it('the total line does not repeat the period the header names (en and ko)', () => {
    const v = { ...view(), periodLabel: 'month to date (May 1–17)' };
    const first = (locale: 'en' | 'ko') => {
      const m = costMessage(v, locale);
      return { header: JSON.stringify(m.blocks[0]), line: (m.blocks[1] as { text: { text: string } }).text.text.split('\n')[0] };
    };
    expect(first('en').header).toContain('month to date (May 1–17)');
    expect(first('en').line).toBe(`*$714.00* · :arrow_up_small: +31.3% vs $544.00 in ${v.previous!.label}`);
    expect(first('ko').line).toBe(`*$714.00* · ${v.previous!.label} $544.00 대비 :arrow_up_small: +31.3%`);
  });
  it('an estimate shows how it was made and how to get real numbers', () => {
    const text = JSON.stringify(
      costMessage({
        ...view(),
        total: undefined,
        previous: undefined,
        daily: undefined,
        split: undefined,
        forecast: undefined,
        breakdown: {
          kind: 'estimate',
          title: '*Estimate*',
          region: 'eu-west-1',
          pricesAsOf: '2026-03',
          rows: [
            { alias: 'web', serviceName: 'web-prod', amount: 29.33, perDay: 1.78, detail: '3 × 0.5 vCPU / 1 GB x86' },
            { alias: 'batch', serviceName: 'batch', reason: 'it runs on EC2 capacity' },
          ],
        },
      }).blocks,
    );
    expect(text).toContain('*web* ≈ $29.33 · 3 × 0.5 vCPU / 1 GB x86 · ≈ $1.78/day');
    expect(text).toContain('*batch* estimate unavailable: it runs on EC2 capacity');
    expect(text).toContain('not from your bill');
    expect(text).toContain('aws:ecs:serviceName');
  });
  it('stays within Slack limits with 400 services and 300 usage types', () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({
      label: `service-${i}-${'x'.repeat(60)}`,
      amount: i,
      detail: '`' + 'y'.repeat(80) + '`',
    }));
    const msg = costMessage({
      ...view(),
      scopeLabel: 'p'.repeat(200),
      breakdown: { kind: 'tags', title: '*By service*', rows, untagged: 1, other: 2 },
    });
    for (const b of msg.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    expectWithinSlackLimits(fitMessage(msg));
    const usage = costMessage({
      ...view(),
      breakdown: {
        kind: 'usage-type',
        title: '*By usage type*',
        rows: Array.from({ length: 300 }, (_, i) => ({ label: `EUW1-Usage-${i}-${'z'.repeat(100)}`, amount: 300 - i })),
      },
    });
    expectWithinSlackLimits(fitMessage(usage));
    expect(JSON.stringify(usage.blocks)).toContain('… and 260 smaller usage types');
  });
});

describe('cost parse', () => {
  const config = parseConfig(prodOnlyDoc());
  const parse = (text: string) => cost.parse(parseArgs(text), { config, channelId: 'CPROD', userId: 'U1' });
  it('defaults to month to date by service for the channel environment', () => {
    expect(parse('cost')).toMatchObject({ environment: 'prod', args: { period: 'mtd', by: 'service', alias: undefined } });
  });
  it('reads flags case-insensitively', () => {
    expect(parse('cost web --period LAST-MONTH --by Usage-Type').args).toEqual({ alias: 'web', period: 'last-month', by: 'usage-type' });
  });
});
