/**
 * Whose language a message is written in. What everyone sees is in the workspace's language
 * (`slack.language` in chatops.yml); what only one person sees (ephemeral answers, errors to one
 * person, direct messages) is in that person's own Slack language when it is one the bot writes.
 *
 * A person's Slack locale comes from users.info (include_locale) and is cached in Redis for a day,
 * so Slack is asked at most once a day per person, and by the worker: the Slack-facing path (inside
 * the 3-second ack) reads the cache and otherwise uses the workspace's language. The exceptions are
 * an alert button (src/alerts/buttons.ts) and a refused approval-card click (src/approvals/actions.ts),
 * whose clicker may be new to the bot: they ask Slack within a bound, answering in the workspace's
 * language when Slack is slow.
 */
import { localeFromSlack, type Locale } from '../i18n/locale';
import type { Logger } from '../log';
import type { SlackGateway } from './gateway';

/** Where learned Slack locales are kept (Redis in the bot: src/redis/locale-cache.ts). */
export interface LocaleCache {
  /** The Slack locale stored for the user ('ko-KR'), '' when Slack had none, undefined when not cached. */
  get(userId: string): Promise<string | undefined>;
  set(userId: string, slackLocale: string, ttlSeconds: number): Promise<void>;
}

export interface People {
  /** The workspace's language: for channel messages everyone sees. */
  readonly workspace: Locale;
  /**
   * A person's language from what is cached (no Slack call: for the ack path), else the workspace's.
   * With `withinMs`, a cache read that takes longer is not waited for: the workspace's language is
   * given at that bound (the read goes on and is remembered for the next time). Never throws.
   */
  cachedLocaleOf(userId: string, opts?: { withinMs?: number }): Promise<Locale>;
  /**
   * A person's language from a cached Slack locale read elsewhere (the command's admit script reads
   * it in the same round trip): remembered in the process like a cache read; undefined (nothing
   * cached) gives the workspace's language.
   */
  fromCache(userId: string, slackLocale: string | undefined): Locale;
  /**
   * A person's language: cached, else asked from Slack (users.info) and cached. Never throws.
   * With `withinMs` (a click path, inside Slack's 3 seconds), a lookup that takes longer is not
   * waited for: the workspace's language is given at that bound, and what Slack answers later is
   * cached for the next time (a failure after the bound is not: it may be the bound's own doing).
   * `storeDown`: the cache is known not to answer (the Home tab's "store unavailable" view), so it is
   * neither read nor written: the process's memo, else Slack, gives the language.
   */
  localeOf(userId: string, opts?: { withinMs?: number; storeDown?: boolean }): Promise<Locale>;
}

/** A learned locale is kept this long (people rarely change their Slack language). */
export const LOCALE_TTL_SECONDS = 24 * 3600;
/** Slack could not be asked: ask again after this. */
const FAILED_TTL_SECONDS = 3600;
/** Within one process, a locale read from the cache is reused this long. */
const MEMO_MS = 5 * 60_000;

interface PeopleDeps {
  workspace: Locale;
  slack: Pick<SlackGateway, 'userLocale'>;
  cache: LocaleCache;
  log: Logger;
  now?: () => number;
}

export function createPeople(d: PeopleDeps): People {
  const now = d.now ?? Date.now;
  const memo = new Map<string, { at: number; slackLocale: string }>();
  const remember = (userId: string, slackLocale: string): void => {
    if (memo.size > 5_000) memo.clear();
    memo.set(userId, { at: now(), slackLocale });
  };
  const pick = (slackLocale: string): Locale => localeFromSlack(slackLocale || undefined) ?? d.workspace;

  async function cached(userId: string, storeDown?: boolean): Promise<string | undefined> {
    const hit = memo.get(userId);
    if (hit && now() - hit.at < MEMO_MS) return hit.slackLocale;
    if (storeDown) return undefined;
    try {
      const v = await d.cache.get(userId);
      if (v !== undefined) remember(userId, v);
      return v;
    } catch (err) {
      d.log.warn('locale cache unreadable; using the workspace language', { err });
      return undefined;
    }
  }

  /** `read`, or the workspace's language once `withinMs` has passed (`read` goes on; `onLate` marks it late). */
  async function within(read: Promise<Locale>, userId: string, withinMs: number | undefined, what: string, onLate?: () => void) {
    if (withinMs === undefined) return read;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<Locale>((resolve) => {
      timer = setTimeout(() => {
        onLate?.();
        d.log.warn(`${what} slower than its bound; using the workspace language`, { user: userId, withinMs });
        resolve(d.workspace);
      }, withinMs);
      timer.unref?.();
    });
    try {
      return await Promise.race([read, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function lookUp(userId: string, late: () => boolean, storeDown?: boolean): Promise<Locale> {
    const v = await cached(userId, storeDown);
    if (v !== undefined) return pick(v);
    let slackLocale = '';
    let ttl = LOCALE_TTL_SECONDS;
    try {
      slackLocale = (await d.slack.userLocale(userId)) ?? '';
    } catch (err) {
      d.log.warn('users.info failed; using the workspace language', { user: userId, err });
      if (late()) return d.workspace;
      ttl = FAILED_TTL_SECONDS;
    }
    remember(userId, slackLocale);
    if (!storeDown) await d.cache.set(userId, slackLocale, ttl).catch((err: unknown) => d.log.warn('locale not cached', { err }));
    return pick(slackLocale);
  }

  return {
    workspace: d.workspace,
    fromCache(userId, slackLocale) {
      if (slackLocale === undefined) return d.workspace;
      remember(userId, slackLocale);
      return pick(slackLocale);
    },
    cachedLocaleOf(userId, opts = {}) {
      const read = cached(userId).then((v) => (v === undefined ? d.workspace : pick(v)));
      return within(read, userId, opts.withinMs, 'locale cache read');
    },
    localeOf(userId, opts = {}) {
      let late = false;
      return within(
        lookUp(userId, () => late, opts.storeDown),
        userId,
        opts.withinMs,
        'locale lookup',
        () => (late = true),
      );
    },
  };
}
