/**
 * End-to-end harness: the real Lambda handlers (src/handlers/*), the real Redis started by
 * jest's global setup, the local Slack Web API server over HTTP, and AWS stubbed with
 * aws-sdk-client-mock. The Slack function's hand-off (an async Lambda invocation, signed) goes to
 * the loopback AWS endpoint, which checks it like Lambda would (./hand-off.ts), and `drain()`
 * delivers the captured jobs to the worker handler.
 */
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import Redis from 'ioredis';
import { handler as slackHandler, resetSlackHandler } from '../../src/handlers/slack';
import { handler as workerHandler } from '../../src/handlers/worker';
import { handler as eventsHandler } from '../../src/handlers/events';
import { handler as scheduledHandler } from '../../src/handlers/scheduled';
import { loadConfigFile } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { setLogSink } from '../../src/log';
import { type Runtime } from '../../src/runtime';
import type { ChangeRequest } from '../../src/approvals/types';
import {
  blockActionsPayload,
  eventCallback,
  shortcutPayload,
  signedEventsApiEvent,
  signedActionEvent,
  signedSlashEvent,
  viewSubmissionPayload,
  type BlockActionsOptions,
  type EventOptions,
  type Json,
  type ShortcutOptions,
  type SlashFields,
  type ViewSubmissionOptions,
} from './signing';
import { handOffEnv, receiveHandOffs, refusedHandOffs, startTestAwsEndpoint } from './hand-off';
import { startSlackServer, type SlackServer, type StoredMessage } from './slack-server';
import { flushRedis, useWorkerDb } from './redis';
import { createRuntime, setRuntime } from '../../src/handlers/compose';
import { redisSlackPauses } from '../../src/redis/slack-pause';
import { lambdaDispatcher } from '../../src/aws/lambda';
import { createAsyncInvoker } from '../../src/aws/lambda-invoke';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';
import { FIXTURE_CONFIG } from './config';
import type { AwsEndpoint } from '../../src/loopback/aws/server';

export interface SlashResult {
  status: number;
  /** The parsed JSON ack body ('' when Bolt acked with no body). */
  body: { response_type?: string; text?: string; blocks?: Array<Record<string, unknown>> } | '';
  /** All block text of the ack, joined (for assertions). */
  text: string;
}

export interface E2E {
  slack: SlackServer;
  /** The local AWS endpoint the Slack function hands off to (Lambda's Invoke): stall or fail it here. */
  lambda: AwsEndpoint;
  rt: Runtime;
  config: Config;
  /** Jobs handed to the worker and not yet delivered. */
  pending: unknown[];
  /** Every job ever handed off. */
  handedOff: unknown[];
  /** Log lines written during the test (parsed JSON). */
  logs: Array<Record<string, unknown>>;
  slash(text: string, fields?: Partial<SlashFields>, opts?: EventOptions): Promise<SlashResult>;
  click(opts: BlockActionsOptions, eventOpts?: EventOptions): Promise<AwsResponse>;
  submitView(opts: ViewSubmissionOptions): Promise<AwsResponse>;
  /** A global shortcut (no channel, a trigger_id). */
  shortcut(opts: ShortcutOptions): Promise<AwsResponse>;
  /**
   * An Events API delivery of `event` (e.g. appHomeOpened('U1')); `opts.retryNum`: a redelivery after a
   * late answer; `opts.eventId`: the delivery's event_id (a redelivery carries its first delivery's; default: a new one).
   */
  slackEvent(event: Json, opts?: EventOptions & { eventId?: string }): Promise<AwsResponse>;
  /** Deliver every captured worker invocation (and those they cause) to the worker handler. */
  drain(): Promise<void>;
  /** Deliver the captured worker invocations all at once (as many Lambda environments would), then drain what they cause. */
  drainConcurrently(): Promise<void>;
  event(ecsEvent: unknown): Promise<unknown>;
  tick(): Promise<unknown>;
  /**
   * The worker, events and scheduled functions start again (a cold start) on the chatops.yml at
   * `configPath`, as after a deploy of a changed configuration; the Slack function keeps its own.
   * Returns the new worker runtime.
   */
  redeployWorker(configPath: string): Runtime;
  close(): Promise<void>;
}

