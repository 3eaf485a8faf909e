/**
 * Image references as people type them and as ECS needs them. Pure (no SDK import), so the
 * verb parsers on the Slack-facing path can validate a tag before anything calls AWS.
 */
import { defineMessages, type Localized } from '../i18n/catalog';
import { code } from '../slack/text';

const M = defineMessages('deploy.refs', {
  badDigest: {
    en: '{input} is not a valid image digest: after `sha256:` there must be exactly 64 hex characters (got {n}{notHex}).',
    ko: '{input}: 올바른 이미지 다이제스트가 아닙니다. `sha256:` 뒤에는 16진수가 정확히 64자 와야 합니다 (입력 {n}자{notHex}).',
  },
  notHex: { en: ', some of them not hex', ko: ', 16진수가 아닌 문자 포함' },
  fullReference: {
    en: '{input} is a full image reference. Give only the digest (`sha256:…`) or the tag; the repository comes from chatops.yml.',
    ko: '{input}: 이미지 전체 참조입니다. 다이제스트(`sha256:…`)나 태그만 쓰세요. 리포지토리는 chatops.yml에서 가져옵니다.',
  },
  imageName: {
    en: '{input} looks like an image name, not a tag. Give only the tag; the repository comes from chatops.yml.{guess}',
    ko: '{input}: 태그가 아니라 이미지 이름으로 보입니다. 태그만 쓰세요. 리포지토리는 chatops.yml에서 가져옵니다.{guess}',
  },
  guess: { en: ' Did you mean {tag}?', ko: ' 혹시 {tag}인가요?' },
  tagTooLong: {
    en: 'That tag is {n} characters long; Docker tags have at most 128.',
    ko: '태그가 {n}자입니다. Docker 태그는 최대 128자입니다.',
  },
  badStart: {
    en: '{input} is not a valid tag: a tag cannot start with {char}.',
    ko: '{input}: 올바른 태그가 아닙니다. 태그는 {char} 문자로 시작할 수 없습니다.',
  },
  badChars: {
    en: '{input} is not a valid tag: it contains {chars}. Tags use letters, digits, `_`, `.` and `-`.',
    ko: '{input}: 올바른 태그가 아닙니다. {chars} 문자가 들어 있습니다. 태그에는 영문자, 숫자, `_`, `.`, `-`만 쓸 수 있습니다.',
  },
});

/** Docker tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A content digest as ECR reports it: sha256 followed by 64 lower-case hex characters. */
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export type ImageSelector = { tag: string; digest?: undefined } | { digest: string; tag?: undefined };

/**
 * Validate what followed the service in `/ecs deploy <service> <tag | sha256:digest>`.
 * Returns the selector, or a sentence saying exactly what is wrong with the input.
 */
export function parseImageSelector(input: string): { ok: true; value: ImageSelector } | { ok: false; message: Localized } {
  const s = input.trim();
  if (/^sha256:/i.test(s)) {
    const lower = s.toLowerCase();
    if (DIGEST_RE.test(lower)) return { ok: true, value: { digest: lower } };
    const hex = s.slice('sha256:'.length);
    const notHex = /[^a-fA-F0-9]/.test(hex);
    return {
      ok: false,
      message: (l) => M.in(l)('badDigest', { input: code(s), n: hex.length, notHex: notHex ? M.in(l)('notHex') : '' }),
    };
  }
  if (TAG_RE.test(s)) return { ok: true, value: { tag: s } };
  if (s.includes('@sha256:')) {
    return { ok: false, message: M.lazy('fullReference', { input: code(s) }) };
  }
  if (s.includes('/') || (s.includes(':') && !s.startsWith(':'))) {
    const tail = s.slice(Math.max(s.lastIndexOf(':'), s.lastIndexOf('/')) + 1);
    const guess = TAG_RE.test(tail);
    return {
      ok: false,
      message: (l) => M.in(l)('imageName', { input: code(s), guess: guess ? M.in(l)('guess', { tag: code(tail) }) : '' }),
    };
  }
  if (s.length > 128) return { ok: false, message: M.lazy('tagTooLong', { n: s.length }) };
  if (/^[.-]/.test(s)) return { ok: false, message: M.lazy('badStart', { input: code(s), char: `\`${s[0]}\`` }) };
  const bad = [...new Set(s.replace(/[A-Za-z0-9_.-]/g, ''))].join('');
  return { ok: false, message: M.lazy('badChars', { input: code(s), chars: code(bad) }) };
}

/** First 12 hex characters of a digest, as `docker images` shows it. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '';
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Split `<registry>/<repo>[:tag][@digest]` into the repository part (with registry), tag and digest. */
export function splitImage(image: string | undefined): { repository: string; tag?: string; digest?: string } {
  if (!image) return { repository: '' };
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repository: rest, ...(digest ? { digest } : {}) };
}

/**
 * The registry host of an image or repository (`123….dkr.ecr.eu-west-1.amazonaws.com`, `localhost:5000`);
 * '' for Docker Hub's `name` (Docker's rule: a first segment with a dot or a port, or localhost, is a host).
 */
export function registryHost(reference: string): string {
  const first = reference.split('/')[0] ?? '';
  return reference.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? first : '';
}

/** A repository without its registry host: `shop/web`. */
export function withoutRegistry(repository: string): string {
  const host = registryHost(repository);
  return host ? repository.slice(host.length + 1) : repository;
}

/** An image as one line shows it: without its registry host (unless `withHost`), a digest cut to 12 hex characters. */
export function shortImage(image: string, withHost = false): string {
  const { repository, tag, digest } = splitImage(image);
  return `${withHost ? repository : withoutRegistry(repository)}${tag ? `:${tag}` : ''}${digest ? `@sha256:${shortDigest(digest)}` : ''}`;
}

/** The ECR registry, region and repository name of an ECR image URI, or undefined for other registries. */
export function ecrRepositoryOf(image: string | undefined): { registryId: string; region: string; repositoryName: string } | undefined {
  const { repository } = splitImage(image);
  const m = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/.exec(repository);
  if (!m) return undefined;
  return { registryId: m[1]!, region: m[2]!, repositoryName: m[3]! };
}

/**
 * The image URI to deploy, pinned by digest: `<registry>/<repository>@sha256:…`.
 * The registry host is taken from the container's current image when that image is from the
 * same repository (so cross-account registries and pull-through prefixes keep working);
 * otherwise it is the ECR registry of `registryId` in `region`.
 */
export function pinnedImageUri(opts: {
  currentImage?: string;
  repository: string;
  registryId: string;
  region: string;
  digest: string;
}): string {
  const current = splitImage(opts.currentImage).repository;
  if (current === opts.repository || current.endsWith(`/${opts.repository}`)) return `${current}@${opts.digest}`;
  const suffix = opts.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${opts.registryId}.dkr.ecr.${opts.region}.${suffix}/${opts.repository}@${opts.digest}`;
}
