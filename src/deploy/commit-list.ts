/**
 * The commit list of a deploy or rollback request (worker side, pure): which commits it brings, or
 * undoes, asked of the Git host's API for the compare link the commits check already has
 * (./commits.ts). The repository comes from an image label, untrusted input, so the feature is off
 * unless GIT_TOKENS configures hosts (a secret JSON map host → token, src/handlers/secrets.ts), and
 * only a host in that map is ever asked, with its own token, at its own API (or the `api` it names).
 * The answer becomes language-neutral, already escaped lines stored in the plan (`checks.commits.list`,
 * at most COMMIT_LIST_MAX, newest first, and `total`); src/deploy/render.ts shows them under the line.
 * The request itself is ./git-api.ts.
 */
import { z } from 'zod';
import { httpsOrLoopback } from '../aws/bounded-body';
import { code, escapeMrkdwn } from '../slack/text';
import { repositoryOf, type Commits, type GitKind, type KindOf } from './commits';

/** How many commits a request card lists (the newest; the rest are counted, the compare link has them all). */
export const COMMIT_LIST_MAX = 5;
/** A subject's and an author's most characters, as shown (escaped, the ellipsis included). */
const SUBJECT_MAX = 72;
const AUTHOR_MAX = 30;

/**
 * One host's settings: its token ('' asks without one: public repositories), its API's base URL, and
 * its kind when the name does not tell (a GitHub Enterprise Server, a GitLab under another name).
 */
export interface GitHost {
  token: string;
  api?: string;
  kind?: GitKind;
}
/** The configured hosts by lower-case host name (github.com, gitlab.example.com). */
export type GitHosts = ReadonlyMap<string, GitHost>;

/** An API base URL: https, or http on the loopback only (tests, a local stand-in); no credentials, query or fragment. */
function apiBase(v: string): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return httpsOrLoopback(u) && !u.username && !u.password && !u.search && !u.hash;
}

const hostSchema = z.union([
  z.string(),
  z.strictObject({
    token: z.string().default(''),
    api: z.string().refine(apiBase).optional(),
    kind: z.enum(['github', 'gitlab']).optional(),
  }),
]);
const hostsSchema = z.record(z.string().regex(/^[a-z0-9.-]{1,253}$/i), hostSchema);

/**
 * The hosts of a GIT_TOKENS value: a JSON object host → token, or host → { token, api }. Unset or
 * blank: undefined (off). Invalid: `problem` says what kind of fault, never a value (not even a key,
 * which might be a token written in the wrong place), and the feature stays off.
 */
export function parseGitHosts(raw: string | undefined): { hosts?: GitHosts; problem?: string } {
  if (!raw?.trim()) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the text around the fault: it would quote a token.
    return { problem: 'not JSON' };
  }
  const parsed = hostsSchema.safeParse(json);
  if (!parsed.success) return { problem: [...new Set(parsed.error.issues.map((i) => i.code))].join(', ') };
  const hosts = new Map<string, GitHost>();
  for (const [host, v] of Object.entries(parsed.data)) {
    const entry =
      typeof v === 'string'
        ? { token: v }
        : { token: v.token, ...(v.api ? { api: v.api.replace(/\/+$/, '') } : {}), ...(v.kind ? { kind: v.kind } : {}) };
    hosts.set(host.toLowerCase(), entry);
  }
  return { hosts };
}

/** The kinds the hosts are given (GIT_TOKENS' `kind`), for the compare link of a host whose name does not tell. */
export function kindsOf(hosts: GitHosts | undefined): KindOf | undefined {
  return hosts && ((host) => hosts.get(host)?.kind);
}

/**
 * Where a GitHub-kind host's REST API is: api.github.com for github.com, `api.<name>` for GitHub
 * Enterprise Cloud (`*.ghe.com`), `/api/v3` on the host for a GitHub Enterprise Server.
 */
function gitHubApi(host: string): string {
  if (host === 'github.com') return 'https://api.github.com';
  return host.endsWith('.ghe.com') ? `https://api.${host}` : `https://${host}/api/v3`;
}

/** The tokens of the hosts (for the log scrubber). */
export function gitTokens(hosts: GitHosts): string[] {
  return [...hosts.values()].map((h) => h.token).filter(Boolean);
}

/** A request to a Git host's API: where, with which headers (its token among them when it has one), and how to read the answer. */
export interface CompareRequest {
  url: string;
  headers: Record<string, string>;
  kind: 'github' | 'gitlab';
}

/**
 * The API request listing the commits of a commits check: only when both commits are known and
 * differ, the compare link was made (one repository), and its host is one of `hosts`; else undefined
 * (nothing is asked). The same direction as the link (older...newer: a deploy's from...to, what it
 * brings; a rollback's to...from, what it undoes). The token of that host goes to its API only.
 */
