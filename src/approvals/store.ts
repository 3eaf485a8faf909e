/**
 * The approval workflow's store: every transition of a change request is one Lua script
 * (./lua/*.lua) over keys that share the service's hash tag `{svc:<env>:<alias>}`:
 *
 *   req:{svc:prod:web}:<id>      the request (hash; ./model.ts)
 *   active:{svc:prod:web}        id of the service's open request (pending / approved / running)
 *   lock:{svc:prod:web}          manual lock (/ecs lock) or change lock (held while running)
 *   audit:{svc:prod:web}         the service's audit stream
 *   reqinv:{svc:prod:web}:<inv>  invocation → request id (idempotent creation)
 *
 * Outside the scripts (other slots; each script re-checks what it needs):
 *   freeze:{env:prod}            read before creating / approving / starting
 *   audit:{env:prod}             copy of every entry (./audit.ts), freezes written there directly
 *   approvals:{index}:pending    sorted set by expiresAt, for the expiry tick
 *   approvals:{index}:running    sorted set by startedAt, for runningRequests()
 *   ecsdeploy:{<deploymentId>}   deployments the bot started (recordExecution)
 *
 * Every script result code becomes text in ./codes.ts. After every script: one JSON log line per
 * audit entry and the copy into the environment stream (./audit.ts), then the request message is
 * re-rendered in place (rt.slack.update).
 */
import type { RedisClient as Redis } from '../redis/client';
import { TRACK_TTL_SECONDS } from '../deploy/constants';
import { BotError } from '../errors';
import { storeUnavailable } from '../redis/client';
import { pipelineBySlot } from '../redis/slots';
import type { Runtime } from '../runtime';
import { publishAudit } from './audit';
import { isApprover } from './authz';
import { answerFor, refusal, type AnswerContext } from './codes';
import { mention } from './format';
import { guardFromHash, readFreeze } from './guards';
import { newRequestId, parseRequestId, requestKeys, type RequestRef } from './ids';
import { BOT_DEPLOYMENT_TTL_SECONDS, keys } from './keys';
import { requestMessage } from './message';
import { factPairs, fromHash, requestFields } from './model';
import { runScript, SCRIPTS, type ScriptDef, type ScriptReply } from './scripts';
import type { ChangeRequest } from './types';

/** The request hash outlives its approval window by this much (late clicks still get "expired", history can read it). */
export const REQUEST_RETENTION_MS = 30 * 24 * 3600_000;
/** How long an invocation id keeps pointing at the request it created. */
export const INVOCATION_TTL_MS = 24 * 3600_000;
/** The change lock expires on its own after this (a safety net when a run never finishes). */
export const MIN_CHANGE_LOCK_TTL_MS = 2 * 3600_000;

export type SubmitInput = Pick<
  ChangeRequest,
  'verb' | 'environment' | 'service' | 'plan' | 'summary' | 'details' | 'requester' | 'reason' | 'channel'
> & {
  /** Makes creation idempotent: the same invocation never creates two requests. */
  invocationId: string;
};

export type StartResult = { ok: true; request: ChangeRequest } | { ok: false; code: string; message: string };

/** The outcome of a click (approve / reject / cancel): `message` is the answer for the clicker when not ok. */
export type ClickResult =
  { ok: true; code: string; request: ChangeRequest } | { ok: false; code: string; message: string; request?: ChangeRequest };

const UNAVAILABLE_REPLY = /^(READONLY|LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY\b|NOREPLICAS)/;

/**
 * Run a Redis operation: connection failures (and failover replies) become STORE_UNAVAILABLE
 * ("nothing was changed"); a script error (a bug) stays an internal error with a log reference.
 */
export async function storeOp<T>(op: () => Promise<T>, action?: string): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof BotError) throw err;
    const e = err as { name?: string; message?: string };
    if (e?.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(e.message ?? '')) throw err;
    throw storeUnavailable(err, action);
  }
}

