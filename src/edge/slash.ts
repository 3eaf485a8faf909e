/**
 * The Slack-facing path of a slash command: verify (Bolt did), parse, authorize, record,
 * hand off, and return the acknowledgement. It never calls ECS, ECR, Logs or Cost Explorer;
 * the work runs in the worker. Everything here must fit in Slack's 3 seconds.
 */
import { badInput, BotError } from '../errors';
import { parseArgs } from '../commands/grammar';
import { findCommand, verbNames } from '../commands/registry';
import { closest } from '../commands/suggest';
import type { CommandSpec, Invocation, Parsed, VerbKind } from '../commands/types';
import { authorize, groupsToResolve, roleFor, type Role } from '../policy/authorize';
import { withStore } from '../redis/client';
import type { Runtime } from '../runtime';
import { code, escapeMrkdwn } from '../slack/text';
import { section, type SlackMessage } from '../slack/blocks';
import { errorReply } from '../slack/reply';

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

const ephemeral = (msg: SlackMessage): AckReply => ({ response_type: 'ephemeral', ...msg });

/** Seconds a handled command id is remembered (Slack retries within minutes; re-deliveries within 30 min). */
export const SEEN_TTL_SECONDS = 3600;

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

/** Parse a command text into its spec and typed command (pure apart from config). */
export function route(
  rt: Pick<Runtime, 'config'>,
  inv: Pick<Invocation, 'text' | 'channelId' | 'userId'>,
): { spec: CommandSpec<never>; parsed: Parsed<never> } {
  const firstWord = inv.text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const spec0 = findCommand(firstWord || 'help');
  if (!spec0) {
    const near = closest(firstWord, verbNames());
    const msg = `There is no command ${code(firstWord)}.${near.length ? ` Did you mean ${near.map((n) => code(n)).join(', ')}?` : ''}`;
    throw new BotError('UNKNOWN_VERB', msg, {
      userMessage: msg,
      hint: `Commands: ${verbNames()
        .map((v) => code(v))
        .join(', ')}. \`/ecs help\` explains each.`,
    });
  }
  const raw = parseArgs(inv.text || 'help', new Set(spec0.booleanFlags ?? []));
  const spec = findCommand(raw.verb || 'help');
  if (!spec) throw badInput(`There is no command ${code(raw.verb)}.`);
  const parsed = spec.parse(raw, { config: rt.config, channelId: inv.channelId, userId: inv.userId });
  return { spec, parsed };
}

/** Throws FORBIDDEN unless `userId` holds `role` in `environment` and the channel is allowed. */
export async function ensureAllowed(rt: Runtime, environment: string, channelId: string, userId: string, role: Role): Promise<void> {
  const env = rt.config.environments[environment];
  const groups = env ? groupsToResolve(env, role, userId) : [];
  const userGroups = groups.length ? await rt.directory.groupsOf(userId, groups) : new Set<string>();
  const decision = authorize({ config: rt.config, environment, channelId, userId, role, userGroups });
  if (!decision.ok) {
    throw new BotError('FORBIDDEN', `denied ${role} in ${environment} for ${userId}`, { userMessage: decision.reason });
  }
}

/** Like ensureAllowed, for the first of `roles` the user holds; the refusal names the first role. */
export async function ensureAllowedAny(
  rt: Runtime,
  environment: string,
  channelId: string,
  userId: string,
  roles: readonly Role[],
): Promise<void> {
  let refusal: unknown;
  for (const role of roles) {
    try {
      await ensureAllowed(rt, environment, channelId, userId, role);
      return;
    } catch (err) {
      if (!(err instanceof BotError) || err.code !== 'FORBIDDEN') throw err;
      refusal ??= err;
    }
  }
  throw refusal;
}

/** Everything between Bolt's signature check and the ack. Never throws: errors become the reply. */
export async function handleSlashCommand(rt: Runtime, body: SlashCommandBody, meta: { retryNum?: number } = {}): Promise<AckReply> {
  return submitCommand(rt, invocationFrom(body, rt.now()), meta);
}

/**
 * Run a command as if typed: parse, authorize, record once, then answer inline or hand off.
 * Buttons (alerts' Status / Logs / Roll back) call this with a synthesized invocation, so they get
 * exactly the same checks as the slash command.
 */
export async function submitCommand(rt: Runtime, inv: Invocation, meta: { retryNum?: number } = {}): Promise<AckReply> {
  const log = rt.log.child({ invocation: inv.id, user: inv.userId, channel: inv.channelId });
  try {
    const { spec, parsed } = route(rt, inv);
    const role = roleFor(spec.kind);
    if (role) await ensureAllowedAny(rt, parsed.environment, inv.channelId, inv.userId, [role, ...(spec.alsoAllowed ?? [])]);

    if (spec.kind !== 'meta') {
      const fresh = await recordOnce(rt, inv.id, spec.kind);
      if (!fresh) {
        log.info('duplicate delivery ignored', { retryNum: meta.retryNum });
        return '';
      }
    }
    if (spec.inline) {
      return ephemeral(await spec.inline(parsed, rt, inv));
    }
    await rt.dispatcher.dispatch({ kind: 'command', id: inv.id, invocation: inv });
    log.info('command handed off', { verb: spec.verb, environment: parsed.environment, service: parsed.service?.alias });
    const text = spec.ackText?.(parsed) ?? `Working on \`${escapeMrkdwn(spec.verb)}\`…`;
    return ephemeral({ text, blocks: [section(`:hourglass_flowing_sand: ${text}`)] });
  } catch (err) {
    return ephemeral(errorReply(err, log));
  }
}

/**
 * Remember this invocation id; false when it was already handled (a Slack retry or a duplicate
 * delivery). Read-only verbs go on without Redis (a duplicate answer is harmless); anything
 * that changes state is refused when the store is unreachable.
 */
async function recordOnce(rt: Runtime, id: string, kind: VerbKind): Promise<boolean> {
  try {
    const res = await withStore(() => rt.redis.set(`seen:{${id}}`, '1', 'EX', SEEN_TTL_SECONDS, 'NX'));
    return res === 'OK';
  } catch (err) {
    if (kind === 'read') {
      rt.log.warn('redis unavailable; read-only command runs without duplicate check', { err });
      return true;
    }
    throw err;
  }
}