export function compareRequest(c: Commits, hosts: GitHosts | undefined): CompareRequest | undefined {
  if (!hosts?.size || !c.from || !c.to || c.from === c.to || !c.url) return undefined;
  const [older, newer] = c.back ? [c.to, c.from] : [c.from, c.to];
  const hex = /^[0-9a-f]{7,64}$/;
  if (!hex.test(older) || !hex.test(newer)) return undefined;
  // The repository, read back from the link compareUrl made (…/compare/a...b on GitHub, …/-/compare/a...b on GitLab).
  const suffix = `/compare/${older}...${newer}`;
  if (!c.url.endsWith(suffix)) return undefined;
  const kinds = kindsOf(hosts);
  let repo = repositoryOf(c.url.slice(0, -suffix.length), kinds);
  if (repo?.host === 'gitlab') repo = c.url.endsWith(`/-${suffix}`) ? repositoryOf(c.url.slice(0, -suffix.length - 2), kinds) : undefined;
  if (!repo) return undefined;
  const u = new URL(repo.url);
  const host = hosts.get(u.hostname);
  if (!host) return undefined;
  const path = u.pathname.slice(1);
  if (repo.host === 'github') {
    const parts = path.split('/');
    if (parts.length !== 2) return undefined;
    const base = host.api ?? gitHubApi(u.hostname);
    return {
      kind: 'github',
      url: `${base}/repos/${parts.map(encodeURIComponent).join('/')}/compare/${older}...${newer}`,
      headers: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        ...(host.token ? { Authorization: `Bearer ${host.token}` } : {}),
      },
    };
  }
  const base = host.api ?? `https://${u.hostname}/api/v4`;
  return {
    kind: 'gitlab',
    url: `${base}/projects/${encodeURIComponent(path)}/repository/compare?from=${older}&to=${newer}&straight=false`,
    headers: { Accept: 'application/json', ...(host.token ? { 'PRIVATE-TOKEN': host.token } : {}) },
  };
}

/** The commits of an answer, as stored: the newest COMMIT_LIST_MAX lines, and how many there are in all. */
export interface CommitList {
  list: string[];
  total: number;
}

/**
 * `text` escaped for mrkdwn (no mention, link or inline code can form) in at most `max` characters
 * once escaped, the ellipsis included: cut before escaping would let `&` grow fivefold.
 */
function escapedWithin(text: string, max: number): string {
  const chars = [...text.replace(/`/g, "'")];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const e = escapeMrkdwn(chars[i]!);
    const room = i === chars.length - 1 ? max : max - 1;
    if (out.length + e.length > room) return out + '…';
    out += e;
  }
  return out;
}

/** One line of the list: "`1a2b3c4` subject — author" (the subject the message's first line). */
export function commitLine(sha: string, message: string, author: string | undefined): string {
  // Control characters and runs of blanks read as one space; the subject is the first line.
  const clean = (s: string) =>
    s
      .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const subject = escapedWithin(clean(message.split(/\r?\n/)[0] ?? ''), SUBJECT_MAX);
  const who = author ? escapedWithin(clean(author), AUTHOR_MAX) : '';
  return `${code(sha.slice(0, 7))}${subject ? ` ${subject}` : ''}${who ? ` — ${who}` : ''}`;
}

/** Oldest-first commits (what both APIs answer) as the stored list: the newest first, at most COMMIT_LIST_MAX. */
function listOf(commits: Array<{ sha: string; message: string; author?: string }>, total: number): CommitList | undefined {
  const valid = commits.filter((c) => /^[0-9a-f]{7,64}$/i.test(c.sha));
  if (!valid.length) return undefined;
  const list = valid
    .slice(-COMMIT_LIST_MAX)
    .reverse()
    .map((c) => commitLine(c.sha.toLowerCase(), c.message, c.author));
  return { list, total: Math.max(total, valid.length) };
}

const str = z.string().catch('');
const optStr = z.string().optional().catch(undefined);

const gitHubAnswer = z.object({
  total_commits: z.number().int().nonnegative().optional().catch(undefined),
  commits: z.array(
    z.object({
      sha: z.string(),
      commit: z.object({ message: str, author: z.object({ name: optStr }).nullish().catch(undefined) }),
      author: z.object({ login: optStr }).nullish().catch(undefined),
    }),
  ),
});

/** GitHub's "compare two commits" answer (commits oldest first, at most 250; total_commits all of them) as the list. */
export function gitHubList(body: unknown): CommitList | undefined {
  const a = gitHubAnswer.safeParse(body);
  if (!a.success) return undefined;
  const commits = a.data.commits.map((c) => ({ sha: c.sha, message: c.commit.message, author: c.author?.login || c.commit.author?.name }));
  return listOf(commits, a.data.total_commits ?? commits.length);
}

const gitLabAnswer = z.object({
  commits: z.array(z.object({ id: z.string(), title: optStr, message: optStr, author_name: optStr })),
});

/** GitLab's "compare branches, tags or commits" answer (commits oldest first) as the list. */
export function gitLabList(body: unknown): CommitList | undefined {
  const a = gitLabAnswer.safeParse(body);
  if (!a.success) return undefined;
  const commits = a.data.commits.map((c) => ({ sha: c.id, message: c.title ?? c.message ?? '', author: c.author_name }));
  return listOf(commits, commits.length);
}
