/**
 * Property-based testing support (issue 10, item 16): hostile text arbitraries, and one checker
 * for everything the bot sends to Slack.
 *
 * `slackProblems(msg)` lists what would go wrong if the message were posted: Block Kit limits
 * (after fitMessage, which every send goes through), and any `<…>` control sequence in a mrkdwn
 * field or the notification text that the bot did not mean to write: a mention of someone not in
 * `trustedIds`, `<!channel>`, `<!here>`, `<!everyone>`, a user group, or a link whose target is not
 * the bot's own (AWS console, Slack archives). plain_text fields are not parsed by Slack (no
 * mention, no link), so only their lengths are checked.
 *
 * Runs: FC_RUNS (default 100 per property) and FC_SEED (reproduce a failure: fast-check prints the
 * seed and the path of every counterexample).
 */
import fc from 'fast-check';
import type { KnownBlock } from '@slack/types';
import { blockTextLength, fitMessage, type SlackMessage } from '../../src/slack/blocks';
import { LIMITS } from '../../src/slack/text';

export const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: Number(process.env.FC_RUNS) || 100,
  ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
};

/** Slack ids the tests hand to builders as "who" (requesters, approvers, channels): the only mentions allowed. */
export const TRUSTED_USERS = ['UDEV1', 'ULEAD1', 'W0TRUST2'] as const;
export const TRUSTED_CHANNELS = ['CPROD', 'CALERTS'] as const;
export const TRUSTED_GROUPS = ['SLEADS'] as const;

/** Snippets people (and AWS error texts) paste: mentions, pings, links, mrkdwn marks, code fences, entities. */
const HOSTILE_SNIPPETS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!here|here>',
  '<@U0EVIL99>',
  '<@W0EVIL99|boss>',
  '<#C0EVIL99|general>',
  '<!subteam^S0EVIL99|@oncall>',
  '<!subteam^S0EVIL99>',
  '<http://evil.example|https://console.aws.amazon.com>',
  '<https://evil.example>',
  '<mailto:x@evil.example|mail>',
  '<!date^1700000000^{date}|x>',
  '@channel',
  '@here',
  '&lt;!channel&gt;',
  '&amp;',
  '&',
  '<',
  '>',
  '|',
  '*bold*',
  '_it_',
  '~strike~',
  '`code`',
  '```',
  '```block```',
  '> quote',
  ':rotating_light:',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u202e',
  '\u200f',
  'مرحبا',
  '배포가 실패했습니다',
  '한국어 서비스 웹',
  '🚀🔥',
  '👩🏽‍💻',
  'e\u0301',
  '--reason',
  '—dry-run',
  '"',
  '“',
  "'",
  '\\',
  '%s',
  '${x}',
] as const;

/** Text a hostile or careless person, or a strange AWS response, could produce. */
export function hostileText(maxParts = 12): fc.Arbitrary<string> {
  const part = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_SNIPPETS) },
    { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom('web', 'prod', 'v1.2.3', 'worker-prod', 'sha256:abc') },
  );
  return fc.array(part, { maxLength: maxParts }).map((parts) => parts.join(''));
}

/** Hostile text, sometimes very long (pasted logs, 5,000-character reasons, 40 KB AWS messages). */
export function hostileOrLong(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: hostileText() },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileText(4), fc.integer({ min: 200, max: 6000 })).map(([s, n]) => (s || '<!here>').repeat(n).slice(0, n * 2)),
    },
  );
}

export function trustedUser(): fc.Arbitrary<string> {
  return fc.constantFrom(...TRUSTED_USERS);
}

const ALLOWED_TOKENS: RegExp[] = [
  /^<!date\^\d+\^[^|<>]*\|[^<>]*>$/,
  /^<https:\/\/(?:[a-z0-9-]+\.)*(?:amazon\.com|amazonaws\.com|slack\.com)\/[^\s|<>]*(?:\|[^<>]*)?>$/,
];

