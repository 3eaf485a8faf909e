// esbuild plugins and the bundle-size guard used by scripts/build.mjs.
//
// The Slack-facing function (dist/slack.js) verifies a request with Bolt's AwsLambdaReceiver,
// parses, authorizes, records in Redis and hands off to the worker. Everything else it would
// otherwise carry is dead weight that Node still has to read and compile at every cold start:
//
//   boltLambdaOnly   Bolt's receivers the Lambda never constructs (HTTPReceiver, ExpressReceiver,
//                    SocketModeReceiver) and what only they use (@slack/oauth; raw-body, which
//                    brings iconv-lite). Bolt's index and App.js require them at load time, so
//                    esbuild cannot drop them on its own. They become modules whose classes throw
//                    when constructed. Local mode (dist/local.js) keeps the real ones.
//   zodEnglishOnly   zod re-exports all of its ~50 locales through `z.locales`; the bot only uses
//                    the default (English), which zod registers itself. Every bundle.
//   ioredisLightPrototype  ioredis' ~480 command methods go onto a dictionary-mode prototype (no
//                    quadratic descriptor copies at load: ~6 MiB less garbage per cold start). Every bundle.
//   edgeOnly         every module that src/ loads lazily - `await import('./x.run')`, the
//                    deploy/alert job handlers, `require('@aws-sdk/client-…')` in aws/clients.ts -
//                    is worker work, never run by the Slack function. In dist/slack.js such a
//                    module is replaced by one that throws at load with a message naming it, so a
//                    mistake fails loudly instead of silently growing the bundle back.
//
// The guard: metafile bytes per package in dist/slack.js; a package that is not on the allow-list
// may add at most 20 KiB, and one that is may not outgrow its ceiling.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, sep } from 'node:path';

const { stripLuaComments } = createRequire(import.meta.url)('./lua-strip.cjs');

const BOLT_DIST = `${sep}node_modules${sep}@slack${sep}bolt${sep}dist${sep}`;

const throwingClass = (name, why) =>
  `class ${name} { constructor() { throw new Error(${JSON.stringify(`${name} is not in this Lambda bundle: ${why}`)}); } }`;

/** Bolt without the receivers a Lambda never uses. */
export function boltLambdaOnly() {
  const why = 'only AwsLambdaReceiver is bundled into dist/slack.js (scripts/bundle-plugins.mjs); local mode uses dist/local.js';
  const stubs = {
    './receivers/HTTPReceiver': `${throwingClass('HTTPReceiver', why)}\nexports.default = HTTPReceiver; exports.__esModule = true;`,
    './receivers/ExpressReceiver': `${throwingClass('ExpressReceiver', why)}\nexports.default = ExpressReceiver; exports.__esModule = true;`,
    './receivers/SocketModeReceiver': `${throwingClass('SocketModeReceiver', why)}\nexports.default = SocketModeReceiver; exports.__esModule = true;`,
    '@slack/oauth': [
      throwingClass('InstallProvider', why),
      throwingClass('FileInstallationStore', why),
      throwingClass('MemoryInstallationStore', why),
      'module.exports = { InstallProvider, FileInstallationStore, MemoryInstallationStore };',
    ].join('\n'),
    // Only HTTPModuleFunctions.parseHTTPRequestBody (HTTP receivers) reads a body stream.
    'raw-body': `module.exports = function getRawBody() { throw new Error(${JSON.stringify(`raw-body is not in this Lambda bundle: ${why}`)}); };`,
  };
  return {
    name: 'bolt-lambda-only',
    setup(b) {
      b.onResolve({ filter: /^(\.\/receivers\/(HTTP|Express|SocketMode)Receiver|@slack\/oauth|raw-body)$/ }, (args) => {
        if (!args.importer.includes(BOLT_DIST)) return undefined;
        return { path: args.path, namespace: 'bolt-lambda-only' };
      });
      b.onLoad({ filter: /.*/, namespace: 'bolt-lambda-only' }, (args) => ({ contents: stubs[args.path], loader: 'js' }));
    },
  };
}

