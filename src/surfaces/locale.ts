/**
 * The language of what only one person sees (their Home tab, their modal): their Slack locale
 * (users.info), cached in Redis for a day, else the workspace's (`slack.language`). One
 * implementation for every surface: rt.people (src/slack/people.ts).
 */
import type { Locale } from '../i18n';
import type { Runtime } from '../runtime';

export async function readerLocale(rt: Runtime, userId: string): Promise<Locale> {
  return rt.people.localeOf(userId);
}
