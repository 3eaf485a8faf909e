/** Languages of the bot's messages: the catalog (one part per module), locales, durations. */
export { defineMessages, format, textIn, type Entry, type Localized, type Messages, type Text, type Translate } from './catalog';
export { LOCALES, localeFor, localeFromSlack, type Locale } from './locale';
export { formatDuration } from './units';
