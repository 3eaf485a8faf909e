/**
 * The announcement of one pushed image (pure): tags, digest, size, when it was pushed, the scan
 * summary once it arrives, and a button per service that deploys from the repository. A button
 * runs `/ecs deploy <service> <digest>` as the clicker in that service's environment channel (the
 * exact image of this message, the same checks and approvals as typing it): "Deploy to <env>" where
 * the environment needs no approval, "Request <env>" where it does.
 */
import type { KnownBlock } from '@slack/types';
import type { ResolvedService } from '../config/schema';
import { defineMessages, type Locale } from '../i18n';
import { actions, context, header, section, type SlackMessage } from '../slack/blocks';
import { commandButton } from '../slack/command-button';
import { code } from '../slack/text';
import { slackDate } from '../slack/time';

const text = defineMessages('images-announce', {
  title: { en: 'New image: {repository} {tags}', ko: '새 이미지: {repository} {tags}' },
  untagged: { en: '(untagged)', ko: '(태그 없음)' },
  facts: {
    en: '*Tags* {tags} · *Digest* {digest} · *Size* {size} · *Pushed* {pushed}',
    ko: '*태그* {tags} · *다이제스트* {digest} · *크기* {size} · *푸시* {pushed}',
  },
  unknown: { en: 'unknown', ko: '알 수 없음' },
  scanWaiting: { en: ':hourglass_flowing_sand: *Scan:* waiting for the result', ko: ':hourglass_flowing_sand: *스캔:* 결과를 기다리는 중' },
  scanClean: { en: ':white_check_mark: *Scan* ({source}): no findings', ko: ':white_check_mark: *스캔* ({source}): 발견 사항 없음' },
  scanFindings: { en: '{icon} *Scan* ({source}): {counts}', ko: '{icon} *스캔* ({source}): {counts}' },
  scanOther: { en: ':grey_question: *Scan* ({source}): {status}', ko: ':grey_question: *스캔* ({source}): {status}' },
  basic: { en: 'basic', ko: '기본' },
  inspector: { en: 'Inspector', ko: 'Inspector', same: true },
  deployTo: { en: 'Deploy to {env}', ko: '{env}에 배포' },
  request: { en: 'Request {env}', ko: '{env} 요청' },
  how: {
    en: 'The buttons run `/ecs deploy <service> <digest>` as you, in the environment’s channel: this exact image, the same checks and approvals.',
    ko: '버튼은 환경 채널에서 여러분의 이름으로 `/ecs deploy <service> <digest>`를 실행합니다. 바로 이 이미지이며 검사와 승인도 같습니다.',
  },
  fallback: { en: 'New image {repository}:{tag} ({digest})', ko: '새 이미지 {repository}:{tag} ({digest})' },
});

export interface ImageState {
  repository: string;
  digest: string;
  tags: string[];
  size?: number;
  pushedAt?: number;
  scan?: { status: string; counts: Record<string, number>; source: 'basic' | 'inspector' };
}

/** The first 12 hex characters of a digest, as the other answers show it. */
const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

const ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED', 'UNDEFINED'];

function bytes(n: number | undefined, t: (k: 'unknown') => string): string {
  if (n === undefined) return t('unknown');
  return n >= 1024 * 1024 * 1024 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${Math.round(n / 1024 / 1024)} MB`;
}

function scanLine(s: ImageState['scan'], locale: Locale): string {
  const t = text.in(locale);
  if (!s) return t('scanWaiting');
  const source = t(s.source);
  const done = ['COMPLETE', 'ACTIVE', 'INITIAL_SCAN_COMPLETE', 'SCAN_COMPLETE'].includes(s.status);
  if (!done) return t('scanOther', { source, status: code(s.status) });
  const found = ORDER.filter((k) => (s.counts[k] ?? 0) > 0);
  if (!found.length) return t('scanClean', { source });
  const icon = (s.counts.CRITICAL ?? 0) > 0 ? ':red_circle:' : (s.counts.HIGH ?? 0) > 0 ? ':large_orange_circle:' : ':large_yellow_circle:';
  return t('scanFindings', { icon, source, counts: found.map((k) => `${s.counts[k]} ${k.toLowerCase()}`).join(', ') });
}

export function imageMessage(state: ImageState, services: readonly ResolvedService[], locale: Locale): SlackMessage {
  const t = text.in(locale);
  const tags = state.tags.length ? state.tags.map((x) => code(x)).join(' ') : t('untagged');
  const blocks: KnownBlock[] = [
    header(t('title', { repository: state.repository, tags: state.tags.join(' ') || t('untagged') })),
    section(
      `${t('facts', {
        tags,
        digest: code(`sha256:${shortDigest(state.digest)}`),
        size: bytes(state.size, t),
        pushed: state.pushedAt ? slackDate(state.pushedAt) : t('unknown'),
      })}\n${scanLine(state.scan, locale)}`,
    ),
  ];
  const buttons = services.slice(0, 20).map((svc, i) => {
    const needsApproval = svc.env.approvals.deploy > 0;
    return commandButton(
      t(needsApproval ? 'request' : 'deployTo', {
        env:
          svc.environment === svc.alias
            ? svc.alias
            : `${svc.environment}${services.filter((s) => s.environment === svc.environment).length > 1 ? ` (${svc.alias})` : ''}`,
      }),
      `deploy ${svc.alias} ${state.digest}`,
      {
        key: `${i}`,
        channel: svc.env.channels[0]!,
        ...(needsApproval ? {} : { style: 'primary' as const }),
      },
    );
  });
  for (let i = 0; i < buttons.length; i += 5) blocks.push(actions(`image:${i}`, buttons.slice(i, i + 5)));
  if (buttons.length) blocks.push(context(t('how')));
  return {
    text: t('fallback', { repository: state.repository, tag: state.tags[0] ?? '-', digest: `sha256:${shortDigest(state.digest)}` }),
    blocks,
  };
}
