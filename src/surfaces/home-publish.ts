/**
 * Publishing the Home tab.
 *
 * - Opened (`app_home_opened`, the Slack-facing function): the reader is remembered as a viewer
 *   and their Home is published at once from Redis; when the services' health is older than a
 *   minute, the worker is asked to read it again (one refresh at a time).
 * - Changed (a request created, decided or finished, a lock or freeze, an incident, a rollout's
 *   progress; announced through src/hooks/events.ts): one Redis script marks it and, unless a
 *   refresh is already on its way, hands one to the worker. Never more than the mark and that
 *   hand-off happens where the change happened, so an ack is never held up by a publish.
 * - The refresh (worker): reads the shared state once and publishes for each recent viewer whose
 *   view changed (a hash of the view without its "Updated" line), so only the people concerned
 *   get a new view; changes during the refresh get one more pass.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { keys } from '../redis/keys';
import { HOME_READERS_MAX } from '../redis/bounds';
import { luaScript, runScript } from '../redis/scripts';
import type { Runtime } from '../runtime';
import type { Change } from '../hooks/events';
import { homeView, HOME_UPDATED_BLOCK } from './home';
import { homeInputFor, readHomeState, type HomeState } from './home-data';
import { readerLocale } from './locale';
import markLua from './lua/mark-3.lua';
import releaseLua from './lua/release-2.lua';

const MARK = luaScript('home_mark', 3, markLua);
const RELEASE = luaScript('home_release', 2, releaseLua);

/** People who opened the Home tab within this long get it refreshed when something changes. */
export const VIEWER_WINDOW_MS = 14 * 24 * 3600_000;
/** At most this many recent viewers are refreshed per pass (most recent first). */
const MAX_VIEWERS = 100;
/** The services' health older than this is read again when someone opens the Home tab. */
export const STATUS_FRESH_MS = 60_000;
/** "A refresh is on its way" expires after this, in case the worker never ran it. */
const SCHEDULED_TTL_MS = 60_000;
const DIRTY_TTL_SECONDS = 3600;
/** One environment-status refresh at a time. */
const STATUS_REFRESHING_TTL_MS = 30_000;
/** Passes of one refresh job before it hands over to a new one. */
const MAX_PASSES = 3;

export const homeJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('home-refresh'),
    id: z.string().min(1),
    /** Read the services' health from ECS first (asked when someone opened the Home tab). */
    status: z.boolean().optional(),
    /** This job holds the "scheduled" marker (it came from a change). */
    scheduled: z.boolean().optional(),
  }),
);
export type HomeJob = z.infer<typeof homeJobSchema>;

function viewHash(view: { blocks: ReadonlyArray<{ block_id?: string }> }): string {
  const stable = view.blocks.filter((b) => b.block_id !== HOME_UPDATED_BLOCK);
  return createHash('sha1').update(JSON.stringify(stable)).digest('hex');
}

