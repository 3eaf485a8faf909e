import { recommend, rightsizeMessage, statsOf, type RightsizeView } from '../../src/commands/render/rightsize';
import type { Locale } from '../../src/i18n';

const view = (locale: Locale): RightsizeView => ({
  alias: 'web',
  environment: 'prod',
  serviceName: 'web-prod',
  cluster: 'shop-prod',
  region: 'eu-west-1',
  days: 14,
  current: { cpu: 512, memory: 1024 },
  cpu: statsOf([10, 20, 30]),
  memory: statsOf([30, 35, 40]),
  headroom: 0.3,
  desiredCount: 4,
  fargate: true,
  launch: 'FARGATE',
  spot: false,
  recommendation: { needed: { cpu: 198, memory: 533 }, size: { cpu: 256, memory: 1024 }, kind: 'smaller' },
  now: Date.parse('2026-03-02T10:00:00Z'),
  pricesAsOf: '2026-03',
  locale,
});

/** The texts of the message's buttons. */
function buttons(locale: Locale): string[] {
  return rightsizeMessage(view(locale)).blocks.flatMap((b) =>
    b.type === 'actions' ? b.elements.map((e) => String((e as { text?: { text?: string } }).text?.text)) : [],
  );
}

describe('the rightsize answer', () => {
  it('offers the recommended size as a resize request; in Korean without a particle after the size (its reading is unknown)', () => {
    expect(buttons('en')).toEqual(['Request resize to 0.25 vCPU / 1 GB']);
    expect(buttons('ko')).toEqual(['크기 변경 요청: 0.25 vCPU / 1 GB']);
  });
});

describe('tasks killed for memory', () => {
  const input = {
    current: { cpu: 512, memory: 2048 },
    cpu: statsOf([10, 20, 30]),
    memory: statsOf([20, 25, 30]),
    headroom: 30,
    region: 'eu-west-1',
    arch: 'X86_64' as const,
    desiredCount: 4,
  };

  it('keep memory at least at the reservation; CPU is still sized by its figures', () => {
    expect(recommend(input).size).toEqual({ cpu: 256, memory: 1024 });
    const kept = recommend({ ...input, memoryFloor: 2048 });
    expect(kept.needed.memory).toBe(2048);
    expect(kept.size).toEqual({ cpu: 256, memory: 2048 });
    expect(kept.kind).toBe('smaller');
  });

  it('offer the cheapest size with more memory that holds the CPU peaks, and what it costs against now', () => {
    const kept = recommend({ ...input, memoryFloor: 2048 });
    // 0.25 vCPU holds the CPU peaks but takes at most 2 GB: 0.5 vCPU / 3 GB is the cheapest above 2 GB.
    expect(kept.moreMemory?.size).toEqual({ cpu: 512, memory: 3072 });
    // Against 0.5 vCPU / 2 GB now: 1 GB more for the 4 tasks costs more a month.
    expect(kept.moreMemory?.monthlyExtra).toBeGreaterThan(0);
    // Without kills, or when the size already has more memory, nothing more is offered.
    expect(recommend(input).moreMemory).toBeUndefined();
    const busy = recommend({ ...input, memory: statsOf([90, 95, 99]), memoryFloor: 2048 });
    expect(busy.size.memory).toBeGreaterThan(2048);
    expect(busy.moreMemory).toBeUndefined();
    // CPU peaks that need 1 vCPU (120% of 0.5 vCPU with 30% headroom): the step up keeps it.
    expect(recommend({ ...input, cpu: statsOf([100, 110, 120]), memoryFloor: 2048 }).moreMemory?.size).toEqual({ cpu: 1024, memory: 3072 });
  });

  it('show the step up beside the recommendation, with its own button, in both languages', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const r = recommend({ ...input, current: { cpu: 512, memory: 1024 }, memoryFloor: 1024 });
    const msg = (locale: Locale) => rightsizeMessage({ ...view(locale), recommendation: r, memoryKills: { n: 1, last: now - 60_000 } });
    const en = JSON.stringify(msg('en').blocks);
    expect(en).toContain(
      ':bulb: *More memory:* if tasks keep running out of memory, `0.25 vCPU / 2 GB` is the cheapest size with more than 1024 MiB that holds the CPU peaks (about $',
    );
    expect(en).toMatch(/a month (more|less) than now\)\./);
    expect(JSON.stringify(msg('ko').blocks)).toContain(':bulb: *메모리 늘리기:* 작업이 계속 메모리 부족으로 중지된다면');
    const buttons = msg('en').blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as Array<{
      action_id: string;
      value: string;
      style?: string;
    }>;
    expect(buttons.map((b) => [b.action_id, JSON.parse(b.value).c, b.style])).toEqual([
      ['command:run:resize', 'resize web --cpu 256 --memory 1024', 'primary'],
      ['command:run:resize-more', 'resize web --cpu 256 --memory 2048', undefined],
    ]);
  });

  it("are said under the memory figures, in the reader's language", () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const with3 = (locale: Locale) =>
      JSON.stringify(rightsizeMessage({ ...view(locale), memoryKills: { n: 3, last: now - 5 * 60_000 } }).blocks);
    expect(with3('en')).toContain(
      ':warning: 3 tasks were stopped for running out of memory in the last 14 days (the last 5m ago). The hourly figures miss a spike between samples, so memory is not sized below 1024 MiB.',
    );
    expect(with3('ko')).toContain(':warning: 최근 14일 동안 작업 3개가 메모리 부족으로 중지되었습니다(마지막: 5분 전).');
    expect(JSON.stringify(rightsizeMessage(view('en')).blocks)).not.toContain('running out of memory');
    // On EC2 (or without a task-level size) nothing is sized, so nothing is said about sizing (was "not sized below NaN MiB"),
    // and the reservation is not a task size (was "reserved `NaN vCPU`").
    const ec2 = rightsizeMessage({
      ...view('en'),
      fargate: false,
      launch: 'EC2',
      current: { cpu: Number.NaN, memory: Number.NaN },
      recommendation: undefined,
      memoryKills: { n: 1, last: now - 60_000 },
    });
    const ec2Text = JSON.stringify(ec2.blocks);
    expect(ec2Text).toContain(':warning: 1 task was stopped for running out of memory in the last 14 days (the last 1m ago).');
    expect(ec2Text).not.toContain('NaN');
    expect(ec2Text).not.toContain('not sized below');
    // What it reserves is per container there.
    expect(ec2Text).toContain('*CPU* reserved (per container): average 20%');
    expect(ec2Text).toContain('*Memory* reserved (per container): average 35%');
  });
});
