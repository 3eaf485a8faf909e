/**
 * Fargate on-demand prices (Linux), used only for the labelled per-service estimate that
 * `/ecs cost` shows when the ECS-managed cost-allocation tags have no data. A region that is
 * not listed gets no estimate rather than a guess.
 *
 * Source: https://aws.amazon.com/fargate/pricing/ (Amazon ECS on AWS Fargate, Linux/X86 and
 * Linux/ARM, per vCPU-hour and per GB-hour), as published in March 2026. The us-east-1 group
 * rates ($0.04048 / $0.004445 x86; $0.03238 / $0.00356 ARM) were cross-checked against
 * https://www.vantage.sh/blog/fargate-pricing. Linux/ARM is priced 20 % below Linux/x86 in
 * every region. Re-check these numbers when AWS changes prices; they are an estimate only.
 */

interface FargateRate {
  vcpuHour: number;
  gbHour: number;
}

export type CpuArchitecture = 'X86_64' | 'ARM64';

const x86 = (vcpuHour: number, gbHour: number): Record<CpuArchitecture, FargateRate> => ({
  X86_64: { vcpuHour, gbHour },
  // ARM is 20 % cheaper than x86 in each region; the published rates round to 5 decimals.
  ARM64: { vcpuHour: round5(vcpuHour * 0.8), gbHour: round5(gbHour * 0.8) },
});

function round5(n: number): number {
  return Math.round(n * 100_000) / 100_000;
}

export const FARGATE_PRICES_AS_OF = '2026-03';

const FARGATE_PRICES: Readonly<Record<string, Record<CpuArchitecture, FargateRate>>> = {
  'us-east-1': x86(0.04048, 0.004445),
  'us-east-2': x86(0.04048, 0.004445),
  'us-west-2': x86(0.04048, 0.004445),
  'eu-west-1': x86(0.04048, 0.004445),
  'eu-central-1': x86(0.04656, 0.00511),
  'eu-west-2': x86(0.04656, 0.00511),
  'ap-southeast-1': x86(0.05056, 0.00553),
  'ap-northeast-1': x86(0.05056, 0.00553),
};

function fargateRate(region: string, arch: CpuArchitecture): FargateRate | undefined {
  return FARGATE_PRICES[region]?.[arch];
}

export interface TaskSize {
  /** Task-level CPU units (1024 = 1 vCPU), as in the task definition. */
  cpuUnits: number;
  /** Task-level memory in MiB. */
  memoryMiB: number;
  arch: CpuArchitecture;
}

/**
 * Fargate Spot as a fraction of the on-demand rate. AWS publishes Spot rates per region on the
 * Fargate pricing page ("up to 70 % off"); they move with supply and demand, so the bot uses one
 * assumed discount instead of a stale table: 0.33 of on-demand, close to the observed eu-west-1 /
 * us-east-1 Spot rates ($0.01334 per vCPU-hour against $0.04048 on-demand). An estimate only.
 */
export const FARGATE_SPOT_FACTOR = 0.33;

/** Dollars per hour for one task of this size, or undefined when the region is not priced. `spot`: Fargate Spot. */
export function hourlyTaskPrice(region: string, size: TaskSize, opts: { spot?: boolean } = {}): number | undefined {
  const rate = fargateRate(region, size.arch);
  if (!rate) return undefined;
  const onDemand = (size.cpuUnits / 1024) * rate.vcpuHour + (size.memoryMiB / 1024) * rate.gbHour;
  return opts.spot ? onDemand * FARGATE_SPOT_FACTOR : onDemand;
}

/**
 * Valid Fargate task sizes (Linux): CPU units → memory in MiB. Source: ECS Developer Guide, "Task CPU
 * and memory" (Fargate): 256 → 512, 1024, 2048; 512 → 1–4 GB; 1024 → 2–8 GB; 2048 → 4–16 GB and
 * 4096 → 8–30 GB in 1 GB steps; 8192 → 16–60 GB in 4 GB steps; 16384 → 32–120 GB in 8 GB steps.
 */
export function fargateMemoryOptions(cpuUnits: number): number[] {
  const gb = (from: number, to: number, step = 1) => Array.from({ length: (to - from) / step + 1 }, (_, i) => (from + i * step) * 1024);
  switch (cpuUnits) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return gb(1, 4);
    case 1024:
      return gb(2, 8);
    case 2048:
      return gb(4, 16);
    case 4096:
      return gb(8, 30);
    case 8192:
      return gb(16, 60, 4);
    case 16384:
      return gb(32, 120, 8);
    default:
      return [];
  }
}

export const FARGATE_CPU_OPTIONS = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

/** Every valid Fargate size, smallest first. */
export function fargateSizes(): Array<{ cpu: number; memory: number }> {
  return FARGATE_CPU_OPTIONS.flatMap((cpu) => fargateMemoryOptions(cpu).map((memory) => ({ cpu, memory })));
}

export function isFargateSize(cpu: number, memory: number): boolean {
  return fargateMemoryOptions(cpu).includes(memory);
}
