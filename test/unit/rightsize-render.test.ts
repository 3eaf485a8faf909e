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

  it("are said under the memory figures, in the reader's language", () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const with3 = (locale: Locale) =>
      JSON.stringify(rightsizeMessage({ ...view(locale), memoryKills: { n: 3, last: now - 5 * 60_000 } }).blocks);
    expect(with3('en')).toContain(
      ':warning: 3 tasks were stopped for running out of memory in the last 14 days (the last 5m ago). The hourly figures miss a spike between samples, so memory is not sized below 1024 MiB.',
    );
    expect(with3('ko')).toContain(':warning: 최근 14일 동안 작업 3개가 메모리 부족으로 중지되었습니다(마지막: 5분 전).');
    expect(JSON.stringify(rightsizeMessage(view('en')).blocks)).not.toContain('running out of memory');
  });
});
