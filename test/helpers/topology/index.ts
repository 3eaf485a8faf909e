/**
 * The deployed topology on loopback, for end-to-end tests:
 *
 *   - the four BUILT bundles (./artifacts.ts), each a function of its own (its own Node process
 *     via src/loopback/lambda) with the configuration the packaged CloudFormation template gives
 *     it (handler, environment with the SSM references resolved, timeout, memory, async
 *     retries), an artifact laid out as its zip is (dist/<fn>.js + chatops.yml), and its own
 *     credentials, so every AWS call is attributable;
 *   - one loopback AWS endpoint (src/loopback/aws) that each function reaches only through the
 *     SDK's endpoint variables (AWS_ENDPOINT_URL_<SERVICE>): the fake world answers ECS, ECR,
 *     Logs, Cost Explorer and Application Auto Scaling; Lambda's Invoke hands jobs between the
 *     functions; every call is checked against the caller's role policy from the template
 *     (AccessDeniedException when it does not allow the action on the resource);
 *   - EventBridge as the template's rules say: the world's ECS events go to the functions whose
 *     rule patterns match, and tick() sends the schedule rule's event;
 *   - the local Slack Web API server over HTTP, requests signed as Slack signs them, and the
 *     real redis-server of the jest run (this worker's database).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AwsFault } from '../../../src/loopback/aws/fault';
import { authorizationsFor, evaluate, type Authorization } from '../../../src/loopback/aws/iam';
import { matchesEventPattern, scheduledEvent } from '../../../src/loopback/aws/eventbridge';
import { startAwsEndpoint, type AwsCall, type AwsEndpoint } from '../../../src/loopback/aws/server';
import { AwsWorld } from '../../../src/loopback/aws/world';
import { LambdaFunctions, type Invocation } from '../../../src/loopback/lambda/functions';
import { flushRedis, useWorkerDb } from '../redis';
import {
  blockActionsPayload,
  signedActionEvent,
  signedSlashEvent,
  viewSubmissionPayload,
  type BlockActionsOptions,
  type EventOptions,
  type SlashFields,
  type ViewSubmissionOptions,
} from '../signing';
import { startSlackServer, type SlackServer } from '../slack-server';
import { ACCOUNT, GIT_TOKENS_PARAM, REGION, SECRETS_KEY, STAGE, ensureArtifacts, type Artifacts } from './artifacts';
import { Stack, type FunctionDef, type QueueDef, type RuleDef } from './cfn';
import { deployTargetRole, trusts, type TargetRole } from './target-role';
import { targetRoleParameters as scopedTargetRole } from '../iam';
import { waitFor } from '../wait';
import { seedWorld } from './seed';

export { ACCOUNT, GIT_TOKENS_PARAM, PASS_ROLES, REGION, SECRETS_KEY, STAGE } from './artifacts';

export const SIGNING_SECRET = 'topology-signing-secret';
export const BOT_TOKEN = 'xoxb-topology-token';
export const STACK_NAME = `ecs-chatops-${STAGE}`;
/** A job signing key of the topology (SSM parameter job-signing-key). */
export const JOB_KEY = 'topology-job-signing-key-0123456789abcdef0123456789abcdef';

/**
 * GIT_TOKENS of the topology: a host no image label names (no flow asks a Git host), so the worker reads,
 * validates and scrubs it, and asks nothing.
 */
export const GIT_TOKEN = 'topology-git-token-0123';
export const GIT_TOKENS = JSON.stringify({ 'gitlab.invalid': GIT_TOKEN });

/** The SSM parameters the stack's functions read their secrets from (serverless.yml's *_PARAM variables). */
export function secretParameters(redisUrl: string): Record<string, string> {
  return {
    [`/ecs-chatops/${STAGE}/slack-bot-token`]: BOT_TOKEN,
    [`/ecs-chatops/${STAGE}/slack-signing-secret`]: SIGNING_SECRET,
    [`/ecs-chatops/${STAGE}/redis-url`]: redisUrl,
    [`/ecs-chatops/${STAGE}/job-signing-key`]: JOB_KEY,
    [GIT_TOKENS_PARAM]: GIT_TOKENS,
  };
}
export const TOPOLOGY_CONFIG = path.join(__dirname, '../../fixtures/chatops.topology.yml');

