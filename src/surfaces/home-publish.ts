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
import type { ActionContext, SlackEventContext } from '../hooks/actions';
import { defineMessages } from '../i18n/catalog';
import { dispatchWithin, lookupWithin, noBudget, RESERVE, type ClickBudget } from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import { viewCallWithin } from '../slack/view-calls';
import { homeUnavailableView, homeView, HOME_UPDATED_BLOCK } from './home';
import { homeInputFor, readHomeState, type HomeState } from './home-data';
import markLua from './lua/mark-3.lua';
import releaseLua from './lua/release-2.lua';

const M = defineMessages('home-publish', {
  notRefreshed: {
    en: 'Slack did not confirm that your Home tab was refreshed. It may still change in a moment; if it does not, press Refresh again.',
    ko: 'Slack이 홈 탭을 새로 고쳤다고 확인해 주지 않았습니다. 곧 바뀔 수도 있으며, 바뀌지 않으면 새로 고침을 다시 누르세요.',
  },
});

/** How long the reader's language may take when their Home is published inside Slack's 3 seconds (users.info when not cached). */
export const HOME_LOCALE_MS = 500;
/** Each of the Home tab's two store round trips on opening: Redis's own timeout on the Slack-facing side (src/redis/client.ts). */
const HOME_STORE_MS = 1_000;
/** What publishing needs after the reader's language and role lookups: views.publish itself. */
const PUBLISH_RESERVE = RESERVE.openView;

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
/**
 * A reader shown the "store unavailable" view gets one re-publish handed to the worker per this long
 * (Lambda tries each for 3 minutes): during a long outage, opening the tab again and again (or
 * pressing Refresh) does not hand one job per opening. Held in this process (the store that could
 * share it is the one not answering), for at most REPUBLISH_READERS_MAX readers.
 */
const REPUBLISH_HOLD_MS = 60_000;
const REPUBLISH_READERS_MAX = 1000;
const republishHeld = new Map<string, number>();

/** Whether a re-publish for `user` is to be handed off now (then held for REPUBLISH_HOLD_MS). */
function takeRepublish(user: string, now: number): boolean {
  if ((republishHeld.get(user) ?? -Infinity) > now) return false;
  republishHeld.delete(user);
  // The oldest hold goes first (a Map keeps insertion order).
  if (republishHeld.size >= REPUBLISH_READERS_MAX) republishHeld.delete(republishHeld.keys().next().value!);
  republishHeld.set(user, now + REPUBLISH_HOLD_MS);
  return true;
}

