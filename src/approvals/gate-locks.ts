/**
 * The locks of the release gates (issue 13), each one Lua transition (./transitions.ts):
 *
 *   lock!        take over a lock someone else holds, and tell them directly (a DM; the channel
 *                notice mentions them either way)
 *   auto-lock    after a rollback the service is locked until someone acknowledges it: the bot's
 *                own changes are locked by the finish script (src/deploy/tracker.ts); a rollback
 *                the bot did not track (the circuit breaker on a deployment made elsewhere) by
 *                autoLockService. Acknowledging is `/ecs unlock` or the button on the message.
 */
import type { KnownBlock } from '@slack/types';
import type { ActionContext } from '../hooks/actions';
import { storeOp } from '../redis/client';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import { actions, context, section, type SlackMessage } from '../slack/blocks';
import { code, mention, notificationText, oneLine } from '../slack/text';
import type { Locale } from '../i18n';
import { gatesText } from './gates-text';
import { guardFromHash, guardReason, type GuardInfo } from './guards';
import { refusal } from './codes';
import { unlockService } from './locks';
import { transit } from './workflow';
import { postKeyedAt } from './keyed-post';
import { guardKey, postNotice } from './notice';

/** The acknowledge button on a failure message or an auto-lock notice; value `<env>.<alias>`. */
export const ACK_ACTION_ID = 'lock:ack';

const NAME = /^([a-z0-9][a-z0-9_-]{0,39})\.([a-z0-9][a-z0-9_-]{0,39})$/;

function what(service: string, environment: string, locale: Locale): string {
  return locale === 'ko' ? `${code(environment)}의 ${code(service)}` : `${code(service)} in ${code(environment)}`;
}

/** The button that acknowledges an automatic lock (for the failure message and the notice). */
export function ackButton(environment: string, service: string, locale: Locale = 'en'): KnownBlock {
  return actions(undefined, [
    { text: gatesText.in(locale)('ackButton'), actionId: ACK_ACTION_ID, value: `${environment}.${service}`, style: 'primary' },
  ]);
}

export interface TakenOver {
  lock: GuardInfo;
  /** The lock that was there before, if any. */
  previous?: GuardInfo;
}

/** /ecs lock!: lock the service, taking over any manual or automatic lock. Throws the refusal (a change is running). */
export async function stealLock(rt: Runtime, environment: string, service: string, user: string, reason: string): Promise<TakenOver> {
  const at = rt.now();
  const reply = await transit(rt, (x) => x.steal(environment, service, user, reason, at), undefined, true, {
    t: 'guard',
    op: 'lock!',
    env: environment,
    svc: service,
    user,
    at,
  });
  const lock = guardFromHash(reply.extra);
  if (reply.code !== 'OK' || !lock) {
    throw refusal(reply.code, {
      now: rt.now(),
      environment,
      service,
      user,
      guard: lock,
      approvers: rt.config.environments[environment]?.approvers,
    });
  }
  const prev: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.extra)) if (k.startsWith('prev.')) prev[k.slice(5)] = v;
  const previous = guardFromHash(prev);
  return { lock, ...(previous ? { previous } : {}) };
}

/** Posts a notice keyed `key`; resolves to undefined when it is posted (or handed on to be), else the error. */
export type NoticePoster = (rt: Runtime, channel: string, msg: SlackMessage, key: string) => Promise<unknown>;

/**
 * Tell the channel (and the previous holder, directly) that `user` took over the lock, and build
 * the confirmation for them. The lock is already taken: failures only change the wording. `post`:
 * within the ack, handed to the worker when Slack does not take it in time (./notice.ts); the
 * worker's follow-up passes its own.
 */
export async function announceTakeOver(
  rt: Runtime,
  channel: string,
  i: { user: string; environment: string; service: string; taken: TakenOver; locale?: Locale },
  post: NoticePoster = postNotice,
): Promise<SlackMessage> {
  const lang = rt.config.slack.language;
  const t = gatesText.in(lang);
  const w = what(i.service, i.environment, lang);
  const reason = oneLine(i.taken.lock.reason ?? '', 200);
  const prev = i.taken.previous;
  const prevWhy = prev ? guardReason(prev, lang) : undefined;
  const prevReason = prevWhy ? t('prevReason', { reason: oneLine(prevWhy, 200) }) : '';
  const notice = prev
    ? t('tookOver', { user: mention(i.user), what: w, prev: mention(prev.by), prevReason, reason, service: i.service })
    : t('lockedFresh', { user: mention(i.user), what: w, reason, service: i.service });
  const key = guardKey('lock!', i.environment, i.service, i.user, i.taken.lock);
  const dmTo = prev && prev.by !== i.user && /^[UW][A-Z0-9]+$/.test(prev.by) ? prev.by : undefined;
  const dm = dmTo && t('dmTakenOver', { user: mention(i.user), what: w, channel, reason, prevReason });
  // Both at once: within the ack, two posts one after the other could take its whole time.
  const [channelErr, dmErr] = await Promise.all([
    post(rt, channel, { text: notificationText(notice), blocks: [section(notice)] }, key),
    // chat.postMessage to a user id posts in the app's direct messages with them.
    dmTo && dm ? post(rt, dmTo, { text: notificationText(dm), blocks: [section(dm)] }, `${key}:dm`) : undefined,
  ]);
  if (channelErr) rt.log.warn('lock!: could not post the channel notice', { channel, err: channelErr });
  if (dmErr) rt.log.warn('lock!: could not message the previous holder', { user: dmTo, err: dmErr });
  // The confirmation is theirs alone: in their language.
  const mine = i.locale ?? lang;
  const c = gatesText.in(mine);
  const told = dmTo ? c(dmErr ? 'toldMention' : 'toldDm', { prev: mention(dmTo) }) : '';
  const text = c('tookOverConfirm', { what: what(i.service, i.environment, mine), told });
  return { text: notificationText(text), blocks: [section(text)] };
}

