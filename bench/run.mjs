// `npm run bench`: speed and size of the Slack-facing function as RATIOS against a minimal Bolt
// app bundled and measured in the same run (see /docs and performance-facts B1–B4), its memory
// (RSS after init, heap after the latency loop), and the approval store's primitives against a raw
// PING on one reused Redis connection (B5, bench/fixtures/store-bench.ts). No network:
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
const STORE_OPS = Number(process.env.BENCH_STORE_OPS || 5000);
const out = join(ROOT, 'bench/results');
mkdirSync(out, { recursive: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (n) => n.toFixed(n < 10 ? 2 : 1);

function freePort() {
  return new Promise((res) => {
    const s = netServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

// --- fixtures: redis-server and a Lambda Invoke stub --------------------------------------------
const redisDir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
const redisPort = await freePort();
const redis = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
  { stdio: 'ignore' },
);
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
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_SIGNING_SECRET: 'bench-secret',
  SLACK_API_URL: 'http://127.0.0.1:9/api/',
  REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  CHATOPS_CONFIG: join(ROOT, 'test/fixtures/chatops.test.yml'),
  WORKER_FUNCTION: 'bench-worker',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL: `http://127.0.0.1:${lambdaStub.address().port}`,
  LOG_LEVEL: 'warn',
};

// Asynchronous on purpose: the Lambda stub lives in this process and must keep answering.
function child(args, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bench/child.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const built = await buildAll({
    outdir: bundleDir,
    entries: { ours: 'src/handlers/slack.ts', baseline: 'bench/fixtures/minimal-bolt.ts', store: 'bench/fixtures/store-bench.ts' },
    nonLambda: ['store'],
  });
  const ours = built.find((b) => b.name === 'ours');
  const base = built.find((b) => b.name === 'baseline');
  const ourBundle = join(bundleDir, 'ours.js');
  const baseBundle = join(bundleDir, 'baseline.js');
  const storeBundle = join(bundleDir, 'store.js');

  // --- B1: cold module init, interleaved fresh processes ----------------------------------------
  // M1: the same processes report their memory right after init.
  const init = { ours: [], baseline: [] };
  const initMem = { ours: [], baseline: [] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, bundle] of [
      ['baseline', baseBundle],
      ['ours', ourBundle],
    ]) {
      const r = await child(['init', bundle]);
      init[name].push(r.initMs);
      initMem[name].push(r.memAfterInit);
    }
  }

  // --- B4: cold path = init + first command (a read command: Redis claim + hand-off) -------------
  const cold = { ours: [], baseline: [] };
  const coldWall = { ours: [], baseline: [] };
  for (let i = 0; i < Math.min(SAMPLES, 11); i++) {
    for (const [name, bundle] of [
      ['baseline', baseBundle],
      ['ours', ourBundle],
    ]) {
      const t = process.hrtime.bigint();
      const r = await child(['cold', bundle, 'status web']);
      coldWall[name].push(Number(process.hrtime.bigint() - t) / 1e6);
      cold[name].push(r.initMs + r.firstMs);
    }
  }

  // --- B3: ack latency of the real handler vs the ack-only baseline ------------------------------
  const invokesBefore = invokes;
  // --expose-gc only lets the child report its heap after a full GC once the loops are done (M2).
  const lat = {
    baseline: await child(['latency', baseBundle, 'status web', String(SEQ), '50'], ['--expose-gc']),
    ours: await child(['latency', ourBundle, 'status web', String(SEQ), '50'], ['--expose-gc']),
  };
  const handoffs = invokes - invokesBefore;

  // --- B5: approval-store primitives vs PING on one reused connection (fresh process) -------------
  const store = await child(['store', storeBundle, String(STORE_OPS)]);

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    samples: SAMPLES,
    B1_init: {
      oursMedianMs: median(init.ours),
      baselineMedianMs: median(init.baseline),
      ratio: median(init.ours) / median(init.baseline),
      target: 1.5,
    },
    B2_size: {
      oursBytes: ours.bytes,
      baselineBytes: base.bytes,
      ratio: ours.bytes / base.bytes,
      gzipRatio: ours.gzipBytes / base.gzipBytes,
      target: 1.75,
    },
    B3_ack: {
      oursFirstMs: lat.ours.firstMs,
      baselineFirstMs: lat.baseline.firstMs,
      oursSeqP50: pct(lat.ours.seq, 50),
      oursSeqP99: pct(lat.ours.seq, 99),
      baselineSeqP99: pct(lat.baseline.seq, 99),
      seqP99Ratio: pct(lat.ours.seq, 99) / pct(lat.baseline.seq, 99),
      seqTarget: 5,
      oursParP99: pct(lat.ours.par, 99),
      baselineParP99: pct(lat.baseline.par, 99),
      parP99Ratio: pct(lat.ours.par, 99) / pct(lat.baseline.par, 99),
      parTarget: 2,
      workerHandOffs: handoffs,
    },
    B4_cold: {
      oursMedianMs: median(cold.ours),
      baselineMedianMs: median(cold.baseline),
      ratio: median(cold.ours) / median(cold.baseline),
      wallOursMs: median(coldWall.ours),
      wallBaselineMs: median(coldWall.baseline),
      target: 1.35,
    },
    // Bytes. No target in performance-facts: informational, tracked next to B1/B2.
    M_memory: {
      rssAfterInit: {
        oursMedianBytes: median(initMem.ours.map((m) => m.rss)),
        baselineMedianBytes: median(initMem.baseline.map((m) => m.rss)),
        ratio: median(initMem.ours.map((m) => m.rss)) / median(initMem.baseline.map((m) => m.rss)),
      },
      heapUsedAfterInit: {
        oursMedianBytes: median(initMem.ours.map((m) => m.heapUsed)),
        baselineMedianBytes: median(initMem.baseline.map((m) => m.heapUsed)),
      },
      afterLatencyLoop: {
        requests: SEQ + 1 + 5 * 50,
        ours: lat.ours.memAfterLatency,
        baseline: lat.baseline.memAfterLatency,
        oursHeapGrowthBytes: lat.ours.memAfterLatency.heapUsed - lat.ours.memAfterInit.heapUsed,
        baselineHeapGrowthBytes: lat.baseline.memAfterLatency.heapUsed - lat.baseline.memAfterInit.heapUsed,
        heapUsedRatio: lat.ours.memAfterLatency.heapUsed / lat.baseline.memAfterLatency.heapUsed,
        // heapUsed depends on where the GC happens to be; after a full GC it is the retained heap.
        heapUsedAfterGcRatio: lat.ours.memAfterLatency.heapUsedAfterGc / lat.baseline.memAfterLatency.heapUsedAfterGc,
      },
    },
    B5_store: {
      ops: store.ops,
      redisVersion: store.redisVersion,
      pingP50Ms: store.ping.p50,
      pingP99Ms: store.ping.p99,
      primitives: Object.fromEntries(
        Object.entries(store.primitives).map(([name, p]) => [
          name,
          {
            n: p.n,
            p50Ms: p.p50,
            p99Ms: p.p99,
            p99VsPing: p.p99VsPing,
            roundTripsPerOp: p.commandsPerOp,
            commands: p.commands,
            monitoredOps: p.monitoredOps,
            codes: p.codes,
          },
        ]),
      ),
      connectionsAfterOps: store.connections.clientList,
      opsBeforeClientList: store.connections.opsBefore,
      sameConnectionThroughout: store.connections.sameClientId && store.connections.connectEvents === 1,
      connectEvents: store.connections.connectEvents,
      warmup: store.warmup,
      timedPassScriptCalls: store.timedPass,
      targets: { p99VsPing: 2, roundTripsPerTransition: 1, connections: 1 },
    },
  };
  writeFileSync(join(out, 'latest.json'), JSON.stringify(results, null, 2));

  const mark = (ok) => (ok ? 'meets target' : 'ABOVE target');
  const rows = [
    [
      'B1 cold init (median)',
      `${fmt(results.B1_init.oursMedianMs)} ms vs ${fmt(results.B1_init.baselineMedianMs)} ms`,
      results.B1_init.ratio,
      1.5,
    ],
    ['B2 bundle size', `${(ours.bytes / 1024).toFixed(0)} KB vs ${(base.bytes / 1024).toFixed(0)} KB`, results.B2_size.ratio, 1.75],
    [
      'B3 ack p99, sequential',
      `${fmt(results.B3_ack.oursSeqP99)} ms vs ${fmt(results.B3_ack.baselineSeqP99)} ms`,
      results.B3_ack.seqP99Ratio,
      5,
    ],
    [
      'B3 ack p99, 50 in flight',
      `${fmt(results.B3_ack.oursParP99)} ms vs ${fmt(results.B3_ack.baselineParP99)} ms`,
      results.B3_ack.parP99Ratio,
      2,
    ],
    [
      'B4 init + first command',
      `${fmt(results.B4_cold.oursMedianMs)} ms vs ${fmt(results.B4_cold.baselineMedianMs)} ms`,
      results.B4_cold.ratio,
      1.35,
    ],
  ];
  console.log('\nbenchmark (ours vs minimal Bolt, same run)');
  for (const [name, abs, ratio, target] of rows)
    console.log(`  ${name.padEnd(28)} ${abs.padEnd(26)} ${ratio.toFixed(2)}×  (target ≤ ${target}×, ${mark(ratio <= target)})`);
  console.log(
    `  first invoke after init: ${fmt(results.B3_ack.oursFirstMs)} ms (baseline ${fmt(results.B3_ack.baselineFirstMs)} ms); worker hand-offs seen by the Lambda stub: ${handoffs}`,
  );

  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  const M = results.M_memory;
  console.log('\nmemory (ours vs minimal Bolt, same run; informational, no target)');
  console.log(
    `  ${'M1 RSS after init (median)'.padEnd(28)} ${`${mb(M.rssAfterInit.oursMedianBytes)} vs ${mb(M.rssAfterInit.baselineMedianBytes)}`.padEnd(26)} ${M.rssAfterInit.ratio.toFixed(2)}×`,
  );
  console.log(
    `  ${'M2 heapUsed after latency'.padEnd(28)} ${`${mb(M.afterLatencyLoop.ours.heapUsed)} vs ${mb(M.afterLatencyLoop.baseline.heapUsed)}`.padEnd(26)} ${M.afterLatencyLoop.heapUsedRatio.toFixed(2)}×  ` +
      `(after a full GC ${mb(M.afterLatencyLoop.ours.heapUsedAfterGc)} vs ${mb(M.afterLatencyLoop.baseline.heapUsedAfterGc)} = ${M.afterLatencyLoop.heapUsedAfterGcRatio.toFixed(2)}×; RSS ${mb(M.afterLatencyLoop.ours.rss)} vs ${mb(M.afterLatencyLoop.baseline.rss)}; ${M.afterLatencyLoop.requests} requests)`,
  );

  const S = results.B5_store;
  console.log(
    `\nB5 approval store vs PING, one reused connection (redis ${S.redisVersion}, ${S.ops} ops each; round trips from MONITOR over ${S.primitives.PING.monitoredOps} ops)`,
  );
  console.log(`  ${'primitive'.padEnd(22)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  ${'p99/PING'.padEnd(26)} round trips/op`);
  for (const [name, p] of Object.entries(S.primitives)) {
    const vs = name === 'PING' ? '1.00× (baseline)' : `${p.p99VsPing.toFixed(2)}× (target ≤ 2×, ${p.p99VsPing <= 2 ? 'meets' : 'ABOVE'})`;
    const cmds = Object.entries(p.commands)
      .map(([c, n]) => `${c}×${+(n / p.monitoredOps).toFixed(2)}`)
      .join(' + ');
    const rt = `${+p.roundTripsPerOp.toFixed(2)} (${cmds})${name === 'PING' ? '' : p.roundTripsPerOp === 1 ? ', meets 1' : ', ABOVE 1'}`;
    console.log(`  ${name.padEnd(22)} ${p.p50Ms.toFixed(3).padStart(7)} ${p.p99Ms.toFixed(3).padStart(7)}  ${vs.padEnd(26)} ${rt}`);
  }
  console.log(
    `  connections after ${S.opsBeforeClientList} ops: ${S.connectionsAfterOps} (CLIENT LIST; target 1, ${S.connectionsAfterOps === 1 ? 'meets' : 'ABOVE'}); ` +
      `same connection throughout: ${S.sameConnectionThroughout ? 'yes' : 'NO'}; first use of the scripts: ${S.warmup.eval} EVAL, then ${S.timedPassScriptCalls.eval} EVAL / ${S.timedPassScriptCalls.evalsha} EVALSHA in the timed pass`,
  );
  console.log(`\nfull results: ${join(out, 'latest.json')}`);
} finally {
  lambdaStub.close();
  redis.kill('SIGTERM');
  rmSync(redisDir, { recursive: true, force: true });
}
