/**
 * `/ecs cost`'s per-service estimate when Cost Explorer cannot split the bill (no cost-allocation
 * tags): running tasks × task size × the Fargate price of the region. Pure.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { hourlyTaskPrice, type CpuArchitecture } from '../../aws/fargate-pricing';
import type { EstimateRow } from './cost';

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
export function estimateService(i: EstimateInput): Estimate {
  const base = { alias: i.alias, serviceName: i.serviceName };
  const s = i.service;
  if (!s) return { ...base, reason: 'the service was not found in the cluster' };
  const providers = (s.capacityProviderStrategy ?? []).map((c) => c.capacityProvider ?? '');
  const fargate = providers.length ? providers.every((p) => p.startsWith('FARGATE')) : s.launchType === 'FARGATE';
  if (!fargate) return { ...base, reason: 'it runs on EC2 capacity, which is billed per instance, not per task' };
  const td = i.taskDefinition;
  if (!td) return { ...base, reason: 'its task definition could not be read' };
  if (td.runtimePlatform?.operatingSystemFamily && !td.runtimePlatform.operatingSystemFamily.startsWith('LINUX')) {
    return { ...base, reason: 'Windows tasks are not in the price table' };
  }
  const cpuUnits = Number(td.cpu);
  const memoryMiB = Number(td.memory);
  if (!cpuUnits || !memoryMiB) return { ...base, reason: 'its task definition has no task-level CPU and memory' };
  const arch: CpuArchitecture = td.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
  const hourly = hourlyTaskPrice(i.region, { cpuUnits, memoryMiB, arch });
  if (hourly === undefined) return { ...base, reason: `the bot has no Fargate price for \`${i.region}\`` };
  const tasks = s.runningCount ?? 0;
  const spot = providers.some((p) => p === 'FARGATE_SPOT') ? ' (Fargate Spot priced as on-demand: an upper bound)' : '';
  return {
    ...base,
    amount: hourly * tasks * i.hours,
    perDay: hourly * tasks * 24,
    detail: `${tasks} × ${fmtNum(cpuUnits / 1024)} vCPU / ${fmtNum(memoryMiB / 1024)} GB ${arch === 'ARM64' ? 'ARM' : 'x86'}${spot}`,
  };
}
