/**
 * The approval workflow around the Redis transitions (./transitions.ts): it publishes each
 * transition's audit entries (./audit.ts), re-renders the request message in place and hands
 * approved requests to the worker. A transition is one round trip: its script, in the request's
 * slot, which checks the environment's freeze through the service's copy (./freeze-copies.ts),
 * writes the request, its service's audit stream and its service's approval indexes
 * (`approvals:{svc:<env>:<alias>}:…`, read by the ticks through ./indexes.ts) and, on approval, the
 * hand-off claim. Nothing is written after the script, so no crash or timeout can leave a request
 * out of the indexes. This module: creating (and aborting) a request; ./execution.ts: the
 * executor's side (start, record, finish); ./clicks.ts: the buttons and the expiry tick.
 *
 * Outside the scripts: ecsdeploy:{<deploymentId>} (deployments the bot started, recordExecution).
 */
import { isConfigured } from '../config/load';
import { BotError } from '../errors';
import { announceChange } from '../hooks/events';
import { storeOp, type Recheck, type RedisClient, type StoreOutcome } from '../redis/client';
import { keys } from '../redis/keys';
import { RERENDER_QUEUE_MAX } from '../redis/bounds';
import { assertPlanFits, fitRequestTexts } from './fit';
import { pipelineBySlot } from '../redis/slots';
import type { Runtime } from '../runtime';
import { logAudit } from './audit';
import { answerText, refusal, type AnswerContext } from './codes';
import { defineMessages } from '../i18n/catalog';
import { guardFromHash } from './guards';
import { newRequestId, parseRequestId, type RequestRef } from './ids';
import { requestMessage } from './message';
import { fromHash, requestFields } from './model';
import { luaTransitions, type Transition, type Transitions } from './transitions';
import type { SlackMessage } from '../slack/blocks';
import { handOffWithin, MIN_STEP_MS, noBudget, RESERVE, type ClickBudget } from '../slack/click-budget';
import { nothingRan } from '../aws/lambda';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import { messageUnreachable } from '../slack/failures';
import { postKeyed } from './keyed-post';
import type { ChangeRequest, GateNote } from './types';
import { firstReminderAt, gateLifetime, gateMessageOptions } from './gate-settings';
import { notConfiguredNotice, notConfiguredReason } from './unstarted';

const M = defineMessages('approvals.workflow', {
  notInvoked: {
    en: 'not started: the worker could not be invoked. Request it again.',
    ko: '시작하지 못함: 워커를 호출하지 못했습니다. 다시 요청하세요.',
  },
  notPosted: {
    en: 'not started: the request message could not be posted in the channel.',
    ko: '시작하지 못함: 채널에 요청 메시지를 올리지 못했습니다.',
  },
  noService: {
    en: 'The configuration has no service `{service}` in environment `{env}`.',
    ko: '설정에 `{env}` 환경의 `{service}` 서비스가 없습니다.',
  },
  busyCreating: {
    en: 'Other requests for `{service}` are being made right now. Nothing was requested; try again in a moment.',
    ko: '지금 `{service}`에 대한 다른 요청이 만들어지는 중입니다. 아무것도 요청하지 않았습니다. 잠시 뒤에 다시 시도하세요.',
  },
});

/** The request hash outlives its approval window by this much (late clicks still get "expired", history can read it). */
export const REQUEST_RETENTION_MS = 30 * 24 * 3600_000;
/** How long an invocation id keeps pointing at the request it created. */
export const INVOCATION_TTL_MS = 24 * 3600_000;
/** An approved request must start within this unless its environment says otherwise (chatops.yml startDeadline). */
const DEFAULT_START_DEADLINE_MS = 10 * 60_000;

export type SubmitInput = Pick<
  ChangeRequest,
  'verb' | 'environment' | 'service' | 'plan' | 'summary' | 'details' | 'requester' | 'reason' | 'channel'
> & {
  /** Makes creation idempotent: the same invocation never creates two requests. */
  invocationId: string;
  /** Release gates (src/config/gates.ts): the card's gate lines, kept in the request and its audit entry. */
  gates?: GateNote[];
  /** `--at`: approved now, started at this time by the scheduler (./gates.ts). */
  startAt?: number;
  /** `--break-glass "reason"`: run without waiting for approval; approvals come after the fact. */
  breakGlass?: string;
  /** Approvals needed on top of the environment's (the cost gate). */
  extraApprovals?: number;
};

