/** Times in messages. Pure. */

/** "2025-11-25 13:22 UTC": the fallback text of a Slack date token, and what logs show. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/**
 * A Slack date token: each reader sees it in their own time zone; clients that cannot render it
 * show the UTC fallback. https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(ms / 1000)}^${format}|${utcText(ms)}>`;
}
