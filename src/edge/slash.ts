/**
 * The Slack-facing path of a slash command: verify (Bolt did), parse, authorize, record,
 * hand off, and return the acknowledgement. It never calls ECS, ECR, Logs or Cost Explorer;
 * the work runs in the worker. Everything here must fit in Slack's 3 seconds.
 */
import { COMMAND_NEEDS, dispatchWithin, lookupWithin, noBudget, type ClickBudget } from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import { route } from '../commands/router';
import { withFollowUp } from '../commands/recheck';
import { findCommandForm, type CommandOutcome } from '../hooks/actions';
import { roleFor } from '../commands/types';
import { normalizeSlackText } from '../commands/grammar';
import { admitCommand } from './rate';
import { listenerBudget } from './budget';
import type { Runtime } from '../runtime';
import { section, type SlackMessage } from '../slack/blocks';
import type { Invocation } from '../slack/invocation';
import { errorReply } from '../slack/reply';
import { escapeMrkdwn, notificationText } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('edge.slash', {
  working: { en: 'Working on {verb}…', ko: '{verb} 처리 중…' },
});

export interface SlashCommandBody {
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  team_id?: string;
  response_url?: string;
  trigger_id?: string;
}

export type AckReply = (SlackMessage & { response_type: 'ephemeral' | 'in_channel' }) | '';

/** The ack body: Slack's fields only (a message's `locale` is ours, not Slack's). */
const ephemeral = ({ locale: _locale, ...msg }: SlackMessage): AckReply => ({ response_type: 'ephemeral', ...msg });

export { SEEN_TTL_SECONDS } from './rate';

export function invocationFrom(body: SlashCommandBody, now: number): Invocation {
  const id = body.trigger_id ? `cmd-${body.trigger_id}` : `cmd-${body.team_id ?? 'T'}-${body.user_id}-${now}`;
  return {
    id,
    text: body.text ?? '',
    userId: body.user_id,
    userName: body.user_name,
    channelId: body.channel_id,
    teamId: body.team_id,
    responseUrl: body.response_url,
    triggerId: body.trigger_id,
    receivedAt: now,
  };
}

/** Everything between Bolt's signature check and the ack. Never throws: errors become the reply. */
export async function handleSlashCommand(rt: Runtime, body: SlashCommandBody, meta: CommandMeta = {}): Promise<AckReply> {
  const inv = invocationFrom(body, rt.now());
  // A verb typed without arguments that has a form (`/ecs deploy`, or `ｄｅｐｌｏｙ` from an IME, read as the grammar reads it): the form opens instead.
  const form = inv.triggerId ? findCommandForm(normalizeSlackText(inv.text).trim().toLowerCase()) : undefined;
  if (form) {
    try {
      // The trigger_id is valid for 3 seconds: views.open and what comes before it fit in the command's budget.
      const reply = await form.open(rt, inv, meta.budget ?? listenerBudget(rt, `form ${inv.text.trim()}`, inv.userId));
      return reply ? ephemeral(reply) : '';
    } catch (err) {
      // Only the typer sees it: their cached language (no Slack call inside the ack).
      return ephemeral(errorReply(err, rt.log.child({ invocation: inv.id, user: inv.userId }), await rt.people.cachedLocaleOf(inv.userId)));
    }
  }
  // A typed command has the same budget as a click: its hand-off fits in what is left (one attempt
  // when the first is slow, instead of up to two full ones past Slack's 3 seconds).
  return submitCommand(rt, inv, { ...meta, budget: meta.budget ?? listenerBudget(rt, 'slash command', inv.userId) });
}

/**
 * Run a command as if typed: parse, authorize, record once, then answer inline or hand off.
 * Buttons that run a command (alerts' Status / Roll back) reach this through
 * ActionContext.submitCommand (./interactivity.ts) with a synthesized invocation, so they get
 * exactly the same checks as the slash command.
 */
export async function submitCommand(rt: Runtime, inv: Invocation, meta: CommandMeta = {}): Promise<AckReply> {
  const outcome = await runCommand(rt, inv, meta);
  return outcome.reply ? ephemeral(outcome.reply) : '';
}

/**
 * `budget`: the time budget of the click or submission that runs the command (a button, a form):
 * the group lookups and the hand-off take their bounds from it (src/slack/click-budget.ts).
 */
export interface CommandMeta {
  retryNum?: number;
  budget?: ClickBudget;
}

/**
 * The slash-command path with its outcome spelled out (a modal submission answers a refusal inside
 * the modal and shows the hand-off there). Never throws: a refusal is the outcome 'refused'.
 */
export async function runCommand(rt: Runtime, inv: Invocation, meta: CommandMeta = {}): Promise<CommandOutcome> {
  const log = rt.log.child({ invocation: inv.id, user: inv.userId, channel: inv.channelId });
  // The ack is for this person only: their language if it is cached (never users.info here), else the
  // workspace's. A command that is admitted gets it from the admit script; the others read it.
  let localeP: Promise<Locale> | undefined;
  const localeOf = () => (localeP ??= rt.people.cachedLocaleOf(inv.userId));
  // Within the budget (src/edge/budget.ts): the admit script and the hand-off still fit after the lookup.
  const budget = meta.budget ?? noBudget();
  try {
    const { spec, parsed } = route(rt, inv);
    const role = roleFor(spec.kind);
    if (role) {
      const within = lookupWithin(budget, WITHIN_ACK_TIMEOUT_MS, COMMAND_NEEDS);
      await rt.access.ensure(parsed.environment, inv.channelId, inv.userId, [role, ...(spec.alsoAllowed ?? [])], {
        ...within,
        // Freeze and unfreeze need an approver: the refusal names them, not approving.
        ...(spec.kind === 'admin' ? { doing: 'freeze' as const } : {}),
      });
    }

    if (spec.kind !== 'meta') {
      // One round trip: the invocation claimed once, counted against its person's rate limit, and their cached language read.
      const admission = await admitCommand(rt, inv, spec.kind, budget);
      if (!admission.fresh) {
        log.info('duplicate delivery ignored', { retryNum: meta.retryNum });
        return { status: 'duplicate' };
      }
      if (admission.locale) localeP = Promise.resolve(admission.locale);
    }
    const locale = await localeOf();
    if (spec.inline) {
      return { status: 'answered', reply: await spec.inline(parsed, rt, inv, locale) };
    }
    const job = { kind: 'command', id: inv.id, invocation: inv };
    await dispatchWithin(rt.dispatcher, job, budget);
    log.info('command handed off', { verb: spec.verb, environment: parsed.environment, service: parsed.service?.alias });
    const text = spec.ackText?.(parsed, locale) ?? M.in(locale)('working', { verb: `\`${escapeMrkdwn(spec.verb)}\`` });
    return { status: 'handed-off', reply: { text: notificationText(text), blocks: [section(`:hourglass_flowing_sand: ${text}`)], locale } };
  } catch (err) {
    const locale = await localeOf();
    const place = { userId: inv.userId, locale, responseUrl: inv.responseUrl, channelId: inv.channelId };
    return { status: 'refused', reply: errorReply(await withFollowUp(rt, err, place, budget), log, locale), error: err };
  }
}
