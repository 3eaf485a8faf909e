/**
 * An image the environment's policy refuses (src/deploy/planner.ts assertImageAllowed): which rule it
 * breaks and, for each, what to do next, with the scan command for this very image where the registry
 * uses basic scanning (enhanced scanning: its scanning rules; unknown: how to scan in general). Pure.
 */
import { findService } from '../../src/config/load';
import { assertImageAllowed, needsScanType, nextStep, scanTypeOf, type ScanType } from '../../src/deploy/planner';
import { imagePolicyKinds } from '../../src/deploy/plan';
import type { ImageDetail, ScanStatus } from '@aws-sdk/client-ecr';
import type { BotError } from '../../src/errors';
import type { Locale } from '../../src/i18n/locale';
import { DIGEST, imageDetail } from '../helpers/aws-fixtures';
import { fixtureConfig } from '../helpers/config';

const found = findService(fixtureConfig(), 'web')!;
// An environment that requires a scan and blocks critical findings.
const web = { ...found, env: { ...found.env, images: { blockCritical: true, requireScan: true } } };

function refusal(
  over: Parameters<typeof imageDetail>[0],
  locale: Locale = 'en',
  scanType: ScanType = 'BASIC',
): { message: string; hint: string } {
  try {
    assertImageAllowed(imageDetail(over), web, 'v2.0.0', 'eu-west-1', scanType);
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
    expect(() => assertImageAllowed(imageDetail(), web, 'v1.2.3', 'eu-west-1', 'unknown')).not.toThrow();
  });
});

const NEVER: Partial<ImageDetail> = { imageScanStatus: undefined, imageScanFindingsSummary: undefined };
const EXPIRED: Partial<ImageDetail> = { imageScanStatus: { status: 'SCAN_ELIGIBILITY_EXPIRED', description: 'Scan eligibility expired' } };

describe('never scanned, by how the registry scans', () => {
  it('enhanced scanning: no StartImageScan; the registry scanning rules must include the repository', () => {
    const { message, hint } = refusal(NEVER, 'en', 'ENHANCED');
    expect(message).toContain('the image has never been scanned');
    expect(hint).toMatch(
      /^This registry uses enhanced scanning \(Amazon Inspector\), which scans only the repositories its scanning rules match\./,
    );
    expect(hint).toContain(
      "Ask an admin to add `shop/web` to the registry's enhanced scanning rules (ECR console › Private registry › Scanning), then push the image again or wait for the scan.",
    );
    expect(hint).not.toContain('start-image-scan');
    expect(hint).toContain('The policy is `images` in chatops.yml.');
  });

  it('enhanced scanning in Korean', () => {
    const { hint } = refusal(NEVER, 'ko', 'ENHANCED');
    expect(hint).toContain('향상된 스캐닝(Amazon Inspector)');
    expect(hint).toContain('`shop/web` 리포지토리를 레지스트리의 향상된 스캐닝 규칙에 추가');
    expect(hint).not.toContain('start-image-scan');
  });

  it('scan type unknown (the call failed, or the registry is not the caller’s): how to scan in general, no command', () => {
    for (const locale of ['en', 'ko'] as const) {
      const { hint } = refusal(NEVER, locale, 'unknown');
      expect(hint).not.toContain('start-image-scan');
      expect(hint).toContain(locale === 'en' ? 'with basic scanning, Scan in the ECR console' : '기본 스캐닝이면 ECR 콘솔에서 Scan');
      expect(hint).toContain(locale === 'en' ? 'with enhanced scanning (Amazon Inspector)' : '향상된 스캐닝(Amazon Inspector)이면');
    }
  });
});

describe('SCAN_ELIGIBILITY_EXPIRED: Inspector stopped rescanning the image', () => {
  it.each(['ENHANCED', 'unknown'] as const)('%s: push it again or deploy a newer tag', (scanType) => {
    const { message, hint } = refusal(EXPIRED, 'en', scanType);
    expect(message).toContain('has no usable scan result (SCAN_ELIGIBILITY_EXPIRED: Scan eligibility expired)');
    expect(hint).toMatch(
      /^Amazon Inspector no longer rescans this image \(its scan duration ended\): push the image again \(a new push is scanned\) or deploy a newer tag \(`\/ecs images web`\)\./,
    );
    expect(hint).not.toMatch(/ECR could not scan this image/);
    expect(refusal(EXPIRED, 'ko', scanType).hint).toContain('Amazon Inspector가 이 이미지를 더 이상 다시 스캔하지 않습니다');
  });

  it('a registry back on basic scanning: the scan command', () => {
    expect(refusal(EXPIRED, 'en', 'BASIC').hint).toContain('aws ecr start-image-scan --region eu-west-1');
  });

  it('other enhanced statuses keep their hints (PENDING: wait; FINDINGS_UNAVAILABLE: no usable scan)', () => {
    expect(refusal({ imageScanStatus: { status: 'PENDING' }, imageScanFindingsSummary: undefined }, 'en', 'ENHANCED').hint).toMatch(
      /^Try again when the scan is done/,
    );
    expect(refusal({ imageScanStatus: { status: 'FINDINGS_UNAVAILABLE' } }, 'en', 'ENHANCED').hint).toMatch(
      /^ECR could not scan this image/,
    );
  });
});

