/**
 * Manual service locks and environment freezes (the transitions; guards.ts reads them).
 * A lock refuses new requests for the service and approvals of its pending request; a freeze
 * refuses every change in the environment. Each is one Lua script with its audit entry; a script
 * whose answer was lost is checked later by the worker from that entry (src/commands/recheck.run.ts).
 */
import type { Locale } from '../i18n/locale';
import type { SlackMessage } from '../slack/blocks';
import { storeOp } from '../redis/client';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import { refusal } from './codes';
import { guardFromHash, type GuardInfo } from './guards';
import { guardConfirmation, guardNotice, type GuardNoticeInput } from './notices';
import type { Transition } from './transitions';
import { transit } from './workflow';
import { syncFreezeCopies } from './freeze-copies';
import { guardKey, postNotice } from './notice';

function guardOf(reply: Transition): GuardInfo | undefined {
  return guardFromHash(reply.extra);
}

function ctx(rt: Runtime, environment: string, user: string, service?: string, guard?: GuardInfo) {
  return { now: rt.now(), environment, service, user, guard, approvers: rt.config.environments[environment]?.approvers ?? [] };
}

/** Lock a service by hand. Throws the refusal (already locked, change running) as a BotError. */
export async function lockService(
  rt: Runtime,
  environment: string,
  service: string,
  user: string,
  reason: string | undefined,
): Promise<GuardInfo> {
  const at = rt.now();
  const reply = await transit(rt, (x) => x.lock(environment, service, user, reason, at), undefined, true, {
    t: 'guard',
    op: 'lock',
    env: environment,
    svc: service,
    user,
    at,
  });
  const guard = guardOf(reply);
  if (reply.code !== 'OK' || !guard) throw refusal(reply.code, ctx(rt, environment, user, service, guard));
  return guard;
}

/**
 * Remove a manual lock. The holder may; anyone else needs the approver role (checked here, and
 * again inside the script against the lock as it is at that moment). Returns the removed lock.
 */
export async function unlockService(rt: Runtime, environment: string, service: string, user: string): Promise<GuardInfo> {
  const lockKey = keys.serviceLock(environment, service);
  const current = guardFromHash(await storeOp(() => rt.redis.hgetall(lockKey)));
  // Only look up the role (a Slack call for user groups) when it matters.
  const approver =
    current && current.by !== user && current.kind !== 'change' ? await rt.access.holds(environment, user, 'approver') : false;
  const at = rt.now();
  const reply = await transit(rt, (x) => x.unlock(environment, service, user, approver, at), undefined, true, {
    t: 'guard',
    op: 'unlock',
    env: environment,
    svc: service,
    user,
    at,
  });
  const guard = guardOf(reply);
  if (reply.code !== 'OK' || !guard) throw refusal(reply.code, ctx(rt, environment, user, service, guard));
  return guard;
}

export async function freezeEnvironment(rt: Runtime, environment: string, user: string, reason: string | undefined): Promise<GuardInfo> {
  const at = rt.now();
  const reply = await transit(rt, (x) => x.freeze(environment, user, reason, at), undefined, true, {
    t: 'guard',
    op: 'freeze',
    env: environment,
    user,
    at,
  });
  // The copies the request scripts check (./freeze-copies.ts); ALREADY_FROZEN repairs them too.
  if (reply.code === 'OK' || reply.code === 'ALREADY_FROZEN')
    await storeOp(() => syncFreezeCopies(rt, environment, reply.extra), 'freezeNotCopied');
  const guard = guardOf(reply);
  if (reply.code !== 'OK' || !guard) throw refusal(reply.code, ctx(rt, environment, user, undefined, guard));
  return guard;
}

export async function unfreezeEnvironment(rt: Runtime, environment: string, user: string): Promise<GuardInfo> {
  const at = rt.now();
  const reply = await transit(rt, (x) => x.unfreeze(environment, user, at), undefined, true, {
    t: 'guard',
    op: 'unfreeze',
    env: environment,
    user,
    at,
  });
  if (reply.code === 'OK' || reply.code === 'NOT_FROZEN')
    await storeOp(() => syncFreezeCopies(rt, environment, undefined), 'unfreezeNotCopied');
  const guard = guardOf(reply);
  if (reply.code !== 'OK' || !guard) throw refusal(reply.code, ctx(rt, environment, user, undefined, guard));
  return guard;
}

/** The key of the channel notice of `input` (./notice.ts): the same in the worker's follow-up (src/commands/recheck.run.ts). */
export const guardNoticeKey = (i: GuardNoticeInput): string => guardKey(i.action, i.environment, i.service, i.user, i.guard);

/**
 * Tell the channel (a normal message, in the workspace's language) and build the confirmation for
 * the person who typed it (in `locale`, theirs). The change already happened: a notice Slack does
 * not take in time is handed to the worker (./notice.ts); one neither posted nor handed off only
 * changes the confirmation's wording.
 */
export async function announceGuard(rt: Runtime, channel: string, input: GuardNoticeInput, locale: Locale): Promise<SlackMessage> {
  const err = await postNotice(rt, channel, guardNotice(input, rt.people.workspace), guardNoticeKey(input));
  if (err) rt.log.warn('could not announce lock/freeze change in the channel', { channel, action: input.action, err });
  return guardConfirmation(input, !err, locale);
}
