/**
 * The playground: `npm start` without Slack credentials. The same local server as production mode
 * (Bolt's HTTPReceiver, the same app, commands, approvals, Redis with its own redis-server), with
 * its two outside worlds on this machine:
 * - Slack is the local Slack (src/loopback/slack/): the bot reaches its Web API through
 *   SLACK_API_URL with a generated bot token, and a person acts on a web page whose gestures are
 *   delivered to the bot signed with a generated signing secret, exactly as Slack delivers them;
 * - AWS is the demo world on the loopback AWS endpoint (AWS_ENDPOINT_URL; src/playground/demo/),
 *   whose rollouts progress on a timer and whose ECS events go to the events handler (events.ts)
 *   as EventBridge would deliver them; or, when the SDK finds credentials and a chatops.yml
 *   exists, the real account, read-only unless --allow-changes.
 * Every start is a clean slate: the local Slack and the demo world live in memory, so the
 * playground's own redis-server keeps nothing either (no pending approval can point at a message
 * or a deployment that is gone).
 * Production mode (Slack credentials present) never loads this.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { startLocal, StartupError, type LocalServer } from './local-server';
import { configPath, loadConfigFile } from '../config/load';
import { configProblem } from '../config/startup';
import type { Config } from '../config/schema';
import { setLogSink } from '../log';
import { createPerson, installClientRoutes, type Person } from '../loopback/slack/person';
import { sendJson, sendText, startSlackServer, type SlackServer } from '../loopback/slack/server';
import type { EcsEventEnvelope } from '../loopback/aws/world';
import { awsCredentialsFound, readOnlyAwsClients, startAwsSide, type AwsMode, type AwsSide } from '../playground/aws';
import { LOCALES, type Locale } from '../i18n/locale';
import { DEMO_CHANNELS, DEMO_GROUPS, DEMO_USERS, demoConfig } from '../playground/demo/config';
import { simulate, simulations, type SimulationItem } from '../playground/demo/simulate';
import { peopleFor, type People } from '../playground/people';
import { loadShortcuts } from '../playground/shortcuts';
import { handler as eventsHandler } from './events';
import { demoCompare } from '../playground/demo/git';

/** Where the playground answers as the demo world's Git host (GitHub's API paths under it). */
const DEMO_GIT_PATH = '/_git/github';

/** `npm start` is the playground when no Slack credential is set (bot token, signing secret, app-level token). */
export function wantsPlayground(env: NodeJS.ProcessEnv): boolean {
  return !env.SLACK_BOT_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim() && !env.SLACK_APP_TOKEN?.trim();
}

export interface PlaygroundFlags {
  /** --demo: the demo world even when AWS credentials exist. */
  demo: boolean;
  /** --aws: the real account (needs chatops.yml). */
  aws: boolean;
  /** --allow-changes: deploy, scale, … may change the real account. */
  allowChanges: boolean;
  /**
   * --lang ko|en: the language everyone in the playground reads. Each person's Slack locale is set to
   * it (what only they see), and in the demo world the workspace's language too (`slack.language`);
   * a real account's chatops.yml keeps its own. Unset: the demo's English, the locale Slack answers by default.
   */
  lang?: Locale;
}

export function parseFlags(argv: readonly string[]): PlaygroundFlags {
  const known = new Set(['--demo', '--aws', '--allow-changes']);
  const rest: string[] = [];
  let lang: Locale | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a !== '--lang' && !a.startsWith('--lang=')) {
      rest.push(a);
      continue;
    }
    const value = a === '--lang' ? argv[++i] : a.slice('--lang='.length);
    if (!(LOCALES as readonly string[]).includes(value ?? ''))
      throw new StartupError(`--lang takes ${LOCALES.join(' or ')}${value ? ` (not ${value})` : ''}, e.g. npm start -- --lang ko.`);
    lang = value as Locale;
  }
  const unknown = rest.filter((a) => !known.has(a));
  if (unknown.length)
    throw new StartupError(`unknown option ${unknown.join(' ')}; the playground knows --demo, --aws, --allow-changes and --lang ko|en.`);
  if (rest.includes('--demo') && rest.includes('--aws')) throw new StartupError('--demo and --aws exclude each other.');
  return {
    demo: rest.includes('--demo'),
    aws: rest.includes('--aws'),
    allowChanges: rest.includes('--allow-changes'),
    ...(lang ? { lang } : {}),
  };
}

export interface PlaygroundOptions {
  env: NodeJS.ProcessEnv;
  argv?: readonly string[];
  /** Port of the page (and the local Slack); default PORT or 3000; 0 picks a free one. */
  port?: number;
  /** Where the built page is (dist/playground next to dist/local.js). */
  pageDir?: string;
  tickMs?: number;
  /** How often the demo world moves on (ms; default PLAYGROUND_STEP_MS or 2000). */
  stepMs?: number;
}

