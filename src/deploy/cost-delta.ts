/**
 * The cost of a change (gate 6): what a scale request, or a change of task CPU or memory, adds to
 * (or takes from) the bill, from the task definition's task-level CPU and memory, the service's
 * capacity (Fargate, Fargate Spot, the mix of a capacity provider strategy) and the region's
 * Fargate price (src/aws/fargate-pricing.ts; ARM and Spot priced as such). Pure.
 *
 *   "+3 tasks ≈ +$2.90/day, +$88/month"
 */
import type { CapacityProviderStrategyItem, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { hourlyTaskPrice, type CpuArchitecture, type TaskSize } from '../aws/fargate-pricing';
import { defineMessages, type Locale } from '../i18n';

/** Hours in a month, as AWS bills them (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

const text = defineMessages('deploy.cost', {
  tasks: {
    en: '{sign}{n} {n|task|tasks} ≈ {day}/day, {month}/month',
    ko: '작업 {sign}{n}개 ≈ 하루 {day}, 월 {month}',
  },
  size: {
    en: 'task size {before} → {after} × {n} {n|task|tasks} ≈ {day}/day, {month}/month',
    ko: '작업 크기 {before} → {after} × 작업 {n}개 ≈ 하루 {day}, 월 {month}',
  },
  both: {
    en: '{tasksFrom} → {tasksTo} tasks of {before} → {after} ≈ {day}/day, {month}/month',
    ko: '작업 {tasksFrom} → {tasksTo}개, 크기 {before} → {after} ≈ 하루 {day}, 월 {month}',
  },
  priced: {
    en: 'Fargate {how} in {region}, an estimate',
    ko: '{region}의 Fargate {how} 가격 기준 추정치',
  },
  onDemand: { en: 'on-demand', ko: '온디맨드' },
  spot: { en: 'Spot', ko: '스팟' },
  mixed: { en: 'on-demand and Spot ({spot}% Spot)', ko: '온디맨드와 스팟 (스팟 {spot}%)' },
  notFargate: {
    en: 'no cost estimate: the service runs on EC2 capacity, which is billed per instance, not per task',
    ko: '비용 추정 없음: 이 서비스는 EC2 용량에서 실행되어 작업이 아니라 인스턴스 단위로 과금됩니다',
  },
  noSize: {
    en: 'no cost estimate: the task definition has no task-level CPU and memory',
    ko: '비용 추정 없음: 태스크 정의에 태스크 수준 CPU와 메모리가 없습니다',
  },
  noPrice: {
    en: 'no cost estimate: the bot has no Fargate price for {region}',
    ko: '비용 추정 없음: {region}의 Fargate 가격 정보가 없습니다',
  },
  windows: {
    en: 'no cost estimate: Windows tasks are not in the price table',
    ko: '비용 추정 없음: Windows 작업은 가격표에 없습니다',
  },
});

type Capacity = { spotShare: (tasks: number) => number; label: 'onDemand' | 'spot' | 'mixed'; spotPercent: number };

/**
 * How many of `tasks` run on Fargate Spot under a capacity provider strategy: `base` tasks go to
 * their provider first, the rest split by weight (as ECS places them).
 */
function spotTasks(strategy: readonly CapacityProviderStrategyItem[], tasks: number): number {
  let left = tasks;
  let spot = 0;
  for (const s of strategy) {
    const base = Math.min(left, s.base ?? 0);
    if (s.capacityProvider === 'FARGATE_SPOT') spot += base;
    left -= base;
  }
  const total = strategy.reduce((n, s) => n + (s.weight ?? 0), 0);
  if (left > 0 && total > 0) {
    const spotWeight = strategy.filter((s) => s.capacityProvider === 'FARGATE_SPOT').reduce((n, s) => n + (s.weight ?? 0), 0);
    spot += (left * spotWeight) / total;
  }
  return spot;
}

function capacityOf(service: Pick<Service, 'launchType' | 'capacityProviderStrategy'>): Capacity | undefined {
  const strategy = service.capacityProviderStrategy ?? [];
  if (strategy.length) {
    if (!strategy.every((s) => (s.capacityProvider ?? '').startsWith('FARGATE'))) return undefined;
    const allSpot = strategy.every((s) => s.capacityProvider === 'FARGATE_SPOT');
    const noSpot = strategy.every((s) => s.capacityProvider === 'FARGATE');
    const share = (n: number) => (n > 0 ? spotTasks(strategy, n) / n : 0);
    return {
      spotShare: share,
      label: allSpot ? 'spot' : noSpot ? 'onDemand' : 'mixed',
      spotPercent: Math.round(share(100) * 100),
    };
  }
  if (service.launchType === 'FARGATE') return { spotShare: () => 0, label: 'onDemand', spotPercent: 0 };
  return undefined;
}

function sizeOf(td: Pick<TaskDefinition, 'cpu' | 'memory' | 'runtimePlatform'>): TaskSize | undefined {
  const cpuUnits = Number(td.cpu);
  const memoryMiB = Number(td.memory);
  if (!cpuUnits || !memoryMiB) return undefined;
  const arch: CpuArchitecture = td.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
  return { cpuUnits, memoryMiB, arch };
}

export type CostDelta =
  | {
      ok: true;
      /** Dollars per hour the change adds (negative: saves). */
      perHour: number;
      perDay: number;
      perMonth: number;
      tasksFrom: number;
      tasksTo: number;
      sizeFrom: TaskSize;
      sizeTo: TaskSize;
      region: string;
      capacity: Capacity['label'];
      spotPercent: number;
    }
  | { ok: false; reason: 'notFargate' | 'noSize' | 'noPrice' | 'windows'; region: string };

interface CostInput {
  region: string;
  service: Pick<Service, 'launchType' | 'capacityProviderStrategy'>;
  before: { taskDefinition: Pick<TaskDefinition, 'cpu' | 'memory' | 'runtimePlatform'>; tasks: number };
  after: { taskDefinition: Pick<TaskDefinition, 'cpu' | 'memory' | 'runtimePlatform'>; tasks: number };
}

/** The hourly, daily and monthly difference between running `after` and running `before`. */
export function costDelta(i: CostInput): CostDelta {
  const fail = (reason: Extract<CostDelta, { ok: false }>['reason']): CostDelta => ({ ok: false, reason, region: i.region });
  const capacity = capacityOf(i.service);
  if (!capacity) return fail('notFargate');
  for (const td of [i.before.taskDefinition, i.after.taskDefinition]) {
    const os = td.runtimePlatform?.operatingSystemFamily;
    if (os && !os.startsWith('LINUX')) return fail('windows');
  }
  const sizeFrom = sizeOf(i.before.taskDefinition);
  const sizeTo = sizeOf(i.after.taskDefinition);
  if (!sizeFrom || !sizeTo) return fail('noSize');
  const cost = (size: TaskSize, tasks: number): number | undefined => {
    const onDemand = hourlyTaskPrice(i.region, size);
    const spot = hourlyTaskPrice(i.region, size, { spot: true });
    if (onDemand === undefined || spot === undefined) return undefined;
    const share = capacity.spotShare(tasks);
    return tasks * ((1 - share) * onDemand + share * spot);
  };
  const before = cost(sizeFrom, i.before.tasks);
  const after = cost(sizeTo, i.after.tasks);
  if (before === undefined || after === undefined) return fail('noPrice');
  const perHour = after - before;
  return {
    ok: true,
    perHour,
    perDay: perHour * 24,
    perMonth: perHour * HOURS_PER_MONTH,
    tasksFrom: i.before.tasks,
    tasksTo: i.after.tasks,
    sizeFrom,
    sizeTo,
    region: i.region,
    capacity: capacity.label,
    spotPercent: capacity.spotPercent,
  };
}

/** "+$2.90", "−$0.45", "+$88", "+$1,240". */
export function money(amount: number, signed = true): string {
  const abs = Math.abs(amount);
  const digits = abs < 10 ? 2 : 0;
  const body = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (!signed) return `$${body}`;
  const zero = Number(abs.toFixed(digits)) === 0;
  return `${zero ? '±' : amount > 0 ? '+' : '−'}$${body}`;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, ''));

