/**
 * What the Home tab shows, read from Redis (never from AWS: the services' health is the worker's
 * cache of `/ecs status <environment>`, see ./home.run.ts). `readHomeState` reads what everyone
 * shares in two round trips; `homeInputFor` narrows it to one reader by their roles (the one
 * authorization wrapper, rt.access): requests waiting for *their* approval, their own requests,
 * and only the environments they may read.
 */
import type { ChainableCommander } from 'ioredis';
import * as z from 'zod';
import { serviceIndex } from '../config/aliases';
import { lazySchema } from '../config/lazy-schema';
import { guardFromHash, type GuardInfo } from '../approvals/guards';
import { fromHash } from '../approvals/model';
import type { ChangeRequest } from '../approvals/types';
import { parseIncident } from '../alerts/incident';
import type { Locale } from '../i18n';
import { keys } from '../redis/keys';
import { pipelineBySlot } from '../redis/slots';
import type { Role } from '../policy/authorize';
import type { Runtime } from '../runtime';
import type { HomeEnvironment, HomeGuard, HomeIncident, HomeInput, HomeRollout, StatusRow } from './home';

const OPEN_STATES = new Set(['pending', 'approved', 'running']);

/** The worker's cache of an environment's services (./home.run.ts writes it). */
export const envStatusSchema = lazySchema(() =>
  z.object({
    at: z.number(),
    rows: z.array(
      z.object({
        alias: z.string(),
        health: z.enum(['steady', 'deploying', 'degraded', 'down', 'failed', 'idle', 'inactive', 'missing']),
        running: z.number(),
        desired: z.number(),
        pending: z.number(),
        image: z.string().optional(),
      }),
    ),
    error: z.string().optional(),
  }),
);
export type EnvStatus = z.infer<typeof envStatusSchema>;

const progressSchema = lazySchema(() =>
  z.object({ phase: z.string(), desired: z.number(), running: z.number(), pending: z.number(), failed: z.number() }),
);

export interface HomeState {
  now: number;
  /** Open requests (pending, approved, running), one per service at most. */
  requests: ChangeRequest[];
  progress: Map<string, HomeRollout['progress']>;
  guards: HomeGuard[];
  incidents: HomeIncident[];
  status: Map<string, EnvStatus>;
}

