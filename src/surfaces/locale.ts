/**
 * The language of what only one person sees (their Home tab, their modal): their Slack locale
 * (users.info), cached in Redis for a day, else the workspace's (`slack.language`).
 */
import { localeFor, type Locale } from '../i18n';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';

const LOCALE_TTL_SECONDS = 24 * 3600;
/** A failed lookup is not asked again for this long. */
const FAILED_TTL_SECONDS = 3600;

export async function readerLocale(rt: Runtime, userId: string): Promise<Locale> {
  const workspace = rt.config.slack.language;
  try {
    const cached = await rt.redis.get(keys.userLocale(userId));
    if (cached !== null) return localeFor(workspace, cached || undefined);
  } catch (err) {
    rt.log.warn('locale cache unavailable', { err });
    return workspace;
  }
  let slackLocale: string | undefined;
  let ttl = LOCALE_TTL_SECONDS;
  try {
    slackLocale = await rt.slack.userLocale(userId);
  } catch (err) {
    rt.log.warn('could not read the user locale from Slack', { user: userId, err });
    ttl = FAILED_TTL_SECONDS;
  }
  await rt.redis.set(keys.userLocale(userId), slackLocale ?? '', 'EX', ttl).catch(() => undefined);
  return localeFor(workspace, slackLocale);
}
