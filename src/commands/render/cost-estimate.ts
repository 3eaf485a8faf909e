/**
 * `/ecs cost`'s per-service estimate when Cost Explorer cannot split the bill (no cost-allocation
 * tags): running tasks × task size × the Fargate price of the region. Pure.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { hourlyTaskPrice, type CpuArchitecture } from '../../aws/fargate-pricing';
import type { EstimateRow } from './cost';
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';

const M = defineMessages('commands.render.cost-estimate', {
  notFound: { en: 'the service was not found in the cluster', ko: '클러스터에서 서비스를 찾지 못했습니다' },
  ec2: {
    en: 'it runs on EC2 capacity, which is billed per instance, not per task',
    ko: 'EC2 용량에서 실행되어 작업이 아니라 인스턴스 단위로 청구됩니다',
  },
  noTd: { en: 'its task definition could not be read', ko: '작업 정의를 읽지 못했습니다' },
  windows: { en: 'Windows tasks are not in the price table', ko: 'Windows 작업은 가격표에 없습니다' },
  noSize: { en: 'its task definition has no task-level CPU and memory', ko: '작업 정의에 작업 수준 CPU·메모리가 없습니다' },
  noPrice: { en: 'the bot has no Fargate price for {region}', ko: '봇에 {region}의 Fargate 가격이 없습니다' },
  spot: { en: ' (Fargate Spot priced as on-demand: an upper bound)', ko: ' (Fargate Spot을 온디맨드 가격으로 계산: 상한값)' },
});

interface EstimateInput {
  alias: string;
  serviceName: string;
  service?: Service;
  taskDefinition?: TaskDefinition;
  region: string;
  /** Hours the estimate covers. */
  hours: number;
}

/** One service's estimate (the message renders it as a row). */
export type Estimate = EstimateRow;

const fmtNum = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, ''));

/**
 * A Fargate on-demand estimate for one service: tasks running now × task CPU and memory × the
 * region's price × hours. Undefined amount (with the reason) when it cannot be estimated honestly.
 */
export function estimateService(i: EstimateInput, locale: Locale = 'en'): Estimate {
  const t = M.in(locale);
  const base = { alias: i.alias, serviceName: i.serviceName };
  const s = i.service;
  if (!s) return { ...base, reason: t('notFound') };
  const providers = (s.capacityProviderStrategy ?? []).map((c) => c.capacityProvider ?? '');
  const fargate = providers.length ? providers.every((p) => p.startsWith('FARGATE')) : s.launchType === 'FARGATE';
  if (!fargate) return { ...base, reason: t('ec2') };
  const td = i.taskDefinition;
  if (!td) return { ...base, reason: t('noTd') };
  if (td.runtimePlatform?.operatingSystemFamily && !td.runtimePlatform.operatingSystemFamily.startsWith('LINUX')) {
    return { ...base, reason: t('windows') };
  }
  const cpuUnits = Number(td.cpu);
  const memoryMiB = Number(td.memory);
  if (!cpuUnits || !memoryMiB) return { ...base, reason: t('noSize') };
  const arch: CpuArchitecture = td.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
  const hourly = hourlyTaskPrice(i.region, { cpuUnits, memoryMiB, arch });
  if (hourly === undefined) return { ...base, reason: t('noPrice', { region: `\`${i.region}\`` }) };
  const tasks = s.runningCount ?? 0;
  const spot = providers.some((p) => p === 'FARGATE_SPOT') ? t('spot') : '';
  return {
    ...base,
    amount: hourly * tasks * i.hours,
    perDay: hourly * tasks * 24,
    detail: `${tasks} × ${fmtNum(cpuUnits / 1024)} vCPU / ${fmtNum(memoryMiB / 1024)} GB ${arch === 'ARM64' ? 'ARM' : 'x86'}${spot}`,
  };
}
