/**
 * `/ecs mute <service> <duration> [--reason "…"]` and `/ecs unmute <service>`: silence a noisy
 * service's alerts for a while. Failures are still counted in the incident (and logged); an
 * incident still open when the mute ends is posted then. Recorded with who, why and until, and
 * announced in the service's alert channel. Answered inline (Redis and Slack only).
 */
import { z } from 'zod';
import { section } from '../slack/blocks';
import { code, escapeMrkdwn, notificationText } from '../slack/text';
import { parseDuration } from '../config/duration';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import { badInput } from '../errors';
import { withStore } from '../redis/client';
import { alertChannelFor } from '../alerts/events';
import { muteNotice } from '../alerts/messages';
import { clearMute, readMute, setMute } from '../alerts/store';
import { extraInput, parseRaw, positional, resolveService } from './args';
import { defineCommand } from './types';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { slackDate } from '../slack/time';

const MUTE_USAGE = '/ecs mute <service> <duration> [--reason "…"]';
const UNMUTE_USAGE = '/ecs unmute <service>';

const M = defineMessages('commands.mute', {
  summaryMute: {
    en: "Silence a service's alerts for a while (failures are still counted), with a reason.",
    ko: '서비스 알림을 잠시 끕니다 (실패는 계속 집계됩니다). 사유를 함께 남깁니다.',
  },
  summaryUnmute: { en: "Turn a muted service's alerts back on.", ko: '꺼 둔 서비스 알림을 다시 켭니다.' },
  reasonValue: {
    en: 'write the reason after --reason, in quotes if it has spaces',
    ko: '사유는 --reason 뒤에 쓰고, 띄어쓰기가 있으면 따옴표로 감싸세요',
  },
  notDuration: {
    en: '{input} is not a duration. Write e.g. `30m`, `2h` or `1d`.',
    ko: '{input}: 기간으로 읽을 수 없습니다. `30m`, `2h`, `1d`처럼 쓰세요.',
  },
  tooShort: { en: 'Mute for at least 1m (you wrote {input}).', ko: '최소 1m 이상 꺼야 합니다 (입력: {input}).' },
  tooLong: {
    en: 'The longest mute is 7d (you wrote {input}). Fix the noise, or mute again later.',
    ko: '최대 7d까지 끌 수 있습니다 (입력: {input}). 알림 원인을 고치거나, 나중에 다시 꺼 주세요.',
  },
  extra: {
    en: 'Unexpected extra input: {extra}. Put the reason after --reason, e.g. {example}.',
    ko: '필요 없는 입력이 있습니다: {extra}. 사유는 --reason 뒤에 쓰세요. 예: {example}',
  },
  noReason: { en: ' (no reason given)', ko: ' (사유 없음)' },
  muted: {
    en: '🔕 Alerts for {service} ({env}) are muted for {duration}, until {until}{why}. Failures are still counted; `/ecs unmute {alias}` turns them back on.',
    ko: '🔕 {service}({env}) 알림을 {duration} 동안, {until}까지 껐습니다{why}. 실패는 계속 집계되며, `/ecs unmute {alias}`로 다시 켤 수 있습니다.',
  },
  notMuted: { en: '🔔 Alerts for {service} ({env}) are not muted.', ko: '🔔 {service}({env}) 알림은 꺼져 있지 않습니다.' },
  unmuted: {
    en: '🔔 Alerts for {service} ({env}) are back on (muted by {user}{why}). An incident still open is posted within a minute.',
    ko: '🔔 {service}({env}) 알림을 다시 켰습니다 ({user} 님이 꺼 둠{why}). 아직 열려 있는 장애는 1분 안에 올라옵니다.',
  },
});

const MAX_MUTE_MS = 7 * 24 * 3_600_000;
const MIN_MUTE_MS = 60_000;

interface MuteArgs {
  durationMs: number;
  reason?: string;
}

const muteSchema = z.object({
  args: z.tuple([positional('service', 'mute web 2h'), positional('duration', 'mute web 2h')], z.string()),
  flags: z
    .object({
      reason: z
        .string({ error: M.token('reasonValue') })
        .trim()
        .min(1)
        .max(300)
        .optional(),
    })
    .strict(),
});

const unmuteSchema = z.object({
  args: z.tuple([positional('service', 'unmute web')], z.string()),
  flags: z.object({}).strict(),
});

