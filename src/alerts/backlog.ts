/**
 * Thread replies that did not reach Slack (issue: a follow-up lost in a storm). A reply the channel's
 * pace left out (no turn within REPLY_WAIT_MAX_MS, pacing.ts) or that Slack answered 429 and the
 * wait did not fit (src/slack/patient.run.ts) is kept in the service's backlog in Redis
 * (keys.alertBacklog, in the incident's slot; lua/backlog-add-1.lua), bounded (BACKLOG_MAX_LINES
 * lines, the rest counted) and expiring; the scheduled check (tick.ts) posts it as one reply in the
 * incident's thread ("3 more events while Slack was limiting the bot:"), paced like other replies,
 * and puts it back when that post does not go through either. Redis down: the reply is dropped as
 * before (the alert message counts its reason). Worker code only (pipeline.ts and tick.ts).
 */
import type { Logger } from '../log';
import type { RedisClient } from '../redis/client';
import { keys } from '../redis/keys';
import { ALERT_BACKLOG_LINES, ALERT_BACKLOG_LINE_MAX_BYTES, ALERT_BACKLOG_TTL_SECONDS, cutUtf8 } from '../redis/bounds';
import { luaScript, runScript } from '../redis/scripts';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { channelTurn } from './pacing';
import { backlogReply } from './replies';
import backlogAddLua from './lua/backlog-add-1.lua';

const ADD = luaScript('alert_backlog_add', 1, backlogAddLua);

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

/** Keep `lines` (standing for `n` events) for the scheduled check; `older`: they go before those kept (a put-back). */
export async function addToBacklog(redis: RedisClient, svc: Svc, at: BacklogThread, lines: string[], n = lines.length, older = false) {
  const res = (await runScript(
    redis,
    ADD,
    [keys.alertBacklog(svc.environment, svc.alias)],
    [at.gen, at.channel, at.ts, n, ALERT_BACKLOG_LINES, ALERT_BACKLOG_TTL_SECONDS * 1000, older ? '1' : '0', ...lines],
  )) as unknown[];
  return { n: Number(res[0]), kept: Number(res[1]) };
}

/** Take the service's backlog (read and removed in one MULTI); undefined when there is none. */
export async function takeBacklog(redis: RedisClient, svc: Svc): Promise<Backlog | undefined> {
  const key = keys.alertBacklog(svc.environment, svc.alias);
  const res = await redis.multi().hgetall(key).del(key).exec();
  const err = res?.[0]?.[0];
  if (err) throw err;
  const h = (res?.[0]?.[1] ?? {}) as Record<string, string>;
  const k = Number(h.k ?? 0);
  if (!h.ts || !h.channel || !(k > 0 || Number(h.n) > 0)) return undefined;
  const lines = Array.from({ length: k }, (_, i) => h[`l${i + 1}`] ?? '').filter(Boolean);
  return { gen: Number(h.gen), channel: h.channel, ts: h.ts, n: Math.max(Number(h.n) || 0, lines.length), lines };
}

/**
 * A reply that did not go (`why`): kept for the scheduled check. Redis failing too: dropped, logged
 * (the alert message still counts its reason).
 */
export async function deferReply(rt: Runtime, svc: Svc, at: BacklogThread, msg: SlackMessage, why: string, log: Logger): Promise<void> {
  try {
    const { n, kept } = await addToBacklog(rt.redis, svc, at, [backlogLine(msg)]);
    if (n < 0) log.warn('alert: thread reply dropped: a newer incident’s replies are waiting', { why });
    else log.info('alert: thread reply kept for the scheduled check', { why, waiting: n, kept });
  } catch (err) {
    log.warn('alert: thread reply dropped (the alert message counts it): it could not be kept for later', { why, err });
  }
}

/** The scheduled check: post the service's waiting replies as one reply in their thread, paced; put back when it does not go. */
export async function postBacklog(rt: Runtime, svc: Svc, log: Logger): Promise<void> {
  const b = await takeBacklog(rt.redis, svc);
  if (!b) return;
  const putBack = async (why: string) => {
    const back = await addToBacklog(rt.redis, svc, b, b.lines, b.n, true).catch((err: unknown) => {
      log.warn('alert: waiting thread replies lost: they could not be put back', { why, n: b.n, err });
      return undefined;
    });
    if (back && back.n < 0) log.warn('alert: waiting thread replies dropped: a newer incident’s replies are waiting', { why, n: b.n });
    else if (back) log.info('alert: waiting thread replies kept for the next check', { why, n: back.n });
  };
  if (!(await channelTurn(rt, b.channel, 'reply', log))) return putBack('channel busy');
  try {
    await rt.slack.post(b.channel, backlogReply(b.lines, b.n, rt.people.workspace), { threadTs: b.ts });
    log.info('alert: waiting thread replies posted', { n: b.n, lines: b.lines.length });
  } catch (err) {
    log.warn('alert: waiting thread replies not delivered; the next check tries again', { n: b.n, err });
    await putBack('not delivered');
  }
}