function ackText(body: SlashResult['body']): string {
  if (!body) return '';
  const parts = [body.text ?? ''];
  for (const b of body.blocks ?? []) parts.push(JSON.stringify(b));
  return parts.join('\n');
}

export interface SetupOptions {
  configPath?: string;
  now?: () => number;
  /**
   * How the bot waits (rt.sleep). Default: not at all (the next turn of the event loop), so a test
   * never waits in real time; a test about spacing passes one that moves its clock (and may hold it).
   */
  sleep?: (ms: number) => Promise<void>;
  env?: Record<string, string>;
  /** User groups the local Slack API answers for (e.g. `fixtureGroups()`, ./config.ts). */
  groups?: Record<string, string[]>;
  /**
   * The Redis command timeout of the worker, events and scheduled functions' runtime (5 s on Lambda:
   * src/redis/client.ts redisOptions('worker')). A suite whose Redis leaves commands unanswered (the
   * fault proxy's silent or deaf) passes a short one (./redis-fault-proxy.ts WORKER_REDIS_BOUND_MS), so
   * a worker's command that gets no answer fails after it instead of 5 s; the Slack function keeps
   * its own bound (1 s). Single-node Redis only.
   */
  workerRedisCommandTimeoutMs?: number;
  /**
   * Scales the worker runtime's Redis reconnect back-off (on Lambda 100 ms more each attempt, up to
   * 2 s: src/redis/client.ts redisOptions('worker')), e.g. 0.1. A suite whose Redis is unreachable for
   * a while passes it, so that a worker's command fails after the same tries (maxRetriesPerRequest) in
   * a tenth of the time, and the client is back soon after Redis is. The Slack function's is kept.
   */
  workerRedisBackoffScale?: number;
}

/**
 * The worker runtime's Redis client with `opts`' command timeout and back-off (ioredis reads both
 * options when it uses them: at each command it sends, at each reconnect).
 */
function withWorkerRedisBounds(rt: Runtime, opts: SetupOptions): Runtime {
  const { workerRedisCommandTimeoutMs: ms, workerRedisBackoffScale: scale } = opts;
  if (ms === undefined && scale === undefined) return rt;
  if (!(rt.redis instanceof Redis))
    throw new Error('workerRedisCommandTimeoutMs, workerRedisBackoffScale: a single-node Redis client only');
  const options = rt.redis.options;
  if (ms !== undefined) options.commandTimeout = ms;
  const backoff = options.retryStrategy;
  if (scale !== undefined && backoff) {
    options.retryStrategy = (times) => {
      const delay = backoff(times);
      return typeof delay === 'number' ? Math.round(delay * scale) : delay;
    };
  }
  return rt;
}