function tokenProblem(token: string): string | undefined {
  const user = /^<@([A-Z0-9]+)(?:\|[^<>]*)?>$/.exec(token);
  if (user) return (TRUSTED_USERS as readonly string[]).includes(user[1]!) ? undefined : `mentions ${token}`;
  const channel = /^<#([A-Z0-9]+)(?:\|[^<>]*)?>$/.exec(token);
  if (channel) return (TRUSTED_CHANNELS as readonly string[]).includes(channel[1]!) ? undefined : `links channel ${token}`;
  const group = /^<!subteam\^([A-Z0-9]+)(?:\|[^<>]*)?>$/.exec(token);
  if (group) return (TRUSTED_GROUPS as readonly string[]).includes(group[1]!) ? undefined : `pings group ${token}`;
  if (ALLOWED_TOKENS.some((re) => re.test(token))) return undefined;
  return `unescaped control sequence ${JSON.stringify(token.slice(0, 80))}`;
}

/** Problems with the `<…>` sequences of one mrkdwn text. */
export function mrkdwnProblems(text: string, where: string): string[] {
  const problems: string[] = [];
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    const end = text.indexOf('>', i);
    const next = text.indexOf('<', i + 1);
    if (end < 0 || (next >= 0 && next < end)) {
      // A lone '<' is shown as is by Slack, unless a later '>' closes a sequence it starts.
      if (end >= 0) problems.push(`${where}: unescaped '<' at ${i}: ${JSON.stringify(text.slice(i, i + 60))}`);
      continue;
    }
    const p = tokenProblem(text.slice(i, end + 1));
    if (p) problems.push(`${where}: ${p}`);
  }
  return problems;
}

type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string };

function textProblems(t: TextObject | undefined, where: string, max: number): string[] {
  if (!t) return [];
  const out: string[] = [];
  if (typeof t.text !== 'string' || t.text.length === 0) out.push(`${where}: empty text`);
  else if (t.text.length > max) out.push(`${where}: ${t.text.length} characters (max ${max})`);
  if (t.type === 'mrkdwn' && typeof t.text === 'string') out.push(...mrkdwnProblems(t.text, where));
  return out;
}

// Block Kit shapes are checked loosely: the fields we use.
/* eslint-disable @typescript-eslint/no-explicit-any */
function blockProblems(b: any, i: number): string[] {
  const where = `block ${i} (${b.type})`;
  const out: string[] = [];
  if (b.block_id !== undefined && String(b.block_id).length > 255) out.push(`${where}: block_id longer than 255`);
  switch (b.type) {
    case 'section':
      if (!b.text && !b.fields) out.push(`${where}: neither text nor fields`);
      out.push(...textProblems(b.text, `${where} text`, LIMITS.sectionText));
      if (b.fields) {
        if (b.fields.length > LIMITS.fields) out.push(`${where}: ${b.fields.length} fields`);
        b.fields.forEach((f: TextObject, j: number) => out.push(...textProblems(f, `${where} field ${j}`, LIMITS.fieldText)));
      }
      if (b.accessory?.type === 'button') out.push(...buttonProblems(b.accessory, `${where} accessory`));
      break;
    case 'header':
      if (b.text?.type !== 'plain_text') out.push(`${where}: header text must be plain_text`);
      out.push(...textProblems(b.text, `${where} text`, LIMITS.headerText));
      break;
    case 'context':
      if (!b.elements?.length || b.elements.length > LIMITS.contextElements) out.push(`${where}: ${b.elements?.length} elements`);
      (b.elements ?? []).forEach((e: TextObject, j: number) => out.push(...textProblems(e, `${where} element ${j}`, 3000)));
      break;
    case 'actions':
      if (!b.elements?.length || b.elements.length > 25) out.push(`${where}: ${b.elements?.length} elements`);
      (b.elements ?? []).forEach((e: any, j: number) => out.push(...buttonProblems(e, `${where} element ${j}`)));
      break;
    case 'divider':
      break;
    case 'input':
      out.push(...textProblems(b.label, `${where} label`, 2000));
      break;
    default:
      out.push(`${where}: unexpected block type`);
  }
  return out;
}