export async function execScript(
  rt: Runtime,
  script: ScriptDef,
  keyList: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<ScriptReply> {
  const reply = await storeOp(() => runScript(rt.redis, script, keyList, args));
  await publishAudit(rt.redis, rt.log, reply.audit);
  return reply;
}

function refOrThrow(id: string): RequestRef {
  const ref = parseRequestId(id);
  if (!ref)
    throw new BotError('NOT_FOUND', `malformed request id ${JSON.stringify(id).slice(0, 80)}`, {
      userMessage: answerFor('NOT_FOUND', { now: 0 }),
    });
  return ref;
}

function approversOf(rt: Runtime, env: string): readonly string[] {
  return rt.config.environments[env]?.approvers ?? [];
}

function ctxFor(rt: Runtime, ref: Pick<RequestRef, 'environment' | 'service'>, extra: Partial<AnswerContext> = {}): AnswerContext {
  return { now: rt.now(), environment: ref.environment, service: ref.service, approvers: approversOf(rt, ref.environment), ...extra };
}

function requestOf(reply: ScriptReply): ChangeRequest | undefined {
  return fromHash(reply.request);
}

async function bestEffort(rt: Runtime, what: string, op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (err) {
    rt.log.warn(`approvals: could not ${what}`, { err });
  }
}

/** Re-render the request message in place. Never throws: the transition already happened. */
export async function refreshMessage(rt: Runtime, req: ChangeRequest | undefined): Promise<void> {
  if (!req?.messageTs) return;
  await bestEffort(rt, 'update the request message', () =>
    rt.slack.update(req.channel, req.messageTs!, requestMessage(req, rt.now(), { approvers: approversOf(rt, req.environment) })),
  );
}

export async function getRequest(redis: Redis, id: string): Promise<ChangeRequest | undefined> {
  const ref = parseRequestId(id);
  if (!ref) return undefined;
  return fromHash(await redis.hgetall(keys.request(ref.environment, ref.service, ref.id)));
}

/** pending | approved → failed, with the reason (mrkdwn written by the bot); re-renders the message. */
export async function abortRequest(rt: Runtime, id: string, reason: string, actor = 'bot'): Promise<ChangeRequest | undefined> {
  const ref = refOrThrow(id);
  const k = requestKeys(ref);
  const reply = await execScript(rt, SCRIPTS.abort, [k.request, k.lock, k.active, k.audit], [rt.now(), actor, reason]);
  const req = requestOf(reply);
  await bestEffort(rt, 'update the indexes', () =>
    rt.redis.pipeline().zrem(keys.pendingByExpiry(), id).zrem(keys.runningIndex(), id).exec(),
  );
  if (reply.code === 'OK') await refreshMessage(rt, req);
  return req;
}

/** Hand the approved request to the worker; when the hand-off fails the request fails (never left approved). */
async function dispatchExecute(rt: Runtime, req: ChangeRequest): Promise<void> {
  try {
    await rt.dispatcher.dispatch({ kind: 'execute', id: `exec-${req.id}`, requestId: req.id });
    rt.log.info('approvals: execution handed off', { requestId: req.id });
  } catch (err) {
    await abortRequest(rt, req.id, 'not started: the worker could not be invoked. Request it again.').catch((e) =>
      rt.log.error('approvals: could not abort after a failed hand-off', { requestId: req.id, err: e }),
    );
    throw err;
  }
}

async function postRequestMessage(rt: Runtime, req: ChangeRequest): Promise<ChangeRequest> {
  let ts: string;
  try {
    ({ ts } = await rt.slack.post(req.channel, requestMessage(req, rt.now(), { approvers: approversOf(rt, req.environment) })));
  } catch (err) {
    await abortRequest(rt, req.id, 'not started: the request message could not be posted in the channel.').catch((e) =>
      rt.log.error('approvals: could not abort after a failed post', { requestId: req.id, err: e }),
    );
    throw err;
  }
  const k = requestKeys(refOrThrow(req.id));
  const reply = await execScript(rt, SCRIPTS.setfield, [k.request], ['messageTs', ts, rt.now()]);
  return requestOf(reply) ?? { ...req, messageTs: ts };
}

/**
 * Create a request for a planned change and post the request message in `input.channel`.
 * needed = the environment's `approvals[verb]`; with 0 the request is created approved (audited
 * as auto-approved) and the execute job is dispatched at once.
 * Refuses (BotError) when the environment is frozen, the service is locked by hand, or another
 * request for the service is open; STORE_UNAVAILABLE when Redis cannot be reached.
 */
export async function submitRequest(rt: Runtime, input: SubmitInput): Promise<ChangeRequest> {
  const envCfg = rt.config.environments[input.environment];
  const svcCfg = rt.config.services[input.service];
  if (!envCfg || !svcCfg || svcCfg.environment !== input.environment) {
    throw new BotError('CONFIG', `no service ${input.service} in environment ${input.environment}`, {
      userMessage: `The configuration has no service \`${input.service}\` in environment \`${input.environment}\`.`,
    });
  }
  const now = rt.now();
  const ref0 = { environment: input.environment, service: input.service };
  const action = 'nothing was requested';

  // The freeze lives in another slot: read here, re-checked when an approval comes and when execution starts.
  const frozen = await storeOp(() => readFreeze(rt.redis, input.environment), action);
  if (frozen) throw refusal('FROZEN', ctxFor(rt, ref0, { guard: frozen, user: input.requester }));

  const needed = envCfg.approvals[input.verb];
  const state = needed === 0 ? 'approved' : 'pending';
  const id = newRequestId(input.environment, input.service, now);
  const ref: RequestRef = { id, ...ref0 };
  const k = requestKeys(ref);
  const expiresAt = now + envCfg.approvalTtl;
  const fields = requestFields(
    {
      verb: input.verb,
      environment: input.environment,
      service: input.service,
      plan: input.plan,
      summary: input.summary,
      ...(input.details !== undefined ? { details: input.details } : {}),
      requester: input.requester,
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
      channel: input.channel,
      expiresAt,
      approvalsNeeded: needed,
    },
    input.invocationId,
  );
  const auditSummary = input.summary.replace(/\s+/g, ' ').slice(0, 300);

  // Index first, so a crash after the script cannot leave a pending request the expiry tick never sees.
  if (state === 'pending') await storeOp(() => rt.redis.zadd(keys.pendingByExpiry(), expiresAt, id), action);
  let reply: ScriptReply | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = (await storeOp(() => rt.redis.get(k.active), action)) ?? '';
    const seenRef = parseRequestId(seen);
    const seenKey =
      seenRef && seenRef.environment === ref.environment && seenRef.service === ref.service
        ? keys.request(ref.environment, ref.service, seen)
        : k.request;
    reply = await execScript(
      rt,
      SCRIPTS.create,
      [k.request, k.active, k.lock, keys.requestInvocation(ref.environment, ref.service, input.invocationId), k.audit, seenKey],
      [id, now, state, expiresAt - now + REQUEST_RETENTION_MS, INVOCATION_TTL_MS, seen, auditSummary, ...fields],
    );
    if (reply.code !== 'RETRY') break;
  }
  if (!reply || reply.code !== 'OK') {
    await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
  }
  if (!reply || reply.code === 'RETRY') {
    throw new BotError('CONFLICT', `create ${id}: active pointer kept changing`, {
      userMessage: `Other requests for \`${input.service}\` are being made right now. Nothing was requested; try again in a moment.`,
    });
  }
  const result: ScriptReply = reply;
  switch (result.code) {
    case 'OK':
      break;
    case 'EXISTS': {
      // The same invocation again (a retried job): answer with the request it already created.
      const existing = await storeOp(() => getRequest(rt.redis, result.extra.id ?? ''), action);
      if (!existing) throw refusal('NOT_FOUND', ctxFor(rt, ref0));
      if (existing.messageTs || (existing.state !== 'pending' && existing.state !== 'approved')) return existing;
      const posted = await postRequestMessage(rt, existing);
      if (posted.state === 'approved') await dispatchExecute(rt, posted);
      return posted;
    }
    case 'LOCKED':
      throw refusal('LOCKED', ctxFor(rt, ref0, { guard: guardFromHash(result.extra), user: input.requester }));
    case 'BUSY':
      throw refusal('BUSY', ctxFor(rt, ref0, { request: requestOf(result), user: input.requester }));
    default:
      throw refusal(result.code, ctxFor(rt, ref0, { user: input.requester }));
  }

  // A stale pending request was expired on the way: clear its buttons too.
  if (result.extra.expired) {
    const old = await getRequest(rt.redis, result.extra.expired).catch(() => undefined);
    await refreshMessage(rt, old);
    await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), result.extra.expired!));
  }
  const created = requestOf(result);
  if (!created) throw new Error(`create ${id}: the script returned no request`);
  rt.log.info('approvals: request created', {
    requestId: id,
    verb: input.verb,
    environment: input.environment,
    service: input.service,
    state,
    needed,
  });
  const posted = await postRequestMessage(rt, created);
  if (posted.state === 'approved') await dispatchExecute(rt, posted);
  return posted;
}

