/**
 * Image manifests as ECR's BatchGetImage returns them (pure): an image manifest's config digest,
 * an index's (manifest list's) entries and the one for a task's platform, and the labels of an
 * image config. src/aws/ecr.ts imageLabels reads them; src/deploy/commits.ts makes commits of them.
 */

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

/** The OCI label of when an image was built (docker/metadata-action sets it; the config's `created` otherwise). */
export const CREATED_LABEL = 'org.opencontainers.image.created';

/**
 * The labels of an image config (its JSON text: `config.Labels`), string values only; undefined when it has none.
 * Without a `org.opencontainers.image.created` label, the config's own `created` time stands for it.
 */
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
  if (out[CREATED_LABEL] === undefined && typeof doc?.created === 'string') out[CREATED_LABEL] = doc.created;
  return Object.keys(out).length ? out : undefined;
}
