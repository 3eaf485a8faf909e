/**
 * Every Lua script stays in one hash slot, at every call site in src.
 *
 * The call sites are read from the source (each `SCRIPTS.<name>` passed to execScript in
 * src/approvals, each `runScript(` in src/alerts). The workflow then runs for real (Redis from the
 * jest setup: one node, or the cluster of `npm run test:cluster`) through every transition and
 * alert step, while test/helpers/slot-guard.ts derives the slot of every key each script receives
 * (CRC16 of the hash tag, Redis' algorithm) and remembers the src/ frames it was called from.
 * The test fails on a call site never reached, on a script receiving keys of several slots, and
 * (through the guard's setup file) on any pipeline or transaction spanning slots.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import attachLua from '../../src/alerts/lua/attach.lua';
import claimLua from '../../src/alerts/lua/claim.lua';
import finishLua from '../../src/alerts/lua/finish.lua';
import recoverLua from '../../src/alerts/lua/recover.lua';
import signalLua from '../../src/alerts/lua/signal.lua';
import {
  attachToIncident,
  claimForFlush,
  clearDown,
  clearMute,
  finishRender,
  markDown,
  readMute,
  recordSignal,
  recoverIncident,
  setMute,
} from '../../src/alerts/store';
import { readAudit } from '../../src/approvals/audit';
import { readGuards } from '../../src/approvals/guards';
import { freezeEnvironment, lockService, unfreezeEnvironment, unlockService } from '../../src/approvals/locks';
import { SCRIPTS } from '../../src/approvals/scripts';
import {
  abortRequest,
  approveRequest,
  cancelRequest,
  checkCanReject,
  expireDue,
  finishExecution,
  recordExecution,
  rejectRequest,
  runningRequests,
  setStatusTs,
  startExecution,
  submitRequest,
  type SubmitInput,
} from '../../src/approvals/store';
import { slotOf } from '../../src/redis/slots';
import { useWorkerDb } from '../helpers/redis';
import { installSlotGuard } from '../helpers/slot-guard';
import { fixtureConfig, storeHarness, T0, type StoreHarness } from './approvals-runtime';

const ROOT = join(__dirname, '../..');
const ALERT_SCRIPTS: Record<string, string> = {
  'alerts/signal': signalLua,
  'alerts/recover': recoverLua,
  'alerts/claim': claimLua,
  'alerts/finish': finishLua,
  'alerts/attach': attachLua,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface CallSite {
  /** src/…/file.ts:line of the call expression. */
  site: string;
  script: string;
}

/** The script call sites in src, read from the source. */
function scriptCallSites(): CallSite[] {
  const sites: CallSite[] = [];
  for (const file of tsFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file).replace(/\\/g, '/');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/\bSCRIPTS\.(\w+)/g)) {
        // The call expression starts at the nearest `exec(` / `execScript(` at or above this line.
        let start = i;
        while (start > 0 && !/\b(exec|execScript)\(/.test(lines[start]!)) start--;
        sites.push({ site: `${rel}:${start + 1}`, script: m[1]! });
      }
      if (rel.startsWith('src/alerts/') && /\brunScript\(/.test(line) && !/function runScript/.test(line)) {
        // The Lua source is named in the call (same line or the next few).
        const call = lines.slice(i, i + 4).join(' ');
        const lua = /\b(signal|recover|claim|finish|attach)Lua\b/.exec(call)?.[1];
        sites.push({ site: `${rel}:${i + 1}`, script: `alerts/${lua ?? '?'}` });
      }
    });
  }
  return sites;
}

const guard = installSlotGuard();
guard.watchScripts(Object.fromEntries(Object.entries(SCRIPTS).map(([name, s]) => [name, s.lua])));
guard.watchScripts(ALERT_SCRIPTS);

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
    h = await storeHarness({
      config: fixtureConfig((doc) => {
        doc.environments.prod.approvals.deploy = 2;
      }),
    });
    h.slack.setUserGroup('SLEADS', []);
    h.slack.setUserGroup('SDEVS', []);
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
    expect((await finishExecution(rt, a.id, 'succeeded', 'done')).state).toBe('succeeded');

    // rejected, cancelled, expired on a click, expired by the tick, aborted.
    const b = await submitRequest(rt, input());
    expect((await rejectRequest(rt, b.id, 'ULEAD1', 'not now')).code).toBe('OK');
    const c = await submitRequest(rt, input());
    expect((await cancelRequest(rt, c.id, 'UDEV1')).code).toBe('OK');
    const d = await submitRequest(rt, input());
    h.clock.now += 2 * HOUR;
    expect((await checkCanReject(rt, d.id, 'ULEAD1')).code).toBe('EXPIRED');
    const e = await submitRequest(rt, input());
    h.clock.now += 2 * HOUR;
    expect(await expireDue(rt)).toEqual([e.id]);
    const f = await submitRequest(rt, input());
    expect((await abortRequest(rt, f.id, 'aborted by the test'))?.state).toBe('failed');

    // Reads that gather several slots (one pipeline per slot).
    await lockService(rt, 'prod', 'worker', 'ULEAD1', 'again');
    const guards = await readGuards(rt.redis, 'prod', ['web', 'worker']);
    expect(Object.keys(guards.locks)).toEqual(['worker']);
    expect((await readAudit(rt.redis, 'prod', { limit: 100 })).length).toBeGreaterThan(10);

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
    expect((await claimForFlush(rt.redis, svc, now + HOUR, HOUR)).status).toBeDefined();
    expect((await recoverIncident(rt.redis, svc, { now: now + HOUR, quietMs: 0, by: 'steady', seenId: 'evt:1' })).status).toBeDefined();
    expect((await recoverIncident(rt.redis, svc, { now: now + HOUR, quietMs: 0, by: 'steady' })).status).toBeDefined();
    await setMute(rt.redis, svc, { by: 'ULEAD1', since: now, until: now + HOUR });
    expect(await readMute(rt.redis, svc, now)).toBeDefined();
    expect(await clearMute(rt.redis, svc)).toBe(true);
    expect(await markDown(rt.redis, svc, now)).toBe(now);
    await clearDown(rt.redis, svc);

    // Every script call: its keys in one slot.
    const mixed = guard.scriptCalls.filter((call) => new Set(call.keys.map(slotOf)).size !== 1);
    expect(mixed).toEqual([]);
    // Every script defined was run.
    const ran = new Set(guard.scriptCalls.map((call) => call.script));
    expect([...Object.keys(SCRIPTS), ...Object.keys(ALERT_SCRIPTS)].filter((name) => !ran.has(name))).toEqual([]);
    // Every call site in src was reached, with the script it names.
    const sites = scriptCallSites();
    expect(sites.length).toBeGreaterThanOrEqual(Object.keys(SCRIPTS).length + Object.keys(ALERT_SCRIPTS).length);
    const missed = sites.filter((s) => !guard.scriptCalls.some((call) => call.script === s.script && call.sites.includes(s.site)));
    expect(missed).toEqual([]);
    // No pipeline or multi-key command across slots either.
    expect(guard.violations).toEqual([]);
  });

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
