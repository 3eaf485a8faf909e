/**
 * `/ecs mute <service> <duration> --reason "…"` and `/ecs unmute <service>`: silence a noisy
 * service's alerts for a while. Failures are still counted in the incident (and logged); an
 * incident still open when the mute ends is posted then. Recorded with who, why and until, and
 * announced in the service's alert channel with who and why. A requester may mute for at most the
 * environment's `alerts.muteMax` (counted from when the mute in force began, so muting again does
 * not extend it); a longer mute needs an approver. Answered inline (Redis and Slack only).
 */
import { z } from 'zod';
import { section } from '../slack/blocks';
import { code, escapeMrkdwn } from '../slack/text';
import { parseDuration } from '../config/duration';
import { formatDuration } from '../i18n';
import { badInput, errorMessage } from '../errors';
import { withStore } from '../redis/client';
import { alertChannelFor } from '../alerts/events';
import { muteNotice } from '../alerts/messages';
import { applyMute, liftMute } from '../alerts/store';
import { parseRaw, positional, resolveService } from './args';
import { defineCommand } from './types';
import { MUTE_CEILING_MS, type ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { slackDate } from '../slack/time';

const MUTE_USAGE = '/ecs mute <service> <duration> --reason "…"';
const UNMUTE_USAGE = '/ecs unmute <service>';

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
  if (ms > MUTE_CEILING_MS)
    throw badInput(`The longest mute is 7d (you wrote ${code(text)}). Fix the noise, or mute again later.`, MUTE_USAGE);
  return ms;
}

/**
 * Tell the alert channel who muted or unmuted and why. The mute itself is already recorded, so a
 * failure here does not undo it: it is logged, and the answer tells the person to say it there.
 */
async function announce(rt: Runtime, svc: ResolvedService, msg: SlackMessage): Promise<string> {
  const channel = alertChannelFor(svc);
  try {
    await rt.slack.post(channel, msg, { withinAck: true });
    return '';
  } catch (err) {
    rt.log.warn('mute notice not posted', { service: svc.alias, err });
    return ` :warning: I could not tell <#${channel}> (${escapeMrkdwn(errorMessage(err).slice(0, 120))}): please say it there yourself.`;
  }
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
    withStore(() => applyMute(rt.redis, svc, { by: userId, ...m, maxMs: max, approver }), 'the mute was not recorded');
  let res = await apply(false);
  if (res.status === 'beyond' && (await rt.access.holds(svc.environment, userId, 'approver'))) res = await apply(true);
  if (res.status === 'ok') return res.beyond ? max : undefined;
  const current = res.current;
  const already = current
    ? ` Alerts for ${code(svc.alias)} have been muted since ${slackDate(current.since || m.now)} (by <@${current.by}>), so a requester may keep them muted until ${slackDate(res.allowed)} at most.`
    : '';
  throw new BotError('FORBIDDEN', `mute of ${svc.alias} until ${new Date(m.until).toISOString()} beyond muteMax by ${userId}`, {
    userMessage: `:no_entry: A requester may mute alerts in ${code(svc.environment)} for at most ${formatDuration(max)}.${already} A longer mute needs an approver of ${code(svc.environment)}: ask one to run the command.`,
    hint: `The maximum is \`environments.${svc.environment}.alerts.muteMax\` in chatops.yml.`,
  });
}

export const mute = defineCommand<MuteArgs>({
  verb: 'mute',
  summary: "Silence a service's alerts for a while (failures are still counted), with a reason.",
  usage: MUTE_USAGE,
  examples: ['mute web 2h --reason "load test"', 'mute worker 30m --reason "noisy retries, fix in #123"'],
  kind: 'change',
  // Approvers may mute too: a mute longer than the environment's muteMax needs one.
  alsoAllowed: ['approver'],
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
    const durationMs = parseMuteDuration(args[1]);
    if (!flags.reason) {
      throw badInput(
        `Say why with --reason: the alert channel is told who muted and why, e.g. ${code(`mute ${args[0]} ${args[1]} --reason "load test"`)}.`,
        MUTE_USAGE,
      );
    }
    return { args: { durationMs, reason: flags.reason }, environment: service.environment, service };
  },
  async inline(parsed, rt, inv) {
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
    const notPosted = await announce(rt, svc, muteNotice(svc, inv.userId, { until, reason: parsed.args.reason, beyondMax }));
    const why = parsed.args.reason ? `: ${escapeMrkdwn(parsed.args.reason)}` : '';
    const text = `🔕 Alerts for ${code(svc.alias)} (${code(svc.environment)}) are muted for ${formatDuration(parsed.args.durationMs)}, until ${slackDate(until)}${why}. Failures are still counted; \`/ecs unmute ${svc.alias}\` turns them back on.${notPosted}`;
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
    const current = await withStore(() => liftMute(rt.redis, svc, rt.now()), 'nothing was changed');
    if (!current) {
      return {
        text: `Alerts for ${svc.alias} are not muted`,
        blocks: [section(`🔔 Alerts for ${code(svc.alias)} (${code(svc.environment)}) are not muted.`)],
      };
    }
    rt.log.info('alerts unmuted', { service: svc.alias, environment: svc.environment, by: inv.userId, mutedBy: current.by });
    const notPosted = await announce(rt, svc, muteNotice(svc, inv.userId, undefined));
    const text = `🔔 Alerts for ${code(svc.alias)} (${code(svc.environment)}) are back on (muted by <@${current.by}>${current.reason ? `: ${escapeMrkdwn(current.reason)}` : ''}). An incident still open is posted within a minute.${notPosted}`;
    return { text: `Alerts for ${svc.alias} unmuted`, blocks: [section(text)] };
  },
});
