/**
 * The worker part of the follow-up (./recheck.ts): a person was told "I can't tell whether this went
 * through" because Redis did not answer their change in time. Once Redis answers again, this reads
 * what the change's script writes and tells them in one line, where they acted, whether it went
 * through. Decided from durable state only:
 *   - approve: whether the request holds their approval (`a.<user>`, approve-11.lua); when it
 *     approved the request and the change did not start, the approving click never handed it off:
 *     the approve script is run again with that click's token (as ioredis resends a script whose
 *     answer was lost), which claims the hand-off for it, and the change is handed off here;
 *   - reject, cancel: whether the request is rejected / cancelled by them (`decidedBy`);
 *   - approve after the fact (a break-glass request): whether it holds their approval (`a.<user>`,
 *     retro-approve-7.lua);
 *   - mute: whether the mute key is theirs with the end they asked for (`by`, `until`, mute-1.lua),
 *     and then the alert channel is told, as the command would have; unmute: whether a mute is in force;
 *   - "I'm on it": whether the incident's acknowledger (`ackBy`, ack-1.lua) is them; when the script
 *     took the lease to show it (the lease is its `ackAt`), the alert is updated here.
 *   - lock, lock!, unlock, freeze, unfreeze: whether the service's (environment's) audit stream holds the
 *     script's entry (its event, by them, at the `now` the script was given); the channel where they
 *     typed it is then told, as the command would have (its notices keyed as the command's own and
 *     posted by the notice's worker part, ../approvals/notice.run.ts: never said twice);
 *   - a request created (a scheduled or break-glass change, any request): whether the invocation's
 *     marker names a request (create-12.lua); its card is then posted and, approved, it is handed off,
 *     as the create's own retry would (workflow.ts postCreated).
 * Redis is tried again with growing waits until RECHECK_WITHIN_MS after the change (and within the
 * invocation's end); then they are told it still cannot be told, and where to look: by the worker when
 * no claim of it can be in Redis (it never reached Redis), else by the tick once the claim lapses (the
 * job fails, Lambda tries it again): one line, never both.
 *
 * At most once, and never silent once claimed: the claim (recheck-claim-2.lua) records the job with
 * when it lapses; the worker turns it `told` (recheck-told-2.lua) before it tells them, and says
 * nothing when it cannot; the scheduled tick (`lapsedTick`) turns a claim still `claimed` past its
 * lapse time `lapsed` (recheck-lapse-2.lua) and tells them once that it could not check, and how to
 * see for themselves. A job Lambda gave up on is claimed as due at once (`recheckLost`).
 */
import type { RequestNoteJob } from '../approvals/notice';
import { findService } from '../config/load';
import { invocationDeadline } from '../hooks/jobs';
import { defineMessages } from '../i18n/catalog';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { LOCALES, type Locale } from '../i18n/locale';
import type { Runtime } from '../runtime';
import { section, type SlackMessage } from '../slack/blocks';
import { code, notificationText } from '../slack/text';
import { slackDate } from '../slack/time';
import { mayHaveLanded } from '../slack/failures';
import { readIncident, readMute } from '../alerts/store';
import { muteNotice } from '../alerts/messages';
import { syncIncident } from '../alerts/sync';
import { keys } from '../redis/keys';
import { alertChannelFor } from '../alerts/events';
import { stateSentence } from '../approvals/codes';
import { requestLink } from '../approvals/format';
import { stateWord } from '../approvals/message';
import { parseRequestId } from '../approvals/ids';
import type { ChangeRequest } from '../approvals/types';
import { dispatchExecute, getRequest, refreshMessage, startDeadlineOf, transit } from '../approvals/workflow';
import type { Recheck } from '../redis/client';
import type { RecheckJob } from './recheck';
import { randomBytes } from 'node:crypto';
import { luaScript, runScript } from '../redis/scripts';
import { CLAIM_TTL_SECONDS } from '../hooks/jobs';
import { readGuards, type GuardInfo } from '../approvals/guards';
import { guardText } from '../approvals/format';
import { guardNotice, type GuardNoticeInput } from '../approvals/notices';
import { guardNoticeKey } from '../approvals/locks';
import { muteKey } from '../approvals/notice';
import { postNoticeOnce } from '../approvals/notice.run';
import { postCreated } from '../approvals/workflow';
import { announceBreakGlass } from '../approvals/gates';
import { syncFreezeCopies } from '../approvals/freeze-copies';
import { announceTakeOver } from '../approvals/gate-locks';
import claimLua from './lua/recheck-claim-2.lua';
import toldLua from './lua/recheck-told-2.lua';
import lapseLua from './lua/recheck-lapse-2.lua';

