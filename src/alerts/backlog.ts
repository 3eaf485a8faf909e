/**
 * Thread replies that did not reach Slack (issue: a follow-up lost in a storm). A reply the channel's
 * pace left out (no turn within REPLY_WAIT_MAX_MS, pacing.ts) or that Slack answered 429 and the
 * wait did not fit (src/slack/patient.run.ts) is kept in the service's backlog in Redis
 * (keys.alertBacklog, in the incident's slot; lua/backlog-add-1.lua), per incident (up to
 * ALERT_BACKLOG_INCIDENTS: a new incident does not drop the lines of the one before, which still go
 * to that incident's thread), bounded (ALERT_BACKLOG_LINES lines, the rest counted) and expiring.
 * The scheduled check (tick.ts) posts each incident's lines as one reply in its thread ("3 more
 * events while Slack was limiting the bot:"), paced like other replies.
 *
 * Taking them is a claim (lua/backlog-take-2.lua), not a removal: the lines stay in Redis under the
 * check's token until its post is settled (lua/backlog-settle-1.lua: deleted once Slack took the
 * reply, given back when it did not). A check that dies in between (crash, timeout) leaves the
 * claim; once BACKLOG_CLAIM_MS is up the next check takes it over and posts it. A claim given back
 * (or taken over) is taken again only for ALERT_BACKLOG_TTL_SECONDS after a check first took it,
 * without renewing its expiry; then its lines are dropped and counted in the service's summary of
 * what could not be posted (with lines that made room or found none), which a check posts once Slack
 * answers ("3 events could not be posted here between X and Y"), retried for
 * ALERT_BACKLOG_LOST_TTL_SECONDS, then dropped (an error log): Slack refusing for good keeps nothing forever.
 * At least once, by choice: the lines are posted twice only if a check died after Slack took its reply and before the
 * claim was deleted, which is better than losing them. The service muted (mute:{svc:…}, checked in
 * the same script): what waits is dropped, logged with its count. Redis down: the reply is dropped
 * as before (the alert message counts its reason). Worker code only (pipeline.ts and tick.ts).
 *
 * Said once when Slack answers late: a reply whose own post got no answer waits as a keyed line
 * (keyedLine: its key and when), looked for in the thread before it is said; the check's reply is
 * keyed by its thread and `since` and, when it gets no answer, given back marked (`unsure`): the next
 * check looks for it first, and takes the claim again as it was (lines gathered since wait for the
 * next reply). A keyed line waiting alone (a rollback note, a reply that did not land) is said as itself.
 */
import type { Logger } from '../log';
import type { RedisClient } from '../redis/client';
import { keys } from '../redis/keys';
import { randomUUID } from 'node:crypto';
import {
  ALERT_BACKLOG_INCIDENTS,
  ALERT_BACKLOG_LINES,
  ALERT_BACKLOG_LINE_MAX_BYTES,
  ALERT_BACKLOG_LOST_TTL_SECONDS,
  ALERT_BACKLOG_TTL_SECONDS,
  cutUtf8,
} from '../redis/bounds';
import { luaScript, runScript } from '../redis/scripts';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { channelTurn } from './pacing';
import { backlogReply, lostReply } from './replies';
import { postOnce } from '../slack/keyed-post';
import { LATE_POST_GRACE_MS } from '../slack/failures';
import { section } from '../slack/blocks';
import { notificationText } from '../slack/text';
import backlogLua from './lua/includes/backlog.lua';
import backlogAddLua from './lua/backlog-add-1.lua';
import backlogTakeLua from './lua/backlog-take-2.lua';
import backlogSettleLua from './lua/backlog-settle-1.lua';

const ADD = luaScript('alert_backlog_add', 1, backlogAddLua, backlogLua);
const TAKE = luaScript('alert_backlog_take', 2, backlogTakeLua, backlogLua);
const SETTLE = luaScript('alert_backlog_settle', 1, backlogSettleLua);

/**
 * How long a scheduled check's claim on waiting lines lasts: longer than the scheduled function may
 * run (120 s, serverless.yml), so a live check's claim is never taken over; after it the check is
 * presumed dead (crash, timeout) and the next one posts its lines. test/unit/function-timeouts.test.ts
 * checks it against serverless.yml.
 */
export const BACKLOG_CLAIM_MS = 150_000;