/**
 * Run one transition: one script (connection failures and failover replies become
 * STORE_UNAVAILABLE, "nothing was changed"), which kept the service's indexes itself: nothing of the
 * transition is written after it. Its audit entries are logged (the record of last resort), and
 * the change listeners are told (src/hooks/events.ts announceChange): where the Home tab is
 * registered, its listener marks it dirty with one script in the `home:{index}` slot (a round trip
 * of its own, after the transition, never part of it). `announce: false` leaves that to the caller
 * (submitRequest announces a new request once its card is posted, so the Home tab links to it).
 * `recheck`: a person's transition, which the worker checks once Redis answers again when its
 * answer was lost ("can't tell whether this went through", src/commands/recheck.ts).
 */
export async function transit(
  rt: Runtime,
  op: (t: Transitions) => Promise<Transition>,
  action?: StoreOutcome,
  announce = true,
  recheck?: Recheck,
): Promise<Transition> {
  const t = await storeOp(() => op(luaTransitions(rt.redis)), action, { write: true, recheck });
  logAudit(rt.log, t.audit);
  // Something people look at changed (the Home tab): only transitions that wrote something.
  if (announce && t.audit.length) await announceChange(rt, { what: t.request ? 'request' : 'guard', environment: t.request?.environment });
  return t;
}

export function refOrThrow(id: string): RequestRef {
  const ref = parseRequestId(id);
  if (!ref)
    throw new BotError('NOT_FOUND', `malformed request id ${JSON.stringify(id).slice(0, 80)}`, {
      userMessage: answerText('NOT_FOUND', { now: 0 }),
    });
  return ref;
}

function approversOf(rt: Runtime, env: string): readonly string[] {
  return rt.config.environments[env]?.approvers ?? [];
}

export function ctxFor(rt: Runtime, ref: Pick<RequestRef, 'environment' | 'service'>, extra: Partial<AnswerContext> = {}): AnswerContext {
  return {
    now: rt.now(),
    environment: ref.environment,
    service: ref.service,
    approvers: approversOf(rt, ref.environment),
    locale: rt.config.slack.language,
    ...extra,
  };
}

export async function bestEffort(rt: Runtime, what: string, op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (err) {
    rt.log.warn(`approvals: could not ${what}`, { err });
  }
}

/**
 * Re-render the request message in place. Never throws: the transition already happened. When Slack
 * does not take it (down, an internal error), the request is queued for the tick `approvals-rerender`,
 * which renders it again from its current state until Slack does: the message people act on must
 * not keep showing a state the request has left ("running" after it completed, Approve after it expired).
 */
export async function refreshMessage(rt: Runtime, req: ChangeRequest | undefined): Promise<void> {
  if (!req?.messageTs) return;
  try {
    await rt.slack.update(req.channel, req.messageTs, renderRequest(rt, req));
  } catch (err) {
    rt.log.warn('approvals: could not update the request message', { requestId: req.id, err });
    if (!messageUnreachable(err))
      await bestEffort(rt, 'queue the request message for a re-render', () => queueRerender(rt, req.id, RERENDER_RETRY_MS));
  }
}

/** When a queued re-render is tried again after a failure. */
export const RERENDER_RETRY_MS = 60_000;
/** A request whose message could not be re-rendered for this long after its last change is given up (logged). */
const RERENDER_GIVE_UP_MS = 24 * 3600_000;
/** Re-renders per tick at most. */
const RERENDER_BATCH = 20;

async function queueRerender(rt: Runtime, id: string, afterMs: number): Promise<void> {
  const key = keys.rerenderQueue();
  await rt.redis
    .pipeline()
    .zadd(key, rt.now() + afterMs, id)
    // Bounded (src/redis/bounds.ts): the newest RERENDER_QUEUE_MAX are kept.
    .zremrangebyrank(key, 0, -RERENDER_QUEUE_MAX - 1)
    .pexpire(key, RERENDER_GIVE_UP_MS)
    .exec();
}

/**
 * The tick `approvals-rerender`: render each queued request message whose time has come from the
 * request's current state. Done when Slack took it and the request did not change meanwhile (a
 * render of an older state may have landed after a newer one: it is rendered again at the next
 * tick); dropped when the request or its message is gone or it kept failing for a day.
 */
