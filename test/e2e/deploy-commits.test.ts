/**
 * "Which commits am I approving?": a deploy request shows the commits of the running and the new
 * image, from their OCI labels in ECR (BatchGetImage, the index's linux/amd64 entry, the config blob
 * through GetDownloadUrlForLayer). Best-effort: a denied GetDownloadUrlForLayer, a download that never
 * answers or an image without labels still posts the request, without the line. Through the real
 * handlers (Slack function, worker), ECS and ECR stubbed; the bound is ECR_LABELS_TIMEOUT_MS (short here).
 */
import { BatchGetImageCommand, DescribeImagesCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { awsException, DIGEST, imageDetail } from '../helpers/aws-fixtures';
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { FROM_SHA, RUNNING_DIGEST, TO_SHA, runningOldImage, shopLabels, useBlobServer, stubLabels } from '../helpers/commits-e2e';

const blobs = useBlobServer();
const h = useDeployHarness({
  before: async ({ world }) => {
    runningOldImage(world);
  },
});
const bound = process.env.ECR_LABELS_TIMEOUT_MS;
beforeAll(() => {
  process.env.ECR_LABELS_TIMEOUT_MS = '300';
});
afterAll(() => {
  if (bound === undefined) delete process.env.ECR_LABELS_TIMEOUT_MS;
  else process.env.ECR_LABELS_TIMEOUT_MS = bound;
});

async function card(): Promise<string> {
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  return textOf(requestMessage(h.e2e, 'CPROD').message);
}

const COMPARE = `https://github.com/acme/shop/compare/${FROM_SHA}...${TO_SHA}`;

describe('the commits of a deploy request', () => {
  it('both commits, 7 hex each, and the compare link; the new image read through its index', async () => {
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) });
    const text = await card();
    expect(text).toContain(`:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\` (<${COMPARE}|compare>)`);
    const asked = h.ecrMock.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input.imageIds?.[0]?.imageDigest);
    expect(asked).toEqual(expect.arrayContaining([DIGEST, 'sha256:' + '1'.repeat(64), RUNNING_DIGEST]));
    expect(asked).not.toContain('sha256:' + '2'.repeat(64));
    expect(h.ecrMock.commandCalls(BatchGetImageCommand)[0]!.args[0].input.acceptedMediaTypes).toEqual(
      expect.arrayContaining(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']),
    );
  });

  it('an image built before the one running (an older tag deployed again): the commits read back, linked as what it undoes', async () => {
    // The build times are the configs' own `created` (no created label): the new image is a day older.
    const created = { to: '2026-12-01T10:00:00Z', from: '2026-12-02T10:00:00Z' };
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA), created });
    const text = await card();
    // Was "`1a2b3c4` → `9f8e7d6` (compare)" with FROM...TO, a page GitHub shows empty.
    const undone = `https://github.com/acme/shop/compare/${TO_SHA}...${FROM_SHA}`;
    expect(text).toContain(`:memo: Commits: \`1a2b3c4\` → back to \`9f8e7d6\` (<${undone}|what it undoes>)`);
  });

  it('the running side is the digest the tasks run, not what the tag in the task definition points to now', async () => {
    // v1.2.2 (the running task definition's tag) was pushed again since: ECR's v1.2.2 is now the new image.
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) });
    h.ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1.2.2' }] })
      .resolves({ imageDetails: [imageDetail({ imageDigest: DIGEST, imageTags: ['v1.2.2', 'v1.2.3'] })] });
    const text = await card();
    expect(text).toContain(`:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\``);
    expect(text).not.toContain('the same as now');
    const asked = h.ecrMock.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input.imageIds?.[0]?.imageDigest);
    expect(asked).toContain(RUNNING_DIGEST);
  });

  it('no task reports the digest it runs (a tag in the task definition): only the new commit, no guess from the tag', async () => {
    h.world.setRunning('prod', 'web-prod', []);
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) });
    const text = await card();
    expect(text).toContain(':memo: Commits: `9f8e7d6`');
    expect(text).not.toContain('→ `9f8e7d6`');
    const asked = h.ecrMock.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input.imageIds?.[0]?.imageDigest);
    expect(asked).not.toContain(RUNNING_DIGEST);
  });

  it('the running image without labels: only the new commit', async () => {
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA) });
    const text = await card();
    expect(text).toContain(':memo: Commits: `9f8e7d6`');
    expect(text).not.toContain('compare');
  });

  it('a hostile label is not shown (no mention, no line)', async () => {
    stubLabels(h.ecrMock, blobs(), { to: shopLabels('<!channel> ' + 'x'.repeat(10_000)), from: shopLabels(FROM_SHA) });
    const text = await card();
    expect(text).toContain('shop/web v1.2.2 → v1.2.3');
    expect(text).not.toContain(':memo:');
    expect(text).not.toContain('<!channel>');
    expect(blobs().asked.length).toBeGreaterThan(0);
  });

  it('the new image without labels: no line', async () => {
    stubLabels(h.ecrMock, blobs(), { from: shopLabels(FROM_SHA) });
    const text = await card();
    expect(text).toContain('shop/web v1.2.2 → v1.2.3');
    expect(text).not.toContain(':memo:');
    expect(blobs().asked.length).toBe(2);
  });

  it('GetDownloadUrlForLayer denied: the request is posted without the line, no AWS words', async () => {
    stubLabels(
      h.ecrMock,
      blobs(),
      { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) },
      awsException(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/worker/x is not authorized to perform: ecr:GetDownloadUrlForLayer',
      ),
    );
    const text = await card();
    expect(text).toContain('shop/web v1.2.2 → v1.2.3');
    expect(text).toContain('Scan:');
    expect(text).not.toContain(':memo:');
    expect(text).not.toMatch(/AccessDenied|not authorized|GetDownloadUrlForLayer/);
    expect(h.ecrMock.commandCalls(GetDownloadUrlForLayerCommand).length).toBeGreaterThan(0);
  });

  it('a download that never answers: the request is posted without the line (bounded)', async () => {
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) }, 'hang');
    const text = await card();
    expect(text).toContain('shop/web v1.2.2 → v1.2.3');
    expect(text).not.toContain(':memo:');
    expect(blobs().asked).toContain('/hang');
  });
});
