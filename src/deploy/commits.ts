/**
 * "Which commits am I approving?": the OCI labels CI puts on an image's config
 * (`org.opencontainers.image.revision`, the git SHA; `org.opencontainers.image.source`, the
 * repository URL), read from ECR by src/aws/ecr.ts imageLabels, turned into the `commits` check of a
 * deploy plan (the commits it brings) or a rollback plan (the commits it undoes). Pure (worker side):
 * the revision and repository of the labels, and the compare link. Label values are untrusted input:
 * a revision is kept only as 7–64 hex characters, a source only as a plain https URL on a host known
 * to be GitHub or GitLab (hostKind).
 */

import { CREATED_LABEL } from '../aws/image-manifest';

export const REVISION_LABEL = 'org.opencontainers.image.revision';
export const SOURCE_LABEL = 'org.opencontainers.image.source';

/** A git commit id from a revision label: 7 to 64 hex characters (lower-cased), else undefined. */
export function revisionOf(labels: Record<string, string> | undefined): string | undefined {
  const v = labels?.[REVISION_LABEL]?.trim().toLowerCase();
  return v && /^[0-9a-f]{7,64}$/.test(v) ? v : undefined;
}

/** How a Git host shapes its compare pages and API. */
export type GitKind = 'github' | 'gitlab';
/** The kind GIT_TOKENS gives a host by name (its `kind`), for hosts whose name does not tell. */
export type KindOf = (host: string) => GitKind | undefined;

/**
 * What kind of Git host a (lower-case) host name is: the kind GIT_TOKENS gives it (a GitHub
 * Enterprise Server or a GitLab under any name), else github.com and GitHub Enterprise Cloud's
 * `*.ghe.com` are GitHub, and a name containing `gitlab` is GitLab; undefined otherwise.
 */
export function hostKind(host: string, configured?: KindOf): GitKind | undefined {
  const kind = configured?.(host);
  if (kind) return kind;
  if (host === 'github.com' || host.endsWith('.ghe.com')) return 'github';
  return host.includes('gitlab') ? 'gitlab' : undefined;
}

/**
 * The repository of a source label as a web URL the compare link is built on, with how its host
 * compares: https only, no credentials, query or fragment, a plain path (no `.git`, no trailing
 * slash), on a host whose kind is known (hostKind); undefined otherwise.
 */
export function repositoryOf(source: string | undefined, configured?: KindOf): { url: string; host: GitKind } | undefined {
  if (!source || source.length > 300) return undefined;
  let u: URL;
  try {
    u = new URL(source.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.search || u.hash || u.port) return undefined;
  const host = u.hostname.toLowerCase();
  const kind = hostKind(host, configured);
  if (!kind) return undefined;
  const path = u.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  // owner/name at least (GitLab: groups/subgroups/name), in characters a repository path has.
  if (!/^(\/[A-Za-z0-9._~-]+){2,}$/.test(path)) return undefined;
  return { url: `https://${host}${path}`, host: kind };
}

/** The page comparing two commits of the repository a source label names (GitHub `/compare/a...b`, GitLab `/-/compare/a...b`). */
export function compareUrl(source: string | undefined, from: string, to: string, configured?: KindOf): string | undefined {
  const repo = repositoryOf(source, configured);
  if (!repo || !/^[0-9a-f]{7,64}$/.test(from) || !/^[0-9a-f]{7,64}$/.test(to)) return undefined;
  return `${repo.url}${repo.host === 'gitlab' ? '/-' : ''}/compare/${from}...${to}`;
}

/**
 * The commits check of a plan. A deploy: the new image's commit (`to`), the running one's (`from`),
 * the compare page of what it brings. A rollback (`back`): the commit it returns to (`to`, absent
 * when unknown), the running one's (`from`), the compare page of what it undoes.
 */
export interface Commits {
  to?: string;
  from?: string;
  url?: string;
  back?: boolean;
  /**
   * The commits between the two, when the Git host was asked (./commit-list.ts): at most 5 lines,
   * newest first, escaped and language-neutral ("`1a2b3c4` subject — author"), and how many there are.
   */
  list?: string[];
  total?: number;
}

/**
 * `to` and `from` from two images' labels; the compare link only when both commits are known,
 * differ, and `from`'s image names no other repository. It lists what the newer side has over the
 * older (GitHub and GitLab show the commits of `a...b` that b has and a has not; the reverse is
 * empty): `from...to` for a deploy, `to...from` for a rollback (`back`).
 */
function between(
  to: Record<string, string> | undefined,
  from: Record<string, string> | undefined,
  back: boolean,
  configured: KindOf | undefined,
): Commits | undefined {
  const toRev = revisionOf(to);
  const fromRev = revisionOf(from);
  const dir = back ? { back } : {};
  if (!toRev) return back && fromRev ? { from: fromRev, ...dir } : undefined;
  if (!fromRev) return { to: toRev, ...dir };
  const source = to?.[SOURCE_LABEL];
  const fromSource = from?.[SOURCE_LABEL];
  const sameRepo = !fromSource || repositoryOf(fromSource, configured)?.url === repositoryOf(source, configured)?.url;
  const [older, newer] = back ? [toRev, fromRev] : [fromRev, toRev];
  const url = fromRev !== toRev && sameRepo ? compareUrl(source, older, newer, configured) : undefined;
  return { to: toRev, from: fromRev, ...(url ? { url } : {}), ...dir };
}

/**
 * When an image was built, from its `org.opencontainers.image.created` label (or its config's
 * `created`, src/aws/image-manifest.ts configLabels); undefined when absent, unreadable, or before
 * 2000: reproducible builds (ko, Jib, Nix) write the epoch, which orders nothing.
 */
export function builtAt(labels: Record<string, string> | undefined): number | undefined {
  const ms = Date.parse(labels?.[CREATED_LABEL] ?? '');
  return Number.isFinite(ms) && ms >= Date.UTC(2000, 0, 1) ? ms : undefined;
}

/**
 * The commits of a deploy from the labels of the new image (`to`) and of the one running now
 * (`from`, when known): undefined when the new image has no revision label. The compare link
 * (`from...to`, what it brings) only when both commits are known, differ, and the running image
 * names no other repository. `configured`: the kinds GIT_TOKENS gives hosts (hostKind). A deploy
 * of an image built before the running one (an older tag
 * deployed again) goes back: it reads and links as a rollback does (what it undoes).
 */
export function commitsOf(
  to: Record<string, string> | undefined,
  from: Record<string, string> | undefined,
  configured?: KindOf,
): Commits | undefined {
  if (!revisionOf(to)) return undefined;
  return between(to, from, builtBefore(to, from), configured);
}

/** Whether image `a` was built before image `b`, both build times known. */
function builtBefore(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const [at, bt] = [builtAt(a), builtAt(b)];
  return at !== undefined && bt !== undefined && at < bt;
}

/**
 * The commits a rollback takes away, from the labels of the image running now and of the one it
 * returns to (`target`): `from` the running commit, `to` the target's, `back` set, and the compare
 * link `to...from` (what it undoes). Without the target's revision (its image has no labels, or
 * could not be read) only the running commit; undefined when neither is known. A target built after
 * the running image (`--to` a newer revision) goes forward: it reads and links as a deploy does.
 */
export function rollbackCommitsOf(
  running: Record<string, string> | undefined,
  target: Record<string, string> | undefined,
  configured?: KindOf,
): Commits | undefined {
  // `--to` a revision whose image was built after the running one's goes forward: what it brings.
  return between(target, running, !builtBefore(running, target), configured);
}
