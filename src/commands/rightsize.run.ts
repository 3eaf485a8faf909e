/**
 * The worker part of `/ecs rightsize`: the service and its task definition (what is reserved), then
 * one GetMetricData call for the hourly CPU and memory utilization of the service (AWS/ECS) and,
 * where Container Insights is on, the absolute peaks (ECS/ContainerInsights; absent metrics come
 * back empty, so no cluster lookup is needed to know). Tasks stopped for running out of memory
 * (the record src/alerts/memory-kills.run.ts keeps, and the ones ECS still lists) keep memory from
 * being sized below the reservation.
 */
import { getMetricData, type MetricQuery, type Series } from '../aws/cloudwatch';
import { rightsizeChart } from '../charts/specs';
import { attachChart, chartText, type Chart } from './chart.run';
import { describeServiceTasks, describeTaskDefinition } from '../aws/ecs';
import type { ResolvedService } from '../config/schema';
import { FARGATE_PRICES_AS_OF, type CpuArchitecture } from '../aws/fargate-pricing';
import type { Runtime } from '../runtime';
import { memoryKillsBetween, memoryKillsOf, recordMemoryKills } from '../alerts/memory-kills.run';
import type { Invocation } from '../slack/invocation';
import { answer, audienceOf, describeConfiguredService } from './readers.run';
import { recommend, rightsizeMessage, statsOf, type RightsizeView } from './render/rightsize';
import type { RightsizeArgs } from './rightsize';
import type { Parsed } from './types';

const HOUR_S = 3600;
const DAY_MS = 86_400_000;

/** The hourly series /ecs rightsize reads (also drawn by its chart). */
export function rightsizeQueries(cluster: string, service: string): MetricQuery[] {
  const dims = { ClusterName: cluster, ServiceName: service };
  const ecs = (id: string, metric: string, stat: MetricQuery['stat']): MetricQuery => ({
    id,
    namespace: 'AWS/ECS',
    metric,
    dimensions: dims,
    stat,
  });
  const ci = (id: string, metric: string): MetricQuery => ({
    id,
    namespace: 'ECS/ContainerInsights',
    metric,
    dimensions: dims,
    stat: 'Maximum',
  });
  return [
    ecs('cpu_avg', 'CPUUtilization', 'Average'),
    ecs('cpu_max', 'CPUUtilization', 'Maximum'),
    ecs('mem_avg', 'MemoryUtilization', 'Average'),
    ecs('mem_max', 'MemoryUtilization', 'Maximum'),
    ci('ci_cpu', 'CpuUtilized'),
    ci('ci_mem', 'MemoryUtilized'),
  ];
}

export async function runRightsize(parsed: Parsed<RightsizeArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const audience = await audienceOf(rt, inv, parsed);
  const svc = parsed.service!;
  const env = svc.env;
  const now = rt.now();
  const service = await describeConfiguredService(rt, svc);
  const { taskDefinition: td } = await describeTaskDefinition(rt.aws.ecs(env.region, env), service.taskDefinition!);
  const end = Math.floor(now / (HOUR_S * 1000)) * HOUR_S * 1000;
  const start = end - parsed.args.days * DAY_MS;
  const series = await getMetricData(rt.aws.cloudwatch(env.region, env), rightsizeQueries(env.cluster, svc.service), start, end, HOUR_S);
  const cpu = { ...statsOf(series.cpu_max!.values), avg: statsOf(series.cpu_avg!.values).avg };
  const memory = { ...statsOf(series.mem_max!.values), avg: statsOf(series.mem_avg!.values).avg };
  const memoryKills = await memoryKillsIn(rt, svc, start, now);
  const ciCpu = statsOf(series.ci_cpu!.values);
  const ciMem = statsOf(series.ci_mem!.values);
  const strategy = service.capacityProviderStrategy ?? [];
  const fargate =
    (td.requiresCompatibilities ?? []).includes('FARGATE') ||
    service.launchType === 'FARGATE' ||
    strategy.some((s) => s.capacityProvider?.startsWith('FARGATE'));
  const current = { cpu: Number(td.cpu), memory: Number(td.memory) };
  const sized = fargate && Number.isFinite(current.cpu) && Number.isFinite(current.memory) && current.cpu > 0 && current.memory > 0;
  const production = env.production ?? env.approvals.deploy > 0;
  const onSpot = strategy.some((s) => s.capacityProvider === 'FARGATE_SPOT' && (s.weight ?? 0) > 0);
  const linux = (td.runtimePlatform?.operatingSystemFamily ?? 'LINUX') === 'LINUX';
  const view: RightsizeView = {
    alias: svc.alias,
    environment: env.name,
    serviceName: svc.service,
    cluster: env.cluster,
    region: env.region,
    days: parsed.args.days,
    current,
    cpu,
    memory,
    ...(ciCpu.points || ciMem.points ? { insights: { cpuMax: ciCpu.max, memoryMax: ciMem.max } } : {}),
    headroom: env.rightsize.headroom,
    desiredCount: service.desiredCount ?? 0,
    fargate: sized,
    launch: service.launchType ?? (strategy.map((s) => s.capacityProvider).join('+') || 'EC2'),
    spot: sized && !production && !onSpot && linux,
    ...(sized && (cpu.points || memory.points)
      ? {
          recommendation: recommend({
            current,
            cpu,
            memory,
            headroom: env.rightsize.headroom,
            region: env.region,
            arch: (td.runtimePlatform?.cpuArchitecture ?? 'X86_64') as CpuArchitecture,
            desiredCount: service.desiredCount ?? 0,
            ...(memoryKills?.n ? { memoryFloor: current.memory } : {}),
          }),
        }
      : {}),
    ...(memoryKills?.n ? { memoryKills } : {}),
    now,
    pricesAsOf: FARGATE_PRICES_AS_OF,
    locale: audience.locale,
  };
  await answer(rt, inv, rightsizeMessage(view), audience);
  const chart = rightsizeChartOf(view, series);
  if (chart) await attachChart(rt, inv, audience, chart);
}

