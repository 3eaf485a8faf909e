/**
 * The worker part of a notice (./notice.ts): post it said once, through the one look-then-post
 * (./keyed-post.ts postKeyedAt with `again`). Every attempt looks for its key first (right away for
 * a first attempt Slack refused, LATE_POST_GRACE_MS after one that got no answer), so a notice that
 * landed without an answer, or that another attempt at it posted (a retried invocation, the
 * follow-up of a lost Redis answer: src/commands/recheck.run.ts), is found and not said twice; one
 * that never landed is posted once. The worker's patient Slack client (retries, 429 waits within
 * the invocation's deadline). A direct message (to a user id) is looked for in the bot's DM with
 * the person (src/slack/patient.run.ts findPosted).
 *
 * Two attempts at the same notice running at the same moment (a job Lambda delivered twice, or the
 * notice job and the follow-up) would both look, find nothing and both post: the look-then-post of a
 * key is exclusive, under a short claim in Redis (workerKeys.noticeClaim, SET NX PX NOTICE_CLAIM_MS). The
 * holder's post runs under a deadline (NOTICE_POST_WITHIN_MS: the Slack client's 429 waits and resends
 * end before it) so it is over well within the claim; it then deletes the claim (or, after a post that
 * got no answer, keeps it LATE_POST_GRACE_MS more, so the next one looks after a late post has landed).
 * An attempt that finds the claim held waits for it (polling) and then takes it and looks-then-posts
 * itself: it finds what the holder posted, or, when the holder crashed, posts it once the claim lapsed
 * (at most NOTICE_CLAIM_MS). Waiting, not throwing for a Lambda retry: the follow-up of a lost answer
 * is not retried by Lambda (its notice would be lost), and a retry comes a minute later, after an error
 * logged for what is the normal case (the holder posted). Only when the claim is still held past a
 * whole lapse does it throw (a notice job: Lambda tries it again), or, sooner, when the invocation
 * would end before it could look and post (NOTICE_POST_WITHIN_MS before its deadline): a notice job is
 * then tried again by Lambda (after the claim of a crashed holder lapsed); the follow-up of a lost
 * answer gives it up to the holder, an attempt at the same notice (a notice job, which Lambda tries
 * again when it crashed). A Redis that cannot be asked falls back to looking then posting unclaimed
 * (said twice at worst, never lost).
 *
 * A notice job Lambda gave up on (both attempts failed: Slack kept failing, or the claim stayed held)
 * is still owed: its on-failure record reaches the scheduled function, which posts it (`noticeLost`)
 * through the same claim and look-then-post, so it is said once; strictly: when Slack cannot be read
 * it is not posted blind (it may have landed) but left to SQS, which delivers the record again after
 * its visibility timeout (12 min), until NOTICE_OWED_MS after the notice was handed off. Said that
 * late, it carries when it happened. Past that (a look among the channel's newest messages would no
 * longer be sure to find an earlier copy) it is dropped, logged as an error.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { defineMessages } from '../i18n/catalog';
import { LOCALES } from '../i18n/locale';
import type { Runtime } from '../runtime';
import { context, type SlackMessage } from '../slack/blocks';
import { LATE_POST_GRACE_MS, mayHaveLanded, permanentSlackFailure } from '../slack/failures';
import { slackDate, utcText } from '../slack/time';
import { invocationDeadline, verifyJob, withInvocationDeadline } from '../hooks/jobs';
import { workerKeys } from '../redis/keys.run';
import { postKeyedAt } from './keyed-post';
import { getRequest } from './workflow';

/**
 * How long the holder's post may take before its deadline: the Slack client's 429 waits and resends
 * end before it (src/slack/patient.run.ts). After it, a send already made (10 s timeout), then with
 * `again` the grace (2 s), a look (6 s) and one more send (10 s): within NOTICE_CLAIM_MS.
 */
export const NOTICE_POST_WITHIN_MS = 25_000;
/** How long a claim on a notice holds at most (a crashed holder's lapses): past the post's bounded time. */
export const NOTICE_CLAIM_MS = 60_000;
/** How often an attempt that found the claim held asks again. */
const NOTICE_CLAIM_POLL_MS = 150;
/** The holder deletes its claim only this long before it could have lapsed (its own clock, not Redis's). */
const NOTICE_CLAIM_MARGIN_MS = 2_000;

const noticeJob = lazySchema(() =>
  z.object({
    kind: z.literal('notice'),
    id: z.string().min(1).max(300),
    channel: z.string().regex(/^[CDGUW][A-Z0-9]{1,30}$/),
    key: z.string().min(1).max(250),
    msg: z.object({
      text: z.string().max(40_000),
      blocks: z.array(z.object({ type: z.string() }).passthrough()).max(50),
      locale: z.enum(LOCALES).optional(),
    }),
    triedAt: z.number().int().nonnegative().optional(),
  }),
);

