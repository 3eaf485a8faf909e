/**
 * A rollback runs another task definition, so it passes the same policy as a deploy: its roles
 * (iam:PassRole: a role may change only to one of the environment's `taskRoles`) and every image it
 * brings back (the environment's `images` policy: critical findings, required scan). Pure: the
 * planner looks the images up in ECR and passes what it found. Returns the problems that refuse the
 * rollback and, for the request card, one line per check that passed.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { code } from '../slack/text';
import { findingsText, imagePolicyProblems } from './plan';
import { shortDigest, splitImage } from './refs';
import type { rolesOf } from './taskdef';
import { roleProblems } from './taskdef';
import { arnTail } from '../aws/arn';

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

const ROLE_WORD = { taskRoleArn: 'Task role', executionRoleArn: 'Execution role' } as const;

function roleChecks(x: PolicyInput): string[] {
  return (['taskRoleArn', 'executionRoleArn'] as const).map((k) => {
    const before = x.currentRoles[k];
    const after = x.targetRoles[k];
    if (after === before) return `${ROLE_WORD[k]} ${after ? code(arnTail(after)) : '(none)'}: unchanged`;
    if (!after) return `${ROLE_WORD[k]}: none in the target (was ${code(arnTail(before))})`;
    return `${ROLE_WORD[k]} ${code(arnTail(before ?? '(none)'))} → ${code(arnTail(after))}: in this environment's \`taskRoles\``;
  });
}

function imageCheck(img: ReturningImage, policy: PolicyInput['policy']): { problem?: string; check?: string } {
  const what = `Image ${code(imageName(img.image))} (container ${code(img.container)})`;
  if (img.found === 'missing' || img.found === 'not-ecr') {
    const where = img.found === 'missing' ? 'is not in ECR (deleted, or never pushed there)' : 'is not from an ECR repository';
    if (policy.requireScan) return { problem: `${what} ${where}, so its scan cannot be checked, and this environment requires one.` };
    return { check: `${what} ${where}: not checked (this environment does not require a scan)` };
  }
  const problems = imagePolicyProblems(img.found, policy);
  if (problems.length) return { problem: `${what}: ${problems.join(' ')}` };
  const status = img.found.imageScanStatus?.status;
  const scan = status === 'COMPLETE' || status === 'ACTIVE' ? `scanned, ${findingsText(img.found)}` : 'not scanned';
  return { check: `${what}: ${scan}` };
}

export function rollbackPolicy(x: PolicyInput): { problems: string[]; checks: string[] } {
  const problems = roleProblems(x.currentRoles, x.targetRoles, x.taskRoles);
  const checks = problems.length ? [] : roleChecks(x);
  for (const img of x.images) {
    const r = imageCheck(img, x.policy);
    if (r.problem) problems.push(r.problem);
    if (r.check) checks.push(r.check);
  }
  if (!x.images.length) checks.push('Images: the same as what runs now');
  return { problems, checks };
}