export interface Playground {
  /** The page. */
  url: string;
  /** The one line `npm start` prints. */
  line: string;
  aws: { mode: AwsMode; label: string };
  people: People;
  slack: SlackServer;
  local: LocalServer;
  person: Person;
  /** What the simulate menu offers now (demo world only; empty for a real account). */
  simulations(): SimulationItem[];
  /** Does a simulation to the demo world, then waits until the events handler has taken every event it caused. */
  simulate(id: string): Promise<{ ok: boolean; error?: string }>;
  /** Resolves when every ECS event emitted so far has been handled. */
  eventsIdle(): Promise<void>;
  stop(): Promise<void>;
}

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/playground.js': { file: 'playground.js', type: 'text/javascript; charset=utf-8' },
  '/playground.css': { file: 'playground.css', type: 'text/css; charset=utf-8' },
};

function chooseAws(env: NodeJS.ProcessEnv, flags: PlaygroundFlags): { mode: AwsMode; config: Config; why?: string } {
  const path = configPath(env);
  const wantReal = flags.aws || (!flags.demo && awsCredentialsFound(env));
  if (!wantReal) return { mode: 'demo', config: demoConfig() };
  if (!existsSync(path)) {
    if (flags.aws) throw new StartupError(`--aws needs a chatops.yml (not found at ${path}); copy chatops.example.yml and edit it.`);
    return { mode: 'demo', config: demoConfig(), why: `AWS credentials found but no ${path}` };
  }
  try {
    return { mode: 'real', config: loadConfigFile(path) };
  } catch (err) {
    throw new StartupError(configProblem(err, path));
  }
}