/** A mute duration in ms, or a BAD_INPUT error that says what is accepted. Pure. */
function parseMuteDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw badInput(M.lazy('notDuration', { input: code(text) }), MUTE_USAGE);
  if (ms < MIN_MUTE_MS) throw badInput(M.lazy('tooShort', { input: code(text) }), MUTE_USAGE);
  if (ms > MAX_MUTE_MS) throw badInput(M.lazy('tooLong', { input: code(text) }), MUTE_USAGE);
  return ms;
}

/** Tell the alert channel who muted or unmuted, best effort (the mute itself is already recorded). */
async function announce(rt: Runtime, svc: ResolvedService, msg: SlackMessage): Promise<void> {
  await rt.slack
    .post(alertChannelFor(svc), msg, { withinAck: true })
    .catch((err: unknown) => rt.log.warn('mute notice not posted', { service: svc.alias, err }));
}

export const mute = defineCommand<MuteArgs>({
  verb: 'mute',
  summary: M.lazy('summaryMute'),
  usage: MUTE_USAGE,
  examples: ['mute web 2h --reason "load test"', 'mute worker 30m'],
  kind: 'change',
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'mute', usage: MUTE_USAGE }, muteSchema, raw, ['reason']);
    if (args.length > 2) {
      const extra = args.slice(2).join(' ');
      throw badInput(
        M.lazy('extra', { extra: code(extra), example: code(`mute ${args[0]} ${args[1]} --reason "${extra.replace(/"/g, '')}"`) }),
        MUTE_USAGE,
      );
    }
    const service = resolveService(ctx.config, args[0], MUTE_USAGE);
    return { args: { durationMs: parseMuteDuration(args[1]), reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const svc = parsed.service!;
    const now = rt.now();
    const until = now + parsed.args.durationMs;
    await withStore(() => setMute(rt.redis, svc, { by: inv.userId, reason: parsed.args.reason, since: now, until }), 'muteNotRecorded');
    rt.log.info('alerts muted', {
      service: svc.alias,
      environment: svc.environment,
      by: inv.userId,
      reason: parsed.args.reason,
      until: new Date(until).toISOString(),
    });
    await announce(rt, svc, muteNotice(svc, inv.userId, { until, reason: parsed.args.reason }, rt.people.workspace));
    const t = M.in(locale);
    const why = parsed.args.reason ? `: ${escapeMrkdwn(parsed.args.reason)}` : t('noReason');
    const text = t('muted', {
      service: code(svc.alias),
      env: code(svc.environment),
      duration: formatDuration(parsed.args.durationMs, locale),
      until: slackDate(until),
      why,
      alias: svc.alias,
    });
    return { text: notificationText(text), blocks: [section(text)], locale };
  },
});

export const unmute = defineCommand<Record<string, never>>({
  verb: 'unmute',
  summary: M.lazy('summaryUnmute'),
  usage: UNMUTE_USAGE,
  examples: ['unmute web'],
  kind: 'change',
  parse(raw, ctx) {
    const { args } = parseRaw({ verb: 'unmute', usage: UNMUTE_USAGE }, unmuteSchema, raw, []);
    if (args.length > 1) throw extraInput(args.slice(1), UNMUTE_USAGE);
    const service = resolveService(ctx.config, args[0], UNMUTE_USAGE);
    return { args: {}, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const svc = parsed.service!;
    const t = M.in(locale);
    const current = await withStore(() => readMute(rt.redis, svc, rt.now()), 'unchanged');
    const removed = await withStore(() => clearMute(rt.redis, svc), 'unchanged');
    if (!current || !removed) {
      const text = t('notMuted', { service: code(svc.alias), env: code(svc.environment) });
      return { text: notificationText(text), blocks: [section(text)], locale };
    }
    rt.log.info('alerts unmuted', { service: svc.alias, environment: svc.environment, by: inv.userId, mutedBy: current.by });
    await announce(rt, svc, muteNotice(svc, inv.userId, undefined, rt.people.workspace));
    const text = t('unmuted', {
      service: code(svc.alias),
      env: code(svc.environment),
      user: `<@${current.by}>`,
      why: current.reason ? `: ${escapeMrkdwn(current.reason)}` : '',
    });
    return { text: notificationText(text), blocks: [section(text)], locale };
  },
});