export async function setupE2E(opts: SetupOptions = {}): Promise<E2E> {
  // Each jest worker gets its own Redis database, so flushing never disturbs another test file.
  useWorkerDb();
  const sleep = opts.sleep ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const slack = await startSlackServer();
  for (const [id, members] of Object.entries(opts.groups ?? {})) slack.setUserGroup(id, members);
  await flushRedis();
  const pending: unknown[] = [];
  const handedOff: unknown[] = [];
  const lambda = await startTestAwsEndpoint();
  receiveHandOffs(lambda, (job) => {
    pending.push(job);
    handedOff.push(job);
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    // The local Slack server's response_urls stand for https://hooks.slack.com/… here.
    SLACK_RESPONSE_URL_BASE: `${slack.url}/response/`,
    WORKER_FUNCTION: 'ecs-chatops-test-worker',
    CHATOPS_CONFIG: opts.configPath ?? FIXTURE_CONFIG,
    ...handOffEnv(lambda),
    ...opts.env,
  };
  // The hand-off signs with the environment's credentials, as on Lambda; runtimes a test builds
  // from process.env hand off to the same local endpoint.
  Object.assign(process.env, { SLACK_API_URL: slack.apiUrl, ...handOffEnv(lambda) });
  const config = loadConfigFile(env.CHATOPS_CONFIG);
  const logs: Array<Record<string, unknown>> = [];
  const prevSink = setLogSink((line) => logs.push(JSON.parse(line)));
  // As on Lambda: the Slack-facing function and the worker/events/scheduled functions each have
  // their own runtime (the edge one answers within Slack's ack, the worker one is patient).
  // The Slack function's own hand-off (signed Invoke to the loopback endpoint), with time bounds a
  // loaded test machine cannot trip; the production bounds are tested in test/unit/lambda-invoke.test.ts.
  const invoker = createAsyncInvoker({ env, connectTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
  const rt = createRuntime({
    env,
    config,
    profile: 'edge',
    now: opts.now,
    sleep,
    dispatcher: lambdaDispatcher(env.WORKER_FUNCTION!, invoker),
  });
  // As the worker, events and scheduled functions: their Slack clients share 429 pauses through Redis.
  const workerRt = withWorkerRedisBounds(
    createRuntime({ env, config, profile: 'worker', now: opts.now, sleep, slackPauses: redisSlackPauses }),
    opts,
  );
  const redeployed: Runtime[] = [];
  setRuntime(rt, 'edge');
  setRuntime(workerRt, 'worker');
  resetSlackHandler();

  async function invokeSlack(event: unknown): Promise<AwsResponse> {
    return slackHandler(event as never, {});
  }

  return {
    slack,
    lambda,
    rt,
    config,
    pending,
    handedOff,
    logs,
    async slash(text, fields = {}, eventOpts = {}) {
      const res = await invokeSlack(signedSlashEvent(SIGNING_SECRET, text, { response_url: slack.responseUrl(), ...fields }, eventOpts));
      let body: SlashResult['body'] = '';
      if (res.body) {
        try {
          body = JSON.parse(res.body);
        } catch {
          body = { text: res.body };
        }
      }
      return { status: res.statusCode, body, text: ackText(body) };
    },
    click(actionOpts, eventOpts = {}) {
      return invokeSlack(
        signedActionEvent(SIGNING_SECRET, blockActionsPayload({ response_url: slack.responseUrl(), ...actionOpts }), eventOpts),
      );
    },
    submitView(viewOpts) {
      return invokeSlack(signedActionEvent(SIGNING_SECRET, viewSubmissionPayload(viewOpts)));
    },
    shortcut(opts) {
      return invokeSlack(signedActionEvent(SIGNING_SECRET, shortcutPayload(opts)));
    },
    slackEvent(event, { eventId, ...eventOpts } = {}) {
      const delivery = { ...eventCallback(event), ...(eventId ? { event_id: eventId } : {}) };
      return invokeSlack(signedEventsApiEvent(SIGNING_SECRET, delivery, eventOpts));
    },
    async drain() {
      for (let guard = 0; pending.length && guard < 1000; guard++) {
        const job = pending.shift();
        await workerHandler(job);
      }
    },
    async drainConcurrently() {
      const batch = pending.splice(0);
      await Promise.all(batch.map((job) => workerHandler(job)));
      for (let guard = 0; pending.length && guard < 1000; guard++) await workerHandler(pending.shift());
    },
    event: (e) => eventsHandler(e),
    tick: () => scheduledHandler(),
    redeployWorker(configPath) {
      const next = withWorkerRedisBounds(
        createRuntime({
          env,
          config: loadConfigFile(configPath),
          profile: 'worker',
          now: opts.now,
          sleep,
          slackPauses: redisSlackPauses,
        }),
        opts,
      );
      redeployed.push(next);
      setRuntime(next, 'worker');
      return next;
    },
    async close() {
      const refused = refusedHandOffs(lambda);
      await lambda.close();
      setLogSink(prevSink);
      setRuntime(undefined);
      resetSlackHandler();
      await rt.redis.quit().catch(() => undefined);
      await workerRt.redis.quit().catch(() => undefined);
      for (const r of redeployed) await r.redis.quit().catch(() => undefined);
      await slack.close();
      if (refused.length) throw new Error(`the Lambda endpoint refused hand-offs: ${refused.join('; ')}`);
    },
  };
}

/** The running test's harness (see useE2E), which a test may start again on other options. */
export interface E2EHandle extends E2E {
  /** Closes the running test's harness and starts another with `opts` (e.g. on another chatops.yml). */
  restart(opts: SetupOptions): Promise<void>;
}

/**
 * The hooks of an end-to-end suite whose every test gets a fresh harness: setupE2E(opts()) before
 * each test, closed after it; `mocks` (aws-sdk-client-mock stubs) reset after each test and restored
 * after the file or describe this is called in. The returned object stands for the running test's
 * harness (reading it outside a test or its hooks throws).
 */
export function useE2E(opts: () => SetupOptions, mocks: ReadonlyArray<{ reset(): void; restore(): void }> = []): E2EHandle {
  let current: E2E | undefined;
  beforeEach(async () => {
    current = await setupE2E(opts());
  });
  afterEach(async () => {
    for (const m of mocks) m.reset();
    const closing = current;
    current = undefined;
    await closing?.close();
  });
  afterAll(() => {
    for (const m of mocks) m.restore();
  });
  const restart = async (next: SetupOptions): Promise<void> => {
    const closing = current;
    current = undefined;
    await closing?.close();
    current = await setupE2E(next);
  };
  return new Proxy({} as E2EHandle, {
    get(_, key) {
      if (key === 'restart') return restart;
      if (!current) throw new Error('useE2E: the harness is only available inside a test (or its hooks)');
      return Reflect.get(current, key);
    },
  });
}

/** The last answer posted through a response_url (an error naming the Slack calls made when there is none). */
/**
 * What a click on a button of the clicker's Home tab carries instead of a channel message (payload
 * fields for E2E.click's `payload`): a view container, no channel, message or response_url.
 */
export const HOME_TAB_CLICK = {
  container: { type: 'view', view_id: 'VHOME' },
  channel: undefined,
  message: undefined,
  response_url: undefined,
  view: { id: 'VHOME', type: 'home', hash: 'h', blocks: [], state: { values: {} } },
};

export function lastResponse(e2e: E2E): ReturnType<SlackServer['responses']>[number] {
  const body = e2e.slack.responses().at(-1);
  if (!body) throw new Error(`no response_url answer; calls: ${e2e.slack.calls.map((c) => c.method).join(', ')}`);
  return body;
}

/** The last response_url answer as one string to assert on: its blocks as JSON, then its text. */
export function lastAnswer(e2e: E2E): string {
  const body = lastResponse(e2e);
  return JSON.stringify(body.blocks ?? []) + '\n' + String(body.text);
}

/** The button `actionId` of a posted alert (its actions block); throws when it has none. */
export function alertButton(alert: StoredMessage, actionId: string): { action_id: string; value: string } {
  const actions = (alert.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }> | undefined)?.find(
    (b) => b.type === 'actions',
  );
  const b = actions?.elements?.find((e) => e.action_id === actionId);
  if (!b) throw new Error(`no button ${actionId}`);
  return b;
}

/** `user` clicks button `b` of an alert of prod/web (block `alert:prod:web`), in `channel` (the alert's own by default). */
export function clickAlertButton(
  e2e: E2E,
  alert: StoredMessage,
  b: { action_id: string; value: string },
  user = 'UDEV1',
  channel = alert.channel,
): Promise<AwsResponse> {
  return e2e.click({
    action_id: b.action_id,
    value: b.value,
    block_id: 'alert:prod:web',
    user_id: user,
    channel_id: channel,
    message_ts: alert.ts,
    message: { ts: alert.ts, blocks: alert.blocks },
  });
}

/**
 * `user` clicks `approval:<action>` on the request message of `req`; the answers that reached the
 * clicker through the click's own response_url (`replyId`), each as its text and then its blocks as JSON.
 */
export async function clickRequestButton(e2e: E2E, req: ChangeRequest, action: string, user: string, replyId: string): Promise<string[]> {
  const res = await e2e.click({
    action_id: `approval:${action}`,
    value: req.id,
    user_id: user,
    channel_id: req.channel,
    message_ts: req.messageTs,
    response_url: e2e.slack.responseUrl(replyId),
  });
  expect(res.statusCode).toBe(200);
  return e2e.slack.responses(replyId).map((a) => `${a.text}\n${JSON.stringify(a.blocks)}`);
}
