// What the charts cost the worker (issue 14 §5; docs/charts.md has the numbers):
//
//   node bench/charts.mjs [runs=5]
//
// Bundles src/charts/ the way scripts/build.mjs bundles the worker (esbuild, CommonJS, minified),
// copies the assets next to it as the build does (dist/charts/), then in fresh Node processes
// measures: loading the bundle, starting the renderer (reading and compiling resvg's WebAssembly and
// the font: once per process), rendering /ecs cost's chart at 800 × 400 (the zoom the bot uses), then /ecs rightsize's.
// Also reports the bytes the charts add to dist/worker.js and to the worker's package.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_OPTIONS, CHART_ASSETS, ROOT } from '../scripts/build.mjs';

const runs = Number(process.argv[2] ?? 5);
const dir = await mkdtemp(join(tmpdir(), 'charts-bench-'));
const entry = join(dir, 'entry.ts');
await writeFile(
  entry,
  `
import { svgToPng } from ${JSON.stringify(join(ROOT, 'src/charts/png'))};
import { chartSvg } from ${JSON.stringify(join(ROOT, 'src/charts/svg'))};
import { costChart, rightsizeChart } from ${JSON.stringify(join(ROOT, 'src/charts/specs'))};
export async function main() {
  const daily = Array.from({ length: 17 }, (_, i) => ({ date: '2025-05-' + String(i + 1).padStart(2, '0'), amount: 30 + (i % 7) * 4 }));
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const c00 = cpu();
  const t00 = performance.now();
  await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
  const t0 = performance.now();
  const c0 = cpu();
  const a = await svgToPng(chartSvg(costChart({ scope: 'prod', daily, today: '2025-05-17', forecastMonthEnd: 1302 })), 1);
  const t1 = performance.now();
  const c1 = cpu();
  const hours = 14 * 24, from = Date.UTC(2025, 4, 1);
  const s = (f) => ({ timestamps: Array.from({ length: hours }, (_, i) => from + i * 3600e3), values: Array.from({ length: hours }, (_, i) => f(i)) });
  const b = await svgToPng(chartSvg(rightsizeChart({ scope: 'web (prod)', days: 14, cpuMax: s((i) => 30 + 20 * Math.sin(i / 5)), cpuAvg: s((i) => 15 + 5 * Math.sin(i / 5)), memMax: s(() => 40), memAvg: s(() => 35), next: { cpuPct: 50, memoryPct: 100 } })), 1);
  const t2 = performance.now();
  const c2 = cpu();
  return { init: t0 - t00, first: t1 - t0, second: t2 - t1, initCpu: c0 - c00, firstCpu: c1 - c0, secondCpu: c2 - c1, bytes: [a.length, b.length] };
}
`,
);
const out = join(dir, 'charts.js');
const r = await build({ ...BASE_OPTIONS, absWorkingDir: ROOT, entryPoints: [entry], outfile: out, plugins: [] });
await mkdir(join(dir, 'charts'), { recursive: true });
let assets = 0;
for (const [name, from] of Object.entries(CHART_ASSETS)) {
  await copyFile(join(ROOT, from), join(dir, 'charts', name));
  assets += (await stat(join(ROOT, from))).size;
}
const inputs = Object.values(r.metafile.outputs).find((o) => o.entryPoint).inputs;
const jsBytes = Object.entries(inputs)
  .filter(([k]) => k.includes('resvg') || k.startsWith('src/charts/'))
  .reduce((n, [, v]) => n + v.bytesInOutput, 0);

const samples = [];
for (let i = 0; i < runs; i++) {
  const res = execFileSync(
    process.execPath,
    [
      '-e',
      `const t=performance.now();const m=require(${JSON.stringify(out)});const load=performance.now()-t;m.main().then(r=>console.log(JSON.stringify({load,...r})))`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  samples.push(JSON.parse(res));
}
const median = (k) => {
  const v = samples.map((s) => s[k]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`charts in the worker bundle (src/charts + resvg's JS glue, minified): ${kb(jsBytes)}`);
console.log(`assets read on the first chart (dist/charts/): ${kb(assets)}`);
console.log(
  `median of ${runs} fresh processes: load ${median('load').toFixed(1)} ms · renderer start ${median('init').toFixed(0)} ms · ` +
    `cost chart ${median('first').toFixed(0)} ms · rightsize chart ${median('second').toFixed(0)} ms (load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`,
);
console.log(
  `CPU time (less sensitive to a busy machine): renderer start ${median('initCpu').toFixed(0)} ms · cost chart ${median('firstCpu').toFixed(0)} ms · rightsize chart ${median('secondCpu').toFixed(0)} ms`,
);
console.log(`PNG sizes: cost ${kb(samples[0].bytes[0])}, rightsize ${kb(samples[0].bytes[1])}`);
