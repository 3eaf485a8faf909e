/**
 * Which language a message is written in. The workspace's language comes from chatops.yml
 * (`slack.language`); a person's own Slack locale (users.info, `ko-KR`) overrides it for what only
 * that person sees (ephemeral answers, the Home tab, direct messages) when it is known.
 */
export const LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof LOCALES)[number];

/** The bot's language for a Slack locale such as "ko-KR" or "en-US"; undefined when we have none for it. */
export function localeFromSlack(slackLocale: string | undefined): Locale | undefined {
  const lang = slackLocale?.toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(lang ?? '') ? (lang as Locale) : undefined;
}

/** The language for one reader: their own locale when known, else the workspace's. */
export function localeFor(workspace: Locale, userLocale?: string): Locale {
  return localeFromSlack(userLocale) ?? workspace;
}
