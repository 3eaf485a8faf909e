/**
 * An alert message Slack left behind when its incident was replaced: its last chat.update calls were
 * refused (429s, errors) or still waiting for their turn, and a new incident (a new message) opened
 * before the scheduled check caught it up, so the old message would show e.g. "1 task failed" while
 * 7 did, or never "recovered". signal-4.lua keeps the replaced incident as it ended (`b:<gen>` in
 * `alertbehind:{svc:E:S}`, at most 20, each for LATE_POST_MAX_MS); the scheduled check (tick.ts) takes them
 * (lua/behind-take-2.lua: a claim of BEHIND_CLAIM_MS, so a check that dies leaves it to a later one)
 * and updates each old message once to its final rendering, in its turn in the workspace's budget
 * of alert updates; done (or Slack says the message is gone), the entry is deleted; refused again,
 * the claim is given back and the next check tries again, until the entry expires (dropped with a
 * warning). An update in place notifies nobody and repeats nothing: the thread is left alone.
 * Kept too: an incident whose first post got no answer (its mark `u:post`, no ts) when it was replaced;
 * the check looks for that post by its key: found, it is brought to its end like the others (and dropped
 * from the newer message's earlier occurrences, finish-1.lua); not there, the entry goes.
 * Worker-only (loaded by tick.ts).
 */
import type { ResolvedService } from '../config/schema';
import type { Logger } from '../log';
import type { RedisClient } from '../redis/client';
import { keys } from '../redis/keys';
import { luaScript, runScript } from '../redis/scripts';
import type { Runtime } from '../runtime';
import { messageUnreachable } from '../slack/failures';
import { parseIncident } from './incident';
import { alertMessage } from './messages';
import { LATE_POST_MAX_MS } from './signals';
import { updateSlot } from './sync';
import { finishRender } from './store';
import { alertChannelFor } from './events';
import { LATE_POST_GRACE_MS } from '../slack/failures';
import behindTakeLua from './lua/behind-take-2.lua';

const TAKE = luaScript('alert_behind_take', 2, behindTakeLua);

/** Longer than the scheduled function may run, so two checks never update the same message at once. */
export const BEHIND_CLAIM_MS = 150_000;

/**
 * Take the service's messages left behind that are due (behind-take-2.lua: claimed for BEHIND_CLAIM_MS):
 * each replaced incident's gen and hash as it ended; `dropped`: entries a day old, deleted;
 * `overflow`: entries signal-4.lua dropped past its bound (20) since the last take.
 */
export async function takeBehind(
  redis: RedisClient,
  svc: Pick<ResolvedService, 'environment' | 'alias'>,
  now: number,
): Promise<{ dropped: number; overflow: number; taken: Array<{ gen: string; hash: string }> }> {
  const res = (await runScript(
    redis,
    TAKE,
    [keys.alertBehind(svc.environment, svc.alias), keys.alertMute(svc.environment, svc.alias)],
    [now, BEHIND_CLAIM_MS, LATE_POST_MAX_MS],
  )) as unknown[];
  const taken: Array<{ gen: string; hash: string }> = [];
  for (let i = 2; i + 1 < res.length; i += 2) taken.push({ gen: String(res[i]), hash: String(res[i + 1]) });
  return { dropped: Number(res[0] ?? 0), overflow: Number(res[1] ?? 0), taken };
}

/** Bring each replaced incident's message that Slack left behind to its final rendering, once. */
export async function catchUpBehind(rt: Runtime, svc: ResolvedService, log: Logger): Promise<void> {
  const hash = keys.alertBehind(svc.environment, svc.alias);
  const { dropped, overflow, taken } = await takeBehind(rt.redis, svc, rt.now());
  if (dropped > 0) log.warn('alert: earlier messages Slack kept refusing for a day stay as they were', { dropped });
  if (overflow > 0) log.warn('alert: earlier messages past the bound of those kept to catch up stay as they were', { dropped: overflow });
  for (const [n, { gen, hash: json }] of taken.entries()) {
    const settle = (done: boolean, g = gen) =>
      (done ? rt.redis.hdel(hash, `b:${g}`, `ba:${g}`, `bc:${g}`) : rt.redis.hdel(hash, `bc:${g}`)).catch((err: unknown) =>
        log.warn('alert: could not settle an earlier message’s catch-up', { gen: g, err }),
      );
    let view;
    let unsure = '';
    try {
      const h = JSON.parse(json) as Record<string, string>;
      view = parseIncident(h);
      unsure = h['u:post'] ?? '';
    } catch {
      view = undefined;
    }
    if (view && !view.ts && unsure) {
      // Its first post got no answer (marked u:post) and it was replaced before anyone looked: found, it
      // is brought to its end below; not there, the newer incident's message tells it (signal-4.lua e:<gen>).
      const found = await firstPostOf(rt, svc, view, Number(unsure), log);
      if (found === 'unknown') {
        await settle(false);
        continue;
      }
      if (!found) {
        log.info('alert: an earlier incident’s first post that got no answer had not landed; the newer message tells it', { gen });
        await settle(true);
        continue;
      }
      // It went after all: no longer the newer message's earlier occurrence (finish-1.lua, as for a late answer).
      await finishRender(rt.redis, svc, { gen: view.gen, rev: view.rev, mode: 'ok', ts: found.ts, channel: found.channel, now: rt.now() });
      view = { ...view, ...found };
    }
    if (!view?.ts || !view.channel) {
      await settle(true);
      continue;
    }
    if ((await updateSlot(rt, log)) === 'none') {
      // This one and those after it are given back: the next check tries them.
      for (const rest of taken.slice(n)) await settle(false, rest.gen);
      log.info('alert: an earlier message’s catch-up waits for the budget of alert updates', { gen });
      return;
    }
    try {
      await rt.slack.update(view.channel, view.ts, alertMessage(view, svc, rt.people.workspace));
      log.info('alert: an earlier incident’s message brought to its final state', { gen, channel: view.channel, ts: view.ts });
      await settle(true);
    } catch (err) {
      // Deleted or no longer editable: nothing to catch up. Else (429, an error) the next check tries again.
      const gone = messageUnreachable(err);
      log.warn('alert: an earlier incident’s message could not be brought up to date', { gen, gone, err });
      await settle(gone);
    }
  }
}

/**
 * The first post of replaced incident `view` that got no answer at `markedAt` (real time): its ts and
 * channel when it landed, null when it did not, 'unknown' when Slack could not be read (the next check looks again).
 */
async function firstPostOf(
  rt: Runtime,
  svc: ResolvedService,
  view: { gen: number; openedAt: number },
  markedAt: number,
  log: Logger,
): Promise<{ ts: string; channel: string } | null | 'unknown'> {
  const wait = markedAt + LATE_POST_GRACE_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, LATE_POST_GRACE_MS)));
  const channel = alertChannelFor(svc);
  try {
    const { alertPostKey } = await import('./keyed.run');
    const ts = await rt.slack.findPosted(channel, alertPostKey(svc, view.gen, view.openedAt));
    if (ts)
      log.info('alert: an earlier incident’s first post that got no answer had landed; bringing it to its end', { gen: view.gen, ts });
    return ts ? { ts, channel } : null;
  } catch (err) {
    log.warn('alert: could not tell whether an earlier incident’s first post landed; the next check looks again', { gen: view.gen, err });
    return 'unknown';
  }
}