/**
 * Lock a service after a rollback the bot did not track (a deployment made elsewhere that the
 * circuit breaker rolled back). Posts the notice with the acknowledge button in `channel`.
 * Returns false when the service was already locked (nothing posted).
 */
export async function autoLockService(
  rt: Runtime,
  i: { environment: string; service: string; deploymentId: string; reason?: string; channel: string },
): Promise<boolean> {
  const env = rt.config.environments[i.environment];
  const t = gatesText.in(rt.config.slack.language);
  const why = i.reason ? `: ${oneLine(i.reason, 200)}` : '';
  const reply = await transit(rt, (x) =>
    x.autolock(
      i.environment,
      i.service,
      t('autoLockReason', { why: i.reason ?? i.deploymentId }),
      rt.now(),
      env?.gates.autoLock?.expireAfter,
      i.deploymentId,
    ),
  );
  if (reply.code !== 'OK') return false;
  const text = t('autoLockedExternal', {
    what: what(i.service, i.environment, rt.config.slack.language),
    deployment: oneLine(i.deploymentId, 100),
    reason: why,
    service: i.service,
  });
  try {
    // Said once (keyed by the deployment): the lock's only notice and its button; a post Slack answered
    // late is looked for and tried once more, not lost or shown twice.
    await postKeyedAt(
      rt,
      {
        channel: i.channel,
        key: `autolock:${i.environment}:${i.service}:${i.deploymentId}`,
        about: { environment: i.environment, service: i.service, post: 'autolock' },
      },
      { text: notificationText(text), blocks: [section(text), ackButton(i.environment, i.service, rt.config.slack.language)] },
      { again: true },
    );
  } catch (err) {
    rt.log.warn('auto-lock: could not post the notice', { channel: i.channel, err });
  }
  return true;
}

/** The acknowledge button: unlock an automatic lock (requesters and approvers of the environment). */
export async function handleAckClick(ctx: ActionContext): Promise<void> {
  const { rt, userId } = ctx;
  const lang = rt.config.slack.language;
  const t = gatesText.in(lang);
  // What only the clicker reads is in their language; the notice and the message's new text are the channel's.
  const c = gatesText.in(ctx.locale);
  const m = NAME.exec(ctx.action.value ?? '');
  if (!m || !rt.config.environments[m[1]!]) {
    await ctx.whisper(c('ackStale'));
    return;
  }
  const [, environment, service] = m as unknown as [string, string, string];
  if (!(await rt.access.holdsAny(environment, userId, ['requester', 'approver']))) {
    await ctx.whisper(c('ackNotAllowed', { env: environment }));
    return;
  }
  const w = what(service, environment, lang);
  const current = guardFromHash(await storeOp(() => rt.redis.hgetall(keys.serviceLock(environment, service))));
  if (current?.kind !== 'rollback') {
    const state = current ? c('stateOtherLock', { who: mention(current.by) }) : c('stateNotLocked');
    await ctx.whisper(c('ackNothing', { what: what(service, environment, ctx.locale), state }));
    await clearButtons(ctx);
    return;
  }
  const removed = await unlockService(rt, environment, service, userId);
  const text = t('acknowledged', { user: mention(userId), what: w });
  if (ctx.channelId) {
    const err = await postNotice(
      rt,
      ctx.channelId,
      { text: notificationText(text), blocks: [section(text)] },
      guardKey('acknowledged', environment, service, userId, removed),
    );
    if (err) rt.log.warn('acknowledge: could not post the notice', { err });
  }
  await clearButtons(ctx, text);
}

/** Take the acknowledge button off the clicked message (best effort). */
async function clearButtons(ctx: ActionContext, note?: string): Promise<void> {
  const msg = ctx.body.message as { blocks?: unknown; text?: string } | undefined;
  if (!ctx.channelId || !ctx.messageTs || !Array.isArray(msg?.blocks)) return;
  const blocks = (msg.blocks as KnownBlock[]).filter((b) => !(b.type === 'actions' && JSON.stringify(b).includes(`"${ACK_ACTION_ID}"`)));
  if (note) blocks.push(context(note));
  await ctx.rt.slack
    .update(ctx.channelId, ctx.messageTs, { text: msg.text ?? 'lock', blocks })
    .catch((err) => ctx.rt.log.warn('acknowledge: could not update the message', { err }));
}
