/**
 * `/ecs deploy` of an image the environment refuses because it requires a scan (images.requireScan)
 * and the image has none: the hint follows how the registry scans. The worker asks
 * GetRegistryScanningConfiguration only for such a refusal: basic scanning gets the start-image-scan
 * command for this image, enhanced scanning (Amazon Inspector) the registry's scanning rules, and an
 * answer it cannot use (denied, another account's registry) how to scan in general, never an SDK
 * error. Through the real handlers (Slack function, worker), ECS and ECR stubbed.
 */
import { DescribeImagesCommand, GetRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import { awsException, imageDetail } from '../helpers/aws-fixtures';
import { configFile } from '../helpers/config';
import { slashAnswer, requestMessage, stubImages, stubScanning, useDeployHarness } from '../helpers/deploy-e2e';
import { redisLocaleCache } from '../../src/redis/locale-cache';

const NEVER_SCANNED = 'sha256:' + 'd'.repeat(64);
const EXPIRED = 'sha256:' + 'e'.repeat(64);

const h = useDeployHarness({
  configPath: configFile((d) => (d.environments.prod.images.requireScan = true)),
  before: ({ ecrMock, clock }) =>
    stubImages(ecrMock, clock, [
      imageDetail({ imageDigest: NEVER_SCANNED, imageTags: ['v2.0.0'], imageScanStatus: undefined, imageScanFindingsSummary: undefined }),
      imageDetail({
        imageDigest: EXPIRED,
        imageTags: ['v1.0.0'],
        imageScanStatus: { status: 'SCAN_ELIGIBILITY_EXPIRED', description: 'The image is no longer eligible for scanning.' },
        imageScanFindingsSummary: undefined,
      }),
    ]),
});

async function deploy(tag: string): Promise<string> {
  return slashAnswer(h.e2e, `deploy web ${tag}`);
}

const scanningCalls = () => h.ecrMock.commandCalls(GetRegistryScanningConfigurationCommand).length;

describe('a deploy refused for an image never scanned says how this registry scans', () => {
  it('basic scanning: the start-image-scan command for this image', async () => {
    const answer = await deploy('v2.0.0');
    expect(answer).toContain('the image has never been scanned');
    expect(answer).toContain(
      `aws ecr start-image-scan --region eu-west-1 --repository-name shop/web --image-id imageDigest=${NEVER_SCANNED}`,
    );
    expect(scanningCalls()).toBe(1);
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('enhanced scanning: no StartImageScan (it does not apply); add the repository to the scanning rules', async () => {
    stubScanning(h.ecrMock, 'ENHANCED');
    const answer = await deploy('v2.0.0');
    expect(answer).toContain('the image has never been scanned');
    expect(answer).toContain(
      'This registry uses enhanced scanning (Amazon Inspector), which scans only the repositories its scanning rules match.',
    );
    expect(answer).toContain(
      "Ask an admin to add `shop/web` to the registry's enhanced scanning rules (ECR console › Private registry › Scanning), then push the image again or wait for the scan.",
    );
    expect(answer).not.toContain('start-image-scan');
    expect(scanningCalls()).toBe(1);
  });

  it('denied (or failing): how to scan in general, without the command, and no SDK error', async () => {
    stubScanning(
      h.ecrMock,
      awsException(
        'AccessDeniedException',
        'User: arn:aws:sts::222222222222:assumed-role/worker/x is not authorized to perform: ecr:GetRegistryScanningConfiguration',
      ),
    );
    const answer = await deploy('v2.0.0');
    expect(answer).toContain('the image has never been scanned');
    expect(answer).toContain('Have it scanned and try again when the scan is done: with basic scanning, Scan in the ECR console');
    expect(answer).not.toContain('start-image-scan');
    expect(answer).not.toMatch(/AccessDenied|not authorized|GetRegistryScanningConfiguration/);
  });

  it("another account's registry: the caller's registry says nothing of it, so the general wording", async () => {
    stubScanning(h.ecrMock, 'BASIC', '999999999999');
    const answer = await deploy('v2.0.0');
    expect(answer).toContain('Have it scanned and try again when the scan is done');
    expect(answer).not.toContain('start-image-scan');
  });

  it('scan eligibility expired (enhanced scanning): push it again or deploy a newer tag', async () => {
    stubScanning(h.ecrMock, 'ENHANCED');
    const answer = await deploy('v1.0.0');
    expect(answer).toContain('has no usable scan result (SCAN_ELIGIBILITY_EXPIRED: The image is no longer eligible for scanning.)');
    expect(answer).toContain(
      'Amazon Inspector no longer rescans this image (its scan duration ended): push the image again (a new push is scanned) or deploy a newer tag (`/ecs images web`).',
    );
    expect(scanningCalls()).toBe(1);
  });
});

describe('in Korean (the requester reads Korean)', () => {
  const inKorean = async () => {
    h.e2e.slack.setUserLocale('UDEV1', 'ko-KR');
    await redisLocaleCache(h.e2e.rt.redis).set('UDEV1', 'ko-KR', 3600);
  };

  it('basic scanning: the command, in a Korean sentence', async () => {
    await inKorean();
    const answer = await deploy('v2.0.0');
    expect(answer).toContain(
      `이미지를 스캔하고(ECR 콘솔의 Scan, 또는 \`aws ecr start-image-scan --region eu-west-1 --repository-name shop/web --image-id imageDigest=${NEVER_SCANNED}\`) 스캔이 끝나면 다시 시도하세요.`,
    );
    expect(answer).not.toMatch(/Have it scanned|never been scanned/);
  });

  it('enhanced scanning: the scanning rules, in Korean', async () => {
    await inKorean();
    stubScanning(h.ecrMock, 'ENHANCED');
    const answer = await deploy('v2.0.0');
    expect(answer).toContain('이 레지스트리는 향상된 스캐닝(Amazon Inspector)을 써서, 스캔 규칙에 맞는 리포지토리만 스캔합니다.');
    expect(answer).toContain('`shop/web` 리포지토리를 레지스트리의 향상된 스캐닝 규칙에 추가해 달라고 요청한 뒤');
    expect(answer).not.toMatch(/start-image-scan|enhanced scanning/);
  });

  it('scan eligibility expired: push again or a newer tag, in Korean', async () => {
    await inKorean();
    stubScanning(h.ecrMock, 'ENHANCED');
    const answer = await deploy('v1.0.0');
    expect(answer).toContain('Amazon Inspector가 이 이미지를 더 이상 다시 스캔하지 않습니다(스캔 기간 종료).');
    expect(answer).toContain('더 새 태그를 배포하세요 (`/ecs images web`)');
  });
});

describe('the registry is asked only for such a refusal', () => {
  it('a deploy that is not refused never asks for the scanning configuration (the image, and the commits lookups only)', async () => {
    await deploy('v1.2.3');
    expect(requestMessage(h.e2e, 'CPROD').id).toBeTruthy();
    expect(scanningCalls()).toBe(0);
    // The image (DescribeImages), and the commits of the request (src/deploy/commits.ts): the new image's manifest
    // (BatchGetImage); no manifest is stubbed here, so no download, and no task reports the digest it runs.
    expect(h.ecrMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeImagesCommand', 'BatchGetImageCommand']);
    expect(h.ecrMock.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input.imageIds)).toEqual([[{ imageTag: 'v1.2.3' }]]);
  });

  it('a refusal whose hint does not depend on it (critical findings) does not ask', async () => {
    const answer = await deploy('v0.9.0-bad');
    expect(answer).toContain('Fix the critical findings');
    expect(scanningCalls()).toBe(0);
  });
});
