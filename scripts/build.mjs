// Bundles every entry point into dist/ with esbuild.
//
//   node scripts/build.mjs            -> dist/{slack,worker,events,scheduled,local}.js (+ .map, meta-<name>.json)
//                                        and the playground page: dist/playground/{index.html,playground.js,playground.css}
//
// Also importable (the benchmark reuses it):
//   import { buildAll, ENTRIES } from './scripts/build.mjs';
//   const results = await buildAll({ outdir: '/tmp/x', entries: { slack: 'src/handlers/slack.ts' } });
//
// Every Lambda bundle (all entries except `local`) must export `handler` and contain nothing of the
// playground (src/playground/, src/loopback/); the build fails otherwise.
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import {
  boltLambdaOnly,
  checkAsciiSource,
  checkSlackBundle,
  edgeOnly,
  ioredisLightPrototype,
  luaWithoutComments,
  noDebugModule,
  zodEnglishOnly,
} from './bundle-plugins.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** name -> source file (relative to the repo root). Output is <outdir>/<name>.js. */
export const ENTRIES = Object.freeze({
  slack: 'src/handlers/slack.ts',
  worker: 'src/handlers/worker.ts',
  events: 'src/handlers/events.ts',
  scheduled: 'src/handlers/scheduled.ts',
  local: 'src/handlers/local.ts',
});

/**
 * SDK clients a bundle must not hold: the Slack-facing function makes no AWS call but invoking the
 * worker, yet reaches the command modules whose AWS part is imported lazily (`await import('./x.run')`,
 * which a CommonJS bundle inlines). CloudWatch (/ecs rightsize) and STS (roles of environments) are
 * replaced there by a module that throws if it is ever loaded; test/topology/handoff.test.ts checks it.
 */
export const WORKER_ONLY_SDKS = Object.freeze({ slack: ['@aws-sdk/client-cloudwatch', '@aws-sdk/client-sts', '@resvg/resvg-wasm'] });

function workerOnly(pkgs) {
  return {
    name: 'worker-only-sdks',
    setup(b) {
      const filter = new RegExp(`^(${pkgs.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`);
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'worker-only' }));
      b.onLoad({ filter: /.*/, namespace: 'worker-only' }, (args) => ({
        // CommonJS (module.exports), so the named imports of the code that never runs here are not checked.
        contents: `module.exports = {}; throw new Error(${JSON.stringify(`${args.path} is not in the Slack-facing bundle: this runs in the worker`)});`,
        loader: 'js',
      }));
    },
  };
}

/** Entries that are not Lambda handlers (no `handler` export required). */
export const NON_LAMBDA = Object.freeze(['local']);

/** Source folders only `npm start` may bundle: the playground and the local Slack/AWS it serves. */
export const LOCAL_ONLY_SOURCES = Object.freeze(['src/playground/', 'src/loopback/']);
/**
 * esbuild plugins per entry name (scripts/bundle-plugins.mjs). The Slack-facing function drops
 * Bolt's unused receivers, the `debug` package and everything src/ loads lazily (worker code, AWS SDK clients); every
 * product bundle drops zod's non-English locales. Names not listed (e.g. the benchmark's
 * baseline) are bundled with BASE_OPTIONS alone.
 */
export function pluginsFor(name) {
  switch (name) {
    case 'slack':
      return [
        boltLambdaOnly(),
        zodEnglishOnly(),
        ioredisLightPrototype(),
        noDebugModule(),
        edgeOnly({ root: ROOT }),
        workerOnly(WORKER_ONLY_SDKS.slack),
      ];
    case 'worker':
    case 'events':
    case 'scheduled':
    case 'local':
      return [zodEnglishOnly(), ioredisLightPrototype()];
    default:
      return [];
  }
}

/** Size guards per entry name: each throws when its bundle's metafile breaks the budget. */
export const GUARDS = Object.freeze({ slack: checkSlackBundle });