type Svc = Pick<ResolvedService, 'alias' | 'environment'>;

/** Where the lines go: the incident (its generation) and its thread. */
export interface BacklogThread {
  gen: number;
  channel: string;
  ts: string;
}

export interface Backlog extends BacklogThread {
  /** Events waiting (the lines kept, and those past the cap). */
  n: number;
  lines: string[];
}

/** A reply as one mrkdwn line of the backlog (its sections), within ALERT_BACKLOG_LINE_MAX_BYTES (a section's 3 000 characters at most). */
export function backlogLine(msg: SlackMessage): string {
  const texts = msg.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
  const line = texts.length ? texts.join('\n') : msg.text;
  if (Buffer.byteLength(line, 'utf8') <= ALERT_BACKLOG_LINE_MAX_BYTES) return line;
  let cut = `${cutUtf8(line, ALERT_BACKLOG_LINE_MAX_BYTES - 8)}…`;
  // A log block cut in its middle: close its fence.
  if ((cut.match(/```/g) ?? []).length % 2 === 1) cut += '```';
  return cut;
}

/** Between the parts of a reply kept whole (keptReply): its notification text, then each section's text. */
const PART = '\u0002';

/**
 * A keyed reply kept whole, so that said alone by the check it is the same message (its sections and
 * its notification text), not one section rebuilt from its text: PART text PART section1 PART section2…
 * (replies are sections of mrkdwn text, src/alerts/replies.ts), within ALERT_BACKLOG_LINE_MAX_BYTES: the
 * last section (a reply's log lines) cut to fit. One that is not only such sections, or whose first parts
 * leave no room, is kept as one line (backlogLine).
 */
export function keptReply(msg: SlackMessage): string {
  const plain = msg.blocks.every(
    (b) => b.type === 'section' && b.text?.type === 'mrkdwn' && Object.keys(b).every((k) => k === 'type' || k === 'text'),
  );
  const texts = plain ? msg.blocks.map((b) => (b.type === 'section' && b.text ? b.text.text : '')) : [];
  if (texts.length === 0 || `${msg.text}${texts.join('')}`.includes(PART)) return backlogLine(msg);
  const head = [msg.text, ...texts.slice(0, -1)].map((t) => PART + t).join('');
  const room = ALERT_BACKLOG_LINE_MAX_BYTES - Buffer.byteLength(head, 'utf8') - 1;
  const last = texts[texts.length - 1]!;
  if (Buffer.byteLength(last, 'utf8') <= room) return `${head}${PART}${last}`;
  if (room < 200) return backlogLine(msg);
  let cut = `${cutUtf8(last, room - 8)}…`;
  if ((cut.match(/```/g) ?? []).length % 2 === 1) cut += '```';
  return `${head}${PART}${cut}`;
}

/** Keep `lines` (standing for `n` events) of the incident `at` for the scheduled check. */
export async function addToBacklog(redis: RedisClient, svc: Svc, at: BacklogThread, lines: string[], n = lines.length, now = Date.now()) {
  const res = (await runScript(
    redis,
    ADD,
    [keys.alertBacklog(svc.environment, svc.alias)],
    [
      at.gen,
      at.channel,
      at.ts,
      n,
      ALERT_BACKLOG_LINES,
      ALERT_BACKLOG_TTL_SECONDS * 1000,
      ALERT_BACKLOG_INCIDENTS,
      now,
      ALERT_BACKLOG_LOST_TTL_SECONDS * 1000,
      ...lines,
    ],
  )) as unknown[];
  return { n: Number(res[0]), kept: Number(res[1]), dropped: { gen: Number(res[2]), n: Number(res[3]) } };
}

/** The key of a reply `id` in the thread `threadTs` (an alert message's ts: unique in its channel; PostOptions.key). */
export const replyKey = (threadTs: string, id: string): string => `alert:${threadTs}:${id}`;

/**
 * A reply kept with its key (PostOptions.key) and `at`: when its post got no answer (ms, real time; it
 * may have been said, so the check looks for it in the thread before saying it), 0 when Slack
 * refused it (not said). Waiting alone (a rollback note), it is said as itself, keyed. Stored as one line:
 * \u0001key\u0001when\u0001text.
 */
export function keyedLine(key: string, text: string, at: number): string {
  return `\u0001${key}\u0001${at}\u0001${text}`;
}

/**
 * A backlog line's text (a reply kept whole: its sections' texts, one per line), its key and when it was
 * kept when it is a keyed line, and the reply itself when it was kept whole (keptReply).
 */
export function parseLine(line: string): { text: string; key?: string; at?: number; reply?: { text: string; sections: string[] } } {
  const SEP = '\u0001';
  if (!line.startsWith(SEP)) return { text: line };
  const k = line.indexOf(SEP, 1);
  const t = k < 0 ? -1 : line.indexOf(SEP, k + 1);
  if (t < 0) return { text: line };
  const key = line.slice(1, k);
  const at = Number(line.slice(k + 1, t)) || 0;
  const rest = line.slice(t + 1);
  if (!rest.startsWith(PART)) return { key, at, text: rest };
  const [text = '', ...sections] = rest.slice(1).split(PART);
  return { key, at, text: sections.join('\n'), reply: { text, sections } };
}

/** Lines a scheduled check took (a claim on them until `BACKLOG_CLAIM_MS` is up, settled with settleBacklog). */
export interface BacklogClaim extends Backlog {
  token: string;
  /** When a check first took them (ms): with the thread, the key of their reply across retries. */
  since: number;
  /** When their reply got no answer (ms, real time; '' when it did not): looked for before it is said again. */
  unsure: string;
  /** Taken over from a check presumed dead (its claim's time was up): it may have posted them already. */
  takenOver: boolean;
}

/** The summary of replies that could not be posted (their claim retried for ALERT_BACKLOG_TTL_SECONDS), between `from` and `to`. */
export interface LostClaim extends BacklogThread {
  n: number;
  from: number;
  to: number;
  since: number;
  /** When its post got no answer (ms, real time; absent when it did not): looked for before it is said again. */
  unsure?: string;
  token: string;
  takenOver: boolean;
}

type TakeResult =
  | { status: 'none' | 'busy' }
  | { status: 'muted' | 'expired' | 'gone'; n: number }
  | ({ status: 'ok' } & BacklogClaim)
  | ({ status: 'lost' } & LostClaim);

/**
 * Take the oldest incident's waiting lines (or a claim given back, or one whose check is gone) as a
 * claim of `token` (lua/backlog-take-2.lua); the service muted: everything waiting is dropped (`muted`).
 * A claim given back (or taken over) is taken again only until ALERT_BACKLOG_TTL_SECONDS have passed
 * since a check first took it, without renewing its expiry; then its lines are counted in the
 * summary (`expired`, nothing taken). The summary is taken (`lost`) once no incident's lines wait,
 * and dropped (`gone`) ALERT_BACKLOG_LOST_TTL_SECONDS after its first count.
 */
export async function takeBacklog(redis: RedisClient, svc: Svc, now: number, token: string = randomUUID()): Promise<TakeResult> {
  const res = (await runScript(
    redis,
    TAKE,
    [keys.alertBacklog(svc.environment, svc.alias), keys.alertMute(svc.environment, svc.alias)],
    [now, BACKLOG_CLAIM_MS, token, ALERT_BACKLOG_LINES, ALERT_BACKLOG_TTL_SECONDS * 1000, ALERT_BACKLOG_LOST_TTL_SECONDS * 1000],
  )) as unknown[];
  const status = String(res[0]);
  if (status === 'muted' || status === 'expired' || status === 'gone') return { status, n: Number(res[1]) };
  if (status === 'lost') {
    const [gen, channel, ts, n, takenOver, from, to, since] = res.slice(1, 9).map(String);
    return {
      status,
      gen: Number(gen),
      channel: channel!,
      ts: ts!,
      n: Number(n),
      takenOver: takenOver === '1',
      from: Number(from),
      to: Number(to),
      since: Number(since),
      ...(res[9] ? { unsure: String(res[9]) } : {}),
      token,
    };
  }
  if (status !== 'ok') return { status: status as 'none' | 'busy' };
  const lines = res.slice(8).map(String).filter(Boolean);
  return {
    status,
    gen: Number(res[1]),
    channel: String(res[2]),
    ts: String(res[3]),
    n: Math.max(Number(res[4]) || 0, lines.length),
    takenOver: String(res[5]) === '1',
    since: Number(res[6]),
    unsure: res[7] === null || res[7] === undefined ? '' : String(res[7]),
    lines,
    token,
  };
}

/**
 * Settle the claim `token`: `posted` deletes it, `back` gives it back for the next check, `unsure` too
 * with its post marked as having got no answer (lua/backlog-settle-1.lua). False: it is not this check's any more.
 */
export async function settleBacklog(redis: RedisClient, svc: Svc, token: string, how: 'posted' | 'back' | 'unsure'): Promise<boolean> {
  return Number(await runScript(redis, SETTLE, [keys.alertBacklog(svc.environment, svc.alias)], [token, how, Date.now()])) === 1;
}

/**
 * The incident whose alert message is `alert`: the service's incident, or the one it replaced (`prev`,
 * signal-4.lua: a note on its way when a new incident opened still finds its thread); undefined for an
 * older message. Where a note about that message waits (deferReply) for the scheduled check.
 */
export async function incidentOfMessage(
  redis: RedisClient,
  svc: Svc,
  alert: { channel: string; ts: string },
): Promise<{ gen: number; replaced: boolean } | undefined> {
  const [gen, ts, channel, prev] = await redis.hmget(keys.incident(svc.environment, svc.alias), 'gen', 'ts', 'channel', 'prev');
  if (gen && ts === alert.ts && channel === alert.channel) return { gen: Number(gen), replaced: false };
  const [pg, pc, pts] = (prev ?? '').split('|');
  if (pg && pts === alert.ts && pc === alert.channel) return { gen: Number(pg), replaced: true };
  return undefined;
}

/**
 * A reply that did not go (`why`): kept for the scheduled check. Redis failing too: dropped, logged
 * (the alert message still counts its reason).
 */
export async function deferReply(
  rt: Runtime,
  svc: Svc,
  at: BacklogThread,
  msg: SlackMessage,
  why: string,
  log: Logger,
  keyed?: { key: string; unanswered: boolean },
): Promise<void> {
  try {
    const line = keyed ? keyedLine(keyed.key, keptReply(msg), keyed.unanswered ? Date.now() : 0) : backlogLine(msg);
    const { n, kept, dropped } = await addToBacklog(rt.redis, svc, at, [line], 1, rt.now());
    if (n < 0) log.warn('alert: thread reply not kept (newer incidents’ replies fill the backlog); counted in the summary', { why });
    else log.info('alert: thread reply kept for the scheduled check', { why, waiting: n, kept });
    if (dropped.gen > 0)
      log.warn('alert: waiting thread replies of an older incident dropped to make room; counted in the summary', {
        gen: dropped.gen,
        n: dropped.n,
      });
  } catch (err) {
    log.warn('alert: thread reply dropped (the alert message counts it): it could not be kept for later', { why, err });
  }
}

/**
 * The scheduled check: post each incident's waiting replies as one reply in that incident's thread
 * (an earlier incident's under its own message), paced; a post that does not go gives its claim
 * back for the next check. The service muted: the waiting replies are dropped (logged, counted).
 */
export async function postBacklog(rt: Runtime, svc: Svc, log: Logger): Promise<void> {
  // A claim given back or taken over, then each incident waiting, then the summary of what could not be posted.
  for (let i = 0; i <= ALERT_BACKLOG_INCIDENTS + 1; i++) {
    if (!(await postOneBacklog(rt, svc, log))) return;
  }
}

/** Take one incident's waiting replies and post them; true when posted (the next may follow). */
async function postOneBacklog(rt: Runtime, svc: Svc, log: Logger): Promise<boolean> {
  const t = await takeBacklog(rt.redis, svc, rt.now());
  if (t.status === 'muted') {
    log.info('alert: waiting thread replies dropped: the service is muted', { n: t.n });
    return false;
  }
  if (t.status === 'expired') {
    log.warn('alert: waiting thread replies dropped: Slack did not take them for as long as they may wait; counted in the summary', {
      n: t.n,
      waitedMaxSec: ALERT_BACKLOG_TTL_SECONDS,
    });
    return true; // the next incident's lines, if any, have their own time
  }
  if (t.status === 'gone') {
    log.error('alert: the summary of thread replies that could not be posted is dropped: Slack did not take it for a day', {
      n: t.n,
      waitedMaxSec: ALERT_BACKLOG_LOST_TTL_SECONDS,
    });
    return true;
  }
  if (t.status !== 'ok' && t.status !== 'lost') {
    if (t.status === 'busy') log.info('alert: waiting thread replies are being posted by another check');
    return false;
  }
  const b = t;
  let n = b.n;
  let reply: SlackMessage;
  // The reply's key: the thread and when a check first took these lines (the same across retries).
  let key = replyKey(b.ts, `${b.status === 'lost' ? 'lost' : 'bl'}:${b.since}`);
  if (b.status === 'ok') {
    // Replies whose own post got no answer may have landed: looked for in the thread first.
    const left: Array<ReturnType<typeof parseLine>> = [];
    for (const line of b.lines) {
      const l = parseLine(line);
      if (l.key && l.at && (await saidAlready(rt, b.channel, b.ts, l.key, l.at, log))) n -= 1;
      else left.push(l);
    }
    if (left.length === 0 && n <= 0) {
      await settleBacklog(rt.redis, svc, b.token, 'posted').catch(() => false);
      return true;
    }
    const alone = left.length === 1 && n === 1 ? left[0]! : undefined;
    if (alone?.key) {
      // A keyed reply waiting alone (a rollback note) is said as itself, under its own key.
      key = alone.key;
      // Kept whole (keptReply): the same message; a line kept before that, its text in one section.
      reply = alone.reply
        ? { text: alone.reply.text, blocks: alone.reply.sections.map((t) => section(t)), locale: rt.people.workspace }
        : { text: notificationText(alone.text), blocks: [section(alone.text)], locale: rt.people.workspace };
    } else
      reply = backlogReply(
        left.map((l) => l.text),
        n,
        rt.people.workspace,
      );
  } else reply = lostReply(b.n, b.from, b.to, rt.people.workspace);
  if (b.takenOver)
    log.warn('alert: waiting thread replies taken over from a check that did not finish (posted again if it had posted them)', { n: b.n });
  let unsure = false;
  const giveBack = async (why: string) => {
    const ok = await settleBacklog(rt.redis, svc, b.token, unsure ? 'unsure' : 'back').catch((err: unknown) => {
      log.warn('alert: waiting thread replies could not be given back; the next checks take them once their claim is up', {
        why,
        n: b.n,
        err,
      });
      return true;
    });
    if (ok) log.info('alert: waiting thread replies kept for the next check', { why, n: b.n });
    return false;
  };
  if (!(await channelTurn(rt, b.channel, 'reply', log))) return giveBack('channel busy');
  try {
    // Keyed, and marked in the claim when it gets no answer (backlog-settle-1.lua 'unsure'): the next check looks first.
    const claimed = b.unsure ?? '';
    await postOnce(rt, reply, {
      channel: b.channel,
      threadTs: b.ts,
      key,
      mark: {
        read: async () => claimed || null,
        set: async () => (unsure = true),
        clear: async () => undefined,
      },
      ctx: { post: 'alert backlog', gen: b.gen },
    });
  } catch (err) {
    log.warn('alert: waiting thread replies not delivered; the next check tries again', { n: b.n, err });
    return giveBack('not delivered');
  }
  log.info(
    b.status === 'lost' ? 'alert: summary of thread replies that could not be posted posted' : 'alert: waiting thread replies posted',
    {
      n: b.n,
      gen: b.gen,
    },
  );
  // Redis failing here leaves the claim: a later check takes it over and posts it again (at least once).
  if (!(await settleBacklog(rt.redis, svc, b.token, 'posted')))
    log.warn('alert: waiting thread replies posted after their claim was up: another check may post them too', { n: b.n });
  return true;
}

/**
 * Whether the reply `key` (kept because its post got no answer, at `at`, real time) is in the thread:
 * looked for at least LATE_POST_GRACE_MS after. A look that fails says no (said twice rather than never).
 */
async function saidAlready(rt: Runtime, channel: string, threadTs: string, key: string, at: number, log: Logger): Promise<boolean> {
  const wait = at + LATE_POST_GRACE_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, LATE_POST_GRACE_MS)));
  try {
    const ts = await rt.slack.findPosted(channel, key, threadTs);
    if (ts) log.info('alert: a thread reply that got no answer had landed; not posting it again', { key, ts });
    return !!ts;
  } catch (err) {
    log.warn('alert: could not tell whether a thread reply that got no answer landed; posting it (twice rather than never)', { key, err });
    return false;
  }
}