function buttonProblems(e: any, where: string): string[] {
  const out = textProblems(e.text, `${where} text`, LIMITS.buttonText);
  if (typeof e.action_id !== 'string' || e.action_id.length > 255) out.push(`${where}: action_id`);
  if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > LIMITS.buttonValue))
    out.push(`${where}: value of ${String(e.value).length}`);
  if (e.url !== undefined && String(e.url).length > 3000) out.push(`${where}: url longer than 3000`);
  if (e.confirm) {
    out.push(...textProblems(e.confirm.title, `${where} confirm title`, 100));
    out.push(...textProblems(e.confirm.text, `${where} confirm text`, 300));
    out.push(...textProblems(e.confirm.confirm, `${where} confirm button`, 30));
    out.push(...textProblems(e.confirm.deny, `${where} deny button`, 30));
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Everything wrong with a message as the gateway would send it (fitMessage applied). Empty = fine. */
export function slackProblems(msg: SlackMessage): string[] {
  const sent = fitMessage(msg);
  const out: string[] = [];
  if (sent.blocks.length > LIMITS.blocks) out.push(`${sent.blocks.length} blocks`);
  const total = sent.blocks.reduce((n, b) => n + blockTextLength(b as KnownBlock), 0);
  if (total > LIMITS.totalText) out.push(`${total} characters of block text (max ${LIMITS.totalText})`);
  // An empty fallback is allowed next to blocks (Slack only warns); never without them.
  if (typeof sent.text !== 'string' || (sent.text.length === 0 && !sent.blocks.length)) out.push('no fallback text and no blocks');
  else if (sent.text.length > LIMITS.text) out.push(`fallback text of ${sent.text.length}`);
  else out.push(...mrkdwnProblems(sent.text, 'fallback text'));
  sent.blocks.forEach((b, i) => out.push(...blockProblems(b, i)));
  return out;
}

/** Problems of a modal view (views.open): title ≤ 24, ≤ 100 blocks, and each block as above. */
export function viewProblems(view: Record<string, unknown>): string[] {
  const out: string[] = [];
  const title = view.title as TextObject | undefined;
  out.push(...textProblems(title, 'view title', 24));
  const blocks = (view.blocks as unknown[]) ?? [];
  if (blocks.length > 100) out.push(`${blocks.length} blocks in a view`);
  blocks.forEach((b, i) => out.push(...blockProblems(b, i)));
  if (String(view.private_metadata ?? '').length > 3000) out.push('private_metadata longer than 3000');
  return out;
}

/** Throws with the problems (fast-check then shrinks the input and reports the smallest one). */
export function assertSafe(msg: SlackMessage, what = 'message'): void {
  const problems = slackProblems(msg);
  if (problems.length) throw new Error(`${what}:\n  ${problems.slice(0, 8).join('\n  ')}`);
}

/** Paths (a.b[2].c) of the string leaves of a value; Dates and numbers are left alone. */
function stringPaths(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (typeof value === 'string') out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => stringPaths(v, [...path, String(i)], out));
  else if (value && typeof value === 'object' && !(value instanceof Date))
    for (const [k, v] of Object.entries(value)) stringPaths(v, [...path, k], out);
  return out;
}

function setAt(root: unknown, path: string[], v: string): void {
  let cur = root as Record<string, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[path[path.length - 1]!] = v;
}

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

/**
 * A valid fixture whose strings (AWS answers, people's text) are replaced by hostile ones: a few
 * of them, or all. `keep(path)` names the strings the bot writes or validates itself (config
 * regions, bot-written mrkdwn), which stay as they are.
 */
export function hostileVariant<T>(base: T, keep: (path: string[]) => boolean = () => false): fc.Arbitrary<T> {
  const paths = stringPaths(base).filter((p) => !keep(p));
  if (!paths.length) return fc.constant(clone(base));
  const sparse = fc.array(fc.tuple(fc.nat(paths.length - 1), hostileOrLong()), { minLength: 1, maxLength: 6 });
  const all = fc
    .array(hostileText(6), { minLength: paths.length, maxLength: paths.length })
    .map((vs) => vs.map((v, i) => [i, v] as [number, string]));
  return fc.oneof({ weight: 3, arbitrary: sparse }, { weight: 1, arbitrary: all }).map((edits) => {
    const out = clone(base);
    for (const [i, v] of edits) setAt(out, paths[i]!, v);
    return out;
  });
}
