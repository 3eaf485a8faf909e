/**
 * `/ecs images` answers, pure: the newest tagged images of a service's ECR repository with tag,
 * short digest, push time, size, scan summary, and which image runs now.
 */
import type { KnownBlock } from '@slack/types';
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { context, header, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link } from '../../slack/text';
import { ago, formatBytes, sectionsOf } from './common';
import { shortDigest } from '../../deploy/refs';
import { slackDate } from '../../slack/time';

/** "2 critical, 5 high", "no critical or high", "not scanned", "scan in progress"… */
export function scanSummary(img: ImageDetail): string {
  const status = img.imageScanStatus?.status;
  const counts = img.imageScanFindingsSummary?.findingSeverityCounts;
  if (counts && (status === undefined || status === 'COMPLETE' || status === 'ACTIVE')) {
    const critical = counts.CRITICAL ?? 0;
    const high = counts.HIGH ?? 0;
    if (critical) return `:red_circle: ${critical} critical, ${high} high`;
    if (high) return `:large_orange_circle: ${high} high`;
    return ':white_check_mark: no critical or high';
  }
  switch (status) {
    case undefined:
      return ':grey_question: not scanned';
    case 'IN_PROGRESS':
    case 'PENDING':
      return ':hourglass: scan in progress';
    case 'COMPLETE':
    case 'ACTIVE':
      return ':white_check_mark: no findings';
    default:
      return `:grey_question: scan ${escapeMrkdwn(status)}`;
  }
}

export interface RunningImage {
  digest?: string;
  /** The image reference of the task definition, when tasks did not report a digest. */
  ref?: string;
  tag?: string;
  tasks: number;
}

export interface ImagesView {
  alias: string;
  environment: string;
  repositoryName: string;
  region: string;
  consoleUrl: string;
  /** Every tagged image read, newest first. */
  images: readonly ImageDetail[];
  limit: number;
  /** Running images by digest (or by tag when tasks did not report one). */
  running: readonly RunningImage[];
  /** The listing stopped at its page bound; older images may exist. */
  partial?: boolean;
  now: number;
}

function isRunning(img: ImageDetail, running: readonly RunningImage[]): RunningImage | undefined {
  return running.find((r) => (r.digest ? r.digest === img.imageDigest : r.tag !== undefined && (img.imageTags ?? []).includes(r.tag)));
}

function imageLine(img: ImageDetail, running: readonly RunningImage[], now: number): string {
  const tags = img.imageTags ?? [];
  const tagText = tags.length
    ? `${code(tags[0]!)}${
        tags.length > 1
          ? ` (+${tags
              .slice(1, 4)
              .map((t) => code(t))
              .join(' ')}${tags.length > 4 ? ' …' : ''})`
          : ''
      }`
    : '_untagged_';
  const pushed = img.imagePushedAt
    ? `${slackDate(img.imagePushedAt.getTime(), '{date_short} {time}')} (${ago(img.imagePushedAt, now)})`
    : 'push time unknown';
  const r = isRunning(img, running);
  const runningText = r ? ` · :arrow_left: *running now*${r.tasks ? ` (${r.tasks} task${r.tasks === 1 ? '' : 's'})` : ''}` : '';
  return `• ${tagText} · ${code(shortDigest(img.imageDigest))} · ${pushed} · ${formatBytes(img.imageSizeInBytes)} · ${scanSummary(img)}${runningText}`;
}

export function imagesMessage(v: ImagesView): SlackMessage {
  const shown = v.images.slice(0, v.limit);
  const blocks: KnownBlock[] = [header(`Images of ${v.alias} (${v.repositoryName})`)];
  if (!shown.length) {
    blocks.push(...sectionsOf([`ECR repository ${code(v.repositoryName)} in ${code(v.region)} has no tagged images.`]));
  } else {
    blocks.push(...sectionsOf(shown.map((img) => imageLine(img, v.running, v.now))));
  }
  const notes: string[] = [];
  for (const r of v.running) {
    if (shown.some((img) => isRunning(img, [r]))) continue;
    const found = v.images.find((img) => isRunning(img, [r]));
    const label = r.digest ? code(shortDigest(r.digest)) : code(r.ref ?? r.tag ?? '?');
    const taskText = r.tasks ? ` on ${r.tasks} task${r.tasks === 1 ? '' : 's'}` : '';
    if (found) notes.push(`*Running now${taskText}:* ${imageLine(found, [], v.now).slice(2)} (older than the ${shown.length} shown)`);
    else
      notes.push(
        `*Running now${taskText}:* ${label}, which is not among the tagged images of ${code(v.repositoryName)}${v.partial ? ' that I read' : ''} (untagged, deleted, or from another repository).`,
      );
  }
  if (!v.running.length) notes.push('_No task of this service is running now._');
  blocks.push(...sectionsOf(notes));
  const ctx = [
    `Newest first · ${shown.length} of ${v.images.length}${v.partial ? '+' : ''} tagged images · region ${code(v.region)} · ${link(v.consoleUrl, 'Open in ECR')}`,
  ];
  blocks.push(context(...ctx));
  const text = `${shown.length} recent images of ${v.alias} (${v.repositoryName})`;
  return { text, blocks };
}