export async function rerenderTick(rt: Runtime): Promise<void> {
  const key = keys.rerenderQueue();
  const now = rt.now();
  const due = await rt.redis.zrangebyscore(key, '-inf', now, 'LIMIT', 0, RERENDER_BATCH);
  for (const id of due) {
    const req = parseRequestId(id) ? await getRequest(rt.redis, id) : undefined;
    if (!req?.messageTs || now - req.updatedAt > RERENDER_GIVE_UP_MS) {
      if (req) rt.log.warn('approvals: request message not re-rendered; given up', { requestId: id });
      await rt.redis.zrem(key, id);
      continue;
    }
    try {
      await rt.slack.update(req.channel, req.messageTs, renderRequest(rt, req));
    } catch (err) {
      rt.log.warn('approvals: request message still not re-rendered', { requestId: id, err });
      if (messageUnreachable(err)) await rt.redis.zrem(key, id);
      else await queueRerender(rt, id, RERENDER_RETRY_MS);
      continue;
    }
    const after = await getRequest(rt.redis, id);
    if (after && after.updatedAt !== req.updatedAt) await queueRerender(rt, id, 0);
    else await rt.redis.zrem(key, id);
  }
}

/**
 * Re-render the request message within a click's budget, keeping `reserveMs` for the essential
 * steps after it. True when the message is up to date (or there is none); false when the update
 * was skipped (no time), cut short (it may still land: the call is not cancelled) or failed; the
 * caller then tells the clicker. Never throws. When it is not known to be up to date (and the
 * message is not gone), the request is queued for the tick `approvals-rerender` like any other
 * re-render Slack did not take: the message people act on must not keep an old state (Approve on
 * an approved request). A cut-short update may still land after a newer render (the worker's):
 * the tick renders the request's current state over it.
 */
export async function refreshWithin(rt: Runtime, req: ChangeRequest | undefined, budget: ClickBudget, reserveMs: number): Promise<boolean> {
  if (!req?.messageTs) return true;
  try {
    const res = await budget.optional('refreshCard', WITHIN_ACK_TIMEOUT_MS, reserveMs, () =>
      rt.slack.update(req.channel, req.messageTs!, renderRequest(rt, req)),
    );
    if (res.done) return true;
  } catch (err) {
    rt.log.warn('approvals: could not update the request message', { requestId: req.id, err });
    if (messageUnreachable(err)) return false;
  }
  // One Redis write (a few ms when healthy): it gets at least QUEUE_FLOOR_MS even past the budget, never more than its own bound.
  await bestEffort(rt, 'queue the request message for a re-render', () =>
    budget.optional('queueRerender', QUEUE_WITHIN_MS, reserveMs, () => queueRerender(rt, req.id, RERENDER_RETRY_MS), QUEUE_FLOOR_MS),
  );
  return false;
}

/** Queueing a click's re-render: at most a transition's reserve; at least MIN_STEP_MS, so it is never skipped. */
const QUEUE_WITHIN_MS = RESERVE.transition;
const QUEUE_FLOOR_MS = MIN_STEP_MS;

function renderRequest(rt: Runtime, req: ChangeRequest) {
  return requestMessage(req, rt.now(), {
    approvers: approversOf(rt, req.environment),
    ...gateMessageOptions(rt, req.environment),
    locale: rt.people.workspace,
    ...(isConfigured(rt.config, req.environment, req.service) ? {} : { unconfigured: true }),
  });
}

export async function getRequest(redis: RedisClient, id: string): Promise<ChangeRequest | undefined> {
  const ref = parseRequestId(id);
  if (!ref) return undefined;
  return fromHash(await redis.hgetall(keys.request(ref.environment, ref.service, ref.id)));
}

/** The environment's start deadline: how long an approved request has to start. */
export function startDeadlineOf(rt: Runtime, environment: string): number {
  return rt.config.environments[environment]?.startDeadline ?? DEFAULT_START_DEADLINE_MS;
}

/** A reply in the request's thread (under the request message). Never throws: the transition already happened. */
export async function postInThread(rt: Runtime, req: ChangeRequest | undefined, msg: SlackMessage): Promise<void> {
  if (!req?.channel) return;
  await bestEffort(rt, 'post in the request thread', () =>
    rt.slack.post(req.channel, msg, req.messageTs ? { threadTs: req.messageTs } : {}),
  );
}