/**
 * approved → running, exactly once, taking the service's change lock (same script).
 * Called by the executor's 'execute' job before it changes anything; a duplicate delivery gets
 * ALREADY_RUNNING. A request that can no longer start (service locked by hand or environment
 * frozen since the approval) fails with the reason and its message says so.
 */
export async function startExecution(rt: Runtime, id: string): Promise<StartResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerFor('NOT_FOUND', { now: rt.now() }) };
  const k = requestKeys(ref);
  const now = rt.now();
  const envCfg = rt.config.environments[ref.environment];
  const lockTtl = Math.max(MIN_CHANGE_LOCK_TTL_MS, 3 * (envCfg?.deployDeadline ?? 0));

  const frozen = await storeOp(() => readFreeze(rt.redis, ref.environment));
  if (frozen) {
    const req = await storeOp(() => getRequest(rt.redis, id));
    if (req?.state === 'approved') {
      const failed = await abortRequest(
        rt,
        id,
        `not started: \`${ref.environment}\` was frozen by ${mention(frozen.by)} before it could run.`,
      );
      return { ok: false, code: 'FROZEN', message: answerFor('FROZEN', ctxFor(rt, ref, { guard: frozen, request: failed })) };
    }
    // Not ours to fail (running: a duplicate job; final: nothing to do): answer from the state machine below.
  }

  await storeOp(() => rt.redis.zadd(keys.runningIndex(), now, id));
  const reply = await execScript(rt, SCRIPTS.start, [k.request, k.lock, k.active, k.audit], [now, lockTtl, `change running: ${id}`]);
  const req = requestOf(reply);
  if (reply.code === 'OK' && req) {
    await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
    await refreshMessage(rt, req);
    return { ok: true, request: req };
  }
  if (reply.code !== 'ALREADY_RUNNING') await bestEffort(rt, 'update the running index', () => rt.redis.zrem(keys.runningIndex(), id));
  if (reply.code === 'LOCKED') {
    const guard = guardFromHash(reply.extra);
    const failed = await abortRequest(
      rt,
      id,
      `not started: \`${ref.service}\` was locked by ${guard ? mention(guard.by) : 'someone'} before it could run.`,
    );
    return { ok: false, code: 'LOCKED', message: answerFor('LOCKED', ctxFor(rt, ref, { guard, request: failed })) };
  }
  rt.log.info('approvals: execution not started', { requestId: id, code: reply.code, state: req?.state });
  return { ok: false, code: reply.code, message: answerFor(reply.code, ctxFor(rt, ref, { request: req })) };
}

