/**
 * ECR read adapters: resolve a tag to its digest, list recent images with scan summaries, the
 * registry's scan type (basic or enhanced), and the labels of an image's config.
 */
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  GetDownloadUrlForLayerCommand,
  GetRegistryScanningConfigurationCommand,
  type ECRClient,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { ACCEPTED_MEDIA_TYPES, configLabels, parseManifest, pickPlatform, type Platform } from './image-manifest';
import { BotError } from '../errors';
import { awsErrorName, callAws, awsActions } from './errors';
import { defineMessages } from '../i18n/catalog';
import { boundedText, httpsOrLoopback } from './bounded-body';

const M = defineMessages('aws.ecr', {
  noRepository: { en: 'ECR has no repository {repository}.', ko: 'ECR에 {repository} 리포지토리가 없습니다.' },
  noRepositoryHint: {
    en: 'Check `repository` for this service in chatops.yml (the name, not the URI).',
    ko: 'chatops.yml에서 이 서비스의 `repository`를 확인하세요 (URI가 아니라 이름).',
  },
  noImage: { en: 'ECR repository {repository} has no image with {what}.', ko: 'ECR 리포지토리 {repository}에 {what} 이미지가 없습니다.' },
  tag: { en: 'tag {tag}', ko: '태그 {tag}' },
  digest: { en: 'digest {digest}', ko: '다이제스트 {digest}' },
  recentTags: { en: 'Most recent tags: {tags}.', ko: '최근 태그: {tags}.' },
  noTags: { en: 'The repository has no tagged images.', ko: '이 리포지토리에는 태그가 붙은 이미지가 없습니다.' },
  readScanning: { en: 'read the registry scanning configuration', ko: '레지스트리 스캔 설정 조회' },
  readManifest: { en: 'read the manifest of {digest} in {repository}', ko: '{repository} 리포지토리의 {digest} 매니페스트 조회' },
  readConfig: { en: 'read the config of {digest} in {repository}', ko: '{repository} 리포지토리의 {digest} 이미지 설정 조회' },
});

/** `registryId` for a request: the registry's account, or none (the caller's own registry). */
const inRegistry = (registryId: string | undefined) => (registryId ? { registryId } : {});

/**
 * The image a tag or digest points at now; NOT_FOUND (with recent tags) when it does not exist.
 * `registryId`: the account of the registry (chatops.yml `registry`); default the caller's.
 */
export async function describeImage(
  ecr: ECRClient,
  repositoryName: string,
  ref: { tag?: string; digest?: string },
  registryId?: string,
): Promise<ImageDetail> {
  const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag };
  try {
    const res = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [imageId], ...inRegistry(registryId) }));
    const img = res.imageDetails?.[0];
    if (img) return img;
  } catch (err) {
    const name = awsErrorName(err);
    if (name === 'RepositoryNotFoundException') {
      throw new BotError('CONFIG', `repository ${repositoryName} not found`, {
        userMessage: M.lazy('noRepository', { repository: `\`${repositoryName}\`` }),
        hint: M.lazy('noRepositoryHint'),
        cause: err,
      });
    }
    if (name !== 'ImageNotFoundException') {
      await callAws(
        {
          action: awsActions.lazy('lookUpImage', { ref: ref.tag ?? ref.digest ?? '', repository: repositoryName }),
          permission: 'ecr:DescribeImages',
        },
        () => Promise.reject(err),
      );
    }
  }
  const recent = await recentImages(ecr, repositoryName, 5, undefined, registryId).catch(() => [] as ImageDetail[]);
  const tags = recent.flatMap((i) => i.imageTags?.slice(0, 1) ?? []);
  const what = ref.tag ? M.lazy('tag', { tag: `\`${ref.tag}\`` }) : M.lazy('digest', { digest: `\`${ref.digest}\`` });
  throw new BotError('NOT_FOUND', `image ${ref.tag ?? ref.digest} not found in ${repositoryName}`, {
    userMessage: M.lazy('noImage', { repository: `\`${repositoryName}\``, what }),
    hint: tags.length ? M.lazy('recentTags', { tags: tags.map((t) => `\`${t}\``).join(', ') }) : M.lazy('noTags'),
  });
}

/**
 * The most recently pushed images (DescribeImages has no server-side sort: page through the
 * repository, bounded, and sort by push time).
 */
export async function recentImages(
  ecr: ECRClient,
  repositoryName: string,
  limit: number,
  maxPages = 10,
  registryId?: string,
): Promise<ImageDetail[]> {
  const all: ImageDetail[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await callAws(
      { action: awsActions.lazy('listImages', { repository: repositoryName }), permission: 'ecr:DescribeImages' },
      () =>
        ecr.send(
          new DescribeImagesCommand({
            repositoryName,
            nextToken,
            maxResults: 1000,
            filter: { tagStatus: 'TAGGED' },
            ...inRegistry(registryId),
          }),
        ),
    );
    all.push(...(res.imageDetails ?? []));
    nextToken = res.nextToken;
    if (!nextToken) break;
  }
  return all.sort((a, b) => (b.imagePushedAt?.getTime() ?? 0) - (a.imagePushedAt?.getTime() ?? 0)).slice(0, limit);
}

/**
 * The image with this digest, or undefined when the repository has no such image
 * (one DescribeImages call; no fallback listing, unlike describeImage).
 */
export async function findImageByDigest(
  ecr: ECRClient,
  repositoryName: string,
  imageDigest: string,
  registryId?: string,
): Promise<ImageDetail | undefined> {
  try {
    const res = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }], ...inRegistry(registryId) }));
    return res.imageDetails?.[0];
  } catch (err) {
    if (awsErrorName(err) === 'ImageNotFoundException') return undefined;
    return callAws(
      { action: awsActions.lazy('lookUpImage', { ref: imageDigest, repository: repositoryName }), permission: 'ecr:DescribeImages' },
      () => Promise.reject(err),
    );
  }
}

