/**
 * Bring an incident's Slack message up to date: post it once, then chat.update it with the latest
 * state. Only the holder of the incident's lease (taken by a Lua script: signal-4, claim-2, ack-1)
 * runs this, so concurrent event Lambdas never both render; it re-reads the incident before every
 * render and renders again while the incident kept changing, so the last update carries the final
 * state however many events arrived meanwhile.
 *
 * Coalescing (issue 10 item 12): an update waits until UPDATE_EVERY_MS after the message was last
 * shown (`shownAt`, recorded by finish-1.lua), so a message is updated at most once per
 * UPDATE_EVERY_MS whatever the rate of events. Events arriving meanwhile find the lease held and
 * only count; the holder's trailing render picks them up (finish-1 says `again` when `rev` moved
 * during the render). The first post is never delayed, nor is a render a person asked for ("I'm on
 * it": `immediate`). Every update also reserves a turn in the workspace's budget of alert updates
 * (store.ts reserveUpdateTurn), so many incidents at once stay within Slack's chat.update limit; an
 * update whose turn is further off than the spacing is left to the next event or the scheduled
 * check. A first post also takes its turn in the channel's pace of posts (pacing.ts), as thread
 * replies do; one whose turn is too far off is left to the next event or the scheduled check too.
 * A first post is keyed by the incident (keyed.run.ts, loaded lazily: not in dist/slack.js): one that
 * got no answer is marked in the incident's hash, and the next attempt looks for it in the channel
 * before posting it again; found, it is the message, rendered again (it shows the earlier attempt's state).
 * A 429 is waited out by the worker's Slack client only when its Retry-After fits (at most 30 s,
 * ending 5 s before the event's budget or the invocation does: src/slack/patient.run.ts);
 * otherwise the post or update fails at once and the lease is handed back as failed, so the next
 * event or the scheduled check (claim-2.lua) renders it.
 */
import type { ResolvedService } from '../config/schema';
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { alertChannelFor } from './events';
import { alertMessage, continuedAlertMessage } from './messages';
import { channelTurn, waitForTurn } from './pacing';
import { finishRender, readIncident, reserveUpdateTurn } from './store';

/** At most one chat.update per incident this often. */
export const UPDATE_EVERY_MS = 3_000;
/** Renders per lease (about MAX_ROUNDS × UPDATE_EVERY_MS of a Lambda); what changes later is picked up by the next event or the scheduled check. */
const MAX_ROUNDS = 5;

/**
 * Post or update the message of incident generation `gen` while holding its lease; always hands the lease back.
 * `adopt`: instead of posting, take over this message (the one this process posted for the service while
 * Redis was unreachable, pipeline.ts): it becomes the incident's message. When Slack refuses to update
 * it (deleted meanwhile), a new message is posted as usual.
 */