/**
 * Merge execution facts into request.execution (audited; recording the same facts again changes
 * nothing). `deploymentId` / `serviceDeploymentArn` facts also mark the ECS deployment as the
 * bot's (keys.botDeployment), so alerts and /ecs history can tell it from deployments made elsewhere.
 */
export async function recordExecution(
  rt: Runtime,
  id: string,
  facts: Record<string, unknown>,
  auditEvent = 'recorded',
): Promise<ChangeRequest> {
  const ref = refOrThrow(id);
  const k = requestKeys(ref);
  const pairs = factPairs(facts);
  const detail = JSON.stringify(facts).slice(0, 500);
  const reply = await execScript(rt, SCRIPTS.record, [k.request, k.audit], [rt.now(), auditEvent, detail, ...pairs]);
  const req = requestOf(reply);
  if ((reply.code !== 'OK' && reply.code !== 'UNCHANGED') || !req) throw refusal(reply.code, ctxFor(rt, ref, { request: req }));
  const deploymentIds = [facts.deploymentId, facts.serviceDeploymentArn].filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (deploymentIds.length) {
    // Each mark has its own slot (tagged by the ECS id): one pipeline per slot, sent together.
    await storeOp(() =>
      pipelineBySlot(rt.redis, deploymentIds, keys.botDeployment, (pipe, d) =>
        pipe.set(keys.botDeployment(d), id, 'EX', BOT_DEPLOYMENT_TTL_SECONDS),
      ),
    );
  }
  return req;
}

