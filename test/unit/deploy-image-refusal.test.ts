/**
 * An image the environment's policy refuses (src/deploy/planner.ts assertImageAllowed): which rule it
 * breaks and, for each, what to do next, with the scan command for this very image. Pure.
 */
import { findService } from '../../src/config/load';
import { assertImageAllowed } from '../../src/deploy/planner';
import type { BotError } from '../../src/errors';
import type { Locale } from '../../src/i18n/locale';
import { DIGEST, imageDetail } from '../helpers/aws-fixtures';
import { fixtureConfig } from '../helpers/config';

const found = findService(fixtureConfig(), 'web')!;
// An environment that requires a scan and blocks critical findings.
const web = { ...found, env: { ...found.env, images: { blockCritical: true, requireScan: true } } };

function refusal(over: Parameters<typeof imageDetail>[0], locale: Locale = 'en'): { message: string; hint: string } {
  try {
    assertImageAllowed(imageDetail(over), web, 'v2.0.0', 'eu-west-1');
  } catch (err) {
    const e = err as BotError;
    return { message: e.userMessageIn(locale), hint: e.hintIn(locale) ?? '' };
  }
  throw new Error('not refused');
}

describe('an image the policy refuses says what to do next', () => {
  it('never scanned: the scan command for this image, region and repository included', () => {
    const { message, hint } = refusal({ imageScanStatus: undefined, imageScanFindingsSummary: undefined });
    expect(message).toContain('the image has never been scanned');
    expect(hint).toContain(`\`aws ecr start-image-scan --region eu-west-1 --repository-name shop/web --image-id imageDigest=${DIGEST}\``);
    expect(hint).toContain('The policy is `images` in chatops.yml.');
    expect(hint).not.toMatch(/fix the/i);
  });

  it('still being scanned: wait, and where to see the result', () => {
    const { hint } = refusal({ imageScanStatus: { status: 'IN_PROGRESS' }, imageScanFindingsSummary: undefined });
    expect(hint).toMatch(/^Try again when the scan is done, usually within minutes \(`\/ecs images web` shows it\)\./);
    expect(hint).not.toContain('start-image-scan');
  });

  it('critical findings: fix them; a scan that failed: what ECR said and who decides', () => {
    expect(refusal({ imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 1 } } }).hint).toMatch(
      /^Fix the critical findings and push a new image/,
    );
    const failed = refusal({ imageScanStatus: { status: 'UNSUPPORTED_IMAGE', description: 'UnsupportedImageError' } });
    expect(failed.message).toContain('UNSUPPORTED_IMAGE: UnsupportedImageError');
    expect(failed.hint).toMatch(/^ECR could not scan this image/);
  });

  it('in Korean', () => {
    const { message, hint } = refusal({ imageScanStatus: undefined, imageScanFindingsSummary: undefined }, 'ko');
    expect(message).toContain('스캔된 적이 없습니다');
    expect(hint).toContain('aws ecr start-image-scan --region eu-west-1');
    expect(hint).toContain('스캔이 끝나면 다시 시도하세요');
    expect(hint).toContain('정책은 chatops.yml의 `images`입니다.');
  });

  it('an allowed image passes', () => {
    expect(() => assertImageAllowed(imageDetail(), web, 'v1.2.3', 'eu-west-1')).not.toThrow();
  });
});
