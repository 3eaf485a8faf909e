/**
 * "Which commits does this rollback undo?": a rollback request shows the commit running now and the
 * one it goes back to, from the OCI labels in ECR of the image the running tasks report and of the
 * image the target task definition pins, with the compare link from the target to the running commit
 * (what is undone; GitHub shows the reverse as empty). A target that names a tag is read by the
 * digest the tag names now: what the rollback will run. Best-effort: a denied read still
 * posts the request, without the line (test/e2e/deploy-commits.test.ts has the bound, shared). Through
 * the real handlers (Slack function, worker), ECS and ECR stubbed.
 */
import { BatchGetImageCommand, DescribeImagesCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { awsException, DIGEST, imageDetail, REGISTRY } from '../helpers/aws-fixtures';
import { details, lastResponse, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import {
  FROM_SHA,
  PINNED_TARGET,
  RUNNING_DIGEST,
  TO_SHA,
  rollbackTo39,
  shopLabels,
  useBlobServer,
  stubLabels,
} from '../helpers/commits-e2e';

const blobs = useBlobServer();
const h = useDeployHarness({
  before: async () => {},
});

/** What runs now (web-prod:42, its tasks on RUNNING_DIGEST) is 9f8e7d6; the target, web-prod:39, is 1a2b3c4. */
const RUNNING = shopLabels(TO_SHA);
const TARGET = shopLabels(FROM_SHA);
/** What the rollback undoes: the commits the running one has over the target's. */
const UNDONE = `https://github.com/acme/shop/compare/${FROM_SHA}...${TO_SHA}`;
const asked = () => h.ecrMock.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input.imageIds?.[0]?.imageDigest);

async function card(): Promise<{ id: string; ts: string; text: string }> {
  await h.e2e.slash('rollback web --reason "5xx after v1.2.2"', { channel_id: 'CPROD', user_id: 'UDEV2' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  return { ...req, text: textOf(req.message) };
}

describe('the commits of a rollback request', () => {
  it('the running commit, back to the target, and the link to what it undoes: on the card, its Details and the dry run', async () => {
    rollbackTo39(h.world, h.clock, PINNED_TARGET);
    stubLabels(h.ecrMock, blobs(), { to: TARGET, from: RUNNING });
    const line = `:memo: Commits: \`9f8e7d6\` → back to \`1a2b3c4\` (<${UNDONE}|what it undoes>)`;
    const req = await card();
    expect(req.text).toContain('`web-prod:42 → web-prod:39`');
    expect(req.text).toContain(line);
    expect(req.text).not.toContain(`compare/${TO_SHA}...${FROM_SHA}`);
    expect(asked()).toEqual(expect.arrayContaining([RUNNING_DIGEST, DIGEST]));
    expect(await details(h.e2e, req)).toContain(line);

    await h.e2e.slash('rollback web --dry-run', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain(line);
  });

  it('the target image without labels: only the commit now, never a guessed one', async () => {
    rollbackTo39(h.world, h.clock, PINNED_TARGET);
    stubLabels(h.ecrMock, blobs(), { from: RUNNING });
    const { text } = await card();
    expect(text).toContain(":memo: Commit now: `9f8e7d6` (the target's commit is unknown)");
    expect(text).not.toContain(':memo: Commits:');
    expect(asked()).toEqual(expect.arrayContaining([RUNNING_DIGEST, DIGEST]));
  });

  it('a target that names a tag: the commit of the image the tag names now, which is what ECS will run', async () => {
    rollbackTo39(h.world, h.clock, `${REGISTRY}/shop/web:v1.1.9`);
    stubLabels(h.ecrMock, blobs(), { to: TARGET, from: RUNNING });
    // v1.1.9 names DIGEST in ECR now (the rollback policy reads it), whose labels say 1a2b3c4: a rollback
    // to a tag runs what the tag names when the deployment starts. Was "Commit now: … (the target's commit is unknown)".
    h.ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1.1.9' }] })
      .resolves({ imageDetails: [imageDetail({ imageDigest: DIGEST, imageTags: ['v1.1.9', 'v1.2.3'] })] });
    const { text } = await card();
    expect(text).toContain('`shop/web v1.2.2 → v1.1.9`');
    expect(text).toContain(`:memo: Commits: \`9f8e7d6\` → back to \`1a2b3c4\` (<${UNDONE}|what it undoes>)`);
    expect(asked()).toEqual(expect.arrayContaining([RUNNING_DIGEST, DIGEST]));
  });

  it('GetDownloadUrlForLayer denied: the request is posted without the line, no AWS words', async () => {
    rollbackTo39(h.world, h.clock, PINNED_TARGET);
    stubLabels(
      h.ecrMock,
      blobs(),
      { to: TARGET, from: RUNNING },
      awsException(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/worker/x is not authorized to perform: ecr:GetDownloadUrlForLayer',
      ),
    );
    const { text } = await card();
    expect(text).toContain('`web-prod:42 → web-prod:39`');
    expect(text).not.toContain(':memo:');
    expect(text).not.toMatch(/AccessDenied|not authorized|GetDownloadUrlForLayer/);
    expect(h.ecrMock.commandCalls(GetDownloadUrlForLayerCommand).length).toBeGreaterThan(0);
  });
});