/** The esbuild options shared by every bundle. Exported so the benchmark can report them. */
export const BASE_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Prefer the ESM build of packages that ship one (AWS SDK v3, smithy): it tree-shakes,
  // which makes the worker bundle ~30% smaller than with esbuild's node default (main first).
  // Packages with an "exports" map are resolved through it regardless of this setting.
  mainFields: ['module', 'main'],
  minify: true,
  // Function/class names survive minification: error names and logs stay readable.
  keepNames: true,
  // External .map file next to each bundle (NODE_OPTIONS=--enable-source-maps in Lambda).
  // sourcesContent is dropped: stack traces only need the mappings, and Node parses the
  // whole map at cold start, so a smaller map is a faster start.
  sourcemap: 'external',
  sourcesContent: false,
  legalComments: 'none',
  loader: { '.lua': 'text' },
  logLevel: 'warning',
  metafile: true,
});

function toAbs(p, base = ROOT) {
  return isAbsolute(p) ? p : resolve(base, p);
}

async function exportsOf(entryFile) {
  // Transform the entry file alone (not bundled) as ESM: the metafile then lists its exports.
  const r = await build({
    entryPoints: [entryFile],
    bundle: false,
    write: false,
    format: 'esm',
    platform: 'node',
    loader: { '.lua': 'text' },
    outdir: '/nonexistent-out', // required by esbuild's path logic; nothing is written
    metafile: true,
    logLevel: 'silent',
  });
  return Object.values(r.metafile.outputs).flatMap((o) => o.exports ?? []);
}

