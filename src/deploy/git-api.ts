/**
 * The Git host's API, asked for the commit list of a request (./commit-list.ts, worker side only:
 * Node's global fetch, no SDK). Best-effort and bounded: one request per plan within
 * gitApiBoundMs; any failure (timeout, 401/403/404, a rate limit, an answer that is not the
 * expected JSON, a redirect) is a warning in the log, never with a token, and the request card
 * shows the commits line without the list.
 */
import { boundedText } from '../aws/bounded-body';
import { registerSecret } from '../log';
import type { Runtime } from '../runtime';
import { compareRequest, gitHubList, gitLabList, gitTokens, kindsOf, parseGitHosts, type CommitList, type GitHosts } from './commit-list';
import type { Commits, KindOf } from './commits';

/** The bound of the request (connect, answer and body): 2.5 s; GIT_API_TIMEOUT_MS (tests) replaces it. */
function gitApiBoundMs(): number {
  const ms = Number(process.env.GIT_API_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 2_500;
}

/** The most an answer may weigh (GitHub's and GitLab's compare answers carry the diffs too). */
const MAX_BYTES = 10 * 1024 * 1024;

const hostsByRuntime = new WeakMap<Runtime, GitHosts | undefined>();

/**
 * The Git hosts a runtime was built with (its GIT_TOKENS), validated once per runtime (a runtime is
 * rebuilt when a secret changes): the tokens go to the log scrubber; an invalid value is one warning
 * naming the kind of fault (never the value) and the commit list stays off.
 */
export function gitHostsOf(rt: Runtime): GitHosts | undefined {
  if (hostsByRuntime.has(rt)) return hostsByRuntime.get(rt);
  registerSecret(rt.gitTokens);
  const { hosts, problem } = parseGitHosts(rt.gitTokens);
  if (problem) rt.log.warn('GIT_TOKENS is not valid: requests show no commit list', { problem });
  for (const token of hosts ? gitTokens(hosts) : []) registerSecret(token);
  hostsByRuntime.set(rt, hosts);
  return hosts;
}

/** The kinds GIT_TOKENS gives its hosts (a GitHub Enterprise Server, a GitLab under another name), for the compare link. */
export function gitKindsOf(rt: Runtime): KindOf | undefined {
  return kindsOf(gitHostsOf(rt));
}

/**
 * The commits a request brings or undoes, asked of the Git host of its compare link when GIT_TOKENS
 * configures that host; undefined when not asked or on any failure (logged).
 */
export async function commitListOf(rt: Runtime, c: Commits, service: string): Promise<CommitList | undefined> {
  const req = compareRequest(c, gitHostsOf(rt));
  if (!req) return undefined;
  const where = new URL(req.url).host;
  try {
    const body = await getJson(req.url, req.headers, AbortSignal.timeout(gitApiBoundMs()));
    const list = req.kind === 'github' ? gitHubList(body) : gitLabList(body);
    if (!list) rt.log.warn('git host answered no commit list; the request shows none', { service, host: where });
    return list;
  } catch (err) {
    rt.log.warn('git host unavailable; the request shows no commit list', { service, host: where, reason: reasonOf(err) });
    return undefined;
  }
}

/** What went wrong, in words that hold no header or URL: an HTTP status, a timeout, a network error's code. */
function reasonOf(err: unknown): string {
  if (err instanceof HttpError) return err.message;
  const e = err as { name?: string; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return typeof e?.cause?.code === 'string' ? e.cause.code : (e?.name ?? 'error');
}

class HttpError extends Error {}

/** GET `url` as JSON within `signal`, at most MAX_BYTES; a redirect is a failure (a token never follows one elsewhere). */
async function getJson(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { headers, signal, redirect: 'error' });
  const text = await boundedText(res, MAX_BYTES, {
    failed: (status) => new HttpError(`HTTP ${status}`),
    tooLarge: () => new HttpError('answer too large'),
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError('not JSON');
  }
}