/** Remember the ts of the executor's status card (thread reply). */
export async function setStatusTs(rt: Runtime, id: string, ts: string): Promise<void> {
  const ref = refOrThrow(id);
  const reply = await execScript(rt, SCRIPTS.setfield, [requestKeys(ref).request], ['statusTs', ts, rt.now()]);
  if (reply.code !== 'OK') throw refusal(reply.code, ctxFor(rt, ref));
}

/**
 * running → succeeded | failed; releases the change lock, audited, re-renders the request message.
 * `detail` is shown on the message (mrkdwn; escape user input). Repeating the same outcome is a no-op.
 */
export async function finishExecution(rt: Runtime, id: string, outcome: 'succeeded' | 'failed', detail: string): Promise<ChangeRequest> {
  const ref = refOrThrow(id);
  const k = requestKeys(ref);
  const reply = await execScript(rt, SCRIPTS.finish, [k.request, k.lock, k.active, k.audit], [outcome, detail, rt.now()]);
  const req = requestOf(reply);
  if ((reply.code !== 'OK' && reply.code !== 'ALREADY') || !req) throw refusal(reply.code, ctxFor(rt, ref, { request: req }));
  await bestEffort(rt, 'update the running index', () => rt.redis.zrem(keys.runningIndex(), id));
  if (reply.code === 'OK') await refreshMessage(rt, req);
  return req;
}

async function loadMany(redis: Redis, ids: readonly string[]): Promise<Map<string, ChangeRequest | undefined>> {
  const out = new Map<string, ChangeRequest | undefined>();
  const refs = ids.map((id) => [id, parseRequestId(id)] as const);
  // Requests of different services are in different slots: one pipeline per slot, sent together.
  const keyList = refs.flatMap(([, ref]) => (ref ? [keys.request(ref.environment, ref.service, ref.id)] : []));
  const res = await pipelineBySlot(
    redis,
    keyList,
    (k) => k,
    (pipe, k) => pipe.hgetall(k),
  );
  let i = 0;
  for (const [id, ref] of refs) {
    if (!ref) {
      out.set(id, undefined);
      continue;
    }
    const [err, val] = res[i++] ?? [];
    if (err) throw err;
    out.set(id, fromHash((val ?? {}) as Record<string, string>));
  }
  return out;
}

/** Requests running now (for the executor's deadline tick and local watcher). */
export async function runningRequests(rt: Runtime): Promise<ChangeRequest[]> {
  const ids = await storeOp(() => rt.redis.zrange(keys.runningIndex(), '0', '499'));
  if (!ids.length) return [];
  const loaded = await storeOp(() => loadMany(rt.redis, ids));
  const running: ChangeRequest[] = [];
  const stale: string[] = [];
  for (const id of ids) {
    const req = loaded.get(id);
    if (req?.state === 'running') running.push(req);
    // Index members are added just before the start script: keep approved ones (a start in flight).
    else if (req?.state !== 'approved') stale.push(id);
  }
  if (stale.length) await bestEffort(rt, 'clean the running index', () => rt.redis.zrem(keys.runningIndex(), ...stale));
  return running;
}

/* ------------------------------------------------------------------ clicks */

function clickRefusal(rt: Runtime, ref: RequestRef, code: string, user: string, reply?: ScriptReply): ClickResult {
  const request = reply ? requestOf(reply) : undefined;
  const guard = reply && Object.keys(reply.extra).length ? guardFromHash(reply.extra) : undefined;
  return { ok: false, code, message: answerFor(code, ctxFor(rt, ref, { request, guard, user })), ...(request ? { request } : {}) };
}

