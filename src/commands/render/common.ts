/**
 * Small pure helpers shared by the read-only answers (status, logs, cost, images): times, ids,
 * image references, and packing lines into sections that stay within Slack's limits.
 */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../i18n';
import { defineMessages } from '../../i18n/catalog';
import type { Locale } from '../../i18n/locale';
import { section } from '../../slack/blocks';
import { splitImage } from '../../deploy/refs';
import { arnTail } from '../../aws/arn';
import { truncate } from '../../slack/text';

const M = defineMessages('commands.render.common', {
  unknownTime: { en: 'at an unknown time', ko: '알 수 없는 시각' },
  justNow: { en: 'just now', ko: '방금' },
  ago: { en: '{duration} ago', ko: '{duration} 전' },
  in: { en: 'in {duration}', ko: '{duration} 후' },
});

/**
 * "12m ago", "just now" for anything under 5 s, "in 3m" for the future (clock skew); "12분 전", "방금", "3분 후".
 * From 10 hours on, in whole hours ("47h ago", "2d 3h ago"): the minutes of something that long ago are noise.
 */
export function ago(then: Date | number | undefined, now: number, locale: Locale = 'en'): string {
  const tr = M.in(locale);
  if (then === undefined) return tr('unknownTime');
  const t = typeof then === 'number' ? then : then.getTime();
  const d = now - t;
  if (Math.abs(d) < 5_000) return tr('justNow');
  const abs = Math.abs(d) >= 10 * 3600_000 ? Math.round(Math.abs(d) / 3600_000) * 3600_000 : Math.abs(d);
  return tr(d >= 0 ? 'ago' : 'in', { duration: formatDuration(abs, locale) });
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** 14:03:12 (UTC) */
export function utcTime(t: number): string {
  const d = new Date(t);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** 2024-05-01 */
export function utcDate(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `family:revision` of a task definition ARN (or the input when it is not an ARN). */
export function taskDefName(arn: string | undefined): string {
  return arnTail(arn) || '(unknown)';
}

type ImageRef = ReturnType<typeof splitImage>;

/** Parse `<registry>/<repo>:<tag>`, `<repo>@sha256:…` or `<repo>:<tag>@sha256:…`; no tag and no digest means `latest`. */
export function parseImage(image: string | undefined): ImageRef {
  const ref = splitImage(image);
  return ref.repository && !ref.tag && !ref.digest ? { ...ref, tag: 'latest' } : ref;
}

/** Human size: 182 MB, 1.4 GB. Uses powers of 1024 like the ECR console. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/**
 * Pack lines into as few section blocks as possible, each within `perSection` characters.
 * The first section starts with `title` (if any). A single over-long line is cut.
 */
export function sectionsOf(lines: readonly string[], title?: string, perSection = 2900): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let cur = title ?? '';
  for (const raw of lines) {
    const line = truncate(raw, perSection - 10);
    const next = cur ? `${cur}\n${line}` : line;
    if (next.length > perSection) {
      blocks.push(section(cur));
      cur = line;
    } else {
      cur = next;
    }
  }
  if (cur) blocks.push(section(cur));
  return blocks;
}
