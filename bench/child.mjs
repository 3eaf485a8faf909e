// One benchmark sample in a fresh Node process (bench/run.mjs spawns it with the bench's
// environment: AWS_LAMBDA_FUNCTION_NAME set, so a handler does its own init while it is required,
// as during Lambda's INIT; Redis over TLS; the hand-off over HTTPS to the bench's Invoke endpoint).
//
//   node bench/child.mjs init <bundle>        require + init; RSS; then a signed `/ecs help`
//   node bench/child.mjs handoff <bundle>     require + init; then a signed `/ecs status web` (Redis claim + hand-off)
//   node bench/child.mjs inflight <bundle>    (forked, IPC) warm up, then on each {round} message answer 50
//                                             signed `/ecs status web` in flight and report each one's time;
//                                             on {parts} (the floor's bundle) time its Redis script and its
//                                             signed hand-off alone, 50 in flight each
//   node bench/child.mjs world <world.js> <bundles dir>        the scripted workload (bench/fixtures/world.ts)
//   node bench/child.mjs e2e <world.js> <bundles dir>          one cold end-to-end sample
//   node bench/child.mjs tour <world.js> <bundles dir>         every verb through the built Slack function (test/bundle)
//   node bench/child.mjs transitions <transitions.js> <n>      Redis round trips per approval transition
//   node bench/child.mjs transitions-cluster <transitions.js> <n>   the same on a Redis Cluster it starts (3 primaries)
//
// Every mode prints one JSON line last on stdout.
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [mode, bundle, arg] = process.argv.slice(2);
const secret = process.env.SLACK_SIGNING_SECRET;
const since = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const done = (out) => {
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
};

/** A slash command as API Gateway (HTTP API, payload 2.0) hands it to the function, signed like Slack signs it. */
function slashEvent(text, user = 'UDEV1') {
  const body = new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    team_domain: 'bench',
    channel_id: 'CPROD',
    channel_name: 'prod',
    user_id: user,
    user_name: 'bench',
    command: '/ecs',
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: 'https://127.0.0.1:9/response',
    trigger_id: `${Date.now()}.${randomBytes(8).toString('hex')}`,
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

async function answer(handler, text, user) {
  const t = process.hrtime.bigint();
  const res = await handler(slashEvent(text, user), {});
  const ms = since(t);
  if (res.statusCode !== 200) throw new Error(`handler answered ${res.statusCode}: ${res.body}`);
  return { ms, body: String(res.body ?? '') };
}

if (mode === 'init' || mode === 'handoff') {
  const t0 = process.hrtime.bigint();
  const { handler } = require(bundle);
  const initMs = since(t0);
  const { rss, heapUsed } = process.memoryUsage();
  // One person per fresh process: 42 cold samples by one person within a minute would meet the
  // per-person rate limit (limits.commandsPerUserPerMinute) and time refusals, not hand-offs.
  const first = await answer(handler, mode === 'init' ? 'help' : 'status web', `UCOLD${process.pid}`);
  // Ours answers help inline and status with "Working on…"; anything else is an error reply.
  if (mode === 'handoff' && /could not|can't|cannot/i.test(first.body)) throw new Error(`the hand-off failed: ${first.body.slice(0, 300)}`);
  done({ initMs, firstMs: first.ms, rss, heapUsed });
} else if (mode === 'inflight') {
  const { handler, parts } = require(bundle);
  const n = Number(arg || 50);
  // 50 people at once (one person sending 50 a minute is refused by the per-person rate limit, which
  // would measure refusals, not hand-offs): a fresh user id per command.
  let people = 0;
  /** Each command's time, and how many did not hand off (refused, or the hand-off failed: an overloaded machine). */
  // The round's CPU (this process, user + system) per command: with all 50 on one thread the p99 is
  // about the CPU of a round, so this shows what each command costs where the latency comes from.
  const round = async () => {
    const cpu = process.cpuUsage();
    const answers = await Promise.all(Array.from({ length: n }, () => answer(handler, 'status web', `UBENCH${process.pid}X${++people}`)));
    const used = process.cpuUsage(cpu);
    return {
      latencies: answers.map((a) => a.ms),
      failed: answers.filter((a) => /could not|can't|cannot|slow down/i.test(a.body)).length,
      cpuMsPerCommand: (used.user + used.system) / 1000 / n,
    };
  };
  // Warm: connections open (Redis TLS, HTTPS keep-alive), code compiled. BENCH_WARM_ROUNDS (default 1)
  // more warm-up rounds show how the figure moves as the JIT settles; the targets are for 1.
  await answer(handler, 'status web');
  for (let w = 0; w < Math.max(1, Number(process.env.BENCH_WARM_ROUNDS || 1)); w++) await round();
  // BENCH_CPU_PROF=<dir>: a CPU profile of the measured rounds only (after the warm-up).
  let profiler;
  if (process.env.BENCH_CPU_PROF) {
    const { Session } = await import('node:inspector/promises');
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  // The floor's parts alone (its bundle exports them): each part's CPU per command with n in flight,
  // the same way a round measures it, after one warm-up round of each.
  let partCalls = 0;
  const partRound = async (f) => {
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: n }, () => f(++partCalls)));
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1000 / n;
  };
  if (parts) for (const f of Object.values(parts)) await partRound(f);
  process.on('message', async (msg) => {
    if (msg === 'parts') {
      const out = {};
      for (const [name, f] of Object.entries(parts ?? {})) out[name] = await partRound(f);
      return process.send({ parts: out });
    }
    if (msg === 'exit') {
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        const { writeFileSync } = await import('node:fs');
        writeFileSync(`${process.env.BENCH_CPU_PROF}/inflight-${process.pid}.cpuprofile`, JSON.stringify(profile));
      }
      return process.exit(0);
    }
    process.send(await round());
  });
  process.send({ ready: true });
} else if (mode === 'world' || mode === 'e2e' || mode === 'tour') {
  const world = require(bundle);
  const opts = {
    dist: arg,
    certFile: process.env.BENCH_CERT_FILE,
    keyFile: process.env.BENCH_KEY_FILE,
    redisPlainUrl: process.env.BENCH_REDIS_PLAIN_URL,
  };
  done(await (mode === 'world' ? world.runWorkload(opts) : mode === 'e2e' ? world.e2eSample(opts) : world.runEdgeTour(opts)));
} else if (mode === 'transitions' || mode === 'transitions-cluster') {
  const { runTransitions } = require(bundle);
  done(
    await runTransitions({
      redisUrl: process.env.BENCH_REDIS_PLAIN_URL,
      configPath: process.env.CHATOPS_CONFIG,
      samples: Number(arg),
      cluster: mode === 'transitions-cluster',
    }),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