/** While the environment is frozen nothing gets approved; answers only for a request that is still pending. */
async function frozenRefusal(rt: Runtime, ref: RequestRef, user: string): Promise<ClickResult | undefined> {
  const frozen = await storeOp(() => readFreeze(rt.redis, ref.environment));
  if (!frozen) return undefined;
  const req = await storeOp(() => getRequest(rt.redis, ref.id));
  if (req?.state !== 'pending' || rt.now() >= req.expiresAt) return undefined;
  return { ok: false, code: 'FROZEN', message: answerFor('FROZEN', ctxFor(rt, ref, { guard: frozen, request: req, user })), request: req };
}

/**
 * Claim the hand-off of an approved request to the worker, once: the approving click claims it,
 * and so may a repeat of that click when its reply was lost (see approveRequest). Kept with the
 * request's progress bookkeeping (keys.changeTrack, one key). `onError` when Redis cannot say.
 */
async function claimHandOff(rt: Runtime, id: string, onError: boolean): Promise<boolean> {
  try {
    const key = keys.changeTrack(id);
    const res = await rt.redis.multi().hsetnx(key, 'handoff', String(rt.now())).expire(key, TRACK_TTL_SECONDS).exec();
    const [err, claimed] = res?.[0] ?? [new Error('no reply'), 0];
    if (err) throw err;
    return claimed === 1;
  } catch (err) {
    rt.log.warn('approvals: could not claim the hand-off', { requestId: id, err });
    return onError;
  }
}

/** Approve button. The last needed approval approves the request and dispatches the execution. */
export async function approveRequest(rt: Runtime, id: string, user: string): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerFor('NOT_FOUND', { now: rt.now() }) };
  const blocked = await frozenRefusal(rt, ref, user);
  if (blocked) return blocked;
  const authorized = await isApprover(rt, ref.environment, user);
  const k = requestKeys(ref);
  const reply = await execScript(rt, SCRIPTS.approve, [k.request, k.lock, k.active, k.audit], [user, rt.now(), authorized ? '1' : '0']);
  const req = requestOf(reply);
  switch (reply.code) {
    case 'APPROVED':
      await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
      await refreshMessage(rt, req);
      // Not claimed only when a repeat of this very click (its reply lost) already handed it off.
      if (await claimHandOff(rt, id, true)) await dispatchExecute(rt, req!);
      return { ok: true, code: reply.code, request: req! };
    case 'APPROVAL_RECORDED':
      await refreshMessage(rt, req);
      return { ok: true, code: reply.code, request: req! };
    case 'EXPIRED':
      await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
      await refreshMessage(rt, req);
      return clickRefusal(rt, ref, reply.code, user, reply);
    case 'NOT_PENDING':
      // Approved with this user's approval but not started, and never handed off: this click's
      // approval went through earlier and its reply was lost (a Redis failover or timeout; ioredis
      // may also resend the script). Hand it off now (the start script would run it once anyway).
      if (req?.state === 'approved' && req.approvals.some((a) => a.user === user) && (await claimHandOff(rt, id, false))) {
        rt.log.info('approvals: approved request handed off again', { requestId: id, user });
        await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
        await refreshMessage(rt, req);
        await dispatchExecute(rt, req);
        return { ok: true, code: 'APPROVED', request: req };
      }
      return clickRefusal(rt, ref, reply.code, user, reply);
    default:
      return clickRefusal(rt, ref, reply.code, user, reply);
  }
}

/**
 * Before opening the reject modal: would this user's reject be refused anyway? Answers at once
 * instead of after they typed a reason. The reject script re-checks everything on submission.
 */
export async function checkCanReject(rt: Runtime, id: string, user: string): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerFor('NOT_FOUND', { now: rt.now() }) };
  const req = await storeOp(() => getRequest(rt.redis, id));
  const ctx = ctxFor(rt, ref, { request: req, user });
  if (!req) return { ok: false, code: 'NOT_FOUND', message: answerFor('NOT_FOUND', ctx) };
  if (req.state !== 'pending') return { ok: false, code: 'NOT_PENDING', message: answerFor('NOT_PENDING', ctx), request: req };
  if (rt.now() >= req.expiresAt) return expireOne(rt, ref, user);
  if (req.requester === user) return { ok: false, code: 'SELF_REJECT', message: answerFor('SELF_REJECT', ctx), request: req };
  if (!(await isApprover(rt, ref.environment, user)))
    return { ok: false, code: 'NOT_AUTHORIZED', message: answerFor('NOT_AUTHORIZED', ctx), request: req };
  return { ok: true, code: 'OK', request: req };
}

