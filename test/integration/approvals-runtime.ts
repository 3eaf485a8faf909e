/**
 * A Runtime for the approval store's integration tests: the real Redis (this jest worker's
 * database), the local Slack Web API server, a dispatcher that records the jobs it is given, an
 * injected clock, and the log lines captured as JSON. Not a test file itself.
 */
import type { Config } from '../../src/config/schema';
import { log as rootLog, setLogSink } from '../../src/log';
import type { RedisProfile } from '../../src/redis/client';
import { createSlackGateway } from '../../src/slack/gateway';
import type { Runtime, Job } from '../../src/runtime';
import { fixtureConfig } from '../helpers/config';
import { flushRedis, useWorkerDb } from '../helpers/redis';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { createRuntime } from '../../src/handlers/compose';
import { FakeClock } from '../helpers/clock';
import type { SubmitInput } from '../../src/approvals/workflow';

export const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);

export interface StoreHarness {
  rt: Runtime;
  slack: SlackServer;
  jobs: Job[];
  logs: Array<Record<string, unknown>>;
  clock: FakeClock;
  /** The next dispatch throws (the worker cannot be invoked). */
  failDispatch: { next: boolean };
  close(): Promise<void>;
}

export interface StoreHarnessOptions {
  config?: Config;
  redisUrl?: string;
  flush?: boolean;
  env?: Record<string, string>;
  /** User groups the local Slack API answers for (e.g. `fixtureGroups()`, test/helpers/config.ts). */
  groups?: Record<string, string[]>;
  /**
   * The runtime's profile (default 'edge': 1 s Redis command timeout, every Slack call one short
   * attempt). 'worker' for a test whose subject is not those bounds: a loaded machine stretches the
   * test's own event loop past them (tests of the bounds keep 'edge').
   */
  profile?: RedisProfile;
  /** Slack posts through the patient client (a loaded machine cannot trip it) while Redis keeps the profile's bounds. */
  patientSlack?: boolean;
}

export async function storeHarness(opts: StoreHarnessOptions = {}): Promise<StoreHarness> {
  const slack = await startSlackServer();
  for (const [id, members] of Object.entries(opts.groups ?? {})) slack.setUserGroup(id, members);
  if (opts.flush !== false) await flushRedis();
  const jobs: Job[] = [];
  const failDispatch = { next: false };
  const clock = new FakeClock(T0);
  const logs: Array<Record<string, unknown>> = [];
  const prev = setLogSink((line) => logs.push(JSON.parse(line)));
  const env: NodeJS.ProcessEnv = {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: opts.redisUrl ?? process.env.REDIS_URL!,
    ...opts.env,
  };
  const rt = createRuntime({
    env,
    config: opts.config ?? fixtureConfig(),
    profile: opts.profile ?? 'edge',
    ...(opts.patientSlack ? { slack: createSlackGateway(env.SLACK_BOT_TOKEN!, rootLog, env, false) } : {}),
    dispatcher: {
      async dispatch(job) {
        if (failDispatch.next) {
          failDispatch.next = false;
          const { BotError } = await import('../../src/errors');
          throw new BotError('INTERNAL', 'cannot hand off', {
            userMessage: 'I could not start the work for this command, so nothing was done.',
          });
        }
        jobs.push(job);
      },
    },
    now: clock.now,
  });
  return {
    rt,
    slack,
    jobs,
    logs,
    clock,
    failDispatch,
    async close() {
      setLogSink(prev);
      // A client that never connected (Redis down) keeps reconnecting: drop it instead of QUIT.
      if (rt.redis.status === 'ready') await rt.redis.quit().catch(() => rt.redis.disconnect());
      else {
        rt.redis.disconnect();
        // ioredis leaves the failed command's commandTimeout timer (1 s for the edge profile) running; let it lapse
        // so jest does not report an open handle.
        await new Promise((r) => setTimeout(r, 1_050));
      }
      await slack.close();
    },
  };
}

/**
 * The hooks of a suite whose every test gets a fresh store harness: this jest worker's database
 * (useWorkerDb) for the file, storeHarness(opts) before each test (so Redis emptied) and closed after
 * it. `opts` may be a function, called before each test. Call it at the top level of a file or a
 * describe; the returned object's fields read the running test's harness.
 */
export function useStoreHarness(opts: StoreHarnessOptions | (() => StoreHarnessOptions) = {}): StoreHarness {
  let current: StoreHarness | undefined;
  beforeAll(() => {
    useWorkerDb();
  });
  beforeEach(async () => {
    current = await storeHarness(typeof opts === 'function' ? opts() : opts);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const running = (): StoreHarness => {
    if (!current) throw new Error('useStoreHarness: the harness is only available inside a test (or its hooks)');
    return current;
  };
  return {
    get rt() {
      return running().rt;
    },
    get slack() {
      return running().slack;
    },
    get jobs() {
      return running().jobs;
    },
    get logs() {
      return running().logs;
    },
    get clock() {
      return running().clock;
    },
    get failDispatch() {
      return running().failDispatch;
    },
    close: () => running().close(),
  };
}

/** A deploy request as the slash command submits it (prod/web), with `over` on top. */
export function submitInput(over: Partial<SubmitInput> = {}): SubmitInput {
  return {
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: {
      verb: 'deploy',
      image: '123.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:' + 'a'.repeat(64),
      tag: 'v1.2.3',
      currentTaskDefinition: 'arn:aws:ecs:eu-west-1:222222222222:task-definition/web:41',
    },
    summary: 'Deploy `v1.2.3` to *web*',
    details: '- image: …:v1.2.2\n+ image: …@sha256:aaaa',
    requester: 'UDEV1',
    reason: 'hotfix for checkout',
    channel: 'CPROD',
    invocationId: `cmd-${Math.random().toString(36).slice(2)}`,
    ...over,
  };
}
