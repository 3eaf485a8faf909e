/**
 * Promotion order (gate 1): an environment may require that an image digest has already completed
 * a healthy deployment in another one (`gates.promotion` in chatops.yml), optionally some time ago
 * (the soak time).
 *
 * The record is the bot's own: when a change it tracks reaches COMPLETED (src/deploy/tracker.ts),
 * the digest the service now runs is written to
 *
 *   healthy:{img:<digest>}          hash: environment → {service, at, requestId, tag}
 *   healthy:{svc:<env>:<alias>}     the digest the service last completed with (for /ecs promote)
 *
 * each expiring HEALTHY_TTL_SECONDS (30 days) after its last write. Deployments made outside the
 * bot (CI, the console) are found in ECS's own deployment history when the record has nothing
 * (./promotion.run.ts, worker only), and recorded then.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { Runtime } from '../runtime';
import { HEALTHY_TTL_SECONDS, keys } from '../redis/keys';
import { code, oneLine } from '../slack/text';
import { slackDate } from '../slack/time';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import type { ChangePlan } from './plan';
import { shortDigest } from './refs';

const recordSchema = lazySchema(() =>
  z.object({
    service: z.string(),
    at: z.number(),
    requestId: z.string(),
    tag: z.string().optional(),
  }),
);
export type HealthyRecord = z.infer<typeof recordSchema>;

const serviceRecordSchema = lazySchema(() =>
  recordSchema.extend({ digest: z.string(), repository: z.string().optional(), image: z.string().optional() }),
);
export type ServiceHealthyRecord = z.infer<typeof serviceRecordSchema>;

/** The digest a change leaves running: the deploy's pinned digest, or the digest in a rollback's target image. */
export function digestOf(plan: ChangePlan): { digest: string; tag?: string; image?: string; repository?: string } | undefined {
  if (plan.verb === 'deploy')
    return { digest: plan.digest, ...(plan.tag ? { tag: plan.tag } : {}), image: plan.image, repository: plan.repository };
  if (plan.verb === 'rollback') {
    const m = /@(sha256:[a-f0-9]{64})$/.exec(plan.targetImage ?? '');
    if (m) return { digest: m[1]!, ...(plan.targetImage ? { image: plan.targetImage } : {}) };
  }
  return undefined;
}

