/**
 * ECR stubs for the commits line of a deploy or rollback request (aws-sdk-client-mock, documented
 * shapes): BatchGetImage answers a manifest (an OCI index for DIGEST, the new image of a deploy or the
 * image a rollback returns to, whose linux/amd64 entry is an image manifest) and GetDownloadUrlForLayer
 * a URL on a local HTTP server that serves the image config (its labels), or never answers (`hang`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchGetImageCommand, GetDownloadUrlForLayerCommand, type ECRClient } from '@aws-sdk/client-ecr';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { DIGEST, REGISTRY, task, taskDefinition, tdArn } from './aws-fixtures';
import type { FakeClock } from './clock';
import { webDeployedFrom39 } from './deploy-e2e';
import type { FakeEcs } from './fake-ecs';

export const FROM_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
export const TO_SHA = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
/** shop/web v1.2.2 in stubImages (what web-prod:42 runs). */
export const RUNNING_DIGEST = 'sha256:' + 'b'.repeat(64);
const AMD64 = 'sha256:' + '1'.repeat(64);
const ARM64 = 'sha256:' + '2'.repeat(64);
const configDigest = (of: string) => 'sha256:' + of.slice(-8).repeat(8);

/**
 * web-prod:42 (`shop/web:v1.2.2`, a tag) runs two tasks that report RUNNING_DIGEST: the "from" side
 * is the digest the tasks run, never the tag's digest looked up now (a tag may have moved).
 */
export function runningOldImage(world: FakeEcs): void {
  world.setRunning(
    'prod',
    'web-prod',
    ['0a', '0b'].map((n) => task({ id: n.repeat(16), td: tdArn('web-prod', 42), digest: RUNNING_DIGEST })),
  );
}

/** A rollback's target image pinned to DIGEST (whose labels are stubLabels' `to`). */
export const PINNED_TARGET = `${REGISTRY}/shop/web@${DIGEST}`;

/**
 * A rollback of web to web-prod:39, whose container runs `image` (PINNED_TARGET, or a tag): ECS's
 * history says the last deploy took web-prod from :39 to :42 (what runs now, RUNNING_DIGEST as
 * runningOldImage reports it).
 */
export function rollbackTo39(world: FakeEcs, clock: FakeClock, image: string): void {
  world.addTaskDefinition(taskDefinition(39, {}, image));
  webDeployedFrom39(world, clock);
  runningOldImage(world);
}

export const shopLabels = (revision: string): Record<string, string> => ({
  'org.opencontainers.image.revision': revision,
  'org.opencontainers.image.source': 'https://github.com/acme/shop.git',
});

export interface BlobServer {
  url: string;
  /** Config blobs by path (`/<digest>`); `/hang` never answers. */
  blobs: Map<string, string>;
  /** The paths asked for, in order. */
  asked: string[];
  close(): Promise<void>;
}