/** zod with its default English messages only. */
export function zodEnglishOnly() {
  return {
    name: 'zod-english-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/](core|classic)[\\/]/.test(args.importer)) return undefined;
        return { path: `${dirname(dirname(args.importer))}${sep}locales${sep}index.js`, namespace: 'zod-english-only' };
      });
      b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(`${dirname(args.path)}${sep}en.js`)};`,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * Lazy loads from src/ become throwing modules. `allow` lists specifiers (as written in src) that
 * the bundle must keep.
 */
export function edgeOnly({ root, allow = [] } = {}) {
  const srcDir = `${root}${sep}src${sep}`;
  return {
    name: 'edge-only',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import' && args.kind !== 'require-call') return undefined;
        if (!args.importer.startsWith(srcDir) || allow.includes(args.path)) return undefined;
        const from = relative(root, args.importer);
        return { path: `${args.path} (loaded lazily by ${from})`, namespace: 'edge-only' };
      });
      b.onLoad({ filter: /.*/, namespace: 'edge-only' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(
          `${args.path} is worker-side code and is not bundled into dist/slack.js: the Slack-facing function only verifies, records and hands off (scripts/bundle-plugins.mjs)`,
        )});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The `debug` package (ioredis' only use of it: DEBUG=ioredis:* tracing, off unless that variable
 * is set) as a no-op with its API: ~10 KiB (debug, ms, supports-color, has-flag) less to parse in
 * the Slack bundle. Tracing ioredis stays possible in every other bundle and locally.
 */
export function noDebugModule() {
  const stub = [
    'function createDebug(namespace) {',
    '  const fn = function () {};',
    '  fn.namespace = namespace; fn.enabled = false; fn.log = function () {};',
    '  fn.destroy = function () { return true; };',
    "  fn.extend = function (s, d) { return createDebug(namespace + (d === undefined ? ':' : d) + s); };",
    '  return fn;',
    '}',
    "createDebug.enable = function () {}; createDebug.disable = function () { return ''; };",
    'createDebug.enabled = function () { return false; };',
    'createDebug.default = createDebug;',
    'module.exports = createDebug;',
  ].join('\n');
  return {
    name: 'no-debug-module',
    setup(b) {
      b.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'no-debug-module' }));
      b.onLoad({ filter: /.*/, namespace: 'no-debug-module' }, () => ({ contents: stub, loader: 'js' }));
    },
  };
}

/**
 * ioredis defines its ~480 command methods (`get`, `getBuffer`, …) one by one on a class prototype
 * when it is loaded (ioredis/built/utils/Commander.js). V8 keeps that prototype in fast mode, so every
 * addition copies the prototype's whole descriptor array: quadratic, about 6 MiB of garbage at every
 * cold start, which grows the young generation (8 MiB more RSS) and costs scavenges. Switching the
 * prototype to dictionary mode first (add and delete one property) makes each addition a hash-table
 * insert; V8 turns a prototype back into fast mode once, when it is first used for a lookup. Same
 * methods, same behaviour. Every product bundle; the build fails if ioredis no longer has this loop.
 */
export function ioredisLightPrototype() {
  const loop = 'commands.forEach(function (commandName) {';
  return {
    name: 'ioredis-light-prototype',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]ioredis[\\/]built[\\/]utils[\\/]Commander\.js$/ }, async (args) => {
        const code = await readFile(args.path, 'utf8');
        if (!code.includes(loop)) {
          throw new Error(
            `${args.path} no longer defines its commands with \`${loop}\`: update ioredisLightPrototype (scripts/bundle-plugins.mjs)`,
          );
        }
        const prelude = 'Commander.prototype.__dictionaryMode = true; delete Commander.prototype.__dictionaryMode;\n';
        return { contents: code.replace(loop, prelude + loop), loader: 'js' };
      });
    },
  };
}

/**
 * .lua files (imported as text) without their comments: the documentation headers are for readers
 * of src/, not for Redis, and every byte of the Slack bundle is parsed at cold start.
 */
export function luaWithoutComments() {
  return {
    name: 'lua-without-comments',
    setup(b) {
      b.onLoad({ filter: /\.lua$/ }, async (args) => ({
        contents: stripLuaComments(await readFile(args.path, 'utf8'), args.path),
        loader: 'text',
      }));
    },
  };
}