const CLAIM = luaScript('recheck_claim', 2, claimLua);
const TOLD = luaScript('recheck_told', 2, toldLua);
const LAPSE = luaScript('recheck_lapse', 2, lapseLua);

const M = defineMessages('commands.recheck.run', {
  approveWent: {
    en: ':white_check_mark: Your approval of {request} did go through ({given} of {needed}{next}).',
    ko: ':white_check_mark: {request} 승인이 반영되었습니다 ({given}/{needed}{next}).',
  },
  nextStarting: { en: '; the change is starting', ko: ', 변경을 시작합니다' },
  nextMore: { en: '; {n} more needed', ko: ', {n}명 더 필요' },
  nextState: { en: '; the request is {state} now', ko: ', 요청은 지금 {state}' },
  approveLost: {
    en: ':x: Your approval of {request} did not go through. {then}',
    ko: ':x: {request} 승인은 반영되지 않았습니다. {then}',
  },
  approveAgain: { en: 'Press *Approve* again.', ko: '*승인*을 다시 누르세요.' },
  rejectWent: {
    en: ':white_check_mark: Your rejection of {request} did go through.',
    ko: ':white_check_mark: {request} 거절이 반영되었습니다.',
  },
  rejectLost: {
    en: ':x: Your rejection of {request} did not go through. {then}',
    ko: ':x: {request} 거절은 반영되지 않았습니다. {then}',
  },
  rejectAgain: { en: 'Press *Reject* again.', ko: '*거절*을 다시 누르세요.' },
  cancelWent: {
    en: ':white_check_mark: Your cancellation of {request} did go through.',
    ko: ':white_check_mark: {request} 취소가 반영되었습니다.',
  },
  cancelLost: {
    en: ':x: Your cancellation of {request} did not go through. {then}',
    ko: ':x: {request} 취소는 반영되지 않았습니다. {then}',
  },
  cancelAgain: { en: 'Press *Cancel* again.', ko: '*취소*를 다시 누르세요.' },
  retroWent: {
    en: ':white_check_mark: Your approval after the fact of {request} did go through.',
    ko: ':white_check_mark: {request} 사후 승인이 반영되었습니다.',
  },
  retroLost: {
    en: ':x: Your approval after the fact of {request} did not go through. {then}',
    ko: ':x: {request} 사후 승인은 반영되지 않았습니다. {then}',
  },
  retroAgain: { en: 'Press *Approve after the fact* again.', ko: '*사후 승인*을 다시 누르세요.' },
  gone: { en: ':grey_question: {request} is no longer on record.', ko: ':grey_question: {request}의 기록이 더 이상 없습니다.' },
  muteWent: {
    en: ':white_check_mark: Your mute did go through: alerts for {service} ({env}) are muted until {until}.',
    ko: ':white_check_mark: 알림 끄기가 반영되었습니다. {service}({env}) 알림은 {until}까지 꺼져 있습니다.',
  },
  muteLost: {
    en: ':x: Your mute did not go through: {now}',
    ko: ':x: 알림 끄기는 반영되지 않았습니다. {now}',
  },
  mutedBy: {
    en: 'alerts for {service} ({env}) are muted until {until} by {user}.',
    ko: '{service}({env}) 알림은 {user} 님이 {until}까지 꺼 두었습니다.',
  },
  notMuted: {
    en: 'alerts for {service} ({env}) are not muted. Run the command again.',
    ko: '{service}({env}) 알림은 꺼져 있지 않습니다. 명령을 다시 실행하세요.',
  },
  unmuteWent: {
    en: ':white_check_mark: Alerts for {service} ({env}) are on now (not muted).',
    ko: ':white_check_mark: {service}({env}) 알림은 지금 켜져 있습니다.',
  },
  unmuteLost: {
    en: ':x: Your unmute did not go through: {now} Run `/ecs unmute {alias}` again.',
    ko: ':x: 알림 켜기는 반영되지 않았습니다. {now} `/ecs unmute {alias}` 명령을 다시 실행하세요.',
  },
  ackWent: {
    en: ":white_check_mark: Your *I'm on it* did go through: you have the alert of {service} ({env}).",
    ko: ':white_check_mark: *제가 볼게요*가 반영되었습니다. {service}({env}) 알림은 직접 맡으셨습니다.',
  },
  ackTaken: {
    en: ":x: Your *I'm on it* did not go through: {user} has the alert of {service} ({env}).",
    ko: ':x: *제가 볼게요*는 반영되지 않았습니다. {service}({env}) 알림은 {user} 님이 맡았습니다.',
  },
  ackLost: {
    en: ":x: Your *I'm on it* did not go through. Press it again on the alert of {service} ({env}) if it is still open.",
    ko: ':x: *제가 볼게요*는 반영되지 않았습니다. {service}({env}) 알림이 아직 열려 있으면 다시 누르세요.',
  },
  stillUnknown: {
    en: ":grey_question: The approvals store (Redis) still does not answer, so I still can't tell whether this went through. Before you try again, look at {where}.",
    ko: ':grey_question: 승인 저장소(Redis)가 아직 응답하지 않아 처리되었는지 여전히 알 수 없습니다. 다시 시도하기 전에 확인하세요: {where}',
  },
  whereRequest: { en: '{request} (its card) or `/ecs history`', ko: '{request} (요청 메시지) 또는 `/ecs history`' },
  whereAlerts: { en: 'the alert channel {channel}', ko: '알림 채널 {channel}' },
  guardWent: { en: ':white_check_mark: Your {command} did go through.', ko: ':white_check_mark: {command} 명령이 반영되었습니다.' },
  guardLost: { en: ':x: Your {command} did not go through: {now}', ko: ':x: {command} 명령은 반영되지 않았습니다. {now}' },
  lockedNow: { en: '{what} is locked {guard}.', ko: '{what} 서비스는 잠겨 있습니다 ({guard}).' },
  notLocked: { en: '{what} is not locked.', ko: '{what} 서비스는 잠겨 있지 않습니다.' },
  frozenNow: { en: '{what} is frozen {guard}.', ko: '{what} 환경은 동결되어 있습니다 ({guard}).' },
  notFrozen: { en: '{what} is not frozen.', ko: '{what} 환경은 동결되어 있지 않습니다.' },
  createWent: {
    en: ':white_check_mark: Your request did go through: {request} is {state}.',
    ko: ':white_check_mark: 요청이 반영되었습니다. {request}: {state}.',
  },
  createLost: {
    en: ':x: Your request for {service} ({env}) did not go through. Run the command again.',
    ko: ':x: {service}({env}) 요청은 반영되지 않았습니다. 명령을 다시 실행하세요.',
  },
  lapsed: {
    en: ':grey_question: I could not check whether your change went through: the check stopped before it could tell you. See for yourself: {where}.',
    ko: ':grey_question: 변경이 반영되었는지 확인하지 못했습니다. 확인이 끝나기 전에 멈췄습니다. 직접 확인하세요: {where}',
  },
});

