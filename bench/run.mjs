// `npm run bench`: speed and size of the Slack-facing function as RATIOS against a minimal Bolt
// app bundled and measured in the same run (see /docs and performance-facts B1–B4). No network:
// a local redis-server and a local stub of the Lambda Invoke API (reached through the SDK's own
// AWS_ENDPOINT_URL) stand in for ElastiCache and Lambda. Results: bench/results/latest.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll, ROOT } from '../scripts/build.mjs';

const SAMPLES = Number(process.env.BENCH_SAMPLES || 21);
const SEQ = Number(process.env.BENCH_SEQ || 500);
const out = join(ROOT, 'bench/results');
mkdirSync(out, { recursive: true });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const fmt = (n) => n.toFixed(n < 10 ? 2 : 1);

function freePort() {
  return new Promise((res) => { const s = netServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
}

// --- fixtures: redis-server and a Lambda Invoke stub --------------------------------------------
const redisDir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 300));
let invokes = 0;
const lambdaStub = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST' && /\/functions\/[^/]+\/invocations/.test(req.url)) invokes++;
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('');
  });
});
await new Promise((r) => lambdaStub.listen(0, '127.0.0.1', r));
const env = {
  ...process.env,
  SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench-secret', SLACK_API_URL: 'http://127.0.0.1:9/api/',
  REDIS_URL: `redis://127.0.0.1:${redisPort}`, CHATOPS_CONFIG: join(ROOT, 'test/fixtures/chatops.test.yml'),
  WORKER_FUNCTION: 'bench-worker', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL: `http://127.0.0.1:${lambdaStub.address().port}`, LOG_LEVEL: 'warn',
};

// Asynchronous on purpose: the Lambda stub lives in this process and must keep answering.
function child(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'bench/child.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`bench child failed (${code}): ${(stderr || stdout).slice(-2000)}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

try {
  // --- B2: bundle size ---------------------------------------------------------------------------
  const bundleDir = join(out, 'bundles');
  const built = await buildAll({ outdir: bundleDir, entries: { ours: 'src/handlers/slack.ts', baseline: 'bench/fixtures/minimal-bolt.ts' } });
  const ours = built.find((b) => b.name === 'ours');
  const base = built.find((b) => b.name === 'baseline');
  const ourBundle = join(bundleDir, 'ours.js');
  const baseBundle = join(bundleDir, 'baseline.js');

  // --- B1: cold module init, interleaved fresh processes ----------------------------------------
  const init = { ours: [], baseline: [] };
  for (let i = 0; i < SAMPLES; i++) {
    init.baseline.push((await child(['init', baseBundle])).initMs);
    init.ours.push((await child(['init', ourBundle])).initMs);
  }

  // --- B4: cold path = init + first command (a read command: Redis claim + hand-off) -------------
  const cold = { ours: [], baseline: [] };
  const coldWall = { ours: [], baseline: [] };
  for (let i = 0; i < Math.min(SAMPLES, 11); i++) {
    for (const [name, bundle] of [['baseline', baseBundle], ['ours', ourBundle]]) {
      const t = process.hrtime.bigint();
      const r = await child(['cold', bundle, 'status web']);
      coldWall[name].push(Number(process.hrtime.bigint() - t) / 1e6);
      cold[name].push(r.initMs + r.firstMs);
    }
  }

  // --- B3: ack latency of the real handler vs the ack-only baseline ------------------------------
  const invokesBefore = invokes;
  const lat = { baseline: await child(['latency', baseBundle, 'status web', String(SEQ), '50']), ours: await child(['latency', ourBundle, 'status web', String(SEQ), '50']) };
  const handoffs = invokes - invokesBefore;

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    samples: SAMPLES,
    B1_init: { oursMedianMs: median(init.ours), baselineMedianMs: median(init.baseline), ratio: median(init.ours) / median(init.baseline), target: 1.5 },
    B2_size: { oursBytes: ours.bytes, baselineBytes: base.bytes, ratio: ours.bytes / base.bytes, gzipRatio: ours.gzipBytes / base.gzipBytes, target: 1.75 },
    B3_ack: {
      oursFirstMs: lat.ours.firstMs, baselineFirstMs: lat.baseline.firstMs,
      oursSeqP50: pct(lat.ours.seq, 50), oursSeqP99: pct(lat.ours.seq, 99), baselineSeqP99: pct(lat.baseline.seq, 99),
      seqP99Ratio: pct(lat.ours.seq, 99) / pct(lat.baseline.seq, 99), seqTarget: 5,
      oursParP99: pct(lat.ours.par, 99), baselineParP99: pct(lat.baseline.par, 99),
      parP99Ratio: pct(lat.ours.par, 99) / pct(lat.baseline.par, 99), parTarget: 2,
      workerHandOffs: handoffs,
    },
    B4_cold: { oursMedianMs: median(cold.ours), baselineMedianMs: median(cold.baseline), ratio: median(cold.ours) / median(cold.baseline), wallOursMs: median(coldWall.ours), wallBaselineMs: median(coldWall.baseline), target: 1.35 },
  };
  writeFileSync(join(out, 'latest.json'), JSON.stringify(results, null, 2));

  const mark = (ok) => (ok ? 'meets target' : 'ABOVE target');
  const rows = [
    ['B1 cold init (median)', `${fmt(results.B1_init.oursMedianMs)} ms vs ${fmt(results.B1_init.baselineMedianMs)} ms`, results.B1_init.ratio, 1.5],
    ['B2 bundle size', `${(ours.bytes / 1024).toFixed(0)} KB vs ${(base.bytes / 1024).toFixed(0)} KB`, results.B2_size.ratio, 1.75],
    ['B3 ack p99, sequential', `${fmt(results.B3_ack.oursSeqP99)} ms vs ${fmt(results.B3_ack.baselineSeqP99)} ms`, results.B3_ack.seqP99Ratio, 5],
    ['B3 ack p99, 50 in flight', `${fmt(results.B3_ack.oursParP99)} ms vs ${fmt(results.B3_ack.baselineParP99)} ms`, results.B3_ack.parP99Ratio, 2],
    ['B4 init + first command', `${fmt(results.B4_cold.oursMedianMs)} ms vs ${fmt(results.B4_cold.baselineMedianMs)} ms`, results.B4_cold.ratio, 1.35],
  ];
  console.log('\nbenchmark (ours vs minimal Bolt, same run)');
  for (const [name, abs, ratio, target] of rows) console.log(`  ${name.padEnd(28)} ${abs.padEnd(26)} ${ratio.toFixed(2)}×  (target ≤ ${target}×, ${mark(ratio <= target)})`);
  console.log(`  first invoke after init: ${fmt(results.B3_ack.oursFirstMs)} ms (baseline ${fmt(results.B3_ack.baselineFirstMs)} ms); worker hand-offs seen by the Lambda stub: ${handoffs}`);
  console.log(`\nfull results: ${join(out, 'latest.json')}`);
} finally {
  lambdaStub.close();
  redis.kill('SIGTERM');
  rmSync(redisDir, { recursive: true, force: true });
}