/** The package a metafile input belongs to: `@scope/name`, `name`, `src` or `(stub)`. */
export function packageOf(input) {
  if (input.includes(':')) return '(stub)';
  const parts = input.split(/[\\/]node_modules[\\/]/);
  if (parts.length < 2) return input.startsWith('node_modules/') ? packageOf(`/${input}`) : input.startsWith('src/') ? 'src' : input;
  const tail = parts[parts.length - 1].split(/[\\/]/);
  return tail[0].startsWith('@') ? `${tail[0]}/${tail[1]}` : tail[0];
}

/** Bytes each package contributes to an output of an esbuild metafile. */
export function bytesByPackage(metafile, outfileSuffix = '.js') {
  const out = Object.entries(metafile.outputs).find(([k]) => k.endsWith(outfileSuffix) && !k.endsWith('.map'));
  if (!out) throw new Error('bytesByPackage: no output in the metafile');
  const by = {};
  for (const [file, { bytesInOutput }] of Object.entries(out[1].inputs)) {
    const p = file.startsWith('node_modules/') ? packageOf(`/${file}`) : packageOf(file);
    by[p] = (by[p] ?? 0) + bytesInOutput;
  }
  return by;
}

/**
 * What dist/slack.js may contain, in KiB. A package not listed may add at most `unlisted` KiB.
 * Raise a ceiling (or add a package) only with a measured reason: `npm run bench` shows what the
 * bytes cost at cold start.
 */
