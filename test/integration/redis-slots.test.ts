/**
 * Every Lua script stays in one hash slot, at every call site in src.
 *
 * All scripts run through the one runner, src/redis/scripts.ts (`runScript`); its call sites are
 * read from the source: every call of `runScript(`, and where the caller only forwards its
 * `script` parameter (a wrapper such as approvals' runApprovalScript or the transitions' `run`),
 * the calls of that wrapper instead, recursively. Every `<name>-<numKeys>.lua` file under src/ is a
 * script the runner knows (definedScripts()) with that many keys. The workflow then runs for real
 * (Redis from the jest setup: one node, or the cluster of `npm run test:cluster`) through every
 * transition and alert step, while test/helpers/slot-guard.ts derives the slot of every key each
 * script receives (CRC16 of the hash tag, Redis' algorithm) and remembers the src/ frames it was
 * called from. The test fails on a call site never reached, a site that runs more than one script,
 * a script run from src other than through the runner, a script receiving keys of several slots,
 * and (through the guard's setup file) on any pipeline or transaction spanning slots.
 */
import { beginUpdate } from '../../src/deploy/abort.run';
import { beginAttempt } from '../../src/approvals/attempt.run';
import { scheduleNextReminder } from '../../src/approvals/retro-remind.run';
import { sweep } from '../../src/approvals/indexes.run';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  acknowledgeIncident,
  finishRender,
  reserveUpdateTurn,
  reserveChannelTurn,
  readMute,
  applyMute,
  liftMute,
} from '../../src/alerts/store';
import { attachToIncident, claimForFlush, clearDown, markDown, recordSignal, recoverIncident } from '../../src/alerts/signals';
import { addToBacklog, settleBacklog, takeBacklog } from '../../src/alerts/backlog';
import { takeBehind } from '../../src/alerts/behind';
import { incidentMark } from '../../src/alerts/keyed.run';
import { readAudit } from '../../src/approvals/audit';
import { servicesIn } from '../../src/config/load';
import { approveRequest, cancelRequest, checkCanReject, expireDue, lapseDue, rejectRequest } from '../../src/approvals/clicks';
import {
  finishExecution,
  leaseOp,
  pressExecution,
  recordExecution,
  runningRequests,
  setStatusTs,
  startExecution,
} from '../../src/approvals/execution';
import { spendOnce } from '../../src/commands/cost-spend';
import { admitCommand } from '../../src/edge/rate';
import { claimRecheck, lapsedTick, markTold } from '../../src/commands/recheck.run';
import type { RecheckJob } from '../../src/commands/recheck';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS helper shared with the build scripts
const { stripLuaComments } = require('../../scripts/lua-strip.cjs') as { stripLuaComments: (s: string) => string };
import { readGuards } from '../../src/approvals/guards';
import { freezeEnvironment, lockService, unfreezeEnvironment, unlockService } from '../../src/approvals/locks';
import { abortRequest, getRequest, submitRequest, type SubmitInput } from '../../src/approvals/workflow';
import { remindRetro, retroApproveRequest, startDueScheduled } from '../../src/approvals/gates';
import { autoLockService, stealLock } from '../../src/approvals/gate-locks';
import { keys } from '../../src/redis/keys';
import { releaseLock, tryLock } from '../../src/redis/locks';
import { redisSlackPauses } from '../../src/redis/slack-pause';
import { definedScripts } from '../../src/redis/scripts';
import { moveTag, tagsStillAt } from '../../src/images/tags';
import { slotOf } from '../../src/redis/slots';
import { onChange, runHomeJob } from '../../src/surfaces/home-publish';
import { fixtureConfig, fixtureGroups } from '../helpers/config';
import { useWorkerDb } from '../helpers/redis';
import { installSlotGuard } from '../helpers/slot-guard';
import { storeHarness, T0, type StoreHarness } from './approvals-runtime';

const ROOT = join(__dirname, '../..');
/** The one Lua runner. */
const RUNNER = 'src/redis/scripts.ts';

interface SourceFile {
  /** src/…/file.ts */
  rel: string;
  lines: string[];
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [],
  );
}

