/**
 * `/ecs images` end to end through the Lambda handlers, ECS and ECR stubbed with the documented
 * shapes (DescribeImages pages with nextToken, scan summaries, RepositoryNotFoundException).
 */
import { configFile, prodOnlyDoc } from '../helpers/config';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { DescribeImagesCommand, ECRClient, ECRServiceException, RepositoryNotFoundException, type ImageDetail } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { lastAnswer, useE2E } from '../helpers/e2e';
import { digestOf, image, NOW, REGISTRY, serviceWith, task, tdArn, taskDefinitionWith, taskIdOf } from '../helpers/aws-fixtures';

const ecsMock = mockClient(ECSClient);
const ecrMock = mockClient(ECRClient);

function stubService(runningDigest: string | undefined, tdImage = `${REGISTRY}/shop/web:v1.4.2`): void {
  const td = tdArn('web-prod', 42);
  ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name: 'web-prod', revision: 42 })], failures: [] });
  ecsMock
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 42, image: tdImage }), tags: [] });
  const tasks = runningDigest ? [1, 2, 3].map((n) => task({ id: taskIdOf(n), td, digest: runningDigest })) : [];
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks, failures: [] });
}

/** A repository whose images come back over two pages, in no particular order (as DescribeImages does). */
function stubRepository(imgs: ImageDetail[]): void {
  const half = Math.ceil(imgs.length / 2);
  const shuffled = [...imgs].reverse();
  ecrMock.on(DescribeImagesCommand, { nextToken: undefined }).resolves({ imageDetails: shuffled.slice(0, half), nextToken: 'page-2' });
  ecrMock.on(DescribeImagesCommand, { nextToken: 'page-2' }).resolves({ imageDetails: shuffled.slice(half) });
}