/** The functions by their short name (the part after `ecs-chatops-test-`). */
export type FunctionKey = 'slack' | 'worker' | 'events' | 'scheduled';

export interface SlackAnswer {
  status: number;
  /** The parsed JSON body of the ack ('' when empty). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Slack bodies are read loosely in assertions
  body: any;
  /** The ack's text and blocks, joined. */
  text: string;
  /** The invocation failed (the handler threw): its error. */
  error?: string;
}

/** A call Lambda makes with a function's role: a log write (CreateLogStream, PutLogEvents), an SQS destination or event source call. */
export interface PlatformCall {
  fn: FunctionKey;
  auth: Authorization;
}

export interface Topology {
  artifacts: Artifacts;
  stack: Stack;
  functions: Record<FunctionKey, FunctionDef>;
  rules: RuleDef[];
  aws: AwsEndpoint;
  world: AwsWorld;
  lambda: LambdaFunctions;
  slack: SlackServer;
  /** The function that signed with this access key (with its own credentials, or a role session it assumed). */
  functionOf(accessKeyId: string | undefined): FunctionKey | undefined;
  /** The role chatops.yml's `roleArn` names, as cloudformation/target-account-role.yml creates it (see TARGET_ROLE_PARAMETERS). */
  targetRole: TargetRole;
  /** AWS calls a function made (with its own credentials or a role session it assumed). */
  callsOf(fn: FunctionKey): AwsCall[];
  /** What Lambda did for the functions with their roles: log writes (CreateLogStream, PutLogEvents), SQS destinations and event sources. */
  platformCalls: PlatformCall[];
  /** The stack's SQS queues. */
  queues: QueueDef[];
  /** Calls IAM refused (AccessDeniedException; STS says AccessDenied). */
  denied(): AwsCall[];
  slash(text: string, fields?: Partial<SlashFields>, opts?: EventOptions): Promise<SlackAnswer>;
  click(opts: BlockActionsOptions, eventOpts?: EventOptions): Promise<SlackAnswer>;
  submitView(opts: ViewSubmissionOptions): Promise<SlackAnswer>;
  /** The schedule rule fires (the scheduled function's event, asynchronously): its invocations. */
  tick(): Invocation[];
  /** Resolves when the invocation has ended (other functions may still be busy). */
  ended(inv: Invocation): Promise<Invocation>;
  /** While true, EventBridge loses the world's ECS events (delivery is best effort). */
  dropEvents(drop: boolean): void;
  /** An event on the bus from another source (ECR's push and scan events): every matching rule's targets get it. */
  putEvent(event: Record<string, unknown>): void;
  /** Runs every queued invocation and what it causes. */
  settle(): Promise<void>;
  /** Every invocation of a function. */
  invocations(fn: FunctionKey): Invocation[];
  /** Invocations that ended in an error (with the function's last log lines), except failures a test injected (crashNext). */
  failures(): string[];
  /** The JSON log lines a function wrote (parsed; START/END lines skipped). */
  logLines(fn: FunctionKey): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TopologyOptions {
  /** chatops.yml packaged with every function (default test/fixtures/chatops.topology.yml). */
  config?: string;
  /** Seeds the fake AWS world before the functions start (its clock then reads a day ago). */
  seed?: (world: AwsWorld) => void;
  /** Freeze functions between invocations (default true, as Lambda does). */
  freeze?: boolean;
}

/**
 * The parameters the target role of the packaged chatops.yml (staging's roleArn in
 * test/fixtures/chatops.topology.yml) is deployed with, as docs/deployment.md says to: what
 * `npm run target-role -- <environment>` prints (its cluster, services, deployments, revisions,
 * repositories, log groups, task roles and ExternalId), plus this stack's worker, events and scheduled
 * roles to trust. The role lives in the same account (the loopback has one).
 */
function targetRoleParameters(functions: Record<FunctionKey, FunctionDef>, config: string): Record<string, string> {
  const doc = parseYaml(readFileSync(config, 'utf8')) as { environments?: Record<string, { roleArn?: string }> };
  const behindRole = Object.entries(doc.environments ?? {}).filter(([, env]) => env?.roleArn);
  if (behindRole.length > 1) throw new Error(`${config}: the topology deploys one target role; ${behindRole.length} environments name one`);
  return {
    BotWorkerRoleArn: functions.worker.roleArn,
    BotEventsRoleArn: functions.events.roleArn,
    BotScheduledRoleArn: functions.scheduled.roleArn,
    ...(behindRole[0] ? scopedTargetRole(doc, behindRole[0][0], config) : {}),
  };
}

/** The literal files under dist/ (other than the bundle and its map) that serverless.yml packages with function `fn`. */
function packagedUnderDist(fn: string): string[] {
  const doc = parseYaml(readFileSync(path.join(__dirname, '../../../serverless.yml'), 'utf8')) as {
    functions?: Record<string, { package?: { patterns?: string[] } }>;
  };
  return (doc.functions?.[fn]?.package?.patterns ?? [])
    .filter((p) => p.startsWith('dist/') && !/[*?[\]{}!]/.test(p) && !/\.js(\.map)?$/.test(p))
    .map((p) => p.slice('dist/'.length));
}

const shortName = (name: string): FunctionKey => name.replace(`${STACK_NAME}-`, '') as FunctionKey;

function accessKeyFor(fn: FunctionKey): string {
  return `ASIA${fn.toUpperCase().padEnd(9, 'X')}${randomBytes(4).toString('hex').toUpperCase()}`.slice(0, 20);
}

function answer(result: Invocation['result']): SlackAnswer {
  if (!result) return { status: 0, body: '', text: '', error: 'no result' };
  if (!result.ok) return { status: 502, body: '', text: '', error: `${result.error.errorType}: ${result.error.errorMessage}` };
  const res = result.value as { statusCode?: number; body?: string };
  let body: SlackAnswer['body'] = '';
  if (res?.body) {
    try {
      body = JSON.parse(res.body);
    } catch {
      body = { text: res.body };
    }
  }
  const text = body ? [body.text ?? '', ...((body.blocks ?? []) as unknown[]).map((b) => JSON.stringify(b))].join('\n') : '';
  return { status: res?.statusCode ?? 0, body, text };
}

export async function startTopology(opts: TopologyOptions = {}): Promise<Topology> {
  const artifacts = await ensureArtifacts();
  const redisUrl = useWorkerDb();
  await flushRedis();
  const stack = new Stack({
    template: artifacts.template,
    region: REGION,
    account: ACCOUNT,
    stackName: STACK_NAME,
  });
  const defs = stack.functions();
  const functions = Object.fromEntries(defs.map((d) => [shortName(d.name), d])) as Record<FunctionKey, FunctionDef>;
  for (const k of ['slack', 'worker', 'events', 'scheduled'] as const) {
    if (!functions[k])
      throw new Error(`the packaged template has no function ${STACK_NAME}-${k} (functions: ${defs.map((d) => d.name).join(', ')})`);
  }
  const rules = stack.rules();

  const keys = new Map<string, { fn: FunctionKey; secret: string; def: FunctionDef; sessionToken: string }>();
  const keyOfFn = {} as Record<FunctionKey, string>;
  for (const [k, def] of Object.entries(functions) as Array<[FunctionKey, FunctionDef]>) {
    const id = accessKeyFor(k);
    keys.set(id, { fn: k, def, secret: randomBytes(20).toString('base64'), sessionToken: randomBytes(32).toString('base64') });
    keyOfFn[k] = id;
  }

  // The world's clock: seeding happens "a day ago" (the history it writes is a day old), then it runs in real time.
  let worldOffset = -24 * 3600_000;
  const world = new AwsWorld({ region: REGION, account: ACCOUNT, now: () => Date.now() + worldOffset });
  opts.seed?.(world);
  worldOffset = 0;
  // The secrets, as SecureString parameters under the stack's own key: the functions read them at cold start.
  for (const [name, value] of Object.entries(secretParameters(redisUrl))) world.ssm.put(name, value, { keyId: SECRETS_KEY });
  const slack = await startSlackServer();
  const config = opts.config ?? TOPOLOGY_CONFIG;
  const targetRole = deployTargetRole({ account: ACCOUNT, region: REGION, parameters: targetRoleParameters(functions, config) });
  const aws = await startAwsEndpoint({
    credentials: (id) => keys.get(id)?.secret ?? world.sts.session(id)?.secretAccessKey,
    authorize(call) {
      const session = world.sts.session(call.accessKeyId);
      if (session) return authorizeSession(call, session.roleArn, session.sessionName);
      const who = keys.get(call.accessKeyId ?? '');
      if (!who) throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.');
      let auths: Authorization[];
      try {
        auths = authorizationsFor(call, ACCOUNT, world.iamLookup());
      } catch (err) {
        // A call the IAM table does not know yet: refused loudly (t.denied() shows it), never let through unchecked.
        throw new AwsFault(
          'AccessDeniedException',
          `loopback IAM cannot evaluate this call: ${(err as Error).message}`,
          call.service === 'lambda' ? 403 : 400,
        );
      }
      for (const auth of auths) {
        if (!evaluate(who.def.statements, auth).allowed) throw denial(call, `${who.def.roleName}/${who.def.name}`, auth, 'identity-based');
        // AssumeRole of the target role is also asked of its trust policy.
        if (call.service === 'sts' && auth.resource === targetRole.roleArn && !trusts(targetRole, who.def.roleArn, auth))
          throw denial(call, `${who.def.roleName}/${who.def.name}`, auth, 'resource-based');
      }
    },
  });

  /** A call signed with a session of the target role: what the role's policy allows. */
  function authorizeSession(call: AwsCall, roleArn: string, sessionName: string): void {
    if (roleArn !== targetRole.roleArn) throw new AwsFault('AccessDeniedException', `no such role in the topology: ${roleArn}`);
    let auths: Authorization[];
    try {
      auths = authorizationsFor(call, ACCOUNT, world.iamLookup());
    } catch (err) {
      throw new AwsFault('AccessDeniedException', `loopback IAM cannot evaluate this call: ${(err as Error).message}`);
    }
    for (const auth of auths) {
      if (!evaluate(targetRole.statements, auth).allowed)
        throw denial(call, `${roleArn.split('/').pop()}/${sessionName}`, auth, 'identity-based');
    }
  }

  function denial(call: AwsCall, who: string, auth: Authorization, kind: string): AwsFault {
    const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${who} is not authorized to perform: ${auth.action} on resource: ${auth.resource} because no ${kind} policy allows the ${auth.action} action`;
    if (call.service === 'sts') return new AwsFault('AccessDenied', message, 403);
    return new AwsFault('AccessDeniedException', message, call.service === 'lambda' ? 403 : 400);
  }
  world.install(aws);

  const taskRoots = mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-topology-'));
  const platformCalls: PlatformCall[] = [];
  const streamsSeen = new Set<string>();
  const byName = new Map(Object.entries(functions).map(([k, d]) => [d.name, k as FunctionKey]));
  const lambda = new LambdaFunctions({
    // Lambda's own SQS calls for a function (its on-failure destination, its event source) use the function's role.
    authorizePlatform(fnName, action, resource) {
      const fn = byName.get(fnName);
      if (!fn) return false;
      const auth = { action, resource };
      platformCalls.push({ fn, auth });
      return evaluate(functions[fn].statements, auth).allowed;
    },
    hostScript: artifacts.hostScript,
    region: REGION,
    account: ACCOUNT,
    freeze: opts.freeze ?? true,
    // Only the SDK's own endpoint variables point the functions at the loopback AWS; Slack through SLACK_API_URL.
    env: {
      ...aws.env(['ecs', 'ecr', 'logs', 'ce', 'application-autoscaling', 'monitoring', 'sts', 'lambda', 'ssm']),
      SLACK_API_URL: slack.apiUrl,
      SLACK_RESPONSE_URL_BASE: `${slack.url}/response/`,
    },
    onOutput(fnName) {
      // Lambda writes what a function prints to its log group, with the function's role.
      if (streamsSeen.has(fnName)) return;
      streamsSeen.add(fnName);
      const fn = shortName(fnName);
      const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${fnName}:log-stream:loopback/[$LATEST]${fn}`;
      platformCalls.push({ fn, auth: { action: 'logs:CreateLogStream', resource: stream } });
      platformCalls.push({ fn, auth: { action: 'logs:PutLogEvents', resource: stream } });
    },
  });
  aws.handle('lambda', 'Invoke', lambda.invokeHandler());

  for (const [k, def] of Object.entries(functions) as Array<[FunctionKey, FunctionDef]>) {
    // The artifact as osls packages it: dist/<fn>.js and its map, and chatops.yml at the root.
    const root = path.join(taskRoots, k);
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    const file = def.handler.slice(0, def.handler.lastIndexOf('.'));
    for (const ext of ['.js', '.js.map']) {
      const src = path.join(artifacts.dist, `${path.basename(file)}${ext}`);
      if (existsSync(src)) copyFileSync(src, path.join(root, `${file}${ext}`));
    }
    // And whatever else serverless.yml packages with it under dist/ (the worker's chart renderer assets).
    for (const extra of packagedUnderDist(k)) {
      mkdirSync(path.dirname(path.join(root, 'dist', extra)), { recursive: true });
      copyFileSync(path.join(artifacts.dist, extra), path.join(root, 'dist', extra));
    }
    copyFileSync(config, path.join(root, 'chatops.yml'));
    const key = keyOfFn[k];
    const who = keys.get(key)!;
    lambda.add({
      name: def.name,
      handler: def.handler,
      taskRoot: root,
      env: def.env,
      credentials: { accessKeyId: key, secretAccessKey: who.secret, sessionToken: who.sessionToken },
      timeoutSeconds: def.timeoutSeconds,
      memoryMb: def.memoryMb,
      maximumRetryAttempts: def.maximumRetryAttempts,
      ...(def.onFailure ? { onFailure: def.onFailure } : {}),
    });
  }
  // SQS: the stack's queues, and the event source mappings that feed them to functions.
  const queues = stack.queues();
  for (const q of queues) lambda.addQueue(q.arn);
  for (const m of stack.eventSourceMappings()) {
    if (m.enabled)
      lambda.addEventSourceMapping({
        queueArn: m.queueArn,
        functionName: m.functionName,
        batchSize: m.batchSize,
        reportBatchItemFailures: m.reportBatchItemFailures,
      });
  }

  // EventBridge: the world's ECS events reach the targets of every rule whose pattern matches.
  let dropping = false;
  const unsubscribe = world.ecs.onEvent((event) => {
    if (dropping) return;
    for (const rule of rules) {
      if (rule.pattern && matchesEventPattern(rule.pattern, event as unknown as Record<string, unknown>)) {
        for (const target of rule.targets) lambda.invokeAsync(target, event);
      }
    }
  });
  const schedule = rules.find((r) => r.schedule);
  if (!schedule) throw new Error('the packaged template has no schedule rule');

  await lambda.warm();

  const t: Topology = {
    artifacts,
    stack,
    functions,
    rules,
    aws,
    world,
    lambda,
    slack,
    functionOf: (id) => keys.get(id ?? '')?.fn ?? keys.get(world.sts.session(id)?.assumedBy ?? '')?.fn,
    targetRole,
    // With its own key or a role session it assumed.
    callsOf: (fn) => aws.calls.filter((c) => t.functionOf(c.accessKeyId) === fn),
    platformCalls,
    queues,
    denied: () => aws.calls.filter((c) => c.errorCode === 'AccessDeniedException' || c.errorCode === 'AccessDenied'),
    async slash(text, fields = {}, eventOpts = {}) {
      const event = signedSlashEvent(SIGNING_SECRET, text, { response_url: slack.responseUrl(), ...fields }, eventOpts);
      return answer(await lambda.invoke(functions.slack.name, event));
    },
    async click(actionOpts, eventOpts = {}) {
      const event = signedActionEvent(SIGNING_SECRET, blockActionsPayload({ response_url: slack.responseUrl(), ...actionOpts }), eventOpts);
      return answer(await lambda.invoke(functions.slack.name, event));
    },
    async submitView(viewOpts) {
      return answer(await lambda.invoke(functions.slack.name, signedActionEvent(SIGNING_SECRET, viewSubmissionPayload(viewOpts))));
    },
    tick() {
      return schedule.targets.map((target) =>
        lambda.invokeAsync(target, scheduledEvent({ account: ACCOUNT, region: REGION, ruleArn: schedule.arn })),
      );
    },
    ended: (inv) => waitFor(() => (inv.result ? inv : undefined), `invocation ${inv.requestId} of ${inv.fn} to end`),
    dropEvents(drop) {
      dropping = drop;
    },
    putEvent(event) {
      for (const rule of rules) {
        if (rule.pattern && matchesEventPattern(rule.pattern, event)) for (const target of rule.targets) lambda.invokeAsync(target, event);
      }
    },
    settle: () => lambda.idle(),
    invocations: (fn) => lambda.invocations.filter((i) => i.fn === functions[fn].name),
    failures: () =>
      lambda.invocations
        .filter((i) => i.result && !i.result.ok && !i.injected)
        .map((i) => {
          const err = i.result && !i.result.ok ? i.result.error : undefined;
          return `${shortName(i.fn)} (${i.type}, attempt ${i.attempt}): ${err?.errorType}: ${err?.errorMessage}\n  last lines: ${lambda.logs(i.fn).slice(-5).join('\n  ')}`;
        }),
    logLines(fn) {
      return lambda
        .logs(functions[fn].name)
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return { raw: l };
          }
        });
    },
    async close() {
      unsubscribe();
      await lambda.close();
      await aws.close();
      await slack.close();
      rmSync(taskRoots, { recursive: true, force: true });
    },
  };
  return t;
}