const relPath = (file: string): string => relative(ROOT, file).replace(/\\/g, '/');

function sources(): SourceFile[] {
  return filesUnder(join(ROOT, 'src'), '.ts').map((file) => ({ rel: relPath(file), lines: readFileSync(file, 'utf8').split('\n') }));
}

/** The function a line belongs to (nearest `function name(` or `const name = (async) (` at or above it) and whether it is exported. */
function enclosingFunction(lines: readonly string[], i: number): { name: string; exported: boolean } | undefined {
  for (let j = i; j >= 0; j--) {
    const m = /\bfunction (\w+)\s*[<(]/.exec(lines[j]!) ?? /\bconst (\w+) = (?:async )?\(/.exec(lines[j]!);
    if (m) return { name: m[1]!, exported: /^export\b/.test(lines[j]!) };
  }
  return undefined;
}

/**
 * The script call sites in src (`src/…/file.ts:line` of the line that calls), found from the
 * runner: calls of `runScript(`; a call that passes on the caller's own `script` parameter makes
 * that caller a wrapper, whose calls (in its file, or anywhere when exported) are followed instead.
 */
function scriptCallSites(): string[] {
  const files = sources();
  const sites = new Set<string>();
  const follow = (callee: string, scope: readonly SourceFile[], depth: number): void => {
    if (depth > 5) throw new Error(`wrappers of the Lua runner nested too deep at ${callee}`);
    for (const f of scope) {
      f.lines.forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line) || !new RegExp(`\\b${callee}\\(`).test(line) || new RegExp(`\\bfunction ${callee}\\b`).test(line))
          return;
        // The call's arguments (it may span a few lines).
        const call = f.lines.slice(i, i + 4).join(' ');
        const wrapper = /[(,]\s*script\s*[,)]/.test(call.slice(call.indexOf(`${callee}(`))) ? enclosingFunction(f.lines, i) : undefined;
        if (wrapper) follow(wrapper.name, wrapper.exported ? files : [f], depth + 1);
        else sites.add(`${f.rel}:${i + 1}`);
      });
    }
  };
  follow(
    'runScript',
    files.filter((f) => f.rel !== RUNNER),
    0,
  );
  return [...sites].sort();
}

const guard = installSlotGuard();

const HOUR = 3600_000;
let n = 0;
function input(over: Partial<SubmitInput> = {}): SubmitInput {
  n += 1;
  return {
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: { verb: 'deploy', image: '123.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:' + 'a'.repeat(64), tag: 'v1' },
    summary: 'Deploy `v1` to *web*',
    requester: 'UDEV1',
    reason: 'slots',
    channel: 'CPROD',
    invocationId: `slots-${n}`,
    ...over,
  };
}