/**
 * The worker's (or a tick's) note in the request's thread, said once: keyed `name` (postKeyed), so a
 * post Slack answered late is looked for and tried once more instead of lost or said twice. One
 * note per name and request (an outcome said once: a start refused, an approval lapsed). Never
 * throws: the transition already happened. (Inside a click, postInThread: no time to look.)
 */
export async function noteInThread(
  rt: Runtime,
  req: ChangeRequest | undefined,
  name: string,
  msg: SlackMessage,
  opts: { requestAgain?: true | 'next-window' } = {},
): Promise<void> {
  if (!req?.channel) return;
  await bestEffort(rt, 'post in the request thread', async () => {
    // Loaded lazily: a tick's or the worker's work, not in the Slack function's bundle (were it ever
    // run there, the note is posted as postInThread posts it, without the Request again button).
    const keyed = await import('./keyed-post').catch(() => undefined);
    if (!keyed) return rt.slack.post(req.channel, msg, req.messageTs ? { threadTs: req.messageTs } : {});
    // A change that did not start: the note carries the same request as a button (./again.ts).
    const body = opts.requestAgain
      ? (await import('./again')).withRequestAgain(msg, req, msg.locale ?? rt.people.workspace, opts.requestAgain === 'next-window')
      : msg;
    return keyed.postKeyed(rt, req, name, body, { again: true });
  });
}

/**
 * Many requests by id (an index, a history page): one HGETALL each, one pipeline per hash slot
 * (requests of different services are in different slots), all sent at once. Undefined for a
 * malformed id or a request no longer on record; rejects when Redis fails.
 */
