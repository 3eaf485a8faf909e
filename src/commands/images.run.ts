/**
 * The worker part of `/ecs images`: the service's task definition says which repository and
 * image it runs, its running tasks say which digest, and ECR lists the repository's images.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { repositoryUrl } from '../aws/console';
import { recentImages } from '../aws/ecr';
import { describeTaskDefinition, describeTasks, listServiceTasks } from '../aws/ecs';
import { awsErrorName } from '../aws/errors';
import { code } from '../slack/text';
import type { ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import type { Runtime } from '../runtime';
import type { ImagesArgs } from './images';
import { answer, audienceOf, describeConfiguredService } from './readers.run';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('commands.images.run', {
  notEcr: {
    en: 'Container {container} of {service} runs {image}, which is not an ECR image, so there are no ECR tags to list.',
    ko: '{service}의 {container} 컨테이너가 실행하는 {image} 이미지는 ECR 이미지가 아니라서 보여 줄 ECR 태그가 없습니다.',
  },
  notEcrHint: {
    en: "If the service's images are in ECR, set `services.{alias}.repository` in chatops.yml.",
    ko: '서비스 이미지가 ECR에 있다면 chatops.yml에 `services.{alias}.repository`를 설정하세요.',
  },
  unknownImage: { en: '(unknown image)', ko: '(알 수 없는 이미지)' },
  noRepository: { en: 'ECR has no repository {repository} in {region}.', ko: '{region}의 ECR에 {repository} 리포지토리가 없습니다.' },
  checkRepository: {
    en: 'Check `services.{alias}.repository` in chatops.yml (the repository name, not its URI).',
    ko: 'chatops.yml의 `services.{alias}.repository`를 확인하세요 (URI가 아니라 리포지토리 이름).',
  },
  fromImage: {
    en: 'The name comes from the image of container {container}; set `services.{alias}.repository` in chatops.yml to override it.',
    ko: '이 이름은 {container} 컨테이너의 이미지에서 가져왔습니다. 바꾸려면 chatops.yml에 `services.{alias}.repository`를 설정하세요.',
  },
});
import { parseImage } from './render/common';
import { ecrRepositoryOf } from '../deploy/refs';
import { imagesMessage, type RunningImage } from './render/images';
import { containerImage } from './render/status';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

/** DescribeImages pages read at most (1,000 images each); the repository is sorted by push time here. */
const MAX_ECR_PAGES = 10;
/** Running tasks described to learn which digests run (one DescribeTasks call). */
const RUNNING_SAMPLE = 100;

/** Digests the running tasks report for the container, with task counts. */
export function runningFromTasks(tasks: readonly Task[], container: string): RunningImage[] {
  const counts = new Map<string, number>();
  for (const t of tasks) {
    const c = t.containers?.find((x) => x.name === container);
    if (c?.imageDigest) counts.set(c.imageDigest, (counts.get(c.imageDigest) ?? 0) + 1);
  }
  return [...counts].map(([digest, n]) => ({ digest, tasks: n })).sort((a, b) => b.tasks - a.tasks);
}

function repositoryOf(svc: ResolvedService, image: string | undefined): { repositoryName: string; region: string; registryId?: string } {
  const ecr = ecrRepositoryOf(image);
  // The registry chatops.yml names wins over the running image's (what the roles are scoped to).
  if (svc.repository && svc.registry)
    return { repositoryName: svc.repository, region: svc.registry.region, registryId: svc.registry.accountId };
  if (svc.repository) return { repositoryName: svc.repository, region: ecr?.region ?? svc.env.region, registryId: ecr?.registryId };
  if (ecr) return ecr;
  throw new BotError('CONFIG', `image ${image} of ${svc.alias} is not in ECR`, {
    userMessage: (l) =>
      M.in(l)('notEcr', { container: code(svc.container), service: code(svc.alias), image: code(image ?? M.in(l)('unknownImage')) }),
    hint: M.lazy('notEcrHint', { alias: svc.alias }),
  });
}

async function listImages(
  rt: Runtime,
  repo: { repositoryName: string; region: string; registryId?: string },
  svc: ResolvedService,
): Promise<ImageDetail[]> {
  try {
    return await recentImages(
      rt.aws.ecr(repo.region, svc.env),
      repo.repositoryName,
      Number.MAX_SAFE_INTEGER,
      MAX_ECR_PAGES,
      repo.registryId,
    );
  } catch (err) {
    const cause = err instanceof BotError ? err.cause : err;
    if (awsErrorName(cause) === 'RepositoryNotFoundException') {
      throw new BotError('CONFIG', `repository ${repo.repositoryName} not found in ${repo.region}`, {
        userMessage: M.lazy('noRepository', { repository: code(repo.repositoryName), region: code(repo.region) }),
        hint: svc.repository
          ? M.lazy('checkRepository', { alias: svc.alias })
          : M.lazy('fromImage', { container: code(svc.container), alias: svc.alias }),
        cause,
      });
    }
    throw err;
  }
}

export async function runImages(parsed: Parsed<ImagesArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const svc = parsed.service!;
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  const service = await describeConfiguredService(rt, svc);
  const [td, tasks] = await Promise.all([
    service.taskDefinition ? describeTaskDefinition(ecs, service.taskDefinition).then((r) => r.taskDefinition) : Promise.resolve(undefined),
    listServiceTasks(ecs, svc.env.cluster, svc.service, 'RUNNING').then((arns) =>
      arns.length ? describeTasks(ecs, svc.env.cluster, arns.slice(0, RUNNING_SAMPLE)) : [],
    ),
  ]);
  const image = containerImage(td, svc.container);
  const repo = repositoryOf(svc, image);
  const all = await listImages(rt, repo, svc);

  let running = runningFromTasks(tasks, svc.container);
  if (!running.length && (service.runningCount ?? 0) > 0 && image) {
    // Tasks did not report digests (yet): fall back to what the task definition names.
    const ref = parseImage(image);
    running = [{ digest: ref.digest, tag: ref.digest ? undefined : ref.tag, ref: image, tasks: service.runningCount ?? 0 }];
  }
  const audience = await audienceOf(rt, inv, parsed);
  await answer(
    rt,
    inv,
    imagesMessage(
      {
        alias: svc.alias,
        environment: svc.environment,
        repositoryName: repo.repositoryName,
        region: repo.region,
        consoleUrl: repositoryUrl(repo.region, repo.registryId, repo.repositoryName),
        images: all,
        limit: parsed.args.limit,
        running,
        partial: all.length >= MAX_ECR_PAGES * 1000,
        now: rt.now(),
      },
      audience.locale,
    ),
    audience,
  );
}