describe('hash slots of every script call', () => {
  let h: StoreHarness;
  beforeAll(async () => {
    useWorkerDb();
    // Worker profile: this test is about hash slots, not the edge's 1 s Redis bound, which a loaded machine's
    // event loop alone can overrun in this long run (seen as a Redis command timeout under load).
    h = await storeHarness({
      config: fixtureConfig((doc) => (doc.environments.prod.approvals.deploy = 2)),
      groups: fixtureGroups(),
      profile: 'worker',
    });
    // Every module that defines a script is loaded by now (the imports above).
    guard.watchScripts(definedScripts());
    guard.reset();
    guard.captureSites = true;
  });
  afterAll(async () => {
    guard.captureSites = false;
    await h.close();
  });

  it('runs every transition and alert step, each script within one slot, from every call site in src', async () => {
    const { rt } = h;
    // Locks and freezes.
    await lockService(rt, 'prod', 'worker', 'ULEAD1', 'maintenance');
    await unlockService(rt, 'prod', 'worker', 'ULEAD1');
    await freezeEnvironment(rt, 'prod', 'ULEAD1', 'release');
    await unfreezeEnvironment(rt, 'prod', 'ULEAD1');

    // create → approval → approved → running → recorded → status card → succeeded.
    const a = await submitRequest(rt, input());
    expect((await approveRequest(rt, a.id, 'ULEAD1')).code).toBe('APPROVAL_RECORDED');
    expect((await approveRequest(rt, a.id, 'ULEAD2')).code).toBe('APPROVED');
    expect((await startExecution(rt, a.id)).ok).toBe(true);
    expect((await runningRequests(rt)).map((r) => r.id)).toEqual([a.id]);
    await recordExecution(rt, a.id, {
      deploymentId: 'ecs-svc/1234567890',
      serviceDeploymentArn: 'arn:aws:ecs:eu-west-1:222222222222:service-deployment/prod/web-prod/abc',
    });
    await setStatusTs(rt, a.id, '1700000000.000100');
    // The executing worker's lease, in the request's slot.
    for (const op of ['acquire', 'renew', 'check', 'release'] as const)
      expect((await leaseOp(rt, a.id, op, 'slots-token', 90_000, rt.now() + 60_000)).code).toBe('OK');
    expect((await finishExecution(rt, a.id, 'succeeded', 'done')).state).toBe('succeeded');

    // rejected, cancelled, expired on a click, expired by the tick, aborted.
    const b = await submitRequest(rt, input());
    expect((await rejectRequest(rt, b.id, 'ULEAD1', 'not now')).code).toBe('OK');
    const c = await submitRequest(rt, input());
    expect((await cancelRequest(rt, c.id, 'UDEV1')).code).toBe('OK');
    const d = await submitRequest(rt, input());
    h.clock.advance(2 * HOUR);
    expect((await checkCanReject(rt, d.id, 'ULEAD1')).code).toBe('EXPIRED');
    const e = await submitRequest(rt, input());
    h.clock.advance(2 * HOUR);
    // The tick expires e, and tells d's requester (d was expired by the click, untold).
    expect((await expireDue(rt)).sort()).toEqual([d.id, e.id].sort());
    const f = await submitRequest(rt, input());
    expect((await abortRequest(rt, f.id, 'aborted by the test'))?.state).toBe('failed');
    // Approved but never started: the start-deadline tick lapses it.
    const g = await submitRequest(rt, input());
    expect((await approveRequest(rt, g.id, 'ULEAD1')).code).toBe('APPROVAL_RECORDED');
    expect((await approveRequest(rt, g.id, 'ULEAD2')).code).toBe('APPROVED');
    h.clock.advance(2 * HOUR);
    expect(await lapseDue(rt)).toEqual([g.id]);
    // A slice of the sweep for service indexes: its lease, and the save of where it ended (the `{index}` slot).
    expect(await sweep(rt, 'slots-sig')).toBe('done');
    // A scheduled tick's lock.
    const tickLock = await tryLock(rt.redis, keys.tickLock('slots'), 60_000);
    expect(await releaseLock(rt.redis, tickLock!)).toBe(true);

    // Reads that gather several slots (one pipeline per slot).
    await lockService(rt, 'prod', 'worker', 'ULEAD1', 'again');
    const guards = await readGuards(rt.redis, 'prod', ['web', 'worker']);
    expect(Object.keys(guards.locks)).toEqual(['worker']);
    expect(
      (await readAudit(rt.redis, 'prod', { services: servicesIn(rt.config, 'prod').map((s) => s.alias), limit: 100 })).length,
    ).toBeGreaterThan(10);

    // Alerts: every incident script, mute and "down since".
    const svc = { environment: 'prod', alias: 'web' };
    const now = T0;
    const sig = await recordSignal(rt.redis, svc, {
      kind: 'task',
      seenId: 'task:t1',
      reasonKey: 'exit:1',
      reasonLabel: 'exit code 1',
      now,
      windowMs: HOUR,
    });
    expect(sig.status).toBe('ok');
    if (sig.status !== 'ok') return;
    expect((await finishRender(rt.redis, svc, { gen: sig.gen, rev: sig.rev, mode: 'ok', ts: '1.2', channel: 'CALERTS', now })).status).toBe(
      'done',
    );
    expect(await attachToIncident(rt.redis, svc, sig.gen, { logs: ['line'] })).toBe(true);
    expect((await acknowledgeIncident(rt.redis, svc, sig.gen, 'UDEV1', now)).status).toBe('ok');
    expect((await claimForFlush(rt.redis, svc, now + HOUR, HOUR)).status).toBeDefined();
    expect((await recoverIncident(rt.redis, svc, { now: now + HOUR, quietMs: 0, by: 'steady', seenId: 'evt:1' })).status).toBeDefined();
    expect((await recoverIncident(rt.redis, svc, { now: now + HOUR, quietMs: 0, by: 'steady' })).status).toBeDefined();
    expect((await applyMute(rt.redis, svc, { by: 'ULEAD1', now, until: now + HOUR, maxMs: HOUR, approver: false })).status).toBe('ok');
    expect(await readMute(rt.redis, svc, now)).toBeDefined();
    expect(await liftMute(rt.redis, svc, now)).toBeDefined();
    expect(await markDown(rt.redis, svc, now)).toBe(now);
    expect(await reserveUpdateTurn(rt.redis, now, 0)).toBe(0);
    expect(await reserveChannelTurn(rt.redis, 'CALERTS', now, 0)).toBe(0);
    // Thread replies waiting for the scheduled check, kept, claimed, given back, claimed again and
    // settled (src/alerts/backlog.ts).
    expect(await addToBacklog(rt.redis, svc, { gen: sig.gen, channel: 'CALERTS', ts: '1.2' }, ['line'])).toMatchObject({ n: 1, kept: 1 });
    expect(await takeBacklog(rt.redis, svc, now, 'check-1')).toMatchObject({ status: 'ok', lines: ['line'] });
    expect(await settleBacklog(rt.redis, svc, 'check-1', 'back')).toBe(true);
    expect(await takeBacklog(rt.redis, svc, now, 'check-2')).toMatchObject({ status: 'ok', lines: ['line'] });
    expect(await settleBacklog(rt.redis, svc, 'check-2', 'unsure')).toBe(true);
    expect(await takeBacklog(rt.redis, svc, now, 'check-3')).toMatchObject({ status: 'ok', lines: ['line'] });
    expect(await settleBacklog(rt.redis, svc, 'check-3', 'posted')).toBe(true);
    // The mark of a post that got no answer, in the incident's own hash (src/alerts/keyed.run.ts).
    const mark = incidentMark(rt, svc, sig.gen, 'post');
    await mark.set(now);
    expect(Number(await mark.read())).toBe(now);
    await mark.clear();
    expect(await mark.read()).toBeNull();
    // Messages left behind (src/alerts/behind.ts): the scheduled check's take.
    expect((await takeBehind(rt.redis, svc, now)).taken).toEqual([]);
    await clearDown(rt.redis, svc);

    // Images: a tag moved to the digest pushed last (the repository's slot), and read back.
    const dA = 'sha256:' + 'a'.repeat(64);
    const dB = 'sha256:' + 'b'.repeat(64);
    const tagMove = { repository: 'shop/web', tag: 'v1', at: now, kind: 'push' as const, ttlSeconds: 60 };
    expect(await moveTag(rt.redis, { ...tagMove, digest: dA })).toEqual({ status: 'kept' });
    expect(await moveTag(rt.redis, { ...tagMove, digest: dB, at: now + 1 })).toEqual({ status: 'took', from: dA });
    expect(await tagsStillAt(rt.redis, 'shop/web', dA, ['v1', 'v0'])).toEqual(['v0']);

    // Release gates (issue 13): a scheduled start, a traffic-shift press, the auto-lock in the finish,
    // break-glass and its approval after the fact (given up at the deadline), lock!, the auto-lock of
    // a rollback the bot did not track.
    const sch = await submitRequest(rt, input({ startAt: h.clock.now() + HOUR / 4 }));
    expect((await approveRequest(rt, sch.id, 'ULEAD1')).code).toBe('APPROVAL_RECORDED');
    h.clock.advance(HOUR / 4);
    // Overdue and still waiting for its second approval: the scheduler moves it out of its next batches.
    expect(await startDueScheduled(rt)).toEqual([]);
    // Approved after its start time: the click starts it (scheduled, then woken and handed off).
    expect((await approveRequest(rt, sch.id, 'ULEAD2')).request?.state).toBe('scheduled');
    expect((await getRequest(rt.redis, sch.id))?.state).toBe('approved');
    expect((await startExecution(rt, sch.id)).ok).toBe(true);
    // Its executor's last check before UpdateService (the change's track, its own slot).
    expect(await beginUpdate(rt, sch.id)).toBeUndefined();
    // …and the attempt recorded only while its lease holds (the request's slot).
    expect((await leaseOp(rt, sch.id, 'acquire', 'slots-token', 90_000, rt.now() + 60_000)).code).toBe('OK');
    expect((await beginAttempt(rt, sch.id, 'slots-token', 90_000, 1))?.execution?.updateAttempts).toBe(1);
    await pressExecution(rt, sch.id, 'ULEAD1', 'traffic-rolled-back', 'ROLLBACK', 'shift.k', { action: 'ROLLBACK' });
    expect((await finishExecution(rt, sch.id, 'failed', 'rolled back', { reason: 'rolled back' })).autoLocked).toBe(true);
    await unlockService(rt, 'prod', 'web', 'UDEV1');
    const bg = await submitRequest(rt, input({ breakGlass: 'outage' }));
    expect((await retroApproveRequest(rt, bg.id, 'ULEAD1')).code).toBe('APPROVAL_RECORDED');
    h.clock.advance(8 * 24 * HOUR);
    await remindRetro(rt);
    // The tick's next reminder, set only where it read the entry (the service's retro index).
    const retroEntry = { id: bg.id, score: 0, key: keys.retroIndex('prod', 'web'), legacy: false, orphan: false };
    expect(await scheduleNextReminder(rt, retroEntry, h.clock.now())).toBe(false);
    expect((await stealLock(rt, 'prod', 'worker', 'UDEV2', 'mine')).previous?.by).toBe('ULEAD1');
    expect(await autoLockService(rt, { environment: 'prod', service: 'web', deploymentId: 'ecs-svc/9', channel: 'CALERTS' })).toBe(true);
    // /ecs cost: the claim of one request, the hour's budget, the answer stored and the flight ended.
    expect((await spendOnce(rt, 'ULEAD1', 'slots-test', async () => ({ total: 1 }))).cached).toBe(false);
    // A command admitted: its claim, the per-person command rate and the person's cached locale, one script.
    const inv = { id: 'cmd-slots', text: 'status web', userId: 'ULEAD1', channelId: 'CPROD', receivedAt: rt.now() };
    await rt.redis.set(keys.userLocale('ULEAD1'), 'ko-KR');
    expect(await admitCommand(rt, inv, 'read')).toEqual({ fresh: true, locale: 'ko' });
    expect(await admitCommand(rt, inv, 'read')).toEqual({ fresh: false, locale: 'ko' });
    // The follow-up of a lost answer: claimed and told by its worker; another claimed and lapsed by the tick.
    const followUp: RecheckJob = {
      kind: 'recheck',
      id: 'recheck-slots',
      check: { t: 'unmute', env: 'prod', svc: 'web', user: 'ULEAD1' },
      at: rt.now(),
      userId: 'ULEAD1',
      locale: 'en',
      channelId: 'CPROD',
    };
    expect(await claimRecheck(rt, followUp, 'slots-token', rt.now() + 60_000)).toBe(true);
    expect(await markTold(rt, followUp.id)).toBe(true);
    expect(await claimRecheck(rt, { ...followUp, id: 'recheck-slots-2' }, 'slots-token', rt.now())).toBe(true);
    await lapsedTick(rt);
    expect(await rt.redis.hget(keys.recheckClaim('recheck-slots-2'), 's')).toBe('lapsed');

    // A Slack 429 pause shared across processes, recorded keeping the later end.
    expect(await redisSlackPauses(rt.redis).record('chat.postMessage CPROD', 2_000, 2)).toBe(2_000);
    expect(await redisSlackPauses(rt.redis).record('chat.postMessage CPROD', 1_000, 1)).toBeGreaterThan(1_000);

    // The Home tab: a change marks it and schedules one refresh (someone opened it lately); the refresh job releases the marker.
    await rt.redis.zadd(keys.homeViewers(), rt.now(), 'ULEAD1');
    await onChange({ what: 'request' }, rt);
    await runHomeJob({ kind: 'home-refresh', id: 'home-slots', scheduled: true }, rt);

    // Every script call: its keys in one slot, as many as the script takes.
    const mixed = guard.scriptCalls.filter((call) => new Set(call.keys.map(slotOf)).size !== 1);
    expect(mixed).toEqual([]);
    const scripts = definedScripts();
    const byName = new Map(scripts.map((s) => [s.name, s]));
    expect(guard.scriptCalls.filter((call) => call.keys.length !== byName.get(call.script)?.numberOfKeys)).toEqual([]);
    // Every `<name>-<numKeys>.lua` under src/ is a script the runner knows, taking numKeys keys.
    const luaFiles = filesUnder(join(ROOT, 'src'), '.lua').filter((f) => !/[/\\]includes[/\\]/.test(f));
    expect(luaFiles.length).toBeGreaterThanOrEqual(19);
    for (const file of luaFiles) {
      const numKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
      // As the bundles and jest's .lua transform ship it (comments stripped).
      const body = stripLuaComments(readFileSync(file, 'utf8'));
      const script = scripts.find((s) => s.lua.endsWith(body));
      expect({ file: relPath(file), keys: script?.numberOfKeys }).toEqual({ file: relPath(file), keys: numKeys });
    }
    // Every script defined was run.
    const ran = new Set(guard.scriptCalls.map((call) => call.script));
    expect(scripts.map((s) => s.name).filter((name) => !ran.has(name))).toEqual([]);
    // Scripts from src run only through the runner. (A command the cluster client sends later, once
    // connected, has only the client's own frames in src/redis/: its callers are not on that stack.)
    const fromFeatures = guard.scriptCalls.filter((call) => call.sites.some((site) => !site.startsWith('src/redis/')));
    expect(fromFeatures.length).toBeGreaterThan(0);
    expect(fromFeatures.filter((call) => !call.sites.some((site) => site.startsWith(`${RUNNER}:`)))).toEqual([]);
    // Every call site in src was reached, and each runs one script.
    const sites = scriptCallSites();
    expect(sites.length).toBeGreaterThanOrEqual(scripts.length);
    const runAt = (site: string): Set<string> =>
      new Set(guard.scriptCalls.filter((call) => call.sites.includes(site)).map((call) => call.script));
    expect(sites.filter((site) => runAt(site).size !== 1).map((site) => ({ site, scripts: [...runAt(site)] }))).toEqual([]);
    // No pipeline or multi-key command across slots either.
    expect(guard.violations).toEqual([]);
    // Legitimately long: every transition, alert step and gate in one serial run (about 1 s on a quiet
    // machine, past jest's 20 s default under a 6 % CPU quota, where it timed out).
  }, 90_000);

  it('the guard sees a script, a pipeline and a transaction that span slots (they would fail on a cluster)', async () => {
    const before = guard.violations.length;
    const { rt } = h;
    const single = !('isCluster' in rt.redis && rt.redis.isCluster);
    // On a single node these succeed; on a cluster Redis or ioredis refuses them.
    const spanning = ['req:{svc:prod:web}:x', 'audit:{env:prod}'];
    const script = rt.redis.eval('return #KEYS', 2, ...spanning);
    const pipe = rt.redis.pipeline().get(spanning[0]!).get(spanning[1]!).exec();
    const multi = rt.redis.multi().get(spanning[0]!).get(spanning[1]!).exec();
    const settled = await Promise.allSettled([script, pipe, multi]);
    if (single) expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    else expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const seen = guard.violations.splice(before);
    // On a cluster, ioredis refuses the pipeline and the transaction before sending anything.
    expect(seen.map((v) => v.what)).toEqual(single ? ['command', 'pipeline', 'pipeline'] : ['command']);
    expect(seen[0]!.keys).toEqual(spanning);
  });
});