describe('choosing the next step (scan type × status)', () => {
  const policy = { blockCritical: true, requireScan: true };
  const step = (status: ScanStatus | undefined, scanType: ScanType) => {
    const image = imageDetail(status ? { imageScanStatus: { status } } : NEVER);
    return imagePolicyKinds(image, policy).map((k) => nextStep(k, status, scanType));
  };

  it.each([
    [undefined, 'BASIC', ['neverScannedNext']],
    [undefined, 'ENHANCED', ['neverScannedEnhancedNext']],
    [undefined, 'unknown', ['neverScannedAnyNext']],
    ['SCAN_ELIGIBILITY_EXPIRED', 'ENHANCED', ['eligibilityExpiredNext']],
    ['SCAN_ELIGIBILITY_EXPIRED', 'unknown', ['eligibilityExpiredNext']],
    ['SCAN_ELIGIBILITY_EXPIRED', 'BASIC', ['neverScannedNext']],
    ['IN_PROGRESS', 'BASIC', ['beingScannedNext']],
    ['PENDING', 'ENHANCED', ['beingScannedNext']],
    ['FAILED', 'BASIC', ['noUsableScanNext']],
    ['FINDINGS_UNAVAILABLE', 'ENHANCED', ['noUsableScanNext']],
    ['UNSUPPORTED_IMAGE', 'unknown', ['noUsableScanNext']],
    ['ACTIVE', 'ENHANCED', []],
    ['COMPLETE', 'BASIC', []],
  ] as const)('status %s, scan type %s → %j', (status, scanType, expected) => {
    expect(step(status, scanType)).toEqual(expected);
  });

  it('the registry is asked only when the hint depends on it: never scanned, or scan eligibility expired', () => {
    const asks = (over: Parameters<typeof imageDetail>[0]) => {
      const image = imageDetail(over);
      return needsScanType(image, imagePolicyKinds(image, policy));
    };
    expect(asks(NEVER)).toBe(true);
    expect(asks(EXPIRED)).toBe(true);
    for (const status of ['IN_PROGRESS', 'PENDING', 'FAILED', 'FINDINGS_UNAVAILABLE', 'UNSUPPORTED_IMAGE', 'COMPLETE', 'ACTIVE'] as const)
      expect(asks({ imageScanStatus: { status } })).toBe(false);
    expect(asks({ imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 3 } } })).toBe(false);
    // Not required (requireScan false): an unscanned image is no refusal, so nothing to ask.
    const image = imageDetail(NEVER);
    expect(needsScanType(image, imagePolicyKinds(image, { blockCritical: true, requireScan: false }))).toBe(false);
  });

  it("the answer is the caller's registry: trusted only for the image's own registry", () => {
    expect(scanTypeOf({ registryId: '222222222222', scanType: 'ENHANCED' }, '222222222222')).toBe('ENHANCED');
    expect(scanTypeOf({ registryId: '222222222222', scanType: 'BASIC' }, '222222222222')).toBe('BASIC');
    // A registry in another account (chatops.yml `registry`): the caller's registry says nothing of it.
    expect(scanTypeOf({ registryId: '222222222222', scanType: 'BASIC' }, '333333333333')).toBe('unknown');
    expect(scanTypeOf({ scanType: 'ENHANCED' }, '333333333333')).toBe('unknown');
    // The image's registry not known (the caller's own was asked for it): the answer is the one.
    expect(scanTypeOf({ registryId: '222222222222', scanType: 'ENHANCED' }, undefined)).toBe('ENHANCED');
    expect(scanTypeOf({ registryId: '222222222222' }, '222222222222')).toBe('unknown');
  });
});