type T = ReturnType<typeof M.in>;

/** How long after the change the worker keeps asking Redis; then it says it still cannot tell. */
export const RECHECK_WITHIN_MS = 120_000;
/** What the last answer keeps of the invocation (the worker's timeout in serverless.yml). */
const ANSWER_RESERVE_MS = 15_000;
/** The waits between tries: doubling from the first, up to the longest. */
const FIRST_WAIT_MS = 1_000;
const LONGEST_WAIT_MS = 10_000;
/** Tries at most (a clock that does not move, as in a test, still ends). */
const MAX_TRIES = 20;

const line = (text: string, locale: Locale): SlackMessage => ({ text: notificationText(text), blocks: [section(text)], locale });

const user = () => z.string().min(1);
const recheckJob = lazySchema(() => {
  const svc = { env: z.string(), svc: z.string(), user: user() };
  return z.object({
    kind: z.literal('recheck'),
    id: z.string(),
    check: z.discriminatedUnion('t', [
      z.object({
        t: z.literal('request'),
        op: z.enum(['approve', 'reject', 'cancel', 'retro']),
        id: z.string(),
        user: user(),
        token: z.string().optional(),
      }),
      z.object({ t: z.literal('mute'), ...svc, until: z.number() }),
      z.object({ t: z.literal('unmute'), ...svc }),
      z.object({ t: z.literal('ack'), ...svc, gen: z.number() }),
      z.object({
        t: z.literal('guard'),
        op: z.enum(['lock', 'lock!', 'unlock', 'freeze', 'unfreeze']),
        env: z.string(),
        svc: z.string().optional(),
        user: user(),
        at: z.number(),
      }),
      z.object({ t: z.literal('create'), ...svc, inv: z.string().min(1) }),
    ]),
    at: z.number(),
    userId: user(),
    locale: z.enum(LOCALES),
    responseUrl: z.string().optional(),
    channelId: z.string().optional(),
    noRetry: z.literal(true).optional(),
  });
});

