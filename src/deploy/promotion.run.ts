/**
 * Promotion order (gate 1), the ECS side: when the bot has no record of a digest completing upstream
 * (src/deploy/promotion.ts keeps the changes it tracked itself), ECS's own deployment history of the
 * upstream service is read instead, so images deployed there by CI or in the console count too:
 * ListServiceDeployments (the newest 20) → the SUCCESSFUL ones → DescribeServiceRevisions of their
 * target revisions → the digest of the service's container (`containerImages[].imageDigest`, resolved
 * by ECS at deployment time). Two calls, worker only (the worker's role has both). A digest found
 * there is written to the bot's record, so the next check needs no call.
 */
import type { ServiceRevision } from '@aws-sdk/client-ecs';
import type { Runtime } from '../runtime';
import type { Config } from '../config/schema';

type ServiceConfig = Config['services'][string];
import { describeServiceRevisions, listServiceDeployments } from '../aws/ecs-write';
import { recordHealthyDigest, type HealthyRecord, type ServiceHealthyRecord } from './promotion';
import { envAccess } from '../config/load';

export interface EcsCompletion {
  digest: string;
  image?: string;
  tag?: string;
  /** When the deployment finished (ms). */
  at: number;
  deploymentArn: string;
}

/** The tag of `registry/repo:tag` (none for `repo@sha256:…`). */
function tagOf(image: string | undefined): string | undefined {
  if (!image || image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}

/** The digest of `svc`'s container in a service revision (the first digest when the name does not match). */
export function containerDigest(rev: ServiceRevision, container: string): { digest: string; image?: string } | undefined {
  const images = rev.containerImages ?? [];
  const c = images.find((i) => i.containerName === container && i.imageDigest) ?? images.find((i) => i.imageDigest);
  return c?.imageDigest ? { digest: c.imageDigest, ...(c.image ? { image: c.image } : {}) } : undefined;
}

/** The upstream service's SUCCESSFUL deployments (newest first), each with its container's digest. */
export async function ecsCompletions(
  rt: Runtime,
  svc: Pick<ServiceConfig, 'environment' | 'service' | 'container'>,
): Promise<EcsCompletion[]> {
  const env = rt.config.environments[svc.environment]!;
  const ecs = rt.aws.ecs(env.region, envAccess(rt.config, svc.environment));
  const done = (await listServiceDeployments(ecs, env.cluster, svc.service, 20))
    .filter((d) => d.status === 'SUCCESSFUL' && d.targetServiceRevisionArn)
    .sort((a, b) => (b.finishedAt?.getTime() ?? b.createdAt?.getTime() ?? 0) - (a.finishedAt?.getTime() ?? a.createdAt?.getTime() ?? 0));
  if (!done.length) return [];
  const revisions = new Map(
    (await describeServiceRevisions(ecs, [...new Set(done.map((d) => d.targetServiceRevisionArn!))])).map((r) => [r.serviceRevisionArn, r]),
  );
  const out: EcsCompletion[] = [];
  for (const d of done) {
    const rev = revisions.get(d.targetServiceRevisionArn);
    const c = rev && containerDigest(rev, svc.container);
    if (!c) continue;
    const tag = tagOf(c.image);
    out.push({
      digest: c.digest,
      ...(c.image ? { image: c.image } : {}),
      ...(tag ? { tag } : {}),
      at: d.finishedAt?.getTime() ?? d.createdAt?.getTime() ?? rt.now(),
      deploymentArn: d.serviceDeploymentArn ?? '',
    });
  }
  return out;
}

/** The services of `environment` with this ECR repository (the upstream of a promotion). */
function upstreamServices(rt: Runtime, environment: string, repository: string | undefined): Array<[string, ServiceConfig]> {
  return Object.entries(rt.config.services).filter(([, s]) => s.environment === environment && s.repository === repository);
}

/**
 * Where `digest` completed in `environment` according to ECS (the newest SUCCESSFUL deployment of an
 * upstream service with that digest), recorded for next time. Undefined when ECS has none, or the
 * history cannot be read (the gate then refuses as before, saying the digest never completed).
 */
export async function healthyInEcs(
  rt: Runtime,
  digest: string,
  environment: string,
  repository: string | undefined,
): Promise<HealthyRecord | undefined> {
  for (const [alias, svc] of upstreamServices(rt, environment, repository)) {
    let found: EcsCompletion | undefined;
    try {
      found = (await ecsCompletions(rt, svc)).find((c) => c.digest === digest);
    } catch (err) {
      rt.log.warn('promotion: could not read the upstream deployment history', { environment, service: alias, err });
      continue;
    }
    if (!found) continue;
    return record(rt, environment, alias, repository, found, true);
  }
  return undefined;
}

/** The digest `alias` in `environment` last completed with according to ECS (for /ecs promote). */
export async function lastHealthyInEcs(rt: Runtime, environment: string, alias: string): Promise<ServiceHealthyRecord | undefined> {
  const svc = rt.config.services[alias];
  if (!svc) return undefined;
  let newest: EcsCompletion | undefined;
  try {
    newest = (await ecsCompletions(rt, svc))[0];
  } catch (err) {
    rt.log.warn('promotion: could not read the upstream deployment history', { environment, service: alias, err });
    return undefined;
  }
  if (!newest) return undefined;
  const rec = await record(rt, environment, alias, svc.repository, newest);
  return {
    ...rec,
    digest: newest.digest,
    ...(svc.repository ? { repository: svc.repository } : {}),
    ...(newest.image ? { image: newest.image } : {}),
  };
}

/** What stands for the request in a record read from ECS: `ecs:<service deployment id>`. */
const requestIdOf = (c: EcsCompletion): string => `ecs:${c.deploymentArn.split('/').pop() ?? ''}`;

async function record(
  rt: Runtime,
  environment: string,
  alias: string,
  repository: string | undefined,
  c: EcsCompletion,
  digestOnly = false,
): Promise<HealthyRecord> {
  const requestId = requestIdOf(c);
  await recordHealthyDigest(
    rt,
    {
      environment,
      alias,
      requestId,
      digest: c.digest,
      at: c.at,
      ...(c.tag ? { tag: c.tag } : {}),
      ...(c.image ? { image: c.image } : {}),
      ...(repository ? { repository } : {}),
    },
    digestOnly,
  ).catch((err) => rt.log.warn('promotion: could not record the completion read from ECS', { environment, service: alias, err }));
  return { service: alias, at: c.at, requestId, ...(c.tag ? { tag: c.tag } : {}) };
}
