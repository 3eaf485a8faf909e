// `node bench/redact.mjs`: what log redaction costs (issue 10, item 2). Bundles src/aws/redact.ts
// and the corpus with esbuild (as the worker bundle would, minified), then reports
//   - the minified size of the redactor (bytes it adds to every bundle that reads logs),
//   - the time to clean 1,000 typical log lines (5% carrying a corpus secret), median of 15 runs.
// Optionally compares with another redactor module: REDACT_COMPARE=path/to/module.mjs exporting
// `redact(text)` (this is how secretlint's preset was measured; see the header of src/aws/redact.ts).
import { build } from 'esbuild';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../scripts/build.mjs';

const dir = mkdtempSync(join(tmpdir(), 'bench-redact-'));
try {
  const opts = { bundle: true, platform: 'node', target: 'node20', format: 'esm', minify: true, absWorkingDir: ROOT, logLevel: 'warning' };
  await build({ ...opts, entryPoints: ['src/aws/redact.ts'], outfile: join(dir, 'redact.mjs') });
  await build({ ...opts, entryPoints: ['test/fixtures/redact-corpus.ts'], outfile: join(dir, 'corpus.mjs') });
  const redactBytes = statSync(join(dir, 'redact.mjs')).size;
  const { cleanLogMessage, cleanLogMessages } = await import(pathToFileURL(join(dir, 'redact.mjs')).href);
  const { SECRET_CASES, LOOKALIKES } = await import(pathToFileURL(join(dir, 'corpus.mjs')).href);

  const typical = [
    '2024-05-01T12:34:56.789Z INFO  [http] GET /api/v1/orders/12345 200 23ms user=u-42 ip=10.0.1.23',
    '{"level":"info","time":"2024-05-01T12:34:56.789Z","msg":"order created","orderId":"1cc7edde-060c-4d49-a59f-6ba9cd4e5761","total":19.9}',
    'WARN  retrying payment provider call (attempt 2/3) after 250ms: ETIMEDOUT',
    '\tat com.shop.checkout.PaymentService.charge(PaymentService.java:142)',
    'Error: connect ECONNREFUSED 10.0.3.7:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)',
    ...LOOKALIKES.map((l) => l.text),
  ];
  const lines = [];
  for (let i = 0; i < 1000; i++) lines.push(i % 20 === 0 ? SECRET_CASES[(i / 20) % SECRET_CASES.length].text : typical[i % typical.length]);

  const time = (fn) => {
    for (let w = 0; w < 5; w++) fn();
    const runs = [];
    for (let r = 0; r < 15; r++) {
      const t0 = performance.now();
      fn();
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    return runs[7];
  };
  const result = {
    redactorMinifiedBytes: redactBytes,
    msPer1000LinesEach: +time(() => lines.forEach(cleanLogMessage)).toFixed(2),
    msPer1000LinesBatch: +time(() => cleanLogMessages(lines)).toFixed(2),
  };
  if (process.env.REDACT_COMPARE) {
    const other = await import(pathToFileURL(process.env.REDACT_COMPARE).href);
    result.compare = { module: process.env.REDACT_COMPARE, msPer1000Lines: +time(() => lines.forEach(other.redact)).toFixed(2) };
  }
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