/**
 * Tasks killed for memory in the window: the record the alerts and other reads keep, with the ones
 * ECS lists as stopped now (about the last hour) added to it first. Without the record (Redis
 * unreadable), the listed ones alone; neither readable: undefined (not said, and not used).
 */
async function memoryKillsIn(
  rt: Runtime,
  svc: ResolvedService,
  start: number,
  now: number,
): Promise<{ n: number; last?: number } | undefined> {
  const env = svc.env;
  const ecs = rt.aws.ecs(env.region, env);
  const listed = await describeServiceTasks(ecs, env.cluster, svc.service, 'STOPPED')
    .then(({ tasks }) => memoryKillsOf(tasks, now).filter((k) => k.at >= start))
    .catch((err: unknown) => {
      rt.log.warn('rightsize: the stopped tasks ECS lists are unreadable', { service: svc.alias, err });
      return undefined;
    });
  try {
    await recordMemoryKills(rt.redis, env.name, svc.alias, listed ?? [], now);
    return await memoryKillsBetween(rt.redis, env.name, svc.alias, start, now);
  } catch (err) {
    rt.log.warn('rightsize: the record of tasks stopped for memory is unreadable', { service: svc.alias, err });
    if (!listed) return undefined;
    return { n: listed.length, ...(listed.length ? { last: Math.max(...listed.map((k) => k.at)) } : {}) };
  }
}

/** The chart of a right-sizing answer: the hourly series against the reservation (none without data). */
export function rightsizeChartOf(view: RightsizeView, series: Record<string, Series>): Chart | undefined {
  const empty: Series = { timestamps: [], values: [] };
  const s = (id: string) => series[id] ?? empty;
  if (!s('cpu_max').values.length && !s('mem_max').values.length && !s('cpu_avg').values.length && !s('mem_avg').values.length)
    return undefined;
  const t = chartText.in(view.locale);
  const scope = `${view.alias} (${view.environment})`;
  const r = view.recommendation;
  const next =
    r && r.kind !== 'same' && view.current.cpu > 0 && view.current.memory > 0
      ? { cpuPct: (r.size.cpu / view.current.cpu) * 100, memoryPct: (r.size.memory / view.current.memory) * 100 }
      : undefined;
  const pct = (n: number) => `${Math.round(n)}%`;
  return {
    spec: rightsizeChart({
      scope,
      days: view.days,
      cpuAvg: s('cpu_avg'),
      cpuMax: s('cpu_max'),
      memAvg: s('mem_avg'),
      memMax: s('mem_max'),
      next,
    }),
    filename: `rightsize-${view.alias}-${view.environment}.png`.replace(/[^A-Za-z0-9._-]+/g, '-'),
    title: t('rightsizeTitle', { scope }),
    caption: t('rightsizeCaption', { scope, days: view.days, next: next ? t('rightsizeNext') : '' }),
    alt: t('rightsizeAlt', { scope, days: view.days, cpu: pct(view.cpu.max), memory: pct(view.memory.max) }),
  };
}
