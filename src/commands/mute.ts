/**
 * `/ecs mute <service> <duration> --reason "…"` and `/ecs unmute <service>`: silence a noisy
 * service's alerts for a while. Failures are still counted in the incident (and logged); an
 * incident still open when the mute ends is posted then. Recorded with who, why and until, and
 * announced in the service's alert channel with who and why. A requester may mute for at most the
 * environment's `alerts.muteMax` (counted from when the mute in force began, so muting again does
 * not extend it); a longer mute needs an approver. Answered inline (Redis and Slack only).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { section } from '../slack/blocks';
import { code, escapeMrkdwn, notificationText } from '../slack/text';
import { durationMs, durationWords, normalizeDuration } from '../config/duration';
import { formatDuration } from '../i18n';
import { defineMessages } from '../i18n/catalog';
import { badInput, errorMessage } from '../errors';
import { withStore } from '../redis/client';
import { alertChannelFor } from '../alerts/events';
import { muteNotice } from '../alerts/messages';
import { applyMute, liftMute } from '../alerts/store';
import { extraInput, parseRaw, positional, resolveService } from './args';
import { defineCommand } from './types';
import { MUTE_CEILING_MS, type ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import type { Runtime } from '../runtime';
import type { Locale } from '../i18n/locale';
import type { SlackMessage } from '../slack/blocks';
import { slackDate } from '../slack/time';
import { muteKey, postNotice } from '../approvals/notice';

const MUTE_USAGE = '/ecs mute <service> <duration> --reason "…"';
/** The longest mute reason (what the mute key stores is bounded: src/redis/bounds.ts). */
const MUTE_REASON_MAX = 300;
const UNMUTE_USAGE = '/ecs unmute <service>';

const M = defineMessages('commands.mute', {
  summaryMute: {
    en: "Silence a service's alerts for a while (failures are still counted), with a reason.",
    ko: '서비스 알림을 잠시 끕니다 (실패는 계속 집계됩니다). 사유를 함께 남깁니다.',
  },
  summaryUnmute: { en: "Turn a muted service's alerts back on.", ko: '꺼 둔 서비스 알림을 다시 켭니다.' },
  reasonTooLong: {
    en: 'the reason is too long; keep it under {max} characters (the alert channel shows it)',
    ko: '사유가 너무 깁니다. {max}자 이내로 줄여 주세요(알림 채널에 표시됩니다)',
  },
  reasonValue: {
    en: 'write the reason after --reason, in quotes if it has spaces',
    ko: '사유는 --reason 뒤에 쓰고, 띄어쓰기가 있으면 따옴표로 감싸세요',
  },
  notDuration: {
    en: '{input} is not a duration. Write e.g. `30m`, `2h` or `1d`.',
    ko: '{input}: 기간으로 읽을 수 없습니다. `30m`(`30분`), `2h`(`2시간`), `1d`(`1일`)처럼 쓰세요.',
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
  sampleReason: { en: 'load test', ko: '부하 테스트' },
  reasonRequired: {
    en: 'Say why with --reason: the alert channel is told who muted and why, e.g. {example}.',
    ko: '--reason으로 사유를 써 주세요. 알림 채널에 누가 왜 껐는지 알립니다. 예: {example}',
  },
  notPosted: {
    en: ' :warning: I could not tell {channel} ({why}): please say it there yourself.',
    ko: ' :warning: {channel}에 알리지 못했습니다 ({why}). 직접 알려 주세요.',
  },
  mutedSince: {
    en: ' Alerts for {service} have been muted since {since} (by {user}), so a requester may keep them muted until {allowed} at most.',
    ko: ' {service} 알림은 {since}부터 꺼져 있어 ({user} 님), 요청자는 {allowed}까지만 꺼 둘 수 있습니다.',
  },
  beyondMax: {
    en: 'A requester may mute alerts in {env} for at most {max}.{already} A longer mute needs an approver of {env}: ask one to run the command.',
    ko: '{env}에서 요청자는 알림을 최대 {max}까지만 끌 수 있습니다.{already} 더 길게 끄려면 {env}의 승인자에게 명령 실행을 부탁하세요.',
  },
  beyondMaxHint: {
    en: 'The maximum is `environments.{env}.alerts.muteMax` in chatops.yml.',
    ko: '최대치는 chatops.yml의 `environments.{env}.alerts.muteMax`입니다.',
  },
  muted: {
    en: '🔕 Alerts for {service} ({env}) are muted for {duration}, until {until}{why}. Failures are still counted; `/ecs unmute {alias}` turns them back on.',
    ko: '🔕 {service}({env}) 알림을 {duration} 동안, {until}까지 껐습니다{why}. 실패는 계속 집계되며, `/ecs unmute {alias}` 명령으로 다시 켤 수 있습니다.',
  },
  notMuted: { en: '🔔 Alerts for {service} ({env}) are not muted.', ko: '🔔 {service}({env}) 알림은 꺼져 있지 않습니다.' },
  unmuted: {
    en: '🔔 Alerts for {service} ({env}) are back on (muted by {user}{why}). An incident still open is posted within a minute.',
    ko: '🔔 {service}({env}) 알림을 다시 켰습니다 ({user} 님이 꺼 둠{why}). 아직 열려 있는 장애는 1분 안에 올라옵니다.',
  },
});

const MIN_MUTE_MS = 60_000;

interface MuteArgs {
  durationMs: number;
  reason?: string;
}

const muteSchema = lazySchema(() =>
  z.object({
    args: z.tuple([positional('service', 'mute web 2h'), positional('duration', 'mute web 2h')], z.string()),
    flags: z
      .object({
        reason: z
          .string({ error: M.token('reasonValue') })
          .trim()
          .min(1)
          .max(MUTE_REASON_MAX, M.token('reasonTooLong', { max: MUTE_REASON_MAX }))
          .optional(),
      })
      .strict(),
  }),
);

const unmuteSchema = lazySchema(() =>
  z.object({
    args: z.tuple([positional('service', 'unmute web')], z.string()),
    flags: z.object({}).strict(),
  }),
);

/** A mute duration in ms, or a BAD_INPUT error that says what is accepted. Pure. */
function parseMuteDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw badInput(M.lazy('notDuration', { input: code(text) }), MUTE_USAGE);
  // Echoed as read: `10초` is `10s`.
  const input = code(normalizeDuration(text)!);
  if (ms < MIN_MUTE_MS) throw badInput(M.lazy('tooShort', { input }), MUTE_USAGE);
  if (ms > MUTE_CEILING_MS) throw badInput(M.lazy('tooLong', { input }), MUTE_USAGE);
  return ms;
}