async function expireOne(rt: Runtime, ref: RequestRef, user: string): Promise<ClickResult> {
  const k = requestKeys(ref);
  const reply = await execScript(rt, SCRIPTS.expire, [k.request, k.active, k.audit], [rt.now()]);
  const req = requestOf(reply);
  if (reply.code === 'OK') {
    await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), ref.id));
    await refreshMessage(rt, req);
    return clickRefusal(rt, ref, 'EXPIRED', user, reply);
  }
  return clickRefusal(rt, ref, reply.code, user, reply);
}

/** Reject (the modal's submission): an approver, with a reason. */
export async function rejectRequest(rt: Runtime, id: string, user: string, reason: string): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerFor('NOT_FOUND', { now: rt.now() }) };
  const authorized = await isApprover(rt, ref.environment, user);
  const k = requestKeys(ref);
  const reply = await execScript(rt, SCRIPTS.reject, [k.request, k.active, k.audit], [user, rt.now(), authorized ? '1' : '0', reason]);
  const req = requestOf(reply);
  if (reply.code === 'OK' || reply.code === 'EXPIRED') {
    await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
    await refreshMessage(rt, req);
  }
  return reply.code === 'OK' ? { ok: true, code: 'OK', request: req! } : clickRefusal(rt, ref, reply.code, user, reply);
}

/** Cancel button: only the requester. */
export async function cancelRequest(rt: Runtime, id: string, user: string, reason = ''): Promise<ClickResult> {
  const ref = parseRequestId(id);
  if (!ref) return { ok: false, code: 'NOT_FOUND', message: answerFor('NOT_FOUND', { now: rt.now() }) };
  const k = requestKeys(ref);
  const reply = await execScript(rt, SCRIPTS.cancel, [k.request, k.active, k.audit], [user, rt.now(), reason]);
  const req = requestOf(reply);
  if (reply.code === 'OK' || reply.code === 'EXPIRED') {
    await bestEffort(rt, 'update the pending index', () => rt.redis.zrem(keys.pendingByExpiry(), id));
    await refreshMessage(rt, req);
  }
  return reply.code === 'OK' ? { ok: true, code: 'OK', request: req! } : clickRefusal(rt, ref, reply.code, user, reply);
}

/* ------------------------------------------------------------------ expiry */

/** Expire every pending request past its time (the scheduled tick). Returns the ids expired. */
export async function expireDue(rt: Runtime, batch = 100): Promise<string[]> {
  const now = rt.now();
  const ids = await storeOp(() => rt.redis.zrangebyscore(keys.pendingByExpiry(), '-inf', now, 'LIMIT', 0, batch));
  const expired: string[] = [];
  for (const id of ids) {
    const ref = parseRequestId(id);
    if (!ref) {
      await rt.redis.zrem(keys.pendingByExpiry(), id);
      continue;
    }
    const k = requestKeys(ref);
    const reply = await execScript(rt, SCRIPTS.expire, [k.request, k.active, k.audit], [now]);
    const req = requestOf(reply);
    if (reply.code === 'NOT_DUE' && req) {
      await rt.redis.zadd(keys.pendingByExpiry(), req.expiresAt, id);
      continue;
    }
    await rt.redis.zrem(keys.pendingByExpiry(), id);
    if (reply.code === 'OK') {
      expired.push(id);
      await refreshMessage(rt, req);
    } else if (reply.code === 'NOT_PENDING' && req?.state === 'approved') {
      // Approved, yet still listed as pending and not started by its expiry: the reply to the
      // approving click was lost (Redis failover, timeout) before the hand-off, and nobody clicked
      // again. Do not start a change that late: fail it and say so.
      await abortRequest(
        rt,
        id,
        'not started: it was approved, but the hand-off to the worker was lost (the approvals store failed over). Request it again.',
      );
    }
  }
  if (expired.length) rt.log.info('approvals: expired requests', { count: expired.length, ids: expired });
  return expired;
}