export { waitFor };

export interface SeededTopologyOptions {
  /**
   * What every test of the file must leave behind, checked after each: 'no failures', no invocation
   * ended in an error (failures()); 'no failures or denials', that and no call refused by IAM (denied(),
   * listed as `<function> <service>:<action>: <message>`). Default: nothing is checked.
   */
  afterEach?: 'no failures' | 'no failures or denials';
}

/**
 * The hooks the topology suites share: the topology seeded with seedWorld, started before the file's
 * tests (240 s: the first file of a run builds the artifacts) and closed after them, and the checks of
 * `opts.afterEach`. Call it once at the top level of a test file; the object it returns stands for the
 * running topology (reading it before beforeAll has started it throws).
 */
export function useSeededTopology(opts: SeededTopologyOptions = {}): Topology {
  let started: Topology | undefined;
  beforeAll(async () => {
    started = await startTopology({ seed: seedWorld });
  }, 240_000);
  afterAll(() => started?.close());
  const t = new Proxy({} as Topology, {
    get(_, key) {
      if (!started) throw new Error(`useSeededTopology: the topology is only available inside a test (or its hooks)`);
      return Reflect.get(started, key);
    },
  });
  if (opts.afterEach)
    afterEach(() => {
      expect(t.failures()).toEqual([]);
      if (opts.afterEach === 'no failures or denials')
        expect(t.denied().map((c) => `${t.functionOf(c.accessKeyId)} ${c.service}:${c.action}: ${c.errorMessage}`)).toEqual([]);
    });
  return t;
}