export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  const flags = parseFlags(opts.argv ?? []);
  const chosen = chooseAws(opts.env, flags);
  const { mode, why } = chosen;
  // --lang in the demo world: the workspace speaks it too (a real chatops.yml keeps its own language).
  const config =
    flags.lang && mode === 'demo' ? { ...chosen.config, slack: { ...chosen.config.slack, language: flags.lang } } : chosen.config;
  const people =
    mode === 'demo' ? peopleFor(config, { users: DEMO_USERS, groups: DEMO_GROUPS, channels: DEMO_CHANNELS }) : peopleFor(config);
  const signingSecret = randomBytes(16).toString('hex');
  const botToken = `xoxb-playground-${randomBytes(12).toString('hex')}`;
  const pageDir = opts.pageDir ?? join(__dirname, 'playground');
  const botUserId = config.slack.botUserId ?? 'U0PLAYBOT';
  const botId = config.slack.botId ?? 'B0PLAYBOT';

  const holder: { meta?: () => Record<string, unknown>; simulate?: Playground['simulate']; simulations?: Playground['simulations'] } = {};
  const routes = async (req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<boolean> => {
    const page = PAGE_FILES[url.pathname];
    if (req.method === 'GET' && page) {
      const file = join(pageDir, page.file);
      if (!existsSync(file)) sendText(res, 500, `The playground page is not built (${file} is missing): run npm run build.`);
      else {
        const body = readFileSync(file);
        res.writeHead(200, { 'Content-Type': page.type, 'Content-Length': String(body.length), 'Cache-Control': 'no-cache' });
        res.end(body);
      }
      return true;
    }
    // The demo world's Git host (GIT_TOKENS names it below): a request card lists the commits it brings.
    if (req.method === 'GET' && url.pathname.startsWith(DEMO_GIT_PATH) && mode === 'demo') {
      const answer = demoCompare(url.pathname.slice(DEMO_GIT_PATH.length));
      sendJson(res, answer.status, answer.body);
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/_playground/simulations' && holder.simulations) {
      sendJson(res, 200, { simulations: holder.simulations() });
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/_playground/simulate' && holder.simulate) {
      let id = '';
      try {
        id = String((JSON.parse(raw.toString('utf8') || '{}') as { id?: unknown }).id ?? '');
      } catch {
        // an empty id is answered below
      }
      sendJson(res, 200, await holder.simulate(id));
      return true;
    }
    return false;
  };

  const slack = await startSlackServer({
    workspace: {
      team: { id: 'T0PLAY', domain: 'playground', name: 'ecs-chatops playground' },
      bot: { user_id: botUserId, bot_id: botId, app_id: 'A0PLAYAPP', name: 'ECS ChatOps' },
      users: [...people.users, { id: botUserId, name: 'ecs-chatops', real_name: 'ECS ChatOps' }],
      channels: people.channels,
      groups: people.groups,
    },
    realTimestamps: true,
    strictChannels: true,
    port: opts.port ?? Number(opts.env.PORT || 3000),
    routes,
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new StartupError(`port ${opts.port ?? (opts.env.PORT || 3000)} is in use; set PORT to another one.`);
    throw err;
  });

  // --lang: every person's own Slack locale (users.info), as a workspace of that language would answer;
  // a Korean team's people are in Seoul (their time zone reads a local `--at`).
  if (flags.lang)
    for (const u of people.users) {
      slack.setUserLocale(u.id, flags.lang === 'ko' ? 'ko-KR' : 'en-US');
      if (flags.lang === 'ko') slack.setUserTimeZone(u.id, 'Asia/Seoul');
    }

  let aws: AwsSide | undefined;
  const saved = new Map<string, string | undefined>();
  const setProcessEnv = (vars: Record<string, string>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (!saved.has(k)) saved.set(k, process.env[k]);
      process.env[k] = v;
    }
  };
  const restoreProcessEnv = () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  let local: LocalServer;
  try {
    const stepMs = opts.stepMs ?? (Number(opts.env.PLAYGROUND_STEP_MS) || undefined);
    aws = await startAwsSide(mode, flags.allowChanges, { stepMs });
    // The AWS SDK and Bolt's own Slack client read process.env.
    setProcessEnv({ ...aws.env, SLACK_API_URL: slack.apiUrl });
    // The local Slack's response_urls are where the bot may answer (it refuses any other URL).
    const slackEnv = { SLACK_API_URL: slack.apiUrl, SLACK_RESPONSE_URL_BASE: `${slack.url}/response/` };
    // The demo's commits come from its own Git host (unless GIT_TOKENS is set already).
    const gitEnv =
      mode === 'demo' && !opts.env.GIT_TOKENS
        ? { GIT_TOKENS: JSON.stringify({ 'github.com': { token: '', api: slack.url + DEMO_GIT_PATH } }) }
        : {};
    local = await startLocal({
      env: { ...opts.env, ...aws.env, SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: signingSecret, ...slackEnv, ...gitEnv },
      port: 0,
      host: '127.0.0.1',
      redisPersist: false,
      config,
      tickMs: opts.tickMs,
    });
  } catch (err) {
    restoreProcessEnv();
    await aws?.stop();
    await slack.close();
    throw err;
  }
  if (mode === 'real' && !flags.allowChanges) local.rt.aws = readOnlyAwsClients(local.rt.aws, config.slack.language);

  const person = createPerson(slack.core, { requestUrl: `http://127.0.0.1:${local.port}/slack/events`, signingSecret, command: '/ecs' });
  // EventBridge: the demo world's ECS events go to the events handler, one after another, in the
  // order ECS sent them (EventBridge promises neither; the handler copes with both).
  const demo = aws.demo;
  let events: Promise<void> = Promise.resolve();
  const deliver = (event: EcsEventEnvelope) => {
    events = events.then(async () => {
      const out = await eventsHandler(event).catch((err: unknown) => ({ ok: false, failed: [(err as Error).message] }));
      if (!out.ok) local.rt.log.warn('playground: an ECS event was not fully handled', { detailType: event['detail-type'], ...out });
    });
  };
  const unsubscribe = demo?.onEvent(deliver);
  const eventsIdle = async () => {
    for (let tail = events; ; tail = events) {
      await tail;
      if (tail === events) return;
    }
  };
  holder.simulations = () => (demo ? simulations(demo) : []);
  holder.simulate = async (id) => {
    if (!demo) return { ok: false, error: 'the simulate menu needs the demo world' };
    const out = simulate(demo, id);
    await eventsIdle();
    return out;
  };
  const firstChannel = people.channels[0]?.id;
  const shortcuts = loadShortcuts([pageDir, process.cwd()]);
  holder.meta = () => ({
    aws: { mode, label: aws.label, ...(why ? { note: why } : {}) },
    app: { name: 'ECS ChatOps', command: '/ecs', botUserId },
    people: people.menu,
    defaultUser: people.menu.find((p) => p.kind === 'requester')?.id ?? people.menu[0]?.id,
    defaultChannel: firstChannel,
    simulations: holder.simulations!(),
    shortcuts,
  });
  installClientRoutes(slack.core, person, () => ({ playground: holder.meta!() }));

  const url = `http://127.0.0.1:${slack.port}/`;
  const redis = opts.env.REDIS_URL ? `Redis ${new URL(opts.env.REDIS_URL).host}` : 'Redis in memory, fresh each start';
  const line = `ecs-chatops playground: ${url} (Slack: local; AWS: ${aws.label}${why ? `, because ${why}` : ''}; ${redis})`;
  const awsSide = aws;
  return {
    url,
    line,
    aws: { mode, label: aws.label },
    people,
    slack,
    local,
    person,
    simulations: () => holder.simulations!(),
    simulate: (id) => holder.simulate!(id),
    eventsIdle,
    async stop() {
      unsubscribe?.();
      await eventsIdle();
      await local.stop();
      await awsSide.stop();
      await slack.close();
      restoreProcessEnv();
    },
  };
}

function relativeToCwd(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(cwd + '/') ? path.slice(cwd.length + 1) : path;
}

/* eslint-disable no-console -- the interactive entry point: one line for the person who ran npm start */
/** `npm start` in playground mode: start, print one line, log to a file, stop on Ctrl-C. */
export function runPlayground(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const logFile = resolve(env.PLAYGROUND_LOG || '.local/playground.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const logStream = createWriteStream(logFile, { flags: 'a' });
  setLogSink((line) => logStream.write(line + '\n'));
  startPlayground({ env, argv })
    .then((pg) => {
      console.log(`${pg.line}; log: ${relativeToCwd(logFile)}`);
      const stop = () => void pg.stop().finally(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(`ecs-chatops: ${err instanceof StartupError ? err.message : ((err as Error).stack ?? String(err))}`);
      process.exit(1);
    });
}
/* eslint-enable no-console */
