/**
 * ECS events as the alerts read them: the mapping of a parsed event (src/aws/ecs-events.ts) to a
 * service configured in chatops.yml, and where that service's alerts go. Pure: no I/O.
 */
import type { Config, ResolvedService } from '../config/schema';
import { findService } from '../config/load';
import { arnTail } from '../aws/arn';
import { parseArn, type ParsedEcsEvent } from '../aws/ecs-events';

interface Target {
  service: ResolvedService;
  /** Region and cluster name as seen in the event. */
  region: string;
  cluster: string;
}

type TargetResult = { ok: true; target: Target } | { ok: false; why: string };

interface Place {
  region: string;
  account: string;
  cluster?: string;
  serviceName?: string;
}

/** Where the event happened: region, account, cluster and (for service-level events) the ECS service name. */
function placeOf(ev: ParsedEcsEvent): Place | undefined {
  if (ev.kind === 'task') {
    const c = parseArn(ev.detail.clusterArn);
    if (!c || !c.resource.startsWith('cluster/')) return undefined;
    const group = ev.detail.group ?? '';
    return {
      region: c.region,
      account: c.account,
      cluster: c.resource.slice('cluster/'.length),
      serviceName: group.startsWith('service:') ? group.slice('service:'.length) : undefined,
    };
  }
  // Service-level events: resources[0] is the service ARN, new format `service/<cluster>/<name>`
  // or the old format `service/<name>` (then the cluster comes from detail.clusterArn, if any).
  const svcArn = ev.resources.map(parseArn).find((a) => a?.service === 'ecs' && a.resource.startsWith('service/'));
  const clusterArn = parseArn(ev.detail.clusterArn);
  if (!svcArn && !clusterArn) return undefined;
  const parts = svcArn ? svcArn.resource.split('/') : [];
  const cluster =
    parts.length >= 3 ? parts[1] : clusterArn?.resource.startsWith('cluster/') ? clusterArn.resource.slice('cluster/'.length) : undefined;
  return {
    region: svcArn?.region ?? clusterArn!.region,
    account: svcArn?.account ?? clusterArn!.account,
    cluster,
    serviceName: parts.length >= 2 ? parts[parts.length - 1] : undefined,
  };
}

function clusterMatches(
  envCluster: string,
  region: string,
  account: string,
  cluster: string | undefined,
  envRegion: string,
  envAccount: string | undefined,
): boolean {
  if (region !== envRegion) return false;
  if (envAccount && account && envAccount !== account) return false;
  if (cluster === undefined) return true;
  // chatops.yml may hold the cluster's name or its full ARN.
  const configured = envCluster.startsWith('arn:') ? arnTail(envCluster) : envCluster;
  return configured === cluster;
}

/**
 * The configured service an event is about: the environment whose cluster (and region, and account
 * when configured) matches, then the service with that ECS name in it.
 */
export function resolveTarget(config: Config, ev: ParsedEcsEvent): TargetResult {
  const place = placeOf(ev);
  if (!place) return { ok: false, why: 'the event names no cluster or service' };
  if (!place.serviceName) return { ok: false, why: 'the task does not belong to a service' };
  const envs = Object.entries(config.environments).filter(([, e]) =>
    clusterMatches(e.cluster, place.region, place.account, place.cluster, e.region, e.accountId),
  );
  if (envs.length === 0) return { ok: false, why: `cluster ${place.cluster ?? '(unknown)'} in ${place.region} is not in chatops.yml` };
  const matches = Object.entries(config.services)
    .filter(([, s]) => s.service === place.serviceName && envs.some(([name]) => name === s.environment))
    .map(([alias]) => findService(config, alias)!);
  if (matches.length === 0)
    return { ok: false, why: `service ${place.serviceName} in cluster ${place.cluster ?? '(unknown)'} is not in chatops.yml` };
  if (matches.length > 1)
    return {
      ok: false,
      why: `service ${place.serviceName} matches several entries of chatops.yml (${matches.map((m) => m.alias).join(', ')}); the event names no cluster`,
    };
  const service = matches[0]!;
  return { ok: true, target: { service, region: place.region, cluster: place.cluster ?? arnTail(service.env.cluster) } };
}

/** Where a service's alerts go: its own alertChannel, else its environment's alert channel, else the environment's first channel. */
export function alertChannelFor(svc: ResolvedService): string {
  return svc.alertChannel ?? svc.env.alerts.channel ?? svc.env.channels[0]!;
}