export const SLACK_BUNDLE_BUDGET = Object.freeze({
  unlisted: 20,
  allow: Object.freeze({
    zod: 120, // schemas of chatops.yml, jobs and button payloads (classic API, English messages; 106 KiB since src imports zod as a namespace, which esbuild tree-shakes: 201 KiB as `import { z }`)
    ioredis: 160, // the approval store
    '@ioredis/commands': 45,
    'js-yaml': 50, // chatops.yml (46.4 KiB; the `yaml` package it replaced on this path was 119 KiB, and slower to load and parse)
    '@slack/bolt': 100, // App + AwsLambdaReceiver (request verification)
    '@slack/web-api': 60, // Slack Web API client
    '@smithy/core': 30, // the hand-off's SigV4 signer (src/aws/lambda-invoke.ts): checksum, credential provider plumbing
    '@smithy/signature-v4': 15,
    // The bot's own edge code: 356.5 KiB measured with the i18n catalog (every message's en + ko is on the ack path);
    // 377.9 KiB with main at c0e4a42 and the secrets read from SSM at cold start (issue 10 item 15: src/aws/ssm.ts
    // and src/handlers/secrets.ts, 5.8 KiB, instead of @aws-sdk/client-ssm's 362 KiB); +19 KiB with the alert buttons
    // "I'm on it" (the alert is re-rendered on the ack path so the clicker sees it at once: alertMessage, classify's
    // explanations, the alert catalog) and Mute 1 h: 396.9 KiB.
    // 377.9 with the SSM reader and secrets runtime (5.8 KiB); 388.4 measured once the AWS error answers,
    // never-started notices, plan drift and the rest moved into the catalog (branch i18n2; string literals
    // only, bench not re-run for it). The charts (issue 14 §5) add 0.7 KiB: the Slack gateway's binary upload
    // (uploadFile; the gateway is one module for every function); nothing of the chart renderer is in dist/slack.js.
    // The Redis bounds (issue 10 item 14: request texts fitted with en + ko markers, the one-script mute and
    // unmute, the audit caps in the Lua prelude) add about 6.4 KiB. With every branch of 2026-12-01 merged
    // (perf's js-yaml and stripped Lua comments took some back): 394.4 KiB measured at main 23:01.
    // 398.4 KiB at main a61fb0b; the time budget of shortcuts, Slack events and the deploy form's views calls
    // (branch bounds: view-calls.ts, the outcomes' answers en + ko, the admit script's bound) adds 6.1 KiB: 404.5 KiB
    // (bench not re-run for it). Most of the catalog's weight is its Korean written as \uXXXX escapes (esbuild's
    // default charset: 6 bytes a character instead of UTF-8's 3; about 13,000 of them in dist/slack.js). UTF-8 was
    // measured and left (2026-12-02): 41 KiB smaller, but V8 then keeps the whole source as two-byte (+800 KiB RSS
    // after init, RSS vs minimal Bolt 0.99x -> 1.00x) and cold init did not move beyond noise.
    // 409.9 KiB at main 2026-12-02 08:35 (the reject form's and shortcuts' answers, plain Slack-failure answers, the
    // per-service approval indexes); the whole bundle is 930 KiB, 0.57x the minimal Bolt bundle (target <= 0.6x).
    // 417.5 KiB at main 2026-12-02 12:37 (the Home tab's "store not answering" view, the removed-services notes on
    // request cards, the traffic gate's mapped AWS reasons, en + ko; the removed-services tick code itself is
    // worker-only, src/approvals/indexes.run.ts); the whole bundle about 932 KiB, still 0.58x.
    // 427.6 KiB at main 2026-12-02 15:17 (+9 KiB: chatops.yml's registry and logGroupPrefix in the config schema; the
    // never-run break-glass answers and card lines, the orphan thread notes, the defer script; the alert update
    // budget script and the fallback carry-over in src/alerts/sync.ts, which the alert buttons share; en + ko);
    // the whole bundle 947 KiB, 0.586x the minimal Bolt bundle (target <= 0.6x: about 23 KiB left).
    // 2026-12-03 (branch korean2, +1.0 KiB from 431.8): Korean time units (초/분/시간/일/주) in the one duration
    // parser, read in the ack for logs/mute/rightsize/cost; the zero-length --since answer and the split-unit
    // suggestions, en + ko.
    // 2026-12-03 (branch windowclick, 432.8 -> 431.0 KiB, ceiling not raised): the approve click's change-window
    // refusal (+2.1 KiB: nextOpen, its answer en + ko) paid for by moving the break-glass reminder tick and its
    // texts out of the Slack bundle (src/approvals/retro-remind.run.ts, -3.3 KiB).
    // 2026-12-03 (branch aliases, 430.8 -> 433.4 KiB, ceiling 433 -> 434): service aliases, resolved in the ack
    // (src/config/aliases.ts: the lookup built once per config, chatops.yml's alias checks at load, the ambiguous
    // alias answer en + ko, aliases in the services hint) and a unit typed as its own word read by the grammar.
    // 2026-12-03 (session 14 merges, 436.4 -> 427.1 KiB, ceiling 434 -> 430): with aliases, authz2 (+1.8 KiB: the
    // request buttons bound to their card, the closed-window note), slack429 and the 'not confirmed' ending, the
    // status card and the milestones of a running change (and their texts) moved to src/deploy/card.ts, which only
    // the worker side imports (-9.3 KiB).
    // 2026-12-04 (session 22, 429.98 -> 430.28 KiB, ceiling 430 -> 431): a resize's request titled as a resize, not
    // a deploy (the card, the busy answer, the audit post), and /ecs freeze's refusal naming freezing, not approving.
    // 2026-12-04 (session 23, 430.32 -> 430.84 KiB, ceiling not raised): Korean particles that fit any value (a noun
    // between a command or a name and its particle; +0.18), an alert's exit code and failed health checks named in
    // the channel's language (catalog tokens, +0.2), the rollback --to hint naming the service's own commands.
    // 2026-12-04 (branch commits, 430.84 -> 431.44 KiB, ceiling 431 -> 432): a deploy request's commits line (the OCI
    // revision labels of the running and the new image, the compare link; en + ko) in checkLines, which the approve and
    // reject clicks re-render, and the plan's `checks.commits` in its schema.
    // 2026-12-04 (branch rbcommits, 431.44 -> 431.92 KiB, ceiling not raised): a rollback request's commits line (the
    // running commit, back to the target's, the link to what it undoes, or the commit now alone; en + ko) in commitsLine.
    // 2026-12-04 (session 24, -> 432.52 KiB, ceiling 432 -> 433): a change verb's reason typed without quotes answered
    // with the command written with them (change-args, parsed before the ack; +0.46), the dry run and Details without
    // the task count twice. The size ratio stays ~0.59x (its target is 0.6x).
    // 2026-12-04 (session 24, 432.83 -> 434.31 KiB, ceiling 433 -> 435): a lock by hand lets its holder's own changes
    // through (the request scripts' lock check, the change lock holding the manual one and giving it back, unlock of a
    // held lock: Lua the approve click's script carries; +1.5). The size ratio stays ~0.59x.
    // 2026-12-04 (session 25, 434.58 -> 435.01 KiB, ceiling 435 -> 436): /ecs lock and lock! while a holder's change
    // runs name and take over the lock it holds (lock-2.lua, steal-2.lua, answered in the ack). Still ~0.59x.
    // 2026-12-04 (session 25, 435.01 -> 436.23 KiB, ceiling 436 -> 437): the wrong-channel refusal naming the
    // channel's own environment and services (+0.5), a rollback from an alert carrying the alert's summary as its
    // reason (+0.4), and a request's commit list in checkLines (the stored lines, the "and N more" line, the plan
    // schema's two fields; the Git API itself is worker-only, src/deploy/git-api.ts; +0.3). Still ~0.59x.
    // 2026-12-05 (session 26, 436.77 -> 437.08 KiB, ceiling 437 -> 438): `--at 02:00` and `--at +30m` read before
    // the ack (change-args, with hints naming all the forms; +0.2), and the gateway's users.info time zone, which
    // the worker reads a local `--at` in when the environment has no change windows (the gateway is shared; +0.08).
    // Still ~0.59x.
    // 2026-12-05 (session 27, 437.16 -> 442.98 KiB, ceiling 438 -> 443): `--at tomorrow 02:00` (+0.4), and the new
    // verb `/ecs run <service> <task>`, parsed and answered before the ack like every verb: its command module
    // (usage, examples, the answers to a missing or unknown task, in en and ko; +2.9), `approvals.run` and the
    // `tasks` of a service, checked by hand in src/config/run-tasks.ts (+1.8: zod sub-schemas were 0.4 KiB less code
    // but ~28 KiB more heap at init, and "RSS after init" is the figure that is short), the Approve confirmation,
    // Request again and request title of a run (+0.5). Its plan, executor, tracker and texts are worker-only
    // (src/deploy/run-*.ts), as is the routing of the scheduled function's worker jobs (src/handlers/worker-jobs.ts).
    // The worker-only start refusals moved out of unstarted.ts (-0.5). dist/slack.js ~988 KB: 0.596x.
    src: 443,
  }),
});