/**
 * How long after its hand-off a notice Lambda gave up on is still posted (the scheduled function, at
 * the on-failure record and each SQS redelivery). Lambda gives up within the worker's
 * maximumEventAge (15 min, serverless.yml); an hour later a look among the channel's newest 100
 * messages may miss an earlier copy, and the notice is history.
 */
export const NOTICE_OWED_MS = 60 * 60_000;

const M = defineMessages('approvals.notice', {
  late: {
    en: 'Posted late: Slack did not take this notice when it happened ({when}).',
    ko: '늦게 올린 알림입니다. 일이 있었던 때({when}) Slack이 이 알림을 받지 않았습니다.',
  },
});

/** A note in a request's thread, written here from the request (./notice.ts RequestNoteJob). */
const requestNoteJob = lazySchema(() =>
  z.object({
    kind: z.literal('notice'),
    id: z.string().min(1).max(300),
    request: z.string().min(1).max(200),
    note: z.enum(['rejected']),
  }),
);

/** Where a notice goes and its key (a request's note: in its thread). */
type ParsedNotice = { channel: string; key: string; triedAt?: number; threadTs?: string };

export async function runNotice(raw: unknown, rt: Runtime): Promise<void> {
  if (isRequestNote(raw)) {
    const note = await requestNote(rt, raw);
    if (note) await postOrRefused(rt, note.at, note.msg);
    return;
  }
  const parsed = noticeJob.safeParse(raw);
  if (!parsed.success) {
    rt.log.error('notice: invalid job dropped', { issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  const job = parsed.data;
  await postOrRefused(rt, job, job.msg as SlackMessage);
}

function isRequestNote(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'request' in raw;
}

/**
 * A request's note: where it goes (the request's thread, keyed `<id>:<note>` as its other notes are)
 * and what it says, from the request as it is now; none when the job is malformed or the request is
 * gone or no longer in the state the note is about (logged).
 */
async function requestNote(rt: Runtime, raw: unknown): Promise<{ at: ParsedNotice; msg: SlackMessage } | undefined> {
  const parsed = requestNoteJob.safeParse(raw);
  if (!parsed.success) {
    rt.log.error('notice: invalid request note dropped', { issues: parsed.error.issues.slice(0, 3) });
    return undefined;
  }
  const { request: id, note } = parsed.data;
  const req = await getRequest(rt.redis, id);
  if (!req?.channel || req.state !== note) {
    rt.log.warn('notice: request note not posted; the request is not (or no longer) in that state', {
      requestId: id,
      note,
      state: req?.state,
    });
    return undefined;
  }
  const { rejectedNotice } = await import('./rejected.run');
  return {
    at: { channel: req.channel, key: `${req.id}:${note}`, ...(req.messageTs ? { threadTs: req.messageTs } : {}) },
    msg: rejectedNotice(req, rt.people.workspace),
  };
}

/** The notice posted once (postNoticeOnce); Slack's refusal that a retry would repeat is logged, anything else thrown (tried again). */
async function postOrRefused(rt: Runtime, job: ParsedNotice, msg: SlackMessage, strict = false): Promise<void> {
  try {
    await postNoticeOnce(rt, job.channel, msg, job.key, job.triedAt, strict, job.threadTs);
  } catch (err) {
    const permanent = permanentSlackFailure(err);
    // Slack will refuse it again (the channel, the token): said in the log; anything else is tried again (Lambda, SQS).
    if (!permanent) throw err;
    rt.log.error('notice: Slack refused it; not tried again', {
      channel: job.channel,
      key: job.key,
      slack: permanent.code,
      fix: permanent.fix,
    });
  }
}

/**
 * Lambda gave up on a notice job (src/hooks/jobs.ts handleLostJobs, in the scheduled function): post
 * it now, once (the same claim and look, strict), with when it happened. Throws to have SQS deliver
 * the record again (Slack still failing or unreadable, too little time left in this invocation);
 * returns when it is posted, found, refused for good, past NOTICE_OWED_MS, or not a signed notice.
 */
export async function noticeLost(raw: unknown, rt: Runtime): Promise<void> {
  const note = isRequestNote(raw);
  const parsed = note ? requestNoteJob.safeParse(raw) : noticeJob.safeParse(raw);
  const issued = (raw as { auth?: { iat?: unknown } } | null)?.auth?.iat;
  // What it says is posted as the bot: only a notice the bot's own functions signed.
  if (!parsed.success || typeof issued !== 'number' || !verifyJob(raw as Record<string, unknown>, rt.jobKey, rt.now()).ok) {
    rt.log.error('notice: Lambda gave up on a job that is not a signed notice; not posted');
    return;
  }
  if (rt.now() - issued > NOTICE_OWED_MS) {
    const d = parsed.data;
    rt.log.error('notice: Lambda gave up on it and it could not be posted within the hour; dropped', {
      ...('key' in d ? { channel: d.channel, key: d.key } : { requestId: d.request }),
      handedOffAt: utcText(issued),
    });
    return;
  }
  if ((invocationDeadline() ?? Infinity) - Date.now() < NOTICE_POST_WITHIN_MS)
    throw new Error(`notice ${parsed.data.id}: too little time left in this invocation to post it`);
  const found = note ? await requestNote(rt, raw) : undefined;
  if (note && !found) return;
  const job: ParsedNotice = found?.at ?? (parsed.data as z.infer<typeof noticeJob>);
  const msg = found?.msg ?? ((parsed.data as z.infer<typeof noticeJob>).msg as SlackMessage);
  const late = M.in(msg.locale ?? rt.people.workspace)('late', { when: slackDate(issued) });
  await postOrRefused(rt, job, { ...msg, blocks: [...msg.blocks, context(late)] }, true);
}

/**
 * Post `msg` in `channel` (a user id: their direct message) keyed `key`, looking for it first:
 * `triedAt` (real time) when an earlier attempt got no answer, else at once; `threadTs`: a reply in
 * that thread (a request's note). Throws what the post
 * threw; `strict`: also what the look threw (not posted when Slack cannot be read).
 */
export async function postNoticeOnce(
  rt: Runtime,
  channel: string,
  msg: SlackMessage,
  key: string,
  triedAt = 0,
  strict = false,
  threadTs?: string,
): Promise<void> {
  const claim = await claimNotice(rt, key);
  let failed: unknown;
  try {
    const { found } = await withInvocationDeadline(Math.min(invocationDeadline() ?? Infinity, Date.now() + NOTICE_POST_WITHIN_MS), () =>
      postKeyedAt(rt, { channel, ...(threadTs ? { threadTs } : {}), key, triedAt, about: { notice: key } }, msg, { again: true, strict }),
    );
    rt.log.info(found ? 'notice: the earlier attempt had landed' : 'notice: posted', { channel, key });
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    if (claim) await claim.release(failed !== undefined && mayHaveLanded(failed));
  }
}

interface NoticeClaim {
  /** Give the claim up (`late`: the post got no answer; held LATE_POST_GRACE_MS more, then it lapses). */
  release(late: boolean): Promise<void>;
}

/**
 * Claim the posting of notice `key`: waits while another attempt holds it (until it is released or
 * lapses). Undefined when Redis cannot be asked (then: look and post unclaimed, as before claims).
 * Throws when the claim is still held after a whole lapse, or when the invocation would end before
 * the look and post (a notice job is tried again by Lambda).
 */
async function claimNotice(rt: Runtime, key: string): Promise<NoticeClaim | undefined> {
  const claimKey = workerKeys.noticeClaim(key);
  const token = randomUUID();
  const waitUntil = Date.now() + NOTICE_CLAIM_MS + NOTICE_CLAIM_POLL_MS * 4;
  // Waiting ends while the invocation still has the time to look and post (a notice job: Lambda tries it again).
  const lastAsk = (invocationDeadline() ?? Infinity) - NOTICE_POST_WITHIN_MS;
  for (let waited = false; ; waited = true) {
    const asked = Date.now();
    let got: string | null;
    try {
      got = await rt.redis.set(claimKey, token, 'PX', NOTICE_CLAIM_MS, 'NX');
    } catch (err) {
      rt.log.warn('notice: could not claim it; looking then posting unclaimed', { key, err });
      return undefined;
    }
    if (got === 'OK') {
      if (waited) rt.log.info('notice: another attempt held it; looking for it now', { key });
      return {
        release: async (late) => {
          // Ours for sure until NOTICE_CLAIM_MS after we asked (Redis set it no earlier); past that, let it lapse.
          if (Date.now() > asked + NOTICE_CLAIM_MS - NOTICE_CLAIM_MARGIN_MS) return;
          await (late ? rt.redis.set(claimKey, token, 'PX', LATE_POST_GRACE_MS, 'XX') : rt.redis.del(claimKey)).catch((err: unknown) =>
            rt.log.warn('notice: claim not released; it lapses by itself', { key, err }),
          );
        },
      };
    }
    if (Date.now() > waitUntil) throw new Error(`notice ${key}: another attempt still holds it; try again later`);
    if (Date.now() + NOTICE_CLAIM_POLL_MS > lastAsk) {
      rt.log.warn('notice: still claimed and the invocation ends soon; left to the next attempt', { key });
      throw new Error(`notice ${key}: another attempt still holds it and this invocation ends soon; try again later`);
    }
    if (!waited) rt.log.info('notice: another attempt is posting it; waiting for it', { key });
    await new Promise((r) => setTimeout(r, NOTICE_CLAIM_POLL_MS));
  }
}
