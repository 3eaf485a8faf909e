// One benchmark sample in a fresh process. Usage:
//   node bench/child.mjs init <bundle>             → {"initMs":…}
//   node bench/child.mjs cold <bundle> <text>      → {"initMs":…,"firstMs":…}
//   node bench/child.mjs latency <bundle> <text> <n> <inflight>  → {"firstMs":…,"seq":[…],"par":[…],"memAfterInit":…,"memAfterLatency":…}
//   node bench/child.mjs store <bundle> <ops>      → runStoreBench() of bench/fixtures/store-bench.ts (B5)
// init and latency also report process.memoryUsage() (rss, heapUsed, bytes) right after init; latency
// again after its loops, plus heapUsed after a full GC when the process runs with --expose-gc.
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [mode, bundle, text = 'help', nArg = '500', inflightArg = '50'] = process.argv.slice(2);
const secret = process.env.SLACK_SIGNING_SECRET;

function event(cmdText) {
  const body = new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    team_domain: 'bench',
    channel_id: 'CPROD',
    channel_name: 'prod',
    user_id: 'UDEV1',
    user_name: 'bench',
    command: '/ecs',
    text: cmdText,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/response',
    trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    isBase64Encoded: false,
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) },
    requestContext: { http: { method: 'POST', path: '/slack/events' } },
  };
}

async function timed(handler, ev) {
  const t = process.hrtime.bigint();
  const res = await handler(ev, {});
  if (res.statusCode !== 200) throw new Error(`handler answered ${res.statusCode}: ${res.body}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const mem = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
};

if (mode === 'store') {
  const { runStoreBench } = require(bundle);
  const result = await runStoreBench({ url: process.env.REDIS_URL, ops: Number(text) });
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

const t0 = process.hrtime.bigint();
const { handler } = require(bundle);
const initMs = Number(process.hrtime.bigint() - t0) / 1e6;
const out = { initMs };
if (mode === 'init' || mode === 'latency') out.memAfterInit = mem();
if (mode !== 'init') {
  out.firstMs = await timed(handler, event(text));
  if (mode === 'latency') {
    const n = Number(nArg);
    out.seq = [];
    for (let i = 0; i < n; i++) out.seq.push(await timed(handler, event(text)));
    out.par = [];
    for (let round = 0; round < 5; round++) {
      out.par.push(...(await Promise.all(Array.from({ length: Number(inflightArg) }, () => timed(handler, event(text))))));
    }
    out.memAfterLatency = mem();
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      out.memAfterLatency.heapUsedAfterGc = process.memoryUsage().heapUsed;
    }
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
