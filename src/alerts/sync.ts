/**
 * Bring an incident's Slack message up to date: post it once, then chat.update it with the latest
 * state. Only the holder of the incident's lease (taken by a Lua script) runs this; it re-reads the
 * incident before every render and renders again while the incident kept changing, so the last
 * update carries the final count however many events arrived meanwhile. Updates after the first
 * render are spaced out, which folds a burst of events into a few updates (Slack allows about one
 * message per second per channel; a 429 is waited out by the Web API client using Retry-After).
 */
import type { ResolvedService } from '../config/schema';
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import { alertChannelFor } from './events';
import { alertMessage } from './messages';
import { finishRender, readIncident } from './store';

/** Pause between two renders of the same message. */
const UPDATE_SPACING_MS = 1_000;
/** Renders per lease; whatever changes later is picked up by the next event or the scheduled check. */
const MAX_ROUNDS = 10;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Post or update the message of incident generation `gen` while holding its lease; always hands the lease back. */
export async function syncIncident(rt: Runtime, svc: ResolvedService, gen: number, log: Logger): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (round > 0) await sleep(UPDATE_SPACING_MS);
    const view = await readIncident(rt.redis, svc);
    if (!view || view.gen !== gen) return;
    const msg = alertMessage(view, svc);
    let ts = view.ts;
    let channel = view.channel;
    const posting = !ts;
    try {
      if (!ts || !channel) {
        const res = await rt.slack.post(alertChannelFor(svc), msg);
        ts = res.ts;
        channel = res.channel;
        log.info('alert posted', { service: svc.alias, environment: svc.environment, channel, ts, count: view.count });
      } else {
        await rt.slack.update(channel, ts, msg);
      }
    } catch (err) {
      await finishRender(rt.redis, svc, { gen, rev: view.rev, mode: 'failed', now: rt.now() }).catch((e: unknown) =>
        log.warn('alert: could not hand back the lease', { err: e }),
      );
      log.error('alert not delivered to Slack; the next event or the scheduled check retries', {
        service: svc.alias,
        environment: svc.environment,
        posting,
        err,
      });
      return;
    }
    const done = await finishRender(rt.redis, svc, {
      gen,
      rev: view.rev,
      mode: 'ok',
      ts: posting ? ts : undefined,
      channel: posting ? channel : undefined,
      now: rt.now(),
    });
    if (done.status === 'duplicate') {
      log.warn('alert: another worker posted this incident too; keeping the first message', {
        service: svc.alias,
        kept: done.ts,
        extra: ts,
      });
      return;
    }
    if (done.status !== 'again') return;
  }
  // Still changing after MAX_ROUNDS: hand the lease back; the next event or the scheduled check renders the rest.
  const view = await readIncident(rt.redis, svc);
  if (view && view.gen === gen) await finishRender(rt.redis, svc, { gen, rev: view.rev, mode: 'failed', now: rt.now() });
}