function sizeLabel(s: TaskSize): string {
  return `${fmt(s.cpuUnits / 1024)} vCPU / ${fmt(s.memoryMiB / 1024)} GB${s.arch === 'ARM64' ? ' ARM' : ''}`;
}

/** One line for the request card ("+3 tasks ≈ +$2.90/day, +$88/month"), or why there is no estimate. */
export function costLine(d: CostDelta, locale: Locale): string {
  const t = text.in(locale);
  if (!d.ok) return d.reason === 'noPrice' ? t('noPrice', { region: d.region }) : t(d.reason);
  const sameSize =
    d.sizeFrom.cpuUnits === d.sizeTo.cpuUnits && d.sizeFrom.memoryMiB === d.sizeTo.memoryMiB && d.sizeFrom.arch === d.sizeTo.arch;
  const day = money(d.perDay);
  const month = money(d.perMonth);
  const how = d.capacity === 'mixed' ? t('mixed', { spot: d.spotPercent }) : t(d.capacity);
  const priced = t('priced', { how, region: d.region });
  if (sameSize) {
    const n = d.tasksTo - d.tasksFrom;
    return `${t('tasks', { sign: n >= 0 ? '+' : '−', n: Math.abs(n), day, month })} (${priced})`;
  }
  if (d.tasksFrom === d.tasksTo) {
    return `${t('size', { before: sizeLabel(d.sizeFrom), after: sizeLabel(d.sizeTo), n: d.tasksTo, day, month })} (${priced})`;
  }
  return `${t('both', { tasksFrom: d.tasksFrom, tasksTo: d.tasksTo, before: sizeLabel(d.sizeFrom), after: sizeLabel(d.sizeTo), day, month })} (${priced})`;
}

/** True when the change has a cost worth showing (a scale, or a CPU/memory change). */
export function changesCost(d: CostDelta): boolean {
  if (!d.ok) return true;
  return (
    d.tasksFrom !== d.tasksTo ||
    d.sizeFrom.cpuUnits !== d.sizeTo.cpuUnits ||
    d.sizeFrom.memoryMiB !== d.sizeTo.memoryMiB ||
    d.sizeFrom.arch !== d.sizeTo.arch
  );
}