function jobId(rt: Runtime, what: string): string {
  return `home-${what}-${rt.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Build and publish one reader's Home tab. Without `force`, nothing is sent when the view is the
 * same as the one they were last shown. Returns whether it was published.
 */
export async function publishHome(rt: Runtime, user: string, opts: { state?: HomeState; force?: boolean } = {}): Promise<boolean> {
  const state = opts.state ?? (await readHomeState(rt));
  const locale = await readerLocale(rt, user);
  const view = homeView(await homeInputFor(rt, state, user, locale));
  const hash = viewHash(view);
  if (!opts.force && (await rt.redis.hget(keys.homeShown(), user)) === hash) return false;
  await rt.slack.publishHome(user, view as unknown as Record<string, unknown>);
  // One field per reader; the hash lives as long as someone keeps being shown the Home tab (a lost hash only costs one re-publish).
  const res = await rt.redis
    .pipeline()
    .hset(keys.homeShown(), user, hash)
    .pexpire(keys.homeShown(), VIEWER_WINDOW_MS)
    .hlen(keys.homeShown())
    .exec();
  // Bounded (src/redis/bounds.ts): past HOME_READERS_MAX readers the hash starts over (each costs one re-publish).
  if (Number(res?.[2]?.[1]) > HOME_READERS_MAX) await rt.redis.del(keys.homeShown());
  return true;
}

/** When the services' health is stale (or missing), ask the worker to read it again: one refresh at a time. */
async function ensureStatusFresh(rt: Runtime, state: HomeState): Promise<void> {
  const stale = Object.keys(rt.config.environments).some((e) => {
    const s = state.status.get(e);
    return !s || rt.now() - s.at > STATUS_FRESH_MS;
  });
  if (!stale) return;
  const claimed = await rt.redis.set(keys.envStatusRefreshing(), String(rt.now()), 'PX', STATUS_REFRESHING_TTL_MS, 'NX');
  if (claimed !== 'OK') return;
  try {
    await rt.dispatcher.dispatch({ kind: 'home-refresh', id: jobId(rt, 'status'), status: true });
  } catch (err) {
    await rt.redis.del(keys.envStatusRefreshing()).catch(() => undefined);
    throw err;
  }
}

/** `app_home_opened` (Slack-facing): remember the viewer, publish from Redis at once, refresh the health if stale. */
export async function onHomeOpened(rt: Runtime, event: Record<string, unknown>): Promise<void> {
  if (event.tab !== 'home' || typeof event.user !== 'string') return;
  const user = event.user;
  const now = rt.now();
  await rt.redis
    .pipeline()
    .zadd(keys.homeViewers(), now, user)
    .zremrangebyscore(keys.homeViewers(), '-inf', now - VIEWER_WINDOW_MS)
    // Bounded (src/redis/bounds.ts): the newest HOME_READERS_MAX openings are kept.
    .zremrangebyrank(keys.homeViewers(), 0, -HOME_READERS_MAX - 1)
    .pexpire(keys.homeViewers(), VIEWER_WINDOW_MS)
    .exec();
  const state = await readHomeState(rt);
  await publishHome(rt, user, { state, force: true });
  await ensureStatusFresh(rt, state);
}

/** The Home tab's Refresh button: the same as opening it. */
export async function refreshHomeFor(rt: Runtime, user: string): Promise<void> {
  await onHomeOpened(rt, { tab: 'home', user });
}

/** The change listener: mark, and hand one refresh to the worker unless one is on its way. */
export async function onChange(change: Change, rt: Runtime): Promise<void> {
  const res = Number(
    await runScript(
      rt.redis,
      MARK,
      [keys.homeViewers(), keys.homeDirty(), keys.homeScheduled()],
      [rt.now() - VIEWER_WINDOW_MS, SCHEDULED_TTL_MS, DIRTY_TTL_SECONDS],
    ),
  );
  if (res !== 1) return;
  try {
    await rt.dispatcher.dispatch({ kind: 'home-refresh', id: jobId(rt, 'change'), scheduled: true });
  } catch (err) {
    // The tick schedules it again once the marker expires.
    rt.log.warn('home: could not hand the refresh to the worker', { what: change.what, err });
  }
}

/** Publish for every recent viewer whose Home changed. Returns how many were published. */
async function publishAll(rt: Runtime): Promise<number> {
  const viewers = await rt.redis.zrevrangebyscore(keys.homeViewers(), '+inf', rt.now() - VIEWER_WINDOW_MS, 'LIMIT', 0, MAX_VIEWERS);
  if (!viewers.length) return 0;
  const state = await readHomeState(rt);
  let published = 0;
  for (const user of viewers) {
    try {
      if (await publishHome(rt, user, { state })) published++;
    } catch (err) {
      rt.log.warn('home: could not publish', { user, err });
    }
  }
  return published;
}

/** The 'home-refresh' job (worker). */
export async function runHomeJob(job: HomeJob, rt: Runtime): Promise<void> {
  if (job.status) {
    try {
      await (await import('./home.run')).refreshEnvironmentStatus(rt);
    } finally {
      await rt.redis.del(keys.envStatusRefreshing()).catch(() => undefined);
    }
  }
  if (!job.scheduled) {
    const published = await publishAll(rt);
    rt.log.info('home: refreshed', { published, status: job.status === true });
    return;
  }
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    await rt.redis.del(keys.homeDirty());
    const published = await publishAll(rt);
    rt.log.info('home: refreshed after a change', { published, pass });
    const again = Number(await runScript(rt.redis, RELEASE, [keys.homeDirty(), keys.homeScheduled()], [SCHEDULED_TTL_MS]));
    if (again !== 1) return;
  }
  // Still changing: the next job carries on (this one holds the marker it took again).
  await rt.dispatcher.dispatch({ kind: 'home-refresh', id: jobId(rt, 'change'), scheduled: true });
}

/** The tick: a change whose refresh was never handed off (the marker expired) is refreshed now. */
export async function homeTick(rt: Runtime): Promise<void> {
  if (!(await rt.redis.exists(keys.homeDirty()))) return;
  await onChange({ what: 'request' }, rt);
}
