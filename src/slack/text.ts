/**
 * Text helpers shared by every Block Kit builder: escaping user input for mrkdwn and
 * keeping within Slack's limits. Pure functions.
 */

/** Slack message limits (https://docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fields: 10,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  /** Undocumented ceiling of block text per message (msg_blocks_too_long at ~12–13k); we keep under this. */
  totalText: 11_000,
  /** Top-level fallback text. */
  text: 3000,
} as const;

/** Escape the three characters mrkdwn treats as control characters. Makes <!channel> inert. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Render user input inside inline code, escaped, so it can never format, link or mention. */
export function code(text: string): string {
  return '`' + escapeMrkdwn(text.replace(/`/g, "'")) + '`';
}

/** Cut to at most `max` characters (counting the ellipsis). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  return text.slice(0, max - 1) + '…';
}

/** Cut text at a line boundary to at most `max` characters, saying how many lines were left out. */
export function truncateLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 > max - 40) break;
    out.push(line);
    used += line.length + 1;
  }
  const omitted = lines.length - out.length;
  return out.join('\n') + `\n… ${omitted} more line${omitted === 1 ? '' : 's'}`;
}

/** A code block whose content (with fences) stays within `max`. Backtick runs are broken so the fence holds. */
export function codeBlock(text: string, max: number = LIMITS.sectionText): string {
  const safe = escapeMrkdwn(text.replace(/```/g, "'''"));
  return '```' + truncateLines(safe, max - 6) + '```';
}

/** Pluralize: plural(3, 'task') → "3 tasks". */
export function plural(n: number, word: string, pluralWord = word + 's'): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
