/**
 * The worker part of `/ecs status`: gathers what ECS says (each API call at most once per
 * answer, DescribeServices batched by 10, each task definition described once) and answers
 * with the pure builders in ./render/status.ts. Asked from an alert's Status button, a public
 * answer goes in the alert's thread (./alert-thread.run.ts).
 */
import type { ECSClient, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { describeCluster, describeServices, describeTaskDefinition, describeTasks, listServiceTasks } from '../aws/ecs';
import { isBotError } from '../errors';
import { errorReply } from '../slack/reply';
import { findImageByDigest } from '../aws/ecr';
import type { SlackMessage } from '../slack/blocks';
import { serviceIndex } from '../config/aliases';
import { servicesIn } from '../config/load';
import type { ResolvedService } from '../config/schema';
import type { Runtime } from '../runtime';
import { answerInAlertThread } from './alert-thread.run';
import { answer, audienceOf, clusterHint, describeConfiguredService, guardsOrUndefined, mapLimit } from './readers.run';
import type { Locale } from '../i18n/locale';
import { parseImage } from './render/common';
import { rememberListedMemoryKills } from '../alerts/memory-kills.run';
import { ecrRepositoryOf } from '../deploy/refs';
import { containerImage, serviceStatusMessage } from './render/status';
import type { StatusArgs } from './status';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';
import { environmentStatusMessage, type EnvironmentRow } from './render/status-env';

/** Running tasks sampled for image digests, and recently stopped tasks shown: one DescribeTasks call. */
const RUNNING_SAMPLE = 10;
const STOPPED_SAMPLE = 90;

export async function runStatus(parsed: Parsed<StatusArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const audience = await audienceOf(rt, inv, parsed);
  const msg = parsed.service
    ? await serviceStatus(rt, parsed.service, audience.locale)
    : await environmentStatus(rt, parsed.environment, audience.locale);
  // Asked from an alert's Status button: said in the alert's thread, with the incident's other follow-ups.
  if (inv.alert && audience.inChannel) await answerInAlertThread(rt, inv, inv.alert, msg);
  else await answer(rt, inv, msg, audience);
}

/** Each distinct task definition described once, a few at a time. */
export async function describeDistinctTaskDefinitions(
  ecs: ECSClient,
  arns: ReadonlyArray<string | undefined>,
): Promise<Record<string, TaskDefinition>> {
  const distinct = [...new Set(arns.filter((a): a is string => Boolean(a)))];
  const described = await mapLimit(distinct, 5, (arn) => describeTaskDefinition(ecs, arn));
  const out: Record<string, TaskDefinition> = {};
  distinct.forEach((arn, i) => {
    out[arn] = described[i]!.taskDefinition;
  });
  return out;
}

async function serviceTasks(ecs: ECSClient, cluster: string, serviceName: string): Promise<Task[]> {
  const [running, stopped] = await Promise.all([
    listServiceTasks(ecs, cluster, serviceName, 'RUNNING'),
    listServiceTasks(ecs, cluster, serviceName, 'STOPPED'),
  ]);
  const arns = [...running.slice(0, RUNNING_SAMPLE), ...stopped.slice(0, STOPPED_SAMPLE)];
  return arns.length ? describeTasks(ecs, cluster, arns) : [];
}

/**
 * Tags of the digest a task definition pins (`repo@sha256:…`), so the answer can still show a tag.
 * Only in the service's configured repository: the roles may read no other (scripts/iam-resources.cjs).
 */
async function tagsOfPinnedDigest(rt: Runtime, svc: ResolvedService, image: string | undefined): Promise<Record<string, string[]>> {
  const ref = parseImage(image);
  if (!ref.digest || ref.tag || !svc.repository) return {};
  const ecrRef = ecrRepositoryOf(image);
  // The registry chatops.yml names (what the roles are scoped to), else the running image's.
  const registry = svc.registry ? { registryId: svc.registry.accountId, region: svc.registry.region } : ecrRef;
  try {
    const img = await findImageByDigest(
      rt.aws.ecr(registry?.region ?? svc.env.region, svc.env),
      svc.repository,
      ref.digest,
      registry?.registryId,
    );
    return img?.imageTags?.length ? { [ref.digest]: img.imageTags } : {};
  } catch (err) {
    // The tag is a convenience: the digest is still shown.
    rt.log.warn('could not look up the tag of a pinned digest', { repositoryName: svc.repository, err });
    return {};
  }
}

async function serviceStatus(rt: Runtime, svc: ResolvedService, locale: Locale): Promise<SlackMessage> {
  const env = svc.env;
  const ecs = rt.aws.ecs(env.region, env);
  const guardsP = guardsOrUndefined(rt, env.name, [svc.alias]);
  const service = await describeConfiguredService(rt, svc);

  const tdArns = [service.taskDefinition, ...(service.deployments ?? []).map((d) => d.taskDefinition)];
  const [taskDefinitions, tasks] = await Promise.all([
    describeDistinctTaskDefinitions(ecs, tdArns),
    serviceTasks(ecs, env.cluster, svc.service),
  ]);
  const currentTd = service.taskDefinition ? taskDefinitions[service.taskDefinition] : undefined;
  const [tagsByDigest] = await Promise.all([
    tagsOfPinnedDigest(rt, svc, containerImage(currentTd, svc.container)),
    // Kept for /ecs rightsize: the tasks ECS still lists as stopped for memory.
    rememberListedMemoryKills(rt.redis, rt.log, { environment: env.name, alias: svc.alias }, tasks, rt.now()),
  ]);
  const guards = await guardsP;
  return serviceStatusMessage(
    {
      alias: svc.alias,
      environment: env.name,
      cluster: env.cluster,
      region: env.region,
      container: svc.container,
      service,
      taskDefinitions,
      tasks,
      tagsByDigest,
      guards: guards ? { frozen: guards.frozen, lock: guards.locks[svc.alias] } : { unavailable: true },
      now: rt.now(),
    },
    locale,
  );
}

async function environmentStatus(rt: Runtime, envName: string, locale: Locale): Promise<SlackMessage> {
  const env = rt.config.environments[envName]!;
  const { rows, guards, clusterView } = await readEnvironment(rt, envName, { cluster: true, imageTags: true, locale });
  return environmentStatusMessage(
    {
      clusterView,
      environment: envName,
      cluster: env.cluster,
      region: env.region,
      rows,
      frozen: guards?.frozen,
      guardsUnavailable: guards === undefined,
      now: rt.now(),
    },
    locale,
  );
}

/**
 * Every configured service of an environment as ECS sees it (DescribeServices batched by 10, each
 * task definition described once), with its lock: `/ecs status <environment>` and the Home tab's
 * cache (src/surfaces/home.run.ts).
 */
export async function readEnvironment(
  rt: Runtime,
  envName: string,
  opts: { cluster?: boolean; imageTags?: boolean; locale?: Locale } = {},
): Promise<{
  rows: EnvironmentRow[];
  guards: Awaited<ReturnType<typeof guardsOrUndefined>>;
  clusterView?: Awaited<ReturnType<typeof readClusterView>>;
}> {
  const env = rt.config.environments[envName]!;
  const configured = servicesIn(rt.config, envName);
  const ecs = rt.aws.ecs(env.region, { ...env, name: envName });
  const guardsP = guardsOrUndefined(
    rt,
    envName,
    configured.map((s) => s.alias),
  );
  // The cluster's own view (only /ecs status <environment>), read alongside.
  const clusterP = opts.cluster ? readClusterView(rt, ecs, envName, opts.locale ?? rt.config.slack.language) : undefined;
  const names = [...new Set(configured.map((s) => s.service))];
  const { services, failures } = names.length
    ? await describeServices(ecs, env.cluster, names, clusterHint(envName))
    : { services: [], failures: [] };
  const byName = new Map(services.map((s) => [s.serviceName ?? '', s]));
  const taskDefinitions = await describeDistinctTaskDefinitions(
    ecs,
    services.map((s) => s.taskDefinition),
  );
  // A digest-pinned image (what deploys register) is named by its tag, as `/ecs status <service>` does:
  // one ECR lookup per such service, a few at a time; a failed lookup leaves the digest shown.
  const images = configured.map((svc) => {
    const td = byName.get(svc.service)?.taskDefinition;
    return td ? containerImage(taskDefinitions[td], svc.container) : undefined;
  });
  const tagsP = opts.imageTags
    ? mapLimit(
        configured.map((svc, i) => [svc, images[i]] as const),
        5,
        ([svc, image]) => tagsOfPinnedDigest(rt, svc, image),
      )
    : Promise.resolve(configured.map(() => ({}) as Record<string, string[]>));
  const [guards, clusterView, tags] = await Promise.all([guardsP, clusterP, tagsP]);
  const { aliasesOf } = serviceIndex(rt.config);
  const rows: EnvironmentRow[] = configured.map((svc, i) => {
    const service = byName.get(svc.service);
    const pinned = parseImage(images[i]).digest;
    return {
      alias: svc.alias,
      aliases: aliasesOf.get(svc.alias),
      serviceName: svc.service,
      container: svc.container,
      service,
      failure: service ? undefined : failures.find((f) => f.arn?.endsWith(`/${svc.service}`)),
      taskDefinition: service?.taskDefinition ? taskDefinitions[service.taskDefinition] : undefined,
      imageTags: pinned ? tags[i]![pinned] : undefined,
      lock: guards?.locks[svc.alias],
    };
  });
  return { rows, guards, ...(clusterView ? { clusterView } : {}) };
}

/** The cluster's view for `/ecs status <environment>`; its failure is a line in the answer, not an error. */
function readClusterView(
  rt: Runtime,
  ecs: ReturnType<Runtime['aws']['ecs']>,
  envName: string,
  locale: Locale,
): Promise<{ cluster: Awaited<ReturnType<typeof describeCluster>> } | { error: string }> {
  const env = rt.config.environments[envName]!;
  return describeCluster(ecs, env.cluster, clusterHint(envName), locale).then(
    (cluster) => ({ cluster }),
    (err: unknown) => {
      rt.log.warn('cluster view unavailable', { environment: envName, err });
      // Not an error's own words when it is not ours (no SDK internals reach a reader): errorReply's
      // "something went wrong (ref …)", the ref on its log line.
      return { error: isBotError(err) ? err.userMessageIn(locale) : errorReply(err, rt.log, locale).text };
    },
  );
}
