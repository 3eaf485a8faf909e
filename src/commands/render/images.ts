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
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';

const M = defineMessages('commands.render.images', {
  critical: { en: ':red_circle: {critical} critical, {high} high', ko: ':red_circle: 심각 {critical}, 높음 {high}' },
  high: { en: ':large_orange_circle: {high} high', ko: ':large_orange_circle: 높음 {high}' },
  clean: { en: ':white_check_mark: no critical or high', ko: ':white_check_mark: 심각·높음 없음' },
  notScanned: { en: ':grey_question: not scanned', ko: ':grey_question: 스캔 안 됨' },
  scanning: { en: ':hourglass: scan in progress', ko: ':hourglass: 스캔 중' },
  noFindings: { en: ':white_check_mark: no findings', ko: ':white_check_mark: 발견 사항 없음' },
  scanStatus: { en: ':grey_question: scan {status}', ko: ':grey_question: 스캔 {status}' },
  untagged: { en: '_untagged_', ko: '_태그 없음_' },
  pushUnknown: { en: 'push time unknown', ko: '푸시 시각 알 수 없음' },
  runningNow: { en: ' · :arrow_left: *running now*{tasks}', ko: ' · :arrow_left: *지금 실행 중*{tasks}' },
  tasks: { en: ' ({n} {n|task|tasks})', ko: ' (작업 {n}개)' },
  title: { en: 'Images of {service} ({repository})', ko: '{service} 이미지 ({repository})' },
  empty: {
    en: 'ECR repository {repository} in {region} has no tagged images.',
    ko: '{region}의 ECR 리포지토리 {repository}에 태그가 붙은 이미지가 없습니다.',
  },
  onTasks: { en: ' on {n} {n|task|tasks}', ko: ' (작업 {n}개)' },
  runningOlder: {
    en: '*Running now{tasks}:* {image} (older than the {n} shown)',
    ko: '*지금 실행 중{tasks}:* {image} (보여 준 {n}개보다 오래됨)',
  },
  runningElsewhere: {
    en: '*Running now{tasks}:* {label}, which is not among the tagged images of {repository}{read} (untagged, deleted, or from another repository).',
    ko: '*지금 실행 중{tasks}:* {label} — {repository}{read} 태그 이미지에 없습니다 (태그 없음, 삭제됨, 또는 다른 리포지토리).',
  },
  thatIRead: { en: ' that I read', ko: '에서 읽은' },
  noneRunning: { en: '_No task of this service is running now._', ko: '_지금 실행 중인 이 서비스의 작업이 없습니다._' },
  footer: {
    en: 'Newest first · {shown} of {total} tagged images · region {region} · {link}',
    ko: '최신순 · 태그 이미지 {total}개 중 {shown}개 · 리전 {region} · {link}',
  },
  openEcr: { en: 'Open in ECR', ko: 'ECR에서 열기' },
  fallback: { en: '{n} recent images of {service} ({repository})', ko: '{service}의 최근 이미지 {n}개 ({repository})' },
});

/** "2 critical, 5 high", "no critical or high", "not scanned", "scan in progress"… */
export function scanSummary(img: ImageDetail, locale: Locale = 'en'): string {
  const t = M.in(locale);
  const status = img.imageScanStatus?.status;
  const counts = img.imageScanFindingsSummary?.findingSeverityCounts;
  if (counts && (status === undefined || status === 'COMPLETE' || status === 'ACTIVE')) {
    const critical = counts.CRITICAL ?? 0;
    const high = counts.HIGH ?? 0;
    if (critical) return t('critical', { critical, high });
    if (high) return t('high', { high });
    return t('clean');
  }
  switch (status) {
    case undefined:
      return t('notScanned');
    case 'IN_PROGRESS':
    case 'PENDING':
      return t('scanning');
    case 'COMPLETE':
    case 'ACTIVE':
      return t('noFindings');
    default:
      return t('scanStatus', { status: escapeMrkdwn(status) });
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

function imageLine(img: ImageDetail, running: readonly RunningImage[], now: number, locale: Locale): string {
  const t = M.in(locale);
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
    : t('untagged');
  const pushed = img.imagePushedAt
    ? `${slackDate(img.imagePushedAt.getTime(), '{date_short} {time}')} (${ago(img.imagePushedAt, now, locale)})`
    : t('pushUnknown');
  const r = isRunning(img, running);
  const runningText = r ? t('runningNow', { tasks: r.tasks ? t('tasks', { n: r.tasks }) : '' }) : '';
  return `• ${tagText} · ${code(shortDigest(img.imageDigest))} · ${pushed} · ${formatBytes(img.imageSizeInBytes)} · ${scanSummary(img, locale)}${runningText}`;
}

/** The /ecs images answer, in `locale`. */
export function imagesMessage(v: ImagesView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const shown = v.images.slice(0, v.limit);
  const blocks: KnownBlock[] = [header(t('title', { service: v.alias, repository: v.repositoryName }))];
  if (!shown.length) {
    blocks.push(...sectionsOf([t('empty', { repository: code(v.repositoryName), region: code(v.region) })]));
  } else {
    blocks.push(...sectionsOf(shown.map((img) => imageLine(img, v.running, v.now, locale))));
  }
  const notes: string[] = [];
  for (const r of v.running) {
    if (shown.some((img) => isRunning(img, [r]))) continue;
    const found = v.images.find((img) => isRunning(img, [r]));
    const label = r.digest ? code(shortDigest(r.digest)) : code(r.ref ?? r.tag ?? '?');
    const tasks = r.tasks ? t('onTasks', { n: r.tasks }) : '';
    if (found) notes.push(t('runningOlder', { tasks, image: imageLine(found, [], v.now, locale).slice(2), n: shown.length }));
    else notes.push(t('runningElsewhere', { tasks, label, repository: code(v.repositoryName), read: v.partial ? t('thatIRead') : '' }));
  }
  if (!v.running.length) notes.push(t('noneRunning'));
  blocks.push(...sectionsOf(notes));
  const ctx = [
    t('footer', {
      shown: shown.length,
      total: `${v.images.length}${v.partial ? '+' : ''}`,
      region: code(v.region),
      link: link(v.consoleUrl, t('openEcr')),
    }),
  ];
  blocks.push(context(...ctx));
  return { text: t('fallback', { n: shown.length, service: v.alias, repository: v.repositoryName }), blocks, locale };
}