function parseJson<T>(schema: z.ZodType<T>, text: unknown): T | undefined {
  if (typeof text !== 'string' || !text) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function replyOf<T>(res: Array<[Error | null, unknown]> | null, i: number): T {
  const [err, val] = res?.[i] ?? [new Error('no reply'), undefined];
  if (err) throw err;
  return val as T;
}

/** Everything the Home tab shows that is the same for everyone. Two Redis round trips (one pipeline per hash slot in each). */
export async function readHomeState(rt: Runtime): Promise<HomeState> {
  const now = rt.now();
  const services = Object.entries(rt.config.services).map(([alias, s]) => ({ alias, environment: s.environment }));
  const envs = Object.keys(rt.config.environments);

  // The keys live in several hash slots (one per service and environment): one pipeline per slot, sent together.
  type Read = { key: string; op: 'get' | 'hgetall' | 'progress' };
  const send = (pipe: ChainableCommander, r: Read): void =>
    void (r.op === 'get' ? pipe.get(r.key) : r.op === 'hgetall' ? pipe.hgetall(r.key) : pipe.hget(r.key, 'progress'));
  const reads: Read[] = [
    ...services.map((s) => ({ key: keys.activeRequest(s.environment, s.alias), op: 'get' as const })),
    ...services.map((s) => ({ key: keys.serviceLock(s.environment, s.alias), op: 'hgetall' as const })),
    ...services.map((s) => ({ key: keys.incident(s.environment, s.alias), op: 'hgetall' as const })),
    ...envs.map((e) => ({ key: keys.envFreeze(e), op: 'hgetall' as const })),
    ...envs.map((e) => ({ key: keys.envStatus(e), op: 'get' as const })),
  ];
  const res1 = await pipelineBySlot(rt.redis, reads, (r) => r.key, send);
  let i = 0;
  const active = services.map(() => replyOf<string | null>(res1, i++));
  const locks = services.map(() => replyOf<Record<string, string>>(res1, i++));
  const incidentHashes = services.map(() => replyOf<Record<string, string>>(res1, i++));
  const freezes = envs.map(() => replyOf<Record<string, string>>(res1, i++));
  const statusTexts = envs.map(() => replyOf<string | null>(res1, i++));

  const withRequest = services.map((s, k) => ({ ...s, id: active[k] })).filter((s): s is typeof s & { id: string } => !!s.id);
  const second: Read[] = [
    ...withRequest.map((s) => ({ key: keys.request(s.environment, s.alias, s.id), op: 'hgetall' as const })),
    ...withRequest.map((s) => ({ key: keys.changeTrack(s.id), op: 'progress' as const })),
  ];
  const res2 = withRequest.length ? await pipelineBySlot(rt.redis, second, (r) => r.key, send) : [];
  const requests: ChangeRequest[] = [];
  const progress = new Map<string, HomeRollout['progress']>();
  withRequest.forEach((_s, k) => {
    const req = fromHash(replyOf<Record<string, string>>(res2, k));
    if (!req || !OPEN_STATES.has(req.state)) return;
    requests.push(req);
    const p = parseJson(progressSchema, replyOf<string | null>(res2, withRequest.length + k));
    if (p) progress.set(req.id, p);
  });

  const guards: HomeGuard[] = [];
  envs.forEach((environment, k) => {
    const g = guardFromHash(freezes[k]!);
    if (g) guards.push({ environment, guard: g });
  });
  services.forEach((s, k) => {
    const g: GuardInfo | undefined = guardFromHash(locks[k]!);
    if (g) guards.push({ environment: s.environment, service: s.alias, guard: g });
  });

  const incidents: HomeIncident[] = [];
  services.forEach((s, k) => {
    const v = parseIncident(incidentHashes[k]!);
    if (!v || v.state !== 'open') return;
    const last = v.reasons.find((r) => r.key === v.lastReason) ?? v.reasons[0];
    incidents.push({
      environment: s.environment,
      service: s.alias,
      tasks: v.count,
      signals: v.reasons.reduce((n, r) => n + r.n, 0),
      down: !!v.down,
      lastReason: last?.label ?? '',
      lastAt: v.lastFailAt || v.lastAt,
      ...(v.channel ? { channel: v.channel } : {}),
      ...(v.ts ? { ts: v.ts } : {}),
    });
  });

  const status = new Map<string, EnvStatus>();
  envs.forEach((e, k) => {
    const s = parseJson(envStatusSchema, statusTexts[k]);
    if (s) status.set(e, s);
  });
  return { now, requests, progress, guards, incidents, status };
}

/**
 * How long a role lookup may wait for Slack (a request's time budget: `withinMs`), and where to note
 * the environments whose lookup failed (left out although the person may hold the role there).
 */
export interface LookupOptions {
  withinMs?: number;
  unchecked?: Set<string>;
}

/** Environments where `user` holds `role`; a lookup that fails (Slack down) counts as "no" (and is noted in `opts.unchecked`). */
async function environmentsWhere(rt: Runtime, user: string, roles: readonly Role[], opts: LookupOptions = {}): Promise<Set<string>> {
  const out = new Set<string>();
  const within = opts.withinMs === undefined ? {} : { withinMs: opts.withinMs };
  await Promise.all(
    Object.keys(rt.config.environments).map(async (env) => {
      try {
        if (await rt.access.holdsAny(env, user, roles, within)) out.add(env);
      } catch (err) {
        opts.unchecked?.add(env);
        rt.log.warn('home: role lookup failed; the environment is left out', { env, user, err });
      }
    }),
  );
  return out;
}

/** Environments where `user` may request a deploy of at least one service (with an ECR repository). */
export async function deployableEnvironments(rt: Runtime, user: string, opts: LookupOptions = {}): Promise<string[]> {
  const requesterIn = await environmentsWhere(rt, user, ['requester'], opts);
  return Object.keys(rt.config.environments).filter(
    (env) => requesterIn.has(env) && Object.values(rt.config.services).some((s) => s.environment === env && s.repository),
  );
}

/** The Home tab's input for one reader. */
export async function homeInputFor(
  rt: Runtime,
  state: HomeState,
  user: string,
  locale: Locale,
  opts: LookupOptions = {},
): Promise<HomeInput> {
  const [readable, approverIn, deployable] = await Promise.all([
    environmentsWhere(rt, user, ['reader', 'requester', 'approver'], opts),
    environmentsWhere(rt, user, ['approver'], opts),
    deployableEnvironments(rt, user, opts),
  ]);
  const now = state.now;
  const waiting = state.requests.filter(
    (r) =>
      r.state === 'pending' &&
      approverIn.has(r.environment) &&
      r.requester !== user &&
      !r.approvals.some((a) => a.user === user) &&
      r.expiresAt > now,
  );
  const mine = state.requests.filter((r) => r.requester === user);
  const rollouts: HomeRollout[] = state.requests
    .filter((r) => r.state === 'running' && readable.has(r.environment))
    .map((r) => ({ request: r, ...(state.progress.get(r.id) ? { progress: state.progress.get(r.id) } : {}) }));
  const { aliasesOf } = serviceIndex(rt.config);
  const environments: HomeEnvironment[] = Object.keys(rt.config.environments)
    .filter((e) => readable.has(e))
    .map((name) => {
      const rows: StatusRow[] | undefined = state.status.get(name)?.rows.map((r) => ({ ...r, aliases: aliasesOf.get(r.alias) }));
      const st = state.status.get(name);
      return {
        name,
        serviceCount: Object.values(rt.config.services).filter((s) => s.environment === name).length,
        ...(st ? { status: { at: st.at, rows: rows ?? [], ...(st.error ? { error: st.error } : {}) } } : {}),
      };
    });
  return {
    user,
    locale,
    now,
    approver: approverIn.size > 0,
    canDeploy: deployable.length > 0,
    waiting,
    mine,
    rollouts,
    guards: state.guards.filter((g) => readable.has(g.environment)),
    incidents: state.incidents.filter((i) => readable.has(i.environment)),
    environments,
  };
}