export async function getRequests(redis: RedisClient, ids: readonly string[]): Promise<Map<string, ChangeRequest | undefined>> {
  const out = new Map<string, ChangeRequest | undefined>();
  const refs = ids.flatMap((id) => {
    const ref = parseRequestId(id);
    if (!ref) out.set(id, undefined);
    return ref ? [ref] : [];
  });
  const requestKey = (r: RequestRef): string => keys.request(r.environment, r.service, r.id);
  const res = await pipelineBySlot(redis, refs, requestKey, (pipe, r) => pipe.hgetall(requestKey(r)));
  refs.forEach((r, i) => {
    const [err, val] = res[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    out.set(r.id, fromHash((val ?? {}) as Record<string, string>));
  });
  return out;
}

/** pending | approved → failed, with the reason (mrkdwn written by the bot); re-renders the message. */
export async function abortRequest(
  rt: Runtime,
  id: string,
  reason: string,
  actor = 'bot',
  budget?: ClickBudget,
): Promise<ChangeRequest | undefined> {
  const ref = refOrThrow(id);
  const t = await transit(rt, (x) => x.abort(ref, rt.now(), actor, reason));
  if (t.code === 'OK') {
    if (budget) await refreshWithin(rt, t.request, budget, RESERVE.answer);
    else await refreshMessage(rt, t.request);
  }
  return t.request;
}

/**
 * A tick's end of an approved or scheduled request whose service chatops.yml no longer names (it
 * can never start): failed with the reason (the abort script, which re-indexes it), its message
 * re-rendered and its thread told. The transition's reply: OK when this call failed it; NOT_OPEN
 * (started meanwhile, or already ended) and NOT_FOUND change nothing and say nothing.
 */
export async function failUnconfigured(rt: Runtime, id: string): Promise<Transition> {
  const ref = refOrThrow(id);
  const w = rt.people.workspace;
  const t = await transit(rt, (x) => x.abort(ref, rt.now(), 'bot', notConfiguredReason(ref.environment, ref.service)(w)));
  if (t.code === 'OK' && t.request) {
    await refreshMessage(rt, t.request);
    await noteInThread(rt, t.request, 'not-configured', notConfiguredNotice(t.request, w));
  }
  return t;
}

/**
 * Hand the approved request to the worker; when the hand-off fails the request fails (never left
 * approved). Within a click's budget the hand-off gets what is left but the abort's and the
 * answer's reserve: a hand-off that does not fit fails like one Lambda refused.
 */
export async function dispatchExecute(rt: Runtime, req: ChangeRequest, budget: ClickBudget = noBudget()): Promise<void> {
  const within = handOffWithin(budget, RESERVE.abort + RESERVE.answer);
  const job = { kind: 'execute', id: `exec-${req.id}`, requestId: req.id };
  try {
    await (within ? rt.dispatcher.dispatch(job, within) : rt.dispatcher.dispatch(job));
    rt.log.info('approvals: execution handed off', { requestId: req.id });
  } catch (err) {
    rt.log.warn('approvals: the hand-off failed; failing the request', { requestId: req.id, withinMs: within?.withinMs, err });
    const after = await abortRequest(rt, req.id, M.in(rt.people.workspace)('notInvoked'), 'bot', budget).catch((e) => {
      rt.log.error('approvals: could not abort after a failed hand-off', { requestId: req.id, err: e });
      return undefined;
    });
    // The abort found the change already started: Lambda took the hand-off although its answer did
    // not reach us in time (a timeout on our side), and the worker runs it. Saying "nothing was
    // done" would be false: the hand-off counts as made, and the card shows the run.
    if (after?.startedAt !== undefined) {
      rt.log.warn('approvals: the hand-off was not confirmed in time, but the worker started the change', {
        requestId: req.id,
        state: after.state,
      });
      return;
    }
    // Failed here, the request cannot start any more, even if Lambda queued the job.
    throw after?.state === 'failed' ? nothingRan(err) : err;
  }
}

/**
 * Post the request's card, keyed (postKeyed, as `card`). When the post got no answer (mayHaveLanded:
 * Slack may have taken it), it is tried once more (`again`), which first looks for it among the
 * channel's newest messages: a card found there is the request's; a look that fails posts once more
 * (two cards rather than a request nobody sees). A card that lands later than the look is still a
 * second one. `first`: the request was created by this call, so no earlier card can exist.
 */
function postCard(rt: Runtime, req: ChangeRequest, first: boolean): Promise<string> {
  return postKeyed(rt, req, 'card', renderRequest(rt, req), { again: true, first }).then((r) => r.ts);
}

/** Post the request message and store its ts (when the post fails, the request fails: never left open unseen). */
async function postRequestMessage(rt: Runtime, req: ChangeRequest, first = false): Promise<ChangeRequest> {
  let ts: string;
  try {
    ts = await postCard(rt, req, first);
  } catch (err) {
    await abortRequest(rt, req.id, M.in(rt.people.workspace)('notPosted')).catch((e) =>
      rt.log.error('approvals: could not abort after a failed post', { requestId: req.id, err: e }),
    );
    throw err;
  }
  const ref = refOrThrow(req.id);
  const t = await transit(rt, (x) => x.setField(ref, 'messageTs', ts, rt.now()));
  // The request is on the Home tab from now on, with the link to its card.
  await announceChange(rt, { what: 'request', environment: req.environment });
  return t.request ?? { ...req, messageTs: ts };
}

/**
 * A request created whose creator stopped before posting it (a retried job, or a create whose answer
 * was lost: src/commands/recheck.run.ts): its card is posted and, approved, it is handed off. The
 * request as it is then.
 */
export async function postCreated(rt: Runtime, existing: ChangeRequest): Promise<ChangeRequest> {
  if (existing.messageTs || (existing.state !== 'pending' && existing.state !== 'approved')) return existing;
  const posted = await postRequestMessage(rt, existing);
  if (posted.state === 'approved') await dispatchExecute(rt, posted);
  return posted;
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
      userMessage: M.lazy('noService', { service: input.service, env: input.environment }),
    });
  }
  const now = rt.now();
  const ref0 = { environment: input.environment, service: input.service };
  const action = 'notRequested' as const;

  // Break-glass runs at once and its approvals come after the fact (at least one); a start time
  // makes a request that needs no approval wait in `scheduled`.
  const base = envCfg.approvals[input.verb] + (input.extraApprovals ?? 0);
  const needed = input.breakGlass !== undefined ? Math.max(1, base) : base;
  const state =
    input.breakGlass !== undefined ? 'approved' : needed > 0 ? 'pending' : input.startAt !== undefined ? 'scheduled' : 'approved';
  const id = newRequestId(input.environment, input.service, now);
  const ref: RequestRef = { id, ...ref0 };
  const expiresAt = now + envCfg.approvalTtl;
  const lifetime = Math.max(expiresAt - now, gateLifetime(rt, input.environment, now, input));
  // Bounded (src/redis/bounds.ts): a plan too big to keep is refused, long texts are shortened with a marker.
  assertPlanFits(input.plan, rt.config.slack.language);
  const texts = fitRequestTexts(
    {
      summary: input.summary,
      ...(input.details !== undefined ? { details: input.details } : {}),
      ...(input.gates?.length ? { gates: input.gates } : {}),
    },
    rt.config.slack.language,
  );
  const fields = requestFields(
    {
      verb: input.verb,
      environment: input.environment,
      service: input.service,
      plan: input.plan,
      summary: texts.summary,
      ...(texts.details !== undefined ? { details: texts.details } : {}),
      requester: input.requester,
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
      channel: input.channel,
      expiresAt,
      approvalsNeeded: needed,
      // What the gates added, apart from the environment's part: the start adds it to what the environment needs then.
      extraApprovals: input.extraApprovals ?? 0,
      // Created approved (no approval needed): it must start within the start deadline like any approval.
      ...(state === 'approved' ? { approvedAt: now, startBy: now + startDeadlineOf(rt, input.environment) } : {}),
      ...(texts.gates?.length ? { gates: texts.gates } : {}),
      ...(input.startAt !== undefined ? { startAt: input.startAt } : {}),
      ...(input.breakGlass !== undefined ? { breakGlass: input.breakGlass } : {}),
    },
    input.invocationId,
  );
  const auditSummary = input.summary.replace(/\s+/g, ' ').slice(0, 300);

  // The create script puts the request in its service's indexes (pending by expiresAt, approved by
  // startBy, scheduled by startAt, retro by the first reminder) and takes out one that expired or
  // lapsed on the way, atomically with the request: nothing to write after it.
  const retroAt = input.breakGlass !== undefined ? firstReminderAt(rt, input.environment, now) : undefined;
  let reply: Transition | undefined;
  // The script checks the active pointer: the first attempt assumes none (the usual case) instead of
  // reading it first, and a RETRY names the pointer to retry with.
  let seenActive = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    reply = await transit(
      rt,
      (x) =>
        x.create({
          ref,
          invocationId: input.invocationId,
          seenActive,
          state,
          now,
          ttlMs: lifetime + REQUEST_RETENTION_MS,
          invocationTtlMs: INVOCATION_TTL_MS,
          auditSummary,
          fields,
          ...(retroAt !== undefined ? { retroAt } : {}),
        }),
      action,
      // Announced once its card is posted (postRequestMessage).
      false,
      // An answer lost: the worker reads the invocation's request later (src/commands/recheck.run.ts).
      { t: 'create', env: input.environment, svc: input.service, inv: input.invocationId, user: input.requester },
    );
    if (reply.code !== 'RETRY') break;
    seenActive = reply.extra.active ?? '';
  }
  if (!reply || reply.code === 'RETRY') {
    throw new BotError('CONFLICT', `create ${id}: active pointer kept changing`, {
      userMessage: M.lazy('busyCreating', { service: input.service }),
    });
  }
  const result: Transition = reply;
  switch (result.code) {
    case 'OK':
      break;
    case 'EXISTS': {
      // The same invocation again (a retried job): answer with the request it already created.
      const existing = await storeOp(() => getRequest(rt.redis, result.extra.id ?? ''), action);
      if (!existing) throw refusal('NOT_FOUND', ctxFor(rt, ref0));
      return postCreated(rt, existing);
    }
    case 'FROZEN':
    case 'LOCKED':
      throw refusal(result.code, ctxFor(rt, ref0, { guard: guardFromHash(result.extra), user: input.requester }));
    case 'BUSY':
      throw refusal('BUSY', ctxFor(rt, ref0, { request: result.request, user: input.requester }));
    default:
      throw refusal(result.code, ctxFor(rt, ref0, { user: input.requester }));
  }

  // A stale pending request expired (or an approved one lapsed) on the way: clear its buttons too.
  const stale = result.extra.expired ?? result.extra.lapsed;
  if (stale) {
    const old = await getRequest(rt.redis, stale).catch(() => undefined);
    await refreshMessage(rt, old);
  }
  const created = result.request;
  if (!created) throw new Error(`create ${id}: the script returned no request`);
  rt.log.info('approvals: request created', {
    requestId: id,
    verb: input.verb,
    environment: input.environment,
    service: input.service,
    state,
    needed,
  });
  const posted = await postRequestMessage(rt, created, true);
  if (posted.state === 'approved') await dispatchExecute(rt, posted);
  return posted;
}
