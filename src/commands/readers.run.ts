/**
 * Worker-side helpers shared by the read-only verbs (status, logs, cost, images): answering in
 * the channel, reading lock/freeze state without letting a Redis outage break the answer, and
 * running a bounded number of AWS calls at once.
 */
import type { Service } from '@aws-sdk/client-ecs';
import { readGuards, type Guards } from '../approvals/guards';
import { describeServices } from '../aws/ecs';
import type { SlackMessage } from '../slack/blocks';
import { answerInvocation } from '../slack/reply';
import { code } from '../slack/text';
import type { ResolvedService } from '../config/schema';
import { BotError } from '../errors';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';

/** Read-only answers are posted for the channel to see. */
export function answer(rt: Runtime, inv: Invocation, msg: SlackMessage): Promise<void> {
  return answerInvocation(rt, inv, msg, { inChannel: true });
}

/**
 * Locks and freezes for `aliases`, or undefined when Redis cannot be read within `timeoutMs`
 * (read-only answers go on without them and say so).
 */
export async function guardsOrUndefined(
  rt: Runtime,
  env: string,
  aliases: readonly string[],
  timeoutMs = 2_000,
): Promise<Guards | undefined> {
  // The client already knows the server is gone (it is between reconnect attempts): don't wait for it.
  if (rt.redis.status === 'reconnecting' || rt.redis.status === 'end') {
    rt.log.warn('lock/freeze state unavailable: redis is disconnected', { env });
    return undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  const TIMEOUT = Symbol('timeout');
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
    timer.unref?.();
  });
  try {
    const read = readGuards(rt.redis, env, aliases).catch((err: unknown) => {
      rt.log.warn('lock/freeze state unavailable', { env, err });
      return undefined;
    });
    const res = await Promise.race([read, timeout]);
    if (res === TIMEOUT) {
      rt.log.warn('lock/freeze state not read in time', { env, timeoutMs });
      return undefined;
    }
    return res;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Map over `items` with at most `limit` calls in flight (AWS read APIs throttle per account). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

export const clusterHint = (env: string): string => `environments.${env}.cluster`;

function missingService(svc: ResolvedService, reason: string): BotError {
  return new BotError('NOT_FOUND', `service ${svc.service} ${reason} in ${svc.env.cluster}`, {
    userMessage: `ECS has no service ${code(svc.service)} in cluster ${code(svc.env.cluster)} (${reason}).`,
    hint: `Check \`services.${svc.alias}.service\` and \`environments.${svc.environment}.cluster\` in chatops.yml, or whether the service was deleted.`,
  });
}

/**
 * The configured service as ECS describes it (one DescribeServices call). An unknown service
 * (reported in `failures`, reason MISSING) and a missing cluster (ClusterNotFoundException) both
 * become answers naming the chatops.yml entry to check.
 */
export async function describeConfiguredService(rt: Runtime, svc: ResolvedService): Promise<Service> {
  const { services, failures } = await describeServices(
    rt.aws.ecs(svc.env.region),
    svc.env.cluster,
    [svc.service],
    clusterHint(svc.environment),
  );
  const service = services.find((s) => s.serviceName === svc.service || s.serviceArn?.endsWith(`/${svc.service}`));
  if (!service) throw missingService(svc, failures[0]?.reason ?? 'MISSING');
  return service;
}