async function fileSize(path) {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * What the worker reads from disk when it draws its first chart (src/charts/png.ts), copied next to
 * the bundles as <outdir>/charts/: the resvg WebAssembly module and the chart font. serverless.yml
 * packages dist/charts/ with the worker only; dist/slack.js never loads them.
 */
export const CHART_ASSETS = Object.freeze({
  'resvg.wasm': 'node_modules/@resvg/resvg-wasm/index_bg.wasm',
  'chart-sans.ttf': 'src/charts/chart-sans.ttf',
  'chart-sans.LICENSE.txt': 'src/charts/chart-sans.LICENSE.txt',
});

async function copyChartAssets(absOut) {
  const dir = join(absOut, 'charts');
  await mkdir(dir, { recursive: true });
  await Promise.all(Object.entries(CHART_ASSETS).map(([name, from]) => copyFile(join(ROOT, from), join(dir, name))));
}

/**
 * Bundle each entry into `outdir`.
 * @param {object} [opts]
 * @param {string} [opts.outdir]   output directory (default <repo>/dist); relative paths are resolved from the repo root
 * @param {Record<string,string>} [opts.entries] name -> entry file (default ENTRIES)
 * @param {string[]} [opts.nonLambda] entry names that need not export `handler` (default NON_LAMBDA)
 * @param {import('esbuild').BuildOptions} [opts.overrides] extra esbuild options (e.g. { minify: false })
 * @param {(name: string) => import('esbuild').Plugin[]} [opts.plugins] plugins per entry name (default pluginsFor)
 * @param {boolean} [opts.guard] run the size guards of GUARDS (default true)
 * @returns {Promise<Array<{name:string, entry:string, outfile:string, bytes:number, gzipBytes:number, mapBytes:number, ms:number, inputs:number, metafile:object, metafilePath:string, warnings:number}>>}
 */
export async function buildAll({
  outdir = 'dist',
  entries = ENTRIES,
  nonLambda = NON_LAMBDA,
  overrides = {},
  plugins = pluginsFor,
  guard = true,
} = {}) {
  const absOut = toAbs(outdir);
  await mkdir(absOut, { recursive: true });

  const names = Object.keys(entries);
  if (names.length === 0) throw new Error('buildAll: no entries');
  if (names.some((n) => n !== 'slack')) await copyChartAssets(absOut);

  return Promise.all(
    names.map(async (name) => {
      const entry = toAbs(entries[name]);
      const outfile = join(absOut, `${name}.js`);
      const t0 = performance.now();
      const result = await build({
        ...BASE_OPTIONS,
        absWorkingDir: ROOT,
        entryPoints: [entry],
        outfile,
        // Every bundle ships its Lua scripts without their comments (as the tests run them).
        plugins: [luaWithoutComments(), ...plugins(name)],
        ...overrides,
      });
      const ms = performance.now() - t0;

      if (!nonLambda.includes(name)) {
        const leaked = Object.keys(result.metafile.inputs).filter((input) => LOCAL_ONLY_SOURCES.some((dir) => input.startsWith(dir)));
        if (leaked.length) {
          throw new Error(`${name}.js bundles playground code, which only npm start may load: ${leaked.slice(0, 5).join(', ')}`);
        }
        const exported = await exportsOf(entry);
        if (!exported.includes('handler')) {
          throw new Error(`${relative(ROOT, entry)} does not export \`handler\` (exports: ${exported.join(', ') || 'none'})`);
        }
      }

      const metafilePath = join(absOut, `meta-${name}.json`);
      await writeFile(metafilePath, JSON.stringify(result.metafile));
      if (guard && GUARDS[name]) GUARDS[name](result.metafile);

      const code = await readFile(outfile);
      if (guard && name === 'slack') checkAsciiSource(code, relative(ROOT, outfile));
      return {
        name,
        entry: relative(ROOT, entry),
        outfile,
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        mapBytes: await fileSize(`${outfile}.map`),
        ms,
        inputs: Object.keys(result.metafile.inputs).length,
        metafile: result.metafile,
        metafilePath,
        warnings: result.warnings.length,
      };
    }),
  );
}

/**
 * The playground's page: one browser bundle (vanilla TypeScript, no framework) plus its HTML and CSS,
 * into <outdir>/playground/, where dist/local.js serves it from.
 */
export async function buildPage({ outdir = 'dist' } = {}) {
  const dir = join(toAbs(outdir), 'playground');
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/playground/page/app/main.ts'],
    outfile: join(dir, 'playground.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await copyFile(join(ROOT, 'src/playground/page/index.html'), join(dir, 'index.html'));
  await copyFile(join(ROOT, 'src/playground/page/playground.css'), join(dir, 'playground.css'));
  // The app's shortcuts, as Slack knows them from the manifest (the page's ⚡ menu lists them).
  await copyFile(join(ROOT, 'slack-manifest.yml'), join(dir, 'slack-manifest.yml')).catch((err) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return { dir, bytes: (await stat(join(dir, 'playground.js'))).size, ms: performance.now() - t0 };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Render the results of buildAll() as a small fixed-width table. */
export function formatTable(results) {
  const rows = [
    ['bundle', 'size', 'gzip', 'map', 'inputs', 'time'],
    ...results.map((r) => [`${r.name}.js`, kb(r.bytes), kb(r.gzipBytes), kb(r.mapBytes), String(r.inputs), `${Math.round(r.ms)} ms`]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}

async function main() {
  const outdir = join(ROOT, 'dist');
  // Start clean so stale bundles never get packaged.
  await rm(outdir, { recursive: true, force: true });
  const t0 = performance.now();
  const [results, page] = await Promise.all([buildAll({ outdir }), buildPage({ outdir })]);
  console.log(formatTable(results));
  console.log(`playground page: ${relative(process.cwd(), page.dir) || '.'}/ (${kb(page.bytes)} of script)`);
  const warnings = results.reduce((n, r) => n + r.warnings, 0);
  console.log(
    `built ${results.length} bundles into ${relative(process.cwd(), outdir) || '.'}/ in ${Math.round(performance.now() - t0)} ms` +
      (warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'} above)` : ''),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    // esbuild has already printed its diagnostics; keep this short.
    console.error(`build failed: ${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  });
}
