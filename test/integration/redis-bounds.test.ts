/**
 * Every Redis key stays within the bound src/redis/bounds.ts states (and docs/redis.md shows):
 * the writers are driven with every input at its limit (the longest reason, summary, diff, gate
 * notes, the most approvers, execution facts, incident reasons, log lines, a cost answer…) against
 * the real redis-server of the jest setup, then every key in the database is matched to its key
 * builder and measured: `MEMORY USAGE … SAMPLES 0` within its size bound (per member where the
 * count follows the configuration), and a TTL within its lifetime bound, or, for the indexes that
 * have no TTL, a cleaner shown removing its members (below).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markFinished } from '../../src/hooks/events';
import { addToBacklog, backlogLine, takeBacklog } from '../../src/alerts/backlog';
import { applyMute, finishRender, reserveChannelTurn, reserveUpdateTurn } from '../../src/alerts/store';
import { attachToIncident, markDown, recordSignal } from '../../src/alerts/signals';
import { approveRequest, expireDue, lapseDue } from '../../src/approvals/clicks';
import {
  finishExecution,
  leaseOp,
  pressExecution,
  recordExecution,
  runningRequests,
  setStatusTs,
  startExecution,
} from '../../src/approvals/execution';
import { remindRetro, startDueScheduled } from '../../src/approvals/gates';
import { stealLock } from '../../src/approvals/gate-locks';
import { freezeEnvironment, lockService } from '../../src/approvals/locks';
import { getRequest, refreshMessage, submitRequest, type SubmitInput } from '../../src/approvals/workflow';
import { spendOnce } from '../../src/commands/cost-spend';
import { renderDiff, type DiffEntry } from '../../src/deploy/diff';
import { recordHealthyDigest } from '../../src/deploy/promotion';
import { recordMemoryKill } from '../../src/alerts/memory-kills.run';
import { endedFact, postOnce } from '../../src/deploy/tracker';
import { admitCommand } from '../../src/edge/rate';
import { claimJob } from '../../src/hooks/jobs';
import { markEvent } from '../../src/edge/event-claim';
import { noBudget } from '../../src/slack/click-budget';
import {
  AUDIT_EXTRA_MAX_BYTES,
  ALERT_BACKLOG_INCIDENTS,
  AUDIT_MAXLEN,
  AUDIT_TTL_SECONDS,
  AUDIT_VALUE_MAX_BYTES,
  HOLD_TTL_SECONDS,
  keyBounds,
  MEMORY_KILLS_MAX,
  REQUEST_DETAILS_MAX_BYTES,
  REQUEST_MAX_BYTES,
  REQUEST_SUMMARY_MAX_BYTES,
  type KeyBound,
} from '../../src/redis/bounds';
import { keys as appKeys } from '../../src/redis/keys';
import { workerKeys } from '../../src/redis/keys.run';
import { tryLock } from '../../src/redis/locks';
import { redisSlackPauses } from '../../src/redis/slack-pause';
import { onChange, onHomeOpened } from '../../src/surfaces/home-publish';
import { fixtureConfig, fixtureGroups } from '../helpers/config';
import { allKeys, flushRedis, useWorkerDb } from '../helpers/redis';
import { storeHarness, type StoreHarness, useStoreHarness } from './approvals-runtime';

/**
 * The two bulk tests (every writer at its limit; 2 100 audit writes in turn) do a fixed amount of serial work: about
 * 2 s alone and 6 s under a 30 % CPU share (a load of 6–7 on 2 cores), but 22 s under a 10 % quota, past jest's 20 s
 * default for one test. Their bound is the work's, not a product one.
 */
const bulk = (name: string, fn: () => Promise<void>): void => it(name, fn, 60_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ROOT = join(__dirname, '../..');

/** `n` characters of Korean text: 3 bytes each in UTF-8, the most bytes a character typed in Slack usually takes. */
const ko = (n: number): string => '가나다라마바사'.repeat(Math.ceil(n / 7)).slice(0, n);

/** Every key builder: ../../src/redis/keys.ts and the worker-only ones (../../src/redis/keys.run.ts). */
const keys = { ...appKeys, ...workerKeys };
type Name = keyof typeof keys;

/** The key builder a key was made by (the same placeholder matching as the docs table test). */
function builderOf(key: string): Name | undefined {
  for (const [name, build] of Object.entries(keys) as Array<[Name, (...a: string[]) => string]>) {
    const marks = Array.from({ length: build.length }, (_, i) => `§${i}§`);
    const pattern = build(...marks)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/§\d+§/g, '[^{}]+');
    if (new RegExp(`^${pattern}$`).test(key)) return name;
  }
  return undefined;
}

