/**
 * ECR of the fake world: repositories of images (digest, tags that move on push, push time,
 * size, scan results) and the registry's scanning configuration (BASIC by default, or ENHANCED:
 * Amazon Inspector's statuses). DescribeImages (by tag or digest, or all with paging and the
 * TAGGED filter), DescribeImageScanFindings, BatchGetImage, GetDownloadUrlForLayer, DescribeRepositories,
 * GetRegistryScanningConfiguration, in the documented shapes and errors (RepositoryNotFoundException, ImageNotFoundException,
 * ScanNotFoundException, LayersNotFoundException; BatchGetImage reports missing images in `failures`).
 *
 * Every image has a manifest whose config blob (its labels, `config.Labels`) GetDownloadUrlForLayer
 * answers a presigned-like URL for, served by the endpoint itself (PRESIGNED_GET, on the host and
 * port the request came to); an image pushed with `index` is a multi-platform index (linux/amd64,
 * linux/arm64 and an attestation manifest), as buildx pushes one.
 */
import { createHash } from 'node:crypto';
import type { ImageDetail, ImageIdentifier } from '@aws-sdk/client-ecr';
import { AwsFault } from '../fault';
import { PRESIGNED_GET, type AwsCall, type AwsHandler } from '../server';
import { context, copy, page, requireString, type WorldContext, type WorldOptions } from './common';

/** Basic scanning's statuses, and enhanced scanning's (ACTIVE, PENDING, SCAN_ELIGIBILITY_EXPIRED, FINDINGS_UNAVAILABLE). */
export type ScanStatus =
  'COMPLETE' | 'IN_PROGRESS' | 'FAILED' | 'UNSUPPORTED_IMAGE' | 'ACTIVE' | 'PENDING' | 'SCAN_ELIGIBILITY_EXPIRED' | 'FINDINGS_UNAVAILABLE';

/** A scanning rule of the registry (GetRegistryScanningConfiguration's `rules`). */
export interface ScanningRule {
  scanFrequency: 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL';
  repositoryFilters: Array<{ filter: string; filterType: 'WILDCARD' }>;
}

/** Scan statuses with findings to show (a basic scan that completed; an enhanced scan that is active). */
const WITH_FINDINGS = new Set<ScanStatus>(['COMPLETE', 'ACTIVE']);

export interface PushOptions {
  tags?: string[];
  /** Default: a digest derived from the repository, tags and push time. */
  digest?: string;
  pushedAt?: Date;
  sizeBytes?: number;
  /** Basic scan: the status (default COMPLETE when findings are given, else no scan at all). */
  scanStatus?: ScanStatus;
  /** Severity counts of a completed scan, e.g. { CRITICAL: 2, HIGH: 4 }. */
  findings?: Record<string, number>;
  /** Labels of the image config (`config.Labels`), e.g. the OCI revision and source labels CI sets. */
  labels?: Record<string, string>;
  /** A multi-platform image: its digest is an OCI index of linux/amd64 and linux/arm64 images (and an attestation). */
  index?: boolean;
}

interface StoredImage {
  digest: string;
  tags: string[];
  pushedAt: Date;
  sizeBytes: number;
  scanStatus?: ScanStatus;
  findings?: Record<string, number>;
  scannedAt?: Date;
  labels?: Record<string, string>;
  index?: boolean;
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const PLATFORMS = ['amd64', 'arm64'] as const;

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The image config of an image (for `arch`): what `docker inspect` reads its labels and build time from (built as it was pushed). */
function configJson(i: StoredImage, arch: string): string {
  return JSON.stringify({
    architecture: arch,
    os: 'linux',
    created: i.pushedAt.toISOString(),
    config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], ...(i.labels ? { Labels: i.labels } : {}) },
    rootfs: { type: 'layers', diff_ids: [] },
  });
}

/** A single-platform manifest of an image (for `arch`), with its config blob. */
function manifestJson(i: StoredImage, arch: string, mediaType: string): string {
  const config = configJson(i, arch);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: Buffer.byteLength(config) },
    layers: [],
  });
}

export class EcrWorld {
  private readonly ctx: WorldContext;
  private readonly repos = new Map<string, { createdAt: Date; images: StoredImage[] }>();
  private scanning: { scanType: 'BASIC' | 'ENHANCED'; rules: ScanningRule[] } = { scanType: 'BASIC', rules: [] };