export async function syncIncident(
  rt: Runtime,
  svc: ResolvedService,
  gen: number,
  log: Logger,
  opts: { immediate?: boolean; adopt?: { channel: string; ts: string } } = {},
): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let view = await readIncident(rt.redis, svc);
    if (!view || view.gen !== gen) return;
    if (view.ts && view.shownAt !== undefined && !(round === 0 && opts.immediate)) {
      const wait = view.shownAt + UPDATE_EVERY_MS - rt.now();
      if (wait > 0) {
        await rt.sleep(wait);
        view = await readIncident(rt.redis, svc);
        if (!view || view.gen !== gen) return;
      }
    }
    // An update takes its turn in the workspace's budget (a post, or a render someone asked for, does not).
    if (view.ts && view.channel && !(round === 0 && opts.immediate)) {
      const slot = await updateSlot(rt, log);
      if (slot === 'none') {
        await finishRender(rt.redis, svc, { gen, rev: view.rev, mode: 'failed', now: rt.now() }).catch((e: unknown) =>
          log.warn('alert: could not hand back the lease', { err: e }),
        );
        log.info(
          'alert update deferred: the workspace’s budget of alert updates is spent; the next event or the scheduled check renders it',
          {
            service: svc.alias,
            environment: svc.environment,
          },
        );
        return;
      }
      if (slot === 'waited') {
        view = await readIncident(rt.redis, svc);
        if (!view || view.gen !== gen) return;
      }
    }
    const msg = alertMessage(view, svc, rt.people.workspace);
    let ts = view.ts;
    let channel = view.channel;
    const posting = !ts;
    let adopted = false;
    let found = false;
    try {
      if (!ts || !channel) {
        const adopt = opts.adopt;
        adopted = !!adopt && (await takeOver(rt, adopt, msg, log));
        if (adopt && adopted) {
          ({ ts, channel } = adopt);
          log.info('alert: the message posted while Redis was unreachable now shows the incident', { service: svc.alias, channel, ts });
        } else {
          // A first post takes its turn in the channel (pacing.ts); none within its wait: the scheduled check posts it.
          if (!(await channelTurn(rt, alertChannelFor(svc), 'post', log))) {
            await finishRender(rt.redis, svc, { gen, rev: view.rev, mode: 'failed', now: rt.now() });
            return;
          }
          // Keyed by the incident: a post that got no answer is looked for before it is said again (keyed.run.ts).
          const res = await (await import('./keyed.run')).postAlertOnce(rt, svc, view, alertChannelFor(svc), msg);
          ts = res.ts;
          channel = res.channel;
          found = res.found;
          log.info('alert posted', { service: svc.alias, environment: svc.environment, channel, ts, count: view.count, found });
        }
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
      // Found (an earlier attempt's post): it shows what that attempt said, so it is rendered again (`again`).
      rev: found ? -1 : view.rev,
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
      // A taken-over message was people's alert already: it points at the one kept instead of going quiet.
      if (adopted && ts && channel) {
        const kept = { channel: (await readIncident(rt.redis, svc))?.channel ?? alertChannelFor(svc), ts: done.ts };
        await rt.slack
          .update(channel, ts, continuedAlertMessage(view, svc, rt.people.workspace, kept))
          .catch((err: unknown) => log.warn('alert: could not point the earlier message at the incident', { err }));
      }
      return;
    }
    if (done.status !== 'again') return;
  }
  // Still changing after MAX_ROUNDS: hand the lease back; the next event or the scheduled check renders the rest.
  const view = await readIncident(rt.redis, svc);
  if (view && view.gen === gen) await finishRender(rt.redis, svc, { gen, rev: view.rev, mode: 'failed', now: rt.now() });
}

/** Update `at` (a message posted while Redis was unreachable) to `msg`; false when Slack refused (it was deleted, …). */
async function takeOver(rt: Runtime, at: { channel: string; ts: string }, msg: SlackMessage, log: Logger): Promise<boolean> {
  try {
    await rt.slack.update(at.channel, at.ts, msg);
    return true;
  } catch (err) {
    log.warn('alert: the message posted while Redis was unreachable could not be taken over; posting a new one', { err });
    return false;
  }
}

/**
 * A turn in the workspace's budget of alert updates (store.ts reserveUpdateTurn): `now`; `waited` when
 * the turn reserved came within UPDATE_EVERY_MS and this waited for it; `none` when it is further
 * (the update is left to the next event or the scheduled check). Without Redis's answer: `now`.
 */
export async function updateSlot(rt: Runtime, log: Logger): Promise<'now' | 'waited' | 'none'> {
  const { alertUpdatesPerMinute: perMinute, alertUpdatesBurst: burst } = rt.config.limits;
  try {
    return await waitForTurn(rt, (now, max) => reserveUpdateTurn(rt.redis, now, max, perMinute, burst), UPDATE_EVERY_MS);
  } catch (err) {
    log.warn('alert: the budget of alert updates could not be read; updating anyway', { err });
    return 'now';
  }
}