interface Measured {
  key: string;
  name: Name;
  type: string;
  bytes: number;
  members: number;
  ttlMs: number;
}

async function measure(h: StoreHarness, key: string): Promise<Measured> {
  const redis = h.rt.redis;
  const name = builderOf(key);
  if (!name) throw new Error(`key ${key} matches no builder in src/redis/keys.ts`);
  const type = await redis.type(key);
  const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const members =
    type === 'zset'
      ? await redis.zcard(key)
      : type === 'hash'
        ? await redis.hlen(key)
        : type === 'set'
          ? await redis.scard(key)
          : type === 'stream'
            ? await redis.xlen(key)
            : 1;
  // A per-service bound of a JSON string: its rows are the members.
  const rows =
    keyBounds[name].per === 'service' ? ((JSON.parse((await redis.get(key)) ?? '{}') as { rows?: unknown[] }).rows?.length ?? 1) : members;
  return { key, name, type, bytes, members: rows, ttlMs: await redis.pttl(key) };
}

/** What is wrong with a key against its bound ('' when it is within it). */
function violation(m: Measured, b: KeyBound): string {
  const limit = b.per ? b.bytes * Math.max(1, m.members) : b.bytes;
  if (m.bytes > limit) return `${m.bytes} B > ${limit} B`;
  if (b.maxMembers !== undefined && m.members > b.maxMembers) return `${m.members} members > ${b.maxMembers}`;
  if ('ttl' in b.lifetime) {
    if (m.ttlMs <= 0) return `no TTL (PTTL ${m.ttlMs})`;
    if (m.ttlMs > b.lifetime.ttl * 1000) return `TTL ${m.ttlMs} ms > ${b.lifetime.ttl} s`;
  }
  return '';
}

/** Written by code these tests do not drive; each line says why its bound holds. */
const NOT_DRIVEN: Partial<Record<Name, string>> = {
  imageMessage: 'src/images/announce.ts: fixed fields of one ECR event, EXPIRE in the same MULTI',
  imageDigestTags: 'src/images/announce.ts: SADD of the tags matching the configured patterns, EXPIRE in the same MULTI',
  imageTagDigest: 'src/images/lua/move-tag-1.lua: SET of `<time>|<digest>` … EX 30 days',
  imageEventSeen: 'src/images/announce.ts: SET … EX 7 days NX',
  rejectForm: "src/approvals/actions.ts: SET of the click's response_url and channel (JSON, Slack-sized) … EX 3600",
  recheckClaim:
    'src/commands/lua/recheck-claim-2.lua: HSET of the state, a 16-character token and the follow-up job (a Slack response_url, ids, a few numbers) … PEXPIRE 1 d',
  recheckDue: 'src/commands/lua/recheck-claim-2.lua: ZADD of a job id … PEXPIRE 2 d; the told and lapse scripts remove it',
  envStatus: 'src/surfaces/home.run.ts: SET … EX (a status row per configured service)',
  imageTags: 'src/surfaces/deploy-modal.run.ts: SET … EX 600 of at most MAX_TAGS tag options',
  costFlight: 'src/commands/cost-spend.ts: SET … PX; the Lua claim and store end it',
  indexSweepCursor:
    'src/approvals/indexes.run.ts: SET of `<host:port>|<SCAN cursor>` … PX 1 h, only when a sweep slice runs out of time (test/integration/approvals-sweep.test.ts)',
  indexSweepLease:
    'src/redis/locks.ts tryLock: SET of a UUID token … PX (the slice plus 30 s, at most 40 s) NX, while a sweep slice runs; deleted by its save (test/integration/approvals-sweep.test.ts)',
  noticeClaim:
    'src/approvals/notice.run.ts: SET of a UUID token … PX 60 s NX (the key: a notice key of at most 250 characters) while one attempt posts the notice; deleted after it (test/e2e/notices-race.test.ts)',
  legacyEnvRequestAudit:
    'no longer written (read until it expires): its bound is the one its writer kept, XADD MAXLEN ~ 1000 and PEXPIRE 400 d',
};