/**
 * The image a tag or digest names in a repository (of `registryId`, another account's registry
 * included), or undefined when ECR has no such image or repository. One DescribeImages call.
 */
export async function findImage(
  ecr: ECRClient,
  repositoryName: string,
  ref: { tag?: string; digest?: string },
  registryId?: string,
): Promise<ImageDetail | undefined> {
  const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag };
  try {
    const res = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [imageId], ...inRegistry(registryId) }));
    return res.imageDetails?.[0];
  } catch (err) {
    if (['ImageNotFoundException', 'RepositoryNotFoundException'].includes(awsErrorName(err))) return undefined;
    return callAws(
      {
        action: awsActions.lazy('lookUpImage', { ref: ref.tag ?? ref.digest ?? '?', repository: repositoryName }),
        permission: 'ecr:DescribeImages',
      },
      () => Promise.reject(err),
    );
  }
}

/** The registry's scanning: its account (the caller's own registry, in the client's region) and its scan type. */
export interface RegistryScanning {
  registryId?: string;
  /** BASIC (ECR's own scans: StartImageScan, scan on push) or ENHANCED (Amazon Inspector, by the registry's scanning rules). */
  scanType?: string;
}

/**
 * GetRegistryScanningConfiguration (ecr:GetRegistryScanningConfiguration): how the registry scans.
 * It takes no registryId: AWS answers for the CALLER's registry in the client's region, whose account
 * is the answer's `registryId` (compare it with the image's before trusting the scan type). Bounded
 * (`timeoutMs`, one attempt chain); failures are mapped like every ECR call (callAws).
 */
export async function registryScanning(ecr: ECRClient, timeoutMs = 3_000): Promise<RegistryScanning> {
  const res = await callAws({ action: M.lazy('readScanning'), permission: 'ecr:GetRegistryScanningConfiguration' }, () =>
    ecr.send(new GetRegistryScanningConfigurationCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) }),
  );
  return {
    ...(res?.registryId ? { registryId: res.registryId } : {}),
    ...(res?.scanningConfiguration?.scanType ? { scanType: res.scanningConfiguration.scanType } : {}),
  };
}

export interface ImageLabelsOptions {
  registryId?: string;
  /** The platform whose image an index (manifest list) is read for; default linux/amd64. */
  platform?: Platform;
  /** The whole lookup's bound (every call and the download share it); default 3 s. */
  timeoutMs?: number;
  /** The most of the config blob read; default 256 KiB. */
  maxBytes?: number;
}

/**
 * The labels of an image's config (`config.Labels`), by digest: BatchGetImage (ecr:BatchGetImage)
 * for its manifest, and for an index (manifest list) that of `platform`'s entry; then the config
 * blob through GetDownloadUrlForLayer (ecr:GetDownloadUrlForLayer) and a GET of the presigned URL
 * it answers. Undefined when ECR has no such image, an index has no entry for the platform, or
 * the config has no labels. Bounded: one deadline (`timeoutMs`) for every call and the download,
 * a body of at most `maxBytes`. AWS failures are mapped like every ECR call (callAws); the caller
 * treats any failure as "unknown".
 */
export async function imageLabels(
  ecr: ECRClient,
  repositoryName: string,
  imageDigest: string,
  opts: ImageLabelsOptions = {},
): Promise<Record<string, string> | undefined> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 3_000);
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const where = { ...inRegistry(opts.registryId), repositoryName };
  const manifestOf = async (digest: string) => {
    const res = await callAws(
      {
        action: M.lazy('readManifest', { digest: `\`${digest}\``, repository: `\`${repositoryName}\`` }),
        permission: 'ecr:BatchGetImage',
      },
      () =>
        ecr.send(
          new BatchGetImageCommand({ ...where, imageIds: [{ imageDigest: digest }], acceptedMediaTypes: [...ACCEPTED_MEDIA_TYPES] }),
          { abortSignal: signal },
        ),
    );
    const image = res?.images?.[0];
    return image ? parseManifest(image.imageManifest, image.imageManifestMediaType) : undefined;
  };
  let manifest = await manifestOf(imageDigest);
  if (manifest?.kind === 'index') {
    const entry = pickPlatform(manifest, opts.platform ?? { os: 'linux', architecture: 'amd64' });
    manifest = entry ? await manifestOf(entry) : undefined;
  }
  if (manifest?.kind !== 'image') return undefined;
  const layerDigest = manifest.configDigest;
  const url = await callAws(
    {
      action: M.lazy('readConfig', { digest: `\`${imageDigest}\``, repository: `\`${repositoryName}\`` }),
      permission: 'ecr:GetDownloadUrlForLayer',
    },
    () => ecr.send(new GetDownloadUrlForLayerCommand({ ...where, layerDigest }), { abortSignal: signal }),
  );
  if (!url?.downloadUrl) return undefined;
  return configLabels(await download(url.downloadUrl, signal, maxBytes));
}

/** GET a presigned URL (https, or http on loopback) within `signal`, reading at most `maxBytes`. */
async function download(url: string, signal: AbortSignal, maxBytes: number): Promise<string> {
  const u = new URL(url);
  if (!httpsOrLoopback(u)) {
    throw new Error(`image config download: not an https URL (${u.protocol})`);
  }
  const res = await fetch(u, { signal });
  return boundedText(res, maxBytes, {
    failed: (status) => new Error(`image config download: HTTP ${status}`),
    tooLarge: () => new Error(`image config download: larger than ${maxBytes} bytes`),
  });
}
