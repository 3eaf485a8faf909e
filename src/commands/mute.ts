/**
 * `/ecs mute <service> <duration> [--reason "…"]` and `/ecs unmute <service>`: silence a noisy
 * service's alerts for a while. Failures are still counted in the incident (and logged); an
 * incident still open when the mute ends is posted then. Recorded with who, why and until, and
 * announced in the service's alert channel. Answered inline (Redis and Slack only).
 */
import { z } from 'zod';
import { section } from '../slack/blocks';
import { code, escapeMrkdwn } from '../slack/text';
import { parseDuration } from '../config/duration';
import { formatDuration } from '../i18n';
import { badInput } from '../errors';
import { withStore } from '../redis/client';
import { alertChannelFor } from '../alerts/events';
import { muteNotice } from '../alerts/messages';
import { clearMute, readMute, setMute } from '../alerts/store';
import { parseRaw, positional, resolveService } from './args';
import { defineCommand } from './types';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { slackDate } from '../slack/time';

const MUTE_USAGE = '/ecs mute <service> <duration> [--reason "…"]';
const UNMUTE_USAGE = '/ecs unmute <service>';

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
      reason: z.string({ error: 'write the reason after --reason, in quotes if it has spaces' }).trim().min(1).max(300).optional(),
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
  if (ms === undefined) throw badInput(`${code(text)} is not a duration. Write e.g. \`30m\`, \`2h\` or \`1d\`.`, MUTE_USAGE);
  if (ms < MIN_MUTE_MS) throw badInput(`Mute for at least 1m (you wrote ${code(text)}).`, MUTE_USAGE);
  if (ms > MAX_MUTE_MS) throw badInput(`The longest mute is 7d (you wrote ${code(text)}). Fix the noise, or mute again later.`, MUTE_USAGE);
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
  summary: "Silence a service's alerts for a while (failures are still counted), with a reason.",
  usage: MUTE_USAGE,
  examples: ['mute web 2h --reason "load test"', 'mute worker 30m'],
  kind: 'change',
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'mute', usage: MUTE_USAGE }, muteSchema, raw, ['reason']);
    if (args.length > 2) {
      const extra = args.slice(2).join(' ');
      throw badInput(
        `Unexpected extra input: ${code(extra)}. Put the reason after --reason, e.g. ${code(`mute ${args[0]} ${args[1]} --reason "${extra.replace(/"/g, '')}"`)}.`,
        MUTE_USAGE,
      );
    }
    const service = resolveService(ctx.config, args[0], MUTE_USAGE);
    return { args: { durationMs: parseMuteDuration(args[1]), reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv) {
    const svc = parsed.service!;
    const now = rt.now();
    const until = now + parsed.args.durationMs;
    await withStore(
      () => setMute(rt.redis, svc, { by: inv.userId, reason: parsed.args.reason, since: now, until }),
      'the mute was not recorded',
    );
    rt.log.info('alerts muted', {
      service: svc.alias,
      environment: svc.environment,
      by: inv.userId,
      reason: parsed.args.reason,
      until: new Date(until).toISOString(),
    });
    await announce(rt, svc, muteNotice(svc, inv.userId, { until, reason: parsed.args.reason }));
    const why = parsed.args.reason ? `: ${escapeMrkdwn(parsed.args.reason)}` : ' (no reason given)';
    const text = `🔕 Alerts for ${code(svc.alias)} (${code(svc.environment)}) are muted for ${formatDuration(parsed.args.durationMs)}, until ${slackDate(until)}${why}. Failures are still counted; \`/ecs unmute ${svc.alias}\` turns them back on.`;
    return { text: `Alerts for ${svc.alias} muted for ${formatDuration(parsed.args.durationMs)}`, blocks: [section(text)] };
  },
});

export const unmute = defineCommand<Record<string, never>>({
  verb: 'unmute',
  summary: "Turn a muted service's alerts back on.",
  usage: UNMUTE_USAGE,
  examples: ['unmute web'],
  kind: 'change',
  parse(raw, ctx) {
    const { args } = parseRaw({ verb: 'unmute', usage: UNMUTE_USAGE }, unmuteSchema, raw, []);
    if (args.length > 1) throw badInput(`Unexpected extra input: ${code(args.slice(1).join(' '))}.`, UNMUTE_USAGE);
    const service = resolveService(ctx.config, args[0], UNMUTE_USAGE);
    return { args: {}, environment: service.environment, service };
  },
  async inline(parsed, rt, inv) {
    const svc = parsed.service!;
    const current = await withStore(() => readMute(rt.redis, svc, rt.now()), 'nothing was changed');
    const removed = await withStore(() => clearMute(rt.redis, svc), 'nothing was changed');
    if (!current || !removed) {
      return {
        text: `Alerts for ${svc.alias} are not muted`,
        blocks: [section(`🔔 Alerts for ${code(svc.alias)} (${code(svc.environment)}) are not muted.`)],
      };
    }
    rt.log.info('alerts unmuted', { service: svc.alias, environment: svc.environment, by: inv.userId, mutedBy: current.by });
    await announce(rt, svc, muteNotice(svc, inv.userId, undefined));
    const text = `🔔 Alerts for ${code(svc.alias)} (${code(svc.environment)}) are back on (muted by <@${current.by}>${current.reason ? `: ${escapeMrkdwn(current.reason)}` : ''}). An incident still open is posted within a minute.`;
    return { text: `Alerts for ${svc.alias} unmuted`, blocks: [section(text)] };
  },
});