describe('Redis keys within their bounds (src/redis/bounds.ts), every input at its limit', () => {
  let h: StoreHarness;
  beforeAll(() => useWorkerDb());
  beforeEach(async () => {
    // The worker profile (5 s Redis command timeout, patient Slack): this suite measures what the writers leave in
    // Redis, not the edge's 1 s bound, which a loaded machine trips on a fresh client's first command (cluster
    // discovery, script loads, the test's own stretched event loop): the product then answers "store unavailable",
    // as it should, and the test had nothing to measure. The edge bounds are tested where they are the subject.
    h = await storeHarness({
      profile: 'worker',
      config: fixtureConfig((doc) => {
        doc.environments.prod.approvals.deploy = 5;
        doc.environments.prod.approvalTtl = '7d';
      }),
      groups: fixtureGroups({ SLEADS: ['ULEAD3', 'ULEAD4', 'ULEAD5'] }),
    });
  });
  afterEach(async () => {
    await h.close();
    await flushRedis();
  });

  /** A deploy request with every text at its limit. */
  function longest(over: Partial<SubmitInput> = {}): SubmitInput {
    // A task-definition diff of 300 changed values of 2 000 characters (a task definition may be 64 KiB).
    const entries: DiffEntry[] = Array.from({ length: 300 }, (_, i) => ({
      path: `containerDefinitions.web.command.${i}`,
      before: 'x'.repeat(2000),
      after: ko(2000),
    }));
    return {
      verb: 'deploy',
      environment: 'prod',
      service: 'web',
      plan: {
        verb: 'deploy',
        environment: 'prod',
        alias: 'web',
        region: 'eu-west-1',
        cluster: 'prod',
        serviceName: 'web-prod',
        serviceArn: `arn:aws:ecs:eu-west-1:222222222222:service/prod/${'w'.repeat(255)}`,
        currentTaskDefinition: `arn:aws:ecs:eu-west-1:222222222222:task-definition/${'w'.repeat(255)}:41`,
        desiredCount: 40,
        madeAt: h.clock.now(),
        container: 'c'.repeat(255),
        repository: 'r'.repeat(256),
        tag: 't'.repeat(128),
        digest: `sha256:${'a'.repeat(64)}`,
        image: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(256)}@sha256:${'a'.repeat(64)}`,
        previousImage: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(256)}:${'t'.repeat(128)}`,
      },
      summary: ko(12_000),
      details: renderDiff(entries, 2000),
      requester: 'UDEV1',
      reason: ko(500),
      channel: 'CPROD',
      invocationId: `cmd-${Math.random().toString(36).slice(2)}`,
      gates: Array.from({ length: 12 }, () => ({ gate: 'promotion' as const, text: ko(1000) })),
      ...over,
    };
  }

  bulk('drives every writer at its limit; every key it leaves is within its size and lifetime bound', async () => {
    const { rt, clock } = h;
    const now = () => clock.now();

    // A change request with every input at its limit, approved by 5 people, run, with its facts and thread progress.
    const req = await submitRequest(rt, longest());
    for (const u of ['ULEAD1', 'ULEAD2', 'ULEAD3', 'ULEAD4', 'ULEAD5']) await approveRequest(rt, req.id, u);
    expect((await startExecution(rt, req.id)).ok).toBe(true);
    await recordExecution(rt, req.id, {
      deploymentId: `ecs-svc/${'9'.repeat(19)}`,
      serviceDeploymentArn: `arn:aws:ecs:eu-west-1:222222222222:service-deployment/prod/${'w'.repeat(255)}/${'x'.repeat(22)}`,
      targetTaskDefinition: `arn:aws:ecs:eu-west-1:222222222222:task-definition/${'w'.repeat(255)}:42`,
      registering: now(),
      updateAttempts: 5,
      serviceUpdatedAt: now(),
      startedAt: now(),
    });
    await recordExecution(rt, req.id, { abortedBy: 'ULEAD1', abortedAt: now(), abortMethod: 'stop-deployment' });
    // How the rollout ended, at its largest (cut to one fact's bound by src/deploy/tracker.ts endedFact).
    const reasons = [ko(2000), ko(2000), ko(2000), ko(2000)];
    const back = `arn:aws:ecs:eu-west-1:222222222222:task-definition/${'w'.repeat(255)}:42`;
    const counts = { desired: 1000, running: 1000, pending: 1000, failed: 1000, back };
    await pressExecution(
      rt,
      req.id,
      'bot',
      'rollout ended',
      ko(500),
      'ended',
      endedFact({ phase: 'failed', reasons, rolledBack: true, abortedBy: 'ULEAD1', counts }, now()),
    );
    await setStatusTs(rt, req.id, '1700000000.000100');
    await leaseOp(rt, req.id, 'acquire', 'bounds-token', 90_000, now() + 60_000);
    await pressExecution(rt, req.id, 'ULEAD1', 'traffic-shifted', ko(500), 'shift.primary', { action: 'SHIFT', user: 'ULEAD1', at: now() });
    const running = (await runningRequests(rt)).find((r) => r.id === req.id)!;
    for (let i = 0; i < 12; i++) await postOnce(rt, running, `milestone-${i}`, { text: 'progress', blocks: [] });

    // The longest reasons on a lock, a lock taken over, a freeze; the longest mute reason for 7 days.
    await lockService(rt, 'prod', 'worker', 'ULEAD1', ko(200));
    await stealLock(rt, 'prod', 'worker', 'ULEAD2', ko(200));
    await freezeEnvironment(rt, 'staging', 'ULEAD1', ko(200));
    expect(
      (
        await applyMute(
          rt.redis,
          { environment: 'prod', alias: 'web' },
          { by: 'ULEAD1', reason: ko(300), now: now(), until: now() + 7 * DAY, maxMs: HOUR, approver: true },
        )
      ).status,
    ).toBe('ok');

    // An incident with more distinct reasons than it keeps, long ECS reasons and long log lines, after
    // more incidents like it that never reached Slack than it carries as earlier ones (signal-4.lua).
    /** The k-th incident of `s` at its limit (40 signals 2 h after the previous incident's); its gen. */
    const worstIncident = async (s: { environment: string; alias: string }, k: number): Promise<number> => {
      let g = 0;
      for (let i = 0; i < 40; i++) {
        const r = await recordSignal(rt.redis, s, {
          kind: i % 2 ? 'task' : 'deploy',
          seenId: `task:${'t'.repeat(200)}${k}:${i}`,
          reasonKey: `exit:${i}:${'k'.repeat(300)}`,
          reasonLabel: ko(300),
          facts: { stoppedReason: ko(5000), containers: Array.from({ length: 50 }, () => ({ reason: ko(2000) })) },
          now: now() + k * 2 * HOUR,
          at: now() + k * 2 * HOUR,
          windowMs: HOUR,
        });
        if (r.status === 'ok') g = r.gen;
      }
      const logs = { region: 'eu-west-1', lines: Array.from({ length: 200 }, () => ko(5000)) };
      expect(await attachToIncident(rt.redis, s, g, { logs })).toBe(true);
      return g;
    };
    const svc = { environment: 'prod', alias: 'worker' };
    let gen = 0;
    for (let k = 0; k < 5; k++) gen = await worstIncident(svc, k);
    await markDown(rt.redis, svc, now());
    // Messages Slack left behind (signal-4.lua, src/alerts/behind.ts): more incidents like the one above,
    // the first five never posted (carried as earlier ones), the last three posted and then behind (their
    // updates refused), replaced one after the other: two are kept.
    const left = { environment: 'prod', alias: 'left-behind' };
    for (let k = 0; k < 8; k++) {
      const g = await worstIncident(left, k);
      if (k < 5) continue;
      await finishRender(rt.redis, left, { gen: g, rev: 1, mode: 'ok', ts: '1700000000.000100', channel: 'C'.repeat(20), now: now() });
      await finishRender(rt.redis, left, { gen: g, rev: 1, mode: 'failed', now: now() });
    }
    expect(Object.keys(await rt.redis.hgetall(keys.alertBehind('prod', 'left-behind'))).filter((f) => f.startsWith('b:'))).toHaveLength(2);
    // Thread replies waiting for the scheduled check: more lines than it keeps, each at its longest,
    // for as many incidents as wait and one more incident's lines claimed by a check.
    const waiting = backlogLine({ text: '', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ko(5000) } }] });
    const fillBacklog = async (g: number) => {
      for (let i = 0; i < 15; i++) await addToBacklog(rt.redis, svc, { gen: g, channel: 'C'.repeat(20), ts: '1.2' }, [waiting]);
    };
    await fillBacklog(gen);
    expect(await takeBacklog(rt.redis, svc, now())).toMatchObject({ status: 'ok', gen });
    for (let g = gen + 1; g <= gen + ALERT_BACKLOG_INCIDENTS; g++) await fillBacklog(g);
    // Tasks killed for memory: more than are kept (the oldest dropped), with the longest task ids.
    for (let i = 0; i < MEMORY_KILLS_MAX + 50; i++)
      await recordMemoryKill(rt.redis, 'prod', 'worker', `${'t'.repeat(60)}${i}`, now() - (MEMORY_KILLS_MAX + 50 - i) * HOUR, now());
    expect(await rt.redis.zcard(workerKeys.memoryKills('prod', 'worker'))).toBe(MEMORY_KILLS_MAX);
    // The workspace's budget of alert updates, reserved as far ahead as any caller may (and past: refused).
    for (let i = 0; i < 14; i++) await reserveUpdateTurn(rt.redis, now(), 3_000);
    // A channel's pace of alert posts, reserved as far ahead as any caller may (and past: refused).
    for (let i = 0; i < 16; i++) await reserveChannelTurn(rt.redis, 'C'.repeat(20), now(), 10_000);
    // The consumers that finished an event Lambda retries, at the longest event id remembered.
    await markFinished(rt, 'e'.repeat(128), ['deploy-progress', 'deploy-autolock', 'images']);
    // A Slack 429 pause shared across processes, in the longest scope (chat.postMessage in a channel), longer than it is kept.
    await redisSlackPauses(rt.redis).record(`chat.postMessage ${'C'.repeat(20)}`, 3_600_000, 3_600);

    // The rest: the deployment mark (above), healthy records, a tick lock, a job claim, the command rate, cost, Home.
    await recordHealthyDigest(rt, {
      environment: 'prod',
      alias: 'web',
      requestId: req.id,
      at: now(),
      digest: `sha256:${'a'.repeat(64)}`,
      tag: 't'.repeat(128),
      image: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/${'r'.repeat(256)}@sha256:${'a'.repeat(64)}`,
      repository: 'r'.repeat(256),
    });
    expect(await tryLock(rt.redis, keys.tickLock('expiry'), 120_000)).toBeDefined();
    expect(await claimJob(rt, `job-${'j'.repeat(100)}`)).toBe('claimed');
    // A Slack event claimed by a delivery (its lease) and one handled.
    expect(await markEvent(rt, `Ev${'E'.repeat(30)}`, noBudget())).toBe(true);
    expect(await markEvent(rt, `Ev${'D'.repeat(30)}`, noBudget())).toBe(true);
    expect(await markEvent(rt, `Ev${'D'.repeat(30)}`, noBudget(), true)).toBe(true);
    await admitCommand(rt, { id: 'cmd-bounds', text: 'status web', userId: 'ULEAD1', channelId: 'CPROD', receivedAt: now() }, 'read');
    const bigAnswer = {
      rows: Array.from({ length: 400 }, (_, i) => ({ service: `svc-${i}`, days: Array.from({ length: 31 }, () => 1234.56) })),
    };
    await spendOnce(rt, 'ULEAD1', 'b'.repeat(64), async () => bigAnswer); // too big to cache: answered, not kept
    await spendOnce(rt, 'ULEAD1', 'c'.repeat(64), async () => ({ rows: bigAnswer.rows.slice(0, 100) }));
    expect(await rt.redis.exists(keys.costCache('b'.repeat(64)))).toBe(0);
    for (let i = 0; i < 30; i++) await onHomeOpened(rt, { tab: 'home', user: `UVIEWER${i}` });
    await onChange({ what: 'request' }, rt);
    // A request message Slack did not take: queued for the re-render tick.
    h.slack.failNext('chat.update', 'fatal_error');
    await refreshMessage(rt, await getRequest(rt.redis, req.id));
    expect(await rt.redis.zscore(keys.rerenderQueue(), req.id)).not.toBeNull();

    // A key gone by the time it is measured (PTTL -2) expired within its lifetime: a Slack event's 10 s claim, say, on
    // a loaded machine where this test runs longer than that. It is not a key without a TTL.
    const measured = (await Promise.all((await allKeys(rt.redis)).map((k) => measure(h, k)))).filter((m) => m.ttlMs !== -2);
    const wrong = measured.flatMap((m) => {
      const v = violation(m, keyBounds[m.name]);
      return v ? [{ key: m.key, problem: v }] : [];
    });
    expect(wrong).toEqual([]);

    // The request at its limit: the texts were shortened with a marker, and the whole hash is within REQUEST_MAX_BYTES.
    const stored = await rt.redis.hgetall(keys.request('prod', 'web', req.id));
    expect(Buffer.byteLength(stored.summary!, 'utf8')).toBeLessThanOrEqual(REQUEST_SUMMARY_MAX_BYTES);
    expect(stored.summary).toMatch(/shortened: the summary was \d+ bytes/);
    expect(Buffer.byteLength(stored.details!, 'utf8')).toBeLessThanOrEqual(REQUEST_DETAILS_MAX_BYTES);
    expect(stored.details).toMatch(/\d+ more lines not kept/);
    expect(stored.details).not.toContain('\uFFFD');
    expect(JSON.parse(stored.gates!).at(-1).text).toMatch(/more gate notes not kept/);
    const requestBytes = measured.find((m) => m.name === 'request' && m.key.endsWith(req.id))!.bytes;
    expect(requestBytes).toBeLessThanOrEqual(REQUEST_MAX_BYTES);

    // Every key builder is driven here, or named (with why its bound holds) in NOT_DRIVEN.
    const seen = new Set(measured.map((m) => m.name));
    const names = Object.keys(keys) as Name[];
    expect(names.filter((n) => !seen.has(n) && !(n in NOT_DRIVEN) && !('cleaner' in keyBounds[n].lifetime))).toEqual([]);
    expect(names.filter((n) => seen.has(n) && n in NOT_DRIVEN)).toEqual([]);

    if (process.env.BOUNDS_REPORT) {
      const rows = measured.map((m) => `${m.name}\t${m.type}\t${m.bytes}\t${m.members}\t${m.ttlMs}\t${m.key.slice(0, 60)}`);
      // eslint-disable-next-line no-console -- opt-in measurement for the issue note
      console.log(rows.sort().join('\n'));
    }
  });

  bulk('an audit stream keeps about its newest 1 000 entries at the longest detail, expires after 400 days idle', async () => {
    const { rt } = h;
    for (let i = 0; i < 700; i++) {
      await lockService(rt, 'prod', 'worker', 'ULEAD1', ko(200));
      await stealLock(rt, 'prod', 'worker', 'ULEAD2', ko(200));
      await rt.redis.del(keys.serviceLock('prod', 'worker'));
    }
    for (const key of [keys.serviceAudit('prod', 'worker')]) {
      const m = await measure(h, key);
      expect(m.members).toBeGreaterThanOrEqual(AUDIT_MAXLEN);
      // MAXLEN ~ trims whole stream nodes (100 entries by default).
      expect(m.members).toBeLessThanOrEqual(AUDIT_MAXLEN + 100);
      expect(violation(m, keyBounds[m.name])).toBe('');
      expect(m.ttlMs).toBeGreaterThan((AUDIT_TTL_SECONDS - 60) * 1000);
    }
    // A detail longer than the cap is cut at a character boundary.
    const [entry] = await rt.redis.xrevrange(keys.serviceAudit('prod', 'worker'), '+', '-', 'COUNT', 1);
    const fields = entry![1];
    const detail = fields[fields.indexOf('detail') + 1]!;
    expect(Buffer.byteLength(detail, 'utf8')).toBeLessThanOrEqual(AUDIT_VALUE_MAX_BYTES);
    expect(detail).not.toContain('\uFFFD');
  });

  it('the Lua scripts use the caps of src/redis/bounds.ts', () => {
    const common = readFileSync(join(ROOT, 'src/approvals/lua/includes/common.lua'), 'utf8');
    const num = (name: string): number => {
      const m = new RegExp(`local ${name} = ([\\d *]+)`).exec(common);
      if (!m) throw new Error(`common.lua has no ${name}`);
      return m[1]!.split('*').reduce((a, b) => a * Number(b.trim()), 1);
    };
    expect(num('AUDIT_MAXLEN')).toBe(AUDIT_MAXLEN);
    expect(num('AUDIT_VALUE_MAX_BYTES')).toBe(AUDIT_VALUE_MAX_BYTES);
    expect(num('AUDIT_EXTRA_MAX_BYTES')).toBe(AUDIT_EXTRA_MAX_BYTES);
    expect(num('AUDIT_TTL_MS')).toBe(AUDIT_TTL_SECONDS * 1000);
    expect(num('HOLD_TTL_MS')).toBe(HOLD_TTL_SECONDS * 1000);
  });

  it('locks, freezes and the active pointer no longer live forever', async () => {
    const { rt } = h;
    await lockService(rt, 'prod', 'worker', 'ULEAD1', 'migration');
    await freezeEnvironment(rt, 'staging', 'ULEAD1', 'release');
    const req = await submitRequest(rt, longest({ gates: [] }));
    for (const key of [keys.serviceLock('prod', 'worker'), keys.envFreeze('staging'), keys.activeRequest('prod', 'web')]) {
      expect({ key, ttl: (await rt.redis.pttl(key)) > 0 }).toEqual({ key, ttl: true });
    }
    // The pointer lives as long as the request it points to.
    const [a, r] = [await rt.redis.pttl(keys.activeRequest('prod', 'web')), await rt.redis.pttl(keys.request('prod', 'web', req.id))];
    expect(Math.abs(a - r)).toBeLessThan(5_000);
  });
});

describe('the indexes without a TTL: their cleaners remove what they hold', () => {
  // The worker profile, for the same reason as above.
  const h = useStoreHarness(() => ({ profile: 'worker', groups: fixtureGroups() }));

  const input = (over: Partial<SubmitInput> = {}): SubmitInput => ({
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: { verb: 'deploy', image: 'img', tag: 'v1' },
    summary: 'Deploy v1',
    requester: 'UDEV1',
    reason: 'r',
    channel: 'CPROD',
    invocationId: `cmd-${Math.random().toString(36).slice(2)}`,
    ...over,
  });
  const empty = async (key: string) => expect({ key, n: await h.rt.redis.zcard(key) }).toEqual({ key, n: 0 });

  it('pending: the expiry tick', async () => {
    await submitRequest(h.rt, input());
    expect(await h.rt.redis.zcard(keys.pendingIndex('prod', 'web'))).toBe(1);
    h.clock.advance(2 * HOUR);
    expect(await expireDue(h.rt)).toHaveLength(1);
    await empty(keys.pendingIndex('prod', 'web'));
  });

  it('approved: the start-deadline tick; running: finish and runningRequests', async () => {
    const a = await submitRequest(h.rt, input());
    await approveRequest(h.rt, a.id, 'ULEAD1');
    expect(await h.rt.redis.zcard(keys.approvedIndex('prod', 'web'))).toBe(1);
    h.clock.advance(2 * HOUR);
    expect(await lapseDue(h.rt)).toEqual([a.id]);
    await empty(keys.approvedIndex('prod', 'web'));
    const b = await submitRequest(h.rt, input());
    await approveRequest(h.rt, b.id, 'ULEAD1');
    expect((await startExecution(h.rt, b.id)).ok).toBe(true);
    expect(await h.rt.redis.zcard(keys.runningIndex('prod', 'web'))).toBe(1);
    await finishExecution(h.rt, b.id, 'succeeded', 'done');
    await runningRequests(h.rt);
    await empty(keys.runningIndex('prod', 'web'));
  });

  it('scheduled: the scheduler tick; retro: the reminder tick at the deadline', async () => {
    const s = await submitRequest(h.rt, input({ startAt: h.clock.now() + HOUR }));
    await approveRequest(h.rt, s.id, 'ULEAD1');
    expect(await h.rt.redis.zcard(keys.scheduledIndex('prod', 'web'))).toBe(1);
    h.clock.advance(HOUR);
    expect(await startDueScheduled(h.rt)).toEqual([s.id]);
    await empty(keys.scheduledIndex('prod', 'web'));
    await startExecution(h.rt, s.id);
    await finishExecution(h.rt, s.id, 'succeeded', 'done');
    await submitRequest(h.rt, input({ breakGlass: 'outage' }));
    expect(await h.rt.redis.zcard(keys.retroIndex('prod', 'web'))).toBe(1);
    h.clock.advance(8 * DAY);
    await remindRetro(h.rt);
    await empty(keys.retroIndex('prod', 'web'));
  });
});
