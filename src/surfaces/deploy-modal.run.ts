/**
 * The deploy form's worker part: the service's recent ECR tags (push time, scan status), cached
 * briefly in Redis, then put into the open form with `views.update` (refused, and left alone, when
 * the person changed the form since). Loaded with `await import` by ./register.ts.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { recentImages } from '../aws/ecr';
import { isBotError } from '../errors';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import { plainText } from '../slack/text';
import { deployForm, MAX_TAGS, type Scan, type TagOption, type TagsState } from './deploy-form';
import { formEnvironments, TAGS_TTL_SECONDS, type TagsCache, type TagsJob } from './deploy-modal';
import { envAccess } from '../config/load';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('surfaces.deploy-modal.run', {
  ecrSilent: { en: 'ECR did not answer', ko: 'ECR이 응답하지 않았습니다' },
});

/** DescribeImages pages read (1,000 images each). */
const MAX_PAGES = 3;

export function scanOf(img: ImageDetail): Scan {
  const status = img.imageScanStatus?.status;
  const counts = img.imageScanFindingsSummary?.findingSeverityCounts;
  if (counts && (status === undefined || status === 'COMPLETE' || status === 'ACTIVE')) {
    const critical = counts.CRITICAL ?? 0;
    const high = counts.HIGH ?? 0;
    return critical || high ? { kind: 'findings', critical, high } : { kind: 'clean' };
  }
  if (status === undefined) return { kind: 'none' };
  if (status === 'IN_PROGRESS' || status === 'PENDING') return { kind: 'pending' };
  if (status === 'COMPLETE' || status === 'ACTIVE') return { kind: 'clean' };
  return { kind: 'other', status };
}

/** One option per tag, newest image first. */
export function tagOptions(images: readonly ImageDetail[], max = MAX_TAGS): TagOption[] {
  const out: TagOption[] = [];
  for (const img of images) {
    for (const tag of img.imageTags ?? []) {
      if (out.length >= max) return out;
      out.push({
        tag,
        digest: img.imageDigest ?? '',
        ...(img.imagePushedAt ? { pushedAt: img.imagePushedAt.getTime() } : {}),
        scan: scanOf(img),
      });
    }
  }
  return out;
}

export async function runTagsJob(job: TagsJob, rt: Runtime): Promise<void> {
  const svc = rt.config.services[job.service];
  if (!svc || svc.environment !== job.env || !svc.repository) return;
  const region = rt.config.environments[job.env]!.region;
  let tags: TagsState;
  try {
    const images = await recentImages(
      rt.aws.ecr(svc.registry?.region ?? region, envAccess(rt.config, job.env)),
      svc.repository,
      MAX_TAGS,
      MAX_PAGES,
      svc.registry?.accountId,
    );
    const cache: TagsCache = { at: rt.now(), repository: svc.repository, tags: tagOptions(images) };
    await rt.redis.set(keys.imageTags(job.env, job.service), JSON.stringify(cache), 'EX', TAGS_TTL_SECONDS);
    tags = { state: 'loaded', ...cache };
  } catch (err) {
    rt.log.warn('deploy form: could not list the tags', { service: job.service, err });
    tags = {
      state: 'error',
      repository: svc.repository,
      message: isBotError(err) ? plainText(err.userMessageIn(job.locale)) : M.in(job.locale)('ecrSilent'),
    };
  }
  const environments = await formEnvironments(rt, job.userId, job.origin);
  const view = deployForm({
    locale: job.locale,
    now: rt.now(),
    environments,
    env: job.env,
    service: job.service,
    tags,
    originChannel: job.origin,
  });
  try {
    await rt.slack.updateView({ viewId: job.viewId, ...(job.hash ? { hash: job.hash } : {}) }, view);
  } catch (err) {
    // The person changed the form (hash_conflict) or closed it (not_found): nothing to fill.
    if (isBotError(err) && /hash_conflict|not_found/.test(err.message)) {
      rt.log.info('deploy form changed or closed before the tags arrived', { viewId: job.viewId });
      return;
    }
    throw err;
  }
}