export const homeJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('home-refresh'),
    id: z.string().min(1),
    /** Read the services' health from ECS first (asked when someone opened the Home tab). */
    status: z.boolean().optional(),
    /** This job holds the "scheduled" marker (it came from a change). */
    scheduled: z.boolean().optional(),
    /** Publish this reader's Home anew (they were shown the "store unavailable" view), not the viewers'. */
    user: z.string().min(1).optional(),
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
 *
 * `budget` (an event or a click inside Slack's 3 seconds; none in the worker): the reader's language,
 * the role lookups and views.publish are bounded by it, keeping `reserveMs` for what follows. A
 * publish that does not fit is left to go on in the background, and is not recorded as shown (only
 * a view Slack accepted in time is: a late one costs one re-publish at the next refresh).
 */
export async function publishHome(
  rt: Runtime,
  user: string,
  opts: { state?: HomeState; force?: boolean; budget?: ClickBudget; reserveMs?: number } = {},
): Promise<boolean> {
  const budget = opts.budget ?? noBudget();
  const reserveMs = opts.reserveMs ?? 0;
  const state = opts.state ?? (await readHomeState(rt));
  const locale = await rt.people.localeOf(
    user,
    budget.bounded ? { withinMs: budget.boundFor('homeLocale', HOME_LOCALE_MS, PUBLISH_RESERVE + reserveMs) } : {},
  );
  const lookups = lookupWithin(budget, WITHIN_ACK_TIMEOUT_MS, PUBLISH_RESERVE + reserveMs) ?? {};
  const view = homeView(await homeInputFor(rt, state, user, locale, lookups));
  const hash = viewHash(view);
  if (!opts.force && (await rt.redis.hget(keys.homeShown(), user)) === hash) return false;
  const publish = () => rt.slack.publishHome(user, view as unknown as Record<string, unknown>);
  // Without a budget (the worker) a failure throws as before; within one it is an outcome (the caller tells the clicker).
  const published = budget.bounded ? await viewCallWithin(budget, 'publishHome', reserveMs, publish) : (await publish(), { done: true });
  if (!published.done) {
    rt.log.warn('home: views.publish not done within the budget; not recorded as shown', { user, ...published });
    return false;
  }
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

/** Whether the services' health is stale (or missing) somewhere. */
function statusStale(rt: Runtime, state: HomeState): boolean {
  return Object.keys(rt.config.environments).some((e) => {
    const s = state.status.get(e);
    return !s || rt.now() - s.at > STATUS_FRESH_MS;
  });
}

/** When the services' health is stale (or missing), ask the worker to read it again: one refresh at a time. */
async function ensureStatusFresh(rt: Runtime, state: HomeState, budget: ClickBudget): Promise<void> {
  if (!statusStale(rt, state)) return;
  const claimed = await rt.redis.set(keys.envStatusRefreshing(), String(rt.now()), 'PX', STATUS_REFRESHING_TTL_MS, 'NX');
  if (claimed !== 'OK') return;
  try {
    await dispatchWithin(rt.dispatcher, { kind: 'home-refresh', id: jobId(rt, 'status'), status: true }, budget, 0);
  } catch (err) {
    await rt.redis.del(keys.envStatusRefreshing()).catch(() => undefined);
    throw err;
  }
}

/**
 * `app_home_opened` (Slack-facing): remember the viewer, publish from Redis at once, refresh the
 * health if stale; all within the delivery's budget (ctx.budget). The viewer's "last shown" record is
 * cleared in the same round trip as the opening is noted, so a publish that goes on past the budget
 * (and may or may not land) never leaves a record of a view Slack did not accept. Returns whether
 * Slack took the publish in time.
 */
export async function onHomeOpened(
  rt: Runtime,
  event: Record<string, unknown>,
  ctx: SlackEventContext = { budget: noBudget() },
): Promise<boolean> {
  if (event.tab !== 'home' || typeof event.user !== 'string') return false;
  const user = event.user;
  const now = rt.now();
  const { budget } = ctx;
  // The store's two round trips each get Redis's own timeout, cut so that publishing still fits.
  // A store that fails or does not answer in time gets a view that says so, not silence: Slack
  // would go on showing the last view, which looks current.
  const fromStore = async <T>(step: string, op: () => Promise<T>): Promise<T | undefined> => {
    try {
      const res = await budget.optional(step, HOME_STORE_MS, PUBLISH_RESERVE, op);
      return res.done ? res.value : undefined;
    } catch (err) {
      rt.log.warn('home: the store failed', { step, err });
      return undefined;
    }
  };
  const noted = await fromStore('homeViewer', async () => {
    const res = await rt.redis
      .pipeline()
      .zadd(keys.homeViewers(), now, user)
      .zremrangebyscore(keys.homeViewers(), '-inf', now - VIEWER_WINDOW_MS)
      // Bounded (src/redis/bounds.ts): the newest HOME_READERS_MAX openings are kept.
      .zremrangebyrank(keys.homeViewers(), 0, -HOME_READERS_MAX - 1)
      .pexpire(keys.homeViewers(), VIEWER_WINDOW_MS)
      .hdel(keys.homeShown(), user)
      .exec();
    const failed = res?.find(([err]) => err)?.[0];
    if (failed) throw failed;
    return true;
  });
  const state = noted && (await fromStore('homeState', () => readHomeState(rt)));
  if (!state) {
    const shown = await publishUnavailable(rt, user, budget);
    // That view cannot be recorded as shown, and the store may not have cleared the reader's last
    // record either, so a refresh after a change could skip them: the worker is handed a re-publish
    // for them, which fails while the store is down (Lambda tries it again a minute later). One per
    // reader per REPUBLISH_HOLD_MS: the one handed last is still being tried.
    if (takeRepublish(user, now))
      await dispatchWithin(rt.dispatcher, { kind: 'home-refresh', id: jobId(rt, 'reader'), user }, budget, 0).catch((err: unknown) => {
        republishHeld.delete(user);
        rt.log.warn('home: could not hand the re-publish to the worker', { user, err });
      });
    return shown;
  }
  // The health's hand-off, when it is stale, follows the publish: its reserve is kept.
  const reserveMs = statusStale(rt, state) ? RESERVE.handOff : 0;
  const published = await publishHome(rt, user, { state, force: true, budget, reserveMs });
  await ensureStatusFresh(rt, state, budget);
  return published;
}

/**
 * The Home tab saying the store is not answering (./home.ts homeUnavailableView), within the budget,
 * in the reader's language (from Slack: the cached one is in the store). Not recorded as shown (that
 * needs the store): onHomeOpened hands the worker a re-publish for the reader.
 */
async function publishUnavailable(rt: Runtime, user: string, budget: ClickBudget): Promise<boolean> {
  const locale = await rt.people.localeOf(user, {
    storeDown: true,
    ...(budget.bounded ? { withinMs: budget.boundFor('homeLocale', HOME_LOCALE_MS, PUBLISH_RESERVE) } : {}),
  });
  const view = homeUnavailableView(locale, rt.now());
  const publish = () => rt.slack.publishHome(user, view as unknown as Record<string, unknown>);
  const published = budget.bounded ? await viewCallWithin(budget, 'publishHome', 0, publish) : (await publish(), { done: true });
  if (!published.done) rt.log.warn('home: the "store unavailable" view was not published within the budget', { user, ...published });
  return published.done;
}

/** The Home tab's Refresh button: the same as opening it; the clicker is told when Slack did not take it in time. */
export async function refreshHomeFor(ctx: ActionContext): Promise<void> {
  const published = await onHomeOpened(ctx.rt, { tab: 'home', user: ctx.userId }, { budget: ctx.budget });
  if (!published && ctx.budget.bounded) await ctx.whisper(M.in(ctx.locale)('notRefreshed'));
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
  if (job.user) {
    await publishHome(rt, job.user, { force: true });
    return;
  }
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