function parse<T>(schema: z.ZodType<T>, raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** A tracked change completed healthy: remember its digest for the promotion gate and /ecs promote. */
export async function recordHealthy(rt: Runtime, requestId: string, plan: ChangePlan): Promise<void> {
  const d = digestOf(plan);
  if (!d) return;
  await recordHealthyDigest(rt, { environment: plan.environment, alias: plan.alias, requestId, at: rt.now(), ...d });
}

/**
 * Remember that `digest` completed healthy in `environment` (`alias`) at `at`: the digest's record,
 * and (unless `digestOnly`: an older completion found in ECS's history) the service's last healthy digest.
 */
export async function recordHealthyDigest(
  rt: Runtime,
  c: {
    environment: string;
    alias: string;
    requestId: string;
    at: number;
    digest: string;
    tag?: string;
    image?: string;
    repository?: string;
  },
  digestOnly = false,
): Promise<void> {
  const rec: HealthyRecord = { service: c.alias, at: c.at, requestId: c.requestId, ...(c.tag ? { tag: c.tag } : {}) };
  const svc: ServiceHealthyRecord = {
    ...rec,
    digest: c.digest,
    ...(c.repository ? { repository: c.repository } : {}),
    ...(c.image ? { image: c.image } : {}),
  };
  // Two slots (the digest's and the service's): one pipeline each, sent together.
  await Promise.all([
    rt.redis
      .pipeline()
      .hset(keys.healthyDigest(c.digest), c.environment, JSON.stringify(rec))
      .expire(keys.healthyDigest(c.digest), HEALTHY_TTL_SECONDS)
      .exec(),
    digestOnly ? undefined : rt.redis.set(keys.healthyService(c.environment, c.alias), JSON.stringify(svc), 'EX', HEALTHY_TTL_SECONDS),
  ]);
}

/** Where `digest` completed healthy in `environment` (the newest completion), if the bot saw it. */
export async function healthyIn(rt: Runtime, digest: string, environment: string): Promise<HealthyRecord | undefined> {
  return parse(recordSchema, await rt.redis.hget(keys.healthyDigest(digest), environment));
}

/** The digest `alias` in `environment` last completed healthy with. */
export async function lastHealthy(rt: Runtime, environment: string, alias: string): Promise<ServiceHealthyRecord | undefined> {
  return parse(serviceRecordSchema, await rt.redis.get(keys.healthyService(environment, alias)));
}

export type PromotionVerdict =
  | { ok: true; record: HealthyRecord }
  | { ok: false; reason: 'never' }
  | { ok: false; reason: 'soak'; record: HealthyRecord; readyAt: number };

/** Pure: may a digest with this record (in the `from` environment) go on, given the soak time? */
export function promotionVerdict(record: HealthyRecord | undefined, soakMs: number | undefined, now: number): PromotionVerdict {
  if (!record) return { ok: false, reason: 'never' };
  if (soakMs && now - record.at < soakMs) return { ok: false, reason: 'soak', record, readyAt: record.at + soakMs };
  return { ok: true, record };
}

const text = defineMessages('deploy.promotion', {
  passed: {
    en: 'Promotion: {digest} completed healthy in `{from}` ({service}) {at}, {ago} ago{soak}.',
    ko: '승격: {digest}은(는) `{from}`({service})에서 {at}에 정상 완료되었습니다 ({ago} 전){soak}.',
  },
  soaked: { en: ' (soak time {soak} passed)', ko: ' (안정화 시간 {soak} 경과)' },
  never: {
    en: "I can't deploy {digest} to `{env}`: it has not completed a healthy deployment in `{from}` (neither in the bot's record nor in ECS's deployment history there), and `{env}` only takes images that did.",
    ko: '{digest}을(를) `{env}`에 배포할 수 없습니다: `{from}`에서 정상 완료된 배포가 없습니다 (봇의 기록에도 그곳의 ECS 배포 기록에도 없음). `{env}`은(는) 그런 이미지만 받습니다.',
  },
  neverHint: {
    en: 'Deploy it to `{from}` first{example}, then `/ecs promote {service}` once it completed there.',
    ko: '먼저 `{from}`에 배포하고{example}, 그곳에서 완료된 뒤 `/ecs promote {service}` 명령을 실행하세요.',
  },
  neverExample: { en: ' (e.g. `/ecs deploy {upstream} {ref}`)', ko: ' (예: `/ecs deploy {upstream} {ref}`)' },
  soak: {
    en: "I can't deploy {digest} to `{env}` yet: it completed healthy in `{from}` {at}, only {ago} ago, and `{env}` requires {soak} of soak time. It can be deployed from {readyAt}.",
    ko: '{digest}을(를) 아직 `{env}`에 배포할 수 없습니다: `{from}`에서 {at}에 정상 완료되었지만 {ago} 전이며, `{env}`은(는) {soak}의 안정화 시간을 요구합니다. {readyAt}부터 배포할 수 있습니다.',
  },
  soakHint: {
    en: 'Schedule it for then with `--at {readyAtLocal}`.',
    ko: '`--at {readyAtLocal}` 옵션으로 그때로 예약하세요.',
  },
  bypassed: {
    en: 'Promotion: *bypassed by break-glass*{why}.',
    ko: '승격: *긴급 실행(break-glass)으로 건너뜀*{why}.',
  },
  bypassedNever: { en: ' ({digest} never completed healthy in `{from}`)', ko: ' ({digest}은(는) `{from}`에서 정상 완료된 적이 없음)' },
  bypassedSoak: {
    en: ' ({digest} completed in `{from}` only {ago} ago; soak {soak})',
    ko: ' ({digest}은(는) `{from}`에서 {ago} 전에 완료됨; 안정화 {soak})',
  },
});

export function digestLabel(digest: string, tag?: string): string {
  return `${tag ? `${code(tag)} ` : ''}${code(`sha256:${shortDigest(digest)}`)}`;
}

/** The card line for a passed gate. */
export function promotionPassedLine(
  v: Extract<PromotionVerdict, { ok: true }>,
  o: { digest: string; tag?: string; from: string; soakMs?: number; now: number; locale: Locale },
): string {
  const t = text.in(o.locale);
  return t('passed', {
    digest: digestLabel(o.digest, o.tag ?? v.record.tag),
    from: o.from,
    service: code(v.record.service),
    at: slackDate(v.record.at),
    ago: formatDuration(o.now - v.record.at, o.locale),
    soak: o.soakMs ? t('soaked', { soak: formatDuration(o.soakMs, o.locale) }) : '',
  });
}

/** The refusal (userMessage, hint) for a failed gate. */
export function promotionRefusal(
  v: Exclude<PromotionVerdict, { ok: true }>,
  o: {
    digest: string;
    tag?: string;
    env: string;
    from: string;
    service: string;
    upstream?: string;
    soakMs?: number;
    now: number;
    locale: Locale;
    readyAtLocal?: string;
  },
): { message: string; hint: string } {
  const t = text.in(o.locale);
  const digest = digestLabel(o.digest, o.tag);
  if (v.reason === 'never') {
    const example = o.upstream ? t('neverExample', { upstream: o.upstream, ref: oneLine(o.tag ?? o.digest, 80) }) : '';
    return {
      message: t('never', { digest, env: o.env, from: o.from }),
      hint: t('neverHint', { from: o.from, example, service: o.service }),
    };
  }
  return {
    message: t('soak', {
      digest,
      env: o.env,
      from: o.from,
      at: slackDate(v.record.at),
      ago: formatDuration(o.now - v.record.at, o.locale),
      soak: formatDuration(o.soakMs ?? 0, o.locale),
      readyAt: slackDate(v.readyAt),
    }),
    hint: o.readyAtLocal ? t('soakHint', { readyAtLocal: o.readyAtLocal }) : '',
  };
}

/** The card line when break-glass went past a failed promotion gate. */
export function promotionBypassedLine(
  v: Exclude<PromotionVerdict, { ok: true }>,
  o: { digest: string; tag?: string; from: string; soakMs?: number; now: number; locale: Locale },
): string {
  const t = text.in(o.locale);
  const digest = digestLabel(o.digest, o.tag);
  const why =
    v.reason === 'never'
      ? t('bypassedNever', { digest, from: o.from })
      : t('bypassedSoak', {
          digest,
          from: o.from,
          ago: formatDuration(o.now - v.record.at, o.locale),
          soak: formatDuration(o.soakMs ?? 0, o.locale),
        });
  return t('bypassed', { why });
}