export async function startBlobServer(): Promise<BlobServer> {
  const blobs = new Map<string, string>();
  const hanging = new Set<http.ServerResponse>();
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    asked.push(path);
    if (path === '/hang') {
      hanging.add(res);
      return;
    }
    const blob = blobs.get(path);
    res.writeHead(blob ? 200 : 404, { 'Content-Type': 'application/octet-stream' });
    res.end(blob ?? 'NoSuchKey');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    blobs,
    asked,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A BlobServer for each test: started before it (call this before useDeployHarness, whose `before`
 * may then stub labels on it), closed after it.
 */
export function useBlobServer(): () => BlobServer {
  return perTest(startBlobServer, 'useBlobServer');
}

/** A server started before each test and closed after it; the getter throws outside a test. */
function perTest<S extends { close(): Promise<void> }>(start: () => Promise<S>, name: string): () => S {
  let server: S | undefined;
  beforeEach(async () => {
    server = await start();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return () => {
    if (!server) throw new Error(`${name}: the server is only there inside a test (or its hooks)`);
    return server;
  };
}

/**
 * DIGEST (an OCI index: a deploy's new image, a rollback's target) and the running image
 * (RUNNING_DIGEST, a Docker manifest) with these labels, `to` and `from` (undefined: a config without
 * labels), `created` their configs' build times; `download`: 'hang' (the URL never answers) or an Error
 * GetDownloadUrlForLayer fails with.
 */
export function stubLabels(
  ecr: AwsClientStub<ECRClient>,
  server: BlobServer,
  labels: { to?: Record<string, string>; from?: Record<string, string>; created?: { to: string; from: string } },
  download?: 'hang' | Error,
): void {
  const manifest = (digest: string) =>
    JSON.stringify({ schemaVersion: 2, config: { digest: configDigest(digest), size: 100 }, layers: [] });
  ecr.on(BatchGetImageCommand).callsFake((input: { imageIds: Array<{ imageDigest?: string }> }) => {
    const digest = input.imageIds[0]?.imageDigest;
    if (digest === DIGEST) {
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: ARM64,
            size: 1,
            platform: { architecture: 'arm64', os: 'linux' },
          },
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: AMD64,
            size: 1,
            platform: { architecture: 'amd64', os: 'linux' },
          },
        ],
      };
      return {
        images: [{ imageId: { imageDigest: digest }, imageManifest: JSON.stringify(index), imageManifestMediaType: index.mediaType }],
        failures: [],
      };
    }
    if (digest === AMD64 || digest === RUNNING_DIGEST) {
      return {
        images: [
          {
            imageId: { imageDigest: digest },
            imageManifest: manifest(digest),
            imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          },
        ],
        failures: [],
      };
    }
    return {
      images: [],
      failures: [{ imageId: { imageDigest: digest }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }],
    };
  });
  // `created`: the configs' own build times (what `docker build` writes), for which image is older.
  const config = (l: Record<string, string> | undefined, created: string | undefined) =>
    JSON.stringify({ architecture: 'amd64', os: 'linux', ...(created ? { created } : {}), config: l ? { Labels: l } : {} });
  server.blobs.set(`/${configDigest(AMD64)}`, config(labels.to, labels.created?.to));
  server.blobs.set(`/${configDigest(RUNNING_DIGEST)}`, config(labels.from, labels.created?.from));
  const stub = ecr.on(GetDownloadUrlForLayerCommand);
  if (download instanceof Error) stub.rejects(download);
  else
    stub.callsFake((input: { layerDigest: string }) => ({
      layerDigest: input.layerDigest,
      downloadUrl: download === 'hang' ? `${server.url}/hang` : `${server.url}/${input.layerDigest}?X-Amz-Signature=x`,
    }));
}

/** A request the Git API stand-in received: its path (with the query) and headers. */
export interface GitApiRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface GitApiServer {
  url: string;
  /** The answer to every request: a status and a JSON body, or 'hang' (never answers). */
  answer: { status: number; body: unknown } | 'hang';
  requests: GitApiRequest[];
  close(): Promise<void>;
}

/** A local HTTP server playing a Git host's API (GitHub's compare endpoint, GitLab's): records what it is asked, answers `answer`. */
export async function startGitApi(): Promise<GitApiServer> {
  const hanging = new Set<http.ServerResponse>();
  const api: GitApiServer = {
    url: '',
    answer: { status: 404, body: { message: 'Not Found' } },
    requests: [],
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    api.requests.push({ path: req.url ?? '', headers: req.headers });
    const answer = api.answer;
    if (answer === 'hang') {
      hanging.add(res);
      return;
    }
    res.writeHead(answer.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** A GitApiServer for each test, started before it (call this before useDeployHarness, whose `env` may name its URL), closed after it. */
export function useGitApi(): () => GitApiServer {
  return perTest(startGitApi, 'useGitApi');
}

/** GitHub's compare answer (oldest first) for `n` commits (the i-th's sha starts `i000000`), `total_commits` as given. */
export function gitHubCompare(n: number, total = n): { total_commits: number; commits: unknown[] } {
  const commits = Array.from({ length: n }, (_, i) => ({
    sha: String(i + 1)
      .padEnd(7, '0')
      .padEnd(40, 'c'),
    commit: { message: `Commit ${i + 1}\n\nThe body.`, author: { name: `Dev ${i + 1}`, date: '2026-12-01T10:00:00Z' } },
    author: i % 2 ? { login: `dev${i + 1}` } : null,
  }));
  return { total_commits: total, commits };
}
