// Runs before `osls package` (npm run package, CI): every file a function's artifact must hold
// is there, so a missing build or config fails here with a clear message instead of packaging a
// zip that holds only part of a function.
//
//   node scripts/check-package.mjs [--root <dir>]
//
// What must exist comes from serverless.yml: each function's handler file (dist/<fn>.js for
// `dist/<fn>.handler`) and every literal path (no wildcard) in its package.patterns
// (dist/<fn>.js.map, chatops.yml). Exit status 1 when anything is missing or empty.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const root = resolve(argValue('--root') ?? process.cwd());

function size(path) {
  try {
    const st = statSync(resolve(root, path));
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

function fail(lines) {
  console.error(`package: cannot package:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  process.exit(1);
}

let config;
try {
  config = parse(readFileSync(resolve(root, 'serverless.yml'), 'utf8'));
} catch (err) {
  fail([`serverless.yml could not be read: ${err && err.message ? err.message : err}`]);
}

const functions = Object.entries(config?.functions ?? {});
if (!functions.length) fail(['serverless.yml defines no functions']);

/** path -> the functions that need it */
const needed = new Map();
const need = (path, fn) => needed.set(path, [...new Set([...(needed.get(path) ?? []), fn])]);
for (const [name, fn] of functions) {
  const handler = String(fn?.handler ?? '');
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) fail([`function ${name}: handler "${handler}" is not <file>.<export>`]);
  need(`${handler.slice(0, dot)}.js`, name);
  for (const p of fn?.package?.patterns ?? []) {
    const pattern = String(p);
    if (pattern.startsWith('!') || /[*?[\]{}]/.test(pattern)) continue;
    need(pattern, name);
  }
}

const absent = [...needed.keys()].filter((path) => size(path) <= 0);
const describe = (paths) => paths.map((p) => `${p}${size(p) === 0 ? ' (empty)' : ''}`).join(', ');
const bundles = absent.filter((p) => p.startsWith('dist/'));
const configs = absent.filter((p) => p === 'chatops.yml');
const other = absent.filter((p) => !bundles.includes(p) && !configs.includes(p));
const problems = [];
if (bundles.length) problems.push(`${describe(bundles)}: the function bundles are not built; run \`npm run build\` first.`);
if (configs.length) {
  problems.push(
    `${describe(configs)}: the bot's configuration, packaged with every function, is missing; copy chatops.example.yml to chatops.yml and edit it.`,
  );
}
for (const p of other) problems.push(`${describe([p])}: needed by ${needed.get(p).join(', ')} (serverless.yml package.patterns).`);
if (problems.length) fail(problems);
console.log(`package: all ${needed.size} files of ${functions.length} functions are present`);