/**
 * Tell the alert channel who muted or unmuted and why (keyed `key`: ../approvals/notice.ts, handed
 * to the worker when Slack does not take it in time). The mute itself is already recorded, so a
 * notice neither posted nor handed off does not undo it: it is logged, and the answer tells the
 * person to say it there.
 */
async function announce(rt: Runtime, svc: ResolvedService, msg: SlackMessage, key: string, locale: Locale): Promise<string> {
  const channel = alertChannelFor(svc);
  const err = await postNotice(rt, channel, msg, key);
  if (!err) return '';
  rt.log.warn('mute notice not posted', { service: svc.alias, err });
  return M.in(locale)('notPosted', { channel: `<#${channel}>`, why: escapeMrkdwn(errorMessage(err).slice(0, 120)) });
}

/**
 * Record the mute, checked against the environment's `alerts.muteMax` in the same script as the
 * write (src/alerts/lua/mute-1.lua): a requester may mute for at most the maximum, counted from when
 * the mute in force began (muting again does not extend it; shortening is always fine); longer
 * needs an approver of the environment, asked only then. Returns the maximum when the mute goes
 * beyond it (set by an approver), undefined when within it.
 */
async function recordMute(
  rt: Runtime,
  svc: ResolvedService,
  userId: string,
  m: { reason: string; now: number; until: number },
): Promise<number | undefined> {
  const max = svc.env.alerts.muteMax;
  const apply = (approver: boolean) =>
    withStore(() => applyMute(rt.redis, svc, { by: userId, ...m, maxMs: max, approver }), 'muteNotRecorded', {
      write: true,
      recheck: { t: 'mute', env: svc.environment, svc: svc.alias, user: userId, until: m.until },
    });
  let res = await apply(false);
  if (res.status === 'beyond' && (await rt.access.holds(svc.environment, userId, 'approver'))) res = await apply(true);
  if (res.status === 'ok') return res.beyond ? max : undefined;
  const current = res.current;
  throw new BotError('FORBIDDEN', `mute of ${svc.alias} until ${new Date(m.until).toISOString()} beyond muteMax by ${userId}`, {
    userMessage: M.lazy('beyondMax', {
      env: code(svc.environment),
      max: (locale) => formatDuration(max, locale),
      already: current
        ? M.lazy('mutedSince', {
            service: code(svc.alias),
            since: slackDate(current.since || m.now),
            user: `<@${current.by}>`,
            allowed: slackDate(res.allowed),
          })
        : '',
    }),
    hint: M.lazy('beyondMaxHint', { env: svc.environment }),
  });
}

