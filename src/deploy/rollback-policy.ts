/**
 * A rollback runs another task definition, so it passes the same policy as a deploy: its roles
 * (iam:PassRole: a role may change only to one of the environment's `taskRoles`) and every image it
 * brings back (the environment's `images` policy: critical findings, required scan). Pure: the
 * planner looks the images up in ECR and passes what it found. Returns the problems that refuse the
 * rollback (in the reader's language) and, for the request card, what was checked per image
 * (stored with the plan, written in whichever language the card is shown in).
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { code } from '../slack/text';
import { defineMessages, tokenText } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { countsText, imagePolicyProblems, type ImageCheck } from './plan';
import { shortDigest, splitImage } from './refs';
import type { rolesOf } from './taskdef';
import { roleProblems } from './taskdef';

const M = defineMessages('deploy.rollbackPolicy', {
  image: { en: 'Image {image} (container {container})', ko: '이미지 {image} ({container} 컨테이너)' },
  missing: { en: 'is not in ECR (deleted, or never pushed there)', ko: 'ECR에 없습니다 (삭제되었거나 푸시된 적이 없음)' },
  notEcr: { en: 'is not from an ECR repository', ko: 'ECR 리포지토리의 이미지가 아닙니다' },
  uncheckable: {
    en: '{what} {where}, so its scan cannot be checked, and this environment requires one.',
    ko: '{what}: {where}. 그래서 스캔을 확인할 수 없는데, 이 환경은 스캔을 요구합니다.',
  },
  notChecked: {
    en: ':white_check_mark: {what} {where}: not checked (this environment does not require a scan)',
    ko: ':white_check_mark: {what}: {where}. 확인하지 않음 (이 환경은 스캔을 요구하지 않음)',
  },
  scanned: { en: ':white_check_mark: {what}: scanned, {findings}', ko: ':white_check_mark: {what}: 스캔됨, {findings}' },
  notScanned: { en: ':white_check_mark: {what}: not scanned', ko: ':white_check_mark: {what}: 스캔 안 됨' },
  sameImages: { en: ':white_check_mark: Images: the same as what runs now', ko: ':white_check_mark: 이미지: 지금 실행 중인 것과 같음' },
});

type Roles = ReturnType<typeof rolesOf>;

/** An image the rollback brings back, and what ECR says about it. */
export interface ReturningImage {
  container: string;
  image: string;
  /** The image as ECR describes it; 'missing' when ECR has no such image; 'not-ecr' for another registry. */
  found: ImageDetail | 'missing' | 'not-ecr';
}

interface PolicyInput {
  currentRoles: Roles;
  targetRoles: Roles;
  taskRoles: readonly string[];
  images: readonly ReturningImage[];
  policy: { blockCritical: boolean; requireScan: boolean };
}

/** `shop/web:v1.2.3` (no registry host), or `shop/web@sha256:3f1c…`. */
function imageName(image: string): string {
  const { repository, tag, digest } = splitImage(image);
  const repo = repository.replace(/^[^/]*[.:][^/]*\//, '');
  return `${repo}${tag ? `:${tag}` : ''}${digest ? `@sha256:${shortDigest(digest)}` : ''}`;
}

const SCANNED = new Set(['COMPLETE', 'ACTIVE']);

function what(c: Pick<ImageCheck, 'image' | 'container'>, locale: Locale): string {
  return M.in(locale)('image', { image: code(imageName(c.image)), container: code(c.container) });
}

/** One line of the request card for an image the rollback brings back (it passed the policy). */
export function imageCheckLine(c: ImageCheck, locale: Locale): string {
  const t = M.in(locale);
  if (c.found !== 'ecr') return t('notChecked', { what: what(c, locale), where: t(c.found === 'missing' ? 'missing' : 'notEcr') });
  if (!c.scan?.status || !SCANNED.has(c.scan.status)) return t('notScanned', { what: what(c, locale) });
  return t('scanned', { what: what(c, locale), findings: countsText(c.scan.counts, locale) });
}

/** The request card's line when the rollback brings back no other image. */
export function sameImagesLine(locale: Locale): string {
  return M.in(locale)('sameImages');
}

function imageProblem(img: ReturningImage, policy: PolicyInput['policy'], locale: Locale): string | undefined {
  const t = M.in(locale);
  if (img.found === 'missing' || img.found === 'not-ecr') {
    if (!policy.requireScan) return undefined;
    return t('uncheckable', { what: what(img, locale), where: t(img.found === 'missing' ? 'missing' : 'notEcr') });
  }
  const problems = imagePolicyProblems(img.found, policy, locale);
  return problems.length ? `${what(img, locale)}: ${problems.join(' ')}` : undefined;
}

function imageCheck(img: ReturningImage): ImageCheck {
  if (img.found === 'missing' || img.found === 'not-ecr') return { container: img.container, image: img.image, found: img.found };
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(img.found.imageScanFindingsSummary?.findingSeverityCounts ?? {})) if (v) counts[k] = v;
  return { container: img.container, image: img.image, found: 'ecr', scan: { status: img.found.imageScanStatus?.status, counts } };
}

/**
 * The problems that refuse the rollback, written in `locale` (empty = allowed), and what was checked
 * per image (for the plan: the card writes it in its reader's language with imageCheckLine).
 */
export function rollbackPolicy(x: PolicyInput, locale: Locale = 'en'): { problems: string[]; images: ImageCheck[] } {
  const problems = roleProblems(x.currentRoles, x.targetRoles, x.taskRoles).map((p) => tokenText(p, locale));
  for (const img of x.images) {
    const p = imageProblem(img, x.policy, locale);
    if (p) problems.push(p);
  }
  return { problems, images: x.images.map(imageCheck) };
}
