/**
 * "Which commits am I approving?": the OCI labels CI puts on an image's config
 * (`org.opencontainers.image.revision`, the git SHA; `org.opencontainers.image.source`, the
 * repository URL), read from ECR by src/aws/ecr.ts imageLabels, turned into the `commits` check of a
 * deploy plan. Pure (worker side): manifest and index parsing, the platform's entry of an index, the
 * labels of an image config, and the compare link. Label values are untrusted input: a revision is
 * kept only as 7–64 hex characters, a source only as a plain https URL on github.com or a GitLab host.
 */

export const REVISION_LABEL = 'org.opencontainers.image.revision';
export const SOURCE_LABEL = 'org.opencontainers.image.source';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** What BatchGetImage is asked to return (acceptedMediaTypes): single-platform manifests and indexes, OCI and Docker. */
export const ACCEPTED_MEDIA_TYPES = Object.values(MEDIA_TYPES);

/** The OS and architecture an image runs on, in OCI's words (`linux`/`amd64`). */
export interface Platform {
  os: string;
  architecture: string;
}

/**
 * The platform of a task definition's tasks: runtimePlatform's cpuArchitecture (X86_64 → amd64,
 * ARM64 → arm64) and operatingSystemFamily (WINDOWS_* → windows); linux/amd64 when it says nothing.
 */
export function taskPlatform(runtimePlatform: { cpuArchitecture?: string; operatingSystemFamily?: string } | undefined): Platform {
  const arch = runtimePlatform?.cpuArchitecture === 'ARM64' ? 'arm64' : 'amd64';
  const os = runtimePlatform?.operatingSystemFamily?.startsWith('WINDOWS') ? 'windows' : 'linux';
  return { os, architecture: arch };
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A manifest as BatchGetImage returns it: the config digest of an image manifest, or the entries of an index. */
export type ParsedManifest =
  | { kind: 'image'; configDigest: string }
  | { kind: 'index'; entries: Array<{ digest: string; platform?: Partial<Platform> & { variant?: string } }> };

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * An image manifest or an index (manifest list), from its JSON text and the media type ECR reports
 * (the manifest's own `mediaType` when ECR says none); undefined for anything else or bad JSON.
 */
export function parseManifest(text: string | undefined, mediaType?: string): ParsedManifest | undefined {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = asObject(JSON.parse(text ?? ''));
  } catch {
    return undefined;
  }
  if (!doc) return undefined;
  const type = mediaType || (typeof doc.mediaType === 'string' ? doc.mediaType : '');
  const isIndex =
    type === MEDIA_TYPES.ociIndex || type === MEDIA_TYPES.dockerList || (!type && Array.isArray(doc.manifests) && !doc.config);
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) return undefined;
    const entries = doc.manifests.flatMap((m) => {
      const o = asObject(m);
      if (!o || typeof o.digest !== 'string' || !DIGEST.test(o.digest)) return [];
      const p = asObject(o.platform);
      const platform = p
        ? {
            ...(typeof p.os === 'string' ? { os: p.os } : {}),
            ...(typeof p.architecture === 'string' ? { architecture: p.architecture } : {}),
            ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
          }
        : undefined;
      return [{ digest: o.digest, ...(platform ? { platform } : {}) }];
    });
    return { kind: 'index', entries };
  }
  const config = asObject(doc.config);
  if (!config || typeof config.digest !== 'string' || !DIGEST.test(config.digest)) return undefined;
  return { kind: 'image', configDigest: config.digest };
}

/**
 * The entry of an index for `platform` (an attestation manifest, platform unknown/unknown, never
 * matches); for arm64 a `v8` variant or none first. Undefined when the index has none for it.
 */
export function pickPlatform(manifest: Extract<ParsedManifest, { kind: 'index' }>, platform: Platform): string | undefined {
  const matching = manifest.entries.filter((e) => e.platform?.os === platform.os && e.platform?.architecture === platform.architecture);
  const preferred = matching.find((e) => !e.platform?.variant || e.platform.variant === 'v8') ?? matching[0];
  return preferred?.digest;
}

/** The labels of an image config (its JSON text: `config.Labels`), string values only; undefined when it has none. */
export function configLabels(text: string): Record<string, string> | undefined {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
  const labels = asObject(asObject(doc?.config)?.Labels);
  if (!labels) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/** A git commit id from a revision label: 7 to 64 hex characters (lower-cased), else undefined. */
export function revisionOf(labels: Record<string, string> | undefined): string | undefined {
  const v = labels?.[REVISION_LABEL]?.trim().toLowerCase();
  return v && /^[0-9a-f]{7,64}$/.test(v) ? v : undefined;
}

/**
 * The repository of a source label as a web URL the compare link is built on, with how its host
 * compares: https only, no credentials, query or fragment, a plain path (no `.git`, no trailing
 * slash), on github.com or a host whose name contains `gitlab`; undefined otherwise.
 */
export function repositoryOf(source: string | undefined): { url: string; host: 'github' | 'gitlab' } | undefined {
  if (!source || source.length > 300) return undefined;
  let u: URL;
  try {
    u = new URL(source.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.search || u.hash || u.port) return undefined;
  const host = u.hostname.toLowerCase();
  const kind = host === 'github.com' ? 'github' : host.includes('gitlab') ? 'gitlab' : undefined;
  if (!kind) return undefined;
  const path = u.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  // owner/name at least (GitLab: groups/subgroups/name), in characters a repository path has.
  if (!/^(\/[A-Za-z0-9._~-]+){2,}$/.test(path)) return undefined;
  return { url: `https://${host}${path}`, host: kind };
}

/** The page comparing two commits of the repository a source label names (GitHub `/compare/a...b`, GitLab `/-/compare/a...b`). */
export function compareUrl(source: string | undefined, from: string, to: string): string | undefined {
  const repo = repositoryOf(source);
  if (!repo || !/^[0-9a-f]{7,64}$/.test(from) || !/^[0-9a-f]{7,64}$/.test(to)) return undefined;
  return `${repo.url}${repo.host === 'gitlab' ? '/-' : ''}/compare/${from}...${to}`;
}

/** The commits check of a deploy plan: the new image's commit, the running one's, and the compare page. */
export interface Commits {
  to: string;
  from?: string;
  url?: string;
}

/**
 * The commits of a deploy from the labels of the new image (`to`) and of the one running now
 * (`from`, when known): undefined when the new image has no revision label. The compare link only
 * when both commits are known, differ, and the running image names no other repository.
 */
export function commitsOf(to: Record<string, string> | undefined, from: Record<string, string> | undefined): Commits | undefined {
  const toRev = revisionOf(to);
  if (!toRev) return undefined;
  const fromRev = revisionOf(from);
  if (!fromRev) return { to: toRev };
  const source = to?.[SOURCE_LABEL];
  const fromSource = from?.[SOURCE_LABEL];
  const sameRepo = !fromSource || repositoryOf(fromSource)?.url === repositoryOf(source)?.url;
  const url = fromRev !== toRev && sameRepo ? compareUrl(source, fromRev, toRev) : undefined;
  return { to: toRev, from: fromRev, ...(url ? { url } : {}) };
}
