import { rightsizeMessage, statsOf, type RightsizeView } from '../../src/commands/render/rightsize';
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