/**
 * Throws when a bundle's code is not pure ASCII, naming where. esbuild escapes non-ASCII characters
 * in strings (charset 'ascii', its default) but leaves those of a regular expression literal as they
 * are, and one such character makes V8 keep the whole source as two-byte: measured 2026-12-03, one
 * Korean regular expression in dist/slack.js made RSS after init 1.01x the minimal Bolt app instead
 * of 0.998x (+800 KiB). Write such a regular expression with \uXXXX escapes.
 */
export function checkAsciiSource(code, file) {
  const at = code.findIndex((b) => b > 0x7f);
  if (at < 0) return;
  const text = code.toString('utf8', Math.max(0, at - 40), Math.min(code.length, at + 40));
  throw new Error(
    `${file} is not ASCII at byte ${at} (…${text}…): V8 would keep the whole bundle as two-byte source (+800 KiB RSS). ` +
      'Write the character with a \\uXXXX escape (esbuild leaves those of a regular expression literal as written).',
  );
}

/** Throws when dist/slack.js breaks SLACK_BUNDLE_BUDGET; returns the per-package table otherwise. */
export function checkSlackBundle(metafile, budget = SLACK_BUNDLE_BUDGET) {
  const by = bytesByPackage(metafile);
  const problems = [];
  for (const [pkg, bytes] of Object.entries(by)) {
    const kib = bytes / 1024;
    const ceiling = budget.allow[pkg];
    if (ceiling === undefined && kib > budget.unlisted)
      problems.push(`${pkg} adds ${kib.toFixed(1)} KiB (not on the allow-list, limit ${budget.unlisted} KiB)`);
    else if (ceiling !== undefined && kib > ceiling) problems.push(`${pkg} adds ${kib.toFixed(1)} KiB (allow-list ceiling ${ceiling} KiB)`);
  }
  if (problems.length) {
    throw new Error(
      `dist/slack.js is over its size budget (scripts/bundle-plugins.mjs SLACK_BUNDLE_BUDGET):\n  ${problems.join('\n  ')}\n` +
        `Find who imports it in dist/meta-slack.json; if it is really needed on the ack path, add it to the allow-list with the bench numbers.`,
    );
  }
  return by;
}