export const mute = defineCommand<MuteArgs>({
  verb: 'mute',
  summary: M.lazy('summaryMute'),
  usage: MUTE_USAGE,
  examples: ['mute web 2h --reason "load test"', 'mute worker 30m --reason "noisy retries, fix in #123"'],
  kind: 'change',
  // Approvers may mute too: a mute longer than the environment's muteMax needs one.
  alsoAllowed: ['approver'],
  parse(raw, ctx) {
    const parsed = parseRaw({ verb: 'mute', usage: MUTE_USAGE }, muteSchema, raw, ['reason']);
    const { flags } = parsed;
    let args = parsed.args;
    // `mute web 15 분`, `mute web 1 시간 30 분`: the words that complete the duration are part of it.
    const joined = args.length > 2 ? durationWords(args[1], args.slice(2)) : undefined;
    if (joined) args = [args[0], joined.value, ...args.slice(2 + joined.taken)];
    if (args.length > 2) {
      const extra = args.slice(2).join(' ');
      throw badInput(
        M.lazy('extra', { extra: code(extra), example: code(`mute ${args[0]} ${args[1]} --reason "${extra.replace(/"/g, '')}"`) }),
        MUTE_USAGE,
      );
    }
    const service = resolveService(ctx.config, args[0], MUTE_USAGE, ctx.channelId);
    const durationMs = parseMuteDuration(args[1]);
    if (!flags.reason) {
      throw badInput(
        M.lazy('reasonRequired', { example: (l) => code(`/ecs mute ${args[0]} ${args[1]} --reason "${M.in(l)('sampleReason')}"`) }),
        MUTE_USAGE,
      );
    }
    return { args: { durationMs, reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const svc = parsed.service!;
    const now = rt.now();
    const until = now + parsed.args.durationMs;
    const beyondMax = await recordMute(rt, svc, inv.userId, { reason: parsed.args.reason!, now, until });
    rt.log.info('alerts muted', {
      service: svc.alias,
      environment: svc.environment,
      by: inv.userId,
      reason: parsed.args.reason,
      until: new Date(until).toISOString(),
      ...(beyondMax !== undefined ? { beyondMax: formatDuration(beyondMax), asApprover: true } : {}),
    });
    const t = M.in(locale);
    const notPosted = await announce(
      rt,
      svc,
      muteNotice(svc, inv.userId, { until, reason: parsed.args.reason, beyondMax }, rt.people.workspace),
      muteKey('mute', svc.environment, svc.alias, inv.userId, until),
      locale,
    );
    const why = parsed.args.reason ? `: ${escapeMrkdwn(parsed.args.reason)}` : t('noReason');
    const text = t('muted', {
      service: code(svc.alias),
      env: code(svc.environment),
      duration: formatDuration(parsed.args.durationMs, locale),
      until: slackDate(until),
      why,
      alias: svc.alias,
    });
    return { text: notificationText(text), blocks: [section(text + notPosted)], locale };
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
    const service = resolveService(ctx.config, args[0], UNMUTE_USAGE, ctx.channelId);
    return { args: {}, environment: service.environment, service };
  },
  async inline(parsed, rt, inv, locale) {
    const svc = parsed.service!;
    const t = M.in(locale);
    const current = await withStore(() => liftMute(rt.redis, svc, rt.now()), 'unchanged', {
      write: true,
      recheck: { t: 'unmute', env: svc.environment, svc: svc.alias, user: inv.userId },
    });
    if (!current) {
      const text = t('notMuted', { service: code(svc.alias), env: code(svc.environment) });
      return { text: notificationText(text), blocks: [section(text)], locale };
    }
    rt.log.info('alerts unmuted', { service: svc.alias, environment: svc.environment, by: inv.userId, mutedBy: current.by });
    const notPosted = await announce(
      rt,
      svc,
      muteNotice(svc, inv.userId, undefined, rt.people.workspace),
      muteKey('unmute', svc.environment, svc.alias, current.by, current.until),
      locale,
    );
    const text = t('unmuted', {
      service: code(svc.alias),
      env: code(svc.environment),
      user: `<@${current.by}>`,
      why: current.reason ? `: ${escapeMrkdwn(current.reason)}` : '',
    });
    return { text: notificationText(text), blocks: [section(text + notPosted)], locale };
  },
});