/** What the tick gives the worker after its deadline (it stops waiting for Redis only after this). */
const LAPSE_MARGIN_MS = 30_000;
/** How long the zset of claimed follow-ups lives after the last claim (its members lapse within minutes). */
const DUE_TTL_MS = 2 * 86_400_000;

export async function recheck(raw: unknown, rt: Runtime): Promise<void> {
  const parsed = recheckJob.safeParse(raw);
  if (!parsed.success) {
    rt.log.error('recheck: invalid job dropped', { issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  const job: RecheckJob = parsed.data;
  const check = job.check;
  const log = rt.log.child({ recheck: job.id, check: check.t, user: job.userId });
  const t = M.in(job.locale);
  const end = Math.min(job.at + RECHECK_WITHIN_MS, (invocationDeadline() ?? Infinity) - ANSWER_RESERVE_MS);
  // This attempt's claim: its own claim again after a lost answer is still its own.
  const token = randomBytes(8).toString('hex');
  // Started after the window: a retry of an attempt that failed (its claim may be in Redis).
  const late = rt.now() > job.at + RECHECK_WITHIN_MS;
  let claimed = false;
  /** A claim of this attempt may be in Redis: the client was connected when it was sent, or got connected while it waited. */
  let mayHoldClaim = false;
  const connected = () => (mayHoldClaim = true);
  let told: boolean | undefined;
  let req: ChangeRequest | undefined;
  let text: string | undefined;
  for (let tries = 1, wait = FIRST_WAIT_MS; ; tries++, wait = Math.min(2 * wait, LONGEST_WAIT_MS)) {
    try {
      if (!claimed) {
        // Once: a second delivery of the job says nothing. Lapses (the tick tells) past the worker's end.
        if (rt.redis.status === 'ready') connected();
        rt.redis.on('ready', connected);
        const mine = await claimRecheck(rt, job, token, Math.max(end, rt.now()) + ANSWER_RESERVE_MS + LAPSE_MARGIN_MS).finally(() =>
          rt.redis.off('ready', connected),
        );
        if (!mine) return;
        claimed = true;
      }
      if (text === undefined) {
        text = await decide(rt, job, t, (r) => (req = r));
        log.info('recheck: found out what happened', { tries });
      }
      told = await markTold(rt, job.id);
      break;
    } catch (err) {
      log.info('recheck: Redis does not answer yet', { tries, err });
    }
    if (tries >= MAX_TRIES || rt.now() + wait >= end) break;
    await rt.sleep(wait);
  }
  if (!claimed && (mayHoldClaim || late) && !job.noRetry) {
    // Its claim may be in Redis, unanswered: the tick would tell them by it once it lapses, so saying
    // "still can't tell" here would be a second line. Failed instead: Lambda tries it again (the retry
    // finds the claim and says nothing, or claims it and finds out); a job it gives up on is claimed
    // as due (recheckLost) and the tick tells them once. A job no one tries again (run in the worker
    // that dispatched it) says it still cannot tell: twice at worst, never not at all.
    log.warn('recheck: Redis did not answer, and a claim of it may be there; left to a retry and the tick');
    throw new Error(`recheck ${job.id}: Redis did not answer the claim in time`);
  }
  if (text === undefined) {
    log.warn('recheck: Redis did not answer in time; the person is told it still cannot be told');
    text = t('stillUnknown', { where: whereToLook(rt, check, t, job.locale, req) });
  }
  if (claimed && told === undefined) told = await markTold(rt, job.id).catch(() => undefined);
  if (claimed && !told) {
    // Told by the tick already, or Redis cannot record that this is told: the tick tells them (once) instead.
    log.warn('recheck: not told here', { told });
    return;
  }
  // Outside the tries: an answer Slack did not take is not a reason to decide (and hand off) again.
  await tell(rt, job, text);
}

/** Claim the follow-up for this attempt (true), or false when another attempt claimed it. Throws while Redis fails. */
export async function claimRecheck(rt: Runtime, job: RecheckJob, token: string, lapseAt: number): Promise<boolean> {
  const { auth: _auth, ...kept } = job as RecheckJob & { auth?: unknown };
  const reply = await runScript(
    rt.redis,
    CLAIM,
    [keys.recheckClaim(job.id), keys.recheckDue()],
    [job.id, token, lapseAt, JSON.stringify(kept), CLAIM_TTL_SECONDS * 1000, DUE_TTL_MS],
  );
  return Number(reply) === 1;
}

/** Claimed → told, before telling: false when the tick told them already. Throws while Redis fails. */
export async function markTold(rt: Runtime, id: string): Promise<boolean> {
  return Number(await runScript(rt.redis, TOLD, [keys.recheckClaim(id), keys.recheckDue()], [id])) === 1;
}

/** Follow-ups the tick takes at most per run (each is one script and one Slack answer). */
const LAPSE_BATCH = 50;

/**
 * The scheduled tick: each claimed follow-up past its lapse time that the worker never told (it
 * died or timed out) is taken (claimed → lapsed, one script) and the person is told once that it
 * could not be checked, and how to see for themselves.
 */
export async function lapsedTick(rt: Runtime): Promise<void> {
  const now = rt.now();
  const due = await rt.redis.zrangebyscore(keys.recheckDue(), '-inf', now, 'LIMIT', 0, LAPSE_BATCH);
  for (const id of due) {
    const raw = await runScript(rt.redis, LAPSE, [keys.recheckClaim(id), keys.recheckDue()], [id, now]);
    if (typeof raw !== 'string') continue;
    let job: RecheckJob;
    try {
      job = recheckJob.parse(JSON.parse(raw));
    } catch (err) {
      rt.log.error('recheck: a lapsed follow-up could not be read', { recheck: id, err });
      continue;
    }
    rt.log.warn('recheck: lapsed (the worker never told them); telling them to look', { recheck: id, check: job.check.t });
    const t = M.in(job.locale);
    await tell(rt, job, t('lapsed', { where: whereToLook(rt, job.check, t, job.locale) })).catch((err) =>
      rt.log.warn('recheck: the lapsed follow-up was not delivered', { recheck: id, err }),
    );
  }
}

/** Lambda gave up on the job (it may never have been claimed): claimed as due now, so the tick tells them once. */
export async function recheckLost(raw: unknown, rt: Runtime): Promise<void> {
  const parsed = recheckJob.safeParse(raw);
  if (!parsed.success) {
    rt.log.error('recheck: invalid lost job dropped', { issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  await claimRecheck(rt, parsed.data, 'lost', rt.now());
}

/** Where the person can see for themselves what happened. */
function whereToLook(rt: Runtime, check: Recheck, t: T, locale: Locale, req?: ChangeRequest): string {
  if (check.t === 'request') return t('whereRequest', { request: requestLink(req ?? { id: check.id, channel: '' }, undefined, locale) });
  if (check.t === 'guard') return code(`/ecs status ${check.svc ?? check.env}`);
  if (check.t === 'create') return code(`/ecs history ${check.svc}`);
  return t('whereAlerts', { channel: alertChannel(rt, check.svc) });
}

function alertChannel(rt: Runtime, alias: string): string {
  const svc = findService(rt.config, alias);
  return svc ? `<#${alertChannelFor(svc)}>` : code(alias);
}

/**
 * Where they acted: the response_url, else ephemeral in the channel, else (the Home tab, or a modal
 * opened there: no channel, no response_url) a direct message, in the app where they were, not an
 * ephemeral line in a request channel they may not be looking at.
 */
async function tell(rt: Runtime, job: RecheckJob, text: string): Promise<void> {
  const msg = line(text, job.locale);
  if (job.responseUrl) {
    try {
      await rt.slack.respond(job.responseUrl, msg, { replaceOriginal: false });
      return;
    } catch (err) {
      // Sent and not answered: it may have shown; saying it again with the bot token could show it twice.
      if (mayHaveLanded(err)) {
        rt.log.warn('recheck: the answer may or may not have shown; not saying it again', { err });
        return;
      }
      rt.log.warn('recheck: response_url failed; answering with the bot token instead', { err });
    }
  }
  if (job.channelId) await rt.slack.ephemeral(job.channelId, job.userId, msg);
  else await rt.slack.post(job.userId, msg);
}

/** The one line for the person; `seen` gets the request read (where to look, if Redis fails later). Throws while Redis fails. */
async function decide(rt: Runtime, job: RecheckJob, t: T, seen: (r: ChangeRequest) => void): Promise<string> {
  const { check, locale } = job;
  if (check.t === 'request') return decideRequest(rt, check, t, locale, seen);
  if (check.t === 'guard') return decideGuard(rt, check, t, locale, job.channelId);
  if (check.t === 'create') return decideCreate(rt, check, t, locale, seen);
  const svc = findService(rt.config, check.svc);
  const names = { service: code(check.svc), env: code(check.env) };
  if (!svc || svc.environment !== check.env) return t('gone', { request: names.service });
  if (check.t === 'ack') {
    const inc = await readIncident(rt.redis, svc);
    if (inc?.gen === check.gen && inc.ackBy === check.user) {
      // The ack script took the incident's lease to show it (lease = ackAt) and the click never did: shown here.
      const lease = await rt.redis.hget(keys.incident(svc.environment, svc.alias), 'lease');
      if (lease && Number(lease) === inc.ackAt)
        await syncIncident(rt, svc, check.gen, rt.log, { immediate: true }).catch((err) =>
          rt.log.warn('recheck: the alert was not updated', { service: svc.alias, err }),
        );
      return t('ackWent', names);
    }
    if (inc?.gen === check.gen && inc.ackBy) return t('ackTaken', { ...names, user: `<@${inc.ackBy}>` });
    return t('ackLost', names);
  }
  const now = rt.now();
  const mute = await readMute(rt.redis, svc, now);
  const inForce = mute && t('mutedBy', { ...names, until: slackDate(mute.until), user: `<@${mute.by}>` });
  if (check.t === 'unmute') return inForce ? t('unmuteLost', { now: inForce, alias: check.svc }) : t('unmuteWent', names);
  if (!mute || mute.by !== check.user || mute.until !== check.until) return t('muteLost', { now: inForce || t('notMuted', names) });
  // Recorded, and the alert channel was never told (the command stopped at the lost answer).
  const beyondMax = mute.until - (mute.since || now) > svc.env.alerts.muteMax ? svc.env.alerts.muteMax : undefined;
  // Keyed as the command's own notice (../approvals/notice.ts): looked for first, said once.
  await postNoticeOnce(
    rt,
    alertChannelFor(svc),
    muteNotice(svc, check.user, { until: mute.until, reason: mute.reason, beyondMax }, rt.people.workspace),
    muteKey('mute', svc.environment, svc.alias, check.user, mute.until),
  ).catch((err) => rt.log.warn('recheck: mute notice not posted', { service: svc.alias, err }));
  return t('muteWent', { ...names, until: slackDate(mute.until) });
}

async function decideRequest(
  rt: Runtime,
  check: Extract<Recheck, { t: 'request' }>,
  t: T,
  locale: Locale,
  seen: (r: ChangeRequest) => void,
): Promise<string> {
  const ref = parseRequestId(check.id);
  let req = ref && (await getRequest(rt.redis, check.id));
  if (!ref || !req) return t('gone', { request: code(check.id) });
  seen(req);
  const request = requestLink(req, undefined, locale);
  const then = (again: 'approveAgain' | 'rejectAgain' | 'cancelAgain' | 'retroAgain', open: boolean) =>
    open ? t(again) : stateSentence(req!, rt.now(), locale);
  if (check.op === 'retro') {
    // retro-approve-7.lua records `a.<user>` as the approve script does.
    if (!req.approvals.some((a) => a.user === check.user))
      return t('retroLost', { request, then: then('retroAgain', req.retroApprovedAt === undefined && req.retroExpiredAt === undefined) });
    await refreshMessage(rt, req);
    return t('retroWent', { request });
  }
  if (check.op === 'reject') {
    if (req.state !== 'rejected' || req.decidedBy !== check.user)
      return t('rejectLost', { request, then: then('rejectAgain', req.state === 'pending') });
    await refreshMessage(rt, req);
    // The note the reject would have handed off (src/approvals/clicks.ts), said once by its key.
    const note: RequestNoteJob = { kind: 'notice', id: `notice:${req.id}:rejected`, request: req.id, note: 'rejected' };
    await rt.dispatcher.dispatch(note).catch((err) => rt.log.warn('recheck: the rejection note was not handed off', { err }));
    return t('rejectWent', { request });
  }
  if (check.op === 'cancel') {
    if (req.state !== 'cancelled' || req.decidedBy !== check.user)
      return t('cancelLost', { request, then: then('cancelAgain', ['pending', 'approved', 'scheduled'].includes(req.state)) });
    await refreshMessage(rt, req);
    return t('cancelWent', { request });
  }
  if (!req.approvals.some((a) => a.user === check.user))
    return t('approveLost', { request, then: then('approveAgain', req.state === 'pending') });
  let next = '';
  if (req.state === 'approved' && req.startedAt === undefined && check.token) {
    // Its last approval, and the approving click's answer was lost before it handed the change off:
    // that click's script again, as ioredis would resend it (same token), claims the hand-off for it
    // (nothing is approved by it: no role is given). Another click that handed it off since keeps it.
    const again = await transit(rt, (x) => x.approve(ref, check.user, rt.now(), false, startDeadlineOf(rt, ref.environment), check.token));
    req = again.request ?? req;
    if (again.code === 'NOT_PENDING' && again.extra.handoff === '1') {
      await refreshMessage(rt, req);
      await dispatchExecute(rt, req);
      next = t('nextStarting');
    }
  } else await refreshMessage(rt, req);
  if (!next && req.state === 'pending') next = t('nextMore', { n: req.approvalsNeeded - req.approvals.length });
  else if (!next && req.state !== 'approved') next = t('nextState', { state: stateWord(req.state, locale) });
  return t('approveWent', { request, given: req.approvals.length, needed: req.approvalsNeeded, next });
}

/** What a lock / unlock / freeze / unfreeze script writes in its audit entry: the event (an unlock of a rollback's lock is 'acknowledged'). */
const GUARD_EVENTS = {
  lock: ['locked'],
  'lock!': ['locked', 'lock-taken-over'],
  unlock: ['unlocked', 'acknowledged'],
  freeze: ['frozen'],
  unfreeze: ['unfrozen'],
} as const;
/** The entries that set a lock (a lock!'s previous lock, an unlock's). */
const LOCK_SET = ['locked', 'lock-taken-over', 'auto-locked'];
/** How far back the audit stream is read for the entry (a busy service writes a few entries a minute). */
const AUDIT_LOOKBACK = 200;

type AuditRow = { event: string; actor: string; at: string; detail: string };

/** The newest entries of an audit stream, newest first. */
async function auditRows(rt: Runtime, stream: string): Promise<AuditRow[]> {
  const raw = (await rt.redis.xrevrange(stream, '+', '-', 'COUNT', AUDIT_LOOKBACK)) as Array<[string, string[]]>;
  return raw.map(([, f]) => {
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < f.length; i += 2) h[f[i]!] = f[i + 1]!;
    return { event: h.event ?? '', actor: h.actor ?? '', at: h.at ?? '', detail: h.detail ?? '' };
  });
}

async function decideGuard(rt: Runtime, check: Extract<Recheck, { t: 'guard' }>, t: T, locale: Locale, channel?: string): Promise<string> {
  const svc = check.op === 'freeze' || check.op === 'unfreeze' ? undefined : check.svc;
  const command = code(`/ecs ${check.op} ${svc ?? check.env}`);
  const rows = await auditRows(rt, svc ? keys.serviceAudit(check.env, svc) : keys.audit(check.env));
  const events: readonly string[] = GUARD_EVENTS[check.op];
  const mine = rows.findIndex((r) => events.includes(r.event) && r.actor === check.user && r.at === String(check.at));
  if (!svc) {
    // The copies the request scripts check, which the command writes after the script (and the tick repairs): as the freeze is now.
    const freeze = await rt.redis.hgetall(keys.envFreeze(check.env));
    await syncFreezeCopies(rt, check.env, Object.keys(freeze).length ? freeze : undefined);
  }
  if (mine < 0) {
    const now = rt.now();
    const g = await readGuards(rt.redis, check.env, svc ? [svc] : []);
    const what = code(svc ?? check.env);
    const held = svc ? g.locks[svc] : g.frozen;
    const state = svc
      ? held
        ? t('lockedNow', { what, guard: guardText(held, now, locale) })
        : t('notLocked', { what })
      : held
        ? t('frozenNow', { what, guard: guardText(held, now, locale) })
        : t('notFrozen', { what });
    return t('guardLost', { command, now: state });
  }
  // It went through and the channel was never told (the command stopped at the lost answer): told here,
  // with the lock or freeze its entry set (for a lock! and an unlock, also the one set before it).
  if (channel) {
    const setBefore = rows.slice(mine + 1).find((r) => (svc ? LOCK_SET : ['frozen']).includes(r.event));
    const guardOf = (r: AuditRow, reason = r.event === 'locked' || r.event === 'frozen'): GuardInfo => ({
      by: r.actor,
      since: Number(r.at),
      ...(reason && r.detail ? { reason: r.detail } : {}),
    });
    // A lock!'s entry after a take-over holds both reasons: its own is read from the lock while it is the same one.
    const own = check.op === 'lock!' ? await rt.redis.hgetall(keys.serviceLock(check.env, svc!)) : {};
    const ownReason =
      own.by === check.user && own.since === String(check.at) ? own.reason : rows[mine]!.event === 'locked' ? rows[mine]!.detail : '';
    // Keyed as the command's own notices (../approvals/notice.ts), through the worker's look-then-post: said once.
    const told =
      check.op === 'lock!'
        ? announceTakeOver(
            rt,
            channel,
            {
              user: check.user,
              environment: check.env,
              service: svc!,
              taken: {
                lock: { by: check.user, since: check.at, ...(ownReason ? { reason: ownReason } : {}) },
                ...(rows[mine]!.event === 'lock-taken-over' && setBefore ? { previous: guardOf(setBefore) } : {}),
              },
            },
            (rt, to, msg, key) =>
              postNoticeOnce(rt, to, msg, key).then(
                () => undefined,
                (err: unknown) => err,
              ),
          )
        : check.op === 'lock' || check.op === 'freeze' || setBefore
          ? postGuardNotice(rt, channel, {
              action: ({ lock: 'locked', unlock: 'unlocked', freeze: 'frozen', unfreeze: 'unfrozen' } as const)[check.op],
              user: check.user,
              environment: check.env,
              service: svc,
              guard: guardOf(check.op === 'lock' || check.op === 'freeze' ? rows[mine]! : setBefore!),
              now: check.at,
            })
          : undefined;
    await told?.catch((err) => rt.log.warn('recheck: the lock / freeze notice was not posted', { channel, err }));
  }
  return t('guardWent', { command });
}

/** A lock / freeze notice in `channel`, keyed as the command's own (announceGuard). */
function postGuardNotice(rt: Runtime, channel: string, input: GuardNoticeInput): Promise<void> {
  return postNoticeOnce(rt, channel, guardNotice(input, rt.people.workspace), guardNoticeKey(input));
}

async function decideCreate(
  rt: Runtime,
  check: Extract<Recheck, { t: 'create' }>,
  t: T,
  locale: Locale,
  seen: (r: ChangeRequest) => void,
): Promise<string> {
  const id = await rt.redis.get(keys.requestInvocation(check.env, check.svc, check.inv));
  if (!id) return t('createLost', { service: code(check.svc), env: code(check.env) });
  let req = await getRequest(rt.redis, id);
  if (!req) return t('gone', { request: code(id) });
  seen(req);
  // Created, and its creator stopped at the lost answer: its card, hand-off and break-glass notice, as the command would have.
  const unposted = !req.messageTs;
  req = await postCreated(rt, req);
  seen(req);
  if (unposted && req.messageTs && req.breakGlass !== undefined) await announceBreakGlass(rt, req);
  return t('createWent', { request: requestLink(req, undefined, locale), state: stateWord(req.state, locale) });
}
