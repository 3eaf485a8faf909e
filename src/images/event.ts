/**
 * ECR's own events as the image announcements read them (pure): "ECR Image Action" (a push),
 * "ECR Image Scan" (basic scanning finished) and Inspector's "Inspector2 Scan" (enhanced scanning,
 * whose `repository-name` is the repository ARN). Lenient: unknown fields pass, a missing field
 * makes the event one we skip. Samples: test/fixtures/events/aws-doc/ecr-*.json, inspector2-scan.json.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { EcsEvent } from '../aws/ecs-events';

export interface ImageEvent {
  id: string;
  kind: 'push' | 'scan';
  repository: string;
  digest: string;
  tags: string[];
  region?: string;
  account?: string;
  time?: number;
  scan?: { status: string; counts: Record<string, number>; source: 'basic' | 'inspector' };
}

const counts = lazySchema(() => z.record(z.string(), z.number()).default({}));

const pushSchema = lazySchema(() =>
  z
    .object({
      result: z.string(),
      'repository-name': z.string().min(1),
      'image-digest': z.string().regex(/^sha256:[a-f0-9]+$/i),
      'action-type': z.string(),
      'image-tag': z.string().optional(),
    })
    .passthrough(),
);

const scanSchema = lazySchema(() =>
  z
    .object({
      'scan-status': z.string(),
      'repository-name': z.string().min(1),
      'image-digest': z.string().regex(/^sha256:[a-f0-9]+$/i),
      'image-tags': z.array(z.string()).default([]),
      'finding-severity-counts': counts,
    })
    .passthrough(),
);

/** "arn:aws:ecr:us-east-2:123456789012:repository/amazon/sample" or "amazon/sample" → "amazon/sample". */
function repositoryName(value: string): string {
  const i = value.indexOf(':repository/');
  return value.startsWith('arn:') && i >= 0 ? value.slice(i + ':repository/'.length) : value;
}

/** The image event, or why it is not one the announcements use. */
export function parseImageEvent(event: EcsEvent): { ok: true; event: ImageEvent } | { ok: false; skip: string } {
  const dt = event['detail-type'];
  const base = {
    id: event.id,
    ...(event.region ? { region: event.region } : {}),
    ...(event.account ? { account: event.account } : {}),
    ...(event.time && Number.isFinite(Date.parse(event.time)) ? { time: Date.parse(event.time) } : {}),
  };
  if (event.source === 'aws.ecr' && dt === 'ECR Image Action') {
    const d = pushSchema.safeParse(event.detail);
    if (!d.success) return { ok: false, skip: 'malformed push' };
    if (d.data['action-type'] !== 'PUSH' || d.data.result !== 'SUCCESS') return { ok: false, skip: 'not a successful push' };
    const tag = d.data['image-tag'];
    return {
      ok: true,
      event: { ...base, kind: 'push', repository: d.data['repository-name'], digest: d.data['image-digest'], tags: tag ? [tag] : [] },
    };
  }
  const inspector = event.source === 'aws.inspector2' && dt === 'Inspector2 Scan';
  if ((event.source === 'aws.ecr' && dt === 'ECR Image Scan') || inspector) {
    const d = scanSchema.safeParse(event.detail);
    if (!d.success) return { ok: false, skip: 'malformed scan' };
    const c = { ...d.data['finding-severity-counts'] };
    delete c.TOTAL;
    return {
      ok: true,
      event: {
        ...base,
        kind: 'scan',
        repository: repositoryName(d.data['repository-name']),
        digest: d.data['image-digest'],
        tags: d.data['image-tags'],
        scan: { status: d.data['scan-status'], counts: c, source: inspector ? 'inspector' : 'basic' },
      },
    };
  }
  return { ok: false, skip: 'not an image event' };
}

/** Whether a tag matches one of the glob patterns (`*` any run, `?` one character); no patterns: every tag. */
export function tagMatches(tag: string, patterns: readonly string[]): boolean {
  if (!patterns.length) return true;
  return patterns.some((p) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(tag),
  );
}
