/**
 * A rollback to a task definition that names a tag runs the image the tag names when the deployment
 * starts (ECS resolves tags then). When the tag was pushed again since that revision last ran, the
 * request says so, with the digest that ran then (ECS's deployment history records it:
 * DescribeServiceRevisions `containerImages`) and how to deploy exactly that. Through the real handlers,
 * ECS and ECR stubbed.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import {
  DIGEST,
  REGISTRY,
  imageDetail,
  revisionArn,
  serviceDeployment,
  serviceRevision,
  taskDefinition,
  tdArn,
} from '../helpers/aws-fixtures';
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness();
/** What web's container ran under web-prod:39, as ECS recorded it. */
const RAN = 'sha256:' + 'e'.repeat(64);

/** web-prod:39 names `shop/web:v1.1.9` and ran `ranThen`; the last deploy took web from :39 to :42; v1.1.9 names DIGEST in ECR now. */
function tagMovedSince39(ranThen: string): void {
  h.world.addTaskDefinition(taskDefinition(39, {}, `${REGISTRY}/shop/web:v1.1.9`));
  h.world.setHistory(
    'prod',
    'web-prod',
    [serviceDeployment('d2', revisionArn('r42'), [revisionArn('r39')], { createdAt: new Date(h.clock.now() - 24 * 3600_000) })],
    [
      serviceRevision('r42', tdArn('web-prod', 42)),
      { ...serviceRevision('r39', tdArn('web-prod', 39)), containerImages: [{ containerName: 'web', imageDigest: ranThen }] },
    ],
  );
  h.ecrMock
    .on(DescribeImagesCommand, { repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1.1.9' }] })
    .resolves({ imageDetails: [imageDetail({ imageDigest: DIGEST, imageTags: ['v1.1.9'] })] });
}

async function card(command = 'rollback web'): Promise<string> {
  await h.e2e.slash(command, { channel_id: 'CPROD', user_id: 'UDEV2' });
  await h.e2e.drain();
  return textOf(requestMessage(h.e2e, 'CPROD').message);
}

it('a tag pushed again since the target last ran: the card says the rollback runs what it names now, and how to run what ran', async () => {
  tagMovedSince39(RAN);
  const text = await card();
  expect(text).toContain('`web-prod:42 → web-prod:39`');
  expect(text).toContain(
    ':warning: `v1.1.9` names another image now (`sha256:' +
      DIGEST.slice(7, 19) +
      '`) than when `web-prod:39` last ran (`sha256:eeeeeeeeeeee`): the rollback runs the one it names now. ' +
      `To return to exactly what ran then, deploy that digest: \`/ecs deploy web ${RAN}\``,
  );
});

it('the tag names what ran then: no warning', async () => {
  tagMovedSince39(DIGEST);
  expect(await card()).not.toContain('names another image now');
});

it('--to a revision that names a moved tag: the same warning, from the history read for it', async () => {
  tagMovedSince39(RAN);
  const text = await card('rollback web --to 39');
  expect(text).toContain('`web-prod:42 → web-prod:39`');
  expect(text).toContain('`v1.1.9` names another image now');
  expect(text).toContain(`\`/ecs deploy web ${RAN}\``);
});

it('--to a moved tag while ECS history cannot be read: the request goes on without the warning', async () => {
  tagMovedSince39(RAN);
  h.ecsMock.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  const text = await card('rollback web --to 39');
  expect(text).toContain('`web-prod:42 → web-prod:39`');
  expect(text).not.toContain('names another image now');
});