  constructor(o: WorldOptions) {
    this.ctx = context(o);
  }

  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  get registry(): string {
    return `${this.ctx.account}.dkr.ecr.${this.ctx.region}.amazonaws.com`;
  }

  repositoryArn(name: string): string {
    return `arn:aws:ecr:${this.ctx.region}:${this.ctx.account}:repository/${name}`;
  }

  addRepository(name: string): void {
    if (!this.repos.has(name)) this.repos.set(name, { createdAt: new Date(this.ctx.now()), images: [] });
  }

  /**
   * The registry's scanning configuration (GetRegistryScanningConfiguration): BASIC with no rules by
   * default, as a new registry's. ENHANCED without rules: every repository (a CONTINUOUS_SCAN `*` rule).
   */
  setScanning(scanType: 'BASIC' | 'ENHANCED', rules?: ScanningRule[]): void {
    this.scanning = {
      scanType,
      rules:
        rules ??
        (scanType === 'ENHANCED'
          ? [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }]
          : []),
    };
  }

  /** Pushes an image; its tags move off any older image of the repository. Returns the digest. */
  push(repository: string, o: PushOptions = {}): string {
    this.addRepository(repository);
    const repo = this.repos.get(repository)!;
    const pushedAt = o.pushedAt ?? new Date(this.ctx.now());
    const digest =
      o.digest ??
      `sha256:${createHash('sha256')
        .update(`${repository}\0${(o.tags ?? []).join(',')}\0${pushedAt.getTime()}\0${repo.images.length}`)
        .digest('hex')}`;
    const tags = o.tags ?? [];
    for (const img of repo.images) img.tags = img.tags.filter((t) => !tags.includes(t));
    const existing = repo.images.find((i) => i.digest === digest);
    const scanStatus = o.scanStatus ?? (o.findings ? 'COMPLETE' : undefined);
    const image: StoredImage = {
      digest,
      tags: [...new Set([...(existing?.tags ?? []), ...tags])],
      pushedAt,
      sizeBytes: o.sizeBytes ?? 50_000_000 + (parseInt(digest.slice(7, 13), 16) % 100_000_000),
      ...(scanStatus ? { scanStatus, scannedAt: new Date(pushedAt.getTime() + 60_000) } : {}),
      ...(o.findings ? { findings: { ...o.findings } } : {}),
      ...(o.labels ? { labels: { ...o.labels } } : {}),
      ...(o.index ? { index: true } : {}),
    };
    if (existing) Object.assign(existing, image);
    else repo.images.push(image);
    return digest;
  }

  /** Removes an image (by digest) from a repository. */
  deleteImage(repository: string, digest: string): void {
    const repo = this.repos.get(repository);
    if (repo) repo.images = repo.images.filter((i) => i.digest !== digest);
  }

  /** The digest of `<registry>/<repo>:<tag>` or `…@sha256:…` when that image is in this registry. */
  digestOf(imageRef: string): string | undefined {
    const at = imageRef.indexOf('@');
    if (at >= 0) return imageRef.slice(at + 1);
    if (!imageRef.startsWith(`${this.registry}/`)) return undefined;
    const rest = imageRef.slice(this.registry.length + 1);
    const colon = rest.lastIndexOf(':');
    const [repo, tag] = colon < 0 ? [rest, 'latest'] : [rest.slice(0, colon), rest.slice(colon + 1)];
    return this.repos.get(repo)?.images.find((i) => i.tags.includes(tag))?.digest;
  }

  private repo(call: AwsCall): { name: string; images: StoredImage[]; createdAt: Date } {
    const name = requireString(call, 'repositoryName');
    const registryId = (call.input.registryId as string | undefined) ?? this.ctx.account;
    const repo = registryId === this.ctx.account ? this.repos.get(name) : undefined;
    if (!repo) {
      throw new AwsFault(
        'RepositoryNotFoundException',
        `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
      );
    }
    return { name, ...repo };
  }

  private find(images: StoredImage[], id: ImageIdentifier): StoredImage | undefined {
    return images.find(
      (i) => (id.imageDigest ? i.digest === id.imageDigest : false) || (id.imageTag ? i.tags.includes(id.imageTag) : false),
    );
  }

  private notFound(repo: string, id: ImageIdentifier): AwsFault {
    return new AwsFault(
      'ImageNotFoundException',
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo}' in the registry with id '${this.ctx.account}'`,
    );
  }

  private detail(repo: string, i: StoredImage): ImageDetail {
    return {
      registryId: this.ctx.account,
      repositoryName: repo,
      imageDigest: i.digest,
      ...(i.tags.length ? { imageTags: [...i.tags] } : {}),
      imageSizeInBytes: i.sizeBytes,
      imagePushedAt: i.pushedAt,
      imageManifestMediaType: i.index ? OCI_INDEX : MANIFEST_TYPE,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      ...(i.scanStatus
        ? {
            imageScanStatus: {
              status: i.scanStatus,
              description: i.scanStatus === 'COMPLETE' ? 'The scan was completed successfully.' : `The scan is ${i.scanStatus}.`,
            },
          }
        : {}),
      ...(i.scanStatus && WITH_FINDINGS.has(i.scanStatus)
        ? { imageScanFindingsSummary: { imageScanCompletedAt: i.scannedAt, findingSeverityCounts: { ...(i.findings ?? {}) } } }
        : {}),
    };
  }

  /** The manifest BatchGetImage answers for an image (an index for a multi-platform one). */
  private manifestOf(i: StoredImage & { arch?: string }): { manifest: string; mediaType: string } {
    if (i.arch) return { manifest: manifestJson(i, i.arch, OCI_MANIFEST), mediaType: OCI_MANIFEST };
    if (!i.index) return { manifest: manifestJson(i, 'amd64', MANIFEST_TYPE), mediaType: MANIFEST_TYPE };
    const entries = PLATFORMS.map((arch) => {
      const m = manifestJson(i, arch, OCI_MANIFEST);
      return { mediaType: OCI_MANIFEST, digest: sha256(m), size: Buffer.byteLength(m), platform: { architecture: arch, os: 'linux' } };
    });
    const attestation = sha256(`${i.digest}\0attestation`);
    return {
      manifest: JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          ...entries,
          {
            mediaType: OCI_MANIFEST,
            digest: attestation,
            size: 840,
            annotations: { 'vnd.docker.reference.digest': entries[0]!.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
            platform: { architecture: 'unknown', os: 'unknown' },
          },
        ],
      }),
      mediaType: OCI_INDEX,
    };
  }

  /** The platform images of a multi-platform image, by their manifest digests. */
  private platformImages(images: StoredImage[]): Array<StoredImage & { arch: string }> {
    return images
      .filter((i) => i.index)
      .flatMap((i) => PLATFORMS.map((arch) => ({ ...i, digest: sha256(manifestJson(i, arch, OCI_MANIFEST)), arch })));
  }

  /** The config blob with this digest of an image of the repository. */
  private blobOf(images: StoredImage[], digest: string): string | undefined {
    for (const i of images) {
      for (const arch of i.index ? PLATFORMS : (['amd64'] as const)) {
        const config = configJson(i, arch);
        if (sha256(config) === digest) return config;
      }
    }
    return undefined;
  }

  handlers(): Record<string, AwsHandler> {
    return {
      DescribeImages: (call) => {
        const repo = this.repo(call);
        const ids = call.input.imageIds as ImageIdentifier[] | undefined;
        if (ids?.length) {
          const found = ids.map((id) => {
            const img = this.find(repo.images, id);
            if (!img) throw this.notFound(repo.name, id);
            return this.detail(repo.name, img);
          });
          return { imageDetails: copy(found) };
        }
        const status = (call.input.filter as { tagStatus?: string } | undefined)?.tagStatus;
        const images = repo.images
          .filter((i) => (status === 'TAGGED' ? i.tags.length > 0 : status === 'UNTAGGED' ? i.tags.length === 0 : true))
          .map((i) => this.detail(repo.name, i));
        const p = page(images, call.input.nextToken, Math.min(1000, Number(call.input.maxResults) || 100));
        return { imageDetails: copy(p.items), ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
      },
      DescribeImageScanFindings: (call) => {
        const repo = this.repo(call);
        const id = (call.input.imageId ?? {}) as ImageIdentifier;
        const img = this.find(repo.images, id);
        if (!img) throw this.notFound(repo.name, id);
        if (!img.scanStatus) {
          throw new AwsFault(
            'ScanNotFoundException',
            `Image scan does not exist for the image with '{imageDigest:'${img.digest}', imageTag:'${id.imageTag ?? 'null'}'}' in the repository with name '${repo.name}' in the registry with id '${this.ctx.account}'`,
          );
        }
        return {
          registryId: this.ctx.account,
          repositoryName: repo.name,
          imageId: { imageDigest: img.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
          imageScanStatus: {
            status: img.scanStatus,
            description: img.scanStatus === 'COMPLETE' ? 'The scan was completed successfully.' : '',
          },
          ...(WITH_FINDINGS.has(img.scanStatus)
            ? {
                imageScanFindings: {
                  imageScanCompletedAt: img.scannedAt,
                  vulnerabilitySourceUpdatedAt: img.scannedAt,
                  findingSeverityCounts: { ...(img.findings ?? {}) },
                  findings: [],
                },
              }
            : {}),
        };
      },
      GetRegistryScanningConfiguration: () => ({
        registryId: this.ctx.account,
        scanningConfiguration: copy({ scanType: this.scanning.scanType, rules: this.scanning.rules }),
      }),
      BatchGetImage: (call) => {
        const repo = this.repo(call);
        const ids = (call.input.imageIds ?? []) as ImageIdentifier[];
        const images: unknown[] = [];
        const failures: unknown[] = [];
        for (const id of ids) {
          const img = this.find(repo.images, id) ?? (id.imageDigest ? this.find(this.platformImages(repo.images), id) : undefined);
          const mismatch = id.imageDigest && id.imageTag && img && (img.digest !== id.imageDigest || !img.tags.includes(id.imageTag));
          if (!img || mismatch) {
            failures.push(
              mismatch
                ? { imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid image tag for image digest' }
                : { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
            );
            continue;
          }
          const { manifest, mediaType } = this.manifestOf(img);
          images.push({
            registryId: this.ctx.account,
            repositoryName: repo.name,
            imageId: { imageDigest: img.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
            imageManifest: manifest,
            imageManifestMediaType: mediaType,
          });
        }
        return { images, failures };
      },
      GetDownloadUrlForLayer: (call) => {
        const repo = this.repo(call);
        const layerDigest = requireString(call, 'layerDigest');
        if (!this.blobOf(repo.images, layerDigest)) {
          throw new AwsFault(
            'LayersNotFoundException',
            `The image layer '${layerDigest}' does not exist in the repository with name '${repo.name}' in the registry with id '${this.ctx.account}'`,
          );
        }
        // Presigned-like: on the host the caller reached this endpoint at, valid for the blob only.
        const path = `${encodeURIComponent(repo.name)}/${layerDigest}`;
        return { downloadUrl: `${call.endpoint ?? ''}/_presigned/ecr/${this.ctx.region}/${path}?X-Amz-Expires=3600`, layerDigest };
      },
      [PRESIGNED_GET]: (call) => {
        const [name, digest] = String(call.input.path ?? '').split('/');
        const repo = this.repos.get(decodeURIComponent(name ?? ''));
        const blob = repo ? this.blobOf(repo.images, digest ?? '') : undefined;
        return blob ? { body: blob, contentType: 'application/octet-stream' } : undefined;
      },
      DescribeRepositories: (call) => {
        const names = (call.input.repositoryNames as string[] | undefined) ?? [...this.repos.keys()];
        const repositories = names.map((name) => {
          const r = this.repos.get(name);
          if (!r)
            throw new AwsFault(
              'RepositoryNotFoundException',
              `The repository with name '${name}' does not exist in the registry with id '${this.ctx.account}'`,
            );
          return {
            repositoryArn: this.repositoryArn(name),
            registryId: this.ctx.account,
            repositoryName: name,
            repositoryUri: `${this.registry}/${name}`,
            createdAt: r.createdAt,
            imageTagMutability: 'MUTABLE',
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfiguration: { encryptionType: 'AES256' },
          };
        });
        return { repositories };
      },
    };
  }
}
