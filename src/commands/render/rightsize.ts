/**
 * `/ecs rightsize`: utilization against the reservation, the smallest valid Fargate size that keeps
 * the headroom, the monthly saving at the region's Fargate price, Fargate Spot outside production.
 * Pure: the metrics and the task definition come in, a recommendation and a message go out.
 *
 * The rule: CPU is sized for the 95th percentile of the hourly peaks (a rare spike only slows a task
 * down), memory for the highest hourly peak (running out kills the task); each times (1 + headroom).
 */
import type { KnownBlock } from '@slack/types';
import { fargateSizes, hourlyTaskPrice, type CpuArchitecture } from '../../aws/fargate-pricing';
import { sizeLabel, sizeText } from '../../deploy/render';
import { defineMessages, type Locale } from '../../i18n';
import { actions, context, header, section, type SlackMessage } from '../../slack/blocks';
import { commandButton } from '../../slack/command-button';
import { code, notificationText } from '../../slack/text';
import { ago } from './common';

/** Hours in an average month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
/** Fargate Spot's discount is "up to 70 %"; the estimate says "up to". */
const SPOT_DISCOUNT = 0.7;

export interface Stats {
  avg: number;
  p95: number;
  max: number;
  points: number;
}

/** Average, 95th percentile (nearest rank) and maximum of a series; points 0 when it is empty. */
export function statsOf(values: readonly number[]): Stats {
  if (!values.length) return { avg: 0, p95: 0, max: 0, points: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return { avg: values.reduce((a, b) => a + b, 0) / values.length, p95, max: sorted[sorted.length - 1]!, points: values.length };
}

export interface Size {
  cpu: number;
  memory: number;
}

export interface Recommendation {
  /** CPU units and MiB the peaks need with the headroom. */
  needed: Size;
  size: Size;
  kind: 'smaller' | 'same' | 'larger';
  hourlyNow?: number;
  hourlyNew?: number;
  /** Positive: saved per month at the desired count; negative: costs more. */
  monthlySaving?: number;
  /**
   * Tasks were killed for memory (memoryFloor) and `size` keeps the memory they had: the cheapest
   * size with more memory that still holds the CPU peaks, and what it costs a month against now
   * (positive: more). How far the spike went is unknown, so it is offered, not recommended.
   */
  moreMemory?: { size: Size; monthlyExtra?: number };
}

export interface RecommendInput {
  current: Size;
  /** CPU utilization (percent of the reservation): avg of hourly averages, p95 and max of hourly maxima. */
  cpu: Stats;
  memory: Stats;
  headroom: number;
  region: string;
  arch: CpuArchitecture;
  desiredCount: number;
  /** MiB the recommendation keeps at least (tasks were killed for memory in the window: the reservation now). */
  memoryFloor?: number;
}

/** The cheapest valid Fargate size that holds the peaks with the headroom (smallest first when prices are unknown). */
export function recommend(i: RecommendInput): Recommendation {
  const factor = 1 + i.headroom / 100;
  const needed = {
    cpu: Math.ceil(((i.current.cpu * i.cpu.p95) / 100) * factor),
    memory: Math.max(Math.ceil(((i.current.memory * i.memory.max) / 100) * factor), i.memoryFloor ?? 0),
  };
  const price = (s: Size) => hourlyTaskPrice(i.region, { cpuUnits: s.cpu, memoryMiB: s.memory, arch: i.arch });
  const fits = fargateSizes().filter((s) => s.cpu >= needed.cpu && s.memory >= needed.memory);
  const cost = (s: Size) => price(s) ?? s.cpu * 1e6 + s.memory;
  const size = [...fits].sort((a, b) => cost(a) - cost(b) || a.cpu - b.cpu || a.memory - b.memory)[0] ?? { cpu: 16384, memory: 122880 };
  const hourlyNow = price(i.current);
  const hourlyNew = price(size);
  const floor = i.memoryFloor;
  const more =
    floor !== undefined && size.memory <= floor
      ? fargateSizes()
          .filter((s) => s.cpu >= needed.cpu && s.memory > floor)
          .sort((a, b) => cost(a) - cost(b) || a.memory - b.memory || a.cpu - b.cpu)[0]
      : undefined;
  const hourlyMore = more && price(more);
  const same = size.cpu === i.current.cpu && size.memory === i.current.memory;
  const kind = same ? 'same' : (hourlyNew ?? cost(size)) < (hourlyNow ?? cost(i.current)) ? 'smaller' : 'larger';
  return {
    needed,
    size,
    kind,
    ...(hourlyNow !== undefined ? { hourlyNow } : {}),
    ...(hourlyNew !== undefined ? { hourlyNew } : {}),
    ...(hourlyNow !== undefined && hourlyNew !== undefined
      ? { monthlySaving: (hourlyNow - hourlyNew) * HOURS_PER_MONTH * Math.max(1, i.desiredCount) }
      : {}),
    ...(more
      ? {
          moreMemory: {
            size: more,
            ...(hourlyNow !== undefined && hourlyMore !== undefined
              ? { monthlyExtra: (hourlyMore - hourlyNow) * HOURS_PER_MONTH * Math.max(1, i.desiredCount) }
              : {}),
          },
        }
      : {}),
  };
}

const text = defineMessages('rightsize', {
  title: { en: 'Right-sizing {alias} ({env}), last {days} days', ko: '{alias}({env}) 크기 조정, 최근 {days}일' },
  cpu: {
    en: '*CPU* reserved {size}: average {avg}, 95th percentile of hourly peaks {p95}, highest {max}',
    ko: '*CPU* 예약 {size}: 평균 {avg}, 시간별 최대치의 95번째 백분위수 {p95}, 최고 {max}',
  },
  memory: {
    en: '*Memory* reserved {size}: average {avg}, highest hourly peak {max}',
    ko: '*메모리* 예약 {size}: 평균 {avg}, 시간별 최고치 {max}',
  },
  insights: {
    en: 'Container Insights: peaks of {cpu} CPU units and {memory} MiB used',
    ko: 'Container Insights: 최대 CPU {cpu} 단위, 메모리 {memory} MiB 사용',
  },
  recommendSmaller: {
    en: '*Recommended:* {size} (the peaks need {cpu} CPU units and {memory} MiB with {headroom}% headroom)',
    ko: '*추천:* {size} (여유 {headroom}%를 두면 최대치에 CPU {cpu} 단위와 {memory} MiB가 필요)',
  },
  recommendLarger: {
    en: '*Too small:* the peaks need {cpu} CPU units and {memory} MiB with {headroom}% headroom; {size} holds them',
    ko: '*너무 작음:* 여유 {headroom}%를 두면 최대치에 CPU {cpu} 단위와 {memory} MiB가 필요합니다. {size}이면 충분합니다',
  },
  same: {
    en: '*Right-sized:* {size} is the smallest Fargate size that holds the peaks with {headroom}% headroom.',
    ko: '*적정 크기:* {size}은(는) 여유 {headroom}%를 두고 최대치를 감당하는 가장 작은 Fargate 크기입니다.',
  },
  saving: {
    en: 'Saves about {amount} a month for {n} {n|task|tasks} at {region} Fargate prices (prices as of {asOf}).',
    ko: '{region} Fargate 가격(기준 {asOf})으로 작업 {n}개에 월 약 {amount} 절약됩니다.',
  },
  costs: {
    en: 'Costs about {amount} more a month for {n} {n|task|tasks} at {region} Fargate prices (prices as of {asOf}).',
    ko: '{region} Fargate 가격(기준 {asOf})으로 작업 {n}개에 월 약 {amount} 더 듭니다.',
  },
  noPrice: {
    en: 'No Fargate price is on file for {region}, so no saving is shown.',
    ko: '{region}의 Fargate 가격 정보가 없어 절약액을 표시하지 않습니다.',
  },
  spot: {
    en: ':bulb: *Fargate Spot* ({env} is not production): up to about 70% cheaper, about {amount} a month at the recommended size, for tasks that can be interrupted with two minutes’ notice. It needs the cluster’s `FARGATE_SPOT` capacity provider in the service’s strategy.',
    ko: ':bulb: *Fargate Spot* ({env}은(는) 운영 환경이 아님): 최대 약 70% 저렴하며 추천 크기 기준 월 약 {amount}입니다. 2분 전 통지로 중단되어도 되는 작업에 적합합니다. 서비스 전략에 클러스터의 `FARGATE_SPOT` 용량 공급자가 필요합니다.',
  },
  noData: {
    en: 'CloudWatch has no CPU or memory data for {service} in cluster {cluster} over the last {days} days, so there is nothing to size from.',
    ko: '최근 {days}일 동안 클러스터 {cluster}의 {service}에 대한 CPU·메모리 데이터가 CloudWatch에 없어 크기를 정할 수 없습니다.',
  },
  noDataHint: {
    en: 'A service with no running tasks reports no metrics; try a longer `--days`.',
    ko: '실행 중인 작업이 없는 서비스는 지표를 보고하지 않습니다. `--days`를 늘려 보세요.',
  },
  button: { en: 'Request resize to {size}', ko: '크기 변경 요청: {size}' },
  memoryKills: {
    en: ':warning: {n} {n|task was|tasks were} stopped for running out of memory in the last {days} days (the last {ago}). The hourly figures miss a spike between samples, so memory is not sized below {memory} MiB.',
    ko: ':warning: 최근 {days}일 동안 작업 {n}개가 메모리 부족으로 중지되었습니다(마지막: {ago}). 시간별 수치에는 샘플 사이의 급증이 잡히지 않으므로 메모리를 {memory} MiB 아래로 줄이지 않습니다.',
  },
  perContainer: { en: '(per container)', ko: '(컨테이너별)' },
  memoryKillsOnly: {
    en: ':warning: {n} {n|task was|tasks were} stopped for running out of memory in the last {days} days (the last {ago}).',
    ko: ':warning: 최근 {days}일 동안 작업 {n}개가 메모리 부족으로 중지되었습니다(마지막: {ago}).',
  },
  moreMemory: {
    en: ':bulb: *More memory:* if tasks keep running out of memory, {size} is the cheapest size with more than {memory} MiB that holds the CPU peaks{cost}.',
    ko: ':bulb: *메모리 늘리기:* 작업이 계속 메모리 부족으로 중지된다면, CPU 최대치를 감당하면서 {memory} MiB보다 메모리가 많은 가장 저렴한 크기는 {size}입니다{cost}.',
  },
  moreMemoryCosts: { en: ' (about {amount} a month more than now)', ko: ' (지금보다 월 약 {amount} 더 듦)' },
  moreMemorySaves: { en: ' (about {amount} a month less than now)', ko: ' (지금보다 월 약 {amount} 절약)' },
  method: {
    en: 'AWS/ECS CPUUtilization and MemoryUtilization per hour (GetMetricData), percent of the task reservation; CPU sized for the 95th percentile of hourly peaks, memory for the highest. The button opens a deploy request (`/ecs resize`) with the same approvals as a deploy.',
    ko: '시간별 AWS/ECS CPUUtilization·MemoryUtilization(GetMetricData), 작업 예약 대비 백분율. CPU는 시간별 최대치의 95번째 백분위수, 메모리는 최고치 기준. 버튼은 배포와 같은 승인을 거치는 배포 요청(`/ecs resize`)을 엽니다.',
  },
  fallback: { en: 'Right-sizing {alias}: {what}', ko: '{alias} 크기 조정: {what}' },
  notFargate: {
    en: '{alias} does not run on Fargate ({launch}), so there is no Fargate size to recommend; the utilization above still applies to its reservation.',
    ko: '{alias}은(는) Fargate에서 실행되지 않으므로({launch}) 추천할 Fargate 크기가 없습니다. 위 사용률은 예약 기준으로 유효합니다.',
  },
});

const pct = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)}%`;
const money = (n: number) => `$${Math.abs(n).toFixed(2)}`;

export interface RightsizeView {
  alias: string;
  environment: string;
  serviceName: string;
  cluster: string;
  region: string;
  days: number;
  current: Size;
  cpu: Stats;
  memory: Stats;
  insights?: { cpuMax: number; memoryMax: number };
  headroom: number;
  desiredCount: number;
  fargate: boolean;
  launch: string;
  /** Suggest Fargate Spot: not production, Fargate, not on Spot already. */
  spot: boolean;
  recommendation?: Recommendation;
  /** Tasks stopped for running out of memory in the window, as the alerts saw them (src/alerts/memory-kills.run.ts), and the last one's time. */
  memoryKills?: { n: number; last?: number };
  /** When the answer was made (for "the last 2h ago"). */
  now: number;
  pricesAsOf: string;
  locale: Locale;
}

export function rightsizeMessage(v: RightsizeView): SlackMessage {
  const t = text.in(v.locale);
  const blocks: KnownBlock[] = [header(t('title', { alias: v.alias, env: v.environment, days: v.days }))];
  if (!v.cpu.points && !v.memory.points) {
    const msg = t('noData', { service: code(v.serviceName), cluster: code(v.cluster), days: v.days });
    blocks.push(section(msg), context(t('noDataHint')));
    return { text: t('fallback', { alias: v.alias, what: msg }), blocks };
  }
  // A task definition without a task-level size (EC2) reserves per container: AWS/ECS figures are of those.
  const reserved = (n: number, as: (n: number) => string) => (Number.isFinite(n) && n > 0 ? code(as(n)) : t('perContainer'));
  const usage = [
    t('cpu', { size: reserved(v.current.cpu, (n) => `${n / 1024} vCPU`), avg: pct(v.cpu.avg), p95: pct(v.cpu.p95), max: pct(v.cpu.max) }),
    t('memory', { size: reserved(v.current.memory, (n) => `${n} MiB`), avg: pct(v.memory.avg), max: pct(v.memory.max) }),
  ];
  if (v.insights) usage.push(t('insights', { cpu: Math.round(v.insights.cpuMax), memory: Math.round(v.insights.memoryMax) }));
  if (v.memoryKills?.n) {
    const kills = { n: v.memoryKills.n, days: v.days, ago: ago(v.memoryKills.last, v.now, v.locale) };
    // Without a Fargate recommendation (EC2, or no task-level size) nothing is sized: the kills alone.
    usage.push(v.fargate && v.recommendation ? t('memoryKills', { ...kills, memory: v.current.memory }) : t('memoryKillsOnly', kills));
  }
  blocks.push(section(usage.join('\n')));
  const r = v.recommendation;
  let what = '';
  if (!v.fargate || !r) {
    what = t('notFargate', { alias: code(v.alias), launch: v.launch });
    blocks.push(section(what));
  } else {
    const size = sizeText(r.size);
    const lines: string[] = [];
    if (r.kind === 'same') lines.push(t('same', { size, headroom: v.headroom }));
    else {
      lines.push(
        t(r.kind === 'smaller' ? 'recommendSmaller' : 'recommendLarger', {
          size,
          cpu: r.needed.cpu,
          memory: r.needed.memory,
          headroom: v.headroom,
        }),
      );
      if (r.monthlySaving === undefined) lines.push(t('noPrice', { region: code(v.region) }));
      else
        lines.push(
          t(r.monthlySaving >= 0 ? 'saving' : 'costs', {
            amount: money(r.monthlySaving),
            n: v.desiredCount,
            region: code(v.region),
            asOf: v.pricesAsOf,
          }),
        );
    }
    what = lines[0]!;
    blocks.push(section(lines.join('\n')));
    if (v.spot && r.hourlyNew !== undefined) {
      blocks.push(
        section(
          t('spot', {
            env: code(v.environment),
            amount: money(r.hourlyNew * (1 - SPOT_DISCOUNT) * HOURS_PER_MONTH * Math.max(1, v.desiredCount)),
          }),
        ),
      );
    }
    const more = r.moreMemory;
    if (more) {
      const extra = more.monthlyExtra;
      const cost =
        extra === undefined || Math.abs(extra) < 0.005
          ? ''
          : t(extra > 0 ? 'moreMemoryCosts' : 'moreMemorySaves', { amount: money(extra) });
      blocks.push(section(t('moreMemory', { size: sizeText(more.size), memory: v.current.memory, cost })));
    }
    const resizeTo = (size: Size, key: string, style?: 'primary') =>
      commandButton(t('button', { size: sizeLabel(size) }), `resize ${v.alias} --cpu ${size.cpu} --memory ${size.memory}`, {
        key,
        ...(style ? { style } : {}),
      });
    const buttons = [
      ...(r.kind !== 'same' ? [resizeTo(r.size, 'resize', 'primary')] : []),
      ...(more ? [resizeTo(more.size, 'resize-more')] : []),
    ];
    if (buttons.length) blocks.push(actions('rightsize', buttons));
  }
  blocks.push(context(t('method')));
  return { text: t('fallback', { alias: v.alias, what: notificationText(what) }), blocks };
}
