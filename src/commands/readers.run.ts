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
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import type { Parsed } from './types';

const M = defineMessages('commands.readers', {
  missing: {
    en: 'ECS has no service {service} in cluster {cluster} ({reason}).',
    ko: 'ECS 클러스터 {cluster}에 {service} 서비스가 없습니다 ({reason}).',
  },
  missingHint: {
    en: 'Check `services.{alias}.service` and `environments.{env}.cluster` in chatops.yml, or whether the service was deleted.',
    ko: 'chatops.yml의 `services.{alias}.service`와 `environments.{env}.cluster`를 확인하거나, 서비스가 삭제되지 않았는지 확인하세요.',
  },
});

/** Who a read-only answer is for: the channel (the workspace's language) or only the person who asked (theirs). */
export interface Audience {
  inChannel: boolean;
  locale: Locale;
}

/** `--private`, `--public` or the environment's `visibility` decide; a private answer is in the reader's language. */
export async function audienceOf(rt: Runtime, inv: Invocation, parsed: Pick<Parsed<unknown>, 'visibility'>): Promise<Audience> {
  const inChannel = parsed.visibility !== 'private';
  return { inChannel, locale: inChannel ? rt.people.workspace : await rt.people.localeOf(inv.userId) };
}

/** Answer a read-only command: in the channel, or privately (ephemeral) when the audience says so. */
export function answer(rt: Runtime, inv: Invocation, msg: SlackMessage, audience: Pick<Audience, 'inChannel'>): Promise<void> {
  return answerInvocation(rt, inv, msg, { inChannel: audience.inChannel });
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
    userMessage: M.lazy('missing', { service: code(svc.service), cluster: code(svc.env.cluster), reason }),
    hint: M.lazy('missingHint', { alias: svc.alias, env: svc.environment }),
  });
}

/**
 * The configured service as ECS describes it (one DescribeServices call). An unknown service
 * (reported in `failures`, reason MISSING) and a missing cluster (ClusterNotFoundException) both
 * become answers naming the chatops.yml entry to check.
 */
export async function describeConfiguredService(rt: Runtime, svc: ResolvedService): Promise<Service> {
  const { services, failures } = await describeServices(
    rt.aws.ecs(svc.env.region, svc.env),
    svc.env.cluster,
    [svc.service],
    clusterHint(svc.environment),
  );
  const service = services.find((s) => s.serviceName === svc.service || s.serviceArn?.endsWith(`/${svc.service}`));
  if (!service) throw missingService(svc, failures[0]?.reason ?? 'MISSING');
  return service;
}