describe('/ecs images through the Lambda handlers', () => {
  const e2e = useE2E(() => ({ now: () => NOW }), [ecsMock, ecrMock]);

  /**
   * Starts the harness again on a config whose only service, `name` (ECS service `<name>-prod`),
   * has no repository configured, and stubs ECS: that service (`desired` tasks, none listed)
   * on task definition `<name>-prod:3`, whose container runs `containerImage`.
   */
  async function serviceWithoutRepository(name: string, containerImage: string, desired?: number): Promise<void> {
    const path = configFile(prodOnlyDoc({ [name]: { environment: 'prod', service: `${name}-prod`, container: 'web' } }));
    await e2e.restart({ now: () => NOW, configPath: path });
    ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name: `${name}-prod`, desired })], failures: [] });
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: taskDefinitionWith({ family: `${name}-prod`, revision: 3, image: containerImage }), tags: [] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  }

  it('lists the newest tags with digest, push time, size, scan summary and the running image', async () => {
    stubService(digestOf('v1.4.2'));
    stubRepository([
      image({ tag: ['v1.4.3', 'latest'], pushedDaysAgo: 0.5, critical: 2, high: 5, sizeMb: 182 }),
      image({ tag: 'v1.4.2', pushedDaysAgo: 2, high: 1 }),
      image({ tag: 'v1.4.1', pushedDaysAgo: 5 }),
      image({ tag: 'v1.4.0', pushedDaysAgo: 9, scan: 'none' }),
      image({ tag: 'v1.3.9', pushedDaysAgo: 12, scan: 'IN_PROGRESS' }),
    ]);
    const ack = await e2e.slash('images web --limit 4', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Looking up images of `web` in `prod`…');
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('Images of web (shop/web)');
    expect(text).toContain('• `v1.4.3` (+`latest`) · `' + digestOf('v1.4.3').slice(7, 19) + '` · <!date^');
    expect(text).toContain('(12h ago) · 182 MB · :red_circle: 2 critical, 5 high');
    expect(text).toContain('`v1.4.2`');
    expect(text).toMatch(/`v1\.4\.2`[^•]*:large_orange_circle: 1 high · :arrow_left: \*running now\* \(3 tasks\)/);
    expect(text).toContain(':white_check_mark: no critical or high');
    expect(text).toContain('`v1.4.0`');
    expect(text).toContain(':grey_question: not scanned');
    expect(text).not.toContain('v1.3.9'); // --limit 4
    // newest first
    expect(text.indexOf('v1.4.3')).toBeLessThan(text.indexOf('v1.4.2'));
    expect(text.indexOf('v1.4.1')).toBeLessThan(text.indexOf('v1.4.0'));
    expect(text).toContain('4 of 5 tagged images');
    expect(text).toContain('https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/222222222222/shop/web?region=eu-west-1');

    expect(ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(2);
    expect(ecrMock.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toMatchObject({
      repositoryName: 'shop/web',
      filter: { tagStatus: 'TAGGED' },
    });
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(1);
  });

  it('points out a running image older than the ones shown', async () => {
    stubService(digestOf('v1.0.0'));
    stubRepository([
      image({ tag: 'v1.4.3', pushedDaysAgo: 1 }),
      image({ tag: 'v1.4.2', pushedDaysAgo: 2 }),
      image({ tag: 'v1.0.0', pushedDaysAgo: 40 }),
    ]);
    await e2e.slash('images web --limit 2', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('*Running now on 3 tasks:* `v1.0.0`');
    expect(text).toContain('(older than the 2 shown)');
  });

  it('says when the running digest is not among the tagged images', async () => {
    stubService(digestOf('hotfix-untagged'));
    stubRepository([image({ tag: 'v1.4.3', pushedDaysAgo: 1 })]);
    await e2e.slash('images web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('which is not among the tagged images of `shop/web` (untagged, deleted, or from another repository)');
  });

  it('names the config entry when the repository does not exist', async () => {
    stubService(digestOf('v1.4.2'));
    ecrMock.on(DescribeImagesCommand).rejects(
      new RepositoryNotFoundException({
        message: "The repository with name 'shop/web' does not exist in the registry with id '222222222222'",
        $metadata: {},
      }),
    );
    await e2e.slash('images web', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('ECR has no repository `shop/web` in `eu-west-1`.');
    expect(text).toContain('services.web.repository');
  });

  it('names the missing permission on access denied', async () => {
    stubService(digestOf('v1.4.2'));
    ecrMock.on(DescribeImagesCommand).rejects(
      new ECRServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'User is not authorized to perform: ecr:DescribeImages',
        $metadata: {},
      }),
    );
    await e2e.slash('images web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain("the bot's role needs `ecr:DescribeImages`");
  });

  it('explains an image that is not in ECR when no repository is configured', async () => {
    await serviceWithoutRepository('proxy', 'docker.io/library/nginx:1.27');
    await e2e.slash('images proxy', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('runs `docker.io/library/nginx:1.27`, which is not an ECR image');
    expect(text).toContain('services.proxy.repository');
    expect(ecrMock.calls()).toHaveLength(0);
  });

  it('derives the repository and its region from an ECR image URI when none is configured', async () => {
    await serviceWithoutRepository('api', '333333333333.dkr.ecr.us-east-1.amazonaws.com/platform/api:2.1.0', 0);
    ecrMock
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ ...image({ tag: '2.1.0', pushedDaysAgo: 3 }), repositoryName: 'platform/api' }] });
    await e2e.slash('images api', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('Images of api (platform/api)');
    expect(text).toContain('region `us-east-1`');
    expect(ecrMock.commandCalls(DescribeImagesCommand)[0]!.args[0].input.repositoryName).toBe('platform/api');
    // no task running: said so, and no DescribeTasks call for zero tasks
    expect(text).toContain('No task of this service is running now.');
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it.each([
    ['images', 'Missing service, e.g. `/ecs images web`.'],
    ['images web --limit 0', 'the image count must be at least 1'],
    ['images web --limit 100', 'the image count must be at most 30'],
    ['images web --all', 'Unknown flag `--all`'],
  ])('%s → a clear answer in the ack, nothing handed off', async (cmd, expected) => {
    const ack = await e2e.slash(cmd, { channel_id: 'CPROD' });
    expect(ack.text).toContain(expected);
    expect(ack.text).toContain('/ecs images &lt;service&gt; [--limit N]');
    expect(e2e.handedOff).toHaveLength(0);
  });
});
